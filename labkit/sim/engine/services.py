"""Swarm services and their tasks: `docker service create`, `update`, `rm`.

A service's tasks are containers the swarm starts (at once, here) on its ready nodes: spread to
the node with the fewest tasks and overlay containers (ties: join order), or one per node for a
global service. A service gets a virtual IP on each of its networks unless its endpoint mode is
dnsrr; a published port puts it on the ingress network too. The load-balancer addresses of hosts
new to a network come after the round's own addresses.
"""
from __future__ import annotations

import re

from ..errors import Conflict, EngineError, InvalidParameter
from ..state import Host, Node, Service, Swarm, Task, now
from . import containers
from .drivers import overlay

DNS_NAME = re.compile(r"^[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$")


def canonical(value):
    """A request body as the engine reads it: Go's JSON decoding matches field names without
    regard to case (docker-py sends {"replicated": ...}), and empty fields are left out."""
    known = {"replicated": "Replicated", "global": "Global", "replicas": "Replicas"}
    if isinstance(value, dict):
        return {known.get(k, k): canonical(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [canonical(v) for v in value]
    return value


def create(swarm: Swarm, host: Host, spec: dict) -> Service:
    spec = canonical(spec)
    name = spec.get("Name") or ""
    if not DNS_NAME.match(name):
        raise InvalidParameter("rpc error: code = InvalidArgument desc = name must be valid as a DNS name component")
    if any(s.name == name for s in swarm.services.values()):
        raise Conflict(f"rpc error: code = AlreadyExists desc = name conflicts with an existing object: "
                       f"service {name} already exists")
    template = spec.get("TaskTemplate") or {}
    nets = []
    for ref in (template.get("Networks") or spec.get("Networks") or []):
        target = ref.get("Target") if isinstance(ref, dict) else ref
        net = next((n for n in swarm.networks.values() if target in (n.id, n.name)), None)
        if net is None:
            raise EngineError(f"network {target} not found")
        nets.append(net)
    ports = [{"Protocol": p.get("Protocol", "tcp"), "TargetPort": p.get("TargetPort"),
              "PublishedPort": p.get("PublishedPort"), "PublishMode": p.get("PublishMode", "ingress")}
             for p in ((spec.get("EndpointSpec") or {}).get("Ports") or [])]
    if ports and ((spec.get("EndpointSpec") or {}).get("Mode") == "dnsrr"):
        raise InvalidParameter("rpc error: code = InvalidArgument desc = EndpointSpec: port published with "
                               "ingress mode can't be used with dnsrr mode")
    for p in ports:
        for other in swarm.services.values():
            if any(o["PublishedPort"] == p["PublishedPort"] for o in other.ports):
                raise InvalidParameter(f"rpc error: code = InvalidArgument desc = port '{p['PublishedPort']}' "
                                       f"is already in use by service '{other.name}' ({other.id}) as an ingress port")
    swarm.version += 10
    svc = Service(swarm.world.new_swarm_id("service", name), name, spec, now(), swarm.version, nets, ports=ports)
    if ports:
        svc.networks = [swarm.ingress_net()] + nets
    if not svc.dnsrr:
        for net in svc.networks:
            svc.vips[net.id] = overlay.take_address(net)
    swarm.services[svc.id] = svc
    converge(swarm, svc)
    return svc


def remove(swarm: Swarm, svc: Service) -> None:
    for t in list(svc.tasks):
        _stop_task(t)
    del swarm.services[svc.id]


def update(swarm: Swarm, svc: Service, spec: dict, version: int) -> None:
    if version != svc.version:
        raise EngineError("rpc error: code = Unknown desc = update out of sequence")
    swarm.version += 1
    svc.spec = canonical(spec)
    svc.version = swarm.version
    converge(swarm, svc)


def converge(swarm: Swarm, svc: Service) -> None:
    """Start or stop tasks until the service has what it asks for (at once, here): one
    allocation round, the new hosts' load-balancer addresses last."""
    swarm.in_round = True
    try:
        _converge(swarm, svc)
    finally:
        swarm.in_round = False
        overlay.give_lb_addresses(swarm)


def _converge(swarm: Swarm, svc: Service) -> None:
    if svc.global_mode:
        have = {t.node.host.name for t in svc.tasks}
        for node in swarm.ready_nodes():
            if node.host.name not in have:
                _start_task(swarm, svc, len(svc.tasks) + 1, node)
        return
    while len(svc.tasks) > svc.replicas:
        _stop_task(svc.tasks[-1])
    slot = len(svc.tasks)
    new = []
    while len(svc.tasks) + len(new) < svc.replicas:
        slot += 1
        new.append(slot)
    for s in new:
        _start_task(swarm, svc, s, _place(swarm))


def _place(swarm: Swarm) -> Node:
    """Spread: the node with the fewest tasks and overlay containers (ties: join order)."""
    def load(node: Node) -> int:
        return sum(1 for c in node.host.containers.values()
                   if c.running and any(e.network.swarm is swarm for e in c.endpoints.values()))
    return min(swarm.ready_nodes(), key=load)


def _start_task(swarm: Swarm, svc: Service, slot: int, node: Node) -> Task:
    host = node.host
    tid = swarm.world.new_swarm_id("task", f"{svc.id}/{slot}")
    cs = (svc.spec.get("TaskTemplate") or {}).get("ContainerSpec") or {}
    # swarmkit's container adapter: Command replaces the image's entrypoint (Args its command);
    # without it, Args replace the image's command (`docker service create IMAGE CMD ARG...`).
    command = {"Entrypoint": cs["Command"], "Cmd": cs.get("Args") or []} if cs.get("Command") else \
        {"Cmd": cs["Args"]} if cs.get("Args") else {}
    body = {"Image": cs.get("Image", "busybox"), **command, "Labels": {
        "com.docker.swarm.node.id": node.id, "com.docker.swarm.service.id": svc.id,
        "com.docker.swarm.service.name": svc.name, "com.docker.swarm.task": "",
        "com.docker.swarm.task.id": tid, "com.docker.swarm.task.name": f"{svc.name}.{slot}.{tid}"},
        "HostConfig": {"NetworkMode": "default", "PortBindings": {}}}
    c = containers.create(host, f"{svc.name}.{slot}.{tid}", body)
    c.net_requests = {n.name: {"IPAMConfig": None} for n in svc.networks}
    c.net_ids = {}
    c.swarm_task = True
    containers.start(c)
    task = Task(tid, svc, slot, node, c, now(), swarm.version)
    svc.tasks.append(task)
    return task


def _stop_task(task: Task) -> None:
    containers.remove(task.container, force=True)
    task.service.tasks.remove(task)
