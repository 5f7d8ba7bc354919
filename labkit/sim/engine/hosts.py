"""Hosts: an engine starting (its host namespace, the lab image, the predefined networks), and a
host taken down and brought back (`labkit.cluster(...).stop_host` / `start_host`).

A host's namespace holds lo (1), its link to the underlay eth0 (2: `eth0@if{30000+N}`, MAC
02:99:00:00:00:{N:02x}, 10.99.0.{10+N}/24, as labkit.hosts gives real hosts: labkit.rules), then
docker0 (3).
The engine creates the networks none, host, then bridge (docker0) at start-up.
"""
from __future__ import annotations

from ... import rules
from ..state import AddressSpace, Host, Iface, Network, World, now
from . import containers, images, ipam
from .drivers.bridge import add_bridge

DEFAULT_BRIDGE_OPTIONS = {
    "com.docker.network.bridge.default_bridge": "true",
    "com.docker.network.bridge.enable_icc": "true",
    "com.docker.network.bridge.enable_ip_masquerade": "true",
    "com.docker.network.bridge.host_binding_ipv4": "0.0.0.0",
    "com.docker.network.bridge.name": "docker0",
    "com.docker.network.driver.mtu": "1500",
}


def add_host(world: World, name: str | None = None, underlay: bool = True) -> Host:
    """A new engine in the world, named host<N> unless named, on the underlay unless not."""
    with world.lock:
        n = len(world.hosts) + 1
        name = name or f"host{n}"
        daemon_id = ":".join(world.new_id("daemon", name)[i:i + 4].upper() for i in range(0, 48, 4))
        host = Host(world, name, n, AddressSpace(ipam.LOCAL_POOLS), daemon_id)
        host.new_ifindex()  # lo
        if underlay:
            host.ifaces.append(Iface(host.new_ifindex(), "eth0", rules.underlay_mac(n),
                                     peer_index=rules.UNDERLAY_PORT_INDEX + n, ip=rules.underlay_address(n),
                                     prefixlen=rules.UNDERLAY.prefixlen, flags="BROADCAST,MULTICAST,UP,LOWER_UP,M-DOWN"))
        images.add_lab_image(host)
        _create_predefined(host)
        world.hosts[name] = host
        return host


def _create_predefined(host: Host) -> None:
    world = host.world
    for name, driver in (("none", rules.Driver.NULL), ("host", rules.Driver.HOST)):
        net = Network(world.new_id("network", f"{host.name}/{name}"), name, driver, host, now())
        host.networks[net.id] = net
        host.predefined_ids[name] = net.id
    net = Network(world.new_id("network", f"{host.name}/bridge"), "bridge", rules.Driver.BRIDGE, host, now(),
                  options=dict(DEFAULT_BRIDGE_OPTIONS))
    pool = ipam.request(host.local_space)
    net.pools, net.gateways = [pool], [ipam.take(pool)]
    net.ipam_config = [{"Subnet": str(pool.subnet)}]  # docker0 shows no Gateway in its config
    add_bridge(host, net, "docker0")
    host.networks[net.id] = net
    host.predefined_ids["bridge"] = net.id


def take_down(world: World, name: str) -> None:
    """A host stops (its engine and everything on it): its containers end, the underlay loses
    it, its swarm's managers see its node down. (The engine's managers say so after ~15 s of
    missed heartbeats; here at once.)"""
    with world.lock:
        host = world.hosts[name]
        host.down = True
        for c in list(host.containers.values()):
            if c.running:
                containers.exited(c, 137)
        if host.swarm_node is not None:
            host.swarm_node.state, host.swarm_node.message = "down", "heartbeat failure"


def bring_up(world: World, name: str) -> None:
    """The host is back: its engine answers, its node reports ready again."""
    with world.lock:
        host = world.hosts[name]
        host.down = False
        if host.swarm_node is not None:
            host.swarm_node.state, host.swarm_node.message = "ready", ""
