"""The simulated engine's state: hosts, networks, endpoints, containers, execs, images, swarms.

Plain data, and the lookups that need nothing but the data; what changes it is in engine/.

Naming follows Docker's words. A *host* is one engine (one daemon, one network namespace for the
host itself). A *network* belongs to a host (scope local) or to a swarm (scope swarm). A
*container* lives on one host and, while it runs, has a *sandbox* (its network namespace) holding
one *endpoint* per network it is connected to. Endpoints are interfaces: the first one a container
gets is eth0, the next eth1, and so on, each the inside end of a veth pair whose outside end sits
on the network's bridge.

Interface indexes follow the kernel: each namespace hands out indexes in rising order and does not
reuse them; a veth pair is made in the host's namespace (the inside end first) and its inside end
moved into the container's namespace, keeping its index. So after `docker run` on a fresh host the
container's eth0 is 4 and its peer 5 when the host has lo (1), eth0 (2) and docker0 (3).
"""
from __future__ import annotations

import hashlib
import re
import threading
import time
from dataclasses import dataclass, field
from typing import Protocol

from .. import rules
from .addresses import (Addr4, Addr6, AddressSpace, Iface, IPAddr, IPNet, IPv4Addr, IPv4Net, IPv6Addr,  # noqa: F401
                        IPv6Net, NetChanges, Pool, link_local, mac_for)  # (the addresses' data, re-exported)
from .errors import InvalidParameter, NotFound
from .process import Clock, Process
from .storage import Image, Inode, Mount, Tree, Volume  # noqa: F401  (the files' data, re-exported)


ZERO_TIME = "0001-01-01T00:00:00Z"
PREDEFINED = rules.PREDEFINED_NETWORKS
# What the engine accepts as a container name (at least two characters; a leading "/").
CONTAINER_NAME = re.compile(rf"/?{rules.CONTAINER_NAME.pattern}\Z")


def now(t: float | None = None) -> str:
    """`t` (the world's clock.wall(), with the time skipped), else now, as the engine writes times."""
    t = time.time() if t is None else t
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + f".{int(t % 1 * 1e9):09d}Z"


# -- endpoints, networks ---------------------------------------------------------------------
@dataclass
class Endpoint:
    """One container's interface on one network."""

    id: str
    network: "Network"
    container: "Container"
    ifname: str
    ifindex: int
    peer_ifindex: int
    ip: IPv4Addr | None
    aliases: list[str]
    ipam_config: dict | None
    links: list[str] | None = None
    driver_opts: dict | None = None
    service_aliases: list[str] = field(default_factory=list)
    hidden: bool = False  # an endpoint the engine adds itself (docker_gwbridge), not the user's
    mac_address: str = ""  # one the user gave (docker run --mac-address), else made from the address
    ip6: IPv6Addr | None = None  # on a network with IPv6 enabled (dual stack)
    mtu: int = 0  # set inside the container (ip link set DEV mtu N); 0: the network's

    @property
    def mac(self) -> str:
        return self.mac_address or (mac_for(self.ip) if self.ip else "")

    @property
    def prefixlen(self) -> int:
        pool = self.network.pool_of(self.ip) if self.ip else None
        return pool.subnet.prefixlen if pool else 0

    @property
    def prefixlen6(self) -> int:
        pool = self.network.pool_of(self.ip6) if self.ip6 else None
        return pool.subnet.prefixlen if pool else 0

    @property
    def gateway6(self) -> IPv6Addr | None:
        return self.network.gateway_for(self.ip6) if self.ip6 is not None else None

    @property
    def link_local(self) -> IPv6Addr | None:
        """The kernel's link-local address: only where IPv6 is on (the engine turns it off on the
        interfaces of networks without it)."""
        return link_local(self.mac) if self.ip6 is not None and self.mac else None

    @property
    def gateway(self) -> IPv4Addr | None:
        """The gateway this endpoint is given. An internal network still gives one (20.10): the
        isolation rules, not the routes, keep its traffic in."""
        if self.ip is None or rules.swarm_scoped(self.network.driver):
            return None  # an overlay's way out is docker_gwbridge
        return self.network.gateway_for(self.ip)

    @property
    def has_interface(self) -> bool:
        """host and none endpoints are bookkeeping only: no interface in any namespace."""
        return self.ifindex > 0

    @property
    def veth_name(self) -> str:
        # The engine picks "veth" + 7 random hex digits; ours come from the endpoint ID.
        return "veth" + self.id[:7]


@dataclass
class Network:
    id: str
    name: str
    driver: str
    host: "Host"
    created: str
    scope: str = "local"
    internal: bool = False
    attachable: bool = False
    ingress: bool = False
    enable_ipv6: bool = False
    options: dict = field(default_factory=dict)
    labels: dict = field(default_factory=dict)
    ipam_driver: str = "default"
    ipam_options: dict | None = None
    # One entry per IPAM pool: the config as inspect shows it, the pool and its gateway address.
    ipam_config: list[dict] = field(default_factory=list)
    pools: list[Pool] = field(default_factory=list)
    gateways: list[IPv4Addr | None] = field(default_factory=list)
    # The IPv6 pool and gateway (kept, shown and overlap-checked even when IPv6 is not enabled).
    pools6: list[Pool] = field(default_factory=list)
    gateways6: list[IPv6Addr] = field(default_factory=list)
    user_subnets: bool = False  # the user named the subnets (static addresses allowed)
    endpoints: dict[str, Endpoint] = field(default_factory=dict)  # by container ID
    bridge_name: str = ""
    bridge_ifindex: int = 0
    vlan_ifindex: int = 0  # a VLAN sub-interface macvlan made for the network (parent=eth0.10)
    swarm: "Swarm | None" = None  # the swarm an overlay network belongs to
    vxlan_id: int = 0
    unallocated: bool = False  # an overlay whose subnet overlapped another: accepted, never allocated

    @property
    def predefined(self) -> bool:
        return self.name in PREDEFINED and self.id == self.host.predefined_ids.get(self.name)

    @property
    def mtu(self) -> int:
        mtu = int(self.options.get("com.docker.network.driver.mtu", 1500))
        if not rules.swarm_scoped(self.driver):
            return mtu
        # VXLAN's 50 bytes of headers, and ESP's 26 more on an encrypted overlay.
        return mtu - 50 - (26 if "encrypted" in self.options else 0)

    @property
    def icc(self) -> bool:
        return rules.icc_enabled(self.options)

    @property
    def user_defined(self) -> bool:
        """Embedded DNS and aliases exist only on networks the user made (not the default bridge)."""
        return rules.has_embedded_dns(self.driver, self.name, self.predefined)

    def pools_of(self, version: int) -> list[Pool]:
        return self.pools6 if version == 6 else self.pools

    def pool_of(self, ip: IPAddr) -> Pool | None:
        return next((p for p in self.pools_of(ip.version) if ip in p.subnet), None)

    def gateway_for(self, ip: IPAddr):
        gateways = self.gateways6 if ip.version == 6 else self.gateways
        for pool, gw in zip(self.pools_of(ip.version), gateways):
            if ip in pool.subnet:
                return gw
        return None

    def has_address(self, ip: IPAddr) -> bool:
        return any(ip in p.subnet for p in self.pools_of(ip.version))

    @property
    def ipv6(self) -> bool:
        """Endpoints get IPv6 addresses: IPv6 enabled, with a subnet to take them from."""
        return self.enable_ipv6 and bool(self.pools6)


# -- containers and what runs in them ------------------------------------------------------------------
@dataclass
class Listener:
    """A server socket: who listens on which port, and whether it serves only once (nc -l)."""

    proto: str
    port: int
    program: str            # "httpd", "nc"
    once: bool = False      # nc -l: one connection, then the program ends
    main: bool = False      # the container's main process (its end ends the container)
    docroot: str = "/"
    received: str | None = None   # what a one-shot server's connection brought (then it ends)


class Runtime(Protocol):
    """What runs a container's programs (the lab image's busybox: labkit.sim.runtime)."""

    def check(self, proc: Process, workdir: str, user: str) -> None:
        """Before a process starts: raises ExecNotFound (or another EngineError) with runc's text
        when it cannot run its program."""

    def run(self, proc: Process) -> int:
        """The program, run to its end in the process's own thread: its exit code."""


@dataclass
class Container:
    id: str
    name: str
    host: "Host"
    image: Image
    image_ref: str
    created: str
    config: dict
    host_config: dict
    network_mode: str
    # What the user asked for per network (kept while stopped): name -> endpoint settings.
    net_requests: dict[str, dict] = field(default_factory=dict)
    # Network IDs remembered for each requested network once it has been joined.
    net_ids: dict[str, str] = field(default_factory=dict)
    # What `docker ps` shows of the networks: the engine's list view is a snapshot taken when the
    # container last changed state, so it can lag behind inspect (after a failed start, say).
    list_view: dict[str, dict] | None = None
    status: str = "created"
    pid: int = 0
    exit_code: int = 0
    error: str = ""
    started_at: str = ZERO_TIME
    finished_at: str = ZERO_TIME
    restart_count: int = 0
    sandbox_id: str = ""
    endpoints: dict[str, Endpoint] = field(default_factory=dict)  # by network ID, in join order
    process: Process | None = None
    log: list[tuple[int, bytes, float]] = field(default_factory=list)  # (1 stdout | 2 stderr, line, time)
    log_partial: dict[int, bytes] = field(default_factory=dict)  # by stream: a line not ended yet
    exits: int = 0          # how many times its process has ended (docker wait, attach)
    attached: list = field(default_factory=list)   # process.Feed of each attached client
    stopped_by_user: bool = False   # docker stop/kill: no restart policy brings it back
    started_clock: float = 0.0      # the world's clock at its last start, and its restart delay
    backoff: float = 0.0
    removed: bool = False
    unlinked: set[str] = field(default_factory=set)  # aliases `docker rm --link` took back (their names)
    exec_ids: list[str] = field(default_factory=list)
    jobs: list = field(default_factory=list)      # background jobs of its shells (`... &`): Processes
    health: dict | None = None   # State.Health once a start began its check (engine/health.py)
    health_timer: Process | None = None
    last_pid: int = 0  # the last PID handed out in its own PID namespace (1: its main process)
    ports_bound: list[tuple[str, str, int, str, int]] = field(default_factory=list)
    next_eth: dict = field(default_factory=dict)  # the next interface number per name prefix (eth, lab...)
    task_tried: bool = False  # the runtime was asked to run the command at least once
    swarm_task: bool = False  # started by a swarm service (may join non-attachable overlays)
    sandbox_pending: bool = False  # starting: a new sandbox comes with the first endpoint
    # The container's own lines in /etc/hosts ("IP<tab>hostname"), one per network joined while
    # running; the engine drops them all when any network is disconnected at run time.
    hosts_lines: list[str] = field(default_factory=list)
    paused: bool = False
    # Its files: the writable layer over the image's (engine/filesystem.py), what is mounted,
    # and what commands wrote into the files the engine keeps for it (/etc/hosts and the like).
    layer: Tree = field(default_factory=dict)
    mounts: list[Mount] = field(default_factory=list)
    engine_files: dict[str, bytes] = field(default_factory=dict)
    # Bytes that crossed each interface, by interface name: (received, sent) bytes and packets.
    traffic: dict[str, list[int]] = field(default_factory=dict)
    # Its namespace's neighbour table (ARP, NDP): (interface, address) -> MAC ("" unanswered),
    # in the order learned; a new namespace at each start starts it empty.
    neighbours: dict[tuple[str, IPAddr], str] = field(default_factory=dict)
    closed: list = field(default_factory=list)  # its connections in TIME_WAIT (engine/tcp.py)
    ip_changes: NetChanges = field(default_factory=NetChanges)  # ip addr/route add|del (CAP_NET_ADMIN)

    @property
    def running(self) -> bool:
        return self.status == "running"

    @property
    def logs(self) -> str:
        held = b"".join(data for _, data in sorted(self.log_partial.items()))
        return (b"".join(data for _, data, _t in self.log) + held).decode(errors="replace")

    @property
    def hostname(self) -> str:
        return self.config.get("Hostname") or self.id[:12]

    @property
    def short_id(self) -> str:
        return self.id[:12]

    @property
    def argv(self) -> list[str]:
        """The command it runs: entrypoint and command, or the image's command."""
        return list(self.config.get("Entrypoint") or []) + list(self.config.get("Cmd") or []) \
            or list(self.image.cmd or [])

    @property
    def mode_kind(self) -> str:
        """bridge-like ('network'), 'host', 'none' or 'container'."""
        m = self.network_mode
        if m.startswith("container:"):
            return "container"
        return m if m in ("host", "none") else "network"

    def shared_with(self) -> "Container | None":
        if self.mode_kind != "container":
            return None
        return self.host.find_container(self.network_mode.split(":", 1)[1])


@dataclass
class Exec:
    id: str
    container: Container
    argv: list[str]
    tty: bool
    attach_stdout: bool
    attach_stderr: bool
    attach_stdin: bool
    privileged: bool
    user: str
    running: bool = False
    exit_code: int | None = None
    pid: int = 0
    env: list[str] = field(default_factory=list)
    workdir: str = ""
    detach_keys: str = ""
    process: Process | None = None


# -- swarm ------------------------------------------------------------------------------------------
@dataclass
class ExtraEndpoint:
    """An endpoint of the engine's own, not a container's: a sandbox (ingress-sbox) or a host's
    load balancer (lb-NAME). Shown in `docker network inspect` under Containers."""

    key: str
    name: str
    id: str
    host: "Host"
    ip: IPv4Addr
    prefixlen: int

    @property
    def mac(self) -> str:
        return mac_for(self.ip)


@dataclass
class Node:
    id: str
    host: "Host"
    swarm: "Swarm"
    role: str
    addr: str
    created: str
    state: str = "ready"
    availability: str = "active"
    message: str = ""
    copies: dict[str, Network] = field(default_factory=dict)   # overlays with a copy on a manager (ID ->)

    @property
    def is_manager(self) -> bool:
        return self.role == "manager"

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

    @property
    def global_mode(self) -> bool:
        return "Global" in (self.spec.get("Mode") or {})


@dataclass
class Task:
    id: str
    service: Service
    slot: int
    node: Node
    container: Container
    created: str
    version: int


@dataclass
class Swarm:
    """One swarm: its nodes, its overlay networks (and the engine's own endpoints on them), its
    services. Its address space is the swarm's default pool in subnets of one size."""

    world: "World"
    id: str
    created: str
    pools: list[str]
    size: int
    space: AddressSpace
    tokens: dict[str, str]
    next_vxlan: int = 4096
    nodes: dict[str, Node] = field(default_factory=dict)                 # by host name
    networks: dict[str, Network] = field(default_factory=dict)
    extra: dict[str, dict[str, ExtraEndpoint]] = field(default_factory=dict)  # network ID -> key -> endpoint
    services: dict[str, Service] = field(default_factory=dict)
    version: int = 10
    pending_lbs: list[tuple[Network, "Host"]] = field(default_factory=list)
    in_round: bool = False
    ingress: Network | None = None

    def managers(self) -> list[Node]:
        return [n for n in self.nodes.values() if n.is_manager and n.state == "ready"]

    def ready_nodes(self) -> list[Node]:
        return [n for n in self.nodes.values() if n.state == "ready" and n.availability == "active"
                and not n.host.down]

    def ingress_net(self) -> Network | None:
        return next((n for n in self.networks.values() if n.ingress), None)

    def uses(self, host: "Host", net: Network) -> bool:
        return any(ep.container.host is host for ep in net.endpoints.values())

    def local_view(self, net: Network, host: "Host") -> bool:
        return net.ingress or self.uses(host, net)

    def find_service(self, term: str) -> Service:
        for s in self.services.values():
            if term in (s.id, s.name) or (len(term) >= 3 and s.id.startswith(term)):
                return s
        raise NotFound(f"service {term} not found")


# -- hosts and the world ---------------------------------------------------------------------------
@dataclass
class Host:
    """One engine: its networks, containers, images, address space and host namespace."""

    world: "World"
    name: str
    number: int
    local_space: AddressSpace
    daemon_id: str
    networks: dict[str, Network] = field(default_factory=dict)
    containers: dict[str, Container] = field(default_factory=dict)
    images: dict[str, Image] = field(default_factory=dict)
    predefined_ids: dict[str, str] = field(default_factory=dict)
    # docker-proxy's port allocator: per protocol, the last port handed out (it moves on).
    last_port: dict[str, int] = field(default_factory=dict)
    next_ifindex: int = 1
    ifaces: list[Iface] = field(default_factory=list)   # the host namespace's own (lo aside)
    swarm_node: Node | None = None
    down: bool = False  # taken down (engine.hosts.take_down): off the underlay, its engine gone
    volumes: dict[str, Volume] = field(default_factory=dict)
    neighbours: dict[tuple[str, IPAddr], str] = field(default_factory=dict)  # the host namespace's
    closed: list = field(default_factory=list)
    cpus: int = 2                 # what `docker info` says of the machine (NCPU, Architecture)
    arch: str = "x86_64"
    firewall: list = field(default_factory=list)   # its own INPUT/OUTPUT rules (firewall.FirewallRule)

    def new_ifindex(self) -> int:
        """The next interface index of the host's namespace (the kernel never reuses one)."""
        idx = self.next_ifindex
        self.next_ifindex += 1
        return idx

    @property
    def underlay_ip(self) -> IPv4Addr | None:
        return next((i.ip for i in self.ifaces if i.name == "eth0"), None)

    @property
    def hostname(self) -> str:
        return self.name

    def find_network(self, term: str, attach: bool = False) -> Network:
        """By full ID, then exact name, then ID prefix, as the engine looks networks up. To attach
        a container, a swarm's overlays count even before this host uses them."""
        nets = self.visible_networks()
        if attach and self.swarm_node is not None:
            nets.update(self.swarm_node.swarm.networks)
        if term in nets:
            return nets[term]
        by_name = [n for n in nets.values() if n.name == term]
        if len(by_name) == 1:
            return by_name[0]
        if len(by_name) > 1:
            raise InvalidParameter(f"{len(by_name)} matches found based on name: network {term} is ambiguous")
        by_prefix = [n for n in nets.values() if term and n.id.startswith(term)]
        if len(by_prefix) == 1:
            return by_prefix[0]
        if len(by_prefix) > 1:
            raise InvalidParameter(f"{len(by_prefix)} matches found based on ID prefix: network {term} is ambiguous")
        raise NotFound(f"network {term} not found")

    def visible_networks(self) -> dict[str, Network]:
        """Local networks, plus the swarm's overlays this host knows of."""
        nets = dict(self.networks)
        if self.swarm_node is not None:
            nets.update(self.swarm_node.visible_networks())
        return nets

    def predefined_network(self, name: str) -> Network:
        """bridge, host or none: the networks every engine makes at start-up."""
        return self.networks[self.predefined_ids[name]]

    def find_container(self, term: str) -> Container:
        if term in self.containers:
            return self.containers[term]
        name = term.lstrip("/")
        for c in self.containers.values():
            if c.name == name:
                return c
        matches = [c for c in self.containers.values() if term and c.id.startswith(term)]
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            raise InvalidParameter(f"multiple IDs found with provided prefix: {term}")
        raise NotFound(f"No such container: {term}")

    def all_endpoints(self):
        """Endpoints with an interface (host and none endpoints have none)."""
        for c in self.containers.values():
            yield from (ep for ep in c.endpoints.values() if ep.has_interface)

    def owns(self, ip: IPAddr) -> bool:
        """One of the host's own addresses (its bridges' gateways, its underlay address)."""
        return any(i.ip == ip or any(a.address == ip for a in i.addrs6) for i in self.ifaces)


class World:
    """Everything the simulated engines share: hosts, the underlay between them, IDs, one lock.

    A single engine is a world with one host. IDs are digests of a counter, so the same actions
    give the same IDs every time (notebook outputs stay stable)."""

    def __init__(self, seed: str, resolv_conf: str, etc_hosts: str, kernel: str, runtime: Runtime):
        self.seed = seed
        self.lock = threading.RLock()
        # Notified whenever a container stops or goes: `docker wait` and `docker attach` wait on it.
        self.changed = threading.Condition(self.lock)
        # Notified whenever a process reaches a wait or ends (the engine waits for them to settle).
        self.quiet = threading.Condition(self.lock)
        self.clock = Clock()
        self.sleepers: set[Process] = set()   # processes waiting for the clock
        self.alive: set[Process] = set()      # processes and timers started and not ended
        self.hosts: dict[str, Host] = {}
        self.made: dict[tuple[str, str], int] = {}
        self.pid = 1000
        self.execs: dict[str, Exec] = {}
        self.swarms: list[Swarm] = []
        self.resolv_conf = resolv_conf  # what a container off the user-defined networks gets
        self.etc_hosts = etc_hosts      # what a host-mode container sees: the host's own
        self.started = time.time()
        self.kernel = kernel
        self.kernel_has_esp = True      # IPsec ESP for encrypted overlays (labkit's fault takes it away)
        self.runtime = runtime

    def new_id(self, kind: str, key: str = "") -> str:
        """A 64-hex ID made from what the object is (its kind and a key such as host and name)
        and how many such were made before: the same lesson gives the same IDs, whatever else
        the simulator does in between."""
        seen = self.made.get((kind, key), 0)
        self.made[(kind, key)] = seen + 1
        return hashlib.sha256(f"{self.seed}/{kind}/{key}/{seen}".encode()).hexdigest()

    def new_swarm_id(self, kind: str, key: str = "") -> str:
        """Swarm's object IDs: 25 characters of base 36 (random on the engine; from new_id here)."""
        n = int(self.new_id(kind, key), 16)
        out = ""
        for _ in range(25):
            n, r = divmod(n, 36)
            out += "0123456789abcdefghijklmnopqrstuvwxyz"[r]
        return out

    def new_pid(self) -> int:
        self.pid += 1
        return self.pid
