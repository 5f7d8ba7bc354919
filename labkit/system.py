"""This machine's side of labkit.hosts: commands, network namespaces, and what /proc says of
processes and mounts.

Commands are argument lists (never a shell line), run with the sbin folders on PATH whatever the
caller's PATH (dockerd looks up iptables and containerd there). Processes are found by what
their command line names (a host's state folder), never by a name pattern; mounts by
/proc/self/mountinfo.
"""
from __future__ import annotations

import contextlib
import fcntl
import os
import re
import shutil
import socket
import subprocess
import time
from typing import Iterator

from .errors import CommandFailed, HostsError

NETNS_DIR = "/run/netns"
PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def run(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    """Run a command; with check, CommandFailed (its output in the message) when it fails."""
    done = subprocess.run(list(args), capture_output=True, text=True, env={"PATH": PATH})
    if check and done.returncode != 0:
        raise CommandFailed(list(args), done.returncode, done.stderr or done.stdout)
    return done


def netns_exists(name: str) -> bool:
    return os.path.exists(f"{NETNS_DIR}/{name}")


def answers(path: str, timeout: float = 1.0) -> bool:
    """Whether an engine answers `GET /_ping` on the unix socket at path."""
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(timeout)
            s.connect(path)
            s.sendall(b"GET /_ping HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n\r\n")
            answer = b""
            while chunk := s.recv(4096):   # to its end: hanging up early makes the engine log a broken pipe
                answer += chunk
            return answer.startswith(b"HTTP/1.1 200")
    except OSError:
        return False


def tail(path: str, lines: int = 15) -> str:
    """The last lines of a file (a log), or what kept it from being read."""
    try:
        with open(path, errors="replace") as f:
            return "".join(f.readlines()[-lines:])
    except OSError as e:
        return f"({e})"


def clear_folder(folder: str) -> None:
    """Remove a folder after unmounting what the engine mounted under it (deepest first):
    overlay layers, network namespaces in exec/netns, the data root's own bind mount."""
    for _ in range(3):  # mounts can be stacked on one point
        mounts = mounts_under(folder)
        if not mounts:
            break
        for point in sorted(mounts, key=len, reverse=True):
            if run("umount", point, check=False).returncode != 0:
                run("umount", "--lazy", point, check=False)
    if os.path.lexists(folder):
        try:
            shutil.rmtree(folder)
        except OSError as e:
            raise HostsError(f"the folder {folder} could not be removed ({e}); "
                             f"see what is mounted under it with `findmnt -R {folder}`") from None


def mounts_under(folder: str) -> list[str]:
    """The mount points at or under a folder."""
    points = []
    with open("/proc/self/mountinfo") as f:
        for line in f:
            point = re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), line.split()[4])
            if point == folder or point.startswith(folder + "/"):
                points.append(point)
    return points


def listdir(folder: str) -> list[str]:
    """A folder's entries, sorted; none when it cannot be read."""
    try:
        return sorted(os.listdir(folder))
    except OSError:
        return []


def cmdline(pid: int) -> str:
    """A process's command line, its arguments joined by spaces ("" when it is gone)."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def processes_using(folder: str) -> list[int]:
    """Running processes whose command line names the folder (dockerd, containerd, shims)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (folder + "/") in cmdline(int(entry)) and alive(int(entry)):
            found.append(int(entry))
    return found


def alive(pid: int) -> bool:
    """Running (a zombie, which only waits to be reaped, counts as gone)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def send_signal(pid: int, sig: int) -> None:
    """Signal a process; one that is gone already is no error."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, sig)


def wait_gone(pid: int, deadline: float, process: subprocess.Popen | None = None, reaped: bool = False) -> bool:
    """Wait until the process ended (reaped=True: and its parent has reaped it); `process`: our
    own child of that pid, polled so that it does not linger as a zombie."""
    while True:
        if process is not None and process.pid == pid:
            process.poll()
        if not (os.path.exists(f"/proc/{pid}") if reaped else alive(pid)):
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.005)


@contextlib.contextmanager
def locked(path: str, while_exists: str) -> Iterator[None]:
    """An exclusive lock across processes (flock on the file `path`), held for the block.

    The lock file is removed when the folder `while_exists` is gone. A waiter that then gets the
    removed file's lock sees that the path no longer names it, and locks the new file instead.
    """
    os.makedirs(os.path.dirname(path), exist_ok=True)
    while True:
        lock = open(path, "a")
        fcntl.flock(lock, fcntl.LOCK_EX)
        with contextlib.suppress(FileNotFoundError):
            if os.stat(path).st_ino == os.fstat(lock.fileno()).st_ino:
                break
        lock.close()
    try:
        yield
    finally:
        if not os.path.isdir(while_exists):
            os.unlink(path)
        lock.close()
