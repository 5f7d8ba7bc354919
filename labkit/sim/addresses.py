"""Addresses as the engine and the kernel make them: pools of IPv4 and IPv6 addresses, MAC
addresses, IPv6 link-local addresses, and interfaces as `ip addr` shows them.

Plain data (state layer); what hands addresses out is engine/ipam.py.

- The bridge driver's MAC address for an endpoint is 02:42 followed by the four bytes of its IPv4
  address (02:42:ac:12:00:02 for 172.18.0.2).
- The kernel gives every interface with IPv6 on a link-local address made from its MAC address
  (modified EUI-64: the universal/local bit flipped, ff:fe in the middle): 02:42:ac:12:00:02 has
  fe80::42:acff:fe12:2/64.
- An IPv4 pool never gives its first and last address (network and broadcast); an IPv6 pool never
  gives its first (so that the gateway is ...::1), its last is an address like any other.
"""
from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

IPv4Addr = ipaddress.IPv4Address
IPv4Net = ipaddress.IPv4Network
IPv6Addr = ipaddress.IPv6Address
IPv6Net = ipaddress.IPv6Network
IPAddr = IPv4Addr | IPv6Addr
IPNet = IPv4Net | IPv6Net
LINK_LOCAL_NET = IPv6Net("fe80::/64")


def mac_for(ip: IPv4Addr) -> str:
    """The bridge driver's MAC address for an IPv4 address: 02:42 then the four address bytes."""
    return "02:42:" + ":".join(f"{b:02x}" for b in ip.packed)


def link_local(mac: str) -> IPv6Addr:
    """The kernel's link-local address for a MAC address (modified EUI-64)."""
    b = [int(x, 16) for x in mac.split(":")]
    eui = [b[0] ^ 2, *b[1:3], 0xFF, 0xFE, *b[3:]]
    return IPv6Addr(int(LINK_LOCAL_NET.network_address) | int.from_bytes(bytes(eui), "big"))


@dataclass
class Pool:
    """One subnet with its allocated addresses (stored as offsets from the network address)."""

    subnet: IPNet
    ip_range: IPNet | None = None
    used: set[int] = field(default_factory=set)
    serial: bool = False  # swarm overlays: hand addresses out in order, not reusing freed ones at once
    last: int = 0

    @property
    def version(self) -> int:
        return self.subnet.version


@dataclass
class AddressSpace:
    """The pools of one address space, and where the search for the next predefined pool starts."""

    predefined: list[IPv4Net]
    start: int = 0
    pools: dict[IPNet, Pool] = field(default_factory=dict)


@dataclass(frozen=True)
class Addr6:
    """An IPv6 address on an interface, as `ip -6 addr` shows it: its scope (global, link, host)
    and whether it was added without duplicate address detection (the engine's: "flags 02")."""

    address: IPv6Addr
    prefixlen: int
    scope: str = "global"
    nodad: bool = False


@dataclass(frozen=True)
class Addr4:
    """An IPv4 address on an interface, as `ip addr` shows it: secondary when an address of the
    same subnet and prefix length came first; a broadcast address only when one was given (the
    engine gives its own one; busybox's `ip addr add` none without `brd +`); scope host for 127/8."""

    address: IPv4Addr
    prefixlen: int
    secondary: bool = False
    brd: IPv4Addr | None = None
    scope: str = "global"


@dataclass
class NetChanges:
    """What `ip addr add|del` and `ip route add|del` changed in a namespace (engine/ipconf.py):
    the IPv4 addresses of each interface changed (by name, in the kernel's order), the routes
    added (engine/routing.Route), and the engine's or kernel's own routes deleted (by destination
    and interface). A namespace made anew (a restart) has none."""

    addrs: dict[str, list[Addr4]] = field(default_factory=dict)
    routes: list = field(default_factory=list)
    removed: list = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.addrs or self.routes or self.removed)


@dataclass
class Iface:
    """An interface as `ip addr` shows it."""

    index: int
    name: str
    mac: str
    mtu: int = 1500
    peer_index: int | None = None
    master: str | None = None
    ip: IPv4Addr | None = None
    prefixlen: int = 0
    flags: str = "BROADCAST,MULTICAST,UP,LOWER_UP"
    kind: str = "ether"
    addrs6: list[Addr6] = field(default_factory=list)  # empty: IPv6 off on the interface
    lower: str | None = None  # the interface a VLAN sub-interface stacks on (ip link: eth0.10@eth0)
    addrs4: list[Addr4] | None = None  # its IPv4 addresses once `ip addr` changed them (ip, prefixlen: the first)
