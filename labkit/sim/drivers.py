"""Network drivers: what `docker network create -d DRIVER` checks and builds, per driver.

bridge: a Linux bridge on the host (br-<id12>, or the name given in
    com.docker.network.bridge.name) holding the gateway address; containers join by veth pairs.
macvlan: containers get interfaces stacked on a host interface (option parent); the host itself
    cannot talk to them through that parent.
host, null: exist once each (the predefined `host` and `none`); a second one is refused.
overlay: needs a swarm manager (see swarm.py).
"""
from __future__ import annotations

import ipaddress

from . import ipam
from .errors import EngineError, Forbidden, NotFound, NotImplementedError_
from .world import Host, IPv4Addr, Network, now

LOCAL_DRIVERS = ("bridge", "macvlan", "ipvlan")


def parse_cidr(text: str) -> ipaddress.IPv4Network | None:
    """Go's net.ParseCIDR: host bits may be set ("10.0.0.1/24" is fine); None when invalid."""
    try:
        iface = ipaddress.ip_interface(text)
    except ValueError:
        return None
    if "/" not in text or iface.version != 4:
        return None
    return iface.network


def parse_ip(text: str) -> IPv4Addr | None:
    try:
        ip = ipaddress.ip_address(text)
    except ValueError:
        return None
    return ip if ip.version == 4 else None


def check_ipam(ipam_cfg: dict) -> list[dict]:
    """The daemon's checks of the IPAM section, before any pool is touched."""
    configs = ipam_cfg.get("Config") or []
    for cfg in configs:
        if ":" in (cfg.get("Subnet") or ""):
            raise NotImplementedError_("labkit's simulated engine does not model IPv6 networks")
        subnet, gw = cfg.get("Subnet") or "", cfg.get("Gateway") or ""
        if subnet and parse_cidr(subnet) is None:
            raise EngineError(f"Invalid subnet {subnet} : invalid CIDR address: {subnet}")
        if gw and parse_ip(gw) is None:
            raise EngineError(f"invalid gateway address {gw} in Ipam configuration")
    return configs


def allocate_pools(net: Network, space: ipam.AddressSpace, configs: list[dict]) -> None:
    """Reserve the network's pools and gateways; on failure give back what was taken."""
    for cfg in configs:
        if cfg.get("IPRange") and parse_cidr(cfg["IPRange"]) is None:
            raise EngineError(f'failed to parse pool request for address space "LocalDefault" pool '
                              f'"{cfg.get("Subnet", "")}" subpool "{cfg["IPRange"]}": Invalid Address SubPool')
    try:
        if not configs:
            pool = space.request()
            gw = pool.take()
            net.pools.append(pool)
            net.gateways.append(gw)
            net.ipam_config.append({"Subnet": str(pool.subnet), "Gateway": str(gw)})
            return
        net.user_subnets = any(cfg.get("Subnet") for cfg in configs)
        for cfg in configs:
            subnet = parse_cidr(cfg["Subnet"]) if cfg.get("Subnet") else None
            rng = parse_cidr(cfg["IPRange"]) if cfg.get("IPRange") else None
            pool = space.request(subnet, rng)
            net.pools.append(pool)
            shown = {k: cfg[k] for k in ("Subnet", "IPRange", "Gateway") if cfg.get(k)}
            if cfg.get("AuxiliaryAddresses"):
                shown["AuxiliaryAddresses"] = cfg["AuxiliaryAddresses"]
            if cfg.get("Gateway"):
                try:
                    gw = pool.take(parse_ip(cfg["Gateway"]))
                except EngineError as e:
                    raise EngineError(f"failed to allocate gateway ({cfg['Gateway']}): {e.message}") from None
            else:
                try:
                    gw = pool.take()
                except EngineError as e:
                    raise EngineError(f"failed to allocate gateway (): {e.message}") from None
            for aux in (cfg.get("AuxiliaryAddresses") or {}).values():
                ip = parse_ip(aux)
                if ip is not None and ip in pool.subnet:
                    pool.take(ip)
            net.gateways.append(gw)
            net.ipam_config.append(shown if subnet else {**shown, "Subnet": str(pool.subnet), "Gateway": str(gw)})
    except EngineError:
        for pool in net.pools:
            space.release(pool)
        raise


def create(host: Host, name: str, driver: str, ipam_cfg: dict, *, internal: bool, attachable: bool,
           ingress: bool, enable_ipv6: bool, options: dict, labels: dict) -> Network:
    if driver in ("host", "null"):
        raise Forbidden(f'only one instance of "{driver}" network is allowed')
    if driver == "overlay":
        from . import swarm
        return swarm.create_overlay(host, name, ipam_cfg, internal=internal, attachable=attachable,
                                    ingress=ingress, options=options, labels=labels)
    if driver not in LOCAL_DRIVERS:
        raise NotFound(f'plugin "{driver}" not found')
    configs = check_ipam(ipam_cfg)
    if enable_ipv6:
        raise NotFound("could not find an available, non-overlapping IPv6 address pool among "
                       "the defaults to assign to the network")
    net = Network(host.world.new_id("network", f"{host.name}/{name}"), name, driver, host, now(), internal=internal,
                  attachable=attachable, ingress=ingress, enable_ipv6=enable_ipv6, options=options,
                  labels=labels, ipam_driver=ipam_cfg.get("Driver") or "default",
                  ipam_options=ipam_cfg.get("Options"))
    if driver in ("macvlan", "ipvlan"):
        parent = options.get("parent", "")
        if not parent:
            # 20.10 makes a dummy parent link; this kernel has no dummy driver (ENGINE-NOTES.md).
            raise EngineError("operation not supported")
        if not any(i.name == parent for i in host.ifaces):
            if "." not in parent:
                raise EngineError(f"invalid subinterface vlan name {parent}, example formatting is eth0.10")
            raise EngineError(f"-o parent interface was not found on the host: {parent}")
    allocate_pools(net, host.local_space, configs)
    if driver == "bridge":
        host._add_bridge(net, options.get("com.docker.network.bridge.name") or "br-" + net.id[:12])
    host.networks[net.id] = net
    return net
