"""The topology snapshot: hosts, networks, containers and the endpoints that join them.

A plain model with no side effects and no imports from docker, pyvis or ipywidgets: `Lab.snapshot()`
builds one from an engine's list calls, `labkit.draw` turns one into a graph, checks and the
reachability matrix read it. Words are Docker's: a *network* belongs to a host (scope local) or a
swarm; a *container* runs on a host; an *endpoint* is one container's attachment to one network
(`docker network inspect` lists them under "Containers").

Naming:
- Every object carries `host`, the name of the engine it was seen on (`docker info` Name), so
  snapshots of several hosts can be combined (`Topology.combine`).
- `lab` is the name of the labkit lab that owns the object (its `labkit.lab` label, when it also
  carries `labkit=1`), or None for foreign objects: the engine's own networks and anything made
  without labkit.
- `Endpoint.interface` is the name inside the container (eth0, eth1, ...: the engine names them in
  the order the container joined its networks), or None when that order is not known: the engine's
  API does not report it (see `Lab.snapshot`). Endpoints of host and none mode have no interface
  and no address of their own.
- Addresses are strings: `ipv4` with its prefix length ("172.18.0.2/16"), as `docker network
  inspect` shows IPv4Address.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Iterator

from . import rules

LAB_LABEL = "labkit.lab"   # the name of the lab that made the object
MARK_LABEL = "labkit"      # "1" on everything labkit made


def owner(labels: dict | None) -> str | None:
    """The lab that owns an object with these labels, or None (foreign)."""
    labels = labels or {}
    if labels.get(MARK_LABEL) == "1" and labels.get(LAB_LABEL):
        return labels[LAB_LABEL]
    return None


@dataclass(frozen=True)
class Host:
    """One engine: `docker info` Name and ID, and whether it is labkit's simulated engine."""

    name: str
    id: str = ""
    engine: str = "docker"          # "docker" or "sim"
    version: str = ""


@dataclass(frozen=True)
class Network:
    id: str
    name: str
    driver: str
    scope: str = "local"
    subnets: tuple[str, ...] = ()
    gateways: tuple[str, ...] = ()    # IPAM's, else those its endpoints were given
    ip_ranges: tuple[str, ...] = ()
    internal: bool = False
    attachable: bool = False
    options: dict = field(default_factory=dict, compare=False, hash=False)
    labels: dict = field(default_factory=dict, compare=False, hash=False)
    lab: str | None = None
    host: str = ""

    @property
    def builtin(self) -> bool:
        """One of the engine's own networks (bridge, host, none)."""
        return self.name in rules.PREDEFINED_NETWORKS and self.lab is None and self.scope == "local"

    @property
    def subnet(self) -> str | None:
        return self.subnets[0] if self.subnets else None

    @property
    def gateway(self) -> str | None:
        return self.gateways[0] if self.gateways else None


@dataclass(frozen=True)
class PublishedPort:
    """`-p host_ip:host_port:container_port/protocol`, as `docker ps` lists it."""

    container_port: int
    protocol: str
    host_ip: str
    host_port: int

    def __str__(self) -> str:
        ip = f"[{self.host_ip}]" if ":" in self.host_ip else self.host_ip
        return f"{ip}:{self.host_port}->{self.container_port}/{self.protocol}"


@dataclass(frozen=True)
class Container:
    id: str
    name: str
    image: str
    status: str                       # created, running, exited, ...
    network_mode: str                 # "default", a network name, "host", "none", "container:ID"
    hostname: str | None = None
    ports: tuple[PublishedPort, ...] = ()
    labels: dict = field(default_factory=dict, compare=False, hash=False)
    lab: str | None = None
    host: str = ""

    @property
    def running(self) -> bool:
        return self.status == "running"

    @property
    def short_id(self) -> str:
        return self.id[:12]

    @property
    def mode(self) -> str:
        """bridge (any network of its own), host, none or container (shares another's)."""
        m = self.network_mode
        if m.startswith("container:"):
            return "container"
        return m if m in ("host", "none") else "bridge"


@dataclass(frozen=True)
class Endpoint:
    container: str                    # the container's name
    network: str                      # the network's name
    container_id: str = ""
    network_id: str = ""
    interface: str | None = None      # eth0, eth1, ... when known
    ipv4: str | None = None           # "172.18.0.2/16"
    mac: str | None = None
    gateway: str | None = None
    aliases: tuple[str, ...] = ()     # the aliases given by the user (the engine adds more)
    host: str = ""

    @property
    def address(self) -> str | None:
        """The IPv4 address without its prefix length."""
        return self.ipv4.split("/")[0] if self.ipv4 else None


@dataclass
class Topology:
    """What one or more engines hold at one moment."""

    hosts: list[Host] = field(default_factory=list)
    networks: list[Network] = field(default_factory=list)
    containers: list[Container] = field(default_factory=list)
    endpoints: list[Endpoint] = field(default_factory=list)

    @classmethod
    def combine(cls, parts: Iterable["Topology"]) -> "Topology":
        """Several hosts' snapshots as one (a swarm network appears once per host it is seen on)."""
        out = cls()
        for part in parts:
            out.hosts += part.hosts
            out.networks += part.networks
            out.containers += part.containers
            out.endpoints += part.endpoints
        return out

    # -- lookups --------------------------------------------------------------------------------
    def network(self, name_or_id: str, host: str | None = None) -> Network:
        return _find(self.networks, name_or_id, host, "network")

    def container(self, name_or_id: str, host: str | None = None) -> Container:
        return _find(self.containers, name_or_id, host, "container")

    def endpoints_of(self, container: str | Container) -> list[Endpoint]:
        c = container if isinstance(container, Container) else self.container(container)
        return [e for e in self.endpoints if e.container_id == c.id and e.host == c.host]

    def members(self, network: str | Network) -> list[Endpoint]:
        """The endpoints on a network (its containers, as `docker network inspect` lists them)."""
        n = network if isinstance(network, Network) else self.network(network)
        return [e for e in self.endpoints if e.network_id == n.id and e.host == n.host]

    def owned_by(self, lab: str | None) -> "Topology":
        """The part of the snapshot a lab owns (lab=None: the foreign part). Endpoints follow
        their container."""
        cids = {(c.host, c.id) for c in self.containers if c.lab == lab}
        return Topology(list(self.hosts), [n for n in self.networks if n.lab == lab],
                        [c for c in self.containers if c.lab == lab],
                        [e for e in self.endpoints if (e.host, e.container_id) in cids])

    def __iter__(self) -> Iterator:
        yield from self.networks
        yield from self.containers
        yield from self.endpoints


def _find(items, key: str, host: str | None, what: str):
    hits = [x for x in items if (x.name == key or x.id == key) and (host is None or x.host == host)]
    if not hits and len(key) >= 3:
        hits = [x for x in items if x.id.startswith(key) and (host is None or x.host == host)]
    if len(hits) == 1:
        return hits[0]
    where = f" on {host}" if host else ""
    if not hits:
        raise KeyError(f"no {what} named {key!r}{where} in this snapshot")
    raise KeyError(f"{len(hits)} {what}s match {key!r}{where}: name the host or use the ID")
