"""Picking an engine: the real Docker engine, or labkit's simulated one. Either way, a plain
`docker.DockerClient` comes back, so everything above talks to both through the same protocol.

    labkit.connect("docker")  # the real engine: DOCKER_HOST honoured, API version negotiated
    labkit.connect("sim")     # labkit's simulated engine, in this process, on a private socket
    labkit.connect()          # "auto": the real engine when one answers, else the simulator

Several hosts: `labkit.cluster(n)`. A host can be taken down and brought back
(`Cluster.stop_host(name)`, `Cluster.start_host(name)`) to see what a swarm does when a host
fails; `Cluster.nodes()` is the swarm's node list as a manager sees it, `Cluster.answering()` the
hosts whose engines answer.

Engine handles (`handle(client)`, `Cluster.engines`): one engine as labkit holds it: its client,
its address, and for the engines labkit runs itself (its simulator, real engines in namespaces)
`closed`, `stop()` and `start()`. Nothing above this module reaches into docker-py's or the
simulator's private attributes: what they need is here.

Progress (starting hosts takes seconds on a real engine) is a callback, `progress(line)`: this
module shows nothing itself (labkit.cluster, the package's face, passes a notebook widget).
"""
from __future__ import annotations

import atexit
import os
import re
import threading
import time
from collections.abc import Sequence

import docker
import requests.exceptions

from .errors import EngineUnavailable, LabkitError

ENGINES = ("auto", "docker", "sim")

_sim_lock = threading.Lock()
_sim_server = None  # the simulated engine this process serves, started on first use


def sim_server():
    """The in-process simulated engine (started on first use, then reused). If it was closed
    (a test of what happens when the engine stops, or the learner's own code), the same engine,
    with all it held, is served again at the same socket: clients bound to it work again."""
    global _sim_server
    with _sim_lock:
        if _sim_server is None:
            from . import sim
            _sim_server = sim.serve()
            atexit.register(_close_sim_server)   # its socket and private folder go with the process
        elif _sim_server.closed:
            _sim_server = serve_again(_sim_server)
        return _sim_server


def _close_sim_server() -> None:
    with _sim_lock:
        if _sim_server is not None and not _sim_server.closed:
            _sim_server.close()


def sim_server_closed() -> bool:
    """True when this process's simulated engine was started and has been closed since."""
    return _sim_server is not None and _sim_server.closed


def serve_again(server):
    """A closed simulated engine served again: the same engine (world and host) at its socket."""
    from . import sim
    folder = os.path.dirname(server.path)
    made = not os.path.isdir(folder)
    if made:                          # its own private folder went with it: make it again
        os.makedirs(folder, mode=0o700)
    return sim.SimServer(server.engine, server.path, own_folder=server.own_folder or made).start()


def socket_path(client: docker.DockerClient) -> str | None:
    """The unix socket a client talks to, or None (tcp://, ssh://): docker-py mounts a transport
    adapter for its base URL, which knows the socket's path."""
    try:
        adapter = client.api.get_adapter(client.api.base_url)
    except requests.exceptions.InvalidSchema:
        return None
    return getattr(adapter, "socket_path", None)


def serves_in_process(client: docker.DockerClient) -> bool:
    """True when the client talks to this process's own simulated engine (`connect("sim")`)."""
    return _sim_server is not None and socket_path(client) == _sim_server.path


# -- engine handles ---------------------------------------------------------------------------------
class Engine:
    """One engine as labkit holds it: `client` (a docker.DockerClient) and `address` (its socket
    as unix://PATH, or its URL). An engine labkit did not start (`labkit_runs` False) can be
    neither stopped nor started: `closed` is always False for it."""

    labkit_runs = False

    def __init__(self, client: docker.DockerClient):
        self.client = client
        path = socket_path(client)
        self.address = f"unix://{path}" if path else client.api.base_url

    def __repr__(self) -> str:
        return f"<{type(self).__name__} at {self.address}>"

    @property
    def closed(self) -> bool:
        """True while an engine labkit runs is stopped (stop(), or closed by other code)."""
        return False

    def stop(self, crash: bool = False) -> None:
        raise LabkitError(f"cannot stop the engine at {self.address}: labkit did not start it")

    def start(self) -> None:
        raise LabkitError(f"cannot start the engine at {self.address}: labkit did not start it")

    @property
    def underlay_ip(self) -> str | None:
        """Its host's address on the cluster's underlay, where labkit made the underlay."""
        return None

    def call(self, method: str, path: str, body=None):
        """One request to the engine's API outside docker-py's calls (labkit's own extension on
        its simulator, `POST /labkit/reach`): the JSON it answers; the engine's refusal raised as
        docker-py raises it (docker.errors.APIError, NotFound, ...)."""
        api = self.client.api
        response = api.request(method, api.base_url + path, json=body, timeout=api.timeout)
        try:
            response.raise_for_status()
        except requests.exceptions.HTTPError as e:
            raise docker.errors.create_api_error_from_http_exception(e) from None
        return response.json()


class ProcessSimulator(Engine):
    """This process's own simulated engine (`connect("sim")`): stopped by anyone, started again
    by whoever needs it next, the same engine with all it held, at the same socket."""

    labkit_runs = True

    @property
    def closed(self) -> bool:
        return sim_server_closed()

    def stop(self, crash: bool = False) -> None:
        _close_sim_server()

    def start(self) -> None:
        sim_server()

    @property
    def underlay_ip(self) -> str | None:
        return _underlay_of(_sim_server)


class SimulatedHost(Engine):
    """One host of a simulated cluster, served on its own socket. Stopped, its host is down in the
    shared world (its containers end, its swarm node is down); started, it is back."""

    labkit_runs = True

    def __init__(self, client: docker.DockerClient, server, name: str):
        self.server, self.name = server, name
        super().__init__(client)

    @property
    def closed(self) -> bool:
        return self.server.closed

    @property
    def world(self):
        return self.server.engine.host.world

    def stop(self, crash: bool = False) -> None:
        if self.closed:
            return
        self.world.take_down(self.name)
        self.server.close()
        self.client.api.close()          # its open connections go with the engine

    def start(self) -> None:
        if not self.closed:
            return
        self.server = serve_again(self.server)
        self.world.bring_up(self.name)

    @property
    def underlay_ip(self) -> str | None:
        return _underlay_of(self.server)


class NamespaceHost(Engine):
    """A real engine labkit started in a network namespace (labkit.hosts): stopped, its dockerd
    stops (or is killed: crash=True) and its underlay port goes down; started, it runs again on
    the same data."""

    labkit_runs = True

    def __init__(self, client: docker.DockerClient, host):
        self.host = host
        super().__init__(client)

    def stop(self, crash: bool = False) -> None:
        self.host.halt(kill=crash)

    def start(self) -> None:
        self.host.resume()

    @property
    def underlay_ip(self) -> str | None:
        return self.host.underlay_ip


def _underlay_of(server) -> str | None:
    """A simulated host's address on the underlay (None: it has no underlay)."""
    address = server.engine.host.underlay_ip if server is not None else None
    return str(address) if address else None


def handle(client: docker.DockerClient) -> Engine:
    """The handle of the engine a client talks to: this process's simulator, a real engine labkit
    started in a namespace (known by its socket), or another engine."""
    if serves_in_process(client):
        return ProcessSimulator(client)
    from . import hosts
    host = hosts.host_at(socket_path(client) or "")
    return NamespaceHost(client, host) if host is not None else Engine(client)


def docker_client(timeout: int = 60) -> docker.DockerClient:
    """The real engine, as docker-py finds it (DOCKER_HOST, DOCKER_TLS_VERIFY, ...)."""
    try:
        client = docker.from_env(timeout=timeout)
        client.ping()
    except docker.errors.DockerException as e:
        where = os.environ.get("DOCKER_HOST") or "unix:///var/run/docker.sock"
        raise EngineUnavailable(
            f"no Docker engine answers at {where}: {e}. Start one (`dockerd &` as root), or use "
            f"labkit's simulated engine: labkit.connect('sim')") from None
    return client


def engine_answers(timeout: float = 2.0) -> bool:
    try:
        client = docker.from_env(timeout=timeout)
        try:
            return bool(client.ping())
        finally:
            client.close()
    except Exception:  # any failure to reach it means: no engine here
        return False


def engine_asked(engine: str | None) -> str:
    """The engine asked for, "auto", "docker" or "sim": LABKIT_ENGINE overrides "auto" (a
    notebook's default); anything else is refused."""
    if engine is not None and not isinstance(engine, str):
        raise LabkitError(f"unknown engine {_shown(engine)}: use one of {', '.join(ENGINES)}")
    engine = (engine or "auto").strip().lower()
    if engine == "auto":
        engine = (os.environ.get("LABKIT_ENGINE") or "auto").strip().lower()
    if engine not in ENGINES:
        raise LabkitError(f"unknown engine {_shown(engine)}: use one of {', '.join(ENGINES)}")
    return engine


def connect(engine: str | None = None, quiet: bool = False) -> docker.DockerClient:
    """A docker.DockerClient for the engine asked for ("auto", "docker" or "sim").

    With no argument, LABKIT_ENGINE decides, else "auto": the real engine when one answers, else
    the simulator; "auto" says which it picked unless quiet.
    """
    engine = engine_asked(engine)
    if engine == "auto":
        if engine_answers():
            client = docker_client()
            if not quiet:
                where = os.environ.get("DOCKER_HOST") or client.api.base_url
                print(f"labkit: using labkit's simulated engine at {where}, shared with `docker` in cells "
                      f"and terminals" if is_simulated(client) else
                      f"labkit: using the real Docker engine ({client.api.base_url})")
            return client
        if not quiet:
            print("labkit: no Docker engine answers here, so using labkit's simulated engine")
        engine = "sim"
    if engine == "docker":
        return docker_client()
    server = sim_server()
    return docker.DockerClient(base_url=server.url, version="1.41", timeout=60)


def session_is_simulated() -> bool:
    """True when DOCKER_HOST names labkit's simulator: the engine a launcher started for this
    session (`labkit sim serve --background`), which notebooks and terminals share."""
    if not os.environ.get("DOCKER_HOST"):
        return False
    try:
        client = docker.from_env(timeout=2)
    except docker.errors.DockerException:
        return False
    try:
        return is_simulated(client)
    finally:
        client.close()


def is_simulated(client: docker.DockerClient) -> bool:
    """True when the client talks to a labkit simulated engine: in this process, or another's
    (`labkit sim serve`, the lab's shared engine), as the engine says of itself (`docker info`)."""
    try:
        return "labkit.sim=true" in (client.info().get("Labels") or [])
    except docker.errors.DockerException:
        return False


class Cluster(Sequence):
    """Several hosts on one underlay, one docker.DockerClient each (cluster[0] is host1).

    `engines`: their handles (labkit.engines.Engine). `close()` removes whatever the cluster
    started (simulated engines, or real engines in namespaces); engines given by URL are only
    disconnected. Also a context manager.
    """

    def __init__(self, engines: list[Engine], names: list[str], engine: str, closer=None):
        self.engines = engines
        self.clients = [e.client for e in engines]
        self.names = names
        self.engine = engine
        self._closer = closer
        self.closed = False

    def __getitem__(self, i):
        return self.clients[i]

    def __len__(self) -> int:
        return len(self.clients)

    def __repr__(self) -> str:
        return f"<Cluster of {len(self)} {self.engine} hosts: {', '.join(self.names)}>"

    def client(self, name: str) -> docker.DockerClient:
        return self.clients[self.names.index(name)]

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        for c in self.clients:
            c.close()
        if self._closer is not None:
            self._closer()

    def __enter__(self) -> "Cluster":
        return self

    # -- hosts going down and coming back ----------------------------------------------------------
    def _index(self, host: str | int) -> int:
        if isinstance(host, int) and not isinstance(host, bool) and 0 <= host < len(self):
            return host
        if isinstance(host, str) and host in self.names:
            return self.names.index(host)
        raise LabkitError(f"this cluster has no host {host!r}: its hosts are {', '.join(self.names)} "
                          f"(or their numbers 0 to {len(self) - 1})")

    def _own_host(self, host, doing: str) -> Engine:
        i = self._index(host)
        own = self.engines[i]
        if not own.labkit_runs or self.closed:
            raise LabkitError(f"cannot {doing} {self.names[i]}: labkit did not start this cluster's engines"
                              if not own.labkit_runs else f"cannot {doing} {self.names[i]}: the cluster is closed")
        return own

    def stop_host(self, host: str | int, crash: bool = False) -> None:
        """Take a host down, as if its machine stopped: its engine stops answering and, in a
        swarm, the managers mark its node "down" once its heartbeats stop (a real engine: after
        about 15 s). The host's state is kept: `start_host` brings it back. crash=True kills a
        real engine (SIGKILL) instead of stopping it."""
        self._own_host(host, "stop").stop(crash=crash)

    def start_host(self, host: str | int) -> None:
        """Bring a host taken down by `stop_host` back: the same engine, with its networks and its
        (stopped) containers; in a swarm it reports to the managers again."""
        self._own_host(host, "start").start()

    def answering(self) -> list[str]:
        """The hosts whose engines answer now."""
        up = []
        for name, client in zip(self.names, self.clients, strict=True):
            try:
                client.api.ping()
                up.append(name)
            except (docker.errors.DockerException, requests.exceptions.RequestException, ConnectionError):
                pass
        return up

    def nodes(self) -> list[dict]:
        """The swarm's nodes as the first manager that answers lists them (`docker node ls`):
        [{"host", "role", "state" (ready, down, unknown), "availability", "message"}]. Empty
        when no host is in a swarm, or no manager answers."""
        for name in self.answering():
            client = self.clients[self.names.index(name)]
            try:
                if not (client.info().get("Swarm") or {}).get("ControlAvailable"):
                    continue
                listed = client.api.nodes()
            except (docker.errors.DockerException, requests.exceptions.RequestException, ConnectionError):
                continue
            return sorted(({"host": (n.get("Description") or {}).get("Hostname", ""),
                            "role": (n.get("Spec") or {}).get("Role", ""),
                            "state": (n.get("Status") or {}).get("State", ""),
                            "availability": (n.get("Spec") or {}).get("Availability", ""),
                            "message": (n.get("Status") or {}).get("Message", "")} for n in listed),
                          key=lambda n: n["host"])
        return []

    def __exit__(self, *exc) -> None:
        self.close()


def cluster(hosts: int | Sequence[str], engine: str | None = None, prefix: str = "lk", progress=None) -> Cluster:
    """Several hosts on one underlay: `cluster(3, engine="sim")`, `cluster(2, engine="docker")`
    (real engines in network namespaces on this Linux machine, as root), or
    `cluster(["tcp://10.0.0.5:2375", "ssh://lab@host2"])` (existing engines elsewhere).

    Every kind of host has its underlay on eth0, so `swarm.init(advertise_addr="eth0")` works.
    engine: "sim", "docker" or "auto" (default: LABKIT_ENGINE, else real hosts where this machine
    can start them, else the simulator).
    progress: called with a line for each step of starting hosts (`print`, say), which matters on
    real hosts: they take seconds each. None (or False): nothing is said. (`labkit.cluster` shows
    them in a widget in a notebook's cell.)
    """
    if isinstance(hosts, (list, tuple)):
        return _cluster_of_urls(list(hosts))
    n = check_cluster_size(hosts)
    engine = engine_asked(engine)
    if engine == "auto":
        # A session on labkit's simulator (./run.sh lab, Binder) gets simulated hosts too; otherwise
        # real hosts need root and dockerd (labkit doctor says what is missing).
        from . import hosts as hostmod
        engine = "sim" if session_is_simulated() or hostmod.can_start_hosts() is not None else "docker"
    started_at = time.monotonic()
    say = progress or (lambda line: None)
    names = [f"host{i}" for i in range(1, n + 1)]
    if engine == "sim":
        from . import sim
        world = sim.World()
        servers = [sim.serve(world, world.add_host(name)) for name in names]
        handles = [SimulatedHost(docker.DockerClient(base_url=s.url, version="1.41", timeout=60), s, name)
                   for s, name in zip(servers, names, strict=True)]

        def close_sim():   # stop_host/start_host replace a host's server: close the current ones
            for h in handles:
                if not h.server.closed:
                    h.server.close()
        made = Cluster(handles, names, "sim", close_sim)
        atexit.register(made.close)   # simulated hosts end with the process (real ones outlive it)
        say(f"{n} simulated host{'s' * (n > 1)} up, each with its own engine socket, on one underlay")
        return made
    from . import hosts as hostmod
    try:
        started = hostmod.start_hosts(n, prefix=prefix, progress=say)
    except BaseException as e:
        say(f"failed: {e}")
        raise
    say(f"{n} host{'s' * (n > 1)} up in {time.monotonic() - started_at:.1f} s")
    return Cluster([NamespaceHost(h.client(), h) for h in started], [h.name for h in started], "docker",
                   lambda: hostmod.stop_hosts(prefix))


def check_cluster_size(hosts) -> int:
    """The number of hosts asked for, 1 to 9, or LabkitError."""
    if isinstance(hosts, bool) or not isinstance(hosts, int) or not 1 <= hosts <= 9:
        raise LabkitError(f"a cluster has 1 to 9 hosts (a number), or is a list of engine URLs: "
                          f"not {_shown(hosts)}")
    return hosts


# Engine URLs as docker-py takes them. Checked before any connection is tried.
_HOST = r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]+\])"
ENGINE_URL = re.compile(rf"tcp://{_HOST}:(?P<port>[0-9]{{1,5}})|ssh://(?:[A-Za-z0-9._-]+@)?{_HOST}(?::(?P<sshport>[0-9]{{1,5}}))?"
                        r"|unix://(?P<path>/[^\0\s]*)", re.ASCII)


def check_engine_url(url) -> str:
    """An engine URL (tcp://HOST:PORT, ssh://[USER@]HOST[:PORT], unix:///PATH), or LabkitError."""
    m = ENGINE_URL.fullmatch(url) if isinstance(url, str) and len(url) <= 1024 else None
    port = m and (m.group("port") or m.group("sshport"))
    if not m or (port and not 1 <= int(port) <= 65535):
        raise LabkitError(f"not an engine URL: {_shown(url)} (use tcp://HOST:PORT, ssh://USER@HOST or unix:///PATH)")
    return url


def _shown(value, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else f"{text[:limit - 10]}...{text[-6:]} ({len(text)} characters)"


def _cluster_of_urls(urls: list[str]) -> Cluster:
    if not urls or len(urls) > 9:
        raise LabkitError(f"a cluster has 1 to 9 hosts: give 1 to 9 engine URLs, not {len(urls)}")
    for url in urls:
        check_engine_url(url)
    clients, names = [], []
    for url in urls:
        client = None
        try:
            # ssh:// goes through the machine's own ssh command (no paramiko needed).
            client = docker.DockerClient(base_url=url, version="auto", timeout=30,
                                         use_ssh_client=url.startswith("ssh://"))
            names.append(client.info()["Name"])
        except UNREACHABLE as e:
            for c in clients + ([client] if client is not None else []):
                c.close()
            raise EngineUnavailable(f"the engine at {url} does not answer: {e}") from None
        clients.append(client)
    return Cluster([Engine(c) for c in clients], names, "docker")


try:   # docker-py reaches ssh:// engines with paramiko, whose errors are its own
    from paramiko.ssh_exception import SSHException as _SSHException
except ImportError:  # pragma: no cover - paramiko is optional
    class _SSHException(Exception):
        pass
UNREACHABLE = (docker.errors.DockerException, requests.exceptions.RequestException, OSError, _SSHException)
