"""A process's terminal (`-t`): the kernel's line discipline between a client's keys and the program,
and the engine's detach keys on an attached stream.

Cooked (the default): keys are echoed, a line is passed on at Enter (CR read as NL), backspace
erases (echo "\\b \\b"), ctrl-u kills the line, ctrl-c echoes ^C and sends SIGINT, ctrl-d at the
start of a line is an end of file; output NLs become CRLF. Raw: a line editor (busybox ash at its
prompt) takes the keys as they come and echoes them itself.
"""
from __future__ import annotations

from typing import Callable

from .process import SIGINT, SIGQUIT, SIGWINCH, Process

ERASE = (0x7F, 0x08)
DEFAULT_DETACH = b"\x10\x11"   # ctrl-p, ctrl-q
CTRL_PUNCT = {"@": 0, "[": 27, "\\": 28, "]": 29, "^": 30, "_": 31}


class Tty:
    """One terminal; `signal(sig)` is how the engine delivers ^C (SIGINT) and resizes (SIGWINCH)."""

    def __init__(self, signal: Callable[[int], None]):
        self.signal = signal
        self.raw = False
        self.line = bytearray()
        self.size = (0, 0)

    @staticmethod
    def output(data: bytes) -> bytes:
        return data.replace(b"\n", b"\r\n")

    def resize(self, rows: int, cols: int) -> None:
        if (rows, cols) != self.size:
            self.size = (rows, cols)
            self.signal(SIGWINCH)

    def keys(self, proc: Process, data: bytes) -> None:
        """Keys typed by a client; the caller holds the world's lock."""
        if self.raw:
            proc.give(data)
            return
        echo = bytearray()
        for byte in data:
            if byte == 0x03 or byte == 0x1C:
                echo += b"^C" if byte == 0x03 else b"^\\"
                self.line.clear()
                proc.write(1, bytes(echo), raw=True)
                echo.clear()
                self.signal(SIGINT if byte == 0x03 else SIGQUIT)
            elif byte in ERASE:
                if self.line:
                    self.line.pop()
                    echo += b"\b \b"
            elif byte == 0x15:
                echo += b"\b \b" * len(self.line)
                self.line.clear()
            elif byte == 0x04:
                if self.line:
                    proc.give(bytes(self.line))
                    self.line.clear()
                else:
                    proc.give(eof=True)
            elif byte in (0x0D, 0x0A):
                echo += b"\r\n"
                self.line += b"\n"
                proc.give(bytes(self.line))
                self.line.clear()
            else:
                self.line.append(byte)
                echo += b"^[" if byte == 0x1B else bytes([byte])
        proc.write(1, bytes(echo), raw=True)


def detach_keys(spec: str | None) -> bytes:
    """The engine's --detach-keys: "ctrl-p,ctrl-q" (the default), letters, "ctrl-@" ... "ctrl-_";
    raises ValueError with the engine's text for a bad one."""
    if not spec:
        return DEFAULT_DETACH
    out = bytearray()
    for key in spec.split(","):
        if len(key) == 1:
            out.append(ord(key))
        elif key.startswith("ctrl-") and len(key) == 6:
            ch = key[5].lower()
            if "a" <= ch <= "z":
                out.append(ord(ch) - ord("a") + 1)
            elif ch in CTRL_PUNCT:
                out.append(CTRL_PUNCT[ch])
            else:
                raise ValueError(f"Unknown character: '{key}'")
        else:
            raise ValueError(f"Unknown character: '{key}'")
    return bytes(out)


class DetachWatch:
    """Watches a client's input for the detach keys: what passes on, and whether they came."""

    def __init__(self, keys: bytes):
        self.keys = keys
        self.held = b""

    def feed(self, data: bytes) -> tuple[bytes, bool]:
        out = bytearray()
        for byte in data:
            self.held += bytes([byte])
            if self.keys.startswith(self.held):
                if self.held == self.keys:
                    return bytes(out), True
                continue
            out += self.held
            self.held = b""
        return bytes(out), False
