"""Checks for notebook 02, user-defined bridges.

    exercise_1(lab)   network shop with shop-web and shop-db; shop-db also answers to the alias sql
    exercise_2(lab)   ex-web on ex-front, ex-db on ex-back, ex-api on both: api reaches both, web not db
    exercise_3(lab)   the lesson's web joined network back while running, with the alias frontend

They read the engine through the lab: the snapshot for networks and endpoints, and probes from
inside containers (`nslookup` through the embedded DNS, `ping`), so they say the same on the
simulator and on a real engine. Names that do not resolve are asked with a 1 s timeout.
"""
from __future__ import annotations

from ..rules import Driver
from . import Result
from ._look import check, network, networks_of, running_container

TIMEOUT = 1   # seconds nslookup waits: an unknown name goes to the host's (offline) name servers


def _user_bridge(steps, topo, name: str):
    n = network(topo, name)
    if n is None:
        steps.stop(f"there is no network named {name}",
                   f"make it with lab.network({name!r}) (docker network create {name})")
    if n.driver != Driver.BRIDGE or n.builtin:
        steps.stop(f"{name} is a {n.driver} network, not a user-defined bridge",
                   f"remove it (lab.remove({name!r})) and make it with lab.network({name!r})")
    steps.saw(f"network {name}: a user-defined bridge, subnet {n.subnet}")
    return n


def _on(steps, topo, name: str, want: set[str], make: str, only: bool = True):
    """The running container `name`, on the networks `want` (and, with only, on no other)."""
    c = running_container(steps, topo, name, make)
    joined = networks_of(topo, c)
    missing = sorted(want - set(joined))
    if missing:
        steps.stop(f"{name} is not on {', '.join(missing)} (it is on {', '.join(sorted(joined)) or 'no network'})",
                   make)
    extra = sorted(set(joined) - want)
    if only and extra:
        steps.stop(f"{name} is also on {', '.join(extra)}",
                   f"{name} belongs on {', '.join(sorted(want))} only: disconnect it from "
                   f"{', '.join(extra)} (lab.disconnect({name!r}, {extra[0]!r}))")
    steps.saw(f"{name} runs on " + ", ".join(f"{net} ({joined[net].ipv4})" for net in sorted(want)))
    return c, joined


@check("Exercise 1: a network with names")
def exercise_1(steps, lab) -> Result:
    """shop-web and shop-db on network shop; from shop-web, shop-db and its alias sql resolve to
    shop-db's address, and sql answers ping."""
    topo = lab.snapshot()
    _user_bridge(steps, topo, "shop")
    _on(steps, topo, "shop-web", {"shop"}, "run it on the network: lab.container('shop-web', networks=['shop']) "
                                           "(docker run -d --name shop-web --network shop busybox sleep 86400)")
    _, joined = _on(steps, topo, "shop-db", {"shop"},
                    "run it on the network with its alias: lab.container('shop-db', networks=['shop'], "
                    "aliases=['sql']) (docker run -d --name shop-db --network shop --network-alias sql ...)")
    want = joined["shop"].address
    for name in ("shop-db", "sql"):
        found = lab.resolve("shop-web", name, timeout=TIMEOUT)
        if want not in found:
            hint = ("give shop-db the alias when it joins shop: remove it (lab.remove('shop-db')) and run it "
                    "again with aliases=['sql'] (docker run --network-alias sql)" if name == "sql" else
                    "both containers must be on network shop, where the embedded DNS knows their names")
            steps.stop(f"from shop-web, the name {name} gives {', '.join(found) or 'no address'}, "
                       f"not shop-db's {want}", hint)
        steps.saw(f"from shop-web, the name {name} gives {want} (the embedded DNS, 127.0.0.11)")
    probe = lab.ping("shop-web", "sql")
    if not probe.ok:
        steps.stop("shop-web cannot ping sql", "both containers must be on network shop")
    steps.saw("shop-web pings sql: reachable")


@check("Exercise 2: isolated tiers, one container on both")
def exercise_2(steps, lab) -> Result:
    """ex-web only on ex-front, ex-db only on ex-back, ex-api on both: ex-api reaches both by name,
    ex-web cannot reach ex-db."""
    topo = lab.snapshot()
    _user_bridge(steps, topo, "ex-front")
    _user_bridge(steps, topo, "ex-back")
    _, web = _on(steps, topo, "ex-web", {"ex-front"}, "lab.container('ex-web', networks=['ex-front'])")
    _, db = _on(steps, topo, "ex-db", {"ex-back"}, "lab.container('ex-db', networks=['ex-back'])")
    _on(steps, topo, "ex-api", {"ex-front", "ex-back"},
        "ex-api joins both networks: lab.container('ex-api', networks=['ex-front', 'ex-back']), or "
        "lab.connect('ex-api', 'ex-back') when it already runs on ex-front (docker network connect ex-back ex-api)",
        only=False)
    for name, address in (("ex-web", web["ex-front"].address), ("ex-db", db["ex-back"].address)):
        probe = lab.ping("ex-api", name)
        if not probe.ok or probe.address != address:
            steps.stop(f"ex-api cannot ping {name} by name", "ex-api must be on both networks")
        steps.saw(f"ex-api pings {name} by name ({address}): reachable")
    probe = lab.ping("ex-web", db["ex-back"].address)
    if probe.ok:
        steps.stop(f"ex-web reaches ex-db at {db['ex-back'].address}: the tiers are not isolated",
                   "ex-web and ex-db must share no network")
    steps.saw(f"ex-web pings ex-db at {db['ex-back'].address}: unreachable (isolated bridges)")


@check("Exercise 3: connect a running container, with an alias")
def exercise_3(steps, lab) -> Result:
    """The lesson's web joined network back (keeping front), with the alias frontend there: db
    finds it by that name."""
    topo = lab.snapshot()
    lesson = "run the cells of sections 1 to 4 first: they make networks front and back, and web and db"
    for name in ("front", "back"):
        if network(topo, name) is None:
            steps.stop(f"there is no network named {name}", lesson)
    running_container(steps, topo, "db", lesson)
    connect = ("connect it to back while it runs, giving the alias as it joins: lab.connect with "
               "aliases= (docker network connect --alias ...), as section 6 does for api")
    _, joined = _on(steps, topo, "web", {"front", "back"}, connect, only=False)
    want = joined["back"].address
    found = lab.resolve("db", "frontend", timeout=TIMEOUT)
    if want not in found:
        steps.stop(f"from db, the name frontend gives {', '.join(found) or 'no address'}, not web's {want}",
                   "an alias is given when a container joins a network: disconnect web from back "
                   "(lab.disconnect('web', 'back')), then " + connect)
    steps.saw(f"from db, the name frontend gives {want}: web's address on back")


__all__ = ["exercise_1", "exercise_2", "exercise_3"]
