"""A container's log, as the json-file driver keeps it: one entry per line its main process wrote
(a last line without its newline is an entry too), each with its stream and time; and what
`docker logs` reads of it (--tail, --since, --until, --timestamps).
"""
from __future__ import annotations

import time

from ..state import Container


def entries(c: Container) -> list[tuple[int, bytes, float]]:
    """(1 stdout | 2 stderr, line with its newline, time), in the order written."""
    out = []
    for fd, data, t in c.log:
        start = 0
        while start < len(data):
            end = data.find(b"\n", start)
            end = len(data) if end < 0 else end + 1
            out.append((fd, data[start:end], t))
            start = end
    return out


def stamp(t: float) -> bytes:
    """The engine's RFC 3339 time with nanoseconds, always nine digits."""
    return (time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + f".{int(t % 1 * 1e9):09d}Z ").encode()


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
