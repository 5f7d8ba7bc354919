"""The Engine API's container routes: `docker create|run|ps|inspect|start|stop|kill|restart|wait|
attach|rm|logs`, and `docker container prune`."""
from __future__ import annotations

import json

from ..engine import containers, costs, filesystem, images, links, logs, processes, signals
from ..errors import EngineError, InvalidParameter
from ..process import Feed
from ..terminal import detach_keys
from . import filters as filters_
from . import streams
from .query import frame, labels_match, parse_filters, truthy, wanted_streams
from .router import Reply, Routes, j
from .views import container_json, container_summary, parse_time

routes = Routes()
WAIT_SKIP = 60.0   # seconds of the world's time a `docker wait` may skip


@routes.post(r"/containers/create")
def container_create(engine, m, q, body):
    c = containers.create(engine.host, q.get("name"), body)
    costs.spend(engine.world, costs.CREATE)
    warnings = []
    if c.mode_kind == "host" and (body.get("HostConfig") or {}).get("PortBindings"):
        warnings.append("Published ports are discarded when using host network mode")
    return j({"Id": c.id, "Warnings": warnings}, 201)


@routes.get(r"/containers/json")
def container_list(engine, m, q, body):
    filters = parse_filters(q)
    # A status filter, or a limit, lists stopped containers too (the engine's rule).
    show_all = truthy(q, "all") or "status" in filters or int(q.get("limit") or -1) > 0
    matches = filters_.container_matcher(engine.host, filters, images.find)
    out = []
    for c in sorted(engine.host.containers.values(), key=lambda c: c.created, reverse=True):
        if (show_all or c.running) and matches(c):
            out.append(container_summary(c) | (sizes(c) if truthy(q, "size") else {}))
    limit = int(q.get("limit") or -1)
    if limit > 0:
        out = out[:limit]
    return j(out)


@routes.get(r"/containers/(?P<id>/?[^/]+)/json")
def container_inspect(engine, m, q, body):
    """docker inspect [--size]."""
    c = engine.host.find_container(m["id"])
    out = container_json(c)
    if truthy(q, "size"):
        out.update(sizes(c))
    return j(out)


def sizes(c) -> dict:
    """What --size adds: the bytes of the container's own layer, and with the image's below it."""
    rw = filesystem.tree_size(c.layer)
    return {"SizeRw": rw, "SizeRootFs": rw + c.image.size}


def _container_action(action):
    def handler(engine, m, q, body):
        action(engine.host.find_container(m["id"]))
        return Reply(204, b"")
    return handler


# docker start / pause / unpause: 204, or 304 when already in that state (NotModified). A start
# costs the world the engine's time for it (engine/costs.py).
for verb, action in (("start", lambda c: containers.start(c, costs.START)), ("pause", containers.pause),
                     ("unpause", containers.unpause)):
    routes.post(rf"/containers/(?P<id>/?[^/]+)/{verb}")(_container_action(action))


def seconds(q, key: str = "t") -> float | None:
    value = q.get(key)
    return None if value in (None, "") else float(value)


@routes.post(r"/containers/(?P<id>/?[^/]+)/stop")
def container_stop(engine, m, q, body):
    """docker stop [-t SECONDS]: the stop signal, then SIGKILL after the timeout (the world's time)."""
    containers.stop(engine.host.find_container(m["id"]), seconds(q))
    return Reply(204, b"")


@routes.post(r"/containers/(?P<id>/?[^/]+)/restart")
def container_restart(engine, m, q, body):
    containers.restart(engine.host.find_container(m["id"]), seconds(q), costs.START)
    return Reply(204, b"")


@routes.post(r"/containers/(?P<id>/?[^/]+)/resize")
def container_resize(engine, m, q, body):
    """The terminal's size (docker attach and docker run -t send it): a shell redraws its line."""
    c = engine.host.find_container(m["id"])
    if not c.running:
        raise EngineError(f"Container {c.id} is not running", 409)
    if c.process is not None and c.process.tty is not None:
        c.process.tty.resize(int(q.get("h") or 0), int(q.get("w") or 0))
    return Reply(200, b"")


@routes.post(r"/containers/(?P<id>/?[^/]+)/kill")
def container_kill(engine, m, q, body):
    """docker kill [-s SIGNAL]: the signal read first; the engine's errors then name the container."""
    number = signals.parse(q["signal"]) if q.get("signal") else signals.SIGKILL
    try:
        containers.kill(engine.host.find_container(m["id"]), number)
    except EngineError as e:
        raise type(e)(f"Cannot kill container: {m['id']}: {e.message}", e.status) from None
    return Reply(204, b"")


@routes.post(r"/containers/(?P<id>/?[^/]+)/rename")
def container_rename(engine, m, q, body):
    """docker rename OLD NEW."""
    containers.rename(engine.host.find_container(m["id"]), q.get("name") or "")
    return Reply(204, b"")


@routes.post(r"/containers/(?P<id>/?[^/]+)/update")
def container_update(engine, m, q, body):
    """docker update: resources and the restart policy."""
    warnings = containers.update(engine.host.find_container(m["id"]), body)
    return j({"Warnings": warnings or None})


@routes.post(r"/containers/(?P<id>/?[^/]+)/wait")
def container_wait(engine, m, q, body):
    """docker wait: answers when the condition holds (not-running, next-exit or removed)."""
    c = engine.host.find_container(m["id"])
    condition = q.get("condition") or "not-running"
    seen = c.exits
    if condition == "removed":
        done = lambda: c.removed  # noqa: E731
    elif condition == "next-exit":
        done = lambda: c.exits > seen  # noqa: E731
    else:
        done = lambda: not c.running  # noqa: E731

    def stream(stdin: bytes) -> bytes:
        with engine.world.lock:
            # What ends within a short while of the world's time (a sleep, a restart's delay)
            # ends at once: the world's time runs faster than the clock while a client waits.
            processes.pass_time(engine.world, WAIT_SKIP, done, idle=False)
            engine.world.changed.wait_for(done)
            return (json.dumps({"Error": None, "StatusCode": c.exit_code}) + "\n").encode()
    # The engine sends its headers at once and the answer when the condition holds; `docker
    # run` starts the container only after those headers arrived.
    return Reply(200, stream=stream, chunked=True)


@routes.post(r"/containers/(?P<id>/?[^/]+)/attach")
def container_attach(engine, m, q, body):
    """docker attach (and `docker run` without -d, `docker start -a`): the log first with logs=1,
    then, with stream=1, the output from now on (of the next run, for a stopped container) until
    the process ends or the client detaches; the client's input to the process with stdin=1."""
    c = engine.host.find_container(m["id"])
    want = wanted_streams(q)
    tty = bool(c.config.get("Tty"))
    history = [(fd, data) for fd, data, _t in c.log if fd in want] if truthy(q, "logs") else []
    world = engine.world
    try:
        keys = detach_keys(q.get("detachKeys"))
    except ValueError as e:
        raise InvalidParameter(str(e)) from None
    if not truthy(q, "stream"):
        return Reply(101, session=lambda channel: streams.serve(channel, world, closed_feed(), framed=not tty,
                                                                history=history))
    feed = Feed(tuple(sorted(want)))
    c.attached.append(feed)
    typing = truthy(q, "stdin") and bool(c.config.get("OpenStdin"))

    def session(channel) -> None:
        streams.serve(channel, world, feed, framed=not tty, history=history,
                      target=(lambda: c.process if c.running else None) if typing else None,
                      keys=keys if typing else b"", close_stdin=bool(c.config.get("StdinOnce")))
    return Reply(101, session=session)


def closed_feed() -> Feed:
    feed = Feed()
    feed.close()
    return feed


@routes.delete(r"/containers/(?P<id>/?[^/]+(?:/[^/]+)?)")
def container_remove(engine, m, q, body):
    """docker rm [-f] [-v] NAME, and docker rm --link PARENT/ALIAS (the engine's route takes a name
    with a slash: a link's name)."""
    if truthy(q, "link"):
        links.unlink(engine.host, m["id"])
        return Reply(204, b"")
    c = engine.host.find_container(m["id"])
    cost = costs.removing(c)
    containers.remove(c, force=truthy(q, "force"), remove_volumes=truthy(q, "v"))
    costs.spend(engine.world, cost)
    return Reply(204, b"")


@routes.post(r"/containers/prune")
def container_prune(engine, m, q, body):
    """docker container prune: the stopped containers go; what their layers held is reclaimed."""
    filters = parse_filters(q)
    cutoff = filters_.until_cutoff(filters)
    gone, space = [], 0
    for c in list(engine.host.containers.values()):
        if c.running or (cutoff is not None and parse_time(c.created) >= cutoff):
            continue
        if "label" in filters and not labels_match(filters["label"], c.config.get("Labels") or {}):
            continue
        space += filesystem.tree_size(c.layer)
        containers.remove(c)
        gone.append(c.id)
    return j({"ContainersDeleted": gone or None, "SpaceReclaimed": space})


@routes.get(r"/containers/(?P<id>/?[^/]+)/logs")
def container_logs(engine, m, q, body):
    """docker logs [--tail N] [-t] [--since T] [--until T] [-f]: -f goes on with what the
    running process writes until it ends."""
    c = engine.host.find_container(m["id"])
    want = wanted_streams(q)
    framed = not c.config.get("Tty")
    stamped = truthy(q, "timestamps")
    picked = logs.select(c, want, q.get("tail"), q.get("since"), q.get("until"), stamped)
    past = b"".join(frame(fd, data) if framed else data for fd, data in picked)
    headers = {"Content-Type": "application/vnd.docker.raw-stream" if framed else "text/plain; charset=utf-8"}
    if not truthy(q, "follow") or not c.running or logs.parse_time(q.get("until")):
        return Reply(200, past, headers)
    feed = Feed(tuple(sorted(want)))   # wakes the follower when the process writes or ends
    c.attached.append(feed)
    world = engine.world
    seen = len(c.log)

    def follow(_):
        nonlocal seen
        yield past
        try:
            while True:
                ended = feed.take(streams.POLL) is None
                with world.lock:
                    new, seen = c.log[seen:], len(c.log)
                for fd, line, t in new:
                    if fd in want:
                        line = logs.stamp(t) + line if stamped else line
                        yield frame(fd, line) if framed else line
                if ended:
                    return
        finally:
            with world.lock:
                streams.unhook(world, feed)
    return Reply(200, stream=follow, chunked=True, headers=headers)
