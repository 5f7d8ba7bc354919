"""The engine's JSON as labkit's model: `docker info`, the network list and the container list
(`docker ps -a`) turned into a labkit.model.Topology, with what the lab knows beside them.

The list calls give all that the model holds but three things: hostnames and aliases (the lists
show none), and interface names (the API never reports them); those come from what the lab saw
(labkit.lab.known). A network's gateway is its IPAM gateway, or else the one its endpoints were
given.
"""
from __future__ import annotations

import dataclasses
import ipaddress
import time

from .. import model
from .known import Known


def host(info: dict) -> model.Host:
    """The engine, from `docker info`."""
    sim = "labkit.sim=true" in (info.get("Labels") or [])
    return model.Host(info.get("Name") or "", info.get("ID") or "", "sim" if sim else "docker",
                      info.get("ServerVersion") or "")


ALLOCATION_WAIT = 5.0     # seconds a swarm network may take to be allocated on its manager


def inspect_network(api, name: str) -> dict:
    """`docker network inspect NAME`, allocated: a swarm network's Driver and Options are its
    allocation, which the manager writes a moment after `docker network create` answers (measured
    here: read 0-3 times as "" within 3 ms). Reads again until they are there, up to 5 s."""
    attrs = api.inspect_network(name)
    deadline = time.monotonic() + ALLOCATION_WAIT
    while attrs.get("Scope") == "swarm" and not attrs.get("Driver") and time.monotonic() < deadline:
        time.sleep(0.01)
        attrs = api.inspect_network(name)
    return attrs


def network(n: dict, host_name: str) -> model.Network:
    """One network of the list (`GET /networks`)."""
    pools = (n.get("IPAM") or {}).get("Config") or []
    labels = dict(n.get("Labels") or {})
    return model.Network(
        n["Id"], n["Name"], n.get("Driver") or "", n.get("Scope") or "local",
        tuple(p["Subnet"] for p in pools if p.get("Subnet")),
        tuple(p["Gateway"] for p in pools if p.get("Gateway")),
        tuple(p["IPRange"] for p in pools if p.get("IPRange")),
        bool(n.get("Internal")), bool(n.get("Attachable")), dict(n.get("Options") or {}), labels,
        model.owner(labels), host_name)


def container_name(c: dict) -> str:
    """A container's name in the list (`GET /containers/json`), or its short ID."""
    return (c.get("Names") or ["/" + c["Id"][:12]])[0].lstrip("/")


def topology(engine: model.Host, networks: list[dict], containers: list[dict],
             known: dict[str, Known]) -> model.Topology:
    """The snapshot of one engine from its lists; `known`: what the lab saw, by container ID."""
    nets = [network(n, engine.name) for n in networks]
    found, endpoints = [], []
    for c in containers:
        cid = c["Id"]
        name = container_name(c)
        seen = known.get(cid)
        mode = (c.get("HostConfig") or {}).get("NetworkMode") or "default"
        ports = tuple(model.PublishedPort(p["PrivatePort"], p.get("Type") or "tcp", p.get("IP") or "",
                                          p["PublicPort"]) for p in c.get("Ports") or [] if p.get("PublicPort"))
        labels = dict(c.get("Labels") or {})
        found.append(model.Container(cid, name, c.get("Image") or "", c.get("State") or "",
                                     mode, seen.hostname if seen else None, ports, labels,
                                     model.owner(labels), engine.name))
        for net, s in ((c.get("NetworkSettings") or {}).get("Networks") or {}).items():
            eid = s.get("EndpointID")
            if not eid:
                continue   # asked for, but not joined (the container is not running)
            join = seen.seen(net, eid) if seen is not None else None
            ip = s.get("IPAddress") or None
            endpoints.append(model.Endpoint(
                name, net, cid, s.get("NetworkID") or "", join.interface if join else None,
                f"{ip}/{s.get('IPPrefixLen') or 0}" if ip else None, s.get("MacAddress") or None,
                s.get("Gateway") or None, join.aliases if join else (), engine.name))
    # IPAM shows a gateway only when one was asked for; the endpoints show the one given.
    given: dict[str, list[str]] = {}
    for e in endpoints:
        if e.gateway and e.gateway not in given.setdefault(e.network_id, []):
            given[e.network_id].append(e.gateway)
    nets = [dataclasses.replace(n, gateways=tuple(given[n.id])) if not n.gateways and given.get(n.id)
            else n for n in nets]
    nets = [dataclasses.replace(n, gateways=(default_bridge_gateway(n),)) if default_bridge_gateway(n) else n
            for n in nets]
    return model.Topology([engine], nets, found, endpoints)


DEFAULT_BRIDGE = "com.docker.network.bridge.default_bridge"


def default_bridge_gateway(n: model.Network) -> str | None:
    """The default bridge's gateway when nothing shows it: its IPAM lists no gateway (on the real
    engine too) and, with no container on it, no endpoint does. It is docker0's address, which the
    engine takes as the first address of the subnet (unless dockerd's --bip names another)."""
    if n.gateways or not n.subnets or str(n.options.get(DEFAULT_BRIDGE, "")).lower() != "true":
        return None
    try:
        return str(next(ipaddress.ip_network(n.subnets[0], strict=False).hosts()))
    except (ValueError, StopIteration):
        return None
