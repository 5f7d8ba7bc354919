"""Checks for notebook 10 (the capstone): a shop of three tiers on three hosts, built by the
learner, graded by its traffic and by the state the design names.

    nb10.exercise_1(cluster)   # the overlays back and data (data internal; back encrypted where the
                               # kernel has ESP); db on host3, backend on host2: backend reaches
                               # db:5432 by name across hosts, db reaches nothing outside
    nb10.exercise_2(cluster)   # frontend on host1: customer (host2) reaches it at host1:8080,
                               # frontend reaches backend:8000 by name and db in no way; only the
                               # frontend publishes
    nb10.exercise_3(cluster)   # db moved to host1 (host3 goes for maintenance): all of it still holds,
                               # though frontend and db now share a host
    nb10.report(cluster)       # the graded flows, one line each

`cluster` is the notebook's `labkit.cluster(3)` in a swarm (host1 the manager); `customer`, on
host2's default bridge, is a client from outside the application. The checks take no value from the
learner: nothing printed in the notebook can be copied into them.
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import docker

from .. import underlay
from ..lab import inspect_network
from ..rules import Driver
from ._across import TRIES, lab_on, networks_of, reached_by_name, running, settled, underlay_ip
from ._look import Steps, check

LAB = "nb10"
HOSTS = ("host1", "host2", "host3")
PORTS = {"frontend": 80, "backend": 8000, "db": 5432}
PUBLISHED = 8080
NETWORKS = {"frontend": ("back",), "backend": ("back", "data"), "db": ("data",)}
MAKE = {"frontend": "docker run -d --name frontend --network back -p 8080:80 busybox httpd -f -p 80 (on host1)",
        "backend": "docker -H $host2 run -d --name backend --network back busybox httpd -f -p 8000, then "
                   "docker -H $host2 network connect data backend",
        "db": "docker -H $host3 run -d --name db --network data busybox httpd -f -p 5432"}


def lab(cluster, index: int):
    return lab_on(cluster, index, LAB)


# -- what the design names ------------------------------------------------------------------------
def overlay(steps: Steps, cluster, name: str, internal: bool) -> dict:
    """The network `name` on the manager: an attachable overlay, internal or not as designed."""
    make = f"docker network create -d overlay --attachable{' --internal' if internal else ''} {name} (on host1)"
    try:
        attrs = inspect_network(lab(cluster, 0).api, name)
    except docker.errors.NotFound:
        steps.stop(f"host1 has no network {name}", f"make it on the manager: {make}")
    again = f"remove what is on it and the network, then make it again: {make}"
    if attrs.get("Driver") != Driver.OVERLAY:
        steps.stop(f"{name} is a {attrs.get('Driver')} network", f"a {attrs.get('Driver')} network ends at its "
                   f"host, and the tiers are on three hosts: {again}")
    if not attrs.get("Attachable"):
        steps.stop(f"{name} is not attachable", f"docker run joins only an attachable overlay: {again}")
    if bool(attrs.get("Internal")) != internal:
        steps.stop(f"{name} is {'' if attrs.get('Internal') else 'not '}internal",
                   "db must have no way out: " + again if internal else
                   "customers reach the frontend through host1, a way out that an internal network does not "
                   "have: " + again)
    return attrs


def encrypted_as_the_kernel_allows(steps: Steps, cluster, back: dict) -> None:
    esp = underlay.kernel_has_esp(cluster)
    encrypted = "encrypted" in (back.get("Options") or {})
    again = "remove frontend and backend from it and the network, then make it again"
    if esp and not encrypted:
        steps.stop("back is not encrypted, and this kernel has ESP",
                   f"where the kernel can, the calls between hosts are encrypted: {again} with --opt encrypted")
    if encrypted and not esp:
        steps.stop("back is encrypted, and this kernel has no ESP",
                   f"an encrypted overlay carries nothing between hosts on a kernel without ESP (notebook 09, "
                   f"ticket 7): {again} without --opt encrypted")
    steps.saw("the kernel " + ("has ESP: back is encrypted" if esp else "has no ESP: back is not encrypted"))


def networks(steps: Steps, cluster) -> None:
    back = overlay(steps, cluster, "back", internal=False)
    overlay(steps, cluster, "data", internal=True)
    encrypted_as_the_kernel_allows(steps, cluster, back)


def where(cluster, name: str) -> list[int]:
    """The hosts (by index) that have a container named `name`."""
    found = []
    for index, client in enumerate(cluster):
        try:
            client.api.inspect_container(name)
            found.append(index)
        except docker.errors.NotFound:
            pass
    return found


def tier(steps: Steps, cluster, name: str, index: int) -> dict:
    """The tier `name` running on host index + 1, on exactly its networks."""
    host = HOSTS[index]
    elsewhere = [HOSTS[i] for i in where(cluster, name) if i != index]
    if elsewhere and index not in where(cluster, name):
        steps.stop(f"{name} runs on {', '.join(elsewhere)}", f"{name} belongs on {host}: remove it there "
                   f"(docker -H ${elsewhere[0]} rm -f {name}) and run it on {host}")
    attrs = running(steps, lab(cluster, index), name, host, f"run it on {host}: {MAKE[name]}")
    joined, wanted = set(networks_of(attrs)), set(NETWORKS[name])
    steps.saw(f"{name} runs on {host}, on {', '.join(sorted(joined)) or 'no network'}")
    extra, missing = sorted(joined - wanted), sorted(wanted - joined)
    if extra:
        steps.stop(f"{name} is on {', '.join(extra)}", f"{name} belongs on {' and '.join(NETWORKS[name])} only: "
                   f"docker network disconnect {extra[0]} {name} (on {host})")
    if missing:
        steps.stop(f"{name} is not on {', '.join(missing)}", f"docker network connect {missing[0]} {name} "
                   f"(on {host})")
    return attrs


def addresses(attrs: dict) -> set[str]:
    return {e.get("IPAddress") for e in networks_of(attrs).values() if e.get("IPAddress")}


# -- the traffic ----------------------------------------------------------------------------------------
def no_way_out(steps: Steps, cluster, index: int) -> None:
    """db, on host index + 1, reaches no host of the underlay (host2: never db's host here)."""
    outside = underlay_ip(cluster, 1)
    probe = lab(cluster, index).ping("db", outside)
    steps.saw(f"db -> host2 ({outside}): {probe.state}")
    if probe.ok:
        steps.stop("db reaches outside its network", "db must have no way out: on the internal network data only")


def does_not_reach_db(steps: Steps, cluster, db: dict, index: int) -> None:
    """frontend (host1) reaches db in no way: not by name, at none of its addresses, not on its port.
    The probes run at once: on a real engine each one that gets no answer waits its second."""
    front = lab(cluster, 0)
    port = PORTS["db"]
    with ThreadPoolExecutor(max_workers=1 + 2 * len(addresses(db))) as pool:
        name = pool.submit(front.resolve, "frontend", "db", timeout=1)
        probes = [(address, pool.submit(front.ping, "frontend", address), pool.submit(front.port, "frontend", address,
                                                                                       port))
                  for address in sorted(addresses(db))]
    found = name.result()
    steps.saw(f"frontend -> db by name: {', '.join(found) if found else 'no answer (right)'}")
    apart = ("frontend and db share no network, yet the frontend gets to db: is one of them on another network "
             "too (docker inspect)?")
    if found:
        steps.stop("frontend finds db by name", apart)
    for address, ping, probe in probes:
        ping, probe = ping.result(), probe.result()
        steps.saw(f"frontend -> db at {address}: ping {ping.state}, port {port} {probe.state}")
        if ping.ok or probe.ok:
            steps.stop(f"frontend reaches db at {address}", apart)


def open_to_customers(steps: Steps, cluster, frontend: dict) -> None:
    bound = ((frontend.get("NetworkSettings") or {}).get("Ports") or {}).get(f"{PORTS['frontend']}/tcp") or []
    at = sorted({f"{b.get('HostIp')}:{b.get('HostPort')}" for b in bound if b.get("HostPort") == str(PUBLISHED)
                 and ":" not in (b.get("HostIp") or "")})
    steps.saw(f"frontend publishes port 80 on {', '.join(at) or f'no address at port {PUBLISHED}'}")
    running(steps, lab(cluster, 1), "customer", "host2", "run the notebook's first code cell again: it starts "
            "customer on host2")
    address = underlay_ip(cluster, 0)
    probe = settled(lambda: lab(cluster, 1).port("customer", address, PUBLISHED))
    steps.saw(f"customer (host2) -> {address}:{PUBLISHED}: {probe.state}")
    remake = "a container's ports cannot change: docker rm -f frontend, then run it again"
    if not probe.ok:
        if at and all(a.startswith("127.") for a in at):
            steps.stop(f"customers do not reach the frontend at {address}:{PUBLISHED}",
                       f"127.0.0.1 is host1's loopback, which no other machine reaches: publish on all of host1's "
                       f"addresses (-p {PUBLISHED}:80); {remake}")
        steps.stop(f"customers do not reach the frontend at {address}:{PUBLISHED}",
                   f"publish frontend's port 80 on port {PUBLISHED} of host1 (-p {PUBLISHED}:80); {remake}")
    if not at:
        steps.stop(f"something else answers at {address}:{PUBLISHED}", f"publish frontend's port 80 on port "
                   f"{PUBLISHED}; {remake}")


def only_the_frontend_publishes(steps: Steps, tiers: dict[str, dict]) -> None:
    for name in ("backend", "db"):
        ports = ((tiers[name].get("NetworkSettings") or {}).get("Ports") or {})
        bound = sorted({f"{b.get('HostPort')}" for found in ports.values() for b in (found or [])})
        if bound:
            steps.stop(f"{name} publishes port {', '.join(bound)}", f"only the frontend is published: run {name} "
                       "again without -p")
    steps.saw("backend and db publish nothing")


# -- the exercises ------------------------------------------------------------------------------------
@check("Exercise 1: the back end across hosts")
def exercise_1(steps: Steps, cluster) -> None:
    networks(steps, cluster)
    db = tier(steps, cluster, "db", 2)
    tier(steps, cluster, "backend", 1)
    reached_by_name(steps, lab(cluster, 1), "backend", "db", PORTS["db"], "backend and db meet on data only: "
                    "are both on it?", owner="db", owner_addresses=addresses(db))
    no_way_out(steps, cluster, 2)


@check("Exercise 2: the frontend, open to customers")
def exercise_2(steps: Steps, cluster) -> None:
    networks(steps, cluster)
    tiers = {"db": tier(steps, cluster, "db", 2), "backend": tier(steps, cluster, "backend", 1),
             "frontend": tier(steps, cluster, "frontend", 0)}
    does_not_reach_db(steps, cluster, tiers["db"], 2)
    reached_by_name(steps, lab(cluster, 0), "frontend", "backend", PORTS["backend"], "frontend and backend meet "
                    "on back: are both on it?", owner="backend", owner_addresses=addresses(tiers["backend"]))
    open_to_customers(steps, cluster, tiers["frontend"])
    only_the_frontend_publishes(steps, tiers)


@check("Exercise 3: db moved to host1, the shop as before")
def exercise_3(steps: Steps, cluster) -> None:
    networks(steps, cluster)
    if 2 in where(cluster, "db"):
        steps.stop("host3 still has a container db", "host3 goes for maintenance: remove db there "
                   "(docker -H $host3 rm -f db), then run it on host1")
    tiers = {"db": tier(steps, cluster, "db", 0), "backend": tier(steps, cluster, "backend", 1),
             "frontend": tier(steps, cluster, "frontend", 0)}
    reached_by_name(steps, lab(cluster, 1), "backend", "db", PORTS["db"], "backend and db meet on data only: "
                    "is db on it?", owner="db", owner_addresses=addresses(tiers["db"]))
    does_not_reach_db(steps, cluster, tiers["db"], 0)
    no_way_out(steps, cluster, 0)
    reached_by_name(steps, lab(cluster, 0), "frontend", "backend", PORTS["backend"], "frontend and backend meet "
                    "on back: are both on it?", owner="backend", owner_addresses=addresses(tiers["backend"]))
    open_to_customers(steps, cluster, tiers["frontend"])


# -- the report -----------------------------------------------------------------------------------------
def report(cluster) -> str:
    """Who reaches whom in the shop, one line per graded flow: ✔ where it is as designed."""
    found = {name: next(iter(where(cluster, name)), None) for name in ("customer", *PORTS)}
    lines = []

    def flow(src: str, target: str, wanted: bool, probe) -> None:
        if found[src] is None:
            lines.append(f"✘ {src} -> {target}: there is no {src}")
            return
        seen = settled(lambda: probe(lab(cluster, found[src])), tries=TRIES if wanted else 1)
        mark = "✔" if seen.ok == wanted else "✘"
        lines.append(f"{mark} {src} ({HOSTS[found[src]]}) -> {target}: {seen.state}"
                     + ("" if seen.ok == wanted else f" (should be {'reached' if wanted else 'blocked'})"))

    host1 = underlay_ip(cluster, 0)
    flow("customer", f"{host1}:{PUBLISHED}", True, lambda at: at.port("customer", host1, PUBLISHED))
    flow("frontend", f"backend:{PORTS['backend']}", True, lambda at: at.port("frontend", "backend", PORTS["backend"]))
    flow("backend", f"db:{PORTS['db']}", True, lambda at: at.port("backend", "db", PORTS["db"]))
    db = {}
    if found["db"] is not None:
        db = cluster[found["db"]].api.inspect_container("db")
    for address in sorted(addresses(db)):
        flow("frontend", f"db at {address}:{PORTS['db']}", False, lambda at: at.port("frontend", address, PORTS["db"]))
    outside = underlay_ip(cluster, 1)
    flow("db", f"host2 ({outside})", False, lambda at: at.ping("db", outside))
    return "\n".join(lines)


__all__ = ["exercise_1", "exercise_2", "exercise_3", "report"]
