"""Checks for notebook 08 (under the hood: namespaces, veth pairs, bridges, NAT, VXLAN).

    nb08.exercise_1(lab, answer)   # the host-side end of web's eth0 (a veth name)
    nb08.exercise_2(lab, answer)   # shop published on 127.0.0.1:8081, and where its DNAT rule sends traffic
    nb08.exercise_3(hosts)         # the overlay jumbo, made for an underlay of MTU 9000, and big on it

They ask the engine through the lab, from inside containers (`ip link`, /sys/class/net), on either
engine.
"""
from __future__ import annotations

import re

import docker

from .. import iptables
from ..lab import Lab
from . import Result, recorded, result
from ._look import Steps, check, networks_of, run, running_container

LINK = re.compile(r"^(\d+): ([^:@\s]+)(?:@if(\d+))?:", re.MULTILINE)
VXLAN_OVERHEAD = 50   # outer IPv4 20 + UDP 8 + VXLAN 8 + the inner Ethernet header 14 (the outer one is not counted)


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


JUMBO, BIG, UNDERLAY_MTU = "jumbo", "big", 9000
MAKE_JUMBO = ("hosts[0].network('jumbo', driver='overlay', attachable=True, options={...}) (docker network create "
              "-d overlay --attachable -o com.docker.network.driver.mtu=... jumbo), then "
              "hosts[0].container('big', networks=['jumbo'])")


@check("Exercise 3: an overlay for an underlay of MTU 9000")
def exercise_3(steps: Steps, hosts) -> None:
    """`hosts`: section 6's labs (hosts[0] on host1, the manager). The overlay jumbo and the
    container big on it, on host1; big's interface there has the MTU that fits an underlay of 9000
    (read inside big: `cat /sys/class/net/IFACE/mtu`)."""
    lab = hosts[0] if isinstance(hosts, (list, tuple)) else hosts
    try:
        net = lab.api.inspect_network(JUMBO)
    except docker.errors.NotFound:
        steps.stop(f"host1 has no network {JUMBO}", f"make it on host1 (the manager): {MAKE_JUMBO}")
    if net.get("Driver") != "overlay":
        steps.stop(f"{JUMBO} is a {net.get('Driver')} network, not an overlay",
                   f"remove it (hosts[0].remove('{JUMBO}')) and make it again: {MAKE_JUMBO}")
    option = (net.get("Options") or {}).get("com.docker.network.driver.mtu")
    steps.saw(f"{JUMBO}: an overlay, " + (f"com.docker.network.driver.mtu={option}" if option else "no MTU option"))
    topo = lab.snapshot()
    big = running_container(steps, topo, BIG, f"run it on host1: hosts[0].container('{BIG}', networks=['{JUMBO}'])")
    mine = networks_of(topo, big).get(JUMBO)
    if mine is None or not mine.address:
        steps.stop(f"{BIG} is not on {JUMBO}", f"connect it: hosts[0].connect('{BIG}', '{JUMBO}') "
                   f"(docker network connect {JUMBO} {BIG})")
    faces = lab.interfaces(BIG)
    iface = next((i for i, cidrs in faces.items() if any(c.split("/")[0] == mine.address for c in cidrs)), None)
    if iface is None:
        steps.stop(f"{BIG} has no interface with its address on {JUMBO}, {mine.address}", f"start {BIG} again")
    _, out = run(lab, BIG, ["cat", f"/sys/class/net/{iface}/mtu"])
    mtu = int(out.strip()) if out.strip().isdigit() else None
    steps.saw(f"inside {BIG}, {iface} (on {JUMBO}) has MTU {mtu}")
    want = UNDERLAY_MTU - VXLAN_OVERHEAD
    if mtu == want:
        return
    if mtu == 1500 - VXLAN_OVERHEAD and not option:
        hint = ("Docker does not read the underlay's MTU: an overlay gets 1450 unless its driver option "
                "com.docker.network.driver.mtu says otherwise")
    elif option and mtu == int(option) - VXLAN_OVERHEAD and int(option) != UNDERLAY_MTU:
        hint = (f"on an overlay, com.docker.network.driver.mtu names the underlay's MTU, and Docker subtracts "
                f"VXLAN's {VXLAN_OVERHEAD} bytes itself: {option} - {VXLAN_OVERHEAD} = {mtu}")
    else:
        hint = f"the wrapped frames must fit the underlay's {UNDERLAY_MTU} bytes: {want} for the overlay's interfaces"
    steps.stop(f"{mtu} is not the MTU that fits an underlay of {UNDERLAY_MTU}",
               hint + f". A network's options cannot change: remove {BIG} and {JUMBO}, then make them again")


__all__ = ["exercise_1", "exercise_2", "exercise_3"]
