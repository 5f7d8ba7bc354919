"""What a container's processes, shell and files do when learners poke at them: the labs of blog
posts and courses (`sh -c 'a && b; c || d > f'`, files written then read, `$VAR`, a shell that
waits, servers and clients with nc and httpd, the network tools all telling one story).
"""
from __future__ import annotations

import calendar
import re
import time

from .harness import WAIT, Recorder, scenario
from .scenarios import SLEEP, run

BLOG = "blog and course labs"


@scenario("processes: the shell", source=BLOG + ": sh -c with lists, pipes, redirections")
def s_shell_lists(env: Recorder):
    """busybox sh: ;, &&, ||, pipes, redirections (> >> 2>&1 <), $VAR and ${VAR:-x}, $?, $((..)),
    loops, tests, quoting, here-documents, command substitution."""
    run(env, "box")
    env.exec("box", "mkdir /tmp")   # (the lab image has /bin only: the engine adds /etc, /dev, /proc, /sys)
    for cmd in ("true && echo yes; false || echo no > /tmp/f; cat /tmp/f",
                "echo a >> /tmp/g; echo b >> /tmp/g; cat /tmp/g",
                "ls /nope 2>&1; echo status $?",
                "ls /nope 2>/dev/null || echo hidden",
                "cat < /etc/hostname | wc -c",
                "echo $((6 * 7)) ${UNSET:-fallback} ${#HOME}",
                "for i in 1 2 3; do echo item $i; done",
                "x=5; if [ $x -gt 3 ]; then echo big; else echo small; fi",
                "cd /tmp && pwd; cd /nope; echo after $?",
                "echo \"double $HOME\" 'single $HOME'",
                "false; echo $?; sh -c 'exit 4'; echo $?",
                "echo hello | tr a-z A-Z",
                "seq 3 | wc -l",
                "cat <<EOF\nline one\n$HOME\nEOF",
                "echo $(echo nested) and `echo backticks`",
                "printf '%s-%s\\n' a b",
                "test -e /etc/hosts && echo exists",
                "read first < /etc/hosts; echo ${first%%\t*}",
                "export V=1; sh -c 'echo child sees $V'",
                "nosuchcmd; echo after $?",
                "exit 3"):
        env.exec("box", ["sh", "-c", cmd], key=f"exec box: sh -c {cmd!r}")


@scenario("files: written by commands", source=BLOG + ": echo > file, then read it in the next command")
def s_files_written(env: Recorder):
    """What one command writes the next one reads; a restart keeps it; a new container does not have it."""
    run(env, "box")
    for cmd in ("ls /", "echo hello > /tmp/a", "mkdir /tmp", "echo hello > /tmp/a", "cat /tmp/a",
                "mkdir -p /data/x/y && ls /data /data/x", "rm /tmp/a",
                "cat /tmp/a", "ls -a /tmp", "cp /etc/hosts /tmp/h && wc -l < /tmp/h", "mv /tmp/h /tmp/h2",
                "ls /tmp", "ln -s /tmp/h2 /tmp/link && cat /tmp/link | head -n 1", "rmdir /data/x",
                "touch /etc/newfile && ls /etc", "echo $(cat /etc/hostname) > /hostname-copy"):
        env.exec("box", cmd)
    env.api.restart("box", timeout=0)
    env.exec("box", "cat /tmp/h2 /hostname-copy")
    run(env, "box2")
    env.exec("box2", "ls /tmp /data")


@scenario("processes: environment", source="docker-py docs, containers.rst; " + BLOG)
def s_process_environment(env: Recorder):
    """Environment from the image, from Config.Env, HOSTNAME and HOME; exec's own environment, workdir
    and user; variables expanded by a shell only."""
    run(env, "box", environment={"A": "1", "SPACED": "a b", "EMPTY": ""}, working_dir="/srv", hostname="boxhost")
    env.exec("box", "mkdir /tmp")
    env.container("box")
    for cmd in ("env", "pwd", "sh -c 'echo $A $SPACED $HOSTNAME $HOME'", "echo $A", "sh -c 'echo ${EMPTY:-unset}'"):
        env.exec("box", cmd)
    eid = env.api.exec_create("box", ["sh", "-c", "echo $A $B $PWD; id"], environment={"A": "exec", "B": "2"},
                              workdir="/tmp", user="1000:1000")["Id"]
    env.note("exec with environment, workdir, user", (env.api.exec_start(eid).decode(),
                                                       env.api.exec_inspect(eid)["ExitCode"]))
    env.note("exec inspect", {k: v for k, v in env.api.exec_inspect(eid).items() if k in ("ProcessConfig", "Running",
                                                                                           "OpenStdin", "CanRemove")})
    run(env, "userbox", user="1000", working_dir="/made")
    env.exec("userbox", "sh -c 'id; pwd; touch /made/f; echo $?'")


@scenario("processes: main commands that end", source=BLOG + ": containers that exit and why")
def s_process_lifetimes(env: Recorder):
    """Which main commands keep a container up: sleep N ends, sh/cat without stdin end at once, a
    daemonising httpd ends, httpd -f and nc -l stay."""
    for name, cmd in (("sleeper", "sleep 1"), ("shell", "sh"), ("reader", "cat"), ("daemon", "httpd -p 80"),
                      ("server", "httpd -f -p 80"), ("listener", "nc -l -p 1234"), ("echoer", "echo done"),
                      ("failer", "false"), ("chatty", "sh -c 'echo a; sleep 0.5; echo b'")):
        run(env, name, cmd)
    env.note("soon after start", {n: env.api.inspect_container(n)["State"]["Status"]
                                  for n in ("sleeper", "server", "listener")})
    for name in ("sleeper", "shell", "reader", "daemon", "echoer", "failer", "chatty"):
        env.note(f"{name} ends", env.api.wait(name, timeout=WAIT)["StatusCode"])
    for name in ("sleeper", "shell", "reader", "daemon", "server", "listener", "echoer", "failer", "chatty"):
        data = env.api.inspect_container(name)
        env.note(f"state {name}", {k: data["State"][k] for k in ("Status", "Running", "ExitCode", "OOMKilled")})
        env.note(f"logs {name}", env.api.logs(name).decode())


@scenario("processes: exec in each state", source="docker exec reference; " + BLOG)
def s_exec_states(env: Recorder):
    """exec in a created, running, paused, exited and removed container."""
    env.api.create_container("busybox", SLEEP, name="created")
    env.attempt("exec in created", env.api.exec_create, "created", "true")
    run(env, "paused")
    env.api.pause("paused")
    env.attempt("exec create in paused", env.api.exec_create, "paused", "true")
    env.api.unpause("paused")
    eid = env.api.exec_create("paused", "sleep 5")["Id"]
    env.api.pause("paused")
    env.attempt("exec start in paused", env.api.exec_start, eid)
    env.api.unpause("paused")
    run(env, "exited", "true")
    env.api.wait("exited", timeout=WAIT)
    env.attempt("exec in exited", env.api.exec_create, "exited", "true")
    env.attempt("exec in missing", env.api.exec_create, "nope", "true")
    env.attempt("exec inspect missing", env.api.exec_inspect, "0" * 64)


def engine_time(stamp: str) -> float:
    """An RFC 3339 time as the engine writes it (2026-12-06T11:46:27.055851529Z, or with an offset
    such as +01:00 in another zone), in seconds."""
    whole, frac, zone = re.fullmatch(r"(\S{19})(\.\d+)?(Z|[+-]\d\d:\d\d)", stamp).groups()
    offset = 0 if zone == "Z" else (1 if zone[0] == "+" else -1) * (int(zone[1:3]) * 3600 + int(zone[4:]) * 60)
    return calendar.timegm(time.strptime(whole, "%Y-%m-%dT%H:%M:%S")) + float(frac or 0) - offset


@scenario("processes: signals", "containers: inspect before and after start", source=BLOG)
def s_pid1_stop(env: Recorder):
    """stop with a timeout: a PID 1 without handler is killed at the end (137), one with a trap exits
    by itself; restart keeps interface names and addresses."""
    env.client.networks.create("front")
    env.client.networks.create("back")
    run(env, "plain", network="front")
    env.client.networks.get("back").connect("plain")
    run(env, "trapped", "sh -c 'trap \"exit 0\" TERM; while true; do sleep 0.2; done'")
    env.exec("plain", "ip -o -4 addr")
    before = engine_time(env.api.info()["SystemTime"])          # the engine's clock, not the client's
    env.api.stop("plain", timeout=1)
    waited = engine_time(env.api.inspect_container("plain")["State"]["FinishedAt"]) - before
    env.note("stop(timeout=1) of plain: SIGKILL about a second after (the engine's clock)", 0.5 < waited < 5)
    env.note("plain after stop", env.api.inspect_container("plain")["State"]["ExitCode"])
    env.api.stop("trapped", timeout=10)
    env.note("trapped after stop", env.api.inspect_container("trapped")["State"]["ExitCode"])
    env.api.start("plain")
    env.exec("plain", "ip -o -4 addr")
    env.api.restart("plain", timeout=0)
    env.exec("plain", "ip -o -4 addr")
    env.exec("plain", "ip route")
    env.note("networks after restarts", {k: v["IPAddress"] for k, v in
                                         env.api.inspect_container("plain")["NetworkSettings"]["Networks"].items()})


@scenario("exec: busybox network tools", source=BLOG + ": the same interfaces seen by ip, ifconfig, route, netstat")
def s_network_tool_views(env: Recorder):
    """One model behind every tool: ip, ifconfig, route -n, netstat -rn, /proc/net/route,
    /sys/class/net, arp after a ping, ping -s."""
    env.client.networks.create("front")
    run(env, "web", network="front")
    env.client.networks.get("bridge").connect("web")
    run(env, "peer", network="front")
    for cmd in ("ifconfig eth0 | head -n 2", "ifconfig -a | grep -c Link", "ifconfig eth9", "route -n",
                "netstat -rn", "cat /proc/net/route", "ls /sys/class/net", "cat /sys/class/net/eth1/address",
                "cat /sys/class/net/eth0/operstate", "ping -c 1 -s 100 peer", "ping -c 1 -s 2000 peer",
                "arp -n", "ip neigh show dev eth0 | cut -d' ' -f1-3", "hostname -i", "ip -o link | cut -d: -f2"):
        env.exec("web", cmd)


@scenario("exec: busybox commands", source=BLOG + ": poking around a busybox container")
def s_busybox_applets(env: Recorder):
    """Small tools learners reach for: ps, id, whoami, uname, seq, expr, basename, which, date from an
    epoch, a missing applet, sleep in an exec."""
    run(env, "box")
    for cmd in ("ps", "id", "whoami", "uname -s -m", "seq 2 4", "expr 2 + 3", "basename /a/b/c.txt .txt",
                "which sh", "date -u -d @0 +%Y-%m-%d", "ls /dev", "cat /proc/1/cmdline", "printenv HOME",
                "nosuchapplet", "sleep 0.2", "sh -c 'sleep 0.2 & wait; echo waited'", "kill -0 1", "echo ~"):
        env.exec("box", cmd)


@scenario("reachability: servers and ports", cli=True, source=BLOG + ": a chat with nc, a page with httpd")
def s_nc_httpd_lab(env: Recorder):
    """nc -l serves one connection and ends; httpd serves a page written by the command before it;
    a 404; a port nobody listens on."""
    env.cli("network create lab")
    env.cli("run -d --name server --network lab busybox nc -l -p 1234")
    env.cli("run --rm --network lab busybox sh -c 'echo hello | nc -w 1 server 1234'")
    env.cli("wait server")
    env.cli("logs server")
    env.cli("run -d --name web --network lab busybox sh -c "
            "'mkdir /www && echo \"<h1>hi</h1>\" > /www/index.html && httpd -f -p 80 -h /www'")
    env.cli("run --rm --network lab busybox wget -q -O- http://web/")
    env.cli("run --rm --network lab busybox wget -q -O- http://web/nope")
    env.cli("run --rm --network lab busybox wget -q -O- http://web:81/")
    env.cli("run --rm --network lab busybox nc -w 1 web 81")
    env.cli("rm -f server web")


@scenario("reachability: shared network and isolation", "reachability: internal networks", cli=True,
          source=BLOG + ": a three-tier application, segmented")
def s_three_tier_lab(env: Recorder):
    """front and back (internal): web on both, db on back only, a client on front; who reaches whom."""
    env.cli("network create front")
    env.cli("network create --internal back")
    env.cli("run -d --name db --network back busybox sh -c 'while true; do nc -l -p 5432; done'")
    env.cli("run -d --name web --network front -p 8080:80 busybox httpd -f -p 80")
    env.cli("network connect back web")
    env.cli("run -d --name client --network front busybox sleep 600")
    for src, target in (("client", "web"), ("client", "db"), ("web", "db"), ("db", "web"), ("db", "client")):
        env.cli(f"exec {src} ping -c 1 -W 1 {target}")
    env.cli("exec web nc -w 1 db 5432")
    env.cli("exec db ip route")
    env.cli("exec web ip route")
    env.cli("rm -f db web client")


@scenario("embedded DNS: aliases", cli=True, source=BLOG + ": DNS round robin with --network-alias")
def s_dns_round_robin(env: Recorder):
    """Two containers under one alias: the embedded DNS answers both (in either order); each name too."""
    env.cli("network create rr")
    env.cli("run -d --name es1 --network rr --network-alias search busybox sleep 600")
    env.cli("run -d --name es2 --network rr --network-alias search busybox sleep 600")
    env.cli("run --rm --network rr busybox sh -c 'nslookup search | grep ^Address | sort'")
    env.cli("run --rm --network rr busybox sh -c 'nslookup es1 | grep ^Address'")
    env.cli("rm -f es1")
    env.cli("run --rm --network rr busybox sh -c 'nslookup search | grep ^Address | sort'")
    env.cli("rm -f es2")
    env.cli("run --rm --network rr busybox nslookup search")


@scenario("reachability: host-mode servers and their clashes", cli=True, source="Docker docs, tutorials/host.md; " + BLOG)
def s_host_mode_clash(env: Recorder):
    """Two web servers on the host's port 8000: the second fails to bind and exits; published ports
    are discarded in host mode."""
    env.cli("run -d --name one --network host busybox httpd -f -p 8000")
    env.cli("run -d --name two --network host busybox httpd -f -p 8000")
    env.cli("wait two")
    env.cli("logs two")
    env.cli("run -d --name three --network host -p 9000:9000 busybox sleep 600")
    env.cli("port three")
    env.cli("ps -a --format '{{.Names}} {{.Status}} {{.Ports}}'")
    env.cli("rm -f one two three")


@scenario("reachability: shared network and isolation", "embedded DNS: names and scope", cli=True,
          source=BLOG + ": default bridge versus a user-defined one")
def s_default_vs_user_bridge(env: Recorder):
    """The same pair on the default bridge and on a user-defined bridge: names resolve on the second only."""
    env.cli("run -d --name d1 busybox sleep 600")
    env.cli("run -d --name d2 busybox sleep 600")
    env.cli("exec d1 ping -c 1 -W 1 d2")
    env.cli("exec d1 ping -c 1 -W 1 172.17.0.3")
    env.cli("exec d1 cat /etc/resolv.conf")
    env.cli("network create mynet")
    env.cli("run -d --name u1 --network mynet busybox sleep 600")
    env.cli("run -d --name u2 --network mynet busybox sleep 600")
    env.cli("exec u1 ping -c 1 -W 1 u2")
    env.cli("exec u1 cat /etc/resolv.conf")
    env.cli("exec u1 ping -c 1 -W 1 d1")
    env.cli("network disconnect bridge d1")
    env.cli("exec d1 ip addr")
    env.cli("network connect bridge d1")
    env.cli("exec d1 ip -o -4 addr show eth0")
    env.cli("rm -f d1 d2 u1 u2")


@scenario("networks: macvlan", cli=True, source="Docker docs, drivers/macvlan.md; " + BLOG)
def s_macvlan_pair(env: Recorder):
    """Two containers on macvlan talk to each other and to the underlay, not to their own host."""
    env.cli("network create -d macvlan --subnet 10.99.0.0/24 --ip-range 10.99.0.192/27 --gateway 10.99.0.1 "
            "-o parent=eth0 mv")
    env.cli("run -d --name m1 --network mv busybox sleep 600")
    env.cli("run -d --name m2 --network mv --ip 10.99.0.250 busybox sleep 600")
    env.cli("exec m1 ping -c 1 -W 1 m2")
    env.cli("exec m1 ping -c 1 -W 1 10.99.0.1")
    env.cli("exec m1 ping -c 1 -W 1 10.99.0.11")
    env.cli("exec m1 ip -o -4 addr show eth0")
    env.cli("network create -d macvlan --subnet 10.98.0.0/24 -o parent=eth0 mv2")
    env.cli("network create -d macvlan -o parent=eth0 -o macvlan_mode=passthru mv3")
    env.cli("rm -f m1 m2")


@scenario("processes: health checks", cli=True,
          source="Docker docs, content/reference/cli/docker/container/run.md, '--health-cmd'; "
                 "content/reference/dockerfile.md, HEALTHCHECK")
def s_healthcheck_cli(env: Recorder):
    """--health-cmd and its options: healthy, unhealthy with the failing check's output in the log,
    ps --filter health=; what a paused and a stopped container's health says; --no-healthcheck with
    --health-cmd refused."""
    env.cli("run -d --name web --health-cmd true --health-interval 200ms --health-retries 1 busybox sleep 600")
    env.cli("run -d --name sick --health-cmd 'echo no; exit 1' --health-interval 200ms --health-retries 2 "
            "busybox sleep 600")
    env.cli("run -d --name plain busybox sleep 600")

    def status(name: str) -> str:
        return (env.api.inspect_container(name)["State"].get("Health") or {}).get("Status", "<no Health>")
    env.note("web becomes healthy", env.wait(lambda: status("web") == "healthy"))
    env.note("sick becomes unhealthy", env.wait(lambda: status("sick") == "unhealthy"))
    env.cli("inspect -f '{{.State.Health.Status}} {{.State.Health.FailingStreak}}' web")
    env.cli("inspect -f '{{with index .State.Health.Log 0}}{{.ExitCode}} {{.Output}}{{end}}' sick")
    env.cli("inspect -f '{{json .Config.Healthcheck}}' web sick")
    env.cli("inspect -f '{{json .State.Health}}' plain")
    for health in ("healthy", "unhealthy", "none", "starting"):
        env.cli(f"ps --filter health={health} --format '{{{{.Names}}}}'")
    env.cli("pause web")
    env.cli("inspect -f '{{.State.Health.Status}}' web")
    env.cli("unpause web")
    env.note("web healthy again", env.wait(lambda: status("web") == "healthy"))
    env.cli("stop -t 0 web")
    env.cli("inspect -f '{{.State.Health.Status}}' web")
    env.cli("ps -a --filter health=unhealthy --format '{{.Names}}'")
    env.cli("run -d --name never --no-healthcheck --health-cmd true busybox true")
    env.cli("rm -f web sick plain")
