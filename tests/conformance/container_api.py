"""Conformance scenarios for the rest of the container API: pause, rename, top, stats, update,
kill with signals, changes and commit, every list filter, and the settings that shape a
container's network files (extra hosts, DNS options, domain name, legacy links, MAC address).

Written from docker-py's API reference and the CLI's (`docker pause|rename|top|stats|update|kill|
diff|commit|ps --filter`), as a learner would call them; each records what the engine answers.
"""
from __future__ import annotations

import io
import re
import tarfile

from .harness import Recorder, scenario

SLEEP = "sleep 600"


def run(env: Recorder, name: str, cmd: str = SLEEP, **kw):
    return env.client.containers.run("busybox", cmd, name=name, detach=True, **kw)


def state(env: Recorder, name: str) -> dict:
    s = env.api.inspect_container(name)["State"]
    return {k: s[k] for k in ("Status", "Running", "Paused", "Restarting", "OOMKilled", "Dead", "ExitCode", "Error")}


def listed(env: Recorder, **kw) -> list[str]:
    return sorted(c["Names"][0] for c in env.api.containers(**kw))


# -- pause and unpause -------------------------------------------------------------------------------
@scenario("containers: pause and unpause")
def s_pause_unpause(env):
    """docker pause / unpause: the state, `docker ps`, exec refused while paused, errors."""
    run(env, "web")
    env.api.create_container("busybox", SLEEP, name="idle")
    env.attempt("pause", env.api.pause, "web")
    env.note("state paused", state(env, "web"))
    env.containers(all=True)
    env.note("ps status=paused", listed(env, all=True, filters={"status": "paused"}))
    env.note("ps status=running", listed(env, all=True, filters={"status": "running"}))
    env.note("info paused", {k: env.client.info()[k] for k in ("ContainersPaused", "ContainersRunning", "ContainersStopped")})
    env.attempt("exec while paused", env.api.exec_create, "web", "true")
    env.attempt("pause again", env.api.pause, "web")
    env.attempt("pause created", env.api.pause, "idle")
    env.attempt("unpause created", env.api.unpause, "idle")
    env.attempt("pause missing", env.api.pause, "nope")
    env.attempt("remove paused", env.api.remove_container, "web")
    env.attempt("start paused", env.api.start, "web")
    env.attempt("restart paused", env.api.restart, "web", timeout=0)
    env.note("state after restart", state(env, "web"))
    env.attempt("pause", env.api.pause, "web")
    env.attempt("unpause", env.api.unpause, "web")
    env.attempt("unpause again", env.api.unpause, "web")
    env.exec("web", "echo back")
    env.note("state unpaused", state(env, "web"))


@scenario("containers: pause and unpause")
def s_paused_stop_kill_remove(env):
    """A paused container stopped, killed, removed with force."""
    for name in ("one", "two", "three"):
        run(env, name)
        env.api.pause(name)
    env.attempt("stop paused", env.api.stop, "one", timeout=1)
    env.note("state one", state(env, "one"))
    env.attempt("kill paused SIGTERM", env.api.kill, "two", signal="SIGTERM")
    env.note("state two after SIGTERM", state(env, "two"))
    env.attempt("kill paused", env.api.kill, "two")
    env.note("state two", state(env, "two"))
    env.attempt("remove paused with force", env.api.remove_container, "three", force=True)
    env.containers(all=True)


# -- rename ------------------------------------------------------------------------------------------
@scenario("containers: rename", "embedded DNS: names and scope")
def s_rename_dns(env):
    """docker rename: the new name in inspect, in `docker ps` and in the embedded DNS."""
    env.client.networks.create("net")
    run(env, "old", network="net")
    run(env, "client", network="net")
    env.attempt("rename", env.api.rename, "old", "new")
    env.container("new")
    env.attempt("inspect old name", env.api.inspect_container, "old")
    env.exec("client", "nslookup new")
    env.exec("client", "ping -c1 -W1 new")
    env.exec("client", "ping -c1 -W1 old")
    env.exec("new", "hostname")
    env.note("names", listed(env, all=True))
    env.attempt("rename to a name in use", env.api.rename, "new", "client")
    env.attempt("rename to its own name", env.api.rename, "new", "new")
    env.attempt("rename to a bad name", env.api.rename, "new", "no way")
    env.attempt("rename to nothing", env.api.rename, "new", "")
    env.attempt("rename missing", env.api.rename, "nope", "other")
    env.attempt("rename with slash", env.api.rename, "new", "/slashed")
    env.note("names after", listed(env, all=True))
    env.api.create_container("busybox", SLEEP, name="stopped", host_config=env.api.create_host_config(network_mode="net"))
    env.attempt("rename stopped", env.api.rename, "stopped", "started")
    env.api.start("started")
    env.exec("client", "nslookup started")
    env.network("net")


# -- top and stats -----------------------------------------------------------------------------------
def top_view(top: dict) -> dict:
    """docker top's table, with what varies by nature (PIDs, start time) reduced to its form."""
    rows = []
    for row in top.get("Processes") or []:
        cells = dict(zip(top["Titles"], row))
        for key in ("PID", "PPID"):
            if key in cells:
                cells[key] = "<pid>" if cells[key].isdigit() else cells[key]
        if "C" in cells:
            cells["C"] = "<cpu%>" if cells["C"].isdigit() else cells["C"]
        if "STIME" in cells:
            cells["STIME"] = "<hh:mm>" if re.fullmatch(r"\d\d:\d\d", cells["STIME"]) else cells["STIME"]
        rows.append(cells)
    return {"Titles": top.get("Titles"), "Processes": rows}


@scenario("containers: top and stats")
def s_top(env):
    """docker top: ps -ef's columns by default, other ps options, a stopped container."""
    run(env, "web")
    run(env, "shell", "sh -c 'sleep 600'")
    env.note("top web", top_view(env.api.top("web")))
    env.note("top shell", top_view(env.api.top("shell")))
    env.note("top web -o pid,comm", top_view(env.api.top("web", ps_args="-o pid,comm")))
    env.attempt("top with bad ps options", env.api.top, "web", ps_args="--nope")
    env.api.create_container("busybox", SLEEP, name="idle")
    env.attempt("top created", env.api.top, "idle")
    env.attempt("top missing", env.api.top, "nope")


def shape(v):
    """The keys of a JSON document, recursively, with the types of its values."""
    if isinstance(v, dict):
        return {k: shape(x) for k, x in sorted(v.items())}
    if isinstance(v, list):
        return [shape(v[0])] if v else []
    return type(v).__name__


@scenario("containers: top and stats")
def s_stats(env):
    """docker stats: one-shot and streamed documents; network counters move with traffic."""
    env.client.networks.create("net")
    run(env, "aa", network="net")
    run(env, "bb", network="net")
    one = env.api.stats("aa", stream=False)
    env.note("stats shape", shape(one))
    env.note("stats names", {"name": one["name"], "id": one["id"]})
    env.note("stats networks", sorted(one.get("networks") or {}))
    before = one["networks"]["eth0"]
    env.exec("bb", "ping -c3 aa")
    after = env.api.stats("aa", stream=False)["networks"]["eth0"]
    env.note("counters moved", {k: after[k] > before[k] for k in ("rx_bytes", "rx_packets", "tx_bytes", "tx_packets")})
    # Three echo requests of 56 bytes of data: 98 bytes each on the wire.
    env.note("bytes at least what was sent", after["rx_bytes"] - before["rx_bytes"] >= 3 * 98)
    quick = env.api.stats("aa", stream=False, one_shot=True)
    env.note("one-shot shape", shape(quick))
    frames = env.api.stats("aa", decode=True)
    first, second = next(frames), next(frames)
    frames.close()
    env.note("stream shape", [shape(first), shape(second)])
    env.note("stream precpu empty then set", [first["precpu_stats"].get("system_cpu_usage"), "system_cpu_usage" in second["precpu_stats"]])
    env.api.stop("bb", timeout=0)
    stopped = env.api.stats("bb", stream=False)
    env.note("stopped shape", shape(stopped))
    env.note("stopped values", {k: stopped[k] for k in ("name", "pids_stats", "memory_stats", "networks") if k in stopped})
    env.attempt("stats missing", env.api.stats, "nope", stream=False)


# -- update ------------------------------------------------------------------------------------------
def host_settings(env: Recorder, name: str) -> dict:
    hc = env.api.inspect_container(name)["HostConfig"]
    keys = ("RestartPolicy", "Memory", "MemorySwap", "MemoryReservation", "CpuShares", "CpuQuota", "CpuPeriod",
            "NanoCpus", "CpusetCpus", "PidsLimit", "BlkioWeight", "KernelMemory")
    return {k: hc.get(k) for k in keys}


@scenario("containers: update")
def s_update(env):
    """docker update: restart policy and resources; what the engine echoes and refuses."""
    run(env, "web")
    env.attempt("update restart policy", env.api.update_container, "web", restart_policy={"Name": "on-failure", "MaximumRetryCount": 3})
    env.attempt("update resources", env.api.update_container, "web", mem_limit="64m", memswap_limit="128m",
                cpu_shares=512, cpu_quota=50000, cpu_period=100000, cpuset_cpus="0")
    env.note("host config", host_settings(env, "web"))
    env.attempt("update memory over swap", env.api.update_container, "web", mem_limit="256m")
    env.attempt("update memory too small", env.api.update_container, "web", mem_limit="1k")
    env.attempt("update a bad restart policy", env.api.update_container, "web", restart_policy={"Name": "sometimes"})
    env.attempt("update always with retries", env.api.update_container, "web", restart_policy={"Name": "always", "MaximumRetryCount": 2})
    env.attempt("update missing", env.api.update_container, "nope", cpu_shares=512)
    run(env, "temp", auto_remove=True)
    env.attempt("update auto-remove restart", env.api.update_container, "temp", restart_policy={"Name": "always"})
    env.api.create_container("busybox", SLEEP, name="idle")
    env.attempt("update created", env.api.update_container, "idle", cpu_shares=256, restart_policy={"Name": "unless-stopped"})
    env.note("host config idle", host_settings(env, "idle"))
    env.api.kill("temp")


# -- kill --------------------------------------------------------------------------------------------
@scenario("processes: signals")
def s_kill_signals(env):
    """docker kill -s: names and numbers; PID 1 without a handler ignores what it may ignore."""
    run(env, "web")
    for sig in ("SIGTERM", "TERM", "HUP", 15, "SIGUSR1", "1"):
        env.attempt(f"kill {sig}", env.api.kill, "web", signal=sig)
    env.note("still running", state(env, "web"))
    env.attempt("kill NOPE", env.api.kill, "web", signal="NOPE")
    env.attempt("kill 99", env.api.kill, "web", signal=99)
    env.attempt("kill -1", env.api.kill, "web", signal="-1")
    env.attempt("kill 0", env.api.kill, "web", signal=0)
    env.attempt("kill SIGKILL", env.api.kill, "web", signal="SIGKILL")
    env.note("state", state(env, "web"))
    run(env, "web2")
    env.attempt("kill 9", env.api.kill, "web2", signal=9)
    env.note("state 2", state(env, "web2"))
    env.attempt("kill stopped", env.api.kill, "web2", signal="SIGHUP")
    env.attempt("kill missing", env.api.kill, "nope")
    run(env, "web3")
    env.client.containers.get("web3").kill(signal="KILL")
    env.note("state 3", state(env, "web3"))


# -- changes and commit ------------------------------------------------------------------------------
@scenario("containers: changes and commit")
def s_diff_commit(env):
    """docker diff after commands wrote files; docker commit, then run the committed image."""
    run(env, "box")
    env.note("diff fresh", env.api.diff("box"))
    env.exec("box", "sh -c 'mkdir -p /data/sub && echo hello > /data/sub/hi.txt && touch /bin/new && rm /bin/vi'")
    env.note("diff", sorted(env.api.diff("box"), key=lambda c: c["Path"]))
    env.note("ps --size", [{k: c.get(k) for k in ("SizeRw", "SizeRootFs")} for c in env.api.containers(size=True)])
    img = env.attempt("commit", env.api.commit, "box", repository="mine", tag="v1", message="saved",
                      author="me <me@example.com>", changes=["ENV GREETING=hi", "CMD [\"sh\"]"])
    data = env.api.inspect_image("mine:v1")
    for key in ("RepoTags", "Comment", "Author", "Parent", "Architecture", "Os", "DockerVersion"):
        env.note(f"image {key}", data.get(key))
    env.note("image Config", data["Config"])
    env.note("image ContainerConfig keys", sorted(data["ContainerConfig"]))
    env.note("image id matches", img is not None and data["Id"] == img["Id"])
    env.note("image layers", len(data["RootFS"]["Layers"]))
    env.note("images", sorted(t for i in env.api.images() for t in i["RepoTags"] or []))
    out = env.client.containers.run("mine:v1", "sh -c 'cat /data/sub/hi.txt; echo $GREETING; ls /bin/vi 2>&1; true'", remove=True, stderr=True)
    env.note("run committed", out.decode())
    env.attempt("commit missing", env.api.commit, "nope", repository="x")
    env.attempt("commit bad name", env.api.commit, "box", repository="Bad Name")
    env.attempt("commit bad change", env.api.commit, "box", repository="x2", changes=["NOPE x"])
    env.attempt("diff missing", env.api.diff, "nope")


# -- list filters ------------------------------------------------------------------------------------
@scenario("containers: list with filters")
def s_ps_every_filter(env):
    """docker ps --filter: every key docker-py and the CLI send, and the engine's refusals."""
    env.client.networks.create("front")
    env.client.volumes.create("data")
    run(env, "web", network="front", ports={"80/tcp": 8080}, labels={"tier": "front"})
    run(env, "db", volumes={"data": {"bind": "/var/db", "mode": "rw"}}, labels={"tier": "back"})
    env.api.create_container("busybox", SLEEP, name="idle", ports=[5432])
    run(env, "quitter", "sh -c 'exit 3'")
    env.client.containers.get("quitter").wait()
    run(env, "ender", "true")
    env.client.containers.get("ender").wait()
    run(env, "frozen")
    env.api.pause("frozen")
    queries = {
        "status=exited": {"status": "exited"}, "status=paused": {"status": "paused"},
        "status=dead": {"status": "dead"}, "status=running": {"status": "running"},
        "status=created,exited": {"status": ["created", "exited"]},
        "exited=3": {"exited": 3}, "exited=0": {"exited": 0}, "exited=3 status=exited": {"exited": 3, "status": "exited"},
        "publish=80": {"publish": "80"}, "publish=80/tcp": {"publish": "80/tcp"}, "publish=8080": {"publish": "8080"},
        "publish=79-81": {"publish": "79-81"}, "expose=80": {"expose": "80"}, "expose=5432/tcp": {"expose": "5432/tcp"},
        "before=db": {"before": "db"}, "since=db": {"since": "db"}, "is-task=false": {"is-task": "false"},
        "is-task=true": {"is-task": "true"}, "volume=data": {"volume": "data"}, "volume=/var/db": {"volume": "/var/db"},
        "network=front": {"network": "front"}, "network=bridge": {"network": "bridge"},
        "health=none": {"health": "none"}, "health=healthy": {"health": "healthy"},
        "ancestor=busybox": {"ancestor": "busybox"}, "ancestor=busybox:latest": {"ancestor": "busybox:latest"},
        "label=tier": {"label": "tier"}, "label=tier=back": {"label": "tier=back"},
        "name=^/w": {"name": "^/w"}, "name=^w": {"name": "^w"}, "name=e": {"name": "e"},
    }
    for key, filters in queries.items():
        env.note(f"ps -a {key}", listed(env, all=True, filters=filters))
    env.note("ps status=exited (no -a)", listed(env, filters={"status": "exited"}))
    env.note("ps exited=3 (no -a)", listed(env, filters={"exited": 3}))
    env.note("ps (no -a)", listed(env))
    env.note("ps limit 2", [c["Names"][0] for c in env.api.containers(limit=2)])
    env.note("ps latest", [c["Names"][0] for c in env.api.containers(latest=True)])
    web = env.api.inspect_container("web")["Id"]
    env.note("id prefix", listed(env, all=True, filters={"id": web[:6]}))
    net = env.api.inspect_network("front")["Id"]
    env.note("network id prefix", listed(env, all=True, filters={"network": net[:6]}))
    for key, filters in {"bad key": {"nope": "x"}, "bad status": {"status": "sleeping"},
                         "bad health": {"health": "sick"}, "bad exited": {"exited": "x"},
                         "bad is-task": {"is-task": "maybe"}, "before missing": {"before": "nope"},
                         "bad publish": {"publish": "http"}, "ancestor missing": {"ancestor": "nope:1"}}.items():
        env.attempt(f"ps {key}", env.api.containers, all=True, filters=filters)
    env.api.unpause("frozen")


@scenario("networks: list with filters", "volumes")
def s_network_volume_image_filters(env):
    """docker network ls, volume ls and images with filters; scope in filters and inspect."""
    env.client.networks.create("front", labels={"tier": "front"})
    env.client.networks.create("back", internal=True)
    env.client.volumes.create("data", labels={"keep": "yes"})
    env.client.volumes.create("spare")
    run(env, "db", volumes={"data": {"bind": "/var/db", "mode": "rw"}})
    names = lambda nets: sorted(n["Name"] for n in nets)  # noqa: E731
    for key, filters in {"scope=local": {"scope": "local"}, "scope=swarm": {"scope": "swarm"},
                         "scope=global": {"scope": "global"}, "driver=bridge": {"driver": "bridge"},
                         "type=custom": {"type": "custom"}, "type=builtin": {"type": "builtin"},
                         "dangling=true": {"dangling": "true"}, "dangling=false": {"dangling": "false"},
                         "label=tier": {"label": "tier"}, "name=fr": {"name": "fr"}}.items():
        env.note(f"network ls {key}", names(env.api.networks(filters=filters)))
    for key, filters in {"bad key": {"nope": "x"}, "bad type": {"type": "odd"}, "bad dangling": {"dangling": "maybe"},
                         "bad scope": {"scope": "planet"}}.items():
        env.attempt(f"network ls {key}", env.api.networks, filters=filters)
    env.note("network scopes", {n["Name"]: n["Scope"] for n in env.api.networks()})
    vols = lambda **kw: sorted(v["Name"] for v in env.api.volumes(**kw)["Volumes"] or [])  # noqa: E731
    for key, filters in {"dangling=true": {"dangling": "true"}, "dangling=false": {"dangling": "false"},
                         "name=da": {"name": "da"}, "driver=local": {"driver": "local"},
                         "label=keep": {"label": "keep"}, "label=keep=yes": {"label": "keep=yes"}}.items():
        env.note(f"volume ls {key}", vols(filters=filters))
    for key, filters in {"bad key": {"nope": "x"}, "bad dangling": {"dangling": "maybe"}}.items():
        env.attempt(f"volume ls {key}", env.api.volumes, filters=filters)
    imgs = lambda **kw: sorted(t for i in env.api.images(**kw) for t in i["RepoTags"] or [])  # noqa: E731
    for key, filters in {"dangling=true": {"dangling": True}, "dangling=false": {"dangling": False},
                         "reference=busy*": {"reference": "busy*"}, "reference=nope": {"reference": "nope"},
                         "label=x": {"label": "x"}, "before=busybox": {"before": "busybox"}}.items():
        env.note(f"images {key}", imgs(filters=filters))
    env.note("images name", imgs(name="busybox"))
    for key, filters in {"bad key": {"nope": "x"}, "bad dangling": {"dangling": "maybe"}}.items():
        env.attempt(f"images {key}", env.api.images, filters=filters)


# -- what shapes a container's network files ----------------------------------------------------------
@scenario("files: /etc/hosts and resolv.conf")
def s_extra_hosts_dns(env):
    """extra_hosts (with host-gateway), dns, dns_search, dns_opt, domainname: the files and inspect."""
    env.client.networks.create("net")
    opts = dict(extra_hosts={"db.local": "10.1.2.3", "gw": "host-gateway"}, dns=["10.0.0.53"],
                dns_search=["example.com"], dns_opt=["ndots:2", "timeout:1"], domainname="example.org",
                hostname="box")
    run(env, "plain", **opts)
    run(env, "user", network="net", **opts)
    for name in ("plain", "user"):
        env.exec(name, "cat /etc/hosts")
        env.exec(name, "cat /etc/resolv.conf")
        env.exec(name, "hostname")
        env.exec(name, "hostname -d")
        env.exec(name, "dnsdomainname")
        env.exec(name, "ping -c1 -W1 db.local")
        data = env.api.inspect_container(name)
        env.note(f"{name} settings", {k: data["HostConfig"][k] for k in ("ExtraHosts", "Dns", "DnsSearch", "DnsOptions")}
                 | {k: data["Config"][k] for k in ("Hostname", "Domainname")})
    env.exec("user", "nslookup plain")
    env.attempt("bad extra host", env.api.create_container, "busybox", SLEEP, name="bad1",
                host_config=env.api.create_host_config(extra_hosts=["nocolon"]))
    env.attempt("bad extra host address", env.api.create_container, "busybox", SLEEP, name="bad2",
                host_config=env.api.create_host_config(extra_hosts={"x": "not-an-ip"}))
    env.attempt("bad dns", env.api.create_container, "busybox", SLEEP, name="bad3",
                host_config=env.api.create_host_config(dns=["nameserver"]))
    run(env, "hostmode", network_mode="host", extra_hosts={"db.local": "10.1.2.3"}, dns=["10.0.0.53"])
    env.exec("hostmode", "cat /etc/resolv.conf")
    env.exec("hostmode", "grep db.local /etc/hosts")


@scenario("containers: legacy links")
def s_links(env):
    """--link on the default bridge: hosts entries and environment; on a user network, an alias."""
    run(env, "db", environment=["PASSWORD=secret", "DB_MODE=fast"], ports={"5432/tcp": None, "53/udp": None})
    run(env, "web", links={"db": "database"})
    env.exec("web", "cat /etc/hosts")
    env.exec("web", "sh -c 'env | grep DATABASE | sort'")
    env.exec("web", "ping -c1 -W1 database")
    env.exec("web", "ping -c1 -W1 db")
    data = env.api.inspect_container("web")
    env.note("web links", {"HostConfig.Links": data["HostConfig"]["Links"], "Env": data["Config"]["Env"]})
    env.note("db env", env.api.inspect_container("db")["Config"]["Env"])
    env.attempt("link to missing", env.api.create_container, "busybox", SLEEP, name="bad",
                host_config=env.api.create_host_config(links={"nope": "x"}))
    env.api.create_container("busybox", SLEEP, name="sleeper")
    env.api.create_container("busybox", SLEEP, name="linker", host_config=env.api.create_host_config(links={"sleeper": "s"}))
    env.attempt("start linked to a stopped container", env.api.start, "linker")
    env.client.networks.create("net")
    run(env, "api", network="net")
    env.api.create_container("busybox", SLEEP, name="front", host_config=env.api.create_host_config(
        network_mode="net", links={"api": "backend"}),
        networking_config=env.api.create_networking_config({"net": env.api.create_endpoint_config(links={"api": "backend"})}))
    env.api.start("front")
    env.exec("front", "nslookup backend")
    env.exec("api", "nslookup backend")
    env.exec("front", "cat /etc/hosts")
    env.exec("front", "sh -c 'env | grep -i backend | sort'")
    data = env.api.inspect_container("front")
    env.note("front links", {"HostConfig.Links": data["HostConfig"]["Links"],
                             "endpoint Links": data["NetworkSettings"]["Networks"]["net"]["Links"]})
    run(env, "other")
    env.client.networks.get("net").connect("other", links=[("api", "svc")])
    env.exec("other", "nslookup svc")
    env.note("other endpoint", env.api.inspect_container("other")["NetworkSettings"]["Networks"]["net"]["Links"])


@scenario("containers: legacy links")
def s_remove_link(env):
    """docker rm --link PARENT/ALIAS (docker-py's LinkTest): the link's name goes, both containers
    stay; a second time, a container's own name, a missing one."""
    run(env, "db")
    run(env, "web", links={"db": "database"})
    env.attempt("rm --link web/database", env.api.remove_container, "web/database", link=True)
    env.note("left", sorted(sorted(c["Names"]) for c in env.api.containers(all=True)))
    env.attempt("again", env.api.remove_container, "web/database", link=True)
    env.attempt("a container's own name", env.api.remove_container, "db", link=True)
    env.attempt("no such container", env.api.remove_container, "nosuch", link=True)
    env.attempt("no such alias", env.api.remove_container, "web/other", link=True)


@scenario("containers: MAC address")
def s_mac_address(env):
    """mac_address at create, EndpointConfig.MacAddress at connect; the engine's refusals."""
    run(env, "fixed", mac_address="02:42:ac:11:00:99")
    env.exec("fixed", "cat /sys/class/net/eth0/address")
    data = env.api.inspect_container("fixed")
    env.note("fixed macs", {"Config": data["Config"].get("MacAddress"), "NetworkSettings": data["NetworkSettings"]["MacAddress"],
                            "bridge": data["NetworkSettings"]["Networks"]["bridge"]["MacAddress"]})
    env.client.networks.create("net")
    run(env, "joiner")
    env.attempt("connect with a MAC", env.api.connect_container_to_network, "joiner", "net", mac_address="02:42:0a:00:00:42")
    env.exec("joiner", "cat /sys/class/net/eth1/address")
    env.note("joiner net mac", env.api.inspect_container("joiner")["NetworkSettings"]["Networks"]["net"]["MacAddress"])
    env.attempt("bad MAC", env.api.create_container, "busybox", SLEEP, name="bad", mac_address="nope")
    run(env, "usermac", network="net", mac_address="02:42:0a:00:00:77")
    env.exec("usermac", "ip link show eth0")
    env.api.stop("fixed", timeout=0)
    env.api.start("fixed")
    env.exec("fixed", "cat /sys/class/net/eth0/address")


@scenario("images: list and inspect", "containers: changes and commit")
def s_image_catalogue(env):
    """docker history, tag, rmi, image prune and export around a committed image."""
    run(env, "box")
    env.exec("box", "sh -c 'echo data > /f'")
    env.api.commit("box", repository="snap", tag="v1", message="one file")
    env.note("history", [{k: h[k] for k in ("CreatedBy", "Size", "Tags", "Comment")} for h in env.api.history("snap:v1")])
    env.attempt("tag", env.api.tag, "snap:v1", "snap", "v2")
    env.attempt("tag missing", env.api.tag, "nope:1", "x", "y")
    env.attempt("rmi by a name", env.api.remove_image, "snap:v2")
    env.attempt("rmi the parent", env.api.remove_image, "busybox")
    env.attempt("rmi missing", env.api.remove_image, "nope:1")
    env.api.tag("snap:v1", "snap", "v3")
    image_id = env.api.inspect_image("snap:v1")["Id"]
    env.attempt("rmi by ID with two names", env.api.remove_image, image_id)
    env.client.containers.run("snap:v3", SLEEP, name="user", detach=True)
    env.attempt("rmi in use by a running container", env.api.remove_image, image_id, force=True)
    env.attempt("rmi a name in use", env.api.remove_image, "snap:v3")
    env.note("image names", sorted(t for i in env.api.images() for t in i["RepoTags"] or []))
    env.note("prune", env.api.prune_images())
    env.api.remove_container("user", force=True)
    pruned = env.api.prune_images(filters={"dangling": False})
    env.note("prune -a", sorted(d.get("Untagged") or "deleted" for d in pruned["ImagesDeleted"] or []))
    env.note("image names after", sorted(t for i in env.api.images() for t in i["RepoTags"] or []))
    with tarfile.open(fileobj=io.BytesIO(b"".join(env.client.containers.get("box").export()))) as tar:
        names = tar.getnames()
    env.note("export", {"count": len(names), "first": names[:6], "has f": "f" in names,
                        "etc": sorted(n for n in names if n.startswith("etc"))})


@scenario("containers: errors and name conflicts")
def s_inspect_lookups(env):
    """What `docker inspect NAME` asks in turn (container, image, network, volume, plugin) for a
    name nothing has; archive errors name the container as the request did."""
    for what, call in (("container", env.api.inspect_container), ("image", env.api.inspect_image),
                       ("network", env.api.inspect_network), ("volume", env.api.inspect_volume),
                       ("plugin", env.api.inspect_plugin)):
        env.attempt(f"inspect {what} nope", call, "nope")
    env.note("plugins", env.api.plugins())
    box = run(env, "box")
    env.attempt("get by ID", env.api.get_archive, box.id, "/nope")
    env.attempt("get by short ID", env.api.get_archive, box.id[:12], "/nope")
    env.attempt("put by ID", env.api.put_archive, box.id, "/nope", b"")
