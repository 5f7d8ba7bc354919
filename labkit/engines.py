"""Picking an engine: the real Docker engine, or labkit's simulated one. Either way, a plain
`docker.DockerClient` comes back, so everything above talks to both through the same protocol.

    labkit.connect("docker")  # the real engine: DOCKER_HOST honoured, API version negotiated
    labkit.connect("sim")     # labkit's simulated engine, in this process, on a private socket
    labkit.connect()          # "auto": the real engine when one answers, else the simulator
"""
from __future__ import annotations

import os
import threading

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
