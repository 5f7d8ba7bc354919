"""The Engine API's network routes: `docker network ls|inspect|create|rm|prune|connect|disconnect`."""
from __future__ import annotations

from ... import rules
from ..engine import costs, endpoints, networks
from ..engine.drivers import NetworkSpec
from ..errors import EngineError, InvalidParameter, NotFound
from .filters import check_keys, until_cutoff
from .query import labels_match, parse_filters, regex_match
from .router import Reply, Routes, j
from .views import network_json, parse_time

routes = Routes()


@routes.get(r"/networks/?")
def network_list(engine, m, q, body):
    filters = parse_filters(q)
    check_keys(filters, ("dangling", "driver", "id", "label", "name", "scope", "type"))
    for value in filters.get("type", []):
        if value not in ("builtin", "custom"):
            raise EngineError(f"invalid filter: 'type'='{value}'")
    for value in filters.get("dangling", []):
        if value.lower() not in ("true", "1", "false", "0"):
            raise InvalidParameter("invalid value for filter 'dangling', must be \"true\" (or \"1\"), or \"false\" (or \"0\")")
    nets = []
    for net in networks.listed(engine.host).values():
        if "name" in filters and not any(regex_match(p, net.name) for p in filters["name"]):
            continue
        if "id" in filters and not any(regex_match(p, net.id) for p in filters["id"]):
            continue
        if "driver" in filters and net.driver not in filters["driver"]:
            continue
        if "label" in filters and not labels_match(filters["label"], net.labels):
            continue
        if "scope" in filters and net.scope not in filters["scope"]:
            continue
        if "type" in filters:
            kind = "builtin" if net.predefined else "custom"
            if kind not in filters["type"]:
                continue
        if "dangling" in filters:
            dangling = not net.predefined and not net.endpoints
            if (filters["dangling"][0].lower() in ("true", "1")) != dangling:
                continue
        nets.append(network_json(net, verbose=False, host=engine.host))
    return j(nets)


@routes.get(r"/networks/(?P<id>[^/]+)")
def network_inspect(engine, m, q, body):
    """docker network inspect [--scope]: a network of another scope is not found."""
    net = networks.inspected(engine.host, m["id"])
    if q.get("scope") and q["scope"] != net.scope:
        raise NotFound(f"network {m['id']} not found")
    return j(network_json(net, host=engine.host))


@routes.post(r"/networks/create")
def network_create(engine, m, q, body):
    spec = NetworkSpec(body.get("Name", ""), body.get("IPAM") or {}, internal=bool(body.get("Internal")),
                       attachable=bool(body.get("Attachable")), ingress=bool(body.get("Ingress")),
                       enable_ipv6=bool(body.get("EnableIPv6")), options=dict(body.get("Options") or {}),
                       labels=dict(body.get("Labels") or {}))
    net = networks.create(engine.host, spec, body.get("Driver") or rules.Driver.BRIDGE,
                          check_duplicate=bool(body.get("CheckDuplicate")))
    costs.spend(engine.world, costs.NETWORK_CREATE if net.scope == "local" else 0.0)
    return j({"Id": net.id, "Warning": ""}, 201)


@routes.delete(r"/networks/(?P<id>[^/]+)")
def network_remove(engine, m, q, body):
    cost = costs.network_removal(engine.host.find_network(m["id"]))
    networks.remove(engine.host, m["id"])
    costs.spend(engine.world, cost)
    return Reply(204, b"")


@routes.post(r"/networks/prune")
def network_prune(engine, m, q, body):
    filters = parse_filters(q)
    cutoff = until_cutoff(filters)

    def keep(net):
        if cutoff is not None and parse_time(net.created) >= cutoff:
            return True
        return "label" in filters and not labels_match(filters["label"], net.labels)
    deleted = networks.prune(engine.host, keep)
    return j({"NetworksDeleted": deleted or None})


@routes.post(r"/networks/(?P<id>[^/]+)/connect")
def network_connect(engine, m, q, body):
    host = engine.host
    c = host.find_container(body.get("Container") or "")  # the engine looks for the container first
    net = host.find_network(m["id"], attach=True)
    endpoints.connect(c, net, body.get("EndpointConfig") or {})
    costs.spend(engine.world, costs.CONNECT)
    return Reply(200, b"")


@routes.post(r"/networks/(?P<id>[^/]+)/disconnect")
def network_disconnect(engine, m, q, body):
    host = engine.host
    net = host.find_network(m["id"])
    c = host.find_container(body.get("Container") or "")
    endpoints.disconnect(c, net, force=bool(body.get("Force")))
    costs.spend(engine.world, costs.DISCONNECT)
    return Reply(200, b"")
