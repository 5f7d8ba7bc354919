"""Conformance scenarios: plain docker-py code, run on both engines, observations compared.

Each scenario starts from a fresh engine (fresh host namespace, fresh data root) and records what
a learner would see. The docstring says what it checks; `covers` ties it to the items of the
simulated engine's specification (issue 2, item 3).
"""
from __future__ import annotations

import docker
from docker.types import IPAMConfig, IPAMPool

from .harness import Recorder, scenario

SLEEP = "sleep 600"


def run(env: Recorder, name: str, cmd: str = SLEEP, **kw):
    return env.client.containers.run("busybox", cmd, name=name, detach=True, **kw)


# -- networks ----------------------------------------------------------------------------------------
@scenario("networks: predefined", "networks: list")
def s_predefined_networks(env):
    """A fresh engine has bridge, host and none; their inspect documents match."""
    env.networks()
    for name in ("bridge", "host", "none"):
        env.network(name)


@scenario("networks: create bridge", "address management: default pools")
def s_user_bridge_defaults(env):
    """User-defined bridges take the next /16 from 172.18.0.0 up, with labels and options."""
    env.client.networks.create("front", labels={"lab": "one"})
    env.client.networks.create("back", options={"com.docker.network.bridge.name": "br-back"})
    env.network("front")
    env.network("back")
    env.networks()


@scenario("address management: pool rotation", "networks: remove")
def s_pool_rotation(env):
    """A removed network's pool is not reused at once: allocation keeps moving forward."""
    a = env.client.networks.create("net-a")
    env.client.networks.create("net-b")
    a.remove()
    env.client.networks.create("net-c")
    env.client.networks.create("net-a")
    for n in ("net-a", "net-b", "net-c"):
        env.note(f"subnet {n}", env.api.inspect_network(n)["IPAM"]["Config"])


@scenario("address management: user subnets", "networks: IPAM configs")
def s_user_subnets(env):
    """User subnets, gateways and IP ranges: what inspect shows and which addresses come out."""
    env.client.networks.create("fixed", ipam=IPAMConfig(pool_configs=[IPAMPool(subnet="10.10.0.0/24")]))
    env.client.networks.create("gw", ipam=IPAMConfig(pool_configs=[IPAMPool(subnet="10.40.0.0/24", gateway="10.40.0.254")]))
    env.client.networks.create("ranged", ipam=IPAMConfig(pool_configs=[IPAMPool(subnet="10.20.0.0/16", iprange="10.20.5.0/24")]))
    env.client.networks.create("hostbits", ipam=IPAMConfig(pool_configs=[IPAMPool(subnet="10.30.0.1/24")]))
    for n in ("fixed", "gw", "ranged", "hostbits"):
        env.network(n)
        run(env, f"c-{n}", network=n)
        env.note(f"address in {n}", env.api.inspect_container(f"c-{n}")["NetworkSettings"]["Networks"][n])
    env.client.networks.create("auto-after")
    env.network("auto-after")


@scenario("address management: overlaps", "networks: errors")
def s_overlaps_and_bad_ipam(env):
    """Overlapping pools, bad CIDRs and gateways give the engine's errors and leave nothing behind."""
    env.client.networks.create("first", ipam=IPAMConfig(pool_configs=[IPAMPool(subnet="10.50.0.0/16")]))
    c = env.client.networks
    env.attempt("overlap", c.create, "second", ipam=IPAMConfig(pool_configs=[IPAMPool(subnet="10.50.3.0/24")]))
    env.attempt("overlap auto pool", c.create, "third", ipam=IPAMConfig(pool_configs=[IPAMPool(subnet="172.18.0.0/16")]))
    env.attempt("bad cidr", c.create, "bad1", ipam=IPAMConfig(pool_configs=[IPAMPool(subnet="foo")]))
    env.attempt("bad prefix", c.create, "bad2", ipam=IPAMConfig(pool_configs=[IPAMPool(subnet="10.0.0.0/33")]))
    env.attempt("gateway outside", c.create, "bad3", ipam=IPAMConfig(pool_configs=[IPAMPool(subnet="10.60.0.0/24", gateway="10.61.0.1")]))
    env.attempt("bad gateway", c.create, "bad4", ipam=IPAMConfig(pool_configs=[IPAMPool(subnet="10.60.0.0/24", gateway="xx")]))
    env.attempt("bad range", c.create, "bad5", ipam=IPAMConfig(pool_configs=[IPAMPool(subnet="10.60.0.0/24", iprange="nope")]))
    env.networks()
    # The pool of the refused network with a bad gateway must be free again.
    env.attempt("pool free again", c.create, "good", ipam=IPAMConfig(pool_configs=[IPAMPool(subnet="10.60.0.0/24")]))


@scenario("networks: errors", "networks: predefined")
def s_network_errors(env):
    """Predefined names, unknown drivers, second host/null networks, overlay without swarm."""
    c = env.client.networks
    for name in ("bridge", "host", "none"):
        env.attempt(f"create {name}", c.create, name)
        env.attempt(f"remove {name}", env.api.remove_network, name)
    env.attempt("unknown driver", c.create, "n1", driver="foo")
    env.attempt("second host", c.create, "n2", driver="host")
    env.attempt("second null", c.create, "n3", driver="null")
    env.attempt("overlay without swarm", c.create, "n4", driver="overlay")
    env.attempt("empty name", c.create, "")
    env.attempt("inspect missing", env.api.inspect_network, "nope")
    env.attempt("remove missing", env.api.remove_network, "nope")
    env.attempt("ipv6 without pool", c.create, "v6", enable_ipv6=True)
    env.networks()


@scenario("networks: inspect by name, id, prefix")
def s_network_lookup(env):
    """Networks are found by full ID, name and ID prefix; two of one name are ambiguous (20.10)."""
    net = env.client.networks.create("lookup")
    env.attempt("by id", lambda: env.api.inspect_network(net.id)["Name"])
    env.attempt("by prefix", lambda: env.api.inspect_network(net.id[:6])["Name"])
    env.attempt("by name", lambda: env.api.inspect_network("lookup")["Name"])
    # Engine 20.10 lets the API create a second network of the same name unless CheckDuplicate
    # is set (docker-py does not set it; the CLI does). Engines 23+ refuse always.
    env.attempt("duplicate name", lambda: env.client.networks.create("lookup") and "created")
    env.attempt("ambiguous", env.api.inspect_network, "lookup")
    env.attempt("check duplicate", env.api.create_network, "lookup", check_duplicate=True)


@scenario("networks: list with filters")
def s_network_filters(env):
    """List filters: label (key and key=value), name (a pattern), driver, id, type."""
    env.client.networks.create("alpha", labels={"tier": "front", "lab": "x"})
    env.client.networks.create("beta", labels={"tier": "back", "lab": "x"})
    env.client.networks.create("alphabet", internal=True)
    names = lambda **f: sorted(n["Name"] for n in env.api.networks(**f))  # noqa: E731
    env.note("label lab", names(filters={"label": ["lab"]}))
    env.note("label tier=front", names(filters={"label": ["tier=front"]}))
    env.note("name alpha", names(names=["alpha"]))
    env.note("name regexp", names(filters={"name": ["^b"]}))
    env.note("driver bridge", names(filters={"driver": ["bridge"]}))
    env.note("driver null", names(filters={"driver": ["null"]}))
    env.note("type builtin", names(filters={"type": ["builtin"]}))
    env.note("type custom", names(filters={"type": ["custom"]}))
    net_id = env.api.inspect_network("beta")["Id"]
    env.note("id prefix", names(ids=[net_id[:10]]))


@scenario("networks: internal, attachable, labels, options")
def s_network_flags(env):
    """Internal and attachable bridges, options that the engine keeps, icc off."""
    env.client.networks.create("inner", internal=True)
    env.client.networks.create("attach", attachable=True, labels={"k": "v"})
    env.client.networks.create("noicc", options={"com.docker.network.bridge.enable_icc": "false"})
    for n in ("inner", "attach", "noicc"):
        env.network(n)


@scenario("networks: prune")
def s_network_prune(env):
    """Prune removes unused user networks (all, or by label) and keeps used ones."""
    env.client.networks.create("unused1", labels={"lab": "p"})
    env.client.networks.create("unused2")
    env.client.networks.create("used")
    run(env, "user1", network="used")
    env.note("prune by label", env.api.prune_networks(filters={"label": ["lab=p"]}))
    env.note("prune all", env.api.prune_networks())
    env.networks()


@scenario("networks: macvlan")
def s_macvlan(env):
    """Macvlan on the host's eth0: addresses, interfaces, who reaches whom."""
    c = env.client.networks
    env.attempt("macvlan without parent", c.create, "mv0", driver="macvlan")
    env.attempt("macvlan missing parent", c.create, "mv1", driver="macvlan", options={"parent": "eth9"})
    c.create("mvnet", driver="macvlan", options={"parent": "eth0"},
             ipam=IPAMConfig(pool_configs=[IPAMPool(subnet="10.99.0.0/24", iprange="10.99.0.128/25", gateway="10.99.0.1")]))
    env.network("mvnet")
    run(env, "mv-a", network="mvnet")
    run(env, "mv-b", network="mvnet")
    env.exec("mv-a", "ip addr")
    env.exec("mv-a", "ip route")
    env.exec("mv-a", "ping -c 1 -W 1 mv-b")


# -- containers --------------------------------------------------------------------------------------
@scenario("containers: inspect before and after start", "containers: default bridge")
def s_container_lifecycle(env):
    """A container on the default bridge: inspect when created, running, stopped, restarted."""
    api = env.api
    api.create_container("busybox", SLEEP, name="web", labels={"lab": "x"})
    env.container("web", "created")
    api.start("web")
    env.container("web", "running")
    api.stop("web", timeout=0)
    env.container("web", "stopped")
    api.start("web")
    env.container("web", "started again")
    api.restart("web", timeout=0)
    env.container("web", "restarted")
    api.kill("web")
    env.container("web", "killed")


@scenario("containers: network modes")
def s_network_modes(env):
    """Host, none, a named network and container:NAME: inspect, hostname, interfaces."""
    env.client.networks.create("app")
    run(env, "on-app", network="app")
    run(env, "hosty", network_mode="host")
    run(env, "hermit", network_mode="none")
    run(env, "sidecar", network_mode="container:on-app")
    for n in ("on-app", "hosty", "hermit", "sidecar"):
        env.container(n)
        env.exec(n, "hostname")
        env.exec(n, "ip addr")
        env.exec(n, "ip route")
    env.exec("sidecar", "cat /etc/hosts")
    env.exec("hermit", "cat /etc/hosts")


@scenario("containers: published ports")
def s_published_ports(env):
    """Every form docker-py sends for ports; what inspect and the list show."""
    api = env.api
    run(env, "pub1", ports={"80/tcp": 8080})
    run(env, "pub2", ports={"80/tcp": ("127.0.0.1", 8081), "81/udp": None, 82: [8082, 8083]})
    run(env, "pub3", ports={"90/tcp": None})
    run(env, "pub4", ports={"443/tcp": ("127.0.0.1",)})
    for n in ("pub1", "pub2", "pub3", "pub4"):
        env.container(n)
    env.containers()
    env.attempt("port taken", run, env, "pub5", ports={"80/tcp": 8080})
    env.container("pub5", "after a port clash")
    api.remove_container("pub5", force=True)
    env.attempt("bad port", run, env, "pub6", ports={"80/tcp": 99999})
    env.attempt("bad container port", run, env, "pub7", ports={"abc/tcp": 80})
    # docker-py refuses host mode with ports; the engine itself takes them and discards them.
    hc = api.create_host_config(network_mode="host")
    hc["PortBindings"] = {"80/tcp": [{"HostIp": "", "HostPort": "8088"}]}
    env.attempt("host mode with ports (raw API)", api.create_container, "busybox", SLEEP, name="pub8",
                host_config=hc, ports=[80])
    env.attempt("start it", api.start, "pub8")
    env.container("pub8")
    env.containers(all=True)


@scenario("containers: errors and name conflicts")
def s_container_errors(env):
    """Bad names, name conflicts, missing images and networks, no command, removing running ones."""
    c = env.client.containers
    api = env.api
    run(env, "web")
    env.attempt("one-letter name", c.create, "busybox", SLEEP, name="a")
    env.attempt("bad name", c.create, "busybox", SLEEP, name="bad name")
    env.attempt("name taken", c.create, "busybox", SLEEP, name="web")
    env.attempt("missing image", c.create, "alpine", SLEEP, name="alp")
    env.attempt("pull (offline)", lambda: env.client.images.pull("alpine", tag="latest") and "pulled")
    env.attempt("no command", c.create, "busybox", name="nocmd")
    env.attempt("no image, no command", api.create_container, "", name="noimg1")
    env.attempt("no image, a command", lambda: api.create_container("", ["sleep", "1"], name="noimg2") and "created")
    env.attempt("start without an image", api.start, "noimg2")
    env.container("noimg2", "image-less container")
    env.attempt("missing network at create", c.create, "busybox", SLEEP, name="mnet", network="nope")
    env.attempt("missing network at start", api.start, "mnet")
    env.container("mnet", "after failed start")
    env.attempt("missing command at start", run, env, "curler", "curl -s http://web")
    env.container("curler", "after failed start")
    env.attempt("remove running", api.remove_container, "web")
    env.attempt("get missing", c.get, "nope")
    env.attempt("stop missing", api.stop, "nope")
    env.attempt("start running", api.start, "web")
    api.stop("web", timeout=0)
    env.attempt("stop stopped", api.stop, "web", timeout=0)
    env.attempt("kill stopped", api.kill, "web")
    env.attempt("exec in stopped", api.exec_create, "web", "ls")
    env.attempt("remove stopped", api.remove_container, "web")
    env.containers(all=True)


@scenario("containers: list with filters")
def s_container_filters(env):
    """docker ps: all, and filters by label, name, network and status."""
    env.client.networks.create("front")
    run(env, "web", network="front", labels={"tier": "front"})
    run(env, "api", labels={"tier": "back"})
    env.api.create_container("busybox", SLEEP, name="idle", labels={"tier": "back"})
    names = lambda **kw: sorted(c["Names"][0] for c in env.api.containers(**kw))  # noqa: E731
    env.note("running", names())
    env.note("all", names(all=True))
    env.note("label tier", names(all=True, filters={"label": "tier"}))
    env.note("label tier=back", names(all=True, filters={"label": "tier=back"}))
    env.note("name we", names(all=True, filters={"name": "we"}))
    env.note("network front", names(filters={"network": "front"}))
    env.note("status created", names(filters={"status": "created"}))
    env.note("status running", names(filters={"status": "running"}))
    env.containers(all=True)


@scenario("containers: hostname and labels")
def s_hostname_labels(env):
    """Hostname and labels given at create; where they show."""
    env.client.networks.create("named")
    run(env, "named-host", hostname="server1", network="named", labels={"a": "1", "b": "2"})
    env.container("named-host")
    env.exec("named-host", "hostname")
    env.exec("named-host", "cat /etc/hosts")
    env.exec("named-host", "cat /etc/hostname")


# -- connect and disconnect ----------------------------------------------------------------------------
@scenario("networks: connect with aliases", "embedded DNS: aliases")
def s_connect_aliases(env):
    """Connect a running container with aliases; DNS answers the aliases; the default route moves."""
    env.client.networks.create("zeta")
    env.client.networks.create("alpha")
    run(env, "web", network="zeta", hostname="webhost")
    env.client.networks.get("alpha").connect("web", aliases=["www"])
    run(env, "client1", network="alpha")
    env.container("web")
    env.network("alpha")
    env.exec("web", "ip addr")
    env.exec("web", "ip route")
    env.exec("web", "cat /etc/hosts")
    env.exec("client1", "nslookup www")
    env.exec("client1", "ping -c 1 -W 1 www")
    env.exec("client1", "ping -c 1 -W 1 webhost")


@scenario("networks: connect with a static address")
def s_connect_static(env):
    """Static IPv4 addresses: accepted, taken, outside, on networks without user subnets."""
    api = env.api
    env.client.networks.create("fixed", ipam=IPAMConfig(pool_configs=[IPAMPool(subnet="10.10.0.0/24")]))
    env.client.networks.create("auto")
    run(env, "one")
    run(env, "two")
    fixed = env.client.networks.get("fixed")
    env.attempt("static ok", fixed.connect, "one", ipv4_address="10.10.0.50")
    env.attempt("static taken", fixed.connect, "two", ipv4_address="10.10.0.50")
    env.attempt("static gateway", fixed.connect, "two", ipv4_address="10.10.0.1")
    env.attempt("static outside", fixed.connect, "two", ipv4_address="10.11.0.5")
    env.attempt("static on auto network", env.client.networks.get("auto").connect, "two", ipv4_address="172.19.0.50")
    env.attempt("static on default bridge", env.client.networks.get("bridge").connect, "two", ipv4_address="172.17.0.50")
    env.container("one")
    api.create_container("busybox", SLEEP, name="three", networking_config=api.create_networking_config(
        {"fixed": api.create_endpoint_config(ipv4_address="10.10.0.50")}), host_config=api.create_host_config(network_mode="fixed"))
    env.attempt("start with a taken static address", api.start, "three")
    env.container("three", "after the failed start")
    env.exec("one", "ip addr")


@scenario("networks: connect and disconnect errors")
def s_connect_errors(env):
    """Connecting twice, modes that cannot connect, missing things, disconnecting what is not there."""
    net = env.client.networks.create("side")
    run(env, "web", network="side")
    run(env, "hosty", network_mode="host")
    run(env, "hermit", network_mode="none")
    run(env, "sidecar", network_mode="container:web")
    env.attempt("connect twice", net.connect, "web")
    env.attempt("connect host mode", net.connect, "hosty")
    env.attempt("connect none mode", net.connect, "hermit")
    env.attempt("connect container mode", net.connect, "sidecar")
    env.attempt("connect missing container", net.connect, "nope")
    env.attempt("connect to missing network", env.api.connect_container_to_network, "web", "nope")
    env.attempt("connect to host network", env.client.networks.get("host").connect, "web")
    env.attempt("disconnect missing container", net.disconnect, "nope")
    run(env, "other")
    env.attempt("disconnect not connected", net.disconnect, "other")
    env.attempt("remove network in use", net.remove)
    env.attempt("disconnect", net.disconnect, "web")
    env.container("web", "after disconnect")
    env.exec("web", "ip addr")


@scenario("networks: connect while stopped")
def s_connect_stopped(env):
    """Connecting and disconnecting a created container; the addresses arrive at start."""
    env.client.networks.create("later")
    env.api.create_container("busybox", SLEEP, name="web")
    env.client.networks.get("later").connect("web", aliases=["w1"])
    env.container("web", "created, connected")
    env.api.start("web")
    env.container("web", "started")
    env.client.networks.get("bridge").disconnect("web")
    env.container("web", "after leaving bridge")
    env.exec("web", "ip addr")


# -- addresses -----------------------------------------------------------------------------------------
@scenario("address management: reuse")
def s_address_reuse(env):
    """A removed or stopped container's address is reused at once by the next one."""
    api = env.api
    for n in ("c1", "c2", "c3"):
        run(env, n)
    api.remove_container("c2", force=True)
    run(env, "c4")
    api.stop("c1", timeout=0)
    run(env, "c5")
    api.start("c1")
    for n in ("c1", "c3", "c4", "c5"):
        env.note(f"address {n}", api.inspect_container(n)["NetworkSettings"]["IPAddress"])
    env.network("bridge")


# -- DNS, files ------------------------------------------------------------------------------------------
@scenario("embedded DNS: names and scope", "files: /etc/hosts and resolv.conf")
def s_dns_scope(env):
    """Names resolve on user-defined networks only, within the networks the asker shares."""
    env.client.networks.create("front")
    env.client.networks.create("back")
    run(env, "web", network="front")
    run(env, "db", network="back")
    run(env, "lonely")
    run(env, "lonely2")
    web_id = env.api.inspect_container("web")["Id"]
    env.exec("web", "cat /etc/resolv.conf")
    env.exec("web", "cat /etc/hosts")
    env.exec("web", "nslookup web")
    env.exec("web", f"nslookup {web_id[:12]}")
    env.exec("web", "nslookup db")
    env.exec("web", "ping -c 1 -W 1 db")
    env.exec("lonely", "cat /etc/hosts")
    env.exec("lonely", "ping -c 1 -W 1 lonely2")
    env.exec("lonely", "nslookup lonely2")


# -- reachability ---------------------------------------------------------------------------------------
@scenario("reachability: shared network and isolation")
def s_reach_isolation(env):
    """Same network: reachable. Different bridges: isolated. Gateways: the host answers."""
    env.client.networks.create("front")
    env.client.networks.create("back")
    run(env, "web", network="front")
    run(env, "api", network="front")
    run(env, "db", network="back")
    run(env, "lonely")
    ip = lambda n, net: env.api.inspect_container(n)["NetworkSettings"]["Networks"][net]["IPAddress"]  # noqa: E731
    gw = lambda net: env.api.inspect_network(net)["IPAM"]["Config"][0].get("Gateway", "172.17.0.1")  # noqa: E731
    env.exec("web", f"ping -c 1 -W 1 {ip('api', 'front')}")
    env.exec("web", f"ping -c 1 -W 1 {ip('db', 'back')}")
    env.exec("web", f"ping -c 1 -W 1 {ip('lonely', 'bridge')}")
    env.exec("lonely", f"ping -c 1 -W 1 {ip('web', 'front')}")
    env.exec("web", f"ping -c 1 -W 1 {gw('front')}")
    env.exec("web", f"ping -c 1 -W 1 {gw('back')}")
    env.exec("web", "ping -c 1 -W 1 10.99.0.11")


@scenario("reachability: several networks per container")
def s_reach_multi(env):
    """A container on two networks reaches both sides; the two sides still cannot reach each other."""
    env.client.networks.create("front")
    env.client.networks.create("back")
    run(env, "web", network="front")
    run(env, "api", network="front")
    env.client.networks.get("back").connect("api")
    run(env, "db", network="back")
    env.exec("api", "ping -c 1 -W 1 web")
    env.exec("api", "ping -c 1 -W 1 db")
    env.exec("web", "ping -c 1 -W 1 db")
    env.exec("db", "nslookup api")
    env.exec("web", "nslookup api")
    env.client.networks.get("back").disconnect("api")
    env.exec("api", "ping -c 1 -W 1 db")
    env.exec("api", "ip addr")


@scenario("reachability: internal networks")
def s_reach_internal(env):
    """An internal network: members reach each other by name, nothing outside, no default route."""
    env.client.networks.create("vault", internal=True)
    env.client.networks.create("front")
    run(env, "safe", network="vault")
    run(env, "teller", network="vault")
    run(env, "web", network="front")
    env.exec("safe", "ip route")
    env.exec("safe", "ping -c 1 -W 1 teller")
    gw = env.api.inspect_network("vault")["IPAM"]["Config"][0]["Gateway"]
    env.exec("safe", f"ping -c 1 -W 1 {gw}")
    web_ip = env.api.inspect_container("web")["NetworkSettings"]["Networks"]["front"]["IPAddress"]
    env.exec("safe", f"ping -c 1 -W 1 {web_ip}")
    safe_ip = env.api.inspect_container("safe")["NetworkSettings"]["Networks"]["vault"]["IPAddress"]
    env.exec("web", f"ping -c 1 -W 1 {safe_ip}")
    env.exec("safe", "cat /etc/resolv.conf")


@scenario("reachability: host and none modes")
def s_reach_modes(env):
    """Host mode is the host: it reaches every bridge. None mode reaches nothing."""
    env.client.networks.create("front")
    run(env, "web", "httpd -f -p 80", network="front")
    run(env, "hosty", network_mode="host")
    run(env, "hermit", network_mode="none")
    web_ip = env.api.inspect_container("web")["NetworkSettings"]["Networks"]["front"]["IPAddress"]
    env.exec("hosty", f"ping -c 1 -W 1 {web_ip}")
    env.exec("hosty", f"nc -w 1 {web_ip} 80")
    env.exec("hosty", "ping -c 1 -W 1 web")
    env.exec("hermit", f"ping -c 1 -W 1 {web_ip}")
    env.exec("hermit", "ping -c 1 -W 1 127.0.0.1")
    env.exec("hermit", "ip route")


@scenario("reachability: published ports")
def s_reach_published(env):
    """Published ports from the host, from the same network and from another network."""
    env.client.networks.create("other")
    run(env, "pub", "httpd -f -p 80", ports={"80/tcp": 8080})
    run(env, "local", "httpd -f -p 80", ports={"80/tcp": ("127.0.0.1", 8081)})
    run(env, "peer")
    run(env, "stranger", network="other")
    run(env, "hosty", network_mode="host")
    env.exec("hosty", "nc -w 1 127.0.0.1 8080")
    env.exec("hosty", "nc -w 1 172.17.0.1 8080")
    env.exec("hosty", "nc -w 1 127.0.0.1 8081")
    env.exec("hosty", "nc -w 1 172.17.0.1 8081")
    env.exec("hosty", "nc -w 1 127.0.0.1 8090")
    env.exec("peer", "nc -w 1 172.17.0.1 8080")
    env.exec("peer", "nc -w 1 172.17.0.1 8081")
    env.exec("peer", "nc -w 1 pub 80")
    env.exec("stranger", "nc -w 1 172.17.0.1 8080")


@scenario("reachability: servers and ports")
def s_reach_servers(env):
    """Servers started by the container's command: open, closed, and what wget gets."""
    env.client.networks.create("shop")
    run(env, "web", "sh -c 'echo hello from web > /index.html && httpd -f -p 80'", network="shop")
    run(env, "db", "nc -l -p 5432", network="shop")
    run(env, "client1", network="shop")
    env.exec("client1", "nc -w 1 db 5432")
    env.exec("client1", "nc -w 1 db 5433")
    env.exec("client1", "wget -O- http://web/")
    env.exec("client1", "wget -O- http://web/missing")
    env.exec("client1", "wget -O- http://web:81/")
    env.exec("client1", "nc -w 1 nope 80")


@scenario("reachability: icc off")
def s_reach_icc(env):
    """A bridge with inter-container traffic off: the gateway answers, neighbours do not."""
    env.client.networks.create("noicc", options={"com.docker.network.bridge.enable_icc": "false"})
    run(env, "one", network="noicc")
    run(env, "two", network="noicc")
    env.exec("one", "ping -c 1 -W 1 two")
    gw = env.api.inspect_network("noicc")["IPAM"]["Config"][0]["Gateway"]
    env.exec("one", f"ping -c 1 -W 1 {gw}")


# -- exec and busybox -------------------------------------------------------------------------------------
@scenario("exec: busybox commands")
def s_exec_basics(env):
    """Exit codes and output of plain commands, a missing command, shell lists."""
    run(env, "box")
    for cmd in ("true", "false", "echo hello", "sh -c 'exit 3'", "cat /nonexistent", "curl http://x",
                "bash", "sh -c 'echo one && echo two'", "sh -c 'false || echo fallback'", "hostname -i"):
        env.exec("box", cmd)
    r = env.client.containers.get("box").exec_run("echo high-level")
    env.note("exec_run", {"exit": r.exit_code, "output": r.output.decode()})


@scenario("exec: main commands that end")
def s_main_commands(env):
    """Containers whose command ends: status, exit code, logs."""
    run(env, "echoer", "echo hello")
    run(env, "daemon", "httpd -p 80")
    run(env, "failer", "sh -c 'exit 3'")
    import time
    time.sleep(0.5)
    for n in ("echoer", "daemon", "failer"):
        data = env.api.inspect_container(n)
        env.note(f"state {n}", {k: data["State"][k] for k in ("Status", "Running", "ExitCode", "Error")})
        env.note(f"logs {n}", env.api.logs(n).decode())


@scenario("images: list and inspect")
def s_images(env):
    """The lab image: listed, inspected; a missing image is NotFound."""
    imgs = env.api.images()
    env.note("image tags", sorted(t for i in imgs for t in i["RepoTags"]))
    data = env.api.inspect_image("busybox")
    env.note("image shape", sorted(data))
    env.note("image config cmd", data["Config"]["Cmd"])
    env.attempt("missing image", env.api.inspect_image, "alpine:3.19")
    env.attempt("ping", env.api.ping)
    v = env.api.version()
    env.note("version", {k: v[k] for k in ("ApiVersion", "MinAPIVersion", "Os", "Arch", "Version")})
    info = env.api.info()
    env.note("info keys", sorted(info))
    env.note("info swarm", info["Swarm"])


# -- more of the same, at the edges -------------------------------------------------------------------
@scenario("exec: raw stream and inspect")
def s_exec_protocol(env):
    """Exec create/start/inspect documents; a tty exec; a detached exec."""
    api = env.api
    run(env, "box")
    eid = api.exec_create("box", ["hostname"])["Id"]
    out = api.exec_start(eid)
    env.note("output", out.decode())
    env.note("inspect", api.exec_inspect(eid))
    eid = api.exec_create("box", ["sh", "-c", "echo out; echo err >&2"], tty=True)["Id"]
    env.note("tty output", api.exec_start(eid).decode())
    env.note("tty inspect", api.exec_inspect(eid))
    env.container("box")
    eid = api.exec_create("box", ["true"])["Id"]
    # (A detached exec stays in the container's ExecIDs for as long as the engine takes to reap
    # it: not compared.)
    env.note("detached", api.exec_start(eid, detach=True))
    env.attempt("start twice", api.exec_start, eid)
    env.attempt("missing exec", api.exec_inspect, "nope")


@scenario("embedded DNS: aliases are scoped to their network")
def s_dns_alias_scope(env):
    """An alias given on one network resolves there only; a container's name resolves on both."""
    env.client.networks.create("blue")
    env.client.networks.create("green")
    run(env, "web", network="blue")
    env.client.networks.get("green").connect("web", aliases=["shop"])
    run(env, "on-blue", network="blue")
    run(env, "on-green", network="green")
    env.exec("on-green", "nslookup shop")
    env.exec("on-green", "ping -c 1 -W 1 shop")
    env.exec("on-blue", "ping -c 1 -W 1 shop")
    env.exec("on-blue", "ping -c 1 -W 1 web")
    env.exec("on-green", "ping -c 1 -W 1 web")


@scenario("containers: container:NAME shares a namespace")
def s_shared_namespace(env):
    """A sidecar in container:web mode sees web's interfaces and reaches its servers on localhost."""
    env.client.networks.create("pod")
    run(env, "web", "httpd -f -p 80", network="pod")
    run(env, "sidecar", network_mode="container:web")
    run(env, "client1", network="pod")
    env.exec("sidecar", "nc -w 1 127.0.0.1 80")
    env.exec("sidecar", "ip addr")
    env.exec("sidecar", "cat /etc/resolv.conf")
    env.exec("sidecar", "nslookup client1")
    env.exec("client1", "ping -c 1 -W 1 sidecar")
    env.api.stop("web", timeout=0)
    env.container("sidecar", "after web stopped")
    env.exec("sidecar", "ip addr")


@scenario("reachability: host-mode servers and their clashes")
def s_host_mode_servers(env):
    """A host-mode server is on the host's addresses; a second one on the same port fails to bind."""
    run(env, "hostweb", "httpd -f -p 8000", network_mode="host")
    run(env, "client1")
    env.exec("client1", "nc -w 1 172.17.0.1 8000")
    env.exec("client1", "nc -w 1 10.99.0.11 8000")
    run(env, "hostweb2", "httpd -f -p 8000", network_mode="host")
    import time
    time.sleep(0.5)
    data = env.api.inspect_container("hostweb2")
    env.note("second server", {k: data["State"][k] for k in ("Status", "ExitCode")})
    env.note("second server logs", env.api.logs("hostweb2").decode())


@scenario("networks: remove with stopped containers")
def s_remove_network_stopped(env):
    """A network whose containers are all stopped can be removed; they then fail to start."""
    net = env.client.networks.create("temp")
    run(env, "web", network="temp")
    env.api.stop("web", timeout=0)
    env.attempt("remove", net.remove)
    env.attempt("start again", env.api.start, "web")
    env.container("web")
    env.networks()


@scenario("containers: publish all and udp")
def s_publish_all(env):
    """-P publishes every exposed port on the next free host ports."""
    api = env.api
    api.create_container("busybox", SLEEP, name="all", ports=[80, (53, "udp"), 443],
                         host_config=api.create_host_config(publish_all_ports=True))
    api.start("all")
    env.container("all")
    run(env, "next", ports={"80/tcp": None})
    env.container("next")
    env.containers()


@scenario("containers: lookups by id prefix and name")
def s_container_lookup(env):
    """Containers are found by full ID, ID prefix, name and /name; names are reusable after rm."""
    web = run(env, "web")
    env.attempt("by prefix", lambda: env.api.inspect_container(web.id[:8])["Name"])
    env.attempt("by slash name", lambda: env.api.inspect_container("/web")["Name"])
    env.api.remove_container("web", force=True)
    env.attempt("gone", env.api.inspect_container, web.id)
    again = run(env, "web")
    env.attempt("name reused", lambda: env.api.inspect_container("web")["Id"] == again.id)


@scenario("exec: busybox network tools")
def s_network_tools(env):
    """ping counts, traceroute, wget, nc listeners: the tools' own output formats."""
    env.client.networks.create("lab")
    run(env, "web", "sh -c 'echo it works > /index.html && httpd -f -p 80'", network="lab")
    run(env, "listener", "nc -l -p 7000", network="lab")
    run(env, "client1", network="lab")
    env.exec("client1", "ping -c 2 -W 1 web")
    env.exec("client1", "traceroute -n -m 3 -w 1 web")
    env.exec("client1", "wget -q -O- http://web/")
    env.exec("client1", "nc -w 1 listener 7000")
    import time
    time.sleep(0.3)
    data = env.api.inspect_container("listener")
    env.note("listener after one connection", {k: data["State"][k] for k in ("Status", "ExitCode")})
    env.exec("client1", "ip link")
    env.exec("client1", "hostname -i")


@scenario("embedded DNS: reverse lookups and NAME.NETWORK")
def s_dns_reverse(env):
    """The embedded DNS answers PTR queries with CONTAINER.NETWORK, and NAME.NETWORK queries."""
    env.client.networks.create("front")
    run(env, "web", network="front")
    run(env, "api", network="front")
    ip = env.api.inspect_container("api")["NetworkSettings"]["Networks"]["front"]["IPAddress"]
    env.exec("web", f"nslookup {ip}")
    env.exec("web", "nslookup api.front")
    env.exec("web", "ping -c 1 -W 1 API")
    env.exec("web", "nslookup -type=a api")
    env.exec("web", "traceroute -m 2 -w 1 api")


@scenario("files: /etc/hosts when networks come and go")
def s_hosts_file_changes(env):
    """A line per network joined while running; a disconnect drops every one of them."""
    env.client.networks.create("front")
    env.client.networks.create("back")
    run(env, "web", network="front")
    env.client.networks.get("back").connect("web")
    env.exec("web", "cat /etc/hosts")
    env.exec("web", "hostname -i")
    env.client.networks.get("front").disconnect("web")
    env.exec("web", "cat /etc/hosts")
    env.exec("web", "ip addr")
    env.api.restart("web", timeout=0)
    env.exec("web", "cat /etc/hosts")


@scenario("exec: identity commands")
def s_identity(env):
    """Who and where a process is: id, whoami, pwd, env, hostname flags, in each mode."""
    run(env, "box")
    run(env, "hermit", network_mode="none")
    for cmd in ("id", "whoami", "pwd", "env", "hostname -s", "hostname -d", "cat /etc/hostname"):
        env.exec("box", cmd)
    env.exec("hermit", "hostname -i")
    env.exec("hermit", "cat /etc/resolv.conf")
    env.exec("hermit", "nslookup box")
    env.exec("hermit", "ping -c 1 -W 1 box")


@scenario("exec: ip variants")
def s_ip_variants(env):
    """busybox ip: -o, -4, -6, route get, neigh, -br (not supported), unknown devices."""
    env.client.networks.create("front")
    run(env, "web", network="front")
    run(env, "hermit", network_mode="none")
    for cmd in ("ip -o -4 addr", "ip -4 addr", "ip -6 addr", "ip a show eth0", "ip addr show dev eth0",
                "ip route get 172.17.0.1", "ip route get 172.18.0.1", "ip -br addr", "ip addr show eth5",
                "ip neigh", "ip r"):
        env.exec("web", cmd)
    env.exec("hermit", "ip route get 172.18.0.2")
    env.exec("hermit", "ip link")


@scenario("exec: ping options")
def s_ping_options(env):
    """ping's -c, -q and -w, answered and not."""
    env.client.networks.create("front")
    env.client.networks.create("back")
    run(env, "web", network="front")
    run(env, "api", network="front")
    run(env, "db", network="back")
    db_ip = env.api.inspect_container("db")["NetworkSettings"]["Networks"]["back"]["IPAddress"]
    env.exec("web", "ping -c 3 api")
    env.exec("web", "ping -q -c 2 api")
    env.exec("web", "ping -w 2 api")
    env.exec("web", "ping -c 2 -w 1 api")
    env.exec("web", f"ping -c 2 -W 1 {db_ip}")
    env.exec("web", "ping -c 1 -W 1 172.18.0.99")


@scenario("exec: nc and wget edge cases")
def s_nc_wget(env):
    """Options busybox lacks, ports nobody has, a missing page, saving to a file, -T."""
    env.client.networks.create("shop")
    run(env, "web", "sh -c 'echo hello > /index.html && httpd -f -p 80'", network="shop")
    run(env, "client1", network="shop")
    run(env, "hermit", network_mode="none")
    env.exec("client1", "nc -z web 80")
    env.exec("client1", "nc -v -w 1 web 80")
    env.exec("client1", "nc")
    env.exec("client1", "nc -w 1 web")
    env.exec("client1", "nc -w 5 172.18.0.99 80")
    env.exec("client1", "nc -w 1 172.18.0.99 80")
    env.exec("client1", "wget -O /page.html http://web/")
    env.exec("client1", "cat /page.html")
    env.exec("client1", "wget -O- web")
    env.exec("client1", "wget -q -O- http://web/nothing")
    env.exec("client1", "wget --spider http://web/")
    env.exec("client1", "wget -T 2 -O- http://web/")
    env.exec("hermit", "wget -O- http://172.18.0.2/")
    env.exec("hermit", "nc -w 1 172.18.0.2 80")


@scenario("reachability: published ports from every kind of network")
def s_published_matrix(env):
    """A port published on 0.0.0.0 and one on 127.0.0.1, tried from each kind of network."""
    env.client.networks.create("front")
    env.client.networks.create("vault", internal=True)
    run(env, "pub", "httpd -f -p 80", network="front", ports={"80/tcp": 8080})
    run(env, "publo", "httpd -f -p 80", network="front", ports={"80/tcp": ("127.0.0.1", 8081)})
    run(env, "peer", network="front")
    run(env, "lonely")
    run(env, "inside", network="vault")
    run(env, "hosty", network_mode="host")
    gw_front = env.api.inspect_network("front")["IPAM"]["Config"][0]["Gateway"]
    gw_vault = env.api.inspect_network("vault")["IPAM"]["Config"][0]["Gateway"]
    for src, dst in (("peer", f"{gw_front} 8080"), ("peer", "172.17.0.1 8080"), ("peer", "127.0.0.1 8080"),
                     ("lonely", f"{gw_front} 8080"), ("lonely", "172.17.0.1 8081"),
                     ("inside", f"{gw_vault} 8080"), ("inside", f"{gw_vault} 81"), ("inside", "172.17.0.1 8080"),
                     ("pub", f"{gw_front} 8080"),
                     ("hosty", "127.0.0.1 8080"), ("hosty", "127.0.0.1 8081"), ("hosty", "172.17.0.1 8081"),
                     ("hosty", "10.99.0.11 8080")):
        env.exec(src, f"nc -w 1 {dst}")
    env.exec("inside", "ping -c 1 -W 1 172.17.0.1")


@scenario("reachability: traceroute across networks")
def s_traceroute(env):
    """traceroute to the same network, to the gateway, and to an isolated network (the gateway, then nothing)."""
    env.client.networks.create("front")
    env.client.networks.create("back")
    run(env, "web", network="front")
    run(env, "db", network="back")
    run(env, "hosty", network_mode="host")
    db_ip = env.api.inspect_container("db")["NetworkSettings"]["Networks"]["back"]["IPAddress"]
    env.exec("web", "traceroute -n -m 3 -w 1 172.18.0.1")
    env.exec("web", f"traceroute -n -m 3 -w 1 {db_ip}")
    env.exec("hosty", f"traceroute -n -m 3 -w 1 {db_ip}")
    env.exec("web", "traceroute -n -q 1 -m 2 -w 1 127.0.0.1")


@scenario("containers: servers as main commands")
def s_main_servers(env):
    """nc -l serves one connection and ends the container; nc -lk is refused; httpd -h missing folder."""
    env.client.networks.create("shop")
    run(env, "once", "nc -l -p 7000", network="shop")
    run(env, "keeper", "nc -lk -p 7001", network="shop")
    run(env, "nodir", "httpd -f -p 80 -h /www", network="shop")
    run(env, "client1", network="shop")
    env.exec("client1", "sh -c 'echo hi | nc -w 1 once 7000'")
    import time
    time.sleep(0.5)
    for n in ("once", "keeper", "nodir"):
        data = env.api.inspect_container(n)
        env.note(f"state {n}", {k: data["State"][k] for k in ("Status", "ExitCode")})
        env.note(f"logs {n}", env.api.logs(n).decode())


@scenario("containers: what docker ps shows of networks", "containers: published ports")
def s_list_view(env):
    """The container list holds no aliases; a host address the engine cannot parse publishes on all."""
    api = env.api
    env.client.networks.create("front")
    env.client.networks.create("back")
    api.create_container("busybox", SLEEP, name="web", networking_config=api.create_networking_config(
        {"front": api.create_endpoint_config(aliases=["fw"])}), host_config=api.create_host_config(network_mode="front"))
    api.start("web")
    api.connect_container_to_network("web", "back", aliases=["www"])
    env.containers()
    api.create_container("busybox", SLEEP, name="oddip", ports=[80],
                         host_config=api.create_host_config(port_bindings={80: ("1.2.3.999", 8080)}))
    env.container("oddip", "created with an odd host address")
    api.start("oddip")
    env.container("oddip", "started")


# -- swarm and overlays (several hosts) ------------------------------------------------------------------
def swarm_of(env, n: int) -> None:
    """host1 initialises a swarm; hosts 2..n join it as workers. The real engine builds each
    node's ingress sandbox and docker_gwbridge in the background (about a second): wait for them."""
    env.client.swarm.init(advertise_addr="eth0")
    token = env.api.inspect_swarm()["JoinTokens"]["Worker"]
    for i in range(2, n + 1):
        env.on(i).client.swarm.join(["10.99.0.11:2377"], join_token=token)
    for i in range(1, n + 1):
        api = env.on(i).api

        def ready() -> bool:
            try:
                return "ingress-sbox" in (api.inspect_network("docker_gwbridge").get("Containers") or {})
            except docker.errors.NotFound:
                return False
        env.wait(ready)


def node_summary(env) -> list:
    return sorted((n["Description"]["Hostname"], n["Spec"]["Role"], n["Status"]["State"], n["Status"]["Addr"],
                   n["Spec"]["Availability"]) for n in env.api.nodes())


@scenario("swarm: init, join, nodes", hosts=3)
def s_swarm_init_join(env):
    """init with advertise_addr="eth0", workers join with the token; nodes only on managers."""
    w = env.on(2)
    env.note("before init", env.api.info()["Swarm"])
    env.attempt("nodes before init", env.api.nodes)
    env.attempt("leave before init", env.api.leave_swarm)
    swarm_of(env, 3)
    env.note("manager info", env.api.info()["Swarm"])
    env.note("worker info", w.api.info()["Swarm"])
    data = env.api.inspect_swarm()
    env.note("swarm inspect keys", sorted(data))
    env.note("swarm spec", data["Spec"])
    env.note("pools", (data["DefaultAddrPool"], data["SubnetSize"], data["DataPathPort"]))
    env.note("nodes", node_summary(env))
    for node in sorted(env.api.nodes(), key=lambda n: n["Description"]["Hostname"]):
        env.note(f"node keys of {node['Description']['Hostname']}", (sorted(node), sorted(node["Description"])))
    env.attempt("init again", env.client.swarm.init, advertise_addr="eth0")
    env.attempt("join again", w.client.swarm.join, ["10.99.0.11:2377"], join_token=data["JoinTokens"]["Worker"])
    env.attempt("nodes on a worker", w.api.nodes)
    env.attempt("services on a worker", w.api.services)
    env.attempt("last manager leaves", env.api.leave_swarm)
    env.attempt("remove an active node", env.api.remove_node, node_id_of(env, "host2"))
    env.attempt("remove a missing node", env.api.remove_node, "nosuchnode")


def node_id_of(env, hostname: str) -> str:
    return next(n["ID"] for n in env.api.nodes() if n["Description"]["Hostname"] == hostname)


@scenario("swarm: bad joins", hosts=2)
def s_swarm_bad_join(env):
    """A malformed token is refused at once; an init on a bad address too."""
    w = env.on(2)
    env.attempt("init on a missing interface", env.client.swarm.init, advertise_addr="eth9")
    swarm_of(env, 1)
    env.attempt("join with a malformed token", w.client.swarm.join, ["10.99.0.11:2377"], join_token="abc")
    env.note("worker after a failed join", w.api.info()["Swarm"])


@scenario("overlay: networks on managers and workers", hosts=2)
def s_overlay_networks(env):
    """Overlay networks: subnets in order, VXLAN IDs, who lists them, what they refuse."""
    w = env.on(2)
    swarm_of(env, 2)
    env.networks("manager list after init")
    w.networks("worker list after join")
    env.network("ingress")
    env.network("docker_gwbridge")
    w.network("docker_gwbridge")
    c = env.client.networks
    c.create("ov", driver="overlay", attachable=True)
    c.create("ovint", driver="overlay", attachable=True, internal=True)
    c.create("ovfix", driver="overlay", ipam=IPAMConfig(pool_configs=[IPAMPool(subnet="10.77.0.0/24")]))
    c.create("ovlab", driver="overlay", labels={"lab": "x"})
    for name in ("ov", "ovint", "ovfix", "ovlab"):
        env.wait(lambda: env.api.inspect_network(name)["IPAM"]["Config"] is not None)
    env.network("ov")
    env.network("ovfix")
    env.network("ovlab")
    env.networks("manager list")
    w.networks("worker list before use")
    w.attempt("inspect on a worker before use", w.api.inspect_network, "ov")
    env.attempt("same name again", c.create, "ov", driver="overlay")
    env.attempt("second ingress", c.create, "ingress2", driver="overlay", ingress=True)
    w.attempt("create on a worker", w.client.networks.create, "ovw", driver="overlay")
    env.attempt("run on a non-attachable overlay", run, env, "na", network="ovlab")
    env.attempt("remove ovint", env.api.remove_network, "ovint")
    c.create("ovnext", driver="overlay")
    # The manager allocates a new overlay's subnet a moment after create returns.
    env.wait(lambda: env.api.inspect_network("ovnext")["IPAM"]["Config"] is not None)
    env.note("next subnet", env.api.inspect_network("ovnext")["IPAM"]["Config"])


@scenario("overlay: containers on two hosts", hosts=2)
def s_overlay_containers(env):
    """Standalone containers on an attachable overlay: interfaces, routes, names and pings across hosts."""
    w = env.on(2)
    swarm_of(env, 2)
    env.client.networks.create("ov", driver="overlay", attachable=True)
    run(env, "c1", network="ov")
    run(w, "c2", network="ov")
    run(env, "c1b", network="ov")
    env.container("c1")
    for cmd in ("ip addr", "ip route", "cat /etc/hosts", "cat /etc/resolv.conf", "hostname -i",
                "ping -c 1 -W 1 c2", "nslookup c2", "ping -c 1 -W 1 c1b", "ping -c 1 -W 1 10.0.1.1",
                "ping -c 1 -W 1 10.99.0.12", "traceroute -n -q 1 -w 1 -m 3 10.99.0.12", "nslookup c2.ov"):
        env.exec("c1", cmd)
    w.exec("c2", "ip addr")
    w.exec("c2", "ping -c 1 -W 1 c1")
    env.network("ov")
    w.network("ov")
    env.network("docker_gwbridge")
    w.networks("worker list while used")
    w.client.containers.get("c2").remove(force=True)
    # The engine lets go of the network in the background: wait until the worker has.
    env.wait(lambda: "ov" not in [n["Name"] for n in w.api.networks()])
    w.networks("worker list after")
    w.attempt("inspect on the worker after", w.api.inspect_network, "ov")
    # (Peers drops host2 later, when the engines' gossip notices: not compared.)
    env.note("manager's endpoints after c2 went", env.api.inspect_network("ov")["Containers"])


@scenario("overlay: internal overlays and connecting bridges", hosts=2)
def s_overlay_internal(env):
    """An internal overlay has no way out; a bridge container connected to an overlay gets no gwbridge."""
    w = env.on(2)
    swarm_of(env, 2)
    env.client.networks.create("ovint", driver="overlay", attachable=True, internal=True)
    env.client.networks.create("ov", driver="overlay", attachable=True)
    run(env, "i1", network="ovint")
    run(w, "i2", network="ovint")
    env.exec("i1", "ip addr")
    env.exec("i1", "ip route")
    env.exec("i1", "ping -c 1 -W 1 i2")
    env.exec("i1", "ping -c 1 -W 1 10.99.0.12")
    run(env, "br1")
    env.client.networks.get("ov").connect("br1")
    run(w, "c2", network="ov")
    env.exec("br1", "ip addr")
    env.exec("br1", "ip route")
    env.exec("br1", "ping -c 1 -W 1 c2")
    env.attempt("connect twice", env.client.networks.get("ov").connect, "br1")
    env.client.networks.get("ov").disconnect("br1")
    env.exec("br1", "ip addr")


@scenario("services: replicated and global, DNS", hosts=3)
def s_services(env):
    """A global service: one task per node; its name resolves to the virtual IP, tasks.NAME to the tasks."""
    swarm_of(env, 3)
    env.client.networks.create("ov", driver="overlay", attachable=True)
    run(env, "client1", network="ov")
    env.client.services.create("busybox", ["sleep", "600"], name="svc", networks=["ov"],
                               mode=docker.types.ServiceMode("global"))
    running = lambda: sum(t["Status"]["State"] == "running" for t in env.api.tasks(filters={"service": "svc"}))  # noqa: E731
    env.note("all tasks running", env.wait(lambda: running() == 3))
    svc = env.api.inspect_service("svc")
    env.note("service spec", svc["Spec"])
    env.note("service endpoint", svc["Endpoint"])
    tasks = env.api.tasks(filters={"service": "svc"})
    env.note("task nodes", sorted(next(n["Description"]["Hostname"] for n in env.api.nodes() if n["ID"] == t["NodeID"])
                                  for t in tasks))
    env.note("task addresses", sorted(a for t in tasks for na in t["NetworksAttachments"] for a in na["Addresses"]))
    env.note("task keys", sorted(tasks[0]))
    env.exec("client1", "nslookup svc")

    def answers() -> list[str]:
        res = env.api.exec_start(env.api.exec_create("client1", ["nslookup", "tasks.svc"])["Id"]).decode()
        return sorted(line for line in res.splitlines() if line.startswith("Address: "))
    # The other nodes' tasks reach the embedded DNS by gossip, a moment after they run.
    env.wait(lambda: len(answers()) == 3, timeout=30)
    env.note("tasks.svc answers", answers())
    env.attempt("same name again", env.client.services.create, "busybox", ["sleep", "600"], name="svc")
    env.attempt("unknown network", env.client.services.create, "busybox", ["sleep", "600"], name="svc2",
                networks=["nosuchnet"])
    env.attempt("bad name", env.client.services.create, "busybox", ["sleep", "600"], name="bad name!")
    env.attempt("remove the network in use", env.api.remove_network, "ov")
    env.attempt("inspect a missing service", env.api.inspect_service, "nosuch")
    env.attempt("create on a worker", env.on(2).client.services.create, "busybox", ["sleep", "600"], name="w")


@scenario("services: virtual IP and routing mesh", hosts=2,
          documented_only="IPVS: this kernel has no IP_VS, so virtual IPs and the ingress routing mesh do not "
                          "answer on the real engine here (`labkit doctor` lists the kernel's features)")
def s_service_vip(env):
    """Docker's documentation: a service's virtual IP answers and balances over its tasks; a published
    port answers on every node, whichever node runs the task (the routing mesh)."""
    swarm_of(env, 2)
    env.client.networks.create("ov", driver="overlay", attachable=True)
    run(env, "client1", network="ov")
    env.client.services.create("busybox", ["httpd", "-f", "-p", "80"], name="web", networks=["ov"],
                               endpoint_spec=docker.types.EndpointSpec(ports={8080: 80}))
    ping = env.exec("client1", "ping -c 1 -W 1 web")
    assert ping["exit"] == 0, ping
    port = env.exec("client1", "nc -w 1 web 80")
    assert port["exit"] == 0, port
    for underlay in ("10.99.0.11", "10.99.0.12"):
        mesh = env.exec("client1", f"nc -w 1 {underlay} 8080")
        assert mesh["exit"] == 0, mesh
    vips = env.api.inspect_service("web")["Endpoint"]["VirtualIPs"]
    assert len(vips) == 2, vips  # one on ingress, one on ov


@scenario("overlay: encrypted overlays", hosts=2,
          documented_only="ESP: this kernel has no INET_ESP, so an encrypted overlay carries no traffic between "
                          "hosts on the real engine here (`labkit doctor` lists the kernel's features)")
def s_overlay_encrypted(env):
    """Docker's documentation: --opt encrypted adds IPsec (ESP) between hosts; containers still talk by name."""
    w = env.on(2)
    swarm_of(env, 2)
    env.client.networks.create("secure", driver="overlay", attachable=True, options={"encrypted": ""})
    assert env.api.inspect_network("secure")["Options"]["encrypted"] == ""
    run(env, "e1", network="secure")
    run(w, "e2", network="secure")
    res = env.exec("e1", "ping -c 1 -W 1 e2")
    assert res["exit"] == 0, res


@scenario("swarm: a worker leaves", hosts=2)
def s_swarm_leave(env):
    """A worker that leaves: its overlay containers lose their overlay and gwbridge interfaces."""
    w = env.on(2)
    swarm_of(env, 2)
    env.client.networks.create("ov", driver="overlay", attachable=True)
    run(w, "c2", network="ov")
    w.attempt("leave", w.api.leave_swarm)
    w.note("info after leave", w.api.info()["Swarm"])
    w.container("c2")
    w.exec("c2", "ip addr")
    w.networks("networks after leave")
    w.attempt("leave again", w.api.leave_swarm)
    env.attempt("manager leaves with force", env.api.leave_swarm, force=True)
    env.networks("manager networks after leaving")


@scenario("reachability: an internal and an ordinary network together")
def s_internal_and_ordinary(env):
    """A container on an ordinary and an internal network: its default route comes from the
    ordinary one, whatever the names."""
    env.client.networks.create("back", internal=True)
    env.client.networks.create("front")
    run(env, "web", network="front")
    env.client.networks.get("back").connect("web")
    run(env, "db", network="back")
    env.exec("web", "ip route")
    env.exec("web", "ping -c 1 -W 1 db")
    env.exec("db", "ip route")


@scenario("exec: interfaces as files, ip options")
def s_sysfs_and_ip_options(env):
    """/sys/class/net lists a namespace's interfaces; ip -o joins lines; busybox's ip has no -d."""
    run(env, "web")
    run(env, "hosty", network_mode="host")
    for cmd in ("ip -o link", "ip -d link", "ls /sys/class/net", "cat /sys/class/net/eth0/mtu",
                "cat /sys/class/net/eth0/address", "ls /nope"):
        env.exec("web", cmd)
    env.exec("hosty", "ls /sys/class/net")
    env.exec("hosty", "cat /sys/class/net/docker0/mtu")


@scenario("overlay: an encrypted overlay's interface", hosts=2)
def s_overlay_encrypted_mtu(env):
    """--opt encrypted: the network and its containers come up as usual; ESP's headers take 26
    bytes more of the MTU (1424). (Traffic between hosts is the documented-only scenario.)"""
    swarm_of(env, 2)
    env.client.networks.create("secure", driver="overlay", attachable=True, options={"encrypted": ""})
    env.wait(lambda: env.api.inspect_network("secure")["IPAM"]["Config"] is not None)
    env.network("secure")
    run(env, "e1", network="secure")
    run(env, "e1b", network="secure")
    env.exec("e1", "ip addr show eth0")
    env.exec("e1", "ping -c 1 -W 1 e1b")


@scenario("containers: published ports", "reachability: published ports")
def s_published_addresses(env):
    """Which address families a binding gets, how clashes read, and docker-proxy in front of a
    published port whose container does not listen."""
    def ports(name):
        return env.api.inspect_container(name)["NetworkSettings"]["Ports"]
    run(env, "v4only", ports={"80/tcp": ("0.0.0.0", 8084)})
    run(env, "v6only", ports={"80/tcp": ("::", 8085)})
    env.note("0.0.0.0 only", ports("v4only"))
    env.note(":: only", ports("v6only"))
    run(env, "lo1", ports={"80/tcp": ("127.0.0.1", 8080)})
    env.attempt("every address after loopback", run, env, "all1", ports={"80/tcp": ("0.0.0.0", 8080)})
    run(env, "all2", ports={"80/tcp": 8081})
    env.attempt("loopback after every address", run, env, "lo2", ports={"80/tcp": ("127.0.0.1", 8081)})
    env.attempt("the same address again", run, env, "lo3", ports={"80/tcp": ("127.0.0.1", 8080)})
    run(env, "pub", ports={"80/tcp": 8090})  # sleeps: nothing listens on 80
    run(env, "hosty", network_mode="host")
    run(env, "peer")
    env.client.networks.create("other")
    run(env, "stranger", network="other")
    for src, cmd in (("hosty", "nc -w 1 127.0.0.1 8090"), ("hosty", "nc -w 1 172.17.0.1 8090"),
                     ("hosty", "nc -w 1 10.99.0.11 8090"), ("peer", "nc -w 1 172.17.0.1 8090"),
                     ("stranger", "nc -w 1 172.17.0.1 8090"), ("stranger", "nc -w 1 172.18.0.1 8090")):
        env.exec(src, cmd)
    # wget through docker-proxy with nothing behind it: the proxy closes or resets the connection,
    # whichever comes first ("error getting response", with or without ": Connection reset by peer").
    res = env.api.exec_create("hosty", ["wget", "-O-", "http://127.0.0.1:8090/"])
    out = env.api.exec_start(res["Id"], demux=True)
    env.note("wget through docker-proxy", (env.api.exec_inspect(res["Id"])["ExitCode"],
                                           (out[1] or b"").decode().split(": Connection reset")[0].rstrip("\n")))


@scenario("exec: text tools in pipes")
def s_text_tools(env):
    """grep, head, tail, wc, sort, cut: enough for `ip route | grep default` and the like."""
    run(env, "box")
    for cmd in ("grep nameserver /etc/resolv.conf", "sh -c 'ip route | grep default'", "grep -c lo /etc/hosts",
                "grep -q x /etc/hosts", "grep nope /etc/hosts", "grep x /nope", "head -n 2 /etc/hosts",
                "tail -n 1 /etc/hosts", "sh -c 'ip addr | wc -l'", "sh -c 'cat /etc/hosts | sort'",
                "sh -c 'ip route | cut -d \" \" -f 1'", "sh -c 'grep -v ip6 /etc/hosts | head -n 1'"):
        env.exec("box", cmd)


@scenario("networks: ipvlan and macvlan on the underlay", "containers: network modes")
def s_vlan_drivers(env):
    """ipvlan: the network is made, its containers fail (no ipvlan in this kernel). macvlan
    containers reach the underlay's switch but not their own host."""
    c = env.client.networks
    c.create("iv", driver="ipvlan", options={"parent": "eth0"},
             ipam=IPAMConfig(pool_configs=[IPAMPool(subnet="10.98.0.0/24")]))
    env.network("iv")
    env.attempt("run on ipvlan", run, env, "iv1", network="iv")
    env.container("iv1", "after the failed start")
    c.create("mv", driver="macvlan", options={"parent": "eth0"},
             ipam=IPAMConfig(pool_configs=[IPAMPool(subnet="10.99.0.0/24", iprange="10.99.0.128/25",
                                                    gateway="10.99.0.1")]))
    run(env, "mv1", network="mv")
    env.exec("mv1", "ping -c 1 -W 1 10.99.0.1")
    env.exec("mv1", "ping -c 1 -W 1 10.99.0.11")
    run(env, "hosty", network_mode="host")
    env.exec("hosty", "ping -c 1 -W 1 10.99.0.1")


@scenario("containers: leaving none")
def s_leave_none(env):
    """A container on none can leave it, and then join another network."""
    run(env, "hermit", network_mode="none")
    # (Which of ping's two streams reaches docker exec first is a race: each is compared apart.)
    env.exec("hermit", "ping -c 1 -W 1 172.17.0.1")
    env.attempt("connect while on none", env.client.networks.get("bridge").connect, "hermit")
    env.attempt("disconnect none", env.client.networks.get("none").disconnect, "hermit")
    env.attempt("connect bridge", env.client.networks.get("bridge").connect, "hermit")
    env.container("hermit")
    env.exec("hermit", "ip addr")


@scenario("exec: netstat")
def s_netstat(env):
    """netstat: the listening sockets of a namespace (the embedded DNS server's ports are random)."""
    env.client.networks.create("front")
    run(env, "web", "httpd -f -p 80", network="front")
    run(env, "lonely", "httpd -f -p 8000")
    run(env, "hosty", "httpd -f -p 8001", network_mode="host")
    for src in ("web", "lonely", "hosty"):
        env.exec(src, "netstat -tln")
    env.exec("web", "netstat -ln")
    env.exec("web", "netstat -tlnp")


@scenario("services: replicated and global, DNS", hosts=3)
def s_service_replicas(env):
    """A replicated service of 3 on 3 nodes: one task each; its virtual IP comes first, then the tasks."""
    swarm_of(env, 3)
    env.client.networks.create("ov", driver="overlay", attachable=True)
    env.client.services.create("busybox", ["sleep", "600"], name="rep", networks=["ov"],
                               mode=docker.types.ServiceMode("replicated", replicas=3))
    running = lambda: sum(t["Status"]["State"] == "running" for t in env.api.tasks(filters={"service": "rep"}))  # noqa: E731
    env.note("all tasks running", env.wait(lambda: running() == 3))
    tasks = env.api.tasks(filters={"service": "rep"})
    hostname = {n["ID"]: n["Description"]["Hostname"] for n in env.api.nodes()}
    env.note("one task per node", sorted(hostname[t["NodeID"]] for t in tasks))
    env.note("slots", sorted(t["Slot"] for t in tasks))
    env.note("virtual IP", env.api.inspect_service("rep")["Endpoint"]["VirtualIPs"][0]["Addr"])
    env.note("task addresses", sorted(a for t in tasks for na in t["NetworksAttachments"] for a in na["Addresses"]))
    # (Which slot lands on which node among equally loaded ones is the scheduler's choice: not compared.)
    env.on(2).networks("worker list with a task")


@scenario("containers: errors and name conflicts", "networks: connect and disconnect errors")
def s_refusals_in_order(env):
    """What the engine refuses first: conflicting options, image names, tiny subnets, the order of
    connect's checks."""
    api = env.api
    run(env, "web")
    env.attempt("container mode with a port", run, env, "side1", network_mode="container:web",
                ports={"80/tcp": 8080})
    env.attempt("container mode with a hostname", run, env, "side2", network_mode="container:web",
                hostname="other")
    for image in ("BusyBox", "a" * 300, "::", "busy box", "busybox:"):
        env.attempt(f"image {image[:20]!r}", api.create_container, image, SLEEP, name="img")
    for subnet in ("10.31.0.0/31", "10.32.0.1/32", "10.33.0.0/30"):
        env.attempt(f"subnet {subnet}", env.client.networks.create, f"tiny{subnet[3:5]}",
                    ipam=IPAMConfig(pool_configs=[IPAMPool(subnet=subnet)]))
    env.client.networks.create("front", ipam=IPAMConfig(pool_configs=[IPAMPool(subnet="10.123.0.0/24")]))
    env.client.networks.get("front").connect("web")
    env.attempt("connect again with an address outside", env.client.networks.get("front").connect, "web",
                ipv4_address="10.124.0.5")
    env.attempt("disconnect host from a bridge container", env.client.networks.get("host").disconnect, "web")
    env.attempt("unknown container to unknown network", api.connect_container_to_network, "nosuch", "nonet")
    env.attempt("publish on an address the host lacks", run, env, "far", ports={"80/tcp": ("10.55.0.1", 8080)})
    env.container("far", "after the failed start")
