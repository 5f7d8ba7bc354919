"""The Engine API's routes for what runs and what it costs: `docker top` and `docker stats`."""
from __future__ import annotations

import json
import time

from ..engine import stats
from .query import truthy
from .router import Reply, Routes, j

routes = Routes()
STREAM_PERIOD = 0.5   # seconds between two documents of a stream (the engine: 1 s; time may run faster)
STREAM_LIMIT = 3600   # documents at most in one stream (then it ends, as if the client had gone)


@routes.get(r"/containers/(?P<id>/?[^/]+)/top")
def container_top(engine, m, q, body):
    """docker top CONTAINER [ps OPTIONS]."""
    return j(stats.top(engine.host.find_container(m["id"]), q.get("ps_args") or ""))


@routes.get(r"/containers/(?P<id>/?[^/]+)/stats")
def container_stats(engine, m, q, body):
    """docker stats [--no-stream]: one document, or one every STREAM_PERIOD until the client goes."""
    c = engine.host.find_container(m["id"])
    stream = q.get("stream", "true") not in ("0", "false", "False")
    if not stream:
        first = None if truthy(q, "one-shot") or not c.running else stats.document(c, 0)
        return j(stats.document(c, 1, first))
    world = engine.world

    def frames(stdin: bytes):
        previous = None
        for tick in range(STREAM_LIMIT):
            with world.lock:
                if c.removed:  # the engine ends the stream of a container that is gone
                    return
                doc = stats.document(c, tick, previous)
            previous = doc if c.running else None
            yield (json.dumps(doc) + "\n").encode()
            time.sleep(STREAM_PERIOD)
    return Reply(200, stream=frames, chunked=True)
