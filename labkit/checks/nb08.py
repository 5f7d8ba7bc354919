"""Checks for notebook 08 (under the hood: namespaces, veth pairs, bridges, NAT, VXLAN).

    nb08.exercise_1(lab, answer)   # the host-side end of web's eth0 (a veth name)
    nb08.exercise_2(lab, answer)   # shop published on 127.0.0.1:8081, and where its DNAT rule sends traffic
    nb08.exercise_3(answer)        # the MTU of an overlay on an underlay of MTU 9000

The first two ask the engine through the lab, from inside containers (`ip link`), on either engine.
"""
from __future__ import annotations

import re

import docker

from .. import iptables
from ..lab import Lab
from . import Result, recorded, result

LINK = re.compile(r"^(\d+): ([^:@\s]+)(?:@if(\d+))?:", re.MULTILINE)
VXLAN_OVERHEAD = 50   # outer Ethernet 14 + outer IPv4 20 + UDP 8 + VXLAN 8


def _links(lab: Lab, container: str, *args: str) -> dict[int, tuple[str, int | None]]:
    """{index: (name, peer index)} from `ip link` inside a container."""
    code, out = lab.client.containers.get(container).exec_run(["ip", "link", *args])
    return {int(i): (name, int(peer) if peer else None)
            for i, name, peer in LINK.findall(out.decode(errors="replace"))} if code == 0 else {}


def _host_mode_container(lab: Lab) -> str | None:
    for c in lab.snapshot().owned_by(lab.name).containers:
        if c.network_mode == "host" and c.running:
            return c.name
    return None


@recorded
def exercise_1(lab: Lab, answer) -> Result:
    """The name of the interface on the host that is the other end of web's eth0."""
    title = "Exercise 1: the other end of web's eth0"
    try:
        inside = _links(lab, "web", "show", "eth0")
    except docker.errors.NotFound:
        return Result(title, False, ["there is no container web"], "run the cell of section 1 first: it starts web")
    box = _host_mode_container(lab)
    if box is None:
        return Result(title, False, ["no host-mode container of this lab runs"],
                      "run the cell of section 1 first: it starts box with network_mode='host'")
    (name, peer), = inside.values() or [(None, None)]
    outside = _links(lab, box).get(peer) if peer else None
    truth = outside[0] if outside else None
    given = str(answer or "").strip().split("@")[0]
    hint = (f"inside web, `ip link` shows eth0@if{peer}: find interface number {peer} in the host's `ip link` "
            f"(from {box})")
    if given and given == name:
        hint = "eth0 is web's own end; the question asks for the end on the host"
    return result(title, [(truth is not None and given == truth, f"your answer: {given or 'none'}", hint)])


@recorded
def exercise_2(lab: Lab, answer) -> Result:
    """shop runs on front, publishes port 80 on 127.0.0.1:8081; `answer` is ADDRESS:PORT, where
    the engine's DNAT rule for 127.0.0.1:8081 sends the traffic."""
    title = "Exercise 2: shop's published port and its DNAT rule"
    topo = lab.snapshot()
    try:
        shop = topo.container("shop")
    except KeyError:
        return Result(title, False, ["there is no container shop"],
                      "lab.container('shop', networks=['front'], command='httpd -f -p 80', ports={80: 8081})")
    published = [str(p) for p in shop.ports]
    on_front = any(e.network == "front" for e in topo.endpoints_of(shop))
    state = f"shop is {'running' if shop.running else 'not running'}{' on front' if on_front else ', not on front'}"
    checks = [(shop.running and on_front, state, "start shop on the network front"),
              ("127.0.0.1:8081->80/tcp" in published, f"shop publishes: {', '.join(published) or 'nothing'}",
               "publish container port 80 as host port 8081: ports={80: 8081} (127.0.0.1 is the lab's default)")]
    if not all(ok for ok, _, _ in checks):
        return result(title, checks)
    dnat = [r.text for r in iptables.table(topo, "nat") if "--dport 8081 " in r.text and "DNAT" in r.text]
    truth = dnat[0].rsplit(" ", 1)[1] if dnat else None
    given = str(answer or "").strip()
    hint = "the DNAT rule's --to-destination is shop's address on front and the container port"
    if given.startswith("127.0.0.1"):
        hint = "127.0.0.1:8081 is where the traffic arrives; DNAT rewrites it to where it goes"
    checks.append((given == truth, f"your answer: {given or 'none'}", hint))
    return result(title, checks)


@recorded
def exercise_3(answer, underlay_mtu: int = 9000) -> Result:
    """The MTU Docker gives an overlay's interfaces when the underlay's MTU is 9000."""
    title = "Exercise 3: the overlay's MTU on an underlay of MTU 9000"
    try:
        given = int(str(answer).strip())
    except ValueError:
        given = None
    truth = underlay_mtu - VXLAN_OVERHEAD
    hint = f"the underlay's MTU minus the {VXLAN_OVERHEAD} bytes VXLAN adds to each packet"
    if given == underlay_mtu + VXLAN_OVERHEAD:
        hint = "the headers are added to the container's packet: the container's packet must be smaller"
    return result(title, [(given == truth, f"your answer: {answer}", hint)])


__all__ = ["exercise_1", "exercise_2", "exercise_3"]
