"""labkit.trace against real captures: tcpdump in the namespaces of private real engines.

Each test walks a packet on a real engine's snapshot, sends the same packet (ping, nc) and
captures it with tcpdump at every hop the walk marks visible (the container's namespace, the host
side: bridges and eth0, lo, the overlay's namespace); then checks that each capture saw the hop's
packet as the walk shows it (addresses after DNAT and MASQUERADE, VXLAN's VNI and UDP 4789), that
nothing reached the places beyond a drop, and that the rules the walk names counted the packet
(`iptables-save -c`). Root and labkit's own hosts only; run under the real-engine lock.
"""
from __future__ import annotations

import contextlib
import shutil
import subprocess

import pytest

import labkit
from labkit import capture, hosts
from labkit.trace import walk
from tests.engines import skip_or_fail, trace_lab

PREFIX = "lktrc"          # one private engine: the single-host cases
CLUSTER_PREFIX = "lktrs"  # two private engines in a swarm: the overlay


@pytest.fixture(scope="module")
def tcpdump(private_engines):
    if not shutil.which("tcpdump", path=hosts.PATH):
        skip_or_fail("the real captures need tcpdump (apt-get install tcpdump)")


@pytest.fixture(scope="module")
def one(tcpdump, real_engine):
    client = real_engine.client()
    lab = labkit.Lab(client, name="trace")
    trace_lab(lab)
    lab.network("mac", driver="macvlan", subnet="192.168.50.0/24", options={"parent": "eth0"})
    lab.container("m1", networks=["mac"])
    lab.container("m2", networks=["mac"])
    yield real_engine, client, lab
    client.close()


def walk_on(one, src, dst, port=None, protocol="tcp"):
    host, _, lab = one
    return walk(lab.snapshot(), src, dst, port=port, protocol=protocol, underlay={host.name: host.underlay_ip})


def confirmed(one, t, probe, also=()):
    host, client, _ = one
    before = capture.counters(host)
    seen = capture.confirm(t, {host.name: host}, {host.name: client}, probe, also=list(also))
    after = capture.counters(host)
    assert not seen.missing(), "\n".join(seen.missing())
    counted = {rule: after.get(rule, 0) - before.get(rule, 0) for rule in after}
    for hop in t.hops:
        if hop.rule and hop.host == host.name:
            assert counted.get(hop.rule, 0) >= 1, f"{hop.rule} counted no packet: {hop.line()}"
    return seen, counted


def in_host(host: hosts.EngineHost, *argv: str, netns: str | None = None) -> subprocess.CompletedProcess:
    """A busybox command in the host's namespace (or another of the set's), as a process of the host."""
    return subprocess.run(["nsenter", f"--net=/run/netns/{netns or host.netns}", "busybox", *argv],
                          capture_output=True, text=True, env={"PATH": hosts.PATH}, timeout=10)


def sandbox(client, name: str) -> str:
    return client.api.inspect_container(name)["NetworkSettings"]["SandboxKey"]


def bridge(lab, name: str) -> str:
    from labkit import iptables
    return iptables.bridge_name(lab.snapshot().network(name))


def test_one_bridge(one):
    host, client, lab = one
    t = walk_on(one, "web2", "web", protocol="icmp")
    assert t.reached and [h.interface for h in t.hops if h.visible] == ["eth0", bridge(lab, "front"), "eth0"]
    seen, _ = confirmed(one, t, lambda: lab.ping("web2", "10.10.0.2"))
    assert seen.probe_result.ok


def test_isolation_drops_between_bridges(one):
    host, client, lab = one
    t = walk_on(one, "web", "db", protocol="icmp")
    assert not t.reached and t.stop.rule.startswith("-A DOCKER-ISOLATION-STAGE-2 -o ")
    beyond = [capture.Point(f"/run/netns/{host.netns}", bridge(lab, "back"), "br of back"),
              capture.Point(sandbox(client, "db"), "eth0", "db eth0")]
    seen, counted = confirmed(one, t, lambda: lab.ping("web", "10.20.0.2"), also=beyond)
    assert not seen.probe_result.ok
    for point in beyond:   # nothing on the other bridge, nothing at the target
        assert not [s for s in seen.seen(point) if s.dst == "10.20.0.2"], point


def test_internal_network_drops(one):
    host, client, lab = one
    t = walk_on(one, "vault", "web", protocol="icmp")
    assert not t.reached and t.stop.rule.startswith("-A DOCKER-ISOLATION-STAGE-1 ! -d 10.30.0.0/24 -i ")
    beyond = [capture.Point(f"/run/netns/{host.netns}", bridge(lab, "front"), "br of front")]
    seen, _ = confirmed(one, t, lambda: lab.ping("vault", "10.10.0.2"), also=beyond)
    assert not seen.probe_result.ok
    assert not [s for s in seen.seen(beyond[0]) if s.src == "10.30.0.2"]


def test_published_port_on_the_hosts_loopback_is_docker_proxy(one):
    host, client, lab = one
    t = walk_on(one, "host", "127.0.0.1", port=8080)
    assert t.reached and not [h for h in t.hops if h.kind == "nat"]
    seen, counted = confirmed(one, t, lambda: in_host(host, "nc", "-w", "1", "127.0.0.1", "8080"))
    on_bridge = next(h for h in t.hops if h.interface == bridge(lab, "front"))
    assert str(on_bridge.packet) == "tcp 10.10.0.1 -> 10.10.0.2:80"      # docker-proxy's own connection
    dnat = [rule for rule in counted if "--dport 8080 -j DNAT" in rule]
    assert dnat and all(counted[rule] == 0 for rule in dnat)          # the OUTPUT rule excludes 127.0.0.0/8


def test_published_port_from_outside_is_dnat(one):
    host, client, lab = one
    t = walk_on(one, "10.99.0.1", host.underlay_ip, port=8081)        # the underlay's switch, outside the host
    dnat = next(h for h in t.hops if h.kind == "nat")
    assert t.reached and dnat.action == "DNAT to 10.20.0.3:80"
    seen, counted = confirmed(one, t, lambda: in_host(host, "nc", "-w", "1", host.underlay_ip, "8081",
                                                      netns=f"{PREFIX}-ul"))
    assert counted[dnat.rule] >= 1
    on_bridge = next(h for h in t.hops if h.interface == bridge(lab, "back"))
    assert str(on_bridge.packet) == "tcp 10.99.0.1 -> 10.20.0.3:80"


def test_the_way_out_is_masquerade(one):
    host, client, lab = one
    t = walk_on(one, "web", "10.99.0.1", protocol="icmp")
    masq = next(h for h in t.hops if h.kind == "nat")
    assert t.reached and masq.action == f"MASQUERADE as {host.underlay_ip}"
    seen, counted = confirmed(one, t, lambda: lab.ping("web", "10.99.0.1"))
    out = next(h for h in t.hops if h.interface == "eth0" and h.namespace == "host")
    assert [s.src for s in seen.at(out) if s.dst == "10.99.0.1"][:1] == [host.underlay_ip]
    assert seen.probe_result.ok


def test_host_mode_sends_from_the_hosts_address(one):
    host, client, lab = one
    t = walk_on(one, "hm", "web", port=80)
    assert t.reached
    seen, _ = confirmed(one, t, lambda: lab.port("hm", "10.10.0.2", 80))
    assert seen.probe_result.state == "open"


def test_macvlan_children_talk_on_the_parent(one):
    host, client, lab = one
    t = walk_on(one, "m1", "m2", protocol="icmp")
    assert t.reached and [h.namespace for h in t.hops if h.visible] == ["container m1", "container m2"]
    seen, _ = confirmed(one, t, lambda: lab.ping("m1", "192.168.50.3"))
    assert seen.probe_result.ok


# -- the overlay: two private engines in a swarm -------------------------------------------------------
@pytest.fixture(scope="module")
def swarm(tcpdump):
    cl = labkit.cluster(2, engine="docker", prefix=CLUSTER_PREFIX, progress=False)
    try:
        cl[0].swarm.init(advertise_addr="eth0")
        cl[1].swarm.join([f"{cl[0].info()['Swarm']['NodeAddr']}:2377"],
                         join_token=cl[0].swarm.attrs["JoinTokens"]["Worker"])
        cl[0].networks.create("ov", driver="overlay", attachable=True)
        labkit.Lab(cl[0], name="trace").container("ca", networks=["ov"])
        labkit.Lab(cl[1], name="trace").container("cb", networks=["ov"])
        yield cl
    finally:
        with contextlib.suppress(Exception):
            cl.close()


def test_overlay_is_vxlan_over_udp_4789(swarm):
    t = labkit.trace(swarm, "ca", "cb", protocol="icmp")
    assert t.reached
    encap = next(h for h in t.hops if h.kind == "encap")
    vni = next(h for h in t.hops if h.kind == "underlay").packet.vni
    assert encap.action == f"encapsulated in VXLAN VNI {vni} over UDP 4789" and vni >= 4096
    engines = {name: e.host for name, e in zip(swarm.names, swarm.engines, strict=True)}   # labkit.hosts EngineHosts
    clients = dict(zip(swarm.names, swarm.clients))
    address = next(h for h in t.hops if h.kind == "deliver").packet.dst
    lab = labkit.Lab(swarm[0], name="trace")
    seen = capture.confirm(t, engines, clients, lambda: lab.ping("ca", address, timeout=2))
    assert not seen.missing(), "\n".join(seen.missing())
    assert seen.probe_result.ok
    wire = next(h for h in t.hops if h.kind == "underlay")
    vxlan = [s for s in seen.at(wire) if s.vni is not None]
    assert vxlan and vxlan[0].dport == 4789 and vxlan[0].vni == vni
    assert (vxlan[0].src, vxlan[0].dst) == (engines["host1"].underlay_ip, engines["host2"].underlay_ip)
    mtu = swarm[1].containers.get("cb").exec_run(["ip", "link", "show", "eth0"]).output.decode()
    assert "mtu 1450" in mtu
