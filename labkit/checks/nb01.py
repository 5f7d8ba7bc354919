"""Checks for notebook 01, the default bridge.

    exercise_1(lab)                  ex-one and ex-two run on the default bridge; ex-one pings ex-two
    exercise_2(lab, ex_two_address)  the learner found ex-two's address (no names on this bridge)
    exercise_3(lab)                  network ex-out with the gateway the learner chose, ex-three on it
                                     going out that way

They read the engine through the lab (its snapshot, and `ping` / `ip route` inside containers),
so they say the same on the simulator and on a real engine.
"""
from __future__ import annotations

import ipaddress

from ..rules import Driver
from . import Result
from ._look import as_address, check, default_gateway, network, networks_of, running_container

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


OUT_NET, OUT_SUBNET, OUT_GATEWAY, OUT_CONTAINER = "ex-out", "10.80.0.0/24", "10.80.0.254", "ex-three"
MAKE_OUT = (f"with the subnet and the gateway the exercise gives: lab.network takes subnet= and gateway= "
            f"(docker network create --subnet ... --gateway ... {OUT_NET})")
MAKE_THREE = (f"lab.container({OUT_CONTAINER!r}, networks=[{OUT_NET!r}]) (docker run -d --name {OUT_CONTAINER} "
              f"--network {OUT_NET} busybox sleep 86400)")
REMAKE = (f"a network's settings cannot change: remove {OUT_CONTAINER} and {OUT_NET} (lab.remove(...)), "
          f"then make them again {MAKE_OUT}")


@check("Exercise 3: a way out you choose")
def exercise_3(steps, lab) -> Result:
    """Network ex-out (a bridge, 10.80.0.0/24) with its gateway at 10.80.0.254; ex-three runs on
    it, its default route goes there (`ip route` inside it), and it pings its gateway."""
    topo = lab.snapshot()
    net = network(topo, OUT_NET)
    if net is None:
        steps.stop(f"there is no network named {OUT_NET}", f"make it {MAKE_OUT}")
    if net.driver != Driver.BRIDGE:
        steps.stop(f"{OUT_NET} is a {net.driver} network, not a bridge", REMAKE)
    steps.saw(f"network {OUT_NET}: subnet {net.subnet}, gateway {net.gateway}")
    if str(net.subnet) != OUT_SUBNET:
        steps.stop(f"{OUT_NET}'s subnet is {net.subnet}, not {OUT_SUBNET}", REMAKE)
    c = running_container(steps, topo, OUT_CONTAINER, MAKE_THREE)
    if OUT_NET not in networks_of(topo, c):
        steps.stop(f"{OUT_CONTAINER} is not on {OUT_NET}", f"remove it (lab.remove({OUT_CONTAINER!r})) and "
                   f"run it again: {MAKE_THREE}")
    via = default_gateway(lab, OUT_CONTAINER)
    steps.saw(f"{OUT_CONTAINER}'s default route goes via {via}")
    if via != OUT_GATEWAY:
        first = str(ipaddress.IPv4Network(OUT_SUBNET)[1])
        hint = (f"IPAM gave the gateway the subnet's first address, {first}: name the gateway when you make "
                f"the network. {REMAKE}" if via == first else REMAKE)
        steps.stop(f"{OUT_CONTAINER}'s way out is {via}, not {OUT_GATEWAY}", hint)
    probe = lab.ping(OUT_CONTAINER, via)
    steps.saw(f"{OUT_CONTAINER} pings its gateway {via} (the host's address on {OUT_NET}): {probe.state}")
    if not probe.ok:
        steps.stop(f"{OUT_CONTAINER} gets no answer from its gateway", f"is {OUT_CONTAINER} running? {MAKE_THREE}")


__all__ = ["exercise_1", "exercise_2", "exercise_3"]
