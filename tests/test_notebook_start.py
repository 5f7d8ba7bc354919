"""labkit.notebook: a lesson's start (its engine, `docker` on the same engine, a clean start), and
the `cli` and `sh` texts the lessons show; on both engines.

The `docker` command these tests run is the one on PATH (skipped where there is none, but in CI).
"""
from __future__ import annotations

import os
import shutil
import subprocess

import docker
import pytest

from labkit import notebook
from labkit.lab import Lab
from tests.engines import skip_or_fail

PREFIX = "lknh"   # this module's private real engine (fixtures `client`, `real_engine`: conftest)


@pytest.fixture
def environ(monkeypatch):
    """os.environ as the test found it, afterwards (start() exports DOCKER_HOST into it)."""
    monkeypatch.setenv("DOCKER_HOST", "unix:///nowhere/docker.sock")
    return monkeypatch


def docker_cli(*args: str) -> str:
    """`docker ARGS...` with this process's environment, as a `!docker` cell runs it: its output."""
    if shutil.which("docker") is None:
        skip_or_fail("no docker command here (apt-get install docker.io)")
    done = subprocess.run(["docker", *args], capture_output=True, text=True, timeout=60, env=os.environ.copy())
    assert done.returncode == 0, f"docker {' '.join(args)}: exit {done.returncode}\n{done.stderr}"
    return done.stdout


def test_start_points_docker_at_the_labs_engine(client, environ, capsys):
    lab = notebook.start("nb01", engine=client)
    said = capsys.readouterr().out
    assert said.startswith("This lab talks to ")
    assert ("simulated" in said) == ("labkit.sim=true" in (client.info().get("Labels") or []))
    assert os.environ["DOCKER_HOST"] == notebook.docker_host(client) != "unix:///nowhere/docker.sock"
    lab.network("front")
    lab.container("alpha", networks=["front"])
    assert "alpha" in docker_cli("ps", "--format", "{{.Names}}").split()
    assert "front" in docker_cli("network", "ls", "--format", "{{.Name}}").split()
    # What the docker command makes, the lab sees (the snapshot holds foreign objects too).
    docker_cli("run", "-d", "--name", "beta", "--network", "front", "busybox", "sleep", "600")
    assert lab.ping("alpha", "beta").ok
    assert "beta" in {c.name for c in lab.snapshot().containers}


def test_start_is_clean_and_removes_what_other_lessons_left(client, environ, capsys):
    earlier = Lab(client, name="nb03")
    earlier.network("shop")
    earlier.container("site", networks=["shop"], ports={80: 8080})
    mine_before = Lab(client, name="nb04")
    mine_before.container("hostview")
    Lab(client, name="someone").container("theirs")          # not a lesson's: left alone
    # What a learner made with `docker run --network shop`: not labkit's, but on nb03's network.
    client.containers.run("busybox", ["sleep", "600"], name="by-hand", network="shop", detach=True)
    notebook.start("nb04", engine=client)
    said = capsys.readouterr().out
    assert "labkit: removed what lesson nb03 left on this engine: container site, network shop" in said
    assert ("labkit: disconnected by-hand (not made by labkit) from lesson nb03's network shop to remove "
            "it; `docker rm -f by-hand` removes it") in said
    names = {c.name for c in Lab(client, name="x", leftovers="keep").snapshot().containers}
    assert names == {"theirs", "by-hand"}
    again = notebook.start("nb04", engine=client)             # a second run: nothing more to say
    assert capsys.readouterr().out.count("\n") == 1
    # Port 8080 is free again for this lesson.
    again.container("web", command="httpd -f -p 80", ports={80: 8080})


def test_cli_and_sh_show_the_steps(client, environ):
    lab = notebook.start("nb02", engine=client)
    lab.network("front")
    lab.container("web", networks=["front"])
    shown = notebook.cli(lab, 2)
    assert shown == ("$ docker network create --driver bridge front\n"
                     "$ docker run -d --name web --network front busybox sleep 86400")
    assert repr(shown) == str(shown)                          # a cell ending with it shows the text
    assert notebook.cli(lab) == "$ docker run -d --name web --network front busybox sleep 86400"
    with pytest.raises(docker.errors.APIError):
        lab.container("web2", networks=["nowhere"])
    assert notebook.last_cli(lab) == "$ docker run -d --name web2 --network nowhere busybox sleep 86400"
    assert notebook.cli(lab) == "$ docker run -d --name web --network front busybox sleep 86400"
    address = lab.client.containers.get("web").attrs["NetworkSettings"]["Networks"]["front"]["IPAddress"]
    assert notebook.sh(lab, "web", "hostname -i") == f"$ docker exec web hostname -i\n{address}"
    assert notebook.sh(lab, "web", "true") == "$ docker exec web true\n(no output)"
    with pytest.raises(docker.errors.NotFound, match="nope"):
        notebook.sh(lab, "nope", "true")


def test_docker_host_of_clients():
    tcp = docker.DockerClient(base_url="tcp://127.0.0.1:2375", version="1.41")
    assert notebook.docker_host(tcp) == "tcp://127.0.0.1:2375"
    unix = docker.DockerClient(base_url="unix:///run/x/docker.sock", version="1.41")
    assert notebook.docker_host(unix) == "unix:///run/x/docker.sock"
