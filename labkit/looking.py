"""Looking at what a learner holds: a Lab, a docker client, a Cluster, a model.Topology, or a list
of them (one per host). The faces `labkit.draw` and `labkit.trace` take any of these; below them,
the drawing and the packet walk take only snapshots.

A docker client is looked at through a Lab that only looks (`leftovers="keep"`): drawing or
tracing an engine never removes anything.
"""
from __future__ import annotations

from collections.abc import Iterable

import docker

from . import model
from .engines import Cluster
from .lab import Lab
from .trace import TraceError, Trace, walk


def looked_at(x):
    """x with every docker client in it as a Lab that only looks (lists and Clusters: each item)."""
    if isinstance(x, docker.DockerClient):
        return Lab(x, leftovers="keep", quiet=True)
    if isinstance(x, (model.Topology, Lab, str, bytes, dict)) or not isinstance(x, Iterable):
        return x
    return [looked_at(item) for item in x]


def draw(x, path=None, height: str | None = None, library: str = "auto", trace=None):
    """Draw what x holds now (a Lab, a DockerClient, a Topology, or a list of them): a
    labkit.drawing.Drawing, which shows itself in a notebook.

    path=(a, b) highlights the route a packet from container a to container b takes, or marks
    where and why it stops; path=(a, b, port) also the port (checked with a real probe when x is
    a Lab: whether something listens); a paths.Route is drawn as given.

    trace: a labkit.trace walk to highlight (the places its hops pass; where it was dropped).

    library: what the drawing carries when shown inline in a notebook: "auto" (vis-network with
    the first drawing a kernel shows, borrowed from it by the others), "inline" (always), or
    "shared" (never)."""
    from . import drawing    # pyvis loads on first use
    probe = (lambda a, b, port: x.port(a, b, port).state) if isinstance(x, Lab) else None
    return drawing.draw(looked_at(x), path=path, height=height or drawing.HEIGHT, library=library,
                        probe=probe, trace=trace)


def trace(where, src: str, dst: str, port: int | None = None, protocol: str = "tcp") -> Trace:
    """The walk of a packet from src to dst, hop by hop (a `labkit.trace.Trace`), on what `where`
    holds now: a Lab, a docker.DockerClient, a Cluster, a model.Topology, or a list of Labs or
    clients (one per host). src, dst: container names ("HOST/NAME" where a name is on several
    hosts), host names ("host" for a single engine's host) or addresses; port with tcp or udp.
    No packet is sent: on a real engine `docker exec SRC ping DST` (or `nc DST PORT`) sends one,
    and tcpdump in the hosts' namespaces sees the hops marked visible. See labkit/trace/."""
    topology, underlay = _snapshot_of(where)
    return walk(topology, src, dst, port=port, protocol=protocol, underlay=underlay)


trace.walk = walk      # labkit.trace is this function; labkit.trace.walk the walk of a snapshot


def _snapshot_of(where) -> tuple:
    """(the combined snapshot, {host: its underlay address}) of what `where` holds."""
    if isinstance(where, model.Topology):
        return where, {}
    if isinstance(where, (Lab, docker.DockerClient)):
        parts = [where]
    elif isinstance(where, (Cluster, list, tuple)) and len(where):
        parts = list(where)
    else:
        raise TraceError(f"cannot trace on {type(where).__name__}: give a labkit.Lab, a docker.DockerClient, "
                         "a labkit.Cluster or a labkit.model.Topology")
    snapshots, underlay = [], {}
    for i, part in enumerate(parts):
        part = looked_at(part) if isinstance(part, docker.DockerClient) else part
        if not isinstance(part, Lab):
            raise TraceError(f"cannot trace on a list holding {type(part).__name__}: give Labs or docker clients")
        topo = part.snapshot()
        snapshots.append(topo)
        # The underlay address: the swarm's, else the one labkit gave a host it started (a
        # Cluster's, the in-process simulator's, a labkit.hosts engine's, known by its socket).
        address = (part.client.info().get("Swarm") or {}).get("NodeAddr") or ""
        engine = where.engines[i] if isinstance(where, Cluster) else part.engine
        address = address or engine.underlay_ip or ""
        for h in topo.hosts:
            if address:
                underlay[h.name] = str(address)
    return model.Topology.combine(snapshots), underlay
