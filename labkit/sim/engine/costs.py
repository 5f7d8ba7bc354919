"""What an operation costs the real engine, spent as the world's time (a jump of its clock, never a
wall-clock sleep): the simulator answers at once, but what runs in its world sees the time the
engine would have taken. So `sleep 1` started before nine other containers has ended when they
have started (the engine takes about a quarter of a second for each), and a 200 ms health check
has run once a second container is up.

A request's cost is spent when the engine has done its work, before it answers; `docker start`'s
before the process starts (the engine's StartedAt fell at 98% of its start call's time: its work
is runc's and the network's, the process comes last). Only the clients' requests cost time here,
not what the engine does by itself (a restart policy's start, a service's tasks).

The figures: medians on a fresh private engine (labkit.hosts, Debian's dockerd 20.10.24, this
2-core machine with other work on it, 2026-12-06), each of 10 docker-py low-level calls timed
alone (min-max in brackets): create_container and start of `busybox sleep 600`, create_network,
connect and disconnect of a running container, remove_network, remove_container(force=True) of
a running one and of a stopped one. The CLI's `docker run -d` took 309 ms, `docker start` 275 ms,
`docker create` 67 ms (5 each: the engine's time and the CLI's own start).
"""
from __future__ import annotations

from ..state import Container, Network
from . import processes

CREATE = 0.033            # POST /containers/create: 33 ms (31-50)
START = 0.242             # POST /containers/{id}/start (and docker restart's start): 242 ms (229-267)
REMOVE_RUNNING = 0.092    # DELETE /containers/{id}?force=1 of a running one: 92 ms (76-105)
REMOVE = 0.006            # DELETE /containers/{id} of a stopped one: 6 ms (6-12)
NETWORK_CREATE = 0.073    # POST /networks/create (a bridge): 73 ms (60-88)
CONNECT = 0.090           # POST /networks/{id}/connect (a bridge, a running container): 90 ms (70-188)
DISCONNECT = 0.048        # POST /networks/{id}/disconnect: 48 ms (35-54)
NETWORK_REMOVE = 0.160    # DELETE /networks/{id} of a bridge: 160 ms (140-202)
SWARM_NETWORK_REMOVE = 0.005  # DELETE /networks/{id} of an overlay, on a manager: 5 ms (3-7; 7 runs)


def spend(world, seconds: float) -> None:
    """The world's clock moves on by `seconds`; the processes due meanwhile run, in order."""
    if seconds > 0:
        processes.pass_time(world, seconds, lambda: False)


def removing(c: Container) -> float:
    return REMOVE_RUNNING if c.running or c.status == "restarting" else REMOVE


def network_removal(net: Network) -> float:
    return SWARM_NETWORK_REMOVE if net.scope == "swarm" else NETWORK_REMOVE
