"""The lab: short verbs over a Docker client, for notebooks and widgets.

    lab = labkit.Lab("sim", name="demo")                # or "docker", "auto", or a DockerClient
    lab.network("front", subnet="10.10.0.0/24")         # docker network create ...
    lab.container("web", networks=["front"], ports={80: 8080})   # docker run -d ...
    lab.ping("web", "10.10.0.1").ok                     # docker exec web ping -c 1 -W 1 ...
    lab.snapshot()                                      # a labkit.model.Topology
    lab.history                                         # the docker CLI lines of all of that
    lab.reset()                                         # removes exactly this lab's objects

Labels: everything a Lab creates carries `labkit=1` and `labkit.lab=NAME`; `reset()` and the
snapshot's ownership find objects by them, never by name patterns. A third label,
`labkit.session`, names the Python process (kernel) that made the object: MACHINE-BOOT-PID-START,
as `session_id()` gives it. It is bookkeeping, so the CLI lines in `history` leave it out.

Leftovers: a new Lab looks for objects labelled with its name that a session which has ended
(a restarted kernel, a crashed script, an earlier boot) left on the engine, removes them, and says
so in one line (`lab.notices`, printed). Objects of sessions still running (another kernel on this
machine) or made on another machine are left alone, and that is said too. `leftovers="keep"`
skips this. When the engine does not answer at construction, the check waits for the lab's first
call that reaches it. Two labs with different names never touch each other's objects; one name is
one lab, wherever it runs, so `reset()` removes all objects labelled with it. The default name is
`LABKIT_LAB`, else "lab": on a shared engine give each learner a name of their own.

Re-running a notebook: `network()` and `container()` return the lab's existing object of that
name when it was made with the same settings (a container is also started again and connected to
any asked-for network it lacks), and refuse, naming the differences, when it was not; they never
replace an object that is not the lab's. `connect()` and `disconnect()` do nothing when the
container is already connected, or not connected.

When the engine stops: every verb raises `EngineUnavailable` (a LabkitError) saying which engine
does not answer and which step was not done, instead of a connection error from deep inside
requests. The next verb tries again: once an engine answers at the same address the lab goes on
(a note says so); when it is another engine (a new ID: a private engine made afresh, a restarted
`labkit sim serve`), the lab forgets what it knew of the old one's containers. The in-process
simulator (`Lab("sim")`) is started again by the next verb if it was closed.

Security defaults: containers are never privileged, get no mounts (so never the engine's socket),
and take only network capabilities (`cap_add`: NET_ADMIN, NET_RAW, NET_BIND_SERVICE,
NET_BROADCAST); published ports bind to 127.0.0.1 unless an address is given.

Errors: the engine's errors pass through as docker-py raised them (same class, `status_code`,
`response`), their `explanation` prefixed with what the lab was doing, so that the message names
the container or network. What can be checked without the engine (names, CIDRs, ports, drivers)
is checked first and raised as `BadArgument` (a `docker.errors.InvalidArgument`). A failed
`container()` removes what it made. Names are at most 64 characters (a full container ID fits).

Probes run busybox commands in the source container with docker exec, so they behave the same on
the real engine and on the simulator.
"""
from __future__ import annotations

import copy
import dataclasses
import functools
import hashlib
import ipaddress
import os
import re
import shlex
import socket
import uuid
from dataclasses import dataclass, field
from typing import Iterable

import docker
import docker.errors
import requests.exceptions
from docker.models.containers import Container as DockerContainer
from docker.models.networks import Network as DockerNetwork

from . import engines, model, rules
from .engines import connect as connect_engine
from .errors import EngineUnavailable, LabkitError

IMAGE = "busybox"
COMMAND = ("sleep", "86400")     # busybox's sleep: one day, long enough for any lab session
PUBLISH_IP = "127.0.0.1"         # where published ports bind unless the learner names an address
LAB_LABEL, MARK_LABEL = model.LAB_LABEL, model.MARK_LABEL
CONTAINER_NAME, NAME, NAME_RULE = rules.CONTAINER_NAME, rules.NAME, rules.NAME_RULE
MAX_NAME = 64                    # names the lab makes or looks up (a full container ID is 64)
SESSION_LABEL = "labkit.session"  # the process that made the object (see session_id())
# Capabilities a lab container may be given: those of networking lessons. Others (SYS_ADMIN, ALL,
# ...) give a container power over the host, as --privileged does: refused.
CAPABILITIES = ("NET_ADMIN", "NET_RAW", "NET_BIND_SERVICE", "NET_BROADCAST")
# Network drivers an engine has without plugins. Any other name makes the engine look for a
# plugin, which takes 15 s to fail on 20.10: so unknown drivers are refused here at once.
DRIVERS = rules.DRIVERS
PROTOCOLS = ("tcp", "udp", "sctp")


# -- errors -------------------------------------------------------------------------------------
class BadArgument(LabkitError, docker.errors.InvalidArgument):
    """Something asked of the lab is not valid; nothing was sent to the engine."""

    def __init__(self, what: str, value, rule: str):
        self.what = what
        self.value = value
        super().__init__(f"{what} {shown(value)} is not valid: {rule}")


def shown(value, limit: int = 60) -> str:
    """A value as a message shows it: its repr, cut short when long (a message stays readable)."""
    text = repr(value)
    if len(text) <= limit:
        return text
    size = f"{len(value)} characters" if isinstance(value, str) else f"{len(text)} characters as written"
    return f"{text[:limit - 10]}...{text[-6:]} ({size})"


class NotTheLabs(LabkitError):
    """An object of that name exists, but this lab did not make it: it is left alone."""

    def __init__(self, kind: str, name: str, lab: str, owner: str | None, remove_with: str):
        self.kind, self.name, self.owner = kind, name, owner
        whose = f"lab {owner!r}" if owner else "no lab (it was made without labkit)"
        super().__init__(
            f"a {kind} named {name} already exists and belongs to {whose}, not to lab {lab!r}; "
            f"labkit does not replace it. Choose another name, or remove it first with `{remove_with}`.")


class Differs(LabkitError):
    """The lab's object of that name exists with other settings than asked for."""

    def __init__(self, kind: str, name: str, differences: list[str], remove_with: str):
        self.kind, self.name, self.differences = kind, name, differences
        super().__init__(
            f"the lab's {kind} {name} already exists with other settings ({'; '.join(differences)}). "
            f"Remove it first (`{remove_with}`, or lab.remove({name!r}) or lab.reset()), or ask for "
            f"what it has.")


class RemoveFailed(LabkitError):
    def __init__(self, removed: dict, failures: list[str]):
        self.removed, self.failures = removed, failures
        super().__init__("reset could not remove everything: " + "; ".join(failures))


def _named(e: docker.errors.APIError, doing: str) -> docker.errors.APIError:
    """The engine's error, same class and response, its explanation saying what was being done."""
    new = copy.copy(e)
    new.explanation = f"{doing}: {e.explanation or e}"
    return new


# -- results ------------------------------------------------------------------------------------
@dataclass
class Probe:
    """What a probe saw. `ok`: ping got a reply / the port is open. `state`: for ping
    "reachable" or "unreachable"; for port "open", "closed" or "unreachable"."""

    command: str
    ok: bool
    state: str
    exit_code: int
    output: str
    address: str | None = None      # the target's address, when the command printed it

    def __bool__(self) -> bool:
        return self.ok


PING_HEAD = re.compile(r"^PING \S+ \(([^)]+)\)", re.M)
NC_HOST = re.compile(r"can't connect to remote host \(([^)]+)\): (.*)")
NS_ADDRESS = re.compile(r"^Address:\s+(\S+)\s*$", re.M)


def parse_nslookup(output: str) -> list[str]:
    """The addresses in busybox nslookup's answer (not the server's own lines)."""
    _, _, answer = output.partition("\n\n")   # the header names the server: skip it
    found = []
    for address in NS_ADDRESS.findall(answer):
        if address not in found:
            found.append(address)
    return found


# -- arguments ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Binding:
    """One published port: host_ip:host_port -> container_port/protocol (host_port None: any)."""

    container_port: int
    protocol: str = "tcp"
    host_ip: str = PUBLISH_IP
    host_port: int | None = None

    @property
    def key(self) -> str:
        return f"{self.container_port}/{self.protocol}"

    def cli(self) -> str:
        ip = f"[{self.host_ip}]" if ":" in self.host_ip else self.host_ip
        proto = "" if self.protocol == "tcp" else "/" + self.protocol
        return f"{ip}:{self.host_port or ''}:{self.container_port}{proto}"


def _port_number(text, what: str, spec, allow_zero: bool = False) -> int:
    try:
        n = int(str(text).strip())
    except ValueError:
        raise BadArgument("port", spec, f"{what} {shown(text)} is not a number") from None
    if not (0 if allow_zero else 1) <= n <= 65535 or isinstance(text, bool):
        raise BadArgument("port", spec, f"{what} {n} is out of range (1-65535)")
    return n


def _host_ip(text, spec) -> str:
    text = str(text).strip("[]")
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        raise BadArgument("port", spec, f"{shown(text)} is not an IP address to publish on") from None


def _container_side(key, spec) -> tuple[int, str]:
    port, _, proto = str(key).partition("/")
    proto = proto or "tcp"
    if proto not in PROTOCOLS:
        raise BadArgument("port", spec, f"protocol {shown(proto)} is not one of {', '.join(PROTOCOLS)}")
    if "-" in port:
        raise BadArgument("port", spec, "port ranges are not supported here: list each port")
    return _port_number(port, "container port", spec), proto


def _parse_string(spec: str) -> Binding:
    """"[ip:][host_port:]container_port[/proto]", as `docker run -p` reads it."""
    text = spec.strip()
    ip = None
    if text.startswith("["):                       # [::1]:8080:80
        end = text.find("]")
        if end < 0:
            raise BadArgument("port", spec, "an IPv6 address needs its closing ']'")
        ip, text = text[1:end], text[end + 2:]
        parts = text.rsplit(":", 1)
    else:
        parts = text.split(":")
        if len(parts) == 3:
            ip, parts = parts[0], parts[1:]
        elif len(parts) > 3:
            raise BadArgument("port", spec, "use [IP:][HOST_PORT:]CONTAINER_PORT[/PROTOCOL]")
    cport, proto = _container_side(parts[-1], spec)
    hport = None
    if len(parts) == 2 and parts[0] != "":
        hport = _port_number(parts[0], "host port", spec)
    return Binding(cport, proto, _host_ip(ip, spec) if ip else PUBLISH_IP, hport)


def _parse_value(key, value, spec) -> list[Binding]:
    """The host side given for one container port in the dict form."""
    cport, proto = _container_side(key, spec)
    values = value if isinstance(value, list) else [value]
    out = []
    for v in values:
        ip, hport = PUBLISH_IP, v
        if isinstance(v, tuple):
            if len(v) == 2:
                ip, hport = _host_ip(v[0], spec), v[1]
            elif len(v) == 1:
                ip, hport = _host_ip(v[0], spec), None
            else:
                raise BadArgument("port", spec, "give the host side as PORT or (IP, PORT)")
        if hport is not None:
            hport = _port_number(hport, "host port", spec)
        out.append(Binding(cport, proto, ip, hport))
    return out


def parse_ports(ports) -> list[Binding]:
    """Published ports in any of the forms a learner writes them:
    {80: 8080}, {"80/tcp": ("0.0.0.0", 8080)}, {80: None} (any host port), {80: [8080, 8081]},
    "8080:80", "127.0.0.1:8081:81/udp", "[::1]:8080:80", "80", 80, or a list of such.
    Published ports bind to 127.0.0.1 unless an address is given."""
    if ports is None:
        return []
    if isinstance(ports, dict):
        items = [(k, v) for k, v in ports.items()]
        out = []
        for k, v in items:
            out += _parse_value(k, v, {k: v})
        return _no_duplicates(out)
    if isinstance(ports, (str, int)) and not isinstance(ports, bool):
        ports = [ports]
    if not isinstance(ports, (list, tuple)):
        raise BadArgument("ports", ports, "give a dict, a string like '8080:80', or a list of them")
    out = []
    for item in ports:
        if isinstance(item, dict):
            out += parse_ports(item)
        elif isinstance(item, int) and not isinstance(item, bool):
            out.append(Binding(_port_number(item, "container port", item)))
        elif isinstance(item, str):
            out.append(_parse_string(item))
        else:
            raise BadArgument("port", item, "give a string like '8080:80' or a number")
    return _no_duplicates(out)


def _no_duplicates(bindings: list[Binding]) -> list[Binding]:
    seen = set()
    for b in bindings:
        if b.host_port is not None:
            if (b.host_ip, b.host_port, b.protocol) in seen:
                raise BadArgument("port", b.cli(), f"host port {b.host_port}/{b.protocol} on "
                                  f"{b.host_ip} is asked for twice")
            seen.add((b.host_ip, b.host_port, b.protocol))
    return bindings


def _check_name(kind: str, name, pattern: re.Pattern = NAME, rule: str = NAME_RULE) -> str:
    if not isinstance(name, str) or not pattern.fullmatch(name):
        raise BadArgument(f"{kind} name", name, rule)
    if len(name) > MAX_NAME:
        raise BadArgument(f"{kind} name", name, f"it is {len(name)} characters long: use at most {MAX_NAME}")
    return name


def _check_text(what: str, value, example: str) -> str:
    """Free text the engine takes as is (commands, environment): a string without NUL."""
    if not isinstance(value, str):
        raise BadArgument(what, value, f"give text, like {example}")
    if "\0" in value:
        raise BadArgument(what, value, "it contains a NUL character, which no program can be given")
    return value


def _check_image(image, name: str) -> str:
    what = f"image of container {name}"
    if not isinstance(image, str) or not image:
        raise BadArgument(what, image, "give an image name like busybox or busybox:latest")
    problem = rules.BAD_REFERENCE if len(image) > 512 else rules.reference_problem(image)
    if problem == rules.NOT_LOWERCASE:
        raise BadArgument(what, image, "an image name is written in lowercase, like busybox")
    if problem == rules.REPOSITORY_TOO_LONG:
        raise BadArgument(what, image, f"an image's repository name has at most {rules.MAX_REPOSITORY} characters")
    if problem:
        raise BadArgument(what, image, "it is not an image name: write it like busybox, busybox:latest or "
                          "registry:5000/team/app:1.0")
    return image


def _check_int(what: str, value, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise BadArgument(what, value, f"give a whole number from {low} to {high}")
    try:
        n = int(value)
    except ValueError:
        raise BadArgument(what, value, f"give a whole number from {low} to {high}") from None
    if not low <= n <= high:
        raise BadArgument(what, value, f"give a whole number from {low} to {high}")
    return n


def _check_network(value, what: str, name: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    if not isinstance(value, str):
        raise BadArgument(f"{what} of network {name}", value, "write it as text, like 10.10.0.0/24")
    try:
        return ipaddress.ip_network(value, strict=True)
    except ValueError as e:
        hint = ""
        try:
            hint = f": did you mean {ipaddress.ip_network(value, strict=False)}?"
        except ValueError:
            why = str(e).replace(repr(value), "it") if len(value) > 40 else str(e)
            hint = f" ({why}); write it like 10.10.0.0/24"
        raise BadArgument(f"{what} of network {name}", value, f"it is not a network address{hint}") from None


def _labels(user: dict | None, lab: str, what: str) -> dict:
    """The labels of a new object: the lab's, the session's, then the user's (checked)."""
    if user is not None and not isinstance(user, dict):
        raise BadArgument(f"labels of {what}", user, "labels are text: {'key': 'value'}")
    user = dict(user or {})
    for key in (MARK_LABEL, LAB_LABEL, SESSION_LABEL):
        if key in user:
            raise BadArgument(f"label of {what}", key, "labkit sets this label itself")
    for key, value in user.items():
        if not isinstance(key, str) or not key or not isinstance(value, str) or "\0" in key + value:
            raise BadArgument(f"label of {what}", {key: value}, "labels are text: {'key': 'value'}")
    return {MARK_LABEL: "1", LAB_LABEL: lab, SESSION_LABEL: session_id(), **user}


def _shown_labels(labels: dict) -> dict:
    """The labels as the CLI lines show them and re-runs compare them: without the session."""
    return {k: v for k, v in labels.items() if k != SESSION_LABEL}


def _name_of(thing, kind: str = "container or network") -> str:
    """A container or network as the engine's API takes it: a name (or an ID), checked."""
    if isinstance(thing, (DockerContainer, DockerNetwork)):
        thing = thing.name or thing.id
    elif isinstance(thing, (model.Container, model.Network)):
        thing = thing.name
    elif not isinstance(thing, str):
        raise BadArgument(kind, thing, "give its name or the object")
    return _check_name(kind, thing)


def _target(dst) -> str:
    """Where a probe goes: a container's (or alias's) name, or an IPv4 address."""
    if isinstance(dst, str) and _literal(dst):
        return dst
    return _name_of(dst, "probe target")


def _environment(environment, name: str) -> list[str]:
    what = f"environment of container {name}"
    if environment is None:
        return []
    if isinstance(environment, dict):
        pairs = [(k, v) for k, v in environment.items()]
    elif isinstance(environment, (list, tuple)):
        pairs = []
        for entry in environment:
            if not isinstance(entry, str) or "=" not in entry:
                raise BadArgument(what, entry, "write each variable as 'NAME=value'")
            pairs.append(tuple(entry.split("=", 1)))
    else:
        raise BadArgument(what, environment, "give a dict {'NAME': 'value'} or a list ['NAME=value']")
    out = []
    for k, v in pairs:
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            v = str(v)
        if not isinstance(k, str) or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", k) or not isinstance(v, str):
            raise BadArgument(what, {k: v}, "a variable's name is letters, digits and '_'; its value is text")
        out.append(f"{k}={_check_text(what, v, repr('value'))}")
    return out


def _capabilities(cap_add, name: str) -> list[str]:
    what = f"cap_add of container {name}"
    if cap_add is None:
        return []
    if isinstance(cap_add, str):
        cap_add = [cap_add]
    if not isinstance(cap_add, (list, tuple)):
        raise BadArgument(what, cap_add, "give a list, like ['NET_ADMIN']")
    out = []
    for cap in cap_add:
        plain = cap.upper().removeprefix("CAP_") if isinstance(cap, str) else None
        if plain not in CAPABILITIES:
            raise BadArgument(what, cap, f"a lab container may be given {', '.join(CAPABILITIES)} only: "
                              "other capabilities give it power over the host, as --privileged does")
        out.append(plain)
    return out


# -- sessions: which process made an object -----------------------------------------------------
_SESSION: dict[int, str] = {}


def _read_first_line(path: str) -> str:
    try:
        with open(path) as f:
            return f.readline().strip()
    except OSError:
        return ""


def _start_time(pid: int) -> str:
    """When a process started (clock ticks since boot, Linux's /proc), or "" where unknown."""
    stat = _read_first_line(f"/proc/{pid}/stat")
    try:
        return stat.rsplit(")", 1)[1].split()[19]
    except IndexError:
        return ""


def _machine() -> str:
    """This machine (or container: each has its own hostname), as a short stable hash."""
    ident = (_read_first_line("/etc/machine-id") or _read_first_line("/var/lib/dbus/machine-id")
             or str(uuid.getnode()))
    return hashlib.sha256(f"{socket.gethostname()}/{ident}".encode()).hexdigest()[:8]


def session_id() -> str:
    """This process as the `labkit.session` label names it: MACHINE-BOOT-PID-START ("x" where the
    platform does not tell). A restarted kernel is a new session; so is a new boot."""
    pid = os.getpid()
    if pid not in _SESSION:   # per pid: a forked child is a session of its own
        boot = _read_first_line("/proc/sys/kernel/random/boot_id").replace("-", "")[:8]
        _SESSION[pid] = f"{_machine()}-{boot or 'x'}-{pid}-{_start_time(pid) or 'x'}"
    return _SESSION[pid]


def session_state(session: str | None) -> str:
    """"this" (this process), "running" (another process on this machine that still runs),
    "elsewhere" (made on another machine: nothing to tell) or "ended" (no session, or its
    process has ended: leftovers)."""
    mine = session_id()
    if session == mine:
        return "this"
    parts = (session or "").split("-")
    if len(parts) != 4 or not parts[2].isdigit():
        return "ended"
    machine, boot, pid, start = parts
    here_machine, here_boot = mine.split("-")[:2]
    if machine != here_machine:
        return "elsewhere"
    if "x" not in (boot, here_boot) and boot != here_boot:
        return "ended"            # made before this machine last booted
    if int(pid) <= 0:
        return "ended"
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return "ended"
    except (PermissionError, OverflowError, ValueError):
        pass                      # it runs, as another user
    if start != "x" and _start_time(int(pid)) not in ("", start):
        return "ended"            # the pid now belongs to another process
    return "running"


def cli(*words) -> str:
    return " ".join(shlex.quote(str(w)) for w in words)


def _label_args(labels: dict) -> list[str]:
    return [w for k, v in labels.items() for w in ("--label", f"{k}={v}")]


@dataclass
class _Spec:
    """A container as asked for, checked: what create sends and what a re-run compares."""

    name: str
    image: str
    argv: list[str]
    mode: str                         # HostConfig.NetworkMode: "default", first network, host, ...
    networks: list[str]               # user-defined or bridge networks, in joining order
    endpoint: dict[str, tuple[list[str], str | None]]   # network -> (aliases, ip)
    ports: list[Binding]
    hostname: str | None
    labels: dict
    environment: list[str]
    cap_add: list[str]

    def bindings(self) -> dict:
        out: dict = {}
        for b in self.ports:
            out.setdefault(b.key, []).append({"HostIp": b.host_ip, "HostPort": str(b.host_port or "")})
        return out

    def differences(self, attrs: dict) -> list[str]:
        cfg, hc = attrs.get("Config") or {}, attrs.get("HostConfig") or {}
        out = []
        if cfg.get("Image") != self.image:
            out.append(f"image {cfg.get('Image')} (asked: {self.image})")
        if list(cfg.get("Cmd") or []) != self.argv:
            out.append(f"command {cli(*(cfg.get('Cmd') or []))!r} (asked: {cli(*self.argv)!r})")
        mode = hc.get("NetworkMode") or "default"
        if mode != self.mode and not (mode.startswith("container:") and self.mode.startswith("container:")):
            out.append(f"network {mode} first (asked: {self.mode})")
        have = {(k, b.get("HostIp") or "", str(b.get("HostPort") or ""))
                for k, bs in (hc.get("PortBindings") or {}).items() for b in bs or []}
        want = {(k, b["HostIp"], b["HostPort"]) for k, bs in self.bindings().items() for b in bs}
        if have != want:
            def show(s):
                return ", ".join(f"{ip}:{hp}->{k}" for k, ip, hp in sorted(s)) or "none"
            out.append(f"published ports {show(have)} (asked: {show(want)})")
        if self.hostname and cfg.get("Hostname") != self.hostname:
            out.append(f"hostname {cfg.get('Hostname')} (asked: {self.hostname})")
        labels = cfg.get("Labels") or {}
        for k, v in _shown_labels(self.labels).items():
            if labels.get(k) != v:
                out.append(f"label {k}={labels.get(k)} (asked: {k}={v})")
        env = cfg.get("Env") or []
        out += [f"no environment variable {e}" for e in self.environment if e not in env]
        caps = set(hc.get("CapAdd") or [])
        out += [f"no capability {c}" for c in self.cap_add if c not in caps]
        nets = (attrs.get("NetworkSettings") or {}).get("Networks") or {}
        for net, (aliases, ip) in self.endpoint.items():
            if net not in nets:
                continue
            have_ip = ((nets[net].get("IPAMConfig") or {}).get("IPv4Address")) or None
            if ip and have_ip != ip:
                out.append(f"address {have_ip or 'from the pool'} on {net} (asked: {ip})")
            missing = [a for a in aliases if a not in (nets[net].get("Aliases") or [])]
            if missing:
                out.append(f"no alias {', '.join(missing)} on {net}")
        return out

    def run_cli(self) -> str:
        words = ["docker", "run", "-d", "--name", self.name]
        if self.hostname:
            words += ["--hostname", self.hostname]
        if self.mode != "default":
            words += ["--network", self.mode]
        if self.networks:
            aliases, ip = self.endpoint.get(self.networks[0], ([], None))
            for a in aliases:
                words += ["--network-alias", a]
            if ip:
                words += ["--ip", ip]
        for b in self.ports:
            words += ["-p", b.cli()]
        for e in self.environment:
            words += ["-e", e]
        for c in self.cap_add:
            words += ["--cap-add", c]
        words += _label_args(_shown_labels(self.labels))
        return cli(*words, self.image, *self.argv)


@dataclass
class _Join:
    """One network a container joined, as the lab saw it."""

    interface: str | None             # eth0, eth1, ... when the order of joins is known
    aliases: tuple[str, ...] = ()     # the aliases the user gave
    endpoint: str | None = None       # the endpoint's ID, once seen: another ID, another join


@dataclass
class _Known:
    """What the lab saw of a container that the engine's list does not tell: its hostname, and
    per network the interface name and the aliases given. Interface names count on from eth0 in
    the order of joins (the engine names them so, never reusing a number while the container
    runs); next_eth None: the order is not known."""

    hostname: str | None = None
    joins: dict[str, _Join] = field(default_factory=dict)
    next_eth: int | None = 0

    def joined(self, network: str, aliases: Iterable[str] = ()) -> None:
        interface = None
        if self.next_eth is not None:
            interface = f"eth{self.next_eth}"
            self.next_eth += 1
        self.joins[network] = _Join(interface, tuple(aliases))

    def learn(self, attrs: dict) -> None:
        """Hostname, endpoint IDs and the user's aliases from an inspect (the engine adds the
        short ID and the hostname to the aliases on user-defined networks: those are dropped)."""
        self.hostname = (attrs.get("Config") or {}).get("Hostname")
        automatic = {attrs["Id"][:12], self.hostname}
        for net, s in ((attrs.get("NetworkSettings") or {}).get("Networks") or {}).items():
            eid = s.get("EndpointID")
            if not eid:
                continue
            join = self.joins.get(net)
            if join is None or join.endpoint not in (None, eid):
                join = self.joins[net] = _Join(None)
            join.endpoint = eid
            join.aliases = tuple(a for a in s.get("Aliases") or () if a not in automatic)

    def seen(self, network: str, endpoint: str) -> _Join | None:
        """What the lab knows of this endpoint, if it is still the one the lab saw."""
        join = self.joins.get(network)
        if join is not None and join.endpoint is None:
            join.endpoint = endpoint
        if join is not None and join.endpoint != endpoint:
            del self.joins[network]
            return None
        return join


# -- the engine: reaching it ----------------------------------------------------------------------
# What a call raises when the engine does not answer: requests' errors for a connection refused,
# a socket gone, a timeout or a broken answer, or the socket's own when an exec's stream breaks.
# (Not RequestException as a whole: docker-py's APIError is one, and it is the engine answering.)
ENGINE_DOWN = (requests.exceptions.ConnectionError, requests.exceptions.Timeout,
               requests.exceptions.ChunkedEncodingError, ConnectionError, TimeoutError)


def check_lab_name(name) -> str:
    """A lab's name, checked (the rule of network names: it goes into labels and messages)."""
    return _check_name("lab", name)


def default_name() -> str:
    """The lab's name when none is given: LABKIT_LAB, else "lab"."""
    return os.environ.get("LABKIT_LAB") or "lab"


def _listing(found: dict[str, list[str]]) -> str:
    return "; ".join(f"{kind} {', '.join(names)}" for kind, names in found.items() if names)


def _step(doing: str, leftovers: bool = True):
    """A verb that talks to the engine. Before it: reconnect after an outage, learn the engine's
    identity, remove leftovers if that is still to do. When the engine does not answer: an
    EngineUnavailable naming the engine and what was not done (the CLI line, when there is one)."""
    def wrap(method):
        @functools.wraps(method)
        def call(self, *args, **kwargs):
            if self._depth:
                return method(self, *args, **kwargs)
            self._depth += 1
            before = self.last_command
            try:
                self._before(doing, leftovers)
                return method(self, *args, **kwargs)
            except ENGINE_DOWN as e:
                self._outage = True
                line = self.last_command
                raise self._unavailable(e, f"`{line}`" if line and line != before else doing) from None
            finally:
                self._depth -= 1
        return call
    return wrap


# -- the lab ------------------------------------------------------------------------------------
class Lab:
    """Short verbs over a Docker client, with the lab's labels, CLI history, probes and snapshot.

    `engine`: "sim", "docker", "auto" (see labkit.connect) or a docker.DockerClient to use as is.
    `name`: the lab's name, in the `labkit.lab` label of everything it creates.
    """

    def __init__(self, engine: str | docker.DockerClient = "auto", name: str | None = None,
                 leftovers: str = "remove", quiet: bool = False):
        self.name = check_lab_name(default_name() if name is None else name)
        if leftovers not in ("remove", "keep"):
            raise BadArgument("leftovers", leftovers, "use 'remove' (the default) or 'keep'")
        if isinstance(engine, docker.DockerClient):
            self.client = engine
        elif isinstance(engine, str) or engine is None:
            self.client = connect_engine(engine)
        else:
            raise BadArgument("engine", engine, "use 'sim', 'docker', 'auto' or a docker.DockerClient")
        self.api = self.client.api
        self.quiet = quiet
        self.history: list[str] = []
        self.last_command: str | None = None   # the CLI line of the last action, also when it failed
        self.notices: list[str] = []           # what the lab said (leftovers removed, engine back)
        self.leftovers: dict[str, list[str]] = {"containers": [], "networks": []}   # removed ones
        self._known: dict[str, _Known] = {}    # by container ID
        self._ids: dict[str, str] = {}         # container name -> ID, for the lab's containers
        self._networks: set[str] = set()       # the names of the lab's networks
        self._host: model.Host | None = None
        self._in_process = engines.serves_in_process(self.client)   # labkit's own simulator
        self._outage = False                   # a call found the engine gone: reconnect first
        self._depth = 0                        # verbs call verbs: only the outer one checks
        self._leftovers_pending = leftovers == "remove"
        if self._leftovers_pending:
            try:
                self._remove_leftovers()
            except ENGINE_DOWN:
                pass                           # the first verb that reaches the engine does it

    def __repr__(self) -> str:
        return f"Lab(name={self.name!r}, engine={self.api.base_url!r})"

    @property
    def labels(self) -> dict:
        """The labels that mark an object as this lab's, made in this session: give them to
        objects made with the raw client (services, ...) so that reset() and a later session's
        leftover check find them like the lab's own."""
        return {MARK_LABEL: "1", LAB_LABEL: self.name, SESSION_LABEL: session_id()}

    @property
    def address(self) -> str:
        """Where the engine is: its socket's path, or its URL."""
        path = getattr(getattr(self.api, "_custom_adapter", None), "socket_path", None)
        return f"unix://{path}" if path else self.api.base_url

    def _did(self, line: str) -> None:
        self.history.append(line)

    def _notice(self, text: str) -> None:
        self.notices.append(text)
        if not self.quiet:
            print(f"labkit: {text}")

    # -- the engine: leftovers, outages ---------------------------------------------------------
    def _remove_leftovers(self) -> None:
        """Remove what ended sessions left with this lab's labels; say what was removed, and
        what was left alone because a running session (or another machine) made it."""
        mine = [f"{LAB_LABEL}={self.name}", f"{MARK_LABEL}=1"]
        removed: dict[str, list[str]] = {"containers": [], "networks": []}
        kept: dict[str, list[str]] = {}
        containers = self.api.containers(all=True, filters={"label": mine})
        networks = self.api.networks(filters={"label": mine})
        self._leftovers_pending = False

        def whose(labels: dict) -> str:
            session = (labels or {}).get(SESSION_LABEL)
            state = session_state(session)
            if state == "running":
                return f"a session that still runs on this machine (pid {session.split('-')[2]})"
            return "another machine" if state == "elsewhere" else state

        for c in containers:
            name = (c.get("Names") or ["/" + c["Id"][:12]])[0].lstrip("/")
            who = whose(c.get("Labels"))
            if who == "ended":
                try:
                    self.api.remove_container(c["Id"], force=True, v=True)
                except docker.errors.NotFound:
                    continue
                except docker.errors.APIError as e:
                    kept.setdefault(f"could not remove it: {e.explanation}", []).append(f"container {name}")
                    continue
                removed["containers"].append(name)
            elif who != "this":
                kept.setdefault(f"made by {who}", []).append(f"container {name}")
        for n in networks:
            who = whose(n.get("Labels"))
            if who == "ended":
                try:
                    self.api.remove_network(n["Id"])
                except docker.errors.NotFound:
                    continue
                except docker.errors.APIError:
                    users = self._users_of(n["Id"])
                    kept.setdefault("still in use", []).append(
                        f"network {n['Name']}" + (f" (by {', '.join(users)})" if users else ""))
                    continue
                removed["networks"].append(n["Name"])
            elif who != "this":
                kept.setdefault(f"made by {who}", []).append(f"network {n['Name']}")
        self.leftovers = removed
        if removed["containers"] or removed["networks"]:
            self._notice(f"lab {self.name!r}: removed what an earlier run left on this engine: "
                         f"{_listing(removed)}")
        for why, things in kept.items():
            self._notice(f"lab {self.name!r}: left alone {', '.join(things)}: {why} "
                         "(lab.reset() removes them; give this lab its own name to keep apart)")

    def _users_of(self, network: str) -> list[str]:
        try:
            attrs = self.api.inspect_network(network)
        except docker.errors.APIError:
            return []
        return sorted(c.get("Name") or cid[:12] for cid, c in (attrs.get("Containers") or {}).items())

    def _unavailable(self, e: BaseException, doing: str) -> EngineUnavailable:
        text = str(e)
        if isinstance(e, (requests.exceptions.Timeout, TimeoutError)) or "timed out" in text.lower():
            why = "it did not answer in time"
        elif "No such file" in text or "FileNotFound" in text:
            why = "its socket is gone"
        elif "refused" in text.lower():
            why = "the connection was refused"
        else:
            why = "the connection broke"
        return EngineUnavailable(
            f"the Docker engine at {self.address} does not answer ({why}): {doing} was not done. "
            "Is it stopped? Start it again, then repeat this step: the lab reconnects by itself.")

    def _reconnect(self, doing: str) -> None:
        """After an outage: is an engine back at the lab's address, and is it the same one?"""
        timeout = self.api.timeout
        self.api.timeout = min(5, timeout or 5)   # a quick look: the step itself waits the full time
        try:
            info = self.api.info()
        except ENGINE_DOWN as e:
            raise self._unavailable(e, doing) from None
        finally:
            self.api.timeout = timeout
        self._outage = False
        before = self._host
        if before is not None and info.get("ID") == before.id:
            self._notice(f"the engine at {self.address} answers again")
            return
        # Another engine (or one the lab had not looked at): what it knew of containers is void.
        self._known.clear()
        self._ids.clear()
        self._networks.clear()
        self._host = None
        self._notice(f"the engine at {self.address} answers again" + (
            f", but it is another engine (ID {str(info.get('ID'))[:12]}): what this lab made on "
            "the one before is not on it" if before is not None else ""))

    def _before(self, doing: str, leftovers: bool = True) -> None:
        if self._in_process and engines.sim_server_closed():
            engines.sim_server()      # the same simulated engine, served again at its socket
            self._notice("labkit's simulated engine had been stopped: it runs again, with all it held")
        if self._outage:
            try:
                self._reconnect(doing)
            except EngineUnavailable:
                return                # the step tries itself: its error says what was not done
        if self._host is None:
            self.host()
        if leftovers and self._leftovers_pending:
            self._remove_leftovers()

    def _ref(self, name: str) -> str:
        """A container as the engine is asked for it: the ID this lab saw, else the name."""
        return self._ids.get(name, name)

    def _on_container(self, name: str, call):
        """call(ref) on a container; if the ID this lab remembered is gone (the engine was
        replaced behind its back), forget it and ask by name."""
        ref = self._ref(name)
        try:
            return call(ref)
        except docker.errors.NotFound:
            if ref == name:
                raise
            try:
                self.api.inspect_container(ref)
                gone = False            # the container is there: something else was not found
            except docker.errors.NotFound:
                gone = True
            if not gone:
                raise
            self._ids.pop(name, None)
            self._known.pop(ref, None)
            return call(name)

    # -- networks -------------------------------------------------------------------------------
    @_step("create a network")
    def network(self, name: str, driver: str = "bridge", subnet: str | None = None,
                gateway: str | None = None, ip_range: str | None = None, internal: bool = False,
                attachable: bool = False, options: dict | None = None,
                labels: dict | None = None) -> DockerNetwork:
        """Create a network, like `docker network create`; or return the lab's network of that
        name when it has these settings."""
        _check_name("network", name)
        if not isinstance(driver, str) or driver not in DRIVERS:
            raise BadArgument(f"driver of network {name}", driver,
                              f"use one of {', '.join(DRIVERS[:4])} (plugins are not part of the lab)")
        net = _check_network(subnet, "subnet", name) if subnet is not None else None
        if net is not None and net.version == 6:
            raise BadArgument(f"subnet of network {name}", subnet,
                              "IPv6 networks are not part of this lab: give an IPv4 subnet, like 10.10.0.0/24")
        if net is not None and net.prefixlen > 30 and "/" in subnet:   # no "/": the engine says what it wants
            raise BadArgument(f"subnet of network {name}", subnet, f"a /{net.prefixlen} leaves no address for "
                              "the gateway and a container: use /30 or larger, like 10.10.0.0/24")
        for flag, value in (("internal", internal), ("attachable", attachable)):
            if not isinstance(value, bool):
                raise BadArgument(f"{flag} of network {name}", value, "give True or False")
        if options is not None and not isinstance(options, dict):
            raise BadArgument(f"options of network {name}", options, "give a dict, like {'com.docker.network.driver.mtu': '1400'}")
        if (gateway or ip_range) and net is None:
            raise BadArgument(f"{'gateway' if gateway else 'IP range'} of network {name}",
                              gateway or ip_range, "it needs a subnet: give subnet= too")
        if gateway is not None:
            try:
                if not isinstance(gateway, str):
                    raise ValueError(gateway)
                gw = ipaddress.ip_address(gateway)
            except ValueError:
                raise BadArgument(f"gateway of network {name}", gateway, "it is not an IP address") from None
            if gw not in net:
                raise BadArgument(f"gateway of network {name}", gateway, f"it is not in the subnet {net}")
        if ip_range is not None:
            rng = _check_network(ip_range, "IP range", name)
            if rng.version != net.version or not rng.subnet_of(net):
                raise BadArgument(f"IP range of network {name}", ip_range, f"it is not inside the subnet {net}")
        options = {str(k): str(v) for k, v in (options or {}).items()}
        for k, v in options.items():
            _check_text(f"option of network {name}", k + v, "'1400'")
        labels = _labels(labels, self.name, f"network {name}")
        words = ["docker", "network", "create", "--driver", driver]
        for flag, value in (("--subnet", subnet), ("--gateway", gateway), ("--ip-range", ip_range)):
            if value:
                words += [flag, value]
        words += ["--internal"] * internal + ["--attachable"] * attachable
        for k, v in options.items():
            words += ["--opt", f"{k}={v}" if v else k]   # `--opt encrypted`, as Docker's docs write it
        line = cli(*words, *_label_args(_shown_labels(labels)), name)
        self.last_command = line
        ipam = None
        if net is not None:
            ipam = docker.types.IPAMConfig(pool_configs=[docker.types.IPAMPool(
                subnet=subnet, gateway=gateway, iprange=ip_range)])
        try:
            made = self.api.create_network(name, driver=driver, options=options or None, ipam=ipam,
                                           check_duplicate=True, internal=internal, labels=labels,
                                           attachable=attachable)
        except docker.errors.APIError as e:
            if e.status_code == 409:
                return self._existing_network(name, line, dict(
                    driver=driver, subnet=subnet, gateway=gateway, ip_range=ip_range,
                    internal=internal, attachable=attachable, options=options, labels=labels))
            raise _named(e, f"cannot create network {name}") from e
        self._did(line)
        self._networks.add(name)
        return self.client.networks.prepare_model(self.api.inspect_network(made["Id"]))

    def _existing_network(self, name: str, line: str, want: dict) -> DockerNetwork:
        attrs = self.api.inspect_network(name)
        own = model.owner(attrs.get("Labels"))
        if own != self.name:
            raise NotTheLabs("network", name, self.name, own, f"docker network rm {name}")
        pools = (attrs.get("IPAM") or {}).get("Config") or []
        pool = pools[0] if pools else {}
        diffs = []
        if attrs.get("Driver") != want["driver"]:
            diffs.append(f"driver {attrs.get('Driver')} (asked: {want['driver']})")
        for key, field_ in (("subnet", "Subnet"), ("gateway", "Gateway"), ("ip_range", "IPRange")):
            if want[key] and pool.get(field_) != want[key]:
                diffs.append(f"{key.replace('_', ' ')} {pool.get(field_) or 'none'} (asked: {want[key]})")
        for key, field_ in (("internal", "Internal"), ("attachable", "Attachable")):
            if bool(attrs.get(field_)) != want[key]:
                diffs.append(f"{key} {str(bool(attrs.get(field_))).lower()} (asked: {str(want[key]).lower()})")
        have_opts = attrs.get("Options") or {}
        diffs += [f"option {k}={have_opts.get(k)} (asked: {k}={v})" for k, v in want["options"].items()
                  if have_opts.get(k) != v]
        have_labels = attrs.get("Labels") or {}
        diffs += [f"label {k}={have_labels.get(k)} (asked: {k}={v})"
                  for k, v in _shown_labels(want["labels"]).items() if have_labels.get(k) != v]
        if diffs:
            raise Differs("network", name, diffs, f"docker network rm {name}")
        if line not in self.history:
            self._did(line)
        self._networks.add(name)
        return self.client.networks.prepare_model(attrs)

    # -- containers -----------------------------------------------------------------------------
    @_step("run a container")
    def container(self, name: str, networks: str | Iterable[str] | None = None, image: str = IMAGE,
                  command: str | list[str] | None = None, ports=None, network_mode: str | None = None,
                  hostname: str | None = None, aliases: str | list[str] | dict | None = None,
                  ip: str | dict | None = None, labels: dict | None = None,
                  environment: dict | list[str] | None = None,
                  cap_add: list[str] | None = None) -> DockerContainer:
        """Run a container in the background, like `docker run -d`: on `networks` (the first at
        create, the others connected after start) or in `network_mode` ("host", "none",
        "container:NAME"); by default busybox sleeping a day. `aliases` and `ip` apply to the
        first network, as `docker run --network-alias/--ip` do; give a dict {network: ...} for
        others. Returns the lab's container of that name instead when it has these settings."""
        spec = self._container_spec(name, networks, image, command, ports, network_mode, hostname,
                                    aliases, ip, labels, environment, cap_add)
        line = spec.run_cli()
        self.last_command = line
        first = spec.networks[:1]
        networking = None
        if first:
            aliases0, ip0 = spec.endpoint.get(first[0], ([], None))
            networking = self.api.create_networking_config({first[0]: self.api.create_endpoint_config(
                aliases=aliases0 or None, ipv4_address=ip0)})
        if spec.mode == "host" and spec.ports:
            raise BadArgument(f"ports of container {name}", " ".join(b.cli() for b in spec.ports),
                              "a container in host mode uses the host's own ports: there is nothing to "
                              "publish (docker-py refuses port bindings in host mode)")
        # Never privileged, no mounts (so never the engine's socket): see the module's docstring.
        try:
            host_config = self.api.create_host_config(
                network_mode=spec.mode, port_bindings=spec.bindings() or None, cap_add=spec.cap_add or None,
                privileged=False)
        except docker.errors.InvalidArgument as e:   # docker-py's own checks, before the engine
            raise BadArgument(f"settings of container {name}", spec.mode, str(e)) from None
        def create():
            return self.api.create_container(
                spec.image, spec.argv, name=name, hostname=spec.hostname, labels=spec.labels,
                ports=[(b.container_port, b.protocol) for b in spec.ports] or None,
                environment=spec.environment or None, host_config=host_config,
                networking_config=networking)
        try:
            try:
                made = create()
            except docker.errors.ImageNotFound:
                if spec.image not in (IMAGE, IMAGE + ":latest"):
                    raise
                # The lab image, missing on this engine: made here, offline, then used.
                from .images import ensure_lab_image
                ensure_lab_image(self.client, progress=None if self.quiet else print)
                made = create()
        except docker.errors.APIError as e:
            if e.status_code == 409 and "already in use" in str(e.explanation):
                return self._existing_container(spec, line)
            raise _named(e, f"cannot create container {name}") from e
        cid = made["Id"]
        mark = len(self.history)
        try:
            self._start(cid, name, spec)
            known = self._known[cid] = _Known(hostname=spec.hostname)
            if first:
                known.joined(first[0], spec.endpoint.get(first[0], ([], None))[0])
            elif spec.mode == "default":
                known.joined("bridge")
            else:
                known.next_eth = None   # host, none, another container's: no interface of its own
            self._did(line)
            for net in spec.networks[1:]:
                self._connect(cid, name, net, *spec.endpoint.get(net, ([], None)))
            attrs = self.api.inspect_container(cid)
        except BaseException:
            # Nothing half-made stays behind: the container goes, with what the lab noted of it.
            del self.history[mark:]
            self._known.pop(cid, None)
            try:
                self.api.remove_container(cid, force=True, v=True)
            except (docker.errors.DockerException, *ENGINE_DOWN):
                pass
            raise
        self._ids[name] = cid
        known.learn(attrs)
        return self.client.containers.prepare_model(attrs)

    def _container_spec(self, name, networks, image, command, ports, network_mode, hostname,
                        aliases, ip, labels, environment, cap_add) -> _Spec:
        _check_name("container", name, CONTAINER_NAME, rules.CONTAINER_NAME_RULE)
        if isinstance(networks, (str, DockerNetwork, model.Network)):
            networks = [networks]
        if networks is not None and not isinstance(networks, (list, tuple)):
            raise BadArgument(f"networks of container {name}", networks,
                              "give a network's name, or a list of names like ['front', 'back']")
        networks = [_name_of(n, "network") for n in networks or []]
        if len(set(networks)) != len(networks):
            raise BadArgument(f"networks of container {name}", networks, "a network is named twice")
        if network_mode is not None:
            if networks:
                raise BadArgument(f"network_mode of container {name}", network_mode,
                                  "give networks or network_mode, not both")
            if not isinstance(network_mode, str):
                raise BadArgument(f"network_mode of container {name}", network_mode,
                                  "use 'host', 'none', 'bridge' or 'container:NAME'")
            kind, _, other = network_mode.partition(":")
            if network_mode in ("host", "none", "bridge", "default"):
                pass
            elif kind == "container" and other:
                _check_name("container", _name_of(other), CONTAINER_NAME, NAME_RULE)
            else:
                raise BadArgument(f"network_mode of container {name}", network_mode,
                                  "use 'host', 'none', 'bridge' or 'container:NAME' (networks= for "
                                  "user-defined networks)")
        if network_mode == "bridge":
            networks, network_mode = ["bridge"], None
        mode = networks[0] if networks else (network_mode or "default")
        _check_image(image, name)
        what = f"command of container {name}"
        if command is None:
            argv = list(COMMAND)
        elif isinstance(command, str):
            _check_text(what, command, "'sleep 600'")
            try:
                argv = shlex.split(command)
            except ValueError as e:
                raise BadArgument(what, command, str(e)) from None
        elif isinstance(command, (list, tuple)):
            argv = [_check_text(what, str(a) if isinstance(a, int) and not isinstance(a, bool) else a,
                                "['sleep', '600']") for a in command]
        else:
            raise BadArgument(what, command, "give it as text, like 'sleep 600', or a list, like ['sleep', '600']")
        if not argv:
            raise BadArgument(what, command, "it is empty")
        if hostname is not None:
            _check_name("hostname", hostname, rules.HOSTNAME, rules.HOSTNAME_RULE)
        if (aliases or ip) and not networks:
            raise BadArgument(f"{'aliases' if aliases else 'ip'} of container {name}", aliases or ip,
                              "aliases and fixed addresses need a user-defined network: give "
                              "networks=[...] (the default bridge has no names, host and none no "
                              "addresses of their own)")
        endpoint: dict[str, tuple[list[str], str | None]] = {}
        per_net_aliases = aliases if isinstance(aliases, dict) else ({networks[0]: aliases} if aliases else {})
        per_net_ip = ip if isinstance(ip, dict) else ({networks[0]: ip} if ip else {})
        for key in list(per_net_aliases) + list(per_net_ip):
            if not isinstance(key, str):
                raise BadArgument(f"aliases or ip of container {name}", key, "key them by the network's name")
        for net in set(per_net_aliases) | set(per_net_ip):
            if net not in networks:
                raise BadArgument(f"aliases or ip of container {name}", net,
                                  "it is not one of the networks asked for")
            a = per_net_aliases.get(net) or []
            if not isinstance(a, (str, list, tuple)):
                raise BadArgument(f"aliases of container {name} on {net}", a, "give a name, or a list of names")
            a = [a] if isinstance(a, str) else list(a)
            for alias in a:
                _check_name("alias", alias)
            address = per_net_ip.get(net)
            if address is not None:
                try:
                    if not isinstance(address, str):
                        raise ValueError(address)
                    address = str(ipaddress.IPv4Address(address))
                except ValueError:
                    raise BadArgument(f"ip of container {name} on {net}", address,
                                      "it is not an IPv4 address") from None
            endpoint[net] = (a, address)
        bindings = parse_ports(ports)   # in host mode the engine discards them (and says so)
        env = _environment(environment, name)
        caps = _capabilities(cap_add, name)
        return _Spec(name, image, argv, mode, networks, endpoint, bindings, hostname,
                     _labels(labels, self.name, f"container {name}"), env, caps)

    def _start(self, cid: str, name: str, spec: _Spec) -> None:
        try:
            self.api.start(cid)
        except docker.errors.APIError as e:
            where = (f"on network {spec.mode}" if spec.networks else "on the default bridge"
                     if spec.mode == "default" else f"in {spec.mode} mode")
            raise _named(e, f"cannot start container {name} ({where})") from e

    def _existing_container(self, spec: _Spec, line: str) -> DockerContainer:
        """A re-run: the lab's container of that name, started and on the networks asked for."""
        name = spec.name
        attrs = self.api.inspect_container(name)
        own = model.owner((attrs.get("Config") or {}).get("Labels"))
        if own != self.name:
            raise NotTheLabs("container", name, self.name, own, f"docker rm -f {name}")
        diffs = spec.differences(attrs)
        if diffs:
            raise Differs("container", name, diffs, f"docker rm -f {name}")
        cid = attrs["Id"]
        mark = len(self.history)
        if line not in self.history:
            self._did(line)
        nets = (attrs.get("NetworkSettings") or {}).get("Networks") or {}
        changed = False
        if not (attrs.get("State") or {}).get("Running"):
            self._start(cid, name, spec)
            self._did(cli("docker", "start", name))
            changed = True
            # On start the engine joins the default bridge first, then the others in no fixed
            # order: only a single network's interface name is certain.
            known = self._known[cid] = _Known(next_eth=0 if len(nets) == 1 else None)
            for net in list(nets)[:1]:
                known.joined(net)
        elif cid not in self._known:
            known = self._known[cid] = _Known()
            asked = spec.networks or (["bridge"] if spec.mode == "default" else [])
            if asked and set(nets) == set(asked):
                for net in asked:   # joined as this lab joins them: the first, then the others
                    known.joined(net)
            else:
                known.next_eth = None
            known.learn(attrs)
        known = self._known[cid]
        try:
            for net in spec.networks[1:]:
                if net not in nets:
                    self._connect(cid, name, net, *spec.endpoint.get(net, ([], None)))
                    changed = True
        except BaseException:
            del self.history[mark:]
            raise
        self._ids[name] = cid
        if changed:
            attrs = self.api.inspect_container(cid)
            known.learn(attrs)
        return self.client.containers.prepare_model(attrs)

    # -- connecting -----------------------------------------------------------------------------
    @_step("connect a container")
    def connect(self, container, network, aliases: str | list[str] | None = None,
                ip: str | None = None) -> bool:
        """Connect a container to a network, like `docker network connect`. Does nothing (and
        returns False) when it is connected there already with these aliases and address."""
        cname, net = _name_of(container, "container"), _name_of(network, "network")
        if aliases is not None and not isinstance(aliases, (str, list, tuple)):
            raise BadArgument(f"aliases of container {cname} on {net}", aliases, "give a name, or a list of names")
        aliases = [aliases] if isinstance(aliases, str) else list(aliases or [])
        for alias in aliases:
            _check_name("alias", alias)
        if ip is not None:
            try:
                if not isinstance(ip, str):
                    raise ValueError(ip)
                ip = str(ipaddress.IPv4Address(ip))
            except ValueError:
                raise BadArgument(f"ip of container {cname} on {net}", ip, "it is not an IPv4 address") from None
        return self._on_container(cname, lambda ref: self._connect(ref, cname, net, aliases, ip))

    def _connect(self, cid: str, cname: str, net: str, aliases: list[str], ip: str | None) -> bool:
        words = ["docker", "network", "connect"]
        for a in aliases:
            words += ["--alias", a]
        if ip:
            words += ["--ip", ip]
        line = cli(*words, net, cname)
        self.last_command = line
        try:
            self.api.connect_container_to_network(cid, net, aliases=aliases or None, ipv4_address=ip)
        except docker.errors.APIError as e:
            if e.status_code == 403 and "already exists in network" in str(e.explanation):
                attrs = self.api.inspect_container(cid)
                have = ((attrs.get("NetworkSettings") or {}).get("Networks") or {}).get(net) or {}
                have_ip = (have.get("IPAMConfig") or {}).get("IPv4Address") or None
                if (not ip or have_ip == ip) and all(a in (have.get("Aliases") or []) for a in aliases):
                    return False
            raise _named(e, f"cannot connect container {cname} to network {net}") from e
        known = self._known.get(cid)
        if known is not None:
            known.joined(net, aliases)
        self._did(line)
        return True

    @_step("disconnect a container")
    def disconnect(self, container, network) -> bool:
        """Disconnect a container from a network, like `docker network disconnect`. Does
        nothing (and returns False) when it is not connected there."""
        cname, net = _name_of(container, "container"), _name_of(network, "network")
        line = cli("docker", "network", "disconnect", net, cname)
        self.last_command = line
        try:
            cid = self._on_container(cname, lambda ref: (
                self.api.disconnect_container_from_network(ref, net), ref)[1])
        except docker.errors.APIError as e:
            if "is not connected to network" in str(e.explanation):
                return False
            raise _named(e, f"cannot disconnect container {cname} from network {net}") from e
        known = self._known.get(cid)
        if known is not None:
            known.joins.pop(net, None)
        self._did(line)
        return True

    # -- removing -------------------------------------------------------------------------------
    @_step("remove a container or network")
    def remove(self, thing) -> str:
        """Remove a container (`docker rm -f`, also when it runs) or a network (`docker network
        rm`). A name is looked up as a container first, then as a network. Returns which it was."""
        if isinstance(thing, (DockerNetwork, model.Network)):
            self._remove_network(thing.name, thing.id)
            return "network"
        if isinstance(thing, (DockerContainer, model.Container)):
            self._remove_container(thing.name, thing.id)
            return "container"
        name = _name_of(thing)
        # A name: a container first, then a network; the other way round for the lab's networks.
        order = ["container", "network"]
        if name in self._networks and name not in self._ids:
            order.reverse()
        misses = []
        for kind in order:
            try:
                if kind == "container":
                    self._on_container(name, lambda ref: self._remove_container(name, ref))
                else:
                    self._remove_network(name, name)
                return kind
            except docker.errors.NotFound as e:
                misses.append(e)
        gone = copy.copy(misses[-1])
        gone.explanation = f"there is no container or network named {name}"
        raise gone from misses[0]

    def _remove_container(self, name: str, ref: str) -> None:
        line = cli("docker", "rm", "-f", name)
        self.last_command = line
        try:
            self.api.remove_container(ref, force=True, v=True)
        except docker.errors.APIError as e:
            raise _named(e, f"cannot remove container {name}") from e
        cid = self._ids.pop(name, None)
        self._known.pop(cid or ref, None)
        self._did(line)

    def _remove_network(self, name: str, ref: str) -> None:
        line = cli("docker", "network", "rm", name)
        self.last_command = line
        try:
            self.api.remove_network(ref)
        except docker.errors.APIError as e:
            raise _named(e, f"cannot remove network {name}") from e
        self._networks.discard(name)
        for known in self._known.values():
            known.joins.pop(name, None)
        self._did(line)

    @_step("reset the lab", leftovers=False)
    def reset(self) -> dict[str, list[str]]:
        """Remove this lab's containers, then its networks: exactly those with its labels.
        Returns their names: {"containers": [...], "networks": [...]}."""
        mine = [f"{LAB_LABEL}={self.name}", f"{MARK_LABEL}=1"]
        removed: dict[str, list[str]] = {"containers": [], "networks": []}
        failures = []
        for c in self.api.containers(all=True, filters={"label": mine}):
            name = (c.get("Names") or ["/" + c["Id"][:12]])[0].lstrip("/")
            try:
                self.api.remove_container(c["Id"], force=True, v=True)
            except docker.errors.NotFound:
                continue
            except docker.errors.APIError as e:
                failures.append(f"container {name}: {e.explanation}")
                continue
            removed["containers"].append(name)
        self._leftovers_pending = False          # this removed them, with everything else
        for n in self.api.networks(filters={"label": mine}):
            try:
                self.api.remove_network(n["Id"])
            except docker.errors.NotFound:
                continue
            except docker.errors.APIError as e:
                users = self._users_of(n["Id"])
                failures.append(f"network {n['Name']} is still used by {', '.join(users)}, not this lab's: "
                                f"disconnect {'them' if len(users) > 1 else 'it'} first (`docker network "
                                f"disconnect {n['Name']} {users[0]}`)" if users else
                                f"network {n['Name']}: {e.explanation}")
                continue
            removed["networks"].append(n["Name"])
        if removed["containers"]:
            self._did(cli("docker", "rm", "-f", *removed["containers"]))
        if removed["networks"]:
            self._did(cli("docker", "network", "rm", *removed["networks"]))
        self._known.clear()
        self._ids.clear()
        self._networks.clear()
        self.last_command = self.history[-1] if removed["containers"] or removed["networks"] else None
        if failures:
            raise RemoveFailed(removed, failures)
        return removed

    # -- probes ---------------------------------------------------------------------------------
    def _exec(self, src, argv: list[str], what: str) -> tuple[str, int, str]:
        name = _name_of(src, "probe source")
        line = cli("docker", "exec", name, *argv)
        self.last_command = line
        try:
            eid = self._on_container(name, lambda ref: self.api.exec_create(ref, argv))["Id"]
            output = self.api.exec_start(eid)
            code = self.api.exec_inspect(eid)["ExitCode"]
        except docker.errors.APIError as e:
            raise _named(e, f"cannot {what} from container {name}") from e
        self._did(line)
        return line, code, output.decode(errors="replace")

    @_step("run a command")
    def exec(self, src, command: str | list[str]) -> Probe:
        """Run a command inside src, as `docker exec SRC COMMAND` (in the history too): ok when
        it exits 0; `output` is what it printed (stdout and stderr)."""
        argv = shlex.split(command) if isinstance(command, str) else [str(a) for a in command]
        if not argv:
            raise BadArgument("command", command, "give the command to run, e.g. 'ip addr'")
        line, code, out = self._exec(src, argv, f"run {argv[0]}")
        return Probe(line, code == 0, "ok" if code == 0 else f"exit {code}", code, out)

    @_step("ping")
    def ping(self, src, dst, count: int = 1, timeout: int = 1) -> Probe:
        """Ping dst (a name or an address) from inside src: `docker exec SRC ping -c 1 -W 1 DST`."""
        dst = _target(dst)
        count, timeout = _check_int("ping count", count, 1, 100), _check_int("ping timeout", timeout, 1, 60)
        line, code, out = self._exec(src, ["ping", "-c", str(count), "-W", str(timeout), dst],
                                     f"ping {dst}")
        m = PING_HEAD.search(out)
        return Probe(line, code == 0, "reachable" if code == 0 else "unreachable", code, out,
                     m.group(1) if m else _literal(dst))

    @_step("look up a name")
    def resolve(self, src, name: str, timeout: int | None = None) -> list[str]:
        """The addresses `nslookup NAME` finds from inside src (an empty list when none).
        With timeout, nslookup waits that many seconds for the name server, once."""
        name = _name_of(name, "name to look up")
        timeout = None if timeout is None else _check_int("lookup timeout", timeout, 1, 60)
        argv = ["nslookup"] + ([f"-timeout={timeout}", "-retry=1"] if timeout else []) + [name]
        _, code, out = self._exec(src, argv, f"look up {name}")
        return parse_nslookup(out) if code == 0 else []

    @_step("probe a port")
    def port(self, src, dst, port: int, timeout: int = 1) -> Probe:
        """Is dst:port open from inside src? `docker exec SRC nc -w 1 DST PORT`: "open" (it
        connected), "closed" (refused) or "unreachable" (no answer, or no route)."""
        dst = _target(dst)
        port = _port_number(port, "port", port)
        timeout = _check_int("port probe timeout", timeout, 1, 60)
        line, code, out = self._exec(src, ["nc", "-w", str(timeout), dst, str(port)],
                                     f"connect to {dst}:{port}")
        m = NC_HOST.search(out)
        if code == 0:
            state = "open"
        elif m and "refused" in m.group(2).lower():
            state = "closed"
        else:
            state = "unreachable"
        return Probe(line, code == 0, state, code, out, m.group(1) if m else _literal(dst))

    @_step("list the interfaces")
    def interfaces(self, container) -> dict[str, list[str]]:
        """The container's interfaces and their IPv4 addresses, from `ip -o -4 addr` inside it;
        also teaches the lab their names for the snapshot."""
        name = _name_of(container, "container")
        _, code, out = self._exec(container, ["ip", "-o", "-4", "addr"], "list the interfaces")
        found: dict[str, list[str]] = {}
        for m in re.finditer(r"^\d+:\s+(\S+)\s+inet\s+(\S+)", out, re.M):
            found.setdefault(m.group(1), []).append(m.group(2))
        attrs = self.api.inspect_container(self._ref(name))
        known = self._known.setdefault(attrs["Id"], _Known(next_eth=None))
        known.learn(attrs)
        by_ip = {ip.split("/")[0]: ifname for ifname, ips in found.items() for ip in ips}
        for net, s in ((attrs.get("NetworkSettings") or {}).get("Networks") or {}).items():
            if s.get("IPAddress") in by_ip:
                known.joins[net].interface = by_ip[s["IPAddress"]]
        return found

    # -- the snapshot ---------------------------------------------------------------------------
    @_step("ask the engine who it is")
    def host(self) -> model.Host:
        """The engine this lab talks to (asked once, then remembered)."""
        if self._host is None:
            info = self.client.info()
            sim = "labkit.sim=true" in (info.get("Labels") or [])
            self._host = model.Host(info.get("Name") or "", info.get("ID") or "",
                                    "sim" if sim else "docker", info.get("ServerVersion") or "")
        return self._host

    @_step("take a snapshot")
    def snapshot(self, inspect: bool = False) -> model.Topology:
        """Everything on the engine now, the lab's objects and foreign ones, as a plain model.

        Three calls whatever the size: `docker info` (once per lab), the network list and the
        container list (`docker ps -a`), which give all that the model holds but three things:
        - hostnames and aliases (the list shows none): known for the containers this lab made,
          adopted or inspected; for others None and (), unless inspect=True, which inspects
          every container (one call each). Aliases are the user's: the engine's own (the short
          ID and the hostname) are left out.
        - interface names: the engine's API does not report them. They are known where this lab
          saw the joins (eth0 for the network a container started on, then eth1, ... in the order
          it connected them; a container adopted on a re-run gets its networks' order from the
          call) or looked with `lab.interfaces(container)`; a name is forgotten when the
          endpoint changes (a restart, a reconnect behind the lab's back). Otherwise None.
        A network's gateway is its IPAM gateway, or else the one its endpoints were given.
        """
        host = self.host()
        networks = [_network(n, host.name) for n in self.api.networks()]
        listed = self.api.containers(all=True)
        containers, endpoints = [], []
        for c in listed:
            cid = c["Id"]
            name = (c.get("Names") or ["/" + cid[:12]])[0].lstrip("/")
            known = self._known.get(cid)
            if inspect:
                known = known or self._known.setdefault(cid, _Known(next_eth=None))
                known.learn(self.api.inspect_container(cid))
            mode = (c.get("HostConfig") or {}).get("NetworkMode") or "default"
            ports = tuple(model.PublishedPort(p["PrivatePort"], p.get("Type") or "tcp", p.get("IP") or "",
                                              p["PublicPort"]) for p in c.get("Ports") or [] if p.get("PublicPort"))
            labels = dict(c.get("Labels") or {})
            containers.append(model.Container(cid, name, c.get("Image") or "", c.get("State") or "",
                                              mode, known.hostname if known else None, ports, labels,
                                              model.owner(labels), host.name))
            for net, s in ((c.get("NetworkSettings") or {}).get("Networks") or {}).items():
                eid = s.get("EndpointID")
                if not eid:
                    continue   # asked for, but not joined (the container is not running)
                join = known.seen(net, eid) if known is not None else None
                ip = s.get("IPAddress") or None
                endpoints.append(model.Endpoint(
                    name, net, cid, s.get("NetworkID") or "", join.interface if join else None,
                    f"{ip}/{s.get('IPPrefixLen') or 0}" if ip else None, s.get("MacAddress") or None,
                    s.get("Gateway") or None, join.aliases if join else (), host.name))
        # IPAM shows a gateway only when one was asked for; the endpoints show the one given.
        seen: dict[str, list[str]] = {}
        for e in endpoints:
            if e.gateway and e.gateway not in seen.setdefault(e.network_id, []):
                seen[e.network_id].append(e.gateway)
        networks = [dataclasses.replace(n, gateways=tuple(seen[n.id])) if not n.gateways and seen.get(n.id)
                    else n for n in networks]
        return model.Topology([host], networks, containers, endpoints)


def _network(n: dict, host: str) -> model.Network:
    pools = (n.get("IPAM") or {}).get("Config") or []
    labels = dict(n.get("Labels") or {})
    return model.Network(
        n["Id"], n["Name"], n.get("Driver") or "", n.get("Scope") or "local",
        tuple(p["Subnet"] for p in pools if p.get("Subnet")),
        tuple(p["Gateway"] for p in pools if p.get("Gateway")),
        tuple(p["IPRange"] for p in pools if p.get("IPRange")),
        bool(n.get("Internal")), bool(n.get("Attachable")), dict(n.get("Options") or {}), labels,
        model.owner(labels), host)


def _literal(text: str) -> str | None:
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return None


__all__ = ["Lab", "Probe", "Binding", "BadArgument", "NotTheLabs", "Differs", "RemoveFailed",
           "EngineUnavailable", "parse_ports", "parse_nslookup", "session_id", "session_state",
           "default_name", "IMAGE", "COMMAND", "PUBLISH_IP", "CAPABILITIES", "SESSION_LABEL"]
