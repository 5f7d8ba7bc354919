"""JSON views: the engine's objects as the Engine API shows them (Docker Engine 20.10's shapes,
collected from the real engine with the conformance suite)."""
from __future__ import annotations

import calendar
import time

from ... import rules
from ..engine.containers import HOST_CONFIG_DEFAULTS, HOST_CONFIG_OMITTED
from ..engine import links, volumes
from ..engine.images import empty_config
from ..engine.ports import parse_port_key
from ..state import ZERO_TIME, Container, Exec, Host, Image, Network
from . import swarm_views
from .router import ENGINE_VERSION


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
    return calendar.timegm(time.strptime(base, "%Y-%m-%dT%H:%M:%S")) + float("0." + (frac or "0"))


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
                "IPv6Address": f"{ep.ip6}/{ep.prefixlen6}" if ep.ip6 else "",
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
        swarm_views.decorate_network(net, out, host or net.host, verbose)
    elif verbose and net.name == "docker_gwbridge":
        out["Containers"].update(swarm_views.gwbridge_extra(net))
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
        "MacAddress": req.get("MacAddress") or "",  # what was asked, until an endpoint exists
        "DriverOpts": req.get("DriverOpts"),
    }
    if ep is not None:
        if rules.swarm_scoped(ep.network.driver):
            out["IPAMConfig"] = {"IPv4Address": str(ep.ip)}  # the manager's allocation, recorded as asked for
        out.update({
            "Aliases": ep.aliases or None,
            "EndpointID": ep.id,
            "Gateway": str(ep.gateway) if ep.gateway else "",
            "IPAddress": str(ep.ip) if ep.ip else "",
            "IPPrefixLen": ep.prefixlen,
            "IPv6Gateway": str(ep.gateway6) if ep.gateway6 else "",
            "GlobalIPv6Address": str(ep.ip6) if ep.ip6 else "",
            "GlobalIPv6PrefixLen": ep.prefixlen6,
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
    argv = c.argv
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
    # Settings Go leaves out when empty (omitempty): shown only when given.
    hc.update({k: c.host_config[k] for k in HOST_CONFIG_OMITTED if c.host_config.get(k)})
    hc["NetworkMode"] = c.network_mode
    if "Runtime" not in c.host_config:
        # A create without HostConfig gets its runtime only when it first starts.
        del hc["Runtime"]
    pb = c.host_config.get("PortBindings")
    hc["PortBindings"] = {k: [{"HostIp": (b or {}).get("HostIp", ""), "HostPort": str((b or {}).get("HostPort", "") or "")}
                              for b in (v or [])] for k, v in pb.items()} if pb else pb
    return {
        "Id": c.id,
        "Created": c.created,
        "Path": argv[0] if argv else "",
        "Args": argv[1:],
        "State": {
            "Status": "paused" if c.paused else c.status,
            "Running": running or c.status == "restarting",
            "Paused": c.paused,
            "Restarting": c.status == "restarting",
            "OOMKilled": False,
            "Dead": False,
            "Pid": c.pid,
            "ExitCode": c.exit_code,
            "Error": c.error,
            "StartedAt": c.started_at,
            "FinishedAt": c.finished_at,
        } | ({"Health": {"Status": c.health["Status"], "FailingStreak": c.health["FailingStreak"],
                         "Log": [dict(entry) for entry in c.health["Log"]]}} if c.health is not None else {}),
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
        "Mounts": [volumes.mount_json(m) for m in sorted(c.mounts, key=lambda m: m.destination)],
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
            "GlobalIPv6Address": str(first_ep.ip6) if first_ep and first_ep.ip6 else "",
            "GlobalIPv6PrefixLen": first_ep.prefixlen6 if first_ep else 0,
            "IPAddress": str(first_ep.ip) if first_ep else "",
            "IPPrefixLen": first_ep.prefixlen if first_ep else 0,
            "IPv6Gateway": str(first_ep.gateway6) if first_ep and first_ep.gateway6 else "",
            "MacAddress": first_ep.mac if first_ep else "",
            "Networks": {name: endpoint_settings(c, name) for name in sorted(net_names)},
        },
    }


def ports_listed(c: Container) -> list[dict]:
    """The Ports of a container in `docker ps`: bound ones with their host ports, then exposed ones."""
    ports = []
    if c.running and c.mode_kind in ("network", "container"):
        bound = {(cport, proto) for proto, _, _, _, cport in c.ports_bound}
        for proto, hip, hport, _cp, cport in c.ports_bound:
            ports += [{"IP": ip, "PrivatePort": cport, "PublicPort": hport, "Type": proto} for ip in families(hip)]
        for key in c.config.get("ExposedPorts") or {}:
            port, proto = parse_port_key(key)
            if (port, proto) not in bound:
                ports.append({"PrivatePort": port, "Type": proto})
    return ports


def container_summary(c: Container) -> dict:
    """One entry of GET /containers/json (docker ps)."""
    argv = c.argv
    ports = ports_listed(c)
    return {
        "Id": c.id,
        "Names": links.names(c),
        "Image": c.config.get("Image") or c.image_ref,
        "ImageID": c.image.id,
        "Command": " ".join([argv[0]] + [f"'{a}'" if " " in a else a for a in argv[1:]]) if argv else "",
        "Created": int(parse_time(c.created)),
        "Ports": ports,
        "Labels": c.config.get("Labels"),
        "State": "paused" if c.paused else c.status,
        "Status": status_text(c),
        "HostConfig": {"NetworkMode": c.network_mode},
        "NetworkSettings": {"Networks": {name: list_settings(c, name) for name in sorted(c.net_requests)}},
        "Mounts": [volumes.mount_json(m) for m in sorted(c.mounts, key=lambda m: m.destination)],
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
        up = "Up " + human_duration(time.time() - parse_time(c.started_at))
        if c.paused:
            return up + " (Paused)"
        if c.health is not None:   # the engine's Health.String()
            return up + (" (health: starting)" if c.health["Status"] == "starting" else f" ({c.health['Status']})")
        return up
    if c.status == "restarting":
        return f"Restarting ({c.exit_code}) {human_duration(time.time() - parse_time(c.finished_at))} ago"
    if c.status == "exited":
        return f"Exited ({c.exit_code}) {human_duration(time.time() - parse_time(c.finished_at))} ago"
    return "Created"


def image_json(img: Image) -> dict:
    return {
        "Id": img.id, "RepoTags": list(img.tags), "RepoDigests": [], "Parent": img.parent, "Comment": img.comment,
        "Created": time.strftime("%Y-%m-%dT%H:%M:%S.000000000Z", time.gmtime(img.created)),
        "Container": img.container, "ContainerConfig": dict(img.container_config or empty_config()),
        "DockerVersion": ENGINE_VERSION, "Author": img.author,
        "Config": dict(img.config) if img.config else {**empty_config(), "Cmd": img.cmd},
        "Architecture": "amd64", "Os": "linux", "Size": img.size,
        "VirtualSize": img.size, "GraphDriver": {"Data": None, "Name": "overlay2"},
        "RootFS": {"Type": "layers", "Layers": list(img.layers) or ["sha256:" + img.id.split(":")[1][::-1]]},
        "Metadata": {"LastTagTime": "0001-01-01T00:00:00Z"},
    }


def exec_json(e: Exec) -> dict:
    return {
        "ID": e.id, "Running": e.running, "ExitCode": e.exit_code, "ProcessConfig": {
            "tty": e.tty, "entrypoint": e.argv[0] if e.argv else "", "arguments": e.argv[1:],
            "privileged": e.privileged, "user": e.user} if e.user else {
            "tty": e.tty, "entrypoint": e.argv[0] if e.argv else "", "arguments": e.argv[1:],
            "privileged": e.privileged},
        "OpenStdin": e.attach_stdin, "OpenStderr": e.attach_stderr, "OpenStdout": e.attach_stdout,
        "CanRemove": False, "ContainerID": e.container.id, "DetachKeys": e.detach_keys, "Pid": e.pid,
    }
