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

Clients: docker-py (high and low level) and, for scenarios marked cli=True, the `docker` command
(`env.cli("run -dit --name alpine1 busybox sh")`, recorded as the step "$ docker run ...") with
DOCKER_HOST set to the engine under test. Which `docker` (LABKIT_DOCKER_CLI, else the 28.x client in
/usr/local/bin, else Debian's 20.10 one) matters: the two clients word some refusals differently, so
a CLI scenario's recording is kept per client major version (golden.py).

On the simulator a scenario that raises (an unexpected error, a call that does not answer within
SIM_TIMEOUT) stops there, and that is recorded as its last observation: a divergence like any other.
On a real engine the same is a bug in the scenario, and is raised.
"""
from __future__ import annotations

import functools
import ipaddress
import json
import os
import re
import shlex
import shutil
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from typing import Callable

import docker

HEX64 = re.compile(r"\b[0-9a-f]{64}\b")
HEX12 = re.compile(r"(?<![0-9a-zA-Z])[0-9a-f]{12}(?![0-9a-zA-Z])")  # also after "_" (gateway_<id>)
SWARM_ID = re.compile(r"\b(?=[a-z0-9]*[0-9])(?=[a-z0-9]*[a-z])[a-z0-9]{25}\b")  # swarm objects: 25 base-36
# Their first 12 characters, as `docker network ls` shows them (one letter beyond f: not a hex ID).
SWARM_SHORT = re.compile(r"\b(?=[a-z0-9]*[0-9])(?=[a-z0-9]*[g-z])[a-z0-9]{12}\b")
# An escape in JSON text (\n, \", \\, \u00e9), taken whole: read left to right, "\\n" is "\\" then "n".
JSON_ESCAPE = re.compile(r"\\(?:u[0-9a-fA-F]{4}|.)")
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
# busybox names its build in a shell's banner: the Debian package's version, which differs between machines.
BUSYBOX_BUILD = re.compile(r"BusyBox v\d+\.\d+\.\d+ \([^)]*\)")
# Where an engine keeps its data: a private engine's folder here, /var/lib/docker on others (the simulator's).
DATA_ROOT = re.compile(r"/run/labkit/[a-z][a-z0-9]*/host\d+/data\b|/var/lib/docker\b")
# What the CLI prints of an age ("Up 3 seconds", "About a minute ago"), and the column padding that
# follows the width of such texts in its tables.
CLI_DURATION = re.compile(r"\b(Less than a second|About a minute|About an hour|an? (?:second|minute|hour)"
                          r"|\d+ (?:second|minute|hour|day|week|month|year)s?)\b")
CLI_PADDING = re.compile(r"(?<=\S) {2,}")
# Races in the client, either way on either engine, logged by the CLI: `docker cp` into a container
# that refuses (the engine's answer closes the connection before the CLI has sent its tar), and the
# 20.10 CLI's `docker run` of a command that cannot start (its wait gives up before or after the error).
CLI_RACES = re.compile(r'^time="[^"]*" level=error msg="(?:Can\'t (?:add file .* to tar|close tar writer): '
                       r'io: read/write on closed pipe|error waiting for container: context canceled)"\n', re.MULTILINE)
# Lines the 20.10 CLI prints in Go's map order (random; 28.x sorts them): `docker port`'s ports,
# the repositories of an image with several (`docker tag`) in `docker image ls`, and `docker diff`'s
# changes (in the order the engine found them): compared as sets.
CLI_UNORDERED = re.compile(r"^(?:host\d+: )?\$ docker (?:(?:container )?(?:port|diff)|image ls|images)\b")
# What prune removed, in the order it met them (a Go map's): compared as sets.
PRUNED = re.compile(r"^(Deleted (?:Networks|Containers|Volumes):\n)((?:.+\n)+)", re.MULTILINE)
PRUNED_KEYS = ("NetworksDeleted", "ContainersDeleted", "VolumesDeleted")
ENV_ITEM = re.compile(r"[A-Za-z_][A-Za-z0-9_]*=")


SIM_TIMEOUT = 15       # seconds a call to the simulator may take before it counts as hanging
SIM_WAIT = 5           # seconds the simulator gets for what the engine does in the background
# Seconds for a whole scenario on the simulator (a stream that never ends). The slowest that end
# take about 31: a `wait` that the simulator never ends gives up after WAIT.
SIM_SCENARIO_TIMEOUT = 45
# Seconds a scenario's `wait` (POST /containers/NAME/wait) may take: docker-py sends no time limit of
# its own there, and the containers scenarios wait for end within a few seconds on the engine.
WAIT = 30
# Seconds for one `docker` command: on the engine the slowest take about 11 (a `docker stop` of a
# shell waits 10, a `ping -c 2` that gets no answer too); the simulator may run time faster, not slower.
CLI_TIMEOUT = {"docker": 60, "sim": 20}
CLI_PATHS = ("/usr/local/bin/docker", "/usr/bin/docker")


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
    cli: bool = False      # it types `docker` commands (env.cli) besides docker-py calls
    source: str = ""       # where people find what it types: a doc page, a reference, a habit


SCENARIOS: dict[str, Scenario] = {}


def scenario(*covers: str, hosts: int = 1, documented_only: str = "", cli: bool = False, source: str = ""):
    """Register a scenario; `covers` names the items of the engine's behaviour it checks, hosts
    how many engines it needs (they are host1..hostN on one underlay), cli whether it types `docker`
    commands, source where learners find what it types."""
    def deco(fn):
        name = fn.__name__.removeprefix("s_")
        if name in SCENARIOS:
            raise ValueError(f"two conformance scenarios are named {name!r}: rename one")
        SCENARIOS[name] = Scenario(name, fn, (fn.__doc__ or "").strip(), covers, hosts, documented_only, cli, source)
        return fn
    return deco


class ScenarioStopped(Exception):
    """A step did not answer: the rest of the scenario cannot mean anything."""


def docker_cli() -> str | None:
    """The `docker` command the CLI scenarios type: LABKIT_DOCKER_CLI, else the first of CLI_PATHS
    that is installed, else `docker` on PATH."""
    if os.environ.get("LABKIT_DOCKER_CLI"):
        return os.environ["LABKIT_DOCKER_CLI"]
    found = [path for path in CLI_PATHS if os.access(path, os.X_OK)]
    return found[0] if found else shutil.which("docker")


@functools.cache
def cli_version(path: str) -> str:
    """The client's version, from `docker --version` ("Docker version 28.2.2, build e6534b4")."""
    out = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=30).stdout
    m = re.search(r"version (\d+\.\d+\.\d+\S*?),", out)
    if not m:
        raise RuntimeError(f"{path} --version printed {out!r}, not a Docker client's version")
    return m.group(1)


@dataclass
class Recorder:
    client: docker.DockerClient
    engine: str
    observations: list = field(default_factory=list)
    clients: list = field(default_factory=list)
    label: str = ""
    urls: list = field(default_factory=list)      # each host's engine URL (the CLI's DOCKER_HOST)
    url: str = ""                                 # this host's
    workdir: str = ""                             # the CLI's HOME and working folder
    cli_path: str | None = None
    cli_timeout: float = CLI_TIMEOUT["docker"]

    @property
    def api(self) -> docker.APIClient:
        return self.client.api

    def on(self, n: int) -> "Recorder":
        """The same recording, through host n's engine (1-based)."""
        return Recorder(self.clients[n - 1], self.engine, self.observations, self.clients, f"host{n}: ",
                        self.urls, self.urls[n - 1], self.workdir, self.cli_path, self.cli_timeout)

    def wait(self, what: Callable[[], bool], timeout: float = 20.0) -> bool:
        """Wait for something the real engine does in the background (a service's tasks). The
        simulator does things at once or runs its clock faster: it gets SIM_WAIT seconds at most."""
        deadline = time.monotonic() + (min(timeout, SIM_WAIT) if self.engine == "sim" else timeout)
        while not what():
            if time.monotonic() > deadline:
                return False
            time.sleep(0.1)
        return True

    def note(self, key: str, value) -> None:
        self.observations.append((self.label + key, value))

    def cli(self, args: str, stdin: str | None = None, env: dict | None = None, key: str | None = None) -> dict:
        """Type `docker ARGS` (split as a shell would, no shell involved) against this host's engine;
        record exit status, stdout and stderr as the step "$ docker ARGS". stdin: what is piped in;
        env: variables of the CLI's own environment (for `-e VAR`)."""
        if self.cli_path is None:
            raise RuntimeError("env.cli() in a scenario not registered with cli=True")
        environ = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": self.workdir,
                   "DOCKER_CONFIG": os.path.join(self.workdir, ".docker"), "DOCKER_HOST": self.url,
                   "DOCKER_CLI_HINTS": "false", **(env or {})}
        try:
            done = subprocess.run([self.cli_path] + shlex.split(args), input=stdin, capture_output=True, text=True,
                                  env=environ, cwd=self.workdir, timeout=self.cli_timeout)
            res = {"exit": done.returncode, "stdout": done.stdout, "stderr": done.stderr}
        except subprocess.TimeoutExpired:
            res = None
        if res is None:
            self.note(key or f"$ docker {args}", {"hung": f"no answer within {self.cli_timeout:.0f} s"})
            raise ScenarioStopped(f"`docker {args}` did not answer within {self.cli_timeout:.0f} s")
        for stream in ("stdout", "stderr"):
            res[stream] = res[stream].replace(self.workdir, "<workdir>")
        if res["stdout"].startswith(("[", "{")):
            # `docker inspect` and `--format '{{json ...}}'`: compared as documents, so that what
            # varies by nature inside them (times, paths, PIDs) is masked like in the API's answers.
            try:
                res["stdout"] = {"json": json.loads(res["stdout"])}
            except ValueError:
                pass
        self.note(key or f"$ docker {args}".replace(self.workdir, "<workdir>"), res)
        return res

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
        except docker.errors.ContainerError as e:
            self.note(key, {"error": "ContainerError", "exit": e.exit_status,
                            "stderr": (e.stderr or b"").decode(errors="replace") if isinstance(e.stderr, bytes) else e.stderr})
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
        # JSON's escapes read as blanks: an ID at the start of a line follows "\n", whose "n"
        # would join it into one longer word, and it would not be found (then printed as "<id?>").
        blob = JSON_ESCAPE.sub(" ", blob)
        for m in SWARM_ID.finditer(blob):
            self.ids.setdefault(m.group(0), f"<sid{len(self.ids) + 1}>")
        for m in HEX64.finditer(blob):
            self.ids.setdefault(m.group(0), f"<id{len(self.ids) + 1}>")
        self.macs_of_ips = {mac_for(ip) for ip in re.findall(r"\b(?:\d{1,3}\.){3}\d{1,3}\b", blob)
                            if _valid_ip(ip)}
        self.shorts: dict[str, str] = {}

    def text(self, s: str) -> str:
        s = JOIN_TOKEN.sub("<join-token>", s)
        s = DATA_ROOT.sub("<data-root>", s)
        s = BUSYBOX_BUILD.sub("BusyBox v<version>", s)
        s = host_resolvers(s)
        s = EMBEDDED_DNS_PORT.sub("127.0.0.11:<port>", s)
        s = CONNECTION.sub(lambda m: EPHEMERAL_PORT.sub(":<ephemeral>", m.group(0)), s)
        s = HEX64.sub(lambda m: self.ids.get(m.group(0), "<id?>"), s)
        s = SWARM_ID.sub(lambda m: self.ids.get(m.group(0), "<sid?>"), s)
        s = HEX12.sub(self._short, s)
        s = SWARM_SHORT.sub(self._short, s)
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
        s = nslookup_sections_sorted(s)
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
        if key in PRUNED_KEYS and isinstance(v, list):
            v = sorted(v, key=str)
        if isinstance(v, list) and v and all(isinstance(x, str) and ENV_ITEM.match(x) for x in v):
            # An environment (Config.Env, `{{json .Config.Env}}`): the docker CLI sends -e and
            # --env-file variables in an order of its own from one run to the next.
            v = sorted(v)
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
        return [(self.text(k), self.cli(self.value(v), k) if is_cli_step(k) else self.value(v))
                for k, v in observations]

    @staticmethod
    def cli(result: dict, key: str = "") -> dict:
        """A `docker` command's output, its ages and the padding that follows them aside."""
        def text(s: str) -> str:
            s = CLI_RACES.sub("", s)
            if CLI_UNORDERED.match(key):
                s = "".join(sorted(s.splitlines(keepends=True), key=lambda line: line.rstrip("\n")))
            s = CLI_DURATION.sub("<duration>", s)
            s = PRUNED.sub(lambda m: m.group(1) + "".join(sorted(m.group(2).splitlines(keepends=True))), s)
            return "\n".join(CLI_PADDING.sub("  ", line).rstrip() for line in s.split("\n"))
        return {k: text(v) if k in ("stdout", "stderr") and isinstance(v, str) else v for k, v in result.items()}


def is_cli_step(key: str) -> bool:
    return key.startswith("$ docker ") or (key.startswith("host") and ": $ docker " in key)


def nslookup_sections_sorted(s: str) -> str:
    """busybox nslookup's answer sections (A, AAAA) in a fixed order: they come in the order the
    answers arrive, which is a race."""
    if not s.startswith("Server:") or s.count("\n\nNon-authoritative answer:\n") < 2:
        return s
    head, *sections = s.split("\n\n")
    answers = sorted(x for x in sections if x.startswith("Non-authoritative answer:\n"))
    others = [x for x in sections if not x.startswith("Non-authoritative answer:\n")]
    return "\n\n".join([head] + answers + others)


@functools.cache
def _host_resolv_conf() -> tuple[list[str], list[str]]:
    """The nameservers and search domains of this machine's /etc/resolv.conf, which the engine copies
    into containers on the default bridge and in none mode (and the simulator does as well)."""
    servers, search = [], []
    try:
        with open("/etc/resolv.conf") as f:
            for line in f:
                words = line.split()
                if len(words) >= 2 and words[0] == "nameserver":
                    servers.append(words[1])
                elif len(words) >= 2 and words[0] == "search":
                    search.append(" ".join(words[1:]))
    except OSError:
        pass
    return servers, search


def host_resolvers(s: str) -> str:
    """This machine's nameservers and search domains as placeholders: recordings made on one machine
    hold on another."""
    if "nameserver " not in s and "search " not in s:
        return s
    servers, search = _host_resolv_conf()
    for server in servers:
        s = re.sub(rf"(?m)^nameserver {re.escape(server)}$", "nameserver <host's nameserver>", s)
    for domains in search:
        s = re.sub(rf"(?m)^search {re.escape(domains)}$", "search <host's search domains>", s)
    return s


def _valid_ip(s: str) -> bool:
    try:
        ipaddress.IPv4Address(s)
        return True
    except ValueError:
        return False


def mac_for(ip: str) -> str:
    return "02:42:" + ":".join(f"{int(b):02x}" for b in ip.split("."))


def normalise(observations: list) -> list:
    """Observations as they are compared and kept in golden files: IDs as tokens, what varies by
    nature masked, and in JSON's own types (tuples as lists, keys as strings)."""
    return json.loads(json.dumps(Normaliser(observations).all(observations), default=str))


# -- comparing ----------------------------------------------------------------------------------------
def diff(a, b, path: str = "", names: tuple[str, str] = ("sim", "docker")) -> list[str]:
    """Where two normalised observation values differ, as readable lines (a is names[0]'s, b names[1]'s)."""
    na, nb = names
    if type(a) is not type(b):
        return [f"{path}: {a!r} != {b!r}"]
    if isinstance(a, dict):
        out = []
        for k in sorted(set(a) | set(b), key=str):
            if k not in a:
                out.append(f"{path}.{k}: missing on {na} ({nb}: {b[k]!r})")
            elif k not in b:
                out.append(f"{path}.{k}: extra on {na} ({a[k]!r})")
            else:
                out += diff(a[k], b[k], f"{path}.{k}", names)
        return out
    if isinstance(a, list):
        if len(a) != len(b):
            return [f"{path}: {len(a)} items != {len(b)} items: {a!r} != {b!r}"]
        out = []
        for i, (x, y) in enumerate(zip(a, b)):
            out += diff(x, y, f"{path}[{i}]", names)
        return out
    if a != b:
        if isinstance(a, str) and isinstance(b, str) and ("\n" in a or "\n" in b):
            import difflib
            lines = list(difflib.unified_diff(b.splitlines(), a.splitlines(), nb, na, lineterm="", n=1))
            return [f"{path}:"] + ["    " + line for line in lines]
        return [f"{path}: {na} {a!r} != {nb} {b!r}"]
    return []


STOPPED = "scenario stopped"


def steps(observations: list) -> list[tuple[str, object]]:
    """Normalised observations keyed by step: a step's name, with " (2)", " (3)" ... when the
    same step comes again."""
    seen: dict[str, int] = {}
    out = []
    for key, value in observations:
        seen[key] = seen.get(key, 0) + 1
        out.append((key if seen[key] == 1 else f"{key} ({seen[key]})", value))
    return out


def differences(sim: list, ref: list, names: tuple[str, str] = ("sim", "docker")) -> dict[str, list[str]]:
    """Where the simulator's normalised observations differ from the reference ones (the real
    engine's, live or recorded), step by step: {step: readable lines}. A simulator run that stopped
    (a call that raised or did not answer) is one step, "stopped before: STEP", saying why."""
    a, b = steps(sim), steps(ref)
    out: dict[str, list[str]] = {}
    for i in range(max(len(a), len(b))):
        if i < len(a) and a[i][0] == STOPPED and i < len(b):
            out[f"stopped before: {b[i][0]}"] = [f"{a[i][1]} ({len(b) - i} steps not run)"]
            break
        if i >= len(a):
            out[b[i][0]] = [f"missing on {names[0]}"]
            continue
        if i >= len(b):
            out[a[i][0]] = [f"extra on {names[0]}: {a[i][1]!r}"]
            continue
        (ka, va), (kb, vb) = a[i], b[i]
        if ka != kb:
            out[kb] = [f"the step here on {names[0]} is {ka!r}"]
            continue
        d = diff(va, vb, "", names)
        if d:
            out[ka] = d
    return out


def compare(sim_obs: list, docker_obs: list) -> list[str]:
    """The differences of two raw observation lists as readable lines."""
    return render(differences(normalise(sim_obs), normalise(docker_obs)))


def render(diffs: dict[str, list[str]]) -> list[str]:
    return [line for step, lines in diffs.items() for line in [f"{step}:"] + ["  " + x for x in lines]]


@dataclass
class Run:
    observations: list
    seconds: float         # spent in the scenario (engine start-up and tear-down not counted)
    engine: str = ""       # the engine's version


def run(sc: Scenario, clients: list, urls: list, engine: str, cut: threading.Event | None = None) -> Run:
    """Run a scenario. On the simulator, a scenario that raises stops there and says so in its
    last observation (STOPPED); on a real engine it raises. cut: set when a watchdog cut the
    engine off (the reason the scenario raised)."""
    workdir = tempfile.mkdtemp(prefix="labkit-conformance-")
    cli = docker_cli() if sc.cli else None
    if sc.cli and cli is None:
        raise RuntimeError(f"scenario {sc.name} types docker commands, and no docker CLI is installed")
    rec = Recorder(clients[0], engine, clients=list(clients), urls=list(urls), url=urls[0], workdir=workdir,
                   cli_path=cli, cli_timeout=CLI_TIMEOUT[engine])
    version = clients[0].api.version().get("Version", "")
    t0 = time.perf_counter()
    try:
        sc.fn(rec)
    except Exception as e:  # noqa: BLE001 -- on the simulator any failure is an observation
        if engine != "sim":
            raise
        why = f"{type(e).__name__}: {e}"
        if cut is not None and cut.is_set():
            why = f"the scenario did not finish within {SIM_SCENARIO_TIMEOUT} s (a call never ended)"
        rec.observations.append((STOPPED, why))
    finally:
        seconds = time.perf_counter() - t0
        shutil.rmtree(workdir, ignore_errors=True)
    return Run(rec.observations, seconds, version)


def run_on_sim(sc: Scenario) -> Run:
    """On fresh simulated engines (labkit.cluster(n, engine="sim"): host1..hostN on one underlay,
    like the private engines), through clients that give up after SIM_TIMEOUT. A scenario still
    running after SIM_SCENARIO_TIMEOUT is cut off: the engines close, and what waited on them fails."""
    import labkit
    from labkit.engines import socket_path
    with labkit.cluster(sc.hosts, engine="sim", progress=False) as hosts:
        urls = ["unix://" + socket_path(c) for c in hosts]
        clients = [docker.DockerClient(base_url=url, version="1.41", timeout=SIM_TIMEOUT) for url in urls]
        cut = threading.Event()

        def cut_off():
            cut.set()
            hosts.close()
        watchdog = threading.Timer(SIM_SCENARIO_TIMEOUT, cut_off)
        watchdog.start()
        try:
            return run(sc, clients, urls, "sim", cut)
        finally:
            watchdog.cancel()
            for c in clients:
                c.close()


def run_on_docker(sc: Scenario, prefix: str = "lkc") -> Run:
    """On fresh real engines of their own (labkit.hosts), removed afterwards."""
    from labkit import hosts
    hosts.stop_hosts(prefix)
    started = hosts.start_hosts(sc.hosts, prefix=prefix)
    clients = [h.client() for h in started]
    try:
        return run(sc, clients, [h.url for h in started], "docker")
    finally:
        for c in clients:
            c.close()
        hosts.stop_hosts(prefix)
