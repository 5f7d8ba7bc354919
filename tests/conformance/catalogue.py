"""Every conformance scenario: importing a module registers its scenarios in harness.SCENARIOS.

- scenarios.py: the engine's behaviour item by item (networks, addresses, DNS, reachability,
  swarm and overlays), as labkit's lessons need it;
- the rest are written from what people type, not from what the simulator does:
  tutorials.py (Docker's networking tutorials and driver pages, typed with the docker CLI),
  cli_reference.py (the `docker run` / `exec` / `network` references and the CLI habits of blog
  labs), dockerpy_docs.py (docker-py's documentation), processes.py (what a container's processes,
  shell and files do when learners poke at them), container_api.py (the container API's calls
  beyond networking: sizes, exports, history, images), files.py (a container's files as busybox
  shows them), ipv6.py (IPv6 networks) and nettools.py (ip, ifconfig, route, netstat, arp, /proc
  and /sys over one model), sessions.py (processes' lives through docker-py's sockets).
"""
from __future__ import annotations

from . import (  # noqa: F401  (they register)
    cli_reference, container_api, dockerpy_docs, files, ipv6, nettools, processes, scenarios, sessions,
    tutorials,
)
from .harness import SCENARIOS

__all__ = ["SCENARIOS"]
