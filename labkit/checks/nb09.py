"""Checks for notebook 09 (break and fix): each looks at the engines after the learner's fix, by
the traffic that the ticket said was broken, and by the state the ticket said must stay.

    nb09.exercise_1(cluster)   # web reaches api:8000 by name
    nb09.exercise_2(cluster)   # db leads orders to pg-primary:5432
    nb09.exercise_3(cluster)   # customer (host2) reaches the shop at host1:8080
    nb09.exercise_4(cluster)   # worker reaches the mirror (host2:8081); jobs internal, queue without a way out
    nb09.exercise_5(cluster)   # fa and fb: packets of the full MTU cross host2's 1400-byte link
    nb09.exercise_6(cluster)   # ca (host1) and cc (host3) talk over their overlay
    nb09.exercise_7(cluster)   # teller and safe talk across hosts, encrypted where the kernel can

`cluster` is the notebook's `labkit.cluster(3)`, its hosts in a swarm (host1 the manager).
"""
from __future__ import annotations

import docker

from .. import underlay
from ..faults import LAB, UNDERLAY_MTU
from ..lab import Lab, inspect_network
from ..rules import Driver
from . import _across
from ._across import networks_of, reached_by_name, running, settled, underlay_ip
from ._look import Steps, check

ICMP_ECHO = 8 + 20              # ping -s N sends an IPv4 packet of N + 28 bytes


def lab_on(cluster, index: int) -> Lab:
    return _across.lab_on(cluster, index, LAB)


def shared_overlays(lab_a: Lab, a: dict, b: dict) -> list[tuple[str, dict]]:
    """The overlay networks two containers (on two hosts) are both on: (name, b's endpoint there)."""
    found = []
    for name, endpoint in networks_of(b).items():
        if name in networks_of(a):
            try:
                driver = inspect_network(lab_a.api, networks_of(a)[name].get("NetworkID") or name).get("Driver")
            except docker.errors.NotFound:
                continue
            if driver == Driver.OVERLAY:
                found.append((name, endpoint))
    return found


@check("Exercise 1: web reaches api by name")
def exercise_1(steps: Steps, cluster) -> None:
    lab = lab_on(cluster, 0)
    running(steps, lab, "web", "host1", "run the ticket's cell again: faults.wrong_network(cluster)")
    running(steps, lab, "api", "host1", "run the ticket's cell again: faults.wrong_network(cluster)")
    reached_by_name(steps, lab, "web", "api", 8000, "the embedded DNS answers only names of containers on a "
                    "network the asker is on: which networks are web and api on (docker inspect)? One docker "
                    "network connect gives them a shared one")


@check("Exercise 2: db leads orders to pg-primary")
def exercise_2(steps: Steps, cluster) -> None:
    lab = lab_on(cluster, 0)
    pg = running(steps, lab, "pg-primary", "host1", "run the ticket's cell again: faults.missing_alias(cluster)")
    running(steps, lab, "orders", "host1", "run the ticket's cell again: faults.missing_alias(cluster)")
    if any(c.name == "db" for c in lab.client.containers.list(all=True)):
        steps.stop("there is a container named db", "the ticket says: start no other container. Remove db "
                   "(docker rm -f db) and give pg-primary the alias db on the network data")
    reached_by_name(steps, lab, "orders", "db", 5432, "an alias is given when a container joins a network "
                    "(docker network connect --alias), and pg-primary has joined data already: it leaves it and "
                    "joins it again",
                    owner="pg-primary", owner_addresses={e.get("IPAddress") for e in networks_of(pg).values()})


@check("Exercise 3: the shop open to the other hosts")
def exercise_3(steps: Steps, cluster) -> None:
    host1, host2 = lab_on(cluster, 0), lab_on(cluster, 1)
    shop = running(steps, host1, "shop", "host1", "run the shop again: docker run -d --name shop -p 8080:80 "
                   "busybox httpd -f -p 80 (on host1)")
    running(steps, host2, "customer", "host2", "run the ticket's cell again: faults.loopback_port(cluster)")
    bound = ((shop.get("NetworkSettings") or {}).get("Ports") or {}).get("80/tcp") or []
    where = sorted({f"{b.get('HostIp')}:{b.get('HostPort')}" for b in bound if b.get("HostPort") == "8080"})
    steps.saw(f"shop publishes port 80 on {', '.join(where) or 'no address at port 8080'}")
    address = underlay_ip(cluster, 0)
    probe = host2.port("customer", address, 8080)
    steps.saw(f"customer (host2) -> {address}:8080: {probe.state}")
    if not probe.ok:
        if where and all(w.startswith("127.") for w in where):
            steps.stop(f"the shop does not answer at {address}:8080 from host2",
                       "127.0.0.1 is host1's loopback, which no other machine reaches: publish port 8080 on all "
                       "of host1's addresses (notebook 03); a container's ports cannot change: remove the shop "
                       "and run it again")
        steps.stop(f"the shop does not answer at {address}:8080 from host2",
                   "the shop's httpd listens on its port 80: publish that port on host1's port 8080 (-p 8080:80: "
                   "the host's port, then the container's); a container's ports cannot change: docker rm -f "
                   "shop, then run it again")
    if not where:
        steps.stop("something else answers at port 8080", "publish shop's port 80 on port 8080")


@check("Exercise 4: the worker reaches the mirror, the queue stays private")
def exercise_4(steps: Steps, cluster) -> None:
    host1 = lab_on(cluster, 0)
    running(steps, host1, "worker", "host1", "run the ticket's cell again: faults.internal_network(cluster)")
    queue = running(steps, host1, "queue", "host1", "run the ticket's cell again: faults.internal_network(cluster)")
    try:
        internal = host1.api.inspect_network("jobs").get("Internal")
    except docker.errors.NotFound:
        steps.stop("there is no network jobs", "the ticket says jobs stays: run faults.internal_network(cluster) again")
    if not internal:
        steps.stop("jobs is no longer internal", "the queue's network must stay internal: make it so again "
                   "(docker network create --internal jobs) and give the worker its way out another way")
    mirror = underlay_ip(cluster, 1)
    probe = host1.port("worker", mirror, 8081)
    steps.saw(f"jobs is internal; worker -> mirror {mirror}:8081: {probe.state}")
    if not probe.ok:
        steps.stop("worker does not reach the mirror", "an internal network has no way out: give worker a "
                   "second network that has one (docker network connect), and leave jobs as it is")
    outward = [n for n in networks_of(queue) if not host1.api.inspect_network(n).get("Internal")]
    if outward:
        steps.stop(f"queue is on {', '.join(outward)}, a network with a way out",
                   f"the queue must have none: docker network disconnect {outward[0]} queue")
    leak = host1.port("queue", mirror, 8081)
    steps.saw(f"queue -> mirror: {leak.state}")


@check("Exercise 5: no MTU black hole between fa and fb")
def exercise_5(steps: Steps, cluster) -> None:
    host1, host2 = lab_on(cluster, 0), lab_on(cluster, 1)
    fa = running(steps, host1, "fa", "host1", "run the ticket's cell again: faults.mtu_black_hole(cluster)")
    fb = running(steps, host2, "fb", "host2", "run the ticket's cell again: faults.mtu_black_hole(cluster)")
    link = underlay.host(cluster, "host2").mtu()
    if link != UNDERLAY_MTU:
        steps.stop(f"host2's eth0 has MTU {link}", f"the ticket says the VPN link cannot change: set it back "
                   f"(underlay.host(cluster, 'host2').set_mtu({UNDERLAY_MTU})) and fit the overlay to it")
    shared = shared_overlays(host1, fa, fb)
    if not shared:
        steps.stop("fa and fb share no overlay network", "connect both to one overlay (attachable, made on host1)")
    faces = host1.interfaces("fa")
    for name, endpoint in shared:
        address = endpoint.get("IPAddress")
        mine = networks_of(fa)[name].get("IPAddress")
        iface = next((i for i, cidrs in faces.items() if any(c.split("/")[0] == mine for c in cidrs)), "eth0")
        mtu = int(host1.exec("fa", ["cat", f"/sys/class/net/{iface}/mtu"]).output.strip() or 0)
        size = mtu - ICMP_ECHO
        probe = settled(lambda: host1.exec("fa", ["ping", "-c", "1", "-W", "1", "-s", str(size), address]))
        steps.saw(f"on {name}, fa's {iface} has MTU {mtu}; ping -s {size} to fb there: "
                  f"{'answered' if probe.ok else 'lost'}")
        if not probe.ok:
            steps.stop(f"a full-size packet on {name} is lost", f"on {name}, a {mtu}-byte packet is {mtu + 50} bytes "
                       f"between the hosts, more than host2's link takes ({UNDERLAY_MTU}). Make an overlay for "
                       f"that link (docker network create -d overlay --attachable -o com.docker.network.driver.mtu="
                       f"{UNDERLAY_MTU} NAME), move fa and fb to it and off {name}")


@check("Exercise 6: ca and cc talk across hosts")
def exercise_6(steps: Steps, cluster) -> None:
    host1, host3 = lab_on(cluster, 0), lab_on(cluster, 2)
    ca = running(steps, host1, "ca", "host1", "run the ticket's cell again: faults.vxlan_blocked(cluster)")
    cc = running(steps, host3, "cc", "host3", "run the ticket's cell again: faults.vxlan_blocked(cluster)")
    if not shared_overlays(host1, ca, cc):
        steps.stop("ca and cc share no overlay network", "connect both to the overlay ov again")
    probe = settled(lambda: host1.ping("ca", "cc"))
    steps.saw(f"ca -> cc: {probe.state}")
    if not probe.ok:
        blocking = [f"{name}: {rule}" for name in ("host1", "host3") for chain in ("INPUT", "OUTPUT")
                    for rule in underlay.host(cluster, name).rules(chain)
                    if "4789" in rule and rule.endswith("DROP") and "--pol" not in rule]
        steps.stop("ca still does not reach cc",
                   "overlay traffic between hosts is VXLAN, UDP port 4789: read host3's firewall "
                   "(underlay.host(cluster, 'host3').iptables('-S INPUT'))" + (
                       f"; it holds {blocking[0]}" if blocking else ""))


@check("Exercise 7: the vault talks, encrypted where the kernel can")
def exercise_7(steps: Steps, cluster) -> None:
    host1, host2 = lab_on(cluster, 0), lab_on(cluster, 1)
    teller = running(steps, host1, "teller", "host1", "run the ticket's cell again: faults.no_esp(cluster)")
    safe = running(steps, host2, "safe", "host2", "run the ticket's cell again: faults.no_esp(cluster)")
    shared = shared_overlays(host1, teller, safe)
    if not shared:
        steps.stop("teller and safe share no overlay network", "connect both to one overlay")
    if len(shared) > 1:
        steps.stop(f"teller and safe share {len(shared)} overlays ({', '.join(n for n, _ in shared)})",
                   "leave them one, so that each knows the other by one address: docker network disconnect "
                   "the others")
    esp = underlay.kernel_has_esp(cluster)
    probe = settled(lambda: host1.ping("teller", shared[0][1].get("IPAddress")))
    encrypted = [name for name, _ in shared if "encrypted" in (inspect_network(host1.api, name).get("Options") or {})]
    steps.saw(f"the kernel {'has' if esp else 'has no'} ESP; teller -> safe on {shared[0][0]} "
              f"({'encrypted' if shared[0][0] in encrypted else 'not encrypted'}): {probe.state}")
    if not probe.ok:
        steps.stop("teller does not reach safe", "on a kernel without ESP (labkit doctor, or "
                   "underlay.kernel_has_esp(cluster)) no encrypted overlay carries traffic between hosts: use an "
                   "overlay without --opt encrypted; where the kernel has ESP, look for what drops it (IP protocol 50)")
    if esp and shared[0][0] not in encrypted:
        steps.stop("this kernel has ESP, yet their overlay is not encrypted",
                   "keep --opt encrypted where the kernel can encrypt: find what drops ESP between the hosts")


__all__ = [f"exercise_{n}" for n in range(1, 8)]
