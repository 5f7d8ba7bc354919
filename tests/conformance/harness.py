"""The conformance harness: run one scenario on an engine and record what it observes.

A scenario is plain docker-py code (high-level `env.client`, low-level `env.api`) that records
observations through the Recorder: whole inspect documents, command results, errors. The same
scenario runs on labkit's simulated engine and on a fresh real engine (its own network namespace,
data root and socket: labkit.hosts.fresh_engine), and the two observation lists are compared
after normalisation.

Normalised, because they cannot agree by nature: IDs (replaced by tokens in order of first
appearance, so the same structure gives the same tokens), timestamps, PIDs, round-trip times,
random MAC addresses of host-side interfaces and what is derived from them (veth names, IPv6
link-local addresses), file system paths of the data root, the ephemeral ports of connections.
Compared as they are: addresses, interfaces and their indexes, routes, DNS answers, reachability,
command output, exit codes, HTTP statuses and error texts.
"""
from __future__ import annotations

import ipaddress
import json
import re
import shlex
import time
from dataclasses import dataclass, field
from typing import Callable

import docker

HEX64 = re.compile(r"\b[0-9a-f]{64}\b")
HEX12 = re.compile(r"(?<![0-9a-zA-Z])[0-9a-f]{12}(?![0-9a-zA-Z])")  # also after "_" (gateway_<id>)
SWARM_ID = re.compile(r"\b(?=[a-z0-9]*[0-9])(?=[a-z0-9]*[a-z])[a-z0-9]{25}\b")  # swarm objects: 25 base-36
JOIN_TOKEN = re.compile(r"SWMTKN-1-[a-z0-9]+-[a-z0-9]+")
EMBEDDED_DNS_PORT = re.compile(r"127\.0\.0\.11:\d+(?= )")  # the embedded DNS server's random ports (netstat)
# netstat's lines of connections (not listening sockets): the kernel picks the connecting side's
# local port at random from 32768-60999 (net.ipv4.ip_local_port_range)
CONNECTION = re.compile(r"^(tcp|udp)6? .*\b(ESTABLISHED|TIME_WAIT|CLOSE_WAIT|FIN_WAIT[12]|SYN_SENT|LAST_ACK)\b.*$", re.M)
EPHEMERAL_PORT = re.compile(r":(3[2-9]\d{3}|[45]\d{4}|60\d{3})(?= )")
TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)")
PING_TIME = re.compile(r"time=[0-9.]+ ms")
PROBE_TIME = re.compile(r"\b[0-9]+\.[0-9]+ ms\b")
ROUND_TRIP = re.compile(r"round-trip min/avg/max = [0-9.]+/[0-9.]+/[0-9.]+ ms")
VETH = re.compile(r"\bveth[0-9a-f]{7}\b")
MAC = re.compile(r"\b([0-9a-f]{2}(?::[0-9a-f]{2}){5})\b")
LINK_LOCAL = re.compile(r"fe80::[0-9a-f:]+/64")
DURATION = re.compile(r"^(Up|Exited \(\d+\)) (.*?)( ago)?$")


@dataclass
class Scenario:
    name: str
    fn: Callable
    doc: str
    covers: tuple[str, ...] = ()
    hosts: int = 1
    # Documented-only: the kernel of these machines cannot run it (no IPVS, no ESP). The real
    # engine is not asked; the scenario checks the simulator against Docker's documentation.
    documented_only: str = ""


SCENARIOS: dict[str, Scenario] = {}


def scenario(*covers: str, hosts: int = 1, documented_only: str = ""):
    """Register a scenario; `covers` names the items of the engine's behaviour it checks, hosts
    how many engines it needs (they are host1..hostN on one underlay)."""
    def deco(fn):
        name = fn.__name__.removeprefix("s_")
        SCENARIOS[name] = Scenario(name, fn, (fn.__doc__ or "").strip(), covers, hosts, documented_only)
        return fn
    return deco


@dataclass
class Recorder:
    client: docker.DockerClient
    engine: str
    observations: list = field(default_factory=list)
    clients: list = field(default_factory=list)
    label: str = ""

    @property
    def api(self) -> docker.APIClient:
        return self.client.api

    def on(self, n: int) -> "Recorder":
        """The same recording, through host n's engine (1-based)."""
        return Recorder(self.clients[n - 1], self.engine, self.observations, self.clients, f"host{n}: ")

    def wait(self, what: Callable[[], bool], timeout: float = 20.0) -> bool:
        """Wait for something the real engine does in the background (a service's tasks)."""
        deadline = time.monotonic() + timeout
        while not what():
            if time.monotonic() > deadline:
                return False
            time.sleep(0.1)
        return True

    def note(self, key: str, value) -> None:
        self.observations.append((self.label + key, value))

    def exec(self, container: str, cmd, key: str | None = None) -> dict:
        """Run cmd in container (docker exec) and record exit code, stdout and stderr."""
        argv = cmd if isinstance(cmd, list) else ["sh", "-c", cmd] if any(ch in cmd for ch in "|&;>") else shlex.split(cmd)
        eid = self.api.exec_create(container, argv)["Id"]
        out, err = self.api.exec_start(eid, demux=True)
        code = self.api.exec_inspect(eid)["ExitCode"]
        res = {"exit": code, "stdout": (out or b"").decode(errors="replace"),
               "stderr": (err or b"").decode(errors="replace")}
        self.note(key or f"exec {container}: {cmd}", res)
        return res

    def attempt(self, key: str, fn: Callable, *args, **kwargs):
        """Call fn and record either success or the engine's error (class, status, text)."""
        try:
            result = fn(*args, **kwargs)
        except docker.errors.APIError as e:
            self.note(key, {"error": type(e).__name__, "status": e.status_code, "message": e.explanation})
            return None
        self.note(key, {"ok": summarize(result)})
        return result

    def container(self, name: str, key: str | None = None) -> dict:
        data = self.api.inspect_container(name)
        self.note(key or f"inspect container {name}", data)
        return data

    def network(self, name: str, key: str | None = None) -> dict:
        data = self.api.inspect_network(name)
        self.note(key or f"inspect network {name}", data)
        return data

    def networks(self, key: str = "network list", **filters) -> list:
        data = sorted(self.api.networks(**filters), key=lambda n: n["Name"])
        self.note(key, data)
        return data

    def containers(self, key: str = "container list", **kwargs) -> list:
        data = sorted(self.api.containers(**kwargs), key=lambda c: c["Names"][0])
        for c in data:
            # The engine builds Ports from a map: its order changes from one call to the next.
            c["Ports"] = sorted(c["Ports"], key=lambda p: (p["PrivatePort"], p["Type"], p.get("IP", "")))
        self.note(key, data)
        return data


def summarize(result):
    if result is None:
        return None
    if hasattr(result, "attrs"):
        return {"type": type(result).__name__, "name": getattr(result, "name", None)}
    if isinstance(result, (dict, list, str, int, float, bool)):
        return result
    if hasattr(result, "exit_code"):
        return {"exit": result.exit_code, "output": result.output.decode(errors="replace")
                if isinstance(result.output, bytes) else result.output}
    return repr(type(result).__name__)


# -- normalisation ----------------------------------------------------------------------------------
class Normaliser:
    """Maps IDs to tokens in order of first appearance, and masks what varies by nature."""

    VARIABLE_KEYS = {"Created", "StartedAt", "FinishedAt", "SystemTime", "LastTagTime", "Pid", "NFd",
                     "NGoroutines", "GraphDriver", "SandboxKey", "ResolvConfPath", "HostnamePath",
                     "HostsPath", "LogPath", "CreatedAt", "UpdatedAt", "Timestamp", "TLSInfo", "PID"}

    def __init__(self, observations: list):
        self.ids: dict[str, str] = {}
        # Tokens follow the order in which IDs appear in what is compared (masked fields excluded).
        blob = json.dumps([(k, self._mask(v)) for k, v in observations])
        for m in SWARM_ID.finditer(blob):
            self.ids.setdefault(m.group(0), f"<sid{len(self.ids) + 1}>")
        for m in HEX64.finditer(blob):
            self.ids.setdefault(m.group(0), f"<id{len(self.ids) + 1}>")
        self.macs_of_ips = {mac_for(ip) for ip in re.findall(r"\b(?:\d{1,3}\.){3}\d{1,3}\b", blob)
                            if _valid_ip(ip)}
        self.shorts: dict[str, str] = {}

    def text(self, s: str) -> str:
        s = JOIN_TOKEN.sub("<join-token>", s)
        s = EMBEDDED_DNS_PORT.sub("127.0.0.11:<port>", s)
        s = CONNECTION.sub(lambda m: EPHEMERAL_PORT.sub(":<ephemeral>", m.group(0)), s)
        s = HEX64.sub(lambda m: self.ids.get(m.group(0), "<id?>"), s)
        s = SWARM_ID.sub(lambda m: self.ids.get(m.group(0), "<sid?>"), s)
        s = HEX12.sub(self._short, s)
        s = TIMESTAMP.sub("<time>", s)
        s = PING_TIME.sub("time=<t> ms", s)
        s = ROUND_TRIP.sub("round-trip min/avg/max = <t> ms", s)
        s = PROBE_TIME.sub("<t> ms", s)
        s = VETH.sub("veth<x>", s)
        s = LINK_LOCAL.sub("fe80::<ll>/64", s)
        s = s.replace(" tentative ", " ")
        # busybox nslookup prints the A and AAAA answers in the order they arrive; an empty
        # section (no AAAA record) may come first or last.
        s = s.replace("Non-authoritative answer:\n\n", "")
        s = MAC.sub(lambda m: m.group(1) if m.group(1) in self.macs_of_ips or m.group(1).startswith(
            ("00:00:00", "ff:ff:ff", "02:99:00")) else "<mac>", s)
        return s

    def _mask(self, v, key: str | None = None):
        if key in self.VARIABLE_KEYS:
            return None
        if key == "Peers" and isinstance(v, list):  # ordered as value() orders them
            v = sorted(v, key=lambda p: p.get("IP", "") if isinstance(p, dict) else str(p))
        if isinstance(v, dict):
            items = [(k, self._mask(x, k)) for k, x in v.items()]
            if any(HEX64.fullmatch(k) for k, _ in items):
                # A map keyed by IDs (a network's Containers): the engine sorts it by ID, which
                # differs between engines; order it by what it holds instead (named keys first).
                items.sort(key=lambda kv: (bool(HEX64.fullmatch(kv[0])), "" if HEX64.fullmatch(kv[0]) else kv[0],
                                           re.sub(r"[0-9a-f]{12,}", "", json.dumps(kv[1], sort_keys=True, default=str))))
            return dict(items)
        if isinstance(v, (list, tuple)):
            return [self._mask(x) for x in v]
        return v

    def _short(self, m) -> str:
        h = m.group(0)
        for full, tok in self.ids.items():
            if full.startswith(h):
                return tok + "[:12]"
        return self.shorts.setdefault(h, f"<short{len(self.shorts) + 1}>")

    def value(self, v, key: str | None = None):
        if key == "Version" and isinstance(v, dict):
            return "<raft index>"  # swarm objects' versions count the cluster's writes
        if key == "Peers" and isinstance(v, list):
            # The overlay's peers come in the order gossip met them: compared as a set.
            v = sorted(v, key=lambda p: p.get("IP", "") if isinstance(p, dict) else str(p))
        if key in self.VARIABLE_KEYS:
            if key == "Pid":
                return "<pid>" if v else 0
            if v in (None, "", 0, "0001-01-01T00:00:00Z"):
                return v
            return "<var>"
        if key == "Status" and isinstance(v, str):
            m = DURATION.match(v)
            if m:
                return f"{m.group(1)} <duration>" + (" ago" if m.group(3) else "")
        if isinstance(v, dict):
            return {self.text(k): self.value(x, k) for k, x in v.items()}
        if isinstance(v, (list, tuple)):
            return [self.value(x) for x in v]
        if isinstance(v, str):
            return self.text(v)
        return v

    def all(self, observations: list) -> list:
        return [(self.text(k), self.value(v)) for k, v in observations]


def _valid_ip(s: str) -> bool:
    try:
        ipaddress.IPv4Address(s)
        return True
    except ValueError:
        return False


def mac_for(ip: str) -> str:
    return "02:42:" + ":".join(f"{int(b):02x}" for b in ip.split("."))


def normalise(observations: list) -> list:
    return Normaliser(observations).all(observations)


# -- comparing ----------------------------------------------------------------------------------------
def diff(a, b, path: str = "") -> list[str]:
    """Where two normalised observation values differ, as readable lines."""
    if type(a) is not type(b):
        return [f"{path}: {a!r} != {b!r}"]
    if isinstance(a, dict):
        out = []
        for k in sorted(set(a) | set(b), key=str):
            if k not in a:
                out.append(f"{path}.{k}: missing on sim (docker: {b[k]!r})")
            elif k not in b:
                out.append(f"{path}.{k}: extra on sim ({a[k]!r})")
            else:
                out += diff(a[k], b[k], f"{path}.{k}")
        return out
    if isinstance(a, list):
        if len(a) != len(b):
            return [f"{path}: {len(a)} items != {len(b)} items: {a!r} != {b!r}"]
        out = []
        for i, (x, y) in enumerate(zip(a, b)):
            out += diff(x, y, f"{path}[{i}]")
        return out
    if a != b:
        if isinstance(a, str) and isinstance(b, str) and ("\n" in a or "\n" in b):
            import difflib
            lines = list(difflib.unified_diff(b.splitlines(), a.splitlines(), "docker", "sim", lineterm="", n=1))
            return [f"{path}:"] + ["    " + line for line in lines]
        return [f"{path}: sim {a!r} != docker {b!r}"]
    return []


def compare(sim_obs: list, docker_obs: list) -> list[str]:
    a, b = normalise(sim_obs), normalise(docker_obs)
    out = []
    for i in range(max(len(a), len(b))):
        if i >= len(a):
            out.append(f"#{i} {b[i][0]}: missing on sim")
            continue
        if i >= len(b):
            out.append(f"#{i} {a[i][0]}: extra on sim")
            continue
        (ka, va), (kb, vb) = a[i], b[i]
        if ka != kb:
            out.append(f"#{i}: step {ka!r} on sim, {kb!r} on docker")
            continue
        d = diff(va, vb)
        if d:
            out.append(f"#{i} {ka}:")
            out += ["  " + line for line in d]
    return out


def run(sc: Scenario, clients: list, engine: str) -> tuple[list, float]:
    """Run a scenario: (observations, seconds spent in it)."""
    rec = Recorder(clients[0], engine, clients=list(clients))
    t0 = time.perf_counter()
    sc.fn(rec)
    return rec.observations, time.perf_counter() - t0


def run_on_sim(sc: Scenario) -> tuple[list, float]:
    """On fresh simulated engines: a world of host1..hostN on one underlay, like the private engines."""
    import labkit.sim as sim
    world = sim.World()
    servers = [sim.serve(world, world.add_host(f"host{i}")) for i in range(1, sc.hosts + 1)]
    clients = [docker.DockerClient(base_url=s.url, version="1.41") for s in servers]
    try:
        return run(sc, clients, "sim")
    finally:
        for c in clients:
            c.close()
        for s in servers:
            s.close()


def run_on_docker(sc: Scenario, prefix: str = "lkc") -> tuple[list, float]:
    """On fresh real engines of their own (labkit.hosts), removed afterwards."""
    from labkit import hosts
    hosts.stop_hosts(prefix)
    started = hosts.start_hosts(sc.hosts, prefix=prefix)
    clients = [h.client() for h in started]
    try:
        return run(sc, clients, "docker")
    finally:
        for c in clients:
            c.close()
        hosts.stop_hosts(prefix)
