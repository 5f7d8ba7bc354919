"""One engine per learner session (labkit/launcher.py): `labkit sim serve --background --exit-with
PID` as ./run.sh lab and binder/start use it, the runtime folder its socket goes in, and how
labkit.connect() and `labkit doctor` then name the engine. Everything runs `python -m labkit.cli`
from this checkout; no real engine is involved.
"""
from __future__ import annotations

import contextlib
import os
import stat
import subprocess
import sys
import time

import docker
import pytest

from labkit import doctor, launcher

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def env_for(tmp_path, **extra) -> dict:
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""),
               XDG_RUNTIME_DIR=str(tmp_path / "run"))
    env.pop("DOCKER_HOST", None)
    env.update(extra)
    return env


def serve_background(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "labkit.cli", "sim", "serve", "--background", *args],
                          capture_output=True, text=True, env=env, timeout=60, check=False)


def gone(path: str, timeout: float = 10) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not os.path.exists(path):
            return True
        time.sleep(0.05)
    return False


@pytest.fixture
def runtime(tmp_path):
    folder = tmp_path / "run"
    folder.mkdir(mode=0o700)
    return folder


def test_background_engine_answers_at_the_printed_url_and_stops_with_its_process(tmp_path, runtime):
    watched = subprocess.Popen(["sleep", "600"])
    try:
        done = serve_background(env_for(tmp_path), "--exit-with", str(watched.pid))
        assert done.returncode == 0, done.stderr
        url = done.stdout.strip()
        path = url.removeprefix("unix://")
        assert url == f"unix://{runtime}/labkit/docker-{watched.pid}.sock"
        assert stat.S_IMODE(os.stat(runtime / "labkit").st_mode) == 0o700
        with contextlib.closing(docker.DockerClient(base_url=url, version="1.41", timeout=10)) as client:
            assert client.networks.create("front").name == "front"
            assert "labkit.sim=true" in client.info()["Labels"]
        assert launcher.answers(path)
    finally:
        watched.kill()
        watched.wait()   # reaped: the daemon sees it has ended
    assert gone(path), "the engine should stop (and remove its socket) once the process it watches ended"


def test_an_unreaped_process_counts_as_ended():
    child = subprocess.Popen(["true"])
    deadline = time.monotonic() + 10
    while launcher.alive(child.pid) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not launcher.alive(child.pid)   # a zombie until wait()
    child.wait()
    assert launcher.alive(os.getpid())


def test_exit_with_a_process_that_does_not_run_is_refused(tmp_path, runtime):
    done = serve_background(env_for(tmp_path), "--exit-with", "999999999")
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr == ("labkit: error: no process 999999999 to exit with: give the PID of a running "
                           "process (in a shell: $$)\n")


def test_without_a_runtime_folder_the_socket_goes_in_a_private_temporary_one(tmp_path):
    env = env_for(tmp_path, TMPDIR=str(tmp_path))
    env.pop("XDG_RUNTIME_DIR")
    watched = subprocess.Popen(["sleep", "600"])
    try:
        done = serve_background(env, "--exit-with", str(watched.pid))
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == f"unix://{tmp_path}/labkit-{os.getuid()}/docker-{watched.pid}.sock"
    finally:
        watched.kill()
        watched.wait()
    assert gone(done.stdout.strip().removeprefix("unix://"))


def test_a_folder_others_may_enter_is_refused(tmp_path, monkeypatch):
    monkeypatch.delenv("XDG_RUNTIME_DIR", raising=False)
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    import tempfile
    monkeypatch.setattr(tempfile, "tempdir", None)   # read TMPDIR again
    shared = tmp_path / f"labkit-{os.getuid()}"
    shared.mkdir(mode=0o777)
    os.chmod(shared, 0o777)
    with pytest.raises(launcher.LaunchError, match="is not a private folder of yours"):
        launcher.runtime_folder()


def test_a_daemon_that_cannot_start_says_why(tmp_path, runtime):
    plain = tmp_path / "notes.txt"
    plain.write_text("mine")
    done = serve_background(env_for(tmp_path), "--socket", str(plain))
    assert done.returncode == 1 and done.stdout == ""
    assert "is not a socket" in done.stderr and done.stderr.count("\n") == 1
    assert plain.read_text() == "mine"


@pytest.fixture
def shared_engine(tmp_path, runtime, monkeypatch):
    """A background engine watching a process of this test's (ended at the end, which stops the
    engine), with DOCKER_HOST pointing at it."""
    watched = subprocess.Popen(["sleep", "600"])
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(runtime))
    try:
        url = launcher.start_background(exit_with=watched.pid)
        monkeypatch.setenv("DOCKER_HOST", url)
        monkeypatch.setenv("LABKIT_ENGINE", "auto")
        yield url
    finally:
        watched.kill()
        watched.wait()
    assert gone(url.removeprefix("unix://"))


def test_connect_recognises_the_shared_simulator(shared_engine, capsys):
    import labkit
    client = labkit.connect()
    try:
        assert labkit.is_simulated(client)
        assert capsys.readouterr().out == (f"labkit: using labkit's simulated engine at {shared_engine}, shared "
                                           f"with `docker` in cells and terminals\n")
        client.networks.create("seen-by-all")
        with contextlib.closing(docker.DockerClient(base_url=shared_engine, version="1.41")) as other:
            assert "seen-by-all" in [n.name for n in other.networks.list()]   # one engine, not one per client
    finally:
        client.close()


def test_a_simulated_session_gets_simulated_hosts(shared_engine):
    """cluster()'s "auto" follows the session: on the simulator, simulated hosts (never real
    engines in namespaces, even as root with dockerd)."""
    import labkit
    assert labkit.engines.session_is_simulated()
    with labkit.cluster(2, progress=False) as hosts:
        assert hosts.engine == "sim" and hosts.names == ["host1", "host2"]


def test_doctor_names_the_shared_simulator(shared_engine):
    report = doctor.diagnose(kernel=False)
    assert (report.engine, report.docker_answers, report.docker_simulated) == ("sim", True, True)
    assert report.why == (f"it answers at {shared_engine} (`labkit sim serve`): notebooks, `docker` in cells "
                          f"and terminals share it")
    assert report.engine_version_text == "labkit's simulator (models Docker Engine 20.10.24)"
    assert report.text(short=True) == f"labkit: engine sim, labkit's simulator (models Docker Engine 20.10.24): {report.why}"
    assert f"real engine  none at {shared_engine}: labkit's simulator answers there" in report.text()


def test_unless_an_engine_answers_starts_none_beside_one_that_does(shared_engine, tmp_path):
    env = env_for(tmp_path, DOCKER_HOST=shared_engine)
    done = serve_background(env, "--exit-with", str(os.getpid()), "--unless-an-engine-answers")
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")
    assert os.listdir(tmp_path / "run" / "labkit") == [os.path.basename(shared_engine)]


def test_unless_an_engine_answers_starts_one_where_none_does(tmp_path, runtime):
    watched = subprocess.Popen(["sleep", "600"])
    try:
        env = env_for(tmp_path, DOCKER_HOST=f"unix://{tmp_path}/nothing.sock")
        done = serve_background(env, "--exit-with", str(watched.pid), "--unless-an-engine-answers")
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == f"unix://{runtime}/labkit/docker-{watched.pid}.sock"
    finally:
        watched.kill()
        watched.wait()
    assert gone(done.stdout.strip().removeprefix("unix://"))


def test_binder_start_exports_the_shared_engine_to_what_it_runs(tmp_path, runtime):
    """binder/start as repo2docker runs it: `labkit` on the PATH, the server as its arguments."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    shim = bin_dir / "labkit"
    shim.write_text(f"#!/bin/sh\nexec {sys.executable} -m labkit.cli \"$@\"\n")
    shim.chmod(0o755)
    env = env_for(tmp_path, PATH=f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    env.pop("LABKIT_ENGINE", None)
    probe = ("import os, docker; c = docker.DockerClient(base_url=os.environ['DOCKER_HOST'], version='1.41'); "
             "print(os.environ['DOCKER_HOST'], os.environ.get('LABKIT_ENGINE'), 'labkit.sim=true' in c.info()['Labels'])")
    done = subprocess.run(["bash", os.path.join(ROOT, "binder", "start"), sys.executable, "-c", probe],
                          capture_output=True, text=True, env=env, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    url, engine, simulated = done.stdout.split()
    assert url.startswith(f"unix://{runtime}/labkit/docker-") and (engine, simulated) == ("None", "True")
    assert gone(url.removeprefix("unix://")), "the engine should stop with the server it was started for"
