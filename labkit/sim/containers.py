"""Containers: create, start, stop, kill, restart, remove, and joining and leaving networks.

The engine's order of things is kept where it shows: a container is created with only the names of
the networks it asked for; addresses, endpoints and interfaces exist only while it runs; stopping
releases them (a removed or stopped container's address is free at once) but keeps what was asked
for. Publishing a port reserves host ports while the container runs.
"""
from __future__ import annotations

import ipaddress
import itertools

from .errors import Conflict, EngineError, Forbidden, InvalidParameter
from .world import (CONTAINER_NAME, ZERO_TIME, Container, Endpoint, Host, Image, IPv4Addr, Network,
                    now)

# Names for containers created without one (the engine picks adjective_surname at random; ours
# come in a fixed order so notebook outputs stay stable).
_ADJECTIVES = ["admiring", "bold", "clever", "dreamy", "eager", "focused", "gallant", "happy",
               "jolly", "keen", "lucid", "modest", "nifty", "quirky", "serene", "trusting"]
_SURNAMES = ["turing", "hopper", "lovelace", "ritchie", "thompson", "torvalds", "knuth", "liskov",
             "hamilton", "cerf", "kahn", "perlman", "postel", "metcalfe", "baran", "davies"]


def _auto_name(host: Host) -> str:
    taken = {c.name for c in host.containers.values()}
    for adj, sur in itertools.product(_ADJECTIVES, _SURNAMES):
        if f"{adj}_{sur}" not in taken:
            return f"{adj}_{sur}"
    return "container_" + str(len(taken))


def parse_port_key(key: str) -> tuple[int, str]:
    """'80/tcp' -> (80, 'tcp'); the engine's text when the port is not a number in range."""
    port, _, proto = str(key).partition("/")
    proto = proto or "tcp"
    if not port.isdigit() or not 0 <= int(port) <= 65535:
        raise InvalidParameter(f'invalid port specification: "{port}"')
    if proto not in ("tcp", "udp", "sctp"):
        raise InvalidParameter(f'invalid proto: "{proto}"')  # nat.ParsePort message
    return int(port), proto


def check_host_port(text: str) -> None:
    if text in ("", None):
        return
    lo, _, hi = str(text).partition("-")
    for part in (lo, hi) if hi else (lo,):
        if not part.isdigit() or not 0 <= int(part) <= 65535:
            raise InvalidParameter(f'invalid port specification: "{text}"')


# What the engine puts in place of empty or zero host settings (the CLI sends them all).
_FILL = {"CgroupnsMode": "host", "IpcMode": "private", "ShmSize": 67108864, "Runtime": "runc"}
_NULL_WHEN = {"MemorySwappiness": -1, "PidsLimit": 0}


def check_network_mode(body: dict) -> None:
    """What the engine refuses while it reads the request, before anything else (runconfig)."""
    hc = body.get("HostConfig") or {}
    if not str(hc.get("NetworkMode") or "").startswith("container:"):
        return
    if body.get("Hostname"):
        raise InvalidParameter("conflicting options: hostname and the network mode")
    if hc.get("PortBindings") or hc.get("PublishAllPorts"):
        raise InvalidParameter("conflicting options: port publishing and the container type network mode")
    if body.get("ExposedPorts"):
        raise InvalidParameter("conflicting options: port exposing and the container type network mode")


def engine_defaults(hc: dict) -> dict:
    from .api import HOST_CONFIG_DEFAULTS
    for key, value in _FILL.items():
        if not hc.get(key):
            hc[key] = value
    for key, zero in _NULL_WHEN.items():
        if hc.get(key) == zero:
            hc[key] = None
    if not (hc.get("LogConfig") or {}).get("Type"):
        hc["LogConfig"] = {"Type": "json-file", "Config": (hc.get("LogConfig") or {}).get("Config") or {}}
    for key in ("MaskedPaths", "ReadonlyPaths"):
        if hc.get(key) is None:
            hc[key] = list(HOST_CONFIG_DEFAULTS[key])
    return hc


def create(host: Host, name: str | None, body: dict) -> Container:
    check_network_mode(body)
    if name is not None and name != "":
        if not CONTAINER_NAME.match(name):
            raise InvalidParameter(f"Invalid container name ({name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed")
        name = name.lstrip("/")
    hc = engine_defaults(dict(body.get("HostConfig") or {})) if "HostConfig" in body else {}
    for key in body.get("ExposedPorts") or {}:
        parse_port_key(key)
    for key, bindings in (hc.get("PortBindings") or {}).items():
        parse_port_key(key)
        for b in bindings or []:
            check_host_port((b or {}).get("HostPort", ""))
    mode = hc.get("NetworkMode") or "default"
    endpoints_cfg = ((body.get("NetworkingConfig") or {}).get("EndpointsConfig") or {})
    if len(endpoints_cfg) > 1:
        names = ", ".join(endpoints_cfg)
        raise InvalidParameter(f"Container cannot be connected to network endpoints: {names}")
    ref = body.get("Image") or ""
    # No image at all: the engine still creates the container, on an empty file system (its
    # start then finds no program).
    image = host.find_image(ref) if ref else Image("", [], created=0, size=0)
    argv = list(body.get("Entrypoint") or []) + list(body.get("Cmd") or [])
    if not argv and not image.cmd:
        raise InvalidParameter("No command specified")
    if mode.startswith("container:"):
        host.find_container(mode.split(":", 1)[1])  # must exist
    if name:
        for other in host.containers.values():
            if other.name == name:
                raise Conflict(f'Conflict. The container name "/{name}" is already in use by container '
                               f'"{other.id}". You have to remove (or rename) that container to be able '
                               f'to reuse that name.')
    else:
        name = _auto_name(host)
    cid = host.world.new_id("container", f"{host.name}/{name}")
    config = _container_config(body, cid)
    hc.setdefault("NetworkMode", mode)
    c = Container(cid, name, host, image, ref, now(), config, hc, mode)
    if mode.startswith("container:"):
        target = host.find_container(mode.split(":", 1)[1])
        c.network_mode = "container:" + target.id
        c.host_config["NetworkMode"] = c.network_mode
        c.config["Hostname"] = target.hostname
    elif mode == "host":
        c.config["Hostname"] = host.hostname
        c.net_requests["host"] = {}
    elif mode == "none":
        c.net_requests["none"] = {}
    else:
        net_name = "bridge" if mode == "default" else mode
        req = endpoints_cfg.get(net_name) or endpoints_cfg.get(mode) or {}
        c.net_requests[net_name] = dict(req or {})
    host.containers[cid] = c
    return c


def _container_config(body: dict, cid: str) -> dict:
    keys = ["Hostname", "Domainname", "User", "AttachStdin", "AttachStdout", "AttachStderr", "Tty",
            "OpenStdin", "StdinOnce", "Env", "Cmd", "Image", "Volumes", "WorkingDir", "Entrypoint",
            "OnBuild", "Labels"]
    cfg = {k: body.get(k) for k in keys}
    for k in ("AttachStdin", "AttachStdout", "AttachStderr", "Tty", "OpenStdin", "StdinOnce"):
        cfg[k] = bool(cfg[k])
    for k in ("Hostname", "Domainname", "User", "WorkingDir", "Image"):
        cfg[k] = cfg[k] or ""
    cfg["Hostname"] = cfg["Hostname"] or cid[:12]
    # The engine merges the image's labels into the container's: a map, even an empty one,
    # except for a container with no image and no labels.
    cfg["Labels"] = dict(body.get("Labels") or {}) if (body.get("Labels") or body.get("Image")) else None
    cfg["Volumes"] = body.get("Volumes") or None  # the CLI sends {}, the engine keeps null
    if body.get("ExposedPorts"):
        cfg["ExposedPorts"] = {k: {} for k in body["ExposedPorts"]}
    for key in (body.get("HostConfig") or {}).get("PortBindings") or {}:
        cfg.setdefault("ExposedPorts", {})[key if "/" in key else key + "/tcp"] = {}
    if body.get("StopSignal"):
        cfg["StopSignal"] = body["StopSignal"]
    return cfg


# -- networks a running container joins -----------------------------------------------------------
def _aliases(c: Container, net: Network, requested: list | None) -> list[str] | None:
    """The engine adds the short ID and the host name to the aliases on user-defined networks."""
    if not net.user_defined:
        return list(requested) if requested else None
    aliases = list(requested or [])
    if c.short_id not in aliases:
        aliases.append(c.short_id)
    if c.hostname not in aliases:
        aliases.append(c.hostname)
    return aliases


def check_request(net: Network, req: dict) -> IPv4Addr | None:
    """The daemon's checks of an endpoint's settings; returns the static address asked for."""
    ipam_cfg = req.get("IPAMConfig") or {}
    want = ipam_cfg.get("IPv4Address") or ""
    if not net.user_defined and (want or req.get("Aliases")):
        if want:
            raise InvalidParameter("user specified IP address is supported on user defined networks only")
        raise InvalidParameter("network-scoped alias is supported only for containers in user defined networks")
    if not want:
        return None
    if not net.user_subnets:
        raise InvalidParameter("user specified IP address is supported only when connecting to networks with user configured subnets")
    try:
        ip = ipaddress.ip_address(want)
    except ValueError:
        raise InvalidParameter(f"invalid IPv4 address: {want}") from None
    if not net.has_address(ip):
        raise EngineError(f"Invalid address {want}: It does not belong to any of this network's subnets")
    return ip


def join(c: Container, net: Network, req: dict, hidden: bool = False) -> Endpoint:
    """Create the endpoint: address, interface, aliases (docker network connect / start).
    hidden: an endpoint the engine adds on its own (docker_gwbridge for overlays), which the
    container's inspect does not list."""
    host = c.host
    want = check_request(net, req)
    if net.swarm is not None and not net.attachable and not c.swarm_task:
        raise EngineError(f"Could not attach to network {net.name}: rpc error: code = "
                          f"PermissionDenied desc = network {net.name} not manually attachable")
    # The engine records the aliases (with the short ID and host name) before it asks for an
    # address, so they stay even when the address cannot be had.
    aliases = None if hidden else _aliases(c, net, req.get("Aliases"))
    if not hidden:
        c.net_requests[net.name] = {**req, "Aliases": aliases}
    if net.swarm is not None:
        net.swarm.before_join(host, net, c)
    pool = None
    if want is not None:
        pool = net.pool_of(want)
        ip = pool.take(want)
    elif net.pools:
        ip = None
        last_err = None
        for pool in net.pools:
            try:
                ip = pool.take()
                break
            except EngineError as e:
                last_err = e
        if ip is None:
            raise EngineError(f"no available IPv4 addresses on this network's address pools: {net.name} ({net.id})") from last_err
    else:
        ip = None
    if c.sandbox_pending:  # the engine makes the sandbox between the address and the driver's join
        c.sandbox_id = host.world.new_id("sandbox", c.id)
        c.sandbox_pending = False
    if net.driver == "ipvlan":
        # This machine's kernel has no ipvlan (CONFIG_IPVLAN unset): the driver fails, after the
        # address was given (and given back).
        c.net_ids[net.name] = net.id
        if ip is not None:
            net.pool_of(ip).give_back(ip)
        raise EngineError("failed to create the ipvlan port: operation not supported")
    inside = host._alloc_ifindex()
    if net.driver == "macvlan":
        # One interface stacked on the parent: `eth0@if<parent's index>`, no veth on the host.
        parent = net.options.get("parent", "")
        outside = next((i.index for i in host.ifaces if i.name == parent), 0)
    else:
        outside = host._alloc_ifindex()
    ifname = f"eth{c.next_eth}"
    c.next_eth += 1
    ep = Endpoint(host.world.new_id("endpoint", f"{c.id}/{net.id}"), net, c, ifname, inside, outside, ip, aliases or [],
                  req.get("IPAMConfig") or None, links=req.get("Links"), driver_opts=req.get("DriverOpts"),
                  hidden=hidden)
    net.endpoints[c.id] = ep
    c.endpoints[net.id] = ep
    if not hidden:
        c.net_ids[net.name] = net.id
        if ip is not None:
            c.hosts_lines.append(f"{ip}\t{c.hostname}")
    if net.swarm is not None:
        net.swarm.after_join(host, net, c, ep)
    return ep


def join_namespace_network(c: Container, net: Network) -> Endpoint:
    """host and none: the engine records an endpoint, with no address and no interface."""
    ep = Endpoint(c.host.world.new_id("endpoint", f"{c.id}/{net.id}"), net, c, "", 0, 0, None, [], None)
    net.endpoints[c.id] = ep
    c.endpoints[net.id] = ep
    c.net_ids[net.name] = net.id
    return ep


def leave(c: Container, net: Network) -> None:
    ep = c.endpoints.pop(net.id, None)
    if ep is None:
        return
    net.endpoints.pop(c.id, None)
    if ep.ip is not None:
        pool = net.pool_of(ep.ip)
        if pool is not None:
            pool.give_back(ep.ip)
    if net.swarm is not None:
        net.swarm.after_leave(c.host, net, c)


# -- lifecycle -------------------------------------------------------------------------------------
def start(c: Container) -> None:
    from . import busybox
    host = c.host
    if c.running:
        raise NotModified()
    argv = list(c.config.get("Entrypoint") or []) + list(c.config.get("Cmd") or []) or list(c.image.cmd or [])
    mode = c.mode_kind
    # Networks first (the engine fails the start, leaving the container created, when one is gone).
    joined: list[Network] = []
    c.hosts_lines = []
    try:
        if mode == "container":
            target = c.shared_with()
            if target is None or not target.running:
                raise Conflict(f"cannot join network of a non running container: {c.network_mode.split(':', 1)[1]}")
        elif mode in ("host", "none") and mode in c.net_requests:
            net = host.networks[host.predefined_ids[mode]]
            join_namespace_network(c, net)
            joined.append(net)
        else:
            # Every network must exist before the engine builds the sandbox; an endpoint that
            # then fails leaves the sandbox made.
            wanted = [(host.find_network(c.net_ids.get(name) or name, attach=True), req)
                      for name, req in list(c.net_requests.items())]
            c.sandbox_pending = True  # made once the first endpoint has its address
            for net, req in wanted:
                join(c, net, req or {})
                joined.append(net)
        if mode != "container" and (c.sandbox_pending or mode in ("host", "none")):
            c.sandbox_id = host.world.new_id("sandbox", c.id)
            c.sandbox_pending = False
        _bind_ports(c)
        c.task_tried = True
        c.host_config.setdefault("Runtime", "runc")
        process = busybox.start_process(argv, c)
    except EngineError as e:
        c.list_view = {ep.network.name: {"NetworkID": ep.network.id, "EndpointID": ep.id,
                                         "Gateway": str(ep.gateway or ""), "IPAddress": str(ep.ip or ""),
                                         "IPPrefixLen": ep.prefixlen, "MacAddress": ep.mac}
                       for ep in c.endpoints.values()}
        for net in joined:
            leave(c, net)
        c.ports_bound = []
        # The engine: 127 for a missing program; otherwise 128, unless an earlier code stands.
        if isinstance(e, busybox.ExecNotFound):
            c.exit_code = 127
        elif c.exit_code == 0:
            c.exit_code = 128
        c.error = e.message
        raise
    c.list_view = None
    c.process = process
    c.status = "running"
    c.pid = host.world.new_pid()
    c.started_at = now()
    c.finished_at = ZERO_TIME if c.finished_at == ZERO_TIME else c.finished_at
    c.exit_code, c.error = 0, ""
    c.log += process.output
    if process.exits is not None:
        _exited(c, process.exits)


class NotModified(EngineError):
    """Starting a running container, stopping a stopped one: HTTP 304, no body."""
    status = 304

    def __init__(self):
        super().__init__("")


def _bind_ports(c: Container) -> None:
    """Reserve the host ports a container publishes (docker-proxy's bind); the engine's text on a clash."""
    c.ports_bound = []
    if c.mode_kind != "network":
        return
    bindings = c.host_config.get("PortBindings") or {}
    publish_all = c.host_config.get("PublishAllPorts")
    exposed = list((c.config.get("ExposedPorts") or {}).keys())
    wanted = []
    for key in sorted(exposed):  # the engine walks its exposed ports in sorted order
        port, proto = parse_port_key(key)
        blist = bindings.get(key) or bindings.get(str(port)) or ([{}] if publish_all else [])
        # The engine programs a port's bindings last to first.
        for b in reversed(blist):
            b = b or {}
            wanted.append((proto, _host_ip(b.get("HostIp") or ""), b.get("HostPort") or "", port))
    taken = {(proto, hp): ip for other in c.host.containers.values() if other is not c
             for (proto, ip, hp, _, _) in other.ports_bound}
    ep = next(iter(c.endpoints.values()), None)
    bound = []
    for proto, hip, hport, cport in wanted:
        if hport == "":
            hp = _ephemeral(c.host, taken, proto)
        else:
            hp = int(str(hport).split("-")[0])
        if hip not in ("", "0.0.0.0", "::") and not _host_has(c.host, hip):
            raise EngineError(f"driver failed programming external connectivity on endpoint {c.name} "
                              f"({ep.id if ep else ''}): Error starting userland proxy: listen {proto}4 "
                              f"{hip}:{hp}: bind: cannot assign requested address")
        if (proto, hp) in taken and _overlap(taken[(proto, hp)], hip):
            where = f"driver failed programming external connectivity on endpoint {c.name} ({ep.id if ep else ''})"
            if taken[(proto, hp)] == hip:  # the engine's port allocator knows this one
                raise EngineError(f"{where}: Bind for {hip or '0.0.0.0'}:{hp} failed: port is already allocated")
            # Another address on that port: docker-proxy's bind fails instead.
            raise EngineError(f"{where}: Error starting userland proxy: listen {proto}4 {hip or '0.0.0.0'}:{hp}: "
                              f"bind: address already in use")
        taken[(proto, hp)] = hip
        bound.append((proto, hip, hp, proto, cport))
    c.ports_bound = bound


def _host_has(host: Host, address: str) -> bool:
    return address.startswith("127.") or any(str(i.ip) == address for i in host.ifaces if i.ip is not None)


def _overlap(a: str, b: str) -> bool:
    """Two host addresses clash on one port: the same, or either of them every address."""
    return a == b or a in ("", "0.0.0.0") or b in ("", "0.0.0.0")


def _host_ip(text: str) -> str:
    """The engine keeps a host address it cannot parse, and publishes on every address instead."""
    try:
        ipaddress.ip_address(text)
        return text
    except ValueError:
        return ""


EPHEMERAL = range(32768, 61000)  # the kernel's ip_local_port_range, which the engine reads


def _ephemeral(host: Host, taken: dict, proto: str) -> int:
    """The engine's port allocator: per protocol, the next free port after the last one given."""
    last = host.last_port.get(proto, EPHEMERAL.start - 1)
    n = len(EPHEMERAL)
    for k in range(1, n + 1):
        p = EPHEMERAL.start + (last - EPHEMERAL.start + k) % n
        if (proto, p) not in taken:
            host.last_port[proto] = p
            return p
    raise EngineError("Bind for 0.0.0.0:0 failed: all ports are allocated")


def _exited(c: Container, code: int) -> None:
    while c.endpoints:  # leaving an overlay also takes the docker_gwbridge leg away
        leave(c, next(iter(c.endpoints.values())).network)
    c.ports_bound = []
    c.status = "exited"
    c.exit_code = code
    c.pid = 0
    c.finished_at = now()
    c.process = None
    c.list_view = None
    c.exits += 1
    c.host.world.changed.notify_all()
    if c.host_config.get("AutoRemove"):
        remove(c)  # docker run --rm


def stop(c: Container, signal_kill: bool = True) -> None:
    if not c.running:
        raise NotModified()
    # busybox as PID 1 ignores SIGTERM, so stop ends in SIGKILL after the timeout: 137.
    _exited(c, 137)


def kill(c: Container) -> None:
    if not c.running:
        raise Conflict(f"Cannot kill container: {c.name}: Container {c.id} is not running")
    _exited(c, 137)


def restart(c: Container) -> None:
    if c.running:
        _exited(c, 137)
    start(c)  # (docker restart does not count in RestartCount: that is the restart policy's)


def remove(c: Container, force: bool = False) -> None:
    host = c.host
    if c.running:
        if not force:
            raise Conflict(f"You cannot remove a running container {c.id}. Stop the container before "
                           f"attempting removal or force remove")
        _exited(c, 137)
        if c.removed:
            return
    host.containers.pop(c.id, None)
    c.removed = True
    host.world.changed.notify_all()


# -- docker network connect / disconnect ----------------------------------------------------------
def connect(c: Container, net: Network, req: dict) -> None:
    if c.mode_kind in ("host", "container"):
        raise InvalidParameter("container sharing network namespace with another container or host "
                               "cannot be connected to any other network")
    if "none" in c.net_requests or net.driver == "null":
        # Still on none; once disconnected from it, a container may join other networks.
        raise InvalidParameter("container cannot be connected to multiple networks with one of the "
                               "networks in private (none) mode")
    if net.driver == "host":
        raise InvalidParameter("container cannot be disconnected from host network or connected to host network")
    check_request(net, {k: v for k, v in req.items() if k != "IPAMConfig"} if net.user_defined else req)
    if net.id in c.endpoints or (not c.running and net.name in c.net_requests):
        if net.swarm is not None:
            raise Conflict(f"{c.name} is already attached to network {net.name}")
        raise Forbidden(f"endpoint with name {c.name} already exists in network {net.name}")
    check_request(net, req)  # an address in the network's subnets: looked at after the endpoint
    if net.swarm is not None and not net.attachable:
        raise EngineError(f"Could not attach to network {net.id}: rpc error: code = PermissionDenied "
                          f"desc = network {net.id} not manually attachable")
    if c.running:
        join(c, net, req)
    else:
        # Stopped: the request is kept (aliases completed at once), the network joined at start.
        c.net_requests[net.name] = {**req, "Aliases": _aliases(c, net, req.get("Aliases"))}


def disconnect(c: Container, net: Network, force: bool = False) -> None:
    if net.driver == "host":
        if c.mode_kind != "host":
            raise EngineError(f"container {c.id} is not connected to network host")
        raise InvalidParameter("container cannot be disconnected from host network or connected to host network")
    if c.running:
        if net.id not in c.endpoints:
            raise EngineError(f"container {c.id} is not connected to network {net.name}")
        leave(c, net)
        c.hosts_lines = []  # the engine rewrites /etc/hosts without any of the container's lines
    c.net_requests.pop(net.name, None)
    c.net_ids.pop(net.name, None)
