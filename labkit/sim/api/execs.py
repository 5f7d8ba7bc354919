"""The Engine API's exec routes: `docker exec` (create, start with the raw-stream upgrade,
inspect, resize)."""
from __future__ import annotations

from ..engine import execs, processes
from ..terminal import detach_keys
from . import streams
from .router import Reply, Routes, j
from .views import exec_json

routes = Routes()
EXEC_SKIP = 3.0   # seconds of the world's time an exec nobody types into may skip (docker wait: 60)


@routes.post(r"/containers/(?P<id>/?[^/]+)/exec")
def exec_create(engine, m, q, body):
    c = engine.host.find_container(m["id"])
    e = execs.create(c, body.get("Cmd") or [], tty=bool(body.get("Tty")), attach_stdout=bool(body.get("AttachStdout")),
                     attach_stderr=bool(body.get("AttachStderr")), attach_stdin=bool(body.get("AttachStdin")),
                     privileged=bool(body.get("Privileged")), user=body.get("User") or "", term=m["id"],
                     env=body.get("Env") or [], workdir=body.get("WorkingDir") or "",
                     detach_keys=body.get("DetachKeys") or "")
    return j({"Id": e.id}, 201)


@routes.get(r"/exec/(?P<id>[^/]+)/json")
def exec_inspect(engine, m, q, body):
    return j(exec_json(execs.find(engine.host, m["id"])))


@routes.post(r"/exec/(?P<id>[^/]+)/resize")
def exec_resize(engine, m, q, body):
    e = execs.find(engine.host, m["id"])
    if e.process is not None and e.process.tty is not None:
        e.process.tty.resize(int(q.get("h") or 0), int(q.get("w") or 0))
    return Reply(201, b"")


@routes.post(r"/exec/(?P<id>[^/]+)/start")
def exec_start(engine, m, q, body):
    """docker exec: the process starts; attached, its output streams on the hijacked connection
    (framed unless the start asks for a terminal's raw stream, as the engine's router decides)
    and the client's input goes to it."""
    e = execs.find(engine.host, m["id"])
    if execs.started_before(e):
        return Reply(101, session=lambda channel: None)  # the engine answers a second start with nothing
    feed = execs.start(e, attached=not body.get("Detach"))   # no ConsoleSize before API 1.42
    if feed is None:
        return Reply(200, b"")
    world = engine.world
    keys = detach_keys(e.detach_keys) if e.attach_stdin else b""

    def session(channel) -> None:
        if not e.attach_stdin and not body.get("Tty"):
            # Nobody types into it: what ends within a few seconds of the world's time (a sleep
            # before a command) ends at once, its output as it would have come; a longer command
            # streams as it goes, at the clock's pace (a `ping` without -c prints once a second).
            with world.lock:
                processes.pass_time(world, EXEC_SKIP, lambda: e.process is None or e.process.ended, idle=False)
        streams.serve(channel, world, feed, framed=not body.get("Tty"),
                      target=(lambda: e.process) if e.attach_stdin else None, keys=keys, exec_=True)
    return Reply(101, session=session)
