"""bridge: a Linux bridge on the host, holding the network's gateway address.

The bridge is named br-<id12>, or as com.docker.network.bridge.name says (docker0 for the default
bridge); containers join by veth pairs whose outside ends are its ports (veth<7 hex>, 7e:... MAC
addresses, random on the engine and made from the endpoint ID here). The host is on every bridge
network by its gateway address: it reaches them directly and answers there, and the engine's
isolation rules keep one bridge network from another.
"""
from __future__ import annotations

from .... import rules
from ...errors import Forbidden
from ...state import Addr6, Endpoint, Host, Iface, IPAddr, IPv6Addr, Network
from ..sockets import Outcome, host_listens
from .base import LocalDriver

BRIDGE_NAME = "com.docker.network.bridge.name"
BRIDGE_LINK_LOCAL = IPv6Addr("fe80::1")
INHIBIT_IPV4 = "com.docker.network.bridge.inhibit_ipv4"


def inhibits_ipv4(net: Network) -> bool:
    """-o com.docker.network.bridge.inhibit_ipv4=true: the bridge gets no IPv4 address (the gateway
    is left to something outside the engine); the value read as Go's strconv.ParseBool reads it."""
    return str(net.options.get(INHIBIT_IPV4, "")) in ("1", "t", "T", "true", "TRUE", "True")


def veth_mac(key: str) -> str:
    """The MAC address of a host-side veth end (random on the engine; from an ID here)."""
    return "7e:" + ":".join(key[i:i + 2] for i in range(8, 18, 2))


def add_bridge(host: Host, net: Network, name: str) -> None:
    """The network's bridge interface on the host, holding its gateway address."""
    net.bridge_name = name
    net.bridge_ifindex = host.new_ifindex()
    mac = "02:42:" + ":".join(net.id[i:i + 2] for i in range(0, 8, 2))
    # With IPv6, the engine gives the bridge the IPv6 gateway and fe80::1 (the kernel adds its
    # own link-local address once the bridge has a carrier).
    addrs6 = [Addr6(gw, pool.subnet.prefixlen) for pool, gw in zip(net.pools6, net.gateways6)] + \
        [Addr6(BRIDGE_LINK_LOCAL, 64, "link")] if net.ipv6 else []
    host.ifaces.append(Iface(net.bridge_ifindex, name, mac, mtu=net.mtu,
                             ip=net.gateways[0] if net.gateways and net.gateways[0] and not inhibits_ipv4(net) else None,
                             prefixlen=net.pools[0].subnet.prefixlen if net.pools else 0,
                             flags="BROADCAST,MULTICAST,UP,LOWER_UP", kind="bridge", addrs6=addrs6))


class Bridge(LocalDriver):
    kind = rules.Driver.BRIDGE

    def build(self, host: Host, net: Network) -> None:
        if len(net.pools) > 1 or len(net.pools6) > 1:
            raise Forbidden("bridge driver doesn't support multiple subnets")
        add_bridge(host, net, net.options.get(BRIDGE_NAME) or "br-" + net.id[:12])

    def host_side(self, ep: Endpoint) -> list[Iface]:
        return [Iface(ep.peer_ifindex, ep.veth_name, veth_mac(ep.id), mtu=ep.network.mtu,
                      peer_index=ep.ifindex, master=ep.network.bridge_name,
                      flags="BROADCAST,MULTICAST,UP,LOWER_UP,M-DOWN")]

    def on_link(self, host: Host, net: Network, dst: IPAddr, port, proto, from_container, ttl, hops) -> Outcome | None:
        if (dst not in net.gateways or inhibits_ipv4(net)) and \
                not (net.ipv6 and dst in (*net.gateways6, BRIDGE_LINK_LOCAL)):
            return None
        if port is None:
            return Outcome(True, f"the host's address on network {net.name}", target=host, hops=hops)
        return host_listens(host, dst, port, proto, local=not from_container, via=net if from_container else None)


DRIVER = Bridge()
