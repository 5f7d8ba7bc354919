"""busybox ash's arithmetic expansion, `$((EXPRESSION))`: 64-bit signed integers, C's operators.

Numbers are decimal, 0x hexadecimal or 0 octal; a name is its variable's value (unset or empty:
0; a value that is itself a name: that variable's, as ash reads it); `$NAME` was substituted
before. Operators, from the loosest: `,` then assignments (`=` `+=` `-=` `*=` `/=` `%=` `<<=`
`>>=` `&=` `^=` `|=`), `?:`, `||`, `&&`, `|`, `^`, `&`, `==` `!=`, `<` `<=` `>` `>=`, `<<` `>>`,
`+` `-`, `*` `/` `%`, `**`, then unary `!` `~` `+` `-` `++` `--` and postfix `++` `--`. As busybox
1.35's ash does, `&&`, `||` and `?:` evaluate both sides (`$((0 && (x=5)))` sets x; `$((0 && 1/0))`
divides by zero). ash's errors: "arithmetic syntax error", "divide by zero".
"""
from __future__ import annotations

import re
from typing import Callable

TOKEN = re.compile(r"\s*(?:(0[xX][0-9A-Fa-f]+|\d+)|([A-Za-z_][A-Za-z0-9_]*)|"
                   r"(<<=|>>=|\*\*|<<|>>|<=|>=|==|!=|&&|\|\||\+\+|--|[-+*/%&^|]=|[-+*/%<>=!~&^|?:(),]))")
BINARY = [(",",), ("=", "+=", "-=", "*=", "/=", "%=", "<<=", ">>=", "&=", "^=", "|="), ("?",), ("||",), ("&&",),
          ("|",), ("^",), ("&",), ("==", "!="), ("<", "<=", ">", ">="), ("<<", ">>"), ("+", "-"), ("*", "/", "%"),
          ("**",)]
LEVEL = {op: k for k, ops in enumerate(BINARY) for op in ops}
RIGHT = {LEVEL["="], LEVEL["?"], LEVEL["**"]}


class BadExpression(Exception):
    """ash's own words for an expression it cannot evaluate."""


def wrap(n: int) -> int:
    """An int64, as ash keeps it."""
    return (n + 2 ** 63) % 2 ** 64 - 2 ** 63


def divide(a: int, b: int, op: str) -> int:
    if b == 0:
        raise BadExpression("divide by zero")
    q = abs(a) // abs(b) * (1 if (a < 0) == (b < 0) else -1)    # C: toward zero
    return q if op == "/" else a - q * b


BINARY_OPS: dict[str, Callable[[int, int], int]] = {
    "|": lambda a, b: a | b, "^": lambda a, b: a ^ b, "&": lambda a, b: a & b,
    "==": lambda a, b: int(a == b), "!=": lambda a, b: int(a != b), "<": lambda a, b: int(a < b),
    "<=": lambda a, b: int(a <= b), ">": lambda a, b: int(a > b), ">=": lambda a, b: int(a >= b),
    "<<": lambda a, b: a << (b & 63), ">>": lambda a, b: a >> (b & 63), "+": lambda a, b: a + b,
    "-": lambda a, b: a - b, "*": lambda a, b: a * b, "/": lambda a, b: divide(a, b, "/"),
    "%": lambda a, b: divide(a, b, "%"), "&&": lambda a, b: int(bool(a) and bool(b)),
    "||": lambda a, b: int(bool(a) or bool(b)), "**": lambda a, b: pow(a, b, 2 ** 64) if b >= 0 else 0,
}


class Expression:
    """One expression, evaluated as it is read."""

    def __init__(self, text: str, lookup: Callable[[str], str | None], assign: Callable[[str, str], None]):
        self.tokens: list[tuple[str, str]] = []
        pos = 0
        while pos < len(text):
            m = TOKEN.match(text, pos)
            if m is None:
                if text[pos:].strip():
                    raise BadExpression("arithmetic syntax error")
                break
            number, name, op = m.groups()
            self.tokens.append(("n", number) if number else ("v", name) if name else ("o", op))
            pos = m.end()
        self.i = 0
        self.lookup, self.assign = lookup, assign

    def peek(self) -> tuple[str, str]:
        return self.tokens[self.i] if self.i < len(self.tokens) else ("", "")

    def take(self, op: str | None = None) -> tuple[str, str]:
        tok = self.peek()
        if not tok[0] or (op is not None and tok != ("o", op)):
            raise BadExpression("arithmetic syntax error")
        self.i += 1
        return tok

    def value_of(self, name: str, depth: int = 0) -> int:
        text = (self.lookup(name) or "").strip()
        if not text:
            return 0
        if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", text) and depth < 10:
            return self.value_of(text, depth + 1)
        return number(text)

    def set(self, name: str, value: int) -> int:
        self.assign(name, str(wrap(value)))
        return value

    def binary(self, level: int) -> int:
        if level == len(BINARY):
            return self.unary()
        left = self.binary(level + 1)
        while self.peek()[0] == "o" and LEVEL.get(self.peek()[1]) == level:
            op = self.take()[1]
            if op == "?":
                yes = self.binary(LEVEL["="])
                self.take(":")
                no = self.binary(LEVEL["?"])
                left = yes if left else no
            elif level == LEVEL["="]:
                raise BadExpression("arithmetic syntax error")   # an assignment to a non-name
            else:
                right = self.binary(level if level in RIGHT else level + 1)
                left = right if op == "," else BINARY_OPS[op](left, right)
        return left

    def unary(self) -> int:
        kind, text = self.take()
        if kind == "n":
            return number(text)
        if kind == "v":
            nxt = self.peek()
            if nxt[0] == "o" and nxt[1] in LEVEL and LEVEL[nxt[1]] == LEVEL["="]:
                op = self.take()[1]
                right = self.binary(LEVEL["="])
                return self.set(text, right if op == "=" else BINARY_OPS[op[:-1]](self.value_of(text), right))
            if nxt in (("o", "++"), ("o", "--")):
                self.take()
                old = self.value_of(text)
                self.set(text, old + (1 if nxt[1] == "++" else -1))
                return old
            return self.value_of(text)
        if text == "(":
            inner = self.binary(0)
            self.take(")")
            return inner
        if text in ("++", "--"):
            _, name = self.take()
            if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
                raise BadExpression("arithmetic syntax error")
            return self.set(name, self.value_of(name) + (1 if text == "++" else -1))
        operand = self.unary()
        ops = {"!": lambda v: int(v == 0), "~": lambda v: ~v, "-": lambda v: -v, "+": lambda v: v}
        if text not in ops:
            raise BadExpression("arithmetic syntax error")
        return ops[text](operand)


def number(text: str) -> int:
    try:
        if re.fullmatch(r"0[xX][0-9A-Fa-f]+", text):
            return int(text, 16)
        if len(text) > 1 and text.startswith("0"):
            return int(text, 8)
        return int(text, 10)
    except ValueError:
        raise BadExpression("arithmetic syntax error") from None


def evaluate(text: str, lookup: Callable[[str], str | None], assign: Callable[[str, str], None]) -> int:
    """The value of an expression (variables read with lookup, set with assign)."""
    expr = Expression(text, lookup, assign)
    if not expr.tokens:
        return 0
    value = expr.binary(0)
    if expr.i != len(expr.tokens):
        raise BadExpression("arithmetic syntax error")
    return wrap(value)
