"""Checks for notebook 08 (under the hood: namespaces, veth pairs, bridges, NAT, VXLAN).

    nb08.exercise_1(lab, answer)   # the host-side end of web's eth0 (a veth name)
    nb08.exercise_2(hosts)         # host2 gets shop's page (on host1, port 8000) at host1's port 8081: DNAT
    nb08.exercise_3(hosts)         # the overlay jumbo, made for an underlay of MTU 9000, and big on it

They ask the engine through the lab, from inside containers (`ip link`, /sys/class/net, `wget`
from another host), on either engine.
"""
from __future__ import annotations

import re

import docker

from ..lab import Lab
from ..looking import trace
from . import Result, recorded, result
from ._look import Steps, check, describe_ports, ipv4_ports, networks_of, run, running_container

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


SHOP, VANTAGE, SERVED, ASKED = "shop", "host2", 8000, 8081
RUN_SHOP = (f"run it on host1 (hosts[0]) with command='httpd -f -p {SERVED}', its port {SERVED} published as "
            f"host1's port {ASKED}")
ON_ITS_OWN = "notebook 03 says which published address other machines reach"


def _underlay_address(lab: Lab) -> str | None:
    """The host's address on the underlay: the swarm's (section 6 advertises eth0), else the one
    labkit gave the host it started."""
    address = (lab.client.info().get("Swarm") or {}).get("NodeAddr")
    return address or lab.engine.underlay_ip


def _vantage(steps: Steps, lab: Lab) -> str:
    """host2, the host-mode container section 6 runs on host2 (made again when missing)."""
    try:
        lab.container(VANTAGE, network_mode="host")
    except docker.errors.DockerException as e:
        steps.stop(f"the check could not use container {VANTAGE} on host2: {e}",
                   f"remove it (hosts[1].remove({VANTAGE!r})): the check makes it again as section 6 does")
    return VANTAGE


def _dnat_hop(hosts, address: str) -> str:
    """The walk of host2's packet to host1's port: its DNAT hop, in a line ("" when it has none)."""
    try:
        walked = trace(list(hosts[:2]), VANTAGE, address, port=ASKED)
    except Exception:   # noqa: BLE001 -- the walk only explains what the traffic showed
        return ""
    hop = next((h for h in walked.hops if h.action.startswith("DNAT")), None)
    return f"the walk (labkit.trace): {hop.where}: {hop.action}" if hop else ""


@check("Exercise 2: DNAT, from another host")
def exercise_2(steps: Steps, hosts) -> None:
    """`hosts`: section 6's labs (hosts[0] on host1, hosts[1] on host2). shop, on host1, serves on
    its port 8000; from host2 (section 6's host-mode container there) a request for host1's
    underlay address, port 8081, gets shop's page (its /etc/hostname): host1's DNAT rule sent it
    on (`docker exec host2 wget -q -O - http://HOST1:8081/etc/hostname`)."""
    if not isinstance(hosts, (list, tuple)) or len(hosts) < 2 or not all(isinstance(h, Lab) for h in hosts[:2]):
        steps.stop(f"the check was given a {type(hosts).__name__}, not section 6's labs",
                   "call it as the exercise's check cell does: nb08.exercise_2(hosts)")
    host1, host2 = hosts[0], hosts[1]
    topo = host1.snapshot()
    shop = running_container(steps, topo, SHOP, RUN_SHOP)
    if shop.network_mode == "host":
        steps.stop(f"{SHOP} runs in host mode on host1: its port {SERVED} is host1's own, no DNAT in between",
                   f"remove it (hosts[0].remove('{SHOP}')) and run it on a network (the default bridge will do)")
    code, _ = run(host1, SHOP, ["nc", "-w", "1", "127.0.0.1", str(SERVED)])
    if code != 0:
        steps.stop(f"nothing listens on {SHOP}'s own port {SERVED} (nc 127.0.0.1 {SERVED} inside it)",
                   f"remove it (hosts[0].remove('{SHOP}')) and {RUN_SHOP}")
    published = ipv4_ports(shop)
    steps.saw(f"{SHOP} serves on its port {SERVED}; it publishes: {describe_ports(published)}")
    address = _underlay_address(host1)
    url = f"http://{address}:{ASKED}/etc/hostname"
    code, out = run(host2, _vantage(steps, host2), ["wget", "-q", "-O", "-", url])
    page, name = out.strip(), host1.api.inspect_container(shop.id)["Config"]["Hostname"]
    if code == 0 and page == name:
        steps.saw(f"from host2: wget {url} -> {page}, {SHOP}'s own hostname (the page came from {SHOP})")
        hop = _dnat_hop(hosts, address)
        if hop:
            steps.saw(hop)
        return
    if code == 0:
        steps.saw(f"from host2: wget {url} -> {page}, not {SHOP}'s hostname ({name})")
    else:
        steps.saw(f"from host2: wget {url} -> " + (page.splitlines()[-1] if page else f"exit code {code}"))
    mine = [p for p in published if p.host_port == ASKED]
    if code == 0:
        hint = f"another container answers on host1's port {ASKED}: remove it, and publish {SHOP}'s port there"
    elif not mine:
        hint = f"host2 asks for host1's port {ASKED}: publish {SHOP}'s port {SERVED} there"
    elif all(p.host_ip.startswith("127.") for p in mine):
        hint = (f"127.0.0.1 is host1's own loopback: host2's packets arrive for host1's address on the underlay, "
                f"{address}, and nothing of Docker's waits for them there; {ON_ITS_OWN}")
    elif all(p.container_port != SERVED for p in mine):
        wrong = mine[0].container_port
        hint = (f"host1's DNAT rule sends host2's packets on to {SHOP}'s port {wrong} (--to-destination "
                f"ADDRESS:{wrong}), where nothing listens: {SHOP} serves on {SERVED}")
    else:
        hint = f"host2 cannot reach {SHOP} through host1's port {ASKED}: draw the walk, labkit.trace(hosts, 'host2', ...)"
    steps.stop(f"host2 does not get {SHOP}'s page at host1's port {ASKED}",
               hint + f". Published ports cannot change: remove {SHOP} (hosts[0].remove('{SHOP}')) and run it again")


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
