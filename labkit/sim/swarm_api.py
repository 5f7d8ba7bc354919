"""The Engine API's swarm routes: swarm, nodes, services and tasks, over swarm.py."""
from __future__ import annotations

from .api import Reply, j, parse_filters, route
from .errors import EngineError, InvalidParameter, NotFound, Unavailable
from .swarm import (ALREADY_IN_SWARM, NOT_A_MANAGER, Swarm, advertise_address, manager_of)


@route("POST", r"/swarm/init")
def swarm_init(engine, m, q, body):
    host = engine.host
    if host.swarm_node is not None:
        raise Unavailable(ALREADY_IN_SWARM)
    addr = advertise_address(host, body.get("AdvertiseAddr") or "")
    pools = body.get("DefaultAddrPool") or ["10.0.0.0/8"]
    size = int(body.get("SubnetSize") or 24)
    swarm = Swarm(engine.world, host, addr, pools=pools, size=size)
    return j(swarm.nodes[host.name].id)


@route("POST", r"/swarm/join")
def swarm_join(engine, m, q, body):
    host = engine.host
    if host.swarm_node is not None:
        raise Unavailable(ALREADY_IN_SWARM)
    token = body.get("JoinToken") or ""
    parts = token.split("-")
    if len(parts) != 4 or parts[:2] != ["SWMTKN", "1"]:
        raise EngineError("invalid join token")
    remotes = body.get("RemoteAddrs") or []
    swarm = None
    for remote in remotes:
        ip = remote.rsplit(":", 1)[0]
        for s in engine.world.swarms:
            if any(n.is_manager and n.addr == ip for n in s.nodes.values()):
                swarm = s
    if swarm is None:
        target = remotes[0] if remotes else ""
        raise Unavailable('rpc error: code = Unavailable desc = connection error: desc = "transport: Error while '
                          f'dialing dial tcp {target}: connect: connection refused"')
    digest = swarm.tokens["Worker"].split("-")[2]
    if parts[2] != digest:
        raise EngineError(f"remote CA does not match fingerprint. Expected: {digest[:64]}")
    if token not in swarm.tokens.values():
        raise InvalidParameter("rpc error: code = InvalidArgument desc = A valid join token is necessary to join "
                               "this cluster")
    swarm.join(host, token, advertise_address(host, body.get("AdvertiseAddr") or ""))
    return Reply(200, b"")


@route("POST", r"/swarm/leave")
def swarm_leave(engine, m, q, body):
    host = engine.host
    if host.swarm_node is None:
        raise Unavailable("This node is not part of a swarm")
    host.swarm_node.swarm.leave(host, force=q.get("force") in ("1", "true", "True"))
    return Reply(200, b"")


@route("GET", r"/swarm")
def swarm_inspect(engine, m, q, body):
    return j(manager_of(engine.host).cluster_json(tokens=True))


@route("GET", r"/swarm/unlockkey")
def swarm_unlock_key(engine, m, q, body):
    manager_of(engine.host)
    return j({"UnlockKey": ""})


# nodes
@route("GET", r"/nodes")
def node_list(engine, m, q, body):
    swarm = manager_of(engine.host)
    filters = parse_filters(q)
    nodes = sorted(swarm.nodes.values(), key=lambda n: n.id)
    if "role" in filters:
        nodes = [n for n in nodes if n.role in filters["role"]]
    return j([swarm.node_json(n) for n in nodes])


def _node(swarm, term: str):
    for n in swarm.nodes.values():
        if term in (n.id, n.host.hostname) or (len(term) >= 3 and n.id.startswith(term)):
            return n
    raise NotFound(f"node {term} not found")


@route("GET", r"/nodes/(?P<id>[^/]+)")
def node_inspect(engine, m, q, body):
    swarm = manager_of(engine.host)
    return j(swarm.node_json(_node(swarm, m["id"])))


@route("DELETE", r"/nodes/(?P<id>[^/]+)")
def node_remove(engine, m, q, body):
    swarm = manager_of(engine.host)
    node = _node(swarm, m["id"])
    if node.is_manager:
        raise InvalidParameter(f"rpc error: code = FailedPrecondition desc = node {node.id} is a cluster manager and "
                               f"is a member of the raft cluster. It must be demoted to worker before removal")
    if node.state != "down" and q.get("force") not in ("1", "true", "True"):
        raise InvalidParameter(f"rpc error: code = FailedPrecondition desc = node {node.id} is not down and can't "
                               f"be removed")
    del swarm.nodes[node.host.name]
    return Reply(200, b"")


# services and tasks
@route("POST", r"/services/create")
def service_create(engine, m, q, body):
    swarm = manager_of(engine.host)
    svc = swarm.create_service(engine.host, body)
    return j({"ID": svc.id}, 201)


@route("GET", r"/services")
def service_list(engine, m, q, body):
    swarm = manager_of(engine.host)
    filters = parse_filters(q)
    out = [s for s in swarm.services.values()
           if "name" not in filters or any(f in s.name for f in filters["name"])]
    return j([swarm.service_json(s) for s in out])


@route("GET", r"/services/(?P<id>[^/]+)")
def service_inspect(engine, m, q, body):
    swarm = manager_of(engine.host)
    return j(swarm.service_json(swarm.find_service(m["id"])))


@route("DELETE", r"/services/(?P<id>[^/]+)")
def service_remove(engine, m, q, body):
    swarm = manager_of(engine.host)
    swarm.remove_service(swarm.find_service(m["id"]))
    return Reply(200, b"")


@route("POST", r"/services/(?P<id>[^/]+)/update")
def service_update(engine, m, q, body):
    swarm = manager_of(engine.host)
    svc = swarm.find_service(m["id"])
    swarm.update_service(svc, body, int(q.get("version") or 0))
    return j({"Warnings": None})


@route("GET", r"/tasks")
def task_list(engine, m, q, body):
    swarm = manager_of(engine.host)
    filters = parse_filters(q)
    services = list(swarm.services.values())
    if "service" in filters:
        services = [swarm.find_service(f) for f in filters["service"]]
    tasks = [t for s in services for t in s.tasks]
    if "node" in filters:
        tasks = [t for t in tasks if t.node.id in filters["node"] or t.node.host.hostname in filters["node"]]
    return j([swarm.task_json(t) for t in tasks])


@route("GET", r"/tasks/(?P<id>[^/]+)")
def task_inspect(engine, m, q, body):
    swarm = manager_of(engine.host)
    for s in swarm.services.values():
        for t in s.tasks:
            if t.id == m["id"]:
                return j(swarm.task_json(t))
    raise NotFound(f"task {m['id']} not found")


__all__ = ["NOT_A_MANAGER"]
