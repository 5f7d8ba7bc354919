"""busybox `ip`: addr, link and route, printed as busybox 1.35 prints them."""
from __future__ import annotations

import ipaddress

from ..engine.sandbox import Sandbox
from ..state import Iface

USAGE = ("BusyBox v1.35.0 (Debian 1:1.35.0-4+deb12u1+b1) multi-call binary.\n\n"
         "Usage: ip [OPTIONS] address|route|link|tunnel|neigh|rule [ARGS]\n\n"
         "OPTIONS := -f[amily] inet|inet6|link | -o[neline]\n\n"
         "ip addr add|del IFADDR dev IFACE | show|flush [dev IFACE] [to PREFIX]\n"
         "ip route list|flush|add|del|change|append|replace|test ROUTE\n"
         "ip link set IFACE [up|down] [arp on|off] [multicast on|off]\n"
         "\t[promisc on|off] [mtu NUM] [name NAME] [qlen NUM] [address MAC]\n"
         "\t[master IFACE | nomaster] [netns PID]\n"
         "ip tunnel add|change|del|show [NAME]\n"
         "\t[mode ipip|gre|sit] [remote ADDR] [local ADDR] [ttl TTL]\n"
         "ip neigh show|flush [to PREFIX] [dev DEV] [nud STATE]\n"
         "ip rule [list] | add|del SELECTOR ACTION\n")


KNOWN_OPTIONS = {"-4", "-6", "-o", "-oneline", "-0", "-f", "-family"}


def _matches(word: str, full: str, shortest: int = 1) -> bool:
    return len(word) >= shortest and full.startswith(word)


def link_line(i: Iface) -> str:
    name = f"{i.name}@if{i.peer_index}" if i.peer_index else i.name
    master = f"master {i.master} " if i.master else ""
    qlen = "qlen 1000" if i.kind == "loopback" or i.name == "eth0" and i.peer_index and i.peer_index >= 30000 else ""
    head = f"{i.index}: {name}: <{i.flags}> mtu {i.mtu} qdisc noqueue {master}{qlen}\n"
    kind = "loopback" if i.kind == "loopback" else "ether"
    return head + f"    link/{kind} {i.mac} brd {'00:00:00:00:00:00' if kind == 'loopback' else 'ff:ff:ff:ff:ff:ff'}\n"


def addr_lines(i: Iface, host_ns: bool) -> str:
    out = ""
    if i.ip is not None:
        net = ipaddress.ip_network(f"{i.ip}/{i.prefixlen}", strict=False)
        scope = "host" if i.kind == "loopback" else "global"
        # The underlay address was added without a broadcast address (labkit.hosts does so).
        brd = "" if i.kind == "loopback" or i.name == "eth0" and (i.peer_index or 0) >= 30000 else f" brd {net.broadcast_address}"
        out += f"    inet {i.ip}/{i.prefixlen}{brd} scope {scope} {i.name}\n"
        out += "       valid_lft forever preferred_lft forever\n"
    if host_ns:
        if i.kind == "loopback":
            out += "    inet6 ::1/128 scope host \n       valid_lft forever preferred_lft forever\n"
        elif "NO-CARRIER" not in i.flags:
            out += f"    inet6 {link_local(i.mac)}/64 scope link \n       valid_lft forever preferred_lft forever\n"
    return out


def link_local(mac: str) -> str:
    b = [int(x, 16) for x in mac.split(":")]
    b[0] ^= 2
    eui = b[:3] + [0xFF, 0xFE] + b[3:]
    groups = [f"{(eui[k] << 8) | eui[k + 1]:x}" for k in range(0, 8, 2)]
    return str(ipaddress.IPv6Address("fe80::" + ":".join(groups)))


def run(sb: Sandbox, args: list[str]) -> tuple[int, str, str]:
    """(exit code, stdout, stderr) of `ip ARGS` in the sandbox."""
    opts = [a for a in args if a.startswith("-")]
    words = [a for a in args if not a.startswith("-")]
    if not words or any(o not in KNOWN_OPTIONS for o in opts):  # -br, -d, -s: not in busybox's ip
        return 1, "", USAGE
    family6 = "-6" in opts
    only4 = "-4" in opts
    oneline = "-o" in opts or "-oneline" in opts
    obj, rest = words[0], words[1:]
    if _matches(obj, "route") and rest[:1] == ["get"] and len(rest) > 1:
        return route_get(sb, rest[1])
    ifaces = sb.interfaces()
    if rest[:1] and rest[0] in ("show", "list", "ls", "lst", "sh", "l", "s"):
        rest = rest[1:]
    if rest[:1] == ["dev"]:
        rest = rest[1:]
    if rest and not _matches(obj, "route"):
        wanted = rest[0]
        ifaces = [i for i in ifaces if i.name == wanted]
        if not ifaces:
            return 1, "", f"ip: can't find device '{wanted}'\n"
    if _matches(obj, "address") or obj == "a":
        if family6:
            return 0, "", ""
        out = ""
        for i in ifaces:
            if oneline:
                out += "".join(f"{i.index}: {i.name}    " + line.strip().replace("\n", "") + "\\       valid_lft forever preferred_lft forever\n"
                               for line in addr_lines(i, host_ns=False).splitlines() if line.strip().startswith("inet "))
                continue
            if only4 and i.ip is None:
                continue
            block = link_line(i) + addr_lines(i, host_ns=sb.is_host and not only4)
            if only4:
                block = "".join(line + "\n" for line in block.splitlines() if "link/" not in line)
            out += block
        return 0, out, ""
    if _matches(obj, "link"):
        lines = [link_line(i) for i in ifaces]
        if oneline:  # one line per interface, its parts joined by a backslash
            lines = [block.rstrip("\n").replace("\n", "\\") + "\n" for block in lines]
        return 0, "".join(lines), ""
    if _matches(obj, "route"):
        if family6:
            return 0, "", ""
        out = ""
        for r in sb.routes():
            if r.dst is None:
                out += f"default via {r.via} dev {r.dev} \n"
            else:
                out += f"{r.dst} dev {r.dev} scope link  src {r.src} \n"
        return 0, out, ""
    if _matches(obj, "neighbor") or obj == "neigh":
        return 0, "", ""
    return 1, "", f"ip: invalid argument '{obj}' to 'ip'\n"


def route_get(sb: Sandbox, target: str) -> tuple[int, str, str]:
    try:
        dst = ipaddress.IPv4Address(target)
    except ValueError:
        return 1, "", f"ip: an inet address is expected rather than \"{target}\"\n"
    r = sb.route_for(dst)
    if r is None:
        return 2, "", "ip: RTNETLINK answers: Network is unreachable\n"
    src = next((i.ip for i in sb.interfaces() if i.name == r.dev), None)
    if r.dst is None:
        return 0, f"{dst} via {r.via} dev {r.dev}  src {src} \n", ""
    return 0, f"{dst} dev {r.dev}  src {src} \n", ""
