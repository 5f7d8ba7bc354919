"""Checks for notebook 07, a three-tier application.

    exercise_1(lab)   segmentation: frontend reaches backend (port 8000), backend reaches database
                      (port 5432), and frontend does NOT reach database: not by name, not at any
                      of its addresses, not on its port
    exercise_2(lab)   only the frontend published: it alone publishes a port (host port 8080 to
                      its port 80), the database sits on internal networks only, and the
                      segmentation of exercise 1 still holds (frontend does not reach database)

Every verdict is a real probe from inside the source container (nslookup, ping, nc), so the checks
say the same on labkit's simulated engine and on a real one; the snapshot tells which networks
each tier is on, for the hints.
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from . import Result, recorded, result

PORTS = {"frontend": 80, "backend": 8000, "database": 5432}
TIERS = tuple(PORTS)
PUBLISHED = 8080


def _missing(topo) -> list[str]:
    names = {c.name: c for c in topo.containers}
    out = []
    for tier in TIERS:
        c = names.get(tier)
        if c is None:
            out.append(f"{tier} (no such container)")
        elif not c.running:
            out.append(f"{tier} ({c.status})")
    return out


def _networks(topo, name: str) -> list[str]:
    return sorted(e.network for e in topo.endpoints_of(name))


def _shared(topo, a: str, b: str) -> list[str]:
    return sorted(set(_networks(topo, a)) & set(_networks(topo, b)))


def _reaches(lab, topo, a: str, b: str) -> list[tuple[bool, str, str]]:
    """a should reach b: by name, by the address the name gives, and on b's port."""
    port = PORTS[b]
    found = lab.resolve(a, b, timeout=1)
    out = [(bool(found), f"{a} -> {b} by name: {', '.join(found) if found else 'no answer'}",
            (f"{a} and {b} share no user-defined network (their networks: {a} "
             f"{', '.join(_networks(topo, a)) or 'none'}; {b} {', '.join(_networks(topo, b)) or 'none'}): put "
             f"both on one network, so that Docker's DNS answers {b} for {a}."))]
    if not found:
        return out
    ping = lab.ping(a, found[0])
    out.append((ping.ok, f"{a} -> {b} at {found[0]}: ping {ping.state}",
                f"{a} finds {b} but gets no reply: is {b} running?"))
    probe = lab.port(a, b, port)
    out.append((probe.ok, f"{a} -> {b} port {port}: {probe.state}",
                f"nothing answers on {b}'s port {port}: run {b} with command='httpd -f -p {port}'."))
    return out


def _does_not_reach(lab, topo, a: str, b: str) -> list[tuple[bool, str, str]]:
    """a should not reach b: not by name, not at any of b's addresses, not on b's port. The
    probes run at once: on a real engine each one that gets no answer waits its second."""
    port = PORTS[b]
    shared = _shared(topo, a, b)
    apart = (f"{a} and {b} share network {', '.join(shared)}: take one of them off it (the backend "
             f"is the one that joins both sides)." if shared else
             f"{a} still gets to {b}: check which networks each is on.")
    addresses = [(e.network, e.address) for e in topo.endpoints_of(b) if e.address]
    with ThreadPoolExecutor(max_workers=1 + 2 * len(addresses)) as pool:
        found = pool.submit(lab.resolve, a, b, timeout=1)
        probes = [(network, address, pool.submit(lab.ping, a, address), pool.submit(lab.port, a, address, port))
                  for network, address in addresses]
    found = found.result()
    out = [(not found, f"{a} -> {b} by name: {', '.join(found) if found else 'no answer (right)'}", apart)]
    for network, address, ping, probe in probes:
        ping, probe = ping.result(), probe.result()
        out.append((not ping.ok, f"{a} -> {b} at {address} ({network}): ping {ping.state}", apart))
        out.append((not probe.ok, f"{a} -> {b} at {address} port {port}: {probe.state}", apart))
    return out


@recorded
def exercise_1(lab) -> Result:
    name = "Exercise 1: three tiers, segmented"
    topo = lab.snapshot()
    missing = _missing(topo)
    if missing:
        return result(name, [(False, f"not running: {', '.join(missing)}",
                              ("run frontend, backend and database (busybox, command='httpd -f -p PORT' "
                               "with ports 80, 8000 and 5432)."))])
    checks = [(True, "networks: " + "; ".join(f"{t} {', '.join(_networks(topo, t)) or 'none'}" for t in TIERS), "")]
    # The rule that matters most first: its hint is the one shown when several fail.
    checks += _does_not_reach(lab, topo, "frontend", "database")
    checks += _reaches(lab, topo, "frontend", "backend")
    checks += _reaches(lab, topo, "backend", "database")
    return result(name, checks)


@recorded
def exercise_2(lab) -> Result:
    name = "Exercise 2: only the frontend published"
    topo = lab.snapshot()
    missing = _missing(topo)
    if missing:
        return result(name, [(False, f"not running: {', '.join(missing)}",
                              "build the three tiers first (exercise 1).")])
    published = {t: topo.container(t).ports for t in TIERS}
    front = published["frontend"]
    ok = any(p.host_port == PUBLISHED and p.container_port == PORTS["frontend"] and p.protocol == "tcp"
             for p in front)
    checks = [(ok, "frontend publishes: " + (", ".join(str(p) for p in front) or "nothing"),
               (f"publish the frontend's port 80 on host port {PUBLISHED}: ports={{80: {PUBLISHED}}} "
                f"(docker run -p 127.0.0.1:{PUBLISHED}:80). A container's ports cannot change: remove "
                "frontend and run it again, or build the tiers again from lab.reset()."))]
    for tier in ("backend", "database"):
        checks.append((not published[tier], f"{tier} publishes: " + (", ".join(str(p) for p in published[tier])
                                                                     or "nothing"),
                       (f"{tier} should publish nothing: only the frontend is published. Run it "
                        "again without ports.")))
    db_nets = [topo.network(n) for n in _networks(topo, "database")]
    open_nets = [n.name for n in db_nets if not n.internal]
    checks.append((bool(db_nets) and not open_nets,
                   "database's networks: " + (", ".join(f"{n.name} (internal)" if n.internal else n.name
                                                        for n in db_nets) or "none"),
                   f"make the database's network internal (network(..., internal=True)): {', '.join(open_nets)} "
                   "is not. A network's settings cannot change: remove what is on it and the network, "
                   "then make it again." if open_nets else "put the database on an internal network."))
    probe = lab.port("backend", "database", PORTS["database"])
    checks.append((probe.ok, f"backend -> database port {PORTS['database']}: {probe.state}",
                   "the backend must still reach the database: put both on the internal network."))
    probe = lab.port("backend", "frontend", PORTS["frontend"])
    checks.append((probe.ok, f"backend -> frontend port {PORTS['frontend']}: {probe.state}",
                   "the frontend should serve on its port 80: command='httpd -f -p 80'."))
    # Rebuilt from the start, the tiers must still be segmented as exercise 1 asked.
    checks += _does_not_reach(lab, topo, "frontend", "database")
    return result(name, checks)


__all__ = ["exercise_1", "exercise_2"]
