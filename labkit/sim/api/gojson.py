"""Request bodies read as dockerd reads them: Go's encoding/json (json.NewDecoder(body).Decode into
one of the engine's Go structs), with Go's answers and error texts.

    body = decode(raw, NETWORK_CREATE)   # the body, keys as the struct spells them, or GoJSONError

What Go does, and so this module:
- Syntax: the first JSON value is read and what follows it is left unread. An empty body is
  io.EOF ("EOF"), a cut one "unexpected EOF", a stray byte "invalid character 'x' looking for
  beginning of value" (or "after object key", "in string literal", ...: the scanner's context).
- Types: an object's keys pick struct fields by name, exactly or else ignoring case; unknown keys
  are ignored; null leaves the zero value; a value of the wrong kind is recorded as
  "json: cannot unmarshal number into Go struct field NetworkCreateRequest.Name of type string"
  (the struct holding the field, the field's path from the top, the field's Go type) and decoding
  goes on: the first such error is the answer. Numbers must fit their Go type ("number 1.5",
  "number 70000"). A type with its own decoder (strslice.StrSlice: a string or a list of
  strings) stops decoding at its error, which wins over any recorded before.
Fields of embedded structs are promoted as Go promotes them (the shallower name wins; two at the
same depth cancel out).

The fast path is Python's json (Go accepts everything it accepts but NaN and Infinity); Go's
scanner (goscan.py) runs only to word a syntax error.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from .goscan import syntax_error


class GoJSONError(Exception):
    """Go's error for a body, in Go's words (`message`)."""

    def __init__(self, message: str, eof: bool = False):
        super().__init__(message)
        self.message = message
        self.eof = eof          # io.EOF: the body held no value at all


# -- Go types ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class GoType:
    name: str                  # as Go's reflect.Type prints it: string, int64, container.NetworkMode


@dataclass(frozen=True)
class Str(GoType):
    name: str = "string"


@dataclass(frozen=True)
class Bool(GoType):
    name: str = "bool"


@dataclass(frozen=True)
class Int(GoType):
    bits: int = 64
    signed: bool = True


@dataclass(frozen=True)
class Float(GoType):
    bits: int = 64


@dataclass(frozen=True)
class Any(GoType):
    name: str = "interface {}"


@dataclass(frozen=True)
class Slice(GoType):
    elem: GoType = None
    length: int | None = None  # a Go array ([2]uint): extra elements are dropped


@dataclass(frozen=True)
class Map(GoType):
    elem: GoType = None


@dataclass(frozen=True)
class StrSlice(GoType):
    """strslice.StrSlice: a string or a list of strings, with a decoder of its own."""
    name: str = "strslice.StrSlice"


@dataclass(frozen=True)
class Ptr(GoType):
    """A pointer: null leaves it nil; errors name the type it points to."""
    elem: GoType = None


@dataclass(frozen=True, eq=False)
class Struct(GoType):
    fields: tuple = ()         # (json name, GoType), in declaration order
    embedded: tuple = ()       # embedded structs (their fields promoted)
    index: dict = field(default_factory=dict, compare=False)    # visible name -> GoType
    folded: dict = field(default_factory=dict, compare=False)   # casefolded name -> visible name

    @property
    def short(self) -> str:
        """The name Go gives the struct in "Go struct field NAME.Field": without its package."""
        return self.name.rsplit(".", 1)[-1]

    def field_named(self, key: str) -> str | None:
        """The field a JSON key fills: the same name, or else the same name but for case."""
        if not self.index:
            self.promote()
        if key in self.index:
            return key
        return self.folded.get(key.casefold())

    def promote(self) -> None:
        """Its fields as JSON sees them, embedded ones promoted by Go's rules: the shallowest name
        wins; two at the same depth cancel out."""
        by_name: dict[str, list] = {}
        level = [(self, 0)]
        while level:
            deeper = []
            for st, depth in level:
                for name, t in st.fields:
                    by_name.setdefault(name, []).append((depth, t))
                deeper += [(e.elem if isinstance(e, Ptr) else e, depth + 1) for e in st.embedded]
            level = deeper
        for name, found in by_name.items():
            top = min(d for d, _ in found)
            winners = [t for d, t in found if d == top]
            if len(winners) == 1:
                self.index[name] = winners[0]
        self.folded.update((n.casefold(), n) for n in self.index)


def struct(go_name: str, *embedded: GoType, **fields: GoType) -> Struct:
    """A Go struct: `struct("types.NetworkCreateRequest", NETWORK_CREATE_BASE, Name=STRING)`."""
    return Struct(go_name, tuple(fields.items()), embedded)


STRING, BOOL, ANY = Str(), Bool(), Any()
INT, INT64, UINT64 = Int("int"), Int("int64"), Int("uint64", signed=False)
UINT16, UINT32 = Int("uint16", 16, False), Int("uint32", 32, False)
DURATION = Int("time.Duration")


def named(name: str) -> Str:
    """A named string type of the engine's, such as container.NetworkMode."""
    return Str(name)


# -- decoding ----------------------------------------------------------------------------------------
class IntLit(int):
    """An integer as written in the body (its text kept for Go's "number 1e3" wording)."""
    text: str


class FloatLit(float):
    text: str


def int_lit(text: str) -> IntLit:
    v = IntLit(text)
    v.text = text
    return v


def float_lit(text: str) -> FloatLit:
    v = FloatLit(text)
    v.text = text
    return v


class Pairs(list):
    """A JSON object as its (key, value) pairs, in order, repeated keys kept (Go sees them all)."""


def no_constants(name: str):
    raise ValueError(name)


PY_DECODER = json.JSONDecoder(parse_int=int_lit, parse_float=float_lit, parse_constant=no_constants,
                              object_pairs_hook=Pairs)
SPACE = re.compile(r"[ \t\r\n]*")


def decode(raw: bytes, target: GoType):
    """The body decoded into `target` as Go would: plain Python values, struct keys as the struct
    spells them, nulls and unknown-null fields dropped. Raises GoJSONError with Go's text."""
    text = raw.decode("utf-8", "replace")
    start = SPACE.match(text).end()
    if start == len(text):
        raise GoJSONError("EOF", eof=True)
    try:
        value, _ = PY_DECODER.raw_decode(text, start)
    except ValueError:
        raise GoJSONError(syntax_error(raw) or "EOF") from None
    except RecursionError:    # nested deeper than Python reads (Go reads 10000 levels)
        raise GoJSONError(syntax_error(raw) or "labkit's simulated engine cannot read JSON nested this deep") from None
    walk = Walk()
    try:
        out = walk.value(value, target)
    except Abort:
        out = None
    if walk.error:
        raise GoJSONError(walk.error)
    return out


class Abort(Exception):
    """A type with its own decoder failed: Go stops there."""


def kind(value) -> str:
    """How Go names a JSON value in "cannot unmarshal KIND into ...". """
    if isinstance(value, Pairs):
        return "object"
    if isinstance(value, list):
        return "array"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    return "string"


def plain(value):
    """A decoded value with no Go type to follow (unknown fields, interface{})."""
    if isinstance(value, Pairs):
        return {k: plain(v) for k, v in value}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, IntLit):
        return int(value)
    if isinstance(value, FloatLit):
        return float(value)
    return value


INT_TEXT = re.compile(r"-?[0-9]+")
FLOAT_MAX = {32: 3.4028234663852886e38, 64: 1.7976931348623157e308}


class Walk:
    """One decoding: the first type error, and where it happened (Go's errorContext)."""

    def __init__(self):
        self.error: str | None = None
        self.struct = ""       # the innermost struct being filled
        self.path: list[str] = []

    def fail(self, what: str, target: GoType) -> None:
        if self.error is None:
            self.error = self.wording(what, target)

    def wording(self, what: str, target: GoType) -> str:
        if self.struct or self.path:
            return (f"json: cannot unmarshal {what} into Go struct field {self.struct}."
                    f"{'.'.join(self.path)} of type {target.name}")
        return f"json: cannot unmarshal {what} into Go value of type {target.name}"

    def value(self, v, t: GoType):
        while isinstance(t, Ptr):
            t = t.elem
        if v is None:
            return None
        if isinstance(t, Any):
            return plain(v)
        if isinstance(t, StrSlice):
            return self.strslice(v, t)
        if isinstance(t, Str):
            if isinstance(v, str):
                return v
        elif isinstance(t, Bool):
            if isinstance(v, bool):
                return v
        elif isinstance(t, Int):
            if isinstance(v, (IntLit, FloatLit)):
                return self.integer(v, t)
        elif isinstance(t, Float):
            if isinstance(v, (IntLit, FloatLit)):
                if abs(float(v)) > FLOAT_MAX[t.bits]:
                    self.fail("number " + v.text, t)
                    return None
                return float(v)
        elif isinstance(t, Slice):
            if isinstance(v, list) and not isinstance(v, Pairs):
                items = v if t.length is None else v[:t.length]
                return [self.value_or_zero(item, t.elem) for item in items]
        elif isinstance(t, Map):
            if isinstance(v, Pairs):
                out = {}
                for key, item in v:
                    out[key] = self.value_or_zero(item, t.elem)
                return out
        elif isinstance(t, Struct):
            if isinstance(v, Pairs):
                return self.struct_value(v, t)
        self.fail(kind(v), t)
        return None

    def value_or_zero(self, v, t: GoType):
        """An element of a list or map: a null one is its type's zero value, as in Go."""
        got = self.value(v, t)
        if got is None and v is None:
            if isinstance(t, Ptr):
                return None
            return {Str: "", Bool: False, Int: 0, Float: 0.0}.get(type(t))
        return got

    def integer(self, v, t: Int):
        text = v.text
        if INT_TEXT.fullmatch(text):
            n = int(text)
            low, high = (-(1 << (t.bits - 1)), (1 << (t.bits - 1)) - 1) if t.signed else (0, (1 << t.bits) - 1)
            if low <= n <= high and not (not t.signed and text.startswith("-")):
                return n
        self.fail("number " + text, t)
        return None

    def strslice(self, v, t: StrSlice):
        if isinstance(v, str):
            return [v]
        if isinstance(v, list) and not isinstance(v, Pairs) and all(isinstance(s, str) or s is None for s in v):
            return ["" if s is None else s for s in v]
        # Its decoder tries a list of strings, then one string; the second error is the one kept.
        self.error = self.wording(kind(v), STRING)
        raise Abort

    def struct_value(self, pairs: Pairs, t: Struct) -> dict:
        out = {}
        for key, item in pairs:
            name = t.field_named(key)
            if name is None:
                out.setdefault(key, plain(item))  # not the struct's: Go ignores it
                continue
            outer, depth = self.struct, len(self.path)
            self.struct = t.short
            self.path.append(name)
            got = self.value(item, t.index[name])
            self.struct = outer
            del self.path[depth:]
            if got is None:
                out.pop(name, None)
            else:
                out[name] = got
        return out
