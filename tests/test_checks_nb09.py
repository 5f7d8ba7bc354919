"""Notebook 09's faults and checks, on both engines: each fault breaks what its ticket says (the
check says not yet, and why), a wrong fix is told apart, and the notebook's solution makes the check
say right. The checks take no value from the learner (nothing printed can be copied into them):
they look at the engines' traffic and state.

Real engines: a cluster of three hosts in a swarm (labkit.hosts, prefix lkn9), as root, under the
real-engine lock.
"""
from __future__ import annotations

import pytest

import labkit
from labkit import faults, underlay
from labkit.checks import nb09
from tests.results import not_yet, right

PREFIX = "lkn9"
CLUSTER_PREFIX = PREFIX


@pytest.fixture(scope="module", params=["sim", "docker"])
def swarm(request):
    """Three hosts in a swarm (host1 the manager), as notebook 09 makes them."""
    if request.param == "docker":
        request.getfixturevalue("private_engines")
    cluster = labkit.cluster(3, engine=request.param, prefix=PREFIX, progress=False)
    try:
        manager, *workers = cluster
        manager.swarm.init(advertise_addr="eth0")
        token = manager.swarm.attrs["JoinTokens"]["Worker"]
        for worker in workers:
            worker.swarm.join([f"{manager.info()['Swarm']['NodeAddr']}:2377"], join_token=token)
        yield cluster, [labkit.Lab(client, name=faults.LAB) for client in cluster]
    finally:
        cluster.close()


def move(labs, pairs, network: str, leaving: str, **options) -> None:
    """Make the attachable overlay `network` on host1, connect each (host index, container) to it,
    then disconnect them from `leaving` (docker network create/connect/disconnect)."""
    labs[0].network(network, driver="overlay", attachable=True, options=options or None)
    for index, name in pairs:
        labs[index].connect(name, network)
    for index, name in pairs:
        labs[index].disconnect(name, leaving)


def test_exercise_1_wrong_network(swarm):
    cluster, labs = swarm
    not_yet(nb09.exercise_1(cluster), "host1 has no container named web", hint=("faults.wrong_network",))
    faults.wrong_network(cluster)
    first = nb09.exercise_1(cluster)   # Run All shows it right below the exercise: it points the way only
    not_yet(first, "api does not resolve", hint=("docker network connect",))
    assert "back web" not in first.hint and "api to front" not in first.hint, first
    labs[0].connect("web", "back")                      # docker network connect back web
    right(nb09.exercise_1(cluster))


def test_exercise_2_missing_alias(swarm):
    cluster, labs = swarm
    faults.missing_alias(cluster)
    first = nb09.exercise_2(cluster)
    not_yet(first, "db does not resolve", hint=("--alias", "joins it again"))
    assert "--alias db" not in first.hint, first
    labs[0].container("db", networks=["data"], command="httpd -f -p 5432")   # a new container: not the fix
    not_yet(nb09.exercise_2(cluster), "a container named db", hint=("start no other container",))
    labs[0].remove("db")
    labs[0].disconnect("pg-primary", "data")            # docker network disconnect data pg-primary
    labs[0].connect("pg-primary", "data", aliases=["db"])   # docker network connect --alias db data pg-primary
    right(nb09.exercise_2(cluster))


def test_exercise_3_loopback_port(swarm):
    cluster, labs = swarm
    faults.loopback_port(cluster)
    first = nb09.exercise_3(cluster)
    not_yet(first, "127.0.0.1:8080", "closed", hint=("loopback",))
    assert "-p 8080:80" not in first.hint, first
    labs[0].remove("shop")                              # docker rm -f shop
    labs[0].container("shop", command="httpd -f -p 80", ports={8080: ("0.0.0.0", 8080)})   # -p 8080:8080
    wrong_port = nb09.exercise_3(cluster)
    not_yet(wrong_port, "the shop does not answer", hint=("listens on its port 80", "-p 8080:80"))
    assert "loopback" not in wrong_port.hint, wrong_port
    labs[0].remove("shop")
    labs[0].container("shop", command="httpd -f -p 80", ports={80: ("0.0.0.0", 8080)})   # -p 8080:80
    right(nb09.exercise_3(cluster))


def test_exercise_4_internal_network(swarm):
    cluster, labs = swarm
    faults.internal_network(cluster)
    first = nb09.exercise_4(cluster)
    not_yet(first, "worker does not reach the mirror", hint=("docker network connect",))
    assert "bridge worker" not in first.hint, first
    labs[0].connect("queue", "bridge")                  # the queue out too: not the fix
    labs[0].connect("worker", "bridge")                 # docker network connect bridge worker
    not_yet(nb09.exercise_4(cluster), "queue is on bridge", hint=("docker network disconnect bridge queue",))
    labs[0].disconnect("queue", "bridge")
    right(nb09.exercise_4(cluster))


def test_exercise_5_mtu_black_hole(swarm):
    cluster, labs = swarm
    faults.mtu_black_hole(cluster)
    before = nb09.exercise_5(cluster)
    not_yet(before, "MTU 1450; ping -s 1422", "lost", hint=("com.docker.network.driver.mtu=1400",))
    side = underlay.host(cluster, "host2")
    side.set_mtu(1500)                                  # mending the link the ticket says cannot change
    not_yet(nb09.exercise_5(cluster), "host2's eth0 has MTU 1500", hint=("cannot change",))
    side.set_mtu(faults.UNDERLAY_MTU)
    labs[0].network("files1400", driver="overlay", attachable=True,
                    options={"com.docker.network.driver.mtu": "1400"})
    labs[0].connect("fa", "files1400")                  # on both overlays: files still loses them
    labs[1].connect("fb", "files1400")
    not_yet(nb09.exercise_5(cluster), "a full-size packet on files is lost", hint=("off files",))
    labs[0].disconnect("fa", "files")                   # then off files: docker network disconnect files fa
    labs[1].disconnect("fb", "files")
    done = nb09.exercise_5(cluster)
    right(done)
    assert any("MTU 1350; ping -s 1322" in seen for seen in done.found)


def test_the_black_holes_edge(swarm):
    """A veth takes frames up to its MTU + 4 bytes: with host2's eth0 at 1400, an overlay packet of
    1354 bytes (ping -s 1326) gets through, one of 1355 (ping -s 1327) does not, on both engines."""
    cluster, labs = swarm
    faults.mtu_black_hole(cluster)
    labs[0].container("edge1", networks=["files"])
    labs[1].container("edge2", networks=["files"])
    assert labs[0].exec("edge1", "ping -c 1 -W 1 -s 1326 edge2").ok
    assert not labs[0].exec("edge1", "ping -c 1 -W 1 -s 1327 edge2").ok
    assert labs[0].exec("edge1", "ping -c 1 -W 1 -s 3000 edge2").ok is False   # fragments of 1450: lost too
    underlay.host(cluster, "host2").set_mtu(1500)
    assert labs[0].exec("edge1", "ping -c 1 -W 1 -s 1422 edge2").ok
    underlay.host(cluster, "host2").set_mtu(faults.UNDERLAY_MTU)


def test_the_underlays_path_mtu_between_hosts(swarm):
    """iputils' ping -M do between the hosts' own namespaces finds the link's MTU."""
    cluster, _ = swarm
    faults.mtu_black_hole(cluster)
    host1 = underlay.host(cluster, "host1")
    assert not host1.ping("10.99.0.12", size=1472, dont_fragment=True).answered
    assert host1.ping("10.99.0.12", size=1372, dont_fragment=True).answered
    too_big = underlay.host(cluster, "host2").ping("10.99.0.11", size=1472, dont_fragment=True)
    assert not too_big.answered and too_big.error == "ping: local error: message too long, mtu=1400"
    assert repr(too_big) == too_big.error


def test_exercise_6_vxlan_blocked(swarm):
    cluster, labs = swarm
    faults.vxlan_blocked(cluster)
    not_yet(nb09.exercise_6(cluster), "ca -> cc: unreachable", hint=("host3: -A INPUT -p udp -m udp --dport 4789 -j DROP",))
    assert labs[0].resolve("ca", "cc")                  # names still resolve (gossip, not VXLAN)
    side = underlay.host(cluster, "host3")
    listed = side.rules("INPUT")[0]
    assert listed == "-A INPUT -p udp -m udp --dport 4789 -j DROP"
    assert side.iptables(listed.replace("-A", "-D", 1)).ok   # as the notebook says: -S's line, -D for -A
    right(nb09.exercise_6(cluster))


def test_exercise_7_no_esp(swarm):
    cluster, labs = swarm
    faults.no_esp(cluster)
    esp = underlay.kernel_has_esp(cluster)
    not_yet(nb09.exercise_7(cluster), "teller does not reach safe", hint=("ESP",))
    if esp:     # a kernel with ESP: the fault was host2's firewall; encryption stays
        assert underlay.host(cluster, "host2").iptables(f"-D INPUT {faults.ESP_RULE}").ok
    else:
        labs[0].network("vault-plain", driver="overlay", attachable=True)
        labs[0].connect("teller", "vault-plain")
        labs[1].connect("safe", "vault-plain")
        not_yet(nb09.exercise_7(cluster), "share 2 overlays", hint=("disconnect",))
        labs[0].disconnect("teller", "vault")
        labs[1].disconnect("safe", "vault")
        right(nb09.exercise_7(cluster))
        move(labs, [(0, "teller"), (1, "safe")], "vault-plain2", "vault-plain")   # the same, in one go
    done = nb09.exercise_7(cluster)
    right(done)
    assert any(("has ESP" if esp else "has no ESP") in seen for seen in done.found)


def test_clear_puts_the_hosts_back(swarm):
    cluster, _ = swarm
    faults.vxlan_blocked(cluster)
    faults.mtu_black_hole(cluster)
    faults.clear(cluster)
    for name in cluster.names:
        side = underlay.host(cluster, name)
        assert side.mtu() == 1500
        assert not [r for r in side.rules("INPUT") if "--pol" not in r]
