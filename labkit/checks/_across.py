"""What the checks of the notebooks on three hosts (09, 10) look at: a container on one host of a
cluster, its networks, a host's underlay address, and a name reached from a container.

    lab_on(cluster, 0, "nb10")          # host1's lab (quiet: a check only looks)
    running(steps, lab, "db", "host3", make)   # docker inspect db (on host3), running, else a stop
    underlay_ip(cluster, 0)             # host1's address on the underlay (10.99.0.11)
    reached_by_name(steps, lab, "backend", "db", 5432, hint)   # nslookup db, nc -w 1 db 5432 (in backend)
    settled(lambda: lab.ping("ca", "cc"))   # a probe across hosts, tried again while it fails

A container that has just joined an overlay is known to the other hosts a moment later: the
engines tell each other by gossip, so on a real engine the first packets to it may be lost right
after a `docker network connect`. What a check expects to reach, it tries a few times; what it
expects to be blocked, once.
"""
from __future__ import annotations

from collections.abc import Callable

import docker

from .. import rules
from ..lab import Lab, Probe
from ._look import Steps


TRIES = 3           # a failed probe waits its timeout (1 s): at most 3 s for an overlay to settle


def settled(probe_once: Callable[[], Probe], tries: int = TRIES) -> Probe:
    """The first probe that gets through, or the last that failed, of up to `tries`."""
    for _ in range(tries):
        probe = probe_once()
        if probe.ok:
            break
    return probe


def lab_on(cluster, index: int, name: str) -> Lab:
    return Lab(cluster[index], name=name, leftovers="keep", quiet=True)


def underlay_ip(cluster, index: int) -> str:
    engine = cluster.engines[index] if hasattr(cluster, "engines") else None
    return (engine.underlay_ip if engine is not None else None) or str(rules.underlay_address(index + 1))


def running(steps: Steps, lab: Lab, name: str, host: str, make: str) -> dict:
    """The container's inspect data, running: else the check stops with `make` as its hint."""
    try:
        attrs = lab.api.inspect_container(name)
    except docker.errors.NotFound:
        steps.stop(f"{host} has no container named {name}", make)
    state = attrs.get("State") or {}
    if state.get("Status") == "created":
        # Made, never started: the docker run that made it failed (a network name mistyped, say), and
        # `docker start` would fail the same way.
        cli = "docker" if host == "host1" else f"docker -H ${host}"
        steps.stop(f"{name} on {host} was made but never started: its docker run failed",
                   f"read the error it printed, remove it ({cli} rm {name}), then {make}")
    if not state.get("Running"):
        steps.stop(f"{name} on {host} is not running", f"start it again: docker start {name} (on {host})")
    return attrs


def networks_of(attrs: dict) -> dict[str, dict]:
    """A container's networks (from its inspect data), by name: its endpoint on each."""
    return (attrs.get("NetworkSettings") or {}).get("Networks") or {}


def reached_by_name(steps: Steps, lab: Lab, src: str, name: str, port: int, hint: str, owner: str = "",
                    owner_addresses: set | None = None) -> None:
    """src resolves name (to owner's address, when given) and connects to it on port."""
    found = lab.resolve(src, name)
    if not found:
        steps.stop(f"from {src}, {name} does not resolve", hint)
    if owner_addresses is not None and found[0] not in owner_addresses:
        steps.stop(f"{name} resolves to {found[0]}, not to {owner} ({', '.join(sorted(owner_addresses))})",
                   f"the name {name} must be {owner}'s, on the network {src} is on")
    probe = settled(lambda: lab.port(src, name, port))
    steps.saw(f"{src} resolves {name} to {found[0]}{f' ({owner})' if owner else ''}; {src} -> {name}:{port}: "
              f"{probe.state}")
    if not probe.ok:
        server = owner or name
        steps.stop(f"{name}:{port} does not answer", f"is {server}'s server still running? docker logs {server}")


__all__ = ["lab_on", "networks_of", "reached_by_name", "running", "settled", "underlay_ip"]
