"""busybox `ip`'s changes to IPv4 addresses and routes: `ip addr add|del|flush`, `ip route add|del`,
read as busybox 1.35 reads them, answered as the kernel answers (engine/ipconf.py keeps them).

busybox checks what is typed first ("an inet prefix is expected", `need "dev IFACE"`, "can't find
device", exit 1); the kernel then refuses a process without CAP_NET_ADMIN ("RTNETLINK answers:
Operation not permitted", exit 2), then judges the change. A destination busybox cannot read as
numbers (a name, 10.1.1.300) is 0.0.0.0/0, the default route, as busybox makes it; an address
that it cannot read the kernel refuses ("Numerical result out of range"). IPv6, labels, scopes,
tables and route types are not modelled (the simulator says so).
"""
from __future__ import annotations

import re

from ..engine import ipconf
from ..engine.routing import Route
from ..engine.sandbox import Sandbox
from ..state import Addr4, IPv4Addr, IPv4Net

VERBS = {"add": "add", "delete": "del", "flush": "flush"}   # busybox takes any prefix of its keywords
NUMERIC = re.compile(r"\d+(\.\d+){0,3}\Z")
INCOMPLETE = 'ip: command line is not complete, try "help"\n'
ERANGE = "Numerical result out of range"


class Typed(Exception):
    """What busybox says of the command line before it asks the kernel (exit 1)."""


def verb(word: str) -> str | None:
    """add, del or flush, as busybox matches a keyword by its first letters (`ip r a`, `ip a d`)."""
    return next((v for k, v in VERBS.items() if word and k.startswith(word)), None)


def quad(text: str) -> IPv4Addr | None:
    """busybox's reading of an IPv4 address: up to four numbers, the missing ones 0 (1.2.3 is 1.2.3.0)."""
    if not NUMERIC.match(text):
        return None
    parts = [int(p) for p in text.split(".")]
    return IPv4Addr(".".join(map(str, parts + [0] * (4 - len(parts))))) if max(parts) <= 255 else None


def prefix(text: str) -> tuple[IPv4Addr | None, int]:
    """ADDR[/LEN] as (address, prefix length); (None, 0) for what busybox cannot read."""
    if text in ("default", "any", "all"):
        return IPv4Addr(0), 0
    addr, slash, length = text.partition("/")
    if slash and not (length.isdigit() and int(length) <= 32):
        raise Typed(f'ip: an inet prefix is expected rather than "{addr}"\n')
    found = quad(addr)
    return (found, int(length) if slash else 32) if found is not None else (None, 0)


def address(text: str) -> IPv4Addr:
    found = quad(text)
    if found is None:
        raise Typed(f'ip: an inet address is expected rather than "{text}"\n')
    return found


def options(args: list[str], keys: set[str]) -> tuple[str | None, dict[str, str]]:
    """The word without a keyword (the address or destination) and each keyword's value; the
    keywords the simulator does not model raise LookupError."""
    first, found, k = None, {}, 0
    while k < len(args):
        word = args[k]
        if word in keys or word in ("local", "to"):
            if k + 1 >= len(args):
                raise Typed(INCOMPLETE)
            if word in ("local", "to"):
                first = args[k + 1]
            else:
                found[word] = args[k + 1]
            k += 2
            continue
        if word in ("label", "scope", "peer", "table", "proto", "protocol", "type", "onlink", "mtu", "tos",
                    "nexthop", "realm", "unicast", "blackhole", "unreachable", "prohibit", "throw", "nat"):
            raise LookupError(word)
        first = word
        k += 1
    return first, found


def device(sb: Sandbox, name: str | None):
    iface = next((i for i in sb.interfaces() if i.name == name), None)
    if name is not None and iface is None:
        raise Typed(f"ip: can't find device '{name}'\n")
    return iface


def run(sb: Sandbox, what: str, how: str, args: list[str], capable: bool) -> tuple[int, str, str] | None:
    """(exit code, stdout, stderr) of `ip addr|route add|del|flush ARGS`; None where the simulator
    does not model it."""
    if sb.owner is None or any(":" in a for a in args):
        return None   # the host's own namespace, IPv6
    try:
        if how == "flush":
            return flush(sb, what, args, capable)
        kernel = (addr_change if what == "addr" else route_change)(sb, how, args)
    except Typed as e:
        return 1, "", str(e)
    except LookupError:
        return None
    if kernel is None:
        return None
    if not capable:
        return 2, "", "ip: RTNETLINK answers: Operation not permitted\n"
    error = kernel()
    return (2, "", f"ip: RTNETLINK answers: {error}\n") if error else (0, "", "")


def addr_change(sb: Sandbox, how: str, args: list[str]):
    """What the kernel is to do (a function giving its refusal or None), once busybox has read the words."""
    word, found = options(args, {"dev", "brd", "broadcast"})
    addr, length = prefix(word) if word is not None else (None, 32)
    if "dev" not in found:
        raise Typed('ip: need "dev IFACE"\n')
    iface = device(sb, found["dev"])
    if word is None:
        return None
    if addr is None:
        return lambda: ERANGE
    if how == "del":
        return lambda: ipconf.del_address(sb, iface, addr)
    brd = found.get("brd", found.get("broadcast"))
    subnet = IPv4Net(f"{addr}/{length}", strict=False)
    if brd is not None and brd != "+" and quad(brd) is None:
        return None
    brd_addr = (subnet.broadcast_address if length < 31 else None) if brd == "+" else quad(brd) if brd else None
    new = Addr4(addr, length, brd=brd_addr, scope="host" if addr.is_loopback else "global")
    return lambda: ipconf.add_address(sb, iface, new)


def flush(sb: Sandbox, what: str, args: list[str], capable: bool) -> tuple[int, str, str] | None:
    """`ip addr flush [dev] IF`: busybox deletes the addresses it lists, one request each (none
    sent, none refused, when there are none)."""
    if not args:
        return 1, "", "ip: flush requires an argument\n" if what == "addr" else 'ip: "ip route flush" requires an argument\n'
    if what != "addr" or len(args) > 2 or len(args) == 2 and args[0] != "dev":
        return None
    iface = device(sb, args[-1])
    taken = ipconf.addresses(iface)
    if taken and not capable:
        return 1, "", "ip: can't send flush request: Operation not permitted\n"
    if taken:
        ipconf.flush(sb, iface, [], {a.address for a in taken})
    return 0, "", ""


def route_change(sb: Sandbox, how: str, args: list[str]):
    word, found = options(args, {"via", "dev", "oif", "src", "metric", "priority", "preference"})
    addr, length = prefix(word) if word is not None else (IPv4Addr(0), 0)
    if addr is None:          # busybox makes what it cannot read 0.0.0.0/0
        addr, length = IPv4Addr(0), 0
    via = address(found["via"]) if "via" in found else None
    src = address(found["src"]) if "src" in found else None
    metric_text = found.get("metric", found.get("priority", found.get("preference")))
    if metric_text is not None and not metric_text.isdigit():
        raise Typed(f"ip: invalid argument '{metric_text}' to 'metric'\n")
    name = found.get("dev", found.get("oif"))
    device(sb, name)
    if int(addr) & (0xFFFFFFFF >> length if length < 32 else 0):
        return lambda: ipconf.EINVAL   # host bits set: the kernel's first check
    dst = None if length == 0 else IPv4Net(f"{addr}/{length}")
    metric = int(metric_text) or None if metric_text is not None else None   # (metric 0: any, as none)
    if how == "del":
        return lambda: ipconf.del_route(sb, dst, via, name, metric)
    return lambda: ipconf.add_route(sb, Route(dst, name, via=via, src=src, metric=metric or 0))


# -- route add|del ---------------------------------------------------------------------------------
ROUTE_VALUES = {"metric", "netmask", "gw", "gateway", "mss", "window", "irtt", "dev", "device"}
ROUTE_FLAGS = {"reject", "mod", "dyn", "reinstate"}


def inet_aton(text: str) -> IPv4Addr | None:
    """The C library's reading of an address: one to four numbers (decimal, 0x hex, 0 octal), the
    last one filling the bytes left (1.2.3 is 1.2.0.3)."""
    parts = text.split(".")
    if not 1 <= len(parts) <= 4:
        return None
    values = []
    for p in parts:
        base = 16 if p[:2].lower() == "0x" else 8 if p[:1] == "0" and len(p) > 1 else 10
        digits = p[2:] if base == 16 else p
        try:
            values.append(int(digits, base) if digits else None)
        except ValueError:
            return None
    if None in values or any(v > 255 for v in values[:-1]) or values[-1] >= 1 << 8 * (5 - len(values)):
        return None
    number = sum(v << 8 * (3 - k) for k, v in enumerate(values[:-1])) + values[-1]
    return IPv4Addr(number)


def resolve(sb: Sandbox, text: str, hostfirst: bool) -> tuple[bool, IPv4Addr] | None:
    """busybox's INET_resolve: (a network?, the address): "default" is the network 0.0.0.0; a
    number is a host; a name is looked up as ping would (no networks database here)."""
    if text == "default":
        return True, IPv4Addr(0)
    found = inet_aton(text) or sb.resolve(text, 4)
    return None if found is None else (False, found)


def route_command(sb: Sandbox, words: list[str], capable: bool, usage: str) -> tuple[int, str, str] | None:
    """`route {add|del} [-net|-host] TARGET [netmask MASK] [gw GW] [metric N] [[dev] IF]` (-net and
    -host come as #net and #host, as busybox remaps them before its getopt). None: not modelled."""
    how = {"add": "add", "del": "del", "delete": "del"}.get(words[0]) if words else None
    args = words[1:]
    flag = args[0] if args[:1] in (["#net"], ["#host"]) else None
    args = args[1:] if flag else args
    if how is None or not args or sb.owner is None:
        return (1, "", usage) if sb.owner is not None else None
    try:
        return route_setting(sb, how, flag, args, capable, usage)
    except Typed as e:
        return 1, "", str(e)
    except LookupError:
        return None


def route_setting(sb: Sandbox, how: str, flag: str | None, args: list[str], capable: bool, usage: str):
    target, _, length = args[0].partition("/")
    mask = None
    if "/" in args[0]:
        if not length.isdigit() or int(length) > 32:
            raise Typed(f"route: number {length} is not in 0..32 range\n" if length.isdigit()
                        else f"route: invalid number '{length}'\n")
        mask = (0xFFFFFFFF << (32 - int(length))) & 0xFFFFFFFF
    found = resolve(sb, target, hostfirst=flag == "#host")
    if found is None:
        raise Typed(f"route: resolving {target}\n")
    isnet, dst = found
    isnet = flag == "#net" if flag else isnet
    gw = dev = metric = netmask = None
    k, rest = 0, args[1:]
    while k < len(rest):
        word = rest[k]
        if word in ROUTE_FLAGS or word in ("mss", "window", "irtt"):
            raise LookupError(word)
        if word in ROUTE_VALUES:
            if k + 1 >= len(rest):
                raise Typed(usage)
            value, k = rest[k + 1], k + 2
            if word == "metric":
                if not value.isdigit():
                    raise Typed(f"route: invalid number '{value}'\n")
                metric = int(value)
            elif word == "netmask":
                got = resolve(sb, value, hostfirst=False)
                if mask is not None:
                    raise Typed(usage)
                if got is None:
                    raise Typed(f"route: resolving {value}\n")
                netmask, mask = value, int(got[1])
            elif word in ("gw", "gateway"):
                got = resolve(sb, value, hostfirst=True)
                if gw is not None:
                    raise Typed(usage)
                if got is None:
                    raise Typed(f"route: resolving {value}\n")
                if got[0]:
                    raise Typed(f"route: gateway {value} is a NETWORK\n")
                gw = got[1]
            elif dev is None:
                dev = value
            else:
                raise Typed(usage)
            continue
        if dev is None and k == len(rest) - 1:   # the last word: the interface
            dev, k = word, k + 1
            continue
        raise Typed(usage)
    if mask:   # busybox's checks of the netmask
        inverse = ~mask & 0xFFFFFFFF
        if not isnet:
            raise Typed(f"route: netmask {inverse:08x} and host route conflict\n")
        if inverse & (inverse + 1):
            raise Typed(f"route: bogus netmask {netmask}\n")
        if int(dst) & inverse:
            raise Typed("route: netmask and route address conflict\n")
    call = "SIOCADDRT" if how == "add" else "SIOCDELRT"
    if not capable:
        return 1, "", f"route: {call}: Operation not permitted\n"
    length = 32 if not isnet else bin(mask or 0).count("1")
    error = None
    if dev is not None and not any(i.name == dev for i in sb.interfaces()):
        error = ipconf.ENODEV
    elif int(dst) & (0xFFFFFFFF >> length if length < 32 else 0):
        error = ipconf.EINVAL
    else:
        net = None if length == 0 else IPv4Net(f"{dst}/{length}")
        error = ipconf.add_route(sb, Route(net, dev, via=gw, metric=metric or 0), exclusive=False) if how == "add" \
            else ipconf.del_route(sb, net, gw, dev, metric or None)
    return (1, "", f"route: {call}: {error}\n") if error else (0, "", "")
