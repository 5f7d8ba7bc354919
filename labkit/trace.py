"""The packet walk: where a packet from one place to another goes, hop by hop, and what happens
to it there, read from a topology snapshot.

    t = labkit.trace(lab, "web", "db", port=80)        # a Lab, a DockerClient, a Cluster, a Topology
    walk(topology, "web", "db", port=80)               # from labkit.trace: the same on a snapshot
    t.reached                                          # True
    print(t)                                           # one hop per line
    t.hops[2].action                                   # "accepted" (filter FORWARD: -A FORWARD ...)
    labkit.trace(lab, "host", "127.0.0.1", port=8080)  # docker-proxy answers the host's loopback
    labkit.trace(cluster, "host1/ca", "cb")            # VXLAN VNI 4097 over UDP 4789 between hosts

src and dst: a container's name ("HOST/NAME" where a name is on several hosts), a host's name
("host" for the only host of a single engine), or an address (an outside client as src; as dst,
whatever holds that address where the packet is: a container, a host, or the outside).

Each `Hop` says where it is (host; namespace: "container web", "host", "overlay 1-<network ID, 10
characters>" (the overlay network's namespace, as the engine names it under its exec root),
"underlay"; interface; the Linux bridge; the iptables chain and rule), the packet as seen there
(addresses, port, protocol, and for VXLAN the outer packet and its VNI), and what happened
(sent, switched, accepted, DNAT to ..., MASQUERADE as ..., encapsulated in VXLAN VNI n over UDP
4789, decapsulated, delivered, dropped by ...). What the walk knows, it reads from the snapshot;
the netfilter decisions come from evaluating the rules labkit.iptables computes for each host
(the engine's rules, one home), in the order that module lists them; routing is Linux's: on-link
over the interface whose subnet holds the destination, else the default route (a container's
gateway; a host's uplink, eth0, as on every labkit host).

What the snapshot cannot tell, the walk says it does not know: whether anything listens on a
container's port; the host side of a veth (the engine names it vethXXXXXXX: "veth of web's eth0");
the address an overlay container has on docker_gwbridge; what lies beyond a host's uplink (an
address no host and no container holds: the walk follows the packet until it leaves the host,
and counts that as reached). The hosts' underlay addresses come from `docker info` (Swarm
NodeAddr), so hosts outside a swarm are "the host's own address" in the walk.
Not walked: IPv6, swarm's ingress routing mesh and service VIPs (IPVS), ipvlan, encrypted overlays.

`labkit.trace` (the package's face) takes the snapshot of what it is given and walks it here:
this module is pure, a function of a snapshot and of the hosts' underlay addresses.
On a real engine in labkit's hosts, the hops that show `visible` are what tcpdump sees on that
interface in that namespace (tests/test_trace_capture.py captures them there and compares).
"""
from __future__ import annotations

import ipaddress
import shlex
from dataclasses import dataclass, field, replace

from . import iptables, model, paths, rules
from .errors import LabkitError

PROTOCOLS = ("tcp", "udp", "icmp")
VXLAN_PORT = 4789
VNI_OPTION = "com.docker.network.driver.overlay.vxlanid_list"
OVERLAY_MTU = 1450
UPLINK = "eth0"             # a host's interface to the underlay and beyond (DESIGN: every labkit host)
MAX_HOPS = 60
LOOPBACK = ipaddress.ip_network("127.0.0.0/8")


class TraceError(LabkitError):
    """A trace was asked for something it cannot walk (the message says what and what works)."""


# -- what a hop holds ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Packet:
    """The packet as seen at one hop. `src` None: an address the snapshot does not know (an
    overlay container's address on docker_gwbridge). `outer`: the packet that carries this one
    (VXLAN over UDP), with `vni`."""

    protocol: str
    src: str | None
    dst: str
    dport: int | None = None
    outer: "Packet | None" = None
    vni: int | None = None
    src_in: str | None = field(default=None, repr=False, compare=False)   # src's subnet, when src is None

    def __str__(self) -> str:
        src = self.src or "?"
        dst = f"{self.dst}:{self.dport}" if self.dport is not None else self.dst
        inner = f"{self.protocol} {src} -> {dst}"
        if self.outer is not None:
            return f"{self.outer} VXLAN VNI {self.vni} [{inner}]"
        return inner

    @property
    def encapsulation(self) -> str:
        """"" or "VXLAN VNI n over UDP 4789"."""
        return f"VXLAN VNI {self.vni} over UDP {self.outer.dport}" if self.outer is not None else ""


@dataclass(frozen=True)
class Hop:
    """One place a packet passes and what happened to it there."""

    kind: str             # send, bridge, rule, nat, route, proxy, encap, underlay, decap, deliver, drop, leave
    host: str             # the host it is on ("" between hosts or outside)
    namespace: str        # "container web", "host", "overlay 1-...", "underlay", "outside"
    interface: str        # eth0, br-..., br0, vxlan0, lo, "veth of web's eth0", ... ("" for a rule)
    packet: Packet
    action: str           # what happened, in a few words
    why: str = ""         # why, in the learner's words
    bridge: str = ""      # the Linux bridge it crosses
    chain: str = ""       # "filter FORWARD > DOCKER-ISOLATION-STAGE-1", "nat DOCKER", ...
    rule: str = ""        # the rule that decided, as `iptables -S` prints it
    visible: bool = False  # tcpdump on this interface, in this namespace, sees the packet as shown

    @property
    def where(self) -> str:
        if self.chain:
            place = f"iptables {self.chain}"
        else:
            place = " ".join(x for x in (self.namespace, self.interface) if x)
        return f"{self.host} {place}" if self.host else place

    @property
    def dropped(self) -> bool:
        return self.kind == "drop"

    def line(self) -> str:
        extra = f": {self.rule}" if self.rule else ""
        why = f" ({self.why})" if self.why else ""
        return f"{self.where} | {self.packet} | {self.action}{extra}{why}"


@dataclass
class Trace:
    """The walk of one packet: `hops` in order, `reached` (the packet got to dst, or left the
    host for the outside), `why` (the last word: where it stops and why, or what it reached)."""

    source: str
    target: str
    protocol: str
    port: int | None
    hops: list[Hop] = field(default_factory=list)
    reached: bool = False
    why: str = ""
    topology: model.Topology | None = field(default=None, repr=False, compare=False)
    underlay: dict = field(default_factory=dict, repr=False, compare=False)   # {host: underlay address}

    @property
    def stop(self) -> Hop | None:
        """The hop where the packet was dropped (None when it was not)."""
        return next((h for h in self.hops if h.dropped), None)

    @property
    def head(self) -> str:
        what = self.protocol + (f"/{self.port}" if self.port is not None else "")
        verdict = "reached" if self.reached else "not reached"
        return f"trace {self.source} -> {self.target} ({what}): {verdict}: {self.why}"

    def text(self) -> str:
        """One line per hop: where | the packet there | what happened (rule) (why)."""
        width = len(str(len(self.hops)))
        return "\n".join([self.head] + [f"{i:>{width}}. {h.line()}" for i, h in enumerate(self.hops, 1)])

    __str__ = text

    def __repr__(self) -> str:
        width = len(str(len(self.hops)))
        lines = [self.head]
        for i, h in enumerate(self.hops, 1):
            lines.append(f"{i:>{width}}. {h.where}: {h.action}")
        return "\n".join(lines)

    def places(self) -> list:
        """The containers, networks and hosts the packet passes, in order (for the drawing); the
        host whose rule dropped it last, when one did."""
        if self.topology is None:
            return []
        out: list = []
        by_bridge = {(n.host, iptables.bridge_name(n)): n for n in self.topology.networks
                     if rules.has_bridge(n.driver)}
        overlays = {f"overlay 1-{n.id[:10]}": n for n in self.topology.networks if rules.swarm_scoped(n.driver)}
        hosts = {h.name: h for h in self.topology.hosts}
        for h in self.hops:
            if (h.kind in ("rule", "nat") or h.interface == "docker-proxy" or not h.host) and not (
                    h.dropped and h.chain):
                continue
            place = None
            if h.namespace.startswith("container "):
                try:
                    place = self.topology.container(h.namespace.split(" ", 1)[1], h.host)
                except KeyError:
                    place = None
            elif h.bridge and (h.host, h.bridge) in by_bridge:
                place = by_bridge[(h.host, h.bridge)]
            elif h.namespace in overlays:
                place = overlays[h.namespace]
            elif h.namespace == "host":
                place = hosts.get(h.host) or model.Host(h.host)
            if place is not None and (not out or out[-1] != place):
                out.append(place)
        return out

    def way(self) -> "Way":
        """The walk as the drawing highlights a route: places, the links between them, where it stops."""
        places = tuple(self.places())
        return Way(_Named(self.source), _Named(self.target), self.reached, self.why, places,
                   tuple((a, b, None) for a, b in zip(places, places[1:])),
                   places[-1] if places and not self.reached else None, head=self.head)


@dataclass(frozen=True)
class _Named:
    name: str


@dataclass(frozen=True)
class Way:
    """A trace in the shape of a labkit.paths.Route (what labkit.drawing.highlight marks)."""

    source: _Named
    target: _Named
    ok: bool
    why: str
    places: tuple
    links: tuple
    stop: object = None
    blocked: object = None
    head: str = ""

    @property
    def verdict(self) -> str:
        return "reached" if self.ok else "not reached"

    def __str__(self) -> str:
        return self.head


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


# -- netfilter: the rules of labkit.iptables, evaluated ------------------------------------------
@dataclass(frozen=True)
class _Rule:
    table: str
    chain: str
    text: str
    why: str
    conditions: tuple      # ((option, value, negated), ...)
    target: str
    to: str = ""           # DNAT's --to-destination

    @classmethod
    def parse(cls, r: iptables.Rule) -> "_Rule":
        words = shlex.split(r.text)
        conditions, target, to, negate = [], "", "", False
        i = 2   # "-A CHAIN"
        while i < len(words):
            w = words[i]
            if w == "!":
                negate = True
                i += 1
                continue
            if w == "-j":
                target = words[i + 1]
                i += 2
            elif w == "--to-destination":
                to = words[i + 1]
                i += 2
            elif w == "-m":
                if words[i + 1] in ("addrtype", "conntrack"):
                    conditions.append((words[i + 2], words[i + 3], negate))
                    i += 4
                else:
                    i += 2      # -m tcp / -m udp: the protocol's own match, nothing more
            else:
                conditions.append((w, words[i + 1], negate))
                i += 2
            negate = False
        return cls(r.table, r.chain, r.text, r.why, tuple(conditions), target, to)

    def matches(self, pkt: Packet, iif: str | None, oif: str | None, local: set[str]) -> bool:
        for option, value, negated in self.conditions:
            if option == "-i":
                hit = iif == value
            elif option == "-o":
                hit = oif == value
            elif option in ("-s", "-d"):
                address = pkt.src if option == "-s" else pkt.dst
                if address is None and option == "-s" and pkt.src_in:   # unknown, but within src_in
                    net = ipaddress.ip_network(pkt.src_in, strict=False)
                    hit = net.subnet_of(ipaddress.ip_network(value, strict=False))
                else:
                    hit = address is not None and _within(address, value)
            elif option == "-p":
                hit = pkt.protocol == value
            elif option == "--dport":
                hit = pkt.dport is not None and str(pkt.dport) == value
            elif option == "--dst-type":
                hit = value == "LOCAL" and pkt.dst in local
            elif option == "--ctstate":
                hit = False     # the walk follows a connection's first packet: state NEW
            else:
                hit = False
            if hit == negated:
                return False
        return True


def _within(address: str, cidr: str) -> bool:
    try:
        return ipaddress.ip_address(address) in ipaddress.ip_network(cidr, strict=False)
    except ValueError:
        return False


@dataclass(frozen=True)
class _Verdict:
    target: str                  # ACCEPT, DROP, DNAT, MASQUERADE, or "" (the chain's policy)
    rule: _Rule | None
    chains: tuple[str, ...]      # the chains passed to get there


class _Netfilter:
    def __init__(self, rules: list[iptables.Rule]):
        self.chains: dict[tuple[str, str], list[_Rule]] = {}
        for r in rules:
            p = _Rule.parse(r)
            self.chains.setdefault((p.table, p.chain), []).append(p)
        # labkit.iptables lists a chain's closing `-j RETURN` before the rules of each network;
        # the engine keeps it last, where it takes effect.
        for chain in self.chains.values():
            chain.sort(key=lambda r: r.target == "RETURN" and not r.conditions)

    def run(self, table: str, chain: str, pkt: Packet, iif, oif, local) -> _Verdict:
        found = self._run(table, chain, pkt, iif, oif, local, (chain,))
        return found or _Verdict("", None, (chain,))

    def _run(self, table, chain, pkt, iif, oif, local, trail) -> _Verdict | None:
        if len(trail) > 8:
            return None
        for r in self.chains.get((table, chain), []):
            if not r.matches(pkt, iif, oif, local):
                continue
            if r.target == "RETURN":
                return None
            if (table, r.target) in self.chains:
                found = self._run(table, r.target, pkt, iif, oif, local, trail + (r.target,))
                if found is not None:
                    return found
                continue
            return _Verdict(r.target, r, trail)
        return None

    def dnat_targets(self, protocol: str, port: int) -> list[_Rule]:
        """The DNAT rules for a published host port (what docker-proxy also forwards)."""
        return [r for r in self.chains.get(("nat", "DOCKER"), []) if r.target == "DNAT"
                and ("-p", protocol, False) in r.conditions and ("--dport", str(port), False) in r.conditions]


# -- the walk --------------------------------------------------------------------------------------
class _Stop(Exception):
    """The walk ends here (reached or not)."""


def _first_host(subnet: str) -> str | None:
    try:
        return str(next(ipaddress.ip_network(subnet, strict=False).hosts()))
    except (ValueError, StopIteration):
        return None


class _Walk:
    def __init__(self, topo: model.Topology, underlay: dict[str, str], protocol: str, port: int | None):
        self.topo = topo
        self.ix = paths._Index(topo)
        self.underlay = dict(underlay)
        self.protocol = protocol
        self.port = port
        self.trace: Trace | None = None
        self.expect: model.Container | None = None    # the container a packet is meant for
        self._netfilter: dict[str, _Netfilter] = {}
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
    def netfilter(self, host: str) -> _Netfilter:
        if host not in self._netfilter:
            self._netfilter[host] = _Netfilter(iptables.rules(self.topo, host=host))
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
        onlink = next((e for e in eps if self.ix.network(e).subnet and _within(address, self.ix.network(e).subnet)),
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
            if _within(address, n.subnet):
                return iptables.bridge_name(n), n
        for n in self.topo.networks:
            if n.host == host and not rules.has_bridge(n.driver) and n.subnet and _within(address, n.subnet):
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
            if bound is not None and not _within(p.dst, bound):
                continue
            ip, _, port = r.to.rpartition(":")
            net = next((n for n in self.bridges(host) if _within(ip, n.subnet)), None)
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
            net = next((n for n in self.bridges(host) if _within(addr, n.subnet)), None)
            if net is not None:
                self.drop(host, "host", UPLINK, p, "lost: no route to a private address",
                          f"{addr} is on {net.name}, a bridge private to host {host}: from outside, reach a "
                          "container through a published port of its host")
        self.hop("underlay", host, "host", UPLINK, p, f"arrives at host {host}", f"on its uplink {UPLINK}")
        self.in_host(host, p, UPLINK)

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


__all__ = ["walk", "Trace", "Hop", "Packet", "TraceError", "VXLAN_PORT", "OVERLAY_MTU"]

