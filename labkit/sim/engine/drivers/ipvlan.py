"""ipvlan: made like macvlan (a parent interface, the same checks), but this machine's kernel has
no ipvlan module (CONFIG_IPVLAN unset): the network is created, and a container's join fails with
the engine's text once its address was taken (which is given back)."""
from __future__ import annotations

from .... import rules
from ...errors import EngineError
from ...state import Container, IPv4Addr, Network
from .. import ipam
from .macvlan import Macvlan


class Ipvlan(Macvlan):
    kind = rules.Driver.IPVLAN
    dummy_prefix = "di-"

    def interfaces(self, c: Container, net: Network, ip: IPv4Addr | None) -> tuple[int, int]:
        c.net_ids[net.name] = net.id
        if ip is not None:
            ipam.give_back(net.pool_of(ip), ip)
        raise EngineError("failed to create the ipvlan port: operation not supported")


DRIVER = Ipvlan()
