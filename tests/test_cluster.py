"""labkit.cluster: several hosts on one underlay, simulated or real (engines in namespaces).

The same checks run on both kinds: every host answers with its own name, eth0 is the underlay,
swarm.init(advertise_addr="eth0") works, workers join, and close() leaves nothing behind.
"""
from __future__ import annotations

import os

import docker
import pytest

import labkit
from labkit.errors import LabkitError

ENGINES = ["sim", "docker"]


@pytest.fixture(params=ENGINES)
def three(request):
    if request.param == "docker":
        request.getfixturevalue("private_engines")
    cl = labkit.cluster(3, engine=request.param, prefix="lkct")
    yield cl
    cl.close()


def join_all(cl) -> None:
    cl[0].swarm.init(advertise_addr="eth0")
    token = cl[0].swarm.attrs["JoinTokens"]["Worker"]
    addr = cl[0].info()["Swarm"]["NodeAddr"]
    for c in cl[1:]:
        c.swarm.join([f"{addr}:2377"], join_token=token)


def test_hosts_are_named_and_on_one_underlay(three):
    assert three.names == ["host1", "host2", "host3"]
    assert [c.info()["Name"] for c in three] == ["host1", "host2", "host3"]
    shown = three[1].containers.run("busybox", ["ip", "addr", "show", "eth0"], network_mode="host",
                                    remove=True).decode()
    assert "inet 10.99.0.12/24" in shown


def test_a_swarm_forms_on_eth0(three):
    join_all(three)
    assert three[0].info()["Swarm"]["NodeAddr"] == "10.99.0.11"
    nodes = sorted((n.attrs["Description"]["Hostname"], n.attrs["Spec"]["Role"]) for n in three[0].nodes.list())
    assert nodes == [("host1", "manager"), ("host2", "worker"), ("host3", "worker")]
    with pytest.raises(docker.errors.APIError) as e:
        three[1].nodes.list()
    assert e.value.status_code == 503 and "Worker nodes can't be used" in e.value.explanation


def test_containers_on_an_overlay_talk_across_hosts(three):
    join_all(three)
    three[0].networks.create("ov", driver="overlay", attachable=True)
    three[0].containers.run("busybox", "sleep 600", name="left", network="ov", detach=True)
    right = three[2].containers.run("busybox", "sleep 600", name="right", network="ov", detach=True)
    res = right.exec_run(["ping", "-c", "1", "-W", "2", "left"])
    assert res.exit_code == 0, res.output
    assert b"ttl=64" in res.output
    mtu = right.exec_run(["ip", "addr", "show", "eth0"]).output.decode()
    assert "mtu 1450" in mtu


def test_close_removes_what_it_started(request):
    engine = "sim"
    cl = labkit.cluster(2, engine=engine)
    sockets = [c.api.base_url for c in cl]
    cl.close()
    cl.close()  # twice is fine
    assert cl.closed and len(sockets) == 2


def test_close_removes_real_hosts(private_engines):
    said = []
    with labkit.cluster(2, engine="docker", prefix="lkct", progress=said.append) as cl:
        ns = [f"lkct-{n}" for n in cl.names]
    # The progress of a long step: each engine as it comes up, then the whole.
    assert [line.split(" in ")[0] for line in said if "engine up" in line] == \
        ["host1 (lkct): engine up", "host2 (lkct): engine up"], said
    assert said[-1].startswith("2 hosts up in "), said
    left = os.listdir("/run/netns") if os.path.isdir("/run/netns") else []
    assert not [n for n in ns if n in left]
    assert not os.path.exists("/run/labkit/lkct")


def test_progress_in_a_notebook(monkeypatch):
    # In a Jupyter kernel, cluster() shows its progress in a widget in the cell, on either engine
    # (so a saved notebook's output is the same on both); progress=False shows none.
    from labkit.widgets import Progress
    shown = []
    monkeypatch.setattr(labkit, "_in_notebook", lambda: True)
    monkeypatch.setattr("IPython.display.display", shown.append)
    with labkit.cluster(2, engine="sim"):
        pass
    (widget,) = shown
    assert isinstance(widget, Progress) and repr(widget) == "<labkit progress: starting 2 hosts>"
    assert widget.lines == ["2 simulated hosts up, each with its own engine socket, on one underlay"]
    assert "labkit: starting 2 hosts" in widget.value and "2 simulated hosts up" in widget.value
    with labkit.cluster(1, engine="sim", progress=False):
        pass
    assert len(shown) == 1
    monkeypatch.setattr(labkit, "_in_notebook", lambda: False)
    with labkit.cluster(1, engine="sim"):   # a script: nothing shown, nothing printed
        pass
    assert len(shown) == 1


@pytest.mark.parametrize("bad", [0, -1, 10, "x"])
def test_bad_sizes_are_refused(bad):
    with pytest.raises(LabkitError):
        labkit.cluster(bad, engine="sim")


@pytest.mark.parametrize("url", ["", "http://x", "tcp://", "not a url", "ftp://host:21"])
def test_bad_urls_are_refused(url):
    with pytest.raises(LabkitError) as e:
        labkit.cluster([url])
    assert "URL" in str(e.value) or "answer" in str(e.value)


def test_an_unreachable_url_says_so():
    with pytest.raises(LabkitError) as e:
        labkit.cluster(["unix:///nonexistent/docker.sock"])
    assert "does not answer" in str(e.value)
