"""Signals as the engine reads them (`docker kill -s`, StopSignal): a name with or without
"SIG", in any case, or a number; Linux's numbers."""
from __future__ import annotations

from ..errors import EngineError, InvalidParameter

SIGNALS = {
    "ABRT": 6, "ALRM": 14, "BUS": 7, "CHLD": 17, "CLD": 17, "CONT": 18, "FPE": 8, "HUP": 1, "ILL": 4,
    "INT": 2, "IO": 29, "IOT": 6, "KILL": 9, "PIPE": 13, "POLL": 29, "PROF": 27, "PWR": 30, "QUIT": 3,
    "SEGV": 11, "STKFLT": 16, "STOP": 19, "SYS": 31, "TERM": 15, "TRAP": 5, "TSTP": 20, "TTIN": 21,
    "TTOU": 22, "URG": 23, "USR1": 10, "USR2": 12, "VTALRM": 26, "WINCH": 28, "XCPU": 24, "XFSZ": 25,
    "RTMIN": 34, "RTMAX": 64,
    **{f"RTMIN+{i}": 34 + i for i in range(1, 16)}, **{f"RTMAX-{i}": 64 - i for i in range(1, 15)},
}
SIGKILL, SIGTERM, SIGSTOP, SIGCONT = 9, 15, 19, 18


def parse(raw: str | int) -> int:
    """The signal's number as the API reads it (a negative number wraps, as Go's uint64 does);
    the engine's 400 for a word it does not know, or 0."""
    text = str(raw).strip()
    try:
        number = int(text)
    except ValueError:
        upper = text.upper()
        found = SIGNALS.get(upper[3:] if upper.startswith("SIG") else upper)
        if found is None:
            raise InvalidParameter(f"Invalid signal: {text}") from None
        return found
    if number == 0:
        raise InvalidParameter(f"Invalid signal: {text}")
    return number % (1 << 64)


def check(number: int) -> None:
    """A number the engine does not know as a Linux signal: its 500."""
    if number not in VALID:
        raise EngineError(f"The linux daemon does not support signal {number}")


VALID = frozenset(SIGNALS.values())
