"""macvlan: containers get interfaces stacked on a host interface (option parent), each with its
own MAC address, straight on the parent's link: `eth0@if<parent's index>`, no veth, no bridge.

They reach each other and whatever else is on the parent's link (here the underlay: its switch
and the other hosts), but not the host whose interface is the parent (macvlan keeps them apart).
"""
from __future__ import annotations

from .... import rules
from ...errors import EngineError
from ...state import Container, Host, IPv4Addr, Network
from ..sockets import Outcome, underlay_answer
from .base import LocalDriver


class Macvlan(LocalDriver):
    kind = rules.Driver.MACVLAN

    def check(self, host: Host, net: Network) -> None:
        parent = net.options.get("parent", "")
        if not parent:
            # 20.10 makes a dummy parent link; this machine's kernel has no dummy driver.
            raise EngineError("operation not supported")
        if not any(i.name == parent for i in host.ifaces):
            if "." not in parent:
                raise EngineError(f"invalid subinterface vlan name {parent}, example formatting is eth0.10")
            raise EngineError(f"-o parent interface was not found on the host: {parent}")

    def interfaces(self, c: Container, net: Network, ip: IPv4Addr | None) -> tuple[int, int]:
        parent = net.options.get("parent", "")
        inside = c.host.new_ifindex()
        return inside, next((i.index for i in c.host.ifaces if i.name == parent), 0)

    def on_link(self, host: Host, net: Network, dst: IPv4Addr, port, proto, from_container, ttl, hops) -> Outcome | None:
        return underlay_answer(host, dst, port, proto, switch=host.underlay_ip is not None)


DRIVER = Macvlan()
