"""Published ports, in any of the forms a learner writes them.

- as `docker run -p` takes them: "8080:80", "127.0.0.1:8081:81/udp", "[::1]:8080:80", "80", 80;
  read by docker-py's own parser of that syntax (`docker.utils.ports.split_port`);
- as docker-py's `ports=` takes them: {80: 8080}, {"80/tcp": ("0.0.0.0", 8080)}, {80: None} (any
  host port), {80: [8080, 8081]}; each value checked here, so a message names it as written;
- or a list of such.

Published ports bind to 127.0.0.1 unless an address is given (DESIGN.md: a lab's ports are not
the network's). What labkit refuses, it says in words: which number is out of range, which
protocol is not one, that ranges are to be listed port by port.
"""
from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from docker.utils.ports import split_port

from .errors import BadArgument, shown

PUBLISH_IP = "127.0.0.1"         # where published ports bind unless the learner names an address
PROTOCOLS = ("tcp", "udp", "sctp")
SYNTAX = "use [IP:][HOST_PORT:]CONTAINER_PORT[/PROTOCOL]"
RANGES = "port ranges are not supported here: list each port"


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


def port_number(text, what: str, spec, allow_zero: bool = False) -> int:
    """A port number, 1-65535, or BadArgument naming `spec` (what the learner wrote)."""
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
        raise BadArgument("port", spec, RANGES)
    return port_number(port, "container port", spec), proto


def _parse_string(spec: str) -> list[Binding]:
    """"[ip:][host_port:]container_port[/proto]", as `docker run -p` reads it."""
    text = spec.strip()
    try:
        internal, external = split_port(text)
    except ValueError:
        raise BadArgument("port", spec, _string_problem(text, spec)) from None
    if len(internal) != 1:
        raise BadArgument("port", spec, RANGES)
    cport, proto = _container_side(internal[0], spec)
    ip, hport = None, (external or [None])[0]
    if isinstance(hport, tuple):
        ip, hport = hport
    if hport is not None and "-" in str(hport):
        raise BadArgument("port", spec, RANGES)
    hport = port_number(hport, "host port", spec) if hport not in (None, "") else None
    return [Binding(cport, proto, _host_ip(ip, spec) if ip else PUBLISH_IP, hport)]


def _string_problem(text: str, spec: str) -> str:
    """What is wrong with a -p string docker-py's parser refused, in words."""
    ip = None
    if text.startswith("["):                       # [::1]:8080:80
        end = text.find("]")
        if end < 0:
            return "an IPv6 address needs its closing ']'"
        ip, parts = text[1:end], text[end + 2:].rsplit(":", 1)
    else:
        parts = text.split(":")
        if len(parts) == 3:
            ip, parts = parts[0], parts[1:]
        elif len(parts) > 3:
            return SYNTAX
    _container_side(parts[-1], spec)               # raises, naming the container side's problem
    if len(parts) == 2 and parts[0] != "":
        port_number(parts[0], "host port", spec)   # likewise the host port's
    if ip:
        _host_ip(ip, spec)
    return SYNTAX


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
            hport = port_number(hport, "host port", spec)
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
        out = []
        for k, v in ports.items():
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
            out.append(Binding(port_number(item, "container port", item)))
        elif isinstance(item, str):
            out += _parse_string(item)
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
