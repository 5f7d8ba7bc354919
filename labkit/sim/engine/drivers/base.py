"""What every network driver answers: the protocol, and the part local drivers share.

A driver is one module with one Driver object (`DRIVER`), listed in drivers/__init__.py. The
engine asks it:
- to make a network (`create`, for `docker network create -d KIND`) and to remove one (`remove`);
- about a container joining (`admit` before anything is recorded, `prepare` before its address is
  taken, `interfaces` once it has one: the indexes of the inside and outside ends) and what else
  it joins with it (`joined`: networks the engine adds on its own, such as docker_gwbridge), and
  what leaves with it (`left`);
- what reaches what: whether the host itself is on the network (`host_attached`: it reaches the
  network directly, and isolates it from the other such networks), the interfaces an endpoint
  adds to the host's namespace (`host_side`), and who answers for an address on the network that
  no container there has (`on_link`: a gateway, a virtual IP, the physical link).
The mechanism around these (endpoints, addresses, sandboxes) is the engine's: engine/endpoints.py.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .... import rules
from ...errors import EngineError, Forbidden
from ...state import Container, Endpoint, Host, Iface, IPv4Addr, Network, now
from .. import ipam
from ..sockets import Outcome


@dataclass
class NetworkSpec:
    """What `docker network create` asks for."""

    name: str
    ipam: dict = field(default_factory=dict)
    internal: bool = False
    attachable: bool = False
    ingress: bool = False
    enable_ipv6: bool = False
    options: dict = field(default_factory=dict)
    labels: dict = field(default_factory=dict)


class Driver:
    kind = ""                 # the name `docker network create -d` takes
    has_interfaces = True     # host and null: endpoints are bookkeeping only

    @property
    def host_attached(self) -> bool:
        """The host has an address on the network and reaches it directly (labkit.rules)."""
        return rules.host_reaches(self.kind)

    # -- networks ----------------------------------------------------------------------------------
    def create(self, host: Host, spec: NetworkSpec) -> Network:
        raise Forbidden(f'only one instance of "{self.kind}" network is allowed')

    def remove(self, host: Host, net: Network) -> None:
        if net.endpoints:
            raise Forbidden(f"error while removing network: network {net.name} id {net.id} has active endpoints")
        drop(host, net)

    # -- containers joining and leaving -------------------------------------------------------------
    def admit(self, c: Container, net: Network) -> None:
        """Refuse a container before anything of its request is recorded."""

    def prepare(self, c: Container, net: Network) -> None:
        """Once the request is recorded, before the address is taken."""

    def interfaces(self, c: Container, net: Network, ip: IPv4Addr | None) -> tuple[int, int]:
        """A veth pair made in the host's namespace: the inside end first."""
        return c.host.new_ifindex(), c.host.new_ifindex()

    def joined(self, c: Container, net: Network, ep: Endpoint) -> list[Network]:
        """The networks the engine joins the container to as well, on its own (hidden)."""
        return []

    def left(self, c: Container, net: Network) -> list[Network]:
        """The networks the engine takes the container off as well."""
        return []

    # -- what reaches what ---------------------------------------------------------------------------
    def host_side(self, ep: Endpoint) -> list[Iface]:
        """The interfaces an endpoint adds to the host's namespace."""
        return []

    def on_link(self, host: Host, net: Network, dst: IPv4Addr, port: int | None, proto: str,
                from_container: bool, ttl: int, hops: tuple) -> Outcome | None:
        """Who answers for dst on the network when no container there has it (None: nobody).
        host: the host the packet is on; from_container: sent by a container (else by the host)."""
        return None


class LocalDriver(Driver):
    """bridge, macvlan, ipvlan: networks of one host, addressed from its local address space."""

    def create(self, host: Host, spec: NetworkSpec) -> Network:
        configs = ipam.check_config(spec.ipam)
        net = Network(host.world.new_id("network", f"{host.name}/{spec.name}"), spec.name, self.kind, host, now(),
                      internal=spec.internal, attachable=spec.attachable, ingress=spec.ingress,
                      enable_ipv6=spec.enable_ipv6, options=spec.options, labels=spec.labels,
                      ipam_driver=spec.ipam.get("Driver") or "default", ipam_options=spec.ipam.get("Options"))
        self.check(host, net)
        ipam.allocate(net, host.local_space, configs, ipv6=spec.enable_ipv6)
        try:
            self.build(host, net)
        except EngineError:
            drop(host, net)
            raise
        host.networks[net.id] = net
        return net

    def check(self, host: Host, net: Network) -> None:
        """The driver's own refusals, once the network has its ID."""

    def build(self, host: Host, net: Network) -> None:
        """What the driver makes on the host for a new network (its pools are reserved; an error
        gives them back)."""


def drop(host: Host, net: Network) -> None:
    """A local network gone: its pools given back, its bridge off the host."""
    for pool in net.pools + net.pools6:
        ipam.release(host.local_space, pool)
    host.ifaces = [i for i in host.ifaces if i.index not in (net.bridge_ifindex, net.vlan_ifindex)]
    host.networks.pop(net.id, None)
