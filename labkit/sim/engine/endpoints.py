"""Endpoints: a container joining and leaving networks (at start and stop, and by `docker network
connect` / `disconnect`).

The engine's order of things is kept where it shows: the request's aliases are recorded (with the
short ID and host name) before an address is asked for, so they stay even when none can be had;
the sandbox (the container's namespace) is made between the first address and the driver's join;
interfaces are named eth0, eth1, ... in join order. A stopped container keeps what it asked for
(net_requests), not its endpoints.
"""
from __future__ import annotations

import ipaddress

from ... import rules
from ..errors import Conflict, EngineError, Forbidden, InvalidParameter
from ..state import Container, Endpoint, IPv4Addr, IPv6Addr, Network
from . import dns, drivers, ipam, ipconf


def aliases_for(c: Container, net: Network, requested: list | None) -> list[str] | None:
    """The engine adds the short ID and the host name to the aliases on user-defined networks."""
    if not net.user_defined:
        return list(requested) if requested else None
    aliases = list(requested or [])
    if c.short_id not in aliases:
        aliases.append(c.short_id)
    if c.hostname not in aliases:
        aliases.append(c.hostname)
    return aliases


def check_request(net: Network, req: dict) -> tuple[IPv4Addr | None, IPv6Addr | None]:
    """The daemon's checks of an endpoint's settings; returns the static addresses asked for
    (IPv4, IPv6). Each family's address needs a subnet of that family named by the user."""
    ipam_cfg = req.get("IPAMConfig") or {}
    want4, want6 = ipam_cfg.get("IPv4Address") or "", ipam_cfg.get("IPv6Address") or ""
    if not net.user_defined and (want4 or want6 or req.get("Aliases")):
        if want4 or want6:
            raise InvalidParameter("user specified IP address is supported on user defined networks only")
        raise InvalidParameter("network-scoped alias is supported only for containers in user defined networks")
    check_addresses(ipam_cfg)
    if (want4 and not net.user_subnets) or (want6 and not net.pools6):
        raise InvalidParameter("user specified IP address is supported only when connecting to networks with user configured subnets")
    return (ipaddress.ip_address(want4) if want4 else None), (ipaddress.ip_address(want6) if want6 else None)


def check_in_subnets(net: Network, want) -> None:
    """An address asked for must lie in one of the network's subnets of its family."""
    if want is not None and not net.has_address(want):
        raise EngineError(f"Invalid address {want}: It does not belong to any of this network's subnets")


def check_addresses(ipam_cfg: dict) -> None:
    """The daemon's check of the addresses asked for (docker run --ip/--ip6, network connect):
    an IPv4 address for IPv4, an IPv6 one (not an IPv4-mapped one) for IPv6."""
    want4, want6 = ipam_cfg.get("IPv4Address") or "", ipam_cfg.get("IPv6Address") or ""
    try:
        ok4 = not want4 or ipaddress.ip_address(want4).version == 4
    except ValueError:
        ok4 = False
    if not ok4:
        raise InvalidParameter(f"invalid IPv4 address: {want4}")
    try:
        ip6 = ipaddress.ip_address(want6) if want6 else None
        ok6 = ip6 is None or (ip6.version == 6 and ip6.ipv4_mapped is None)
    except ValueError:
        ok6 = False
    if not ok6:
        raise InvalidParameter(f"invalid IPv6 address: {want6}")


def _address(net: Network, want, version: int = 4):
    """The endpoint's address of one family: the one asked for, else the next free one."""
    if want is not None:
        check_in_subnets(net, want)
        return ipam.take(net.pool_of(want), want)
    last_err = None
    pools = net.pools_of(version)
    for pool in pools:
        try:
            return ipam.take(pool)
        except EngineError as e:
            last_err = e
    if pools:
        raise EngineError(f"no available IPv{version} addresses on this network's address pools: "
                          f"{net.name} ({net.id})") from last_err
    return None


def _addresses(net: Network, want4: IPv4Addr | None, want6: IPv6Addr | None) -> tuple:
    """IPv4 first, then IPv6 where the network has it. When no IPv6 address can be had (in use,
    not in the subnet, none left), 20.10 does not give the IPv4 address back (libnetwork releases
    an endpoint's addresses only once both were assigned): it stays taken until the network goes,
    as observed (the next container got the address after it)."""
    ip = _address(net, want4)
    return ip, (_address(net, want6, 6) if net.ipv6 else None)


def join(c: Container, net: Network, req: dict, hidden: bool = False) -> Endpoint:
    """Create the endpoint: address, interface, aliases (docker network connect / start).
    hidden: an endpoint the engine adds on its own (docker_gwbridge for overlays), which the
    container's inspect does not list."""
    driver = drivers.of(net)
    if not driver.has_interfaces:
        return _join_namespace(c, net)
    host = c.host
    driver.admit(c, net)
    aliases = None if hidden else aliases_for(c, net, req.get("Aliases"))
    if not hidden:
        c.net_requests[net.name] = {**req, "Aliases": aliases}
    want4, want6 = check_request(net, req)  # after the aliases: a refused request keeps them
    driver.prepare(c, net)
    ip, ip6 = _addresses(net, want4, want6)
    if c.sandbox_pending:  # the engine makes the sandbox between the address and the driver's join
        c.sandbox_id = host.world.new_id("sandbox", c.id)
        c.sandbox_pending = False
        c.neighbours, c.closed = {}, []
    inside, outside = driver.interfaces(c, net, ip)
    prefix = iface_prefix(net)
    ifname = f"{prefix}{c.next_eth.get(prefix, 0)}"
    c.next_eth[prefix] = c.next_eth.get(prefix, 0) + 1
    ep = Endpoint(host.world.new_id("endpoint", f"{c.id}/{net.id}"), net, c, ifname, inside, outside, ip, aliases or [],
                  req.get("IPAMConfig") or None, links=req.get("Links"), driver_opts=req.get("DriverOpts"),
                  hidden=hidden, mac_address=own_mac(c, net), ip6=ip6)
    net.endpoints[c.id] = ep
    c.endpoints[net.id] = ep
    if not hidden:
        c.net_ids[net.name] = net.id
        c.hosts_lines += [dns.own_line(c, a) for a in (ip, ip6) if a is not None]
    for also in driver.joined(c, net, ep):
        join(c, also, {}, hidden=True)
    return ep


def name_interfaces(c: Container) -> None:
    """A starting container's namespace is made once all its endpoints joined (libnetwork's
    SetKey), and their interfaces moved in in the sandbox's endpoint order: eth0 is the first of
    dns.sorted_endpoints, not the first joined (observed: started on front, connected to back,
    restarted: back eth0, front eth1, in every run). The engine joins in a Go map's order, so which
    veth is made first (the lower index) varies; the simulator joins in the order connected. A
    network connected while the container runs gets the next name."""
    c.next_eth = {}
    for ep in dns.sorted_endpoints(c):
        if ep.has_interface:
            prefix = iface_prefix(ep.network)
            ep.ifname = f"{prefix}{c.next_eth.get(prefix, 0)}"
            c.next_eth[prefix] = c.next_eth.get(prefix, 0) + 1


def iface_prefix(net: Network) -> str:
    """A container's interface on the network is named PREFIX<n>, numbered per prefix in the
    container: eth, or the network's -o com.docker.network.container_iface_prefix."""
    return net.options.get("com.docker.network.container_iface_prefix") or "eth"


def own_mac(c: Container, net: Network) -> str:
    """--mac-address: the endpoint on the network the container was created with gets it (the
    engine ignores a MAC address given at connect)."""
    mode = c.host_config.get("NetworkMode") or "default"
    first = "bridge" if mode == "default" else mode
    return (c.config.get("MacAddress") or "") if net.name == first or net.id == first else ""


def _join_namespace(c: Container, net: Network) -> Endpoint:
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
    # Its interface is gone from the namespace, and what the kernel knew of its neighbours with it.
    c.neighbours = {key: mac for key, mac in c.neighbours.items() if key[0] != ep.ifname}
    ipconf.forget(c, ep.ifname)
    for addr in (ep.ip, ep.ip6):
        pool = net.pool_of(addr) if addr is not None else None
        if pool is not None:
            ipam.give_back(pool, addr)
    for also in drivers.of(net).left(c, net):
        leave(c, also)


def leave_all(c: Container) -> None:
    """Every endpoint gone (a container stops); leaving an overlay also takes docker_gwbridge away."""
    while c.endpoints:
        leave(c, next(iter(c.endpoints.values())).network)


# -- docker network connect / disconnect ----------------------------------------------------------
def connect(c: Container, net: Network, req: dict) -> None:
    if c.mode_kind in ("host", "container"):
        raise InvalidParameter("container sharing network namespace with another container or host "
                               "cannot be connected to any other network")
    if "none" in c.net_requests or net.driver == rules.Driver.NULL:
        # Still on none; once disconnected from it, a container may join other networks.
        raise InvalidParameter("container cannot be connected to multiple networks with one of the "
                               "networks in private (none) mode")
    if net.driver == rules.Driver.HOST:
        raise InvalidParameter("container cannot be disconnected from host network or connected to host network")
    check_request(net, {k: v for k, v in req.items() if k != "IPAMConfig"} if net.user_defined else req)
    if net.id in c.endpoints:
        if net.swarm is not None:
            raise Conflict(f"{c.name} is already attached to network {net.name}")
        raise Forbidden(f"endpoint with name {c.name} already exists in network {net.name}")
    for want in check_request(net, req):  # an address in the network's subnets: looked at after the endpoint
        check_in_subnets(net, want)
    if not c.running and net.name in c.net_requests and net.swarm is None:
        return  # the engine keeps the request it has ("avoid duplicate config"): accepted, nothing changes
    if net.swarm is not None and not net.attachable:
        raise EngineError(f"Could not attach to network {net.id}: rpc error: code = PermissionDenied "
                          f"desc = network {net.id} not manually attachable")
    if c.running:
        join(c, net, req)
    else:
        # Stopped: the request is kept (aliases completed at once), the network joined at start.
        c.net_requests[net.name] = {**req, "Aliases": aliases_for(c, net, req.get("Aliases"))}


def disconnect(c: Container, net: Network, force: bool = False) -> None:
    if net.driver == rules.Driver.HOST:
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
