"""The Engine API (v1.41) over the simulated engine: one routes module per resource, a router
built from them in this order, and JSON views (views.py, swarm_views.py) shaped as Docker Engine
20.10 answers."""
from __future__ import annotations

from ..state import Host
from . import containers, execs, files, images, labkit, networks, plugins, stats, swarm, system, underlay, volumes
from .router import Reply, Router

ROUTER = Router(system.routes, networks.routes, containers.routes, stats.routes, files.routes, execs.routes,
                images.routes, volumes.routes, plugins.routes, labkit.routes, underlay.routes, swarm.routes)


class Engine:
    """One simulated engine's API: the routes bound to one host of a world."""

    def __init__(self, host: Host, router: Router = ROUTER):
        self.host = host
        self.world = host.world
        self.router = router

    def handle(self, method: str, path: str, query_string: str, body: bytes, headers: dict | None = None) -> Reply:
        """One request: its method, path, query string, body and headers (lower-case names)."""
        return self.router.handle(self, method, path, query_string, body, headers or {})


__all__ = ["Engine", "Reply", "Router", "ROUTER"]
