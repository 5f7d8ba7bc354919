"""A namespace's sockets as the kernel lists them (/proc/net/tcp, tcp6, udp; `netstat`): its
servers' listening sockets, the embedded DNS server's (127.0.0.11, on ports the engine picks at
random), and the connections that ended there within the last minute (TIME_WAIT, at the side
that closed first: a client that had nothing more to send, such as `nc` with no input; the
server for HTTP, as busybox's httpd closes after its answer; wget closes at nearly the same
moment, and the engine was seen putting the TIME_WAIT at either side: a race, modelled one way).

Servers: busybox's httpd listens on IPv6's any address (:::80), which takes IPv4 clients too (as
::ffff:172.18.0.3); nc -l on IPv4's (0.0.0.0). The host's namespace also holds docker-proxy's
sockets, one per published port and address (the userland proxy, on by default in 20.10). The kernel lists IPv4 sockets (tcp), then IPv6's
(tcp6), each listening sockets first; the simulator orders each group by port.
"""
from __future__ import annotations

import ipaddress
import time
from dataclasses import dataclass

from ..state import Container, Host, IPAddr
from . import dns
from .sockets import listeners_in

TIME_WAIT = 60.0  # seconds a closed connection stays (the kernel's TCP_TIMEWAIT_LEN)
EPHEMERAL_START, EPHEMERAL_SIZE = 32768, 61000 - 32768   # ip_local_port_range
STATE = {"LISTEN": 0x0A, "TIME_WAIT": 0x06, "CLOSE": 0x07}
ANY = {4: ipaddress.ip_address("0.0.0.0"), 6: ipaddress.ip_address("::")}


@dataclass(frozen=True)
class Socket:
    proto: str          # tcp or udp
    family: int         # 4 or 6: which file lists it (tcp, tcp6)
    local: IPAddr
    local_port: int
    remote: IPAddr | None
    remote_port: int
    state: str          # LISTEN, TIME_WAIT (udp: CLOSE, shown blank)
    since: float = 0.0

    def address(self, which: str) -> str:
        """As netstat -n prints an address: 1.2.3.4:80, :::80, ::ffff:1.2.3.4:80, 0.0.0.0:*."""
        ip, port = (self.local, self.local_port) if which == "local" else (self.remote, self.remote_port)
        ip = ip if ip is not None else ANY[self.family]
        shown = f"::ffff:{ip.ipv4_mapped}" if ip.version == 6 and ip.ipv4_mapped else str(ip)
        return f"{shown}:{port or '*'}"


def _table(host: Host, owner: Container | None) -> list:
    return owner.closed if owner is not None else host.closed


def ephemeral(host: Host, owner: Container | None) -> int:
    """The local port of a new connection (random on the kernel; counted here)."""
    seed = int(owner.id[:4], 16) if owner is not None else 0
    return EPHEMERAL_START + (seed + 7919 * len(_table(host, owner))) % EPHEMERAL_SIZE


def _in_family(ip: IPAddr, family: int) -> IPAddr:
    """An IPv4 address as an IPv6 socket sees it (::ffff:1.2.3.4)."""
    return ipaddress.ip_address(f"::ffff:{ip}") if family == 6 and ip.version == 4 else ip


def closed(host: Host, owner: Container | None, local: IPAddr, local_port: int, remote: IPAddr, remote_port: int,
           family: int | None = None) -> None:
    """A connection of this namespace ended here first: TIME_WAIT for a minute."""
    family = family or local.version
    table = _table(host, owner)
    now = time.time()
    table[:] = [s for s in table if now - s.since < TIME_WAIT]
    table.append(Socket("tcp", family, _in_family(local, family), local_port, _in_family(remote, family),
                        remote_port, "TIME_WAIT", now))


def server_family(program: str) -> int:
    """busybox's httpd serves on IPv6's any address (IPv4 clients too); nc -l on IPv4's."""
    return 6 if program == "httpd" else 4


def proxy_sockets(host: Host) -> list[Socket]:
    """docker-proxy's listening sockets in the host's namespace, one per published port and
    address: a port published with no address has two (0.0.0.0 and ::, the latter IPv6 only, as Go
    listens on tcp6); one bound to an address, that address (127.0.0.1, ::1, ...)."""
    found = []
    for c in host.containers.values():
        for proto, host_ip, host_port, _, _ in c.ports_bound:   # held while the container runs
            if proto not in ("tcp", "udp"):
                continue
            for ip in ([ANY[4], ANY[6]] if host_ip == "" else [ipaddress.ip_address(host_ip)]):
                found.append(Socket(proto, ip.version, ip, host_port, None, 0,
                                    "CLOSE" if proto == "udp" else "LISTEN"))
    return found


def sockets(host: Host, owner: Container | None, embedded_dns: bool) -> list[Socket]:
    """Every socket of the namespace, in the kernel's files' order (tcp, tcp6, udp)."""
    listening, udp = [], []
    if embedded_dns and owner is not None:
        tcp_port, udp_port = dns.embedded_ports(owner)
        listening.append(Socket("tcp", 4, ipaddress.ip_address(dns.EMBEDDED), tcp_port, None, 0, "LISTEN"))
        udp.append(Socket("udp", 4, ipaddress.ip_address(dns.EMBEDDED), udp_port, None, 0, "CLOSE"))
    for _c, lst in listeners_in(host, owner):
        family = server_family(lst.program)
        (udp if lst.proto == "udp" else listening).append(
            Socket(lst.proto, family, ANY[family], lst.port, None, 0, "CLOSE" if lst.proto == "udp" else "LISTEN"))
    if owner is None:
        for sock in proxy_sockets(host):
            (udp if sock.proto == "udp" else listening).append(sock)
    now = time.time()
    waiting = [s for s in _table(host, owner) if now - s.since < TIME_WAIT]
    out = []
    for family in (4, 6):
        out += sorted((s for s in listening if s.family == family), key=lambda s: s.local_port)
        out += [s for s in waiting if s.family == family]
    return out + sorted(udp, key=lambda s: (s.family, s.local_port))


# -- /proc/net/tcp, tcp6, udp ------------------------------------------------------------------------
TCP_HEAD = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode"
TCP6_HEAD = ("  sl  local_address                         remote_address                        st tx_queue "
             "rx_queue tr tm->when retrnsmt   uid  timeout inode")
UDP_HEAD = ("   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode "
            "ref pointer drops")


def _hex(ip: IPAddr, port: int) -> str:
    """The kernel's address: each 32-bit word of it in host (little-endian) order, then the port."""
    raw = ip.packed
    words = "".join(f"{int.from_bytes(raw[k:k + 4], 'little'):08X}" for k in range(0, len(raw), 4))
    return f"{words}:{port:04X}"


def proc_file(host: Host, owner: Container | None, embedded_dns: bool, name: str) -> str:
    """/proc/net/tcp, tcp6 or udp. The inode, pointer and timer columns are the simulator's own
    (the kernel's vary by nature); addresses, ports and states are the model's."""
    proto, family = ("udp", 4) if name == "udp" else ("tcp", 6 if name == "tcp6" else 4)
    rows = [s for s in sockets(host, owner, embedded_dns) if s.proto == proto and s.family == family]
    if proto == "udp":
        lines = [f"{UDP_HEAD:<127}"] + [
            f"{k:5d}: {_hex(s.local, s.local_port)} {_hex(s.remote or ANY[family], s.remote_port)} "
            f"{STATE[s.state]:02X} 00000000:00000000 00:00000000 00000000     0        0 {4000 + k} 2 "
            f"{0:016x} 0".ljust(127) for k, s in enumerate(rows)]
        return "".join(line + "\n" for line in lines)
    out = [TCP6_HEAD if family == 6 else f"{TCP_HEAD:<149}"]
    for k, s in enumerate(rows):
        line = (f"{k:4d}: {_hex(s.local, s.local_port)} {_hex(s.remote or ANY[family], s.remote_port)} "
                f"{STATE[s.state]:02X} 00000000:00000000 ")
        if s.state == "TIME_WAIT":
            line += f"03:00001000 00000000     0        0 0 3 {0:016x}"
        else:
            line += f"00:00000000 00000000     0        0 {3000 + k} 1 {0:016x} 100 0 0 10 0"
        out.append(line if family == 6 else f"{line:<149}")
    return "".join(line + "\n" for line in out)
