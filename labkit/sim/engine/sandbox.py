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
- Addresses and routes a container with NET_ADMIN added (engine/ipconf.py) are followed: an address
  another container on the network added (on any of its interfaces) is answered on the link, or
  through a route via that container, when the answer has a way back; a route via the gateway
  goes to the host. A container that would forward a packet on (ip_forward is 1 in its namespace)
  is not modelled as a router: the packet is lost there, and the Outcome says so.
"""
from __future__ import annotations

import ipaddress

from ... import rules
from ..state import Addr6, Container, Endpoint, Host, Iface, IPAddr, IPv4Addr, IPv4Net, IPv6Addr, Network, link_local
from . import dns, drivers, filesystem, ipconf, mounttable, neighbours, procfs, stats, tcp, underlay
from .routing import (CONNECTED_METRIC6, DEFAULT6, DEFAULT_METRIC6, LINK_LOCAL6, MULTICAST6, Route, best,
                      connected, order4, order6)
from .sockets import Outcome, container_listens, host_listens, underlay_answer

LOOPBACK6 = IPv6Addr("::1")
ICMP_IP = {4: underlay.ICMP_ECHO, 6: 8 + 40}   # ICMP and IP headers around an echo's data
ETHERNET_HEADER = 14


class Sandbox:
    def __init__(self, host: Host, container: Container | None = None, probe: bool = False):
        """probe: a look that sends nothing (labkit's reachability queries): no neighbour is learned."""
        self.host = host
        self.probe = probe
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

    @property
    def ipv6(self) -> bool:
        """IPv6 is on in the namespace: the host's always; a container's only once it joins a
        network with IPv6 (20.10 turns it off otherwise, and on interface by interface)."""
        return self.owner is None or any(ep.ip6 is not None for ep in self.owner.endpoints.values())

    def interfaces(self) -> list[Iface]:
        lo = Iface(1, "lo", "00:00:00:00:00:00", mtu=65536, ip=IPv4Addr("127.0.0.1"), prefixlen=8,
                   flags="LOOPBACK,UP,LOWER_UP", kind="loopback",
                   addrs6=[Addr6(LOOPBACK6, 128, "host")] if self.ipv6 else [])
        if self.owner is not None:
            own = [lo] + [Iface(ep.ifindex, ep.ifname, ep.mac, mtu=ep.mtu or ep.network.mtu, peer_index=ep.peer_ifindex,
                                ip=ep.ip, prefixlen=ep.prefixlen, flags="BROADCAST,MULTICAST,UP,LOWER_UP,M-DOWN",
                                addrs6=[Addr6(ep.ip6, ep.prefixlen6, "global", nodad=True),
                                        Addr6(ep.link_local, 64, "link")] if ep.ip6 else [])
                          for ep in self.owner.endpoints.values() if ep.has_interface]
            return [ipconf.applied(self.owner, i) for i in own]   # with what `ip addr` changed
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
        for i, iface in enumerate(out[1:], 1):
            # The kernel's link-local address, once the interface has had a carrier: newer than
            # the engine's fe80::1 on a bridge, so listed before it.
            if "NO-CARRIER" not in iface.flags:
                own = [a for a in iface.addrs6 if a.scope == "global"] + [Addr6(link_local(iface.mac), 64, "link")]
                out[i] = Iface(**{**iface.__dict__, "addrs6": own + [a for a in iface.addrs6 if a.scope != "global"]})
        return sorted(out, key=lambda i: i.index)

    def routes(self) -> list[Route]:
        """The IPv4 routing table (ip route, route -n, /proc/net/route)."""
        routes: list[Route] = []
        if self.owner is not None:
            gw_ep = self.gateway_endpoint()
            if gw_ep is not None:
                routes.append(Route(None, gw_ep.ifname, via=gw_ep.gateway))
            for iface in self.interfaces():
                routes += ipconf.connected_routes(iface)
            routes = ipconf.kept(self.owner, routes)
        else:
            for iface in self.interfaces():
                if iface.ip is not None and iface.kind != "loopback":
                    routes.append(Route(connected(iface.ip, iface.prefixlen), iface.name, src=iface.ip,
                                        linkdown="NO-CARRIER" in iface.flags))
        return order4(routes)

    def routes6(self) -> list[Route]:
        """The IPv6 routing table (ip -6 route): each interface's subnets and fe80::/64, the
        default route through the gateway endpoint's IPv6 gateway, the multicast routes."""
        main, multicast = [], []
        ifaces = [i for i in self.interfaces() if i.addrs6 and i.kind != "loopback"]
        for iface in ifaces:
            for a in iface.addrs6:
                if a.scope == "global":
                    main.append(Route(connected(a.address, a.prefixlen), iface.name, metric=CONNECTED_METRIC6))
            main.append(Route(LINK_LOCAL6, iface.name, metric=CONNECTED_METRIC6, linkdown="NO-CARRIER" in iface.flags))
            multicast.append(Route(MULTICAST6, iface.name, metric=CONNECTED_METRIC6, multicast=True))
        gw_ep = self.gateway_endpoint()
        if gw_ep is not None and gw_ep.gateway6 is not None:
            main.append(Route(DEFAULT6, gw_ep.ifname, via=gw_ep.gateway6, metric=DEFAULT_METRIC6))
        # The host forwards IPv6 (the engine turned forwarding on): the kernel adds a subnet-router
        # anycast route for each of its prefixes.
        return order6(main, multicast, anycast=self.owner is None)

    def gateway_endpoint(self) -> Endpoint | None:
        """The endpoint that gives the default routes (IPv4's and IPv6's): dual-stack ones first,
        then the first by network name, internal networks only when nothing else offers one."""
        if self.owner is None:
            return None
        return min((ep for ep in self.owner.endpoints.values() if ep.gateway is not None),
                   key=lambda ep: rules.gateway_order(ep.network.name, ep.network.internal,
                                                      dual_stack=ep.gateway6 is not None), default=None)

    def own_addresses(self) -> list[IPAddr]:
        return [a for i in self.interfaces() for a in [x.address for x in ipconf.addresses(i)] + [x.address for x in i.addrs6]]

    # -- names -----------------------------------------------------------------------------------
    def read_file(self, path: str) -> str | None:
        c = self.container
        if c is None and path in ("/etc/hosts", "/etc/resolv.conf", "/etc/hostname"):
            return {"/etc/hosts": self.host.world.etc_hosts, "/etc/resolv.conf": self.host.world.resolv_conf,
                    "/etc/hostname": self.hostname + "\n"}[path]
        if path.startswith(("/proc/net/", "/sys/class/net/")):
            return procfs.read(self, path)
        if c is not None and path.startswith("/proc/sys/"):
            # The namespace's sysctls: those set with --sysctl, and IPv4 forwarding (on, as the engine leaves it)
            values = {"net.ipv4.ip_forward": "1", **(c.host_config.get("Sysctls") or {})}
            value = values.get(path[len("/proc/sys/"):].replace("/", "."))
            return None if value is None else f"{value}\n"
        if c is not None and c.process is not None and path in ("/proc/1/cmdline", "/proc/1/comm"):
            argv = stats.cmdline(1, c.process)     # PID 1's command line (NUL after each word)
            return "".join(a + "\0" for a in argv) if path.endswith("cmdline") else argv[0].rpartition("/")[2][:15] + "\n"
        if c is not None and mounttable.is_mounts_file(path):
            return mounttable.proc_mounts(c)
        if c is not None and c.process is not None and path in c.process.files:
            return c.process.files[path]
        if c is not None:
            try:
                return filesystem.Files(c).read(path).decode(errors="replace")
            except filesystem.FileError:
                return None
        return None

    def nameserver(self) -> str | None:
        for line in (self.read_file("/etc/resolv.conf") or "").splitlines():
            parts = line.split()
            if parts[:1] == ["nameserver"] and len(parts) > 1:
                return parts[1]
        return None

    def dns_query(self, name: str, version: int = 4) -> list[IPAddr] | None:
        """Ask the configured name server for A (or AAAA) records. None: it does not know the name."""
        if self.nameserver() == dns.EMBEDDED and self.container is not None:
            return dns.embedded_lookup(self.container, name, version)
        return None

    def resolve(self, name: str, version: int | None = None) -> IPAddr | None:
        """What getaddrinfo gives (ping, wget, nc): an address literal, /etc/hosts, then DNS."""
        return self.lookup(name, version)[0]

    def lookup(self, name: str, version: int | None = None) -> tuple[IPAddr | None, str]:
        """(address, how): how is "ok"; "timeout" when the question went to a name server that
        never answers (the offline host's upstream); "unreachable" when there is no route to it.
        version: 4 or 6 (ping -4/-6), None for either. /etc/hosts gives its first line for the name
        (glibc merges no more without `multi on` in /etc/host.conf, which the image lacks): so
        localhost is 127.0.0.1, and ::1 only for IPv6. From DNS, glibc's order puts an IPv6
        address first wherever it can be used (the namespace has IPv6 and a route to it), as RFC
        3484's precedence table says (::/0 above ::ffff:0:0/96): a dual-stack name is pinged over
        IPv6."""
        try:
            ip = ipaddress.ip_address(name.partition("%")[0])
            return (ip, "ok") if version in (None, ip.version) else (None, "ok")
        except ValueError:
            pass
        hosts = self.read_file("/etc/hosts") or ""
        found = [ip for v in ((4, 6) if version is None else (version,)) for ip in dns.hosts_lookup(hosts, name, v)]
        if found:
            return min(found, key=lambda ip: dns.hosts_line(hosts, name, ip)), "ok"
        candidates: list[IPAddr] = []
        answered = False
        for v in (6, 4) if version is None else (version,):
            answers = self.dns_query(name, v)
            answered = answered or answers is not None
            candidates += answers or []
        if version is None:  # usable IPv6 addresses, then IPv4's, then the others (rule 1 only orders)
            candidates.sort(key=lambda ip: 1 if ip.version == 4 else 0 if self.usable6(ip) else 2)
        if candidates:
            return candidates[0], "ok"
        return None, "ok" if answered else self.upstream_state()

    def usable6(self, ip: IPv6Addr) -> bool:
        """glibc's test of an IPv6 destination: the namespace has a source address for it."""
        return self.ipv6 and (ip == LOOPBACK6 or best(self.routes6(), ip) is not None)

    def upstream_state(self) -> str:
        """What happens to a question for the outside world's name servers: with a route out it
        is sent and never answered (timeout); with none it fails at once (unreachable)."""
        server = self.nameserver()
        if server == dns.EMBEDDED and self.owner is not None:
            self.ask_upstream()
            return "timeout"  # the embedded server forwards it to the host's servers
        try:
            ip = IPv4Addr(server) if server else None
        except ValueError:
            ip = None
        if ip is None or self.route_for(ip) is None:
            return "unreachable"
        return "timeout"

    # -- packets ---------------------------------------------------------------------------------
    def route_for(self, dst: IPAddr) -> Route | None:
        return best(self.routes() if dst.version == 4 else self.routes6(), dst)

    def ping(self, dst: IPAddr) -> Outcome:
        return self._deliver(dst, port=None)

    def connect(self, dst: IPAddr, port: int, proto: str = "tcp") -> Outcome:
        return self._deliver(dst, port=port, proto=proto)

    def echo(self, dst: IPAddr, count: int, size: int = 56) -> Outcome:
        """`ping -c COUNT -s SIZE`: delivered as ping() says, and its packets (requests and the
        replies) counted on the interfaces they cross (`docker stats`)."""
        self.packet = size + ICMP_IP[dst.version]
        try:
            out = self.ping(dst)
        finally:
            self.packet = 0
        self.carry(dst, out, count, size + ICMP_IP[dst.version] + ETHERNET_HEADER, answered=out.ok)
        return out

    def carry(self, dst: IPAddr, out: Outcome, packets: int, size: int, answered: bool) -> None:
        """Count packets of size bytes (on the wire) out through this namespace's interface
        towards dst, and into the container that answered (`docker stats` shows them), with as
        many answers back when it answered."""
        if self.owner is None or out.unreachable:
            return
        route = self.route_for(dst)
        if route is None or dst.is_loopback or dst in self.own_addresses():
            return
        back = packets if answered else 0
        stats.carried(self.owner, route.dev, received=back * size, sent=packets * size, rx_packets=back,
                      tx_packets=packets)
        target = out.target
        if isinstance(target, Container) and target is not self.owner:
            owner = target.shared_with() or target
            ep = next((e for e in owner.endpoints.values() if dst in (e.ip, e.ip6)), None) or \
                next((e for e in owner.endpoints.values() if e.has_interface), None)
            if ep is not None:
                stats.carried(owner, ep.ifname, received=packets * size, sent=back * size, rx_packets=packets,
                              tx_packets=back)

    def _deliver(self, dst: IPAddr, port: int | None, proto: str = "tcp") -> Outcome:
        out = self._reach(dst, port, proto)
        route = None if self.probe or out.unreachable or dst.is_loopback or dst in self.own_addresses() \
            else self.route_for(dst)
        if route is not None:
            neighbours.learn(self.host, self.owner, route.dev, route.via or dst, out)
        return out

    def source_for(self, dst: IPAddr) -> IPAddr | None:
        """The address a connection to dst is sent from (the route's interface's)."""
        route = self.route_for(dst)
        iface = next((i for i in self.interfaces() if route is not None and i.name == route.dev), None)
        if iface is None:
            return None
        if dst.version == 4:   # the route's own, else the interface's first primary on the next hop's subnet
            primaries = [a for a in ipconf.addresses(iface) if not a.secondary]
            return route.src or next((a.address for a in primaries if (route.via or dst) in
                                      connected(a.address, a.prefixlen)), primaries[0].address if primaries else None)
        return next((a.address for a in iface.addrs6 if a.scope == "global"), None)

    def hang_up(self, dst: IPAddr, port: int, out: Outcome, client_first: bool) -> None:
        """A TCP connection this namespace made to dst:port ended: the side that closed first
        keeps it in TIME_WAIT for a minute (netstat, /proc/net/tcp)."""
        src = self.source_for(dst)
        if self.probe or not out.ok or out.reset or src is None:
            return
        eport = tcp.ephemeral(self.host, self.owner)
        target = out.target
        if client_first:
            tcp.closed(self.host, self.owner, src, eport, dst, port)
        elif isinstance(target, Container) and any(dst in (e.ip, e.ip6) for e in target.endpoints.values()):
            family = tcp.server_family(out.listener.program) if out.listener is not None else dst.version
            tcp.closed(self.host, target.shared_with() or target, dst, port, src, eport, family)

    def ask_upstream(self) -> None:
        """A question the embedded DNS forwards to the host's name servers: sent from this
        namespace through its default gateway (which it learns)."""
        gw_ep = self.gateway_endpoint()
        if not self.probe and gw_ep is not None:
            neighbours.learn(self.host, self.owner, gw_ep.ifname, gw_ep.gateway, Outcome(False))

    def _reach(self, dst: IPAddr, port: int | None, proto: str = "tcp") -> Outcome:
        if dst.is_loopback and (dst.version == 4 or self.ipv6) or dst in self.own_addresses():
            return self._arrive_self(dst, port, proto)
        if dst.version == 6 and not self.ipv6:
            # 20.10 turned IPv6 off in this namespace: no address to send from.
            return Outcome(False, "IPv6 is off in this container (it is on no network with IPv6)",
                           unreachable=True, error="Cannot assign requested address")
        route = self.route_for(dst)
        if route is None:
            return Outcome(False, "no route to that address", unreachable=True)
        if self.owner is None:
            return self._from_host(dst, port, proto, route)
        ep = next((e for e in self.owner.endpoints.values() if e.ifname == route.dev), None)
        if ep is None:   # a route out of lo (ip route add ... dev lo): only this namespace is there
            return Outcome(False, f"sent out of {route.dev}, where no one else is")
        if route.via is None:  # on a network this container is attached to (a default route too: `dev eth0` alone)
            return self._on_network(ep.network, dst, port, proto, from_container=True)
        if route.via not in (ep.gateway, ep.gateway6):
            return self._via_neighbour(ep, route.via, dst, port, proto)
        if dst.version == 6:
            return self._via_gateway6(ep, dst, port, proto)
        return self._via_gateway(ep, dst, port, proto)

    def _arrive_self(self, dst: IPAddr, port: int | None, proto: str) -> Outcome:
        target = self.owner if self.owner is not None else self.host
        if port is None:
            return Outcome(True, "its own address", target=target)
        if self.owner is None:
            return host_listens(self.host, dst, port, proto, local=True)
        return container_listens(self.owner, port, proto, hops=())

    def _on_network(self, net: Network, dst: IPAddr, port, proto, from_container: bool, ttl=64, hops=()) -> Outcome:
        for other in net.endpoints.values():
            if dst in (other.ip, other.ip6, other.link_local):
                if from_container and not net.icc and dst.version == 4:
                    return Outcome(False, rules.why_icc_off(net.name))
                if net.swarm is not None and other.container.host is not self.host:
                    lost = underlay.crossing(net, self.host, other.container.host, self.packet)
                    if lost is not None:     # between hosts: the underlay carries it (VXLAN)
                        return lost
                if port is None:
                    return Outcome(True, f"on network {net.name}", ttl=ttl, target=other.container, hops=hops)
                return container_listens(other.container, port, proto, hops=hops, ttl=ttl)
        holder = ipconf.holder(net, dst)  # an address `ip addr add` gave a container there
        if holder is not None and from_container:
            return self._via_neighbour(self.endpoint_on(net), dst, dst, port, proto)
        # No container has dst: the driver says who else answers on the network (a gateway, a
        # service's virtual IP, the physical link).
        out = drivers.of(net).on_link(self.host, net, dst, port, proto, from_container, ttl, hops)
        return out or Outcome(False, f"no one has {dst} on network {net.name}", no_neighbour=True)

    def endpoint_on(self, net: Network) -> Endpoint | None:
        return next((e for e in self.owner.endpoints.values() if e.network is net), None) if self.owner else None

    def _via_neighbour(self, ep: Endpoint, hop: IPAddr, dst: IPAddr, port, proto) -> Outcome:
        """To dst through the container on ep's network that has the address hop (a route `via` it,
        or dst itself on the link): answered when dst is that container's own address and it has a
        way back; a container that would forward it on is not modelled as a router."""
        net = ep.network
        other = next((o for o in net.endpoints.values() if hop in (o.ip, o.ip6)), None) or ipconf.holder(net, hop)
        if other is None:
            return Outcome(False, f"no one has {hop} on network {net.name}", no_neighbour=True)
        if not net.icc and dst.version == 4:
            return Outcome(False, rules.why_icc_off(net.name))
        target = other.container.shared_with() or other.container
        there = Sandbox(self.host, target, probe=True)
        if dst not in there.own_addresses():
            return Outcome(False, f"{target.name} ({hop}) would forward it on: the simulator does not model "
                                  f"containers as routers", hops=(hop,))
        src = self.source_for(dst)
        back = there.route_for(src) if src is not None else None
        back_ep = there.endpoint_on(net)
        if back is None or back_ep is None or back.dev != back_ep.ifname or \
                back.via is not None and not (back.via == back_ep.gateway and net.has_address(src)):
            return Outcome(False, f"{target.name} has no way back to {src}")
        if port is None:
            return Outcome(True, f"{target.name}'s own address, on network {net.name}", ttl=64, target=target)
        return container_listens(target, port, proto, hops=(), ttl=64)

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
        out = underlay_answer(host, dst, port, proto) if host.underlay_ip is not None else None
        if out is not None:
            # Out through the host's NAT (MASQUERADE) onto the underlay (its switch, another
            # host): one hop further.
            out.hops = gw
            if port is None and out.ok:
                out.ttl, out.why = 63, f"{out.why}, through {host.name}'s NAT"
            return out
        for other in host.visible_networks().values():
            if drivers.of(other).host_attached and other.has_address(dst) and other is not net:
                return Outcome(False, rules.between_networks(net.name, net.internal, other.name, other.internal),
                               hops=gw)
        return Outcome(False, "outside this host: a simulated host has no route to the internet", hops=gw)

    def _via_gateway6(self, ep: Endpoint, dst: IPv6Addr, port, proto) -> Outcome:
        """IPv6 through the gateway. 20.10 programs no ip6tables rules (--ip6tables is
        experimental and off), so its isolation and internal networks hold for IPv4 only: the
        host routes IPv6 between its networks like any router (one hop, TTL 63)."""
        host, net = self.host, ep.network
        gw = (ep.gateway6,)
        if host.owns(dst):
            if port is None:
                return Outcome(True, "an address of the host", target=host)
            return host_listens(host, dst, port, proto, local=False, via=net)
        for other in host.visible_networks().values():
            if drivers.of(other).host_attached and other.ipv6 and other.has_address(dst) and other is not net:
                out = self._on_network(other, dst, port, proto, from_container=False, ttl=63, hops=gw)
                out.why = rules.why_routed6(net.name, other.name) + "; " + out.why
                return out
        return Outcome(False, "outside this host: a simulated host has no route to the internet", hops=gw)

    def _from_host(self, dst: IPAddr, port, proto, route: Route) -> Outcome:
        host = self.host
        for net in host.visible_networks().values():
            if net.bridge_name == route.dev:
                return self._on_network(net, dst, port, proto, from_container=False)
        if route.dev == "eth0":
            return underlay_answer(host, dst, port, proto) or Outcome(False, f"no host has {dst} on the underlay")
        return Outcome(False, "no one answers there")
