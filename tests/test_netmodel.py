"""The simulator's address and routing rules that need no engine: each expected value below was
seen on Docker Engine 20.10.24 (kernel 6.x) in a busybox container (the conformance scenarios in
tests/conformance/ipv6.py and nettools.py compare the whole outputs with the real engine)."""
from __future__ import annotations

import ipaddress

import pytest

import labkit.sim as sim
from labkit.sim.addresses import link_local
from labkit.sim.applets.ifaces import natural, scaled
from labkit.sim.engine import containers, endpoints, networks
from labkit.sim.engine.drivers import NetworkSpec
from labkit.sim.engine.routing import DEFAULT6, LINK_LOCAL6, MULTICAST6, Route, best, order6
from labkit.sim.shell import Shell


@pytest.mark.parametrize("mac, address", [
    ("02:42:ac:12:00:02", "fe80::42:acff:fe12:2"),      # a container's eth0 on 172.18.0.2
    ("02:99:00:00:00:01", "fe80::99:ff:fe00:1"),        # a lab host's underlay eth0
    ("02:42:55:87:e8:3a", "fe80::42:55ff:fe87:e83a"),   # a bridge
    ("a6:28:1c:1a:f6:d2", "fe80::a428:1cff:fe1a:f6d2"),  # a veth
])
def test_link_local_addresses_are_made_from_the_mac_as_the_kernel_makes_them(mac, address):
    assert str(link_local(mac)) == address


@pytest.mark.parametrize("count, shown", [
    (0, "0.0 B"), (614, "614.0 B"), (1576, "1.5 KiB"), (5423, "5.2 KiB"), (72897, "71.1 KiB"), (74250, "72.5 KiB"),
])
def test_ifconfig_scales_byte_counts_in_truncated_tenths(count, shown):
    assert scaled(count) == shown


def test_ifconfig_lists_interfaces_in_natural_order():
    assert sorted(["lo", "eth10", "eth2", "eth0"], key=natural) == ["eth0", "eth2", "eth10", "lo"]


def test_the_ipv6_table_is_listed_in_the_kernels_tree_order():
    """A container on 2001:db8:1::/64 (eth0) and fd00:1::/64 (eth1), its default route on eth1:
    `ip -6 route` on the engine printed exactly this order."""
    net = ipaddress.ip_network
    main = [Route(net("2001:db8:1::/64"), "eth0", metric=256), Route(LINK_LOCAL6, "eth0", metric=256),
            Route(net("fd00:1::/64"), "eth1", metric=256), Route(LINK_LOCAL6, "eth1", metric=256),
            Route(DEFAULT6, "eth1", via=ipaddress.ip_address("fd00:1::1"), metric=1024)]
    multicast = [Route(MULTICAST6, dev, metric=256, multicast=True) for dev in ("eth0", "eth1")]
    got = [(str(r.dst), r.dev) for r in order6(main, multicast)]
    assert got == [("2001:db8:1::/64", "eth0"), ("fd00:1::/64", "eth1"), ("fe80::/64", "eth0"), ("fe80::/64", "eth1"),
                   ("::/0", "eth1"), ("ff00::/8", "eth0"), ("ff00::/8", "eth1")]
    assert best(order6(main, multicast), ipaddress.ip_address("2001:db8:ffff::1")).via == ipaddress.ip_address("fd00:1::1")


# -- the tools over the model (a simulated host) ---------------------------------------------------
@pytest.fixture
def host():
    return sim.World().add_host()


def start(host, name: str, network: str, cmd=("sleep", "600")):
    body = {"Image": "busybox", "Cmd": list(cmd), "HostConfig": {"NetworkMode": network}}
    with host.world.lock:
        c = containers.create(host, name, body)
        containers.start(c)
    return c


def run(c, line: str) -> tuple[int, str, str]:
    res = Shell(c, c.process, main=False).run_script(line)
    return res.code, res.out, res.err


def test_a_restarted_container_names_its_interfaces_in_the_sandboxs_endpoint_order(host):
    """Started on front, then connected to back: front is eth0, back eth1. Restarted, the engine
    joins both before it makes the namespace and moves the interfaces in by libnetwork's order
    (back before front): back is eth0, front eth1 (which is made first varies on the engine)."""
    networks.create(host, NetworkSpec("front"))
    cli = start(host, "cli", "front")
    endpoints.connect(cli, networks.create(host, NetworkSpec("back")), {})
    assert {ep.network.name: ep.ifname for ep in cli.endpoints.values()} == {"front": "eth0", "back": "eth1"}
    with host.world.lock:
        containers.restart(cli)
    eps = {ep.network.name: ep for ep in cli.endpoints.values()}
    assert (eps["back"].ifname, eps["front"].ifname) == ("eth0", "eth1")
    assert run(cli, "ip route")[1] == ("default via 172.19.0.1 dev eth0 \n172.18.0.0/16 dev eth1 scope link  src 172.18.0.2 \n"
                                       "172.19.0.0/16 dev eth0 scope link  src 172.19.0.2 \n")


@pytest.mark.parametrize("size, timed", [(0, False), (3, False), (4, True), (7, True), (56, True)])
def test_ping_shows_a_round_trip_once_the_data_holds_its_4_byte_send_time(host, size, timed):
    networks.create(host, NetworkSpec("front"))
    start(host, "web", "front")
    out = run(start(host, "cli", "front"), f"ping -c1 -W1 -s {size} web")[1]
    assert ("time=" in out, "round-trip" in out) == (timed, timed)


def test_arp_names_what_it_cannot_resolve_and_may_not_delete_without_net_admin(host):
    networks.create(host, NetworkSpec("front"))
    start(host, "web", "front")
    cli = start(host, "cli", "front")
    assert run(cli, "arp -a nosuch") == (1, "", "arp: nosuch: Host name lookup failure\n")
    assert run(cli, "arp -d web") == (1, "", "arp: SIOCDARP(priv): Operation not permitted\n")
