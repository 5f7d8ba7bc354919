"""Checks for notebook 03, publishing ports.

    exercise_1(lab)           ex-local serves on the host's 127.0.0.1:8181 only
    exercise_2(lab)           ex-public serves on port 8282 of every host address (0.0.0.0)
    exercise_3(lab)           site moved to 127.0.0.1:8088, still serving; ex-shop on 127.0.0.1:8080

The host's side is seen from two containers the notebook's lesson also uses, made here when
missing: `hostside`, in host mode (its 127.0.0.1 is the host's own), and `client`, on the
default bridge (it stands in for another machine: it reaches the host only at the host's
addresses). Ports are probed with `nc` from inside them, so the checks say the same on the
simulator and on a real engine. That a server answers is asked of the container's own address,
not through the published port: on a real engine the userland proxy accepts a connection to a
published port even when nothing listens behind it.
"""
from __future__ import annotations

from docker.errors import DockerException

from . import Result
from ._look import (
    check,
    container,
    describe_ports,
    host_addresses,
    ipv4_ports,
    networks_of,
    running_container,
)

VANTAGES = {   # name: how the lesson makes it
    "hostside": {"network_mode": "host"},
    "client": {},
}
SERVER = "httpd -f -p 80"


def _vantage(steps, lab, name: str) -> str:
    try:
        lab.container(name, **VANTAGES[name])
    except DockerException as e:
        steps.stop(f"the check could not use container {name}: {e}",
                   f"remove it (lab.remove({name!r})): the check makes it again as the lesson does")
    return name


def _serves(steps, lab, topo, c, make: str) -> None:
    """Something listens on the container's port 80 (asked at its own address, from the host)."""
    joined = networks_of(topo, c)
    address = next((e.address for e in joined.values() if e.address), None)
    if address is None:
        steps.stop(f"{c.name} has no address of its own (network mode {c.network_mode})", make)
    probe = lab.port(_vantage(steps, lab, "hostside"), address, 80)
    if not probe.ok:
        steps.stop(f"nothing answers on {c.name}'s own port 80 ({address}:80 is {probe.state})",
                   f"the container must run a web server, command={SERVER!r}: remove it "
                   f"(lab.remove({c.name!r})) and run it again with that command")
    steps.saw(f"{c.name} serves on its port 80 ({address}:80 from the host: open)")


@check("Exercise 1: for the host's eyes only")
def exercise_1(steps, lab) -> Result:
    """ex-local runs httpd and publishes 127.0.0.1:8181 -> 80/tcp, and nothing else."""
    make = ("run a web server named ex-local (command='httpd -f -p 80') and publish its port 80 with "
            "ports=, as section 3 does for site (docker run -p HOST_ADDRESS:HOST_PORT:CONTAINER_PORT)")
    topo = lab.snapshot()
    c = running_container(steps, topo, "ex-local", make)
    ports = ipv4_ports(c)
    if not ports:
        steps.stop("ex-local publishes no port", "remove it (lab.remove('ex-local')), then " + make)
    wanted = [p for p in ports if (p.host_ip, p.host_port, p.container_port, p.protocol)
              == ("127.0.0.1", 8181, 80, "tcp")]
    everywhere = [p for p in ports if p.host_ip == "0.0.0.0"]
    if everywhere:
        steps.stop(f"ex-local publishes {describe_ports(everywhere)}: on every address of the host, so "
                   "other machines can reach it too",
                   "name the address: ports={80: ('127.0.0.1', 8181)} (docker run -p 127.0.0.1:8181:80); "
                   "remove ex-local first (lab.remove('ex-local'))")
    if not wanted or len(ports) != 1:
        steps.stop(f"ex-local publishes {describe_ports(ports)}, not just 127.0.0.1:8181->80/tcp",
                   "remove it (lab.remove('ex-local')), then " + make)
    steps.saw("ex-local publishes 127.0.0.1:8181->80/tcp")
    _serves(steps, lab, topo, c, make)
    hostside = _vantage(steps, lab, "hostside")
    probe = lab.port(hostside, "127.0.0.1", 8181)
    if not probe.ok:
        steps.stop(f"from the host, 127.0.0.1:8181 is {probe.state}", make)
    steps.saw("from the host, 127.0.0.1:8181: open")
    for address in host_addresses(lab, hostside)[:1]:
        probe = lab.port(hostside, address, 8181)
        steps.saw(f"from the host, its address {address}:8181: {probe.state} (not published there)")


@check("Exercise 2: open to everyone")
def exercise_2(steps, lab) -> Result:
    """ex-public runs httpd and publishes port 8282 on every host address; a container on the
    default bridge reaches it at the host's address."""
    make = ("run a web server named ex-public (command='httpd -f -p 80') and publish its port 80 with "
            "ports=, as section 5 does for public (docker run -p HOST_ADDRESS:HOST_PORT:CONTAINER_PORT)")
    topo = lab.snapshot()
    c = running_container(steps, topo, "ex-public", make)
    ports = ipv4_ports(c)
    wanted = [p for p in ports if (p.host_ip, p.host_port, p.container_port, p.protocol)
              == ("0.0.0.0", 8282, 80, "tcp")]
    if not wanted:
        local = [p for p in ports if p.host_port == 8282 and p.host_ip != "0.0.0.0"]
        if local:
            steps.stop(f"ex-public publishes {describe_ports(local)}: only on that address, so other "
                       "machines cannot reach it",
                       "ask for every address: ports={80: ('0.0.0.0', 8282)} (labkit binds to 127.0.0.1 "
                       "unless told otherwise); remove ex-public first (lab.remove('ex-public'))")
        steps.stop(f"ex-public publishes {describe_ports(ports)}, not 0.0.0.0:8282->80/tcp",
                   "remove it (lab.remove('ex-public')), then " + make)
    steps.saw("ex-public publishes 0.0.0.0:8282->80/tcp")
    _serves(steps, lab, topo, c, make)
    addresses = host_addresses(lab, _vantage(steps, lab, "hostside"))
    if not addresses:
        steps.saw("the host has no address besides loopback and Docker's own: nothing more to try")
        return
    client = _vantage(steps, lab, "client")
    probe = lab.port(client, addresses[0], 8282)
    if not probe.ok:
        steps.stop(f"from client (standing in for another machine), {addresses[0]}:8282 is {probe.state}",
                   "publish on every address: ports={80: ('0.0.0.0', 8282)}")
    steps.saw(f"from client (standing in for another machine), the host's {addresses[0]}:8282: open")


MOVED_TO = 8088
MOVE_SITE = (f"a container's published ports cannot change: remove site (lab.remove('site')) and run it again "
             f"as section 3 does, with its port 80 on the host's {MOVED_TO} (docker run -p 127.0.0.1:{MOVED_TO}:80)")
MAKE_SHOP = ("run a web server named ex-shop (command='httpd -f -p 80') with its port 80 on the host's "
             "127.0.0.1:8080 (docker run -p 127.0.0.1:8080:80)")


def _answers_on_the_host(steps, lab, name: str, port: int) -> None:
    """The container `name` publishes 127.0.0.1:PORT -> 80/tcp, serves, and the host's
    127.0.0.1:PORT answers."""
    topo = lab.snapshot()
    make = MAKE_SHOP if name == "ex-shop" else MOVE_SITE
    c = running_container(steps, topo, name, make)
    ports = ipv4_ports(c)
    if not any((p.host_ip, p.host_port, p.container_port, p.protocol) == ("127.0.0.1", port, 80, "tcp")
               for p in ports):
        steps.stop(f"{name} publishes {describe_ports(ports)}, not 127.0.0.1:{port}->80/tcp", make)
    _serves(steps, lab, topo, c, make)
    probe = lab.port(_vantage(steps, lab, "hostside"), "127.0.0.1", port)
    if not probe.ok:
        steps.stop(f"from the host, 127.0.0.1:{port} is {probe.state}", make)
    steps.saw(f"from the host, 127.0.0.1:{port} -> {name}: open")


@check("Exercise 3: make room on port 8080")
def exercise_3(steps, lab) -> Result:
    """site (section 3's) moved to the host's 127.0.0.1:8088, still serving; ex-shop serves on the
    host's 127.0.0.1:8080."""
    topo = lab.snapshot()
    holders = sorted({c.name for c in topo.containers if c.running
                      for p in c.ports if p.host_port == 8080 and p.protocol == "tcp"})
    if "site" in holders:
        steps.stop("site still holds the host's port 8080", MOVE_SITE)
    if container(topo, "site") is None:
        steps.stop("there is no container named site: the exercise moves it, it does not remove it", MOVE_SITE)
    _answers_on_the_host(steps, lab, "site", MOVED_TO)
    others = [name for name in holders if name != "ex-shop"]
    if others:
        steps.stop(f"{', '.join(others)} holds the host's port 8080", "port 8080 is ex-shop's: run the "
                   f"others on another port ({', '.join(f'lab.remove({n!r})' for n in others)}, then again)")
    _answers_on_the_host(steps, lab, "ex-shop", 8080)


__all__ = ["exercise_1", "exercise_2", "exercise_3"]
