"""Address management, as Docker Engine 20.10's default IPAM driver does it.

Two address spaces per engine: "local" (bridge, macvlan) and "global" (swarm overlays).

Pools. A network that names no subnet gets the next predefined pool, taken in rotation: after a
pool is handed out, the next search starts just past it, so a removed network's pool is not reused
until the list has wrapped around (172.18, 172.19, ... even after removals). A pool that overlaps
one already in use is refused with the engine's text.

Addresses. Inside a pool the lowest free address is given (the network address and, on an IPv4
pool larger than /31, the broadcast address are never given), so a released address is reused at
once. When the pool has an IP range, automatic addresses come from the range only; a requested
address only has to lie in the pool.
"""
from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

from .errors import EngineError, Forbidden, NotFound

IPv4Net = ipaddress.IPv4Network
IPv4Addr = ipaddress.IPv4Address


def _split(base: str, size: int) -> list[IPv4Net]:
    return list(ipaddress.ip_network(base).subnets(new_prefix=size))


# libnetwork's ipamutils defaults (20.10): 172.17-172.31 as /16s, then 192.168.0.0/16 as /20s.
LOCAL_POOLS: list[IPv4Net] = [
    *_split("172.17.0.0/16", 16), *_split("172.18.0.0/16", 16), *_split("172.19.0.0/16", 16),
    *_split("172.20.0.0/14", 16), *_split("172.24.0.0/14", 16), *_split("172.28.0.0/14", 16),
    *_split("192.168.0.0/16", 20),
]
# Swarm's default address pool: 10.0.0.0/8 in /24s (only the first few thousand are ever needed).
GLOBAL_POOLS: list[IPv4Net] = [IPv4Net((0x0A000000 + (i << 8), 24)) for i in range(4096)]


@dataclass
class Pool:
    """One subnet with its allocated addresses (stored as offsets from the network address)."""

    subnet: IPv4Net
    ip_range: IPv4Net | None = None
    used: set[int] = field(default_factory=set)
    serial: bool = False  # swarm overlays: hand addresses out in order, not reusing freed ones at once
    last: int = 0

    def __post_init__(self) -> None:
        # 20.10 keeps an IPv4 pool's first and last address, whatever its size (so a /31 or a
        # /32 has none to give).
        size = self.subnet.num_addresses
        self.used.update({0, size - 1})

    def contains(self, addr: IPv4Addr) -> bool:
        return addr in self.subnet

    def take(self, addr: IPv4Addr | None = None) -> IPv4Addr:
        """Allocate addr, or the lowest free address (of the IP range when there is one)."""
        base = int(self.subnet.network_address)
        if addr is not None:
            if addr not in self.subnet:
                raise EngineError("Requested address is out of range")
            off = int(addr) - base
            if off in self.used:
                raise Forbidden("Address already in use")
            self.used.add(off)
            if self.serial:
                self.last = max(self.last, off)
            return addr
        span = self.ip_range or self.subnet
        first = int(span.network_address) - base
        n = span.num_addresses
        start = (self.last + 1 - first) % n if self.serial and self.last else 0
        for k in range(n):
            off = first + (start + k) % n
            if off not in self.used:
                self.used.add(off)
                self.last = off
                return IPv4Addr(base + off)
        raise EngineError("No available addresses on this pool")

    def give_back(self, addr: IPv4Addr) -> None:
        self.used.discard(int(addr) - int(self.subnet.network_address))


class AddressSpace:
    """The pools of one address space, with the engine's rotation over its predefined pools."""

    def __init__(self, predefined: list[IPv4Net]):
        self.predefined = predefined
        self.start = 0
        self.pools: dict[IPv4Net, Pool] = {}

    def overlaps(self, net: IPv4Net) -> bool:
        return any(p.overlaps(net) for p in self.pools)

    def request(self, subnet: IPv4Net | None = None, ip_range: IPv4Net | None = None) -> Pool:
        """Reserve subnet (or the next free predefined pool) and return its Pool."""
        if subnet is not None:
            if self.overlaps(subnet):
                raise Forbidden("Pool overlaps with other one on this address space")
            pool = self.pools[subnet] = Pool(subnet, ip_range)
            return pool
        n = len(self.predefined)
        for i in range(n):
            net = self.predefined[(self.start + i) % n]
            if net in self.pools or self.overlaps(net):
                continue
            # libnetwork rotates by the position in the rotated list, and resets past the end.
            self.start = self.start + i + 1
            if self.start >= n:
                self.start = 0
            pool = self.pools[net] = Pool(net, ip_range)
            return pool
        raise NotFound("could not find an available, non-overlapping IPv4 address pool "
                              "among the defaults to assign to the network")

    def release(self, pool: Pool) -> None:
        self.pools.pop(pool.subnet, None)
