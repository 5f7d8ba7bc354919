"""What a packet walk holds: the packet as seen at a hop (`Packet`), one hop (`Hop`), the whole walk
(`Trace`) and its shape for the drawing (`Way`), and the constants of the walk."""
from __future__ import annotations

from dataclasses import dataclass, field

from .. import iptables, model, rules
from ..errors import LabkitError

PROTOCOLS = ("tcp", "udp", "icmp")
VXLAN_PORT = 4789
VNI_OPTION = "com.docker.network.driver.overlay.vxlanid_list"
OVERLAY_MTU = 1450
UPLINK = "eth0"             # a host's interface to the underlay and beyond (DESIGN: every labkit host)
MAX_HOPS = 60


class TraceError(LabkitError):
    """A trace was asked for something it cannot walk (the message says what and what works)."""



@dataclass(frozen=True)
class Packet:
    """The packet as seen at one hop. `src` None: an address the snapshot does not know (an
    overlay container's address on docker_gwbridge: shown as "(an address in SUBNET)" where its
    subnet is known, else "?"). `outer`: the packet that carries this one
    (VXLAN over UDP), with `vni`."""

    protocol: str
    src: str | None
    dst: str
    dport: int | None = None
    outer: "Packet | None" = None
    vni: int | None = None
    src_in: str | None = field(default=None, repr=False, compare=False)   # src's subnet, when src is None

    def __str__(self) -> str:
        src = self.src or (f"(an address in {self.src_in})" if self.src_in else "?")
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
