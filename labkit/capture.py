"""Real captures of a traced packet: tcpdump in the namespaces of labkit's hosts (root only).

    seen = capture.confirm(t, hosts, probe)     # t: a labkit.trace Trace; hosts: {name: EngineHost}
    seen.missing()                              # the visible hops no capture saw ([] when they agree)
    seen.at(t.hops[0])                          # the packets tcpdump printed there

For every hop of a trace that is `visible`, tcpdump listens on that interface in that namespace
while `probe()` sends the packet (a ping or an nc from the source); then each hop's packet is
looked for among what its capture printed. Where the namespaces are, for host N of the set P:
    "host"              /run/netns/P-hostN (the host's own: bridges, veths' host ends, eth0, lo)
    "container NAME"    the container's SandboxKey (`docker inspect`), under the host's exec root
    "overlay 1-ID"      the overlay network's namespace, EXEC_ROOT/netns/1-ID (br0, vxlan0)
The rules a trace names are confirmed by their packet counters (`iptables-save -c` in the host's
namespace, before and after the probe): `counters()`.

Only labkit's own hosts (labkit.hosts) are captured, and only while the probe runs: every tcpdump
is started here, and stopped by its own process id.
"""
from __future__ import annotations

import contextlib
import os
import re
import selectors
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass, field
from typing import Callable

from . import hosts as hostmod
from .errors import MissingTool, NeedsRoot
from .trace import Hop, Packet, Trace

START_TIMEOUT = 5.0       # seconds for tcpdump to say it listens
SETTLE = 0.3              # seconds after the probe for the last packets to be printed
LINE = re.compile(r"IP (?P<src>\d+(?:\.\d+){3})(?:\.(?P<sport>\d+))? > (?P<dst>\d+(?:\.\d+){3})(?:\.(?P<dport>\d+))?: "
                  r"(?P<rest>.*)")
VNI = re.compile(r"\bvni (\d+)")


@dataclass(frozen=True)
class Seen:
    """One IPv4 packet as tcpdump printed it (-n -t); `inner`: the packet a VXLAN one carries."""

    protocol: str
    src: str
    dst: str
    sport: int | None
    dport: int | None
    vni: int | None = None
    inner: "Seen | None" = None

    def matches(self, p: Packet) -> bool:
        if p.outer is not None:
            return (self.vni == p.vni and self.inner is not None and self._same(p.outer)
                    and self.inner._same(replace_outer(p)))
        return self._same(p)

    def _same(self, p: Packet) -> bool:
        return (self.protocol == p.protocol and self.dst == p.dst and (p.src is None or self.src == p.src)
                and (p.dport is None or self.dport == p.dport))


def replace_outer(p: Packet) -> Packet:
    return Packet(p.protocol, p.src, p.dst, p.dport)


def parse(text: str) -> list[Seen]:
    """The IPv4 packets in tcpdump's output (`-n -t -l`); a VXLAN packet's inner one is printed on
    the line after it."""
    out: list[Seen] = []
    pending: Seen | None = None
    for line in text.splitlines():
        m = LINE.search(line)
        if not m:
            continue
        rest = m.group("rest")
        protocol = "icmp" if rest.startswith("ICMP") else "tcp" if "Flags [" in rest else "udp"
        seen = Seen(protocol, m.group("src"), m.group("dst"),
                    int(m.group("sport")) if m.group("sport") else None,
                    int(m.group("dport")) if m.group("dport") else None)
        vni = VNI.search(rest)
        if pending is not None:
            out.append(Seen(pending.protocol, pending.src, pending.dst, pending.sport, pending.dport,
                            pending.vni, seen))
            pending = None
            if vni is None:
                continue
        if vni is not None and "VXLAN" in rest:
            pending = Seen(seen.protocol, seen.src, seen.dst, seen.sport, seen.dport, int(vni.group(1)))
            inline = LINE.search(rest[vni.end():])
            if inline:      # printed on the same line
                out.append(Seen(pending.protocol, pending.src, pending.dst, pending.sport, pending.dport,
                                pending.vni, parse(rest[vni.end():].strip())[0]))
                pending = None
            continue
        out.append(seen)
    if pending is not None:
        out.append(pending)
    return out


@dataclass(frozen=True)
class Point:
    """Where to listen: a namespace (a path for nsenter --net) and an interface in it."""

    netns: str
    interface: str
    label: str          # the hop's `where`, for messages

    def key(self) -> tuple[str, str]:
        return self.netns, self.interface


@dataclass
class Captures:
    """What tcpdump printed at each point while the probe ran."""

    trace: Trace
    points: dict[int, Point]                      # hop index -> where it was captured
    output: dict[tuple[str, str], str] = field(default_factory=dict)
    probe_result: object = None

    def seen(self, point: Point) -> list[Seen]:
        return parse(self.output.get(point.key(), ""))

    def at(self, hop: Hop) -> list[Seen]:
        i = self.trace.hops.index(hop)
        return self.seen(self.points[i]) if i in self.points else []

    def missing(self) -> list[str]:
        """The visible hops whose packet no capture at that point saw, one line each."""
        out = []
        for i, point in sorted(self.points.items()):
            hop = self.trace.hops[i]
            if not any(s.matches(hop.packet) for s in self.seen(point)):
                printed = self.output.get(point.key(), "").strip().splitlines()
                out.append(f"hop {i + 1} ({hop.where}): {hop.packet} not seen; tcpdump printed "
                           f"{printed[:6] or 'nothing'}")
        return out


def point_of(hop: Hop, hosts: dict[str, hostmod.EngineHost], sandbox: Callable[[str, str], str]) -> Point | None:
    """Where a hop can be captured (None: nowhere, or not on labkit's hosts). sandbox(host,
    container) gives a container's SandboxKey."""
    if not hop.visible or hop.host not in hosts:
        return None
    host = hosts[hop.host]
    if hop.namespace == "host":
        netns = f"{hostmod.NETNS_DIR}/{host.netns}"
    elif hop.namespace.startswith("container "):
        netns = sandbox(hop.host, hop.namespace.split(" ", 1)[1])
    elif hop.namespace.startswith("overlay "):
        netns = f"{host.state_dir}/exec/netns/{hop.namespace.split(' ', 1)[1]}"
    else:
        return None
    return Point(netns, hop.interface, hop.where)


def points(t: Trace, hosts: dict[str, hostmod.EngineHost], clients: dict) -> dict[int, Point]:
    """The capture point of each visible hop of t (hop index -> Point)."""
    keys: dict[tuple[str, str], str] = {}

    def sandbox(host: str, container: str) -> str:
        if (host, container) not in keys:
            keys[host, container] = clients[host].api.inspect_container(container)["NetworkSettings"]["SandboxKey"]
        return keys[host, container]
    found = {}
    for i, hop in enumerate(t.hops):
        p = point_of(hop, hosts, sandbox)
        if p is not None:
            found[i] = p
    return found


def capture(listen: list[Point], probe: Callable[[], object]) -> tuple[dict[tuple[str, str], str], object]:
    """Run tcpdump at each point while probe() runs: ({(netns, interface): what it printed}, what
    probe returned)."""
    if os.geteuid() != 0:
        raise NeedsRoot("capturing packets in the hosts' namespaces")
    if not shutil.which("tcpdump", path=hostmod.PATH):
        raise MissingTool("tcpdump", "tcpdump", "to capture packets in the hosts' namespaces")
    started: dict[tuple[str, str], subprocess.Popen] = {}
    output: dict[tuple[str, str], str] = {}
    try:
        for point in listen:
            if point.key() in started:
                continue
            started[point.key()] = subprocess.Popen(
                ["nsenter", f"--net={point.netns}", "tcpdump", "-i", point.interface, "-n", "-t", "-l",
                 "--immediate-mode", "ip"],
                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                env={"PATH": hostmod.PATH})
        for key, proc in started.items():
            _wait_listening(proc, key)
        result = probe()
        time.sleep(SETTLE)
    finally:
        for key, proc in started.items():
            with contextlib.suppress(ProcessLookupError):
                proc.send_signal(signal.SIGINT)
        for key, proc in started.items():
            try:
                out, _ = proc.communicate(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                out, _ = proc.communicate()
            output[key] = out.decode(errors="replace")
    return output, result


def _wait_listening(proc: subprocess.Popen, key) -> None:
    """tcpdump says "listening on IF" on stderr once its capture is open (read unbuffered: a
    buffered reader would hold that line back from select)."""
    fd = proc.stderr.fileno()
    sel = selectors.DefaultSelector()
    sel.register(fd, selectors.EVENT_READ)
    deadline = time.monotonic() + START_TIMEOUT
    said = b""
    try:
        while b"listening on" not in said:
            left = deadline - time.monotonic()
            if left <= 0 or not sel.select(timeout=left):
                break
            chunk = os.read(fd, 4096)
            if not chunk:
                break
            said += chunk
    finally:
        sel.close()
    if b"listening on" not in said:
        raise hostmod.HostsError(f"tcpdump did not start on {key[1]} in {key[0]}: "
                                 f"{said.decode(errors='replace').strip() or 'no answer'}")


def confirm(t: Trace, hosts: dict[str, hostmod.EngineHost], clients: dict, probe: Callable[[], object],
            also: list[Point] = ()) -> Captures:
    """Capture every visible hop of t (and the points `also`) while probe() sends the packet."""
    where = points(t, hosts, clients)
    output, result = capture(list(where.values()) + list(also), probe)
    return Captures(t, where, output, result)


def counters(host: hostmod.EngineHost) -> dict[str, int]:
    """{rule text: packets} of the host's iptables rules (`iptables-save -c`), both tables."""
    out: dict[str, int] = {}
    for table in ("filter", "nat"):
        shown = subprocess.run(["nsenter", f"--net={hostmod.NETNS_DIR}/{host.netns}", "iptables-save", "-c",
                                "-t", table], capture_output=True, text=True, env={"PATH": hostmod.PATH},
                               check=True).stdout
        for line in shown.splitlines():
            m = re.match(r"\[(\d+):\d+\] (-A .*)", line)
            if m:
                out[m.group(2)] = out.get(m.group(2), 0) + int(m.group(1))
    return out


__all__ = ["confirm", "capture", "points", "point_of", "parse", "counters", "Captures", "Seen", "Point"]
