"""What this machine offers the lab: which engine labkit uses and why, and what is installed.

    report = labkit.doctor.diagnose()     # like `labkit doctor`
    report.engine                         # "docker" or "sim": what labkit.connect() picks
    print(report.text())

`diagnose()` only looks: it starts no daemon and changes nothing. (For the simulated engine it
asks labkit's in-process simulator, which labkit.connect("sim") would start anyway.)
Kernel features (ipvlan, ESP, IPVS, ...) are not checked yet.
"""
from __future__ import annotations

import os
import platform
import shutil
import struct
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
    python: str = platform.python_version()

    @property
    def engine_label(self) -> str:
        return {"sim": "labkit's simulated Docker engine", "docker": "the real Docker engine"}.get(
            self.engine or "", "no engine")

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
            version = f", Docker Engine {self.engine_version}" if self.engine_version else ""
            line = f"labkit: engine {self.engine or 'none'} ({self.engine_label}{version}): {self.why}"
            return "\n".join([line] + [f"labkit: problem: {p}" for p in self.problems])
        rows = [
            ("engine", f"{self.engine or 'none'}: {self.engine_label}"),
            ("why", self.why),
            ("version", f"Docker Engine {self.engine_version}, API {self.api_version}"
             if self.engine_version else "-"),
            ("real engine", f"answers at {self.docker_url}" if self.docker_answers
             else f"none at {self.docker_url} ({self.docker_problem})"),
            ("root", "yes" if self.root else "no"),
            ("dockerd", self.dockerd or "not installed (apt-get install docker.io)"),
            ("busybox", (f"{self.busybox} ({'static' if self.busybox_static else 'dynamic'})"
                         if self.busybox else "not installed (apt-get install busybox-static)")),
            ("lab hosts", "can start (labkit hosts up N)" if self.hosts_ready
             else "cannot start: " + "; ".join(self.missing_for_hosts)),
            ("python", self.python),
        ]
        width = max(len(k) for k, _ in rows)
        lines = [f"{k.ljust(width)}  {v}" for k, v in rows]
        lines += [f"problem: {p}" for p in self.problems]
        return "\n".join(lines)


def diagnose(timeout: float = 2.0) -> Report:
    """Look at this machine the way labkit.connect() does, and at what multi-host labs need."""
    requested = (os.environ.get("LABKIT_ENGINE") or "auto").strip().lower()
    url = os.environ.get("DOCKER_HOST") or DEFAULT_DOCKER_URL
    version, problem = probe_docker(timeout)
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
    elif answers:
        engine, why = "docker", f"a real Docker engine answers at {url}"
    else:
        engine, why = "sim", f"no Docker engine answers at {url} ({problem})"

    if engine == "sim":
        with engines.connect("sim", quiet=True).api as api:
            version = api.version()

    busybox = images.BUSYBOX if os.path.isfile(images.BUSYBOX) else None
    static = bool(busybox) and is_static(busybox)
    return Report(
        requested=requested, engine=engine, why=why, docker_url=url, docker_answers=answers,
        docker_problem=problem, engine_version=(version or {}).get("Version") if engine else None,
        api_version=(version or {}).get("ApiVersion") if engine else None,
        root=os.geteuid() == 0, dockerd=shutil.which("dockerd", path=hosts.PATH),
        busybox=busybox, busybox_static=static, missing_for_hosts=missing_for_hosts(static))


def probe_docker(timeout: float = 2.0) -> tuple[dict | None, str | None]:
    """The real engine's `docker version` answer, or None and why there is none."""
    try:
        client = docker.from_env(timeout=timeout)
    except docker.errors.DockerException as e:
        return None, explain(e)
    try:
        return client.version(), None
    except docker.errors.DockerException as e:
        return None, explain(e)
    except OSError as e:
        return None, explain(e)
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
