"""Address management, as Docker Engine 20.10's default IPAM driver does it.

Two address spaces per engine: "local" (bridge, macvlan) and "global" (swarm overlays).

Pools. A network that names no subnet gets the next predefined pool, taken in rotation: after a
pool is handed out, the next search starts just past it, so a removed network's pool is not reused
until the list has wrapped around (172.18, 172.19, ... even after removals). A pool that overlaps
one already in use is refused with the engine's text.

Addresses. Inside a pool the lowest free address is given (the network address and the broadcast
address are never given), so a released address is reused at once. When the pool has an IP range,
automatic addresses come from the range only; a requested address only has to lie in the pool.
Swarm overlays hand addresses out in order instead (serial pools), not reusing a freed one at once.

The IPAM section of `docker network create` is checked here too (`check_config`), and a network's
pools and gateways reserved from it (`allocate`).
"""
from __future__ import annotations

import ipaddress

from ..errors import EngineError, Forbidden, NotFound, NotImplementedError_
from ..state import AddressSpace, IPv4Addr, IPv4Net, Network, Pool


def _split(base: str, size: int) -> list[IPv4Net]:
    return list(ipaddress.ip_network(base).subnets(new_prefix=size))


# libnetwork's ipamutils defaults (20.10): 172.17-172.31 as /16s, then 192.168.0.0/16 as /20s.
LOCAL_POOLS: list[IPv4Net] = [
    *_split("172.17.0.0/16", 16), *_split("172.18.0.0/16", 16), *_split("172.19.0.0/16", 16),
    *_split("172.20.0.0/14", 16), *_split("172.24.0.0/14", 16), *_split("172.28.0.0/14", 16),
    *_split("192.168.0.0/16", 20),
]


def swarm_pools(pools: list[str], size: int) -> list[IPv4Net]:
    """A swarm's default address pools (10.0.0.0/8 unless given) cut in subnets of one size."""
    subnets = [s for p in pools for s in ipaddress.ip_network(p).subnets(new_prefix=size)]
    return subnets[:65536]


# -- pools ------------------------------------------------------------------------------------------
def new_pool(subnet: IPv4Net, ip_range: IPv4Net | None = None, serial: bool = False) -> Pool:
    # 20.10 keeps an IPv4 pool's first and last address, whatever its size (so a /31 or a /32
    # has none to give).
    return Pool(subnet, ip_range, {0, subnet.num_addresses - 1}, serial)


def take(pool: Pool, addr: IPv4Addr | None = None) -> IPv4Addr:
    """Allocate addr, or the next free address (of the IP range when there is one)."""
    base = int(pool.subnet.network_address)
    if addr is not None:
        if addr not in pool.subnet:
            raise EngineError("Requested address is out of range")
        off = int(addr) - base
        if off in pool.used:
            raise Forbidden("Address already in use")
        pool.used.add(off)
        if pool.serial:
            pool.last = max(pool.last, off)
        return addr
    span = pool.ip_range or pool.subnet
    first = int(span.network_address) - base
    n = span.num_addresses
    start = (pool.last + 1 - first) % n if pool.serial and pool.last else 0
    for k in range(n):
        off = first + (start + k) % n
        if off not in pool.used:
            pool.used.add(off)
            pool.last = off
            return IPv4Addr(base + off)
    raise EngineError("No available addresses on this pool")


def give_back(pool: Pool, addr: IPv4Addr) -> None:
    pool.used.discard(int(addr) - int(pool.subnet.network_address))


# -- address spaces ------------------------------------------------------------------------------------
def overlaps(space: AddressSpace, net: IPv4Net) -> bool:
    return any(p.overlaps(net) for p in space.pools)


def request(space: AddressSpace, subnet: IPv4Net | None = None, ip_range: IPv4Net | None = None) -> Pool:
    """Reserve subnet (or the next free predefined pool) and return its Pool."""
    if subnet is not None:
        if overlaps(space, subnet):
            raise Forbidden("Pool overlaps with other one on this address space")
        pool = space.pools[subnet] = new_pool(subnet, ip_range)
        return pool
    n = len(space.predefined)
    for i in range(n):
        net = space.predefined[(space.start + i) % n]
        if net in space.pools or overlaps(space, net):
            continue
        # libnetwork rotates by the position in the rotated list, and resets past the end.
        space.start = space.start + i + 1
        if space.start >= n:
            space.start = 0
        pool = space.pools[net] = new_pool(net, ip_range)
        return pool
    raise NotFound("could not find an available, non-overlapping IPv4 address pool "
                   "among the defaults to assign to the network")


def release(space: AddressSpace, pool: Pool) -> None:
    space.pools.pop(pool.subnet, None)


# -- a network's IPAM section ----------------------------------------------------------------------------
def parse_cidr(text: str) -> IPv4Net | None:
    """Go's net.ParseCIDR: host bits may be set ("10.0.0.1/24" is fine); None when invalid."""
    try:
        iface = ipaddress.ip_interface(text)
    except ValueError:
        return None
    if "/" not in text or iface.version != 4:
        return None
    return iface.network


def parse_ip(text: str) -> IPv4Addr | None:
    try:
        ip = ipaddress.ip_address(text)
    except ValueError:
        return None
    return ip if ip.version == 4 else None


def check_config(ipam_cfg: dict) -> list[dict]:
    """The daemon's checks of the IPAM section, before any pool is touched."""
    configs = ipam_cfg.get("Config") or []
    for cfg in configs:
        if ":" in (cfg.get("Subnet") or ""):
            raise NotImplementedError_("labkit's simulated engine does not model IPv6 networks")
        subnet, gw = cfg.get("Subnet") or "", cfg.get("Gateway") or ""
        if subnet and parse_cidr(subnet) is None:
            raise EngineError(f"Invalid subnet {subnet} : invalid CIDR address: {subnet}")
        if gw and parse_ip(gw) is None:
            raise EngineError(f"invalid gateway address {gw} in Ipam configuration")
    return configs


def allocate(net: Network, space: AddressSpace, configs: list[dict]) -> None:
    """Reserve the network's pools and gateways; on failure give back what was taken."""
    for cfg in configs:
        if cfg.get("IPRange") and parse_cidr(cfg["IPRange"]) is None:
            raise EngineError(f'failed to parse pool request for address space "LocalDefault" pool '
                              f'"{cfg.get("Subnet", "")}" subpool "{cfg["IPRange"]}": Invalid Address SubPool')
    try:
        if not configs:
            pool = request(space)
            gw = take(pool)
            net.pools.append(pool)
            net.gateways.append(gw)
            net.ipam_config.append({"Subnet": str(pool.subnet), "Gateway": str(gw)})
            return
        net.user_subnets = any(cfg.get("Subnet") for cfg in configs)
        for cfg in configs:
            subnet = parse_cidr(cfg["Subnet"]) if cfg.get("Subnet") else None
            rng = parse_cidr(cfg["IPRange"]) if cfg.get("IPRange") else None
            pool = request(space, subnet, rng)
            net.pools.append(pool)
            shown = {k: cfg[k] for k in ("Subnet", "IPRange", "Gateway") if cfg.get(k)}
            if cfg.get("AuxiliaryAddresses"):
                shown["AuxiliaryAddresses"] = cfg["AuxiliaryAddresses"]
            try:
                gw = take(pool, parse_ip(cfg["Gateway"]) if cfg.get("Gateway") else None)
            except EngineError as e:
                raise EngineError(f"failed to allocate gateway ({cfg.get('Gateway') or ''}): {e.message}") from None
            for aux in (cfg.get("AuxiliaryAddresses") or {}).values():
                ip = parse_ip(aux)
                if ip is not None and ip in pool.subnet:
                    take(pool, ip)
            net.gateways.append(gw)
            net.ipam_config.append(shown if subnet else {**shown, "Subnet": str(pool.subnet), "Gateway": str(gw)})
    except EngineError:
        for pool in net.pools:
            release(space, pool)
        raise
