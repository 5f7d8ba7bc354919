"""Checks for notebook 00, start here.

    exercise_1(drivers)   the learner picked the driver for each situation (the map of section 5)
    exercise_2(lab)       network front, container mine on it, and mine on the drawing

The first needs no engine: it checks what the learner knows. The second reads the engine through
the lab (its snapshot, and the drawing made from it), so it says the same on either engine.
"""
from __future__ import annotations

from .. import drawing
from ..rules import Driver
from ._look import check, network, networks_of, running_container

# The situations of exercise 1, each with its driver (and other names a learner may give for it).
SITUATIONS = {
    "two containers on one laptop that find each other by name": ("bridge", ()),
    "containers on three machines that talk to each other": ("overlay", ()),
    "a batch job that must have no network at all": ("none", ("null",)),
    "a container that must look like a machine of its own on the office network": ("macvlan", ()),
    "a container that uses the host's ports directly, with no NAT": ("host", ()),
}
WHY = {
    "bridge": "a user-defined bridge: one host, and its embedded DNS resolves the containers' names",
    "overlay": "an overlay spans hosts (with Swarm), carried in VXLAN",
    "none": "none (driver null): only a loopback interface",
    "macvlan": "macvlan gives the container a MAC address of its own on the host's physical network",
    "host": "host mode: the host's own network stack, its ports, no NAT",
}
ALMOST = {   # a wrong answer that deserves its own word
    ("macvlan", "ipvlan"): "ipvlan shares the host's MAC address: to the office network it is the host "
                           "with one more address, not a machine of its own",
    ("bridge", "host"): "host mode has no names of its own: containers would share the host's ports",
    ("none", "internal"): "an internal network still connects containers to each other: none has no network",
}
MAP_HINT = "section 5's table tells: see its columns 'what a container gets' and 'scope'"


@check("Exercise 1: which driver?")
def exercise_1(steps, drivers) -> None:
    """`drivers` maps each situation of SITUATIONS to a driver name."""
    if not isinstance(drivers, dict):
        steps.stop(f"drivers is {type(drivers).__name__}, not the dict the exercise cell starts with",
                   "run the exercise cell again, then put a driver name in place of each None")
    wrong, missing = [], []
    for situation, (want, also) in SITUATIONS.items():
        given = drivers.get(situation)
        if given is None or str(given).strip() == "":
            missing.append(situation)
            continue
        answer = str(given).strip().lower()
        if answer == want or answer in also:
            steps.saw(f"{situation}: {answer}, right ({WHY[want]})")
        else:
            wrong.append((situation, answer, want))
    unknown = sorted(set(drivers) - set(SITUATIONS))
    if unknown:
        steps.stop(f"drivers has situations the exercise did not ask about: {', '.join(map(repr, unknown))}",
                   "keep the keys as the exercise cell gives them; change only the values")
    for situation, answer, want in wrong:
        steps.saw(f"{situation}: {answer} is not the one")
    if wrong:
        situation, answer, want = wrong[0]
        steps.stop(f"{len(wrong)} of {len(SITUATIONS)} not right yet",
                   ALMOST.get((want, answer), f"for '{situation}': {MAP_HINT}"))
    if missing:
        steps.stop(f"no driver yet for {len(missing)} of {len(SITUATIONS)} situations (the first: {missing[0]})",
                   f"put a driver name in place of each None; {MAP_HINT}")


MAKE_FRONT = "make it with lab.network('front') or the panel's Networks tab (docker network create front)"
MAKE_MINE = ("run it with lab.container('mine', networks=['front']) or the panel's Containers tab: "
             "name mine, networks front (docker run -d --name mine --network front busybox sleep 86400)")


@check("Exercise 2: your own network and container")
def exercise_2(steps, lab) -> None:
    """Network front (a user-defined bridge) and container mine on it, running; the drawing made
    from the engine's state has both and the line between them."""
    topo = lab.snapshot()
    front = network(topo, "front")
    if front is None:
        steps.stop("there is no network named front", MAKE_FRONT)
    if front.driver != Driver.BRIDGE or front.builtin:
        steps.stop(f"front is a {front.driver} network, not a bridge",
                   f"remove it (lab.remove('front')) and {MAKE_FRONT}")
    steps.saw(f"network front: a bridge, subnet {front.subnet}")
    mine = running_container(steps, topo, "mine", MAKE_MINE)
    joined = networks_of(topo, mine)
    if "front" not in joined:
        steps.stop(f"mine is on {', '.join(sorted(joined)) or 'no network'}, not on front",
                   "connect it: lab.connect('mine', 'front') or the panel's Connect tab "
                   "(docker network connect front mine)")
    where = joined["front"]   # its interface is known when labkit made the join, not after `docker run`
    steps.saw(f"mine runs on front at {where.ipv4}" + (f" ({where.interface})" if where.interface else ""))
    picture = drawing.build(topo)
    edge = picture.edge_between(drawing.container_id(mine), drawing.network_id(front))
    if edge is None:   # the drawing is made from the same snapshot: this would be labkit's fault
        steps.stop("the drawing has no line from mine to front", "draw again: labkit.draw(lab)")
    label = " ".join(edge["label"].split())
    steps.saw(f"the drawing shows mine joined to front by the line '{label}'")
