"""Lab hosts: real Docker engines, each in its own network namespace and hostname.

A host is one dockerd in its own network and UTS namespace, with its own socket, data root and
exec root, joined to the other hosts of its set by an underlay switch. A set is named by a prefix P
(default "lk"; the conformance tests use "lkc"), so sets coexist. For host number N:

    hostname              hostN      (`docker info` Name; `hostname` in a host-mode container)
    network namespace     P-hostN    (/run/netns/P-hostN)
    underlay interface    2: eth0@if{30000+N}, MAC 02:99:00:00:00:{N:02x}, 10.99.0.{10+N}/24, up;
                          lo up; no default route (hosts reach each other, not the internet)
    switch                bridge Pul0 (10.99.0.1/24, MAC 02:99:00:00:00:00) with one port
                          Pul0-hN (index 30000+N) per host, in the namespace P-ul
    state                 /run/labkit/P/hostN/: docker.sock, data/, exec/, docker.pid,
                          dockerd.log, uts (the host's pinned UTS namespace)

The switch has a namespace of its own rather than living in the root one: interface indexes are
counted per namespace, so two sets can both give host1 the port index 30001 that host1 shows as
`eth0@if30001`; their 10.99.0.0/24 stay apart; and the root namespace's firewall (FORWARD policy
DROP once any engine ran there, with br_netfilter on) never sees underlay traffic, so no rule has
to be added there and later removed.

Each dockerd runs as `nsenter --net=/run/netns/P-hostN --uts=STATE/uts dockerd -H unix://... ...`
(`ip netns exec` remounts /sys and dockerd dies). IPv6 duplicate address detection is off in the
hosts so that link-local addresses never show as "tentative" depending on timing.

Every command is an argument list (never a shell line) built from the prefix and host number,
which are checked first (`check_prefix`; an EngineHost refuses a bad prefix or number when it is
made), so no command runs with a name that could reach outside the set's own namespaces and folder.

A host can be taken down and brought back without losing it: `EngineHost.halt()` stops (or, with
kill=True, crashes) its engine and keeps its namespace, underlay port, state and data;
`EngineHost.resume()` starts the same engine again (its containers stopped, its swarm membership
kept). `labkit.cluster`'s stop_host/start_host use them.

Everything is recorded in /run/labkit/P/state.json *before* it is created, so `stop_hosts(P)`
removes exactly what was made, also after a crash half way through `start_hosts`. Processes are
found from recorded pids and the pid files the engines write, checked against their command line
(which names the host's state folder) before any signal is sent.
"""
from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass, field
from typing import Callable

import docker

from . import rules, system
from .errors import BadName, EngineStartFailed, HostsError, LabkitError, MissingTool, NeedsRoot, NotRecorded
from .images import ensure_lab_image

STATE_ROOT = "/run/labkit"
MAX_HOST = 99                 # keeps "Pul0-h99" within the kernel's 15 characters
PREFIX_RULE = re.compile(r"[a-z][a-z0-9]{0,7}")
START_TIMEOUT = 30.0          # seconds for a dockerd to answer /_ping
STOP_TIMEOUT = 15.0           # seconds for a dockerd to exit after SIGTERM, before SIGKILL
NETNS_DIR, PATH = system.NETNS_DIR, system.PATH   # see labkit.system
TOOLS = {  # program: (Debian package, what for)
    "ip": ("iproute2", "to make network namespaces and interfaces"),
    "nsenter": ("util-linux", "to start dockerd inside a namespace"),
    "unshare": ("util-linux", "to give each host its own hostname"),
    "hostname": ("hostname", "to set each host's hostname"),
    "sysctl": ("procps", "to configure the hosts' interfaces"),
    "dockerd": ("docker.io", "to run a Docker engine per host"),
    "containerd": ("containerd", "to run a Docker engine per host"),
    "runc": ("runc", "to clean up containers after a crash"),
}

Progress = Callable[[str], None]


@dataclass
class EngineHost:
    """One lab host: a dockerd in its own network and UTS namespace, on the underlay."""

    prefix: str
    number: int
    pid: int | None = None       # dockerd's pid, once started
    timings: dict = field(default_factory=dict)    # seconds: network, engine, image, stop
    _process: subprocess.Popen | None = field(default=None, repr=False, compare=False)
    _launched: float = field(default=0.0, repr=False, compare=False)

    def __post_init__(self):
        # Paths and commands are built from these two: check them before anything uses them.
        check_prefix(self.prefix)
        if isinstance(self.number, bool) or not isinstance(self.number, int) or not 1 <= self.number <= MAX_HOST:
            raise BadName("host number", self.number, f"hosts are numbered 1 to {MAX_HOST}")

    @property
    def name(self) -> str:
        return f"host{self.number}"

    @property
    def netns(self) -> str:
        return f"{self.prefix}-host{self.number}"

    @property
    def port(self) -> str:
        """Its port on the underlay switch (in the switch's namespace)."""
        return f"{self.prefix}ul0-h{self.number}"

    @property
    def underlay_ip(self) -> str:
        return str(rules.underlay_address(self.number))

    @property
    def mac(self) -> str:
        return rules.underlay_mac(self.number)

    @property
    def state_dir(self) -> str:
        return f"{STATE_ROOT}/{self.prefix}/{self.name}"

    @property
    def socket(self) -> str:
        return f"{self.state_dir}/docker.sock"

    @property
    def url(self) -> str:
        return f"unix://{self.socket}"

    @property
    def log_path(self) -> str:
        return f"{self.state_dir}/dockerd.log"

    def client(self, timeout: int = 30) -> docker.DockerClient:
        """A docker-py client for this host's engine, like `docker -H unix://.../docker.sock`."""
        return docker.DockerClient(base_url=self.url, version="auto", timeout=timeout)

    def stop(self) -> None:
        """Stop this host's engine and remove the host (namespace, port, state folder).

        Idempotent. When it was the set's last host, the switch and the set's folder go too, so
        stopping a `fresh_engine()` leaves nothing behind.
        """
        started = time.monotonic()
        with _locked(self.prefix):
            state = _load(self.prefix)
            if self.name in state["hosts"]:
                self.pid = state["hosts"][self.name].get("pid") or self.pid
                _stop_engines([self])
                _remove_host(state, self)
            if not state["hosts"]:
                _remove_set(state)
        _reap(self)
        self.timings["stop"] = time.monotonic() - started

    def halt(self, kill: bool = False) -> None:
        """Take this host down, as if its machine stopped; `resume()` brings it back.

        Its switch port goes down (the other hosts no longer reach it: no heartbeats, no VXLAN),
        then dockerd stops with SIGTERM (it stops its containers and containerd first), or with
        kill=True crashes (SIGKILL: containerd and the containers run on, cut off, until
        `resume()` or `stop()` clears them). The namespace, state folder and data root stay.
        """
        with _locked(self.prefix):
            state = _load(self.prefix)
            record = state["hosts"].get(self.name)
            if record is None:
                raise HostsError(f"{self.name} of the set {self.prefix!r} is not up: nothing to halt")
            self._plug(state, up=False)
            self.pid = record.get("pid") or self.pid
            pid = _recorded_pid(self)
            if pid is not None:
                system.send_signal(pid, signal.SIGKILL if kill else signal.SIGTERM)
                if not system.wait_gone(pid, time.monotonic() + STOP_TIMEOUT, self._process):
                    system.send_signal(pid, signal.SIGKILL)
                    system.wait_gone(pid, time.monotonic() + 5, self._process)
            _reap(self)

    def resume(self, progress: Progress | None = None) -> None:
        """Start this host's engine again after `halt()` (or a crash), on the same data root:
        its networks, containers (stopped) and swarm membership come back. What a crash left
        running (containerd, shims, containers) is cleared first."""
        with _locked(self.prefix):
            state = _load(self.prefix)
            if self.name not in state["hosts"]:
                raise HostsError(f"{self.name} of the set {self.prefix!r} is not recorded: start it with "
                                 f"`labkit hosts up` (start_hosts) instead")
            self._plug(state, up=True)
            if system.answers(self.socket):
                return
            self.pid = state["hosts"][self.name].get("pid") or self.pid
            if _recorded_pid(self):      # running, but not answering: stopped first
                _stop_engines([self])
            _clear_processes(self)
            # A crashed engine's containerd can linger as a zombie: dockerd would take its pid
            # file for a live containerd and wait for it in vain. Gone is gone: the file goes.
            pidfile = f"{self.state_dir}/exec/containerd/containerd.pid"
            containerd = _pid_from_file(pidfile, self)
            if containerd is None or not system.alive(containerd):
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(pidfile)
            _launch(state, self)
            _wait_until_up(self)
            if progress:
                progress(f"{self.name} ({self.prefix}): engine up again in {self.timings['engine']:.2f} s")

    def _plug(self, state: dict, up: bool) -> None:
        """Set the host's port on the underlay switch up or down."""
        switch = (state.get("switch") or {}).get("netns")
        if switch and system.netns_exists(switch):
            system.run("ip", "-n", switch, "link", "set", self.port, "up" if up else "down", check=False)

    def record(self) -> dict:
        return {"number": self.number, "netns": self.netns, "port": self.port,
                "state_dir": self.state_dir, "underlay_ip": self.underlay_ip, "pid": self.pid}

    @classmethod
    def from_record(cls, prefix: str, record: dict) -> "EngineHost":
        host = cls(prefix, record["number"], pid=record.get("pid"))
        if host.record() != dict(record, pid=host.pid):
            raise HostsError(f"{STATE_ROOT}/{prefix}/state.json records {host.name} as {record}, "
                             f"not as this labkit names it ({host.record()}); remove what it lists "
                             f"by hand, then the file")
        return host


def start_hosts(n: int, prefix: str = "lk", first: int = 1,
                progress: Progress | None = None) -> list[EngineHost]:
    """Start hosts host{first}..host{first+n-1} of the set `prefix`, each with the lab image.

    A host of the set whose engine already answers is returned as it is; a recorded host whose
    engine is gone is cleaned up and started afresh. On failure, the hosts this call made are
    removed again and the error is raised.
    """
    say = progress or (lambda message: None)
    check_prefix(prefix)
    _check_can_run("starting lab hosts")
    if not (isinstance(n, int) and isinstance(first, int) and n >= 1 and first >= 1
            and first + n - 1 <= MAX_HOST):
        raise BadName("host range", f"{n} hosts from host{first}",
                      f"hosts are numbered 1 to {MAX_HOST}")
    with _locked(prefix):
        state = _load(prefix)
        hosts, new = [], []
        try:
            _ensure_switch(state)
            for number in range(first, first + n):
                record = state["hosts"].get(f"host{number}")
                host = EngineHost.from_record(prefix, record) if record else EngineHost(prefix, number)
                if record and system.answers(host.socket):
                    say(f"{host.name} ({prefix}): already up")
                    hosts.append(host)
                    continue
                if record:
                    say(f"{host.name} ({prefix}): its engine is gone; starting it afresh")
                    _stop_engines([host])
                    _remove_host(state, host)
                    host = EngineHost(prefix, number)
                new.append(host)
                hosts.append(host)
                _create_network(state, host)
            for host in new:
                _launch(state, host)
            for host in new:
                _wait_until_up(host)
                say(f"{host.name} ({prefix}): engine up in {host.timings['engine']:.2f} s")
                loading = time.monotonic()
                with contextlib.closing(host.client()) as client:
                    ensure_lab_image(client, progress=progress)
                host.timings["image"] = time.monotonic() - loading
        except BaseException:
            made = [host for host in new if host.name in state["hosts"]]
            _stop_engines(made)
            for host in made:
                _remove_host(state, host)
                _reap(host)
            if not state["hosts"]:
                _remove_set(state)
            raise
    return hosts


def stop_hosts(prefix: str = "lk") -> list[str]:
    """Stop every recorded host of the set `prefix` and remove all the set made.

    Removes the engines (and their containerd, shims and containers), the mounts under their
    exec roots, the state folders, the namespaces, the switch. Idempotent; also cleans up after a
    crash. Returns what it removed, one line each.
    """
    check_prefix(prefix)
    _check_can_run("stopping lab hosts")
    with _locked(prefix):
        state = _load(prefix)
        hosts = [EngineHost.from_record(prefix, record) for record in state["hosts"].values()]
        removed = _stop_engines(hosts)
        for host in hosts:
            removed += _remove_host(state, host)
        removed += _remove_set(state)
    return removed


def fresh_engine(prefix: str = "lkc", progress: Progress | None = None) -> EngineHost:
    """One fresh host1 of the set `prefix`, in clean namespaces with an empty data root (but
    for the lab image): interface indexes and addresses come out the same every time.
    Stopping it removes everything of the set. Give each process (test worker) its own prefix:
    this starts by removing whatever the set held."""
    check_prefix(prefix)
    stop_hosts(prefix)
    (host,) = start_hosts(1, prefix=prefix, progress=progress)
    return host


def host_at(socket_path: str) -> EngineHost | None:
    """The lab host whose engine listens at this socket (STATE_ROOT/PREFIX/hostN/docker.sock), or
    None when the path is not a lab host's."""
    m = re.fullmatch(re.escape(STATE_ROOT) + r"/([a-z][a-z0-9]{0,7})/host([0-9]{1,2})/docker\.sock", socket_path)
    if m is None or not 1 <= int(m.group(2)) <= MAX_HOST:
        return None
    return EngineHost(m.group(1), int(m.group(2)))


def list_hosts(prefix: str = "lk") -> list[EngineHost]:
    """The recorded hosts of the set `prefix` whose engines answer."""
    check_prefix(prefix)
    hosts = [EngineHost.from_record(prefix, record) for record in _load(prefix)["hosts"].values()]
    return [host for host in sorted(hosts, key=lambda h: h.number) if system.answers(host.socket)]


# ---- the set's record ------------------------------------------------------------------------

def _set_dir(prefix: str) -> str:
    return f"{STATE_ROOT}/{prefix}"


def _load(prefix: str) -> dict:
    try:
        with open(f"{_set_dir(prefix)}/state.json") as f:
            return json.load(f)
    except FileNotFoundError:
        return {"prefix": prefix, "switch": None, "hosts": {}}


def _save(state: dict) -> None:
    folder = _set_dir(state["prefix"])
    os.makedirs(folder, exist_ok=True)
    with open(f"{folder}/state.json.new", "w") as f:
        json.dump(state, f, indent=1)
    os.replace(f"{folder}/state.json.new", f"{folder}/state.json")


def _locked(prefix: str):
    """One start or stop of a set at a time, across processes (flock on /run/labkit/P.lock, which
    goes when the set's folder does)."""
    return system.locked(f"{STATE_ROOT}/{prefix}.lock", while_exists=_set_dir(prefix))


# ---- making ----------------------------------------------------------------------------------

def _check_can_run(action: str) -> None:
    problem = can_start_hosts(action)
    if problem is not None:
        raise problem


def can_start_hosts(action: str = "starting lab hosts") -> LabkitError | None:
    """None when real engines in namespaces can start here, else the error that says why not."""
    if os.geteuid() != 0:
        return NeedsRoot(action)
    for tool, (package, needed_for) in TOOLS.items():
        if not shutil.which(tool, path=PATH):
            return MissingTool(tool, package, needed_for)
    return None


def check_prefix(prefix: str) -> str:
    """A set's prefix, checked: 1 to 8 lowercase letters and digits, starting with a letter (it
    names namespaces, interfaces and /run/labkit/PREFIX: nothing else may get in)."""
    if not isinstance(prefix, str) or not PREFIX_RULE.fullmatch(prefix):
        shown = repr(prefix) if len(repr(prefix)) <= 40 else repr(prefix)[:30] + "..."
        raise BadName("prefix", shown, "use 1 to 8 lowercase letters and digits, starting with a letter")
    return prefix


_check_prefix = check_prefix   # its earlier name


def _check_free(netns: str) -> None:
    """Before recording a namespace as ours: it must not exist yet."""
    if system.netns_exists(netns):
        raise NotRecorded(f"the network namespace {netns}", f"ip netns del {netns}")


def _ensure_switch(state: dict) -> None:
    """The set's underlay switch: a bridge in a namespace of its own."""
    prefix = state["prefix"]
    switch = {"netns": f"{prefix}-ul", "bridge": f"{prefix}ul0"}
    if state["switch"] and system.netns_exists(switch["netns"]):
        return
    _check_free(switch["netns"])
    state["switch"] = switch
    _save(state)
    ns, bridge = switch["netns"], switch["bridge"]
    system.run("ip", "netns", "add", ns)
    system.run("ip", "-n", ns, "link", "set", "lo", "up")
    system.run("ip", "-n", ns, "link", "add", bridge, "address", rules.UNDERLAY_SWITCH_MAC, "type", "bridge")
    system.run("ip", "-n", ns, "addr", "add", f"{rules.UNDERLAY_SWITCH}/{rules.UNDERLAY.prefixlen}", "dev", bridge)
    system.run("ip", "-n", ns, "link", "set", bridge, "up")


def _create_network(state: dict, host: EngineHost) -> None:
    """The host's namespaces, its underlay interface and switch port, and its state folder."""
    started = time.monotonic()
    _check_free(host.netns)
    state["hosts"][host.name] = host.record()
    _save(state)
    system.clear_folder(host.state_dir)
    os.makedirs(host.state_dir)
    switch = state["switch"]["netns"]
    system.run("ip", "netns", "add", host.netns)
    system.run("ip", "-n", switch, "link", "add", host.port, "index", str(rules.UNDERLAY_PORT_INDEX + host.number),
         "type", "veth", "peer", "name", "eth0", "index", "2", "address", host.mac, "netns", host.netns)
    system.run("ip", "-n", switch, "link", "set", host.port, "master", state["switch"]["bridge"], "up")
    system.run("nsenter", f"--net={NETNS_DIR}/{host.netns}", "sysctl", "-q", "-w",
         "net.ipv6.conf.eth0.accept_dad=0", "net.ipv6.conf.default.accept_dad=0")
    system.run("ip", "-n", host.netns, "addr", "add", f"{host.underlay_ip}/24", "dev", "eth0")
    system.run("ip", "-n", host.netns, "link", "set", "eth0", "up")
    system.run("ip", "-n", host.netns, "link", "set", "lo", "up")
    # A UTS namespace pinned on a file, holding the hostname: nsenter joins it with the netns.
    uts = f"{host.state_dir}/uts"
    open(uts, "w").close()
    system.run("unshare", f"--uts={uts}", "hostname", host.name)
    host.timings["network"] = time.monotonic() - started


def _launch(state: dict, host: EngineHost) -> None:
    d = host.state_dir
    with open(host.log_path, "ab") as log:
        host._process = subprocess.Popen(
            ["nsenter", f"--net={NETNS_DIR}/{host.netns}", f"--uts={d}/uts",
             "dockerd", "-H", host.url, "--data-root", f"{d}/data", "--exec-root", f"{d}/exec",
             "--pidfile", f"{d}/docker.pid"],
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, cwd=d,
            env=dict(os.environ, PATH=PATH),
            start_new_session=True)  # a Ctrl-C in the notebook must not reach the engines
    host._launched = time.monotonic()
    host.pid = host._process.pid  # nsenter execs dockerd: the same process
    state["hosts"][host.name]["pid"] = host.pid
    _save(state)


def _wait_until_up(host: EngineHost) -> None:
    deadline = host._launched + START_TIMEOUT
    while not system.answers(host.socket):
        reason = None
        if host._process.poll() is not None:
            reason = f"dockerd exited with status {host._process.returncode}"
        elif time.monotonic() > deadline:
            reason = f"it did not answer within {START_TIMEOUT:.0f} s"
        if reason:
            raise EngineStartFailed(host.name, host.url, reason, host.log_path, system.tail(host.log_path))
        time.sleep(0.01)
    host.timings["engine"] = time.monotonic() - host._launched


# ---- stopping and removing --------------------------------------------------------------------

def _stop_engines(hosts: list[EngineHost]) -> list[str]:
    """Stop the hosts' engines: containers removed through the API first (quick), then SIGTERM.

    Why containerd goes first when no container is left: on SIGTERM a dockerd stops its
    containerd and, if that is not yet reaped at its first look, sleeps a whole second before
    looking again. A containerd already gone (and reaped by its dockerd) lets dockerd exit in
    milliseconds. With containers left, dockerd needs containerd to stop them, so it goes alone.
    """
    stopped, engines = [], []
    for host in hosts:
        dockerd = _recorded_pid(host)
        if dockerd is None:
            continue
        containerd = _pid_from_file(f"{host.state_dir}/exec/containerd/containerd.pid", host)
        if _remove_containers(host) and containerd:
            system.send_signal(containerd, signal.SIGTERM)
            engines.append((host, dockerd, containerd))
        else:
            engines.append((host, dockerd, None))
        stopped.append(f"engine of {host.name} (dockerd pid {dockerd})")
    deadline = time.monotonic() + STOP_TIMEOUT
    for host, dockerd, containerd in engines:
        if containerd:  # reaped by dockerd, or dockerd would still see it "alive"
            system.wait_gone(containerd, min(deadline, time.monotonic() + 2), host._process, reaped=True)
        system.send_signal(dockerd, signal.SIGTERM)
    for host, dockerd, containerd in engines:
        if not system.wait_gone(dockerd, deadline, host._process):
            system.send_signal(dockerd, signal.SIGKILL)
            system.wait_gone(dockerd, time.monotonic() + 5, host._process)
    return stopped


def _remove_containers(host: EngineHost) -> bool:
    """Remove all containers of a host through its API; True when none is left."""
    if not system.answers(host.socket):
        return False
    try:
        with contextlib.closing(host.client(timeout=10)) as client:
            for container in client.containers.list(all=True, ignore_removed=True):
                with contextlib.suppress(docker.errors.NotFound):
                    container.remove(force=True)
            return not client.containers.list(all=True, ignore_removed=True)
    except docker.errors.DockerException:  # an engine that cannot answer gets SIGTERM alone
        return False


def _remove_host(state: dict, host: EngineHost) -> list[str]:
    """Remove what is left of a host after its engine stopped (or crashed), then its record."""
    removed = _clear_processes(host)
    if os.path.isdir(host.state_dir):
        system.clear_folder(host.state_dir)
        removed.append(f"folder {host.state_dir}")
    switch = (state.get("switch") or {}).get("netns")
    if switch and system.netns_exists(switch) and system.run("ip", "-n", switch, "link", "del", host.port,
                                                  check=False).returncode == 0:
        removed.append(f"switch port {host.port}")
    if system.netns_exists(host.netns):
        system.run("ip", "netns", "del", host.netns)
        removed.append(f"network namespace {host.netns}")
    state["hosts"].pop(host.name, None)
    _save(state)
    return removed


def _clear_processes(host: EngineHost) -> list[str]:
    """Stop what outlived the host's engine (a crash): its containers, then whatever still runs
    from the host's folder (containerd, shims). Returns what it stopped, one line each."""
    removed = []
    runc_root = f"{host.state_dir}/exec/runtime-runc/moby"
    # Containers that outlived their engine: runc kills them and removes their cgroups.
    for container in system.listdir(runc_root):
        if not re.fullmatch(r"[0-9a-f]{64}", container):
            continue   # runc's state folders are named by container ID
        system.run("runc", "--root", runc_root, "delete", "--force", container, check=False)
        removed.append(f"container {container[:12]} of {host.name}")
    leftovers = system.processes_using(host.state_dir)
    for pid in leftovers:
        system.send_signal(pid, signal.SIGTERM)
    deadline = time.monotonic() + 5
    for pid in leftovers:
        if not system.wait_gone(pid, deadline, host._process):
            system.send_signal(pid, signal.SIGKILL)
        removed.append(f"process {pid} of {host.name}")
    return removed


def _remove_set(state: dict) -> list[str]:
    """Remove the set's switch and folder (its hosts are gone already)."""
    removed = []
    switch = state.get("switch")
    if switch and system.netns_exists(switch["netns"]):
        system.run("ip", "netns", "del", switch["netns"])
        removed.append(f"switch {switch['bridge']} (network namespace {switch['netns']})")
    folder = _set_dir(state["prefix"])
    if os.path.isdir(folder):
        system.clear_folder(folder)
        removed.append(f"folder {folder}")
    return removed


# ---- processes --------------------------------------------------------------------------------

def _is_ours(pid: int | None, host: EngineHost) -> bool:
    """Is this process one of the host's (its command line names the host's folder)?
    Guards against a recorded pid that was reused since (by another process, or after a reboot)."""
    return bool(pid) and (host.state_dir + "/") in system.cmdline(pid)


def _recorded_pid(host: EngineHost) -> int | None:
    """The host's dockerd: the recorded pid, else the pid file dockerd wrote."""
    for pid in (host.pid, _pid_from_file(f"{host.state_dir}/docker.pid", host)):
        if _is_ours(pid, host) and system.alive(pid):
            return pid
    return None


def _pid_from_file(path: str, host: EngineHost) -> int | None:
    try:
        with open(path) as f:
            pid = int(f.read().strip())
    except (OSError, ValueError):
        return None
    return pid if _is_ours(pid, host) else None


def _reap(host: EngineHost) -> None:
    if host._process is not None:
        with contextlib.suppress(subprocess.TimeoutExpired):
            host._process.wait(timeout=1)
