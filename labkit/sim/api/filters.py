"""List filters as the engine reads them (`docker ps|network ls|volume ls|images --filter`).

Between keys the filters all hold; within one key any value may match. A key the list does not
know, or a value it cannot read, is refused with the engine's text (400).
"""
from __future__ import annotations

import re
import time
from typing import Callable

from ..engine import health
from ..errors import EngineError, InvalidParameter, NotFound
from ..state import Container, Host, Image
from .query import labels_match, regex_match
from .views import parse_time, ports_listed

CONTAINER_KEYS = ("ancestor", "before", "expose", "exited", "health", "id", "label", "name", "network",
                  "publish", "since", "status", "is-task", "volume")
STATES = ("created", "restarting", "running", "removing", "paused", "exited", "dead")
HEALTH = ("starting", "healthy", "unhealthy", "none")


def check_keys(filters: dict, accepted: tuple[str, ...]) -> None:
    for key in filters:
        if key not in accepted:
            raise InvalidParameter(f"Invalid filter '{key}'")


def truth(filters: dict, key: str) -> bool | None:
    """A boolean filter (dangling, is-task): None when absent; the engine's text for another word."""
    if key not in filters:
        return None
    values = {v.lower() for v in filters[key]}
    if values - {"true", "false", "1", "0"}:
        raise InvalidParameter(f"Invalid filter '{key}=[{' '.join(filters[key])}]'")
    return bool(values & {"true", "1"})


def port_set(key: str, values: list[str]) -> set[tuple[int, str]]:
    """publish=8080, 80/udp, 8000-8080/tcp: the ports named (a range names each port in it)."""
    out = set()
    for v in values:
        port, _, proto = v.partition("/")
        lo, _, hi = port.partition("-")
        for part in (lo, hi) if hi else (lo,):
            if not part.isdigit():
                raise EngineError(f'error while looking up for {key} {v}: strconv.ParseUint: parsing "{part}": '
                                  f'invalid syntax')
        out.update((n, proto or "tcp") for n in range(int(lo), int(hi or lo) + 1))
    return out


def state_of(c: Container) -> str:
    return "paused" if c.paused else c.status


def named(host: Host, term: str) -> Container:
    try:
        return host.find_container(term)
    except NotFound:
        raise EngineError(f"no such container {term}") from None


def image_family(host: Host, refs: list[str], find: Callable[[Host, str], Image]) -> set[str]:
    """The images a list of references names, with every image made from them (ancestor=); a
    reference to no image names none."""
    roots = set()
    for ref in refs:
        try:
            roots.add(find(host, ref).id)
        except NotFound:
            pass
    family = set(roots)
    grown = True
    while grown:
        grown = False
        for img in host.images.values():
            if img.parent in family and img.id not in family:
                family.add(img.id)
                grown = True
    return family


def container_matcher(host: Host, filters: dict, find_image) -> Callable[[Container], bool]:
    """The test `docker ps --filter ...` applies to each container."""
    check_keys(filters, CONTAINER_KEYS)
    for value in filters.get("status", []):
        if value not in STATES:
            raise InvalidParameter(f"Invalid filter 'status={value}'")
    for value in filters.get("health", []):
        if value not in HEALTH:
            raise InvalidParameter(f"Unrecognised filter value for health: {value}")
    exited = []
    for value in filters.get("exited", []):
        try:
            exited.append(int(value))
        except ValueError:
            raise EngineError(f'strconv.Atoi: parsing "{value}": invalid syntax') from None
    is_task = truth(filters, "is-task")
    publish = port_set("publish", filters["publish"]) if "publish" in filters else None
    expose = port_set("expose", filters["expose"]) if "expose" in filters else None
    before = [named(host, v) for v in filters.get("before", [])]
    since = [named(host, v) for v in filters.get("since", [])]
    ancestors = image_family(host, filters["ancestor"], find_image) if "ancestor" in filters else None
    order = {c.id: i for i, c in enumerate(sorted(host.containers.values(), key=lambda c: c.created))}

    def ok(c: Container) -> bool:
        if "status" in filters and state_of(c) not in filters["status"]:
            return False
        if exited and not (c.status == "exited" and c.exit_code in exited):
            return False
        if "name" in filters and not any(regex_match(p, "/" + c.name) or regex_match(p, c.name) for p in filters["name"]):
            return False
        if "id" in filters and not any(regex_match(p, c.id) for p in filters["id"]):
            return False
        if "label" in filters and not labels_match(filters["label"], c.config.get("Labels") or {}):
            return False
        if "network" in filters:
            names = set(c.net_requests)
            ids = [nid for nid in c.net_ids.values() if nid]
            if not any(f in names or any(i.startswith(f) for i in ids) for f in filters["network"]):
                return False
        if ancestors is not None and c.image.id not in ancestors:
            return False
        if is_task is not None and c.swarm_task != is_task:
            return False
        if "health" in filters and health.status(c) not in filters["health"]:
            return False
        if (publish is not None or expose is not None) and not port_match(c, publish or set(), expose or set()):
            return False
        if "volume" in filters and not any(v in (m.destination, m.volume.name if m.volume else m.source)
                                           for m in c.mounts for v in filters["volume"]):
            return False
        if before and not all(order[c.id] < order[b.id] for b in before):
            return False
        if since and not all(order[c.id] > order[s.id] for s in since):
            return False
        return True
    return ok


def port_match(c: Container, publish: set, expose: set) -> bool:
    """The ports `docker ps` lists for it: publish= matches a public port, expose= a private one."""
    for p in ports_listed(c):
        if (p["PrivatePort"], p["Type"]) in expose or (p.get("PublicPort"), p["Type"]) in publish:
            return True
    return False


GO_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1, "m": 60, "h": 3600}


def until_cutoff(filters: dict) -> float | None:
    """prune --filter until=...: a Go duration (1h30m, ago from now), a Unix time or an RFC 3339
    time; only what was created before it goes. None without the filter."""
    if "until" not in filters:
        return None
    value = filters["until"][-1]
    parts = re.findall(r"(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)", value)
    if parts and "".join(n + u for n, u in parts) == value:
        return time.time() - sum(float(n) * GO_UNITS[u] for n, u in parts)
    try:
        return float(value)
    except ValueError:
        pass
    try:
        return parse_time(value if value.endswith("Z") else value + "Z")
    except ValueError:
        raise InvalidParameter(f"failed to parse value as time or duration: \"{value}\"") from None
