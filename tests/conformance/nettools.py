"""Conformance scenarios for busybox's network tools: every tool a learner reaches for reads the
same interfaces, addresses, routes, neighbours and sockets (`ip addr|link|route|neigh`,
`ifconfig`, `route`, `netstat`, /proc/net/*, /sys/class/net/*, `arp`, `ping -s`, `hostname -i`),
and what stays and what goes when a container restarts.

Written from busybox 1.35's usage texts and the habits of networking tutorials (`ifconfig`,
`route -n`, `netstat -tlnp`, `arp -a`, `ping -M do -s 1472`), as a learner types them in a
container. What varies by nature on the real engine is read so that it does not: packet and byte
counters (the kernel's own IPv6 and ARP chatter counts too: left out with grep), the order of
the neighbour table (a hash order: read sorted) and its entries' states (cut away), the local
ports of connections (normalised by the harness).
"""
from __future__ import annotations

from .harness import Recorder, scenario

SLEEP = "sleep 600"
COUNTERS = "grep -v packets | grep -v bytes"   # ifconfig without its counters


def run(env: Recorder, name: str, network: str | None = None, cmd: str = SLEEP, **kw):
    return env.client.containers.run("busybox", cmd, name=name, detach=True, network=network, **kw)


@scenario("busybox: ip", "busybox: ifconfig", "busybox: route", "busybox: netstat", "kernel files: /proc/net, /sys/class/net")
def s_nettools_one_model(env):
    """A container on a user-defined network as every tool shows it: ip (-4, -o, link, route,
    table all), ifconfig (all, one, lo, a missing one), route (-n, -e), netstat (-r, -rn, -ln,
    -lntu, and -tlnp, which busybox refuses), /proc/net/route, /sys/class/net, hostname -i, and
    the options busybox's ip does not have (-br, -s)."""
    env.client.networks.create("front")
    run(env, "web", "front", cmd="httpd -f -p 80")
    run(env, "cli", "front")
    for cmd in ("ip addr", "ip -4 addr", "ip -6 addr", "ip -o addr", "ip -o link", "ip -4 -o addr show eth0",
                "ip link show eth0", "ip addr show lo", "ip route", "ip -4 route", "ip route show table all",
                "ip route show table local", "ip neigh", "ip -br addr", "ip -s link",
                f"ifconfig | {COUNTERS}", f"ifconfig -a | {COUNTERS}", f"ifconfig eth0 | {COUNTERS}",
                f"ifconfig lo | {COUNTERS}", "ifconfig eth9", "route", "route -n", "route -e", "route -ne",
                "netstat -r", "netstat -rn", "netstat -ln", "netstat -lntu", "netstat -un", "netstat -tlnp",
                "cat /proc/net/route", "cat /proc/net/tcp6", "ls /sys/class/net", "hostname -i", "hostname -I"):
        env.exec("cli", cmd)
    for attr in ("address", "mtu", "operstate", "ifindex", "iflink", "type", "carrier", "broadcast",
                 "tx_queue_len", "flags", "addr_len"):
        env.exec("cli", f"cat /sys/class/net/eth0/{attr}")
    for attr in ("address", "mtu", "operstate", "ifindex", "iflink", "type", "flags"):
        env.exec("cli", f"cat /sys/class/net/lo/{attr}")
    for cmd in ("netstat -tln", "netstat -ln", "ip route"):
        env.exec("web", cmd)


@scenario("busybox: arp", "busybox: ip", "busybox: netstat", "reachability: same network")
def s_nettools_traffic(env):
    """What traffic leaves behind: the neighbours both sides learned (arp -n, arp, arp -a NAME,
    ip neigh, /proc/net/arp), the gateway learned when a name is looked up outside, a connection
    in TIME_WAIT at the side that closed first (nc -w1: the client, the server waiting for a
    request), and an address nobody has (arp: <incomplete>). An HTTP exchange is asked after the
    sockets are read: httpd and wget close at nearly the same moment, and the TIME_WAIT was seen
    once at the server and once at the client (a race on the engine)."""
    env.client.networks.create("front")
    run(env, "web", "front", cmd="httpd -f -p 80")
    run(env, "cli", "front")
    env.exec("cli", "arp -n")
    for cmd in ("ping -c2 -W1 web", "nc -w1 web 80 </dev/null; echo $?"):
        env.exec("cli", cmd)
    for cmd in ("arp -n | sort", "arp | sort", "arp -a web", "arp -a nosuch; echo $?", "arp -i eth0 -n | sort",
                "ip neigh | cut -d' ' -f1-5 | sort", "ip neigh show dev eth0 | cut -d' ' -f1-3 | sort",
                "ip -4 neigh show eth0 | cut -d' ' -f1-3 | sort", "cat /proc/net/arp | sort", "netstat -tn", "netstat -an"):
        env.exec("cli", cmd)
    for cmd in ("arp -n | sort", "netstat -tn", "netstat -an"):
        env.exec("web", cmd)
    env.exec("cli", "wget -O- http://web/ 2>&1; echo $?")
    env.exec("cli", "nslookup nosuch.example; arp -n | sort")
    env.exec("cli", "ping -c1 -W1 172.18.0.99; arp -n | sort")
    env.exec("cli", "arp -d web; echo $?")


@scenario("busybox: ping", "networks: MTU")
def s_nettools_ping_sizes(env):
    """ping -s SIZE: the data sizes in ping's lines, no round trip under 8 bytes, the largest echo
    an IP packet holds (65507 bytes; one more: Message too long), a size out of range; -M (path MTU
    discovery) is not busybox's; over a network of MTU 1450 a 1472-byte echo is fragmented and
    answered."""
    env.client.networks.create("front")
    env.client.networks.create("mtu1450", options={"com.docker.network.driver.mtu": "1450"})
    run(env, "web", "front")
    run(env, "cli", "front")
    for size in (100, 1472, 2000, 0, 7, 8, 65507, 65508, 70000):
        env.exec("cli", f"ping -c1 -W1 -s {size} web")
    env.exec("cli", "ping -M do -s 1472 -c1 web")
    run(env, "m1", "mtu1450")
    run(env, "m2", "mtu1450")
    for cmd in ("ip link show eth0", "cat /sys/class/net/eth0/mtu", f"ifconfig eth0 | {COUNTERS}",
                "ping -c1 -W1 -s 1422 m2", "ping -c1 -W1 -s 1472 m2", "route -n"):
        env.exec("m1", cmd)


@scenario("busybox: ip", "containers: restart", "busybox: arp")
def s_nettools_restart(env):
    """A container on two networks restarted: the engine makes its namespace again (an empty
    neighbour table) and names the interfaces in its endpoint order (back's eth0: the network of
    the default route; front's eth1, though the container was started on front). Which veth it
    makes first varies (a Go map's order): the indexes are not read after the restart. A
    container on one network stopped and started: its interface as before."""
    env.client.networks.create("front")
    env.client.networks.create("back")
    run(env, "web", "front", cmd="httpd -f -p 80")
    run(env, "cli", "front")
    env.client.networks.get("back").connect("cli")
    env.exec("cli", "ping -c1 -W1 web")
    for cmd in ("ip addr", "route -n", "cat /proc/net/route", "ls /sys/class/net", "arp -n | sort"):
        env.exec("cli", cmd)
    env.attempt("restart cli", env.api.restart, "cli", timeout=0)
    for cmd in ("ip addr show eth0 | grep inet", "ip addr show eth1 | grep inet", "ip route", "arp -n",
                "ls /sys/class/net"):
        env.exec("cli", cmd)
    env.attempt("stop web", env.api.stop, "web", timeout=0)
    env.attempt("start web", env.api.start, "web")
    for cmd in ("ip link", "cat /sys/class/net/eth0/iflink", "netstat -tln"):
        env.exec("web", cmd)


@scenario("busybox: ip", "networks: none", "networks: host")
def s_nettools_none_and_host(env):
    """The tools in a container with no network (none: loopback only, no routes, no address for its
    host name) and in one on the host's network (the host's interfaces and routes)."""
    env.client.networks.create("front")
    run(env, "web", "front")
    env.client.containers.run("busybox", SLEEP, name="nn", network_mode="none", detach=True)
    for cmd in ("ip addr", "ip route", "route -n", f"ifconfig | {COUNTERS}", "ls /sys/class/net",
                "cat /proc/net/route", "hostname -i", "arp -n", "netstat -rn", "netstat -ln", "ping -c1 -W1 172.18.0.2"):
        env.exec("nn", cmd)
    env.client.containers.run("busybox", SLEEP, name="hh", network_mode="host", detach=True)
    for cmd in ("ip -4 addr", "ip route", "route -n", "cat /proc/net/route", "netstat -rn", "ping -c1 -W1 172.18.0.2"):
        env.exec("hh", cmd)
