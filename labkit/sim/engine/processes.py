"""Processes' lives: started in a thread of their own, settled, signalled, killed, waited for.

`start(proc, on_end)` runs the world's runtime for the process in a new thread and returns once the
process has reached its first wait or ended (so `docker run -d busybox echo hi` has exited when
start answers, and `docker run -d busybox sh -c 'echo a; sleep 1'` is running with "a" in its log).

Signals follow the kernel: SIGKILL ends any process (137); a signal the program handles (a shell's
`trap`) waits for it; PID 1 without a handler ignores every other signal (the kernel's rule for a
namespace's init: `docker stop` then waits its timeout and kills); another process ends with
128+N unless the signal's default is to ignore it.

`pass_time(world, seconds, done)` is the engine's own waiting (the grace period of `docker stop`):
the world's clock skips ahead to each moment something happens (a sleep ends), lets the processes
due then run, and stops when done() or when the seconds have passed, in the order the real engine
would see, without costing the wall-clock time.
"""
from __future__ import annotations

import sys
import threading
import time
import traceback
from typing import Callable

from ..process import NOT_FATAL, SIGINT, SIGKILL, SIGWINCH, Interrupted, Killed, Process, rearm_first

# PIDs in a container's namespace: runc's init is a Go program, and its threads take PIDs after the
# process it starts. PID 1's took 2 to 5 (the recorded engine's first exec got PID 6; 7 is seen too),
# and each `docker exec` takes one PID and its threads five more (the engine's execs: 7, 13, 19, 25).
FIRST_EXEC_PID = 6
RUNC_THREADS = 5
SETTLE_LIMIT = 5.0      # seconds a request waits for a process to reach a wait (a busy loop: no more)


def start(proc: Process, on_end: Callable[[int], None]) -> None:
    """Run proc's program in its own thread; return once it waits or has ended. The caller holds
    the world's lock."""
    proc.on_end = on_end
    proc.world.alive.add(proc)
    proc.thread = threading.Thread(target=run, args=(proc,), daemon=True,
                                   name=f"labkit-sim process {proc.argv[:1]}")
    with proc.world.lock:
        proc.thread.start()
        settle(proc)


def settle(*procs: Process, since: dict | None = None) -> None:
    """Wait (the world's lock given up) until each process is at a wait (a new one, with since:
    {proc: wakes}) or has ended."""
    world = procs[0].world if procs else None
    if world is None:
        return

    def quiet() -> bool:
        return all(p.ended or (at_rest(p) and (since is None or p.wakes > since.get(p, -1))) for p in procs)
    with world.quiet:
        world.quiet.wait_for(quiet, SETTLE_LIMIT)


def run(proc: Process) -> None:
    world = proc.world
    with world.lock:
        proc.started = True
        code = 1
        try:
            code = world.runtime.run(proc)
        except Killed:
            pass
        except Interrupted:
            code = 130
        except Exception:  # a bug in the simulator: the process ends as if it crashed, and says so
            traceback.print_exc(file=sys.stderr)
            proc.write(2, b"labkit's simulated engine: this command failed inside the simulator\n")
            code = 1
        finally:
            proc.blocked = False
            if not proc.ended:
                finish(proc, code)
            world.quiet.notify_all()


def finish(proc: Process, code: int) -> None:
    """The process ended (its program returned, or it was killed): its code, its input closed,
    its feeds told; then what its owner does (a container exits, an exec ends)."""
    if proc.ended:
        return
    with proc.world.lock:
        proc.exit_code = code
        proc.world.alive.discard(proc)
        if proc.stdin is not None:
            proc.stdin.closed = True
        proc.wake()
        for feed in proc.feeds:
            feed.close()
        if proc.on_end is not None:
            proc.on_end(code)
        proc.world.quiet.notify_all()


def kill(proc: Process, code: int = 137) -> None:
    """End the process now (SIGKILL: 137); its program unwinds at its wait."""
    if proc.ended:
        return
    proc.killed = True
    finish(proc, code)


def signal(proc: Process, sig: int) -> None:
    """Deliver a signal by the kernel's rules (see the module's docstring)."""
    if proc.ended:
        return
    if sig == SIGKILL:
        kill(proc, 128 + SIGKILL)
    elif sig in proc.traps:
        if proc.traps[sig]:             # trap '' SIG: ignored
            proc.pending.append(sig)
            proc.wake()
    elif sig == SIGWINCH:
        if proc.redraw is not None:
            proc.redraw()
    elif sig == SIGINT and proc.interruptible:
        proc.interrupted = True      # the foreground command (a child, not PID 1) ends
        proc.wake()
    elif sig in NOT_FATAL or proc.inner_pid == 1:
        return                       # ignored; PID 1 without a handler ignores them all
    else:
        kill(proc, 128 + sig)


def pass_time(world, seconds: float, done: Callable[[], bool], idle: bool = True) -> bool:
    """Let `seconds` of the world's time pass, skipping to each moment a waiting process is due;
    True as soon as done(), False when the time is up first. idle=False: only as far as the last
    moment something is due within those seconds (the clock does not jump past it for nothing)."""
    clock = world.clock
    end = clock.now() + seconds
    with world.lock:
        return skip(world, end, done, idle)


def at_rest(p: Process) -> bool:
    """At a wait, or ended."""
    return p.ended or (p.started and p.blocked)


def running(world) -> list[Process]:
    """The processes (and timers) that are running now: not at a wait, not ended."""
    return [p for p in world.alive if not at_rest(p)]


def skip(world, end: float, done: Callable[[], bool], idle: bool) -> bool:
    """The clock jumps only while every process waits: one that is running (a health check's
    command a loaded machine has not yet given the CPU) first reaches its wait or ends, for at
    most SETTLE_LIMIT seconds in all, so no jump passes a deadline it would have met (its
    timeout's guard) and no request waits long."""
    clock = world.clock
    settled_by = time.monotonic() + SETTLE_LIMIT
    for _ in range(10000):
        if done():
            return True
        left = settled_by - time.monotonic()
        if left > 0 and running(world):
            with world.quiet:
                world.quiet.wait_for(lambda: not running(world), left)
            if done():
                return True
        now = clock.now()
        if now >= end:
            return False
        due_at = min((p.deadline for p in world.sleepers if p.deadline is not None), default=None)
        if not idle and (due_at is None or due_at > end):
            return done()
        target = end if due_at is None or due_at > end else due_at
        if target > now:
            clock.skipped += target - now
        now = clock.now()
        due = [p for p in world.sleepers if p.deadline is not None and p.deadline <= now]
        marks = {p: p.wakes for p in due}
        for p in due:
            p.wake()                 # the due ones go on; the first of the others sets its timer again
        rearm_first(world)
        if due:
            settle(*due, since=marks)
    return done()


def after(world, container, seconds: float, then: Callable[[], None], name: str = "timer") -> Process:
    """Run then() (holding the world's lock) once `seconds` of the world's time have passed, unless
    the returned timer is killed first (the engine's restart delay)."""
    timer = Process(world, container, [name], 0, main=False)
    world.alive.add(timer)

    def body() -> None:
        with world.lock:
            timer.started = True
            try:
                timer.sleep(seconds)
            except Killed:
                return
            finally:
                world.quiet.notify_all()
            timer.exit_code = 0
            world.alive.discard(timer)
            then()
    timer.thread = threading.Thread(target=body, daemon=True, name="labkit-sim timer")
    timer.thread.start()
    return timer
