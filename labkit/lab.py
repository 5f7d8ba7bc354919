"""The lab: short verbs over a Docker client, for notebooks and widgets.

    lab = labkit.Lab("sim", name="demo")                # or "docker", "auto", or a DockerClient
    lab.network("front", subnet="10.10.0.0/24")         # docker network create ...
    lab.container("web", networks=["front"], ports={80: 8080})   # docker run -d ...
    lab.ping("web", "10.10.0.1").ok                     # docker exec web ping -c 1 -W 1 ...
    lab.snapshot()                                      # a labkit.model.Topology
    lab.history                                         # the docker CLI lines of all of that
    lab.reset()                                         # removes exactly this lab's objects

Labels: everything a Lab creates carries `labkit=1` and `labkit.lab=NAME`; `reset()` and the
snapshot's ownership find objects by them, never by name patterns.

Re-running a notebook: `network()` and `container()` return the lab's existing object of that
name when it was made with the same settings (a container is also started again and connected to
any asked-for network it lacks), and refuse, naming the differences, when it was not; they never
replace an object that is not the lab's. `connect()` and `disconnect()` do nothing when the
container is already connected, or not connected.

Errors: the engine's errors pass through as docker-py raised them (same class, `status_code`,
`response`), their `explanation` prefixed with what the lab was doing, so that the message names
the container or network. What can be checked without the engine (names, CIDRs, ports, drivers)
is checked first and raised as `BadArgument` (a `docker.errors.InvalidArgument`). A failed
`container()` removes what it made.

Probes run busybox commands in the source container with docker exec, so they behave the same on
the real engine and on the simulator.
"""
from __future__ import annotations

import copy
import dataclasses
import ipaddress
import re
import shlex
from dataclasses import dataclass, field
from typing import Iterable

import docker
import docker.errors
from docker.models.containers import Container as DockerContainer
from docker.models.networks import Network as DockerNetwork

from . import model
from .engines import connect as connect_engine
from .errors import LabkitError

IMAGE = "busybox"
COMMAND = ("sleep", "86400")     # busybox's sleep: one day, long enough for any lab session
PUBLISH_IP = "127.0.0.1"         # where published ports bind unless the learner names an address
LAB_LABEL, MARK_LABEL = model.LAB_LABEL, model.MARK_LABEL
# The engine's own rule for container names (and at least two characters: 20.10 refuses one).
CONTAINER_NAME = re.compile(r"[a-zA-Z0-9][a-zA-Z0-9_.-]+")
NAME = re.compile(r"[a-zA-Z0-9][a-zA-Z0-9_.-]*")
NAME_RULE = "start with a letter or digit, then use only letters, digits, '_', '.' and '-'"
# Network drivers an engine has without plugins. Any other name makes the engine look for a
# plugin, which takes 15 s to fail on 20.10: so unknown drivers are refused here at once.
DRIVERS = ("bridge", "overlay", "macvlan", "ipvlan", "host", "null")
PROTOCOLS = ("tcp", "udp", "sctp")


# -- errors -------------------------------------------------------------------------------------
class BadArgument(LabkitError, docker.errors.InvalidArgument):
    """Something asked of the lab is not valid; nothing was sent to the engine."""

    def __init__(self, what: str, value, rule: str):
        self.what = what
        self.value = value
        super().__init__(f"{what} {value!r} is not valid: {rule}")


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
        raise BadArgument("port", spec, f"{what} {text!r} is not a number") from None
    if not (0 if allow_zero else 1) <= n <= 65535 or isinstance(text, bool):
        raise BadArgument("port", spec, f"{what} {n} is out of range (1-65535)")
    return n


def _host_ip(text, spec) -> str:
    text = str(text).strip("[]")
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        raise BadArgument("port", spec, f"{text!r} is not an IP address to publish on") from None


def _container_side(key, spec) -> tuple[int, str]:
    port, _, proto = str(key).partition("/")
    proto = proto or "tcp"
    if proto not in PROTOCOLS:
        raise BadArgument("port", spec, f"protocol {proto!r} is not one of {', '.join(PROTOCOLS)}")
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
    return name


def _check_network(value, what: str, name: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    try:
        return ipaddress.ip_network(value, strict=True)
    except ValueError as e:
        hint = ""
        try:
            hint = f": did you mean {ipaddress.ip_network(value, strict=False)}?"
        except ValueError:
            hint = f" ({e}); write it like 10.10.0.0/24"
        raise BadArgument(f"{what} of network {name}", value, f"it is not a network address{hint}") from None


def _labels(user: dict | None, lab: str, what: str) -> dict:
    user = dict(user or {})
    for key in (MARK_LABEL, LAB_LABEL):
        if key in user:
            raise BadArgument(f"label of {what}", key, "labkit sets this label itself")
    for key, value in user.items():
        if not isinstance(key, str) or not key or not isinstance(value, str):
            raise BadArgument(f"label of {what}", {key: value}, "labels are text: {'key': 'value'}")
    return {MARK_LABEL: "1", LAB_LABEL: lab, **user}


def _name_of(thing) -> str:
    """A container or network as the engine's API takes it: a name (or an ID)."""
    if isinstance(thing, str):
        return thing
    if isinstance(thing, (DockerContainer, DockerNetwork)):
        return thing.name or thing.id
    if isinstance(thing, (model.Container, model.Network)):
        return thing.name
    raise BadArgument("container or network", thing, "give its name or the object")


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
        for k, v in self.labels.items():
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
        words += _label_args(self.labels)
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


# -- the lab ------------------------------------------------------------------------------------
class Lab:
    """Short verbs over a Docker client, with the lab's labels, CLI history, probes and snapshot.

    `engine`: "sim", "docker", "auto" (see labkit.connect) or a docker.DockerClient to use as is.
    `name`: the lab's name, in the `labkit.lab` label of everything it creates.
    """

    def __init__(self, engine: str | docker.DockerClient = "auto", name: str = "lab"):
        self.name = _check_name("lab", name)
        if isinstance(engine, docker.DockerClient):
            self.client = engine
        elif isinstance(engine, str) or engine is None:
            self.client = connect_engine(engine)
        else:
            raise BadArgument("engine", engine, "use 'sim', 'docker', 'auto' or a docker.DockerClient")
        self.api = self.client.api
        self.history: list[str] = []
        self.last_command: str | None = None   # the CLI line of the last action, also when it failed
        self._known: dict[str, _Known] = {}    # by container ID
        self._ids: dict[str, str] = {}         # container name -> ID, for the lab's containers
        self._networks: set[str] = set()       # the names of the lab's networks
        self._host: model.Host | None = None

    def __repr__(self) -> str:
        return f"Lab(name={self.name!r}, engine={self.api.base_url!r})"

    @property
    def labels(self) -> dict:
        """The labels that mark an object as this lab's."""
        return {MARK_LABEL: "1", LAB_LABEL: self.name}

    def _did(self, line: str) -> None:
        self.history.append(line)

    # -- networks -------------------------------------------------------------------------------
    def network(self, name: str, driver: str = "bridge", subnet: str | None = None,
                gateway: str | None = None, ip_range: str | None = None, internal: bool = False,
                attachable: bool = False, options: dict | None = None,
                labels: dict | None = None) -> DockerNetwork:
        """Create a network, like `docker network create`; or return the lab's network of that
        name when it has these settings."""
        _check_name("network", name)
        if driver not in DRIVERS:
            raise BadArgument(f"driver of network {name}", driver,
                              f"use one of {', '.join(DRIVERS[:4])} (plugins are not part of the lab)")
        net = _check_network(subnet, "subnet", name) if subnet is not None else None
        if (gateway or ip_range) and net is None:
            raise BadArgument(f"{'gateway' if gateway else 'IP range'} of network {name}",
                              gateway or ip_range, "it needs a subnet: give subnet= too")
        if gateway is not None:
            try:
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
        labels = _labels(labels, self.name, f"network {name}")
        words = ["docker", "network", "create", "--driver", driver]
        for flag, value in (("--subnet", subnet), ("--gateway", gateway), ("--ip-range", ip_range)):
            if value:
                words += [flag, value]
        words += ["--internal"] * internal + ["--attachable"] * attachable
        for k, v in options.items():
            words += ["--opt", f"{k}={v}"]
        line = cli(*words, *_label_args(labels), name)
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
        diffs += [f"label {k}={have_labels.get(k)} (asked: {k}={v})" for k, v in want["labels"].items()
                  if have_labels.get(k) != v]
        if diffs:
            raise Differs("network", name, diffs, f"docker network rm {name}")
        if line not in self.history:
            self._did(line)
        self._networks.add(name)
        return self.client.networks.prepare_model(attrs)

    # -- containers -----------------------------------------------------------------------------
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
        host_config = self.api.create_host_config(
            network_mode=spec.mode, port_bindings=spec.bindings() or None, cap_add=spec.cap_add or None)
        try:
            made = self.api.create_container(
                spec.image, spec.argv, name=name, hostname=spec.hostname, labels=spec.labels,
                ports=[(b.container_port, b.protocol) for b in spec.ports] or None,
                environment=spec.environment or None, host_config=host_config,
                networking_config=networking)
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
                self.api.remove_container(cid, force=True)
            except docker.errors.DockerException:
                pass
            raise
        self._ids[name] = cid
        known.learn(attrs)
        return self.client.containers.prepare_model(attrs)

    def _container_spec(self, name, networks, image, command, ports, network_mode, hostname,
                        aliases, ip, labels, environment, cap_add) -> _Spec:
        _check_name("container", name, CONTAINER_NAME,
                    NAME_RULE + "; at least two characters")
        if isinstance(networks, str):
            networks = [networks]
        networks = list(networks or [])
        for net in networks:
            _check_name("network", _name_of(net))
        networks = [_name_of(n) for n in networks]
        if len(set(networks)) != len(networks):
            raise BadArgument(f"networks of container {name}", networks, "a network is named twice")
        if network_mode is not None:
            if networks:
                raise BadArgument(f"network_mode of container {name}", network_mode,
                                  "give networks or network_mode, not both")
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
        if not isinstance(image, str) or not image or any(ch.isspace() for ch in image):
            raise BadArgument(f"image of container {name}", image, "give an image name like busybox")
        if command is None:
            argv = list(COMMAND)
        elif isinstance(command, str):
            try:
                argv = shlex.split(command)
            except ValueError as e:
                raise BadArgument(f"command of container {name}", command, str(e)) from None
        else:
            argv = [str(a) for a in command]
        if not argv:
            raise BadArgument(f"command of container {name}", command, "it is empty")
        if hostname is not None:
            _check_name("hostname", hostname, re.compile(r"[a-zA-Z0-9]([a-zA-Z0-9.-]*[a-zA-Z0-9])?"),
                        "use letters, digits, '.' and '-'")
        if (aliases or ip) and not networks:
            raise BadArgument(f"{'aliases' if aliases else 'ip'} of container {name}", aliases or ip,
                              "aliases and fixed addresses need a user-defined network: give "
                              "networks=[...] (the default bridge has no names, host and none no "
                              "addresses of their own)")
        endpoint: dict[str, tuple[list[str], str | None]] = {}
        per_net_aliases = aliases if isinstance(aliases, dict) else ({networks[0]: aliases} if aliases else {})
        per_net_ip = ip if isinstance(ip, dict) else ({networks[0]: ip} if ip else {})
        for net in set(per_net_aliases) | set(per_net_ip):
            if net not in networks:
                raise BadArgument(f"aliases or ip of container {name}", net,
                                  "it is not one of the networks asked for")
            a = per_net_aliases.get(net) or []
            a = [a] if isinstance(a, str) else list(a)
            for alias in a:
                _check_name("alias", alias)
            address = per_net_ip.get(net)
            if address is not None:
                try:
                    address = str(ipaddress.IPv4Address(address))
                except ValueError:
                    raise BadArgument(f"ip of container {name} on {net}", address,
                                      "it is not an IPv4 address") from None
            endpoint[net] = (a, address)
        bindings = parse_ports(ports)   # in host mode the engine discards them (and says so)
        if isinstance(environment, dict):
            env = [f"{k}={v}" for k, v in environment.items()]
        else:
            env = [str(e) for e in environment or []]
        caps = [str(c) for c in cap_add or []]
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
    def connect(self, container, network, aliases: str | list[str] | None = None,
                ip: str | None = None) -> bool:
        """Connect a container to a network, like `docker network connect`. Does nothing (and
        returns False) when it is connected there already with these aliases and address."""
        cname, net = _name_of(container), _name_of(network)
        aliases = [aliases] if isinstance(aliases, str) else list(aliases or [])
        for alias in aliases:
            _check_name("alias", alias)
        if ip is not None:
            try:
                ip = str(ipaddress.IPv4Address(ip))
            except ValueError:
                raise BadArgument(f"ip of container {cname} on {net}", ip, "it is not an IPv4 address") from None
        return self._connect(self._ids.get(cname, cname), cname, net, aliases, ip)

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

    def disconnect(self, container, network) -> bool:
        """Disconnect a container from a network, like `docker network disconnect`. Does
        nothing (and returns False) when it is not connected there."""
        cname, net = _name_of(container), _name_of(network)
        cid = self._ids.get(cname, cname)
        line = cli("docker", "network", "disconnect", net, cname)
        self.last_command = line
        try:
            self.api.disconnect_container_from_network(cid, net)
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
                    self._remove_container(name, self._ids.get(name, name))
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
            self.api.remove_container(ref, force=True)
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

    def reset(self) -> dict[str, list[str]]:
        """Remove this lab's containers, then its networks: exactly those with its labels.
        Returns their names: {"containers": [...], "networks": [...]}."""
        mine = [f"{LAB_LABEL}={self.name}", f"{MARK_LABEL}=1"]
        removed: dict[str, list[str]] = {"containers": [], "networks": []}
        failures = []
        for c in self.api.containers(all=True, filters={"label": mine}):
            name = (c.get("Names") or ["/" + c["Id"][:12]])[0].lstrip("/")
            try:
                self.api.remove_container(c["Id"], force=True)
            except docker.errors.NotFound:
                continue
            except docker.errors.APIError as e:
                failures.append(f"container {name}: {e.explanation}")
                continue
            removed["containers"].append(name)
        for n in self.api.networks(filters={"label": mine}):
            try:
                self.api.remove_network(n["Id"])
            except docker.errors.NotFound:
                continue
            except docker.errors.APIError as e:
                failures.append(f"network {n['Name']}: {e.explanation}")
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
        name = _name_of(src)
        line = cli("docker", "exec", name, *argv)
        self.last_command = line
        try:
            eid = self.api.exec_create(self._ids.get(name, name), argv)["Id"]
            output = self.api.exec_start(eid)
            code = self.api.exec_inspect(eid)["ExitCode"]
        except docker.errors.APIError as e:
            raise _named(e, f"cannot {what} from container {name}") from e
        self._did(line)
        return line, code, output.decode(errors="replace")

    def ping(self, src, dst, count: int = 1, timeout: int = 1) -> Probe:
        """Ping dst (a name or an address) from inside src: `docker exec SRC ping -c 1 -W 1 DST`."""
        dst = _name_of(dst)
        line, code, out = self._exec(src, ["ping", "-c", str(int(count)), "-W", str(int(timeout)), dst],
                                     f"ping {dst}")
        m = PING_HEAD.search(out)
        return Probe(line, code == 0, "reachable" if code == 0 else "unreachable", code, out,
                     m.group(1) if m else _literal(dst))

    def resolve(self, src, name: str, timeout: int | None = None) -> list[str]:
        """The addresses `nslookup NAME` finds from inside src (an empty list when none).
        With timeout, nslookup waits that many seconds for the name server, once."""
        name = _name_of(name)
        argv = ["nslookup"] + ([f"-timeout={int(timeout)}", "-retry=1"] if timeout else []) + [name]
        _, code, out = self._exec(src, argv, f"look up {name}")
        return parse_nslookup(out) if code == 0 else []

    def port(self, src, dst, port: int, timeout: int = 1) -> Probe:
        """Is dst:port open from inside src? `docker exec SRC nc -w 1 DST PORT`: "open" (it
        connected), "closed" (refused) or "unreachable" (no answer, or no route)."""
        dst = _name_of(dst)
        port = _port_number(port, "port", port)
        line, code, out = self._exec(src, ["nc", "-w", str(int(timeout)), dst, str(port)],
                                     f"connect to {dst}:{port}")
        m = NC_HOST.search(out)
        if code == 0:
            state = "open"
        elif m and "refused" in m.group(2).lower():
            state = "closed"
        else:
            state = "unreachable"
        return Probe(line, code == 0, state, code, out, m.group(1) if m else _literal(dst))

    def interfaces(self, container) -> dict[str, list[str]]:
        """The container's interfaces and their IPv4 addresses, from `ip -o -4 addr` inside it;
        also teaches the lab their names for the snapshot."""
        name = _name_of(container)
        _, code, out = self._exec(container, ["ip", "-o", "-4", "addr"], "list the interfaces")
        found: dict[str, list[str]] = {}
        for m in re.finditer(r"^\d+:\s+(\S+)\s+inet\s+(\S+)", out, re.M):
            found.setdefault(m.group(1), []).append(m.group(2))
        attrs = self.api.inspect_container(self._ids.get(name, name))
        known = self._known.setdefault(attrs["Id"], _Known(next_eth=None))
        known.learn(attrs)
        by_ip = {ip.split("/")[0]: ifname for ifname, ips in found.items() for ip in ips}
        for net, s in ((attrs.get("NetworkSettings") or {}).get("Networks") or {}).items():
            if s.get("IPAddress") in by_ip:
                known.joins[net].interface = by_ip[s["IPAddress"]]
        return found

    # -- the snapshot ---------------------------------------------------------------------------
    def host(self) -> model.Host:
        """The engine this lab talks to (asked once, then remembered)."""
        if self._host is None:
            info = self.client.info()
            sim = "labkit.sim=true" in (info.get("Labels") or [])
            self._host = model.Host(info.get("Name") or "", info.get("ID") or "",
                                    "sim" if sim else "docker", info.get("ServerVersion") or "")
        return self._host

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
           "parse_ports", "parse_nslookup", "IMAGE", "COMMAND", "PUBLISH_IP"]
