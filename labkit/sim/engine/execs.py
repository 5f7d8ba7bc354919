"""docker exec: a process started in a running container, by the world's runtime (busybox here).

An exec is created (its command, terminal, streams, environment, folder, user), then started once:
its process runs in a thread of its own (processes.py) until its program ends or the container
stops (137). What it writes goes to the client that started it attached (a Feed); a detached one's
output goes nowhere. When runc cannot start it (a missing program, folder or user), the engine
writes runc's words on the stream and the exec ends with 126.
"""
from __future__ import annotations

from ..errors import EngineError, ExecNotFound, InvalidParameter, NotFound
from ..process import Feed, Process
from ..state import Container, Exec, Host
from ..terminal import Tty
from . import processes

OCI_EXEC = "OCI runtime exec failed: exec failed: unable to start container process: "


def create(c: Container, argv: list[str], *, tty: bool = False, attach_stdout: bool = False,
           attach_stderr: bool = False, attach_stdin: bool = False, privileged: bool = False,
           user: str = "", term: str = "", env: list[str] | None = None, workdir: str = "",
           detach_keys: str = "") -> Exec:
    """docker exec's create; term: the container as the request named it (the engine's texts do)."""
    if c.status == "restarting":
        raise EngineError(f"Container {c.id} is restarting, wait until the container is running", 409)
    if not c.running:
        raise EngineError(f"Container {c.id} is not running", 409)
    if c.paused:
        raise EngineError(f"Container {term or c.name} is paused, unpause the container before exec", 409)
    if not argv:
        raise InvalidParameter("No exec command specified")
    world = c.host.world
    e = Exec(world.new_id("exec", c.id), c, list(argv), tty, attach_stdout, attach_stderr, attach_stdin,
             privileged, user, env=list(env or []), workdir=workdir, detach_keys=detach_keys)
    world.execs[e.id] = e
    c.exec_ids.append(e.id)
    return e


def find(host: Host, term: str) -> Exec:
    e = host.world.execs.get(term)
    if e is None or e.container.host is not host:
        raise NotFound(f"No such exec instance: {term}")
    return e


def started_before(e: Exec) -> bool:
    return e.exit_code is not None or e.running


def start(e: Exec, attached: bool = True) -> Feed | None:
    """`POST /exec/{id}/start`: the process started; the Feed of its output when attached."""
    c = e.container
    if not c.running:
        raise EngineError(f"Container {c.id} is not running", 409)
    if c.paused:
        raise EngineError(f"Container {c.id} is paused, unpause the container before exec", 409)
    world = c.host.world
    proc = Process(world, c, e.argv, world.new_pid(), main=False, stdin=e.attach_stdin and attached)
    proc.inner_pid = c.last_pid + 1
    c.last_pid += 1 + processes.RUNC_THREADS
    proc.env, proc.workdir, proc.user = e.env, e.workdir, e.user
    if e.tty:
        proc.tty = Tty(lambda sig: processes.signal(proc, sig))
    wanted = (1, 2) if e.tty else tuple(fd for fd, on in ((1, e.attach_stdout), (2, e.attach_stderr)) if on)
    feed = Feed(wanted) if attached else None
    if feed is not None:
        proc.feeds.append(feed)
    e.process, e.pid, e.running = proc, proc.pid, True
    try:
        world.runtime.check(proc, e.workdir, e.user or c.config.get("User") or "")   # the container's user by default
    except EngineError as err:
        text = OCI_EXEC + err.message if isinstance(err, ExecNotFound) else err.message
        if feed is not None:
            feed.put(1, (text + "\r\n").encode())
        processes.finish(proc, 126)
        e.running, e.exit_code = False, 126
        return feed
    processes.start(proc, lambda code: ended(e, code))
    return feed


def ended(e: Exec, code: int) -> None:
    e.running = False
    e.exit_code = code
    e.container.host.world.changed.notify_all()
