"""Processes with lives, seen through docker-py's sockets: what a client attached to a process
sends and gets (attach, exec with and without a terminal, detach keys), how long processes live
(stop's grace, signals, execs killed with their container), logs and wait.

The bytes of a terminal session are compared as they are (prompt, echo, line editing), read until
a marker the engine sends, so that how the output is cut into reads does not matter.
"""
from __future__ import annotations

import socket
import time

from .harness import Recorder, scenario

SLEEP = "sleep 600"


def sock_of(s):
    return getattr(s, "_sock", s)


def early(s) -> bytes:
    """What the engine sent with its 101 answer and the HTTP client read with the headers (a log
    replayed by attach logs=1 comes at once): docker-py's socket starts after it. Taken once."""
    response = getattr(s, "_response", None)
    if response is None or getattr(s, "labkit_early_taken", False):
        return b""
    s.labkit_early_taken = True
    try:
        return response.raw._fp.fp.read1(65536)   # what is buffered, else one read (0.2 s at most)
    except OSError:
        return b""


def read_until(s, marker: bytes | None, timeout: float = 5.0, framed: bool = False) -> str:
    """What the socket sends until marker (or its end, or the timeout); "<EOF>" marks the end.
    framed: a multiplexed stream, shown as its payloads (see joined)."""
    first = s
    s = sock_of(s)
    s.settimeout(0.2)
    out, end = early(first), b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not (marker is not None and out.endswith(marker)):
        try:
            data = s.recv(65536)
        except socket.timeout:
            if marker is None and out:
                break
            continue
        except OSError:
            break
        if not data:
            end = b"<EOF>"
            break
        out += data
    return (joined(out) if framed else out.decode(errors="replace")) + end.decode()


def joined(raw: bytes) -> str:
    """A multiplexed stream's payloads, each run of one stream as "[1] ..." or "[2] ...": how the
    engine cuts a stream into frames depends on when it reads the process's pipe, so frames of the
    same stream in a row are joined."""
    runs: list[list] = []
    i = 0
    while i + 8 <= len(raw):
        fd, n = raw[i], int.from_bytes(raw[i + 4:i + 8], "big")
        data, i = raw[i + 8:i + 8 + n], i + 8 + n
        if runs and runs[-1][0] == fd:
            runs[-1][1] += data
        else:
            runs.append([fd, data])
    return "".join(f"[{fd}] {data.decode(errors='replace')}" for fd, data in runs) + raw[i:].decode(errors="replace")


def exec_done(env: Recorder, eid: str) -> None:
    env.wait(lambda: not env.api.exec_inspect(eid)["Running"], timeout=5)


def state(env: Recorder, name: str) -> dict:
    s = env.api.inspect_container(name)["State"]
    return {k: s[k] for k in ("Status", "Running", "ExitCode", "Error")}


@scenario("processes: interactive exec")
def s_exec_terminal_session(env: Recorder):
    """exec sh with a terminal: ash's banner and prompt, keys echoed, backspace, ctrl-c, the
    history, exit with a code; cat on a terminal (cooked: the terminal echoes, ctrl-c ends it: 130)."""
    env.client.containers.run("busybox", SLEEP, name="web", detach=True)
    eid = env.api.exec_create("web", "sh", stdin=True, tty=True)["Id"]
    s = env.api.exec_start(eid, socket=True, tty=True)
    env.note("start", read_until(s, b"\x1b[6n"))
    for key, keys in (("echo", b"echo hi\r"), ("backspace", b"ls /nop\x7f\x7fo\r"), ("ctrl-c", b"\x03"),
                      ("cd", b"cd /etc\r")):
        sock_of(s).sendall(keys)
        env.note(key, read_until(s, b"\x1b[6n"))
    sock_of(s).sendall(b"\x1b[A")
    env.note("up arrow", read_until(s, b"\x1b[J"))
    sock_of(s).sendall(b"\x03exit 4\r")
    env.note("exit", read_until(s, b"<EOF>"))
    exec_done(env, eid)
    env.note("exec inspect", {k: v for k, v in env.api.exec_inspect(eid).items() if k in ("Running", "ExitCode")})
    eid = env.api.exec_create("web", "cat", stdin=True, tty=True)["Id"]
    s = env.api.exec_start(eid, socket=True, tty=True)
    sock_of(s).sendall(b"abc\r")
    env.note("cat on a terminal", read_until(s, b"abc\r\nabc\r\n"))
    sock_of(s).sendall(b"\x03")
    env.note("cat ctrl-c", read_until(s, b"<EOF>"))
    exec_done(env, eid)
    env.note("cat exit", env.api.exec_inspect(eid)["ExitCode"])


@scenario("processes: interactive exec")
def s_exec_stdin(env: Recorder):
    """exec with stdin and no terminal: frames back; closing our side ends the input (cat ends, 0);
    a shell reads its commands line by line; detaching from an exec ends it (126)."""
    env.client.containers.run("busybox", SLEEP, name="web", detach=True)
    eid = env.api.exec_create("web", "cat", stdin=True)["Id"]
    s = env.api.exec_start(eid, socket=True)
    sock_of(s).sendall(b"hello\n")
    env.note("cat echo", read_until(s, b"hello\n", framed=True))
    sock_of(s).shutdown(socket.SHUT_WR)
    env.note("after our side closed", read_until(s, b"<EOF>", framed=True))
    exec_done(env, eid)
    env.note("cat inspect", {k: v for k, v in env.api.exec_inspect(eid).items() if k in ("Running", "ExitCode")})
    eid = env.api.exec_create("web", "sh", stdin=True)["Id"]
    s = env.api.exec_start(eid, socket=True)
    sock_of(s).sendall(b"echo one; echo two\nexit 6\n")
    env.note("sh from stdin", read_until(s, b"<EOF>", framed=True))
    exec_done(env, eid)
    env.note("sh exit", env.api.exec_inspect(eid)["ExitCode"])
    eid = env.api.exec_create("web", "cat", stdin=True, tty=True)["Id"]
    s = env.api.exec_start(eid, socket=True, tty=True)
    sock_of(s).sendall(b"\x10")
    sock_of(s).sendall(b"\x11")
    env.note("detach keys", read_until(s, b"<EOF>"))
    exec_done(env, eid)
    env.note("after detach", {k: v for k, v in env.api.exec_inspect(eid).items() if k in ("Running", "ExitCode")})


@scenario("processes: attach")
def s_attach_sessions(env: Recorder):
    """Attached to a shell with a terminal (-dit): the log holds complete lines only (not the
    prompt ash waits at), a resize redraws the prompt, typed commands, the detach keys (the default
    and ctrl-x), logs=1 replays the log, `exit 3` ends the container; attached to `cat` without
    one, closing our side ends the session, not cat."""
    env.client.containers.run("busybox", "sh", name="shell", detach=True, tty=True, stdin_open=True)
    env.wait(lambda: env.api.logs("shell").endswith(b"commands.\r\n\r\n"), timeout=5)
    env.note("log of a shell with a terminal", env.api.logs("shell").decode())
    params = {"stdin": 1, "stdout": 1, "stderr": 1, "stream": 1}
    s = env.api.attach_socket("shell", params=params)
    env.api.resize("shell", 24, 80)
    env.note("resized", read_until(s, b"\x1b[J"))
    sock_of(s).sendall(b"echo hi\r")
    env.note("typed", read_until(s, b"\x1b[6n"))
    sock_of(s).sendall(b"\x10\x11")
    env.note("ctrl-p ctrl-q", read_until(s, b"<EOF>"))
    env.note("after detach", state(env, "shell"))
    s = env.api.attach_socket("shell", params={**params, "detachKeys": "ctrl-x"})
    sock_of(s).sendall(b"\x18")
    env.note("ctrl-x", read_until(s, b"<EOF>"))
    s = env.api.attach_socket("shell", params={**params, "logs": 1})
    env.note("logs=1", read_until(s, b"\r\nhi\r\n"))
    sock_of(s).sendall(b"exit 3\r")
    env.note("exit through attach", read_until(s, b"<EOF>"))
    env.wait(lambda: not env.api.inspect_container("shell")["State"]["Running"], timeout=5)
    env.note("after exit", state(env, "shell"))
    env.client.containers.run("busybox", "cat", name="reader", detach=True, stdin_open=True)
    s = env.api.attach_socket("reader", params=params)
    sock_of(s).sendall(b"line\n")
    env.note("cat through attach", read_until(s, b"line\n", framed=True))
    sock_of(s).shutdown(socket.SHUT_WR)
    env.note("our side closed", read_until(s, b"<EOF>", framed=True))
    env.note("cat after", state(env, "reader"))


@scenario("processes: signals", "processes: main commands that end")
def s_process_ends(env: Recorder):
    """A sleep that ends before stop's grace does exits 0; an exec dies with its container (137,
    after running); kill on a restart=always container is a stop (no restart); a shell reading a
    script from stdin; the log of a script that sleeps between its lines, while it sleeps."""
    env.client.containers.run("busybox", "sh -c 'sleep 1; echo slept'", name="short", detach=True)
    env.api.stop("short", timeout=10)
    env.note("stop of a short sleep", state(env, "short"))
    env.note("its log", env.api.logs("short").decode())
    env.client.containers.run("busybox", SLEEP, name="host1x", detach=True)
    eid = env.api.exec_create("host1x", "sleep 100")["Id"]
    env.api.exec_start(eid, detach=True)
    env.wait(lambda: env.api.exec_inspect(eid)["Running"], timeout=5)
    env.note("exec sleeping", {k: v for k, v in env.api.exec_inspect(eid).items() if k in ("Running", "ExitCode")})
    env.api.kill("host1x")
    exec_done(env, eid)
    env.note("exec after kill", {k: v for k, v in env.api.exec_inspect(eid).items() if k in ("Running", "ExitCode")})
    env.client.containers.run("busybox", SLEEP, name="always", detach=True, restart_policy={"Name": "always"})
    env.api.kill("always")
    time.sleep(0.5)
    env.note("always after kill", state(env, "always") | {"RestartCount": env.api.inspect_container("always")["RestartCount"]})
    env.client.containers.run("busybox", "sh -c 'echo before; sleep 2; echo after'", name="slow", detach=True)
    env.wait(lambda: b"before" in env.api.logs("slow"), timeout=5)
    env.note("log while it sleeps", env.api.logs("slow").decode())
    env.note("state while it sleeps", state(env, "slow"))
    env.note("wait", env.api.wait("slow"))
    env.note("log at the end", env.api.logs("slow").decode())
    env.note("logs tail=1", env.api.logs("slow", tail=1).decode())
    env.note("logs timestamps", [line.split(" ", 1)[1] for line in env.api.logs("slow", timestamps=True).decode().splitlines()])
