"""Published ports: what `-p` and `-P` reserve on the host while a container runs.

The engine walks a container's exposed ports in sorted order and programs each port's bindings
last to first; a binding with no host port gets the next free one of the kernel's ephemeral range
after the last one handed out (per protocol, moving on). Two bindings clash on one host port when
their addresses are the same or either is every address (0.0.0.0); the engine's port allocator
says so for the same address, docker-proxy's bind for another.
"""
from __future__ import annotations

import ipaddress

from ..errors import EngineError, InvalidParameter
from ..state import Container, Host

HOST_BINDING_IPV4 = "com.docker.network.bridge.host_binding_ipv4"
EPHEMERAL = range(32768, 61000)  # the kernel's ip_local_port_range, which the engine reads


def parse_port_key(key: str) -> tuple[int, str]:
    """'80/tcp' -> (80, 'tcp'); the engine's text when the port is not a number in range."""
    port, _, proto = str(key).partition("/")
    proto = proto or "tcp"
    if not port.isdigit() or not 0 <= int(port) <= 65535:
        raise InvalidParameter(f'invalid port specification: "{port}"')
    if proto not in ("tcp", "udp", "sctp"):
        raise InvalidParameter(f'invalid proto: "{proto}"')  # nat.ParsePort message
    return int(port), proto


def check_host_port(text: str) -> None:
    if text in ("", None):
        return
    lo, _, hi = str(text).partition("-")
    for part in (lo, hi) if hi else (lo,):
        if not part.isdigit() or not 0 <= int(part) <= 65535:
            raise InvalidParameter(f'invalid port specification: "{text}"')


def bind(c: Container) -> None:
    """Reserve the host ports a container publishes (docker-proxy's bind); the engine's text on a clash."""
    c.ports_bound = []
    if c.mode_kind != "network":
        return
    bindings = c.host_config.get("PortBindings") or {}
    publish_all = c.host_config.get("PublishAllPorts")
    exposed = list((c.config.get("ExposedPorts") or {}).keys())
    ep = next(iter(c.endpoints.values()), None)
    # A binding without an address takes the network's default (-o ...bridge.host_binding_ipv4).
    default_ip = _host_ip(str(ep.network.options.get(HOST_BINDING_IPV4, ""))) if ep is not None else ""
    default_ip = "" if default_ip == "0.0.0.0" else default_ip
    wanted = []
    for key in sorted(exposed):  # the engine walks its exposed ports in sorted order
        port, proto = parse_port_key(key)
        blist = bindings.get(key) or bindings.get(str(port)) or ([{}] if publish_all else [])
        # The engine programs a port's bindings last to first.
        for b in reversed(blist):
            b = b or {}
            wanted.append((proto, _host_ip(b.get("HostIp") or "") or default_ip, b.get("HostPort") or "", port))
    taken = {(proto, hp): ip for other in c.host.containers.values() if other is not c
             for (proto, ip, hp, _, _) in other.ports_bound}
    bound = []
    for proto, hip, hport, cport in wanted:
        if hport == "":
            hp = _ephemeral(c.host, taken, proto)
        else:
            hp = int(str(hport).split("-")[0])
        if hip not in ("", "0.0.0.0", "::") and not _host_has(c.host, hip):
            raise EngineError(f"driver failed programming external connectivity on endpoint {c.name} "
                              f"({ep.id if ep else ''}): Error starting userland proxy: listen {_listen(proto, hip, hp)}"
                              f": bind: cannot assign requested address")
        if (proto, hp) in taken and _overlap(taken[(proto, hp)], hip):
            where = f"driver failed programming external connectivity on endpoint {c.name} ({ep.id if ep else ''})"
            if taken[(proto, hp)] == hip:  # the engine's port allocator knows this one
                raise EngineError(f"{where}: Bind for {hip or '0.0.0.0'}:{hp} failed: port is already allocated")
            # Another address on that port: docker-proxy's bind fails instead.
            raise EngineError(f"{where}: Error starting userland proxy: listen {_listen(proto, hip or '0.0.0.0', hp)}: "
                              f"bind: address already in use")
        taken[(proto, hp)] = hip
        bound.append((proto, hip, hp, proto, cport))
    c.ports_bound = bound


def _host_has(host: Host, address: str) -> bool:
    ip = ipaddress.ip_address(address)
    return ip.is_loopback or host.owns(ip)


def _listen(proto: str, host_ip: str, port: int) -> str:
    """docker-proxy's socket, as Go names it in an error: tcp4 1.2.3.4:80, tcp6 [::1]:80."""
    if ":" in host_ip:
        return f"{proto}6 [{host_ip}]:{port}"
    return f"{proto}4 {host_ip}:{port}"


def _overlap(a: str, b: str) -> bool:
    """Two host addresses clash on one port: the same, or either of them every address."""
    return a == b or a in ("", "0.0.0.0") or b in ("", "0.0.0.0")


def _host_ip(text: str) -> str:
    """The engine keeps a host address it cannot parse, and publishes on every address instead."""
    try:
        ipaddress.ip_address(text)
        return text
    except ValueError:
        return ""


def _ephemeral(host: Host, taken: dict, proto: str) -> int:
    """The engine's port allocator: per protocol, the next free port after the last one given."""
    last = host.last_port.get(proto, EPHEMERAL.start - 1)
    n = len(EPHEMERAL)
    for k in range(1, n + 1):
        p = EPHEMERAL.start + (last - EPHEMERAL.start + k) % n
        if (proto, p) not in taken:
            host.last_port[proto] = p
            return p
    raise EngineError("Bind for 0.0.0.0:0 failed: all ports are allocated")
