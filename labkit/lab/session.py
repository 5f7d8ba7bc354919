"""Sessions: which Python process (kernel) made an object, and whether it still runs.

Everything a lab makes carries `labkit.session=MACHINE-BOOT-PID-START`, as `session_id()` gives
it: a restarted kernel is a new session, and so is a new boot. A new Lab removes what ended
sessions left behind (see labkit.lab.leftovers); `session_state()` tells an ended session from
one that still runs on this machine, or was made on another.
"""
from __future__ import annotations

import hashlib
import os
import socket
import uuid

SESSION_LABEL = "labkit.session"  # the process that made the object (see session_id())
_SESSION: dict[int, str] = {}


def _read_first_line(path: str) -> str:
    try:
        with open(path) as f:
            return f.readline().strip()
    except OSError:
        return ""


def _start_time(pid: int) -> str:
    """When a process started (clock ticks since boot, Linux's /proc), or "" where unknown."""
    stat = _read_first_line(f"/proc/{pid}/stat")
    try:
        return stat.rsplit(")", 1)[1].split()[19]
    except IndexError:
        return ""


def _machine() -> str:
    """This machine (or container: each has its own hostname), as a short stable hash."""
    ident = (_read_first_line("/etc/machine-id") or _read_first_line("/var/lib/dbus/machine-id")
             or str(uuid.getnode()))
    return hashlib.sha256(f"{socket.gethostname()}/{ident}".encode()).hexdigest()[:8]


def session_id() -> str:
    """This process as the `labkit.session` label names it: MACHINE-BOOT-PID-START ("x" where the
    platform does not tell). A restarted kernel is a new session; so is a new boot."""
    pid = os.getpid()
    if pid not in _SESSION:   # per pid: a forked child is a session of its own
        boot = _read_first_line("/proc/sys/kernel/random/boot_id").replace("-", "")[:8]
        _SESSION[pid] = f"{_machine()}-{boot or 'x'}-{pid}-{_start_time(pid) or 'x'}"
    return _SESSION[pid]


def session_state(session: str | None) -> str:
    """"this" (this process), "running" (another process on this machine that still runs),
    "elsewhere" (made on another machine: nothing to tell) or "ended" (no session, or its
    process has ended: leftovers)."""
    mine = session_id()
    if session == mine:
        return "this"
    parts = (session or "").split("-")
    if len(parts) != 4 or not parts[2].isdigit():
        return "ended"
    machine, boot, pid, start = parts
    here_machine, here_boot = mine.split("-")[:2]
    if machine != here_machine:
        return "elsewhere"
    if "x" not in (boot, here_boot) and boot != here_boot:
        return "ended"            # made before this machine last booted
    if int(pid) <= 0:
        return "ended"
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return "ended"
    except (PermissionError, OverflowError, ValueError):
        pass                      # it runs, as another user
    if start != "x" and _start_time(int(pid)) not in ("", start):
        return "ended"            # the pid now belongs to another process
    return "running"


def default_name() -> str:
    """The lab's name when none is given: LABKIT_LAB, else "lab"."""
    return os.environ.get("LABKIT_LAB") or "lab"
