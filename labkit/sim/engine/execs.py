"""docker exec: a command run in a running container, by the world's runtime (busybox here).

A simulated exec runs to its end at once when started; its output is what it wrote, (stream,
bytes) in order. Starting it a second time does nothing (the engine answers with nothing).
"""
from __future__ import annotations

from ..errors import EngineError, InvalidParameter, NotFound
from ..state import Container, Exec, Host


def create(c: Container, argv: list[str], *, tty: bool = False, attach_stdout: bool = False,
           attach_stderr: bool = False, attach_stdin: bool = False, privileged: bool = False,
           user: str = "", term: str = "") -> Exec:
    """docker exec's create; term: the container as the request named it (the engine's texts do)."""
    if not c.running:
        raise EngineError(f"Container {c.id} is not running", 409)
    if c.paused:
        raise EngineError(f"Container {term or c.name} is paused, unpause the container before exec", 409)
    if not argv:
        raise InvalidParameter("No exec command specified")
    world = c.host.world
    e = Exec(world.new_id("exec", c.id), c, list(argv), tty, attach_stdout, attach_stderr, attach_stdin,
             privileged, user)
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


def start(e: Exec) -> None:
    """The checks of `POST /exec/{id}/start`, and the process's PID."""
    c = e.container
    if not c.running:
        raise EngineError(f"Container {c.id} is not running", 409)
    e.pid = c.host.world.new_pid()


def run(e: Exec, stdin: str = "") -> list[tuple[int, bytes]]:
    """Run the started exec to its end: its output, (1 stdout | 2 stderr, bytes) in order."""
    code, output = e.container.host.world.runtime.exec(e.argv, e.container, stdin)
    e.exit_code = code
    return output
