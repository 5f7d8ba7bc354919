"""Conformance scenarios for IPv6: `docker network create --ipv6 --subnet 2001:db8:1::/64`, dual-stack
containers, `--ip6`, AAAA answers, busybox's IPv6 tools, what reaches what over IPv6, published
ports on `::`, and the default bridge without IPv6 (a daemon without --ipv6/--fixed-cidr-v6,
which is the only one modelled).

Written from Docker's documentation of IPv6 networking (`docker network create --ipv6`, `docker
run --ip6`), docker-py's IPAMPool/EndpointConfig and busybox's tools (`ip -6`, `ping -6`, `ping6`,
`nslookup -type=AAAA`, `traceroute6`), as a learner would try them on Engine 20.10, which has no
default IPv6 pool and sets no ip6tables rules.

Two things vary on the real engine by nature and are read so that they do not: the order in
which busybox's nslookup prints the A and AAAA answers (asked one type at a time here), and the
order of /proc/net/if_inet6 (the kernel's hash order, random per namespace: read sorted). The
link-local addresses are read a moment after the interfaces are made (duplicate address
detection marks them tentative at first).
"""
from __future__ import annotations

from docker.types import IPAMConfig, IPAMPool

from .harness import Recorder, scenario

SLEEP = "sleep 600"


def ipam(*pools: dict) -> IPAMConfig:
    return IPAMConfig(pool_configs=[IPAMPool(**p) for p in pools])


def v6net(env: Recorder, name: str, subnet: str, **kw):
    pools = [{"subnet": subnet, **{k: kw.pop(k) for k in ("gateway", "iprange", "aux_addresses") if k in kw}}]
    return env.client.networks.create(name, enable_ipv6=True, ipam=ipam(*pools), **kw)


def run(env: Recorder, name: str, network: str | None = None, cmd: str = SLEEP, **kw):
    return env.client.containers.run("busybox", cmd, name=name, detach=True, network=network, **kw)


def created(env: Recorder, key: str, name: str, **kw):
    """docker network create NAME ...: its answer, and the subnets it got when it was made."""
    net = env.attempt(key, env.client.networks.create, name, **kw)
    if net is not None:
        env.note(f"{key}: subnets", [c.get("Subnet") for c in env.api.inspect_network(name)["IPAM"]["Config"]])


def settings(env: Recorder, name: str) -> dict:
    """A container's endpoints as inspect shows them (top level and per network)."""
    ns = env.api.inspect_container(name)["NetworkSettings"]
    keys = ("IPAddress", "IPPrefixLen", "Gateway", "GlobalIPv6Address", "GlobalIPv6PrefixLen", "IPv6Gateway",
            "LinkLocalIPv6Address", "LinkLocalIPv6PrefixLen", "MacAddress", "IPAMConfig", "Aliases")
    out = {"top": {k: ns[k] for k in keys if k in ns}}
    for net, ep in sorted(ns["Networks"].items()):
        out[net] = {k: ep[k] for k in keys if k in ep}
    return out


# -- networks and their addresses ----------------------------------------------------------------------
@scenario("ipv6: networks", "address management: IPv6 subnets", "networks: errors")
def s_ipv6_network_create(env):
    """docker network create --ipv6: 20.10 has no default IPv6 pool (and takes an IPv4 pool from the
    rotation before it finds out), overlapping subnets, gateways, ranges, sizes, two subnets on a
    bridge, an IPv6 subnet without --ipv6; inspect's IPAM section."""
    created(env, "--ipv6 without a subnet", "auto6", enable_ipv6=True)
    created(env, "--ipv6 with an IPv4 subnet only", "v4only6", enable_ipv6=True, ipam=ipam({"subnet": "10.20.0.0/24"}))
    created(env, "--ipv6 --subnet 2001:db8:1::/64", "v6a", enable_ipv6=True, ipam=ipam({"subnet": "2001:db8:1::/64"}))
    env.network("v6a")
    created(env, "the same subnet again", "v6dup", enable_ipv6=True, ipam=ipam({"subnet": "2001:db8:1::/64"}))
    created(env, "a subnet inside it", "v6inner", enable_ipv6=True, ipam=ipam({"subnet": "2001:db8:1::/80"}))
    created(env, "a /48 around it", "v6outer", enable_ipv6=True, ipam=ipam({"subnet": "2001:db8::/48"}))
    created(env, "--gateway", "v6gw", enable_ipv6=True, ipam=ipam({"subnet": "2001:db8:2::/64", "gateway": "2001:db8:2::ff"}))
    env.network("v6gw")
    for key, gw in (("a gateway outside", "2001:db8:4::1"), ("a gateway that is no address", "nope"),
                    ("an IPv4 gateway", "10.1.1.1")):
        created(env, key, "v6bad", enable_ipv6=True, ipam=ipam({"subnet": "2001:db8:3::/64", "gateway": gw}))
    created(env, "a subnet that is no CIDR", "v6bad", enable_ipv6=True, ipam=ipam({"subnet": "2001:db8:zz::/64"}))
    created(env, "host bits set", "v6host", enable_ipv6=True, ipam=ipam({"subnet": "2001:db8:3::1/64"}))
    created(env, "an IPv6 subnet without --ipv6", "noflag", ipam=ipam({"subnet": "2001:db8:7::/64"}))
    created(env, "--ip-range", "v6range", enable_ipv6=True,
            ipam=ipam({"subnet": "2001:db8:5::/64", "iprange": "2001:db8:5::100/120"}))
    created(env, "IPv4 and IPv6 subnets", "dual", enable_ipv6=True,
            ipam=ipam({"subnet": "10.10.0.0/24"}, {"subnet": "2001:db8:6::/64"}))
    created(env, "two IPv6 subnets", "two6", enable_ipv6=True,
            ipam=ipam({"subnet": "2001:db8:9::/64"}, {"subnet": "2001:db8:a::/64"}))
    created(env, "two IPv4 subnets", "two4", ipam=ipam({"subnet": "10.30.0.0/24"}, {"subnet": "10.31.0.0/24"}))
    for size in (126, 127, 128):
        created(env, f"a /{size}", f"v6s{size}", enable_ipv6=True, ipam=ipam({"subnet": f"2001:db8:{size}::/{size}"}))
    created(env, "--aux-address", "v6aux", enable_ipv6=True,
            ipam=ipam({"subnet": "2001:db8:e::/64", "aux_addresses": {"router": "2001:db8:e::2"}}))
    created(env, "a unique local subnet", "v6ula", enable_ipv6=True, ipam=ipam({"subnet": "fd00:1::/64"}))
    created(env, "an IPv4-mapped subnet", "mapped", enable_ipv6=True, ipam=ipam({"subnet": "::ffff:10.0.0.0/120"}))
    env.networks()


@scenario("ipv6: endpoints", "address management: IPv6 subnets", "containers: static addresses")
def s_ipv6_endpoints(env):
    """Dual-stack containers: inspect (GlobalIPv6Address, IPv6Gateway, the network's IPv6Address),
    addresses from a range and past an auxiliary address, a /126 that runs out, an IPv6 subnet
    without --ipv6 (no IPv6 address)."""
    v6net(env, "v6a", "2001:db8:1::/64")
    v6net(env, "v6small", "2001:db8:b::/126")
    v6net(env, "v6range", "2001:db8:5::/64", iprange="2001:db8:5::100/120")
    v6net(env, "v6aux", "2001:db8:e::/64", aux_addresses={"router": "2001:db8:e::2"})
    env.client.networks.create("noflag", ipam=ipam({"subnet": "2001:db8:7::/64"}))
    run(env, "a1", "v6a")
    run(env, "a2", "v6a")
    env.note("a1", settings(env, "a1"))
    env.network("v6a")
    for k in range(3):
        env.attempt(f"run s{k} on a /126", run, env, f"s{k}", "v6small")
    env.network("v6small")
    for name, net in (("r1", "v6range"), ("x1", "v6aux"), ("n1", "noflag")):
        run(env, name, net)
        env.note(name, settings(env, name))
    env.exec("n1", "ip -6 addr")


@scenario("ipv6: static addresses", "containers: static addresses", "containers: errors")
def s_ipv6_static_addresses(env):
    """docker run --ip6 and docker network connect --ip6: the daemon's checks at create (not an
    IPv6 address), at start (no user IPv6 subnet, not in the subnet, in use), an IPv6 address on
    a network without --ipv6; the IPv4 address an unassignable IPv6 one leaves taken."""
    v6net(env, "v6a", "2001:db8:1::/64")
    env.client.networks.create("plain4", ipam=ipam({"subnet": "10.50.0.0/24"}))
    env.client.networks.create("noflag", ipam=ipam({"subnet": "2001:db8:7::/64"}))

    def make(name: str, net: str, **addresses):
        nc = env.api.create_networking_config({net: env.api.create_endpoint_config(**addresses)})
        made = env.attempt(f"create {name} on {net} {addresses}", env.api.create_container, "busybox", SLEEP,
                           name=name, networking_config=nc, host_config=env.api.create_host_config(network_mode=net))
        if made is not None:
            env.attempt(f"start {name}", env.api.start, name)

    make("st1", "v6a", ipv6_address="2001:db8:1::100")
    make("st2", "v6a", ipv6_address="2001:db8:1::100")
    make("st3", "v6a", ipv6_address="2001:db8:9::5")
    make("st4", "v6a", ipv6_address="nope")
    make("st5", "plain4", ipv6_address="2001:db8:1::101")
    make("st6", "noflag", ipv6_address="2001:db8:7::5")
    make("st7", "bridge", ipv6_address="2001:db8:1::102")
    make("st8", "v6a", ipv4_address="172.18.0.50", ipv6_address="2001:db8:1::50")
    make("st9", "v6a", ipv6_address="2001:db8:1::1")
    make("st10", "v6a", ipv6_address="10.50.0.9")
    make("st11", "v6a", ipv4_address="2001:db8:1::51")
    for name in ("st1", "st6", "st8"):
        env.note(name, settings(env, name))
    env.exec("st1", "sleep 2; ip addr show eth0")
    run(env, "k1", "plain4")
    env.attempt("connect k1 --ip6", env.api.connect_container_to_network, "k1", "v6a", ipv6_address="2001:db8:1::200")
    env.note("k1", settings(env, "k1"))
    env.attempt("restart st1", env.api.restart, "st1", timeout=0)
    env.note("st1 restarted", settings(env, "st1"))


# -- inside the containers ------------------------------------------------------------------------------
@scenario("ipv6: inside a container", "busybox: ip", "busybox: ping", "dns: embedded")
def s_ipv6_inside(env):
    """A dual-stack container as busybox shows it: ip -6 addr/route, one line per address, the
    kernel's if_inet6, /etc/hosts, ping by name (over IPv6 first), ping -4/-6, ping6, AAAA and A
    answers, traceroute6, ip -6 route get; a container on the default bridge has no IPv6 at all."""
    v6net(env, "v6a", "2001:db8:1::/64")
    run(env, "a1", "v6a")
    run(env, "a2", "v6a")
    run(env, "d1")
    for cmd in ("sleep 2; ip addr", "ip -6 addr", "ip -4 addr", "ip -o addr", "ip -o -6 addr", "ip -f inet6 addr show eth0",
                "ip -6 route", "ip route", "ip -6 route get 2001:db8:1::3", "ip -6 route get 2001:db8:ffff::1",
                "cat /proc/net/if_inet6 | sort", "cat /etc/hosts", "hostname -i"):
        env.exec("a1", cmd)
    for cmd in ("ping -c1 -W1 a2", "ping -4 -c1 -W1 a2", "ping -6 -c1 -W1 a2", "ping6 -c1 -W1 a2",
                "ping -c1 -W1 2001:db8:1::1", "ping -6 -c1 -W1 ::1", "ping6 -c1 -W1 localhost",
                "ping -6 -c1 -s 100 -W1 2001:db8:1::3", "ping -6 -c1 -W1 d1",
                "nslookup -type=a a2", "nslookup -type=aaaa a2", "traceroute6 -n -w1 -m2 2001:db8:1::3",
                "traceroute -n -w1 -m2 a2"):
        env.exec("a1", cmd)
    for cmd in ("ip addr", "ip -6 addr", "ip -6 route", "cat /proc/net/if_inet6", "ping -6 -c1 -W1 2001:db8:1::2",
                "ping -c1 -W1 2001:db8:1::2", "ping6 -c1 -W1 localhost"):
        env.exec("d1", cmd)


@scenario("ipv6: reachability", "reachability: isolation", "reachability: internal networks", "ports: publish")
def s_ipv6_reachability(env):
    """What reaches what over IPv6 on 20.10, which programs no ip6tables rules: containers of two
    IPv6 networks reach each other through the host (TTL 63) where IPv4 is isolated, an internal
    network's containers reach out over IPv6; a port published on every address answers on the
    gateway's IPv6 address, one published on ::1 does not; nothing answers outside the host."""
    v6net(env, "v6a", "2001:db8:1::/64")
    v6net(env, "v6b", "2001:db8:2::/64")
    v6net(env, "v6int", "2001:db8:3::/64", internal=True)
    run(env, "a1", "v6a")
    run(env, "b1", "v6b")
    run(env, "i1", "v6int")
    run(env, "web", "v6a", cmd="httpd -f -p 80", ports={"80/tcp": 8080})
    env.attempt("run web6 -p [::1]:8081:80", run, env, "web6", "v6a", cmd="httpd -f -p 80", ports={"80/tcp": ("::1", 8081)})
    env.attempt("run web4 -p 127.0.0.1:8082:80", run, env, "web4", "v6a", cmd="httpd -f -p 80",
                ports={"80/tcp": ("127.0.0.1", 8082)})
    env.note("port web", env.api.port("web", 80))
    env.note("port web6", env.api.port("web6", 80))
    env.containers()
    for cmd in ("ping -6 -c1 -W1 2001:db8:2::2", "ping -c1 -W1 172.19.0.2", "ping -6 -c1 -W1 2001:db8:2::1",
                "ping -6 -c1 -W1 2001:db8:3::2", "ping -6 -c1 -W2 2001:db8:ffff::1", "ping -6 -c1 -W1 b1",
                "nc -w1 2001:db8:1::1 8080 </dev/null; echo $?", "nc -w1 2001:db8:1::1 8081 </dev/null; echo $?",
                "nc -w1 2001:db8:1::1 8082 </dev/null; echo $?", "nc -w1 web 80 </dev/null; echo $?"):
        env.exec("a1", cmd)
    for cmd in ("ping -c1 -W1 2001:db8:3::1", "ping -6 -c1 -W1 2001:db8:1::2", "ping -c1 -W1 172.18.0.2"):
        env.exec("i1", cmd)


@scenario("ipv6: default bridge", "networks: default bridge", "reachability: default route")
def s_ipv6_default_bridge(env):
    """The default bridge of a daemon without --ipv6 has no IPv6 (IPv6 is off in its containers);
    connecting such a container to an IPv6 network turns IPv6 on there, and its default routes,
    IPv4's too, move to the dual-stack network; disconnecting brings them back. A container on
    an IPv4-only network and an IPv6 one: the same."""
    v6net(env, "v6a", "2001:db8:1::/64")
    env.client.networks.create("plain4", ipam=ipam({"subnet": "10.50.0.0/24"}))
    run(env, "d1")
    env.network("bridge")
    env.note("d1", settings(env, "d1"))
    env.exec("d1", "ip addr")
    env.attempt("connect d1 v6a", env.api.connect_container_to_network, "d1", "v6a")
    for cmd in ("sleep 2; ip addr", "ip route", "ip -6 route", "cat /proc/net/if_inet6 | sort"):
        env.exec("d1", cmd)
    env.note("d1 connected", settings(env, "d1"))
    env.attempt("disconnect d1 v6a", env.api.disconnect_container_from_network, "d1", "v6a")
    for cmd in ("ip addr", "ip route", "ip -6 route"):
        env.exec("d1", cmd)
    run(env, "k1", "plain4")
    env.attempt("connect k1 v6a", env.api.connect_container_to_network, "k1", "v6a")
    for cmd in ("ip route", "ip -6 route", "ping -c1 -W1 10.50.0.1"):
        env.exec("k1", cmd)


@scenario("ipv6: inside a container", "dns: embedded", "reachability: default route", "reachability: icc")
def s_ipv6_several_networks(env):
    """A container on two IPv6 networks and an IPv4-only one: the IPv6 table in the kernel's
    order, the default routes (both) from the first dual-stack network by name, one /etc/hosts line
    per address, the embedded DNS asking the dual-stack networks first, glibc's choice of address
    (IPv6 from DNS, the first /etc/hosts line for localhost); inter-container traffic turned off
    holds for IPv4 only."""
    v6net(env, "v6a", "2001:db8:1::/64")
    v6net(env, "ula", "fd00:1::/64")
    env.client.networks.create("noicc", enable_ipv6=True, options={"com.docker.network.bridge.enable_icc": "false"},
                               ipam=ipam({"subnet": "2001:db8:5::/64"}))
    env.client.networks.create("plain")
    for name, net in (("a1", "v6a"), ("u1", "ula"), ("n1", "noicc"), ("n2", "noicc"), ("p1", "plain")):
        run(env, name, net)
    env.client.networks.get("ula").connect("a1")
    env.client.networks.get("plain").connect("a1")
    for cmd in ("sleep 2; ip addr", "ip -6 route", "ip route", "cat /etc/hosts", "ping -c1 -W1 u1", "ping -c1 -W1 p1",
                "ping -4 -c1 -W1 u1", "ping6 -c1 -W1 p1", "ping -c1 -W1 a1", "ping -c1 -W1 localhost",
                "nslookup -type=a a1", "nslookup -type=aaaa a1", "nslookup -type=aaaa p1", "ip -6 route get fd00:1::2",
                "cat /proc/net/if_inet6 | sort", "traceroute -n -w1 fd00:1::2"):
        env.exec("a1", cmd)
    for cmd in ("ping -c1 -W1 a1", "ping6 -c1 -W1 a1", "ping -6 -c1 -W1 localhost", "ping -c1 -W1 localhost",
                "ip -6 route", "nslookup -type=aaaa a1"):
        env.exec("p1", cmd)
    for cmd in ("ping -c1 -W1 n2", "ping -4 -c1 -W1 n2", "ping -6 -c1 -W1 2001:db8:5::1", "ping -6 -c1 -W1 2001:db8:1::2"):
        env.exec("n1", cmd)
