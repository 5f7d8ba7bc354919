"""The Engine API's swarm routes: `docker swarm init|join|leave`, nodes, services and tasks."""
from __future__ import annotations

from ..engine import services, swarm
from ..errors import NotFound
from . import swarm_views
from .query import parse_filters, truthy
from .router import Reply, Routes, j

routes = Routes()


@routes.post(r"/swarm/init")
def swarm_init(engine, m, q, body):
    made = swarm.init(engine.world, engine.host, body.get("AdvertiseAddr") or "",
                      pools=body.get("DefaultAddrPool") or ["10.0.0.0/8"], size=int(body.get("SubnetSize") or 24))
    return j(made.nodes[engine.host.name].id)


@routes.post(r"/swarm/join")
def swarm_join(engine, m, q, body):
    swarm.join(engine.world, engine.host, body.get("JoinToken") or "", body.get("RemoteAddrs") or [],
               body.get("AdvertiseAddr") or "")
    return Reply(200, b"")


@routes.post(r"/swarm/leave")
def swarm_leave(engine, m, q, body):
    swarm.leave(engine.host, force=truthy(q, "force"))
    return Reply(200, b"")


@routes.get(r"/swarm")
def swarm_inspect(engine, m, q, body):
    return j(swarm_views.cluster_json(swarm.manager_of(engine.host), tokens=True))


@routes.get(r"/swarm/unlockkey")
def swarm_unlock_key(engine, m, q, body):
    swarm.manager_of(engine.host)
    return j({"UnlockKey": ""})


# nodes
@routes.get(r"/nodes")
def node_list(engine, m, q, body):
    sw = swarm.manager_of(engine.host)
    filters = parse_filters(q)
    nodes = sorted(sw.nodes.values(), key=lambda n: n.id)
    if "role" in filters:
        nodes = [n for n in nodes if n.role in filters["role"]]
    return j([swarm_views.node_json(sw, n) for n in nodes])


@routes.get(r"/nodes/(?P<id>[^/]+)")
def node_inspect(engine, m, q, body):
    sw = swarm.manager_of(engine.host)
    return j(swarm_views.node_json(sw, swarm.find_node(sw, m["id"])))


@routes.delete(r"/nodes/(?P<id>[^/]+)")
def node_remove(engine, m, q, body):
    swarm.remove_node(swarm.manager_of(engine.host), m["id"], force=truthy(q, "force"))
    return Reply(200, b"")


# services and tasks
@routes.post(r"/services/create")
def service_create(engine, m, q, body):
    svc = services.create(swarm.manager_of(engine.host), engine.host, body)
    return j({"ID": svc.id}, 201)


@routes.get(r"/services")
def service_list(engine, m, q, body):
    sw = swarm.manager_of(engine.host)
    filters = parse_filters(q)
    out = [s for s in sw.services.values()
           if "name" not in filters or any(f in s.name for f in filters["name"])]
    return j([swarm_views.service_json(sw, s) for s in out])


@routes.get(r"/services/(?P<id>[^/]+)")
def service_inspect(engine, m, q, body):
    sw = swarm.manager_of(engine.host)
    return j(swarm_views.service_json(sw, sw.find_service(m["id"])))


@routes.delete(r"/services/(?P<id>[^/]+)")
def service_remove(engine, m, q, body):
    sw = swarm.manager_of(engine.host)
    services.remove(sw, sw.find_service(m["id"]))
    return Reply(200, b"")


@routes.post(r"/services/(?P<id>[^/]+)/update")
def service_update(engine, m, q, body):
    sw = swarm.manager_of(engine.host)
    services.update(sw, sw.find_service(m["id"]), body, int(q.get("version") or 0))
    return j({"Warnings": None})


@routes.get(r"/tasks")
def task_list(engine, m, q, body):
    sw = swarm.manager_of(engine.host)
    filters = parse_filters(q)
    svcs = list(sw.services.values())
    if "service" in filters:
        svcs = [sw.find_service(f) for f in filters["service"]]
    tasks = [t for s in svcs for t in s.tasks]
    if "node" in filters:
        tasks = [t for t in tasks if t.node.id in filters["node"] or t.node.host.hostname in filters["node"]]
    return j([swarm_views.task_json(sw, t) for t in tasks])


@routes.get(r"/tasks/(?P<id>[^/]+)")
def task_inspect(engine, m, q, body):
    sw = swarm.manager_of(engine.host)
    for s in sw.services.values():
        for t in s.tasks:
            if t.id == m["id"]:
                return j(swarm_views.task_json(sw, t))
    raise NotFound(f"task {m['id']} not found")
