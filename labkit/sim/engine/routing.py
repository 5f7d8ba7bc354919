"""Routing tables as the kernel keeps them, for IPv4 and IPv6, and the choice of a route.

IPv4 (`ip route`, `route -n`, /proc/net/route): the default route first, then one route per
address on an interface (`SUBNET dev IF scope link src ADDR`) and the routes `ip route add` made
(engine/ipconf.py), by destination.

IPv6 (`ip -6 route`): the kernel lists its main table by walking a binary tree of prefixes, each
node after the ones below it, 0 bits before 1 bits: 2001:db8:1::/64, then fe80::/64 (one route
per interface with IPv6 on, in the order they came up), then the default route (::/0, the root),
each with its metric (256 for connected routes, 1024 for the default); the multicast routes
(ff00::/8, one per interface) come after, from the local table, and on a router (the host, where
the engine turned IPv6 forwarding on) a subnet-router anycast route (anycast 2001:db8:1:: dev
...) per prefix and interface before them. The engine gives a container
interface IPv6 only on a network with IPv6 enabled, so a container on none of them has an empty
table (20.10 turns IPv6 off in its namespace).
"""
from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from ..state import IPAddr, IPNet, IPv4Net, IPv6Net

DEFAULT6 = IPv6Net("::/0")
LINK_LOCAL6 = IPv6Net("fe80::/64")
MULTICAST6 = IPv6Net("ff00::/8")
CONNECTED_METRIC6 = 256
DEFAULT_METRIC6 = 1024


@dataclass
class Route:
    dst: IPNet | None  # None: the IPv4 default route (IPv6's is ::/0)
    dev: str
    via: IPAddr | None = None
    src: IPAddr | None = None
    linkdown: bool = False
    metric: int = 0
    multicast: bool = False  # IPv6's ff00::/8 per interface (the local table's)
    anycast: bool = False    # IPv6's subnet-router anycast address of a prefix, on a router

    @property
    def default(self) -> bool:
        return self.dst is None or self.dst.prefixlen == 0


def connected(addr: IPAddr, prefixlen: int) -> IPNet:
    return ipaddress.ip_network(f"{addr}/{prefixlen}", strict=False)


def order4(routes: list[Route]) -> list[Route]:
    """The IPv4 main table as the kernel dumps it (its trie of destinations): by destination
    address, the longer prefix first for one address (10.0.0.0/16 before 10.0.0.0/8), then by
    metric; the default route (0.0.0.0/0) so comes first."""
    def key(r: Route):
        dst = r.dst if r.dst is not None else IPv4Net("0.0.0.0/0")
        return int(dst.network_address), -dst.prefixlen, r.metric
    return sorted(routes, key=key)


def tree_key(net: IPv6Net) -> str:
    """Where a prefix comes in the kernel's walk of its IPv6 routing tree: its bits, then a mark
    greater than both bits, so that a prefix comes after every longer one below it."""
    bits = format(int(net.network_address), "0128b")[:net.prefixlen]
    return bits + "2"


def order6(main: list[Route], multicast: list[Route], anycast: bool = False) -> list[Route]:
    """The IPv6 table as `ip -6 route` lists it (routes of one prefix keep their order); a
    router (anycast) has a subnet-router anycast route per prefix and interface, before the
    multicast routes."""
    main = sorted(main, key=lambda r: tree_key(r.dst))
    routers = [Route(IPv6Net(f"{r.dst.network_address}/128"), r.dev, metric=0, anycast=True)
               for r in main if anycast and not r.default]
    return main + routers + multicast


def best(routes: list[Route], dst: IPAddr) -> Route | None:
    """The longest matching prefix among the routes of dst's family (multicast routes only for
    multicast destinations)."""
    found = None
    for r in routes:
        net = r.dst if r.dst is not None else IPv4Net("0.0.0.0/0")
        if net.version != dst.version or dst not in net or r.anycast or (r.multicast and not dst.is_multicast):
            continue
        if found is None or net.prefixlen > (found.dst.prefixlen if found.dst is not None else 0):
            found = r
    return found
