"""The Engine API's volume routes: `docker volume create|ls|inspect|rm|prune`."""
from __future__ import annotations

from ..engine import filesystem, volumes
from ..state import Host, Volume
from .filters import check_keys, truth
from .query import labels_match, parse_filters, regex_match, truthy
from .router import Reply, Routes, j

routes = Routes()


def volume_json(v: Volume) -> dict:
    return {"CreatedAt": v.created, "Driver": v.driver,
            "Labels": dict(v.labels) if v.labels or v.labels_given else None, "Mountpoint": v.mountpoint,
            "Name": v.name, "Options": dict(v.options) if v.options or v.options_given else None, "Scope": "local"}


def matches(host: Host, v: Volume, filters: dict) -> bool:
    dangling = truth(filters, "dangling")
    if dangling is not None and dangling != (not volumes.users(host, v)):
        return False
    if "name" in filters and not any(regex_match(p, v.name) for p in filters["name"]):
        return False
    if "driver" in filters and v.driver not in filters["driver"]:
        return False
    if "label" in filters and not labels_match(filters["label"], v.labels):
        return False
    return True


@routes.post(r"/volumes/create")
def volume_create(engine, m, q, body):
    v = volumes.create(engine.host, body.get("Name") or "", body.get("Driver") or "local", body.get("Labels"),
                       body.get("DriverOpts"))
    return j(volume_json(v), 201)


@routes.get(r"/volumes")
def volume_list(engine, m, q, body):
    filters = parse_filters(q)
    check_keys(filters, ("dangling", "name", "driver", "label"))
    found = [volume_json(v) for v in sorted(engine.host.volumes.values(), key=lambda v: v.name)
             if matches(engine.host, v, filters)]
    return j({"Volumes": found, "Warnings": None})


@routes.post(r"/volumes/prune")
def volume_prune(engine, m, q, body):
    filters = parse_filters(q)
    check_keys(filters, ("label",))
    sizes = {name: filesystem.tree_size(v.files) for name, v in engine.host.volumes.items()}
    gone = volumes.prune(engine.host, keep=lambda v: "label" in filters and not labels_match(filters["label"], v.labels))
    return j({"VolumesDeleted": gone or None, "SpaceReclaimed": sum(sizes[n] for n in gone)})


@routes.get(r"/volumes/(?P<name>[^/]+)")
def volume_inspect(engine, m, q, body):
    return j(volume_json(volumes.find(engine.host, m["name"])))


@routes.delete(r"/volumes/(?P<name>[^/]+)")
def volume_remove(engine, m, q, body):
    volumes.remove(engine.host, m["name"], force=truthy(q, "force"))
    return Reply(204, b"")
