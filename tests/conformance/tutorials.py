"""Docker's networking tutorials and driver pages, typed with the docker CLI as a learner types them.

What the pages use and these machines lack (no registry answers: nothing can be pulled) is
replaced: busybox for alpine and nginx (busybox's `httpd -f -p 80` is the web server), `sh` for
`ash`, `docker exec` for the interactive session of `docker attach` (the CLI refuses to attach a
terminal it does not have, which is a step of its own here). Pings to the internet are left out (nothing here may leave the
machine). Everything else is typed as the page has it, `docker stop`'s ten seconds included.
"""
from __future__ import annotations

from .harness import Recorder, scenario

DOCS = "Docker docs, content/manuals/engine/network/"


@scenario("tutorial: default bridge", cli=True,
          source=DOCS + "tutorials/standalone.md, 'Use the default bridge network'")
def s_tutorial_default_bridge(env: Recorder):
    """Two shells on the default bridge: they run, they reach each other by address, not by name."""
    env.cli("network ls")
    env.cli("run -dit --name alpine1 busybox sh")
    env.cli("run -dit --name alpine2 busybox sh")
    env.cli("container ls")
    env.cli("network inspect bridge")
    env.cli("attach alpine1", stdin="ip addr show\n")
    env.cli("exec alpine1 ip addr show")
    env.cli("exec alpine1 ping -c 2 172.17.0.3")
    env.cli("exec alpine1 ping -c 2 alpine2")
    env.cli("container stop alpine1 alpine2")
    env.cli("container rm alpine1 alpine2")
    env.cli("container ls -a")


@scenario("tutorial: user-defined bridge", "embedded DNS: names and scope", cli=True,
          source=DOCS + "tutorials/standalone.md, 'Use user-defined bridge networks'")
def s_tutorial_user_bridge(env: Recorder):
    """alpine-net with three shells, one more on the default bridge, one on both: who resolves and
    reaches whom."""
    env.cli("network create --driver bridge alpine-net")
    env.cli("network ls")
    env.cli("network inspect alpine-net")
    env.cli("run -dit --name alpine1 --network alpine-net busybox sh")
    env.cli("run -dit --name alpine2 --network alpine-net busybox sh")
    env.cli("run -dit --name alpine3 busybox sh")
    env.cli("run -dit --name alpine4 --network alpine-net busybox sh")
    env.cli("network connect bridge alpine4")
    env.cli("container ls")
    env.cli("network inspect bridge")
    env.cli("network inspect alpine-net")
    for target in ("alpine2", "alpine4", "alpine1", "alpine3", "172.17.0.2"):
        env.cli(f"exec alpine1 ping -c 2 {target}")
    for target in ("alpine1", "alpine2", "alpine3", "172.17.0.2", "alpine4"):
        env.cli(f"exec alpine4 ping -c 2 {target}")
    env.cli("container stop alpine1 alpine2 alpine3 alpine4")
    env.cli("container rm alpine1 alpine2 alpine3 alpine4")
    env.cli("network rm alpine-net")
    env.cli("network ls")


@scenario("tutorial: host networking", "reachability: host and none modes", cli=True,
          source=DOCS + "tutorials/host.md")
def s_tutorial_host(env: Recorder):
    """A web server on the host's network: no new interface, its port is the host's, --rm removes it
    when it stops."""
    env.cli("run --rm -d --network host --name my_nginx busybox httpd -f -p 80")
    env.cli("run --rm --network host busybox ip addr show")
    env.cli("run --rm --network host busybox sh -c 'netstat -tuln | grep :80'")
    env.cli("run --rm --network host busybox wget -q -O- http://127.0.0.1:80/")
    env.cli("container ls --format '{{.Names}} {{.Ports}} {{.Networks}}'")
    env.cli("container stop my_nginx")
    # --rm: the engine removes it in the background, a moment after stop returns.
    env.note("removed", env.wait(lambda: not env.api.containers(all=True)))
    env.cli("container ls -a")


@scenario("tutorial: macvlan bridge mode", "networks: macvlan", cli=True,
          source=DOCS + "tutorials/macvlan.md, 'Bridge example'")
def s_tutorial_macvlan(env: Recorder):
    """A macvlan network on eth0 and a shell on it: its own MAC, the network's gateway as default route."""
    env.cli("network create -d macvlan --subnet=172.16.86.0/24 --gateway=172.16.86.1 -o parent=eth0 my-macvlan-net")
    env.cli("network ls")
    env.cli("network inspect my-macvlan-net")
    env.cli("run --rm -dit --network my-macvlan-net --name my-macvlan-alpine busybox:latest sh")
    env.cli("container inspect my-macvlan-alpine")
    env.cli("exec my-macvlan-alpine ip addr show eth0")
    env.cli("exec my-macvlan-alpine ip route")
    env.cli("container stop my-macvlan-alpine")
    env.cli("network rm my-macvlan-net")
    env.cli("container ls -a")


@scenario("tutorial: macvlan 802.1Q trunk", "networks: macvlan", cli=True,
          source=DOCS + "tutorials/macvlan.md, '802.1Q trunked bridge example'",
          documented_only="802.1Q: this kernel has no VLAN_8021Q, so the engine answers `failed to create eth0.10 "
                          "vlan link: operation not supported` here")
def s_tutorial_macvlan_8021q(env: Recorder):
    """Docker's documentation: parent=eth0.10 makes the engine create the VLAN sub-interface eth0.10
    itself; a container on the network gets the subnet's first free address and the gateway as its
    default route; removing the network removes eth0.10."""
    made = env.cli("network create -d macvlan --subnet=172.16.86.0/24 --gateway=172.16.86.1 -o parent=eth0.10 "
                   "my-8021q-macvlan-net")
    assert made["exit"] == 0, made
    link = env.cli("run --rm --network host busybox ip link show eth0.10")
    assert link["exit"] == 0 and "eth0.10@eth0" in link["stdout"], link
    assert env.cli("run --rm -itd --network my-8021q-macvlan-net --name my-second-macvlan-alpine busybox:latest "
                   "sh")["exit"] == 0
    addr = env.cli("exec my-second-macvlan-alpine ip addr show eth0")
    assert "inet 172.16.86.2/24" in addr["stdout"], addr
    route = env.cli("exec my-second-macvlan-alpine ip route")
    assert route["stdout"].startswith("default via 172.16.86.1 dev eth0"), route
    assert env.cli("container stop my-second-macvlan-alpine")["exit"] == 0
    assert env.cli("network rm my-8021q-macvlan-net")["exit"] == 0
    gone = env.cli("run --rm --network host busybox ip link show eth0.10")
    assert gone["exit"] != 0, gone


@scenario("tutorial: overlay for standalone containers", "overlay: containers on two hosts", cli=True, hosts=2,
          source=DOCS + "tutorials/overlay.md, 'Use an overlay network for standalone containers'")
def s_tutorial_overlay_standalone(env: Recorder):
    """A swarm of two, an attachable overlay, a shell on each host: the worker learns the network when
    its container joins, names resolve across hosts, the network leaves the worker with its last
    container."""
    w = env.on(2)
    env.cli("swarm init")
    env.cli("swarm init --advertise-addr eth0")
    token = env.cli("swarm join-token -q worker")["stdout"].strip()
    w.cli(f"swarm join --token {token} 10.99.0.11:2377", key="$ docker swarm join --token <token> 10.99.0.11:2377")
    # The worker makes docker_gwbridge and its ingress sandbox in the background after joining.
    env.note("host2: ready", env.wait(lambda: "ingress-sbox" in (w.api.inspect_network("docker_gwbridge")
                                                                 .get("Containers") or {})
                                      if "docker_gwbridge" in [n["Name"] for n in w.api.networks()] else False))
    env.cli("network create --driver=overlay --attachable test-net")
    env.cli("run -dit --name alpine1 --network test-net busybox")
    w.cli("network ls")
    w.cli("run -dit --name alpine2 --network test-net busybox")
    w.cli("network ls --filter name=test-net --format '{{.Name}} {{.Driver}} {{.Scope}}'")
    env.cli("exec alpine1 ping -c 2 alpine2")
    w.cli("run --rm --name alpine3 --network test-net busybox ping -c 2 alpine1")
    w.cli("container stop alpine2")
    # The worker lets go of the network in the background, a moment after its last container left.
    env.note("host2: test-net left the worker", env.wait(
        lambda: "test-net" not in [n["Name"] for n in w.api.networks()]))
    w.cli("network ls --format '{{.Name}}'")
    w.cli("container rm alpine2")
    env.cli("container rm -f alpine1")
    env.cli("network rm test-net")


@scenario("tutorial: overlay with a service", "services: replicated and global, DNS", cli=True,
          source=DOCS + "tutorials/overlay.md, 'Use a user-defined overlay network'")
def s_tutorial_overlay_service(env: Recorder):
    """A user-defined overlay and a one-replica service publishing 8080: its task joins the overlay."""
    env.cli("swarm init --advertise-addr eth0")
    env.cli("network create -d overlay my-overlay")
    env.cli("service create --detach --name my-nginx --network my-overlay --replicas 1 "
            "--publish published=8080,target=80 busybox httpd -f -p 80")
    env.note("the task runs", env.wait(lambda: any(t["Status"]["State"] == "running"
                                                   for t in env.api.tasks(filters={"service": "my-nginx"}))))
    env.cli("service ls --format '{{.Name}} {{.Mode}} {{.Replicas}} {{.Ports}}'")
    env.cli("network inspect my-overlay --format '{{range .Containers}}{{.Name}} {{end}}'")
    env.cli("service rm my-nginx")
    env.wait(lambda: not env.api.containers(filters={"label": "com.docker.swarm.service.name=my-nginx"}))
    env.cli("network rm my-overlay")
    env.cli("network ls --filter driver=overlay --format '{{.Name}}'")


@scenario("networks: create bridge", "containers: published ports", cli=True,
          source=DOCS + "drivers/bridge.md, 'Manage a user-defined bridge' to 'Disconnect a container'")
def s_bridge_page(env: Recorder):
    """The bridge driver page in order: create, a container created on it with a published port,
    connect (it is connected already), start, disconnect, remove."""
    env.cli("network create my-net")
    env.cli("create --name my-nginx --network my-net --publish 8080:80 busybox httpd -f -p 80")
    env.cli("network connect my-net my-nginx")
    env.cli("start my-nginx")
    env.cli("port my-nginx")
    env.cli("run --rm --network my-net busybox wget -q -O- http://my-nginx/")
    env.cli("network disconnect my-net my-nginx")
    env.cli("network rm my-net")
    env.cli("rm -f my-nginx")
    env.cli("network rm my-net")


@scenario("IPv6: user-defined bridges", cli=True,
          source=DOCS + "drivers/bridge.md, 'Use IPv6 in a user-defined bridge network'")
def s_bridge_ipv6(env: Recorder):
    """--ipv6 with a /64: addresses of both families, AAAA answers, ping -6, ports on both families."""
    env.cli("network create --ipv6 --subnet 2001:db8:1234::/64 my-net")
    env.cli("network inspect my-net")
    env.cli("run -dit --name v6a --network my-net busybox sh")
    env.cli("run -dit --name v6b --network my-net -p 8080:80 busybox sh")
    env.cli("inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}} {{.GlobalIPv6Address}}/"
            "{{.GlobalIPv6PrefixLen}} {{.IPv6Gateway}}{{end}}' v6a")
    env.cli("exec v6a ip -6 addr show eth0")
    env.cli("exec v6a ip -6 route")
    env.cli("exec v6a ping -6 -c 1 v6b")
    env.cli("exec v6a nslookup v6b")
    env.cli("exec v6a cat /etc/hosts")
    env.cli("port v6b")
    env.cli("run --rm busybox ip -6 addr show eth0")
    env.cli("rm -f v6a v6b")


@scenario("networks: internal, attachable, labels, options", cli=True,
          source=DOCS + "drivers/bridge.md, 'Options'")
def s_bridge_options(env: Recorder):
    """The bridge driver's -o options: bridge name, MTU, interface prefix, default binding address,
    masquerading, icc."""
    env.cli("network create -o com.docker.network.bridge.name=br-lab -o com.docker.network.driver.mtu=1400 "
            "-o com.docker.network.container_iface_prefix=lab "
            "-o com.docker.network.bridge.host_binding_ipv4=127.0.0.1 "
            "-o com.docker.network.bridge.enable_ip_masquerade=false labnet")
    env.cli("network inspect labnet --format '{{json .Options}}'")
    env.cli("run -dit --name opt1 --network labnet -p 8080:80 busybox sh")
    env.cli("exec opt1 ip addr")
    env.cli("exec opt1 ip route")
    env.cli("port opt1")
    env.cli("run --rm --network host busybox ip link show br-lab")
    env.cli("network connect bridge opt1")
    env.cli("exec opt1 ip link")
    env.cli("rm -f opt1")


@scenario("networks: internal, attachable, labels, options", "reachability: shared network and isolation", cli=True,
          source=DOCS + "drivers/bridge.md, 'Skip Bridge IP address configuration'")
def s_bridge_inhibit_ipv4(env: Recorder):
    """inhibit_ipv4: the bridge gets no gateway address; containers still reach each other, not the host."""
    env.cli("network create -o com.docker.network.bridge.name=br-noip "
            "-o com.docker.network.bridge.inhibit_ipv4=true noip")
    env.cli("network inspect noip --format '{{json .IPAM.Config}}'")
    env.cli("run --rm --network host busybox ip addr show br-noip")
    env.cli("run -dit --name n1 --network noip busybox sh")
    env.cli("run -dit --name n2 --network noip busybox sh")
    env.cli("exec n1 ip route")
    env.cli("exec n1 ping -c 1 -W 1 n2")
    env.cli("exec n1 ping -c 1 -W 1 172.18.0.1")
    env.cli("rm -f n1 n2")


@scenario("containers: network modes", cli=True, source=DOCS + "drivers/none.md")
def s_none_page(env: Recorder):
    """--network none: a loopback and nothing else."""
    env.cli("run --rm --network none --name no-net-alpine busybox ip link show")
    env.cli("run --rm --network none busybox ip route")
    env.cli("run --rm --network none busybox ping -c 1 -W 1 172.17.0.1")
    env.cli("run -dit --network none --name hermit busybox sh")
    env.cli("inspect -f '{{json .NetworkSettings.Networks}}' hermit")
    env.cli("network connect bridge hermit")
    env.cli("rm -f hermit")


@scenario("containers: legacy links", "files: /etc/hosts and resolv.conf", cli=True,
          source="Docker docs, content/manuals/engine/network/links.md")
def s_links_page(env: Recorder):
    """--link on the default bridge: the alias in /etc/hosts, the _PORT and _ENV variables; on a
    user-defined network the link is an alias of the embedded DNS."""
    env.cli("run -d --name db -e DB_PASSWORD=secret --expose 5432 busybox sleep 600")
    env.cli("run --rm --name web --link db:database busybox env")
    env.cli("run --rm --link db:database busybox cat /etc/hosts")
    env.cli("run --rm --link db busybox ping -c 1 -W 1 db")
    env.cli("run --rm --link nope:x busybox true")
    env.cli("network create app")
    env.cli("run -d --name db2 --network app busybox sleep 600")
    env.cli("run --rm --network app --link db2:dbalias busybox ping -c 1 -W 1 dbalias")
    env.cli("run --rm --network app --link db2:dbalias busybox cat /etc/hosts")
    env.cli("rm -f db db2")


@scenario("containers: legacy links", "containers: listing", cli=True,
          source="Docker docs, content/manuals/engine/network/links.md, 'Communication across links'; "
                 "the `docker ps` reference (--no-trunc, --format '{{.Names}}')")
def s_links_names(env: Recorder):
    """A link's name, web/db: HostConfig.Links of the linking container, and the linked container's
    names in `docker ps` (the truncated NAMES column shows its own name; --no-trunc shows them all),
    before and after `docker rm --link` and the linking container's removal."""
    env.cli("run -d --name db busybox sleep 600")
    env.cli("run -d --name web --link db:db busybox sleep 600")
    env.cli("create --name web2 --link db:webdb busybox sleep 600")
    env.cli('inspect -f "{{ .HostConfig.Links }}" web')
    env.cli("ps -a")
    env.cli("ps -a --no-trunc --format '{{.Names}}'")
    env.cli("ps --filter name=db --format '{{.Names}}'")
    env.cli("rm --link web/db")
    env.cli("ps -a --no-trunc --format '{{.Names}}'")
    env.cli("rm -f web2")
    env.cli("ps -a --no-trunc --format '{{.Names}}'")
    env.cli("rm -f db web")
