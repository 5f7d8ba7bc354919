"""What this machine offers the lab: which engine labkit uses and why, and what is installed.

    report = labkit.doctor.diagnose()     # like `labkit doctor`
    report.engine                         # "docker" or "sim": what labkit.connect() picks
    print(report.text())

    report.kernel.missing                 # kernel features this machine lacks: ["esp", "ipvs", ...]

`diagnose()` only looks: it starts no daemon and changes nothing. (For the simulated engine it
asks labkit's in-process simulator, which labkit.connect("sim") would start anyway.)

Kernel features (`kernel_features()`): what real engines on this machine can do with VXLAN
(overlays), ESP (encrypted overlays), IPVS (a service's virtual IP, the routing mesh), macvlan and
ipvlan. Each is found out, in this order of trust:
1. a probe: the very operation the engine needs, tried in a throwaway network namespace that
   exists only for the probe (`unshare --net`, with `--user --map-root-user` when not root): a
   vxlan, macvlan or ipvlan link is created there, or an ESP security association with the
   algorithm Docker's encrypted overlays use (rfc4106(gcm(aes))). The namespace and all in it go
   when the probe ends; nothing is left on the machine. IPVS is asked for by its netlink family
   (a read-only question). A kernel may load a module to answer, as it would for the engine.
2. the kernel's build configuration (/proc/config.gz, or /boot/config-RELEASE);
3. the loaded modules (/proc/modules, /sys/module).
A feature none of these can tell about is reported as unknown (None).
"""
from __future__ import annotations

import gzip
import os
import platform
import shutil
import socket
import struct
import subprocess
from dataclasses import dataclass, field

import docker

from . import engines, hosts, images

DEFAULT_DOCKER_URL = "unix:///var/run/docker.sock"
PT_INTERP = 3  # an ELF program header naming the dynamic loader: absent in a static binary


@dataclass
class Report:
    """The doctor's findings. Plain data: `text()` renders it, nothing here prints."""

    requested: str                  # LABKIT_ENGINE, else "auto"
    engine: str | None              # "docker" or "sim": what labkit.connect() uses; None if it cannot
    why: str                        # why that engine (or why none)
    docker_url: str                 # where a real engine is looked for (DOCKER_HOST or the default)
    docker_answers: bool
    docker_problem: str | None      # why the real engine does not answer there (None when it does)
    engine_version: str | None      # of the engine labkit uses, as it reports itself
    api_version: str | None
    root: bool
    dockerd: str | None             # path of dockerd, None when not installed
    busybox: str | None             # path of /bin/busybox, None when absent
    busybox_static: bool            # statically linked, so it runs inside the lab image
    missing_for_hosts: list[str] = field(default_factory=list)  # why `labkit hosts up` cannot run
    docker_simulated: bool = False  # what answers at docker_url is labkit's simulator (the lab's shared engine)
    kernel: Kernel | None = None  # this machine's kernel features (None: not looked at)
    python: str = platform.python_version()

    @property
    def engine_label(self) -> str:
        return {"sim": "labkit's simulated Docker engine", "docker": "the real Docker engine"}.get(
            self.engine or "", "no engine")

    @property
    def engine_version_text(self) -> str | None:
        """The engine's version as it should be read: labkit's simulator is no Docker release."""
        if not self.engine_version:
            return None
        if self.engine == "sim" or self.docker_simulated:
            return f"labkit's simulator (models Docker Engine {self.engine_version.split('+')[0]})"
        return f"Docker Engine {self.engine_version}"

    @property
    def hosts_ready(self) -> bool:
        return not self.missing_for_hosts

    @property
    def problems(self) -> list[str]:
        out = []
        if self.engine is None:
            out.append(self.why)
        if self.busybox and not self.busybox_static:
            out.append(f"{self.busybox} is dynamically linked, so it cannot run inside the lab image: "
                       f"apt-get install busybox-static")
        return out

    def text(self, short: bool = False) -> str:
        if short:
            what = self.engine_version_text or self.engine_label
            line = f"labkit: engine {self.engine or 'none'}, {what}: {self.why}"
            return "\n".join([line] + [f"labkit: problem: {p}" for p in self.problems])
        rows = [
            ("engine", f"{self.engine or 'none'}: {self.engine_label}"),
            ("why", self.why),
            ("version", f"{self.engine_version_text}, API {self.api_version}" if self.engine_version else "-"),
            ("real engine", f"none at {self.docker_url}: labkit's simulator answers there" if self.docker_simulated
             else f"answers at {self.docker_url}" if self.docker_answers
             else f"none at {self.docker_url} ({self.docker_problem})"),
            ("root", "yes" if self.root else "no"),
            ("dockerd", self.dockerd or "not installed (apt-get install docker.io)"),
            ("busybox", (f"{self.busybox} ({'static' if self.busybox_static else 'dynamic'})"
                         if self.busybox else "not installed (apt-get install busybox-static)")),
            ("lab hosts", "can start (labkit hosts up N)" if self.hosts_ready
             else "cannot start: " + "; ".join(self.missing_for_hosts)),
            ("python", self.python),
        ]
        if self.kernel is not None:
            rows.append(("kernel", f"{self.kernel.release} (what real engines on this machine can do)"))
            rows += [(f"  {f.name}", f.line()) for f in self.kernel.features.values()]
        width = max(len(k) for k, _ in rows)
        lines = [f"{k.ljust(width)}  {v}" for k, v in rows]
        if self.kernel is not None:
            lines += [f"  without {f.name}: {f.need.without}; {f.instead}"
                      for f in map(self.kernel.features.get, self.kernel.missing)]
        lines += [f"problem: {p}" for p in self.problems]
        return "\n".join(lines)


def diagnose(timeout: float = 2.0, kernel: bool = True) -> Report:
    """Look at this machine the way labkit.connect() does, and at what multi-host labs need;
    with kernel=True also at the kernel features real engines need (`kernel_features()`)."""
    requested = (os.environ.get("LABKIT_ENGINE") or "auto").strip().lower()
    url = os.environ.get("DOCKER_HOST") or DEFAULT_DOCKER_URL
    version, problem, simulated = probe_docker(timeout)
    answers = version is not None

    engine: str | None
    if requested not in engines.ENGINES:
        engine, why = None, (f"LABKIT_ENGINE={requested} is not an engine: use one of "
                             f"{', '.join(engines.ENGINES)}")
    elif requested == "sim":
        engine, why = "sim", "LABKIT_ENGINE=sim asks for it"
    elif requested == "docker":
        engine = "docker" if answers else None
        why = ("LABKIT_ENGINE=docker asks for it" if answers else
               f"LABKIT_ENGINE=docker asks for the real engine, but none answers at {url}: {problem}")
    elif answers and simulated:
        engine, why = "sim", (f"it answers at {url} (`labkit sim serve`): notebooks, `docker` in cells "
                              f"and terminals share it")
    elif answers:
        engine, why = "docker", f"a real Docker engine answers at {url}"
    else:
        engine, why = "sim", f"no Docker engine answers at {url} ({problem})"

    if engine == "sim" and not simulated:
        with engines.connect("sim", quiet=True).api as api:
            version = api.version()

    busybox = images.BUSYBOX if os.path.isfile(images.BUSYBOX) else None
    static = bool(busybox) and is_static(busybox)
    return Report(
        requested=requested, engine=engine, why=why, docker_url=url, docker_answers=answers,
        docker_problem=problem, docker_simulated=simulated, engine_version=(version or {}).get("Version") if engine else None,
        api_version=(version or {}).get("ApiVersion") if engine else None,
        root=os.geteuid() == 0, dockerd=shutil.which("dockerd", path=hosts.PATH),
        busybox=busybox, busybox_static=static, missing_for_hosts=missing_for_hosts(static),
        kernel=kernel_features() if kernel else None)


def probe_docker(timeout: float = 2.0) -> tuple[dict | None, str | None, bool]:
    """The `docker version` answer of the engine at DOCKER_HOST (or the default socket), or None
    and why there is none; and whether that engine is labkit's simulator (`docker info` says)."""
    try:
        client = docker.from_env(timeout=timeout)
    except docker.errors.DockerException as e:
        return None, explain(e), False
    try:
        return client.version(), None, engines.is_simulated(client)
    except (docker.errors.DockerException, OSError) as e:
        return None, explain(e), False
    finally:
        client.close()


def explain(error: BaseException) -> str:
    """A short reason for a failed connection, from the innermost cause docker-py wraps."""
    seen, stack = [], [error]
    while stack:
        e = stack.pop()
        if e is None or any(e is s for s in seen):
            continue
        seen.append(e)
        stack += [e.__cause__, e.__context__] + [a for a in getattr(e, "args", ()) if isinstance(a, BaseException)]
    for e in seen:
        if isinstance(e, FileNotFoundError):
            return "no socket there"
        if isinstance(e, PermissionError):
            return ("permission denied: the engine's socket is root access, so only root "
                    "(or the docker group) may use it")
        if isinstance(e, ConnectionRefusedError):
            return "connection refused (a socket without an engine behind it)"
    text = str(error).splitlines()[0] if str(error) else type(error).__name__
    return text if len(text) <= 200 else text[:197] + "..."


def is_static(path: str) -> bool:
    """True for an ELF executable without a dynamic loader (PT_INTERP)."""
    try:
        with open(path, "rb") as f:
            head = f.read(64)
            if head[:4] != b"\x7fELF":
                return False
            wide, order = head[4] == 2, "<" if head[5] == 1 else ">"
            if wide:
                phoff, = struct.unpack_from(order + "Q", head, 32)
                phentsize, phnum = struct.unpack_from(order + "HH", head, 54)
            else:
                phoff, = struct.unpack_from(order + "I", head, 28)
                phentsize, phnum = struct.unpack_from(order + "HH", head, 42)
            f.seek(phoff)
            table = f.read(phentsize * phnum)
    except (OSError, struct.error):
        return False
    return all(struct.unpack_from(order + "I", table, i * phentsize)[0] != PT_INTERP
               for i in range(phnum))


def missing_for_hosts(busybox_static: bool) -> list[str]:
    """What `labkit hosts up` (real engines in network namespaces) still needs here."""
    missing = [] if os.geteuid() == 0 else ["root"]
    for tool, (package, _) in hosts.TOOLS.items():
        if not shutil.which(tool, path=hosts.PATH):
            missing.append(f"{tool} (apt-get install {package})")
    if not busybox_static:
        missing.append("a static busybox (apt-get install busybox-static)")
    return missing


# ---- kernel features --------------------------------------------------------------------------

@dataclass(frozen=True)
class Need:
    """A kernel feature a lab needs: what for, its build options, and what a lab shows without it."""

    name: str
    title: str
    needed_for: str
    options: tuple[str, ...]        # kernel build options (all needed)
    modules: tuple[str, ...]        # their module names, when built as modules
    without: str                    # what a real engine does without it (measured on Engine 20.10)
    instead: str                    # where labkit shows it instead


NEEDS = (
    Need("vxlan", "VXLAN", "overlay networks between hosts (VXLAN over UDP 4789)", ("CONFIG_VXLAN",), ("vxlan",),
         "overlay networks cannot carry traffic between hosts",
         "overlays between hosts are shown on the simulator"),
    Need("esp", "ESP", "encrypted overlays (--opt encrypted: IPsec ESP with AES-GCM)",
         ("CONFIG_INET_ESP", "CONFIG_CRYPTO_GCM"), ("esp4", "gcm"),
         "an encrypted overlay is created and attached as usual, but traffic between hosts is silently lost",
         "encrypted overlays are shown on the simulator, as Docker documents them"),
    Need("ipvs", "IPVS", "a service's virtual IP and the ingress routing mesh", ("CONFIG_IP_VS",), ("ip_vs",),
         "a service's name resolves to its virtual IP, but nothing answers there; ports a service "
         "publishes are refused on every node",
         "service virtual IPs and the routing mesh are shown on the simulator, as Docker documents them"),
    Need("macvlan", "macvlan", "macvlan networks (a MAC address of its own per container)", ("CONFIG_MACVLAN",),
         ("macvlan",), "containers on a macvlan network cannot start",
         "macvlan networks are shown on the simulator"),
    Need("ipvlan", "ipvlan", "ipvlan networks (an IP address of its own, the host's MAC)", ("CONFIG_IPVLAN",),
         ("ipvlan",), "an ipvlan network is created, but its containers do not start (\"failed to create "
         "the ipvlan port: operation not supported\")",
         "ipvlan networks are shown on the simulator, as Docker documents them"),
)


@dataclass
class Feature:
    """One kernel feature: available (True, False, or None when nothing could tell) and how that
    was found out."""

    need: Need
    available: bool | None
    evidence: str

    @property
    def name(self) -> str:
        return self.need.name

    @property
    def instead(self) -> str:
        return self.need.instead

    def line(self) -> str:
        """One line for `labkit doctor`: yes/no/unknown, what for, and why not."""
        state = {True: "yes", False: "no", None: "unknown"}[self.available]
        text = f"{state:7} {self.need.needed_for}"
        if self.available is not True:
            text += f": {self.evidence}"
        return text


@dataclass
class Kernel:
    release: str
    features: dict[str, Feature]
    config_source: str | None       # where the build configuration was read, if anywhere
    probed: bool                    # whether the probes could run

    def has(self, name: str) -> bool | None:
        return self.features[name].available

    @property
    def missing(self) -> list[str]:
        """The features known to be missing (not those that are unknown)."""
        return [name for name, f in self.features.items() if f.available is False]


def kernel_features(probe: bool = True) -> Kernel:
    """What this machine's kernel offers real engines (see the module's docstring for how)."""
    release = platform.release()
    config, source = kernel_config(release)
    loaded = loaded_modules()
    probes = run_probes() if probe else {}
    features = {}
    for need in NEEDS:
        features[need.name] = _judge(need, probes.get(need.name), config, source, loaded)
    return Kernel(release, features, source, bool(probes))


def _judge(need: Need, probed: tuple[bool, str] | None, config: dict | None, source: str | None,
           loaded: set[str]) -> Feature:
    unset: list[str] = []
    said = None
    if config is not None:
        unset = [o for o in need.options if config.get(o) not in ("y", "m")]
        said = (f"{', '.join(unset)} not set in {source}" if unset
                else f"{' and '.join(f'{o}={config[o]}' for o in need.options)} in {source}")
    if probed is not None:
        ok, text = probed
        if ok:
            return Feature(need, True, text)
        if said is None:
            return Feature(need, False, text)
        if unset:
            return Feature(need, False, f"{said}; {text}")
        # The probe found nothing, but the kernel was built with it (a module not loaded yet,
        # which the engine loads itself): trust the build.
        return Feature(need, True, f"{said}, though {text}")
    if said is not None:
        return Feature(need, not unset, said)
    found = [m for m in need.modules if m in loaded]
    if found:
        return Feature(need, True, f"module {found[0]} is loaded")
    return Feature(need, None, "no probe could run here and the kernel's configuration is not readable")


def kernel_config(release: str | None = None, paths: tuple[str, ...] | None = None
                  ) -> tuple[dict[str, str] | None, str | None]:
    """The kernel's build options ({"CONFIG_VXLAN": "y", ...}) and the file they came from
    (the first of `paths` that can be read: /proc/config.gz, /boot/config-RELEASE)."""
    release = release or platform.release()
    for path in paths or ("/proc/config.gz", f"/boot/config-{release}"):
        try:
            opener = gzip.open if path.endswith(".gz") else open
            with opener(path, "rt", errors="replace") as f:
                text = f.read()
        except OSError:
            continue
        config = {}
        for line in text.splitlines():
            key, eq, value = line.partition("=")
            if eq and key.startswith("CONFIG_"):
                config[key] = value.strip().strip('"')
        return config, path
    return None, None


def loaded_modules() -> set[str]:
    """Modules the kernel has loaded (and built-in ones that have parameters in /sys/module)."""
    found = set()
    try:
        with open("/proc/modules") as f:
            found |= {line.split()[0] for line in f if line.strip()}
    except OSError:
        pass
    try:
        found |= set(os.listdir("/sys/module"))
    except OSError:
        pass
    return found


# Each probe runs in a network namespace of its own that ends with it: nothing to clean up.
PROBES = {
    "vxlan": "ip link add lkprobe0 type vxlan id 4097 dstport 4789",
    "macvlan": "ip link add lkprobe0 type veth peer name lkprobe1 && "
               "ip link add lkprobe2 link lkprobe0 type macvlan mode bridge",
    "ipvlan": "ip link add lkprobe0 type veth peer name lkprobe1 && "
              "ip link add lkprobe2 link lkprobe0 type ipvlan mode l2",
    # Docker's encrypted overlays: ESP in transport mode with AES-GCM (rfc4106, 64-bit ICV).
    "esp": "ip xfrm state add src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x4c4b0001 reqid 1 mode transport "
           "aead 'rfc4106(gcm(aes))' 0x000102030405060708090a0b0c0d0e0f10111213 64",
}
PROBE_TEXT = {
    "vxlan": "a vxlan link was created in a throwaway network namespace",
    "macvlan": "a macvlan link was created in a throwaway network namespace",
    "ipvlan": "an ipvlan link was created in a throwaway network namespace",
    "esp": "an ESP security association with AES-GCM was set up in a throwaway network namespace",
}


def run_probes(timeout: float = 5.0) -> dict[str, tuple[bool, str]]:
    """{feature: (works, what was seen)} for the features a probe can try here; empty when no
    probe can run (no `unshare` or `ip`, or neither root nor unprivileged user namespaces)."""
    out: dict[str, tuple[bool, str]] = {}
    ipvs = _genl_family("IPVS")
    if ipvs is not None:
        out["ipvs"] = (True, "the kernel answers for IPVS (its netlink family)") if ipvs else \
            (False, "the kernel has no IPVS netlink family")
    unshare, ip = shutil.which("unshare", path=hosts.PATH), shutil.which("ip", path=hosts.PATH)
    if not (unshare and ip):
        return out
    prefix = [unshare, "--net"] if os.geteuid() == 0 else [unshare, "--user", "--map-root-user", "--net"]
    for name, script in PROBES.items():
        try:
            done = subprocess.run(prefix + ["sh", "-c", script], check=False, capture_output=True, text=True,
                                  timeout=timeout, env={"PATH": hosts.PATH, "LC_ALL": "C"})
        except (OSError, subprocess.TimeoutExpired):
            return {k: v for k, v in out.items() if k == "ipvs"}
        error = (done.stderr or done.stdout).strip().splitlines()
        if done.returncode == 0:
            out[name] = (True, PROBE_TEXT[name])
        elif error and error[-1].startswith("unshare:"):
            # The namespace itself could not be made: no probe can run here.
            return {k: v for k, v in out.items() if k == "ipvs"}
        else:
            reason = error[-1] if error else f"exit status {done.returncode}"
            out[name] = (False, f"a probe failed: {reason.removeprefix('Error: ').rstrip('.')}")
    return out


NETLINK_GENERIC, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, CTRL_ATTR_FAMILY_NAME = 16, 0x10, 3, 2
NLM_F_REQUEST, NLMSG_ERROR = 1, 2


def _genl_family(name: str) -> bool | None:
    """Does the kernel know the generic netlink family `name`? None when it cannot be asked."""
    try:
        sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_GENERIC)
    except (OSError, AttributeError):
        return None
    with sock:
        sock.settimeout(2.0)
        value = name.encode() + b"\0"
        attr = struct.pack("=HH", 4 + len(value), CTRL_ATTR_FAMILY_NAME) + value
        attr += b"\0" * (-len(attr) % 4)
        body = struct.pack("=BBH", CTRL_CMD_GETFAMILY, 1, 0) + attr
        message = struct.pack("=IHHII", 16 + len(body), GENL_ID_CTRL, NLM_F_REQUEST, 1, 0) + body
        try:
            sock.send(message)
            reply = sock.recv(65536)
        except OSError:
            return None
    if len(reply) < 16:
        return None
    _, kind = struct.unpack_from("=IH", reply, 0)
    if kind == NLMSG_ERROR:
        error, = struct.unpack_from("=i", reply, 16)
        return error == 0
    return kind == GENL_ID_CTRL
