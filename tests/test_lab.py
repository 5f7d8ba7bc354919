"""labkit.Lab on both engines: the same calls and the same expectations on labkit's simulated
engine (a fresh world per test) and on a real engine (a private dockerd in its own network
namespace, prefix "lkl", emptied between tests).

Addresses are asserted only on networks with a subnet given here: the real engine's pools rotate.
Names that no network knows are never looked up on the real side: its name server forwards them
to the host's, which this offline machine cannot reach (5 s to time out).
"""
from __future__ import annotations

import ast
import pathlib

import docker
import pytest

import labkit
from labkit import model
from labkit.lab import BadArgument, Binding, Differs, Lab, NotTheLabs, parse_nslookup, parse_ports, session_id
from tests.engines import state

PREFIX = "lkl"
LABELS = "--label labkit=1 --label labkit.lab=lab"


# -- engines ------------------------------------------------------------------------------------


@pytest.fixture
def lab(client):
    return Lab(client, name="lab")


# -- without an engine --------------------------------------------------------------------------
def test_model_imports_nothing_from_docker_pyvis_or_ipywidgets():
    tree = ast.parse(pathlib.Path(model.__file__).read_text())
    imported = {"." * node.level + (node.module or alias.name) if isinstance(node, ast.ImportFrom) else alias.name
                for node in ast.walk(tree) if isinstance(node, (ast.Import, ast.ImportFrom))
                for alias in node.names}
    assert imported <= {"__future__", "dataclasses", "typing", ".rules"}, imported   # rules: the ground too


@pytest.mark.parametrize("ports, expected", [
    ({80: 8080}, [Binding(80, "tcp", "127.0.0.1", 8080)]),
    ({"80/tcp": ("0.0.0.0", 8080)}, [Binding(80, "tcp", "0.0.0.0", 8080)]),
    ({"53/udp": 5353}, [Binding(53, "udp", "127.0.0.1", 5353)]),
    ({80: None}, [Binding(80, "tcp", "127.0.0.1", None)]),
    ({80: [8080, ("0.0.0.0", 8081)]}, [Binding(80, "tcp", "127.0.0.1", 8080), Binding(80, "tcp", "0.0.0.0", 8081)]),
    ("8080:80", [Binding(80, "tcp", "127.0.0.1", 8080)]),
    (["8080:80", "127.0.0.1:8081:81"], [Binding(80, "tcp", "127.0.0.1", 8080), Binding(81, "tcp", "127.0.0.1", 8081)]),
    ("0.0.0.0:8080:80/udp", [Binding(80, "udp", "0.0.0.0", 8080)]),
    ("[::1]:8080:80", [Binding(80, "tcp", "::1", 8080)]),
    ("127.0.0.1::80", [Binding(80, "tcp", "127.0.0.1", None)]),
    ("80", [Binding(80, "tcp", "127.0.0.1", None)]),
    (80, [Binding(80, "tcp", "127.0.0.1", None)]),
    (None, []),
])
def test_port_forms(ports, expected):
    assert parse_ports(ports) == expected


def test_port_cli_forms():
    assert [b.cli() for b in parse_ports(["8080:80", "0.0.0.0:53:53/udp", "80", "[::1]:8081:81"])] == [
        "127.0.0.1:8080:80", "0.0.0.0:53:53/udp", "127.0.0.1::80", "[::1]:8081:81"]


@pytest.mark.parametrize("ports, named", [
    ("99999:80", "99999"), ({80: 70000}, "70000"), ("abc:80", "abc"), ({"80/xyz": 8080}, "xyz"),
    ("1.2.3.999:8080:80", "1.2.3.999"), ("8080-8081:80-81", "ranges"), ({0: 8080}, "0"),
    (["8080:80", "8080:81"], "8080"), (3.5, "3.5"),
])
def test_bad_ports_are_refused_before_the_engine(ports, named):
    with pytest.raises(BadArgument) as e:
        parse_ports(ports)
    assert named in str(e.value)
    assert isinstance(e.value, docker.errors.DockerException)


def test_nslookup_answers():
    out = ("Server:\t\t127.0.0.11\nAddress:\t127.0.0.11:53\n\nNon-authoritative answer:\nName:\tweb\n"
           "Address: 10.10.0.2\n\nNon-authoritative answer:\n\n")
    assert parse_nslookup(out) == ["10.10.0.2"]
    assert parse_nslookup("Server:\t\t127.0.0.11\nAddress:\t127.0.0.11:53\n\n** server can't find x: NXDOMAIN\n") == []


def test_lab_names_and_engines_are_checked():
    with pytest.raises(BadArgument, match="lab name"):
        Lab("sim", name="my lab")
    with pytest.raises(BadArgument, match="engine"):
        Lab(42)


# -- networks ----------------------------------------------------------------------------------
def test_networks_in_every_form(lab, client):
    plain = lab.network("plain")
    assert plain.attrs["Driver"] == "bridge"
    assert plain.attrs["Labels"] == {"labkit": "1", "labkit.lab": "lab", "labkit.session": session_id()}
    full = lab.network("full", subnet="10.31.0.0/16", gateway="10.31.0.254", ip_range="10.31.5.0/24",
                       internal=True, attachable=True, options={"com.docker.network.driver.mtu": "1400"},
                       labels={"tier": "back"})
    assert full.attrs["IPAM"]["Config"] == [{"Subnet": "10.31.0.0/16", "IPRange": "10.31.5.0/24",
                                             "Gateway": "10.31.0.254"}]
    assert full.attrs["Internal"] and full.attrs["Attachable"]
    assert full.attrs["Options"]["com.docker.network.driver.mtu"] == "1400"
    assert full.attrs["Labels"] == {"labkit": "1", "labkit.lab": "lab", "labkit.session": session_id(), "tier": "back"}
    assert lab.history == [
        f"docker network create --driver bridge {LABELS} plain",
        "docker network create --driver bridge --subnet 10.31.0.0/16 --gateway 10.31.0.254 "
        "--ip-range 10.31.5.0/24 --internal --attachable --opt com.docker.network.driver.mtu=1400 "
        f"{LABELS} --label tier=back full",
    ]
    web = lab.container("web", networks="full")
    assert web.attrs["NetworkSettings"]["Networks"]["full"]["IPAddress"] == "10.31.5.0"  # the range's first


def test_network_rerun_returns_the_same_network(lab, client):
    first = lab.network("front", subnet="10.32.0.0/24")
    again = lab.network("front", subnet="10.32.0.0/24")
    assert again.id == first.id
    assert lab.history == [f"docker network create --driver bridge --subnet 10.32.0.0/24 {LABELS} front"]
    assert len(client.networks.list(names=["front"])) == 1
    with pytest.raises(Differs) as e:
        lab.network("front", subnet="10.33.0.0/24")
    assert "front" in str(e.value) and "subnet 10.32.0.0/24 (asked: 10.33.0.0/24)" in str(e.value)
    with pytest.raises(Differs, match="internal false"):
        lab.network("front", subnet="10.32.0.0/24", internal=True)
    # Someone else's network of that name is left alone.
    client.networks.create("theirs")
    with pytest.raises(NotTheLabs, match="theirs .*not to lab 'lab'"):
        lab.network("theirs")
    Lab(client, name="other").network("others")
    with pytest.raises(NotTheLabs, match="lab 'other'"):
        lab.network("others")
    assert len(lab.history) == 1


# -- containers --------------------------------------------------------------------------------
def test_containers_in_every_form(lab, client):
    lab.network("front", subnet="10.41.0.0/24")
    lab.network("back", subnet="10.42.0.0/24")
    web = lab.container("web", networks=["front", "back"], ports={80: 8080}, hostname="www1",
                        aliases={"front": ["www"], "back": "web-back"}, ip={"front": "10.41.0.10"},
                        labels={"tier": "front"}, environment={"MODE": "test"})
    assert web.status == "running"
    nets = web.attrs["NetworkSettings"]["Networks"]
    assert sorted(nets) == ["back", "front"]
    assert nets["front"]["IPAddress"] == "10.41.0.10"
    assert "www" in nets["front"]["Aliases"] and "web-back" in nets["back"]["Aliases"]
    assert web.attrs["Config"]["Cmd"] == ["sleep", "86400"]
    assert web.attrs["Config"]["Hostname"] == "www1"
    assert "MODE=test" in web.attrs["Config"]["Env"]
    assert web.attrs["Config"]["Labels"] == {"labkit": "1", "labkit.lab": "lab", "labkit.session": session_id(),
                                             "tier": "front"}
    assert web.attrs["HostConfig"]["PortBindings"] == {"80/tcp": [{"HostIp": "127.0.0.1", "HostPort": "8080"}]}

    api = lab.container("api", networks="back", ports={"81/tcp": ("0.0.0.0", 8081)}, command="httpd -f -p 81")
    assert api.attrs["HostConfig"]["PortBindings"] == {"81/tcp": [{"HostIp": "0.0.0.0", "HostPort": "8081"}]}
    assert api.attrs["Config"]["Cmd"] == ["httpd", "-f", "-p", "81"]
    db = lab.container("db", ports=["8082:82", "127.0.0.1:8083:83/udp"])       # the default bridge
    assert db.attrs["HostConfig"]["NetworkMode"] == "default"
    assert db.attrs["HostConfig"]["PortBindings"] == {
        "82/tcp": [{"HostIp": "127.0.0.1", "HostPort": "8082"}],
        "83/udp": [{"HostIp": "127.0.0.1", "HostPort": "8083"}]}
    on_host = lab.container("on-host", network_mode="host")
    assert on_host.attrs["HostConfig"]["NetworkMode"] == "host"
    alone = lab.container("alone", network_mode="none", command=["sleep", "600"])
    assert list(alone.attrs["NetworkSettings"]["Networks"]) == ["none"]
    assert lab.history == [
        f"docker network create --driver bridge --subnet 10.41.0.0/24 {LABELS} front",
        f"docker network create --driver bridge --subnet 10.42.0.0/24 {LABELS} back",
        "docker run -d --name web --hostname www1 --network front --network-alias www --ip 10.41.0.10 "
        f"-p 127.0.0.1:8080:80 -e MODE=test {LABELS} --label tier=front busybox sleep 86400",
        "docker network connect --alias web-back back web",
        f"docker run -d --name api --network back -p 0.0.0.0:8081:81 {LABELS} busybox httpd -f -p 81",
        f"docker run -d --name db -p 127.0.0.1:8082:82 -p 127.0.0.1:8083:83/udp {LABELS} busybox sleep 86400",
        f"docker run -d --name on-host --network host {LABELS} busybox sleep 86400",
        f"docker run -d --name alone --network none {LABELS} busybox sleep 600",
    ]


def test_container_rerun_returns_the_same_container(lab, client):
    lab.network("front", subnet="10.43.0.0/24")
    lab.network("back", subnet="10.44.0.0/24")
    web = lab.container("web", networks=["front", "back"], ports="8080:80")
    again = lab.container("web", networks=["front", "back"], ports="8080:80")
    assert again.id == web.id
    assert lab.history.count(f"docker run -d --name web --network front -p 127.0.0.1:8080:80 {LABELS} "
                             "busybox sleep 86400") == 1
    # Stopped, it is started again; disconnected from a network asked for, it is connected again.
    client.api.stop(web.id, timeout=0)
    client.api.disconnect_container_from_network(web.id, "back")
    again = lab.container("web", networks=["front", "back"], ports="8080:80")
    assert again.id == web.id and again.status == "running"
    assert sorted(again.attrs["NetworkSettings"]["Networks"]) == ["back", "front"]
    assert lab.history[-2:] == ["docker start web", "docker network connect back web"]
    # Other settings: refused, with the differences named.
    with pytest.raises(Differs) as e:
        lab.container("web", networks=["front"], ports="8081:80", command="httpd -f -p 80")
    assert "web" in str(e.value) and "published ports" in str(e.value) and "command" in str(e.value)
    # Not the lab's: left alone.
    theirs = client.containers.run("busybox", ["sleep", "600"], name="theirs", detach=True)
    with pytest.raises(NotTheLabs, match="theirs"):
        lab.container("theirs")
    assert client.containers.get("theirs").id == theirs.id


def test_connect_and_disconnect(lab, client):
    lab.network("front", subnet="10.45.0.0/24")
    lab.network("back", subnet="10.46.0.0/24")
    lab.container("web", networks="front")
    lab.container("api", networks="back")
    assert lab.connect("web", "back", aliases="www", ip="10.46.0.50") is True
    assert lab.connect("web", "back", aliases="www") is False       # already so: nothing to do
    assert lab.resolve("api", "www") == ["10.46.0.50"]
    assert lab.disconnect("web", "back") is True
    assert lab.disconnect("web", "back") is False
    assert lab.ping("api", "10.46.0.50").ok is False
    assert lab.history[2:] == [
        f"docker run -d --name web --network front {LABELS} busybox sleep 86400",
        f"docker run -d --name api --network back {LABELS} busybox sleep 86400",
        "docker network connect --alias www --ip 10.46.0.50 back web",
        "docker exec api nslookup www",
        "docker network disconnect back web",
        "docker exec api ping -c 1 -W 1 10.46.0.50",
    ]
    with pytest.raises(docker.errors.NotFound) as e:
        lab.connect("web", "nope")
    assert e.value.status_code == 404 and "nope" in str(e.value)
    assert e.value.explanation.endswith("network nope not found")   # the engine's own text, kept


def test_remove(lab, client):
    net = lab.network("front")
    web = lab.container("web", networks="front")
    lab.container("api", networks="front")
    assert lab.remove("web") == "container"
    assert lab.remove(client.containers.get("api")) == "container"
    assert lab.remove("front") == "network"
    assert state(client) == ([], ["bridge", "host", "none"])
    assert lab.history[-3:] == ["docker rm -f web", "docker rm -f api", "docker network rm front"]
    with pytest.raises(docker.errors.NotFound, match="no container or network named web"):
        lab.remove("web")
    with pytest.raises(docker.errors.NotFound):
        lab.remove(net)
    del web


def test_reset_removes_exactly_the_labs_objects(lab, client):
    lab.network("front")
    lab.network("back")
    lab.container("web", networks=["front", "back"])
    lab.container("db")
    other = Lab(client, name="other")
    other.network("others")
    other.container("other-web", networks="others")
    client.networks.create("foreign")
    client.containers.run("busybox", ["sleep", "600"], name="foreign-ctr", detach=True, network="foreign")
    removed = lab.reset()
    assert sorted(removed["containers"]) == ["db", "web"]
    assert sorted(removed["networks"]) == ["back", "front"]
    assert state(client) == (["foreign-ctr", "other-web"], ["bridge", "foreign", "host", "none", "others"])
    assert lab.reset() == {"containers": [], "networks": []}
    assert other.reset() == {"containers": ["other-web"], "networks": ["others"]}
    assert state(client) == (["foreign-ctr"], ["bridge", "foreign", "host", "none"])
    # After a reset, the same calls make the lab again.
    lab.network("front")
    assert lab.container("web", networks="front").status == "running"


# -- probes ------------------------------------------------------------------------------------
def test_probes(lab, client):
    lab.network("front", subnet="10.51.0.0/24")
    lab.network("back", subnet="10.52.0.0/24")
    web = lab.container("web", networks="front", aliases="www", command="httpd -f -p 80")
    lab.container("api", networks="front")
    lab.container("db", networks="back")
    lab.container("old", command="httpd -f -p 80")              # the default bridge
    lab.container("new", networks=["bridge"])

    ping = lab.ping("api", "web")
    assert ping.ok and ping.state == "reachable" and ping.exit_code == 0
    assert ping.address == "10.51.0.2" and "1 packets received" in ping.output
    assert lab.ping(web, "10.51.0.3").ok                        # objects and addresses do too
    isolated = lab.ping("db", "10.51.0.2")                      # another bridge: isolated
    assert not isolated.ok and isolated.state == "unreachable" and isolated.address == "10.51.0.2"
    assert "0 packets received" in isolated.output

    assert lab.resolve("api", "web") == ["10.51.0.2"]
    assert lab.resolve("api", "www") == ["10.51.0.2"]
    assert lab.resolve("new", "old", timeout=1) == []           # no names on the default bridge
    old_ip = client.api.inspect_container("old")["NetworkSettings"]["Networks"]["bridge"]["IPAddress"]
    assert lab.ping("new", old_ip).ok                           # but addresses do

    opened = lab.port("api", "web", 80)
    assert opened.ok and opened.state == "open"
    closed = lab.port("api", "web", 81)
    assert closed.state == "closed" and closed.address == "10.51.0.2"
    assert "Connection refused" in closed.output
    assert lab.port("db", "10.51.0.2", 80).state == "unreachable"
    assert lab.port("new", old_ip, 80).state == "open"
    assert lab.history[-4:] == ["docker exec api nc -w 1 web 80", "docker exec api nc -w 1 web 81",
                                "docker exec db nc -w 1 10.51.0.2 80", f"docker exec new nc -w 1 {old_ip} 80"]

    client.api.stop("db", timeout=0)
    with pytest.raises(docker.errors.APIError) as e:
        lab.ping("db", "web")
    assert e.value.status_code == 409 and "container db" in str(e.value)


def test_probes_agree_with_raw_exec(lab, client):
    """A probe's output is busybox's own: what `docker exec` prints."""
    lab.network("front", subnet="10.53.0.0/24")
    lab.container("web", networks="front")
    lab.container("api", networks="front")
    raw = client.containers.get("api").exec_run(["nslookup", "web"])
    assert raw.exit_code == 0
    assert lab.resolve("api", "web") == parse_nslookup(raw.output.decode()) == ["10.53.0.2"]


# -- the snapshot ------------------------------------------------------------------------------
def test_snapshot(lab, client):
    lab.network("front", subnet="10.61.0.0/24")
    lab.network("back", subnet="10.62.0.0/24", gateway="10.62.0.1", internal=True)
    lab.container("web", networks=["front", "back"], ports={80: 8080}, aliases={"back": "www"},
                  hostname="webhost")
    lab.container("on-host", network_mode="host")
    lab.container("alone", network_mode="none")
    lab.container("stopped", networks="front")
    client.api.stop("stopped", timeout=0)
    client.containers.run("busybox", ["sleep", "600"], name="foreign", detach=True)
    snap = lab.snapshot()

    host = snap.hosts[0]
    assert host.engine == ("sim" if labkit.is_simulated(client) else "docker") and host.name
    assert {n.name for n in snap.networks} == {"bridge", "host", "none", "front", "back"}
    front, back, bridge = snap.network("front"), snap.network("back"), snap.network("bridge")
    assert front.subnets == ("10.61.0.0/24",) and front.gateways == ("10.61.0.1",)
    assert back.gateway == "10.62.0.1" and back.internal and back.driver == "bridge"
    assert front.lab == back.lab == "lab" and bridge.lab is None and bridge.builtin
    assert bridge.subnet == "172.17.0.0/16"

    web = snap.container("web")
    assert web.status == "running" and web.lab == "lab" and web.hostname == "webhost"
    assert web.image == "busybox" and web.network_mode == "front" and web.mode == "bridge"
    assert [str(p) for p in web.ports] == ["127.0.0.1:8080->80/tcp"]
    assert web.labels["labkit.lab"] == "lab"
    eps = {e.network: e for e in snap.endpoints_of("web")}
    assert set(eps) == {"front", "back"}
    assert eps["front"].ipv4 == "10.61.0.2/24" and eps["front"].address == "10.61.0.2"
    assert eps["front"].interface == "eth0" and eps["back"].interface == "eth1"
    assert eps["front"].mac == "02:42:0a:3d:00:02" and eps["front"].gateway == "10.61.0.1"
    assert eps["back"].aliases == ("www",) and eps["back"].ipv4 == "10.62.0.2/24"

    on_host, alone = snap.container("on-host"), snap.container("alone")
    assert on_host.mode == "host" and alone.mode == "none"
    (h,) = snap.endpoints_of(on_host)
    (n,) = snap.endpoints_of(alone)
    assert (h.network, h.ipv4, h.interface) == ("host", None, None)
    assert (n.network, n.ipv4, n.interface) == ("none", None, None)
    assert on_host.hostname == host.name                        # a host-mode container's is the host's

    assert snap.container("stopped").status == "exited" and snap.endpoints_of("stopped") == []
    foreign = snap.container("foreign")
    assert foreign.lab is None and foreign.hostname is None     # not known without inspecting
    (fe,) = snap.endpoints_of(foreign)
    assert fe.network == "bridge" and fe.ipv4.endswith("/16") and fe.interface is None
    assert [m.container for m in snap.members("front")] == ["web"]
    assert {c.name for c in snap.owned_by("lab").containers} == {"web", "on-host", "alone", "stopped"}
    assert {c.name for c in snap.owned_by(None).containers} == {"foreign"}

    detailed = lab.snapshot(inspect=True)
    assert detailed.container("foreign").hostname == client.api.inspect_container("foreign")["Config"]["Hostname"]

    # interfaces(): the names from inside, also for containers the lab did not make.
    assert lab.interfaces("foreign") == {"lo": ["127.0.0.1/8"], "eth0": [fe.ipv4]}
    assert lab.snapshot().endpoints_of("foreign")[0].interface == "eth0"


def test_snapshot_interface_names_follow_the_joins(lab, client):
    lab.network("front", subnet="10.63.0.0/24")
    lab.network("back", subnet="10.64.0.0/24")
    lab.container("web", networks="front")
    lab.connect("web", "back")
    lab.connect("web", "bridge")
    lab.disconnect("web", "back")
    lab.connect("web", "back")                                  # the engine counts on: eth3
    eps = {e.network: e.interface for e in lab.snapshot().endpoints_of("web")}
    assert eps == {"front": "eth0", "bridge": "eth2", "back": "eth3"}
    assert lab.interfaces("web") == {"lo": ["127.0.0.1/8"], "eth0": ["10.63.0.2/24"],
                                     "eth2": [_bridge_ip(client, "web")],
                                     "eth3": ["10.64.0.2/24"]}
    # A re-run in a new lab (a restarted kernel) takes the order of the call when it matches.
    fresh = Lab(client, name="lab")
    lab.network("solo", subnet="10.65.0.0/24")
    lab.container("solo", networks="solo")
    fresh.container("solo", networks="solo")
    assert fresh.snapshot().endpoints_of("solo")[0].interface == "eth0"
    assert {e.interface for e in fresh.snapshot().endpoints_of("web")} == {None}   # never seen joining


def _bridge_ip(client, name: str) -> str:
    s = client.api.inspect_container(name)["NetworkSettings"]["Networks"]["bridge"]
    return f"{s['IPAddress']}/{s['IPPrefixLen']}"


def test_snapshot_calls_are_few_and_fixed(client):
    """Three calls for any number of objects (info once, then the two lists)."""
    lab = Lab(client, name="lab")
    calls = []
    send = client.api.send
    client.api.send = lambda request, **kw: (calls.append(request.path_url), send(request, **kw))[1]
    lab.snapshot()
    assert len(calls) == 3
    for k in range(3):
        lab.network(f"net{k}")
        lab.container(f"ctr{k}", networks=f"net{k}")
    calls.clear()
    lab.snapshot()
    assert len(calls) == 2


# -- bad input ---------------------------------------------------------------------------------
@pytest.mark.parametrize("call, named", [
    (lambda lab: lab.container("a"), "'a'"),
    (lambda lab: lab.container("-web"), "'-web'"),
    (lambda lab: lab.container("my web"), "'my web'"),
    (lambda lab: lab.container("web", networks=["front", "front"]), "front"),
    (lambda lab: lab.container("web", networks="bad net"), "'bad net'"),
    (lambda lab: lab.container("web", ports="99999:80"), "99999"),
    (lambda lab: lab.container("web", ports={"80/xyz": 80}), "xyz"),
    (lambda lab: lab.container("web", networks="front", ip="10.0.0.300"), "10.0.0.300"),
    (lambda lab: lab.container("web", network_mode="bridgy"), "bridgy"),
    (lambda lab: lab.container("web", networks="front", network_mode="host"), "not both"),
    (lambda lab: lab.container("web", networks="front", aliases={"back": "x"}), "back"),
    (lambda lab: lab.container("web", aliases="www"), "user-defined network"),
    (lambda lab: lab.container("web", network_mode="host", ip="10.0.0.5"), "10.0.0.5"),
    (lambda lab: lab.network("bad name"), "'bad name'"),
    (lambda lab: lab.network("front", subnet="10.0.0.0/33"), "10.0.0.0/33"),
    (lambda lab: lab.network("front", subnet="10.0.0.1/24"), "did you mean 10.0.0.0/24"),
    (lambda lab: lab.network("front", subnet="nonsense"), "nonsense"),
    (lambda lab: lab.network("front", subnet="10.0.0.0/24", gateway="10.0.1.1"), "10.0.1.1"),
    (lambda lab: lab.network("front", subnet="10.0.0.0/24", ip_range="10.0.0.0/16"), "10.0.0.0/16"),
    (lambda lab: lab.network("front", gateway="10.0.1.1"), "needs a subnet"),
    (lambda lab: lab.network("front", driver="nope"), "'nope'"),
    (lambda lab: lab.network("front", labels={"labkit.lab": "x"}), "labkit.lab"),
])
def test_bad_input_is_refused_before_the_engine(lab, client, call, named):
    before = state(client)
    with pytest.raises(BadArgument) as e:
        call(lab)
    assert named in str(e.value)
    assert isinstance(e.value, docker.errors.DockerException) and isinstance(e.value, labkit.LabkitError)
    assert state(client) == before and lab.history == []


def test_engine_errors_name_the_thing_and_leave_nothing(lab, client):
    lab.network("front")
    lab.container("web", networks="front", ports={80: 8080})
    before = state(client)
    history = list(lab.history)
    with pytest.raises(docker.errors.NotFound) as e:                  # missing first network
        lab.container("api", networks=["nope"])
    assert e.value.status_code == 404 and "network nope not found" in str(e.value)
    assert "container api" in str(e.value)
    with pytest.raises(docker.errors.NotFound) as e:                  # missing second network
        lab.container("api", networks=["front", "nope"])
    assert "container api to network nope" in e.value.explanation
    with pytest.raises(docker.errors.ImageNotFound) as e:             # missing image
        lab.container("api", image="no-such-image")
    assert "no-such-image" in str(e.value)
    with pytest.raises(docker.errors.APIError) as e:                  # the port is taken
        lab.container("api", networks="front", ports={80: 8080})
    assert "8080" in str(e.value) and "port is already allocated" in e.value.explanation
    with pytest.raises(docker.errors.APIError) as e:                  # not the network's subnet
        lab.container("api", networks="front", ip="10.99.99.99")
    assert "container api" in str(e.value)
    with pytest.raises(docker.errors.APIError) as e:                  # no aliases on the default bridge
        lab.container("api", networks=["bridge"], aliases="www")
    assert e.value.explanation.endswith("network-scoped alias is supported only for containers in "
                                        "user defined networks")
    with pytest.raises(docker.errors.APIError) as e:                  # only one "host" network
        lab.network("myhost", driver="host")
    assert "host" in e.value.explanation
    assert state(client) == before and lab.history == history
    assert lab.last_command == f"docker network create --driver host {LABELS} myhost"


def test_exec_runs_a_command_and_records_it(lab):
    lab.container("box")
    res = lab.exec("box", "hostname")
    assert res.ok and res.exit_code == 0 and res.output.strip()
    assert lab.history[-1] == "docker exec box hostname"
    bad = lab.exec("box", ["sh", "-c", "exit 3"])
    assert not bad.ok and bad.exit_code == 3


def test_the_lab_image_is_made_when_missing(private_engines):
    from labkit import hosts
    host = hosts.fresh_engine("lkli")  # not the module's "lkl" engine: this one loses its image
    try:
        client = host.client()
        client.images.remove("busybox:latest", force=True)
        lab = labkit.Lab(client, name="img", quiet=True)
        lab.container("web")
        assert lab.exec("web", "echo made").output == "made\n"
        assert client.images.get("busybox:latest")
    finally:
        host.stop()
