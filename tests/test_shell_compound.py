"""The simulated shell's compound commands (labkit/sim/grammar.py, shell.py): `{ }`, `( )`, `if`,
`while`/`until`, `for`, `case`, `break`/`continue`, `!`, judged by the real thing: each script runs
in a simulated container (`docker exec box sh -c SCRIPT`) and in /bin/busybox sh (busybox 1.35, the
lab image's), and stdout, stderr and the exit code must be the same. Then loops as a container's
main process: output as it goes, `docker stop` and `docker kill` ending them (a trap answering
SIGTERM), a loop that waits for nothing bounded, no call hanging."""
from __future__ import annotations

import os
import pty
import select
import socket
import subprocess
import time

import pytest
from docker.utils.socket import frames_iter

BUSYBOX = "/bin/busybox"


@pytest.fixture(scope="module")
def box(sim_client):
    c = sim_client.containers.run("busybox", "sleep 600", detach=True, name="box")
    yield c
    c.remove(force=True)


def in_sim(box, script: str) -> tuple[int, str, str]:
    api = box.client.api
    exec_id = api.exec_create(box.id, ["sh", "-c", script])["Id"]
    out, err = api.exec_start(exec_id, demux=True)
    return api.exec_inspect(exec_id)["ExitCode"], (out or b"").decode(), (err or b"").decode()


def in_busybox(script: str) -> tuple[int, str, str]:
    if not os.access(BUSYBOX, os.X_OK):
        pytest.skip("no /bin/busybox here to compare with")
    done = subprocess.run([BUSYBOX, "sh", "-c", script], capture_output=True, text=True, timeout=20, cwd="/",
                          env={"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME": "/"})
    return done.returncode, done.stdout, done.stderr


SCRIPTS = [
    # while / until, with break and continue
    "while true; do echo a; break; done",
    "while true; do break; done; echo $?",
    "while false; do :; done; echo $?",
    "x=3; while [ $x -gt 0 ]; do echo $x; x=$(expr $x - 1); done",
    "i=0; until [ $i = 3 ]; do i=$(expr $i + 1); echo $i; done",
    "until false; do echo u; break; done",
    "while true; do exit 6; done; echo no",
    "n=0; while true; do n=$(expr $n + 1); [ $n -lt 3 ] && continue; echo at $n; break; done",
    # for
    "for i in 1 2 3; do echo $i; done; echo last $i",
    "for i; do echo $i; done; echo none",
    "for i in; do echo $i; done; echo x$?",
    "for i in 1; do false; done; echo $?",
    "false; for i in; do :; done; echo $?",
    "for i in 1 2 3; do [ $i = 2 ] && continue; echo $i; done",
    "for i in 1 2; do for j in a b; do echo $i$j; break 2; done; done",
    "for i in 1 2; do for j in a b; do [ $j = b ] && continue 2; echo $i$j; done; echo never; done",
    "for i in 1 2; do break 5; done; echo ok",
    "for i in 1 2; do false; continue; done; echo $?",
    "for w in $(echo a b) 'c d'; do echo [$w]; done",
    "for i in 1 2 3\ndo\n  echo $i\ndone",
    "for i in do done; do echo $i; done",
    "export A=1; for A in 5; do :; done; sh -c 'echo $A'",
    # if
    "if false; then echo a; elif true; then echo b; else echo c; fi",
    "if false; then echo a; fi; echo $?",
    "false; if false; then :; fi; echo $?",
    "x=5; if [ $x -gt 3 ]; then echo big; else echo small; fi",
    "if true\nthen echo y\nfi",
    "if (exit 4); then echo y; else echo n $?; fi",
    "if ! false; then echo negated; fi",
    "if [ -n \"\" ] || [ a = a ]; then echo or; fi",
    # case
    "case a in a) echo A;; b) echo B;; esac",
    "case x in a|x) echo AX;; *) echo star;; esac",
    "case x in (x) echo p;; esac",
    "case x in *) echo s; esac",
    "case x in esac; echo $?",
    "false; case a in b) ;; esac; echo $?",
    "case \"a*\" in \"a*\") echo lit;; esac; case ab in \"a\"*) echo glob;; esac",
    "x='*'; case zz in $x) echo var;; esac; case zz in \"$x\") echo quoted;; *) echo other;; esac",
    "case hello in h?l*) echo yes;; esac",
    # groups and subshells
    "{ echo a; echo b; } | wc -l",
    "true && { echo a; false; } || echo b",
    "{ echo b; echo c >&2; } 2>&1 | cat",
    "{ echo a; exit 5; echo b; }; echo c",
    "(echo a; exit 3); echo $?",
    "x=1; (x=2; echo in $x); echo out $x",
    "(cd /etc; pwd); pwd",
    "for i in 1 2; do echo $i; done | wc -l",
    "for i in 1 2; do echo $i; done > /dev/null; echo $?",
    "while true; do echo looped; break; done 2>&1 | cat",
    # ! and status
    "! true; echo $?",
    "! false; echo $?",
    "x=$(false); echo $?",
    "x=$(exit 3); echo $? $x",
    "echo $(exit 4; echo no) after",
    "break; echo after",
    "continue; echo after",
    "true &&\necho cont",
    "echo a |\nwc -c",
    "echo a \\\n  b",
    # arithmetic, as loops count
    "i=0; while [ $i -lt 3 ]; do echo $i; i=$((i+1)); done",
    "echo $((6 * 7)) $(( (1+2)*3 )) $((-7/2)) $((-7%3)) $((2**10)) $((1<<4))",
    "i=1; echo $((i+1)) $(( $i * 3 )) $((x)) $((0x10)) $((010))",
    "echo $((5 & 3)) $((5 | 3)) $((5 ^ 3)) $((~0)) $((!0)) $((!5))",
    "echo $((1<2)) $((3 > 4 || 1)) $((0 && 1/0)) $((1 ? 5 : 6)) $((0 ? 1/0 : 7))",
    "x=3; echo $((x += 2)) $x; echo $((x *= 3)) $x",
    "i=0; echo $((i++)) $i $((++i)) $((i--)) $i",
    "x=abc; abc=4; echo $((x)) $((x + 1))",
    "x=' 4 '; echo $((x+1)) \"$((1+1))x\"",
    "echo $((9223372036854775807 + 1))",
    "echo $((1/0)); echo after",
    "for i in 1 2; do echo $((i/0)); done; echo after",
    "x=$((1 % 0)); echo after $?",
    "echo $((1 +)); echo after",
    "echo $((08))",
    "echo $((a b))",
    "echo ${a!b}; echo after",
    # parameter expansion's forms
    "x=a.b.c; echo ${x%.*} ${x%%.*} ${x#*.} ${x##*.} ${x%z}",
    "echo ${u:+set} ${u+set2}; u=; echo ${u:+set} ${u+set2}",
    "echo ${u:=dflt} $u; echo ${v=d2} $v; w=; echo [${w=no}] [${w:=yes}]",
    "echo ${u:?gone}; echo after",
    "echo ${u?}; echo after",
    "x=abcdef; echo ${x:1} ${x:1:3} ${x:-2} ${x: -2} ${#x}",
    "for f in a.txt b.log; do echo ${f%.*}; done",
    "x=a.b.c; echo ${x/./-} ${x//./-} ${x/#a/A} ${x/%c/C} ${x/b} ${x//[ab]/X}",
    "x=hello; echo ${x/l*/L} ${x//l/} ${u/a/b}.",
    # read, as loops read their input
    'printf "a b  c\\nd\\n" | { read x y; echo "[$x][$y]"; read z; echo "[$z]"; read w; echo $? "[$w]"; }',
    'printf "last" | { read x; echo $? "[$x]"; }',
    'printf " lead  trail  \\n" | { read x; echo "[$x]"; }',
    'printf "a\\\\tb\\n" | { read x; echo "[$x]"; read -r y; echo "[$y]"; }',
    'echo hi | { read; echo "[$REPLY]"; }',
    'printf "1\\n2\\n3\\n" | while read n; do echo got $n; done',
    "read x < /dev/null; echo $? [$x]",
    # a program in a loop reads the loop's input (all of it: stdio reads a block); echo reads none
    "printf '1\\n2\\n3\\n' | while read n; do echo got $n; cat; done",
    "printf '1\\n2\\n3\\n' | while read n; do echo got $n; head -n 1; done",
    "printf 'a\\nb\\n' | while read n; do echo got $n; echo x; done",
    "echo x | sh -c 'cat; cat; echo end'; printf 'a\\nb\\n' | { read x; cat; }; printf 'a\\nb\\n' | { cat; read y; echo \"[$y]\"; }",
    "while read k; do echo $k; wc -l; done <<EOF\n1\n2\n3\nEOF",
    # here-documents
    "cat <<EOF\nline one\n$HOME $((1+1))\nEOF",
    "cat <<\"E\"\n$HOME\nE\necho after",
    "cat <<'E' | wc -l\na\nb\nE",
    "cat <<-X\n\ttabbed\n\tX",
    "cat <<EOF\nno end",
    "while read k v; do echo $v=$k; done <<EOF\nx 1\ny 2\nEOF\necho done",
    "cat <<A; cat <<B\none\nA\ntwo\nB",
    # exec: the command takes the shell's place
    "exec nosuch; echo no",
    "exec echo hi; echo no",
    "exec; echo yes",
    "(exec false); echo $?",
    # background jobs: $!, wait, kill (the PIDs themselves differ: not printed)
    "sleep 0.2 & wait; echo waited",
    "sleep 0.1 & p=$!; wait $p; echo st $?",
    "(exit 3) & wait $!; echo $?",
    # (wait's message naming the signal: busybox prints it or not, test_wait_names_the_signal below)
    "sleep 5 & kill $!; wait $! 2>/dev/null; echo $?",
    "sleep 5 & kill -9 $!; wait $! 2>/dev/null; echo $?; sleep 5 & kill -9 $!; wait; echo $?",
    "sleep 5 & kill -USR1 $!; wait $! 2>/dev/null; echo $?",
    "wait 99999; echo $?; wait abc; echo $?",
    "{ sleep 0.1; echo job; } & echo first; wait; echo last",
    "[ -n \"$!\" ] || echo none; sleep 0.1 & [ -n \"$!\" ] && echo some; (echo ${!:+inherited}); wait",
    "kill -0 99999; echo $?; kill -x 1; echo $?; kill abc; echo $?; kill; echo $?; kill -s FOO 1; echo $?",
    "kill -l | head -3; kill -l 9; kill -l KILL; kill -l | wc -l; kill -0 1; echo $?",
    # functions, positional parameters, return, local, shift, set --
    'f() { echo in $# "$1" $0; return 4; echo no; }; f a "b c"; echo st $?; f() { return 300; }; f; echo $?',
    "g() { local x=1; y=2; echo $x; }; x=0; g; echo $x $y; r() { local y; echo \"[$y]\"; }; r; echo $y",
    'k() { echo "$@"; for a in "$@"; do echo "[$a]"; done; echo "$*"; }; k 1 "2 3"; k',
    "h() { for i in 1 2; do return 5; done; echo no; }; h; echo $?; w() { while true; do return 2; done; }; w; echo $?",
    "c() { case $1 in a) return 1;; esac; echo not; }; c a; echo $?; c b; n() { echo $1; }; n; n x | tr x X",
    "set -- p q; echo $# $1; shift; echo $1 $#; shift 3; echo $?; f2() ( exit 7 ); f2; echo $? $1",
    "f() { false; return; }; f; echo $?; f() { echo x; }; unset -f f; f; echo $?",
    "return 3; echo after",
    "sh -c 'echo $0 $1 $2 $#' n a b; sh -c 'echo $0 $#'",
    "local x=1; echo after",
    "shift x; echo after",
    "f() { echo $1; }\nf one\nf() {\n  echo two\n}\nf",
    # set -e: a failing command ends the script, unless its status is tested
    'set -e; false; echo no',
    'set -e; false && true; echo yes1',
    'set -e; true && false; echo no2',
    'set -e; false || false; echo no3',
    'set -e; false || true; echo yes4',
    'set -e; { false && true; }; echo yes5',
    'set -e; if false; then :; fi; echo yes6',
    'set -e; ! true; echo yes7',
    'set -e; f() { false; echo in; }; f; echo no8',
    'set -e; f() { false; echo in; }; f || echo caught; echo yes9',
    'set -e; (false); echo no10',
    'set -e; x=$(false); echo no11',
    'set -e; false | true; echo yes12',
    'set -e; while false; do :; done; echo yes13',
    'set -e; for i in 1; do false; done; echo no14',
    'set -e; set +e; false; echo yes15',
    'set -e; echo $(false; echo sub); echo yes16',
    'set -e; if ! false; then echo t; fi; echo yes17',
    'set -e; nosuch; echo no18',
    'set -o errexit; false; echo no19',
    'set -e; false &&\ntrue; echo yes20',
    'set -e; f() { false && true; }; f; echo no21',
    'set -e; if true; then false; echo no22; fi',
    'set -e; while true; do false; done; echo no23',
    'set -e; case a in a) false;; esac; echo no24',
    'set -e; { false; echo no25; }',
    'set -e; sh -c "false; echo child"; echo no26',
    'set -e -- a b; echo $1 $#',
    'set -e; exit 0',
    'set -e; until false; do break; done; echo yes27',
    # set -u: a variable not set is an error
    "set -u; echo ${A:-d}; echo $B; echo no",
    "set -u; echo $((C+1)); echo ${D-x} ${#HOME}; echo no",
    "set -u; echo \"$@\" $# $*; echo $1; echo no",
    "set -u; echo ${E}; echo no",
    "set -eu; x=1; echo $x; set +u; echo [$F]",
    "set -o nounset; echo $G",
    # the environment a shell gives its commands: PWD, SHLVL, OLDPWD after cd, in ash's table's order
    "unset HOSTNAME; env; cd /etc; env; sh -c 'cd /; env; echo $SHLVL'; (cd /bin; echo $PWD $OLDPWD); A=1 TERM=t env",
    "SHLVL=x sh -c 'echo $SHLVL'; SHLVL=-3 sh -c 'echo $SHLVL'; export SHLVL=7; sh -c 'echo $SHLVL'",
    # /dev/stdout and /dev/stderr: the shell's own fds 1 and 2
    "echo err > /dev/stderr; echo out >/dev/stdout 2>&1; echo y 2>/dev/null >/dev/stderr; echo z >> /dev/stdout",
    # applets learners try in a shell: ln -s, date -d, uname
    "rm -rf /tmp/labkit-ln; mkdir -p /tmp/labkit-ln/d; cd /tmp/labkit-ln; ln -s /etc/hosts l1; echo $?; "
    "ln -s /etc/hosts l1; echo $?; ln -sf /etc/passwd l1; echo $?; ln -s /etc/hosts d; ls d; ln -s a b c; echo $?; "
    "ln -s /x nodir/l; echo $?; ln -s /etc/hostname; ls; ln -s /etc/hosts d/; ln -s d dl; ln -sn /etc/hosts dl; "
    "ln -sfn /etc/hosts dl; echo $?; cat dl | head -n 1 | cut -c 1-9; ln -s; echo $?; cd /; rm -rf /tmp/labkit-ln",
    "date -u -d @0; date -u -d @1700000000 +%Y-%m-%d; date -u -d 2024-02-30; date -u -d '2024-02-03 04:05:06'; "
    "date -u -d '2024-02-03 04:05'; date -d xyz; date -u -R -d @0; date -u -I -d @0; date -d @0 +%s; date -u -d @-5",
    "uname; uname -s -o -p -i; uname -x",
    "printf 'a\\0b0\\n' | tr '\\0' ' '; printf 'x\\ny\\n' | tr '\\012' ,; printf '\\101\\0102\\n'",
    # errors inside
    "for i in 1 2; do break x; done; echo after",
    "break 0; echo after",
    "echo a\nfi\necho b",
    # "-" names the standard input (docker run -i busybox cat -)
    "echo in | cat -",
    "echo in | cat - -",
    "cat - <<EOF\nhere\nEOF",
]

SYNTAX_ERRORS = [
    "while; do echo; done",
    "while true; do; done",
    "if true; then fi",
    "for 1 in a; do echo; done",
    'for "i" in 1; do echo; done',
    "done",
    "fi",
    "then",
    "esac",
    "in",
    "{ echo a }",
    "( )",
    "{ }",
    "{echo a;}",
    "while true",
    "while true; do echo",
    "if true; then echo",
    "if true then echo; fi",
    "if true; then echo a; else fi",
    "case x",
    "case a b in",
    "case a in a",
    "case a in a echo;; esac",
    "case a in a) echo;; b) echo",
    "case a in a) echo;; b echo;; esac",
    "{ echo a; } x",
    "(echo a) x",
    "for i in 1 2 do echo; done",
    "for i in 1 2; echo; done",
    "while true; do echo a; done done",
    "echo a; do",
    "echo a; }",
    "echo a)",
    "echo (a)",
    "! ! true",
    "echo a &; echo b",
    "echo a;;",
]


@pytest.mark.parametrize("script", SCRIPTS + SYNTAX_ERRORS)
def test_the_shell_runs_it_as_busybox_does(box, script):
    assert in_sim(box, script) == in_busybox(script)


@pytest.mark.parametrize("signal, said", [("TERM", "Terminated"), ("9", "Killed"), ("USR1", "User defined signal 1")])
def test_wait_names_the_signal_that_ended_a_job(box, signal, said):
    """`wait PID` for a job a signal ended: 128+N and the signal's name on stderr. busybox prints
    the name most times, not every time (its SIGCHLD handler may reap the job first): it must
    have printed it in one of a few runs."""
    script = f"sleep 5 & sleep 0.1; kill -{signal} $!; wait $!; echo $?"
    code = 128 + {"TERM": 15, "9": 9, "USR1": 10}[signal]
    assert in_sim(box, script) == (0, f"{code}\n", said + "\n")
    assert (0, f"{code}\n", said + "\n") in [in_busybox(script) for _ in range(5)]


# -- loops as a container's main process -----------------------------------------------------------------
def run(client, name: str, script: str):
    return client.containers.run("busybox", ["sh", "-c", script], detach=True, name=name)


def test_a_loops_output_comes_as_it_goes(sim_client):
    ticker = run(sim_client, "ticker", "while true; do echo tick; sleep 1; done")
    try:
        stream = ticker.logs(stream=True, follow=True)
        assert [next(stream) for _ in range(3)] == [b"tick\n"] * 3
        started = time.monotonic()
        ticker.stop(timeout=2)       # sh as PID 1 ignores SIGTERM: the grace (skipped), then the kill
        assert time.monotonic() - started < 5
        ticker.reload()
        assert (ticker.status, ticker.attrs["State"]["ExitCode"]) == ("exited", 137)
    finally:
        ticker.remove(force=True)


def test_a_trap_answers_docker_stop_from_inside_a_loop(sim_client):
    trapper = run(sim_client, "trapper", "trap 'echo bye; exit 7' TERM; while true; do sleep 1; done")
    try:
        trapper.stop()
        trapper.reload()
        assert trapper.attrs["State"]["ExitCode"] == 7
        assert trapper.logs() == b"bye\n"
    finally:
        trapper.remove(force=True)


@pytest.mark.parametrize("how", ["stop", "kill", "remove"])
def test_a_loop_that_waits_for_nothing_is_bounded_and_ends_when_told(sim_client, how):
    started = time.monotonic()
    spinner = run(sim_client, f"spinner-{how}", "while true; do echo x >/dev/null; done")
    assert time.monotonic() - started < 5          # run -d answered: the loop gives up the world
    spinner.reload()
    assert spinner.status == "running"
    assert spinner.exec_run("echo still answering").output == b"still answering\n"
    started = time.monotonic()
    if how == "remove":
        spinner.remove(force=True)
        assert spinner.id not in [c.id for c in sim_client.containers.list(all=True)]
    else:
        getattr(spinner, how)(**({"timeout": 1} if how == "stop" else {}))
        spinner.reload()
        assert (spinner.status, spinner.attrs["State"]["ExitCode"]) == ("exited", 137)
        spinner.remove()
    assert time.monotonic() - started < 5


def test_a_for_loop_in_a_detached_container_ends_with_its_last_status(sim_client):
    lines = run(sim_client, "lines", "for i in 1 2 3; do echo line $i; done; false")
    try:
        assert lines.wait(timeout=10)["StatusCode"] == 1
        assert lines.logs() == b"line 1\nline 2\nline 3\n"
    finally:
        lines.remove(force=True)


def test_a_server_in_a_loop_serves_one_connection_each_pass(sim_client):
    network = sim_client.networks.create("loops")
    db = sim_client.containers.run("busybox", ["sh", "-c", "while true; do nc -l -p 5432; done"], detach=True,
                                   name="db", network="loops")
    peer = sim_client.containers.run("busybox", "sleep 600", detach=True, name="peer", network="loops")
    try:
        for word in ("one", "two"):
            assert peer.exec_run(["sh", "-c", f"echo {word} | nc -w 1 db 5432"]).exit_code == 0
        db.reload()
        assert (db.status, db.logs()) == ("running", b"one\ntwo\n")
    finally:
        for c in (db, peer):
            c.remove(force=True)
        network.remove()


def test_a_loop_typed_over_several_lines_on_stdin_runs_once_whole(box):
    """`docker exec -i box sh`, the script given line by line, as busybox sh reads it from a pipe."""
    script = "for i in 1 2\ndo\n  echo $i\ndone\nif true\nthen echo then\nfi\necho end\n"
    api = box.client.api
    exec_id = api.exec_create(box.id, ["sh"], stdin=True)["Id"]
    sock = api.exec_start(exec_id, socket=True)
    raw = getattr(sock, "_sock", sock)
    for line in script.splitlines(keepends=True):
        raw.sendall(line.encode())
    raw.shutdown(socket.SHUT_WR)
    out = b"".join(chunk for fd, chunk in frames_iter(sock, tty=False) if fd == 1)
    sock.close()
    expected = subprocess.run([BUSYBOX, "sh"], input=script, capture_output=True, text=True, timeout=20)
    assert (api.exec_inspect(exec_id)["ExitCode"], out.decode()) == (expected.returncode, expected.stdout)


def keyed(fd: int, lines: list[bytes], send, settle: float = 0.4) -> bytes:
    """What a terminal shows while the lines are typed one at a time (each given time to answer)."""
    def read() -> bytes:
        out, end = b"", time.monotonic() + settle
        while time.monotonic() < end:
            if select.select([fd], [], [], 0.05)[0]:
                try:
                    data = os.read(fd, 4096)
                except OSError:
                    break
                if not data:
                    break
                out += data
        return out
    shown = read()
    for line in lines:
        send(line)
        shown += read()
    return shown


def test_a_loop_typed_at_the_prompt_asks_for_more_with_ps2(box):
    """`docker exec -it box sh`: `for i in 1 2`, Enter: ash's "> " until `done` (ctrl-c drops a
    command not yet whole); the bytes on the terminal are those of /bin/busybox sh in a pty."""
    lines = [b"for i in 1 2\r", b"do echo $i\r", b"done\r", b"while true\r", b"\x03", b"echo x\r",
             b"cat <<E\r", b"here\r", b"E\r", b"exit\r"]
    if not os.access(BUSYBOX, os.X_OK):
        pytest.skip("no /bin/busybox here to compare with")
    pid, fd = pty.fork()
    if pid == 0:
        os.chdir("/")
        os.execve(BUSYBOX, ["sh"], {"PATH": "/bin:/usr/bin", "HOME": "/", "TERM": "xterm", "PS1": "/ # "})
    try:
        real = keyed(fd, lines, lambda line: os.write(fd, line))
    finally:
        os.waitpid(pid, 0)
        os.close(fd)
    api = box.client.api
    exec_id = api.exec_create(box.id, ["sh"], stdin=True, tty=True)["Id"]
    sock = api.exec_start(exec_id, socket=True, tty=True)
    raw = getattr(sock, "_sock", sock)
    try:
        simulated = keyed(raw.fileno(), lines, raw.sendall)
    finally:
        sock.close()
    assert simulated == real


def test_a_paused_loop_prints_nothing_until_unpaused(sim_client):
    ticker = run(sim_client, "paused-ticker", "while true; do echo tick; sleep 0.1; done")
    try:
        time.sleep(0.3)
        ticker.pause()
        before = ticker.logs().count(b"tick")
        time.sleep(0.5)
        assert ticker.logs().count(b"tick") == before        # frozen: its sleeps do not end
        ticker.unpause()
        deadline = time.monotonic() + 5
        while ticker.logs().count(b"tick") == before and time.monotonic() < deadline:
            time.sleep(0.05)
        assert ticker.logs().count(b"tick") > before
        ticker.pause()
        started = time.monotonic()
        ticker.stop(timeout=1)                              # thawed to be stopped: the grace, the kill
        assert time.monotonic() - started < 5
        ticker.reload()
        assert ticker.attrs["State"]["ExitCode"] == 137
    finally:
        ticker.remove(force=True)


def test_a_loop_sent_to_the_background_runs_beside_the_script(sim_client):
    """`while ...; done &` and `sh -c '...' &`: jobs of their own; the script goes on; they end
    with the container."""
    box = run(sim_client, "jobs", "while true; do echo loop; sleep 1; done & sh -c 'sleep 0.5; echo sub' & "
                                  "echo main; sleep 600")
    try:
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and not {b"main", b"sub"} <= set(box.logs().split()):
            time.sleep(0.05)
        words = box.logs().split()
        assert b"main" in words and b"sub" in words and b"loop" in words
        started = time.monotonic()
        box.stop(timeout=1)
        assert time.monotonic() - started < 5
        count = box.logs().count(b"loop")
        time.sleep(1.5)
        assert box.logs().count(b"loop") == count      # the job ended with the container
    finally:
        box.remove(force=True)
