"""Where a packet goes: the route from one container to another, read from a topology snapshot.

    r = paths.route(topology, "web", "db")    # a Route: pure reasoning, no engine calls
    r.ok, r.why                                # True, "web and db share network back"
    str(r)                                     # web -> db: reachable over network back: ...
    paths.resolves(topology, "web", "db")      # (True, "on network back, Docker's DNS answers db")

The rules are Docker's, as far as a snapshot can tell them (it holds no firewall and no processes):
- Two containers reach each other directly over a network they are both on: a bridge of one host,
  an overlay across the hosts it spans, a macvlan or ipvlan; an internal network still carries
  traffic between its own members. A bridge with inter-container traffic off
  (com.docker.network.bridge.enable_icc=false) carries none between containers.
- Anything else leaves by the container's gateway, chosen as libnetwork does (a non-internal
  network first, then by network name), and is dropped at the host: between two bridge networks by
  the engine's isolation rules; into or out of an internal network; across hosts unless an overlay
  joins them.
- Host mode: the container is its host. It reaches every container on a bridge of that host
  directly (the host has an address on every bridge), not those on macvlan, ipvlan or overlay
  networks. Other containers reach it at the host's address on their bridge (their gateway).
- None mode: a loopback interface only. `container:X` mode: X's network namespace.
- A container reaches itself (by name, by its own address, at 127.0.0.1) over its own loopback,
  whatever its mode.
- A stopped container has no endpoint, so no address.
- Names: Docker's embedded DNS answers container names on user-defined networks only, and only
  for containers on a network the asker is on. The default bridge has no such names; host-mode and
  none-mode containers use the host's resolver, which knows no container names.
- Ports: a snapshot cannot see what listens. `route(..., port=P, listening=False)` (what a real
  probe found) makes the route stop at the target, "nothing listens on tcp port P".

Containers are named as in the snapshot; on several hosts write "HOST/NAME" where a name is not
unique (container names cannot contain "/").
"""
from __future__ import annotations

from dataclasses import dataclass, field

from . import model, rules
from .errors import LabkitError

Place = model.Container | model.Network | model.Host
# Why a packet stops, in short words that the panel, Lab's probes, the matrix and the drawn path
# all use (labkit.verdicts): Route.reason is one of these ("" when it gets through).
NOT_RUNNING, NO_NETWORK, NO_SHARED_NETWORK, INTERNAL = "not running", "no network", "no shared network", "internal network"
OTHER_HOST, NOTHING_LISTENING, NO_NAME = "on another host", "nothing listening", "name did not resolve"
ICC_OFF, NO_SUCH_ADDRESS, FILTERED = "inter-container traffic off", "no such address", "filtered"
REASONS = (NOT_RUNNING, NO_NETWORK, NO_SHARED_NETWORK, INTERNAL, OTHER_HOST, NOTHING_LISTENING, NO_NAME,
           ICC_OFF, NO_SUCH_ADDRESS, FILTERED)


class UnknownContainer(LabkitError):
    """A route or probe names a container that the snapshot does not hold (or holds twice)."""

    def __init__(self, name: str, problem: str, known: list[str]):
        self.name = name
        shown = ", ".join(known[:12]) + (", ..." if len(known) > 12 else "")
        super().__init__(f"{problem}; the containers are: {shown or 'none'}")


@dataclass(frozen=True)
class Route:
    """The way a packet from `source` to `target` takes, as far as it gets.

    `places`: the containers, networks and hosts it passes, in order (the drawing's nodes).
    `links`: the pairs of places it crosses between (the drawing's edges), with the endpoint used
    where the link is one (container to network). `stop`: where it is dropped (None when ok), and
    `blocked`: the network it could not enter, if that is the reason.
    """

    source: model.Container
    target: model.Container
    ok: bool
    why: str
    address: str | None = None          # where the packet is sent: the target's address used
    places: tuple = ()
    links: tuple = ()                   # ((place, place, endpoint or None), ...)
    stop: Place | None = None
    blocked: model.Network | None = None
    port: int | None = None
    protocol: str = "tcp"
    reason: str = ""                    # why it stops, in the words every probe uses (REASONS)

    @property
    def verdict(self) -> str:
        if self.ok:
            return "reachable"
        return f"stops at {describe(self.stop)}" if self.stop is not None else "unreachable"

    def steps(self) -> list[str]:
        """The way in words: one line per place, with the interface and address it is crossed by."""
        out = []
        for i, place in enumerate(self.places):
            line = describe(place)
            via = [ep for a, b, ep in self.links if ep is not None and place in (a, b)]
            if isinstance(place, model.Container) and via:
                ep = via[0] if i == 0 else via[-1]
                line += f" ({_iface(ep)})"
            out.append(line)
        return out

    def __str__(self) -> str:
        head = f"{self.source.name} -> {self.target.name}"
        if self.port is not None:
            head += f":{self.port}/{self.protocol}"
        way = " -> ".join(self.steps())
        return f"{head}: {self.verdict}: {self.why}" + (f" [{way}]" if way else "")


def itself(c: model.Container) -> str:
    """Why a container reaches itself, in the words the panel, Lab's probes, the matrix, the drawn
    path and the packet walk use."""
    if c.mode == "host":
        return f"{c.name} reaches itself over host {c.host}'s loopback (host mode: the host's network stack)"
    return f"{c.name} reaches itself over its own loopback: the packet never leaves the container"


def describe(place: Place | None) -> str:
    if isinstance(place, model.Container):
        return f"container {place.name}"
    if isinstance(place, model.Network):
        return f"network {place.name}"
    if isinstance(place, model.Host):
        return f"host {place.name}"
    return "nowhere"


def _iface(ep: model.Endpoint) -> str:
    return " ".join(x for x in (ep.interface, ep.ipv4) if x) or "no address"


# -- looking things up -----------------------------------------------------------------------------
class _Index:
    """The snapshot indexed for the questions below (built once per call; snapshots are small)."""

    def __init__(self, topo: model.Topology):
        self.topo = topo
        self.networks = {(n.host, n.id): n for n in topo.networks}
        self.by_container: dict[tuple[str, str], list[model.Endpoint]] = {}
        for e in topo.endpoints:
            self.by_container.setdefault((e.host, e.container_id), []).append(e)
        self.hosts = {h.name: h for h in topo.hosts}

    def host(self, name: str) -> model.Host:
        return self.hosts.get(name) or model.Host(name)

    def container(self, ref) -> model.Container:
        if isinstance(ref, model.Container):
            return ref
        ref = getattr(ref, "name", ref)
        host, _, name = str(ref).rpartition("/")
        try:
            return self.topo.container(name, host or None)
        except KeyError as e:
            known = sorted({c.name if sum(x.name == c.name for x in self.topo.containers) == 1
                            else f"{c.host}/{c.name}" for c in self.topo.containers})
            raise UnknownContainer(str(ref), str(e.args[0]), known) from None

    def network(self, ep: model.Endpoint) -> model.Network:
        return self.networks.get((ep.host, ep.network_id)) or model.Network(ep.network_id, ep.network, "", host=ep.host)

    def namespace(self, c: model.Container) -> model.Container:
        """Whose network namespace c uses: its own, or X's for `container:X` (followed)."""
        seen = set()
        while c.mode == "container" and c.id not in seen:
            seen.add(c.id)
            ref = c.network_mode.partition(":")[2]
            other = next((x for x in self.topo.containers if x.host == c.host and
                          (x.id == ref or x.name == ref or (len(ref) >= 12 and x.id.startswith(ref)))), None)
            if other is None:
                break
            c = other
        return c

    def endpoints(self, c: model.Container) -> list[model.Endpoint]:
        """c's endpoints with an address (not host, none), eth0 first (its join order when known,
        else the network it was started on, then by network name)."""
        eps = [e for e in self.by_container.get((c.host, c.id), []) if e.ipv4]
        first = "bridge" if c.network_mode == "default" else c.network_mode

        def order(e: model.Endpoint):
            if e.interface and e.interface.startswith("eth") and e.interface[3:].isdigit():
                return (0, int(e.interface[3:]), e.network)
            return (1, 0 if e.network == first else 1, e.network)
        return sorted(eps, key=order)

    def same_network(self, a: model.Endpoint, b: model.Endpoint) -> bool:
        if a.network_id != b.network_id:
            return False
        return a.host == b.host or self.network(a).scope == "swarm"


def first_address(topo: model.Topology, container) -> str | None:
    """The address a peer tries when it knows no name for the container: its first network's."""
    ix = _Index(topo)
    eps = ix.endpoints(ix.namespace(ix.container(container)))
    return eps[0].address if eps else None


# -- routes ------------------------------------------------------------------------------------------
def route(topo: model.Topology, source, target, port: int | None = None, protocol: str = "tcp",
          listening: bool | None = None, address: str | None = None) -> Route:
    """The route a packet from container `source` to container `target` takes, or where and why it
    stops. `address`: the target's address to use (default: one on a network they share, else its
    first). `port` and `listening` (what a probe found: None when unknown) add the last step."""
    ix = _Index(topo)
    src, dst = ix.container(source), ix.container(target)
    r = _route(ix, src, dst, address)
    if port is None:
        return r
    extra = dict(port=int(port), protocol=protocol)
    if not r.ok:
        return _replace(r, **extra)
    if listening is False:
        return _replace(r, ok=False, reason=NOTHING_LISTENING,
                        why=f"{r.why}, but nothing listens on {protocol} port {port} in {dst.name}",
                        stop=dst, **extra)
    known = "and something listens there" if listening else "(whether anything listens is not known)"
    return _replace(r, why=f"{r.why}, {protocol} port {port} {known}", **extra)


def _replace(r: Route, **changes) -> Route:
    from dataclasses import replace
    return replace(r, **changes)


def _route(ix: _Index, src: model.Container, dst: model.Container, address: str | None) -> Route:
    def stop(why, places, links=(), at=None, blocked=None, addr=None, reason=NO_SHARED_NETWORK):
        return Route(src, dst, False, why, addr, tuple(places), tuple(links), at, blocked, reason=reason)

    if not src.running:
        return stop(f"{src.name} is not running ({src.status}): a stopped container has no network",
                    [src], at=src, reason=NOT_RUNNING)
    if not dst.running:
        return stop(f"{dst.name} is not running ({dst.status}): it has no address", [src, dst], at=dst,
                    reason=NOT_RUNNING)
    if src.id == dst.id and src.host == dst.host:
        # A probe of oneself (by name, address or 127.0.0.1) never leaves the container, in any mode.
        return Route(src, dst, True, itself(src), address or "127.0.0.1", (src,))
    a, b = ix.namespace(src), ix.namespace(dst)
    if a.mode == "none":
        return stop(f"{src.name} is in none mode: it has only a loopback interface", [src], at=src,
                    reason=NO_NETWORK)
    if b.mode == "none":
        return stop(f"{dst.name} is in none mode: it has no address others can reach", [src, dst], at=dst,
                    reason=NO_NETWORK)
    if a.id == b.id and a.host == b.host:
        return Route(src, dst, True, f"{src.name} and {dst.name} share one network namespace "
                     "(container: mode): they meet on its loopback", "127.0.0.1", (src, dst),
                     ((src, dst, None),))
    head = [src] if a is src else [src, a]
    head_links = [] if a is src else [(src, a, None)]
    tail = [dst] if b is dst else [b, dst]
    tail_links = [] if b is dst else [(b, dst, None)]
    eps_a, eps_b = ix.endpoints(a), ix.endpoints(b)
    host_a, host_b = ix.host(a.host), ix.host(b.host)

    def done(why, middle, links, addr):
        return Route(src, dst, True, why, addr, tuple(head + middle + tail),
                     tuple(head_links + links + tail_links))

    if a.mode == "host" and b.mode == "host":
        if a.host == b.host:
            return done(f"both use host {a.host}'s own network stack", [host_a], [(a, host_a, None), (host_a, b, None)],
                        "127.0.0.1")
        return done(f"both use their host's network stack: hosts {a.host} and {b.host} meet on the underlay",
                    [host_a, host_b], [(a, host_a, None), (host_a, host_b, None), (host_b, b, None)], None)

    if a.mode == "host":
        targets = [e for e in eps_b if address in (None, e.address)]
        for e in targets:
            net = ix.network(e)
            if e.host == a.host and net.driver == "bridge":
                return done(f"{src.name} is in host mode, and host {a.host} is on every bridge network: "
                            f"it reaches {net.name} directly", [host_a, net],
                            [(a, host_a, None), (host_a, net, None), (net, b, e)], e.address)
        if not targets:
            return stop(f"{dst.name} has no address{' ' + address if address else ''} to send to",
                        head + [host_a], head_links + [(a, host_a, None)], at=dst, reason=NO_SUCH_ADDRESS)
        e = targets[0]
        net = ix.network(e)
        if e.host != a.host:
            why, reason = (f"{dst.name} is on host {e.host}; from host {a.host} its address on {net.name} is "
                           "private to that host"), OTHER_HOST
        else:
            why, reason = (f"host mode reaches only the bridge networks of its host; {net.name} is a "
                           f"{net.driver} network, which the host itself is not on"), NO_SHARED_NETWORK
        return stop(why, head + [host_a], head_links + [(a, host_a, None)], at=host_a, blocked=net,
                    addr=e.address, reason=reason)

    if not eps_a:
        return stop(f"{src.name} is on no network (it was disconnected from all of them)", [src], at=src,
                    reason=NO_NETWORK)

    if b.mode == "host":
        # The host answers on its address on each bridge: the gateway of the container's network.
        for e in eps_a:
            net = ix.network(e)
            if e.host == b.host and net.driver == "bridge" and (net.gateway or e.gateway):
                gw = e.gateway or net.gateway
                return done(f"{dst.name} is in host mode: it answers at host {b.host}'s address on "
                            f"{net.name}, {gw} (the gateway of {src.name})", [net, host_b],
                            [(a, net, e), (net, host_b, None), (host_b, b, None)], gw)
        return stop(f"{dst.name} is in host mode on host {b.host}, and {src.name} has no bridge network "
                    f"of that host to reach it by", head, head_links, at=src)

    if not eps_b:
        return stop(f"{dst.name} is on no network: it has no address", head + tail, head_links, at=dst,
                    reason=NO_NETWORK)

    # Both are on networks: a network they share carries the packet directly.
    targets = [e for e in eps_b if address in (None, e.address)] or eps_b
    for eb in targets:
        for ea in eps_a:
            if ix.same_network(ea, eb):
                net = ix.network(eb)
                if rules.has_bridge(net.driver) and not rules.icc_enabled(net.options):
                    return stop(rules.why_icc_off(net.name), head + [net], head_links + [(a, net, ea)], at=net,
                                addr=eb.address, reason=ICC_OFF)
                span = ""
                if ea.host != eb.host:
                    span = f" (an overlay spanning hosts {ea.host} and {eb.host}: VXLAN between them)"
                return done(f"{src.name} and {dst.name} share network {net.name}{span}", [net],
                            [(a, net, ea), (net, b, eb)], eb.address)
    # No shared network: out through the gateway, and dropped at the host.
    eb = targets[0]
    net_b = ix.network(eb)
    gw_ep = min(eps_a, key=lambda e: rules.gateway_order(ix.network(e).name, ix.network(e).internal))
    net_a = ix.network(gw_ep)
    out = head + [net_a]
    out_links = head_links + [(a, net_a, gw_ep)]
    dropped = rules.between_networks(net_a.name, net_a.internal, net_b.name, net_b.internal)
    apart = f"{src.name} and {dst.name} share no network" + (", and " if net_a.internal or net_b.internal else ": ")
    if net_a.internal:
        return stop(apart + dropped, out, out_links, at=net_a, blocked=net_b, addr=eb.address, reason=INTERNAL)
    out_links.append((net_a, host_a, None))
    out.append(host_a)
    reason = NO_SHARED_NETWORK
    if eb.host != a.host:
        why = (f"{dst.name} is on host {eb.host} and they share no overlay network: its address on "
               f"{net_b.name} is private to host {eb.host}")
        reason = OTHER_HOST
    elif rules.on_parent(net_b.driver) and not net_b.internal:
        why = (f"{src.name} and {dst.name} share no network; {net_b.name} is a {net_b.driver} network, "
               "reached on the physical link, not through the host")
    else:
        why = apart + dropped
        reason = INTERNAL if net_b.internal else reason
    return stop(why, out, out_links, at=host_a, blocked=net_b, addr=eb.address, reason=reason)


# -- names -------------------------------------------------------------------------------------------
def resolves(topo: model.Topology, source, target) -> tuple[bool, str]:
    """Whether `source` can look up `target`'s container name with Docker's DNS, and why (not)."""
    ix = _Index(topo)
    ok, why, _ = _resolve(ix, ix.container(source), ix.container(target))
    return ok, why


def _resolve(ix: _Index, src: model.Container, dst: model.Container):
    """(answered, why, the target's endpoint whose address the answer gives)."""
    if not src.running:
        return False, f"{src.name} is not running", None
    a, b = ix.namespace(src), ix.namespace(dst)
    eps_a, eps_b = ix.endpoints(a), ix.endpoints(b)
    user_a = [e for e in eps_a if rules.has_embedded_dns(ix.network(e).driver, e.network, ix.network(e).builtin)]
    if a.mode not in ("host", "none") and dst.running and b.mode not in ("host", "none"):
        for ea in sorted(user_a, key=lambda e: e.network):
            for eb in eps_b:
                if ix.same_network(ea, eb):
                    return True, f"on network {ea.network}, Docker's DNS answers {dst.name}", eb
    shared = any(ix.same_network(ea, eb) for ea in eps_a for eb in eps_b)
    return False, rules.why_no_name(src.name, dst.name, source_mode=a.mode, target_mode=b.mode,
                                    target_running=dst.running, source_on_user_network=bool(user_a),
                                    share_default_bridge=shared), None


@dataclass(frozen=True)
class Reach:
    """What the model expects of `ping TARGET-ADDRESS` and `nslookup TARGET` from source."""

    source: str
    target: str
    name: bool
    name_why: str
    ping: bool
    why: str
    address: str | None
    route: Route = field(repr=False, compare=False, default=None)


def reach(topo: model.Topology, source, target) -> Reach:
    """The model's verdicts for one pair, as the matrix probes them: the target's name looked up
    from the source; then a ping of the address the name gave, else of the target's first address."""
    ix = _Index(topo)
    src, dst = ix.container(source), ix.container(target)
    name_ok, name_why, answer = _resolve(ix, src, dst)
    if answer is not None:
        address = answer.address
    else:
        eps = ix.endpoints(ix.namespace(dst)) if dst.running else []
        address = eps[0].address if eps else None
    if address is None:
        r = route(topo, src, dst)
        if r.ok:   # reachable only at an address of the host (host mode): nothing to ping by name
            r = _replace(r, ok=False, why=f"{dst.name} has no address of its own: {r.why}")
        ok, why = False, r.why
    else:
        r = route(topo, src, dst, address=address)
        ok, why = r.ok, r.why
    return Reach(src.name, dst.name, name_ok, name_why, ok, why, address, r)


__all__ = ["Route", "Reach", "UnknownContainer", "route", "resolves", "reach", "first_address", "describe",
           "itself"]
