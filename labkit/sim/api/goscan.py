"""Go's JSON scanner (encoding/json's scanner.go, as dockerd's Go 1.19 has it), one byte at a time,
for the wording of a syntax error in a request body: "invalid character 'x' looking for beginning
of value", "... after object key", "... in string literal", "unexpected EOF", "EOF".

    syntax_error(b'{"Name": tru}')   # "invalid character '}' in literal true (expecting 'e')"
"""
from __future__ import annotations

def quote_char(c: int) -> str:
    """How Go's scanner shows a byte: 'x', '\\n', '\\x01', '\\u0085'."""
    if c == ord("'"):
        return "'\\''"
    if c == ord('"'):
        return "'\"'"
    escapes = {7: "\\a", 8: "\\b", 12: "\\f", 10: "\\n", 13: "\\r", 9: "\\t", 11: "\\v", 92: "\\\\"}
    if c in escapes:
        s = escapes[c]
    elif c < 0x20 or c == 0x7F:
        s = f"\\x{c:02x}"
    elif 0x80 <= c <= 0xA0 or c == 0xAD:
        s = f"\\u{c:04x}"
    else:
        s = chr(c)
    return f"'{s}'"


HEX = frozenset(b"0123456789abcdefABCDEF")
DIGITS = frozenset(b"0123456789")
WHITESPACE = frozenset(b" \t\r\n")
MAX_DEPTH = 10000


class SyntaxFound(Exception):
    pass


def syntax_error(raw: bytes) -> str | None:
    """Go's Decoder's error for a body whose first value does not scan (None: it scans)."""
    scan = Scanner()
    try:
        for c in raw:
            if scan.step(c):
                return None
        if scan.step(ord(" ")):
            return None
    except SyntaxFound as e:
        return str(e)
    return "unexpected EOF" if any(c not in WHITESPACE for c in raw) else "EOF"


class Scanner:
    """Go's JSON scanner, one byte at a time: step(c) is True when the first value has ended."""

    LITERALS = {"t": b"true", "f": b"false", "n": b"null"}

    def __init__(self):
        self.stack: list[str] = []     # "key" (in an object, before ':'), "value", "array"
        self.state = self.begin_value
        self.literal = b""
        self.pos = 0

    def step(self, c: int) -> bool:
        return self.state(c)

    def error(self, c: int, context: str):
        raise SyntaxFound(f"invalid character {quote_char(c)} {context}")

    def push(self, kind: str, c: int):
        self.stack.append(kind)
        if len(self.stack) > MAX_DEPTH:
            self.error(c, "exceeded max depth")

    # values
    def begin_value_or_empty(self, c: int) -> bool:
        if c in WHITESPACE:
            return False
        if c == ord("]"):
            return self.end_value(c)
        return self.begin_value(c)

    def begin_value(self, c: int) -> bool:
        if c in WHITESPACE:
            return False
        ch = chr(c)
        if ch == "{":
            self.push("key", c)
            self.state = self.begin_string_or_empty
        elif ch == "[":
            self.push("array", c)
            self.state = self.begin_value_or_empty
        elif ch == '"':
            self.state = self.in_string
        elif ch == "-":
            self.state = self.neg
        elif ch == "0":
            self.state = self.zero
        elif ch in "123456789":
            self.state = self.digits
        elif ch in self.LITERALS:
            self.literal, self.pos = self.LITERALS[ch], 1
            self.state = self.in_literal
        else:
            self.error(c, "looking for beginning of value")
        return False

    def begin_string_or_empty(self, c: int) -> bool:
        if c in WHITESPACE:
            return False
        if c == ord("}"):
            self.stack[-1] = "value"
            return self.end_value(c)
        return self.begin_string(c)

    def begin_string(self, c: int) -> bool:
        if c in WHITESPACE:
            return False
        if c == ord('"'):
            self.state = self.in_string
            return False
        self.error(c, "looking for beginning of object key string")

    def end_value(self, c: int) -> bool:
        if not self.stack:
            return True
        if c in WHITESPACE:
            self.state = self.end_value
            return False
        top = self.stack[-1]
        if top == "key":
            if c == ord(":"):
                self.stack[-1] = "value"
                self.state = self.begin_value
                return False
            self.error(c, "after object key")
        if top == "value":
            if c == ord(","):
                self.stack[-1] = "key"
                self.state = self.begin_string
                return False
            if c == ord("}"):
                return self.pop()
            self.error(c, "after object key:value pair")
        if c == ord(","):
            self.state = self.begin_value
            return False
        if c == ord("]"):
            return self.pop()
        self.error(c, "after array element")

    def pop(self) -> bool:
        self.stack.pop()
        self.state = self.end_value
        return not self.stack

    # strings
    def in_string(self, c: int) -> bool:
        if c == ord('"'):
            self.state = self.end_value
        elif c == ord("\\"):
            self.state = self.in_escape
        elif c < 0x20:
            self.error(c, "in string literal")
        return False

    def in_escape(self, c: int) -> bool:
        if c in b'bfnrt\\/"':
            self.state = self.in_string
        elif c == ord("u"):
            self.pos = 0
            self.state = self.in_unicode
        else:
            self.error(c, "in string escape code")
        return False

    def in_unicode(self, c: int) -> bool:
        if c not in HEX:
            self.error(c, "in \\u hexadecimal character escape")
        self.pos += 1
        if self.pos == 4:
            self.state = self.in_string
        return False

    # numbers
    def neg(self, c: int) -> bool:
        if c == ord("0"):
            self.state = self.zero
        elif c in DIGITS:
            self.state = self.digits
        else:
            self.error(c, "in numeric literal")
        return False

    def digits(self, c: int) -> bool:
        if c in DIGITS:
            return False
        return self.zero(c)

    def zero(self, c: int) -> bool:
        if c == ord("."):
            self.state = self.dot
            return False
        if c in b"eE":
            self.state = self.exp
            return False
        return self.end_value(c)

    def dot(self, c: int) -> bool:
        if c in DIGITS:
            self.state = self.dot_digits
            return False
        self.error(c, "after decimal point in numeric literal")

    def dot_digits(self, c: int) -> bool:
        if c in DIGITS:
            return False
        if c in b"eE":
            self.state = self.exp
            return False
        return self.end_value(c)

    def exp(self, c: int) -> bool:
        if c in b"+-":
            self.state = self.exp_sign
            return False
        return self.exp_sign(c)

    def exp_sign(self, c: int) -> bool:
        if c in DIGITS:
            self.state = self.exp_digits
            return False
        self.error(c, "in exponent of numeric literal")

    def exp_digits(self, c: int) -> bool:
        if c in DIGITS:
            return False
        return self.end_value(c)

    # true, false, null
    def in_literal(self, c: int) -> bool:
        want = self.literal[self.pos]
        if c != want:
            self.error(c, f"in literal {self.literal.decode()} (expecting {quote_char(want)})")
        self.pos += 1
        if self.pos == len(self.literal):
            self.state = self.end_value
        return False
