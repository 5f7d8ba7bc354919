"""labkit's own extension of the Engine API: the host's side of the underlay (engine/underlay.py),
what on a real host of `labkit hosts` is a command in its network namespace (root). A real engine
answers 404 here; labkit.underlay picks the one or the other.

    POST /labkit/underlay/iptables?arg=-S&arg=INPUT   iptables -S INPUT   -> {"ExitCode", "Stdout", "Stderr"}
    GET  /labkit/underlay/link                        ip link show eth0   -> {"Name", "MTU"}
    POST /labkit/underlay/link?mtu=1400               ip link set eth0 mtu 1400
    POST /labkit/underlay/ping?target=IP&size=1472&dont_fragment=1
                                                      ping -c 1 -M do -s 1472 IP -> {"Answered", "Said"}
    GET  /labkit/kernel                               what the machine's kernel has -> {"ESP"}
    POST /labkit/kernel?esp=0                         (a fault: a kernel without ESP)
"""
from __future__ import annotations

import ipaddress

from ..engine import underlay
from ..errors import InvalidParameter
from .query import truthy
from .router import Routes, j

routes = Routes()
MTU_RANGE = (68, 65535)        # what the kernel takes for an Ethernet veth


def number(query: dict, key: str, low: int, high: int) -> int:
    text = query.get(key, "")
    if not text.isdigit() or not low <= int(text) <= high:
        raise InvalidParameter(f"{key} {text!r}: give a number from {low} to {high}")
    return int(text)


@routes.post(r"/labkit/underlay/iptables")
def iptables(engine, m, q, body):
    code, out, err = underlay.iptables(engine.host, q.all("arg"))
    return j({"ExitCode": code, "Stdout": out, "Stderr": err})


@routes.get(r"/labkit/underlay/link")
def link(engine, m, q, body):
    return j({"Name": "eth0", "MTU": underlay.uplink_mtu(engine.host)})


@routes.post(r"/labkit/underlay/link")
def set_link(engine, m, q, body):
    underlay.set_uplink_mtu(engine.host, number(q, "mtu", *MTU_RANGE))
    return j({"Name": "eth0", "MTU": underlay.uplink_mtu(engine.host)})


@routes.post(r"/labkit/underlay/ping")
def ping(engine, m, q, body):
    try:
        target = ipaddress.IPv4Address(q.get("target", ""))
    except ValueError:
        raise InvalidParameter(f"target {q.get('target', '')!r}: give a host's IPv4 address") from None
    answered, said = underlay.host_ping(engine.host, target, number(q, "size", 0, 65507),
                                        truthy(q, "dont_fragment"))
    return j({"Answered": answered, "Said": said})


@routes.get(r"/labkit/kernel")
def kernel(engine, m, q, body):
    return j({"ESP": engine.world.kernel_has_esp})


@routes.post(r"/labkit/kernel")
def set_kernel(engine, m, q, body):
    if "esp" in q:
        engine.world.kernel_has_esp = truthy(q, "esp")
    return j({"ESP": engine.world.kernel_has_esp})
