"""macvlan: containers get interfaces stacked on a host interface (option parent), each with its
own MAC address, straight on the parent's link: `eth0@if<parent's index>`, no veth, no bridge.

They reach each other and whatever else is on the parent's link (here the underlay: its switch
and the other hosts), but not the host whose interface is the parent (macvlan keeps them apart).
"""
from __future__ import annotations

from .... import rules
from ...errors import EngineError
from ...addresses import Iface
from ...state import Container, Host, IPv4Addr, Network
from ..sockets import Outcome, underlay_answer
from .base import LocalDriver


class Macvlan(LocalDriver):
    kind = rules.Driver.MACVLAN
    dummy_prefix = "dm-"  # the driver names a network by its dummy link's name: dm-<short ID>

    def check(self, host: Host, net: Network) -> None:
        parent = net.options.get("parent", "")
        if not parent:
            # 20.10 makes a dummy parent link; this machine's kernel has no dummy driver.
            raise EngineError("operation not supported")
        # One network of the driver per parent interface (another subnet or mode does not matter).
        for other in host.networks.values():
            if other.driver == self.kind and other.id != net.id and other.options.get("parent") == parent:
                raise EngineError(f"network {self.dummy_prefix}{other.id[:12]} is already using parent interface {parent}")
        if not any(i.name == parent for i in host.ifaces):
            vlan_parent(host, parent)

    def build(self, host: Host, net: Network) -> None:
        """parent=eth0.10 names a VLAN sub-interface: the driver makes it (eth0.10@eth0, tagged 10)
        when it is not there, and removes it with the network."""
        parent = net.options.get("parent", "")
        if any(i.name == parent for i in host.ifaces):
            return
        lower = next(i for i in host.ifaces if i.name == vlan_parent(host, parent))
        net.vlan_ifindex = host.new_ifindex()
        host.ifaces.append(Iface(net.vlan_ifindex, parent, lower.mac, mtu=lower.mtu, lower=lower.name))

    def interfaces(self, c: Container, net: Network, ip: IPv4Addr | None) -> tuple[int, int]:
        parent = net.options.get("parent", "")
        inside = c.host.new_ifindex()
        return inside, next((i.index for i in c.host.ifaces if i.name == parent), 0)

    def on_link(self, host: Host, net: Network, dst: IPv4Addr, port, proto, from_container, ttl, hops) -> Outcome | None:
        return underlay_answer(host, dst, port, proto, switch=host.underlay_ip is not None)


def vlan_parent(host: Host, parent: str) -> str:
    """The interface a VLAN sub-interface name (eth0.10) stacks on, refused with the driver's words."""
    if "." not in parent:
        raise EngineError(f"invalid subinterface vlan name {parent}, example formatting is eth0.10")
    name, _, vid = parent.partition(".")
    if "." in vid:
        raise EngineError(f"required interface name format is: name.vlan_id, ex. eth0.10 for vlan 10, "
                          f"instead received {parent}")
    if not vid.lstrip("+-").isdigit():
        raise EngineError(f"unable to parse a valid vlan id from: {vid} (ex. eth0.10 for vlan 10)")
    if not any(i.name == name for i in host.ifaces):
        raise EngineError(f"-o parent interface was not found on the host: {name}")
    if not 1 <= int(vid) <= 4094:
        raise EngineError(f"vlan id must be between 1-4094, received: {int(vid)}")
    return name


DRIVER = Macvlan()
