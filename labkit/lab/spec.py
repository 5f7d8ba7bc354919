"""What a verb asks for, checked: what `create` sends, the CLI line it shows, and what a re-run
compares with the object that exists.

    spec = container_spec("lab", "web", networks=["front"], ports={80: 8080})
    spec.run_cli()              # docker run -d --name web --network front -p 127.0.0.1:8080:80 ...
    spec.differences(attrs)     # ["published ports none (asked: 127.0.0.1:8080->80/tcp)", ...]

A re-run of a notebook asks again for what exists: the lab takes its existing object when it
has the settings asked for, and refuses, naming the differences, when it has not. Labels compare
without the session label (a new kernel is a new session, asking for the same thing).
"""
from __future__ import annotations

import ipaddress
import shlex
from dataclasses import dataclass

from docker.models.networks import Network as DockerNetwork

from .. import model, rules
from .errors import BadArgument
from .ports import Binding, parse_ports
from .validate import (CONTAINER_NAME, DRIVERS, NAME_RULE, capabilities, check_aliases, check_cidr, check_image,
                       check_ipv4, check_name, check_text, environment, labels, name_of, shown_labels)

IMAGE = "busybox"
COMMAND = ("sleep", "86400")     # busybox's sleep: one day, long enough for any lab session
MODES = ("host", "none", "bridge", "default")


def cli(*words) -> str:
    return " ".join(shlex.quote(str(w)) for w in words)


def label_args(labels: dict) -> list[str]:
    return [w for k, v in labels.items() for w in ("--label", f"{k}={v}")]


# -- networks -----------------------------------------------------------------------------------
@dataclass
class NetworkSpec:
    """A network as asked for, checked."""

    name: str
    driver: str
    subnet: str | None
    gateway: str | None
    ip_range: str | None
    internal: bool
    attachable: bool
    options: dict
    labels: dict

    def create_cli(self) -> str:
        words = ["docker", "network", "create", "--driver", self.driver]
        for flag, value in (("--subnet", self.subnet), ("--gateway", self.gateway), ("--ip-range", self.ip_range)):
            if value:
                words += [flag, value]
        words += ["--internal"] * self.internal + ["--attachable"] * self.attachable
        for k, v in self.options.items():
            words += ["--opt", f"{k}={v}" if v else k]   # `--opt encrypted`, as Docker's docs write it
        return cli(*words, *label_args(shown_labels(self.labels)), self.name)

    def differences(self, attrs: dict) -> list[str]:
        """How the network `docker network inspect` shows differs from this one."""
        pools = (attrs.get("IPAM") or {}).get("Config") or []
        pool = pools[0] if pools else {}
        diffs = []
        if attrs.get("Driver") != self.driver:
            diffs.append(f"driver {attrs.get('Driver')} (asked: {self.driver})")
        for key, field_ in (("subnet", "Subnet"), ("gateway", "Gateway"), ("ip_range", "IPRange")):
            want = getattr(self, key)
            if want and pool.get(field_) != want:
                diffs.append(f"{key.replace('_', ' ')} {pool.get(field_) or 'none'} (asked: {want})")
        for key, field_ in (("internal", "Internal"), ("attachable", "Attachable")):
            want = getattr(self, key)
            if bool(attrs.get(field_)) != want:
                diffs.append(f"{key} {str(bool(attrs.get(field_))).lower()} (asked: {str(want).lower()})")
        have_opts = attrs.get("Options") or {}
        diffs += [f"option {k}={have_opts.get(k)} (asked: {k}={v})" for k, v in self.options.items()
                  if have_opts.get(k) != v]
        have_labels = attrs.get("Labels") or {}
        diffs += [f"label {k}={have_labels.get(k)} (asked: {k}={v})"
                  for k, v in shown_labels(self.labels).items() if have_labels.get(k) != v]
        return diffs


def network_spec(lab: str, name: str, driver="bridge", subnet=None, gateway=None, ip_range=None,
                 internal=False, attachable=False, options=None, user_labels=None) -> NetworkSpec:
    """`docker network create` as lab `lab` asks for it, checked (see Lab.network)."""
    check_name("network", name)
    if not isinstance(driver, str) or driver not in DRIVERS:
        raise BadArgument(f"driver of network {name}", driver,
                          f"use one of {', '.join(DRIVERS[:4])} (plugins are not part of the lab)")
    net = check_cidr(subnet, "subnet", name) if subnet is not None else None
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
        rng = check_cidr(ip_range, "IP range", name)
        if rng.version != net.version or not rng.subnet_of(net):
            raise BadArgument(f"IP range of network {name}", ip_range, f"it is not inside the subnet {net}")
    options = {str(k): str(v) for k, v in (options or {}).items()}
    for k, v in options.items():
        check_text(f"option of network {name}", k + v, "'1400'")
    return NetworkSpec(name, driver, subnet, gateway, ip_range, internal, attachable, options,
                       labels(user_labels, lab, f"network {name}"))


# -- containers ---------------------------------------------------------------------------------
@dataclass
class ContainerSpec:
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

    def joins(self, network: str) -> tuple[list[str], str | None]:
        """(aliases, fixed address) asked for on a network."""
        return self.endpoint.get(network, ([], None))

    def bindings(self) -> dict:
        out: dict = {}
        for b in self.ports:
            out.setdefault(b.key, []).append({"HostIp": b.host_ip, "HostPort": str(b.host_port or "")})
        return out

    def where(self) -> str:
        """Where it runs, as a message says it."""
        return (f"on network {self.mode}" if self.networks else "on the default bridge"
                if self.mode == "default" else f"in {self.mode} mode")

    def differences(self, attrs: dict) -> list[str]:
        """How the container `docker inspect` shows differs from this one."""
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
        labels_ = cfg.get("Labels") or {}
        for k, v in shown_labels(self.labels).items():
            if labels_.get(k) != v:
                out.append(f"label {k}={labels_.get(k)} (asked: {k}={v})")
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
            aliases, ip = self.joins(self.networks[0])
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
        words += label_args(shown_labels(self.labels))
        return cli(*words, self.image, *self.argv)


def container_spec(lab: str, name, networks=None, image=IMAGE, command=None, ports=None, network_mode=None,
                   hostname=None, aliases=None, ip=None, user_labels=None, env=None,
                   cap_add=None) -> ContainerSpec:
    """`docker run -d` as lab `lab` asks for it, checked (see Lab.container)."""
    check_name("container", name, CONTAINER_NAME, rules.CONTAINER_NAME_RULE)
    if isinstance(networks, (str, DockerNetwork, model.Network)):
        networks = [networks]
    if networks is not None and not isinstance(networks, (list, tuple)):
        raise BadArgument(f"networks of container {name}", networks,
                          "give a network's name, or a list of names like ['front', 'back']")
    networks = [name_of(n, "network") for n in networks or []]
    if len(set(networks)) != len(networks):
        raise BadArgument(f"networks of container {name}", networks, "a network is named twice")
    if network_mode is not None:
        _check_mode(network_mode, name, networks)
    if network_mode == "bridge":
        networks, network_mode = ["bridge"], None
    mode = networks[0] if networks else (network_mode or "default")
    check_image(image, name)
    argv = _argv(command, name)
    if hostname is not None:
        check_name("hostname", hostname, rules.HOSTNAME, rules.HOSTNAME_RULE)
    if (aliases or ip) and not networks:
        raise BadArgument(f"{'aliases' if aliases else 'ip'} of container {name}", aliases or ip,
                          "aliases and fixed addresses need a user-defined network: give "
                          "networks=[...] (the default bridge has no names, host and none no "
                          "addresses of their own)")
    endpoint = _endpoints(name, networks, aliases, ip)
    bindings = parse_ports(ports)   # in host mode the engine discards them (and says so)
    variables, caps = environment(env, name), capabilities(cap_add, name)
    return ContainerSpec(name, image, argv, mode, networks, endpoint, bindings, hostname,
                         labels(user_labels, lab, f"container {name}"), variables, caps)


def _check_mode(network_mode, name: str, networks: list[str]) -> None:
    if networks:
        raise BadArgument(f"network_mode of container {name}", network_mode,
                          "give networks or network_mode, not both")
    if not isinstance(network_mode, str):
        raise BadArgument(f"network_mode of container {name}", network_mode,
                          "use 'host', 'none', 'bridge' or 'container:NAME'")
    kind, _, other = network_mode.partition(":")
    if network_mode in MODES:
        return
    if kind == "container" and other:
        check_name("container", name_of(other), CONTAINER_NAME, NAME_RULE)
        return
    raise BadArgument(f"network_mode of container {name}", network_mode,
                      "use 'host', 'none', 'bridge' or 'container:NAME' (networks= for "
                      "user-defined networks)")


def _argv(command, name: str) -> list[str]:
    what = f"command of container {name}"
    if command is None:
        argv = list(COMMAND)
    elif isinstance(command, str):
        check_text(what, command, "'sleep 600'")
        try:
            argv = shlex.split(command)
        except ValueError as e:
            raise BadArgument(what, command, str(e)) from None
    elif isinstance(command, (list, tuple)):
        argv = [check_text(what, str(a) if isinstance(a, int) and not isinstance(a, bool) else a,
                           "['sleep', '600']") for a in command]
    else:
        raise BadArgument(what, command, "give it as text, like 'sleep 600', or a list, like ['sleep', '600']")
    if not argv:
        raise BadArgument(what, command, "it is empty")
    return argv


def _endpoints(name: str, networks: list[str], aliases, ip) -> dict[str, tuple[list[str], str | None]]:
    """Aliases and fixed addresses per network: given for the first network, or by network."""
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
        a = check_aliases(per_net_aliases.get(net) or [], f"aliases of container {name} on {net}")
        address = per_net_ip.get(net)
        if address is not None:
            address = check_ipv4(address, f"ip of container {name} on {net}")
        endpoint[net] = (a, address)
    return endpoint
