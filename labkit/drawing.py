"""Drawing a topology: a snapshot turned into a `pyvis.network.Network`, and its offline HTML.

    net = labkit.draw(lab)                      # a Lab, a DockerClient, a Topology, or a list of them
    net = labkit.draw(lab, path=("web", "db"))  # the route from web to db, or where it stops
    net                                         # in a notebook: shown inline (see "HTML" below)
    net.nodes, net.edges                        # pyvis's own data: what tests look at

Nodes and their ids (stable for the same state, so drawings can be compared):
    host:HOST                   a host (an engine), at the top
    net:HOST/NAME               a network of one host; coloured by driver (see `COLORS`, and the
                                legend above the graph); dashed when internal
    net:swarm/NAME              a swarm-scope (overlay) network: drawn once, linked to every host
                                it is seen on
    ctr:HOST/NAME               a container; greyed when not running
    port:HOST/IP:PORT/PROTO     a port the host publishes, linked to the host and its container
Edges: one per endpoint (container to network), labelled with the interface and address
("eth0 10.10.0.2/24"); host to network (the bridge's name and the host's address on it, or VXLAN
for an overlay); host to host-mode containers ("host mode": they sit on the host); container to
the container whose namespace it shares (`container:` mode). None-mode containers have no edge.
The engine's own `host` and `none` networks are not drawn as networks: their containers show the
mode instead.

Layout: computed here, in rows (hosts; networks, published ports and host-mode containers;
containers, each under the mean position of its networks, wrapping into more rows when there are
many; with several hosts, a column per host under it and the swarm's networks in a row above the
hosts), and given to vis-network as positions with physics off: the same state draws the same
picture, and 1,000 containers draw without a physics simulation in the browser.

HTML: `Drawing.to_html()` and `_repr_html_` give one offline document in a sandboxed iframe
(see labkit.frame: no CDN, the drawing library shared between frames).
"""
from __future__ import annotations

import json
from collections.abc import Iterable

from pyvis.network import Network

from . import model, paths, picture, rules, verdicts
from .errors import LabkitError
from .frame import HEIGHT, PAGE, TEMPLATES, document, iframe, remote_resources, strip_remote, vis_library, with_picture

COLORS = {   # network drivers
    "bridge": "#4e79a7",
    "overlay": "#f28e2b",
    "macvlan": "#59a14f",
    "ipvlan": "#76b7b2",
    "host": "#9c755f",
    "null": "#bab0ac",
}
OTHER_DRIVER = "#b07aa1"
HOST_COLOR = "#3b3b3b"
CONTAINER_COLOR = {"background": "#ffffff", "border": "#444444"}
STOPPED_COLOR = {"background": "#eeeeee", "border": "#aaaaaa"}
PORT_COLOR = "#e15759"
ROUTE_OK = "#2ca02c"
ROUTE_STOP = "#d62728"
DIM = "#d9d9d9"
SEED = 7
ROW_Y = (0, 170, 370)       # hosts; networks, published ports and host-mode containers; containers
NET_SPACING, CONTAINER_SPACING, ROW_SPACING = 200, 200, 80
SWARM_ROW_Y, HOST_GAP = -150, 60     # several hosts: the swarm's networks above them; between columns
# Edge labels sit at the middle of their edges, so two containers under one network have their
# labels CONTAINER_SPACING / 2 apart: 100 px holds "172.17.0.2/16" (13 characters of 11 px
# monospace, about 86 px) without overlap. A row holds at most ROW_WIDTH of containers (more wrap).
ROW_WIDTH = 1050
OPTIONS = {
    "layout": {"randomSeed": SEED, "improvedLayout": False, "hierarchical": {"enabled": False}},
    "physics": {"enabled": False},
    "interaction": {"hover": True, "tooltipDelay": 120, "navigationButtons": False},
    "nodes": {"font": {"size": 14, "face": "sans-serif", "multi": False}, "borderWidth": 1.5},
    "edges": {"smooth": False, "font": {"size": 11, "face": "monospace", "align": "horizontal",
                                        "background": "rgba(255,255,255,0.85)", "strokeWidth": 0},
              "color": {"color": "#888888"}},
}


class DrawError(LabkitError):
    """What was given to draw cannot be drawn (the message says what was given and what works)."""


# -- what to draw ------------------------------------------------------------------------------------
def topology_of(x) -> model.Topology:
    """A snapshot of x: a model.Topology, anything with a snapshot() method (a labkit.Lab), or a
    sequence of those (several hosts, combined: one host node each, a swarm network once).
    (labkit.draw also takes docker clients: it looks at them through a Lab.)"""
    if isinstance(x, model.Topology):
        return x
    if callable(getattr(x, "snapshot", None)):
        return x.snapshot()
    if isinstance(x, Iterable) and not isinstance(x, (str, bytes, dict)):
        parts = [topology_of(item) for item in x]
        if not parts:
            raise DrawError("nothing to draw: the sequence given is empty")
        return _combine(parts)
    raise DrawError(f"cannot draw {type(x).__name__}: give a labkit.Lab, a docker.DockerClient, a "
                    "labkit.model.Topology, or a list of them (one per host)")


def _combine(parts: list[model.Topology]) -> model.Topology:
    def content(t: model.Topology):   # simulated engines have the same IDs: compare what they hold
        return ({(h.name, h.id) for h in t.hosts}, {(n.host, n.id, n.name, n.subnets) for n in t.networks},
                {(c.host, c.id, c.name) for c in t.containers}, {(e.container_id, e.ipv4) for e in t.endpoints})
    seen: dict[str, tuple] = {}      # host name -> the content of the part it came in
    keep = []
    for part in parts:
        names = {h.name for h in part.hosts}
        if names and all(seen.get(name) == content(part) for name in names):
            continue   # the same engine given twice
        for name in names:
            if name in seen:
                raise DrawError(f"two different engines are both named {name!r}: a drawing tells hosts "
                                "apart by name, so give each engine its own name (`docker info` Name)")
            seen[name] = content(part)
        keep.append(part)
    return model.Topology.combine(keep)


# -- node ids ------------------------------------------------------------------------------------------
def host_id(name: str) -> str:
    return f"host:{name}"


def container_id(c: model.Container) -> str:
    return f"ctr:{c.host}/{c.name}"


def network_id(n: model.Network, swarm_names: dict[str, int] | None = None) -> str:
    if n.scope == "swarm":
        if swarm_names and swarm_names.get(n.name, 1) > 1:
            return f"net:swarm/{n.name}@{n.id[:12]}"
        return f"net:swarm/{n.name}"
    return f"net:{n.host}/{n.name}"


def port_id(c: model.Container, p: model.PublishedPort) -> str:
    return f"port:{c.host}/{p.host_ip}:{p.host_port}/{p.protocol}"


def _bridge_name(n: model.Network) -> str | None:
    if not rules.has_bridge(n.driver):
        return None
    return n.options.get("com.docker.network.bridge.name") or f"br-{n.id[:12]}"


# -- the drawing ---------------------------------------------------------------------------------------
class Drawing(Network):
    """A pyvis Network drawn from a topology snapshot, that shows itself in a notebook.

    Beyond pyvis's `nodes` and `edges`: `topology` (what was drawn), `route` (the highlighted
    paths.Route, or None), `legend` ({driver: colour} of the networks drawn)."""

    def __init__(self, topology: model.Topology, height: str = HEIGHT):
        super().__init__(height=height, width="100%", cdn_resources="in_line")
        self.topology = topology
        self.route: paths.Route | None = None
        self.legend: dict[str, str] = {}
        self.library = "auto"   # what showing it inline carries: "auto", "inline" or "shared"
        self.options = json.loads(json.dumps(OPTIONS))
        self.templateEnv = TEMPLATES
        self.path = "labkit.html"
        self._edge_ids: dict[frozenset, str] = {}

    # pyvis checks every earlier node and edge on each add (quadratic); these keep ids in dicts.
    def put_node(self, node_id: str, **options) -> None:
        if node_id in self.node_map:
            return
        node = {"id": node_id, **options}
        self.nodes.append(node)
        self.node_ids.append(node_id)
        self.node_map[node_id] = node

    def put_edge(self, edge_id: str, source: str, to: str, **options) -> None:
        key = frozenset((source, to))
        if key in self._edge_ids:
            return
        self._edge_ids[key] = edge_id
        self.edges.append({"id": edge_id, "from": source, "to": to, **options})

    def edge_between(self, a: str, b: str) -> dict | None:
        edge_id = self._edge_ids.get(frozenset((a, b)))
        return next((e for e in self.edges if e["id"] == edge_id), None) if edge_id else None

    # -- showing ------------------------------------------------------------------------------------
    def summary(self) -> str:
        t = self.topology
        count = {"host": len({h.name for h in t.hosts}),
                 "network": sum(1 for n in self.nodes if n["id"].startswith("net:")),
                 "container": sum(1 for n in self.nodes if n["id"].startswith("ctr:")),
                 "endpoint": sum(1 for e in self.edges if e["id"].startswith("ep:"))}
        text = ", ".join(f"{n} {k}{'' if n == 1 else 's'}" for k, n in count.items())
        if self.route is not None:
            text += f"; {self.route.source.name} -> {self.route.target.name}: {self.route.verdict}"
        return text

    def __repr__(self) -> str:
        return f"<labkit drawing: {self.summary()}>"

    __str__ = __repr__

    def to_html(self, library: str = "inline") -> str:
        """The drawing as one HTML document without remote resources. library: "inline" (the
        document carries vis-network) or "shared" (it gets it from another frame on the page)."""
        if library not in ("inline", "shared"):
            raise DrawError(f"library={library!r}: use 'inline' or 'shared'")
        return document(self.generate_html(), self.legend, library)

    def iframe(self, library: str = "inline") -> str:
        """The drawing in a sandboxed iframe (its scripts run, isolated from the page)."""
        return iframe(self.to_html(library), self.height)

    def _repr_html_(self) -> str:
        """In a notebook: the live graph, with its static picture for where it cannot run (a saved
        notebook opened untrusted, GitHub): frame.with_picture."""
        live = self.iframe(self.library if self.library != "auto" else PAGE.library_for_display())
        return with_picture(live, picture.data_uri(self), f"labkit drawing: {self.summary()}")


# -- building ------------------------------------------------------------------------------------------
def draw(x, path=None, height: str = HEIGHT, library: str = "auto", probe=None, trace=None) -> Drawing:
    """Draw what x holds now (a Topology, a Lab, or a list of them: see topology_of).

    path=(a, b) highlights the route a packet from container a to container b takes, or marks
    where and why it stops; path=(a, b, port) also the port, and probe(a, b, port), when given,
    says whether something listens there ("open", "closed", or anything else: not known); a
    paths.Route is drawn as given.

    trace: a labkit.trace walk to highlight (the places its hops pass; where it was dropped).

    library: what the drawing carries when shown inline in a notebook: "auto" (vis-network with
    the first drawing a kernel shows, borrowed from it by the others), "inline" (always), or
    "shared" (never)."""
    if library not in ("auto", "inline", "shared"):
        raise DrawError(f"library={library!r}: use 'auto', 'inline' or 'shared'")
    topo = topology_of(x)
    drawing = build(topo, height=height)
    drawing.library = library
    if path is not None:
        if isinstance(path, paths.Route):
            r = path
        else:
            a, b, *rest = path
            port = int(rest[0]) if rest else None
            listening = None
            if port is not None and probe is not None:
                listening = {"open": True, "closed": False}.get(probe(a, b, port))
            r = paths.route(topo, a, b, port=port, listening=listening)
        highlight(drawing, r)
    if trace is not None:
        highlight_trace(drawing, trace)
    return drawing


def build(topo: model.Topology, height: str = HEIGHT) -> Drawing:
    """The drawing of a snapshot (pure: no engine calls)."""
    net = Drawing(topo, height=height)
    host_names = sorted({h.name for h in topo.hosts} | {n.host for n in topo.networks}
                        | {c.host for c in topo.containers})
    hosts = {h.name: h for h in topo.hosts}
    for name in host_names:
        h = hosts.get(name) or model.Host(name)
        engine = "labkit's simulated engine" if h.engine == "sim" else "Docker engine"
        title = f"host {name}\n{engine} {h.version}".rstrip()
        net.put_node(host_id(name), label=name, shape="box", level=0, title=title,
                     color={"background": HOST_COLOR, "border": HOST_COLOR},
                     font={"color": "#ffffff", "size": 16}, group="host")

    # Networks: the engine's host and none are modes, not networks to draw.
    drawn = sorted((n for n in topo.networks if not rules.namespace_only(n.driver)),
                   key=lambda n: (n.scope != "swarm", n.host if n.scope != "swarm" else "", n.name, n.host))
    swarm_names: dict[str, int] = {}
    for n in {n.id: n for n in drawn if n.scope == "swarm"}.values():
        swarm_names[n.name] = swarm_names.get(n.name, 0) + 1
    net_node: dict[tuple[str, str], str] = {}     # (host, network id) -> node id
    for n in drawn:
        nid = network_id(n, swarm_names)
        net_node[(n.host, n.id)] = nid
        color = COLORS.get(n.driver, OTHER_DRIVER)
        net.legend.setdefault(n.driver, color)
        lines = [n.name, " ".join(x for x in (n.driver, n.subnet) if x)]
        if n.gateway and n.scope != "swarm":
            lines.append(f"gateway {n.gateway}")
        flags = [w for w, on in (("internal", n.internal), ("attachable", n.attachable)) if on]
        if flags:
            lines.append(", ".join(flags))
        net.put_node(nid, label="\n".join(lines), shape="ellipse", level=1, title=_network_title(n),
                     color={"background": _tint(color), "border": color},
                     shapeProperties={"borderDashes": [6, 4] if n.internal else False},
                     borderWidth=2, group=f"network-{n.driver}")
        if rules.swarm_scoped(n.driver):
            label = "VXLAN"
        elif rules.on_parent(n.driver):
            label = f"parent {n.options.get('parent') or 'interface'}"
        else:
            label = ""   # the bridge: its gateway is in the network's label, its name in the title
        title = f"network {n.name} on host {n.host}"
        if _bridge_name(n):
            title += f": bridge {_bridge_name(n)}" + (f", the host's address {n.gateway}" if n.gateway else "")
        net.put_edge(f"link:{nid}@{n.host}", host_id(n.host), nid, label=label, title=title,
                     color={"color": color})

    # Containers, their endpoints, modes and published ports.
    by_container: dict[tuple[str, str], list[model.Endpoint]] = {}
    for e in topo.endpoints:
        by_container.setdefault((e.host, e.container_id), []).append(e)
    by_id = {(c.host, c.id): c for c in topo.containers}
    for c in sorted(topo.containers, key=lambda c: (c.host, c.name)):
        cid = container_id(c)
        mode = c.mode
        label = c.name if c.running else f"{c.name}\n({c.status})"
        if mode == "none":
            label += "\nnone mode"
        net.put_node(cid, label=label, shape="box", level=1 if mode == "host" else 2,
                     title=_container_title(c), color=CONTAINER_COLOR if c.running else STOPPED_COLOR,
                     font={"color": "#222222" if c.running else "#888888"}, group=f"container-{mode}")
    for c in sorted(topo.containers, key=lambda c: (c.host, c.name)):
        cid = container_id(c)
        if c.mode == "host":
            net.put_edge(f"mode:{c.host}/{c.name}", host_id(c.host), cid, label="host mode",
                         dashes=True, title=f"{c.name} uses host {c.host}'s own network stack")
        elif c.mode == "container":
            ref = c.network_mode.partition(":")[2]
            other = by_id.get((c.host, ref)) or next(
                (x for x in topo.containers if x.host == c.host and (x.name == ref or x.id.startswith(ref))), None)
            if other is not None:
                net.put_edge(f"mode:{c.host}/{c.name}", container_id(other), cid, label="shares",
                             dashes=True, title=f"{c.name} uses {other.name}'s network namespace")
        eps = sorted(by_container.get((c.host, c.id), []), key=lambda e: (e.interface or "~", e.network))
        for e in eps:
            nid = net_node.get((e.host, e.network_id))
            if nid is None:
                continue   # host or none: shown as the mode
            label = "\n".join(x for x in (e.interface, e.ipv4) if x)
            net.put_edge(f"ep:{c.host}/{c.name}/{e.network}", nid, cid, label=label, title=_endpoint_title(e))
        for p in c.ports:
            pid = port_id(c, p)
            ip = f"[{p.host_ip}]" if ":" in p.host_ip else p.host_ip
            net.put_node(pid, label=f"{ip}:{p.host_port}/{p.protocol}", shape="box", level=1,
                         title=f"published port: {p} on host {c.host}", group="port",
                         color={"background": "#fbe3e4", "border": PORT_COLOR}, font={"size": 12})
            net.put_edge(f"pub:{pid}@host", host_id(c.host), pid, title="published by the host",
                         color={"color": PORT_COLOR})
            net.put_edge(f"pub:{pid}", pid, cid, label=f"-> {p.container_port}/{p.protocol}", dashes=True,
                         title=f"forwarded to {c.name}:{p.container_port}", color={"color": PORT_COLOR})
    _layout(net)
    return net


def _layout(net: Drawing) -> None:
    """Positions in rows (see the module's docstring); ties broken by node id."""
    rows: dict[int, list[dict]] = {0: [], 1: [], 2: []}
    for n in net.nodes:
        rows[n["level"]].append(n)
    near: dict[str, list[str]] = {}
    for e in net.edges:
        near.setdefault(e["from"], []).append(e["to"])
        near.setdefault(e["to"], []).append(e["from"])
    if len(rows[0]) > 1:
        _layout_by_host(net, rows, near)
        return
    x: dict[str, float] = {}
    for i, n in enumerate(rows[1]):
        x[n["id"]] = i * NET_SPACING
    width = max(len(rows[1]) - 1, 0) * NET_SPACING
    _place_containers(rows[2], x, near, 0.0, width, max(1, int(max(width, ROW_WIDTH) // CONTAINER_SPACING) + 1))
    last = None
    for n in sorted(rows[0], key=lambda n: (_mean_x(n["id"], x, near, width / 2), n["id"])):
        at = _mean_x(n["id"], x, near, width / 2)
        if last is not None and at < last + NET_SPACING:
            at = last + NET_SPACING
        x[n["id"]] = last = at
    for level in (0, 1):
        for n in rows[level]:
            n["y"] = ROW_Y[level]
    for n in net.nodes:
        n["x"] = round(x[n["id"]], 1)


def _mean_x(node_id: str, x: dict[str, float], near: dict[str, list[str]], default: float) -> float:
    """The mean position of the node's neighbours placed so far (default: none is)."""
    xs = [x[m] for m in near.get(node_id, ()) if m in x]
    return sum(xs) / len(xs) if xs else default


def _place_containers(boxes: list[dict], x: dict[str, float], near: dict[str, list[str]], left: float,
                      width: float, per_row: int, shift: float = 0.0) -> None:
    """Containers in rows of per_row, centred on [left, left + width] (moved by shift), in the order
    of their networks' mean positions."""
    boxes = sorted(boxes, key=lambda n: (_mean_x(n["id"], x, near, float("inf")), n["id"]))
    used = (min(per_row, len(boxes)) - 1) * CONTAINER_SPACING
    for i, n in enumerate(boxes):
        x[n["id"]] = left + (width - used) / 2 + shift + (i % per_row) * CONTAINER_SPACING
        n["y"] = ROW_Y[2] + (i // per_row) * ROW_SPACING


def _host_of(node_id: str) -> str | None:
    """The host a node belongs to (by its id), None for a swarm-scope network."""
    kind, _, rest = node_id.partition(":")
    if kind == "host":
        return rest
    if kind == "net" and rest.startswith("swarm/"):
        return None
    return rest.partition("/")[0]


def _layout_by_host(net: Drawing, rows: dict[int, list[dict]], near: dict[str, list[str]]) -> None:
    """Several hosts: a column per host (the host; under it its own networks, published ports and
    host-mode containers; under them its containers), side by side, and the swarm's networks in a row
    above the hosts, so that a projector's width holds three hosts at a readable size."""
    x: dict[str, float] = {}
    columns = []
    left = 0.0
    for host in sorted(rows[0], key=lambda n: n["id"]):
        name = _host_of(host["id"])
        own = [n for n in rows[1] if _host_of(n["id"]) == name]
        boxes = [n for n in rows[2] if _host_of(n["id"]) == name]
        per_row = max(len(own), 2)
        width = (max(len(own), min(len(boxes), per_row), 1) - 1) * NET_SPACING
        for i, n in enumerate(own):
            x[n["id"]] = left + (width - (len(own) - 1) * NET_SPACING) / 2 + i * NET_SPACING
            n["y"] = ROW_Y[1]
        x[host["id"]], host["y"] = left + width / 2, ROW_Y[0]
        columns.append((left, width, per_row, own, boxes))
        left += width + NET_SPACING + HOST_GAP
    total = left - NET_SPACING - HOST_GAP
    swarm = [n for n in rows[1] if _host_of(n["id"]) is None]
    for i, n in enumerate(swarm):
        x[n["id"]] = (total - (len(swarm) - 1) * NET_SPACING) / 2 + i * NET_SPACING
        n["y"] = SWARM_ROW_Y
    for left, width, per_row, own, boxes in columns:
        # Not right under a network: a line from the swarm's row down to a container would seem to
        # end at the network it passes through.
        shift = CONTAINER_SPACING / 2 if own and (len(own) - min(per_row, len(boxes))) % 2 == 0 else 0
        _place_containers(boxes, x, near, left, width, per_row, shift)
    for n in net.nodes:
        n["x"] = round(x[n["id"]], 1)


def highlight(net: Drawing, r: paths.Route) -> Drawing:
    """Mark a route on a drawing (mark), the verdict in the heading: the same words as the panel's
    and Lab's probes (labkit.verdicts), then the way taken."""
    mark(net, r)
    way = " -> ".join(r.steps())
    net.heading = f"{verdicts.of_route(r)}: {r.why}" + (f" [{way}]" if way else "")
    return net


def mark(net: Drawing, r) -> None:
    """Its places and links in green (ok) or orange up to the place where it stops (red), the rest
    dimmed. r: a labkit.paths.Route, or anything of its shape (a packet walk's Way)."""
    swarm_names: dict[str, int] = {}
    for n in {n.id: n for n in net.topology.networks if n.scope == "swarm"}.values():
        swarm_names[n.name] = swarm_names.get(n.name, 0) + 1

    def node_of(place) -> str:
        if isinstance(place, model.Container):
            return container_id(place)
        if isinstance(place, model.Network):
            return network_id(place, swarm_names)
        return host_id(place.name)

    net.route = r
    color = ROUTE_OK if r.ok else "#ff7f0e"
    on_nodes = {node_of(p) for p in r.places}
    on_edges = set()
    for a, b, _ in r.links:
        na, nb = node_of(a), node_of(b)
        if net.edge_between(na, nb) is None and na in net.node_map and nb in net.node_map:
            net.put_edge(f"route:{na}->{nb}", na, nb, label="underlay", dashes=True)
        edge = net.edge_between(na, nb)
        if edge is not None:
            on_edges.add(edge["id"])
    stop = node_of(r.stop) if r.stop is not None else None
    blocked = node_of(r.blocked) if r.blocked is not None else None
    for n in net.nodes:
        if n["id"] == stop or n["id"] == blocked:
            n["borderWidth"] = 4
            n["color"] = {**_as_dict(n["color"]), "border": ROUTE_STOP}
            n["title"] = f"{n.get('title', '')}\n\nthe packet stops here: {r.why}".lstrip()
            if n["id"] == blocked and n["id"] != stop:
                n["shapeProperties"] = {"borderDashes": [3, 3]}
        elif n["id"] in on_nodes:
            n["borderWidth"] = 4
            n["color"] = {**_as_dict(n["color"]), "border": color}
        else:
            n["opacity"] = 0.35
    for e in net.edges:
        if e["id"] in on_edges:
            e["color"] = {"color": color}
            e["width"] = 4
        else:
            e["color"] = {"color": DIM}


def highlight_trace(net: Drawing, t) -> Drawing:
    """Mark a packet walk (a labkit.trace Trace) as a route: the places its hops pass in green when
    it reached its destination, else in orange up to the place where it was dropped (red)."""
    mark(net, t.way())
    net.heading = t.head
    return net


def _as_dict(color) -> dict:
    return dict(color) if isinstance(color, dict) else {"background": color, "border": color}


def _tint(hex_color: str) -> str:
    """The driver's colour, lightened for a node's background (the border keeps it full)."""
    r, g, b = (int(hex_color[i:i + 2], 16) for i in (1, 3, 5))
    return "#{:02x}{:02x}{:02x}".format(*(int(v + (255 - v) * 0.7) for v in (r, g, b)))


def _network_title(n: model.Network) -> str:
    lines = [f"network {n.name}", f"driver {n.driver}, scope {n.scope}", f"ID {n.id[:12]}"]
    for what, values in (("subnet", n.subnets), ("gateway", n.gateways), ("IP range", n.ip_ranges)):
        if values:
            lines.append(f"{what} {', '.join(values)}")
    if n.internal:
        lines.append("internal: no traffic in or out")
    if n.attachable:
        lines.append("attachable")
    if _bridge_name(n):
        lines.append(f"bridge {_bridge_name(n)} on host {n.host}")
    lines.append(f"lab {n.lab}" if n.lab else "not made by a lab")
    return "\n".join(lines)


def _container_title(c: model.Container) -> str:
    lines = [f"container {c.name}", f"image {c.image}", f"status {c.status}", f"ID {c.short_id}",
             f"network mode {c.network_mode}"]
    if c.hostname:
        lines.append(f"hostname {c.hostname}")
    if c.ports:
        lines.append("ports " + ", ".join(str(p) for p in c.ports))
    lines.append(f"on host {c.host}")
    lines.append(f"lab {c.lab}" if c.lab else "not made by a lab")
    return "\n".join(lines)


def _endpoint_title(e: model.Endpoint) -> str:
    lines = [f"{e.container} on {e.network}"]
    for what, value in (("interface", e.interface), ("address", e.ipv4), ("MAC", e.mac),
                        ("gateway", e.gateway)):
        if value:
            lines.append(f"{what} {value}")
    if e.aliases:
        lines.append("aliases " + ", ".join(e.aliases))
    return "\n".join(lines)


__all__ = ["draw", "build", "highlight", "highlight_trace", "topology_of", "Drawing", "DrawError", "COLORS", "PAGE",
           "strip_remote", "remote_resources", "vis_library", "iframe"]
