"""Swarm: managers and workers, joining and leaving (services and tasks: engine/services.py).

What the simulator reproduces, as measured on Engine 20.10 (tests/data/swarm-observed.md):
- A host joins by `swarm init` (it becomes the leader) or `swarm join` with a token; nodes are
  listed only on managers. The last manager leaves only with force.
- The swarm's address pool is 10.0.0.0/8 in /24s, handed out in order and never reused at once:
  ingress takes 10.0.0.0/24 at init, each overlay the next one (10.0.1.0/24, ...), each with the
  next VXLAN ID (4096, 4097, ...). Addresses inside an overlay are also handed out in order and
  not reused at once (the overlay driver: engine/drivers/overlay.py).
- Every node gets docker_gwbridge (the next free local /16) and an ingress sandbox. A container
  on an overlay gets eth0 on the overlay (MTU 1450) and eth1 on docker_gwbridge, its way out.
- A worker lists an overlay only while something of its own uses it. On a host that uses an
  overlay, inspect shows the local endpoints, the host's load-balancer endpoint lb-NAME and Peers.
- The embedded DNS answers container names across hosts, a service's name with its virtual IP
  and tasks.NAME with the addresses of its tasks.

Where the kernels of these machines cannot run something (IPVS for virtual IPs and the routing
mesh, ESP for encrypted overlays), the simulator follows Docker's documentation: a service's
virtual IP answers (balanced over its tasks), a published port answers on every node, encrypted
overlays carry traffic. The conformance scenarios for those are marked documented-only.
"""
from __future__ import annotations

import ipaddress

from ..errors import EngineError, InvalidParameter, NotFound, Unavailable
from ..state import AddressSpace, ExtraEndpoint, Host, Iface, Node, Swarm, World, now
from . import endpoints, ipam
from .drivers import overlay
from .drivers.base import NetworkSpec
from .drivers.bridge import veth_mac
from .drivers.overlay import NOT_A_MANAGER, WORKER_NOT_MANAGER

ALREADY_IN_SWARM = ('This node is already part of a swarm. Use "docker swarm leave" to leave this swarm and '
                    'join another one.')
LAST_MANAGER = ("You are attempting to leave the swarm on a node that is participating as a manager. Removing "
                "the last manager erases all current state of the swarm. Use `--force` to ignore this message. ")


def manager_of(host: Host) -> Swarm:
    """The swarm of a host that is a manager, or the engine's refusal."""
    node = host.swarm_node
    if node is None:
        raise Unavailable(NOT_A_MANAGER)
    if not node.is_manager:
        raise Unavailable(WORKER_NOT_MANAGER)
    return node.swarm


def advertise_address(host: Host, text: str) -> str:
    """The address a node advertises: as given (an address or an interface, with an optional
    port), else its underlay address."""
    if not text:
        ip = host.underlay_ip
        if ip is None:
            raise InvalidParameter("could not choose an IP address to advertise since this system has multiple "
                                   "addresses on different interfaces")
        return str(ip)
    base = text.rsplit(":", 1)[0] if text.count(":") == 1 else text
    for iface in host.ifaces:
        if iface.name == base and iface.ip is not None:
            return str(iface.ip)
    try:
        return str(ipaddress.IPv4Address(base))
    except ValueError:
        raise InvalidParameter("advertise address must be a non-zero IP address or network interface "
                               "(with optional port number)") from None


# -- joining ---------------------------------------------------------------------------------------
def init(world: World, host: Host, advertise: str, pools: list[str], size: int = 24) -> Swarm:
    """docker swarm init: a new swarm with this host as its leader, and its ingress network."""
    if host.swarm_node is not None:
        raise Unavailable(ALREADY_IN_SWARM)
    addr = advertise_address(host, advertise)
    sid, created = world.new_swarm_id("swarm"), now()
    digest = world.new_swarm_id("ca") + world.new_swarm_id("ca")
    tokens = {"Worker": f"SWMTKN-1-{digest}-{world.new_swarm_id('token')}",
              "Manager": f"SWMTKN-1-{digest}-{world.new_swarm_id('token')}"}
    swarm = Swarm(world, sid, created, list(pools), size, AddressSpace(ipam.swarm_pools(list(pools), size)), tokens)
    world.swarms.append(swarm)
    _add_node(swarm, host, "manager", addr)
    swarm.ingress = overlay.make(swarm, host, NetworkSpec("ingress", ingress=True))
    _node_joined(swarm, host)
    return swarm


def join(world: World, host: Host, token: str, remotes: list[str], advertise: str) -> None:
    """docker swarm join --token TOKEN MANAGER: as a worker or a manager, as the token says."""
    if host.swarm_node is not None:
        raise Unavailable(ALREADY_IN_SWARM)
    parts = token.split("-")
    if len(parts) != 4 or parts[:2] != ["SWMTKN", "1"]:
        raise EngineError("invalid join token")
    swarm = None
    for remote in remotes:
        ip = remote.rsplit(":", 1)[0]
        for s in world.swarms:
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
    role = "manager" if token == swarm.tokens["Manager"] else "worker"
    _add_node(swarm, host, role, advertise_address(host, advertise))
    _node_joined(swarm, host)


def _add_node(swarm: Swarm, host: Host, role: str, addr: str) -> Node:
    node = Node(swarm.world.new_swarm_id("node", host.name), host, swarm, role, addr, now())
    swarm.nodes[host.name] = node
    host.swarm_node = node
    return node


def _node_joined(swarm: Swarm, host: Host) -> None:
    """What init or join builds on a host: docker_gwbridge and the ingress sandbox."""
    # Interface indexes the engine uses up: a transient one, ingress's vxlan0, the sandbox's pair.
    for _ in range(4):
        host.new_ifindex()
    gw = overlay.ensure_gwbridge(host)
    sbox_ip = overlay.take_address(swarm.ingress)
    overlay.add_extra(swarm, swarm.ingress, host, "ingress-sbox", "ingress-endpoint", sbox_ip)
    inside = host.new_ifindex()
    outside = host.new_ifindex()
    ip = ipam.take(gw.pools[0])
    ep_id = swarm.world.new_id("endpoint", f"{host.name}/ingress-sbox")
    swarm.extra.setdefault(gw.id, {})["ingress-sbox"] = ExtraEndpoint(
        "ingress-sbox", "gateway_ingress-sbox", ep_id, host, ip, gw.pools[0].subnet.prefixlen)
    host.ifaces.append(Iface(outside, "veth" + ep_id[:7], veth_mac(ep_id), peer_index=inside,
                             master=overlay.GWBRIDGE, flags="BROADCAST,MULTICAST,UP,LOWER_UP,M-DOWN"))


# -- leaving ---------------------------------------------------------------------------------------
def leave(host: Host, force: bool) -> None:
    """docker swarm leave: the host's containers leave the swarm's networks; a departed worker is
    listed as down; the last manager (with force) takes the swarm's state with it."""
    if host.swarm_node is None:
        raise Unavailable("This node is not part of a swarm")
    swarm = host.swarm_node.swarm
    node = swarm.nodes[host.name]
    if node.is_manager and len(swarm.managers()) == 1 and not force:
        raise Unavailable(LAST_MANAGER)
    for c in list(host.containers.values()):
        for ep in list(c.endpoints.values()):
            if ep.network.swarm is swarm or ep.network.name == overlay.GWBRIDGE:
                endpoints.leave(c, ep.network)
                c.net_requests.pop(ep.network.name, None)
                c.net_ids.pop(ep.network.name, None)
    for eps in swarm.extra.values():
        for key in [k for k, e in eps.items() if e.host is host]:
            del eps[key]
    gw = next((n for n in host.networks.values() if n.name == overlay.GWBRIDGE), None)
    if gw is not None:
        swarm.extra.get(gw.id, {}).pop("ingress-sbox", None)
    host.swarm_node = None
    if node.is_manager and len(swarm.managers()) == 1:
        # The last manager gone: the swarm's state with it.
        for other in swarm.nodes.values():
            other.host.swarm_node = None if other is node else other.host.swarm_node
        del swarm.nodes[host.name]
        if swarm in swarm.world.swarms:
            swarm.world.swarms.remove(swarm)
        return
    # The engine keeps a departed worker listed as ready for ~14 s, then "down"; here at once.
    node.state, node.message = "down", "heartbeat failure"


def find_node(swarm: Swarm, term: str) -> Node:
    for n in swarm.nodes.values():
        if term in (n.id, n.host.hostname) or (len(term) >= 3 and n.id.startswith(term)):
            return n
    raise NotFound(f"node {term} not found")


def remove_node(swarm: Swarm, term: str, force: bool) -> None:
    """docker node rm: a worker that is down (or any worker, with force)."""
    node = find_node(swarm, term)
    if node.is_manager:
        raise InvalidParameter(f"rpc error: code = FailedPrecondition desc = node {node.id} is a cluster manager and "
                               f"is a member of the raft cluster. It must be demoted to worker before removal")
    if node.state != "down" and not force:
        raise InvalidParameter(f"rpc error: code = FailedPrecondition desc = node {node.id} is not down and can't "
                               f"be removed")
    del swarm.nodes[node.host.name]
