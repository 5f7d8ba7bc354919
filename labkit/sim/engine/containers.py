"""Containers: create, start, stop, kill, restart, remove.

The engine's order of things is kept where it shows: a container is created with only the names of
the networks it asked for; addresses, endpoints and interfaces exist only while it runs; stopping
releases them (a removed or stopped container's address is free at once) but keeps what was asked
for. Publishing a port reserves host ports while the container runs. What runs inside is the
world's runtime (the lab image's busybox: labkit.sim.shell).
"""
from __future__ import annotations

import contextlib
import itertools

from ..errors import Conflict, EngineError, ExecNotFound, InvalidParameter, NotModified
from ..process import Process
from ..state import CONTAINER_NAME, ZERO_TIME, Container, Host, Image, NetChanges, Network, now
from ..terminal import Tty
from . import costs, dns, endpoints, filesystem, health, images, links, logs, ports, processes, signals, volumes

# Names for containers created without one (the engine picks adjective_surname at random; ours
# come in a fixed order so notebook outputs stay stable).
_ADJECTIVES = ["admiring", "bold", "clever", "dreamy", "eager", "focused", "gallant", "happy",
               "jolly", "keen", "lucid", "modest", "nifty", "quirky", "serene", "trusting"]
_SURNAMES = ["turing", "hopper", "lovelace", "ritchie", "thompson", "torvalds", "knuth", "liskov",
             "hamilton", "cerf", "kahn", "perlman", "postel", "metcalfe", "baran", "davies"]


def _auto_name(host: Host) -> str:
    taken = {c.name for c in host.containers.values()}
    for adj, sur in itertools.product(_ADJECTIVES, _SURNAMES):
        if f"{adj}_{sur}" not in taken:
            return f"{adj}_{sur}"
    return "container_" + str(len(taken))


OCI_CREATE = "failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: "

# A container's HostConfig as the engine shows it when the request left everything out.
HOST_CONFIG_DEFAULTS = {
    "Binds": None, "ContainerIDFile": "", "LogConfig": {"Type": "json-file", "Config": {}},
    "NetworkMode": "default", "PortBindings": None,
    "RestartPolicy": {"Name": "", "MaximumRetryCount": 0}, "AutoRemove": False, "VolumeDriver": "",
    "VolumesFrom": None, "CapAdd": None, "CapDrop": None, "CgroupnsMode": "host", "Dns": None,
    "DnsOptions": None, "DnsSearch": None, "ExtraHosts": None, "GroupAdd": None, "IpcMode": "private",
    "Cgroup": "", "Links": None, "OomScoreAdj": 0, "PidMode": "", "Privileged": False,
    "PublishAllPorts": False, "ReadonlyRootfs": False, "SecurityOpt": None, "UTSMode": "",
    "UsernsMode": "", "ShmSize": 67108864, "Runtime": "runc", "ConsoleSize": [0, 0], "Isolation": "",
    "CpuShares": 0, "Memory": 0, "NanoCpus": 0, "CgroupParent": "", "BlkioWeight": 0,
    "BlkioWeightDevice": None, "BlkioDeviceReadBps": None, "BlkioDeviceWriteBps": None,
    "BlkioDeviceReadIOps": None, "BlkioDeviceWriteIOps": None, "CpuPeriod": 0, "CpuQuota": 0,
    "CpuRealtimePeriod": 0, "CpuRealtimeRuntime": 0, "CpusetCpus": "", "CpusetMems": "",
    "Devices": None, "DeviceCgroupRules": None, "DeviceRequests": None, "KernelMemory": 0,
    "KernelMemoryTCP": 0, "MemoryReservation": 0, "MemorySwap": 0, "MemorySwappiness": None,
    "OomKillDisable": False, "PidsLimit": None, "Ulimits": None, "CpuCount": 0, "CpuPercent": 0,
    "IOMaximumIOps": 0, "IOMaximumBandwidth": 0,
    "MaskedPaths": ["/proc/asound", "/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
                    "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi",
                    "/sys/firmware"],
    "ReadonlyPaths": ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"],
}

# The logging drivers the engine has (`docker info` lists them): "none" needs no plugin either.
LOG_DRIVERS = ("awslogs", "fluentd", "gcplogs", "gelf", "journald", "json-file", "local", "logentries",
               "splunk", "syslog")
HOST_CONFIG_OMITTED = ("Mounts", "Tmpfs", "Sysctls", "Init", "StorageOpt")

# What the engine puts in place of empty or zero host settings (the CLI sends them all).
_FILL = {"CgroupnsMode": "host", "IpcMode": "private", "ShmSize": 67108864, "Runtime": "runc"}
_NULL_WHEN = {"MemorySwappiness": -1, "PidsLimit": 0}


def check_network_mode(body: dict) -> None:
    """What the engine refuses while it reads the request, before anything else (runconfig)."""
    hc = body.get("HostConfig") or {}
    if not str(hc.get("NetworkMode") or "").startswith("container:"):
        return
    if body.get("Hostname"):
        raise InvalidParameter("conflicting options: hostname and the network mode")
    if hc.get("PortBindings") or hc.get("PublishAllPorts"):
        raise InvalidParameter("conflicting options: port publishing and the container type network mode")
    if body.get("ExposedPorts"):
        raise InvalidParameter("conflicting options: port exposing and the container type network mode")


def engine_defaults(hc: dict) -> dict:
    for key, value in _FILL.items():
        if not hc.get(key):
            hc[key] = value
    for key, zero in _NULL_WHEN.items():
        if hc.get(key) == zero:
            hc[key] = None
    if not (hc.get("LogConfig") or {}).get("Type"):
        hc["LogConfig"] = {"Type": "json-file", "Config": (hc.get("LogConfig") or {}).get("Config") or {}}
    for key in ("MaskedPaths", "ReadonlyPaths"):
        if hc.get(key) is None:
            hc[key] = list(HOST_CONFIG_DEFAULTS[key])
    return hc


def top_level_host_config(body: dict) -> dict:
    """A request without HostConfig may carry host settings beside the config (the engine's
    request struct embeds HostConfig): then they are its HostConfig, defaults and all."""
    given = {k: v for k, v in body.items()
             if (k in HOST_CONFIG_DEFAULTS or k in HOST_CONFIG_OMITTED) and v is not None}
    return engine_defaults(given) if given else {}


def create(host: Host, name: str | None, body: dict) -> Container:
    check_network_mode(body)
    if name is not None and name != "":
        if not CONTAINER_NAME.match(name):
            raise InvalidParameter(f"Invalid container name ({name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed")
        name = name.lstrip("/")
    hc = engine_defaults(dict(body.get("HostConfig") or {})) if "HostConfig" in body else top_level_host_config(body)
    for key in body.get("ExposedPorts") or {}:
        ports.parse_port_key(key)
    for key, bindings in (hc.get("PortBindings") or {}).items():
        ports.parse_port_key(key)
        for b in bindings or []:
            ports.check_host_port((b or {}).get("HostPort", ""))
    check_restart_policy(hc.get("RestartPolicy") or {}, bool(hc.get("AutoRemove")))
    mode = hc.get("NetworkMode") or "default"
    endpoints_cfg = ((body.get("NetworkingConfig") or {}).get("EndpointsConfig") or {})
    if len(endpoints_cfg) > 1:
        names = ", ".join(endpoints_cfg)
        raise InvalidParameter(f"Container cannot be connected to network endpoints: {names}")
    for settings in endpoints_cfg.values():
        endpoints.check_addresses((settings or {}).get("IPAMConfig") or {})
    ref = body.get("Image") or ""
    # No image at all: the engine still creates the container, on an empty file system (its
    # start then finds no program).
    image = images.find(host, ref) if ref else Image("", [], created=0, size=0)
    reset = body.get("Entrypoint") == [""]   # `--entrypoint ''`: none, and not the image's command either
    argv = ([] if reset else list(body.get("Entrypoint") or [])) + list(body.get("Cmd") or [])
    if not argv and (reset or (not image.cmd and not (image.config or {}).get("Entrypoint"))):
        raise InvalidParameter("No command specified")
    if name:
        for other in host.containers.values():
            if other.name == name:
                raise Conflict(f'Conflict. The container name "/{name}" is already in use by container '
                               f'"{other.id}". You have to remove (or rename) that container to be able '
                               f'to reuse that name.')
    else:
        name = _auto_name(host)
    log_driver = (hc.get("LogConfig") or {}).get("Type") or "json-file"
    if log_driver not in LOG_DRIVERS + ("none",):
        raise InvalidParameter(f"logger: no log driver named '{log_driver}' is registered")
    dns.check_extra_hosts(hc.get("ExtraHosts"))
    links.check(host, hc.get("Links"))
    mounts = volumes.mounts_for(host, body, (image.config or {}).get("Volumes"))
    cid = host.world.new_id("container", f"{host.name}/{name}")
    config = _container_config(body, cid)
    images.merge_config(config, image)
    hc.setdefault("NetworkMode", mode)
    c = Container(cid, name, host, image, ref, now(host.world.clock.wall()), config, hc, mode, mounts=mounts)
    if mode.startswith("container:"):
        # The engine finds the other container at start ('No such container' then, not here).
        target = next((o for o in host.containers.values()
                       if mode.split(":", 1)[1] in (o.id, o.name)), None)
        if target is not None:
            c.network_mode = "container:" + target.id
            c.host_config["NetworkMode"] = c.network_mode
            c.config["Hostname"] = target.hostname
    elif mode == "host":
        c.config["Hostname"] = host.hostname
        c.net_requests["host"] = {}
    elif mode == "none":
        c.net_requests["none"] = {}
    else:
        net_name = "bridge" if mode == "default" else mode
        req = dict(endpoints_cfg.get(net_name) or endpoints_cfg.get(mode) or {})
        if net_name != "bridge" and hc.get("Links"):
            # On a user-defined network a link is the endpoint's: HostConfig keeps none.
            req["Links"] = req.get("Links") or list(hc["Links"])
            c.host_config["Links"] = None
        c.net_requests[net_name] = req
    if c.host_config.get("Links"):
        c.host_config["Links"] = links.normalised(host, name, c.host_config["Links"])
    host.containers[cid] = c
    return c


def _container_config(body: dict, cid: str) -> dict:
    keys = ["Hostname", "Domainname", "User", "AttachStdin", "AttachStdout", "AttachStderr", "Tty",
            "OpenStdin", "StdinOnce", "Env", "Cmd", "Image", "Volumes", "WorkingDir", "Entrypoint",
            "OnBuild", "Labels"]
    cfg = {k: body.get(k) for k in keys}
    for k in ("AttachStdin", "AttachStdout", "AttachStderr", "Tty", "OpenStdin", "StdinOnce"):
        cfg[k] = bool(cfg[k])
    for k in ("Hostname", "Domainname", "User", "WorkingDir", "Image"):
        cfg[k] = cfg[k] or ""
    cfg["Hostname"] = cfg["Hostname"] or cid[:12]
    # The engine merges the image's labels into the container's: a map, even an empty one,
    # except for a container with no image and no labels.
    cfg["Labels"] = dict(body.get("Labels") or {}) if (body.get("Labels") or body.get("Image")) else None
    cfg["Volumes"] = body.get("Volumes") or None  # the CLI sends {}, the engine keeps null
    if body.get("ExposedPorts"):
        cfg["ExposedPorts"] = {k: {} for k in body["ExposedPorts"]}
    for key in (body.get("HostConfig") or {}).get("PortBindings") or {}:
        cfg.setdefault("ExposedPorts", {})[key if "/" in key else key + "/tcp"] = {}
    if body.get("StopSignal"):
        cfg["StopSignal"] = body["StopSignal"]
    for key in ("MacAddress", "StopTimeout", "Healthcheck"):  # omitted by the engine unless given
        if body.get(key) is not None and body.get(key) != "":
            cfg[key] = body[key]
    return cfg


# -- lifecycle -------------------------------------------------------------------------------------
def start(c: Container, cost: float = 0.0) -> None:
    """docker start; `cost`: the world's time the engine takes first (costs.START for a client's)."""
    host = c.host
    if not (c.paused or c.running):
        costs.spend(host.world, cost)
    if c.paused:
        raise Conflict("cannot start a paused container, try unpause instead")
    if c.running:
        raise NotModified()
    mode = c.mode_kind
    # Networks first (the engine fails the start, leaving the container created, when one is gone).
    joined: list[Network] = []
    c.hosts_lines = []
    c.next_eth = {}  # a new namespace: its interfaces are named from eth0 again
    c.traffic = {}
    c.ip_changes = NetChanges()  # its addresses and routes are the engine's again
    c.engine_files = {}  # the engine writes /etc/hosts, /etc/hostname and resolv.conf anew
    try:
        if mode == "container":
            target = c.shared_with()
            if target is None or not target.running:
                raise Conflict(f"cannot join network of a non running container: {c.network_mode.split(':', 1)[1]}")
        elif mode in ("host", "none") and mode in c.net_requests:
            net = host.predefined_network(mode)
            endpoints.join(c, net, {})
            joined.append(net)
        else:
            links.check_running(c)
            # Every network must exist before the engine builds the sandbox; an endpoint that
            # then fails leaves the sandbox made.
            wanted = [(host.find_network(c.net_ids.get(name) or name, attach=True), req)
                      for name, req in list(c.net_requests.items())]
            c.sandbox_pending = True  # made once the first endpoint has its address
            for net, req in wanted:
                endpoints.join(c, net, req or {})
                joined.append(net)
            endpoints.name_interfaces(c)
        if mode != "container" and (c.sandbox_pending or mode in ("host", "none")):
            c.sandbox_id = host.world.new_id("sandbox", c.id)
            c.sandbox_pending = False
        ports.bind(c)
        try:
            filesystem.mount_points(c)
        except ExecNotFound as e:   # the runtime's refusal to mount: as it words it
            raise ExecNotFound(OCI_CREATE + e.message, e.code) from None
        workdir = filesystem.absolute(c.config.get("WorkingDir") or "/")
        if not filesystem.Files(c).exists(workdir):
            with contextlib.suppress(filesystem.FileError):   # the engine makes it (root's): `docker run -w`
                filesystem.Files(c).mkdir(workdir, parents=True)
        for m in c.mounts:
            filesystem.fill_volume(c, m)
        filesystem.engine_mount_points(c)
        c.task_tried = True
        c.host_config.setdefault("Runtime", "runc")
        proc = main_process(c)
        try:
            host.world.runtime.check(proc, c.config.get("WorkingDir") or "", c.config.get("User") or "")
        except ExecNotFound as e:
            raise ExecNotFound(OCI_CREATE + e.message, e.code) from None
    except EngineError as e:
        c.list_view = {ep.network.name: {"NetworkID": ep.network.id, "EndpointID": ep.id,
                                         "Gateway": str(ep.gateway or ""), "IPAddress": str(ep.ip or ""),
                                         "IPPrefixLen": ep.prefixlen, "MacAddress": ep.mac}
                       for ep in c.endpoints.values()}
        for net in joined:
            endpoints.leave(c, net)
        c.ports_bound = []
        # The engine: 127 for a missing program; 126 for one it cannot run; otherwise 128,
        # unless an earlier code stands.
        if isinstance(e, ExecNotFound):
            c.exit_code = e.code
        elif c.exit_code == 0:
            c.exit_code = 128
        c.error = e.message
        with host.world.changed:
            host.world.changed.notify_all()
        if c.host_config.get("AutoRemove"):
            remove(c, force=True, remove_volumes=True)  # --rm: a start that failed removes it too
        raise
    c.list_view = None
    c.process = proc
    c.status = "running"
    c.stopped_by_user = False
    c.pid = proc.pid
    c.started_at = now(host.world.clock.wall())
    c.started_clock = host.world.clock.now()
    c.finished_at = ZERO_TIME if c.finished_at == ZERO_TIME else c.finished_at
    c.exit_code, c.error = 0, ""
    processes.start(proc, lambda code: exited(c, code, proc))
    if c.running:
        health.start(c)
    with host.world.changed:
        host.world.changed.notify_all()


def main_process(c: Container) -> Process:
    """The container's PID 1: its command, its terminal (-t), its stdin (-i), its output to the log
    and to the clients attached. With --init, PID 1 is docker-init and the command its child."""
    world = c.host.world
    c.last_pid = processes.FIRST_EXEC_PID - 1
    proc = Process(world, c, c.argv, world.new_pid(), main=True,
                   stdin=bool(c.config.get("OpenStdin") or c.config.get("Tty")))
    if c.host_config.get("Init"):
        c.last_pid = proc.inner_pid = processes.FIRST_EXEC_PID
    if c.config.get("Tty"):
        proc.tty = Tty(lambda sig: processes.signal(proc, sig))   # 0x0 until resized: the
        # engine (20.10, Linux) keeps HostConfig.ConsoleSize for inspect only (Windows uses it)

    def log(fd: int, data: bytes) -> None:
        logs.write(c, fd, data, world.clock.wall())
    c.log_partial = {}   # a new run, a new copier
    proc.on_output = log
    proc.feeds = c.attached
    return proc


def exited(c: Container, code: int, proc: Process | None = None) -> None:
    """The container's main process ended with code: its endpoints and ports go; its execs end with
    it; then its restart policy, or --rm."""
    if proc is not None and c.process is not proc:
        return
    world = c.host.world
    logs.flush(c, world.clock.wall())
    health.stop(c)
    endpoints.leave_all(c)
    c.ports_bound = []
    c.status = "exited"
    c.exit_code = code
    c.pid = 0
    c.finished_at = now(world.clock.wall())
    c.process = None
    c.list_view = None
    c.exits += 1
    c.attached.clear()
    for eid in c.exec_ids:
        e = world.execs.get(eid)
        if e is not None and e.process is not None:
            processes.kill(e.process)   # the kernel kills what is left in the PID namespace
    for job in c.jobs:
        processes.kill(job)
    c.jobs.clear()
    with world.changed:
        world.changed.notify_all()
    delay = restart_delay(c, code)
    if delay is not None:
        c.status = "restarting"
        c.process = processes.after(world, c, delay, lambda: restart_by_policy(c), "restart")
    elif c.host_config.get("AutoRemove"):
        remove(c)  # docker run --rm


def restart_delay(c: Container, code: int) -> float | None:
    """The restart policy's answer when the process ended: seconds until the engine starts it
    again, or None. The delay starts at 100 ms and doubles while the container keeps failing
    within 10 s of its start (at most a minute)."""
    policy = c.host_config.get("RestartPolicy") or {}
    name = policy.get("Name") or "no"
    if c.stopped_by_user or c.removed or name == "no":
        return None
    if name == "on-failure":
        limit = int(policy.get("MaximumRetryCount") or 0)
        if code == 0 or (limit and c.restart_count >= limit):
            return None
    ran = c.host.world.clock.now() - c.started_clock
    c.backoff = 0.1 if ran >= 10 or not c.backoff else min(c.backoff * 2, 60.0)
    return c.backoff


def restart_by_policy(c: Container) -> None:
    if c.status != "restarting" or c.removed:
        return
    c.process = None
    c.restart_count += 1
    try:
        start(c)
    except EngineError as e:
        c.status = "exited"
        c.error = e.message


def stop(c: Container, timeout: float | None = None) -> None:
    """docker stop: the stop signal (SIGTERM unless the container says otherwise); a PID 1 that
    does not handle it ignores it, so after the timeout (10 s unless given) the engine kills it:
    137. The wait is the world's time, skipped (processes.pass_time)."""
    if c.status == "restarting":
        c.stopped_by_user = True
        processes.kill(c.process, 0)
        c.process = None
        c.status = "exited"
        with c.host.world.changed:
            c.host.world.changed.notify_all()
        return
    if not c.running:
        raise NotModified()
    freeze(c, False)  # the engine thaws a paused container to stop it
    c.stopped_by_user = True
    proc = c.process
    if timeout is None:
        timeout = c.config.get("StopTimeout")
    timeout = 10 if timeout is None else timeout
    number = signals.parse(c.config.get("StopSignal") or "SIGTERM")
    if timeout != 0 or number == signals.SIGKILL:
        processes.signal(proc, number)
    if timeout < 0:
        timeout = 3600.0   # "wait forever": an hour of the world's time
    if not processes.pass_time(c.host.world, timeout, lambda: proc.ended):
        processes.kill(proc)


def kill(c: Container, number: int = signals.SIGKILL) -> None:
    """docker kill [-s SIGNAL] (the number read by signals.parse): the signal to PID 1, which
    ignores all it has no handler for but SIGKILL (the kernel's rule for a namespace's init)."""
    signals.check(number)
    if not c.running:
        raise Conflict(f"Container {c.id} is not running")
    freeze(c, False)  # the engine thaws a paused container to deliver a signal
    c.stopped_by_user = True
    processes.signal(c.process, number)
    if c.process is not None and c.process.ended is False and number == signals.SIGKILL:
        processes.kill(c.process)


def restart(c: Container, timeout: float | None = None, cost: float = 0.0) -> None:
    if c.running or c.status == "restarting":
        stop(c, timeout)
    start(c, cost)  # (docker restart does not count in RestartCount: that is the restart policy's)


def remove(c: Container, force: bool = False, remove_volumes: bool = False) -> None:
    host = c.host
    if c.running or c.status == "restarting":
        if not force:
            if c.paused:
                raise Conflict(f"You cannot remove a paused container {c.id}. Unpause and then stop the "
                               f"container before attempting removal or force remove")
            raise Conflict(f"You cannot remove a running container {c.id}. Stop the container before "
                           f"attempting removal or force remove")
        freeze(c, False)
        c.stopped_by_user = True
        if c.status == "restarting":
            stop(c)
        else:
            processes.kill(c.process)
        if c.removed:
            return
    host.containers.pop(c.id, None)
    volumes.release(c, remove_volumes or bool(c.host_config.get("AutoRemove")))
    c.removed = True
    with host.world.changed:
        host.world.changed.notify_all()


# -- pause, rename, update ----------------------------------------------------------------------------
def pause(c: Container) -> None:
    """docker pause: the container's processes frozen (the cgroup freezer)."""
    if not c.running:
        raise Conflict(f"Container {c.id} is not running")
    if c.paused:
        raise Conflict(f"Container {c.id} is already paused")
    freeze(c, True)


def unpause(c: Container) -> None:
    if not c.running or not c.paused:
        raise EngineError(f"Container {c.id} is not paused")
    freeze(c, False)


def freeze(c: Container, paused: bool) -> None:
    """The cgroup freezer: a paused container's processes wait without end (their sleeps do not
    end, a loop prints nothing) and are no sleepers the engine's clock skips to; thawed, they go on."""
    c.paused = paused
    if paused:
        health.stop(c)
    else:
        health.resume(c)
    procs = [c.process] + [getattr(e, "process", None) for e in c.host.world.execs.values() if e.container is c]
    for proc in procs:
        if proc is not None:
            if paused:
                c.host.world.sleepers.discard(proc)
            proc.wake()


def rename(c: Container, new_name: str) -> None:
    """docker rename: the new name everywhere, the embedded DNS included."""
    if not new_name:
        raise InvalidParameter("Neither old nor new names may be empty")
    bare = new_name.lstrip("/")
    if bare == c.name:
        raise InvalidParameter("Renaming a container with the same name as its current name")
    if not CONTAINER_NAME.match(new_name):
        raise InvalidParameter(f"Error when allocating new name: Invalid container name (/{bare}), only "
                               f"[a-zA-Z0-9][a-zA-Z0-9_.-] are allowed")
    for other in c.host.containers.values():
        if other.name == bare:
            raise Conflict(f'Error when allocating new name: Conflict. The container name "/{bare}" is already '
                           f'in use by container "{other.id}". You have to remove (or rename) that container '
                           f'to be able to reuse that name.')
    c.name = bare


RESOURCES = ("BlkioWeight", "CpuShares", "CpuPeriod", "CpuQuota", "CpuRealtimePeriod", "CpuRealtimeRuntime",
             "CpusetCpus", "CpusetMems", "Memory", "MemoryReservation", "MemorySwap", "KernelMemory",
             "KernelMemoryTCP", "NanoCpus", "PidsLimit", "CpuCount", "CpuPercent")
RESTART_POLICIES = ("", "no", "always", "unless-stopped", "on-failure")


def check_restart_policy(policy: dict, auto_remove: bool = False) -> None:
    """What the engine refuses in a restart policy (docker run/update --restart)."""
    name = policy.get("Name") or ""
    if auto_remove and name not in ("", "no"):
        raise InvalidParameter("can't create 'AutoRemove' container with restart policy")
    if name not in RESTART_POLICIES:
        raise InvalidParameter(f"invalid restart policy '{name}'")
    retries = int(policy.get("MaximumRetryCount") or 0)
    if name == "on-failure" and retries < 0:
        raise InvalidParameter("maximum retry count cannot be negative")
    if name not in ("", "on-failure") and retries:
        raise InvalidParameter(f"maximum retry count cannot be used with restart policy '{name}'")


def update(c: Container, body: dict) -> list[str]:
    """docker update: resources and the restart policy; the engine's warnings."""
    policy = body.get("RestartPolicy")
    if policy is not None and policy.get("Name") is not None:
        check_restart_policy(policy)
    if body.get("Memory") and 0 < body["Memory"] < 6 * 1024 * 1024:
        raise InvalidParameter("Minimum memory limit allowed is 6MB")
    refused = f"Cannot update container {c.id}: "
    if policy is not None and c.host_config.get("AutoRemove") and (policy.get("Name") or "") not in ("", "no"):
        raise Conflict(refused + "Restart policy cannot be updated because AutoRemove is enabled for the container")
    memory = body.get("Memory") or c.host_config.get("Memory") or 0
    swap = body.get("MemorySwap") if body.get("MemorySwap") is not None else c.host_config.get("MemorySwap") or 0
    if memory and swap and swap > 0 and memory > swap:
        raise Conflict(refused + "Memory limit should be smaller than already set memoryswap limit, update the "
                       "memoryswap at the same time")
    for key in RESOURCES:
        value = body.get(key)
        if value not in (None, 0, "") or (key in body and key in ("CpusetCpus", "CpusetMems") and value):
            c.host_config[key] = value
    if policy is not None and policy.get("Name") is not None:
        c.host_config["RestartPolicy"] = {"Name": policy.get("Name") or "",
                                          "MaximumRetryCount": int(policy.get("MaximumRetryCount") or 0)}
    return []
