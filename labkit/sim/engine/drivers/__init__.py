"""Network drivers, one module each behind one protocol (base.Driver); this is their list.

Adding a driver: a module with a Driver subclass and its `DRIVER`, and its line below.
"""
from __future__ import annotations

from ...errors import NotFound
from ...state import Network
from . import bridge, host, ipvlan, macvlan, null, overlay
from .base import Driver, NetworkSpec

DRIVERS: dict[str, Driver] = {d.kind: d for d in (
    bridge.DRIVER, host.DRIVER, ipvlan.DRIVER, macvlan.DRIVER, null.DRIVER, overlay.DRIVER)}


def named(kind: str) -> Driver:
    """The driver `docker network create -d KIND` asks for, or the engine's refusal."""
    try:
        return DRIVERS[kind]
    except KeyError:
        raise NotFound(f'plugin "{kind}" not found') from None


def of(net: Network) -> Driver:
    return DRIVERS[net.driver]


__all__ = ["DRIVERS", "Driver", "NetworkSpec", "named", "of"]
