"""The Engine API's system routes: _ping, version, info, system/df (`docker version`, `docker info`,
`docker system df`)."""
from __future__ import annotations

from ..engine import filesystem, volumes
from ..engine.containers import LOG_DRIVERS
from ..engine.drivers import DRIVERS
from ..state import now
from . import swarm_views
from .containers import sizes
from .views import container_summary
from .volumes import volume_json
from .router import API_VERSION, ENGINE_VERSION, Reply, Routes, j

routes = Routes()


@routes.head(r"/_ping")
@routes.get(r"/_ping")
def ping(engine, m, q, body):
    return Reply(200, b"OK", {"Content-Type": "text/plain; charset=utf-8",
                              "Cache-Control": "no-cache, no-store, must-revalidate", "Pragma": "no-cache"})


@routes.route("OPTIONS", r"/.*")
def options(engine, m, q, body):
    """The engine's answer to a CORS preflight, on any path."""
    return Reply(200, b"", {"Content-Type": "text/plain; charset=utf-8"})


@routes.get(r"/version")
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


@routes.get(r"/info")
def info(engine, m, q, body):
    host = engine.host
    cs = list(host.containers.values())
    paused = sum(c.paused for c in cs)
    running = sum(c.running for c in cs) - paused
    swarm = swarm_views.node_info(host.swarm_node) if host.swarm_node else {
        "NodeID": "", "NodeAddr": "", "LocalNodeState": "inactive", "ControlAvailable": False,
        "Error": "", "RemoteManagers": None}
    return j({
        "ID": host.daemon_id, "Containers": len(cs), "ContainersRunning": running, "ContainersPaused": paused,
        "ContainersStopped": len(cs) - running - paused, "Images": len(host.images), "Driver": "overlay2",
        "DriverStatus": [["Backing Filesystem", "extfs"], ["Supports d_type", "true"],
                         ["Native Overlay Diff", "true"], ["userxattr", "false"]],
        "Plugins": {"Volume": ["local"], "Network": sorted(DRIVERS), "Authorization": None,
                    "Log": list(LOG_DRIVERS)},
        "MemoryLimit": True, "SwapLimit": True, "KernelMemory": True, "KernelMemoryTCP": True,
        "CpuCfsPeriod": True, "CpuCfsQuota": True, "CPUShares": True, "CPUSet": True, "PidsLimit": True,
        "IPv4Forwarding": True, "BridgeNfIptables": True, "BridgeNfIp6tables": True, "Debug": False,
        "NFd": 30, "OomKillDisable": True, "NGoroutines": 40, "SystemTime": now(engine.world.clock.wall()),
        "LoggingDriver": "json-file", "CgroupDriver": "cgroupfs", "CgroupVersion": "1", "NEventsListener": 0,
        "KernelVersion": engine.world.kernel, "OperatingSystem": "labkit simulated engine",
        "OSVersion": "", "OSType": "linux", "Architecture": host.arch,
        "IndexServerAddress": "https://index.docker.io/v1/",
        "RegistryConfig": {"AllowNondistributableArtifactsCIDRs": [], "AllowNondistributableArtifactsHostnames": [],
                           "InsecureRegistryCIDRs": ["127.0.0.0/8"], "IndexConfigs": {"docker.io": {
                               "Name": "docker.io", "Mirrors": [], "Secure": True, "Official": True}},
                           "Mirrors": []},
        "NCPU": host.cpus, "MemTotal": 2147483648, "GenericResources": None, "DockerRootDir": "/var/lib/docker",
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


@routes.get(r"/system/df")
def disk_usage(engine, m, q, body):
    """docker system df [-v]: images, containers, volumes and their sizes (API 1.41 has no build
    cache here: null; it answers everything whatever ?type= asks)."""
    host = engine.host
    cs = sorted(host.containers.values(), key=lambda c: c.created, reverse=True)
    out_images = [{"Containers": sum(c.image is img for c in cs), "Created": img.created, "Id": img.id,
                   "Labels": (img.config or {}).get("Labels") or None, "ParentId": img.parent,
                   "RepoDigests": None, "RepoTags": list(img.tags), "SharedSize": 0, "Size": img.size,
                   "VirtualSize": img.size}
                  for img in sorted(host.images.values(), key=lambda i: i.created, reverse=True)]
    out_containers = []
    for c in cs:
        size = sizes(c)
        if not size["SizeRw"]:
            del size["SizeRw"]  # omitted when empty, as the engine's summary does
        out_containers.append(container_summary(c) | size)
    out_volumes = [volume_json(v) | {"UsageData": {"RefCount": len(volumes.users(host, v)),
                                                   "Size": filesystem.tree_size(v.files)}}
                   for v in sorted(host.volumes.values(), key=lambda v: v.name)]
    return j({"LayersSize": sum(img.size for img in host.images.values()), "Images": out_images,
              "Containers": out_containers, "Volumes": out_volumes, "BuildCache": None, "BuilderSize": 0})
