"""JSON views of a swarm: nodes, the cluster, services, tasks, and what a host's
`docker network inspect` shows of an overlay (and of docker_gwbridge)."""
from __future__ import annotations

import hashlib

from ..engine.containers import LOG_DRIVERS
from ..engine.drivers import DRIVERS
from ..state import ExtraEndpoint, Host, Network, Node, Service, Swarm, Task
from .router import ENGINE_VERSION



def node_info(node: Node) -> dict:
    """The Swarm part of `docker info` on this node."""
    sw = node.swarm
    out = {"NodeID": node.id, "NodeAddr": node.addr, "LocalNodeState": "active",
           "ControlAvailable": node.is_manager, "Error": "",
           "RemoteManagers": [{"NodeID": n.id, "Addr": f"{n.addr}:2377"} for n in sw.managers()]}
    if node.is_manager:
        out.update({"Nodes": len(sw.nodes), "Managers": len(sw.managers()), "Cluster": cluster_json(sw)})
    return out


def node_json(swarm: Swarm, node: Node) -> dict:
    out = {
        "ID": node.id, "Version": {"Index": swarm.version}, "CreatedAt": node.created, "UpdatedAt": node.created,
        "Spec": {"Labels": {}, "Role": node.role, "Availability": node.availability},
        "Description": {
            "Hostname": node.host.hostname, "Platform": {"Architecture": "x86_64", "OS": "linux"},
            "Resources": {"NanoCPUs": 2000000000, "MemoryBytes": 2147483648},
            "Engine": {"EngineVersion": ENGINE_VERSION, "Plugins": [
                {"Type": t, "Name": n} for t, n in (
                    [("Log", x) for x in LOG_DRIVERS] + [("Network", x) for x in sorted(DRIVERS)]
                    + [("Volume", "local")])]},
            "TLSInfo": tls_info()},
        "Status": {"State": node.state, "Addr": node.addr} | ({"Message": node.message} if node.message else {}),
    }
    if node.is_manager:
        out["ManagerStatus"] = {"Leader": node is swarm.managers()[0] if swarm.managers() else False,
                                "Reachability": "reachable", "Addr": f"{node.addr}:2377"}
    return out


def tls_info() -> dict:
    return {"TrustRoot": "-----BEGIN CERTIFICATE-----\n(labkit simulated swarm CA)\n-----END CERTIFICATE-----\n",
            "CertIssuerSubject": "MBMxETAPBgNVBAMTCHN3YXJtLWNh", "CertIssuerPublicKey": ""}


def cluster_json(swarm: Swarm, tokens: bool = False) -> dict:
    out = {
        "ID": swarm.id, "Version": {"Index": swarm.version}, "CreatedAt": swarm.created, "UpdatedAt": swarm.created,
        "Spec": {"Name": "default", "Labels": {}, "Orchestration": {"TaskHistoryRetentionLimit": 5},
                 "Raft": {"SnapshotInterval": 10000, "KeepOldSnapshots": 0, "LogEntriesForSlowFollowers": 500,
                          "ElectionTick": 10, "HeartbeatTick": 1},
                 "Dispatcher": {"HeartbeatPeriod": 5000000000}, "CAConfig": {"NodeCertExpiry": 7776000000000000},
                 "TaskDefaults": {}, "EncryptionConfig": {"AutoLockManagers": False}},
        "TLSInfo": tls_info(), "RootRotationInProgress": False, "DefaultAddrPool": list(swarm.pools),
        "SubnetSize": swarm.size, "DataPathPort": 4789,
    }
    if tokens:
        out["JoinTokens"] = dict(swarm.tokens)
    return out


def service_json(swarm: Swarm, svc: Service) -> dict:
    spec = dict(svc.spec)
    tt = dict(spec.get("TaskTemplate") or {})
    cs = dict(tt.get("ContainerSpec") or {})
    cs.setdefault("Isolation", "default")
    tt["ContainerSpec"] = cs
    tt["Networks"] = [{"Target": n.id} for n in svc.networks if not n.ingress]
    tt.setdefault("ForceUpdate", 0)
    tt.setdefault("Runtime", "container")
    spec["TaskTemplate"] = tt
    spec.setdefault("Labels", {})
    spec.setdefault("Mode", {"Replicated": {"Replicas": 1}})
    endpoint: dict = {"Spec": spec.get("EndpointSpec") or {}}
    if svc.ports:
        endpoint["Ports"] = [{"Protocol": p["Protocol"], "TargetPort": p["TargetPort"],
                              "PublishedPort": p["PublishedPort"], "PublishMode": p["PublishMode"]}
                             for p in svc.ports]
    if svc.vips:
        endpoint["VirtualIPs"] = [{"NetworkID": nid, "Addr": f"{ip}/{swarm.networks[nid].pools[0].subnet.prefixlen}"}
                                  for nid, ip in svc.vips.items()]
    return {"ID": svc.id, "Version": {"Index": svc.version}, "CreatedAt": svc.created, "UpdatedAt": svc.created,
            "Spec": spec, "Endpoint": endpoint}


def task_json(swarm: Swarm, t: Task) -> dict:
    c = t.container
    attachments = []
    for ep in c.endpoints.values():
        net = ep.network
        if net.swarm is not swarm:
            continue
        attachments.append({"Network": {
            "ID": net.id, "Version": {"Index": swarm.version}, "CreatedAt": net.created, "UpdatedAt": net.created,
            "Spec": {"Name": net.name, "Labels": dict(net.labels), "DriverConfiguration": {"Name": net.driver},
                     "Attachable": net.attachable, "Ingress": net.ingress or None, "Scope": "swarm"},
            "DriverState": {"Name": net.driver, "Options": {"com.docker.network.driver.overlay.vxlanid_list":
                                                           str(net.vxlan_id)}},
            "IPAMOptions": {"Driver": {"Name": "default"}, "Configs": [dict(x) for x in net.ipam_config]}},
            "Addresses": [f"{ep.ip}/{ep.prefixlen}"]})
        if not net.ingress:
            attachments[-1]["Network"]["Spec"].pop("Ingress")
    spec = service_json(swarm, t.service)["Spec"]["TaskTemplate"]
    spec = {k: v for k, v in spec.items() if k != "Runtime"}
    out = {"ID": t.id, "Version": {"Index": t.version}, "CreatedAt": t.created, "UpdatedAt": t.created,
           "Labels": {}, "Spec": spec, "ServiceID": t.service.id, "Slot": t.slot, "NodeID": t.node.id,
           "Status": {"Timestamp": c.started_at, "State": "running" if c.running else "shutdown",
                      "Message": "started" if c.running else "shutdown",
                      "ContainerStatus": {"ContainerID": c.id, "PID": c.pid, "ExitCode": c.exit_code},
                      "PortStatus": {}},
           "DesiredState": "running", "NetworksAttachments": attachments}
    if t.service.global_mode:
        del out["Slot"]  # global tasks are known by their node, not a slot
    return out


def extra_json(ext: ExtraEndpoint) -> dict:
    """An endpoint of the engine's own, as `docker network inspect` lists it under Containers."""
    return {"Name": ext.name, "EndpointID": ext.id, "MacAddress": ext.mac,
            "IPv4Address": f"{ext.ip}/{ext.prefixlen}", "IPv6Address": ""}


def extra_containers(swarm: Swarm, net: Network, host: Host) -> dict:
    return {ext.key: extra_json(ext) for ext in swarm.extra.get(net.id, {}).values() if ext.host is host}


def decorate_network(net: Network, out: dict, host: Host, inspect: bool) -> None:
    """A swarm network as one host shows it: the swarm's own record (Containers and Labels
    null) on a manager's list or where the host does not use it; else the local view, with
    the local endpoints, the host's load balancer and the peers that use the network."""
    swarm = net.swarm
    if net.unallocated:
        out.update({"Driver": "", "IPAM": {"Driver": "", "Options": None, "Config": None},
                    "Containers": None, "Options": None, "Labels": net.labels or None})
        return
    manager_list = not inspect and host.swarm_node is not None and host.swarm_node.is_manager
    if manager_list or not swarm.local_view(net, host):
        out.update({"Containers": None, "Labels": net.labels or None})
        return
    if inspect:
        out["Containers"] = {k: v for k, v in out["Containers"].items()
                             if k not in net.endpoints or net.endpoints[k].container.host is host}
        out["Containers"].update(extra_containers(swarm, net, host))
    else:
        out["Containers"] = {}
    users = [h for h in (n.host for n in swarm.nodes.values())
             if swarm.uses(h, net) or (net.ingress and any(e.host is h for e in swarm.extra.get(net.id, {}).values()))]
    out["Peers"] = [{"Name": hashlib.sha256(h.name.encode()).hexdigest()[:12], "IP": str(h.swarm_node.addr)
                     if h.swarm_node else ""} for h in users]


def gwbridge_extra(net: Network) -> dict:
    """docker_gwbridge's own endpoint: the ingress sandbox's way out."""
    out = {}
    for swarm in net.host.world.swarms:
        ext = swarm.extra.get(net.id, {}).get("ingress-sbox")
        if ext is not None:
            out[ext.key] = extra_json(ext)
    return out
