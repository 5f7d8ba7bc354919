"""labkit.trace: the packet walk, on the simulator's snapshots and on a real engine's.

The cases of the walk (one bridge, two bridges, internal, published ports from the host and from
outside, the way out, host, none, macvlan, an overlay across hosts) are checked hop by hop on
snapshots the simulator takes; then the walk's verdicts against the engines' own pings, on both
engines. The walk is also the same from either engine's snapshot (bridges named by their network). The
real captures (tcpdump in the hosts' namespaces) are in tests/test_trace_capture.py.
"""
from __future__ import annotations

import contextlib

import docker
import pytest

import labkit
from labkit import paths, trace
from labkit.trace import TraceError, walk
from tests.engines import empty, trace_lab

PREFIX = "lktr"


@pytest.fixture(scope="module")
def sim_lab():
    """One simulated engine with the single-host cases."""
    lab = labkit.Lab("sim", name="trace")
    lab.reset()
    trace_lab(lab)
    yield lab
    lab.reset()


def kinds(t) -> list[str]:
    return [h.kind for h in t.hops]


def bridge(lab, name) -> str:
    from labkit import iptables
    return iptables.bridge_name(lab.snapshot().network(name))


# -- the cases, on the simulator ---------------------------------------------------------------------
def test_one_bridge(sim_lab):
    t = trace(sim_lab, "web2", "web", port=80)
    br = bridge(sim_lab, "front")
    assert t.reached and kinds(t) == ["send", "bridge", "rule", "deliver"]
    send, switch, rule, deliver = t.hops
    assert (send.namespace, send.interface, str(send.packet)) == ("container web2", "eth0", "tcp 10.10.0.3 -> 10.10.0.2:80")
    assert switch.interface == br and switch.bridge == br and switch.action == "switched to web's port"
    assert rule.chain == "filter FORWARD" and rule.rule == f"-A FORWARD -i {br} -o {br} -j ACCEPT"
    assert (deliver.namespace, deliver.interface, deliver.action) == ("container web", "eth0", "delivered")
    assert t.why == "web2 and web share network front"
    assert str(t).splitlines()[0] == "trace web2 -> web (tcp/80): reached: web2 and web share network front"
    assert len(str(t).splitlines()) == 5 and len(repr(t).splitlines()) == 5


def test_two_bridges_are_isolated(sim_lab):
    t = trace(sim_lab, "web", "db", protocol="icmp")
    assert not t.reached and kinds(t) == ["send", "bridge", "drop"]
    stop = t.stop
    assert stop.chain == "filter FORWARD > DOCKER-ISOLATION-STAGE-1 > DOCKER-ISOLATION-STAGE-2"
    assert stop.rule == f"-A DOCKER-ISOLATION-STAGE-2 -o {bridge(sim_lab, 'back')} -j DROP"
    assert stop.action == "dropped by DOCKER-ISOLATION-STAGE-2"
    assert str(stop.packet) == "icmp 10.10.0.2 -> 10.20.0.2"
    assert "isolated" in t.why                      # labkit.paths' words for the verdict
    assert "dropped by DOCKER-ISOLATION-STAGE-2" in str(t)


def test_internal_network_drops_both_ways(sim_lab):
    inner = bridge(sim_lab, "inner")
    out = trace(sim_lab, "vault", "web", protocol="icmp")
    assert not out.reached
    assert out.stop.rule == f"-A DOCKER-ISOLATION-STAGE-1 ! -d 10.30.0.0/24 -i {inner} -j DROP"
    into = trace(sim_lab, "web", "vault", protocol="icmp")
    assert not into.reached
    assert into.stop.rule == f"-A DOCKER-ISOLATION-STAGE-1 ! -s 10.30.0.0/24 -o {inner} -j DROP"
    leave = trace(sim_lab, "vault", "203.0.113.7", protocol="icmp")
    assert not leave.reached and leave.stop.chain == "filter FORWARD > DOCKER-ISOLATION-STAGE-1"


def test_icc_off_drops_on_the_bridge(sim_lab):
    t = trace(sim_lab, "q1", "q2", protocol="icmp")
    quiet = bridge(sim_lab, "quiet")
    assert not t.reached and t.stop.rule == f"-A FORWARD -i {quiet} -o {quiet} -j DROP"


def test_published_port_from_the_hosts_loopback_is_docker_proxy(sim_lab):
    t = trace(sim_lab, "host", "127.0.0.1", port=8080)
    assert t.reached and kinds(t) == ["send", "proxy", "proxy", "bridge", "deliver"]
    assert not any(h.kind == "nat" for h in t.hops)     # the OUTPUT rule excludes 127.0.0.0/8
    assert t.hops[1].action == "accepted by docker-proxy for 10.10.0.2:80"
    assert "excludes 127.0.0.0/8" in t.hops[1].why
    assert str(t.hops[2].packet) == "tcp 10.10.0.1 -> 10.10.0.2:80"


def test_published_port_from_the_hosts_own_address_is_dnat(sim_lab):
    t = trace(sim_lab, "host", "10.20.0.1", port=8081)
    dnat = next(h for h in t.hops if h.kind == "nat")
    assert t.reached and dnat.chain == "nat OUTPUT > DOCKER" and dnat.action == "DNAT to 10.20.0.3:80"
    assert dnat.rule.endswith("--dport 8081 -j DNAT --to-destination 10.20.0.3:80")
    assert str(t.hops[-1].packet) == "tcp 10.20.0.1 -> 10.20.0.3:80"


def test_published_port_from_outside(sim_lab):
    topo = sim_lab.snapshot()
    t = walk(topo, "10.99.0.1", "10.99.0.11", port=8081, underlay={"host1": "10.99.0.11"})
    assert t.reached
    dnat = next(h for h in t.hops if h.kind == "nat")
    assert dnat.chain == "nat PREROUTING > DOCKER" and dnat.action == "DNAT to 10.20.0.3:80"
    accept = next(h for h in t.hops if h.kind == "rule")
    assert accept.chain == "filter FORWARD > DOCKER" and "--dport 80 -j ACCEPT" in accept.rule
    assert str(t.hops[-1].packet) == "tcp 10.99.0.1 -> 10.20.0.3:80"
    # web publishes on 127.0.0.1 only (the lab's default): from outside, nothing answers.
    local_only = trace(sim_lab, "10.99.0.1", "host", port=8080)
    assert not local_only.reached and "published on 127.0.0.1:8080->80/tcp only" in local_only.why


def test_a_container_reaches_a_published_port_through_docker_proxy(sim_lab):
    t = trace(sim_lab, "web", "10.10.0.1", port=8081)
    assert t.reached and [h.kind for h in t.hops if h.kind in ("nat", "proxy")] == ["proxy", "proxy"]
    assert "returns traffic that comes in from" in t.hops[2].why


def test_the_way_out_is_masquerade(sim_lab):
    t = trace(sim_lab, "web", "203.0.113.7", protocol="icmp")    # the simulated host's eth0: 10.99.0.11
    masq = next(h for h in t.hops if h.kind == "nat")
    assert t.reached and masq.chain == "nat POSTROUTING" and masq.action == "MASQUERADE as 10.99.0.11"
    assert masq.rule == f"-A POSTROUTING -s 10.10.0.0/24 ! -o {bridge(sim_lab, 'front')} -j MASQUERADE"
    out = next(h for h in t.hops if h.kind == "underlay")
    assert out.interface == "eth0" and str(out.packet) == "icmp 10.99.0.11 -> 203.0.113.7"
    assert t.hops[-1].kind == "leave"


def test_host_mode_and_none(sim_lab):
    hm = trace(sim_lab, "hm", "web", port=80)
    assert hm.reached and hm.hops[0].action == "uses the host's network stack"
    assert str(hm.hops[-1].packet) == "tcp 10.10.0.1 -> 10.10.0.2:80"
    to_hm = trace(sim_lab, "web", "hm", protocol="icmp")
    assert to_hm.reached and to_hm.hops[-1].action == "delivered to the host"
    nn = trace(sim_lab, "nn", "web", protocol="icmp")
    assert not nn.reached and nn.hops[0].action == "not sent: no route" and "loopback" in nn.why
    to_nn = trace(sim_lab, "web", "nn", protocol="icmp")
    assert not to_nn.reached and "none mode" in to_nn.why


def test_macvlan():
    lab = labkit.Lab("sim", name="trace-mac")
    lab.reset()
    try:
        lab.network("mac", driver="macvlan", subnet="192.168.50.0/24", options={"parent": "eth0"})
        lab.container("m1", networks=["mac"])
        lab.container("m2", networks=["mac"])
        t = trace(lab, "m1", "m2", protocol="icmp")
        assert t.reached and kinds(t) == ["send", "bridge", "deliver"]
        assert t.hops[1].interface == "eth0" and not t.hops[1].visible
        to_host = trace(lab, "host", "m1", protocol="icmp")
        assert not to_host.reached and "does not reach its own macvlan children" in to_host.why
    finally:
        lab.reset()


@pytest.fixture(scope="module")
def sim_swarm():
    with labkit.cluster(2, engine="sim", progress=False) as cl:
        cl[0].swarm.init(advertise_addr="eth0")
        cl[1].swarm.join(["10.99.0.11:2377"], join_token=cl[0].swarm.attrs["JoinTokens"]["Worker"])
        cl[0].networks.create("ov", driver="overlay", attachable=True)
        labs = [labkit.Lab(c, name="trace") for c in cl]
        labs[0].container("ca", networks=["ov"])
        labs[1].container("cb", networks=["ov"])
        labs[1].container("cc")
        labs[0].container("web", ports={"80": ("0.0.0.0", 8080)})
        yield cl


def test_overlay_across_hosts_is_vxlan(sim_swarm):
    t = trace(sim_swarm, "ca", "cb", protocol="icmp")
    assert t.reached
    assert kinds(t) == ["send", "bridge", "encap", "underlay", "underlay", "decap", "bridge", "deliver"]
    encap, out, arrive, decap = t.hops[2:6]
    assert encap.action == "encapsulated in VXLAN VNI 4097 over UDP 4789" and encap.interface == "vxlan0"
    assert "MTU 1450" in encap.why
    assert str(out.packet) == "udp 10.99.0.11 -> 10.99.0.12:4789 VXLAN VNI 4097 [icmp 10.0.1.2 -> 10.0.1.4]"
    assert out.packet.encapsulation == "VXLAN VNI 4097 over UDP 4789"
    assert (out.host, out.interface, arrive.host, arrive.interface) == ("host1", "eth0", "host2", "eth0")
    assert decap.host == "host2" and decap.action == "decapsulated (VNI 4097)"
    assert decap.namespace == t.hops[1].namespace and decap.namespace.startswith("overlay 1-")
    assert t.hops[-1].host == "host2" and t.hops[-1].namespace == "container cb"


def test_across_hosts_masquerade_then_dnat(sim_swarm):
    t = trace(sim_swarm, "cc", "10.99.0.11", port=8080)
    assert t.reached
    nat = [(h.host, h.action) for h in t.hops if h.kind == "nat"]
    assert nat == [("host2", "MASQUERADE as 10.99.0.12"), ("host1", "DNAT to 172.17.0.2:80")]
    assert str(t.hops[-1].packet) == "tcp 10.99.0.12 -> 172.17.0.2:80"


def test_a_bridge_address_of_another_host_is_private(sim_swarm):
    t = trace(sim_swarm, "host1/web", "cc", protocol="icmp")
    assert not t.reached and "private to host host2" in t.why


def test_an_overlay_container_leaves_by_docker_gwbridge(sim_swarm):
    """Its address on docker_gwbridge is not in the snapshot: the walk names the subnet, not "?"."""
    gone = trace(sim_swarm, "ca", "10.0.9.9", port=5432)   # an address on no network of ca's
    first = gone.hops[0]
    assert first.interface == "eth1" and "via docker_gwbridge" in first.why, first
    assert str(first.packet).startswith("tcp (an address in 172.18.0.0/16) -> 10.0.9.9:5432"), first.packet
    assert " ? " not in str(gone), gone


def test_bad_input_is_refused_with_a_clear_message(sim_lab):
    with pytest.raises(TraceError, match="protocol 'sctp'"):
        trace(sim_lab, "web", "db", protocol="sctp")
    with pytest.raises(TraceError, match="icmp has no ports"):
        trace(sim_lab, "web", "db", port=80, protocol="icmp")
    with pytest.raises(TraceError, match="port 'x'"):
        trace(sim_lab, "web", "db", port="x")
    with pytest.raises(TraceError, match="'nosuch' is no container, host or address"):
        trace(sim_lab, "nosuch", "db")
    with pytest.raises(TraceError, match="cannot trace on str"):
        trace("lab", "web", "db")


def test_the_face_and_the_walk_of_a_snapshot(sim_lab):
    # labkit.trace is the face (a function of what the learner holds); labkit.trace.walk and
    # `from labkit.trace import walk` are the walk of a snapshot, giving the same hops.
    assert labkit.trace is trace and labkit.trace.walk is walk
    t = labkit.trace(sim_lab, "web2", "web", port=80)
    again = labkit.trace.walk(t.topology, "web2", "web", port=80, underlay=t.underlay)
    assert t.reached and again.hops == t.hops and str(again) == str(t)


def test_the_walk_agrees_with_paths(sim_lab, sim_swarm):
    # Between containers, the walk's verdict is labkit.paths' (the drawing's and the matrix's).
    for where in (sim_lab, sim_swarm):
        first = trace(where, "host1" if where is sim_swarm else "host", "127.0.0.1", protocol="icmp")
        topo, underlay = first.topology, first.underlay
        names = [c.name if sum(x.name == c.name for x in topo.containers) == 1 else f"{c.host}/{c.name}"
                 for c in topo.containers if c.running]
        for a in names:
            for b in names:
                if a != b:
                    t = walk(topo, a, b, protocol="icmp", underlay=underlay)
                    assert t.reached == paths.route(topo, a, b).ok, (a, b, str(t))


# -- both engines: the walk's verdict is what a real ping finds ------------------------------------------
def test_the_walk_agrees_with_ping(client):
    lab = labkit.Lab(client, name="trace")
    trace_lab(lab)
    topo = lab.snapshot()
    pairs = [("web2", "web"), ("web", "db"), ("vault", "web"), ("web", "vault"), ("q1", "q2"),
             ("hm", "web"), ("nn", "web"), ("db", "pub")]
    for a, b in pairs:
        t = walk(topo, a, b, protocol="icmp")
        address = paths.route(topo, a, b).address or b
        assert lab.ping(a, address).ok == t.reached, (a, b, str(t))


# -- the drawing highlights a trace --------------------------------------------------------------------
def marked(drawing) -> tuple[set[str], set[str]]:
    """(ids of the nodes with a coloured border, ids of the edges drawn wide)."""
    nodes = {n["id"] for n in drawing.nodes if n.get("borderWidth") == 4}
    edges = {e["from"] + " -- " + e["to"] for e in drawing.edges if e.get("width") == 4}
    return nodes, edges


def test_draw_highlights_a_trace(sim_lab):
    t = trace(sim_lab, "web2", "web", port=80)
    d = labkit.draw(sim_lab, trace=t)
    nodes, edges = marked(d)
    assert nodes == {"ctr:host1/web2", "net:host1/front", "ctr:host1/web"}
    assert edges == {"net:host1/front -- ctr:host1/web2", "net:host1/front -- ctr:host1/web"}
    assert d.heading == t.head and "web2 -> web: reached" in repr(d)


def test_draw_marks_where_a_trace_stops(sim_lab):
    t = trace(sim_lab, "web", "db", protocol="icmp")
    d = labkit.draw(sim_lab, trace=t)
    stop = next(n for n in d.nodes if n["id"] == "host:host1")
    assert stop["color"]["border"] == "#d62728" and "the packet stops here" in stop["title"]
    nodes, edges = marked(d)
    assert nodes == {"ctr:host1/web", "net:host1/front", "host:host1"}
    assert "host:host1 -- net:host1/front" in edges


def test_draw_highlights_an_overlay_trace(sim_swarm):
    t = trace(sim_swarm, "ca", "cb", protocol="icmp")
    d = labkit.draw(list(sim_swarm), trace=t)
    nodes, edges = marked(d)
    assert nodes == {"ctr:host1/ca", "net:swarm/ov", "host:host1", "host:host2", "ctr:host2/cb"}
    assert "host:host1 -- host:host2" in edges      # the underlay between the hosts


def test_capture_parses_tcpdump_lines():
    from labkit.capture import parse
    text = ("IP 10.10.0.3 > 10.10.0.2: ICMP echo request, id 5, seq 0, length 64\n"
            "ARP, Request who-has 10.10.0.2 tell 10.10.0.3, length 28\n"
            "IP 10.99.0.1.40312 > 10.99.0.11.8081: Flags [S], seq 1, win 64240, length 0\n"
            "IP 10.99.0.11.51234 > 10.99.0.12.4789: VXLAN, flags [I] (0x08), vni 4097\n"
            "IP 10.0.1.2 > 10.0.1.4: ICMP echo request, id 9, seq 0, length 64\n")
    icmp, tcp, vxlan = parse(text)
    assert (icmp.protocol, icmp.src, icmp.dst, icmp.dport) == ("icmp", "10.10.0.3", "10.10.0.2", None)
    assert (tcp.protocol, tcp.dst, tcp.dport) == ("tcp", "10.99.0.11", 8081)
    assert (vxlan.protocol, vxlan.dport, vxlan.vni) == ("udp", 4789, 4097)
    assert (vxlan.inner.protocol, vxlan.inner.src, vxlan.inner.dst) == ("icmp", "10.0.1.2", "10.0.1.4")


# -- both engines: the same walk from either engine's snapshot ------------------------------------------
WALKS = [("web2", "web", 80, "tcp"), ("web", "db", None, "icmp"), ("vault", "web", None, "icmp"),
         ("web", "vault", None, "icmp"), ("q1", "q2", None, "icmp"), ("host", "127.0.0.1", 8080, "tcp"),
         ("host", "10.20.0.1", 8081, "tcp"), ("10.99.0.1", "10.99.0.11", 8081, "tcp"),
         ("10.99.0.1", "10.99.0.11", 8080, "tcp"), ("web", "10.99.0.1", None, "icmp"), ("hm", "web", 80, "tcp"),
         ("web", "hm", None, "icmp"), ("nn", "web", None, "icmp"), ("web", "10.10.0.1", 8081, "tcp")]


def walks(client) -> list[str]:
    """The walks of WALKS on the client's engine, one line per hop, bridges named by their network."""
    from labkit import iptables
    lab = labkit.Lab(client, name="trace")
    trace_lab(lab)
    topo = lab.snapshot()
    names = {iptables.bridge_name(n): f"br-<{n.name}>" for n in topo.networks if n.driver == "bridge"}
    out = []
    for src, dst, port, protocol in WALKS:
        text = str(walk(topo, src, dst, port=port, protocol=protocol, underlay={"host1": "10.99.0.11"}))
        for bridge_name, shown in names.items():
            text = text.replace(bridge_name, shown)
        out += text.splitlines()
    return out


def test_the_walk_is_the_same_on_both_engines(real_engine, closing_servers):
    from labkit import sim
    server = sim.serve(sim.World())
    closing_servers.append(server)
    with contextlib.closing(docker.DockerClient(base_url=server.url, version="1.41")) as on_sim, \
            contextlib.closing(real_engine.client()) as on_docker:
        empty(on_docker)
        simulated, real = walks(on_sim), walks(on_docker)
    assert len(real) > 3 * len(WALKS)
    assert simulated == real
