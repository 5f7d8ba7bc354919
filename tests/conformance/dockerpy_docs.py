"""docker-py as its own documentation uses it (docs/index.rst, containers.rst, networks.rst,
volumes.rst, user_guides/multiplex.rst of docker-py 7.2.0), with busybox for the images the
examples name.
"""
from __future__ import annotations

import contextlib
import datetime
import io
import re
import tarfile
import time

import docker
import requests
from docker.types import IPAMConfig, IPAMPool

from .harness import WAIT, Recorder, scenario
from .scenarios import SLEEP, run

DOCS = "docker-py docs, "
# The names the engine makes up for unnamed containers (adjective_surname): random, so not compared.
GENERATED_NAME = re.compile(r"[a-z]+_[a-z]+")


def names(containers) -> list[str]:
    return sorted("<generated name>" if GENERATED_NAME.fullmatch(x.name) else x.name for x in containers)


def wait_for(env: Recorder, name: str, status: str = "exited", timeout: float = 20) -> bool:
    return env.wait(lambda: env.api.inspect_container(name)["State"]["Status"] == status, timeout)


def state(env: Recorder, name: str) -> dict:
    data = env.api.inspect_container(name)["State"]
    return {k: data[k] for k in ("Status", "Running", "Paused", "Restarting", "ExitCode", "Error")}


@scenario("docker-py: containers", source=DOCS + "index.rst")
def s_dockerpy_quickstart(env: Recorder):
    """The front page: run and get the output, run detached, list, get by short ID, logs, stop."""
    c = env.client.containers
    env.attempt("run echo", c.run, "busybox", "echo hello world")
    box = c.run("busybox", ["sh", "-c", "echo started; exec sleep 600"], detach=True, name="detached")
    env.note("list", [x.name for x in c.list()])
    got = c.get(box.id[:12])
    env.note("attrs Config.Image", got.attrs["Config"]["Image"])
    env.note("status", got.status)
    env.note("logs", got.logs().decode())
    got.stop(timeout=1)
    got.reload()
    env.note("status after stop", (got.status, got.attrs["State"]["ExitCode"]))
    lines = c.run("busybox", ["sh", "-c", "for i in 1 2 3; do echo line $i; done"], detach=True, name="streamer")
    wait_for(env, "streamer")
    env.note("logs(stream=True)", [chunk.decode() for chunk in lines.logs(stream=True)])
    env.note("list all", names(c.list(all=True)))
    env.note("images", sorted(t for i in env.client.images.list() for t in i.tags))


@scenario("docker-py: exec", "exec: raw stream and inspect", source=DOCS + "user_guides/multiplex.rst")
def s_dockerpy_multiplex(env: Recorder):
    """exec_run's four combinations of stream and demux on a command writing to both streams (the
    order in which two streams arrive is a race: each stream is compared apart)."""
    box = run(env, "box")
    box.exec_run("mkdir /tmp")   # (the lab image has /bin only: the engine adds /etc, /dev, /proc, /sys)
    cmd = '/bin/sh -c "echo hello stdout ; echo hello stderr >&2"'
    res = box.exec_run(cmd, stream=False, demux=False)
    env.note("stream=False demux=False", (res.exit_code, sorted(res.output.decode().splitlines())))
    res = box.exec_run(cmd, stream=True, demux=False)
    env.note("stream=True demux=False", (res.exit_code, sorted(b"".join(res.output).decode().splitlines())))
    res = box.exec_run(cmd, stream=True, demux=True)
    chunks = list(res.output)
    env.note("stream=True demux=True", (res.exit_code, b"".join(o or b"" for o, _ in chunks).decode(),
                                        b"".join(e or b"" for _, e in chunks).decode()))
    res = box.exec_run(cmd, stream=False, demux=True)
    env.note("stream=False demux=True", (res.exit_code, [x.decode() if x else x for x in res.output]))
    res = box.exec_run("sh -c 'echo $GREETING from $PWD as $(id -u)'", environment={"GREETING": "hi"},
                       workdir="/tmp", user="1000")
    env.note("environment, workdir, user", (res.exit_code, res.output.decode()))
    res = box.exec_run("pwd", workdir="/nope")
    env.note("workdir missing", (res.exit_code, res.output.decode()))
    env.attempt("user missing", box.exec_run, "id", user="postgres")
    res = box.exec_run("nosuchcmd")
    env.note("command missing", (res.exit_code, res.output.decode()))
    res = box.exec_run(["sh", "-c", "exit 9"])
    env.note("exit 9", res.exit_code)
    res = box.exec_run("echo detached", detach=True)
    env.note("detach", (res.exit_code, res.output))
    res = box.exec_run("sh -c 'echo tty; echo err >&2'", tty=True)
    env.note("tty", (res.exit_code, res.output.decode()))


@scenario("docker-py: containers", "containers: exit status", source=DOCS + "containers.rst, ContainerCollection.run")
def s_dockerpy_run_errors(env: Recorder):
    """run() raises ContainerError for a non-zero exit (with stderr), and what stdout/stderr/remove do."""
    c = env.client.containers
    env.attempt("cat a missing file", c.run, "busybox", "cat /test", remove=True)
    env.attempt("exit 3", c.run, "busybox", "sh -c 'echo out; echo err >&2; exit 3'", name="three")
    env.note("kept after the error", state(env, "three"))
    env.attempt("stdout and stderr", c.run, "busybox", "sh -c 'echo out; echo err >&2'", stderr=True, remove=True)
    env.attempt("stderr only", c.run, "busybox", "sh -c 'echo out; echo err >&2'", stdout=False, stderr=True,
                remove=True)
    env.attempt("missing command", c.run, "busybox", "nosuchcmd", remove=True)
    env.note("left after --rm", names(c.list(all=True)))
    env.attempt("bad option type", c.run, "busybox", "true", ports={"80/tcp": "eighty"})
    env.attempt("entrypoint", c.run, "busybox", ["hi"], entrypoint=["echo", "entry:"], remove=True)
    env.attempt("working_dir created", c.run, "busybox", "pwd", working_dir="/made/for/you", remove=True)
    env.attempt("user", c.run, "busybox", "id", user="1000:1000", remove=True)
    env.attempt("user by a missing name", c.run, "busybox", "id", user="postgres", remove=True)


@scenario("docker-py: containers", source=DOCS + "containers.rst, Container")
def s_dockerpy_container_model(env: Recorder):
    """A Container's properties and methods: name, short_id, labels, image, ports, status, reload,
    rename, restart, remove."""
    c = env.client.containers
    box = c.run("busybox", SLEEP, detach=True, name="model", labels={"role": "demo"}, hostname="modelhost",
                environment={"A": "1"}, ports={"80/tcp": 8080})
    env.note("name, short_id", (box.name, box.short_id == box.id[:12]))
    env.note("labels", box.labels)
    env.note("image tags", box.image.tags)
    env.note("ports before reload", box.ports)
    box.reload()
    env.note("ports", box.ports)
    env.note("status", box.status)
    box.rename("model2")
    box.reload()
    env.note("renamed", box.name)
    box.restart(timeout=0)
    box.reload()
    env.note("after restart", (box.status, box.attrs["RestartCount"], box.attrs["State"]["ExitCode"]))
    env.note("exec in it", box.exec_run("hostname").output.decode())
    box.remove(force=True)
    env.attempt("reload after remove", box.reload)
    env.attempt("get by old name", c.get, "model")


@scenario("processes: waiting and exit codes", source=DOCS + "containers.rst, Container.wait")
def s_dockerpy_wait(env: Recorder):
    """wait() with its conditions and a timeout."""
    c = env.client.containers
    quick = c.run("busybox", "sh -c 'exit 4'", detach=True, name="quick")
    env.note("wait", quick.wait(timeout=WAIT))
    env.note("wait again (already ended)", quick.wait(timeout=WAIT))
    slow = c.run("busybox", SLEEP, detach=True, name="slow")
    try:
        slow.wait(timeout=1)
        env.note("wait(timeout=1) on a running container", "returned")
    except (requests.exceptions.ReadTimeout, requests.exceptions.ConnectionError) as e:
        env.note("wait(timeout=1) on a running container", type(e).__name__)
    env.note("wait(condition=not-running) when exited", quick.wait(condition="not-running", timeout=WAIT))
    slow.kill()
    env.note("wait after kill", slow.wait(timeout=WAIT))
    gone = c.run("busybox", "sleep 1", detach=True, name="gone", auto_remove=True)
    env.note("wait(condition=removed)", gone.wait(condition="removed", timeout=WAIT))
    env.attempt("get after auto_remove", c.get, "gone")
    env.attempt("wait missing", env.api.wait, "nope")


@scenario("containers: logs", source=DOCS + "containers.rst, Container.logs")
def s_dockerpy_logs(env: Recorder):
    """logs() with tail, timestamps, since, until, stdout/stderr, stream with follow."""
    c = env.client.containers
    talker = c.run("busybox", "sh -c 'echo one; echo two; echo three >&2'", detach=True, name="talker")
    wait_for(env, "talker")
    env.note("logs", talker.logs().decode())
    env.note("tail=1", talker.logs(tail=1).decode())
    env.note("tail=0", talker.logs(tail=0).decode())
    env.note("timestamps", talker.logs(timestamps=True).decode())
    env.note("stdout only", talker.logs(stderr=False).decode())
    env.note("stderr only", talker.logs(stdout=False).decode())
    env.note("until the past", talker.logs(until=datetime.datetime(2000, 1, 1)).decode())
    env.note("since the future", talker.logs(since=int(time.time()) + 3600).decode())
    ticker = c.run("busybox", "sh -c 'for i in 1 2 3; do echo tick $i; sleep 0.3; done'", detach=True, name="ticker")
    env.note("stream, follow", b"".join(ticker.logs(stream=True, follow=True)).decode())


@scenario("containers: copying files", source=DOCS + "containers.rst, put_archive and get_archive")
def s_dockerpy_archive(env: Recorder):
    """put_archive of a tar, get_archive back (names and contents), their refusals."""
    box = run(env, "box")
    env.attempt("put into a folder the image lacks", box.put_archive, "/tmp", b"")
    box.exec_run("mkdir /tmp")
    data = io.BytesIO()
    with tarfile.open(fileobj=data, mode="w") as tar:
        body = b"hello archive\n"
        info = tarfile.TarInfo("greeting.txt")
        info.size, info.mode = len(body), 0o644
        tar.addfile(info, io.BytesIO(body))
    env.attempt("put_archive", box.put_archive, "/tmp", data.getvalue())
    env.note("cat it", box.exec_run("cat /tmp/greeting.txt").output.decode())
    stream, stat = box.get_archive("/tmp/greeting.txt")
    env.note("stat", {k: stat[k] for k in ("name", "size", "mode", "linkTarget")})
    with tarfile.open(fileobj=io.BytesIO(b"".join(stream))) as tar:
        env.note("archive members", [(m.name, tar.extractfile(m).read().decode()) for m in tar.getmembers() if m.isfile()])
    env.attempt("put into a missing folder", box.put_archive, "/nope", data.getvalue())
    env.attempt("get a missing path", box.get_archive, "/nope")
    box.exec_run("sh -c 'mkdir -p /srv/a && echo 1 > /srv/a/one && echo 2 > /srv/two'")
    stream, stat = box.get_archive("/srv")
    with tarfile.open(fileobj=io.BytesIO(b"".join(stream))) as tar:
        env.note("a folder's members", sorted(m.name for m in tar.getmembers()))


@scenario("containers: top and stats", source=DOCS + "containers.rst, top, stats, diff")
def s_dockerpy_top_stats_diff(env: Recorder):
    """top() titles and commands, stats(stream=False)'s shape, diff() after a command wrote files."""
    env.client.networks.create("front")
    box = run(env, "box", network="front")
    top = box.top()
    env.note("top", (top["Titles"], [row[-1] for row in top["Processes"]]))
    stats = box.stats(stream=False)
    env.note("stats keys", sorted(stats))
    env.note("stats networks", sorted(stats.get("networks", {})))
    env.note("stats pids", stats["pids_stats"])
    hermit = run(env, "hermit", network_mode="none")
    env.note("stats of a none-mode container: networks", sorted(hermit.stats(stream=False).get("networks", {})))
    box.exec_run("sh -c 'mkdir /data && echo x > /data/f && rm /bin/vi'")
    env.note("diff", sorted((d["Path"], d["Kind"]) for d in box.diff()))


@scenario("processes: signals", source=DOCS + "containers.rst, Container.kill and stop")
def s_dockerpy_kill(env: Recorder):
    """kill(signal=...) on a PID 1 without handlers: SIGTERM and SIGHUP are ignored, SIGKILL kills (137);
    stop(timeout=1) waits, then kills."""
    c = env.client.containers
    sleeper = c.run("busybox", SLEEP, detach=True, name="sleeper")
    for sig in ("SIGTERM", "SIGHUP", 15):
        env.attempt(f"kill {sig}", sleeper.kill, signal=sig)
        time.sleep(0.3)
        env.note(f"after {sig}", state(env, "sleeper"))
    env.attempt("kill SIGKILL", sleeper.kill, signal="SIGKILL")
    wait_for(env, "sleeper")
    env.note("after SIGKILL", state(env, "sleeper"))
    env.attempt("kill a stopped one", sleeper.kill)
    env.attempt("kill with a bad signal", c.run("busybox", SLEEP, detach=True, name="other").kill, signal="SIGNOPE")
    trapper = c.run("busybox", ["sh", "-c", "trap 'exit 5' USR1; while true; do sleep 0.2; done"], detach=True,
                    name="trapper")
    time.sleep(0.5)
    trapper.kill(signal="SIGUSR1")
    env.note("trap USR1", trapper.wait(timeout=WAIT))
    stopper = c.run("busybox", SLEEP, detach=True, name="stopper")
    stopper.stop(timeout=1)
    env.note("stop(timeout=1)", state(env, "stopper"))


@scenario("containers: pause and unpause", source=DOCS + "containers.rst, pause, unpause, update, rename")
def s_dockerpy_pause_update(env: Recorder):
    """pause and unpause, exec refused while paused, update of a restart policy, prune."""
    box = run(env, "box")
    box.pause()
    env.note("paused", state(env, "box"))
    env.attempt("exec while paused", box.exec_run, "true")
    env.attempt("pause again", box.pause)
    env.attempt("stop while paused", env.api.stop, "box", timeout=1)
    env.note("after stop while paused", state(env, "box"))
    env.attempt("unpause a stopped one", box.unpause)
    box.start()
    env.attempt("update restart policy", box.update, restart_policy={"Name": "on-failure", "MaximumRetryCount": 3})
    box.reload()
    env.note("restart policy", box.attrs["HostConfig"]["RestartPolicy"])
    env.attempt("update a missing one", env.api.update_container, "nope", mem_limit="64m")
    c = env.client.containers
    c.run("busybox", "true", name="done1")
    wait_for(env, "done1")
    env.note("prune", c.prune())
    env.note("left", sorted(x.name for x in c.list(all=True)))


@scenario("processes: stdin and tty", source=DOCS + "containers.rst, run(stdin_open=...), attach")
def s_dockerpy_stdin(env: Recorder):
    """A `cat` with stdin open stays up; what is written through an attached socket comes out of it;
    closing stdin ends it (with StdinOnce)."""
    c = env.client.containers
    cat = c.run("busybox", "cat", stdin_open=True, detach=True, name="cat1")
    time.sleep(0.3)
    env.note("cat with stdin open", state(env, "cat1"))
    once = env.api.create_container("busybox", "cat", stdin_open=True, name="cat2")   # attached: StdinOnce
    sock = env.api.attach_socket(once["Id"], params={"stdin": 1, "stream": 1})
    env.api.start("cat2")
    # A cat that ends at once (the simulator's today) may have closed the socket already: what
    # arrived shows in its logs below.
    with contextlib.suppress(OSError):
        sock._sock.sendall(b"through the socket\n")
        sock._sock.shutdown(1)   # close our side: stdin ends
    env.note("cat2 exit", env.api.wait("cat2", timeout=WAIT)["StatusCode"])
    sock.close()
    env.note("cat2 logs", env.api.logs("cat2").decode())
    plain = c.run("busybox", "cat", detach=True, name="cat3")
    env.note("cat without stdin", plain.wait(timeout=WAIT))
    env.note("attach logs of an ended one", env.api.attach("cat2", stream=False, logs=True).decode())
    env.note("cat1 still up", cat.status)


def names_left(containers) -> list[str]:
    """containers.list(all=True)'s names. docker-py lists, then inspects each container: one that
    auto_remove takes away in between answers 404 (the engine removes it in the background), so
    the list is asked again."""
    for _ in range(5):
        try:
            return [x.name for x in containers.list(all=True)]
        except docker.errors.NotFound:
            continue
    return [x.name for x in containers.list(all=True)]


@scenario("processes: main commands that end", source=DOCS + "containers.rst, run(auto_remove=True)")
def s_dockerpy_auto_remove(env: Recorder):
    """An attached run whose command sleeps returns its output when the command ends; auto_remove
    then removes the container."""
    c = env.client.containers
    env.attempt("attached, sleeping, auto_remove", c.run, "busybox", "sh -c 'echo hello && sleep 2'", auto_remove=True)
    env.note("left", names_left(c))
    env.attempt("attached, failing, auto_remove", c.run, "busybox", "sh -c '>&2 echo error && sleep 1 && exit 1'",
                auto_remove=True)
    env.note("left after the error", names_left(c))


@scenario("files: /etc/hosts and resolv.conf", source=DOCS + "containers.rst, run(dns=, extra_hosts=, ...)")
def s_dockerpy_dns_options(env: Recorder):
    """dns, dns_search, dns_opt, extra_hosts (with host-gateway), domainname, hostname, mac_address:
    inspect and the files they write."""
    c = env.client.containers
    box = c.run("busybox", SLEEP, detach=True, name="box", dns=["10.0.0.53"], dns_search=["lab.local"],
                dns_opt=["ndots:2"], extra_hosts={"db": "10.0.0.5", "gw": "host-gateway"},
                domainname="lab.local", hostname="web", mac_address="02:42:ac:11:00:99")
    data = box.attrs
    env.note("host config", {k: data["HostConfig"].get(k, "<missing>") for k in ("Dns", "DnsSearch", "DnsOptions",
                                                                                  "ExtraHosts")})
    env.note("config", {k: data["Config"].get(k, "<missing>") for k in ("Hostname", "Domainname", "MacAddress")})
    for cmd in ("cat /etc/resolv.conf", "cat /etc/hosts", "hostname", "ip link show eth0"):
        env.exec("box", cmd)
    env.client.networks.create("lab")
    c.run("busybox", SLEEP, detach=True, name="box2", network="lab", dns=["10.0.0.53"], extra_hosts={"db": "10.0.0.5"})
    env.exec("box2", "cat /etc/resolv.conf")
    env.exec("box2", "cat /etc/hosts")


@scenario("containers: legacy links", source=DOCS + "containers.rst, run(links=); networks.rst, connect(links=)")
def s_dockerpy_links(env: Recorder):
    """links on the default bridge (hosts entries, variables), links on a user network (aliases)."""
    c = env.client.containers
    c.run("busybox", SLEEP, detach=True, name="db", environment={"SECRET": "s"}, ports={"5432/tcp": None})
    c.run("busybox", SLEEP, detach=True, name="web", links={"db": "database"})
    env.container("web", "inspect web")
    env.exec("web", "cat /etc/hosts")
    env.exec("web", "sh -c 'env | grep -i database | sort'")
    env.exec("web", "ping -c 1 -W 1 database")
    net = env.client.networks.create("app")
    c.run("busybox", SLEEP, detach=True, name="db2", network="app")
    c.run("busybox", SLEEP, detach=True, name="web2")
    net.connect("web2", links=[("db2", "dbl")], aliases=["frontend"])
    env.container("web2", "inspect web2")
    env.exec("web2", "ping -c 1 -W 1 dbl")
    env.exec("db2", "nslookup frontend")
    env.attempt("link to a missing container", c.run, "busybox", SLEEP, detach=True, name="web3",
                links={"nope": "x"})


@scenario("docker-py: networks", source=DOCS + "networks.rst")
def s_dockerpy_networks_model(env: Recorder):
    """The Network model: create, connect, containers, reload, list by name and with greedy, disconnect, remove."""
    n = env.client.networks
    net = n.create("network1", driver="bridge", labels={"lab": "docs"})
    box = run(env, "box")
    net.connect(box)
    env.note("containers before reload", [x.name for x in net.containers])
    net.reload()
    env.note("containers", [x.name for x in net.containers])
    env.note("list by name", [x.name for x in n.list(names=["network1"])])
    env.note("list by label", [x.name for x in n.list(filters={"label": "lab=docs"})])
    greedy = n.list(greedy=True)
    env.note("greedy list", sorted((x.name, sorted(c.name for c in x.containers)) for x in greedy))
    env.note("get", n.get("network1").attrs["Labels"])
    env.attempt("get missing", n.get, "nope")
    env.attempt("disconnect force", net.disconnect, box, force=True)
    net.reload()
    env.note("containers after", [x.name for x in net.containers])
    env.attempt("remove", net.remove)
    env.attempt("remove again", net.remove)


@scenario("volumes", source=DOCS + "volumes.rst")
def s_dockerpy_volumes(env: Recorder):
    """Volumes: create with labels, get, list by label, use from two containers, remove in use, prune."""
    v = env.client.volumes
    vol = v.create(name="foobar", driver="local", labels={"key": "value"})
    env.note("attrs", vol.attrs)
    env.note("get", v.get("foobar").name)
    env.note("list by label", [x.name for x in v.list(filters={"label": "key=value"})])
    c = env.client.containers
    c.run("busybox", "sh -c 'echo shared > /data/f'", volumes={"foobar": {"bind": "/data", "mode": "rw"}}, remove=True)
    env.attempt("read from another", c.run, "busybox", "cat /data/f", volumes=["foobar:/data:ro"], remove=True)
    c.run("busybox", SLEEP, detach=True, name="holder", volumes=["foobar:/data"])
    env.attempt("remove in use", vol.remove)
    env.attempt("create again (same name)", lambda: v.create(name="foobar").name)
    env.attempt("get missing", v.get, "nope")
    c.get("holder").remove(force=True)
    v.create(name="unused")
    env.note("prune", v.prune())
    env.note("left", sorted(x.name for x in v.list()))


@scenario("processes: health checks", source=DOCS + "containers.rst, run(healthcheck=)")
def s_dockerpy_healthcheck(env: Recorder):
    """A passing and a failing health check: starting, then healthy or unhealthy; ps filters by health."""
    c = env.client.containers
    ms = 1_000_000
    c.run("busybox", SLEEP, detach=True, name="good",
          healthcheck={"test": ["CMD", "true"], "interval": 200 * ms, "timeout": 1000 * ms, "retries": 1})
    c.run("busybox", SLEEP, detach=True, name="bad",
          healthcheck={"test": ["CMD-SHELL", "echo failing; exit 1"], "interval": 200 * ms, "timeout": 1000 * ms,
                       "retries": 2})
    def health(name: str) -> str:
        return env.api.inspect_container(name)["State"].get("Health", {}).get("Status", "<no Health>")
    env.note("starting", health("good"))
    env.note("good becomes healthy", env.wait(lambda: health("good") == "healthy"))
    env.note("bad becomes unhealthy", env.wait(lambda: health("bad") == "unhealthy"))
    log = (env.api.inspect_container("bad")["State"].get("Health", {}).get("Log") or [{}])[0]
    env.note("bad's first check", {k: log.get(k) for k in ("ExitCode", "Output")})
    env.note("config", env.api.inspect_container("good")["Config"].get("Healthcheck"))
    env.note("filter healthy", [x["Names"][0] for x in env.api.containers(filters={"health": "healthy"})])
    env.note("filter unhealthy", [x["Names"][0] for x in env.api.containers(filters={"health": "unhealthy"})])
    env.note("status line", sorted((x["Names"][0], x["Status"].split("(")[-1]) for x in env.api.containers()))


@scenario("IPv6: user-defined bridges", source=DOCS + "networks.rst, create(enable_ipv6=True)")
def s_dockerpy_ipv6(env: Recorder):
    """A dual-stack network: addresses from both pools, a static IPv6 address on connect, AAAA and
    ping -6 by name; IPv6 refused where the network has none."""
    n = env.client.networks
    n.create("v6", enable_ipv6=True, ipam=IPAMConfig(pool_configs=[IPAMPool(subnet="fd00:1::/64"),
                                                                   IPAMPool(subnet="172.30.0.0/16")]))
    env.network("v6")
    run(env, "a6", network="v6")
    run(env, "b6")
    n.get("v6").connect("b6", ipv6_address="fd00:1::100")
    env.container("a6")
    env.note("b6's endpoint", env.api.inspect_container("b6")["NetworkSettings"]["Networks"]["v6"])
    for cmd in ("ip -6 addr show eth0", "ip -6 route", "ping -6 -c 1 -W 1 b6", "ping -c 1 -W 1 fd00:1::100",
                "nslookup b6", "cat /etc/hosts"):
        env.exec("a6", cmd)
    env.attempt("v6 address on a v4 network", n.get("bridge").connect, run(env, "c6"), ipv6_address="fd00:1::5")
    env.attempt("v6 address outside", n.get("v6").connect, "c6", ipv6_address="fd00:2::5")
    env.attempt("overlapping v6", n.create, "v6b", enable_ipv6=True,
                ipam=IPAMConfig(pool_configs=[IPAMPool(subnet="fd00:1::/80")]))
    env.attempt("bad v6 subnet", n.create, "v6c", enable_ipv6=True,
                ipam=IPAMConfig(pool_configs=[IPAMPool(subnet="fd00:zz::/64")]))
    n.create("v6only", enable_ipv6=True, ipam=IPAMConfig(pool_configs=[IPAMPool(subnet="fd00:3::/64")]))
    env.network("v6only")
    run(env, "d6", network="v6only", ports={"80/tcp": 8080})
    env.note("published on a v6 network", env.api.inspect_container("d6")["NetworkSettings"]["Ports"])
    env.exec("d6", "ip addr show eth0")


@scenario("images: list and inspect", source=DOCS + "images.rst")
def s_dockerpy_images(env: Recorder):
    """The image collection: list, get, tag, history, remove; a missing image."""
    i = env.client.images
    env.note("list", sorted(t for img in i.list() for t in img.tags))
    img = i.get("busybox")
    env.note("tags, short id form", (img.tags, img.short_id.startswith("sha256:"), len(img.short_id)))
    env.note("history", [(h["CreatedBy"], h["Tags"]) for h in img.history()])
    env.note("tag", img.tag("lab/box", "v1"))
    env.note("list by name", sorted(t for x in i.list(name="lab/box") for t in x.tags))
    env.attempt("get missing", i.get, "nope:1")
    env.attempt("remove the tag", i.remove, "lab/box:v1")
    env.attempt("remove it again", i.remove, "lab/box:v1")
    env.note("list after", sorted(t for x in i.list() for t in x.tags))


@scenario("images: list and inspect", source=DOCS + "client.rst")
def s_dockerpy_client_info(env: Recorder):
    """ping, version and info as a client sees them: the fields scripts read."""
    env.note("ping", env.client.ping())
    version = env.client.version()
    env.note("version", {k: version.get(k) for k in ("ApiVersion", "MinAPIVersion", "Os", "Arch")})
    env.note("version components", sorted(c["Name"] for c in version.get("Components", [])))
    run(env, "up")
    env.api.create_container("busybox", SLEEP, name="idle")
    info = env.client.info()
    env.note("info counts", {k: info[k] for k in ("Containers", "ContainersRunning", "ContainersPaused",
                                                   "ContainersStopped", "Images")})
    env.note("info", {k: info[k] for k in ("Driver", "OSType", "Architecture", "IPv4Forwarding", "BridgeNfIptables",
                                           "DefaultRuntime", "LiveRestoreEnabled", "Isolation")})
    env.note("info plugins", {k: sorted(v or []) for k, v in info["Plugins"].items()})


@scenario("containers: list with filters", source=DOCS + "containers.rst, ContainerCollection.list")
def s_dockerpy_list_filters(env: Recorder):
    """containers.list with every filter scripts use, limit, sparse."""
    c = env.client.containers
    env.client.volumes.create("vol")
    env.client.networks.create("front")
    c.run("busybox", SLEEP, detach=True, name="first", ports={"80/tcp": 8080}, volumes=["vol:/data"])
    c.run("busybox", "true", name="second")
    c.run("busybox", "sh -c 'exit 2'", name="third", detach=True)
    c.run("busybox", SLEEP, detach=True, name="fourth", network="front", labels={"k": "v"})
    env.api.wait("third", timeout=WAIT)
    first_id = c.get("first").id

    def listed(**kw):
        return names(c.list(all=True, **kw))
    for flt in ({"status": "exited"}, {"exited": 0}, {"exited": 2}, {"publish": "8080"}, {"expose": "80"},
                {"before": "third"}, {"since": "second"}, {"ancestor": "busybox"}, {"volume": "vol"},
                {"network": "front"}, {"label": "k=v"}, {"name": "f"}):
        env.note(f"filter {flt}", listed(filters=flt))
    env.note("filter by an ID prefix", listed(filters={"id": first_id[:10]}))
    env.note("limit=1", [x.name for x in c.list(all=True, limit=1)])
    env.note("sparse", sorted(x.attrs.get("Names", ["?"])[0] for x in c.list(all=True, sparse=True)))
    env.attempt("a filter the engine lacks", c.list, filters={"bogus": "1"})


@scenario("networks: list with filters", source=DOCS + "networks.rst, NetworkCollection.list and get")
def s_dockerpy_network_scope(env: Recorder):
    """Network scope: filters by scope, inspect with scope and verbose."""
    env.client.networks.create("front")
    names = lambda **f: sorted(n["Name"] for n in env.api.networks(**f))  # noqa: E731
    for scope in ("local", "swarm", "global"):
        env.note(f"scope {scope}", names(filters={"scope": [scope]}))
    env.attempt("inspect with scope local", lambda: env.api.inspect_network("front", scope="local")["Scope"])
    env.attempt("inspect with scope swarm", env.api.inspect_network, "front", scope="swarm")
    env.attempt("inspect verbose", lambda: sorted(env.api.inspect_network("front", verbose=True)))
    env.attempt("get with scope", lambda: env.client.networks.get("front", scope="local").name)


@scenario("images: list and inspect", source=DOCS + "containers.rst, Container.commit")
def s_dockerpy_commit(env: Recorder):
    """commit() makes an image of a container's changes, with a new CMD; it runs."""
    box = run(env, "box")
    box.exec_run("sh -c 'echo committed > /note'")
    img = box.commit(repository="lab/snap", tag="v1", changes=['CMD ["cat", "/note"]'], message="a note")
    env.note("image", (img.tags, img.attrs["Config"]["Cmd"], img.attrs["Comment"]))
    env.attempt("run it", env.client.containers.run, "lab/snap:v1", remove=True)
    env.note("diff of the box", sorted((d["Path"], d["Kind"]) for d in box.diff()))
