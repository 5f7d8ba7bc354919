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


@scenario("busybox: ip", "busybox: route", "busybox: netstat", "containers: capabilities", "reachability: same network",
          "containers: restart")
def s_nettools_ip_changes(env):
    """Addresses and routes changed inside containers, as ip-address(8), ip-route(8) and route(8)
    (busybox's `ip addr add|del|flush`, `ip route add|del`, `route add|del`) and Docker's run reference ('--cap-add': "to
    modify the network interfaces") have people type them: refused without NET_ADMIN, busybox's
    own refusals of what it cannot read first; with it, a secondary address, addresses of other
    subnets (`brd +` or not), an address on lo, static routes (via the gateway, on the link, with a
    metric, with a source, through another container), the kernel's refusals (File exists, Network
    is unreachable, Invalid argument, No such device, No such process, Cannot assign requested
    address), every view of them (ip, ifconfig, route -n, netstat -rn, /proc/net/route, the local
    table, ip route get), pings that follow them, deletions (the engine's own address and default
    route too), and a restart, which makes the namespace anew."""
    env.client.networks.create("front")
    run(env, "web", "front", cap_add=["NET_ADMIN"])     # 172.18.0.2
    run(env, "cli", "front", cap_add=["NET_ADMIN"])     # 172.18.0.3
    run(env, "plain", "front")                          # 172.18.0.4
    for cmd in ("ip addr add 10.1.1.3/24 dev eth0", "ip route add 10.2.0.0/16 via 172.18.0.1", "ip route del default",
                "ip addr del 172.18.0.4/16 dev eth0", "ip addr flush dev eth0", "ip addr add 10.1.1.3/24 dev eth9",
                "ip addr add 10.1.1.3/33 dev eth0", "ip route add 10.2.0.0/16 via nosuch", "ip addr add 10.1.1.3/24",
                "ip route", "route add -net 10.2.0.0/16 gw 172.18.0.1", "route del default"):
        env.exec("plain", cmd)
    for cmd in ("ip addr add 10.1.1.1/24 dev eth0", "ip addr add 10.9.9.9/32 dev lo", "ip addr show eth0",
                "ip addr show lo", "ip -o addr", "ip route", "ip route show table local", f"ifconfig eth0 | {COUNTERS}"):
        env.exec("web", cmd)
    for cmd in ("ip addr add 172.18.0.9/16 dev eth0", "ip addr add 172.18.0.9/16 dev eth0", "ip a a 10.1.1.2/24 brd + dev eth0",
                "ip addr add 10.1.1.2/25 dev eth0", "ip addr add 10.1.1.7/24 dev eth0", "ip addr show eth0",
                "ip -4 -o addr show eth0", f"ifconfig eth0 | {COUNTERS}",
                "ip route add 10.2.0.0/16 via 172.18.0.1", "ip route add 10.2.0.0/16 via 172.18.0.1",
                "ip route add 10.3.0.0/16 via 10.99.0.1", "ip route add 10.4.0.1/16 via 172.18.0.1",
                "ip route add 10.5.0.0/16 dev eth0", "ip r a 10.6.0.0/16 via 172.18.0.1 metric 100",
                "ip route add 10.6.0.0/16 via 172.18.0.1 metric 100", "ip route add 10.9.9.9 via 172.18.0.2",
                "ip route add 10.7.0.0/16", "ip route add 10.8.0.0/16 via 172.18.0.1 dev lo",
                "ip route add 10.8.0.0/16 via 172.18.0.1 src 10.99.0.1", "ip route add 10.8.0.0/16 via 172.18.0.1 src 10.1.1.2",
                "ip route", "route -n", "netstat -rn", "cat /proc/net/route", "ip route show table local",
                "ip route get 10.2.3.4", "ip route get 10.9.9.9", "ip route get 10.1.1.1"):
        env.exec("cli", cmd)
    for cmd in ("ping -c1 -W1 10.1.1.1", "ping -c1 -W1 10.9.9.9", "ping -c1 -W1 10.2.3.4", "ping -c1 -W1 10.5.0.9",
                "ping -c1 -W1 10.1.1.7", "ping -c1 -W1 10.1.1.9"):
        env.exec("cli", cmd)
    env.exec("plain", "ping -c1 -W1 10.1.1.1")
    for cmd in ("ip route del 10.2.0.0/16", "ip route del 10.2.0.0/16", "ip route del 10.6.0.0/16 via 172.18.0.9",
                "ip addr del 10.1.1.2 dev eth0", "ip addr show eth0", "ip route", "ip addr del 172.18.0.3/16 dev eth0",
                "ip addr show eth0", "ip route", "ip route del default", "ip route", "ip route del default",
                "ping -c1 -W1 10.2.3.4", "ip addr del 10.1.1.2/24 dev eth0", "ip route", "ip addr flush",
                "ip addr flush eth0", "ip addr show eth0"):
        env.exec("cli", cmd)
    env.attempt("restart cli", env.api.restart, "cli", timeout=0)
    for cmd in ("ip addr show eth0", "ip addr show lo", "ip route", "ping -c1 -W1 10.1.1.1",
                "route add -net 10.2.0.0 netmask 255.255.0.0 gw 172.18.0.1", "route add -host 10.9.9.9 gw web",
                "route add default gw 172.18.0.2", "route add 10.2.0.0 netmask 255.255.0.0 gw 172.18.0.1",
                "route -n", "ping -c1 -W1 10.9.9.9", "route del default", "route del default", "route del default",
                "route del -net 10.2.0.0/16 gw 172.18.0.9", "route -n"):
        env.exec("cli", cmd)
