"""Who can reach whom: the view from inside one network namespace, by the engine's real rules.

A Sandbox is what a process sees: a container's namespace (shared by `container:NAME` containers)
or the host's own (the host and host-mode containers). It answers the questions busybox's tools
ask: which interfaces and routes exist, what a name resolves to, whether a ping is answered, whether
a TCP connection is accepted.

The rules, for one host:
- Containers on the same network reach each other directly (TTL 64), unless the network turns
  inter-container traffic off (com.docker.network.bridge.enable_icc=false).
- Anything else goes to the default gateway (the host). The host answers for its own addresses
  (every bridge's gateway address, its underlay address). Traffic on towards another bridge network
  is dropped by the engine's isolation rules (DOCKER-ISOLATION-STAGE-1/2). An internal network
  still has a gateway and a default route (20.10), but nothing crosses its bridge in either
  direction. A simulated host has no route to the internet, so outside addresses go unanswered.
- The host reaches every bridge network directly. Containers in host mode are the host.
- Published ports: the host's address (any of them, or only the one bound) on the host port is
  forwarded to the container's port, from any network. Containers with no network (none) reach
  nothing but themselves.
- Macvlan: containers on the same macvlan network reach each other; the host does not reach them
  through the parent interface.
"""
from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from ... import rules
from ..state import Container, Endpoint, Host, Iface, IPv4Addr, IPv4Net, Network
from . import dns, drivers, filesystem, stats, underlay
from .sockets import Outcome, container_listens, host_listens, underlay_answer

LOOPBACK = IPv4Net("127.0.0.0/8")
ICMP_OVERHEAD = 8 + 20 + 14   # ICMP, IPv4 and Ethernet headers around an echo's data


@dataclass
class Route:
    dst: IPv4Net | None  # None: the default route
    dev: str
    via: IPv4Addr | None = None
    src: IPv4Addr | None = None
    linkdown: bool = False


class Sandbox:
    def __init__(self, host: Host, container: Container | None = None):
        self.host = host
        self.packet = 0     # the IP packet size of the probe under way (ping -s); 0: a small one
        owner = container.shared_with() if container is not None else None
        self.container = container
        self.owner = owner or container  # whose namespace this is (None: the host's)
        if self.owner is not None and self.owner.mode_kind == "host":
            self.owner = None

    # -- what the namespace holds --------------------------------------------------------------
    @property
    def is_host(self) -> bool:
        return self.owner is None

    @property
    def hostname(self) -> str:
        if self.container is None:
            return self.host.hostname
        return self.container.hostname

    def endpoints(self) -> list[Endpoint]:
        return [] if self.owner is None else list(self.owner.endpoints.values())

    def interfaces(self) -> list[Iface]:
        lo = Iface(1, "lo", "00:00:00:00:00:00", mtu=65536, ip=IPv4Addr("127.0.0.1"), prefixlen=8,
                   flags="LOOPBACK,UP,LOWER_UP", kind="loopback")
        if self.owner is not None:
            return [lo] + [Iface(ep.ifindex, ep.ifname, ep.mac, mtu=ep.network.mtu, peer_index=ep.peer_ifindex,
                                 ip=ep.ip, prefixlen=ep.prefixlen, flags="BROADCAST,MULTICAST,UP,LOWER_UP,M-DOWN")
                           for ep in self.owner.endpoints.values() if ep.has_interface]
        out = [lo]
        attached = {}
        for ep in self.host.all_endpoints():
            attached.setdefault(ep.network.bridge_name, []).append(ep)
        for iface in self.host.ifaces:
            if iface.kind == "bridge" and not attached.get(iface.name):
                iface = Iface(**{**iface.__dict__, "flags": "NO-CARRIER,BROADCAST,MULTICAST,UP"})
            out.append(iface)
        for ep in self.host.all_endpoints():
            out += drivers.of(ep.network).host_side(ep)
        return sorted(out, key=lambda i: i.index)

    def routes(self) -> list[Route]:
        routes: list[Route] = []
        if self.owner is not None:
            gw_ep = self.gateway_endpoint()
            if gw_ep is not None:
                routes.append(Route(None, gw_ep.ifname, via=gw_ep.gateway))
            for ep in self.owner.endpoints.values():
                if ep.ip is not None and ep.has_interface:
                    routes.append(Route(ipaddress.ip_network(f"{ep.ip}/{ep.prefixlen}", strict=False),
                                        ep.ifname, src=ep.ip))
        else:
            for iface in self.interfaces():
                if iface.ip is not None and iface.kind != "loopback":
                    routes.append(Route(ipaddress.ip_network(f"{iface.ip}/{iface.prefixlen}", strict=False),
                                        iface.name, src=iface.ip, linkdown="NO-CARRIER" in iface.flags))
        return sorted(routes, key=lambda r: (0, 0) if r.dst is None else (int(r.dst.network_address) + 1, r.dst.prefixlen))

    def gateway_endpoint(self) -> Endpoint | None:
        """The endpoint that gives the default route: the first by network name, internal
        networks only when nothing else offers a gateway."""
        if self.owner is None:
            return None
        return min((ep for ep in self.owner.endpoints.values() if ep.gateway is not None),
                   key=lambda ep: rules.gateway_order(ep.network.name, ep.network.internal), default=None)

    def own_addresses(self) -> list[IPv4Addr]:
        return [i.ip for i in self.interfaces() if i.ip is not None]

    # -- names -----------------------------------------------------------------------------------
    def read_file(self, path: str) -> str | None:
        c = self.container
        if c is None and path in ("/etc/hosts", "/etc/resolv.conf", "/etc/hostname"):
            return {"/etc/hosts": self.host.world.etc_hosts, "/etc/resolv.conf": self.host.world.resolv_conf,
                    "/etc/hostname": self.hostname + "\n"}[path]
        if path == "/proc/net/route":
            return self.proc_net_route()
        if path.startswith("/sys/class/net/"):
            name, _, attr = path[len("/sys/class/net/"):].partition("/")
            iface = next((i for i in self.interfaces() if i.name == name), None)
            value = {"mtu": iface.mtu, "address": iface.mac, "ifindex": iface.index}.get(attr) if iface else None
            return None if value is None else f"{value}\n"
        if c is not None and c.process is not None and path in c.process.files:
            return c.process.files[path]
        if c is not None:
            try:
                return filesystem.Files(c).read(path).decode(errors="replace")
            except filesystem.FileError:
                return None
        return None

    def proc_net_route(self) -> str:
        """The kernel's /proc/net/route: addresses as host-order hex, each line padded to 127."""
        def hexa(ip) -> str:
            return f"{int.from_bytes(ip.packed, 'little'):08X}"
        lines = ["Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT"]
        for r in self.routes():
            dst = r.dst or IPv4Net("0.0.0.0/0")
            flags = 0x1 | (0x2 if r.via else 0) | (0x4 if dst.prefixlen == 32 else 0)
            lines.append(f"{r.dev}\t{hexa(dst.network_address)}\t{hexa(r.via or IPv4Addr(0))}\t{flags:04X}\t0\t0\t0\t"
                         f"{hexa(dst.netmask)}\t0\t0\t0")
        return "".join(f"{line:<127}\n" for line in lines)

    def nameserver(self) -> str | None:
        for line in (self.read_file("/etc/resolv.conf") or "").splitlines():
            parts = line.split()
            if parts[:1] == ["nameserver"] and len(parts) > 1:
                return parts[1]
        return None

    def dns_query(self, name: str) -> list[IPv4Addr] | None:
        """Ask the configured name server. None: no answer for that name."""
        if self.nameserver() == dns.EMBEDDED and self.container is not None:
            return dns.embedded_lookup(self.container, name)
        return None

    def resolve(self, name: str) -> IPv4Addr | None:
        """What getaddrinfo gives (ping, wget, nc): an address literal, /etc/hosts, then DNS."""
        return self.lookup(name)[0]

    def lookup(self, name: str) -> tuple[IPv4Addr | None, str]:
        """(address, how): how is "ok"; "timeout" when the question went to a name server that
        never answers (the offline host's upstream); "unreachable" when there is no route to it."""
        try:
            ip = ipaddress.ip_address(name)
            return (ip, "ok") if ip.version == 4 else (None, "unreachable")
        except ValueError:
            pass
        if name == "localhost":
            return IPv4Addr("127.0.0.1"), "ok"
        found = dns.hosts_lookup(self.read_file("/etc/hosts") or "", name)
        if found is not None:
            return found, "ok"
        answers = self.dns_query(name)
        if answers:
            return answers[0], "ok"
        return None, self.upstream_state()

    def upstream_state(self) -> str:
        """What happens to a question for the outside world's name servers: with a route out it
        is sent and never answered (timeout); with none it fails at once (unreachable)."""
        server = self.nameserver()
        if server == dns.EMBEDDED and self.owner is not None:
            return "timeout"  # the embedded server forwards it to the host's servers
        try:
            ip = IPv4Addr(server) if server else None
        except ValueError:
            ip = None
        if ip is None or self.route_for(ip) is None:
            return "unreachable"
        return "timeout"

    # -- packets ---------------------------------------------------------------------------------
    def route_for(self, dst: IPv4Addr) -> Route | None:
        best = None
        for r in self.routes():
            if r.dst is None or dst in r.dst:
                if best is None or (r.dst is not None and (best.dst is None or r.dst.prefixlen > best.dst.prefixlen)):
                    best = r
        return best

    def ping(self, dst: IPv4Addr) -> Outcome:
        return self._deliver(dst, port=None)

    def connect(self, dst: IPv4Addr, port: int, proto: str = "tcp") -> Outcome:
        return self._deliver(dst, port=port, proto=proto)

    def echo(self, dst: IPv4Addr, count: int, size: int = 56) -> Outcome:
        """`ping -c COUNT -s SIZE`: delivered as ping() says, and its packets (requests and the
        replies) counted on the interfaces they cross (`docker stats`)."""
        self.packet = size + underlay.ICMP_ECHO
        try:
            out = self.ping(dst)
        finally:
            self.packet = 0
        self.carry(dst, out, count, size + ICMP_OVERHEAD, answered=out.ok)
        return out

    def carry(self, dst: IPv4Addr, out: Outcome, packets: int, size: int, answered: bool) -> None:
        """Count packets of size bytes (on the wire) out through this namespace's interface
        towards dst, and into the container that answered (`docker stats` shows them), with as
        many answers back when it answered."""
        if self.owner is None or out.unreachable:
            return
        route = self.route_for(dst)
        if route is None or dst in LOOPBACK or dst in self.own_addresses():
            return
        back = packets if answered else 0
        stats.carried(self.owner, route.dev, received=back * size, sent=packets * size, rx_packets=back,
                      tx_packets=packets)
        target = out.target
        if isinstance(target, Container) and target is not self.owner:
            owner = target.shared_with() or target
            ep = next((e for e in owner.endpoints.values() if e.ip == dst), None) or \
                next((e for e in owner.endpoints.values() if e.has_interface), None)
            if ep is not None:
                stats.carried(owner, ep.ifname, received=packets * size, sent=back * size, rx_packets=packets,
                              tx_packets=back)

    def _deliver(self, dst: IPv4Addr, port: int | None, proto: str = "tcp") -> Outcome:
        if dst in LOOPBACK or dst in self.own_addresses():
            return self._arrive_self(dst, port, proto)
        route = self.route_for(dst)
        if route is None:
            return Outcome(False, "no route to that address", unreachable=True)
        if self.owner is None:
            return self._from_host(dst, port, proto, route)
        ep = next(e for e in self.owner.endpoints.values() if e.ifname == route.dev)
        if route.dst is not None:  # on a network this container is attached to
            return self._on_network(ep.network, dst, port, proto, from_container=True)
        return self._via_gateway(ep, dst, port, proto)

    def _arrive_self(self, dst: IPv4Addr, port: int | None, proto: str) -> Outcome:
        target = self.owner if self.owner is not None else self.host
        if port is None:
            return Outcome(True, "its own address", target=target)
        if self.owner is None:
            return host_listens(self.host, dst, port, proto, local=True)
        return container_listens(self.owner, port, proto, hops=())

    def _on_network(self, net: Network, dst: IPv4Addr, port, proto, from_container: bool, ttl=64, hops=()) -> Outcome:
        for other in net.endpoints.values():
            if other.ip == dst:
                if from_container and not net.icc:
                    return Outcome(False, rules.why_icc_off(net.name))
                if net.swarm is not None and other.container.host is not self.host:
                    lost = underlay.crossing(net, self.host, other.container.host, self.packet)
                    if lost is not None:     # between hosts: the underlay carries it (VXLAN)
                        return lost
                if port is None:
                    return Outcome(True, f"on network {net.name}", ttl=ttl, target=other.container, hops=hops)
                return container_listens(other.container, port, proto, hops=hops, ttl=ttl)
        # No container has dst: the driver says who else answers on the network (a gateway, a
        # service's virtual IP, the physical link).
        out = drivers.of(net).on_link(self.host, net, dst, port, proto, from_container, ttl, hops)
        return out or Outcome(False, f"no one has {dst} on network {net.name}", no_neighbour=True)

    def _via_gateway(self, ep: Endpoint, dst: IPv4Addr, port, proto) -> Outcome:
        host = self.host
        net = ep.network
        gw = (ep.gateway,)  # the gateway answers traceroute's first probe, then nothing comes back
        if host.owns(dst):
            # The host's own addresses: delivered locally, even from an internal network.
            if port is None:
                return Outcome(True, "an address of the host", target=host)
            return host_listens(host, dst, port, proto, local=False, via=net)
        if net.internal:
            return Outcome(False, rules.why_internal_out(net.name), hops=gw)
        for other in host.world.hosts.values():
            if other is not host and other.underlay_ip == dst and not other.down:
                # Out through the host's NAT (MASQUERADE) onto the underlay: one hop further.
                if port is None:
                    return Outcome(True, f"host {other.name}, through {host.name}'s NAT", ttl=63, target=other, hops=gw)
                out = host_listens(other, dst, port, proto, local=False)
                out.hops = gw
                return out
        for other in host.visible_networks().values():
            if drivers.of(other).host_attached and other.has_address(dst) and other is not net:
                return Outcome(False, rules.between_networks(net.name, net.internal, other.name, other.internal),
                               hops=gw)
        return Outcome(False, "outside this host: a simulated host has no route to the internet", hops=gw)

    def _from_host(self, dst: IPv4Addr, port, proto, route: Route) -> Outcome:
        host = self.host
        for net in host.visible_networks().values():
            if net.bridge_name == route.dev:
                return self._on_network(net, dst, port, proto, from_container=False)
        if route.dev == "eth0":
            return underlay_answer(host, dst, port, proto) or Outcome(False, f"no host has {dst} on the underlay")
        return Outcome(False, "no one answers there")
