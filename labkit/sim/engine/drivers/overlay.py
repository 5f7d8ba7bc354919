"""overlay: a network of a swarm, spanning the hosts that use it (VXLAN between them).

Made on a manager only, from the swarm's own address space (10.0.0.0/8 in /24s, in order, never
reused at once), each with the next VXLAN ID (4096, 4097, ...); addresses inside it are handed out
in order too. An explicit subnet that overlaps another is accepted and never allocated (20.10).

A container joins only an attachable overlay (a service's tasks join any), on a host of the swarm;
with it the engine joins the container to docker_gwbridge (its way out, eth1) unless a bridge
network already gives it one, and gives the host a load-balancer address on the overlay (after the
round's own addresses: a service's tasks all come first). The MTU is 1450 (VXLAN's 50 bytes).

What answers on an overlay besides its containers: a service's virtual IP (Docker's documented
IPVS balancing over its tasks), and the overlay's gateway, which every host answers itself.

A manager where a container or a task joined the overlay keeps a local copy of it; after `docker
network rm` it removes the copy in the background, and lists it until then (LOCAL_COPY_LINGERS).
"""
from __future__ import annotations

from .... import rules
import ipaddress

from ...errors import Conflict, EngineError, Forbidden, InvalidParameter, NotFound
from ...state import Container, Endpoint, ExtraEndpoint, Host, IPv4Addr, Network, Swarm, now
from .. import ipam, processes
from ..sockets import Outcome, container_listens
from . import bridge
from .base import Driver, NetworkSpec

NOT_A_MANAGER = ('This node is not a swarm manager. Use "docker swarm init" or "docker swarm join" '
                 'to connect this node to swarm and try again.')
WORKER_NOT_MANAGER = ("This node is not a swarm manager. Worker nodes can't be used to view or modify cluster "
                      "state. Please run this command on a manager node or promote the current node to a manager.")
GWBRIDGE = rules.GWBRIDGE
# Seconds of the world's time a manager still lists an overlay a service's task used after `docker
# network rm` answered: the last docker-py networks() naming it (polled every 5 ms) came 0.13-0.21 s
# after remove_network returned, gone at 0.138, 0.155, 0.164, 0.187, 0.188, 0.195, 0.222 s (7 runs
# on a fresh private engine, 20.10.24, 2026-12-06; the median). One no task used: gone at once.
LOCAL_COPY_LINGERS = 0.187


class Overlay(Driver):
    kind = rules.Driver.OVERLAY

    def create(self, host: Host, spec: NetworkSpec) -> Network:
        node = host.swarm_node
        if node is None:
            raise EngineError(NOT_A_MANAGER)
        if not node.is_manager:
            raise Forbidden("Cannot create a multi-host network from a worker node. Please create the network from "
                            "a manager node.")
        return make(node.swarm, host, spec)

    def remove(self, host: Host, net: Network) -> None:
        swarm = net.swarm
        if not host.swarm_node or not host.swarm_node.is_manager:
            raise Forbidden(WORKER_NOT_MANAGER)
        for svc in swarm.services.values():
            if net in svc.networks:
                raise InvalidParameter(f"rpc error: code = FailedPrecondition desc = network {net.id} is in use by "
                                       f"service {svc.id}")
            if net.ingress and svc.ports:
                raise InvalidParameter("rpc error: code = FailedPrecondition desc = ingress network cannot be "
                                       f"removed because service {svc.id} depends on it")
        if net.endpoints:
            task_id = swarm.world.new_swarm_id("attachment")
            raise InvalidParameter(f"rpc error: code = FailedPrecondition desc = network {net.id} is in use by task "
                                   f"{task_id}")
        if net.pools:
            ipam.release(swarm.space, net.pools[0])
        swarm.networks.pop(net.id, None)
        swarm.extra.pop(net.id, None)
        for node in swarm.nodes.values():
            if net.id in node.copies:   # removed in the background
                processes.after(swarm.world, None, LOCAL_COPY_LINGERS,
                                lambda node=node: node.copies.pop(net.id, None), "network cleanup")

    def admit(self, c: Container, net: Network) -> None:
        if not net.attachable and not c.swarm_task:
            raise EngineError(f"Could not attach to network {net.name}: rpc error: code = "
                              f"PermissionDenied desc = network {net.name} not manually attachable")

    def prepare(self, c: Container, net: Network) -> None:
        host, swarm = c.host, net.swarm
        node = host.swarm_node
        if node is None or node.swarm is not swarm:
            raise NotFound(f"network {net.name} not found")
        if net.unallocated:
            raise EngineError(f"network {net.name} is not allocated")
        if not swarm.uses(host, net):
            for _ in range(3):  # the host's vxlan0 and load-balancer pair for this network
                host.new_ifindex()

    def joined(self, c: Container, net: Network, ep: Endpoint) -> list[Network]:
        host, swarm = c.host, net.swarm
        if host.swarm_node is not None and host.swarm_node.is_manager:
            host.swarm_node.copies[net.id] = net
        key = f"{host.name}/lb-{net.name}"
        if key not in swarm.extra.get(net.id, {}) and (net, host) not in swarm.pending_lbs:
            # A host new to the network gets its load-balancer address after the round's own
            # addresses (a service's tasks all come first).
            swarm.pending_lbs.append((net, host))
            if not swarm.in_round:
                give_lb_addresses(swarm)
        needs_way_out = not net.internal and not any(
            rules.has_bridge(e.network.driver) and e.network.name != GWBRIDGE for e in c.endpoints.values())
        has_leg = any(e.network.name == GWBRIDGE for e in c.endpoints.values())
        return [ensure_gwbridge(host)] if needs_way_out and not has_leg else []

    def left(self, c: Container, net: Network) -> list[Network]:
        swarm = net.swarm
        still_overlay = any(e.network.swarm is swarm and not e.network.internal for e in c.endpoints.values())
        legs = [] if still_overlay else [e.network for e in c.endpoints.values() if e.network.name == GWBRIDGE][:1]
        if not swarm.uses(c.host, net):
            swarm.extra.get(net.id, {}).pop(f"{c.host.name}/lb-{net.name}", None)
        return legs

    def on_link(self, host: Host, net: Network, dst: IPv4Addr, port, proto, from_container, ttl, hops) -> Outcome | None:
        target = vip_target(net.swarm, dst)
        if target is not None:  # Docker's documented virtual IP, balanced by IPVS
            if port is None:
                return Outcome(True, f"virtual IP of a service on {net.name}", ttl=ttl, target=target)
            return container_listens(target, port, proto, ttl=ttl)
        if dst in net.gateways:  # every host answers for an overlay's gateway itself
            return Outcome(True, f"the gateway of overlay {net.name}", target=host)
        return None


DRIVER = Overlay()


def make(swarm: Swarm, host: Host, spec: NetworkSpec) -> Network:
    """A new overlay of the swarm (the ingress network too, at `swarm init`)."""
    if any(n.name == spec.name for n in swarm.networks.values()):
        raise Conflict(f"network with name {spec.name} already exists")
    if spec.ingress and any(n.ingress for n in swarm.networks.values()):
        raise Conflict(f"rpc error: code = AlreadyExists desc = ingress network ({swarm.ingress_net().id}) "
                       f"is already present")
    net = Network(swarm.world.new_swarm_id("network", spec.name), spec.name, rules.Driver.OVERLAY, host, now(), scope="swarm",
                  internal=spec.internal, attachable=spec.attachable, ingress=spec.ingress,
                  options=dict(spec.options), labels=dict(spec.labels), ipam_options=spec.ipam.get("Options"))
    net.swarm = swarm
    configs = spec.ipam.get("Config") or []
    try:
        if configs and configs[0].get("Subnet"):
            pool = ipam.request(swarm.space, ipaddress.ip_network(configs[0]["Subnet"], strict=False))
            net.user_subnets = True
        else:
            pool = ipam.request(swarm.space)
    except EngineError:
        # An explicit subnet that overlaps another: accepted, but never allocated (20.10).
        net.unallocated = True
        swarm.networks[net.id] = net
        return net
    pool.serial = True
    gw_text = configs[0].get("Gateway") if configs else None
    gw = ipam.take(pool, IPv4Addr(gw_text) if gw_text else None)
    net.pools, net.gateways = [pool], [gw]
    net.ipam_config = [{"Subnet": str(pool.subnet), "Gateway": str(gw)}]
    net.vxlan_id = swarm.next_vxlan
    swarm.next_vxlan += 1
    net.options = {"com.docker.network.driver.overlay.vxlanid_list": str(net.vxlan_id), **net.options}
    swarm.networks[net.id] = net
    return net


def vip_target(swarm: Swarm, ip: IPv4Addr) -> Container | None:
    """Docker's documented virtual IP: balanced over the service's running tasks (IPVS)."""
    for svc in swarm.services.values():
        if ip in svc.vips.values() and svc.tasks:
            return svc.tasks[0].container
    return None


def take_address(net: Network, want: IPv4Addr | None = None) -> IPv4Addr:
    return ipam.take(net.pools[0], want)


def add_extra(swarm: Swarm, net: Network, host: Host, key: str, name: str, ip: IPv4Addr) -> None:
    """An endpoint of the engine's own on an overlay (a host's load balancer, the ingress sandbox)."""
    swarm.extra.setdefault(net.id, {})[f"{host.name}/{key}"] = ExtraEndpoint(
        key, name, swarm.world.new_id("endpoint", f"{net.id}/{host.name}/{key}"), host, ip,
        net.pools[0].subnet.prefixlen)


def give_lb_addresses(swarm: Swarm) -> None:
    """The load-balancer addresses of the hosts new to an overlay, in the order the nodes joined."""
    order = {n.host.name: i for i, n in enumerate(swarm.nodes.values())}
    for net, host in sorted(swarm.pending_lbs, key=lambda nh: order.get(nh[1].name, 0)):
        if swarm.uses(host, net):
            add_extra(swarm, net, host, f"lb-{net.name}", f"{net.name}-endpoint", take_address(net))
    swarm.pending_lbs.clear()


def ensure_gwbridge(host: Host) -> Network:
    """docker_gwbridge: the local bridge that gives overlay containers their way out of the host."""
    for net in host.networks.values():
        if net.name == GWBRIDGE:
            return net
    return bridge.DRIVER.create(host, NetworkSpec(GWBRIDGE, options={
        "com.docker.network.bridge.enable_icc": "false",
        "com.docker.network.bridge.enable_ip_masquerade": "true",
        "com.docker.network.bridge.name": GWBRIDGE}))


def lingering(host: Host) -> dict[str, Network]:
    """The overlays removed from the swarm whose local copy this manager has not yet removed."""
    node = host.swarm_node
    if node is None:
        return {}
    return {i: n for i, n in node.copies.items() if i not in node.swarm.networks}
