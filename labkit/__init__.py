"""labkit: a Jupyter teaching lab kit for Docker networking.

    import labkit
    client = labkit.connect()        # the real engine when one answers, else labkit's simulator
    lab = labkit.Lab()               # short verbs over that client, for notebooks and widgets
    labkit.draw(lab)                 # the topology as the engine holds it now
    labkit.panel(lab)                # a control panel that redraws after every action
    labkit.trace(lab, "web", "db")   # the walk of a packet, hop by hop
"""
from . import model
from .engines import Cluster, cluster, connect, is_simulated
from .errors import LabkitError
from .lab import BadArgument, Differs, Lab, NotTheLabs, Probe
from .trace import TraceError, walk as _walk  # first: the module labkit.trace, then the face of that name below

__version__ = "0.1.0"

from . import tracebacks as _tracebacks  # noqa: E402

_tracebacks.install()   # in a Jupyter kernel: Docker's and labkit's errors in a few lines (%tb: all)

# The faces that need pyvis and ipywidgets load on first use: `labkit` on the command line and
# the simulated engine start without them.
_LAZY = {"draw": ("drawing", "draw"), "matrix": ("reachability", "matrix"), "panel": ("widgets", "panel"),
         "view": ("widgets", "view"), "paths": ("paths", None)}

__all__ = ["connect", "cluster", "Cluster", "is_simulated", "LabkitError", "Lab", "Probe", "BadArgument",
           "NotTheLabs", "Differs", "model", "trace", "TraceError", *_LAZY]


def trace(where, src: str, dst: str, port: int | None = None, protocol: str = "tcp"):
    """The walk of a packet from src to dst, hop by hop (a `labkit.trace.Trace`), on what `where`
    holds now: a Lab, a docker.DockerClient, a Cluster, a model.Topology, or a list of Labs or
    clients (one per host). src, dst: container names ("HOST/NAME" where a name is on several
    hosts), host names ("host" for a single engine's host) or addresses; port with tcp or udp.
    No packet is sent: on a real engine `docker exec SRC ping DST` (or `nc DST PORT`) sends one,
    and tcpdump in the hosts' namespaces sees the hops marked visible. See labkit/trace.py."""
    topology, underlay = _snapshot_of(where)
    return _walk(topology, src, dst, port=port, protocol=protocol, underlay=underlay)


def _snapshot_of(where) -> tuple:
    """(the combined snapshot, {host: its underlay address}) of what `where` holds."""
    import docker
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
        if isinstance(part, docker.DockerClient):
            part = Lab(part, leftovers="keep", quiet=True)    # only to look: nothing is removed
        if not isinstance(part, Lab):
            raise TraceError(f"cannot trace on a list holding {type(part).__name__}: give Labs or docker clients")
        topo = part.snapshot()
        snapshots.append(topo)
        host = where._hosts[i] if isinstance(where, Cluster) and where._hosts else None
        address = _underlay_address(part.client, host)
        for h in topo.hosts:
            if address:
                underlay[h.name] = str(address)
    return model.Topology.combine(snapshots), underlay


def __getattr__(name: str):
    if name not in _LAZY:
        raise AttributeError(f"module 'labkit' has no attribute {name!r}")
    import importlib
    module_name, attr = _LAZY[name]
    module = importlib.import_module(f".{module_name}", __name__)
    value = getattr(module, attr) if attr else module
    globals()[name] = value
    return value


def _underlay_address(client, started=None) -> str:
    """A host's underlay address: the swarm's (`docker info` NodeAddr), else the one labkit gave a
    host it started (a Cluster's, the in-process simulator's, a labkit.hosts engine's by its socket)."""
    import re

    from . import engines, hosts
    address = (client.info().get("Swarm") or {}).get("NodeAddr") or ""
    sim_host = getattr(getattr(started, "engine", None), "host", None)     # a simulated host's model
    address = address or getattr(started, "underlay_ip", "") or getattr(sim_host, "underlay_ip", "") or ""
    if not address and engines.serves_in_process(client):
        address = engines.sim_server().engine.host.underlay_ip or ""
    path = engines.socket_path(client) or ""
    m = re.fullmatch(re.escape(hosts.STATE_ROOT) + r"/([a-z0-9]+)/host([0-9]+)/docker\.sock", path)
    if not address and m:
        address = hosts.EngineHost(m.group(1), int(m.group(2))).underlay_ip
    return str(address or "")
