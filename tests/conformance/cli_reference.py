"""The docker CLI as its reference pages and blog labs use it: `docker run` and its options,
exec, logs, cp, pause, rename, wait, stop and kill, ps and inspect formats, volumes, images.

Every command is typed against the engine under test (env.cli); containers are named, so that no
randomly named container shows in a listing. Sources: Docker's CLI reference
(content/reference/cli/docker/...) and the habits of blog posts and course labs.
"""
from __future__ import annotations

import os

from .harness import Recorder, scenario

RUN = "Docker docs, content/reference/cli/docker/container/run.md"
EXEC = "Docker docs, content/reference/cli/docker/container/exec.md"
BLOG = "blog and course labs"


@scenario("containers: exit status", cli=True, source=RUN + ", 'Exit status'")
def s_run_exit_status(env: Recorder):
    """125 for the CLI's or daemon's own errors, 126 when the command cannot run, 127 when it is not
    found, else the command's own status; with --rm nothing is left, without it a Created container."""
    env.cli("run --foo busybox true")
    env.cli("run --rm busybox /etc")
    env.cli("run --rm busybox foo")
    env.cli("run --rm busybox /bin/sh -c 'exit 3'")
    env.cli("run --name nocmd busybox nosuchcmd")
    env.cli("ps -a --format '{{.Names}} {{.Status}} {{.Command}}'")
    env.cli("start nocmd")
    env.cli("inspect -f '{{.State.Status}} {{.State.ExitCode}} {{.State.Error}}' nocmd")


@scenario("containers: errors and name conflicts", cli=True, source=RUN + ", '--name'")
def s_run_names(env: Recorder):
    """Names the daemon refuses, a name taken, a name freed by rm."""
    env.cli("run -dit --name a busybox sh")
    env.cli("run -d --name 'bad name' busybox true")
    env.cli("run -d --name web busybox sleep 600")
    env.cli("run -d --name web busybox sleep 600")
    env.cli("run -d --name /web2 busybox sleep 600")
    env.cli("rm -f web")
    env.cli("run -d --name web busybox sleep 600")
    env.cli("ps --format '{{.Names}}'")
    env.cli("rm -f web web2")


@scenario("processes: stdin and tty", cli=True, source=RUN + ", '-i', '-t', '-a'; " + BLOG)
def s_run_stdin_tty(env: Recorder):
    """-i pipes stdin to the command; -t without a terminal is refused with -i, and turns newlines
    into CRLF without it; -a picks the streams."""
    env.cli("run --rm -i busybox cat", stdin="hello\nworld\n")
    env.cli("run --rm -i busybox wc -l", stdin="1\n2\n3\n")
    env.cli("run --rm -i busybox sh", stdin="echo from a script; hostname | wc -c\nexit 4\n")
    env.cli("run --rm busybox cat", stdin="not passed without -i\n")
    env.cli("run --rm -it busybox sh")
    env.cli("run --rm -t busybox sh -c 'echo out; echo err >&2'")
    env.cli("run --rm -a stderr busybox sh -c 'echo out; echo err >&2'")
    env.cli("run --rm -a stdin -a stdout -i busybox cat -", stdin="attached\n")


@scenario("processes: a shell's life", cli=True, source="Docker docs tutorials' `docker run -dit`; " + BLOG)
def s_run_detached_shells(env: Recorder):
    """A shell stays up with a terminal or open stdin (-dit, -di, -dt), ends at once without (-d);
    its prompt is in the logs of a TTY container."""
    env.cli("run -dit --name box1 busybox sh")
    env.cli("run -di --name box2 busybox sh")
    env.cli("run -dt --name box3 busybox sh")
    env.cli("run -d --name box4 busybox sh")
    env.cli("run -d --name box5 busybox")
    env.cli("wait box4 box5")
    env.cli("ps -a --format '{{.Names}} {{.Status}} {{.Command}}'")
    env.cli("logs box1")
    env.cli("inspect -f '{{.Config.Tty}} {{.Config.OpenStdin}} {{.Config.AttachStdin}} {{json .Config.Cmd}}' box1")
    env.cli("attach box4")
    env.cli("rm -f box1 box2 box3 box4 box5")


@scenario("exec: forms", cli=True, source=EXEC)
def s_exec_forms(env: Recorder):
    """docker exec with -i, -it, -e, -w, -u, -d; commands that cannot run; containers that are not running."""
    env.cli("run -dit --name box busybox sh")
    env.cli("exec box hostname")
    env.cli("exec -w /tmp box pwd")
    env.cli("exec box mkdir /tmp")
    env.cli("exec -it box sh")
    env.cli("exec -i box sh", stdin="echo $HOSTNAME | wc -c; cd /tmp && pwd\n")
    env.cli("exec -e FOO=bar -e EMPTY= box sh -c 'echo $FOO-$EMPTY-$HOME'")
    env.cli("exec -w /tmp box pwd")
    env.cli("exec -w /nope box pwd")
    env.cli("exec -u nobody box id")
    env.cli("exec -u 1000:1000 box id")
    env.cli("exec box nosuch")
    env.cli("exec box /etc")
    env.cli("exec box sh -c 'exit 42'")
    env.cli("exec -d box sh -c 'echo detached > /tmp/d'")
    env.cli("exec nope true")
    env.cli("create --name idle busybox sleep 600")
    env.cli("exec idle true")
    env.cli("rm -f box idle")


@scenario("processes: environment", cli=True, source=RUN + ", '-e, --env, --env-file'; " + BLOG)
def s_run_environment(env: Recorder):
    """-e VAR=value, -e VAR from the CLI's own environment, --env-file, and $VAR expanded by a shell
    (not by exec without one)."""
    with open(os.path.join(env.workdir, "env.list"), "w") as f:
        f.write("# a comment\nVAR1=value1\nVAR2\nUSER\n")
    # sorted: Debian's 20.10 client sends the variables in an order of its own, different each time
    env.cli("run --rm -e MYVAR1 --env MYVAR2=foo --env-file ./env.list busybox sh -c 'env | sort'",
            env={"MYVAR1": "from the shell", "VAR2": "exported", "USER": "learner"})
    env.cli("run --rm -e NAME=world busybox sh -c 'echo hello $NAME'")
    env.cli("run --rm -e NAME=world busybox echo hello $NAME")
    env.cli("run --rm busybox sh -c 'echo ${UNSET:-default} $HOME $PATH'")
    env.cli("run --rm --env-file ./missing.list busybox true")
    env.cli("run -d --name envbox -e A=1 -e B=two busybox sleep 600")
    env.cli("inspect -f '{{json .Config.Env}}' envbox")
    env.cli("exec envbox sh -c 'echo $A $B'")
    env.cli("exec -e A=override envbox sh -c 'echo $A $B'")
    env.cli("rm -f envbox")


@scenario("files: /etc/hosts and resolv.conf", cli=True,
          source=RUN + ", '--add-host', '--dns'; docker network reference")
def s_run_dns_options(env: Recorder):
    """--add-host (host-gateway too), --dns, --dns-search, --dns-option, --hostname, --domainname: on
    the default bridge they are written into the files; on a user network resolv.conf keeps 127.0.0.11."""
    env.cli("run --rm --add-host docker:93.184.216.34 --add-host gw:host-gateway busybox cat /etc/hosts")
    env.cli("run --rm --add-host bad busybox true")
    env.cli("run --rm --dns 10.0.0.53 --dns-search example.com --dns-option ndots:2 busybox cat /etc/resolv.conf")
    env.cli("network create lab")
    env.cli("run --rm --network lab --dns 10.0.0.53 --dns-search example.com --dns-option ndots:2 busybox "
            "cat /etc/resolv.conf")
    env.cli("run --rm --network lab --add-host gw:host-gateway busybox cat /etc/hosts")
    env.cli("run --rm --hostname web1 --domainname example.com busybox sh -c 'hostname; hostname -f; cat /etc/hosts'")
    env.cli("run --rm --hostname web1 --network lab busybox hostname -i")


@scenario("networks: connect with a static address", "embedded DNS: aliases", cli=True,
          source=RUN + ", '--ip', '--network-alias', '--mac-address'")
def s_run_ip_alias_mac(env: Recorder):
    """--ip on a user subnet (and its refusals), --network-alias (several containers under one alias),
    --mac-address (which the 28.x client itself refuses against API 1.41)."""
    env.cli("network create --subnet 172.30.0.0/16 my-net")
    env.cli("run -d --name web --network my-net --ip 172.30.100.104 busybox sleep 600")
    env.cli("inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' web")
    env.cli("run -d --name web2 --network my-net --ip 172.30.100.104 busybox sleep 600")
    env.cli("run --rm --network my-net --ip 172.31.0.5 busybox true")
    env.cli("run --rm --ip 172.17.0.50 busybox true")
    env.cli("run -d --name api1 --network my-net --network-alias backend busybox sleep 600")
    env.cli("run -d --name api2 --network my-net --network-alias backend --network-alias api.local busybox sleep 600")
    env.cli("exec web sh -c 'nslookup backend | grep ^Address | sort'")
    env.cli("exec web ping -c 1 -W 1 api.local")
    env.cli("run --rm --network-alias lonely busybox true")
    env.cli("run --rm --mac-address 92:d0:c6:0a:29:33 busybox ip link show eth0")
    env.cli("rm -f web web2 api1 api2")


@scenario("processes: restart policies", cli=True, source=RUN + ", '--restart'")
def s_run_restart_policies(env: Recorder):
    """on-failure:N retries N times and stays exited; unless-stopped and always stay stopped after stop;
    --rm and a restart policy conflict."""
    env.cli("run -d --name flaky --restart on-failure:2 busybox sh -c 'exit 1'")

    def settled() -> bool:
        state = env.api.inspect_container("flaky")
        return state["RestartCount"] == 2 and state["State"]["Status"] == "exited"
    env.note("flaky settled", env.wait(settled, timeout=30))
    env.cli("inspect -f '{{.RestartCount}} {{.State.Status}} {{.State.ExitCode}} {{json .HostConfig.RestartPolicy}}' "
            "flaky")
    env.cli("run -d --name steady --restart unless-stopped busybox sleep 600")
    env.cli("stop -t 1 steady")
    env.cli("inspect -f '{{.RestartCount}} {{.State.Status}} {{.State.ExitCode}}' steady")
    env.cli("run -d --name forever --restart always busybox sleep 600")
    env.cli("update --restart no forever")
    env.cli("inspect -f '{{json .HostConfig.RestartPolicy}}' forever")
    env.cli("run --rm --restart always busybox true")
    env.cli("run -d --restart sometimes busybox true")
    env.cli("rm -f flaky steady forever")


@scenario("processes: waiting and exit codes", cli=True,
          source="Docker docs, content/reference/cli/docker/container/wait.md")
def s_wait(env: Recorder):
    """docker wait prints the exit code when the container ends (at once if it has)."""
    env.cli("run -d --name quick busybox sh -c 'exit 5'")
    env.cli("wait quick")
    env.cli("run -d --name slow busybox sleep 1")
    env.cli("wait slow")
    env.cli("wait quick slow")
    env.cli("wait nope")
    env.cli("ps -a --format '{{.Names}} {{.Status}}'")


@scenario("processes: signals", cli=True, source="Docker docs, container/stop.md and kill.md; " + BLOG)
def s_stop_kill(env: Recorder):
    """PID 1 ignores signals it has no handler for: stop waits its timeout, then kills (137); a trap
    answers at once; kill sends SIGKILL, or the signal given."""
    env.cli("run -dit --name shell busybox sh")
    env.cli("stop -t 1 shell")
    env.cli("run -d --name sleeper busybox sleep 600")
    env.cli("kill -s HUP sleeper")
    env.cli("inspect -f '{{.State.Status}}' sleeper")
    env.cli("kill sleeper")
    env.cli("run -d --name trapper busybox sh -c 'trap \"echo bye; exit 7\" TERM; while true; do sleep 1; done'")
    env.cli("stop trapper")
    env.cli("logs trapper")
    env.cli("run -d --name quitter --stop-signal SIGKILL busybox sleep 600")
    env.cli("stop quitter")
    env.cli("run -d --name patient --stop-timeout 1 busybox sleep 600")
    env.cli("stop patient")
    env.cli("kill patient")
    env.cli("ps -a --format '{{.Names}} {{.Status}}'")
    env.cli("rm shell sleeper trapper quitter patient")


@scenario("containers: pause and unpause", cli=True, source="Docker docs, container/pause.md; " + BLOG)
def s_pause(env: Recorder):
    """A paused container shows (Paused), refuses exec, and pause/unpause twice is refused."""
    env.cli("run -dit --name box busybox sh")
    env.cli("pause box")
    env.cli("ps --format '{{.Names}} {{.Status}}'")
    env.cli("exec box true")
    env.cli("pause box")
    env.cli("inspect -f '{{.State.Status}} {{.State.Paused}} {{.State.Running}}' box")
    env.cli("unpause box")
    env.cli("unpause box")
    env.cli("exec box echo awake")
    env.cli("pause nope")
    env.cli("rm -f box")


@scenario("containers: rename", "embedded DNS: names and scope", cli=True,
          source="Docker docs, container/rename.md; " + BLOG)
def s_rename(env: Recorder):
    """A renamed container answers to its new name in the embedded DNS, not to the old one."""
    env.cli("network create net")
    env.cli("run -d --name old --network net busybox sleep 600")
    env.cli("run -d --name peer --network net busybox sleep 600")
    env.cli("rename old new")
    env.cli("exec peer ping -c 1 -W 1 new")
    env.cli("exec peer ping -c 1 -W 1 old")
    env.cli("rename new peer")
    env.cli("rename nope other")
    env.cli("ps --format '{{.Names}}'")
    env.cli("inspect -f '{{.Name}}' new")
    env.cli("rm -f new peer")


@scenario("containers: logs", cli=True, source="Docker docs, container/logs.md; " + BLOG)
def s_logs(env: Recorder):
    """logs with --tail, -t, --until, -f of an ended container, and each stream to its own."""
    env.cli("run -d --name talker busybox sh -c 'echo one; echo two; echo three >&2'")
    env.cli("wait talker")
    env.cli("logs talker")
    env.cli("logs --tail 1 talker")
    env.cli("logs --tail 0 talker")
    env.cli("logs -n 2 talker")
    env.cli("logs -t talker")
    env.cli("logs --until 2000-01-01T00:00:00Z talker")
    env.cli("logs -f talker")
    env.cli("logs nope")
    env.cli("rm talker")


@scenario("containers: copying files", cli=True, source="Docker docs, container/cp.md; " + BLOG)
def s_cp(env: Recorder):
    """docker cp both ways, into a stopped container too, and its refusals."""
    with open(os.path.join(env.workdir, "hello.txt"), "w") as f:
        f.write("hello from the host\n")
    env.cli("run -dit --name box busybox sh")
    env.cli("cp hello.txt box:/tmp/hello.txt")
    env.cli("exec box mkdir /tmp")
    env.cli("cp hello.txt box:/tmp/hello.txt")
    env.cli("exec box cat /tmp/hello.txt")
    env.cli("cp box:/etc/hostname ./hostname.txt")
    with open(os.path.join(env.workdir, "hostname.txt")) as f:
        env.note("copied out: its length", len(f.read()))
    env.cli("exec box sh -c 'mkdir -p /data/sub && echo a > /data/sub/a'")
    env.cli("cp box:/data ./data")
    env.note("copied out: a folder", sorted(os.path.relpath(os.path.join(d, n), env.workdir)
                                            for d, _, names in os.walk(os.path.join(env.workdir, "data"))
                                            for n in names))
    env.cli("cp box:/nope ./nope")
    env.cli("cp hello.txt box:/nonexistent/dir/")
    env.cli("cp hello.txt nope:/tmp/")
    env.cli("stop -t 0 box")
    env.cli("cp hello.txt box:/hello-stopped.txt")
    env.cli("start box")
    env.cli("exec box cat /hello-stopped.txt")
    env.cli("rm -f box")


@scenario("containers: list with filters", cli=True, source="Docker docs, container/ls.md")
def s_ps_filters(env: Recorder):
    """docker ps filters (status, exited, publish, expose, label, name, network, ancestor) and formats."""
    env.cli("network create front")
    env.cli("run -d --name web --network front -p 8080:80 --label tier=front busybox httpd -f -p 80")
    env.cli("run -d --name api --expose 9000 --label tier=back busybox sleep 600")
    env.cli("run --name done0 busybox true")
    env.cli("run --name done3 busybox sh -c 'exit 3'")
    env.cli("create --name idle busybox true")
    for flt in ("status=exited", "status=created", "status=running", "exited=0", "exited=3", "publish=8080",
                "publish=80", "expose=9000", "expose=80", "label=tier", "label=tier=back", "name=^do",
                "network=front", "ancestor=busybox", "is-task=false"):
        env.cli(f"ps -a --filter {flt} --format '{{{{.Names}}}}'")
    env.cli("ps -a --format 'table {{.Names}}\\t{{.Status}}\\t{{.Ports}}'")
    env.cli("ps -a --no-trunc --format '{{.Names}}: {{.Command}}'")
    env.cli("ps -aq")
    env.cli("ps -l --format '{{.Names}}'")
    env.cli("ps -n 2 --format '{{.Names}}'")
    env.cli("ps --filter bogus=1")
    env.cli("rm -f web api done0 done3 idle")


@scenario("containers: inspect formats", cli=True, source="Docker docs, reference/cli/docker/inspect.md; " + BLOG)
def s_inspect_formats(env: Recorder):
    """The inspect templates blog posts copy: addresses, ports, state, mounts; and inspect of what is not."""
    env.cli("network create front")
    env.cli("run -d --name web -p 8080:80 busybox httpd -f -p 80")
    env.cli("network connect front web")
    env.cli("inspect -f '{{.NetworkSettings.IPAddress}}' web")
    env.cli("inspect --format '{{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}' web")
    env.cli("inspect -f '{{json .NetworkSettings.Ports}}' web")
    env.cli("inspect -f '{{.State.Status}} {{.State.Running}} {{.RestartCount}}' web")
    env.cli("inspect -f '{{.HostConfig.NetworkMode}} {{.Config.Image}} {{.Path}} {{json .Args}}' web")
    env.cli("inspect -f '{{index .Config.Labels \"none\"}}' web")
    env.cli("inspect --type network -f '{{range .IPAM.Config}}{{.Subnet}} {{.Gateway}}{{end}}' front")
    env.cli("inspect -f '{{.Name}}' front web")
    env.cli("inspect nope")
    env.cli("inspect --type container front")
    env.cli("container inspect -f '{{.Config.Hostname}}' web")
    env.cli("rm -f web")


@scenario("containers: published ports", "reachability: published ports", cli=True,
          source=RUN + ", '-p, --publish', '-P', '--expose'; Docker docs, container/port.md")
def s_port_publishing(env: Recorder):
    """-p in its forms, -P with --expose, docker port, clashes, and a request through a published port."""
    env.cli("run -d --name web -p 8080:80 busybox sh -c 'echo published > /index.html && httpd -f -p 80'")
    env.cli("port web")
    env.cli("port web 80/tcp")
    env.cli("port web 81")
    env.cli("run -d -P --expose 80 --expose 443 --name auto busybox sleep 600")
    env.cli("port auto")
    env.cli("run -d --name local -p 127.0.0.1:8081:80 -p 8082:80/udp -p 9000-9001:9000-9001 busybox sleep 600")
    env.cli("port local")
    env.cli("run -d --name clash -p 8080:80 busybox sleep 600")
    env.cli("run --rm -p 70000:80 busybox true")
    env.cli("run --rm -p abc busybox true")
    env.cli("run --rm --network host busybox wget -q -O- http://127.0.0.1:8080/")
    env.cli("ps -a --format '{{.Names}} {{.Status}} {{.Ports}}'")
    env.cli("rm -f web auto local clash")


@scenario("volumes", cli=True, source="Docker docs, content/manuals/engine/storage/volumes.md")
def s_volumes(env: Recorder):
    """Named and anonymous volumes: data shared between containers, what ls and inspect show, and
    removal of one in use."""
    env.cli("volume create data")
    env.cli("volume ls")
    env.cli("volume inspect data")
    env.cli("run --rm -v data:/data busybox sh -c 'echo kept > /data/f'")
    env.cli("run --rm -v data:/data:ro busybox cat /data/f")
    env.cli("run --rm -v data:/data:ro busybox touch /data/g")
    env.cli("run -d --name holder --mount source=data,target=/data busybox sleep 600")
    env.cli("inspect -f '{{json .Mounts}}' holder")
    env.cli("volume rm data")
    env.cli("rm -f holder")
    env.cli("run --rm -v /scratch busybox ls /scratch")
    env.cli("run -d --name anon -v /scratch busybox sleep 600")
    env.cli("volume ls -q")
    env.cli("rm -f -v anon")
    env.cli("volume rm data")
    env.cli("volume ls -q")
    env.cli("volume rm nope")


@scenario("volumes", cli=True, source="Docker docs, content/manuals/engine/storage/bind-mounts.md and tmpfs.md")
def s_bind_tmpfs(env: Recorder):
    """A host folder bind-mounted (both ways, and read-only), tmpfs mounts, a read-only root."""
    os.makedirs(os.path.join(env.workdir, "site"))
    with open(os.path.join(env.workdir, "site", "index.html"), "w") as f:
        f.write("from the host\n")
    site = os.path.join(env.workdir, "site")
    env.cli(f"run --rm -v {site}:/www busybox cat /www/index.html")
    env.cli(f"run --rm -v {site}:/www busybox sh -c 'echo from the container > /www/new.txt'")
    with open(os.path.join(site, "new.txt")) as f:
        env.note("written through the bind mount", f.read())
    env.cli(f"run --rm --mount type=bind,source={site},target=/www,readonly busybox touch /www/x")
    env.cli("run --rm --mount type=bind,source=/nonexistent/folder,target=/www busybox true")
    env.cli("run --rm --tmpfs /cache busybox sh -c 'echo x > /cache/f && cat /cache/f'")
    env.cli("run --rm --mount type=tmpfs,destination=/cache busybox sh -c 'grep /cache /proc/mounts | cut -d\" \" -f1-3'")
    env.cli("run --rm --read-only busybox touch /x")
    env.cli("run --rm --read-only --tmpfs /tmp busybox touch /tmp/x")


@scenario("containers: create, start, restart", cli=True, source="Docker docs, container/create.md, start.md")
def s_create_start(env: Recorder):
    """create then start -a; start again appends to the logs; restart of a one-shot."""
    env.cli("create --name c1 busybox echo hello")
    env.cli("ps -a --format '{{.Names}} {{.Status}}'")
    env.cli("start -a c1")
    env.cli("start c1")
    env.cli("wait c1")
    env.cli("restart c1")
    env.cli("wait c1")
    env.cli("logs c1")
    env.cli("inspect -f '{{.RestartCount}} {{.State.ExitCode}}' c1")
    env.cli("create --name c1 busybox true")
    env.cli("start nope")
    env.cli("rm c1")


@scenario("containers: remove and prune", cli=True, source="Docker docs, container/rm.md and prune.md")
def s_rm_prune(env: Recorder):
    """rm of a running container is refused, -f forces, prune removes the stopped ones."""
    env.cli("run -d --name running busybox sleep 600")
    env.cli("run --name stopped1 busybox true")
    env.cli("run --name stopped2 busybox true")
    env.cli("rm running")
    env.cli("rm nope")
    env.cli("container prune -f")
    env.cli("ps -a --format '{{.Names}}'")
    env.cli("rm -f running")
    env.cli("rm -f running")


@scenario("images: list and inspect", cli=True, source="Docker docs, image/ls.md, image/tag.md, container/commit.md")
def s_images_cli(env: Recorder):
    """The lab image listed and inspected, a tag of it run and removed, a commit of a container's changes."""
    env.cli("image ls --format '{{.Repository}}:{{.Tag}}'")
    env.cli("image inspect -f '{{json .Config.Cmd}} {{.Os}} {{.Architecture}}' busybox")
    env.cli("tag busybox lab/box:1")
    env.cli("run --rm lab/box:1 echo tagged")
    env.cli("image ls --format '{{.Repository}}:{{.Tag}}'")
    env.cli("rmi lab/box:1")
    env.cli("run --name changer busybox sh -c 'mkdir /data && echo x > /data/f && rm /bin/vi'")
    env.cli("diff changer")
    env.cli("commit changer lab/snap:v1")
    env.cli("run --rm lab/snap:v1 cat /data/f")
    env.cli("rm changer")
    env.cli("rmi busybox")
    env.cli("image inspect nope")


@scenario("networks: list with filters", cli=True, source="Docker docs, network/ls.md, network/create.md")
def s_network_cli(env: Recorder):
    """network create with the reference's options, network ls filters and formats, refusals."""
    env.cli("network create --driver=bridge --subnet=172.28.0.0/16 --ip-range=172.28.5.0/24 --gateway=172.28.5.254 br0")
    env.cli("network create -d bridge --subnet=192.168.10.0/25 --subnet=192.168.20.0/25 --gateway=192.168.10.100 "
            "--gateway=192.168.20.100 --aux-address=my-router=192.168.10.5 --aux-address=my-switch=192.168.10.6 multi")
    env.cli("network create --internal --label env=lab --attachable inner")
    env.cli("network inspect -f '{{json .IPAM}}' br0 multi")
    env.cli("run --rm --network br0 busybox ip addr show eth0")
    env.cli("network create br0")
    env.cli("network create -d overlay ov")
    env.cli("network create -d nosuch x")
    env.cli("network create --subnet 172.28.1.0/24 clash")
    for flt in ("driver=bridge", "name=br", "type=custom", "type=builtin", "label=env", "label=env=lab", "scope=local"):
        env.cli(f"network ls --filter {flt} --format '{{{{.Name}}}}'")
    env.cli("network ls --format '{{.Name}}: {{.Driver}} {{.Scope}} {{.Internal}} {{.IPv6}}'")
    env.cli("network ls -q")
    env.cli("network rm br0 multi inner nope")


@scenario("networks: connect with aliases", "networks: connect and disconnect errors", cli=True,
          source="Docker docs, network/connect.md and disconnect.md")
def s_network_connect_cli(env: Recorder):
    """network connect with --ip, --alias and --link, disconnect (and -f), as the reference shows them."""
    env.cli("network create --subnet 172.20.0.0/16 multi-host-network")
    env.cli("run -d --name container1 busybox sleep 600")
    env.cli("run -d --name container2 busybox sleep 600")
    env.cli("network connect multi-host-network container1")
    env.cli("network connect --ip 172.20.128.2 --alias db --alias mysql --link container1:c1 multi-host-network "
            "container2")
    env.cli("exec container2 ping -c 1 -W 1 c1")
    env.cli("exec container1 ping -c 1 -W 1 mysql")
    env.cli("exec container1 nslookup db")
    env.cli("inspect -f '{{json .NetworkSettings.Networks}}' container2")
    # as a document: ranging over .Containers goes by container ID, which is random
    env.cli("network inspect -f '{{json .Containers}}' multi-host-network")
    env.cli("network connect multi-host-network container1")
    env.cli("network disconnect multi-host-network container1")
    env.cli("network disconnect multi-host-network container1")
    env.cli("network disconnect -f multi-host-network container2")
    env.cli("network connect --ip 10.0.0.5 bridge container1")
    env.cli("rm -f container1 container2")
    env.cli("network rm multi-host-network")


@scenario("networks: prune", cli=True, source="Docker docs, network/prune.md and rm.md")
def s_network_prune_cli(env: Recorder):
    """network rm of a network in use, prune of the unused ones."""
    env.cli("network create used")
    env.cli("network create unused1")
    env.cli("network create unused2")
    env.cli("run -d --name user1 --network used busybox sleep 600")
    env.cli("network rm used")
    env.cli("network prune -f")
    env.cli("network ls --format '{{.Name}}'")
    env.cli("rm -f user1")
    env.cli("network prune -f --filter until=1h")
    env.cli("network prune -f")


@scenario("containers: top and stats", cli=True, source="Docker docs, container/top.md and stats.md")
def s_top_stats(env: Recorder):
    """docker top (its columns; the PIDs are the host's) and stats --no-stream in a format without counters."""
    env.cli("run -dit --name box busybox sh")
    env.cli("exec -d box sleep 600")
    top = env.api.top("box")
    env.note("top titles and commands", (top["Titles"], sorted(row[-1] for row in top["Processes"])))
    env.cli("stats --no-stream --format '{{.Name}} {{.PIDs}}'")
    env.cli("stats --no-stream --format '{{.Name}}' box nope")
    env.cli("stop -t 0 box")
    env.cli("top box")
    env.cli("rm box")


@scenario("containers: network modes", cli=True, source=RUN + ", '--network container:'; " + BLOG)
def s_container_mode_cli(env: Recorder):
    """--network container:NAME shares the other's interfaces, hostname and ports."""
    env.cli("run -d --name main busybox httpd -f -p 80")
    env.cli("run --rm --network container:main busybox ip addr")
    env.cli("run --rm --network container:main busybox hostname")
    env.cli("run --rm --network container:main busybox wget -q -O- http://127.0.0.1/")
    env.cli("run --rm --network container:nope busybox true")
    env.cli("run --rm --network container:main -p 8080:80 busybox true")
    env.cli("rm -f main")


@scenario("containers: capabilities and sysctls", cli=True, source=RUN + ", '--cap-add', '--sysctl'; " + BLOG)
def s_caps_sysctls(env: Recorder):
    """Without NET_ADMIN a container cannot change its interfaces or routes; with it, it can."""
    env.cli("run --rm busybox ip link set eth0 mtu 1400")
    env.cli("run --rm --cap-add NET_ADMIN busybox sh -c 'ip link set eth0 mtu 1400 && ip link show eth0'")
    env.cli("run --rm --cap-add NET_ADMIN busybox sh -c "
            "'ip addr add 10.1.1.1/24 dev eth0 && ip route add 10.2.0.0/16 via 172.17.0.1 && ip route'")
    env.cli("run --rm --cap-add NET_ADMIN busybox ip link add dummy0 type dummy")
    env.cli("run --rm --sysctl net.ipv4.ip_forward=1 busybox cat /proc/sys/net/ipv4/ip_forward")
    env.cli("run --rm --sysctl kernel.nosuch=1 busybox true")
    env.cli("run --rm --cap-drop NET_RAW busybox ping -c 1 -W 1 172.17.0.1")


@scenario("swarm: init, join, nodes", cli=True, hosts=2, source="Docker docs, swarm/swarm-tutorial; swarm/*.md")
def s_swarm_cli(env: Recorder):
    """swarm init and join by the CLI, node ls, join-token, what a worker may not do."""
    w = env.on(2)
    env.cli("swarm init --advertise-addr eth0")
    env.cli("swarm join-token worker")
    token = env.cli("swarm join-token -q worker")["stdout"].strip()
    w.cli(f"swarm join --token {token} 10.99.0.11:2377", key="$ docker swarm join --token <token> 10.99.0.11:2377")
    env.cli("node ls --format '{{.Hostname}} {{.Status}} {{.Availability}} {{.ManagerStatus}}'")
    env.cli("node inspect self --format '{{.Status.Addr}} {{.Spec.Role}}'")
    w.cli("node ls")
    w.cli("info --format '{{.Swarm.LocalNodeState}} {{.Swarm.ControlAvailable}}'")
    env.cli("swarm leave")
    w.cli("swarm leave")
    # The manager marks the node down when its heartbeats stop, a few seconds later.
    env.note("host2 is down", env.wait(lambda: any(n["Description"]["Hostname"] == "host2" and n["Status"]["State"] == "down"
                                                   for n in env.api.nodes()), timeout=30))
    env.cli("node ls --format '{{.Hostname}} {{.Status}}'")


@scenario("processes: environment", cli=True, source=RUN + ", '--init', '--entrypoint', '-u', '-w'")
def s_run_init_entrypoint_user(env: Recorder):
    """--init puts docker-init at PID 1; --entrypoint replaces the image's; -u and -w."""
    env.cli("run --rm --init busybox ps")
    env.cli("run --rm busybox ps")
    env.cli("run --rm --entrypoint echo busybox hi")
    env.cli("run --rm --entrypoint '' busybox echo empty entrypoint")
    env.cli("run --rm --entrypoint nosuch busybox")
    env.cli("run --rm -u 1000 busybox id")
    env.cli("run --rm -u 1000:1000 busybox sh -c 'touch /x; echo $?'")
    env.cli("run --rm -u nobody busybox id")
    env.cli("run --rm -w /w busybox sh -c 'pwd; ls -d /w'")
    env.cli("run --rm -t busybox ls /bin/sh")


@scenario("images: list and inspect", cli=True, source="Docker docs, reference/cli/docker/version.md, info.md, system/df.md")
def s_system_cli(env: Recorder):
    """version, info and system df in the formats scripts use."""
    env.cli("version --format '{{.Server.APIVersion}} {{.Server.Os}} {{.Server.Arch}}'")
    env.cli("run -d --name up busybox sleep 600")
    env.cli("info --format '{{.Swarm.LocalNodeState}} {{.Containers}} {{.ContainersRunning}} {{.Images}} {{.Driver}}'")
    env.cli("info --format '{{json .Plugins.Network}}'")
    env.cli("system df --format '{{.Type}} {{.TotalCount}} {{.Active}}'")
    env.cli("rm -f up")
