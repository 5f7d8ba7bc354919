"""What the checks of notebooks 01-03 look at: containers, their networks and published ports
in a snapshot, and a few commands run inside containers.

A check builds its verdict step by step with a `Steps`: each step either passes (what was seen
is noted) or stops the check (what was seen, and the hint for it). Everything is read from the
engine when the check runs, so a check says the same on the simulator and on a real engine.
"""
from __future__ import annotations

import ipaddress

import docker.errors

from .. import model
from . import Result, recorded

# Interfaces on a host that are Docker's own or loopback: not the host's address to the outside.
ENGINE_INTERFACES = ("lo", "docker0", "docker_gwbridge", "br-", "veth", "vxlan", "ov-")


class Stop(Exception):
    """A step that did not pass: the check ends there."""


class Steps:
    """The verdict of one exercise, built step by step."""

    def __init__(self, exercise: str):
        self.exercise = exercise
        self.found: list[str] = []
        self.hint = ""

    def saw(self, text: str) -> None:
        self.found.append(text)

    def stop(self, seen: str, hint: str):
        self.found.append(seen)
        self.hint = hint
        raise Stop(seen)

    def result(self, ok: bool) -> Result:
        return Result(self.exercise, ok, self.found, "" if ok else self.hint)


def check(exercise: str):
    """Decorator: the function gets a Steps as its first argument and runs its steps; the
    Result is right when it returns without a step stopping it, and names the check (recorded)."""
    def wrap(fn):
        def run(*args, **kwargs) -> Result:
            steps = Steps(exercise)
            try:
                fn(steps, *args, **kwargs)
            except Stop:
                return steps.result(False)
            return steps.result(True)
        run.__name__, run.__doc__, run.__module__, run.__wrapped__ = fn.__name__, fn.__doc__, fn.__module__, fn
        run.exercise = exercise   # the title, for a Result made when the check stops on an error
        return recorded(run)
    return wrap


# -- what the snapshot holds -------------------------------------------------------------------------
def container(topo: model.Topology, name: str) -> model.Container | None:
    return next((c for c in topo.containers if c.name == name), None)


def network(topo: model.Topology, name: str) -> model.Network | None:
    return next((n for n in topo.networks if n.name == name), None)


def networks_of(topo: model.Topology, c: model.Container) -> dict[str, model.Endpoint]:
    """The networks a container is joined to now, by name."""
    return {e.network: e for e in topo.endpoints if e.container_id == c.id}


def ipv4_ports(c: model.Container) -> list[model.PublishedPort]:
    """The container's published ports on IPv4 host addresses (Docker adds a `::` twin to a
    port published on all addresses without naming one; the checks ask about IPv4)."""
    return [p for p in c.ports if ":" not in p.host_ip]


def describe_ports(ports) -> str:
    return ", ".join(str(p) for p in ports) or "none"


def running_container(steps: Steps, topo: model.Topology, name: str, make: str) -> model.Container:
    """The container `name`, running: else the check stops, with `make` (how to make it) as hint."""
    c = container(topo, name)
    if c is None:
        steps.stop(f"there is no container named {name}", make)
    if not c.running:
        steps.stop(f"container {name} exists but is {c.status}, not running",
                   f"start it again (docker start {name}), or remove it (lab.remove({name!r})) and "
                   f"make it again: {make}")
    return c


def as_address(text) -> ipaddress.IPv4Address | None:
    """An IPv4 address from what a learner wrote (a string, with or without /prefix), or None."""
    if text is None:
        return None
    try:
        return ipaddress.IPv4Interface(str(text).strip()).ip
    except ValueError:
        return None


# -- inside containers --------------------------------------------------------------------------------
def run(lab, name: str, argv: list[str]) -> tuple[int, str]:
    """`docker exec NAME ARGV...`: exit code and output (not recorded in the lab's history: the
    check only looks)."""
    try:
        code, out = lab.client.containers.get(name).exec_run(argv)
    except docker.errors.APIError as e:
        return 126, str(e.explanation or e)
    return code, out.decode(errors="replace")


def default_gateway(lab, name: str) -> str | None:
    """The address `ip route` inside the container sends everything else to (its default route)."""
    _, out = run(lab, name, ["ip", "route"])
    for line in out.splitlines():
        words = line.split()
        if words[:2] == ["default", "via"] and len(words) > 2:
            return words[2]
    return None


def host_addresses(lab, vantage: str) -> list[str]:
    """The host's own IPv4 addresses toward the outside, seen from a host-mode container: all but
    loopback and the interfaces Docker made (docker0, br-..., veth...)."""
    found = lab.interfaces(vantage)
    return [cidr.split("/")[0] for ifname, cidrs in found.items()
            if not ifname.startswith(ENGINE_INTERFACES) for cidr in cidrs]
