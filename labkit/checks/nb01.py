"""Checks for notebook 01, the default bridge.

    exercise_1(lab)                  ex-one and ex-two run on the default bridge; ex-one pings ex-two
    exercise_2(lab, ex_two_address)  the learner found ex-two's address (no names on this bridge)
    exercise_3(lab, gateway)         the learner found the gateway alpha sends outside traffic to

They read the engine through the lab (its snapshot, and `ping` / `ip route` inside containers),
so they say the same on the simulator and on a real engine.
"""
from __future__ import annotations

import ipaddress

from . import Result
from ._look import as_address, check, default_gateway, networks_of, running_container

MAKE = {name: f"start {name} as section 2 starts alpha and beta (docker run -d --name {name} busybox "
              f"sleep 86400): with no networks= it joins the default bridge" for name in ("ex-one", "ex-two")}
INSPECT = ("read it from the engine: lab.client.containers.get('ex-two').attrs['NetworkSettings']"
           "['Networks']['bridge']['IPAddress'] (docker inspect ex-two)")


def _on_default_bridge(steps, topo, name: str):
    """The running container `name`, joined to the default bridge and nothing else."""
    c = running_container(steps, topo, name, MAKE[name])
    joined = networks_of(topo, c)
    if c.network_mode in ("host", "none") or c.network_mode.startswith("container:"):
        steps.stop(f"{name} runs in {c.network_mode} mode, not on the default bridge",
                   f"remove it (lab.remove({name!r})) and {MAKE[name]}, without network_mode=")
    others = sorted(n for n in joined if n != "bridge")
    if others:
        steps.stop(f"{name} is on {', '.join(others)}: a network of its own, not the default bridge",
                   f"remove it (lab.remove({name!r})) and {MAKE[name]}")
    if "bridge" not in joined or not joined["bridge"].address:
        steps.stop(f"{name} has no address on the default bridge",
                   f"remove it (lab.remove({name!r})) and {MAKE[name]}")
    steps.saw(f"{name} runs on the default bridge at {joined['bridge'].ipv4}")
    return c, joined["bridge"]


@check("Exercise 1: two containers on the default bridge")
def exercise_1(steps, lab) -> Result:
    """ex-one and ex-two run on the default bridge (and only there); ex-one pings ex-two's address."""
    topo = lab.snapshot()
    _on_default_bridge(steps, topo, "ex-one")
    _, two = _on_default_bridge(steps, topo, "ex-two")
    probe = lab.ping("ex-one", two.address)
    if not probe.ok:
        steps.stop(f"ex-one cannot ping ex-two at {two.address}",
                   "both should sit on the default bridge, where containers reach each other by address")
    steps.saw(f"ex-one pings ex-two at {two.address}: reachable")


@check("Exercise 2: ex-two's address, found without a name")
def exercise_2(steps, lab, ex_two_address) -> Result:
    """`ex_two_address` is ex-two's address on the default bridge, and ex-one reaches it."""
    topo = lab.snapshot()
    _, two = _on_default_bridge(steps, topo, "ex-two")
    if ex_two_address is None or str(ex_two_address).strip() == "":
        steps.stop("ex_two_address is not set yet", INSPECT)
    answer = as_address(ex_two_address)
    if answer is None:
        steps.stop(f"ex_two_address is {ex_two_address!r}: not an IPv4 address", INSPECT)
    if str(answer) != two.address:
        owner = next((e.container for e in topo.endpoints if e.address == str(answer)), None)
        seen = (f"{answer} is {owner}'s address, not ex-two's" if owner else
                f"{answer} is not ex-two's address on the default bridge")
        steps.stop(seen, INSPECT)
    steps.saw(f"ex_two_address {answer} is ex-two's address on the default bridge")
    c = next((c for c in topo.containers if c.name == "ex-one" and c.running), None)
    if c is not None:
        probe = lab.ping("ex-one", str(answer))
        steps.saw(f"ex-one pings {answer}: {probe.state}")


@check("Exercise 3: the way out")
def exercise_3(steps, lab, gateway) -> Result:
    """`gateway` is the address alpha sends every packet for outside its network to."""
    topo = lab.snapshot()
    c = running_container(steps, topo, "alpha", "run the cells of section 2 first: they start alpha "
                                                "on the default bridge")
    if gateway is None or str(gateway).strip() == "":
        steps.stop("gateway is not set yet", "look at alpha's routing table: the line starting "
                   "with `default via` (docker exec alpha ip route)")
    answer = as_address(gateway)
    if answer is None:
        steps.stop(f"gateway is {gateway!r}: not an IPv4 address",
                   "give the address only, like '10.0.0.1'")
    via = default_gateway(lab, "alpha")
    if str(answer) != via:
        own = networks_of(topo, c).get("bridge")
        if own is not None and own.address == str(answer):
            seen = f"{answer} is alpha's own address: a packet for outside must leave alpha"
        elif own is not None and own.ipv4 and answer == ipaddress.IPv4Interface(own.ipv4).network.network_address:
            seen = f"{answer} is the network's own address (the start of its subnet), not a machine on it"
        else:
            seen = f"{answer} is not where alpha's default route points"
        steps.stop(seen, "look at alpha's routing table: the line starting with `default via` "
                         "(docker exec alpha ip route)")
    steps.saw(f"alpha's default route goes via {answer}: the host's docker0, where NAT happens")
    probe = lab.ping("alpha", str(answer))
    steps.saw(f"alpha pings its gateway {answer}: {probe.state}")


__all__ = ["exercise_1", "exercise_2", "exercise_3"]
