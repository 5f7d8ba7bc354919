"""The walk itself: from a container, a host or an outside address to its destination, through
the container's routes, the bridges, the host's own stack (labkit.trace.stack), overlays (VXLAN
between the hosts' underlay addresses) and macvlan parents, ending where the packet is delivered,
leaves the host, or is dropped (and why)."""
from __future__ import annotations

import ipaddress
from dataclasses import replace

from .. import iptables, model, paths, rules
from .hops import MAX_HOPS, OVERLAY_MTU, UPLINK, VNI_OPTION, VXLAN_PORT, Hop, Packet, Trace, TraceError, PROTOCOLS
from .netfilter import Netfilter, within
from .stack import HostStack


# -- the walk of a snapshot ------------------------------------------------------------------------
def walk(topo: model.Topology, src: str, dst: str, port: int | None = None, protocol: str = "tcp",
         underlay: dict[str, str] | None = None) -> Trace:
    """The walk on a snapshot (pure: no engine calls). underlay: {host: its underlay address}."""
    protocol = str(protocol).lower()
    if protocol not in PROTOCOLS:
        raise TraceError(f"protocol {protocol!r}: use one of {', '.join(PROTOCOLS)}")
    if protocol == "icmp":
        if port is not None:
            raise TraceError("icmp has no ports: leave port out, or use protocol='tcp' or 'udp'")
    elif port is not None:
        if isinstance(port, bool) or not str(port).isdigit() or not 1 <= int(port) <= 65535:
            raise TraceError(f"port {port!r}: give a number from 1 to 65535")
        port = int(port)
    w = _Walk(topo, underlay or {}, protocol, port)
    t = Trace(str(src), str(dst), protocol, port, topology=topo, underlay=dict(underlay or {}))
    w.run(t, str(src), str(dst))
    return t



# -- the walk --------------------------------------------------------------------------------------
class _Stop(Exception):
    """The walk ends here (reached or not)."""


def _first_host(subnet: str) -> str | None:
    try:
        return str(next(ipaddress.ip_network(subnet, strict=False).hosts()))
    except (ValueError, StopIteration):
        return None


class _Walk(HostStack):
    def __init__(self, topo: model.Topology, underlay: dict[str, str], protocol: str, port: int | None):
        self.topo = topo
        self.ix = paths._Index(topo)
        self.underlay = dict(underlay)
        self.protocol = protocol
        self.port = port
        self.trace: Trace | None = None
        self.expect: model.Container | None = None    # the container a packet is meant for
        self._netfilter: dict[str, Netfilter] = {}
        self.containers = {(c.host, c.id): c for c in topo.containers}
        self.host_names = sorted({h.name for h in topo.hosts} | {n.host for n in topo.networks}
                                 | {c.host for c in topo.containers})

    # -- recording ----------------------------------------------------------------------------------
    def hop(self, kind, host, namespace, interface, packet, action, why="", visible=None, **more) -> None:
        if len(self.trace.hops) >= MAX_HOPS:
            self.end(False, f"the walk gave up after {MAX_HOPS} hops (a loop?)")
        if visible is None:
            visible = bool(interface) and kind not in ("rule", "nat") and interface != "docker-proxy" \
                and not action.startswith("not sent") and namespace not in ("outside", "underlay")
        self.trace.hops.append(Hop(kind, host, namespace, interface, packet, action, why, visible=visible, **more))

    def end(self, reached: bool, why: str):
        self.trace.reached, self.trace.why = reached, why
        raise _Stop

    def drop(self, host, namespace, interface, packet, action, why, visible=None, **more):
        self.hop("drop", host, namespace, interface, packet, action, why, visible=visible, **more)
        self.end(False, why)

    # -- facts of the snapshot -----------------------------------------------------------------------
    def netfilter(self, host: str) -> Netfilter:
        if host not in self._netfilter:
            self._netfilter[host] = Netfilter(iptables.rules(self.topo, host=host))
        return self._netfilter[host]

    def bridges(self, host: str) -> list[model.Network]:
        return [n for n in self.topo.networks if n.host == host and rules.has_bridge(n.driver) and n.subnet]

    def gateway(self, n: model.Network) -> str | None:
        return n.gateway or (_first_host(n.subnet) if n.subnet else None)

    def local(self, host: str) -> set[str]:
        """The host's own addresses: loopback, its address on each bridge, its underlay address."""
        out = {"127.0.0.1"}
        out |= {g for g in (self.gateway(n) for n in self.bridges(host)) if g}
        if self.underlay.get(host):
            out.add(self.underlay[host])
        return out

    def host_of_address(self, address: str) -> str | None:
        return next((h for h, a in self.underlay.items() if a == address), None)

    def member(self, network: model.Network, address: str, host: str | None = None) -> model.Endpoint | None:
        """The endpoint of a running container on the network with the address."""
        for e in self.topo.endpoints:
            if e.network_id == network.id and e.address == address and (host is None or e.host == host):
                if self.container_of(e).running:
                    return e
        return None

    def container_of(self, e: model.Endpoint) -> model.Container:
        return self.containers[(e.host, e.container_id)]

    def interface_of(self, c: model.Container, e: model.Endpoint | None) -> str:
        if e is None:
            return "eth?"
        if e.interface:
            return e.interface
        eps = self.ix.endpoints(c)
        return f"eth{eps.index(e)}" if e in eps else "eth?"

    # -- who is who ---------------------------------------------------------------------------------
    def place(self, ref: str, role: str):
        """("container", Container) | ("host", host name) | ("address", address)."""
        ref = ref.strip()
        if not ref:
            raise TraceError(f"the {role} is empty: give a container's name, a host's name or an address")
        try:
            ipaddress.ip_address(ref)
            return "address", ref
        except ValueError:
            pass
        if ref == "host":
            if len(self.host_names) != 1:
                raise TraceError(f"'host' names the only host of a single engine; this snapshot holds "
                                 f"{len(self.host_names)}: name one ({', '.join(self.host_names)})")
            return "host", self.host_names[0]
        if ref in self.host_names and not any(c.name == ref for c in self.topo.containers):
            return "host", ref
        try:
            return "container", self.ix.container(ref)
        except paths.UnknownContainer as e:
            raise TraceError(f"the {role} {ref!r} is no container, host or address here: {e}; the hosts "
                             f"are: {', '.join(self.host_names) or 'none'}") from None

    def packet(self, src: str | None, dst: str) -> Packet:
        return Packet(self.protocol, src, dst, self.port)

    # -- the walk ------------------------------------------------------------------------------------
    def run(self, t: Trace, src: str, dst: str) -> None:
        self.trace = t
        kind_s, s = self.place(src, "source")
        kind_d, d = self.place(dst, "destination")
        try:
            if kind_s == "container":
                self.from_container(s, kind_d, d)
            elif kind_s == "host":
                self.from_host(s, self.destination_from_host(s, kind_d, d))
            else:
                self.from_outside(s, kind_d, d)
        except _Stop:
            pass
        if kind_s == "container" and kind_d == "container":
            # Between containers, labkit.paths has the words for the verdict (the same as the
            # drawing's and the matrix's); the walk's own are in its hops.
            r = paths.route(self.topo, s, d)
            if r.ok == t.reached:
                t.why = r.why

    def target_address(self, src: model.Container, dst: model.Container) -> str | None:
        """The address src would send to for container dst (paths' choice: a shared network's)."""
        r = paths.route(self.topo, src, dst)
        return r.address

    def destination_from_host(self, host: str, kind: str, d) -> str:
        if kind == "address":
            return d
        if kind == "host":
            if d == host:
                return "127.0.0.1"
            if self.underlay.get(d):
                return self.underlay[d]
            raise TraceError(f"host {d}'s underlay address is not known (it is in no swarm): trace to "
                             "its address instead")
        c = self.ix.namespace(d)
        if not d.running or c.mode == "none":
            self.trace.hops.append(Hop("drop", host, "host", "", self.packet(None, "?"), "nothing to send to",
                                       f"{d.name} has no address ({'not running' if not d.running else 'none mode'})"))
            self.end(False, f"{d.name} has no address to send to")
        if c.mode == "host":
            return "127.0.0.1" if c.host == host else (self.underlay.get(c.host) or "?")
        eps = self.ix.endpoints(c)
        local = [e for e in eps if e.host == host and rules.has_bridge(self.ix.network(e).driver)]
        return (local or eps)[0].address

    def from_container(self, c: model.Container, kind: str, d) -> None:
        owner = self.ix.namespace(c)
        name = f"container {c.name}"
        if not c.running:
            self.drop(c.host, name, "", self.packet(None, str(d)), "not sent",
                      f"{c.name} is not running ({c.status}): a stopped container has no network")
        if kind == "container" and d.id == c.id and d.host == c.host and owner.mode != "host":
            p = self.packet("127.0.0.1", "127.0.0.1")
            self.hop("send", c.host, name, "lo", p, "sent on the loopback", paths.itself(c))
            self.hop("deliver", c.host, name, "lo", p, "delivered")
            self.end(True, f"{c.name}'s own loopback")
        if owner.mode == "none" and not (kind == "address" and d.startswith("127.")):
            self.drop(c.host, name, "lo", self.packet(None, getattr(d, "name", d)), "not sent: no route",
                      f"{c.name} is in none mode: it has only a loopback interface")
        if kind == "container":
            target = self.ix.namespace(d)
            if not d.running:
                self.drop(c.host, name, "", self.packet(None, d.name), "not sent",
                          f"{d.name} is not running ({d.status}): it has no address")
            if target.id == owner.id and target.host == owner.host and owner.mode != "host":
                p = self.packet("127.0.0.1", "127.0.0.1")
                self.hop("send", c.host, name, "lo", p, "sent on the loopback",
                         f"{c.name} and {d.name} share one network namespace (container: mode)")
                self.hop("deliver", d.host, f"container {d.name}", "lo", p, "delivered")
                self.end(True, f"{c.name} and {d.name} share one network namespace")
            if target.mode == "none":
                self.drop(c.host, name, "", self.packet(None, d.name), "not sent",
                          f"{d.name} is in none mode: it has no address others can reach")
            address = self.target_address(c, d)
            if address is None:
                if target.mode == "host" and owner.mode != "host":
                    self.drop(c.host, name, "", self.packet(None, d.name), "not sent",
                              f"{d.name} is in host mode on host {target.host}, and {c.name} has no bridge "
                              "network of that host to reach it by")
                self.drop(c.host, name, "", self.packet(None, d.name), "not sent", f"{d.name} has no address")
            if target.mode == "host" and owner.mode == "host" and target.host == c.host:
                address = "127.0.0.1"
        elif kind == "host":
            address = self.underlay.get(d) if d != c.host else None
            if address is None and d != c.host:
                raise TraceError(f"host {d}'s underlay address is not known (it is in no swarm): trace to "
                                 "its address instead")
            if address is None:     # a container to its own host: the gateway of its network
                eps = [e for e in self.ix.endpoints(owner) if rules.has_bridge(self.ix.network(e).driver)]
                address = (eps[0].gateway or self.gateway(self.ix.network(eps[0]))) if eps else self.underlay.get(d)
                if address is None and owner.mode != "host":
                    raise TraceError(f"{c.name} is on no bridge of host {d} and the host's underlay address is "
                                     "not known (it is in no swarm): trace to an address of the host instead")
                address = address or "127.0.0.1"
        else:
            address = d
        if owner.mode == "host":
            self.hop("send", c.host, name, "", self.packet(None, address), "uses the host's network stack",
                     f"{c.name} is in host mode: it sends as host {c.host}")
            return self.from_host(c.host, address)
        if owner.mode == "none":
            if address.startswith("127."):
                p = self.packet("127.0.0.1", address)
                self.hop("send", c.host, name, "lo", p, "sent on the loopback")
                self.hop("deliver", c.host, name, "lo", p, "delivered")
                self.end(True, "its own loopback")
            self.drop(c.host, name, "lo", self.packet(None, address), "not sent: no route",
                      f"{c.name} is in none mode: it has only a loopback interface")
        if owner is not c:
            name = f"container {owner.name}"
        eps = self.ix.endpoints(owner)
        if not eps:
            self.drop(c.host, name, "", self.packet(None, address), "not sent: no route",
                      f"{c.name} is on no network (it was disconnected from all of them)")
        if address.startswith("127."):
            p = self.packet("127.0.0.1", address)
            self.hop("send", c.host, name, "lo", p, "sent on the loopback")
            self.hop("deliver", c.host, name, "lo", p, "delivered",
                     f"127.0.0.0/8 is the container's own loopback, not the host's")
            self.end(True, f"{address} is {c.name}'s own loopback")
        mine = next((e for e in eps if e.address == address), None)
        if mine is not None and kind == "container" and self.ix.namespace(d) is not owner:
            self.drop(c.host, name, "", self.packet(address, address), "not sent: its own address",
                      f"{address} is {owner.name}'s own address on {mine.network}; {d.name}'s address is "
                      f"private to host {d.host}")
        # Linux routing in the container: on-link where a subnet holds the address, else the gateway.
        onlink = next((e for e in eps if self.ix.network(e).subnet and within(address, self.ix.network(e).subnet)),
                      None)
        if onlink is not None:
            e, via = onlink, None
        else:
            e = self.gateway_endpoint(owner, eps)
            net = self.ix.network(e)
            via = e.gateway or self.gateway(net)
            if not via:
                self.drop(c.host, name, self.interface_of(owner, e), self.packet(e.address, address),
                          "not sent: no route", f"{net.name} has no gateway, so {c.name} has no default route")
        net = self.ix.network(e)
        iface = self.interface_of(owner, e)
        p = self.packet(e.address, address)
        if e.address is None:     # an overlay container's address on docker_gwbridge: not in the snapshot
            p = replace(p, src_in=net.subnet)
        if via is None:
            self.hop("send", c.host, name, iface, p, f"sent on {iface}",
                     f"{address} is on {net.name}'s subnet {net.subnet}: on-link")
        else:
            self.hop("send", c.host, name, iface, p, f"sent to the gateway {via}",
                     f"{address} is on none of {owner.name}'s subnets: the default route, via {net.name}")
        veth = f"veth of {owner.name}'s {iface}"
        self.expect = self.ix.namespace(d) if kind == "container" else None
        if rules.has_bridge(net.driver):
            return self.onto_bridge(c.host, net, p, veth, via is not None, owner, e)
        if rules.swarm_scoped(net.driver):
            return self.onto_overlay(c.host, net, p, veth, via, owner, e)
        if rules.on_parent(net.driver):
            return self.onto_macvlan(c.host, net, p, via, owner)
        self.drop(c.host, name, iface, p, "not followed", f"the walk does not follow {net.driver} networks")

    def gateway_endpoint(self, c: model.Container, eps: list[model.Endpoint]) -> model.Endpoint:
        """The endpoint of c's default route (libnetwork: a non-internal network first, then by name;
        a container on overlays only leaves by docker_gwbridge)."""
        ranked = sorted(eps, key=lambda e: (self.ix.network(e).internal, self.ix.network(e).name))
        if all(rules.swarm_scoped(self.ix.network(e).driver) for e in eps):
            gw = next((n for n in self.topo.networks if n.host == c.host and n.name == "docker_gwbridge"), None)
            if gw is not None and not all(self.ix.network(e).internal for e in eps):
                return model.Endpoint(c.name, gw.name, c.id, gw.id, f"eth{len(eps)}", None, host=c.host)
        return ranked[0]

    # -- on a bridge --------------------------------------------------------------------------------
    def onto_bridge(self, host, net, p, port_name, to_gateway, owner, e):
        """A packet from a container's veth arrives on its bridge: switched on, or up to the host."""
        br = iptables.bridge_name(net)
        if to_gateway or p.dst in self.local(host):
            self.hop("bridge", host, "host", br, p, "up to the host",
                     f"{owner.name}'s packet reaches bridge {br} through the {port_name}; it is addressed "
                     f"to the host (the gateway's MAC), so the host routes it", bridge=br)
            return self.in_host(host, p, br)
        target = self.member(net, p.dst, host)
        if target is None:
            self.drop(host, "host", br, p, "dropped: no one has the address",
                      f"no running container on {net.name} has {p.dst} (ARP gets no answer)", bridge=br)
        peer = self.container_of(target)
        if self.expect is not None and (self.expect.host, self.expect.id) != (peer.host, peer.id):
            self.drop(host, "host", br, p, f"switched to {peer.name}, not {self.expect.name}",
                      f"{p.dst} on host {host}'s {net.name} is {peer.name}; {self.expect.name}'s address is "
                      f"private to host {self.expect.host}", bridge=br)
        self.hop("bridge", host, "host", br, p, f"switched to {peer.name}'s port",
                 f"bridge {br} carries it from the {port_name} to the veth of {peer.name}'s "
                 f"{self.interface_of(peer, target)}", bridge=br)
        self.filter_forward(host, p, br, br)
        self.deliver(peer, target, p)

    def filter_forward(self, host, p, iif, oif) -> None:
        v = self.netfilter(host).run("filter", "FORWARD", p, iif, oif, self.local(host))
        chain = "filter " + " > ".join(v.chains)
        if v.target == "DROP":
            self.drop(host, "host", "", p, f"dropped by {v.chains[-1]}", v.rule.why, chain=chain, rule=v.rule.text)
        if v.rule is None:
            self.hop("rule", host, "host", "", p, "accepted by the chain's policy",
                     f"no rule of FORWARD decides ({iif} to {oif}): the policy ACCEPT lets it pass", chain=chain)
        else:
            self.hop("rule", host, "host", "", p, "accepted", v.rule.why, chain=chain, rule=v.rule.text)

    def deliver(self, c: model.Container, e: model.Endpoint, p: Packet) -> None:
        iface = self.interface_of(c, e)
        where = f"container {c.name}"
        if p.dport is None:
            self.hop("deliver", c.host, where, iface, p, "delivered")
            self.end(True, f"{c.name} gets it on {iface} ({p.dst})")
        self.hop("deliver", c.host, where, iface, p, "delivered",
                 f"whether anything listens on {p.protocol} port {p.dport} in {c.name} is not known to the walk")
        self.end(True, f"{c.name} gets it on {iface} ({p.dst}:{p.dport})")

    # -- overlay ------------------------------------------------------------------------------------
    def onto_overlay(self, host, net, p, port_name, via, owner, e):
        ns = f"overlay 1-{net.id[:10]}"
        if via is not None:
            self.drop(host, ns, "br0", p, "not followed", "an overlay's gateway is not walked")
        target = self.member(net, p.dst)
        self.hop("bridge", host, ns, "br0", p, "arrives on br0",
                 f"{owner.name}'s {self.interface_of(owner, e)} is a veth pair whose other end is on br0 "
                 f"in the overlay's namespace (MTU {net.options.get('com.docker.network.driver.mtu', OVERLAY_MTU)})",
                 bridge="br0")
        if target is None:
            self.drop(host, ns, "br0", p, "dropped: no one has the address",
                      f"no running container on overlay {net.name} has {p.dst}", bridge="br0")
        peer = self.container_of(target)
        if target.host == host:
            self.hop("bridge", host, ns, "br0", p, f"switched to {peer.name}'s port", bridge="br0")
            return self.deliver(peer, target, p)
        vni = _vni(net)
        a, b = self.underlay.get(host), self.underlay.get(target.host)
        outer = Packet("udp", a, b or "?", VXLAN_PORT)
        wrapped = replace(p, outer=outer, vni=vni)
        self.hop("encap", host, ns, "vxlan0", p, f"encapsulated in VXLAN VNI {vni} over UDP {VXLAN_PORT}",
                 f"{p.dst} is {peer.name} on host {target.host}: vxlan0 wraps the frame (VXLAN 8 + UDP 8 + "
                 f"IPv4 20 + the inner Ethernet 14 = 50 bytes, hence MTU {OVERLAY_MTU} on a 1500 underlay)")
        self.hop("underlay", host, "host", UPLINK, wrapped, f"sent out {UPLINK} to host {target.host}",
                 f"between the hosts' underlay addresses {a or '?'} and {b or '?'}")
        self.hop("underlay", target.host, "host", UPLINK, wrapped, f"arrives at host {target.host}")
        self.hop("decap", target.host, ns, "vxlan0", p, f"decapsulated (VNI {vni})",
                 f"UDP {VXLAN_PORT} goes to the overlay's vxlan0, whose VNI {vni} matches")
        self.hop("bridge", target.host, ns, "br0", p, f"switched to {peer.name}'s port", bridge="br0")
        self.deliver(peer, target, p)

    # -- macvlan ------------------------------------------------------------------------------------
    def onto_macvlan(self, host, net, p, via, owner):
        parent = net.options.get("parent") or UPLINK
        where = f"{net.driver} on {parent}"
        if via is None:
            target = self.member(net, p.dst, host)
            if target is not None:
                peer = self.container_of(target)
                self.hop("bridge", host, "host", parent, p, f"passed to {peer.name}",
                         f"{net.driver} in bridge mode passes frames between the children of {parent} "
                         "inside the kernel (a capture on the parent does not see them)", visible=False)
                return self.deliver(peer, target, p)
        if p.dst in self.local(host):
            self.drop(host, "host", parent, p, "dropped: the parent does not pass it to the host",
                      f"{net.driver}: the host does not reach its own {net.driver} children through {parent}, "
                      "nor they the host", visible=False)
        self.hop("leave", host, "host", parent, p, f"sent on {parent}'s link",
                 f"{where}: the frame goes straight onto the physical link, not through the host's stack")
        self.end(True, f"it leaves host {host} on {parent}'s link for {p.dst} (beyond that, the walk cannot see)")


def _vni(net: model.Network) -> int | None:
    text = str(net.options.get(VNI_OPTION, "")).split(",")[0]
    return int(text) if text.isdigit() else None

