"""Health checks (`docker run --health-cmd`, docker-py's run(healthcheck=...)), as the engine runs them.

From each start of a container whose config has a test (["CMD", ...] runs the program, ["CMD-SHELL",
"..."] runs it with /bin/sh -c, ["NONE"] none), the engine waits the interval, runs the test in the
container, records the result and waits again. State.Health: "starting" at each start, "healthy" at
a pass, "unhealthy" after `retries` failures in a row (3 unless given); a failure before any pass and
within the start period does not count. The last five results stay in its Log (output cut at 4096
bytes); a test that outlives its timeout is killed and logged with -1. `docker ps` shows the status
("Up 3 seconds (healthy)", "(health: starting)") and filters on it (--filter health=...).
"""
from __future__ import annotations

from ..errors import EngineError, ExecNotFound
from ..process import Feed, Process
from ..state import Container, now
from . import processes
from .execs import OCI_EXEC

SECOND = 1_000_000_000
INTERVAL = TIMEOUT = 30.0   # seconds, when the config leaves them out (or 0)
RETRIES = 3
LOG_ENTRIES = 5
OUTPUT_LIMIT = 4096


def test_argv(c: Container) -> list[str] | None:
    """The program the check runs, or None when the container has no check."""
    test = (c.config.get("Healthcheck") or {}).get("Test") or []
    if test[:1] == ["CMD"] and len(test) > 1:
        return list(test[1:])
    if test[:1] == ["CMD-SHELL"] and len(test) > 1:
        return ["/bin/sh", "-c", " ".join(test[1:])]
    return None


def _seconds(key: str, default: float) -> callable:
    def read(c: Container) -> float:
        value = (c.config.get("Healthcheck") or {}).get(key) or 0
        return value / SECOND if value > 0 else default
    return read


interval, timeout, start_period = _seconds("Interval", INTERVAL), _seconds("Timeout", TIMEOUT), _seconds("StartPeriod", 0.0)


def start(c: Container) -> None:
    """The container started: a check, if it has one, begins (status "starting")."""
    stop(c)
    if test_argv(c) is None:
        return
    if c.health is None:
        c.health = {"Status": "starting", "FailingStreak": 0, "Log": []}
    c.health.update(Status="starting", FailingStreak=0)
    _next(c)


def stop(c: Container) -> None:
    """The container stopped or paused (or starts again): no more checks until it runs again. The
    engine then says "unhealthy" ("for compatibility", its CloseMonitorChannel), streak unchanged."""
    timer, c.health_timer = c.health_timer, None
    if timer is not None:
        processes.kill(timer, 0)
        if c.health is not None:
            c.health["Status"] = "unhealthy"


def resume(c: Container) -> None:
    """Unpaused: the checks go on; the status stays until the next result."""
    if c.running and c.health is not None and c.health_timer is None and test_argv(c) is not None:
        _next(c)


def status(c: Container) -> str:
    """What --filter health= compares: starting, healthy, unhealthy, or none."""
    return c.health["Status"] if c.health is not None else "none"


def _next(c: Container) -> None:
    timer = None

    def due() -> None:
        if c.health_timer is timer and c.running:
            _probe(c)
    timer = c.health_timer = processes.after(c.host.world, c, interval(c), due, "healthcheck")


def _probe(c: Container) -> None:
    """Run the test once in the container (the world's lock held), as an exec of the engine's."""
    world = c.host.world
    started, monitor = world.clock.wall(), c.health_timer
    proc = Process(world, c, test_argv(c), world.new_pid(), main=False)
    proc.inner_pid = c.last_pid + 1   # an exec's PID in the container, after runc's own (execs.start)
    c.last_pid += 1 + processes.RUNC_THREADS
    proc.workdir, proc.user = c.config.get("WorkingDir") or "", c.config.get("User") or ""
    feed = Feed((1, 2))
    proc.feeds.append(feed)
    try:
        world.runtime.check(proc, proc.workdir, proc.user)
    except EngineError as err:
        text = OCI_EXEC + err.message if isinstance(err, ExecNotFound) else err.message
        processes.finish(proc, 126)
        _record(c, monitor, started, -1, text)
        return
    guard, late = None, []

    def ended(code: int) -> None:
        if guard is not None:
            processes.kill(guard, 0)
        if late:
            return   # logged by too_long
        output = b"".join(data for _, data in feed.chunks).decode(errors="replace")
        _record(c, monitor, started, code, output)

    def too_long() -> None:
        if not proc.ended:
            late.append(True)
            processes.kill(proc)
            _record(c, monitor, started, -1, f"Health check exceeded timeout ({go_duration(timeout(c))})")
    guard = processes.after(world, c, timeout(c), too_long, "healthcheck timeout")
    processes.start(proc, ended)


def _record(c: Container, monitor, started: float, code: int, output: str) -> None:
    """The result, as the engine's handleProbeResult takes it; then the next check. A result that
    comes after the checks stopped (monitor: the timer that began it) is dropped, as the engine does."""
    if c.health is None or not c.running or c.health_timer is not monitor:
        return
    world = c.host.world
    h = c.health
    h["Log"] = (h["Log"] + [{"Start": now(started), "End": now(world.clock.wall()), "ExitCode": code,
                             "Output": output[:OUTPUT_LIMIT]}])[-LOG_ENTRIES:]
    if code == 0:
        h.update(Status="healthy", FailingStreak=0)
    elif not (h["Status"] == "starting" and world.clock.now() - c.started_clock < start_period(c)):
        h["FailingStreak"] += 1
        retries = (c.config.get("Healthcheck") or {}).get("Retries") or 0
        if h["FailingStreak"] >= (retries if retries > 0 else RETRIES):
            h["Status"] = "unhealthy"
    with world.changed:
        world.changed.notify_all()
    _next(c)


def go_duration(seconds: float) -> str:
    """Go's time.Duration as %v prints it: 30s, 1.5s, 500ms."""
    if seconds >= 1:
        return f"{seconds:g}s"
    return f"{seconds * 1000:g}ms"
