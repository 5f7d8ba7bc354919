"""The kernel's files about a network namespace: /proc/net/* and /sys/class/net/*, made from the
same interfaces, addresses and routes that `ip`, `ifconfig` and `route` print.

Formats are the kernel's (6.x): /proc/net/route with host-order hex addresses and lines padded to
127 characters; /proc/net/if_inet6 with one line per IPv6 address (address, interface index,
prefix length, scope, flags, name), in the kernel's hash order, which is random per namespace
(read it sorted to compare); /sys/class/net/IFACE/ATTRIBUTE one value per file.

`ns` below is the namespace's Sandbox (engine/sandbox.py), which reads these files through
`read_file`; this module does not import it (it sits below it).
"""
from __future__ import annotations

import ipaddress

from ..state import Addr6, Iface, IPv4Addr, IPv4Net
from . import dns, neighbours, tcp

# if_inet6's scope and flags columns (include/net/ipv6.h, include/uapi/linux/if_addr.h)
SCOPE6 = {"global": 0x00, "host": 0x10, "link": 0x20}
IFA_F_PERMANENT, IFA_F_NODAD = 0x80, 0x02
ARPHRD = {"loopback": 772}  # /sys/class/net/*/type: 1 (Ethernet) for the others
# /sys/class/net/*/flags: IFF_UP|IFF_BROADCAST|IFF_MULTICAST, IFF_UP|IFF_LOOPBACK|IFF_RUNNING
IFF = {"loopback": 0x9}


def read(ns, path: str) -> str | None:
    """The file's text, or None when the namespace has no such file."""
    if path == "/proc/net/route":
        return route(ns)
    if path == "/proc/net/if_inet6":
        return if_inet6(ns) if ns.ipv6 else ""
    if path == "/proc/net/arp":
        return arp(ns)
    if path in ("/proc/net/tcp", "/proc/net/tcp6", "/proc/net/udp"):
        return tcp.proc_file(ns.host, ns.owner, ns.nameserver() == dns.EMBEDDED, path.rsplit("/", 1)[1])
    if path == "/proc/net/dev":
        return dev(ns)
    if path.startswith("/sys/class/net/"):
        name, _, attr = path[len("/sys/class/net/"):].partition("/")
        iface = next((i for i in ns.interfaces() if i.name == name), None)
        value = sys_class_net(ns, iface, attr) if iface is not None else None
        return None if value is None else f"{value}\n"
    return None


def netmask(prefixlen: int) -> IPv4Addr:
    return ipaddress.IPv4Network(f"0.0.0.0/{prefixlen}").netmask


def broadcast(ip: IPv4Addr, prefixlen: int) -> IPv4Addr:
    return ipaddress.IPv4Network(f"{ip}/{prefixlen}", strict=False).broadcast_address


def arp(ns) -> str:
    """/proc/net/arp: the IPv4 neighbours (flags 0x2: complete; 0x0 and no address: unanswered)."""
    out = "IP address       HW type     Flags       HW address            Mask     Device\n"
    for n in neighbours.entries(ns.host, ns.owner, [i.name for i in ns.interfaces()]):
        if n.address.version == 4:
            out += (f"{str(n.address):<16} 0x{1:<10x}0x{2 if n.mac else 0:<10x}{n.mac or '00:00:00:00:00:00':<17}"
                    f"     *        {n.dev}\n")
    return out


def dev(ns) -> str:
    """/proc/net/dev: each interface's counters (those the simulator counted: docker stats')."""
    out = ("Inter-|   Receive                                                |  Transmit\n"
           " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls "
           "carrier compressed\n")
    for i in ns.interfaces():
        rx, rxp, tx, txp = (ns.owner.traffic.get(i.name) if ns.owner is not None else None) or (0, 0, 0, 0)
        out += (f"{i.name:>6}:{rx:8d} {rxp:7d} {0:4d} {0:4d} {0:4d} {0:5d} {0:10d} {0:9d} "
                f"{tx:8d} {txp:7d} {0:4d} {0:4d} {0:4d} {0:5d} {0:7d} {0:10d}\n")
    return out


def _hex4(ip: IPv4Addr) -> str:
    return f"{int.from_bytes(ip.packed, 'little'):08X}"


def route(ns) -> str:
    """/proc/net/route: the IPv4 main table, addresses as host-order hex, each line padded to 127."""
    lines = ["Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT"]
    for r in ns.routes():
        dst = r.dst or IPv4Net("0.0.0.0/0")
        flags = 0x1 | (0x2 if r.via else 0) | (0x4 if dst.prefixlen == 32 else 0)
        lines.append(f"{r.dev}\t{_hex4(dst.network_address)}\t{_hex4(r.via or IPv4Addr(0))}\t{flags:04X}\t0\t0\t{r.metric}\t"
                     f"{_hex4(dst.netmask)}\t0\t0\t0")
    return "".join(f"{line:<127}\n" for line in lines)


def if_inet6_line(iface: Iface, a: Addr6) -> str:
    flags = IFA_F_PERMANENT | (IFA_F_NODAD if a.nodad else 0)
    return (f"{a.address.exploded.replace(':', '')} {iface.index:02x} {a.prefixlen:02x} {SCOPE6[a.scope]:02x} "
            f"{flags:02x} {iface.name:>8}\n")


def if_inet6(ns) -> str:
    """/proc/net/if_inet6 (in interface order here; the kernel's order is its hash table's)."""
    return "".join(if_inet6_line(i, a) for i in ns.interfaces() for a in i.addrs6)


def sys_class_net(ns, iface: Iface, attr: str):
    """One attribute of /sys/class/net/IFACE (None: not a file the simulator has)."""
    loopback = iface.kind == "loopback"
    values = {
        "address": iface.mac,
        "addr_len": 6,
        "broadcast": "00:00:00:00:00:00" if loopback else "ff:ff:ff:ff:ff:ff",
        "carrier": 0 if "NO-CARRIER" in iface.flags else 1,
        "flags": f"0x{IFF['loopback'] if loopback else 0x1003:x}",
        "ifindex": iface.index,
        # A veth's peer; everything else is its own link.
        "iflink": iface.peer_index or iface.index,
        "mtu": iface.mtu,
        "operstate": "unknown" if loopback else "down" if "NO-CARRIER" in iface.flags else "up",
        "tx_queue_len": 1000 if loopback or iface.name == "eth0" and (iface.peer_index or 0) >= 30000 else 0,
        "type": ARPHRD.get(iface.kind, 1),
    }
    if attr == "speed" and not loopback and iface.kind != "bridge":
        return 10000  # a veth's
    return values.get(attr)
