"""Address management, as Docker Engine 20.10's default IPAM driver does it.

Two address spaces per engine: "local" (bridge, macvlan) and "global" (swarm overlays).

Pools. A network that names no subnet gets the next predefined pool, taken in rotation: after a
pool is handed out, the next search starts just past it, so a removed network's pool is not reused
until the list has wrapped around (172.18, 172.19, ... even after removals). A pool that overlaps
one already in use is refused with the engine's text.

Addresses. Inside a pool the lowest free address is given (an IPv4 pool never gives its network
and broadcast addresses, an IPv6 pool never its first), so a released address is reused at once. When the pool has an IP range,
automatic addresses come from the range only; a requested address only has to lie in the pool.
Swarm overlays hand addresses out in order instead (serial pools), not reusing a freed one at once.

The IPAM section of `docker network create` is checked here too (`check_config`), and a network's
pools and gateways reserved from it (`allocate`): IPv4 first, then IPv6, for which 20.10 has no
predefined pools (`docker network create --ipv6` needs a `--subnet` of IPv6; the daemon's
--default-address-pools and --fixed-cidr-v6 are not modelled).
"""
from __future__ import annotations

import ipaddress

from ..errors import EngineError, Forbidden, NotFound
from ..state import AddressSpace, IPAddr, IPNet, IPv4Net, Network, Pool


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
def new_pool(subnet: IPNet, ip_range: IPNet | None = None, serial: bool = False) -> Pool:
    """A pool with its reserved addresses: 20.10 keeps an IPv4 pool's first and last address,
    whatever its size (so a /31 or a /32 has none to give); an IPv6 pool only its first (a /128
    has none, a /127 one: the gateway)."""
    n = subnet.num_addresses
    reserved = {0} if subnet.version == 6 else {0, n - 1}
    return Pool(subnet, ip_range, reserved, serial)


def _span(pool: Pool) -> tuple[int, int]:
    """The offsets automatic addresses come from: the IP range's, else the whole subnet's. A range
    outside the subnet (accepted for IPv6) counts by its host part."""
    span = pool.ip_range or pool.subnet
    first = (int(span.network_address) - int(pool.subnet.network_address)) % pool.subnet.num_addresses
    return first, min(span.num_addresses, pool.subnet.num_addresses - first)


def take(pool: Pool, addr: IPAddr | None = None) -> IPAddr:
    """Allocate addr, or the next free address (of the IP range when there is one)."""
    base = int(pool.subnet.network_address)
    make = type(pool.subnet.network_address)
    if addr is not None:
        if addr.version != pool.version or addr not in pool.subnet:
            raise EngineError("Requested address is out of range")
        off = int(addr) - base
        if off in pool.used:
            raise Forbidden("Address already in use")
        pool.used.add(off)
        if pool.serial:
            pool.last = max(pool.last, off)
        return addr
    first, n = _span(pool)
    start = (pool.last + 1 - first) % n if pool.serial and pool.last else 0
    for k in range(min(n, len(pool.used) + 1)):  # the lowest free one is among the first used+1
        off = first + (start + k) % n
        if off not in pool.used:
            pool.used.add(off)
            pool.last = off
            return make(base + off)
    raise EngineError("No available addresses on this pool")


def give_back(pool: Pool, addr: IPAddr) -> None:
    pool.used.discard(int(addr) - int(pool.subnet.network_address))


# -- address spaces ------------------------------------------------------------------------------------
def overlaps(space: AddressSpace, net: IPNet) -> bool:
    return any(p.version == net.version and p.overlaps(net) for p in space.pools)


def request(space: AddressSpace, subnet: IPNet | None = None, ip_range: IPNet | None = None) -> Pool:
    """Reserve subnet (or the next free predefined IPv4 pool) and return its Pool."""
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
def parse_cidr(text: str) -> IPNet | None:
    """Go's net.ParseCIDR: host bits may be set ("10.0.0.1/24" is fine); None when invalid."""
    try:
        iface = ipaddress.ip_interface(text)
    except ValueError:
        return None
    if "/" not in text:
        return None
    return iface.network


def parse_ip(text: str, version: int = 4) -> IPAddr | None:
    try:
        ip = ipaddress.ip_address(text)
    except ValueError:
        return None
    return ip if ip.version == version else None


def parse_subnet(text: str) -> IPNet | None:
    """A config's subnet; an IPv4-mapped IPv6 one (::ffff:10.0.0.0/120) is IPv4 to Go."""
    subnet = parse_cidr(text)
    if subnet is not None and subnet.version == 6 and subnet.network_address.ipv4_mapped and subnet.prefixlen >= 96:
        return ipaddress.ip_network((subnet.network_address.ipv4_mapped, subnet.prefixlen - 96))
    return subnet


def family(cfg: dict) -> int:
    """The daemon splits the IPAM configs by their subnet's family (no subnet: IPv4)."""
    subnet = parse_subnet(cfg.get("Subnet") or "")
    return subnet.version if subnet is not None else 4


def check_config(ipam_cfg: dict) -> list[dict]:
    """The daemon's checks of the IPAM section, before any pool is touched."""
    configs = ipam_cfg.get("Config") or []
    for cfg in configs:
        subnet, gw = cfg.get("Subnet") or "", cfg.get("Gateway") or ""
        if subnet and parse_cidr(subnet) is None:
            raise EngineError(f"Invalid subnet {subnet} : invalid CIDR address: {subnet}")
        if gw and family(cfg) == 4:
            check_gateway(gw)
    return configs


def check_gateway(text: str) -> None:
    if text and parse_ip(text, 4) is None and parse_ip(text, 6) is None:
        raise EngineError(f"invalid gateway address {text} in Ipam configuration")


NO_IPV6_POOL = ("could not find an available, non-overlapping IPv6 address pool among the defaults "
                "to assign to the network")


def allocate(net: Network, space: AddressSpace, configs: list[dict], ipv6: bool = False) -> None:
    """Reserve the network's pools and gateways, IPv4's first (a predefined pool when no IPv4
    subnet is given), then IPv6's: 20.10 has no predefined IPv6 pools, so IPv6 without a subnet
    fails, after its IPv4 pool was taken (the rotation has moved on). On failure what was taken
    is given back."""
    for cfg in configs:
        if cfg.get("IPRange") and parse_cidr(cfg["IPRange"]) is None:
            raise EngineError(f'failed to parse pool request for address space "LocalDefault" pool '
                              f'"{cfg.get("Subnet", "")}" subpool "{cfg["IPRange"]}": Invalid Address SubPool')
    v4 = [cfg for cfg in configs if family(cfg) == 4]
    v6 = [cfg for cfg in configs if family(cfg) == 6]
    try:
        if not v4:
            pool = request(space)
            gw = take(pool)
            net.pools.append(pool)
            net.gateways.append(gw)
            net.ipam_config.append({"Subnet": str(pool.subnet), "Gateway": str(gw)})
        net.user_subnets = any(cfg.get("Subnet") for cfg in v4)
        for cfg in v4:
            _allocate_config(net, space, cfg, 4)
        if ipv6 and not v6:
            raise NotFound(NO_IPV6_POOL)
        for cfg in v6:
            check_gateway(cfg.get("Gateway") or "")
            _allocate_config(net, space, cfg, 6)
    except EngineError:
        for pool in net.pools + net.pools6:
            release(space, pool)
        raise


def _allocate_config(net: Network, space: AddressSpace, cfg: dict, version: int) -> None:
    subnet = parse_subnet(cfg["Subnet"]) if cfg.get("Subnet") else None
    rng = parse_cidr(cfg["IPRange"]) if cfg.get("IPRange") else None
    pool = request(space, subnet, rng)
    net.pools_of(version).append(pool)
    shown = {k: cfg[k] for k in ("Subnet", "IPRange", "Gateway") if cfg.get(k)}
    if cfg.get("AuxiliaryAddresses"):
        shown["AuxiliaryAddresses"] = cfg["AuxiliaryAddresses"]
    want = ipaddress.ip_address(cfg["Gateway"]) if cfg.get("Gateway") else None
    try:
        gw = take(pool, want)
    except EngineError as e:
        raise EngineError(f"failed to allocate gateway ({cfg.get('Gateway') or ''}): {e.message}") from None
    for aux in (cfg.get("AuxiliaryAddresses") or {}).values():
        ip = parse_ip(aux, version)
        if ip is not None and ip in pool.subnet:
            take(pool, ip)
    (net.gateways6 if version == 6 else net.gateways).append(gw)
    net.ipam_config.append(shown if subnet else {**shown, "Subnet": str(pool.subnet), "Gateway": str(gw)})
