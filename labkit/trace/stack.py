"""The host's own network stack in the walk: nat PREROUTING/OUTPUT (DNAT), the host's routes, filter
FORWARD, nat POSTROUTING (MASQUERADE), what answers the host's own addresses (docker-proxy, a
host-mode container, nothing), the uplink to the underlay, and packets that start on a host or
outside. A part of the walk (labkit.trace.walker's _Walk inherits it)."""
from __future__ import annotations

from dataclasses import replace

from .. import iptables, model, rules
from .hops import UPLINK, Packet, TraceError
from .netfilter import within


class HostStack:
    """The host's side of the walk (its methods use the walk's recording and facts)."""

    # -- the host's own stack ------------------------------------------------------------------------
    def in_host(self, host: str, p: Packet, iif: str | None) -> None:
        """The host's namespace handles a packet: arrived on iif, or sent by the host itself (None)."""
        nf, local = self.netfilter(host), self.local(host)
        chain = "OUTPUT" if iif is None else "PREROUTING"
        v = nf.run("nat", chain, p, iif, None, local)
        if v.target == "DNAT":
            ip, _, port = v.rule.to.rpartition(":")
            new = replace(p, dst=ip, dport=int(port) if port else p.dport)
            self.hop("nat", host, "host", "", p, f"DNAT to {v.rule.to}", v.rule.why,
                     chain="nat " + " > ".join(v.chains), rule=v.rule.text)
            p = new
        if p.dst in local or p.dst.startswith("127."):
            return self.host_answers(host, p, iif)
        oif, net = self.host_route(host, p.dst)
        if oif is None and rules.swarm_scoped(net.driver):
            self.drop(host, "host", "", p, "dropped: no route",
                      f"host {host} has no route to {p.dst}: {net.name} is an overlay, and only containers "
                      "attached to it reach its addresses")
        if oif is None:
            parent = net.options.get("parent") or UPLINK
            self.drop(host, "host", parent, p, "dropped: the parent does not pass it to its children",
                      f"{p.dst} is on {net.driver} network {net.name}: the host does not reach its own "
                      f"{net.driver} children through {parent}, nor they the host", visible=False)
        if p.src is None and iif is None:
            p = replace(p, src=self.gateway(net) if net is not None else self.underlay.get(host))
        if iif is not None:
            self.filter_forward(host, p, iif, oif)
        post = nf.run("nat", "POSTROUTING", p, iif, oif, local)
        if post.target == "MASQUERADE":
            out = (self.gateway(net) if net is not None else self.underlay.get(host)) or None
            self.hop("nat", host, "host", "", p, f"MASQUERADE as {out or f'{host} own address on {oif}'}",
                     post.rule.why, chain="nat " + " > ".join(post.chains), rule=post.rule.text)
            p = replace(p, src=out, src_in=None)
        if net is not None:
            return self.out_bridge(host, net, p)
        return self.out_uplink(host, p)

    def host_route(self, host: str, address: str):
        """(the interface, its network) the host sends address out of; (None, overlay) for an
        overlay's address (the host is not on it); (eth0, None) for the underlay and beyond."""
        for n in self.bridges(host):
            if within(address, n.subnet):
                return iptables.bridge_name(n), n
        for n in self.topo.networks:
            if n.host == host and not rules.has_bridge(n.driver) and n.subnet and within(address, n.subnet):
                return None, n
        return UPLINK, None

    def out_bridge(self, host: str, net: model.Network, p: Packet) -> None:
        br = iptables.bridge_name(net)
        target = self.member(net, p.dst, host)
        if target is None:
            self.drop(host, "host", br, p, "dropped: no one has the address",
                      f"no running container on {net.name} has {p.dst} (ARP gets no answer)", bridge=br)
        peer = self.container_of(target)
        self.hop("bridge", host, "host", br, p, f"sent out {br} to {peer.name}'s port",
                 f"host {host} routes {net.subnet} to bridge {br}", bridge=br)
        self.deliver(peer, target, p)

    def host_answers(self, host: str, p: Packet, iif: str | None) -> None:
        """The packet is for the host itself (INPUT): it answers, docker-proxy takes it, or nothing listens."""
        iface = "lo" if p.dst.startswith("127.") or iif is None else iif
        hostmode = sorted(c.name for c in self.topo.containers
                          if c.host == host and c.running and self.ix.namespace(c).mode == "host")
        if p.dport is None:
            self.hop("deliver", host, "host", iface, p, "delivered to the host",
                     f"{p.dst} is host {host}'s own address")
            self.end(True, f"host {host} answers at {p.dst}")
        nf = self.netfilter(host)
        for r in nf.dnat_targets(p.protocol, p.dport):
            bound = next((v for o, v, neg in r.conditions if o == "-d" and not neg), None)
            if bound is not None and not within(p.dst, bound):
                continue
            ip, _, port = r.to.rpartition(":")
            net = next((n for n in self.bridges(host) if within(ip, n.subnet)), None)
            if net is None:
                continue
            if iif is None and p.dst.startswith("127."):
                reason = "the host's own loopback: the nat OUTPUT rule excludes 127.0.0.0/8, so no DNAT"
            elif iif is None:
                reason = "no DNAT rule matched"
            elif iif != UPLINK:
                reason = f"from a bridge: the nat DOCKER chain returns traffic that comes in from {iif}"
            else:
                reason = "no DNAT rule matched"
            self.hop("proxy", host, "host", iface, p, f"accepted by docker-proxy for {ip}:{port}",
                     f"docker-proxy listens on {bound.split('/')[0] if bound else '0.0.0.0'}:{p.dport} ({reason})")
            gw = self.gateway(net)
            new = Packet(p.protocol, gw, ip, int(port))
            self.hop("proxy", host, "host", "docker-proxy", new, f"docker-proxy connects to {ip}:{port}",
                     f"a new connection, from the host's address on {net.name}")
            return self.out_bridge(host, net, new)
        published = [str(x) for c in self.topo.containers if c.host == host and c.running for x in c.ports
                     if x.host_port == p.dport and x.protocol == p.protocol]
        if hostmode and not published:
            self.hop("deliver", host, "host", iface, p, "delivered to the host's stack",
                     f"host-mode containers ({', '.join(hostmode)}) listen there if they listen at all")
            self.end(True, f"host {host}'s own stack at {p.dst}:{p.dport}")
        why = (f"nothing of Docker's listens on {p.dst}:{p.dport}" +
               (f": the port is published on {', '.join(published)} only" if published else
                f" (no container publishes {p.protocol} port {p.dport}); the connection is refused"))
        self.drop(host, "host", iface, p, "refused: nothing listens", why)

    def out_uplink(self, host: str, p: Packet) -> None:
        self.hop("underlay", host, "host", UPLINK, p, f"sent out {UPLINK}",
                 f"{p.dst} is on none of host {host}'s bridges: the uplink")
        other = self.host_of_address(p.dst)
        if other is not None and other != host:
            self.hop("underlay", other, "host", UPLINK, p, f"arrives at host {other}",
                     f"{p.dst} is host {other}'s underlay address")
            return self.in_host(other, p, UPLINK)
        owner = next((e for e in self.topo.endpoints if e.address == p.dst and e.host != host), None)
        if owner is not None:
            self.drop(host, "host", UPLINK, p, "lost beyond the host",
                      f"{p.dst} is {owner.container}'s address on {owner.network}, private to host {owner.host}: "
                      "nothing on the underlay routes it there")
        self.hop("leave", "", "outside", "", p, "leaves the host",
                 f"beyond host {host} the walk cannot see")
        self.end(True, f"it leaves host {host} for {p.dst} (beyond that, the walk cannot see)")

    def from_host(self, host: str, address: str) -> None:
        p = self.packet(None, address)
        if address.startswith("127.") or address in self.local(host):
            p = replace(p, src=address)
            self.hop("send", host, "host", "lo", p, "sent", f"{address} is host {host}'s own address")
            return self.in_host(host, p, None)
        oif, net = self.host_route(host, address)
        src = self.gateway(net) if net is not None and rules.has_bridge(net.driver) else self.underlay.get(host)
        self.hop("send", host, "host", "", replace(p, src=src), "sent",
                 f"from host {host}'s own network stack")
        return self.in_host(host, replace(p, src=src), None)

    def from_outside(self, address: str, kind: str, d) -> None:
        own = self.host_of_address(address)
        if own is not None:
            dst = self.destination_from_host(own, kind, d) if kind != "host" or d != own else "127.0.0.1"
            return self.from_host(own, dst)
        if kind == "container":
            c = self.ix.namespace(d)
            eps = self.ix.endpoints(c)
            addr = eps[0].address if eps else None
            host = d.host
            if c.mode == "host":
                addr = self.underlay.get(host)
            if addr is None:
                self.drop("", "outside", "", self.packet(address, d.name), "not sent",
                          f"{d.name} has no address an outside client can use")
        elif kind == "host":
            host, addr = d, self.underlay.get(d)
            if addr is None:
                raise TraceError(f"host {d}'s underlay address is not known (it is in no swarm): trace to "
                                 "its address instead")
        else:
            addr = d
            host = self.host_of_address(d)
            if host is None:
                owner = next((e for e in self.topo.endpoints if e.address == d), None)
                if owner is None:
                    raise TraceError(f"{d} is no address of these hosts or their containers: a walk from "
                                     "outside starts at one of them")
                host = owner.host
        p = self.packet(address, addr)
        self.hop("underlay", "", "underlay", "", p, f"sent to host {host}", f"from {address}, outside the hosts")
        if addr != self.underlay.get(host):
            net = next((n for n in self.bridges(host) if within(addr, n.subnet)), None)
            if net is not None:
                self.drop(host, "host", UPLINK, p, "lost: no route to a private address",
                          f"{addr} is on {net.name}, a bridge private to host {host}: from outside, reach a "
                          "container through a published port of its host")
        self.hop("underlay", host, "host", UPLINK, p, f"arrives at host {host}", f"on its uplink {UPLINK}")
        self.in_host(host, p, UPLINK)
