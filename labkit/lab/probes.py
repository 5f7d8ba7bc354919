"""Probes: what busybox's ping, nslookup, nc and ip printed inside a container, read.

The lab runs them with `docker exec` (see Lab.ping, resolve, port, interfaces), so a probe
behaves the same on the real engine and on the simulator; this module reads their output.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .. import verdicts

PING_HEAD = re.compile(r"^PING \S+ \(([^)]+)\)", re.M)
NC_HOST = re.compile(r"can't connect to remote host \(([^)]+)\): (.*)")
NS_ADDRESS = re.compile(r"^Address:\s+(\S+)\s*$", re.M)
IP_ADDR = re.compile(r"^\d+:\s+(\S+)\s+inet\s+(\S+)", re.M)


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
    kind: str = ""                  # "ping", "port" (nc) or "" (another command)

    def __bool__(self) -> bool:
        return self.ok

    @property
    def reason(self) -> str:
        """Why it failed, in the words the panel, the matrix and the drawn path use
        (labkit.verdicts): "name did not resolve", "nothing listening", "no reply"; "" when ok.
        The route's reasons (no shared network, internal network) need a snapshot:
        `verdicts.of_ping(..., route=paths.route(...))`."""
        if self.ok or self.kind not in ("ping", "port"):
            return ""
        if self.kind == "ping":
            return verdicts.of_ping("", "", False, self.output).reason
        return verdicts.of_port("", "", 0, False, self.output).reason


def command(line: str, code: int, output: str) -> Probe:
    """Any command: ok when it exits 0."""
    return Probe(line, code == 0, "ok" if code == 0 else f"exit {code}", code, output)


def ping(line: str, code: int, output: str, literal: str | None) -> Probe:
    """`ping -c N -W T DST`: the address is the one ping printed, else DST when it is one."""
    m = PING_HEAD.search(output)
    return Probe(line, code == 0, "reachable" if code == 0 else "unreachable", code, output,
                 m.group(1) if m else literal, kind="ping")


def port(line: str, code: int, output: str, literal: str | None) -> Probe:
    """`nc -w T DST PORT`: "open" (it connected), "closed" (refused) or "unreachable"."""
    m = NC_HOST.search(output)
    if code == 0:
        state = "open"
    elif m and "refused" in m.group(2).lower():
        state = "closed"
    else:
        state = "unreachable"
    return Probe(line, code == 0, state, code, output, m.group(1) if m else literal, kind="port")


def parse_nslookup(output: str) -> list[str]:
    """The addresses in busybox nslookup's answer (not the server's own lines)."""
    _, _, answer = output.partition("\n\n")   # the header names the server: skip it
    found = []
    for address in NS_ADDRESS.findall(answer):
        if address not in found:
            found.append(address)
    return found


def parse_ip_addr(output: str) -> dict[str, list[str]]:
    """`ip -o -4 addr`: {interface: [address/prefix, ...]}."""
    found: dict[str, list[str]] = {}
    for m in IP_ADDR.finditer(output):
        found.setdefault(m.group(1), []).append(m.group(2))
    return found
