"""Checks for notebook 00, start here.

    exercise_1(lab)   the map of section 5 on the engine: batch with no network at all, ask and tell
                      that find each other by name
    exercise_2(lab)   network front, container mine on it, and mine on the drawing

Both read the engine through the lab: the snapshot, and commands run inside the containers (`ip
link`, `ping`), so they say the same on either engine.
"""
from __future__ import annotations

from .. import drawing
from ..rules import Driver
from ._look import check, network, networks_of, run, running_container

BATCH, ASK, TELL = "batch", "ask", "tell"
MAP = "section 5's table"
RUN_AGAIN = "remove it (lab.remove({name!r})) and run it again"


def _ping(lab, name: str, target: str) -> tuple[bool, str]:
    """`ping -c 1 -W 1 TARGET` inside a container: answered, and what ping said about it (its
    error line, which stderr may put before or after its first line)."""
    code, out = run(lab, name, ["ping", "-c", "1", "-W", "1", target])
    lines = out.strip().splitlines() or [""]
    return code == 0, next((line for line in lines if line.startswith("ping:")), lines[-1])


def _links(lab, name: str) -> list[str]:
    """The interfaces inside a container (`ip -o link`), by name."""
    _, out = run(lab, name, ["ip", "-o", "link"])
    return [line.split(":")[1].strip().split("@")[0] for line in out.splitlines() if line.count(":") >= 2]


@check("Exercise 1: which driver?")
def exercise_1(steps, lab) -> None:
    """batch runs with no network at all (only lo inside it, the host's gateway unreachable); ask
    and tell run on one network that gives names, and ask reaches tell by its name."""
    if not hasattr(lab, "snapshot"):
        steps.stop(f"the check was given a {type(lab).__name__}, not the lab",
                   "call it as the exercise's check cell does: labkit.checks.nb00.exercise_1(lab)")
    topo = lab.snapshot()
    make = f"run a container named {{}} with the driver {MAP} gives for its situation"
    batch = running_container(steps, topo, BATCH, make.format(BATCH))
    links = _links(lab, BATCH)
    others = [i for i in links if i != "lo"]
    if others:
        where = ", ".join(sorted(networks_of(topo, batch))) or batch.network_mode
        steps.stop(f"inside {BATCH}: interfaces {', '.join(links)} ({where}): it has a network",
                   f"{RUN_AGAIN.format(name=BATCH)} with the driver whose container gets only a loopback "
                   f"interface ({MAP}, column 'what a container gets')")
    gateway = network(topo, "bridge").gateway or "172.17.0.1"
    answered, said = _ping(lab, BATCH, gateway)
    steps.saw(f"inside {BATCH}: only {', '.join(links) or 'no interface'}; ping {gateway} (the host): "
              + ("answered" if answered else said))
    if answered:   # only lo, yet the host answers: labkit's fault, not the learner's
        steps.stop(f"{BATCH} reached the host", "tell your instructor: a container with only lo cannot")
    ask = running_container(steps, topo, ASK, make.format(ASK))
    tell = running_container(steps, topo, TELL, make.format(TELL))
    mine, theirs = networks_of(topo, ask), networks_of(topo, tell)
    shared = sorted(set(mine) & set(theirs))
    if not shared:
        steps.stop(f"{ASK} is on {', '.join(sorted(mine)) or ask.network_mode}, {TELL} on "
                   f"{', '.join(sorted(theirs)) or tell.network_mode}: no network in common",
                   f"put both on one network (the same one): {MAP}, the driver for names")
    answered, said = _ping(lab, ASK, TELL)
    if not answered:
        hint = (f"on the default bridge containers have no names for each other: {MAP} and the words "
                f"under it say which networks give names; put {ASK} and {TELL} on one of those"
                if shared == ["bridge"] else f"{ASK} and {TELL} share {', '.join(shared)}, but no name: "
                f"{MAP} and the words under it say which networks give names")
        steps.stop(f"{ASK} pings {TELL} by name, on {', '.join(shared)}: {said}", hint)
    kinds = ", ".join(f"{n} (a {network(topo, n).driver} network)" for n in shared)
    steps.saw(f"{ASK} pings {TELL} by name on {kinds}: answered")


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
