"""IPv4 addresses and routes a container changes in its own namespace (busybox's `ip addr add|del`,
`ip route add|del`, with CAP_NET_ADMIN), by the kernel's rules (6.x: net/ipv4/devinet.c,
fib_frontend.c, fib_trie.c), as observed in a container of the real engine.

Addresses, per interface, in the kernel's list order:
- one whose subnet and prefix length match an earlier address's is that one's secondary (listed
  after every primary); any other is a primary, listed after the last primary of its scope or a
  wider one; the same address and prefix length again: "File exists";
- a primary (but a /32) brings its subnet's route (`SUBNET dev IF scope link src ADDR`);
- deleting one takes the first with that address, whatever the prefix length typed ("Cannot
  assign requested address" when there is none); a primary takes its secondaries with it
  (net.ipv4.conf.*.promote_secondaries is 0 here) and every route whose source it was; an
  interface left without an address loses every route through it, the default route too.
Routes, in the main table:
- host bits set in the destination: "Invalid argument"; `via GW`: GW must be on a link (a
  scope-link route, or one of the namespace's addresses), on DEV if one is named, else "Network is
  unreachable"; neither via nor dev: "No such device"; `src` not one of the namespace's
  addresses: "Invalid argument"; the same destination and metric again: "File exists";
- deleting takes the first route of the destination (its gateway, device and metric too, where
  typed): "No such process" when none matches; the engine's own routes can go too;
- busybox's `route add|del` (the SIOCADDRT/SIOCDELRT ioctls) by the same rules, but that a route of
  an existing destination and metric is added unless it is the very same, before the others.
A namespace made anew (a restart) has the engine's addresses and routes only.

`ns` below is the namespace's Sandbox (engine/sandbox.py), which this module sits below.
"""
from __future__ import annotations

from ..state import Addr4, Container, Endpoint, Iface, IPv4Addr, IPv4Net, Network
from .routing import Route, connected

SCOPES = {"global": 0, "link": 253, "host": 254}   # rt_scope_t: a wider scope is a smaller number
EEXIST, EADDRNOTAVAIL, ESRCH = "File exists", "Cannot assign requested address", "No such process"
ENETUNREACH, EINVAL, ENODEV = "Network is unreachable", "Invalid argument", "No such device"


def engine_addresses(iface: Iface) -> list[Addr4]:
    """What the engine (or the kernel, for lo) put on the interface."""
    if iface.ip is None:
        return []
    if iface.kind == "loopback":
        return [Addr4(iface.ip, iface.prefixlen, scope="host")]
    net = connected(iface.ip, iface.prefixlen)
    return [Addr4(iface.ip, iface.prefixlen, brd=net.broadcast_address)]


def applied(owner: Container | None, iface: Iface) -> Iface:
    """The interface with the IPv4 addresses its namespace's changes gave it."""
    addrs = owner.ip_changes.addrs.get(iface.name) if owner is not None else None
    if addrs is None:
        return iface
    first = addrs[0] if addrs else None
    return Iface(**{**iface.__dict__, "ip": first.address if first else None,
                    "prefixlen": first.prefixlen if first else 0, "addrs4": list(addrs)})


def addresses(iface: Iface) -> list[Addr4]:
    return list(iface.addrs4) if iface.addrs4 is not None else engine_addresses(iface)


def connected_routes(iface: Iface) -> list[Route]:
    """The kernel's route for each primary address's subnet (none for a /32, none in the main
    table for lo's)."""
    if iface.kind == "loopback":
        return []
    return [Route(connected(a.address, a.prefixlen), iface.name, src=a.address)
            for a in addresses(iface) if not a.secondary and a.prefixlen < 32]


def kept(owner: Container | None, routes: list[Route]) -> list[Route]:
    """The engine's and the kernel's own routes, but those deleted; then the routes added."""
    if owner is None or not owner.ip_changes:
        return routes
    gone = owner.ip_changes.removed   # (the added first: `route add` puts a route before its equals)
    return list(owner.ip_changes.routes) + [r for r in routes if (r.dst, r.dev) not in gone]


# -- ip addr add | del ---------------------------------------------------------------------------------
def add_address(ns, iface: Iface, new: Addr4) -> str | None:
    """`ip addr add ADDR/LEN dev IF`: None, or the kernel's refusal."""
    addrs = addresses(iface)
    subnet = connected(new.address, new.prefixlen)
    at = 0
    for k, a in enumerate(addrs):
        same = a.prefixlen == new.prefixlen and connected(a.address, a.prefixlen) == subnet
        if same and a.address == new.address:
            return EEXIST
        if same:
            new = Addr4(new.address, new.prefixlen, True, new.brd, a.scope)
        if not a.secondary and SCOPES[new.scope] <= SCOPES[a.scope]:
            at = k + 1
    addrs.insert(len(addrs) if new.secondary else at, new)
    changes = ns.owner.ip_changes
    changes.addrs[iface.name] = addrs
    if not new.secondary:    # its subnet's route is the kernel's again
        changes.removed = [key for key in changes.removed if key != (subnet, iface.name)]
    return None


def del_address(ns, iface: Iface, address: IPv4Addr) -> str | None:
    """`ip addr del ADDR dev IF` (the prefix length typed does not matter)."""
    addrs = addresses(iface)
    gone = next((a for a in addrs if a.address == address), None)
    if gone is None:
        return EADDRNOTAVAIL
    subnet = connected(gone.address, gone.prefixlen)
    taken = [a for a in addrs if a is gone or not gone.secondary and a.secondary and a.prefixlen == gone.prefixlen
             and connected(a.address, a.prefixlen) == subnet]
    flush(ns, iface, [a for a in addrs if a not in taken], {a.address for a in taken})
    return None


def flush(ns, iface: Iface, left: list[Addr4], taken: set[IPv4Addr]) -> None:
    """The interface keeps left; routes from the addresses taken (those no interface still has)
    go, every route through it when it has none left."""
    changes = ns.owner.ip_changes
    changes.addrs[iface.name] = left
    taken -= set(ns.own_addresses())    # an address still on an interface keeps its routes
    changes.routes = [r for r in changes.routes if r.src not in taken and (left or r.dev != iface.name)]
    if not left:
        changes.removed += [(r.dst, r.dev) for r in ns.routes() if r.dev == iface.name]


# -- ip route add | del ----------------------------------------------------------------------------------
def add_route(ns, new: Route, exclusive: bool = True) -> str | None:
    """`ip route add DST [via GW] [dev IF] [src ADDR] [metric N]`: None, or the kernel's refusal.
    new.dev is None when not typed. Not exclusive (busybox's `route add`, the SIOCADDRT ioctl):
    only the very same route again is refused, another of the same destination and metric goes
    before it."""
    dst = new.dst or IPv4Net("0.0.0.0/0")
    if int(dst.network_address) & int(dst.hostmask):
        return EINVAL
    table = ns.routes()
    if new.via is not None:
        on_link = on_link_dev(ns, new.via, new.dev)
        if on_link is None:
            return ENETUNREACH
        new.dev = on_link
    elif new.dev is None:
        return ENODEV
    if new.src is not None and new.src not in ns.own_addresses():
        return EINVAL
    if any(r.dst == new.dst and r.metric == new.metric and (exclusive or (r.via, r.dev, r.src) == (new.via, new.dev, new.src))
           for r in table):
        return EEXIST
    ns.owner.ip_changes.routes.insert(len(ns.owner.ip_changes.routes) if exclusive else 0, new)
    return None


def on_link_dev(ns, gateway: IPv4Addr, dev: str | None) -> str | None:
    """The interface a gateway is reached on directly: a scope-link route's (the longest match),
    or the interface holding it as an address."""
    for i in ns.interfaces():
        if gateway in (a.address for a in addresses(i)) and dev in (None, i.name):
            return i.name
    found = None
    for r in ns.routes():
        if r.via is None and r.dst is not None and gateway in r.dst and dev in (None, r.dev):
            if found is None or r.dst.prefixlen > found.dst.prefixlen:
                found = r
    return found.dev if found is not None else None


def del_route(ns, dst: IPv4Net | None, via: IPv4Addr | None, dev: str | None, metric: int | None) -> str | None:
    """`ip route del DST [via GW] [dev IF] [metric N]`: the first route that matches."""
    for r in ns.routes():
        if r.dst == dst and via in (None, r.via) and dev in (None, r.dev) and metric in (None, r.metric):
            changes = ns.owner.ip_changes
            if r in changes.routes:
                changes.routes.remove(r)
            else:
                changes.removed.append((r.dst, r.dev))
            return None
    return ESRCH


# -- who has an address ----------------------------------------------------------------------------------
def holder(net: Network, address: IPv4Addr) -> Endpoint | None:
    """The endpoint on net whose namespace answers for an address `ip addr add` gave it (on any of
    its interfaces: the kernel answers ARP for all its addresses, net.ipv4.conf.*.arp_ignore 0)."""
    if address.version != 4 or address.is_loopback:
        return None
    for ep in net.endpoints.values():
        owner = ep.container.shared_with() or ep.container
        if ep.has_interface and any(address in (a.address for a in addrs) for addrs in owner.ip_changes.addrs.values()):
            return ep
    return None


def forget(c: Container, ifname: str) -> None:
    """An interface left the namespace (docker network disconnect, a stop): its addresses and the
    routes through it went with it."""
    changes = c.ip_changes
    changes.addrs.pop(ifname, None)
    changes.routes = [r for r in changes.routes if r.dev != ifname]
    changes.removed = [key for key in changes.removed if key[1] != ifname]
