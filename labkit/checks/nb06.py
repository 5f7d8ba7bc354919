"""Checks for notebook 06 (overlay networks across hosts, with Swarm).

    nb06.exercise_1(cluster)              # db on host3, on the overlay ov, reached by name from host2
    nb06.exercise_2(cluster, addresses)   # the service api: 3 tasks on ov, and their addresses

`cluster` is the notebook's `labkit.cluster(3)` (or any list of three clients: host1 the manager).
The checks ask the engines, as a learner would with the docker CLI, on either engine.
"""
from __future__ import annotations

import contextlib
import ipaddress
import time

import docker

from ..lab import Lab, inspect_network
from ..rules import Driver
from . import Result, recorded, result

OVERLAY = "ov"
LAB = "nb06"


def _overlays(attrs: dict, client: docker.DockerClient) -> list[str]:
    """The overlay networks a container is on (by name)."""
    out = []
    for name, s in ((attrs.get("NetworkSettings") or {}).get("Networks") or {}).items():
        with contextlib.suppress(docker.errors.NotFound):
            if inspect_network(client.api, s.get("NetworkID") or name).get("Driver") == Driver.OVERLAY:
                out.append(name)
    return out


@recorded
def exercise_1(cluster) -> Result:
    """A container named db runs on host3, on the overlay ov, and right (on host2) pings it by name."""
    title = "Exercise 1: db on host3, reached by name from host2"
    host2, host3 = cluster[1], cluster[2]
    try:
        attrs = host3.api.inspect_container("db")
    except docker.errors.NotFound:
        return Result(title, False, ["host3 has no container named db"],
                      "start it on host3 (cluster[2]) on the overlay: labs[2].container('db', networks=['ov'])")
    running = bool((attrs.get("State") or {}).get("Running"))
    overlays = _overlays(attrs, host3)
    checks = [(running, f"db on host3 is {'running' if running else 'not running'}",
               "start db again: cluster[2].containers.get('db').start()"),
              (OVERLAY in overlays, f"db is on the overlays: {', '.join(overlays) or 'none'}",
               "connect db to the overlay ov: labs[2].connect('db', 'ov'), or start it with networks=['ov']")]
    if running and OVERLAY in overlays:
        try:
            probe = Lab(host2, name=LAB).ping("right", "db")
            checks.append((probe.ok, f"right on host2 pings db: {probe.state}" + (
                f" ({probe.address})" if probe.address else ""),
                "ping by name works on the overlay both are on: is right still on ov?"))
        except docker.errors.NotFound:
            checks.append((False, "host2 has no container named right", "run the cells of sections 1 to 3 first: section 3 starts right on host2"))
    return result(title, checks)


def _tasks(manager: docker.DockerClient, service_id: str) -> list[dict]:
    return manager.api.tasks(filters={"service": service_id, "desired-state": "running"})


@recorded
def exercise_2(cluster, addresses, wait: float = 20.0) -> Result:
    """The service api runs 3 tasks on the overlay ov; `addresses` are their addresses there (the
    answers of `tasks.api`), not the service's virtual IP."""
    title = "Exercise 2: the service api and the addresses of its tasks"
    manager = cluster[0]
    try:
        svc = manager.api.inspect_service("api")
    except docker.errors.NotFound:
        return Result(title, False, ["the swarm has no service named api"],
                      "create it on the manager with cluster[0].services.create (docker service create), as "
                      "section 5 creates web: the image, command, network and number of replicas the exercise "
                      "asks for")
    spec = svc.get("Spec") or {}
    replicas = ((spec.get("Mode") or {}).get("Replicated") or {}).get("Replicas")
    net = inspect_network(manager.api, OVERLAY) if OVERLAY in {n.name for n in manager.networks.list()} else None
    targets = [n.get("Target") for n in (spec.get("TaskTemplate") or {}).get("Networks") or spec.get("Networks") or []]
    on_ov = net is not None and (net["Id"] in targets or OVERLAY in targets)
    checks = [(replicas == 3, f"api asks for {replicas} replicas",
               "a service can be scaled while it runs (docker service scale; in Python the service's scale())"),
              (on_ov, "api is on the overlay ov" if on_ov else "api is not on the overlay ov",
               "a service's networks are given when it is created: remove it and create it again on ov")]
    if not (replicas == 3 and on_ov):
        return result(title, checks)
    # Tasks take a moment to start (about a second on a real engine).
    deadline = time.monotonic() + wait
    while True:
        tasks = _tasks(manager, svc["ID"])
        running = [t for t in tasks if (t.get("Status") or {}).get("State") == "running"]
        if len(running) == 3 or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    checks.append((len(running) == 3, f"{len(running)} of its tasks run", "wait a moment and check again"))
    truth = sorted((a.split("/")[0] for t in running for att in t.get("NetworksAttachments") or []
                    if att["Network"]["ID"] == net["Id"] for a in att.get("Addresses") or []),
                   key=ipaddress.ip_address)
    given = _addresses(addresses)
    vips = [v["Addr"].split("/")[0] for v in (svc.get("Endpoint") or {}).get("VirtualIPs") or []
            if v.get("NetworkID") == net["Id"]]
    hint = ("each task has an address of its own on ov; the embedded DNS gives them all for the name "
            "tasks.<service> (section 5), asked from a container on ov such as right")
    if given is not None and set(given) & set(vips):
        hint = f"{vips[0]} is the service's virtual IP (what `api` resolves to); the tasks have their own"
    checks.append((given is not None and sorted(given, key=ipaddress.ip_address) == truth,
                   f"your addresses: {', '.join(given) if given else 'none'}", hint))
    return result(title, checks)


def _addresses(value) -> list[str] | None:
    if isinstance(value, str):
        value = value.replace(",", " ").split()
    try:
        return [str(ipaddress.ip_address(str(a).strip())) for a in value or []]
    except ValueError:
        return None


__all__ = ["exercise_1", "exercise_2"]
