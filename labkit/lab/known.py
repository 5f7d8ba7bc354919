"""What a lab saw of its containers that the engine's list calls do not tell: hostnames, the
aliases the user gave, and the interface names inside (eth0, eth1, ...).

The engine names a container's interfaces in the order it joins networks, from eth0, never
reusing a number while the container runs; its API does not report the names. So the lab counts
the joins it makes (`Known.joined`), and forgets a name when the endpoint changes (another
endpoint ID: a restart, a reconnect behind the lab's back). `next_eth` None: the order is not known.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable


@dataclass
class Join:
    """One network a container joined, as the lab saw it."""

    interface: str | None             # eth0, eth1, ... when the order of joins is known
    aliases: tuple[str, ...] = ()     # the aliases the user gave
    endpoint: str | None = None       # the endpoint's ID, once seen: another ID, another join


@dataclass
class Known:
    """What the lab saw of one container: its hostname, and per network the interface name and
    the aliases given. Interface names count on from eth0 in the order of joins; next_eth None:
    the order is not known."""

    hostname: str | None = None
    joins: dict[str, Join] = field(default_factory=dict)
    next_eth: int | None = 0

    def joined(self, network: str, aliases: Iterable[str] = ()) -> None:
        interface = None
        if self.next_eth is not None:
            interface = f"eth{self.next_eth}"
            self.next_eth += 1
        self.joins[network] = Join(interface, tuple(aliases))

    def learn(self, attrs: dict) -> None:
        """Hostname, endpoint IDs and the user's aliases from an inspect (the engine adds the
        short ID and the hostname to the aliases on user-defined networks: those are dropped)."""
        self.hostname = (attrs.get("Config") or {}).get("Hostname")
        automatic = {attrs["Id"][:12], self.hostname}
        for net, s in ((attrs.get("NetworkSettings") or {}).get("Networks") or {}).items():
            eid = s.get("EndpointID")
            if not eid:
                continue
            join = self.joins.get(net)
            if join is None or join.endpoint not in (None, eid):
                join = self.joins[net] = Join(None)
            join.endpoint = eid
            join.aliases = tuple(a for a in s.get("Aliases") or () if a not in automatic)

    def seen(self, network: str, endpoint: str) -> Join | None:
        """What the lab knows of this endpoint, if it is still the one the lab saw."""
        join = self.joins.get(network)
        if join is not None and join.endpoint is None:
            join.endpoint = endpoint
        if join is not None and join.endpoint != endpoint:
            del self.joins[network]
            return None
        return join

    def named(self, by_ip: dict[str, str], attrs: dict) -> None:
        """Interface names as `ip addr` inside the container showed them ({address: name})."""
        for net, s in ((attrs.get("NetworkSettings") or {}).get("Networks") or {}).items():
            if s.get("IPAddress") in by_ip:
                self.joins[net].interface = by_ip[s["IPAddress"]]


@dataclass
class Memory:
    """All a lab knows of the engine beyond its answers: per container ID what it saw (`known`),
    its containers' IDs by name (`ids`: a name asked for again reaches the same container), and
    its networks' names. Forgotten whole when the engine is another one."""

    known: dict[str, Known] = field(default_factory=dict)
    ids: dict[str, str] = field(default_factory=dict)
    networks: set[str] = field(default_factory=set)

    def forget(self) -> None:
        self.known.clear()
        self.ids.clear()
        self.networks.clear()

    def ref(self, name: str) -> str:
        """A container as the engine is asked for it: the ID this lab saw, else the name."""
        return self.ids.get(name, name)

    def removed_network(self, name: str) -> None:
        self.networks.discard(name)
        for known in self.known.values():
            known.joins.pop(name, None)
