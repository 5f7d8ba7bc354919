"""Load on an engine's socket, for tests/test_sim_load.py and bench/sim_load.py: many docker-py
clients at once making the calls a class makes, and what misbehaving clients do.

    result = mixed_load("unix:///path/docker.sock", clients=50, seconds=3)
    result.calls, result.errors, result.lost, result.p95

Each client (a thread with its own docker-py client, so its own connections) repeats a round
until the time is up: create a network (its own subnet), run a container on it, inspect both,
list, ping, exec a command, then remove them, except every third round, whose objects it keeps.
At the end the engine must hold exactly the kept objects (none lost, none left over), found by
their labels.
"""
from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass, field

import docker

LABEL = "labkit.load"


@dataclass
class LoadResult:
    clients: int
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    lost: list[str] = field(default_factory=list)       # kept objects the engine no longer has
    extra: list[str] = field(default_factory=list)      # removed objects the engine still has

    @property
    def calls(self) -> int:
        return len(self.latencies)

    @property
    def rps(self) -> float:
        return self.calls / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        if not self.latencies:
            return 0.0
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]

    @property
    def p50(self) -> float:
        return self.percentile(50)

    @property
    def p95(self) -> float:
        return self.percentile(95)


class Client:
    """One learner's client: docker-py calls, each timed."""

    def __init__(self, url: str, number: int, result: LoadResult, lock: threading.Lock):
        self.api = docker.APIClient(base_url=url, version="1.41", timeout=30)
        self.number = number
        self.result = result
        self.lock = lock
        self.latencies: list[float] = []
        self.kept: set[str] = set()
        self.removed: set[str] = set()

    def call(self, fn, *args, **kwargs):
        start = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            self.latencies.append(time.perf_counter() - start)

    def round(self, k: int) -> None:
        a, name = self.api, f"load{self.number}-{k}"
        labels = {LABEL: str(self.number)}
        net = self.call(a.create_network, name, ipam=docker.types.IPAMConfig(
            pool_configs=[docker.types.IPAMPool(subnet=f"10.{self.number % 250}.{k % 256}.0/24")]),
            labels=labels)["Id"]
        ctr = self.call(a.create_container, "busybox", "sleep 600", name=name, labels=labels,
                        host_config=a.create_host_config(network_mode=name))["Id"]
        self.call(a.start, ctr)
        self.call(a.inspect_network, net)
        self.call(a.inspect_container, ctr)
        self.call(a.containers, filters={"label": f"{LABEL}={self.number}"})
        self.call(a.networks, filters={"label": f"{LABEL}={self.number}"})
        self.call(a.ping)
        exec_id = self.call(a.exec_create, ctr, "hostname")["Id"]
        self.call(a.exec_start, exec_id)
        if k % 3 == 2:
            self.kept |= {name}
            return
        self.call(a.remove_container, ctr, force=True)
        self.call(a.remove_network, net)
        self.removed |= {name}

    def run(self, deadline: float) -> None:
        k = 0
        try:
            while time.monotonic() < deadline:
                self.round(k)
                k += 1
        except Exception as e:   # noqa: BLE001 - every failure is counted, with its client
            with self.lock:
                self.result.errors.append(f"client {self.number}, round {k}: {type(e).__name__}: {e}")
        finally:
            with self.lock:
                self.result.latencies += self.latencies


def mixed_load(url: str, clients: int = 50, seconds: float = 3.0, first: int = 0) -> LoadResult:
    """`clients` clients (numbered from `first`) for `seconds`, then the check of their objects."""
    result = LoadResult(clients)
    lock = threading.Lock()
    workers = [Client(url, i, result, lock) for i in range(first, first + clients)]
    start = time.monotonic()
    threads = [threading.Thread(target=w.run, args=(start + seconds,)) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    result.seconds = time.monotonic() - start
    check_objects(url, workers, result)
    for w in workers:
        w.api.close()
    return result


def check_objects(url: str, workers: list[Client], result: LoadResult) -> None:
    """The engine holds exactly what the clients kept."""
    api = docker.APIClient(base_url=url, version="1.41", timeout=30)
    names = {c["Names"][0].lstrip("/") for c in api.containers(all=True, filters={"label": LABEL})}
    nets = {n["Name"] for n in api.networks(filters={"label": LABEL})}
    kept = set().union(*(w.kept for w in workers))
    removed = set().union(*(w.removed for w in workers))
    result.lost = sorted((kept - names) | (kept - nets))
    result.extra = sorted((removed & names) | (removed & nets))
    api.close()


def clean(url: str) -> None:
    """Remove what a load left (by its label)."""
    api = docker.APIClient(base_url=url, version="1.41", timeout=30)
    for c in api.containers(all=True, filters={"label": LABEL}):
        api.remove_container(c["Id"], force=True)
    for n in api.networks(filters={"label": LABEL}):
        api.remove_network(n["Id"])
    api.close()


# -- misbehaving clients ------------------------------------------------------------------------------------
class Misbehaviour:
    """Connections that send nothing, half a request, or bytes one at a time (slowloris), held
    open while other clients work; and bursts of garbage. A context manager: closed at the end."""

    def __init__(self, path: str, idle: int = 20, half: int = 20, slow: int = 10):
        self.path = path
        self.counts = {"idle": idle, "half": half, "slow": slow}
        self.sockets: list[socket.socket] = []
        self.stop = threading.Event()
        self.threads: list[threading.Thread] = []

    def connect(self) -> socket.socket:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(5)
        s.connect(self.path)
        self.sockets.append(s)
        return s

    def __enter__(self) -> Misbehaviour:
        for _ in range(self.counts["idle"]):
            self.connect()
        for _ in range(self.counts["half"]):
            self.connect().sendall(b"POST /v1.41/networks/create HTTP/1.1\r\nHost: docker\r\nContent-Le")
        for _ in range(self.counts["slow"]):
            t = threading.Thread(target=self.drip, args=(self.connect(),), daemon=True)
            t.start()
            self.threads.append(t)
        return self

    def drip(self, s: socket.socket) -> None:
        """A request one byte every 0.2 s, never finished in time."""
        data = b"GET /v1.41/info HTTP/1.1\r\nHost: docker\r\nX-Slow: " + b"a" * 1000
        for byte in data:
            if self.stop.wait(0.2):
                return
            try:
                s.sendall(bytes([byte]))
            except OSError:
                return

    def __exit__(self, *exc) -> None:
        self.stop.set()
        for t in self.threads:
            t.join(2)
        for s in self.sockets:
            s.close()


def garbage(path: str, rounds: int = 20) -> list[bytes]:
    """Bad requests of every kind, each on its own connection: the first line of each answer."""
    sends = [b"GARBAGE\r\n\r\n", b"\x16\x03\x01\x00\xff" * 10, b"\x00" * 100, b"GET / HTTP/9.9\r\n\r\n",
             b"POST /v1.41/networks/create HTTP/1.1\r\nHost: d\r\nContent-Length: 5\r\n\r\n{\"Na",
             b"POST /v1.41/networks/create HTTP/1.1\r\nHost: d\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
             b"GET /v1.41/_ping HTTP/1.1\r\nHost: d\r\n" + b"X: y\r\n" * 30000 + b"\r\n"]
    firsts = []
    for i in range(rounds):
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(10)
            s.connect(path)
            try:
                s.sendall(sends[i % len(sends)])
                s.shutdown(socket.SHUT_WR)
                answer = b""
                while chunk := s.recv(65536):
                    answer += chunk
            except OSError:
                answer = b"(reset)"
            firsts.append(answer.split(b"\r\n", 1)[0])
    return firsts
