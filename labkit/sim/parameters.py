"""ash's parameter expansion, `${...}`: a variable's value, or what a form makes of it.

    ${NAME}                  the value ("" when unset)
    ${#NAME}                 its length
    ${NAME-WORD} ${NAME:-WORD}   WORD when unset (with ":", when empty too)
    ${NAME+WORD} ${NAME:+WORD}   WORD when set (with ":", when not empty)
    ${NAME=WORD} ${NAME:=WORD}   as "-", and NAME is set to WORD
    ${NAME?WORD} ${NAME:?WORD}   the value, else "sh: NAME: WORD" (or "parameter not set"): the script ends
    ${NAME%PAT} ${NAME%%PAT}     the value without its shortest (longest) end matching PAT
    ${NAME#PAT} ${NAME##PAT}     the value without its shortest (longest) start matching PAT
    ${NAME:OFFSET} ${NAME:OFFSET:LENGTH}   a part of the value
    ${NAME/PAT/REP} ${NAME//PAT/REP}       the first (every) longest match of PAT replaced

Anything else is ash's "syntax error: bad substitution" (the script ends, exit 2). WORD is expanded
as double-quoted text (the caller's `word`).
"""
from __future__ import annotations

import fnmatch
import re
from typing import Callable

from .grammar import ShellError

FORM = re.compile(r"([A-Za-z_][A-Za-z0-9_]*|[?$#0-9!@*-])(:?[-+=?]|%%?|##?|//?|:)?(.*)", re.S)


def expand(inner: str, lookup: Callable[[str], str | None], assign: Callable[[str, str], None],
           word: Callable[[str], str]) -> str:
    """The value of `${INNER}`."""
    if inner.startswith("#") and len(inner) > 1:
        return str(len(lookup(inner[1:]) or ""))
    m = FORM.fullmatch(inner)
    if m is None or (m.group(2) is None and m.group(3)):
        raise ShellError("syntax error: bad substitution")
    name, op, rest = m.groups()
    value = lookup(name)
    if op is None:
        return value or ""
    unset = value is None or (op.startswith(":") and value == "")
    if op in ("-", ":-"):
        return word(rest) if unset else value
    if op in ("+", ":+"):
        return "" if unset else word(rest)
    if op in ("=", ":="):
        if unset:
            value = word(rest)
            assign(name, value)
        return value
    if op in ("?", ":?"):
        if unset:
            raise ShellError(f"{name}: {word(rest) or 'parameter not set'}")
        return value
    value = value or ""
    if op == ":":
        numbers = rest.split(":")
        if not all(re.fullmatch(r"\s*-?\d+\s*", n) for n in numbers) or len(numbers) > 2:
            raise ShellError("syntax error: bad substitution")
        start = max(0, int(numbers[0]) if int(numbers[0]) >= 0 else len(value) + int(numbers[0]))
        return value[start:start + int(numbers[1])] if len(numbers) == 2 else value[start:]
    if op in ("/", "//"):
        pattern, _, replacement = rest.partition("/")
        return replaced(value, word(pattern), word(replacement), every=op == "//")
    return trimmed(value, op, word(rest))


def replaced(value: str, pattern: str, replacement: str, every: bool) -> str:
    """value with the longest match of pattern at the first place it matches (every: at each)."""
    out, i = "", 0
    while pattern and i < len(value):
        end = next((j for j in range(len(value), i, -1) if fnmatch.fnmatchcase(value[i:j], pattern)), None)
        if end is None:
            out += value[i]
            i += 1
            continue
        out += replacement
        i = end
        if not every:
            break
    return out + value[i:]


def trimmed(value: str, op: str, pattern: str) -> str:
    """value without the end (%, %%) or start (#, ##) that pattern matches, shortest or longest."""
    cuts = range(len(value) + 1)
    if op in ("%", "##"):
        cuts = reversed(cuts)
    for k in cuts:
        if op.startswith("%") and fnmatch.fnmatchcase(value[k:], pattern):
            return value[:k]
        if op.startswith("#") and fnmatch.fnmatchcase(value[:k], pattern):
            return value[k:]
    return value
