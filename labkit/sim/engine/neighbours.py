"""Neighbour tables (ARP for IPv4, NDP for IPv6): what each namespace learned from the traffic the
simulator carried (`arp -n`, `ip neigh`, /proc/net/arp).

A namespace that sends a packet asks for the link address of the next hop (the destination on its
own network, else its gateway) and keeps the answer; nobody answering leaves an incomplete entry.
The neighbour that was asked learns the asker's address in turn (a request names its sender). A
packet the host routes on (to a published port's container, to another network over IPv6)
teaches the host the container it delivers to, and that container its gateway, through which it
answers. The kernel also asks for the gateway when a name server outside is queried: the embedded
DNS forwards the names it does not know from the container's namespace.

A new namespace (each start) has an empty table; an interface that goes takes its entries along.
The kernel lists its table in hash order, which is random: read it sorted to compare.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..state import Container, Endpoint, Host, IPAddr, Network
from . import ipconf
from .sockets import Outcome


@dataclass(frozen=True)
class Neighbour:
    address: IPAddr
    dev: str
    mac: str            # "" when nobody answered
    router: bool = False  # NDP: the neighbour said it is a router (a gateway)


def table(host: Host, owner: Container | None) -> dict:
    return owner.neighbours if owner is not None else host.neighbours


def entries(host: Host, owner: Container | None, devices: list[str]) -> list[Neighbour]:
    """The table, for the interfaces the namespace still has, in the order learned."""
    out = []
    for (dev, ip), mac in table(host, owner).items():
        if dev in devices:
            gateways = [gw for net in _networks_on(host, owner, dev) for gw in (*net.gateways, *net.gateways6)]
            out.append(Neighbour(ip, dev, mac, router=ip.version == 6 and ip in gateways))
    return out


def _networks_on(host: Host, owner: Container | None, dev: str) -> list[Network]:
    if owner is not None:
        return [ep.network for ep in owner.endpoints.values() if ep.ifname == dev]
    return [n for n in host.visible_networks().values() if n.bridge_name == dev]


def _learn(host: Host, owner: Container | None, dev: str, ip: IPAddr | None, mac: str) -> None:
    if ip is None:
        return
    known = table(host, owner)
    if mac or (dev, ip) not in known:
        known[(dev, ip)] = mac


def bridge_mac(host: Host, net: Network) -> str:
    return next((i.mac for i in host.ifaces if i.name == net.bridge_name and net.bridge_name), "")


def _source(ep: Endpoint, version: int) -> IPAddr | None:
    return ep.ip6 if version == 6 else ep.ip


def learn(host: Host, owner: Container | None, dev: str, next_hop: IPAddr, out: Outcome) -> None:
    """One exchange from the namespace (owner None: the host's) out of dev towards next_hop, and
    what happened to it: who learns whom."""
    if out.unreachable:
        return
    if owner is None:
        _from_host(host, dev, next_hop, out)
        return
    ep = next((e for e in owner.endpoints.values() if e.ifname == dev), None)
    if ep is None:
        return
    net, version = ep.network, next_hop.version
    peer = next((o for o in net.endpoints.values() if next_hop in (o.ip, o.ip6, o.link_local)), None) \
        or ipconf.holder(net, next_hop)   # an address `ip addr add` gave a container there
    if peer is not None:
        _learn(host, owner, dev, next_hop, peer.mac)
        _learn(host, peer.container.shared_with() or peer.container, peer.ifname, _source(ep, version), ep.mac)
    elif next_hop in (*net.gateways, *net.gateways6) and bridge_mac(host, net):
        _learn(host, owner, dev, next_hop, bridge_mac(host, net))
        _learn(host, None, net.bridge_name, _source(ep, version), ep.mac)
        _delivered_by_host(host, out, version)
    else:
        _learn(host, owner, dev, next_hop, "")


def _from_host(host: Host, dev: str, next_hop: IPAddr, out: Outcome) -> None:
    for net in host.visible_networks().values():
        if net.bridge_name != dev or not net.bridge_name:
            continue
        peer = next((o for o in net.endpoints.values() if next_hop in (o.ip, o.ip6, o.link_local)), None)
        if peer is None:
            _learn(host, None, dev, next_hop, "")
            return
        _learn(host, None, dev, next_hop, peer.mac)
        gw = net.gateway_for(next_hop)
        _learn(host, peer.container.shared_with() or peer.container, peer.ifname, gw, bridge_mac(host, net))
        return
    if dev == "eth0":
        for other in host.world.hosts.values():
            if other.underlay_ip == next_hop and other is not host and not other.down:
                _learn(host, None, dev, next_hop, underlay_mac(other))


def underlay_mac(host: Host) -> str:
    return next((i.mac for i in host.ifaces if i.name == "eth0"), "")


def _delivered_by_host(host: Host, out: Outcome, version: int) -> None:
    """The host passed the packet on to a container (a published port, another network over
    IPv6): the host learns it, and it learns its gateway, through which it answers."""
    target = out.target
    if not isinstance(target, Container) or not out.ok and not out.refused:
        return
    target = target.shared_with() or target
    for ep in target.endpoints.values():
        net = ep.network
        if not bridge_mac(host, net) or _source(ep, version) is None:
            continue
        _learn(host, None, net.bridge_name, _source(ep, version), ep.mac)
        gw = net.gateway_for(_source(ep, version))
        _learn(host, target, ep.ifname, gw, bridge_mac(host, net))
        return

