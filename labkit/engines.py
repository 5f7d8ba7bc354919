"""Picking an engine: the real Docker engine, or labkit's simulated one. Either way, a plain
`docker.DockerClient` comes back, so everything above talks to both through the same protocol.

    labkit.connect("docker")  # the real engine: DOCKER_HOST honoured, API version negotiated
    labkit.connect("sim")     # labkit's simulated engine, in this process, on a private socket
    labkit.connect()          # "auto": the real engine when one answers, else the simulator
"""
from __future__ import annotations

import os
import re
import threading
from collections.abc import Sequence

import docker

from .errors import EngineUnavailable, LabkitError

ENGINES = ("auto", "docker", "sim")

_sim_lock = threading.Lock()
_sim_server = None  # the simulated engine this process serves, started on first use


def sim_server():
    """The in-process simulated engine (started on first use, then reused)."""
    global _sim_server
    with _sim_lock:
        if _sim_server is None:
            from . import sim
            _sim_server = sim.serve()
        return _sim_server


def docker_client(timeout: int = 60) -> docker.DockerClient:
    """The real engine, as docker-py finds it (DOCKER_HOST, DOCKER_TLS_VERIFY, ...)."""
    try:
        client = docker.from_env(timeout=timeout)
        client.ping()
    except docker.errors.DockerException as e:
        where = os.environ.get("DOCKER_HOST") or "unix:///var/run/docker.sock"
        raise EngineUnavailable(
            f"no Docker engine answers at {where}: {e}. Start one (ENGINE-NOTES: "
            f"`dockerd &` as root), or use labkit's simulated engine: labkit.connect('sim')") from None
    return client


def engine_answers(timeout: float = 2.0) -> bool:
    try:
        client = docker.from_env(timeout=timeout)
        try:
            return bool(client.ping())
        finally:
            client.close()
    except Exception:  # any failure to reach it means: no engine here
        return False


def connect(engine: str | None = None, quiet: bool = False) -> docker.DockerClient:
    """A docker.DockerClient for the engine asked for ("auto", "docker" or "sim").

    With no argument, LABKIT_ENGINE decides, else "auto": the real engine when one answers, else
    the simulator; "auto" says which it picked unless quiet.
    """
    engine = (engine or os.environ.get("LABKIT_ENGINE") or "auto").strip().lower()
    if engine not in ENGINES:
        raise LabkitError(f"unknown engine {engine!r}: use one of {', '.join(ENGINES)}")
    if engine == "auto":
        if engine_answers():
            client = docker_client()
            if not quiet:
                print(f"labkit: using the real Docker engine ({client.api.base_url})")
            return client
        if not quiet:
            print("labkit: no Docker engine answers here, so using labkit's simulated engine")
        engine = "sim"
    if engine == "docker":
        return docker_client()
    server = sim_server()
    return docker.DockerClient(base_url=server.url, version="1.41", timeout=60)


def is_simulated(client: docker.DockerClient) -> bool:
    """True when the client talks to a labkit simulated engine."""
    try:
        return "labkit.sim=true" in (client.info().get("Labels") or [])
    except docker.errors.DockerException:
        return False


class Cluster(Sequence):
    """Several hosts on one underlay, one docker.DockerClient each (cluster[0] is host1).

    `close()` removes whatever the cluster started (simulated engines, or real engines in
    namespaces); engines given by URL are only disconnected. Also a context manager.
    """

    def __init__(self, clients: list[docker.DockerClient], names: list[str], engine: str, closer=None):
        self.clients = clients
        self.names = names
        self.engine = engine
        self._closer = closer
        self.closed = False

    def __getitem__(self, i):
        return self.clients[i]

    def __len__(self) -> int:
        return len(self.clients)

    def __repr__(self) -> str:
        return f"<Cluster of {len(self)} {self.engine} hosts: {', '.join(self.names)}>"

    def client(self, name: str) -> docker.DockerClient:
        return self.clients[self.names.index(name)]

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        for c in self.clients:
            c.close()
        if self._closer is not None:
            self._closer()

    def __enter__(self) -> "Cluster":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def cluster(hosts: int | Sequence[str], engine: str | None = None, prefix: str = "lk", progress=None) -> Cluster:
    """Several hosts on one underlay: `cluster(3, engine="sim")`, `cluster(2, engine="docker")`
    (real engines in network namespaces on this Linux machine, as root), or
    `cluster(["tcp://10.0.0.5:2375", "ssh://lab@host2"])` (existing engines elsewhere).

    Every kind of host has its underlay on eth0, so `swarm.init(advertise_addr="eth0")` works.
    engine: "sim", "docker" or "auto" (default: LABKIT_ENGINE, else real hosts where this machine
    can start them, else the simulator).
    """
    if isinstance(hosts, (list, tuple)):
        return _cluster_of_urls(list(hosts))
    if isinstance(hosts, bool) or not isinstance(hosts, int) or not 1 <= hosts <= 9:
        raise LabkitError(f"a cluster has 1 to 9 hosts (a number), or is a list of engine URLs: not {hosts!r}")
    n = hosts
    engine = (engine or os.environ.get("LABKIT_ENGINE") or "auto").lower()
    if engine == "auto":
        engine = os.environ.get("LABKIT_ENGINE", "auto").lower()
    if engine == "auto":
        # Real hosts need root and dockerd (labkit doctor says what is missing).
        from . import hosts as hostmod
        engine = "docker" if hostmod.can_start_hosts() is None else "sim"
    if engine == "sim":
        from . import sim
        world = sim.World()
        servers = [sim.serve(world, world.add_host(f"host{i}")) for i in range(1, n + 1)]
        clients = [docker.DockerClient(base_url=s.url, version="1.41", timeout=60) for s in servers]

        def close_sim():
            for s in servers:
                s.close()
        return Cluster(clients, [f"host{i}" for i in range(1, n + 1)], "sim", close_sim)
    if engine == "docker":
        from . import hosts as hostmod
        started = hostmod.start_hosts(n, prefix=prefix, progress=progress)
        return Cluster([h.client() for h in started], [h.name for h in started], "docker",
                       lambda: hostmod.stop_hosts(prefix))
    raise LabkitError(f"unknown engine {engine!r}: use sim, docker or auto")


def _cluster_of_urls(urls: list[str]) -> Cluster:
    clients, names = [], []
    for url in urls:
        if not re.match(r"^(tcp|ssh|unix)://\S+$", url or ""):
            raise LabkitError(f"not an engine URL: {url!r} (use tcp://HOST:PORT, ssh://USER@HOST or unix:///PATH)")
        try:
            client = docker.DockerClient(base_url=url, version="auto", timeout=30, use_ssh_client=False)
            names.append(client.info()["Name"])
        except docker.errors.DockerException as e:
            for c in clients:
                c.close()
            raise EngineUnavailable(f"the engine at {url} does not answer: {e}") from None
        clients.append(client)
    return Cluster(clients, names, "docker")
