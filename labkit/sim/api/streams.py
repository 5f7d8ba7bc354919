"""Hijacked streams: a client attached to a process (`docker attach`, `docker run` without -d,
`docker exec`), as the engine serves them.

Output: what the process writes, as it writes it: multiplexed frames (stream byte, three zeros,
big-endian length) without a terminal, the terminal's bytes as they are with one. The stream ends
when the process ends (the engine then closes the connection), or when the client detaches.

Input: what the client sends goes to the process's stdin, through its terminal's line discipline
when it has one. The detach keys (ctrl-p ctrl-q unless the client names others) end the session
and leave the process running. When the client closes its side, the process's stdin ends with it
for an exec, and for a container only when it was created to close stdin after one attach
(StdinOnce, what `docker run -i` asks).

No wait here holds the world's lock, and none outlives the client: the output loop wakes every
second to see whether the client went away.
"""
from __future__ import annotations

import threading
from typing import Callable

from ..engine import processes
from ..process import Feed, Process
from ..terminal import DetachWatch
from .query import frame

POLL = 1.0   # seconds between looks at whether the client went away
WAIT_FOR_START = 30.0   # seconds input sent before a container's start waits for it


def serve(channel, world, feed: Feed, *, framed: bool, target: Callable[[], Process | None] | None = None,
          keys: bytes = b"", close_stdin: bool = True, history: list | None = None, exec_: bool = False) -> None:
    """Run one attached session on a hijacked connection until the process ends, the client
    detaches or goes away. target(): the process input goes to (None: not started yet). An
    attach ends when the client's input does; an exec's output goes on until it ends. Detached
    from an exec, the engine says so on the stream and the exec ends (126)."""
    detached = threading.Event()

    def pump() -> None:
        watch = DetachWatch(keys) if keys else None
        held = b""
        while True:
            data = channel.read()
            eof, hit = not data, False
            if watch is not None and data:
                data, hit = watch.feed(data)
            with world.lock:
                # Input sent before the process started (docker run -i) waits for it.
                world.changed.wait_for(lambda: target() is not None or detached.is_set(), WAIT_FOR_START)
                proc = target()
                if proc is None:
                    held += data
                elif eof:
                    proc.give(held, close=close_stdin)
                    # The engine (stream.CopyStreams): StdinOnce without a terminal closes the
                    # process's stdin only, its output goes on (`docker run -i busybox wc -l`);
                    # otherwise the client's end of input ends the attach's output too.
                    if not exec_ and not (close_stdin and proc.tty is None):
                        detached.set()
                        feed.close()
                    return
                else:
                    data, held = held + data, b""
                    if proc.tty is not None:
                        proc.tty.keys(proc, data)
                    else:
                        proc.give(data)
            if hit:
                if exec_:
                    channel.write(b"exec attach failed: error on attach stdin: read escape sequence\r\n")
                    with world.lock:
                        proc = target()
                        if proc is not None:
                            processes.kill(proc, 126)
                detached.set()
                feed.close()
                return

    if target is not None:
        threading.Thread(target=pump, daemon=True, name="labkit-sim stdin").start()
    for fd, data in history or []:
        channel.write(frame(fd, data) if framed else data)
    while not detached.is_set():
        chunks = feed.take(POLL)
        if chunks is None or detached.is_set():
            break
        if chunks:
            payload = b"".join(frame(fd, data) if framed else data for fd, data in chunks)
            if not channel.write(payload):
                break
        elif channel.gone():
            break
    with world.lock:
        unhook(world, feed)


def unhook(world, feed: Feed) -> None:
    """The session is over: its feed leaves whatever process or container it was on."""
    feed.close()
    for host in world.hosts.values():
        for c in host.containers.values():
            if feed in c.attached:
                c.attached.remove(feed)
    for e in world.execs.values():
        if e.process is not None and feed in e.process.feeds:
            e.process.feeds.remove(feed)
