"""IPv4 addresses and routes changed inside a container (`ip addr add|del|flush`, `ip route add|del`,
`route add|del`;
labkit/sim/engine/ipconf.py, applets/ipchange.py), judged by the real thing: each script runs in a
simulated container started with --cap-add NET_ADMIN (on the default bridge: eth0 172.17.0.2/16,
default via 172.17.0.1) and in a network namespace of this machine's kernel made the same way
(`unshare -rn`: a veth named eth0 with that address and route), with /bin/busybox's applets (busybox
1.35, the lab image's); stdout, stderr and the exit code must be the same. Without NET_ADMIN the
namespace's scripts run with the capability dropped (capsh). The views compared are those that do
not name the interface's index or its random MAC address. The conformance scenario
nettools_ip_changes judges the same against a real engine's containers, pings between them included.
"""
from __future__ import annotations

import os
import shutil
import subprocess

import pytest

BUSYBOX = "/bin/busybox"
APPLETS = ("sh", "ip", "route", "netstat", "ifconfig", "cat", "grep", "echo")
# The namespace made like a container's on the default bridge (its peer stays in it, down).
SETUP = ("ip link add eth0 type veth peer name peer0 && ip link set lo up && ip link set eth0 up && "
         "ip addr add 172.17.0.2/16 brd + dev eth0 && ip route add default via 172.17.0.1")


@pytest.fixture(scope="module")
def applets(tmp_path_factory):
    if not os.access(BUSYBOX, os.X_OK) or not shutil.which("unshare") or not shutil.which("capsh"):
        pytest.skip("no /bin/busybox, unshare or capsh here to compare with")
    where = tmp_path_factory.mktemp("busybox")
    for name in APPLETS:
        (where / name).symlink_to(BUSYBOX)
    probe = subprocess.run(["unshare", "-rn", "true"], capture_output=True, timeout=20)
    if probe.returncode != 0:
        pytest.skip(f"no network namespace can be made here: {probe.stderr.decode().strip()}")
    return str(where)


def in_kernel(applets: str, script: str, net_admin: bool = True) -> tuple[int, str, str]:
    env = {"PATH": applets, "HOME": "/"}
    run = f"{SETUP} >/dev/null 2>&1 || exit 99; " + (
        f"exec sh -c '{script}'" if net_admin else f"exec {shutil.which('capsh')} --drop=cap_net_admin -- -c '{script}'")
    done = subprocess.run([shutil.which("unshare"), "-rn", f"{applets}/sh", "-c", run], capture_output=True, text=True,
                          timeout=20, cwd="/", env=env)
    assert done.returncode != 99, f"the namespace could not be made: {done.stderr}"
    return done.returncode, done.stdout, done.stderr


def in_sim(sim_client, script: str, net_admin: bool = True) -> tuple[int, str, str]:
    c = sim_client.containers.run("busybox", "sleep 600", detach=True, name="netadmin-ipchange",
                                  cap_add=["NET_ADMIN"] if net_admin else None)
    try:
        c.reload()
        assert c.attrs["NetworkSettings"]["IPAddress"] == "172.17.0.2"
        api = sim_client.api
        exec_id = api.exec_create(c.id, ["sh", "-c", script])["Id"]
        out, err = api.exec_start(exec_id, demux=True)
        return api.exec_inspect(exec_id)["ExitCode"], (out or b"").decode(), (err or b"").decode()
    finally:
        c.remove(force=True)


VIEWS = ("ip route; ip route show table local; route -n; netstat -rn; cat /proc/net/route; "
         "ip addr show eth0 | grep inet; ip addr show lo | grep \"inet \"; ifconfig eth0 | grep \"inet addr\"")

SCRIPTS = [
    # the conformance gap's command, then every view
    f"ip addr add 10.1.1.1/24 dev eth0 && ip route add 10.2.0.0/16 via 172.17.0.1 && {VIEWS}",
    # a secondary, the same again, another prefix length, brd +, an address of a /32, on lo
    f"ip addr add 172.17.0.9/16 dev eth0; ip addr add 172.17.0.9/16 dev eth0; echo $?; "
    f"ip a a 10.1.1.2/24 brd + dev eth0; ip addr add 10.1.1.2/25 dev eth0; ip addr add 10.1.1.7/24 dev eth0; "
    f"ip addr add 10.5.5.5 dev eth0; ip addr add 10.9.9.9/32 dev lo; ip addr add 127.0.0.2/8 dev lo; {VIEWS}",
    # deleting: the first with that address whatever the length; a primary takes its secondaries
    f"ip addr add 10.1.1.1/24 dev eth0; ip addr add 10.1.1.2/24 dev eth0; ip addr del 10.1.1.1/16 dev eth0; echo $?; "
    f"ip addr del 10.1.1.1 dev eth0; echo $?; {VIEWS}",
    # the engine's own address deleted while another stays (the default route stays), then the last one
    f"ip addr add 10.1.1.1/24 dev eth0; ip addr del 172.17.0.2/16 dev eth0; {VIEWS}; "
    f"ip addr del 10.1.1.1/24 dev eth0; {VIEWS}",
    # routes: the kernel's refusals, on-link, metric, src, a host route, longer prefixes first
    f"ip route add 10.2.0.0/16 via 10.3.0.1; ip route add 10.2.0.1/16 via 172.17.0.1; "
    f"ip route add 10.2.0.0/16 via 172.17.0.1; ip route add 10.2.0.0/16 via 172.17.0.5; "
    f"ip route add 10.2.0.0/16 via 172.17.0.1 metric 5; ip route add 10.3.0.0/16; ip route add 10.4.0.0/16 dev eth9; "
    f"ip route add 10.5.0.0/16 via 172.17.0.2; ip route add default via 172.17.0.1; ip route add 10.0.0.0/8 via 172.17.0.1; "
    f"ip route add 10.0.0.0/16 via 172.17.0.1; ip route add 10.2.0.5 via 172.17.0.1; ip route add 10.6.0.0/16 dev eth0; "
    f"ip route add 10.7.0.0/16 via 172.17.0.1 dev lo; ip route add 10.8.0.0/16 via 172.17.0.1 src 10.9.9.9; "
    f"ip route add 10.8.0.0/16 via 172.17.0.1 src 172.17.0.2; ip route add 10.9.0.0/16 via 10.6.0.1; {VIEWS}; "
    f"ip route get 10.2.0.5; ip route get 10.0.1.1; ip route get 10.6.3.3; ip route get 10.8.1.1",
    # deleting routes: the first of a destination, a gateway that does not match, none left, the default
    f"ip route add 10.2.0.0/16 via 172.17.0.1; ip route add 10.2.0.0/16 dev eth0 metric 7; "
    f"ip route del 10.2.0.0/16 via 172.17.0.9; echo $?; ip route del 10.2.0.0/16; ip route; ip route del 10.2.0.0/16; "
    f"ip route del 10.2.0.0/16; echo $?; ip route del; ip route; ip route del; echo $?; "
    f"ip route add default via 172.17.0.1 dev eth0; ip route del default via 172.17.0.1; {VIEWS}",
    # what busybox cannot read: a name or a number out of range is 0.0.0.0/0; a prefix too long
    "ip route add foo via 172.17.0.1; echo $?; ip route add 10.1.1.300 via 172.17.0.1; echo $?; "
    "ip route add 1.2.3 via 172.17.0.1; ip route add 1.2.4/24 via 172.17.0.1; ip route add 10.2.0.0/33 via 172.17.0.1; "
    "echo $?; ip route add 10.2.0.0/16 via bar; echo $?; ip route add 10.2.0.0/16 via; echo $?; ip route add; echo $?; "
    "ip route del default; ip route add bar dev eth0; ip route",
    "ip addr add bar/24 dev eth0; echo $?; ip addr add 1.2.3 dev eth0; ip addr add 10.1.1.1/33 dev eth0; echo $?; "
    "ip addr add 10.1.1.1/24 dev eth9; echo $?; ip addr add 10.1.1.1/24; echo $?; ip addr add 10.1.1.1/24 dev; echo $?; "
    "ip addr add; echo $?; ip addr del 10.9.9.9/24 dev eth0; echo $?; ip addr show eth0 | grep inet",
    # flush
    f"ip addr flush; echo $?; ip addr add 10.1.1.1/24 dev eth0; ip addr flush dev eth0; echo $?; {VIEWS}; "
    f"ip addr flush eth0; echo $?; ip route flush; echo $?",
]

ROUTE = [
    # busybox's route: -net/-host, TARGET/LEN or netmask, gw, metric, the interface last; the ioctl adds
    # a route of an existing destination before it unless it is the very same
    f"route add default gw 172.17.0.5; echo $?; route add -net 10.2.0.0/16 gw 172.17.0.1; "
    f"route add -net 10.2.0.0/16 gw 172.17.0.7; route add -net 10.2.0.0/16 gw 172.17.0.7; echo $?; "
    f"route add -net 10.3.0.0 netmask 255.255.0.0 gw 172.17.0.1 metric 5; route add -host 10.4.0.1 gw 172.17.0.1; "
    f"route add -net 10.5.0.0/16 eth0; route add -net 10.6.0.0/16 dev eth0; route add 10.7.0.1 gw 172.17.0.1; "
    f"route add 1.2.3 gw 172.17.0.1; route add -net 10.8.0.0/16 gw 10.99.0.1; echo $?; {VIEWS}",
    # what busybox refuses itself, then the kernel
    "route add 10.2.0.0 netmask 255.255.0.0 gw 172.17.0.1; echo $?; route add -net 10.2.0.0 gw 172.17.0.1; echo $?; "
    "route add -net 10.9.0.0 netmask 255.0.255.0 gw 172.17.0.1; echo $?; route add -net 10.9.0.0/16 gw default; "
    "echo $?; route add -net 10.9.0.1 netmask 255.255.0.0 gw 172.17.0.1; echo $?; route add -net 10.9.0.0/33 gw 1.1.1.1; "
    "echo $?; route add -net 10.9.0.0/16; echo $?; route add -net 10.9.0.0/16 eth9; echo $?; route add; echo $?; "
    "route add -net 10.9.0.0/16 gw 172.17.0.1 metric x; echo $?; route add -net 10.9.0.0/16 gw 172.17.0.1 gw 172.17.0.1; "
    "echo $?; route add -net 10.9.0.0/16 gw 172.17.0.1 eth0 eth0; echo $?; route flush; echo $?",
    # deleting: the first of a destination, by gateway, by metric (0: any), the default
    "route add -net 10.2.0.0/16 gw 172.17.0.1; route add -net 10.2.0.0/16 dev eth0 metric 3; "
    "route del -net 10.2.0.0/16 gw 172.17.0.9; echo $?; route del -net 10.2.0.0/16 metric 2; echo $?; "
    "route del -net 10.2.0.0/16 metric 0; ip route; route del -net 10.2.0.0/16; route del -net 10.2.0.0/16; echo $?; "
    "route del default; echo $?; route del default; echo $?; ip route; route add default gw 172.17.0.1 eth0; "
    "route add -host 10.3.3.3 eth0; route del 10.3.3.3; echo $?; route -n",
]

REFUSED = [
    "ip addr add 10.1.1.3/24 dev eth0; echo $?; ip route add 10.2.0.0/16 via 172.17.0.1; echo $?; "
    "ip route del default; echo $?; ip addr del 172.17.0.2/16 dev eth0; echo $?; ip addr flush dev eth0; echo $?",
    "ip addr add 10.1.1.3/24 dev eth9; echo $?; ip addr add 10.1.1.3/33 dev eth0; echo $?; "
    "ip route add 10.2.0.0/16 via nosuch; echo $?; ip addr add 10.1.1.3/24; echo $?; ip route del 10.9.0.0/16; echo $?; "
    f"{VIEWS}",
    "route add -net 10.2.0.0/16 gw 172.17.0.1; echo $?; route del default; echo $?; route add -net 10.2.0.0/16 eth9; "
    "echo $?; route add -net 10.9.0.0/33 gw 1.1.1.1; echo $?; route add 10.2.0.0 netmask 255.255.0.0 gw 172.17.0.1; "
    "echo $?; route -n",
]


@pytest.mark.parametrize("script", SCRIPTS)
def test_with_net_admin_as_the_kernel(sim_client, applets, script):
    assert in_sim(sim_client, script) == in_kernel(applets, script)


@pytest.mark.parametrize("script", ROUTE)
def test_route_with_net_admin_as_the_kernel(sim_client, applets, script):
    assert in_sim(sim_client, script) == in_kernel(applets, script)


@pytest.mark.parametrize("script", REFUSED)
def test_without_net_admin_as_the_kernel(sim_client, applets, script):
    assert in_sim(sim_client, script, net_admin=False) == in_kernel(applets, script, net_admin=False)


def test_a_restart_makes_the_namespace_anew(sim_client):
    """The engine's own addresses and routes again (checked on the real engine by nettools_ip_changes)."""
    c = sim_client.containers.run("busybox", "sleep 600", detach=True, name="netadmin-restart", cap_add=["NET_ADMIN"])
    try:
        views = "sh -c 'ip addr show eth0 | grep inet; ip route'"   # (a new veth: a new index)
        before = c.exec_run(views).output.decode()
        c.exec_run("sh -c 'ip addr add 10.1.1.1/24 dev eth0; ip route add 10.2.0.0/16 via 172.17.0.1; ip route del default'")
        changed = c.exec_run("ip route").output.decode()
        c.restart(timeout=0)
        assert "10.2.0.0/16 via 172.17.0.1" in changed and "default" not in changed
        assert c.exec_run(views).output.decode() == before
    finally:
        c.remove(force=True)
