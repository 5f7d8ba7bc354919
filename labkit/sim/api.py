"""The Engine API (v1.41) over the simulated world: routes, JSON shapes, status codes, texts.

Each route is a function taking (engine, match, query, body) and returning a Reply. Shapes are those
of Docker Engine 20.10 (collected from the real engine with the conformance suite); the engine's
errors come from the world as EngineError and leave here as `{"message": ...}` with their status.
"""
from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field
from urllib.parse import parse_qs, unquote

from . import containers as ctr
from . import dns
from .errors import EngineError, InvalidParameter, NotFound
from .world import ZERO_TIME, Container, Exec, Host, Network

API_VERSION = "1.41"
ENGINE_VERSION = "20.10.24+dfsg1"
SERVER_HEADER = f"Docker/{ENGINE_VERSION} (linux)"


@dataclass
class Reply:
    status: int = 200
    body: object = None            # JSON-able, bytes, or str
    headers: dict = field(default_factory=dict)
    stream: object = None          # upgraded answers (exec, attach): stream(stdin) -> bytes to send
    wants_stdin: bool = False      # read the client's input (until it closes its side) first
    chunked: bool = False          # not upgraded: headers now, then stream(b"") as one chunk


def j(obj, status: int = 200) -> Reply:
    return Reply(status, obj)


# -- small helpers -------------------------------------------------------------------------------
def parse_filters(query: dict) -> dict[str, list[str]]:
    raw = query.get("filters")
    if not raw:
        return {}
    try:
        data = json.loads(raw)
    except ValueError:
        raise InvalidParameter(f"invalid filter '{raw}'") from None
    out = {}
    for key, val in (data or {}).items():
        out[key] = list(val.keys()) if isinstance(val, dict) else list(val)
    return out


def _regex_match(pattern: str, text: str) -> bool:
    # The engine's filters.Match: a regular expression searched in the value.
    try:
        return re.search(pattern, text) is not None
    except re.error:
        return False


def _labels_match(wanted: list[str], labels: dict) -> bool:
    for item in wanted:
        key, eq, value = item.partition("=")
        if key not in labels or (eq and labels[key] != value):
            return False
    return True


def wanted_streams(query: dict) -> set[int]:
    """The streams a logs or attach request asks for: 1 stdout, 2 stderr."""
    return {fd for fd, key in ((1, "stdout"), (2, "stderr")) if truthy(query, key)}


def truthy(query: dict, key: str) -> bool:
    v = query.get(key, "")
    return v not in ("", "0", "false", "False")


def human_duration(seconds: float) -> str:
    """go-units HumanDuration, which `docker ps` shows as Status."""
    s = int(seconds)
    if s < 1:
        return "Less than a second"
    if s == 1:
        return "1 second"
    if s < 60:
        return f"{s} seconds"
    m = int(seconds / 60)
    if m == 1:
        return "About a minute"
    if m < 60:
        return f"{m} minutes"
    h = int(round(seconds / 3600))
    if h == 1:
        return "About an hour"
    if h < 48:
        return f"{h} hours"
    if h < 24 * 7 * 2:
        return f"{h // 24} days"
    if h < 24 * 30 * 2:
        return f"{h // 24 // 7} weeks"
    if h < 24 * 365 * 2:
        return f"{h // 24 // 30} months"
    return f"{h // 24 // 365} years"


def parse_time(text: str) -> float:
    if text == ZERO_TIME:
        return 0.0
    base, _, frac = text.rstrip("Z").partition(".")
    return time.mktime(time.strptime(base, "%Y-%m-%dT%H:%M:%S")) - time.timezone + float("0." + (frac or "0"))


# -- JSON shapes ---------------------------------------------------------------------------------
def network_json(net: Network, verbose: bool = True, host: Host | None = None) -> dict:
    containers = {}
    if verbose:
        for cid, ep in sorted(net.endpoints.items()):  # a Go map: marshalled in key order
            containers[cid] = {
                # The engine's own leg of an overlay container: named after its sandbox.
                "Name": f"gateway_{ep.container.sandbox_id[:12]}" if ep.hidden else ep.container.name,
                "EndpointID": ep.id,
                "MacAddress": ep.mac,
                "IPv4Address": f"{ep.ip}/{ep.prefixlen}" if ep.ip else "",
                "IPv6Address": "",
            }
    out = {
        "Name": net.name,
        "Id": net.id,
        "Created": net.created,
        "Scope": net.scope,
        "Driver": net.driver,
        "EnableIPv6": net.enable_ipv6,
        "IPAM": {"Driver": net.ipam_driver, "Options": net.ipam_options, "Config": [dict(c) for c in net.ipam_config]},
        "Internal": net.internal,
        "Attachable": net.attachable,
        "Ingress": net.ingress,
        "ConfigFrom": {"Network": ""},
        "ConfigOnly": False,
        "Containers": containers,
        "Options": dict(net.options),
        "Labels": dict(net.labels),
    }
    if net.swarm is not None:
        net.swarm.decorate_network_json(net, out, host or net.host, verbose)
    elif verbose and net.name == "docker_gwbridge":
        from .swarm import gwbridge_extra
        out["Containers"].update(gwbridge_extra(net))
    return out


def endpoint_settings(c: Container, name: str) -> dict:
    """NetworkSettings.Networks[name]: the request while stopped, the endpoint while running."""
    req = c.net_requests.get(name) or {}
    net_id = c.net_ids.get(name, "")
    ep = c.endpoints.get(net_id) if net_id else None
    ipam_cfg = req.get("IPAMConfig") or None
    out = {
        "IPAMConfig": ipam_cfg,
        "Links": req.get("Links"),
        "Aliases": req.get("Aliases"),
        "NetworkID": net_id,
        "EndpointID": "",
        "Gateway": "",
        "IPAddress": "",
        "IPPrefixLen": 0,
        "IPv6Gateway": "",
        "GlobalIPv6Address": "",
        "GlobalIPv6PrefixLen": 0,
        "MacAddress": "",
        "DriverOpts": req.get("DriverOpts"),
    }
    if ep is not None:
        if ep.network.driver == "overlay":
            out["IPAMConfig"] = {"IPv4Address": str(ep.ip)}  # the manager's allocation, recorded as asked for
        out.update({
            "Aliases": ep.aliases or None,
            "EndpointID": ep.id,
            "Gateway": str(ep.gateway) if ep.gateway else "",
            "IPAddress": str(ep.ip) if ep.ip else "",
            "IPPrefixLen": ep.prefixlen,
            "MacAddress": ep.mac,
        })
    return out


def ports_json(c: Container) -> dict:
    if not c.running or c.mode_kind != "network":
        return {}
    out: dict = {}
    for key in (c.config.get("ExposedPorts") or {}):
        out.setdefault(key, None)
    for proto, hip, hport, _cproto, cport in c.ports_bound:
        key = f"{cport}/{proto}"
        out[key] = (out.get(key) or []) + [{"HostIp": ip, "HostPort": str(hport)} for ip in families(hip)]
    return out


def families(host_ip: str) -> list[str]:
    """No host address publishes on every IPv4 and IPv6 address; one address, on that one only."""
    return ["0.0.0.0", "::"] if host_ip == "" else [host_ip]


def container_json(c: Container) -> dict:
    argv = list(c.config.get("Entrypoint") or []) + list(c.config.get("Cmd") or []) or list(c.image.cmd or [])
    running = c.running
    has_sandbox = bool(c.sandbox_id)  # network set up at least once: resolv.conf and hosts written
    has_task = c.task_tried           # the runtime was asked to start the process: hostname, log
    base = f"/var/lib/docker/containers/{c.id}"
    net_names = list(c.net_requests)
    first_ep = None
    if running:
        for name in net_names:
            nid = c.net_ids.get(name)
            if nid in c.endpoints and c.endpoints[nid].network.name == "bridge" and c.endpoints[nid].network.predefined:
                first_ep = c.endpoints[nid]
    hc = dict(HOST_CONFIG_DEFAULTS)
    hc.update({k: v for k, v in c.host_config.items() if k in HOST_CONFIG_DEFAULTS or k in ("PortBindings",)})
    hc["NetworkMode"] = c.network_mode
    if "Runtime" not in c.host_config:
        # A create without HostConfig gets its runtime only when it first starts.
        del hc["Runtime"]
    pb = c.host_config.get("PortBindings")
    hc["PortBindings"] = {k: [{"HostIp": (b or {}).get("HostIp", ""), "HostPort": str((b or {}).get("HostPort", "") or "")}
                              for b in (v or [])] for k, v in pb.items()} if pb else pb
    if c.mode_kind == "host":
        hc["PortBindings"] = hc["PortBindings"]
    return {
        "Id": c.id,
        "Created": c.created,
        "Path": argv[0] if argv else "",
        "Args": argv[1:],
        "State": {
            "Status": c.status,
            "Running": running,
            "Paused": False,
            "Restarting": False,
            "OOMKilled": False,
            "Dead": False,
            "Pid": c.pid,
            "ExitCode": c.exit_code,
            "Error": c.error,
            "StartedAt": c.started_at,
            "FinishedAt": c.finished_at,
        },
        "Image": c.image.id,
        "ResolvConfPath": f"{base}/resolv.conf" if has_sandbox or has_task else "",
        "HostnamePath": f"{base}/hostname" if has_task else "",
        "HostsPath": f"{base}/hosts" if has_sandbox or has_task else "",
        "LogPath": f"{base}/{c.id}-json.log" if has_task else "",
        "Name": "/" + c.name,
        "RestartCount": c.restart_count,
        "Driver": "overlay2",
        "Platform": "linux",
        "MountLabel": "",
        "ProcessLabel": "",
        "AppArmorProfile": "",
        "ExecIDs": None,  # only running execs are listed; a simulated exec is over at once
        "HostConfig": hc,
        "GraphDriver": {"Data": None, "Name": "overlay2"},
        "Mounts": [],
        "Config": dict(c.config),
        "NetworkSettings": {
            "Bridge": "",
            "SandboxID": c.sandbox_id,
            "HairpinMode": False,
            "LinkLocalIPv6Address": "",
            "LinkLocalIPv6PrefixLen": 0,
            "Ports": ports_json(c),
            "SandboxKey": f"/var/run/docker/netns/{c.sandbox_id[:12]}" if c.sandbox_id else "",
            "SecondaryIPAddresses": None,
            "SecondaryIPv6Addresses": None,
            "EndpointID": first_ep.id if first_ep else "",
            "Gateway": str(first_ep.gateway) if first_ep and first_ep.gateway else "",
            "GlobalIPv6Address": "",
            "GlobalIPv6PrefixLen": 0,
            "IPAddress": str(first_ep.ip) if first_ep else "",
            "IPPrefixLen": first_ep.prefixlen if first_ep else 0,
            "IPv6Gateway": "",
            "MacAddress": first_ep.mac if first_ep else "",
            "Networks": {name: endpoint_settings(c, name) for name in sorted(net_names)},
        },
    }


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


def container_summary(c: Container) -> dict:
    """One entry of GET /containers/json (docker ps)."""
    argv = list(c.config.get("Entrypoint") or []) + list(c.config.get("Cmd") or []) or list(c.image.cmd or [])
    ports = []
    if c.running and c.mode_kind in ("network", "container"):
        bound = {(cport, proto) for proto, _, _, _, cport in c.ports_bound}
        for proto, hip, hport, _cp, cport in c.ports_bound:
            ports += [{"IP": ip, "PrivatePort": cport, "PublicPort": hport, "Type": proto} for ip in families(hip)]
        for key in c.config.get("ExposedPorts") or {}:
            port, proto = ctr.parse_port_key(key)
            if (port, proto) not in bound:
                ports.append({"PrivatePort": port, "Type": proto})
    return {
        "Id": c.id,
        "Names": ["/" + c.name],
        "Image": c.config.get("Image") or c.image_ref,
        "ImageID": c.image.id,
        "Command": " ".join(argv),
        "Created": int(parse_time(c.created)),
        "Ports": ports,
        "Labels": c.config.get("Labels"),
        "State": c.status,
        "Status": status_text(c),
        "HostConfig": {"NetworkMode": c.network_mode},
        "NetworkSettings": {"Networks": {name: list_settings(c, name) for name in sorted(c.net_requests)}},
        "Mounts": [],
    }


def list_settings(c: Container, name: str) -> dict:
    """NetworkSettings.Networks as `docker ps` shows it: the engine's list view holds no aliases,
    and keeps the addresses of a start that failed."""
    out = endpoint_settings(c, name)
    out["Aliases"] = None
    if c.list_view and name in c.list_view:
        out.update(c.list_view[name])
    return out


def status_text(c: Container) -> str:
    if c.status == "running":
        return "Up " + human_duration(time.time() - parse_time(c.started_at))
    if c.status == "exited":
        return f"Exited ({c.exit_code}) {human_duration(time.time() - parse_time(c.finished_at))} ago"
    return "Created"


def image_json(img) -> dict:
    return {
        "Id": img.id, "RepoTags": list(img.tags), "RepoDigests": [], "Parent": "", "Comment": "Imported from -",
        "Created": time.strftime("%Y-%m-%dT%H:%M:%S.000000000Z", time.gmtime(img.created)),
        "Container": "", "ContainerConfig": _empty_config(), "DockerVersion": ENGINE_VERSION, "Author": "",
        "Config": {**_empty_config(), "Cmd": img.cmd}, "Architecture": "amd64", "Os": "linux", "Size": img.size,
        "VirtualSize": img.size, "GraphDriver": {"Data": None, "Name": "overlay2"},
        "RootFS": {"Type": "layers", "Layers": ["sha256:" + img.id.split(":")[1][::-1]]},
        "Metadata": {"LastTagTime": "0001-01-01T00:00:00Z"},
    }


def _empty_config() -> dict:
    return {"Hostname": "", "Domainname": "", "User": "", "AttachStdin": False, "AttachStdout": False,
            "AttachStderr": False, "Tty": False, "OpenStdin": False, "StdinOnce": False, "Env": None,
            "Cmd": None, "Image": "", "Volumes": None, "WorkingDir": "", "Entrypoint": None,
            "OnBuild": None, "Labels": None}


def exec_json(e: Exec) -> dict:
    return {
        "ID": e.id, "Running": e.running, "ExitCode": e.exit_code, "ProcessConfig": {
            "tty": e.tty, "entrypoint": e.argv[0] if e.argv else "", "arguments": e.argv[1:],
            "privileged": e.privileged, "user": e.user} if e.user else {
            "tty": e.tty, "entrypoint": e.argv[0] if e.argv else "", "arguments": e.argv[1:],
            "privileged": e.privileged},
        "OpenStdin": e.attach_stdin, "OpenStderr": e.attach_stderr, "OpenStdout": e.attach_stdout,
        "CanRemove": False, "ContainerID": e.container.id, "DetachKeys": "", "Pid": e.pid,
    }


# -- routes --------------------------------------------------------------------------------------
ROUTES: list[tuple[str, re.Pattern, object]] = []


def route(method: str, pattern: str):
    def deco(fn):
        ROUTES.append((method, re.compile("^" + pattern + "$"), fn))
        return fn
    return deco


class Engine:
    """One simulated engine's API: the routes bound to one host of a world."""

    def __init__(self, host: Host):
        self.host = host
        self.world = host.world

    def handle(self, method: str, path: str, query_string: str, body: bytes) -> Reply:
        path = re.sub(r"^/v[0-9][0-9.]*", "", unquote(path)) or "/"
        query = {k: v[-1] for k, v in parse_qs(query_string, keep_blank_values=True).items()}
        for m, rx, fn in ROUTES:
            if m != method and not (m == "GET" and method == "HEAD"):
                continue
            match = rx.match(path)
            if match:
                try:
                    data = json.loads(body) if body else {}
                except ValueError as e:
                    return j({"message": f"invalid character in JSON: {e}"}, 400)
                try:
                    with self.world.lock:
                        return fn(self, match, query, data)
                except ctr.NotModified:
                    return Reply(304, b"")
                except EngineError as e:
                    return j({"message": e.message}, e.status)
        return j({"message": "page not found"}, 404)


@route("GET", r"/_ping")
def ping(engine, m, q, body):
    return Reply(200, b"OK", {"Content-Type": "text/plain; charset=utf-8"})


@route("GET", r"/version")
def version(engine, m, q, body):
    kernel = engine.world.kernel
    return j({
        "Platform": {"Name": ""},
        "Components": [
            {"Name": "Engine", "Version": ENGINE_VERSION, "Details": {
                "ApiVersion": API_VERSION, "Arch": "amd64", "BuildTime": "2026-05-07T21:09:36.000000000+00:00",
                "Experimental": "false", "GitCommit": "5d6db84", "GoVersion": "go1.19.8",
                "KernelVersion": kernel, "MinAPIVersion": "1.12", "Os": "linux"}},
            # The components of the engine that runs on these machines (Debian 12's docker.io).
            {"Name": "containerd", "Version": "1.6.20~ds1", "Details": {"GitCommit": "1.6.20~ds1-1+deb12u3"}},
            {"Name": "runc", "Version": "1.1.5+ds1", "Details": {"GitCommit": "1.1.5+ds1-1+deb12u1"}},
            {"Name": "docker-init", "Version": "0.19.0", "Details": {"GitCommit": ""}},
        ],
        "Version": ENGINE_VERSION, "ApiVersion": API_VERSION, "MinAPIVersion": "1.12", "GitCommit": "5d6db84",
        "GoVersion": "go1.19.8", "Os": "linux", "Arch": "amd64", "KernelVersion": kernel,
        "BuildTime": "2026-05-07T21:09:36.000000000+00:00",
    })


@route("GET", r"/info")
def info(engine, m, q, body):
    host = engine.host
    cs = list(host.containers.values())
    running = sum(c.running for c in cs)
    swarm = host.swarm_node.info() if host.swarm_node else {
        "NodeID": "", "NodeAddr": "", "LocalNodeState": "inactive", "ControlAvailable": False,
        "Error": "", "RemoteManagers": None}
    return j({
        "ID": host.daemon_id, "Containers": len(cs), "ContainersRunning": running, "ContainersPaused": 0,
        "ContainersStopped": len(cs) - running, "Images": len(host.images), "Driver": "overlay2",
        "DriverStatus": [["Backing Filesystem", "extfs"], ["Supports d_type", "true"],
                         ["Native Overlay Diff", "true"], ["userxattr", "false"]],
        "Plugins": {"Volume": ["local"], "Network": ["bridge", "host", "ipvlan", "macvlan", "null", "overlay"],
                    "Authorization": None, "Log": ["awslogs", "fluentd", "gcplogs", "gelf", "journald",
                                                   "json-file", "local", "logentries", "splunk", "syslog"]},
        "MemoryLimit": True, "SwapLimit": True, "KernelMemory": True, "KernelMemoryTCP": True,
        "CpuCfsPeriod": True, "CpuCfsQuota": True, "CPUShares": True, "CPUSet": True, "PidsLimit": True,
        "IPv4Forwarding": True, "BridgeNfIptables": True, "BridgeNfIp6tables": True, "Debug": False,
        "NFd": 30, "OomKillDisable": True, "NGoroutines": 40, "SystemTime": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "LoggingDriver": "json-file", "CgroupDriver": "cgroupfs", "CgroupVersion": "1", "NEventsListener": 0,
        "KernelVersion": engine.world.kernel, "OperatingSystem": "labkit simulated engine",
        "OSVersion": "", "OSType": "linux", "Architecture": "x86_64",
        "IndexServerAddress": "https://index.docker.io/v1/",
        "RegistryConfig": {"AllowNondistributableArtifactsCIDRs": [], "AllowNondistributableArtifactsHostnames": [],
                           "InsecureRegistryCIDRs": ["127.0.0.0/8"], "IndexConfigs": {"docker.io": {
                               "Name": "docker.io", "Mirrors": [], "Secure": True, "Official": True}},
                           "Mirrors": []},
        "NCPU": 2, "MemTotal": 2147483648, "GenericResources": None, "DockerRootDir": "/var/lib/docker",
        "HttpProxy": "", "HttpsProxy": "", "NoProxy": "", "Name": host.hostname, "Labels": ["labkit.sim=true"],
        "ExperimentalBuild": False, "ServerVersion": ENGINE_VERSION,
        "Runtimes": {"io.containerd.runc.v2": {"path": "runc"}, "io.containerd.runtime.v1.linux": {"path": "runc"},
                     "runc": {"path": "runc"}}, "DefaultRuntime": "runc", "Swarm": swarm,
        "LiveRestoreEnabled": False, "Isolation": "", "InitBinary": "docker-init",
        "ContainerdCommit": {"ID": "1.6.20~ds1-1+deb12u3", "Expected": "1.6.20~ds1-1+deb12u3"},
        "RuncCommit": {"ID": "1.1.5+ds1-1+deb12u1", "Expected": "1.1.5+ds1-1+deb12u1"},
        "InitCommit": {"ID": "", "Expected": ""}, "SecurityOptions": ["name=seccomp,profile=default"],
        "Warnings": None,
    })


# networks
@route("GET", r"/networks")
def network_list(engine, m, q, body):
    filters = parse_filters(q)
    nets = []
    for net in engine.host.visible_networks().values():
        if "name" in filters and not any(_regex_match(p, net.name) for p in filters["name"]):
            continue
        if "id" in filters and not any(_regex_match(p, net.id) for p in filters["id"]):
            continue
        if "driver" in filters and net.driver not in filters["driver"]:
            continue
        if "label" in filters and not _labels_match(filters["label"], net.labels):
            continue
        if "scope" in filters and net.scope not in filters["scope"]:
            continue
        if "type" in filters:
            kind = "builtin" if net.predefined else "custom"
            if kind not in filters["type"]:
                continue
        if "dangling" in filters:
            dangling = not net.predefined and not net.endpoints
            if (filters["dangling"][0] in ("true", "1")) != dangling:
                continue
        nets.append(network_json(net, verbose=False, host=engine.host))
    return j(nets)


@route("GET", r"/networks/(?P<id>[^/]+)")
def network_inspect(engine, m, q, body):
    return j(network_json(engine.host.find_network(m["id"]), host=engine.host))


@route("POST", r"/networks/create")
def network_create(engine, m, q, body):
    name = body.get("Name", "")
    net = engine.host.create_network(
        name, body.get("Driver") or "bridge", body.get("IPAM") or {}, internal=bool(body.get("Internal")),
        attachable=bool(body.get("Attachable")), ingress=bool(body.get("Ingress")),
        enable_ipv6=bool(body.get("EnableIPv6")), options=body.get("Options") or {},
        labels=body.get("Labels") or {}, check_duplicate=bool(body.get("CheckDuplicate")))
    return j({"Id": net.id, "Warning": ""}, 201)


@route("DELETE", r"/networks/(?P<id>[^/]+)")
def network_remove(engine, m, q, body):
    engine.host.remove_network(m["id"])
    return Reply(204, b"")


@route("POST", r"/networks/prune")
def network_prune(engine, m, q, body):
    filters = parse_filters(q)

    def keep(net):
        return "label" in filters and not _labels_match(filters["label"], net.labels)
    deleted = engine.host.prune_networks(keep)
    return j({"NetworksDeleted": deleted or None})


@route("POST", r"/networks/(?P<id>[^/]+)/connect")
def network_connect(engine, m, q, body):
    host = engine.host
    c = host.find_container(body.get("Container") or "")  # the engine looks for the container first
    net = host.find_network(m["id"], attach=True)
    ctr.connect(c, net, body.get("EndpointConfig") or {})
    return Reply(200, b"")


@route("POST", r"/networks/(?P<id>[^/]+)/disconnect")
def network_disconnect(engine, m, q, body):
    host = engine.host
    net = host.find_network(m["id"])
    c = host.find_container(body.get("Container") or "")
    ctr.disconnect(c, net, force=bool(body.get("Force")))
    return Reply(200, b"")


# containers
@route("POST", r"/containers/create")
def container_create(engine, m, q, body):
    c = engine.host.create_container(q.get("name"), body)
    warnings = []
    if c.mode_kind == "host" and (body.get("HostConfig") or {}).get("PortBindings"):
        warnings.append("Published ports are discarded when using host network mode")
    return j({"Id": c.id, "Warnings": warnings}, 201)


@route("GET", r"/containers/json")
def container_list(engine, m, q, body):
    filters = parse_filters(q)
    show_all = truthy(q, "all")
    out = []
    for c in sorted(engine.host.containers.values(), key=lambda c: c.created, reverse=True):
        if not show_all and not c.running and "status" not in filters:
            continue
        if "status" in filters and c.status not in filters["status"]:
            continue
        if "name" in filters and not any(_regex_match(p, "/" + c.name) for p in filters["name"]):
            continue
        if "id" in filters and not any(c.id.startswith(p) for p in filters["id"]):
            continue
        if "label" in filters and not _labels_match(filters["label"], c.config.get("Labels") or {}):
            continue
        if "network" in filters:
            names = set(c.net_requests) | {ep.network.name for ep in c.endpoints.values()}
            ids = set(c.net_ids.values())
            if not any(f in names or f in ids for f in filters["network"]):
                continue
        if "ancestor" in filters and not any(c.image_ref == a or c.image.id == a or a in c.image.tags for a in filters["ancestor"]):
            continue
        out.append(container_summary(c))
    limit = int(q.get("limit") or -1)
    if limit > 0:
        out = out[:limit]
    return j(out)


@route("GET", r"/containers/(?P<id>/?[^/]+)/json")
def container_inspect(engine, m, q, body):
    return j(container_json(engine.host.find_container(m["id"])))


def _container_action(action):
    def handler(engine, m, q, body):
        action(engine.host.find_container(m["id"]))
        return Reply(204, b"")
    return handler


# docker start / stop / kill / restart: 204, or 304 when already in that state (NotModified).
for _verb, _action in (("start", ctr.start), ("stop", ctr.stop), ("kill", ctr.kill), ("restart", ctr.restart)):
    route("POST", rf"/containers/(?P<id>/?[^/]+)/{_verb}")(_container_action(_action))


@route("POST", r"/containers/(?P<id>/?[^/]+)/wait")
def container_wait(engine, m, q, body):
    """docker wait: answers when the condition holds (not-running, next-exit or removed)."""
    c = engine.host.find_container(m["id"])
    condition = q.get("condition") or "not-running"
    seen = c.exits
    if condition == "removed":
        done = lambda: c.removed  # noqa: E731
    elif condition == "next-exit":
        done = lambda: c.exits > seen  # noqa: E731
    else:
        done = lambda: not c.running  # noqa: E731

    def stream(stdin: bytes) -> bytes:
        with engine.world.lock:
            engine.world.changed.wait_for(done)
            return (json.dumps({"Error": None, "StatusCode": c.exit_code}) + "\n").encode()
    # The engine sends its headers at once and the answer when the condition holds; `docker
    # run` starts the container only after those headers arrived.
    return Reply(200, stream=stream, chunked=True)


@route("POST", r"/containers/(?P<id>/?[^/]+)/attach")
def container_attach(engine, m, q, body):
    """docker attach (what `docker run` without -d uses): the output from now until the process
    ends, streamed on the upgraded connection."""
    c = engine.host.find_container(m["id"])
    mark, seen = len(c.log), c.exits
    want = wanted_streams(q)
    tty = bool(c.config.get("Tty"))

    def stream(stdin: bytes) -> bytes:
        with engine.world.lock:
            engine.world.changed.wait_for(lambda: c.exits > seen or c.removed)
            chunks = [(fd, text.encode()) for fd, text in c.log[mark:] if fd in want]
        if tty:
            return b"".join(data.replace(b"\n", b"\r\n") for _, data in chunks)
        return b"".join(frame(fd, data) for fd, data in chunks)
    return Reply(101, stream=stream)


@route("DELETE", r"/containers/(?P<id>/?[^/]+)")
def container_remove(engine, m, q, body):
    ctr.remove(engine.host.find_container(m["id"]), force=truthy(q, "force"))
    return Reply(204, b"")


@route("POST", r"/containers/prune")
def container_prune(engine, m, q, body):
    filters = parse_filters(q)
    gone = []
    for c in list(engine.host.containers.values()):
        if c.running:
            continue
        if "label" in filters and not _labels_match(filters["label"], c.config.get("Labels") or {}):
            continue
        ctr.remove(c)
        gone.append(c.id)
    return j({"ContainersDeleted": gone or None, "SpaceReclaimed": 0})


@route("GET", r"/containers/(?P<id>/?[^/]+)/logs")
def container_logs(engine, m, q, body):
    c = engine.host.find_container(m["id"])
    want = wanted_streams(q)
    frames = b"".join(frame(fd, text.encode()) for fd, text in c.log if fd in want and text)
    return Reply(200, frames, {"Content-Type": "application/vnd.docker.raw-stream"})


# exec
@route("POST", r"/containers/(?P<id>/?[^/]+)/exec")
def exec_create(engine, m, q, body):
    c = engine.host.find_container(m["id"])
    if not c.running:
        raise EngineError(f"Container {c.id} is not running", 409)
    argv = body.get("Cmd") or []
    if not argv:
        raise InvalidParameter("No exec command specified")
    e = Exec(engine.world.new_id("exec", c.id), c, list(argv), bool(body.get("Tty")), bool(body.get("AttachStdout")),
             bool(body.get("AttachStderr")), bool(body.get("AttachStdin")), bool(body.get("Privileged")),
             body.get("User") or "")
    engine.world.execs[e.id] = e
    c.exec_ids.append(e.id)
    return j({"Id": e.id}, 201)


def _find_exec(engine, term: str) -> Exec:
    e = engine.world.execs.get(term)
    if e is None or e.container.host is not engine.host:
        raise NotFound(f"No such exec instance: {term}")
    return e


@route("GET", r"/exec/(?P<id>[^/]+)/json")
def exec_inspect(engine, m, q, body):
    return j(exec_json(_find_exec(engine, m["id"])))


@route("POST", r"/exec/(?P<id>[^/]+)/resize")
def exec_resize(engine, m, q, body):
    _find_exec(engine, m["id"])
    return Reply(201, b"")


@route("POST", r"/exec/(?P<id>[^/]+)/start")
def exec_start(engine, m, q, body):
    from . import busybox
    e = _find_exec(engine, m["id"])
    if e.exit_code is not None or e.running:
        return Reply(101, stream=lambda stdin: b"")  # the engine answers a second start with nothing
    c = e.container
    if not c.running:
        raise EngineError(f"Container {c.id} is not running", 409)
    e.pid = engine.world.new_pid()
    if body.get("Detach"):
        e.exit_code = busybox.run_exec(e.argv, c)[0]
        return Reply(200, b"")
    tty_framing = bool(body.get("Tty"))

    def stream(stdin: bytes) -> bytes:
        with engine.world.lock:
            return exec_output(e, stdin.decode(errors="replace"), tty_framing)
    return Reply(101, stream=stream, wants_stdin=e.attach_stdin)


def exec_output(e: Exec, stdin: str, tty_framing: bool) -> bytes:
    from . import busybox
    code, output = busybox.run_exec(e.argv, e.container, stdin)
    e.exit_code = code
    # A process with a terminal writes one stream, with the terminal's line endings. Whether the
    # answer is framed is decided by the start request's Tty, as the engine's router does.
    if e.tty:
        both = b"".join(data for _, data in output)
        chunks = [(1, both.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"))] if both else []
    else:
        wanted = ({1} if e.attach_stdout else set()) | ({2} if e.attach_stderr else set())
        chunks = [(fd, data) for fd, data in output if fd in wanted]
    if tty_framing:
        return b"".join(data for _, data in chunks)
    return b"".join(frame(fd, data) for fd, data in chunks)


# images
@route("GET", r"/images/json")
def image_list(engine, m, q, body):
    out = []
    for img in engine.host.images.values():
        out.append({"Containers": -1, "Created": img.created, "Id": img.id, "Labels": None, "ParentId": "",
                    "RepoDigests": None, "RepoTags": list(img.tags), "SharedSize": -1, "Size": img.size,
                    "VirtualSize": img.size})
    return j(out)


@route("GET", r"/images/(?P<name>.+)/json")
def image_inspect(engine, m, q, body):
    try:
        return j(image_json(engine.host.find_image(m["name"])))
    except NotFound as e:
        raise NotFound(f"no such image: {m['name']}: {e.message}") from None


@route("POST", r"/images/create")
def image_pull(engine, m, q, body):
    # An offline engine: the registry cannot be reached. The engine's text on these machines,
    # where the host's name server cannot be reached from the engine's namespace.
    ns = next((line.split()[1] for line in engine.world.resolv_conf.splitlines()
               if line.startswith("nameserver") and len(line.split()) > 1), "127.0.0.53")
    return j({"message": f'Get "https://registry-1.docker.io/v2/": dial tcp: lookup registry-1.docker.io '
                         f'on {ns}:53: dial udp {ns}:53: connect: network is unreachable'}, 500)


def frame(stream: int, data: bytes) -> bytes:
    """One multiplexed frame: stream byte, three zero bytes, big-endian length, payload."""
    return bytes([stream, 0, 0, 0]) + len(data).to_bytes(4, "big") + data


def add_routes(more) -> None:
    """Other modules (swarm.py) add their routes here."""
    ROUTES.extend(more)


__all__ = ["Engine", "Reply", "route", "frame", "network_json", "container_json", "dns"]


# -- labkit's own extension: the simulator's verdicts, by its rules --------------------------------------
# Not part of Docker's API (a real engine answers 404 here): the reachability matrix asks the
# simulator directly instead of probing pair by pair, and gets the reason with each verdict.
@route("POST", r"/labkit/reach")
def labkit_reach(engine, m, q, body):
    from .reach import Sandbox
    host = engine.host
    out = []
    for pair in body.get("Pairs") or []:
        src = host.find_container(pair.get("Source") or "")
        sb = Sandbox(host, src)
        dst_name = pair.get("Target") or ""
        ip, how = sb.lookup(dst_name)
        item = {"Source": src.name, "Target": dst_name, "Address": str(ip) if ip else "",
                "Resolves": ip is not None, "Ping": False, "Why": ""}
        if not src.running:
            item["Why"] = f"{src.name} is not running"
        elif ip is None:
            try:
                dst = host.find_container(dst_name)
            except EngineError:
                dst = None
            if dst is None:
                item["Why"] = f"no container is called {dst_name}"
            elif dst.mode_kind in ("host", "none"):
                item["Why"] = f"{dst_name} is in {dst.mode_kind} mode: it has no name on any network"
            elif not any(ep.network.user_defined for ep in src.endpoints.values()):
                item["Why"] = f"{src.name} is on the default bridge, which has no DNS: names do not resolve"
            else:
                item["Why"] = f"{dst_name} shares no user-defined network with {src.name}: its name does not resolve"
            target_ip = next((ep.ip for ep in (dst.endpoints.values() if dst else []) if ep.ip), None)
            if target_ip is not None:
                res = sb.ping(target_ip)
                item.update({"Address": str(target_ip), "Ping": res.ok,
                             "Why": item["Why"] if res.ok else res.why or item["Why"]})
        else:
            res = sb.ping(ip)
            item.update({"Ping": res.ok, "Why": res.why})
        if pair.get("Port"):
            target = ip or (item["Address"] and __import__("ipaddress").IPv4Address(item["Address"]))
            res = sb.connect(target, int(pair["Port"])) if target else None
            item["Port"] = bool(res and res.ok)
            item["PortWhy"] = res.why if res else item["Why"]
        out.append(item)
    return j(out)


from . import swarm_api  # noqa: E402,F401  (registers the swarm routes)
