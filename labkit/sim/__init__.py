"""labkit's simulated Docker engine: the Engine API (v1.41) over a model of hosts and networks.

    server = labkit.sim.serve()            # a fresh world with one host, on a private socket
    client = docker.DockerClient(base_url=server.url)

Layers, each importing only those below it (tests/test_architecture.py checks):
    __init__    serve(), and the World users make: the layers below put together
    server.py   the unix socket and the protocol details (keep-alive, chunked bodies, 101 upgrade)
    api/        the Engine API: a router, one routes module per resource, JSON views
    shell.py, applets/   what runs inside containers: the lab image's busybox
    engine/     the operations: IPAM, drivers, endpoints, DNS, reachability, containers, swarm
    state.py    plain data: hosts, networks, endpoints, containers, execs, images, swarms
    errors.py   the engine's errors, with its status codes and texts
"""
from __future__ import annotations

import os
import platform
import tempfile

from .api import Engine
from .runtime import Busybox
from .engine import dns, hosts
from .server import SimServer
from .state import Host
from .state import World as WorldState

__all__ = ["serve", "World", "Host", "Engine", "SimServer"]


class World(WorldState):
    """Everything the simulated engines share: hosts, the underlay between them, IDs, one lock."""

    def __init__(self, seed: str = "labkit", resolv_conf: str | None = None, etc_hosts: str | None = None):
        super().__init__(
            seed,
            resolv_conf if resolv_conf is not None else dns.host_resolv_conf(),
            # A host-mode container sees the host's own /etc/hosts: by default this machine's.
            etc_hosts if etc_hosts is not None else dns.read_host_file("/etc/hosts", dns.ETC_HOSTS_BASE),
            platform.release(),
            Busybox())

    def add_host(self, name: str | None = None, underlay: bool = True) -> Host:
        """A new engine (host<N> unless named), on the underlay unless not."""
        return hosts.add_host(self, name, underlay)

    def take_down(self, name: str) -> None:
        """The host stops (labkit.cluster's stop_host): its containers end, its node is down."""
        hosts.take_down(self, name)

    def bring_up(self, name: str) -> None:
        """The host is back: its engine answers, its node reports ready again."""
        hosts.bring_up(self, name)


def serve(world: World | None = None, host: Host | str | None = None, path: str | None = None) -> SimServer:
    """Serve one host of a world (a fresh one-host world by default) on a unix socket, in a
    background thread. With no path, the socket goes in a new private folder (mode 0700)."""
    world = world or World()
    if host is None:
        host = next(iter(world.hosts.values()), None) or world.add_host()
    elif isinstance(host, str):
        host = world.hosts[host]
    own = path is None
    if own:
        path = os.path.join(tempfile.mkdtemp(prefix="labkit-sim-"), "docker.sock")
    return SimServer(Engine(host), path, own_folder=own).start()
