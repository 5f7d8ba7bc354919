"""labkit's simulated Docker engine: the Engine API (v1.41) over a model of hosts and networks.

    server = labkit.sim.serve()            # a fresh world with one host, on a private socket
    client = docker.DockerClient(base_url=server.url)

See world.py for the model, api.py for the protocol, server.py for the socket.
"""
from __future__ import annotations

import os
import tempfile

from .api import Engine
from .server import SimServer
from .world import Host, World

__all__ = ["serve", "World", "Host", "Engine", "SimServer"]


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
