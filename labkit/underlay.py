"""A host's own side of the underlay, on either engine: its firewall (iptables' INPUT and OUTPUT in
its network namespace), the MTU of its uplink eth0, a ping between hosts with iputils' options,
and whether the kernel has what encrypted overlays need (ESP).

    side = underlay.host(cluster, "host2")
    side.iptables("-S INPUT")               # sudo nsenter --net=/run/netns/lk-host2 iptables -S INPUT
    side.iptables("-D INPUT -p udp --dport 4789 -j DROP")
    side.mtu()                              # ... ip link show eth0: its MTU
    side.set_mtu(1400)                      # ... ip link set eth0 mtu 1400
    underlay.host(cluster, "host1").ping("10.99.0.12", size=1472, dont_fragment=True)
                                            # ... ping -c 1 -W 1 -M do -s 1472 10.99.0.12
    underlay.kernel_has_esp(cluster)        # labkit doctor's "esp" line, for these hosts

On a real host of `labkit hosts` (a dockerd in a network namespace, root) each is the command in
the host's namespace, run with nsenter; on a simulated host the simulator's model answers (its
`/labkit/underlay` extension of the Engine API: engine/underlay.py), with the same texts. Hosts
labkit did not start (engines given by URL) have no side labkit can reach: LabkitError says so.
A command's result shows as a terminal shows it (its output), and has `.code` and `.output`.
"""
from __future__ import annotations

import re
import shlex
import urllib.parse
from dataclasses import dataclass

import docker

from . import engines, system
from .errors import LabkitError

PING_TIMEOUT = 1            # seconds a ping between hosts waits for its answer (never hangs)
IPTABLES_CHAINS = ("INPUT", "OUTPUT")


class UnderlayError(LabkitError):
    """A host's side that labkit cannot reach or change as asked (the message says why)."""


@dataclass
class Done:
    """What a command in a host's namespace said: its exit status and output (stdout, then stderr)."""

    command: str
    code: int
    output: str

    @property
    def ok(self) -> bool:
        return self.code == 0

    def __repr__(self) -> str:
        return self.output.rstrip("\n") or "(no output)"


@dataclass
class Ping:
    """A ping between hosts: `answered`; `error`, ping's own complaint when it sent nothing (a packet
    over the host's MTU with -M do: "ping: local error: message too long, mtu=1400"); `why`, the
    simulator's reason for a lost packet ("" on a real host: ping only sees no answer)."""

    command: str
    answered: bool
    error: str = ""
    why: str = ""

    def __repr__(self) -> str:
        return "answered" if self.answered else self.error or "not answered"


class HostSide:
    """One host's own network namespace: what `sudo nsenter --net=...` reaches on a real host."""

    def __init__(self, engine: engines.Engine, name: str):
        self.engine, self.name = engine, name
        self.simulated = engines.is_simulated(engine.client)
        self.namespace = getattr(getattr(engine, "host", None), "netns", None)
        if not self.simulated and self.namespace is None:
            raise UnderlayError(f"host {name}'s own namespace is out of labkit's reach: labkit did not start its "
                                "engine (labkit hosts up, or labkit.cluster(n, engine='docker'), as root)")

    def __repr__(self) -> str:
        return f"<host {self.name}'s own side ({'simulated' if self.simulated else self.namespace})>"

    def shown(self, command: str) -> str:
        """The command as typed on the machine (a real host's namespace), for the learner."""
        return f"sudo nsenter --net=/run/netns/{self.namespace or 'HOST'} {command}"

    # -- the firewall ------------------------------------------------------------------------------
    def iptables(self, args: str) -> Done:
        """`iptables ARGS` in the host's namespace (its filter INPUT and OUTPUT chains)."""
        words = shlex.split(args) if isinstance(args, str) else [str(a) for a in args]
        command = "iptables " + " ".join(shlex.quote(w) for w in words)
        if self.simulated:
            query = urllib.parse.urlencode([("arg", w) for w in words])
            said = self.engine.call("POST", f"/labkit/underlay/iptables?{query}")
            return Done(command, said["ExitCode"], said["Stdout"] + said["Stderr"])
        done = system.run("nsenter", f"--net=/run/netns/{self.namespace}", "iptables", *words, check=False)
        return Done(command, done.returncode, done.stdout + done.stderr)

    def rules(self, chain: str = "INPUT") -> list[str]:
        """The chain's rules as `iptables -S CHAIN` lists them (its policy line left out)."""
        if chain not in IPTABLES_CHAINS:
            raise UnderlayError(f"chain {chain!r}: a host's own rules are in INPUT or OUTPUT")
        done = self.iptables(f"-S {chain}")
        if not done.ok:
            raise UnderlayError(f"iptables -S {chain} on {self.name} failed: {done.output.strip()}")
        return [line for line in done.output.splitlines() if line.startswith("-A ")]

    # -- the uplink --------------------------------------------------------------------------------
    def mtu(self) -> int:
        """The MTU of the host's uplink eth0 (`ip link show eth0`)."""
        if self.simulated:
            return int(self.engine.call("GET", "/labkit/underlay/link")["MTU"])
        done = system.run("nsenter", f"--net=/run/netns/{self.namespace}", "ip", "link", "show", "eth0")
        found = re.search(r"\bmtu (\d+)", done.stdout)
        if not found:
            raise UnderlayError(f"ip link show eth0 on {self.name} gave no MTU: {done.stdout.strip()}")
        return int(found.group(1))

    def set_mtu(self, mtu: int) -> None:
        """`ip link set eth0 mtu MTU` in the host's namespace."""
        if isinstance(mtu, bool) or not isinstance(mtu, int) or not 68 <= mtu <= 65535:
            raise UnderlayError(f"MTU {mtu!r}: give a number from 68 to 65535 (1500 is Ethernet's)")
        if self.simulated:
            self.engine.call("POST", f"/labkit/underlay/link?mtu={mtu}")
        else:
            system.run("nsenter", f"--net=/run/netns/{self.namespace}", "ip", "link", "set", "eth0", "mtu", str(mtu))

    # -- ping between hosts -------------------------------------------------------------------------
    def ping(self, address: str, size: int = 56, dont_fragment: bool = False) -> Ping:
        """iputils' `ping -c 1 -W 1 [-M do] -s SIZE ADDRESS` from the host's own namespace: one echo
        of SIZE bytes of data (a packet of SIZE + 28 bytes), not to be fragmented with dont_fragment."""
        if isinstance(size, bool) or not isinstance(size, int) or not 0 <= size <= 65507:
            raise UnderlayError(f"size {size!r}: give the bytes of data, 0 to 65507 (ping -s)")
        flags = ["-c", "1", "-W", str(PING_TIMEOUT)] + (["-M", "do"] if dont_fragment else []) + ["-s", str(size)]
        command = "ping " + " ".join(flags + [address])
        if self.simulated:
            query = urllib.parse.urlencode({"target": address, "size": size, "dont_fragment": int(dont_fragment)})
            said = self.engine.call("POST", f"/labkit/underlay/ping?{query}")
            error = said["Said"] if said["Said"].startswith("ping: ") else ""
            return Ping(command, said["Answered"], error, "" if said["Answered"] else said["Said"])
        done = system.run("nsenter", f"--net=/run/netns/{self.namespace}", "ping", *flags, address, check=False)
        if done.returncode == 127 or "invalid option" in done.stderr:
            raise UnderlayError("ping between hosts needs iputils' ping on this machine (busybox's has no -M): "
                                "apt-get install iputils-ping")
        local = re.search(r"ping: local error: .*", done.stdout + done.stderr)
        return Ping(command, done.returncode == 0, local.group(0) if local else "")


def host(where, name: str) -> HostSide:
    """The own side of host `name` ("host2") of a labkit.Cluster, or of the engine a docker client
    talks to (its name: "host" for a single engine)."""
    if isinstance(where, engines.Cluster):
        if name not in where.names:
            raise UnderlayError(f"this cluster has no host {name!r}: its hosts are {', '.join(where.names)}")
        return HostSide(where.engines[where.names.index(name)], name)
    if isinstance(where, docker.DockerClient):
        return HostSide(engines.handle(where), name)
    raise UnderlayError(f"cannot reach a host's side through {type(where).__name__}: give a labkit.Cluster "
                        "and a host's name, or a docker client")


def kernel_has_esp(where) -> bool | None:
    """Whether the kernel under these hosts has ESP (IPsec) for encrypted overlays: on real hosts
    this machine's kernel (labkit doctor); on simulated ones, the simulated machine's (None: not
    known)."""
    client = where[0] if isinstance(where, engines.Cluster) else where
    if engines.is_simulated(client):
        return bool(engines.handle(client).call("GET", "/labkit/kernel")["ESP"]) if not isinstance(
            where, engines.Cluster) else bool(where.engines[0].call("GET", "/labkit/kernel")["ESP"])
    from .doctor import kernel_features
    return kernel_features().has("esp")


__all__ = ["Done", "HostSide", "Ping", "UnderlayError", "host", "kernel_has_esp"]
