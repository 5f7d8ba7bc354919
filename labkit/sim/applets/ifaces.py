"""The interface tools: ifconfig and arp, as busybox 1.35 prints them, from the namespace's
interfaces (engine/sandbox.py), the traffic counted on them (`docker stats`'s counters) and the
neighbour table the simulator's traffic filled (engine/neighbours.py).

What differs by nature on a real engine and is not modelled: the packet counters also count the
kernel's own IPv6 and ARP chatter, and the kernel lists IPv6 addresses and neighbours in a hash
order that is random per namespace.
"""
from __future__ import annotations

import re

from ..engine import dns, neighbours, procfs
from ..state import Iface
from . import usage
from .registry import Call, Family, Result, not_modelled

ifaces = Family("interface tools")

FLAG_WORDS = ("UP", "BROADCAST", "LOOPBACK", "RUNNING", "MULTICAST")  # ifconfig's order
SCOPE_WORDS = {"global": "Global", "link": "Link", "host": "Host"}


def natural(name: str) -> list:
    """busybox's order of interfaces (eth2 before eth10)."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name)]


def scaled(n: int) -> str:
    """ifconfig's byte counts: whole units of 1024, one decimal, truncated (1576 -> 1.5 KiB)."""
    unit, whole, tenth = "", n, 0
    for ext in ("Ki", "Mi", "Gi", "Ti"):
        if whole < 1024:
            break
        whole, tenth, unit = whole // 1024, (whole % 1024) * 10 // 1024, ext
    return f"{whole}.{tenth} {unit}B"


def flags_of(i: Iface) -> list[str]:
    words = set(i.flags.split(","))
    running = "UP" in words and "NO-CARRIER" not in words and "LOWER_UP" in words
    have = {"UP": "UP" in words, "BROADCAST": "BROADCAST" in words, "LOOPBACK": i.kind == "loopback",
            "RUNNING": running, "MULTICAST": "MULTICAST" in words}
    return [w for w in FLAG_WORDS if have[w]]


def block(call: Call, i: Iface) -> str:
    loopback = i.kind == "loopback"
    out = f"{i.name:<9} Link encap:{'Local Loopback' if loopback else 'Ethernet'}  "
    out += "\n" if loopback else f"HWaddr {i.mac.upper()}  \n"
    if i.ip is not None:
        mask = procfs.netmask(i.prefixlen)
        bcast = "" if loopback else f"  Bcast:{procfs.broadcast(i.ip, i.prefixlen)}" if i.addrs4 is None \
            else f"  Bcast:{i.addrs4[0].brd or '0.0.0.0'}"   # an address `ip addr add` gave without brd: none
        out += f"          inet addr:{i.ip}{bcast}  Mask:{mask}\n"
    for a in i.addrs6:
        out += f"          inet6 addr: {a.address}/{a.prefixlen} Scope:{SCOPE_WORDS[a.scope]}\n"
    out += f"          {' '.join(flags_of(i))}  MTU:{i.mtu}  Metric:1\n"
    owner = call.sandbox.owner
    rx_bytes, rx_packets, tx_bytes, tx_packets = (owner.traffic.get(i.name) if owner is not None else None) or (0, 0, 0, 0)
    out += f"          RX packets:{rx_packets} errors:0 dropped:0 overruns:0 frame:0\n"
    out += f"          TX packets:{tx_packets} errors:0 dropped:0 overruns:0 carrier:0\n"
    qlen = procfs.sys_class_net(call.sandbox, i, "tx_queue_len")
    out += f"          collisions:0 txqueuelen:{qlen} \n"
    out += f"          RX bytes:{rx_bytes} ({scaled(rx_bytes)})  TX bytes:{tx_bytes} ({scaled(tx_bytes)})\n\n"
    return out


@ifaces.applet("ifconfig")  # no getopt: a word that is not -a names an interface
def ifconfig(call: Call) -> Result:
    args = [a for a in call.args if a != "-a"]
    if len(args) > 1:
        return not_modelled("ifconfig", "changing an interface")
    found = sorted(call.sandbox.interfaces(), key=lambda i: natural(i.name))
    if args:
        found = [i for i in found if i.name == args[0]]
        if not found:
            return Result.of(1, "", f"ifconfig: {args[0]}: error fetching interface information: Device not found\n")
    return Result.of(0, "".join(block(call, i) for i in found))


def may_change_network(call: Call) -> bool:
    """CAP_NET_ADMIN: the container is privileged or has --cap-add NET_ADMIN (or ALL)."""
    return call.capable("NET_ADMIN")


@ifaces.applet("arp", spec="A:p:H:t:i:adnDsv", usage=usage.ARP)
def arp(call: Call) -> Result:
    opts, sb = call.opts, call.sandbox
    wanted = opts.words[0] if opts.words else None
    if wanted is not None and sb.resolve(wanted, 4) is None:
        # busybox: herror() after the resolver's TRY_AGAIN (the embedded DNS finds no server)
        return Result.of(1, "", f"arp: {wanted}: Host name lookup failure\n")
    if opts.has("d") and wanted is not None and not may_change_network(call):
        return Result.of(1, "", "arp: SIOCDARP(priv): Operation not permitted\n")
    if opts.has("d") or opts.has("s"):
        return not_modelled("arp", "changing the ARP table")
    devices = [i.name for i in sb.interfaces()]
    found = [n for n in neighbours.entries(sb.host, sb.owner, devices) if n.address.version == 4]
    entries = len(found)
    if opts.get("i"):
        found = [n for n in found if n.dev == opts.get("i")]
    if wanted is not None:
        found = [n for n in found if n.address == sb.resolve(wanted, 4)]
    out = ""
    for n in found:
        name = "?" if opts.has("n") else (dns.embedded_reverse(sb.owner, n.address) if sb.owner is not None else None) or "?"
        at = f"{n.mac} [ether] " if n.mac else "<incomplete> "
        out += f"{name} ({n.address}) at {at} on {n.dev}\n"
    if not found and (wanted or opts.get("i")):
        out = f"No match found in {entries} entries\n"
    return Result.of(0, out)
