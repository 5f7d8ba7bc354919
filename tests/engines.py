"""Helpers for tests that run on engines (plain functions; the fixtures are in conftest.py).

    from tests.engines import empty, state, private_engines_unavailable, skip_or_fail, SimDaemon

Engine tests run on the simulator always, and on a real engine when one can run here: a fresh
private dockerd in network namespaces (labkit.hosts). Without one they skip, unless
LABKIT_REQUIRE_DOCKER=1 (CI), which turns the skip into a failure. LABKIT_NO_PRIVATE_ENGINES=1 runs
them as a machine without one would (the conformance scenarios against their golden files only).
"""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time

import docker
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LABKIT = [sys.executable, "-m", "labkit.cli"]   # the `labkit` command of this checkout
REQUIRE_DOCKER = os.environ.get("LABKIT_REQUIRE_DOCKER") == "1"


def private_engines_unavailable() -> str | None:
    """Why fresh private engines (labkit.hosts) cannot start here, or None when they can."""
    from labkit import hosts, images
    if os.environ.get("LABKIT_NO_PRIVATE_ENGINES") == "1":
        return "LABKIT_NO_PRIVATE_ENGINES=1 (the suite as it runs where no real engine can)"
    if os.geteuid() != 0:
        return "private engines need root (network namespaces)"
    if not shutil.which("dockerd", path=hosts.PATH):
        return "private engines need dockerd (apt-get install docker.io)"
    if not os.path.isfile(images.BUSYBOX):
        return "the lab image needs /bin/busybox (apt-get install busybox-static)"
    return None


def skip_or_fail(reason: str):
    """Skip the test for `reason`; under LABKIT_REQUIRE_DOCKER=1, fail it instead."""
    if REQUIRE_DOCKER:
        pytest.fail(f"LABKIT_REQUIRE_DOCKER=1, but {reason}", pytrace=False)
    pytest.skip(reason)


def empty(client: docker.DockerClient) -> None:
    """Remove every container and every user-defined network of an engine."""
    for c in client.api.containers(all=True):
        client.api.remove_container(c["Id"], force=True, v=True)
    for n in client.api.networks():
        if n["Name"] not in ("bridge", "host", "none"):
            client.api.remove_network(n["Id"])


def state(client: docker.DockerClient) -> tuple[list[str], list[str]]:
    """The names of all containers and networks of an engine."""
    return (sorted(c["Names"][0].lstrip("/") for c in client.api.containers(all=True)),
            sorted(n["Name"] for n in client.api.networks()))


# -- `labkit sim serve` as a daemon -------------------------------------------------------------
def labkit_env(**extra) -> dict:
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    env.update(extra)
    return env


def nbval(path) -> subprocess.CompletedProcess:
    """pytest --nbval on one notebook, in its folder, with this checkout's labkit (no cache left)."""
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--nbval",
                           "--nbval-current-env", str(path)], cwd=os.path.dirname(str(path)),
                          env=labkit_env(), capture_output=True, text=True, timeout=180)


class SimDaemon:
    """`labkit sim serve --socket PATH` in a subprocess; a context manager that stops it."""

    def __init__(self, path: str, wrap: list[str] | None = None):
        self.path = path
        self.wrap = list(wrap or [])   # a command it runs under (setpriv ...: with fewer rights)
        self.url = f"unix://{path}"
        self.process: subprocess.Popen | None = None
        self.banner = ""   # the line it prints once it listens
        self.stderr = ""   # what it wrote to stderr, once stopped

    def start(self, timeout: float = 20) -> SimDaemon:
        self.process = subprocess.Popen(
            self.wrap + LABKIT + ["sim", "serve", "--socket", self.path], cwd=ROOT, env=labkit_env(),
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        # The banner is printed once the socket listens.
        self.banner = self.process.stdout.readline()
        deadline = time.monotonic() + timeout
        while not answers(self.path):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"labkit sim serve did not start: {self.banner}{self.stderr}")
            time.sleep(0.01)
        return self

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 10) -> int:
        if self.process.poll() is None:
            self.process.send_signal(sig)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.stderr = self.process.stderr.read()
        self.process.stdout.close()
        self.process.stderr.close()
        return self.process.returncode

    def __enter__(self) -> SimDaemon:
        return self.start()

    def __exit__(self, *exc) -> None:
        if self.process is not None and self.process.returncode is None:
            self.stop()


def answers(path: str) -> bool:
    """Does an engine answer GET /_ping on this socket? (The answer is read to its end: a
    client that hangs up early makes the simulator log a broken pipe.)"""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(2)
        try:
            s.connect(path)
            s.sendall(b"GET /_ping HTTP/1.0\r\n\r\n")
            answer = b""
            while chunk := s.recv(4096):
                answer += chunk
        except OSError:
            return False
    return answer.startswith(b"HTTP/1.") and b" 200 " in answer.split(b"\r\n", 1)[0] + b" "


# -- host sets that code under test starts ---------------------------------------------------------
def host_sets() -> set[str]:
    """The labkit.hosts sets (prefixes) with engines up on this machine now."""
    from labkit import hosts
    try:
        names = os.listdir(hosts.STATE_ROOT)
    except FileNotFoundError:
        return set()
    return {name for name in names if os.path.isdir(os.path.join(hosts.STATE_ROOT, name))
            and hosts.PREFIX_RULE.fullmatch(name) and hosts.list_hosts(name)}


class StopsNewHostSets:
    """A context manager: the host sets started inside it (by a notebook's `labkit.cluster`, say)
    are stopped when it ends. Hold the real-engine lock around it, so that nobody else starts one."""

    def __enter__(self):
        self.before = host_sets()
        return self

    def __exit__(self, *exc) -> None:
        from labkit import hosts
        for prefix in sorted(host_sets() - self.before):
            hosts.stop_hosts(prefix)


def trace_lab(lab) -> None:
    """The single-host cases of labkit.trace (tests/test_trace.py, tests/test_trace_capture.py):
    two bridges, an internal one, one with inter-container traffic off, ports published on
    127.0.0.1 (web) and on all addresses (pub), a host-mode and a none-mode container."""
    lab.network("front", subnet="10.10.0.0/24")
    lab.network("back", subnet="10.20.0.0/24")
    lab.network("inner", subnet="10.30.0.0/24", internal=True)
    lab.network("quiet", subnet="10.40.0.0/24", options={"com.docker.network.bridge.enable_icc": "false"})
    lab.container("web", networks=["front"], ports={80: 8080}, command="httpd -f -p 80")
    lab.container("web2", networks=["front"])
    lab.container("db", networks=["back"])
    lab.container("vault", networks=["inner"])
    lab.container("pub", networks=["back"], ports={"80": ("0.0.0.0", 8081)}, command="httpd -f -p 80")
    lab.container("q1", networks=["quiet"])
    lab.container("q2", networks=["quiet"])
    lab.container("hm", network_mode="host")
    lab.container("nn", network_mode="none")
