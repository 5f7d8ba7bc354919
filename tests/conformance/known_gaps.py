"""Known divergences of the simulator from the real engine: the simulator's to-do list.

KNOWN_GAPS maps a scenario to what differs, in words, and to the exact steps that differ (as the
report and `python -m tests.conformance.gaps NAME` name them). The suite holds every entry to it:

- a listed scenario whose differing steps are exactly the listed ones is an expected failure
  (xfail, "known gap: WHAT");
- a step that differs and is not listed fails (a new divergence);
- a listed step that no longer differs fails too ("now agrees: remove it from KNOWN_GAPS"),
  so the list only shrinks when the simulator really improves, and says so when it does.

`python -m tests.conformance.gaps` prints the current differences of every scenario against the
golden files (no engine needed) and the entries this table should have for them.

A step that "stopped before: STEP" means the simulator raised or did not answer there, and
the rest of the scenario did not run. A documented-only scenario (one the real engine cannot run
here) has one step, DOCUMENTED: the simulator does not do what Docker's documentation says.

ENGINE_VARIES lists the steps where the real engine itself answers differently from one run to
the next (documented nondeterminism): they are left out when a live run is compared with its
golden file. The simulator is still compared on them.
"""
from __future__ import annotations

from dataclasses import dataclass


DOCUMENTED = "documented behaviour"


@dataclass(frozen=True)
class Gap:
    what: str                 # what the simulator does wrong, in a learner's words
    steps: tuple[str, ...]    # the steps that differ, exactly


KNOWN_GAPS: dict[str, Gap] = {
    'run_exit_status': Gap(
        "a folder as the command (`docker run busybox /etc`) exits 127 'not found' instead of 126 'permission denied'",
        (
            '$ docker run --rm busybox /etc',)),
    'run_stdin_tty': Gap(
        "`docker run -i` does not pass the CLI's stdin to the command (cat prints nothing, wc -l counts 0); `-i sh` and `-a stdin` end in 'connection reset by peer'",
        (
            '$ docker run --rm -i busybox cat',
            '$ docker run --rm -i busybox wc -l',
            '$ docker run --rm -i busybox sh',
            '$ docker run --rm -a stdin -a stdout -i busybox cat -',)),
    'run_detached_shells': Gap(
        "shells with -dit, -di or -dt exit at once instead of waiting; a TTY shell's banner is not in its logs",
        (
            "$ docker ps -a --format '{{.Names}} {{.Status}} {{.Command}}'",
            '$ docker logs box1',)),
    'exec_forms': Gap(
        "`docker run -dit ... sh` exits at once, so every `docker exec` into it answers 'Container ... is not running'",
        (
            '$ docker exec box hostname',
            '$ docker exec -w /tmp box pwd',
            '$ docker exec box mkdir /tmp',
            '$ docker exec -i box sh',
            "$ docker exec -e FOO=bar -e EMPTY= box sh -c 'echo $FOO-$EMPTY-$HOME'",
            '$ docker exec -w /tmp box pwd (2)',
            '$ docker exec -w /nope box pwd',
            '$ docker exec -u nobody box id',
            '$ docker exec -u 1000:1000 box id',
            '$ docker exec box nosuch',
            '$ docker exec box /etc',
            "$ docker exec box sh -c 'exit 42'",
            "$ docker exec -d box sh -c 'echo detached > /tmp/d'",)),
    'run_environment': Gap(
        "`docker exec -e A=...` does not override the container's own A; a shell's environment lacks PWD and SHLVL",
        (
            "$ docker run --rm -e MYVAR1 --env MYVAR2=foo --env-file ./env.list busybox sh -c 'env | sort'",
            "$ docker exec -e A=override envbox sh -c 'echo $A $B'",)),
    'run_restart_policies': Gap(
        'on-failure:2 never restarts (RestartCount stays 0); an unknown policy (--restart sometimes) is accepted',
        (
            'flaky settled',
            "$ docker inspect -f '{{.RestartCount}} {{.State.Status}} {{.State.ExitCode}} {{json .HostConfig.RestartPolicy}}' flaky",
            '$ docker run -d --restart sometimes busybox true',)),
    'wait': Gap(
        '`docker wait` on a container that is still running (sleep 1) never answers',
        (
            '$ docker wait slow',
            'stopped before: $ docker wait quick slow',)),
    'stop_kill': Gap(
        'the shell has no `trap` or `while`, so a trap never answers `docker stop` (exit 7)',
        (
            '$ docker logs trapper',
            "$ docker ps -a --format '{{.Names}} {{.Status}}'",)),
    'pause': Gap(
        "a -dit shell exits at once, so pause, unpause and exec answer 'not running' instead of (Paused) and the engine's refusals",
        (
            '$ docker pause box',
            "$ docker ps --format '{{.Names}} {{.Status}}'",
            '$ docker exec box true',
            '$ docker pause box (2)',
            "$ docker inspect -f '{{.State.Status}} {{.State.Paused}} {{.State.Running}}' box",
            '$ docker unpause box',
            '$ docker exec box echo awake',)),
    'logs': Gap(
        'logs --tail, -n, -t (timestamps) and --until are ignored: every line comes back',
        (
            '$ docker logs --tail 1 talker',
            '$ docker logs --tail 0 talker',
            '$ docker logs -n 2 talker',
            '$ docker logs -t talker',
            '$ docker logs --until <time> talker',)),
    'cp': Gap(
        'a -dit shell exits at once (exec fails); `docker cp` into or out of folders a command made fails',
        (
            '$ docker exec box mkdir /tmp',
            '$ docker cp hello.txt box:/tmp/hello.txt (2)',
            '$ docker exec box cat /tmp/hello.txt',
            "$ docker exec box sh -c 'mkdir -p /data/sub && echo a > /data/sub/a'",
            '$ docker cp box:/data ./data',
            'copied out: a folder',
            '$ docker exec box cat /hello-stopped.txt',)),
    'bind_tmpfs': Gap(
        'a bind-mounted host folder is empty in the container',
        (
            '$ docker run --rm -v <workdir>/site:/www busybox cat /www/index.html',
            'stopped before: written through the bind mount',)),
    'top_stats': Gap(
        'a -dit shell exits at once: exec -d and top fail',
        (
            '$ docker exec -d box sleep 600',
            'stopped before: top titles and commands',)),
    'container_mode_cli': Gap(
        "--network container:nope: the CLI is told the image is missing (it tries to pull) instead of 'No such container: nope'",
        (
            '$ docker run --rm --network container:nope busybox true',)),
    'caps_sysctls': Gap(
        'capabilities and sysctls are not modelled: `ip link set`/`ip addr add` are misread, --cap-drop NET_RAW does not stop ping, /proc/sys is missing',
        (
            '$ docker run --rm busybox ip link set eth0 mtu 1400',
            "$ docker run --rm --cap-add NET_ADMIN busybox sh -c 'ip link set eth0 mtu 1400 && ip link show eth0'",
            "$ docker run --rm --cap-add NET_ADMIN busybox sh -c 'ip addr add 10.1.1.1/24 dev eth0 && ip route add 10.2.0.0/16 via 172.17.0.1 && ip route'",
            '$ docker run --rm --cap-add NET_ADMIN busybox ip link add dummy0 type dummy',
            '$ docker run --rm --sysctl net.ipv4.ip_forward=1 busybox cat /proc/sys/net/ipv4/ip_forward',
            '$ docker run --rm --cap-drop NET_RAW busybox ping -c 1 -W 1 172.17.0.1',)),
    'run_init_entrypoint_user': Gap(
        "--init (docker-init as PID 1), --entrypoint '' and -u USER are ignored, a missing user is not refused; -w does not make its folder",
        (
            '$ docker run --rm --init busybox ps',
            "$ docker run --rm --entrypoint '' busybox echo empty entrypoint",
            '$ docker run --rm -u 1000 busybox id',
            "$ docker run --rm -u 1000:1000 busybox sh -c 'touch /x; echo $?'",
            '$ docker run --rm -u nobody busybox id',
            "$ docker run --rm -w /w busybox sh -c 'pwd; ls -d /w'",)),
    'system_cli': Gap(
        '`docker system df` answers 501',
        (
            "$ docker system df --format '{{.Type}} {{.TotalCount}} {{.Active}}'",)),
    'dockerpy_quickstart': Gap(
        "`exec` and `for` are not shell builtins: a detached `sh -c 'echo ...; exec sleep 600'` dies at once (127)",
        (
            'list',
            'status',
            'logs',
            'status after stop',
            'logs(stream=True)',)),
    'dockerpy_multiplex': Gap(
        "exec's environment, workdir and user are ignored; a missing workdir or user is not refused (126); exec_run(detach=True) gives exit code 0, not None",
        (
            'environment, workdir, user',
            'workdir missing',
            'user missing',
            'detach',)),
    'dockerpy_run_errors': Gap(
        "run(user='postgres') is not refused ('unable to find user postgres')",
        (
            'user by a missing name',)),
    'dockerpy_wait': Gap(
        "wait(condition='removed') on an auto_remove container never answers",
        (
            'stopped before: wait(condition=removed)',)),
    'dockerpy_logs': Gap(
        'logs(tail=, timestamps=, since=, until=) are ignored; a `for` loop prints nothing',
        (
            'tail=1',
            'tail=0',
            'timestamps',
            'until the past',
            'since the future',
            'stream, follow',)),
    'dockerpy_kill': Gap(
        'the shell has no `trap`: a USR1 trap never runs',
        (
            'stopped before: trap USR1',)),
    'dockerpy_stdin': Gap(
        'a `cat` with stdin open exits at once (the engine: it waits for input); stdin written through attach_socket never arrives',
        (
            'cat with stdin open',
            'cat2 logs',)),
    'dockerpy_auto_remove': Gap(
        'an attached run whose command sleeps (auto_remove) never answers',
        (
            'stopped before: attached, sleeping, auto_remove',)),
    'dockerpy_healthcheck': Gap(
        'health checks are not modelled: no State.Health, never healthy or unhealthy, no health filter',
        (
            'starting',
            'good becomes healthy',
            'bad becomes unhealthy',
            "bad's first check",
            'filter healthy',
            'filter unhealthy',
            'status line',)),
    'shell_lists': Gap(
        'the shell lacks $((...)), for, if, here-documents and read',
        (
            "exec box: sh -c 'echo $((6 * 7)) ${UNSET:-fallback} ${#HOME}'",
            "exec box: sh -c 'for i in 1 2 3; do echo item $i; done'",
            "exec box: sh -c 'x=5; if [ $x -gt 3 ]; then echo big; else echo small; fi'",
            "exec box: sh -c 'cat <<EOF\\nline one\\n$HOME\\nEOF'",
            "exec box: sh -c 'read first < /etc/hosts; echo ${first%%\\t*}'",)),
    'files_written': Gap(
        'ln is not modelled',
        (
            'exec box: ln -s /tmp/h2 /tmp/link && cat /tmp/link | head -n 1',)),
    'process_environment': Gap(
        "working_dir is ignored (pwd is /); exec's environment, workdir and user are ignored; a non-root user may write anywhere",
        (
            'exec box: pwd',
            'exec with environment, workdir, user',
            "exec userbox: sh -c 'id; pwd; touch /made/f; echo $?'",)),
    'process_lifetimes': Gap(
        '`sleep 1` as the main command does not end; waiting for it never answers',
        (
            'soon after start',
            'stopped before: sleeper ends',)),
    'exec_states': Gap(
        'exec start in a paused container is not refused',
        (
            'exec start in paused',
            'exec in exited',
            'exec inspect missing',)),
    'pid1_stop': Gap(
        'stop(timeout=1) does not wait for the timeout; no `trap`; interfaces after a restart come in another order',
        (
            'stop(timeout=1) of plain waited about a second',
            'trapped after stop',
            'exec plain: ip -o -4 addr (2)',
            'exec plain: ip -o -4 addr (3)',)),
    'network_tool_views': Gap(
        "`ip neigh show dev eth0` prints 'dev eth0' where busybox leaves it out (it prints the lladdr)",
        (
            "exec web: ip neigh show dev eth0 | cut -d' ' -f1-3",)),
    'busybox_applets': Gap(
        "ps, uname -m, date -d, ls /dev, /proc/1/cmdline, the shell's `wait` and kill differ from busybox's",
        (
            'exec box: ps',
            'exec box: uname -s -m',
            'exec box: date -u -d @0 +%Y-%m-%d',
            'exec box: ls /dev',
            'exec box: cat /proc/1/cmdline',
            "exec box: sh -c 'sleep 0.2 & wait; echo waited'",
            'exec box: kill -0 1',)),
    'three_tier_lab': Gap(
        'a container connected to a second network does not resolve names there; a `while` loop as the main command exits at once',
        (
            '$ docker exec web ping -c 1 -W 1 db',
            '$ docker exec db ping -c 1 -W 1 web',
            '$ docker exec db ping -c 1 -W 1 client',
            '$ docker exec web nc -w 1 db 5432',
            '$ docker exec db ip route',
            '$ docker exec web ip route',)),
    'macvlan_pair': Gap(
        "a second macvlan network on the same parent is accepted (the engine: 'network dm-... is already using parent interface eth0')",
        (
            '$ docker network create -d macvlan --subnet 10.98.0.0/24 -o parent=eth0 mv2',
            '$ docker network create -d macvlan -o parent=eth0 -o macvlan_mode=passthru mv3',)),
    'tutorial_default_bridge': Gap(
        "`docker run -dit ... sh` exits at once: container ls is empty, attach says 'stopped' (not 'not a TTY'), exec answers 'not running'",
        (
            '$ docker container ls',
            '$ docker network inspect bridge',
            '$ docker attach alpine1',
            '$ docker exec alpine1 ip addr show',
            '$ docker exec alpine1 ping -c 2 172.17.0.3',
            '$ docker exec alpine1 ping -c 2 alpine2',)),
    'tutorial_user_bridge': Gap(
        "`docker run -dit ... sh` exits at once: the four containers are not running, so every ping by exec answers 'not running'",
        (
            '$ docker container ls',
            '$ docker network inspect bridge',
            '$ docker network inspect alpine-net (2)',
            '$ docker exec alpine1 ping -c 2 alpine2',
            '$ docker exec alpine1 ping -c 2 alpine4',
            '$ docker exec alpine1 ping -c 2 alpine1',
            '$ docker exec alpine1 ping -c 2 alpine3',
            '$ docker exec alpine1 ping -c 2 172.17.0.2',
            '$ docker exec alpine4 ping -c 2 alpine1',
            '$ docker exec alpine4 ping -c 2 alpine2',
            '$ docker exec alpine4 ping -c 2 alpine3',
            '$ docker exec alpine4 ping -c 2 172.17.0.2',
            '$ docker exec alpine4 ping -c 2 alpine4',)),
    'tutorial_macvlan': Gap(
        "`docker run --rm -dit ... sh` exits at once and --rm removes it: 'No such container'",
        (
            '$ docker container inspect my-macvlan-alpine',
            '$ docker exec my-macvlan-alpine ip addr show eth0',
            '$ docker exec my-macvlan-alpine ip route',
            '$ docker container stop my-macvlan-alpine',)),
    'tutorial_macvlan_8021q': Gap(
        'parent=eth0.10: the VLAN sub-interface eth0.10 is not created',
        (
            'documented behaviour',)),
    'tutorial_overlay_standalone': Gap(
        '-dit shells exit at once; the worker does not list test-net while its container runs; names do not resolve across hosts',
        (
            "host2: $ docker network ls --filter name=test-net --format '{{.Name}} {{.Driver}} {{.Scope}}'",
            '$ docker exec alpine1 ping -c 2 alpine2',
            'host2: $ docker run --rm --name alpine3 --network test-net busybox ping -c 2 alpine1',)),
    'tutorial_overlay_service': Gap(
        "a service's task never runs (0/1 replicas) and never joins the overlay",
        (
            'the task runs',
            "$ docker service ls --format '{{.Name}} {{.Mode}} {{.Replicas}} {{.Ports}}'",
            "$ docker network inspect my-overlay --format '{{range .Containers}}{{.Name}} {{end}}'",
            "$ docker network ls --filter driver=overlay --format '{{.Name}}'",)),
    'bridge_page': Gap(
        "connecting a created container to the network it was created on is refused ('endpoint ... already exists'); the engine accepts it",
        (
            '$ docker network connect my-net my-nginx',)),
    'bridge_ipv6': Gap(
        "`docker run -dit ... sh` exits at once: inspect shows no address, exec answers 'not running', docker port lists nothing",
        (
            "$ docker inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}} {{.GlobalIPv6Address}}/{{.GlobalIPv6PrefixLen}} {{.IPv6Gateway}}{{end}}' v6a",
            '$ docker exec v6a ip -6 addr show eth0',
            '$ docker exec v6a ip -6 route',
            '$ docker exec v6a ping -6 -c 1 v6b',
            '$ docker exec v6a nslookup v6b',
            '$ docker exec v6a cat /etc/hosts',
            '$ docker port v6b',)),
    'bridge_options': Gap(
        'a -dit shell exits at once; the bridge shows NO-CARRIER; `docker port` misses the 127.0.0.1 binding that host_binding_ipv4 gives',
        (
            '$ docker exec opt1 ip addr',
            '$ docker exec opt1 ip route',
            '$ docker port opt1',
            '$ docker run --rm --network host busybox ip link show br-lab',
            '$ docker exec opt1 ip link',)),
    'bridge_inhibit_ipv4': Gap(
        'inhibit_ipv4 is ignored (the bridge still gets 172.18.0.1); -dit shells exit at once',
        (
            '$ docker run --rm --network host busybox ip addr show br-noip',
            '$ docker exec n1 ip route',
            '$ docker exec n1 ping -c 1 -W 1 n2',
            '$ docker exec n1 ping -c 1 -W 1 172.18.0.1',)),
    'none_page': Gap(
        "a none-mode container's endpoint has no EndpointID",
        (
            "$ docker inspect -f '{{json .NetworkSettings.Networks}}' hermit",)),
}

ENGINE_VARIES: dict[str, dict[str, str]] = {
    # scenario: {step: why the real engine's answer varies from run to run}
    'logs': {
        '$ docker logs --tail 1 talker': "the command writes to stdout and stderr at once: the engine's log keeps the lines in the order its two copiers read them",
        '$ docker logs -n 2 talker': "the command writes to stdout and stderr at once: the engine's log keeps the lines in the order its two copiers read them",
    },
    'dockerpy_logs': {
        'logs': "the command writes to stdout and stderr at once: the engine's log keeps the lines in the order its two copiers read them",
        'tail=1': "the command writes to stdout and stderr at once: the engine's log keeps the lines in the order its two copiers read them",
        'timestamps': "the command writes to stdout and stderr at once: the engine's log keeps the lines in the order its two copiers read them",
    },
    'volumes': {
        '$ docker volume ls -q': "an anonymous volume's name is a random ID: it lists before or after 'data'",
    },
    'run_init_entrypoint_user': {
        '$ docker run --rm --init busybox ps': "the PID of a process exec'd into a container depends on how many runc processes the namespace saw before it",
    },
    'busybox_applets': {
        'exec box: ps': "the PID of a process exec'd into a container depends on how many runc processes the namespace saw before it",
    },
    'dockerpy_multiplex': {
        'user missing': "exec_run(user='postgres') returns before or after the engine's refusal reaches the output",
        'detach': "exec_run(detach=True) reads the exec's exit code at once: None while it runs, 0 once it ended",
    },
    'dockerpy_stdin': {
        'attach logs of an ended one': "attach(stream=False, logs=True) of an ended container: docker-py reads the replayed log or the closed connection first",
    },
    'dockerpy_auto_remove': {
        'left': "auto_remove removes the container after run() returned, or not yet; its name is random",
        'left after the error': "auto_remove removes the container after run() raised, or not yet; its name is random",
    },
    'pid1_stop': {
        'exec plain: ip -o -4 addr (2)': 'a restarted container on two networks gets its interfaces in the order its endpoints join, which races',
        'exec plain: ip -o -4 addr (3)': 'a restarted container on two networks gets its interfaces in the order its endpoints join, which races',
        'exec plain: ip route': 'a restarted container on two networks gets its interfaces in the order its endpoints join, which races',
    },
}


def check(name: str, differing: list[str], varies=()) -> tuple[str, str]:
    """Judge a scenario's differing steps against its entry: ("agree" | "gap" | "fail", message).
    varies: steps where a live engine's answer varies (ENGINE_VARIES): one of them listed in
    KNOWN_GAPS that agrees with this run's answer is not taken as fixed."""
    gap = KNOWN_GAPS.get(name)
    if gap and varies:
        differing = list(differing) + [s for s in gap.steps if s in varies and s not in differing]
    if not differing:
        if gap:
            return "fail", (f"{name} now agrees with the real engine: remove it from KNOWN_GAPS "
                            f"(tests/conformance/known_gaps.py; it said: {gap.what})")
        return "agree", ""
    if gap is None:
        return "fail", f"{name}: the simulator differs from the real engine at {len(differing)} steps"
    new = [s for s in differing if s not in gap.steps]
    fixed = [s for s in gap.steps if s not in differing]
    if not new and not fixed:
        return "gap", f"known gap: {gap.what}"
    lines = [f"{name}: the differences no longer match KNOWN_GAPS (tests/conformance/known_gaps.py):"]
    if new:
        lines += ["  differs at steps not listed there:"] + [f"    {s!r}" for s in new]
    if fixed:
        lines += ["  now agrees at listed steps (remove them):"] + [f"    {s!r}" for s in fixed]
    return "fail", "\n".join(lines)
