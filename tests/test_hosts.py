"""Lab hosts (labkit.hosts): real Docker engines, each in its own network and UTS namespace.

These start real dockerds, so they need root and Debian's docker.io. Without them they skip,
unless LABKIT_REQUIRE_DOCKER=1, which makes a missing engine a failure. Each test uses a prefix
of its own, so it never touches the sets of `labkit hosts up` ("lk") or of the conformance
tests ("lkc").
"""
import contextlib
import io
import json
import os
import signal
import subprocess
import sys
import tarfile

import docker
import pytest

from labkit import hosts, images, system
from labkit.errors import BadName, LabkitError, NeedsRoot
from labkit.hosts import fresh_engine, start_hosts, stop_hosts

pytestmark = [pytest.mark.docker, pytest.mark.root]


@pytest.fixture(scope="module")
def two_hosts(private_engines):
    stop_hosts("lkht")  # leftovers of an interrupted earlier run
    started = start_hosts(2, prefix="lkht")
    yield started
    stop_hosts("lkht")


def run(host, command: list[str], **kwargs) -> str:
    """`docker run --rm busybox COMMAND` on a host; its output."""
    with contextlib.closing(host.client()) as client:
        return client.containers.run(images.LAB_IMAGE, command, remove=True, **kwargs).decode()


# ---- a set of two hosts --------------------------------------------------------------------

def test_hosts_are_numbered_from_one(two_hosts):
    assert [(h.name, h.netns, h.underlay_ip) for h in two_hosts] == [
        ("host1", "lkht-host1", "10.99.0.11"), ("host2", "lkht-host2", "10.99.0.12")]
    assert two_hosts[0].url == "unix:///run/labkit/lkht/host1/docker.sock"


def test_engine_name_is_the_hostname(two_hosts):
    for host in two_hosts:
        with contextlib.closing(host.client()) as client:
            assert client.info()["Name"] == host.name
        assert run(host, ["hostname"], network_mode="host").strip() == host.name


def test_underlay_interface_inside_a_host(two_hosts):
    for host in two_hosts:
        n = host.number
        shown = run(host, ["ip", "addr", "show", "eth0"], network_mode="host")
        assert shown.startswith(f"2: eth0@if{30000 + n}: <BROADCAST,MULTICAST,UP,LOWER_UP")
        assert f"link/ether 02:99:00:00:00:{n:02x} brd ff:ff:ff:ff:ff:ff" in shown
        assert f"inet 10.99.0.{10 + n}/24 scope global eth0" in shown
        assert "tentative" not in shown
        routes = run(host, ["ip", "route"], network_mode="host")
        assert "default" not in routes  # hosts reach each other, not the internet
        assert "10.99.0.0/24 dev eth0" in routes


def test_hosts_reach_each_other_on_the_underlay(two_hosts):
    out = run(two_hosts[0], ["ping", "-c", "1", "-W", "2", "10.99.0.12"], network_mode="host")
    assert "1 packets received" in out


def test_starting_again_returns_the_running_hosts(two_hosts):
    again = start_hosts(2, prefix="lkht")
    assert [h.pid for h in again] == [h.pid for h in two_hosts]


def test_each_host_has_the_lab_image(two_hosts):
    for host in two_hosts:
        with contextlib.closing(host.client()) as client:
            image = client.images.get(images.LAB_IMAGE)
            assert image.attrs["Config"]["Cmd"] == ["sh"]


# ---- removing everything, also after a crash ---------------------------------------------------

def facts(prefix: str, started: list) -> dict:
    """What a set made, to look for afterwards: pids of engines, containerds, containers, shims."""
    pids = []
    for host in started:
        pids.append(host.pid)
        with open(f"{host.state_dir}/exec/containerd/containerd.pid") as f:
            pids.append(int(f.read()))
        with contextlib.closing(host.client()) as client:
            for container in client.containers.list():
                pid = container.attrs["State"]["Pid"]
                pids += [pid, parent_of(pid)]  # the container and its containerd-shim
    return {"prefix": prefix, "pids": pids, "netns": [h.netns for h in started] + [f"{prefix}-ul"]}


def parent_of(pid: int) -> int:
    with open(f"/proc/{pid}/stat") as f:
        return int(f.read().rsplit(")", 1)[1].split()[1])


def leftovers(made: dict) -> list[str]:
    prefix, found = made["prefix"], []
    folder = f"{hosts.STATE_ROOT}/{prefix}"
    found += [f"namespace {ns}" for ns in made["netns"] if os.path.exists(f"/run/netns/{ns}")]
    found += [f"process {pid}" for pid in made["pids"] if system.alive(pid)]
    found += [f"process {pid} using {folder}" for pid in system.processes_using(folder)]
    found += [f"mount {point}" for point in system.mounts_under(folder)]
    if os.path.exists(folder):
        found.append(f"folder {folder}")
    links = subprocess.run(["ip", "-o", "link"], capture_output=True, text=True).stdout
    found += [f"link {name}" for name in (f"{prefix}ul0",) if f" {name}" in links]
    rules = subprocess.run(["iptables", "-S"], capture_output=True, text=True).stdout
    found += [f"iptables rule {line}" for line in rules.splitlines() if f"{prefix}ul0" in line]
    return found


def test_stop_hosts_leaves_nothing_and_private_engines_twice(private_engines):
    stop_hosts("lkhs")
    started = start_hosts(2, prefix="lkhs")
    for host in started:
        with contextlib.closing(host.client()) as client:
            client.containers.run(images.LAB_IMAGE, ["sleep", "300"], detach=True)
            client.networks.create("lab")
    made = facts("lkhs", started)
    assert len(made["pids"]) == 8
    removed = stop_hosts("lkhs")
    assert "network namespace lkhs-host1" in removed and "folder /run/labkit/lkhs" in removed
    assert leftovers(made) == []
    assert stop_hosts("lkhs") == []
    started[0].stop()  # a stopped host stops again without complaint


def test_stop_hosts_cleans_up_after_a_crashed_engine(private_engines):
    stop_hosts("lkhx")
    started = start_hosts(2, prefix="lkhx")
    with contextlib.closing(started[0].client()) as client:
        client.containers.run(images.LAB_IMAGE, ["sleep", "300"], detach=True)
        client.containers.run(images.LAB_IMAGE, ["sleep", "300"], detach=True, network_mode="host")
    made = facts("lkhx", started)
    os.kill(started[0].pid, signal.SIGKILL)  # its containers and their shims live on
    started[0]._process.wait()
    assert not system.answers(started[0].socket)
    assert any(system.alive(pid) for pid in made["pids"])
    stop_hosts("lkhx")
    assert leftovers(made) == []


def test_stop_hosts_cleans_up_after_start_hosts_was_killed(private_engines):
    stop_hosts("lkhm")
    # A process that dies (kill -9) once its engines are launched, before they answer.
    killed_midway = (
        "import os, signal\n"
        "from labkit import hosts\n"
        "hosts._wait_until_up = lambda host: os.kill(os.getpid(), signal.SIGKILL)\n"
        "hosts.start_hosts(2, prefix='lkhm')\n")
    done = subprocess.run([sys.executable, "-c", killed_midway], cwd=os.path.dirname(os.path.dirname(__file__)))
    assert done.returncode == -signal.SIGKILL
    with open("/run/labkit/lkhm/state.json") as f:
        recorded = json.load(f)
    made = {"prefix": "lkhm", "pids": [h["pid"] for h in recorded["hosts"].values()],
            "netns": ["lkhm-host1", "lkhm-host2", "lkhm-ul"]}
    assert all(os.path.exists(f"/run/netns/{ns}") for ns in made["netns"])
    stop_hosts("lkhm")
    assert leftovers(made) == []


def test_a_host_stopped_alone_leaves_the_others(private_engines):
    stop_hosts("lkh1")
    first, second = start_hosts(2, prefix="lkh1")
    first.stop()
    assert not os.path.exists("/run/netns/lkh1-host1")
    assert [h.name for h in hosts.list_hosts("lkh1")] == ["host2"]
    second.stop()  # the last one takes the switch and the folder with it
    assert not os.path.exists("/run/netns/lkh1-ul") and not os.path.exists("/run/labkit/lkh1")


# ---- fresh engines for the conformance tests ------------------------------------------------------

def test_fresh_engines_number_interfaces_the_same_way(private_engines):
    seen = []
    for _ in range(2):
        host = fresh_engine("lkhf")
        try:
            on_host = run(host, ["ip", "addr"], network_mode="host")
            first = run(host, ["ip", "addr"])  # the first container on the default bridge
        finally:
            host.stop()
        assert "\n3: docker0: <NO-CARRIER,BROADCAST,MULTICAST,UP>" in on_host
        assert "\n4: eth0@if5: <BROADCAST,MULTICAST,UP,LOWER_UP,M-DOWN>" in first
        assert "link/ether 02:42:ac:11:00:02" in first and "inet 172.17.0.2/16" in first
        assert not os.path.exists("/run/labkit/lkhf") and not os.path.exists("/run/netns/lkhf-host1")
        seen.append((docker0_mac_masked(on_host), first))
    assert seen[0] == seen[1]


def docker0_mac_masked(shown: str) -> str:
    """docker0's MAC is random on every engine start: everything else must match."""
    lines = shown.splitlines()
    for i, line in enumerate(lines):
        if ": docker0:" in line:
            lines[i + 1] = "    link/ether MAC"
    return "\n".join(lines)


# ---- errors and the image, without engines ---------------------------------------------------

def test_errors_share_docker_pys_root():
    assert issubclass(NeedsRoot, LabkitError) and issubclass(LabkitError, docker.errors.DockerException)


def test_not_root_says_so(monkeypatch):
    monkeypatch.setattr(hosts.os, "geteuid", lambda: 1000)
    with pytest.raises(NeedsRoot, match="needs root"):
        start_hosts(1, prefix="lkhr")


@pytest.mark.parametrize("prefix", ["", "LK", "lk-x", "lk/x", "a" * 9, "1lk", None])
def test_prefixes_are_checked(prefix):
    with pytest.raises(BadName):
        hosts._check_prefix(prefix)


def test_lab_image_is_busybox_with_one_link_per_applet():
    if not os.path.isfile(images.BUSYBOX):
        pytest.skip("needs /bin/busybox (apt-get install busybox-static)")
    data = images.lab_image_tar()
    assert images.lab_image_tar() is data  # made once per process
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        members = {m.name: m for m in tar.getmembers()}
    assert members["bin/busybox"].isfile() and members["bin/busybox"].mode == 0o755
    assert members["bin/sh"].issym() and members["bin/sh"].linkname == "busybox"
    assert {"bin/ping", "bin/ip", "bin/hostname", "bin/nslookup"} <= set(members)
