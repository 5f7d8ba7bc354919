"""A container's log, as the json-file driver keeps it: one entry per line its main process wrote,
each with its stream and the time its newline came; and what `docker logs` reads of it (--tail,
--since, --until, --timestamps).

The engine's copier holds a line until its newline (or until 16 KiB wait, or the process ends):
a shell's prompt is not in the log while the shell waits at it (`docker logs`, `docker attach
--logs`, `docker logs -f` alike), only what the terminal showed on complete lines.
"""
from __future__ import annotations

from ..state import Container, now


BUFFER = 16 * 1024   # the copier's buffer: a longer line is logged in pieces of this size


def write(c: Container, fd: int, data: bytes, t: float) -> None:
    """The main process wrote data on fd (1 stdout | 2 stderr) at t: its complete lines are logged."""
    held = c.log_partial.get(fd, b"") + data
    start = 0
    while True:
        end = held.find(b"\n", start)
        if end < 0:
            break
        c.log.append((fd, held[start:end + 1], t))
        start = end + 1
    held = held[start:]
    while len(held) >= BUFFER:
        c.log.append((fd, held[:BUFFER], t))
        held = held[BUFFER:]
    c.log_partial[fd] = held


def flush(c: Container, t: float) -> None:
    """The main process ended: a last line without its newline is logged as it is."""
    for fd, held in sorted(c.log_partial.items()):
        if held:
            c.log.append((fd, held, t))
    c.log_partial.clear()


def entries(c: Container) -> list[tuple[int, bytes, float]]:
    """(1 stdout | 2 stderr, line with its newline, time), in the order logged."""
    return list(c.log)


def stamp(t: float) -> bytes:
    """The engine's RFC 3339 time with nanoseconds, always nine digits."""
    return (now(t) + " ").encode()


def parse_time(value: str | None) -> float | None:
    """--since/--until as the engine reads them from the query: seconds since the epoch (with a
    fraction); 0 or nothing means no bound."""
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        return None
    return seconds or None


def select(c: Container, streams: set[int], tail: str | None, since: str | None, until: str | None,
           timestamps: bool) -> list[tuple[int, bytes]]:
    """What `docker logs` shows: (stream, bytes) per entry."""
    lo, hi = parse_time(since), parse_time(until)
    picked = entries(c)
    if tail not in (None, "", "all"):   # the last lines of the file, whatever their stream
        try:
            n = int(tail)
        except ValueError:
            n = -1
        if n >= 0:
            picked = picked[len(picked) - n:] if n else []
    return [(fd, stamp(t) + line if timestamps else line) for fd, line, t in picked
            if fd in streams and (lo is None or t >= lo) and (hi is None or t <= hi)]
