"""Servers: busybox httpd, and what a server does when a connection reaches it.

`httpd -f -p PORT [-h HOME]` serves the files under HOME (default /) in the foreground; without -f
it goes to the background, and a container's main process ends with it (the container exits).
`nc -l -p PORT` (net.py) serves one connection: it prints what it received and ends; a container
whose main process it was ends with it.
"""
from __future__ import annotations

from ..engine import processes
from ..engine.sockets import Outcome, listeners_in
from ..engine.filesystem import FileError, Files, absolute
from ..state import Container, Listener
from .registry import Call, Family, Result

servers = Family("servers")


def listen(call: Call, lst: Listener) -> Result | None:
    """Bind a server socket, or the bind error when the namespace already has that port."""
    # The container's listening sockets are its main process's (an exec's server keeps its port).
    sb, host = call.sandbox, call.container.host
    proc = call.container.process or call.shell.process
    taken = [x for _, x in listeners_in(host, sb.owner)] + list(proc.listens)
    if sb.owner is None:  # the host's namespace: docker-proxy holds the published ports too
        taken += [Listener(p, hp, "docker-proxy") for c in host.containers.values()
                  for (p, _ip, hp, _cp, _c) in c.ports_bound]
    if any((t.proto, t.port) == (lst.proto, lst.port) for t in taken):
        return Result.of(1, "", f"{lst.program}: bind: Address already in use\n")
    proc.listens.append(lst)
    if call.container.process is None:
        call.container.process = proc
    return None


def served(out: Outcome, data: str = "") -> None:
    """A one-shot server (nc -l) ends after its connection: the main process's, waiting for it in
    its foreground, prints what it received and goes on (its script, or its container's end),
    as far as its next wait before the client hears back."""
    lst = out.listener
    if lst is None or not lst.once:
        return
    owner = out.target
    proc = getattr(owner, "process", None)
    if proc is not None and lst in proc.listens:
        proc.listens.remove(lst)
        if lst.main and not proc.ended:
            lst.received = data
            marks = {proc: proc.wakes}
            proc.wake()
            processes.settle(proc, since=marks)


def serve_http(out: Outcome, path: str) -> str | None:
    """What busybox httpd answers for path: the file under its home folder, else None (404)."""
    lst = out.listener
    if lst is None or lst.program != "httpd" or not isinstance(out.target, Container):
        return None
    want = path if not path.endswith("/") else path + "index.html"
    try:
        return Files(out.target).read(absolute(want.lstrip("/"), lst.docroot)).decode(errors="replace")
    except FileError:
        return None


@servers.applet("httpd")
def httpd(call: Call) -> Result:
    args = call.args
    port, foreground, home = 80, False, "/"
    i = 0
    while i < len(args):
        a = args[i]
        if a == "-f":
            foreground = True
        elif a == "-p" and i + 1 < len(args):
            port = int(args[i + 1].rsplit(":", 1)[-1])
            i += 1
        elif a == "-h" and i + 1 < len(args):
            home = args[i + 1]
            i += 1
        i += 1
    main = call.shell.main
    if not call.fs.is_dir(call.path(home)):
        return Result.of(1, "", f"httpd: can't change directory to '{home}': No such file or directory\n")
    if not foreground and main:
        # httpd goes into the background and the container's main process ends with it.
        return Result()
    failed = listen(call, Listener("tcp", port, "httpd", main=main and foreground, docroot=home))
    if failed:
        return failed
    if foreground and call.serves:
        call.shell.keep_running()
    return Result()
