"""Checks for notebook 10 (the capstone): the stack "shop" across three hosts, as its file asked
and as its traffic goes.

    nb10.design(cluster)       # what the stack must be on these hosts' kernel (IPVS, ESP)
    nb10.exercise_1(cluster)   # deployed as designed: services, hosts, networks, ports, encryption
    nb10.exercise_2(cluster)   # db moved to host2 by an update, and still end to end: who reaches
                               # whom, by name; what is published; what is encrypted
    nb10.report(cluster)       # the same traffic as a table

The design follows the kernel, as a real deployment must: the routing mesh and virtual IPs need
IPVS (without it: `endpoint_mode: dnsrr` and the frontend's port in host mode, on host1); an
encrypted overlay needs ESP (without it: the overlay back is not encrypted, and the report says so).
`cluster` is the notebook's `labkit.cluster(3)`, host1 the manager; `customer` (host2, on the
default bridge) plays a client outside the swarm.
"""
from __future__ import annotations

from dataclasses import dataclass

import docker

from .. import underlay
from ..lab import Lab
from ..rules import Driver
from ._look import Steps, check

STACK = "shop"
LAB = "nb10"
PORT = 8080
SERVICES = {"frontend": ("host1", 80, ["back"]), "backend": ("host2", 8000, ["back", "data"]),
            "db": ("host3", 5432, ["data"])}
NAMESPACE_LABEL = "com.docker.stack.namespace"
SERVICE_LABEL = "com.docker.swarm.service.name"


@dataclass(frozen=True)
class Design:
    """What the stack must be on this kernel."""

    ipvs: bool | None
    esp: bool | None

    @property
    def publish_mode(self) -> str:
        return "ingress" if self.ipvs is not False else "host"

    @property
    def endpoint_mode(self) -> str:
        return "vip" if self.ipvs is not False else "dnsrr"

    @property
    def encrypted(self) -> bool:
        return self.esp is not False

    def lines(self) -> list[str]:
        return [f"frontend's port 80 on {PORT}: " + ("through the routing mesh (mode ingress): every host answers"
                                                     if self.publish_mode == "ingress" else
                                                     "mode host, on host1 only (no IPVS here: no routing mesh)"),
                "services found by name: " + ("their virtual IP (endpoint_mode vip)" if self.endpoint_mode == "vip"
                                              else "their tasks' addresses (endpoint_mode dnsrr: no IPVS here)"),
                "back: " + ("encrypted (driver_opts encrypted)" if self.encrypted else
                            "NOT encrypted: this kernel has no ESP, so an encrypted overlay would carry nothing "
                            "between hosts"),
                "data: internal (no way out for db)"]

    def __repr__(self) -> str:
        return "\n".join(self.lines())


def design(cluster) -> Design:
    kernel = underlay.kernel(cluster)
    return Design(kernel["ipvs"], kernel["esp"])


def task(cluster, service: str):
    """(host index, container) of the service's running task, or (None, None)."""
    for i, client in enumerate(cluster):
        found = client.containers.list(filters={"label": f"{SERVICE_LABEL}={STACK}_{service}"})
        if found:
            return i, found[0]
    return None, None


def lab_on(cluster, index: int) -> Lab:
    return Lab(cluster[index], name=LAB, leftovers="keep", quiet=True)


def deployed(steps: Steps, cluster) -> dict:
    """The stack's services on the manager, by short name; the check stops when one is missing."""
    manager = cluster[0]
    found = {s.name.removeprefix(f"{STACK}_"): s for s in manager.services.list(
        filters={"label": f"{NAMESPACE_LABEL}={STACK}"})}
    if not found:
        steps.stop(f"no stack named {STACK} is deployed", "write shop.yml and deploy it on the manager: "
                   "docker stack deploy -c shop.yml shop")
    missing = [name for name in SERVICES if name not in found]
    if missing:
        steps.stop(f"the stack has no service {', '.join(missing)}", "shop.yml needs the services frontend, "
                   "backend and db; deploy it again (docker stack deploy -c shop.yml shop)")
    return found


@check("Exercise 1: the stack as designed")
def exercise_1(steps: Steps, cluster) -> None:
    plan = design(cluster)
    services = deployed(steps, cluster)
    manager = cluster[0]
    names = {}
    for name, (host, port, nets) in SERVICES.items():
        spec = services[name].attrs["Spec"]
        index, container = task(cluster, name)
        if container is None:
            steps.stop(f"{name} has no running task", f"docker stack ps shop says why (a placement on {host}?)")
        where = f"host{index + 1}"
        if where != host:
            steps.stop(f"{name} runs on {where}", f"place it on {host}: deploy: placement: constraints: "
                       f"[node.hostname == {host}]")
        attached = set()
        for ref in (spec.get("TaskTemplate") or {}).get("Networks") or []:
            net = manager.networks.get(ref["Target"])
            names[net.name] = net
            attached.add(net.name.removeprefix(f"{STACK}_"))
        if attached != set(nets):
            steps.stop(f"{name} is on {', '.join(sorted(attached)) or 'no network of the stack'}",
                       f"{name} belongs on {' and '.join(nets)} (its networks: list in shop.yml)")
        mode = ((spec.get("EndpointSpec") or {}).get("Mode")) or "vip"
        if mode != plan.endpoint_mode:
            steps.stop(f"{name} has endpoint_mode {mode}", f"on this kernel use endpoint_mode: {plan.endpoint_mode} "
                       f"(deploy: endpoint_mode: ...): {plan.lines()[1]}")
        ports = (spec.get("EndpointSpec") or {}).get("Ports") or []
        want = [(80, PORT, plan.publish_mode)] if name == "frontend" else []
        have = [(p.get("TargetPort"), p.get("PublishedPort"), p.get("PublishMode", "ingress")) for p in ports]
        if have != want:
            steps.stop(f"{name} publishes {', '.join(f'{t}->{p} ({m})' for t, p, m in have) or 'nothing'}",
                       f"only frontend publishes: its port 80 on {PORT} in mode {plan.publish_mode}"
                       if name != "frontend" or not have else plan.lines()[0])
        steps.saw(f"{name}: on {where}, networks {', '.join(sorted(attached))}, endpoint mode {mode}"
                  + (f", port 80 on {PORT} ({plan.publish_mode})" if want else ""))
    back, data = names.get(f"{STACK}_back"), names.get(f"{STACK}_data")
    for net in (back, data):
        if net is not None and net.attrs.get("Driver") != Driver.OVERLAY:
            steps.stop(f"{net.name} is a {net.attrs.get('Driver')} network", "back and data are overlays (driver: overlay)")
    encrypted = "encrypted" in (back.attrs.get("Options") or {})
    steps.saw(f"{back.name}: {'encrypted' if encrypted else 'not encrypted'}; {data.name}: "
              f"{'internal' if data.attrs.get('Internal') else 'not internal'}")
    if encrypted != plan.encrypted:
        steps.stop(f"{back.name} is {'' if encrypted else 'not '}encrypted", plan.lines()[2])
    if not data.attrs.get("Internal"):
        steps.stop(f"{data.name} is not internal", "networks: data: internal: true (db must have no way out)")


def traffic(cluster) -> list[tuple[str, str, bool, bool]]:
    """(from, to, expected, reached) for each flow the capstone is graded on."""
    plan = design(cluster)
    flows = []
    customer = lab_on(cluster, 1)
    for i, address in enumerate(("10.99.0.11", "10.99.0.12", "10.99.0.13")):
        expected = plan.publish_mode == "ingress" or i == 0
        flows.append(("customer (host2)", f"host{i + 1}:{PORT}", expected,
                      customer.port("customer", address, PORT).ok))
    pairs = [("frontend", "backend", 8000, True), ("backend", "db", 5432, True), ("frontend", "db", 5432, False)]
    for src, dst, port, expected in pairs:
        index, container = task(cluster, src)
        reached = False
        if container is not None:
            reached = lab_on(cluster, index).port(container.name, dst, port).ok
        flows.append((src, f"{dst}:{port}", expected, reached))
    index, container = task(cluster, "db")
    out = lab_on(cluster, index).port(container.name, "10.99.0.11", PORT).ok if container is not None else False
    flows.append(("db", f"outside (host1:{PORT})", False, out))
    return flows


def report(cluster) -> str:
    """Who reaches whom in the stack, as graded: one line per flow, ✔ where it is as designed."""
    lines = []
    for src, dst, expected, reached in traffic(cluster):
        mark = "✔" if expected == reached else "✘"
        lines.append(f"{mark} {src:18} -> {dst:22} {'reached' if reached else 'not reached'}"
                     f"{'' if expected == reached else ' (should be ' + ('reached' if expected else 'blocked') + ')'}")
    return "\n".join(lines)


@check("Exercise 2: db moved, end to end")
def exercise_2(steps: Steps, cluster) -> None:
    plan = design(cluster)
    deployed(steps, cluster)
    index, container = task(cluster, "db")
    if container is None or index != 1:
        steps.stop("db runs on " + (f"host{index + 1}" if container is not None else "no host"),
                   "move it with an update, not by hand: docker service update --constraint-rm "
                   "'node.hostname == host3' --constraint-add 'node.hostname == host2' shop_db (or change "
                   "shop.yml and deploy the stack again)")
    steps.saw("db runs on host2")
    wrong = []
    for src, dst, expected, reached in traffic(cluster):
        steps.saw(f"{src} -> {dst}: {'reached' if reached else 'not reached'}")
        if expected != reached:
            wrong.append((src, dst, expected))
    try:
        back = cluster[0].networks.get(f"{STACK}_back")
        encrypted = "encrypted" in (back.attrs.get("Options") or {})
    except docker.errors.NotFound:
        encrypted = False
    steps.saw("frontend (host1) -> backend (host2) crosses the underlay on shop_back: "
              + ("encrypted (IPsec ESP)" if encrypted else "NOT encrypted" + ("" if plan.encrypted else
                                                                             " (this kernel has no ESP)")))
    if wrong:
        src, dst, expected = wrong[0]
        if expected:
            steps.stop(f"{src} should reach {dst}", "check exercise 1 first; a name resolves only on a network "
                       "both are on, and without IPVS only with endpoint_mode dnsrr")
        steps.stop(f"{src} should not reach {dst}", "frontend must not be on data, and data must be internal")
    if encrypted != plan.encrypted:
        steps.stop("shop_back's encryption does not match this kernel", plan.lines()[2])


__all__ = ["Design", "design", "exercise_1", "exercise_2", "report"]
