"""The simulated engine's state: hosts, networks, containers and the endpoints that join them.

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

Everything here is plain data plus the engine's rules; the HTTP face is in api.py.
"""
from __future__ import annotations

import hashlib
import ipaddress
import platform
import re
import threading
import time
from dataclasses import dataclass, field

from .. import rules
from . import ipam
from .errors import Conflict, EngineError, Forbidden, InvalidParameter, NotFound

IPv4Addr = ipaddress.IPv4Address
IPv4Net = ipaddress.IPv4Network

ZERO_TIME = "0001-01-01T00:00:00Z"
PREDEFINED = ("bridge", "host", "none")
# What the engine accepts as a container name (at least two characters; a leading "/").
CONTAINER_NAME = re.compile(rf"/?{rules.CONTAINER_NAME.pattern}\Z")


def now() -> str:
    t = time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + f".{int(t % 1 * 1e9):09d}Z"


def mac_for(ip: IPv4Addr) -> str:
    """The bridge driver's MAC address for an IPv4 address: 02:42 then the four address bytes."""
    return "02:42:" + ":".join(f"{b:02x}" for b in ip.packed)


@dataclass
class Image:
    id: str
    tags: list[str]
    created: int
    size: int
    cmd: list[str] | None = None


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

    @property
    def mac(self) -> str:
        return mac_for(self.ip) if self.ip else ""

    @property
    def prefixlen(self) -> int:
        pool = self.network.pool_of(self.ip) if self.ip else None
        return pool.subnet.prefixlen if pool else 0

    @property
    def gateway(self) -> IPv4Addr | None:
        """The gateway this endpoint is given. An internal network still gives one (20.10): the
        isolation rules, not the routes, keep its traffic in."""
        if self.ip is None or self.network.driver == "overlay":
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
    pools: list[ipam.Pool] = field(default_factory=list)
    gateways: list[IPv4Addr | None] = field(default_factory=list)
    user_subnets: bool = False  # the user named the subnets (static addresses allowed)
    endpoints: dict[str, Endpoint] = field(default_factory=dict)  # by container ID
    bridge_name: str = ""
    bridge_ifindex: int = 0
    swarm: object = None  # the swarm an overlay network belongs to
    vxlan_id: int = 0
    unallocated: bool = False  # an overlay whose subnet overlapped another: accepted, never allocated

    @property
    def predefined(self) -> bool:
        return self.name in PREDEFINED and self.id == self.host.predefined_ids.get(self.name)

    @property
    def mtu(self) -> int:
        mtu = int(self.options.get("com.docker.network.driver.mtu", 1500))
        if self.driver != "overlay":
            return mtu
        # VXLAN's 50 bytes of headers, and ESP's 26 more on an encrypted overlay.
        return mtu - 50 - (26 if "encrypted" in self.options else 0)

    @property
    def icc(self) -> bool:
        return self.options.get("com.docker.network.bridge.enable_icc", "true") != "false"

    @property
    def user_defined(self) -> bool:
        """Embedded DNS and aliases exist only on networks the user made (not the default bridge)."""
        return self.driver not in ("host", "null") and not (self.predefined and self.name == "bridge")

    def pool_of(self, ip: IPv4Addr) -> ipam.Pool | None:
        return next((p for p in self.pools if ip in p.subnet), None)

    def gateway_for(self, ip: IPv4Addr) -> IPv4Addr | None:
        for pool, gw in zip(self.pools, self.gateways):
            if ip in pool.subnet:
                return gw
        return None

    def has_address(self, ip: IPv4Addr) -> bool:
        return any(ip in p.subnet for p in self.pools)


@dataclass
class Listener:
    """A server socket: who listens on which port, and whether it serves only once (nc -l)."""

    proto: str
    port: int
    program: str            # "httpd", "nc"
    once: bool = False      # nc -l: one connection, then the program ends
    main: bool = False      # the container's main process (its end ends the container)
    docroot: str = "/"


@dataclass
class Process:
    """What a container's command runs, as far as networking can tell."""

    argv: list[str]
    listens: list[Listener] = field(default_factory=list)
    exits: int | None = None  # exit code when the command ends at once
    output: list = field(default_factory=list)  # (fd, text) written as it started
    files: dict[str, str] = field(default_factory=dict)  # written by the command before it serves
    docroot: str = "/"


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
    log: list[tuple[int, str]] = field(default_factory=list)  # (1 stdout | 2 stderr, text), in order
    exits: int = 0          # how many times its process has ended (docker wait, attach)
    removed: bool = False
    exec_ids: list[str] = field(default_factory=list)
    ports_bound: list[tuple[str, str, int, str, int]] = field(default_factory=list)
    next_eth: int = 0
    task_tried: bool = False  # the runtime was asked to run the command at least once
    swarm_task: bool = False  # started by a swarm service (may join non-attachable overlays)
    sandbox_pending: bool = False  # starting: a new sandbox comes with the first endpoint
    # The container's own lines in /etc/hosts ("IP<tab>hostname"), one per network joined while
    # running; the engine drops them all when any network is disconnected at run time.
    hosts_lines: list[str] = field(default_factory=list)

    @property
    def running(self) -> bool:
        return self.status == "running"

    @property
    def logs(self) -> str:
        return "".join(text for _, text in self.log)

    @property
    def hostname(self) -> str:
        return self.config.get("Hostname") or self.id[:12]

    @property
    def short_id(self) -> str:
        return self.id[:12]

    @property
    def mode_kind(self) -> str:
        """bridge-like ('default' or a network name), 'host', 'none' or 'container'."""
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


@dataclass
class Iface:
    """An interface as `ip addr` shows it."""

    index: int
    name: str
    mac: str
    mtu: int = 1500
    peer_index: int | None = None
    master: str | None = None
    ip: IPv4Addr | None = None
    prefixlen: int = 0
    flags: str = "BROADCAST,MULTICAST,UP,LOWER_UP"
    kind: str = "ether"


class World:
    """Everything the simulated engines share: hosts, the underlay between them, and IDs.

    A single engine is a world with one host. IDs are digests of a counter, so the same actions
    give the same IDs every time (notebook outputs stay stable).
    """

    UNDERLAY = rules.UNDERLAY
    # The underlay's own switch (labkit.hosts gives its bridge this address): it answers pings.
    UNDERLAY_SWITCH = rules.UNDERLAY_SWITCH

    def __init__(self, seed: str = "labkit", resolv_conf: str | None = None, etc_hosts: str | None = None):
        self.seed = seed
        self.lock = threading.RLock()
        # Notified whenever a container stops or goes: `docker wait` and `docker attach` wait on it.
        self.changed = threading.Condition(self.lock)
        self.hosts: dict[str, Host] = {}
        self.made: dict[tuple[str, str], int] = {}
        self.pid = 1000
        self.execs: dict[str, Exec] = {}
        self.swarms: list = []
        self.resolv_conf = resolv_conf if resolv_conf is not None else host_resolv_conf()
        # A host-mode container sees the host's own /etc/hosts: by default this machine's.
        self.etc_hosts = etc_hosts if etc_hosts is not None else _read("/etc/hosts", ETC_HOSTS_BASE)
        self.started = time.time()
        self.kernel = platform.release()

    def new_id(self, kind: str, key: str = "") -> str:
        """A 64-hex ID made from what the object is (its kind and a key such as host and name)
        and how many such were made before: the same lesson gives the same IDs, whatever else
        the simulator does in between."""
        seen = self.made.get((kind, key), 0)
        self.made[(kind, key)] = seen + 1
        return hashlib.sha256(f"{self.seed}/{kind}/{key}/{seen}".encode()).hexdigest()

    def new_pid(self) -> int:
        self.pid += 1
        return self.pid

    def take_down(self, name: str) -> None:
        """A host stops (its engine and everything on it): its containers end, the underlay loses
        it, its swarm's managers see its node down. (The engine's managers say so after ~15 s of
        missed heartbeats; here at once.)"""
        from . import containers
        with self.lock:
            host = self.hosts[name]
            host.down = True
            for c in list(host.containers.values()):
                if c.running:
                    containers._exited(c, 137)
            if host.swarm_node is not None:
                host.swarm_node.state, host.swarm_node.message = "down", "heartbeat failure"

    def bring_up(self, name: str) -> None:
        """The host is back: its engine answers, its node reports ready again."""
        with self.lock:
            host = self.hosts[name]
            host.down = False
            if host.swarm_node is not None:
                host.swarm_node.state, host.swarm_node.message = "ready", ""

    def add_host(self, name: str | None = None, underlay: bool = True) -> "Host":
        with self.lock:
            n = len(self.hosts) + 1
            host = Host(self, name or f"host{n}", number=n, underlay=underlay)
            self.hosts[host.name] = host
            return host


def check_reference(ref: str) -> None:
    """The engine's refusal of an image name it cannot parse (400)."""
    problem = rules.reference_problem(ref)
    if problem:
        raise InvalidParameter(problem)


def _read(path: str, default: str = "") -> str:
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return default


def host_resolv_conf(path: str = "/etc/resolv.conf") -> str:
    """The resolv.conf a container on a non-user-defined network gets: the host's, as the engine
    filters it (loopback name servers dropped; Google's when none is left)."""
    text = _read(path)
    lines, servers = [], 0
    for line in text.splitlines():
        parts = line.split()
        if parts[:1] == ["nameserver"] and len(parts) > 1:
            if parts[1].startswith("127.") or parts[1] == "::1":
                continue
            servers += 1
        lines.append(line)
    if not servers:
        lines += ["", "nameserver 8.8.8.8", "nameserver 8.8.4.4"]
    return "\n".join(lines).strip("\n") + "\n"


ETC_HOSTS_BASE = (
    "127.0.0.1\tlocalhost\n"
    "::1\tlocalhost ip6-localhost ip6-loopback\n"
    "fe00::0\tip6-localnet\n"
    "ff00::0\tip6-mcastprefix\n"
    "ff02::1\tip6-allnodes\n"
    "ff02::2\tip6-allrouters\n"
)


class Host:
    """One engine: its networks, containers, images, address spaces and host namespace."""

    def __init__(self, world: World, name: str, number: int = 1, underlay: bool = True):
        self.world = world
        self.name = name
        self.number = number
        self.networks: dict[str, Network] = {}
        self.containers: dict[str, Container] = {}
        self.images: dict[str, Image] = {}
        self.local_space = ipam.AddressSpace(ipam.LOCAL_POOLS)
        self.predefined_ids: dict[str, str] = {}
        # docker-proxy's port allocator: per protocol, the last port handed out (it moves on).
        self.last_port: dict[str, int] = {}
        self.next_ifindex = 1
        self.ifaces: list[Iface] = []
        self.lo = self._alloc_ifindex()
        self.swarm_node = None
        self.down = False  # taken down (World.take_down): off the underlay, its engine gone
        self.daemon_id = ":".join(world.new_id("daemon", name)[i:i + 4].upper() for i in range(0, 48, 4))
        if underlay:
            # The host's link to the underlay (labkit.hosts gives real hosts the same: index 2,
            # peer 30000+N in the root namespace, 10.99.0.(10+N)/24).
            idx = self._alloc_ifindex()
            ip = rules.underlay_address(number)
            self.ifaces.append(Iface(idx, "eth0", rules.underlay_mac(number), peer_index=rules.UNDERLAY_PORT_INDEX + number,
                                     ip=ip, prefixlen=24, flags="BROADCAST,MULTICAST,UP,LOWER_UP,M-DOWN"))
        self._add_image("busybox:latest")
        self._create_predefined()

    # -- bookkeeping ---------------------------------------------------------------------------
    def _alloc_ifindex(self) -> int:
        idx = self.next_ifindex
        self.next_ifindex += 1
        return idx

    def _add_image(self, tag: str) -> None:
        img_id = "sha256:" + hashlib.sha256(f"labkit-image/{tag}".encode()).hexdigest()
        self.images[img_id] = Image(img_id, [tag], created=int(self.world.started), size=1984132, cmd=["sh"])

    @property
    def underlay_ip(self) -> IPv4Addr | None:
        return next((i.ip for i in self.ifaces if i.name == "eth0"), None)

    @property
    def hostname(self) -> str:
        return self.name

    def _create_predefined(self) -> None:
        # The engine creates none, host, then bridge (docker0) at start-up.
        for name, driver in (("none", "null"), ("host", "host")):
            net = Network(self.world.new_id("network", f"{self.name}/{name}"), name, driver, self, now())
            self.networks[net.id] = net
            self.predefined_ids[name] = net.id
        net = Network(self.world.new_id("network", f"{self.name}/bridge"), "bridge", "bridge", self, now(), options={
            "com.docker.network.bridge.default_bridge": "true",
            "com.docker.network.bridge.enable_icc": "true",
            "com.docker.network.bridge.enable_ip_masquerade": "true",
            "com.docker.network.bridge.host_binding_ipv4": "0.0.0.0",
            "com.docker.network.bridge.name": "docker0",
            "com.docker.network.driver.mtu": "1500",
        })
        pool = self.local_space.request()
        gw = pool.take()
        net.pools, net.gateways = [pool], [gw]
        net.ipam_config = [{"Subnet": str(pool.subnet)}]  # docker0 shows no Gateway in its config
        self._add_bridge(net, "docker0")
        self.networks[net.id] = net
        self.predefined_ids["bridge"] = net.id

    def _add_bridge(self, net: Network, name: str) -> None:
        net.bridge_name = name
        net.bridge_ifindex = self._alloc_ifindex()
        mac = "02:42:" + ":".join(net.id[i:i + 2] for i in range(0, 8, 2))
        self.ifaces.append(Iface(net.bridge_ifindex, name, mac, mtu=net.mtu,
                                 ip=net.gateways[0] if net.gateways and net.gateways[0] else None,
                                 prefixlen=net.pools[0].subnet.prefixlen if net.pools else 0,
                                 flags="BROADCAST,MULTICAST,UP,LOWER_UP", kind="bridge"))

    # -- lookups -------------------------------------------------------------------------------
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

    def find_image(self, ref: str) -> Image:
        check_reference(ref)
        full = ref if (":" in ref.rsplit("/", 1)[-1] or "@" in ref) else ref + ":latest"
        for img in self.images.values():
            if full in img.tags or ref == img.id or (len(ref) >= 4 and img.id.split(":")[1].startswith(ref)):
                return img
        # The engine strips docker.io/library/ when it names an image in its reply.
        short = re.sub(r"^(docker\.io/)?(library/)?", "", full)
        for img in self.images.values():
            if short in img.tags:
                return img
        raise NotFound(f"No such image: {short}")

    # -- networks ------------------------------------------------------------------------------
    def create_network(self, name: str, driver: str = "bridge", ipam_cfg: dict | None = None,
                       internal: bool = False, attachable: bool = False, ingress: bool = False,
                       enable_ipv6: bool = False, options: dict | None = None,
                       labels: dict | None = None, check_duplicate: bool = False,
                       scope: str | None = None, config_only: bool = False) -> Network:
        """docker network create. Engine 20.10 allows two networks of one name unless the client
        asks CheckDuplicate (the CLI does, docker-py does not); newer engines always refuse."""
        from . import drivers  # the driver rules live beside, to keep this file about state

        with self.world.lock:
            if name in PREDEFINED:
                raise Forbidden(f"operation is not permitted on predefined {name} network ")
            if not name:
                raise EngineError("invalid name: ")
            driver = driver or "bridge"
            if check_duplicate and any(n.name == name for n in self.visible_networks().values()):
                raise Conflict(f"network with name {name} already exists")
            return drivers.create(self, name, driver, ipam_cfg or {}, internal=internal,
                                  attachable=attachable, ingress=ingress, enable_ipv6=enable_ipv6,
                                  options=dict(options or {}), labels=dict(labels or {}))

    def remove_network(self, term: str) -> None:
        with self.world.lock:
            net = self.find_network(term)
            if net.predefined:
                raise Forbidden(f"{net.name} is a pre-defined network and cannot be removed")
            if net.swarm is not None:
                net.swarm.remove_network(self, net)
                return
            if net.endpoints:
                raise Forbidden(f"error while removing network: network {net.name} id {net.id} has active endpoints")
            self._drop_network(net)

    def _drop_network(self, net: Network) -> None:
        for pool in net.pools:
            self.local_space.release(pool)
        self.ifaces = [i for i in self.ifaces if i.index != net.bridge_ifindex]
        self.networks.pop(net.id, None)

    def prune_networks(self, keep=lambda net: False) -> list[str]:
        with self.world.lock:
            deleted = []
            for net in sorted(self.networks.values(), key=lambda n: n.name):
                if net.predefined or net.endpoints or keep(net) or net.swarm is not None:
                    continue
                if any(net.id in c.net_ids.values() or net.name in c.net_requests
                       for c in self.containers.values()):
                    continue
                self._drop_network(net)
                deleted.append(net.name)
            return deleted

    # -- containers ----------------------------------------------------------------------------
    def create_container(self, name: str | None, body: dict) -> Container:
        from . import containers
        with self.world.lock:
            return containers.create(self, name, body)

    def all_endpoints(self):
        """Endpoints with an interface (host and none endpoints have none)."""
        for c in self.containers.values():
            yield from (ep for ep in c.endpoints.values() if ep.has_interface)
