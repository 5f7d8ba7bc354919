"""The Engine API's exec routes: `docker exec` (create, start with the raw-stream upgrade,
inspect, resize)."""
from __future__ import annotations

from ..engine import execs
from ..state import Exec
from .query import frame
from .router import Reply, Routes, j
from .views import exec_json

routes = Routes()


@routes.post(r"/containers/(?P<id>/?[^/]+)/exec")
def exec_create(engine, m, q, body):
    c = engine.host.find_container(m["id"])
    e = execs.create(c, body.get("Cmd") or [], tty=bool(body.get("Tty")), attach_stdout=bool(body.get("AttachStdout")),
                     attach_stderr=bool(body.get("AttachStderr")), attach_stdin=bool(body.get("AttachStdin")),
                     privileged=bool(body.get("Privileged")), user=body.get("User") or "", term=m["id"])
    return j({"Id": e.id}, 201)


@routes.get(r"/exec/(?P<id>[^/]+)/json")
def exec_inspect(engine, m, q, body):
    return j(exec_json(execs.find(engine.host, m["id"])))


@routes.post(r"/exec/(?P<id>[^/]+)/resize")
def exec_resize(engine, m, q, body):
    execs.find(engine.host, m["id"])
    return Reply(201, b"")


@routes.post(r"/exec/(?P<id>[^/]+)/start")
def exec_start(engine, m, q, body):
    e = execs.find(engine.host, m["id"])
    if execs.started_before(e):
        return Reply(101, stream=lambda stdin: b"")  # the engine answers a second start with nothing
    execs.start(e)
    if body.get("Detach"):
        execs.run(e)
        return Reply(200, b"")
    tty_framing = bool(body.get("Tty"))

    def stream(stdin: bytes) -> bytes:
        with engine.world.lock:
            return exec_output(e, stdin.decode(errors="replace"), tty_framing)
    return Reply(101, stream=stream, wants_stdin=e.attach_stdin)


def exec_output(e: Exec, stdin: str, tty_framing: bool) -> bytes:
    output = execs.run(e, stdin)
    # A process with a terminal writes one stream, with the terminal's line endings. Whether the
    # answer is framed is decided by the start request's Tty, as the engine's router does.
    if e.tty:
        both = b"".join(data for _, data in output)
        chunks = [(1, both.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"))] if both else []
    else:
        wanted = ({1} if e.attach_stdout else set()) | ({2} if e.attach_stderr else set())
        chunks = [(fd, data) for fd, data in output if fd in wanted]
    if tty_framing:
        return b"".join(data for _, data in chunks)
    return b"".join(frame(fd, data) for fd, data in chunks)
