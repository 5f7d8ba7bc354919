"""Networks: `docker network create`, `rm` and `prune`, over the drivers (engine/drivers/)."""
from __future__ import annotations

from typing import Callable

from ..errors import Conflict, EngineError, Forbidden, NotFound
from ... import rules
from ..state import PREDEFINED, Host, Network
from . import drivers
from .drivers.base import drop


def create(host: Host, spec: drivers.NetworkSpec, driver: str = rules.Driver.BRIDGE, check_duplicate: bool = False) -> Network:
    """docker network create. Engine 20.10 allows two networks of one name unless the client
    asks CheckDuplicate (the CLI does, docker-py does not); newer engines always refuse."""
    name = spec.name
    if name in PREDEFINED:
        raise Forbidden(f"operation is not permitted on predefined {name} network ")
    if not name:
        raise EngineError("invalid name: ")
    if check_duplicate and any(n.name == name for n in host.visible_networks().values()):
        raise Conflict(f"network with name {name} already exists")
    return drivers.named(driver or rules.Driver.BRIDGE).create(host, spec)


def listed(host: Host) -> dict[str, Network]:
    """docker network ls: the networks this host knows of, and the overlays removed whose local copy
    is not yet gone (a manager removes it in the background: drivers/overlay.py)."""
    return {**host.visible_networks(), **drivers.overlay.lingering(host)}


def inspected(host: Host, term: str) -> Network:
    """docker network inspect: as the host finds networks, then a lingering copy by ID or name."""
    try:
        return host.find_network(term)
    except NotFound:
        for net in drivers.overlay.lingering(host).values():
            if term in (net.id, net.name):
                return net
        raise


def remove(host: Host, term: str) -> None:
    """docker network rm."""
    net = host.find_network(term)
    if net.predefined:
        raise Forbidden(f"{net.name} is a pre-defined network and cannot be removed")
    drivers.of(net).remove(host, net)


def prune(host: Host, keep: Callable[[Network], bool] = lambda net: False) -> list[str]:
    """docker network prune: the local networks no container uses or asks for (by name)."""
    deleted = []
    for net in sorted(host.networks.values(), key=lambda n: n.name):
        if net.predefined or net.endpoints or keep(net) or net.swarm is not None:
            continue
        if any(net.id in c.net_ids.values() or net.name in c.net_requests for c in host.containers.values()):
            continue
        drop(host, net)
        deleted.append(net.name)
    return deleted
