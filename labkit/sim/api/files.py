"""The Engine API's routes for a container's files: the archive endpoints (`docker cp` both ways,
put_archive/get_archive, the stat of a path) and `docker diff`."""
from __future__ import annotations

import json

from ..engine import archive, filesystem
from .query import truthy
from .router import Reply, Routes

routes = Routes()
STAT_HEADER = "X-Docker-Container-Path-Stat"


@routes.get(r"/containers/(?P<id>/?[^/]+)/archive")
def archive_get(engine, m, q, body):
    """docker cp CONTAINER:PATH -: a tar of PATH, its stat in a header."""
    c = engine.host.find_container(m["id"])
    data, info = archive.get(c, q.get("path") or "", term=m["id"])
    return Reply(200, data, {"Content-Type": "application/x-tar", STAT_HEADER: archive.stat_header(info)})


@routes.head(r"/containers/(?P<id>/?[^/]+)/archive")
def archive_stat(engine, m, q, body):
    """The stat `docker cp` asks first: the header alone."""
    info = archive.stat(engine.host.find_container(m["id"]), q.get("path") or "", term=m["id"])
    return Reply(200, b"", {STAT_HEADER: archive.stat_header(info)})


@routes.put(r"/containers/(?P<id>/?[^/]+)/archive")
def archive_put(engine, m, q, body):
    """docker cp - CONTAINER:PATH: a tar extracted into the directory PATH."""
    c = engine.host.find_container(m["id"])
    archive.put(c, q.get("path") or "", body if isinstance(body, bytes) else b"",
                no_overwrite_dir_non_dir=truthy(q, "noOverwriteDirNonDir"), term=m["id"])
    return Reply(200, b"")


@routes.get(r"/containers/(?P<id>/?[^/]+)/export")
def container_export(engine, m, q, body):
    """docker export: the container's root (image, engine entries and its layer; no mounts)."""
    return Reply(200, archive.export(engine.host.find_container(m["id"])), {"Content-Type": "application/x-tar"})


@routes.get(r"/containers/(?P<id>/?[^/]+)/changes")
def container_changes(engine, m, q, body):
    """docker diff: what the container's commands changed in its files."""
    found = filesystem.changes(engine.host.find_container(m["id"]))
    return Reply(200, (json.dumps(found or None) + "\n").encode())
