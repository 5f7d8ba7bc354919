"""busybox `ip`: addr, link and route, printed as busybox 1.35 prints them."""
from __future__ import annotations

import ipaddress

from ..engine import ipconf, neighbours
from ..engine.routing import Route
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


def link_line(i: Iface, family6: bool = False) -> str:
    """The interface's first line and (but with -6) its link line."""
    name = f"{i.name}@if{i.peer_index}" if i.peer_index else f"{i.name}@{i.lower}" if i.lower else i.name
    master = f"master {i.master} " if i.master else ""
    qlen = "qlen 1000" if i.kind == "loopback" or i.name == "eth0" and i.peer_index and i.peer_index >= 30000 else ""
    if family6:  # busybox leaves the queueing discipline, master and link line out of `ip -6 addr`
        return f"{i.index}: {name}: <{i.flags}> mtu {i.mtu} {qlen}\n"
    head = f"{i.index}: {name}: <{i.flags}> mtu {i.mtu} qdisc noqueue {master}{qlen}\n"
    kind = "loopback" if i.kind == "loopback" else "ether"
    return head + f"    link/{kind} {i.mac} brd {'00:00:00:00:00:00' if kind == 'loopback' else 'ff:ff:ff:ff:ff:ff'}\n"


def inet_lines(i: Iface) -> list[str]:
    if i.addrs4 is not None:   # as `ip addr add|del` left them
        return [f"    inet {a.address}/{a.prefixlen}{f' brd {a.brd}' if a.brd else ''} scope {a.scope} "
                f"{'secondary ' if a.secondary else ''}{i.name}\n" for a in i.addrs4]
    if i.ip is None:
        return []
    net = ipaddress.ip_network(f"{i.ip}/{i.prefixlen}", strict=False)
    scope = "host" if i.kind == "loopback" else "global"
    # The underlay address was added without a broadcast address (labkit.hosts does so).
    brd = "" if i.kind == "loopback" or i.name == "eth0" and (i.peer_index or 0) >= 30000 else f" brd {net.broadcast_address}"
    return [f"    inet {i.ip}/{i.prefixlen}{brd} scope {scope} {i.name}\n"]


def inet6_lines(i: Iface) -> list[str]:
    """The interface's IPv6 addresses, as the kernel lists them: by scope, global first, the
    newest first within one scope; the engine adds its addresses without duplicate address
    detection (IFA_F_NODAD: "flags 02")."""
    order = {"global": 0, "link": 1, "host": 2}
    return [f"    inet6 {a.address}/{a.prefixlen} scope {a.scope} {'flags 02 ' if a.nodad else ''}\n"
            for a in sorted(i.addrs6, key=lambda a: order[a.scope])]


VALID = "       valid_lft forever preferred_lft forever\n"


def addresses(ifaces: list[Iface], family: int | None, oneline: bool) -> str:
    """`ip addr` (family 4: -4, 6: -6): interfaces without an address of the family left out."""
    out = ""
    for i in ifaces:
        lines = (inet_lines(i) if family != 6 else []) + (inet6_lines(i) if family != 4 else [])
        if oneline:
            out += "".join(f"{i.index}: {i.name}    {line.strip()}{' ' if ' inet6 ' in ' ' + line else ''}\\{VALID}"
                           for line in lines)
            continue
        if family is not None and not lines:
            continue
        block = link_line(i, family6=family == 6)
        if family == 4:
            block = "".join(line + "\n" for line in block.splitlines() if "link/" not in line)
        out += block + "".join(line + VALID for line in lines)
    return out


def route_line(r: Route) -> str:
    """One route of the main table as busybox prints it: a host route without its /32, "scope
    link" for a route with no gateway, then its source and metric where it has them."""
    dst = "default" if r.dst is None else str(r.dst.network_address) if r.dst.prefixlen == 32 else str(r.dst)
    line = dst + (f" via {r.via}" if r.via else "") + f" dev {r.dev} " + ("" if r.via else "scope link ")
    return line + (f" src {r.src} " if r.src else "") + (f" metric {r.metric} " if r.metric else "") + "\n"


def routes4(sb: Sandbox) -> str:
    return "".join(route_line(r) for r in sb.routes())


def local_routes(sb: Sandbox, named: bool = True) -> str:
    """The local table (ip route show table local|all): each address of the namespace (a
    secondary's source is its primary), a primary's subnet broadcast address and any address
    given as brd, a primary's subnet on lo (127.0.0.0/8), in address order. busybox names the
    table on each line only when it lists all of them (named)."""
    table = " table local" if named else ""
    rows = {}
    for i in sb.interfaces():
        addrs = ipconf.addresses(i)
        for a in addrs:
            net = ipaddress.ip_network(f"{a.address}/{a.prefixlen}", strict=False)
            src = a.address if not a.secondary else next(
                p.address for p in addrs if not p.secondary and p.prefixlen == a.prefixlen and p.address in net)
            if i.kind == "loopback" and not a.secondary and a.prefixlen < 32:
                rows.setdefault((net.network_address, net.prefixlen), f"local {net} dev {i.name}{table} scope host  src {src} \n")
            rows.setdefault((a.address, 32), f"local {a.address} dev {i.name}{table} scope host  src {src} \n")
            # the subnet's broadcast address for a primary (but a /31 or /32), and the one given
            for brd in ([net.broadcast_address] if not a.secondary and a.prefixlen < 31 else []) + [a.brd]:
                if brd is not None:
                    rows.setdefault((brd, 32), f"broadcast {brd} dev {i.name}{table} scope link  src {src} \n")
    return "".join(line for (_a, _p), line in sorted(rows.items(), key=lambda r: (int(r[0][0]), r[0][1])))


def routes6(sb: Sandbox) -> str:
    out = ""
    for r in sb.routes6():
        where = ("default" if r.default else f"multicast {r.dst}" if r.multicast
                 else f"anycast {r.dst.network_address}" if r.anycast else str(r.dst))
        via = f" via {r.via}" if r.via else ""
        out += f"{where}{via} dev {r.dev}  metric {r.metric} \n"
    return out


def neighbour_lines(sb: Sandbox, family: int | None, rest: list[str]) -> str:
    """`ip neigh [show] [dev IF]` (rest: [IF] or []): IPv4's entries, then IPv6's (where the kernel's answer is
    a hash order and states that age, the simulator's are in the order learned and fresh).
    Filtered by a device, busybox leaves "dev IF" out of the lines (as iproute2)."""
    devices = [i.name for i in sb.interfaces()]
    one_device = bool(rest)   # (run took "dev" away)
    if one_device:
        devices = [d for d in devices if d == rest[0]]
    found = neighbours.entries(sb.host, sb.owner, devices)
    out = ""
    for version in (4, 6):
        for n in found:
            if n.address.version != version or family not in (None, version):
                continue
            dev = "" if one_device else f"dev {n.dev} "
            if not n.mac:
                out += f"{n.address} {dev} used 0/0/0 probes 6 FAILED\n"
                continue
            out += f"{n.address} {dev}lladdr {n.mac} {'router ' if n.router else ''}ref 1 used 0/0/0 probes 1 REACHABLE\n"
    return out


def family_of(opts: list[str]) -> int | None:
    """-4, -6, -f inet|inet6 (-family)."""
    family = None
    for k, o in enumerate(opts):
        if o in ("-4", "-6"):
            family = int(o[1])
        elif o in ("-f", "-family") and k + 1 < len(opts):
            family = {"inet": 4, "inet6": 6}.get(opts[k + 1], family)
    return family


def run(sb: Sandbox, args: list[str]) -> tuple[int, str, str]:
    """(exit code, stdout, stderr) of `ip ARGS` in the sandbox."""
    opts, words = [], []
    for k, a in enumerate(args):
        (opts if a.startswith("-") or (k and args[k - 1] in ("-f", "-family")) else words).append(a)
    if not words or any(o not in KNOWN_OPTIONS for o in opts if o.startswith("-")):  # -br, -d, -s: not in busybox's ip
        return 1, "", USAGE
    family = family_of(opts)
    oneline = "-o" in opts or "-oneline" in opts
    obj, rest = words[0], words[1:]
    if _matches(obj, "route") and rest[:1] == ["get"] and len(rest) > 1:
        return route_get(sb, rest[1])
    ifaces = sb.interfaces()
    if rest[:1] and rest[0] in ("show", "list", "ls", "lst", "sh", "l", "s"):
        rest = rest[1:]
    by_dev = rest[:1] == ["dev"]
    if by_dev:
        rest = rest[1:]
    if rest and not _matches(obj, "route"):
        wanted = rest[0]
        ifaces = [i for i in ifaces if i.name == wanted]
        if not ifaces:
            return 1, "", f"ip: can't find device '{wanted}'\n"
    if _matches(obj, "address") or obj == "a":
        return 0, addresses(ifaces, family, oneline), ""
    if _matches(obj, "link"):
        lines = [link_line(i) for i in ifaces]
        if oneline:  # one line per interface, its parts joined by a backslash
            lines = [block.rstrip("\n").replace("\n", "\\") + "\n" for block in lines]
        return 0, "".join(lines), ""
    if _matches(obj, "route"):
        if rest[:1] == ["table"] and len(rest) > 1 and family != 6:
            wanted = {"all": routes4(sb) + local_routes(sb), "main": routes4(sb), "local": local_routes(sb, named=False)}
            if rest[1] not in wanted:
                return 1, "", f"ip: invalid argument '{rest[1]}' to 'table'\n"
            return 0, wanted[rest[1]], ""
        if rest[:1] == ["dev"] or (rest[:1] and rest[0] != "table"):
            dev = rest[-1]
            table = routes6(sb) if family == 6 else routes4(sb)
            return 0, "".join(line + "\n" for line in table.splitlines() if f" dev {dev} " in line), ""
        return 0, routes6(sb) if family == 6 else routes4(sb), ""
    if _matches(obj, "neighbor") or obj == "neigh":
        # ip neigh filters by a device only after "dev" (a bare word: all, as observed)
        return 0, neighbour_lines(sb, family, rest if by_dev else []), ""
    return 1, "", f"ip: invalid argument '{obj}' to 'ip'\n"


def route_get(sb: Sandbox, target: str) -> tuple[int, str, str]:
    try:
        dst = ipaddress.ip_address(target)
    except ValueError:
        return 1, "", f"ip: an inet address is expected rather than \"{target}\"\n"
    r = sb.route_for(dst)
    if r is None:
        return 2, "", "ip: RTNETLINK answers: Network is unreachable\n"
    iface = next((i for i in sb.interfaces() if i.name == r.dev), None)
    if dst.version == 6:
        src = next((a.address for a in (iface.addrs6 if iface else []) if a.scope == "global"), None)
        via = f" via {r.via}" if r.via else ""
        return 0, f"{dst} from ::{via} dev {r.dev}  src {src}  metric {r.metric} \n", ""
    src = sb.source_for(dst)
    if r.via is not None:
        return 0, f"{dst} via {r.via} dev {r.dev}  src {src} \n", ""
    return 0, f"{dst} dev {r.dev}  src {src} \n", ""
