"""One engine per learner session: what `./run.sh lab` and binder/start do before JupyterLab starts.

A JupyterLab terminal inherits the Jupyter server's environment, not a kernel's, so an engine that
kernels, `!docker` cells and terminals all share must be chosen before the server starts. When no
real engine answers, the launcher starts labkit's simulated engine as a daemon on a socket in the
user's runtime folder and exports `DOCKER_HOST` to it:

    DOCKER_HOST=$(labkit sim serve --background --exit-with $$)   # prints unix:///.../docker-PID.sock
    export DOCKER_HOST
    exec jupyter lab                                              # keeps the PID the daemon watches

The daemon stops by itself once the process it watches (the launcher, which became JupyterLab)
has ended, and removes its socket. `labkit.connect()` then finds an engine at `DOCKER_HOST` and
recognises it as the simulator from what it says of itself (`docker info`), so the notebook says
which engine it uses; the in-process simulator (`labkit.connect("sim")`) stays for tests and
scripts.

Where the socket goes: `$XDG_RUNTIME_DIR/labkit/` when that folder exists and is writable (it is
the user's own, mode 0700, and emptied at logout), else `$TMPDIR/labkit-UID/` (made with mode
0700 and refused if anyone else owns it or may enter it).
"""
from __future__ import annotations

import os
import secrets
import stat
import subprocess
import sys
import tempfile
import threading
import time

from .errors import LabkitError
from .system import answers

READY_TIMEOUT = 20.0   # s for a background daemon to answer
WATCH_INTERVAL = 0.5   # s between two looks at the process a daemon exits with


class LaunchError(LabkitError):
    """The shared simulated engine could not be set up (the message says where and why)."""


def runtime_folder() -> str:
    """The private folder for this user's engine sockets (made if needed); LaunchError when it is
    not private (owned by someone else, or open to others)."""
    xdg = os.environ.get("XDG_RUNTIME_DIR")
    if xdg and os.path.isdir(xdg) and os.access(xdg, os.W_OK | os.X_OK):
        folder = os.path.join(xdg, "labkit")
    else:
        folder = os.path.join(tempfile.gettempdir(), f"labkit-{os.getuid()}")
    try:
        os.mkdir(folder, 0o700)
    except FileExistsError:
        pass
    except OSError as e:
        raise LaunchError(f"cannot make the folder {folder} for the simulated engine's socket: "
                          f"{e.strerror}; set XDG_RUNTIME_DIR or TMPDIR to a folder of yours") from None
    info = os.lstat(folder)
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid() or info.st_mode & 0o077:
        raise LaunchError(f"{folder} is not a private folder of yours (it must be a folder you own, mode 0700); "
                          f"remove it, or set XDG_RUNTIME_DIR or TMPDIR to a folder of yours")
    return folder


def socket_for(exit_with: int | None) -> str:
    """A socket path in the runtime folder: docker-PID.sock after the process the daemon exits with."""
    name = f"docker-{exit_with}.sock" if exit_with else f"docker-{secrets.token_hex(4)}.sock"
    return os.path.join(runtime_folder(), name)


def start_background(path: str | None = None, exit_with: int | None = None,
                     timeout: float = READY_TIMEOUT) -> str:
    """Start `labkit sim serve` as a daemon of its own (a new session: a Ctrl-C meant for
    JupyterLab does not reach it) and return its URL once it answers. With exit_with, it stops
    when that process ends."""
    if exit_with is not None:
        check_pid(exit_with)
    path = os.path.abspath(path) if path else socket_for(exit_with)
    command = [sys.executable, "-m", "labkit.cli", "sim", "serve", "--socket", path]
    if exit_with is not None:
        command += ["--exit-with", str(exit_with)]
    with tempfile.TemporaryFile() as log:   # what it says, read only if it fails to start
        daemon = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=log,
                                  start_new_session=True, close_fds=True)
        deadline = time.monotonic() + timeout
        while not answers(path):
            if daemon.poll() is not None or time.monotonic() > deadline:
                if daemon.poll() is None:
                    daemon.terminate()
                    daemon.wait(10)
                log.seek(0)
                said = log.read().decode("utf-8", "replace").strip().splitlines()
                reason = said[-1] if said else f"it did not answer within {timeout:.0f} s"
                raise LaunchError(f"the simulated engine did not start on {path}: {reason.removeprefix('labkit: error: ')}")
            time.sleep(0.02)
    return f"unix://{path}"


def check_pid(pid: int) -> None:
    if pid <= 0 or not alive(pid):
        raise LaunchError(f"no process {pid} to exit with: give the PID of a running process (in a shell: $$)")


def alive(pid: int) -> bool:
    """Whether process pid runs (an ended process that its parent has not reaped yet does not)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:   # someone else's process: it exists
        pass
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            return f.read().rsplit(b")", 1)[-1].split()[0] != b"Z"
    except (OSError, IndexError):   # no /proc (macOS): kill() said enough
        return True


def watch(pid: int, stop: threading.Event, interval: float = WATCH_INTERVAL) -> threading.Thread:
    """A thread that sets stop once the process pid has ended."""
    def run():
        while not stop.wait(interval):
            if not alive(pid):
                stop.set()
    thread = threading.Thread(target=run, name=f"labkit: exit with {pid}", daemon=True)
    thread.start()
    return thread
