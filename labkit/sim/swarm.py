"""Swarm: managers and workers, the overlay networks they share, services and their tasks.

What the simulator reproduces, as measured on Engine 20.10 (tests/data/swarm-observed.md):
- A host joins by `swarm init` (it becomes the leader) or `swarm join` with a token; nodes are
  listed only on managers. The last manager leaves only with force.
- The swarm's address pool is 10.0.0.0/8 in /24s, handed out in order and never reused at once:
  ingress takes 10.0.0.0/24 at init, each overlay the next one (10.0.1.0/24, ...), each with the
  next VXLAN ID (4096, 4097, ...). Addresses inside an overlay are also handed out in order and
  not reused at once.
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

import hashlib
import ipaddress
import re
from dataclasses import dataclass, field

from . import ipam
from .errors import Conflict, EngineError, Forbidden, InvalidParameter, NotFound, Unavailable
from .world import Container, Endpoint, Host, Iface, IPv4Addr, Network, now

NOT_A_MANAGER = ('This node is not a swarm manager. Use "docker swarm init" or "docker swarm join" '
                 'to connect this node to swarm and try again.')
WORKER_NOT_MANAGER = ("This node is not a swarm manager. Worker nodes can't be used to view or modify cluster "
                      "state. Please run this command on a manager node or promote the current node to a manager.")
ALREADY_IN_SWARM = ('This node is already part of a swarm. Use "docker swarm leave" to leave this swarm and '
                    'join another one.')
LAST_MANAGER = ("You are attempting to leave the swarm on a node that is participating as a manager. Removing "
                "the last manager erases all current state of the swarm. Use `--force` to ignore this message. ")
BASE36 = "0123456789abcdefghijklmnopqrstuvwxyz"
DNS_NAME = re.compile(r"^[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$")


def swarm_id(world, kind: str, key: str = "") -> str:
    """Swarm's object IDs: 25 characters of base 36 (deterministic here, random on the engine)."""
    n = int(world.new_id(kind, key), 16)
    out = ""
    for _ in range(25):
        n, r = divmod(n, 36)
        out += BASE36[r]
    return out


@dataclass
class ExtraEndpoint:
    """An endpoint of the engine's own, not a container's: a sandbox (ingress-sbox) or a host's
    load balancer (lb-NAME). Shown in `docker network inspect` under Containers."""

    key: str
    name: str
    id: str
    host: Host
    ip: IPv4Addr
    prefixlen: int

    @property
    def mac(self) -> str:
        return "02:42:" + ":".join(f"{b:02x}" for b in self.ip.packed)


@dataclass
class Node:
    id: str
    host: Host
    swarm: "Swarm"
    role: str
    addr: str
    created: str
    state: str = "ready"
    availability: str = "active"
    message: str = ""

    @property
    def is_manager(self) -> bool:
        return self.role == "manager"

    def info(self) -> dict:
        sw = self.swarm
        out = {"NodeID": self.id, "NodeAddr": self.addr, "LocalNodeState": "active",
               "ControlAvailable": self.is_manager, "Error": "",
               "RemoteManagers": [{"NodeID": n.id, "Addr": f"{n.addr}:2377"} for n in sw.managers()]}
        if self.is_manager:
            out.update({"Nodes": len(sw.nodes), "Managers": len(sw.managers()), "Cluster": sw.cluster_json()})
        return out

    def visible_networks(self) -> dict[str, Network]:
        """Managers see every swarm network; a worker sees ingress and what it uses."""
        return {n.id: n for n in self.swarm.networks.values()
                if self.is_manager or n.ingress or self.swarm.uses(self.host, n)}


@dataclass
class Service:
    id: str
    name: str
    spec: dict
    created: str
    version: int
    networks: list[Network]
    vips: dict[str, IPv4Addr] = field(default_factory=dict)      # network ID -> virtual IP
    ports: list[dict] = field(default_factory=list)              # published: Protocol, TargetPort, PublishedPort
    tasks: list["Task"] = field(default_factory=list)

    @property
    def replicas(self) -> int:
        return ((self.spec.get("Mode") or {}).get("Replicated") or {}).get("Replicas", 1)

    @property
    def dnsrr(self) -> bool:
        return ((self.spec.get("EndpointSpec") or {}).get("Mode") or "vip") == "dnsrr"


@dataclass
class Task:
    id: str
    service: Service
    slot: int
    node: Node
    container: Container
    created: str
    version: int


class Swarm:
    def __init__(self, world, host: Host, advertise: str, pools=("10.0.0.0/8",), size: int = 24):
        self.world = world
        self.id = swarm_id(world, "swarm")
        self.created = now()
        self.pools = list(pools)
        self.size = size
        subnets = [s for p in pools for s in ipaddress.ip_network(p).subnets(new_prefix=size)]
        self.space = ipam.AddressSpace(subnets[:65536])
        self.next_vxlan = 4096
        digest = swarm_id(world, "ca") + swarm_id(world, "ca")
        self.tokens = {"Worker": f"SWMTKN-1-{digest}-{swarm_id(world, 'token')}",
                       "Manager": f"SWMTKN-1-{digest}-{swarm_id(world, 'token')}"}
        self.nodes: dict[str, Node] = {}
        self.networks: dict[str, Network] = {}
        self.extra: dict[str, dict[str, ExtraEndpoint]] = {}  # network ID -> key -> endpoint
        self.services: dict[str, Service] = {}
        self.version = 10
        self.pending_lbs: list[tuple[Network, Host]] = []
        self.in_round = False
        world.swarms.append(self)
        self.add_node(host, "manager", advertise)
        self.ingress = self.create_overlay(host, "ingress", {}, internal=False, attachable=False, ingress=True,
                                           options={}, labels={})
        self.node_joined(host)

    # -- nodes ------------------------------------------------------------------------------------
    def managers(self) -> list[Node]:
        return [n for n in self.nodes.values() if n.is_manager and n.state == "ready"]

    def add_node(self, host: Host, role: str, addr: str) -> Node:
        node = Node(swarm_id(self.world, "node", host.name), host, self, role, addr, now())
        self.nodes[host.name] = node
        host.swarm_node = node
        return node

    def node_joined(self, host: Host) -> None:
        """What init or join builds on a host: docker_gwbridge and the ingress sandbox."""
        # Interface indexes the engine uses up: a transient one, ingress's vxlan0, the sandbox's pair.
        for _ in range(4):
            host._alloc_ifindex()
        gw = ensure_gwbridge(host)
        sbox_ip = self.take_address(self.ingress)
        self.add_extra(self.ingress, host, "ingress-sbox", "ingress-endpoint", sbox_ip)
        inside = host._alloc_ifindex()
        outside = host._alloc_ifindex()
        ip = gw.pools[0].take()
        ep_id = self.world.new_id("endpoint", f"{host.name}/ingress-sbox")
        self.extra.setdefault(gw.id, {})["ingress-sbox"] = ExtraEndpoint(
            "ingress-sbox", "gateway_ingress-sbox", ep_id, host, ip, gw.pools[0].subnet.prefixlen)
        host.ifaces.append(Iface(outside, "veth" + ep_id[:7], "7e:" + ":".join(ep_id[i:i + 2] for i in range(8, 18, 2)),
                                 peer_index=inside, master="docker_gwbridge",
                                 flags="BROADCAST,MULTICAST,UP,LOWER_UP,M-DOWN"))

    def add_extra(self, net: Network, host: Host, key: str, name: str, ip: IPv4Addr) -> None:
        self.extra.setdefault(net.id, {})[f"{host.name}/{key}"] = ExtraEndpoint(
            key, name, self.world.new_id("endpoint", f"{net.id}/{host.name}/{key}"), host, ip,
            net.pools[0].subnet.prefixlen)

    def join(self, host: Host, token: str, addr: str) -> None:
        role = "manager" if token == self.tokens["Manager"] else "worker"
        self.add_node(host, role, addr)
        self.node_joined(host)

    def leave(self, host: Host, force: bool) -> None:
        from . import containers as ctr
        node = self.nodes[host.name]
        if node.is_manager and len(self.managers()) == 1 and not force:
            raise Unavailable(LAST_MANAGER)
        for c in list(host.containers.values()):
            for ep in list(c.endpoints.values()):
                if ep.network.swarm is self or ep.network.name == "docker_gwbridge":
                    ctr.leave(c, ep.network)
                    c.net_requests.pop(ep.network.name, None)
                    c.net_ids.pop(ep.network.name, None)
        for eps in self.extra.values():
            for key in [k for k, e in eps.items() if e.host is host]:
                del eps[key]
        gw = next((n for n in host.networks.values() if n.name == "docker_gwbridge"), None)
        if gw is not None:
            self.extra.get(gw.id, {}).pop("ingress-sbox", None)
        host.swarm_node = None
        if node.is_manager and len(self.managers()) == 1:
            # The last manager gone: the swarm's state with it.
            for other in self.nodes.values():
                other.host.swarm_node = None if other is node else other.host.swarm_node
            del self.nodes[host.name]
            if self in self.world.swarms:
                self.world.swarms.remove(self)
            return
        # The engine keeps a departed worker listed as ready for ~14 s, then "down"; here at once.
        node.state, node.message = "down", "heartbeat failure"
        host.swarm_node = None

    def node_json(self, node: Node) -> dict:
        out = {
            "ID": node.id, "Version": {"Index": self.version}, "CreatedAt": node.created, "UpdatedAt": node.created,
            "Spec": {"Labels": {}, "Role": node.role, "Availability": node.availability},
            "Description": {
                "Hostname": node.host.hostname, "Platform": {"Architecture": "x86_64", "OS": "linux"},
                "Resources": {"NanoCPUs": 2000000000, "MemoryBytes": 2147483648},
                "Engine": {"EngineVersion": "20.10.24+dfsg1", "Plugins": [
                    {"Type": t, "Name": n} for t, n in (
                        [("Log", x) for x in ("awslogs", "fluentd", "gcplogs", "gelf", "journald", "json-file",
                                              "local", "logentries", "splunk", "syslog")]
                        + [("Network", x) for x in ("bridge", "host", "ipvlan", "macvlan", "null", "overlay")]
                        + [("Volume", "local")])]},
                "TLSInfo": self.tls_info()},
            "Status": {"State": node.state, "Addr": node.addr} | ({"Message": node.message} if node.message else {}),
        }
        if node.is_manager:
            out["ManagerStatus"] = {"Leader": node is self.managers()[0] if self.managers() else False,
                                    "Reachability": "reachable", "Addr": f"{node.addr}:2377"}
        return out

    def tls_info(self) -> dict:
        return {"TrustRoot": "-----BEGIN CERTIFICATE-----\n(labkit simulated swarm CA)\n-----END CERTIFICATE-----\n",
                "CertIssuerSubject": "MBMxETAPBgNVBAMTCHN3YXJtLWNh", "CertIssuerPublicKey": ""}

    def cluster_json(self, tokens: bool = False) -> dict:
        out = {
            "ID": self.id, "Version": {"Index": self.version}, "CreatedAt": self.created, "UpdatedAt": self.created,
            "Spec": {"Name": "default", "Labels": {}, "Orchestration": {"TaskHistoryRetentionLimit": 5},
                     "Raft": {"SnapshotInterval": 10000, "KeepOldSnapshots": 0, "LogEntriesForSlowFollowers": 500,
                              "ElectionTick": 10, "HeartbeatTick": 1},
                     "Dispatcher": {"HeartbeatPeriod": 5000000000}, "CAConfig": {"NodeCertExpiry": 7776000000000000},
                     "TaskDefaults": {}, "EncryptionConfig": {"AutoLockManagers": False}},
            "TLSInfo": self.tls_info(), "RootRotationInProgress": False, "DefaultAddrPool": list(self.pools),
            "SubnetSize": self.size, "DataPathPort": 4789,
        }
        if tokens:
            out["JoinTokens"] = dict(self.tokens)
        return out

    # -- overlay networks ----------------------------------------------------------------------------
    def create_overlay(self, host: Host, name: str, ipam_cfg: dict, *, internal, attachable, ingress, options,
                       labels) -> Network:
        if any(n.name == name for n in self.networks.values()):
            raise Conflict(f"network with name {name} already exists")
        if ingress and any(n.ingress for n in self.networks.values()):
            raise Conflict(f"rpc error: code = AlreadyExists desc = ingress network ({self.ingress_net().id}) "
                           f"is already present")
        net = Network(swarm_id(self.world, "network", name), name, "overlay", host, now(), scope="swarm",
                      internal=internal, attachable=attachable, ingress=ingress, options=dict(options),
                      labels=dict(labels), ipam_options=ipam_cfg.get("Options"))
        net.swarm = self
        configs = ipam_cfg.get("Config") or []
        try:
            if configs and configs[0].get("Subnet"):
                subnet = ipaddress.ip_network(configs[0]["Subnet"], strict=False)
                pool = self.space.request(subnet)
                net.user_subnets = True
            else:
                pool = self.space.request()
        except EngineError:
            # An explicit subnet that overlaps another: accepted, but never allocated (20.10).
            net.unallocated = True
            self.networks[net.id] = net
            return net
        pool.serial = True
        gw_text = configs[0].get("Gateway") if configs else None
        gw = pool.take(IPv4Addr(gw_text)) if gw_text else pool.take()
        net.pools, net.gateways = [pool], [gw]
        net.ipam_config = [{"Subnet": str(pool.subnet), "Gateway": str(gw)}]
        net.vxlan_id = self.next_vxlan
        self.next_vxlan += 1
        net.options = {"com.docker.network.driver.overlay.vxlanid_list": str(net.vxlan_id), **net.options}
        self.networks[net.id] = net
        return net

    def ingress_net(self) -> Network | None:
        return next((n for n in self.networks.values() if n.ingress), None)

    def take_address(self, net: Network, want: IPv4Addr | None = None) -> IPv4Addr:
        return net.pools[0].take(want)

    def remove_network(self, host: Host, net: Network) -> None:
        if not host.swarm_node or not host.swarm_node.is_manager:
            raise Forbidden(WORKER_NOT_MANAGER)
        for svc in self.services.values():
            if net in svc.networks:
                raise InvalidParameter(f"rpc error: code = FailedPrecondition desc = network {net.id} is in use by "
                                       f"service {svc.id}")
            if net.ingress and svc.ports:
                raise InvalidParameter("rpc error: code = FailedPrecondition desc = ingress network cannot be "
                                       f"removed because service {svc.id} depends on it")
        if net.endpoints:
            task_id = swarm_id(self.world, "attachment")
            raise InvalidParameter(f"rpc error: code = FailedPrecondition desc = network {net.id} is in use by task "
                                   f"{task_id}")
        if net.pools:
            self.space.release(net.pools[0])
        self.networks.pop(net.id, None)
        self.extra.pop(net.id, None)

    def uses(self, host: Host, net: Network) -> bool:
        return any(ep.container.host is host for ep in net.endpoints.values())

    def hosts_using(self, net: Network) -> list[Host]:
        return [n.host for n in self.nodes.values() if self.uses(n.host, net)]

    # hooks called by containers.join / leave
    def before_join(self, host: Host, net: Network, c: Container) -> None:
        node = host.swarm_node
        if node is None or node.swarm is not self:
            raise NotFound(f"network {net.name} not found")
        if getattr(net, "unallocated", False):
            raise EngineError(f"network {net.name} is not allocated")
        if not self.uses(host, net):
            for _ in range(3):  # the host's vxlan0 and load-balancer pair for this network
                host._alloc_ifindex()

    def after_join(self, host: Host, net: Network, c: Container, ep: Endpoint) -> None:
        from . import containers as ctr
        key = f"{host.name}/lb-{net.name}"
        if key not in self.extra.get(net.id, {}) and (net, host) not in self.pending_lbs:
            # A host new to the network gets its load-balancer address after the round's own
            # addresses (a service's tasks all come first).
            self.pending_lbs.append((net, host))
            if not self.in_round:
                self.give_lb_addresses()
        needs_way_out = not net.internal and not any(
            e.network.driver == "bridge" and e.network.name != "docker_gwbridge" for e in c.endpoints.values())
        has_leg = any(e.network.name == "docker_gwbridge" for e in c.endpoints.values())
        if needs_way_out and not has_leg:
            ctr.join(c, ensure_gwbridge(host), {}, hidden=True)

    def give_lb_addresses(self) -> None:
        order = {n.host.name: i for i, n in enumerate(self.nodes.values())}
        for net, host in sorted(self.pending_lbs, key=lambda nh: order.get(nh[1].name, 0)):
            if self.uses(host, net):
                self.add_extra(net, host, f"lb-{net.name}", f"{net.name}-endpoint", self.take_address(net))
        self.pending_lbs.clear()

    def after_leave(self, host: Host, net: Network, c: Container) -> None:
        from . import containers as ctr
        still_overlay = any(e.network.swarm is self and not e.network.internal for e in c.endpoints.values())
        if not still_overlay:
            gw = next((e.network for e in c.endpoints.values() if e.network.name == "docker_gwbridge"), None)
            if gw is not None:
                ctr.leave(c, gw)
        if not self.uses(host, net):
            self.extra.get(net.id, {}).pop(f"{host.name}/lb-{net.name}", None)

    # -- what a host's `docker network inspect` shows of an overlay ----------------------------------
    def extra_containers(self, net: Network, host: Host) -> dict:
        out = {}
        for ext in self.extra.get(net.id, {}).values():
            if ext.host is host:
                out[ext.key] = {"Name": ext.name, "EndpointID": ext.id, "MacAddress": ext.mac,
                                "IPv4Address": f"{ext.ip}/{ext.prefixlen}", "IPv6Address": ""}
        return out

    def local_view(self, net: Network, host: Host) -> bool:
        return net.ingress or self.uses(host, net)

    def decorate_network_json(self, net: Network, out: dict, host: Host, inspect: bool) -> None:
        """A swarm network as one host shows it: the swarm's own record (Containers and Labels
        null) on a manager's list or where the host does not use it; else the local view, with
        the local endpoints, the host's load balancer and the peers that use the network."""
        if net.unallocated:
            out.update({"Driver": "", "IPAM": {"Driver": "", "Options": None, "Config": None},
                        "Containers": None, "Options": None, "Labels": net.labels or None})
            return
        manager_list = not inspect and host.swarm_node is not None and host.swarm_node.is_manager
        if manager_list or not self.local_view(net, host):
            out.update({"Containers": None, "Labels": net.labels or None})
            return
        if inspect:
            out["Containers"] = {k: v for k, v in out["Containers"].items()
                                 if k not in net.endpoints or net.endpoints[k].container.host is host}
            out["Containers"].update(self.extra_containers(net, host))
        else:
            out["Containers"] = {}
        users = [h for h in (n.host for n in self.nodes.values())
                 if self.uses(h, net) or (net.ingress and any(e.host is h for e in self.extra.get(net.id, {}).values()))]
        out["Peers"] = [{"Name": hashlib.sha256(h.name.encode()).hexdigest()[:12], "IP": str(h.swarm_node.addr)
                         if h.swarm_node else ""} for h in users]

    # -- names ---------------------------------------------------------------------------------------
    def dns_answers(self, net: Network, q: str) -> list[IPv4Addr]:
        out = []
        for svc in self.services.values():
            if net not in svc.networks:
                continue
            if q in (svc.name.lower(), f"{svc.name}.{net.name}".lower()):
                if svc.dnsrr:
                    out += self.task_addresses(svc, net)
                elif net.id in svc.vips:
                    out.append(svc.vips[net.id])
            elif q == f"tasks.{svc.name}".lower():
                out += self.task_addresses(svc, net)
        return out

    def task_addresses(self, svc: Service, net: Network) -> list[IPv4Addr]:
        return [ep.ip for t in svc.tasks for ep in t.container.endpoints.values()
                if ep.network is net and ep.ip is not None]

    def vip_target(self, ip: IPv4Addr) -> Container | None:
        """Docker's documented virtual IP: balanced over the service's running tasks (IPVS)."""
        for svc in self.services.values():
            if ip in svc.vips.values() and svc.tasks:
                return svc.tasks[0].container
        return None

    # -- services -----------------------------------------------------------------------------------
    def create_service(self, host: Host, spec: dict) -> Service:
        spec = canonical(spec)
        name = spec.get("Name") or ""
        if not DNS_NAME.match(name):
            raise InvalidParameter("rpc error: code = InvalidArgument desc = name must be valid as a DNS name component")
        if any(s.name == name for s in self.services.values()):
            raise Conflict(f"rpc error: code = AlreadyExists desc = name conflicts with an existing object: "
                           f"service {name} already exists")
        template = spec.get("TaskTemplate") or {}
        nets = []
        for ref in (template.get("Networks") or spec.get("Networks") or []):
            target = ref.get("Target") if isinstance(ref, dict) else ref
            net = next((n for n in self.networks.values() if target in (n.id, n.name)), None)
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
            for other in self.services.values():
                if any(o["PublishedPort"] == p["PublishedPort"] for o in other.ports):
                    raise InvalidParameter(f"rpc error: code = InvalidArgument desc = port '{p['PublishedPort']}' "
                                           f"is already in use by service '{other.name}' ({other.id}) as an ingress port")
        self.version += 10
        svc = Service(swarm_id(self.world, "service", name), name, spec, now(), self.version, nets, ports=ports)
        if ports:
            svc.networks = [self.ingress_net()] + nets
        if not svc.dnsrr:
            for net in svc.networks:
                svc.vips[net.id] = self.take_address(net)
        self.services[svc.id] = svc
        self.converge(svc)
        return svc

    def global_mode(self, svc: Service) -> bool:
        return "Global" in (svc.spec.get("Mode") or {})

    def find_service(self, term: str) -> Service:
        for s in self.services.values():
            if term in (s.id, s.name) or (len(term) >= 3 and s.id.startswith(term)):
                return s
        raise NotFound(f"service {term} not found")

    def ready_nodes(self) -> list[Node]:
        return [n for n in self.nodes.values() if n.state == "ready" and n.availability == "active"
                and not n.host.down]

    def converge(self, svc: Service) -> None:
        """Start or stop tasks until the service has what it asks for (at once, here): one
        allocation round, the new hosts' load-balancer addresses last."""
        self.in_round = True
        try:
            self._converge(svc)
        finally:
            self.in_round = False
            self.give_lb_addresses()

    def _converge(self, svc: Service) -> None:
        if self.global_mode(svc):
            have = {t.node.host.name for t in svc.tasks}
            for node in self.ready_nodes():
                if node.host.name not in have:
                    self.start_task(svc, len(svc.tasks) + 1, node)
            return
        while len(svc.tasks) > svc.replicas:
            self.stop_task(svc.tasks[-1])
        slot = len(svc.tasks)
        new = []
        while len(svc.tasks) + len(new) < svc.replicas:
            slot += 1
            new.append(slot)
        for s in new:
            self.start_task(svc, s, self.place())

    def place(self) -> Node:
        """Spread: the node with the fewest tasks and overlay containers (ties: join order)."""
        def load(node: Node) -> int:
            return sum(1 for c in node.host.containers.values()
                       if c.running and any(e.network.swarm is self for e in c.endpoints.values()))
        return min(self.ready_nodes(), key=load)

    def start_task(self, svc: Service, slot: int, node: Node) -> Task:
        from . import containers as ctr
        host = node.host
        tid = swarm_id(self.world, "task", f"{svc.id}/{slot}")
        cs = (svc.spec.get("TaskTemplate") or {}).get("ContainerSpec") or {}
        body = {"Image": cs.get("Image", "busybox"), "Cmd": cs.get("Command"), "Labels": {
            "com.docker.swarm.node.id": node.id, "com.docker.swarm.service.id": svc.id,
            "com.docker.swarm.service.name": svc.name, "com.docker.swarm.task": "",
            "com.docker.swarm.task.id": tid, "com.docker.swarm.task.name": f"{svc.name}.{slot}.{tid}"},
            "HostConfig": {"NetworkMode": "default", "PortBindings": {}}}
        c = ctr.create(host, f"{svc.name}.{slot}.{tid}", body)
        c.net_requests = {n.name: {"IPAMConfig": None} for n in svc.networks}
        c.net_ids = {}
        c.swarm_task = True
        ctr.start(c)
        task = Task(tid, svc, slot, node, c, now(), self.version)
        svc.tasks.append(task)
        return task

    def stop_task(self, task: Task) -> None:
        from . import containers as ctr
        ctr.remove(task.container, force=True)
        task.service.tasks.remove(task)

    def remove_service(self, svc: Service) -> None:
        for t in list(svc.tasks):
            self.stop_task(t)
        del self.services[svc.id]

    def update_service(self, svc: Service, spec: dict, version: int) -> None:
        if version != svc.version:
            raise EngineError("rpc error: code = Unknown desc = update out of sequence")
        self.version += 1
        svc.spec = canonical(spec)
        svc.version = self.version
        self.converge(svc)

    def service_json(self, svc: Service) -> dict:
        spec = dict(svc.spec)
        tt = dict(spec.get("TaskTemplate") or {})
        cs = dict(tt.get("ContainerSpec") or {})
        cs.setdefault("Isolation", "default")
        tt["ContainerSpec"] = cs
        tt["Networks"] = [{"Target": n.id} for n in svc.networks if not n.ingress]
        tt.setdefault("ForceUpdate", 0)
        tt.setdefault("Runtime", "container")
        spec["TaskTemplate"] = tt
        spec.setdefault("Labels", {})
        spec.setdefault("Mode", {"Replicated": {"Replicas": 1}})
        endpoint: dict = {"Spec": spec.get("EndpointSpec") or {}}
        if svc.ports:
            endpoint["Ports"] = [{"Protocol": p["Protocol"], "TargetPort": p["TargetPort"],
                                  "PublishedPort": p["PublishedPort"], "PublishMode": p["PublishMode"]}
                                 for p in svc.ports]
        if svc.vips:
            endpoint["VirtualIPs"] = [{"NetworkID": nid, "Addr": f"{ip}/{self.networks[nid].pools[0].subnet.prefixlen}"}
                                      for nid, ip in svc.vips.items()]
        return {"ID": svc.id, "Version": {"Index": svc.version}, "CreatedAt": svc.created, "UpdatedAt": svc.created,
                "Spec": spec, "Endpoint": endpoint}

    def task_json(self, t: Task) -> dict:
        c = t.container
        attachments = []
        for ep in c.endpoints.values():
            net = ep.network
            if net.swarm is not self:
                continue
            attachments.append({"Network": {
                "ID": net.id, "Version": {"Index": self.version}, "CreatedAt": net.created, "UpdatedAt": net.created,
                "Spec": {"Name": net.name, "Labels": dict(net.labels), "DriverConfiguration": {"Name": "overlay"},
                         "Attachable": net.attachable, "Ingress": net.ingress or None, "Scope": "swarm"},
                "DriverState": {"Name": "overlay", "Options": {"com.docker.network.driver.overlay.vxlanid_list":
                                                               str(getattr(net, "vxlan_id", ""))}},
                "IPAMOptions": {"Driver": {"Name": "default"}, "Configs": [dict(x) for x in net.ipam_config]}},
                "Addresses": [f"{ep.ip}/{ep.prefixlen}"]})
            if not net.ingress:
                attachments[-1]["Network"]["Spec"].pop("Ingress")
        spec = self.service_json(t.service)["Spec"]["TaskTemplate"]
        spec = {k: v for k, v in spec.items() if k != "Runtime"}
        out = {"ID": t.id, "Version": {"Index": t.version}, "CreatedAt": t.created, "UpdatedAt": t.created,
               "Labels": {}, "Spec": spec, "ServiceID": t.service.id, "Slot": t.slot, "NodeID": t.node.id,
               "Status": {"Timestamp": c.started_at, "State": "running" if c.running else "shutdown",
                          "Message": "started" if c.running else "shutdown",
                          "ContainerStatus": {"ContainerID": c.id, "PID": c.pid, "ExitCode": c.exit_code},
                          "PortStatus": {}},
               "DesiredState": "running", "NetworksAttachments": attachments}
        if self.global_mode(t.service):
            del out["Slot"]  # global tasks are known by their node, not a slot
        return out


def canonical(value):
    """A request body as the engine reads it: Go's JSON decoding matches field names without
    regard to case (docker-py sends {"replicated": ...}), and empty fields are left out."""
    known = {"replicated": "Replicated", "global": "Global", "replicas": "Replicas"}
    if isinstance(value, dict):
        return {known.get(k, k): canonical(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [canonical(v) for v in value]
    return value


def gwbridge_extra(net: Network) -> dict:
    """docker_gwbridge's own endpoint: the ingress sandbox's way out."""
    out = {}
    for swarm in net.host.world.swarms:
        ext = swarm.extra.get(net.id, {}).get("ingress-sbox")
        if ext is not None:
            out[ext.key] = {"Name": ext.name, "EndpointID": ext.id, "MacAddress": ext.mac,
                            "IPv4Address": f"{ext.ip}/{ext.prefixlen}", "IPv6Address": ""}
    return out


def ensure_gwbridge(host: Host) -> Network:
    """docker_gwbridge: the local bridge that gives overlay containers their way out of the host."""
    for net in host.networks.values():
        if net.name == "docker_gwbridge":
            return net
    return host.create_network("docker_gwbridge", "bridge", {}, options={
        "com.docker.network.bridge.enable_icc": "false",
        "com.docker.network.bridge.enable_ip_masquerade": "true",
        "com.docker.network.bridge.name": "docker_gwbridge"})


def create_overlay(host, name, ipam_cfg, *, internal, attachable, ingress, options, labels):
    node = host.swarm_node
    if node is None:
        raise EngineError(NOT_A_MANAGER)
    if not node.is_manager:
        raise Forbidden("Cannot create a multi-host network from a worker node. Please create the network from "
                        "a manager node.")
    return node.swarm.create_overlay(host, name, ipam_cfg, internal=internal, attachable=attachable,
                                     ingress=ingress, options=options, labels=labels)


def manager_of(host: Host) -> Swarm:
    """The swarm of a host that is a manager, or the engine's refusal."""
    node = host.swarm_node
    if node is None:
        raise Unavailable(NOT_A_MANAGER)
    if not node.is_manager:
        raise Unavailable(WORKER_NOT_MANAGER)
    return node.swarm


def advertise_address(host: Host, text: str) -> str:
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
