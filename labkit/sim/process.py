"""A process in a simulated container: what it runs, its input, its output, and the waits it makes.

A container's main process and each `docker exec` run their program in a thread of their own
(engine/processes.py starts them). The thread holds the world's lock while it computes and gives
it up whenever the program waits: for time to pass (`sleep`), for input (`cat`, a shell reading
its next line), or for nothing but a signal (a server). So a waiting process blocks nobody, and
the engine (holding the lock) always finds every process at a wait or not started.

Time is the world's Clock: the machine's monotonic clock plus what the engine skipped. The engine
skips time only where it would itself just wait (the grace period of `docker stop`): the clock
jumps to the next moment something happens (a sleep ends), the processes due then run, and so on,
in the order the real engine would see them.

Ending. A process ends when its program returns (exit code), or when it is killed: the engine
marks it ended at once (its exit code, its container's state) and the program, found at a wait,
unwinds by the Killed exception (a BaseException: no `except Exception` in an applet stops it).
Signals a program handles (a shell's `trap`) wait in `pending` for it; SIGINT from a terminal
interrupts the command a shell runs in the foreground (Interrupted).

Output goes to the process's feeds (the container's log, attached clients) as it is written.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Callable

SIGHUP, SIGINT, SIGQUIT, SIGKILL, SIGUSR1, SIGUSR2, SIGPIPE, SIGALRM, SIGTERM = 1, 2, 3, 9, 10, 12, 13, 14, 15
SIGCHLD, SIGCONT, SIGSTOP, SIGTSTP, SIGURG, SIGWINCH = 17, 18, 19, 20, 23, 28
# Signals whose default action is not to end the process (ignore, stop, continue).
NOT_FATAL = {SIGCHLD, SIGCONT, SIGSTOP, SIGTSTP, 21, 22, SIGURG, SIGWINCH}


class Killed(BaseException):
    """The process was killed while its program waited: the program unwinds, touching nothing."""


class Interrupted(BaseException):
    """SIGINT from the terminal: the command a shell runs in the foreground ends."""


class Clock:
    """The world's time in seconds: monotonic, plus what the engine skipped."""

    def __init__(self):
        self.skipped = 0.0

    def now(self) -> float:
        return time.monotonic() + self.skipped

    def wall(self) -> float:
        """Wall-clock time as the world sees it (timestamps)."""
        return time.time() + self.skipped


class Feed:
    """Output on its way to one reader (an attached client, an exec's stream): chunks in order,
    with a lock of its own, so that the reader waits without the world's lock."""

    def __init__(self, fds: tuple[int, ...] = (1, 2)):
        self.fds = fds
        self.chunks: list[tuple[int, bytes]] = []
        self.closed = False
        self.cond = threading.Condition(threading.Lock())

    def put(self, fd: int, data: bytes) -> None:
        if fd in self.fds and data:
            with self.cond:
                self.chunks.append((fd, data))
                self.cond.notify_all()

    def close(self) -> None:
        with self.cond:
            self.closed = True
            self.cond.notify_all()

    def take(self, timeout: float) -> list[tuple[int, bytes]] | None:
        """What came since the last take (waiting up to timeout for something); None once closed
        and drained."""
        with self.cond:
            if not self.chunks and not self.closed:
                self.cond.wait(timeout)
            chunks, self.chunks = self.chunks, []
            if not chunks and self.closed:
                return None
            return chunks


@dataclass
class Stdin:
    """A process's standard input: bytes written by a client, and whether it ended (EOF). A
    terminal's end of file (ctrl-d) is one empty read, not the end: `eofs` counts them."""

    data: bytearray = field(default_factory=bytearray)
    closed: bool = False
    eofs: int = 0


def rearm_first(world) -> None:
    """A sleeper's timer counts real seconds, so a jump of the world's clock makes it late; only the
    sleeper due first needs it right (the next one is woken here when that one stops sleeping): it
    is woken to set its timer again when it set it before the last jump."""
    first = min((p for p in world.sleepers if p.deadline is not None), key=lambda p: p.deadline, default=None)
    if first is not None and first.armed != world.clock.skipped:
        first.wake()


class Process:
    """One process: a container's main process (PID 1) or an exec."""

    def __init__(self, world, container, argv: list[str], pid: int, main: bool, stdin: bool = False):
        self.world = world
        self.container = container
        self.argv = list(argv)
        self.pid = pid
        self.inner_pid = 1 if main else 0     # its PID in its container's namespace (set by who starts it)
        self.main = main
        self.cond = threading.Condition(world.lock)
        self.stdin: Stdin | None = Stdin() if stdin else None
        self.tty = None                       # terminal.Tty when it has a terminal
        self.feeds: list[Feed] = []
        self.on_output: Callable[[int, bytes], None] | None = None   # the container's log
        self.on_end: Callable[[int], None] | None = None             # what the engine does then
        self.exit_code: int | None = None     # set when it ended
        self.killed = False
        self.started = False
        self.blocked = False                  # at a wait
        self.wakes = 0                        # how many times it came back from a wait
        self.deadline: float | None = None    # waiting for the clock to reach this
        self.armed = 0.0                      # the clock's skipped when it set its timer (a jump since: late)
        self.traps: dict[int, str] = {}       # signal -> what the shell runs (its `trap`)
        self.pending: list[int] = []          # handled signals not yet handled
        self.interruptible = False            # a shell runs a command in the terminal's foreground
        self.interrupted = False
        self.redraw: Callable[[], None] | None = None   # a line editor's answer to SIGWINCH
        # What its servers listen on, and files it made before serving (networking reads them).
        self.listens: list = []
        self.files: dict[str, str] = {}
        self.docroot = "/"
        self.thread: threading.Thread | None = None
        # An exec's own settings, and the ids it runs as (uid, gid, groups).
        self.env: list[str] = []
        self.workdir = ""
        self.user = ""
        self.ids: tuple[int, int, list[int]] = (0, 0, [0])

    @property
    def ended(self) -> bool:
        return self.exit_code is not None

    # -- waiting ------------------------------------------------------------------------------------
    def wait_until(self, ready: Callable[[], bool], seconds: float | None = None) -> bool:
        """Wait (the world's lock given up) until ready(), or until `seconds` of the world's time
        have passed (False). Raises Killed when the process is killed, Interrupted on SIGINT while
        interruptible; returns early when a handled signal is pending. While its container is
        paused (the freezer) nothing it waits for counts, and it is no sleeper of the clock's."""
        clock = self.world.clock
        deadline = None if seconds is None else clock.now() + seconds
        self.deadline = deadline
        if deadline is not None:
            self.world.sleepers.add(self)
        self.blocked = True
        with self.world.quiet:
            self.world.quiet.notify_all()
        try:
            while True:
                if self.killed:
                    raise Killed
                if self.interrupted:
                    self.interrupted = False
                    raise Interrupted
                if getattr(self.container, "paused", False):
                    self.world.sleepers.discard(self)     # frozen (docker pause): until thawed
                    rearm_first(self.world)
                    self.cond.wait()
                    continue
                if deadline is not None:
                    self.world.sleepers.add(self)
                if ready():
                    return True
                if deadline is not None:
                    left = deadline - clock.now()
                    if left <= 0:
                        return False
                    self.armed = clock.skipped
                    self.cond.wait(left)
                else:
                    self.cond.wait()
        finally:
            self.world.sleepers.discard(self)
            rearm_first(self.world)
            self.deadline = None
            self.blocked = False
            self.wakes += 1

    def sleep(self, seconds: float) -> None:
        self.wait_until(lambda: False, seconds)

    def wake(self) -> None:
        with self.cond:
            self.cond.notify_all()

    # -- input --------------------------------------------------------------------------------------
    def read(self, line: bool = False) -> bytes:
        """The next input: what is there (one line with line=True), b"" at the end of input or at a
        terminal's end of file (ctrl-d). Without stdin: the end, at once."""
        src = self.stdin
        if src is None:
            return b""

        def ready() -> bool:
            return (b"\n" in src.data if line else bool(src.data)) or src.closed or src.eofs > 0
        self.wait_until(ready)
        if line and b"\n" in src.data:
            end = src.data.index(b"\n") + 1
        elif src.data and ready():
            end = len(src.data)
        else:
            if src.eofs:
                src.eofs -= 1
            return b""
        out = bytes(src.data[:end])
        del src.data[:end]
        return out

    def read_all(self) -> bytes:
        """Everything until the end of input (a filter reading its stdin)."""
        parts = []
        while True:
            chunk = self.read()
            if not chunk:
                return b"".join(parts)
            parts.append(chunk)

    def give(self, data: bytes = b"", close: bool = False, eof: bool = False) -> None:
        """Input arrives (a client wrote it, or closed its side)."""
        if self.stdin is None:
            return
        with self.cond:
            self.stdin.data += data
            self.stdin.closed = self.stdin.closed or close
            self.stdin.eofs += eof
            self.cond.notify_all()

    # -- output -------------------------------------------------------------------------------------
    def write(self, fd: int, data: bytes | str, raw: bool = False) -> None:
        """Output as the program writes it: through its terminal (one stream, CRLF line ends) when
        it has one; raw: bytes a line editor wrote for the terminal as they are."""
        if isinstance(data, str):
            data = data.encode()
        if not data:
            return
        if self.tty is not None:
            fd = 1
            if not raw:
                data = self.tty.output(data)
        if self.on_output is not None:
            self.on_output(fd, data)
        for feed in self.feeds:
            feed.put(fd, data)
