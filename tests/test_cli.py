"""The `labkit` command: `sim serve` as a daemon that docker-py talks to, `doctor`, `hosts`,
`reset`, and errors as one line on stderr.

The command runs as `python -m labkit.cli` from this checkout, so the tests need no install.
"""
from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys

import docker
import pytest

from labkit import doctor
from tests.engines import LABKIT, ROOT, SimDaemon, answers, labkit_env

def labkit(*args: str, env: dict | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(LABKIT + list(args), check=False, capture_output=True, text=True, cwd=ROOT,
                          env=env or labkit_env(), timeout=timeout)


@pytest.fixture
def daemon(tmp_path):
    with SimDaemon(str(tmp_path / "docker.sock")) as d:
        yield d


# ---- labkit sim serve -------------------------------------------------------------------------

def test_sim_serve_says_where_and_how(daemon):
    assert daemon.banner.count("\n") == 1
    assert f"unix://{daemon.path}" in daemon.banner
    assert f"DOCKER_HOST=unix://{daemon.path} docker network ls" in daemon.banner


def test_docker_py_talks_to_the_daemon(daemon):
    with contextlib.closing(docker.DockerClient(base_url=daemon.url, version="auto", timeout=10)) as client:
        assert client.version()["ApiVersion"] == "1.41"
        assert "labkit.sim=true" in client.info()["Labels"]
        assert sorted(n.name for n in client.networks.list()) == ["bridge", "host", "none"]
        front = client.networks.create("front")
        assert front.attrs["IPAM"]["Config"][0]["Subnet"] == "172.18.0.0/16"
        web = client.containers.run("busybox", ["sleep", "600"], name="web", network="front", detach=True)
        code, out = web.exec_run(["ping", "-c", "1", "-W", "1", "web"])
        assert code == 0 and out.startswith(b"PING web (172.18.0.2): 56 data bytes\n")
        web.remove(force=True)
        front.remove()


def test_each_daemon_is_a_fresh_world(tmp_path):
    for _ in range(2):
        with SimDaemon(str(tmp_path / "docker.sock")) as d, \
                contextlib.closing(docker.DockerClient(base_url=d.url, version="1.41")) as client:
            assert client.networks.create("front").attrs["IPAM"]["Config"][0]["Subnet"] == "172.18.0.0/16"


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_stops_it_and_removes_the_socket(daemon, sig):
    assert os.path.exists(daemon.path)
    assert daemon.stop(sig) == 0
    assert not os.path.exists(daemon.path)
    assert "Traceback" not in daemon.stderr


def test_a_stale_socket_is_replaced(tmp_path):
    path = str(tmp_path / "docker.sock")
    stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    stale.bind(path)
    stale.close()  # the file stays, nobody listens
    with SimDaemon(path) as d:
        assert answers(d.path)


def test_it_refuses_a_live_socket_or_a_file(daemon, tmp_path):
    done = labkit("sim", "serve", "--socket", daemon.path, timeout=20)
    assert done.returncode == 1
    assert done.stderr == f"labkit: error: cannot listen on {daemon.path}: something already listens there; choose another path\n"
    assert answers(daemon.path)
    plain = tmp_path / "notes.txt"
    plain.write_text("mine")
    done = labkit("sim", "serve", "--socket", str(plain), timeout=20)
    assert (done.returncode, done.stderr.count("\n")) == (1, 1)
    assert "is not a socket" in done.stderr and plain.read_text() == "mine"
    done = labkit("sim", "serve", "--socket", str(tmp_path / "no" / "such.sock"), timeout=20)
    assert (done.returncode, done.stderr.count("\n")) == (1, 1)
    assert "does not exist" in done.stderr


# ---- labkit doctor ----------------------------------------------------------------------------

def test_doctor_on_the_simulator():
    done = labkit("doctor", env=labkit_env(LABKIT_ENGINE="sim"))
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "engine       sim: labkit's simulated Docker engine"
    assert lines[1] == "why          LABKIT_ENGINE=sim asks for it"
    assert lines[2] == "version      labkit's simulator (models Docker Engine 20.10.24), API 1.41"
    assert [line.split()[0] for line in lines][:10] == [
        "engine", "why", "version", "real", "root", "dockerd", "busybox", "lab", "python", "kernel"]
    assert [line.split()[0] for line in lines[10:15]] == ["vxlan", "esp", "ipvs", "macvlan", "ipvlan"]
    assert all(line.startswith("  without ") for line in lines[15:])


def test_doctor_short_without_an_engine(tmp_path):
    env = labkit_env(LABKIT_ENGINE="auto", DOCKER_HOST=f"unix://{tmp_path}/none.sock")
    done = labkit("doctor", "--short", env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout == (f"labkit: engine sim, labkit's simulator (models Docker Engine 20.10.24): "
                           f"no Docker engine answers at unix://{tmp_path}/none.sock (no socket there)\n")


def test_doctor_reports_a_missing_real_engine(tmp_path):
    env = labkit_env(LABKIT_ENGINE="docker", DOCKER_HOST=f"unix://{tmp_path}/none.sock")
    done = labkit("doctor", "--short", env=env)
    assert done.returncode == 1
    assert done.stdout.splitlines()[1] == (
        f"labkit: problem: LABKIT_ENGINE=docker asks for the real engine, but none answers at "
        f"unix://{tmp_path}/none.sock: no socket there")


def test_doctor_tells_a_simulator_at_docker_host_from_a_real_engine(daemon, monkeypatch):
    # What answers at DOCKER_HOST says what it is (`docker info`): here labkit's simulator, as
    # `./run.sh lab` starts it for a session.
    monkeypatch.setenv("DOCKER_HOST", daemon.url)
    monkeypatch.setenv("LABKIT_ENGINE", "auto")
    report = doctor.diagnose(kernel=False)
    assert (report.engine, report.docker_answers, report.docker_simulated) == ("sim", True, True)
    assert report.why.startswith(f"it answers at {daemon.url} ")
    assert report.api_version == "1.41" and not report.problems
    monkeypatch.setenv("LABKIT_ENGINE", "docker")   # asked for by name, it is used, and still named
    report = doctor.diagnose(kernel=False)
    assert (report.engine, report.why) == ("docker", "LABKIT_ENGINE=docker asks for it")
    assert report.engine_version_text == "labkit's simulator (models Docker Engine 20.10.24)"


@pytest.mark.docker
def test_doctor_on_the_real_engine():
    if not doctor.probe_docker()[0]:
        if os.environ.get("LABKIT_REQUIRE_DOCKER") == "1":
            pytest.fail("no real engine answers")
        pytest.skip("no real engine answers")
    env = {k: v for k, v in labkit_env(LABKIT_ENGINE="auto").items() if k != "DOCKER_HOST"}
    done = labkit("doctor", "--short", env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("labkit: engine docker, Docker Engine 20.10.24")
    assert ": a real Docker engine answers at unix:///var/run/docker.sock" in done.stdout


def test_doctor_function_returns_plain_data(monkeypatch):
    monkeypatch.setenv("LABKIT_ENGINE", "nonsense")
    report = doctor.diagnose()
    assert report.engine is None
    assert report.problems[0] == "LABKIT_ENGINE=nonsense is not an engine: use one of auto, docker, sim"
    assert report.root == (os.geteuid() == 0)
    assert ("root" in report.missing_for_hosts) == (os.geteuid() != 0)


def test_static_binaries_are_told_apart():
    if os.path.isfile("/bin/busybox"):
        assert doctor.is_static("/bin/busybox") == ("statically linked" in _file("/bin/busybox"))
    assert doctor.is_static(sys.executable) is False or "statically linked" in _file(sys.executable)
    assert doctor.is_static(__file__) is False


def _file(path: str) -> str:
    if not shutil.which("file"):
        pytest.skip("needs file(1)")
    return subprocess.run(["file", "-L", path], check=False, capture_output=True, text=True).stdout


# ---- errors: one line, no traceback -----------------------------------------------------------

@pytest.mark.parametrize("args", [
    ["hosts", "up", "0"],
    ["hosts", "up", "1", "--prefix", "Bad-Prefix"],
    ["hosts", "down", "--prefix", "Bad-Prefix"],
    ["hosts", "ls", "--prefix", "Bad-Prefix"],
])
def test_errors_are_one_line(args):
    done = labkit(*args, timeout=30)
    assert done.returncode == 1, done
    assert done.stdout == ""
    assert done.stderr.startswith("labkit: error: ") and done.stderr.count("\n") == 1, done.stderr
    assert "Traceback" not in done.stderr


def test_reset_removes_exactly_the_labs_objects(daemon):
    from labkit.lab import Lab
    with contextlib.closing(docker.DockerClient(base_url=daemon.url, version="1.41")) as client:
        lab = Lab(client, name="demo")
        lab.network("front")
        lab.container("web", networks=["front"])
        client.networks.create("notmine")
        env = labkit_env(LABKIT_ENGINE="docker", DOCKER_HOST=daemon.url)
        other = labkit("reset", env=env, timeout=30)  # the default lab, "lab", has nothing here
        assert (other.returncode, other.stdout) == (0, "labkit: the lab 'lab' has nothing to remove\n")
        done = labkit("reset", "--lab", "demo", env=env, timeout=30)
        assert done.returncode == 0, done.stderr
        assert done.stdout == "removed container web\nremoved network front\n"
        assert sorted(n.name for n in client.networks.list()) == ["bridge", "host", "none", "notmine"]
        assert client.containers.list(all=True) == []
    bad = labkit("reset", "--lab", "no such lab", env=env, timeout=30)
    assert (bad.returncode, bad.stderr.count("\n")) == (1, 1) and "Traceback" not in bad.stderr


def test_usage_errors_go_to_argparse():
    assert labkit("hosts", "up", "two").returncode == 2
    assert labkit("sim").returncode == 2
    assert labkit().returncode == 2


# ---- labkit hosts (root, dockerd) -------------------------------------------------------------

@pytest.mark.docker
@pytest.mark.root
def test_hosts_up_ls_down(private_engines):
    prefix = "lkcli"
    labkit("hosts", "down", "--prefix", prefix)
    try:
        up = labkit("hosts", "up", "1", "--prefix", prefix)
        assert up.returncode == 0, up.stderr
        assert up.stdout.splitlines()[1].split() == [
            prefix, "host1", f"unix:///run/labkit/{prefix}/host1/docker.sock", "10.99.0.11"]
        ls = labkit("hosts", "ls", "--prefix", prefix)
        assert ls.stdout == up.stdout
    finally:
        down = labkit("hosts", "down", "--prefix", prefix)
    assert down.returncode == 0, down.stderr
    assert f"removed network namespace {prefix}-host1" in down.stdout.splitlines()
    assert labkit("hosts", "ls", "--prefix", prefix).stdout == f"labkit: no lab hosts are up in the set '{prefix}'\n"
