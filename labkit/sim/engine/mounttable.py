"""/proc/mounts in a container (`cat /proc/mounts`, `grep /cache /proc/mounts`): what
the runtime mounted where, one line each in the kernel's format (device, mount point, type,
options, "0 0").

Order and lines are runc's as the engine asks for them (measured on 20.10.24): the root (overlay),
/proc, /dev and what the runtime puts below it, /sys and its cgroups, then the container's own
mounts and the engine's /etc files sorted by depth (fewest "/" first; equal ones as the engine
listed them: volumes and binds in a Go map's random order, the tmpfs mounts of --tmpfs then of
--mount, /etc/resolv.conf, /etc/hostname, /etc/hosts),
/dev/console with a terminal, and the paths the runtime masks.

A bind or a volume shows the device and file system of the machine's folder that holds it (for a
bind: its source; for a volume and the /etc files: the engine's data root, /var/lib/docker), with
the mount's rw/ro.
"""
from __future__ import annotations

import hashlib
import os
import posixpath

from ..state import Container, Mount
from . import filesystem

BEFORE = ("proc /proc proc rw,nosuid,nodev,noexec,relatime 0 0",
          "tmpfs /dev tmpfs rw,nosuid,size=65536k,mode=755 0 0",
          "devpts /dev/pts devpts rw,nosuid,noexec,relatime,gid=5,mode=620,ptmxmode=666 0 0",
          "sysfs /sys sysfs ro,nosuid,nodev,noexec,relatime 0 0",
          "tmpfs /sys/fs/cgroup tmpfs rw,nosuid,nodev,noexec,relatime,mode=755 0 0",
          *(f"cgroup /sys/fs/cgroup/{c} cgroup ro,nosuid,nodev,noexec,relatime,{o} 0 0" for c, o in (
              ("cpu", "cpu"), ("cpuacct", "cpuacct"), ("cpuset", "cpuset"), ("memory", "memory"),
              ("devices", "devices"), ("freezer", "freezer"), ("blkio", "blkio"), ("pids", "pids"),
              ("systemd", "name=systemd"))),
          "mqueue /dev/mqueue mqueue rw,nosuid,nodev,noexec,relatime 0 0",
          "shm /dev/shm tmpfs rw,nosuid,nodev,noexec,relatime,size=65536k 0 0")
CONSOLE = "devpts /dev/console devpts rw,nosuid,noexec,relatime,gid=5,mode=620,ptmxmode=666 0 0"
MASKED = ("proc /proc/bus proc ro,nosuid,nodev,noexec,relatime 0 0",
          "proc /proc/fs proc ro,nosuid,nodev,noexec,relatime 0 0",
          "proc /proc/irq proc ro,nosuid,nodev,noexec,relatime 0 0",
          "proc /proc/sys proc ro,nosuid,nodev,noexec,relatime 0 0",
          "tmpfs /proc/acpi tmpfs ro,relatime 0 0",
          "tmpfs /proc/keys tmpfs rw,nosuid,size=65536k,mode=755 0 0",
          "tmpfs /proc/timer_list tmpfs rw,nosuid,size=65536k,mode=755 0 0",
          "tmpfs /sys/firmware tmpfs ro,relatime 0 0")
DATA_ROOT = "/var/lib/docker"
PATHS = ("/proc/mounts", "/proc/self/mounts", "/proc/1/mounts")
BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"


def _short(seed: str) -> str:
    """overlay2's short link name of a layer (26 base32 characters), derived from seed here."""
    digest = hashlib.sha256(seed.encode()).digest()
    return "".join(BASE32[b % 32] for b in digest[:26])


def _machine_mount(path: str) -> tuple[str, str, str]:
    """(device, type, options) of the machine's mount that holds path (the longest mount point
    over it, in this process's /proc/self/mounts)."""
    best = ("/", ("none", "ext4", "rw,relatime"))
    try:
        with open("/proc/self/mounts") as f:
            lines = f.read().splitlines()
    except OSError:
        lines = []
    for line in lines:
        parts = line.split()
        if len(parts) < 4:
            continue
        point = parts[1].replace("\\040", " ")
        if (path == point or path.startswith(point.rstrip("/") + "/")) and len(point) >= len(best[0]):
            best = (point, (parts[0], parts[2], parts[3]))
    return best[1]


def _line(device_of: str, point: str, rw: bool) -> str:
    device, kind, options = _machine_mount(device_of)
    opts = options.split(",")
    opts = [("rw" if rw else "ro") if o in ("rw", "ro") else o for o in opts]
    return f"{device} {point} {kind} {','.join(opts)} 0 0"


def _mount_line(m: Mount) -> str:
    if m.kind == "tmpfs":
        return f"tmpfs {m.destination} tmpfs {'rw' if m.rw else 'ro'},nosuid,nodev,noexec,relatime 0 0"
    source = os.path.realpath(m.source) if m.kind == "bind" else DATA_ROOT
    return _line(source, m.destination, m.rw)


def proc_mounts(c: Container) -> str:
    """The container's /proc/mounts (see the module's docstring)."""
    rw = not c.host_config.get("ReadonlyRootfs")
    upper = hashlib.sha256(("layer:" + c.id).encode()).hexdigest()
    layers = f"{DATA_ROOT}/overlay2"
    root = (f"overlay / overlay {'rw' if rw else 'ro'},relatime,lowerdir={layers}/l/{_short('init:' + c.id)}:"
            f"{layers}/l/{_short('image:' + c.image.id)},upperdir={layers}/{upper}/diff,"
            f"workdir={layers}/{upper}/work 0 0")
    # Volumes and binds (the engine's are a Go map's, in random order), --tmpfs's, --mount's tmpfs.
    tmpfs = {filesystem.absolute(d) for d in (c.host_config.get("Tmpfs") or {})}
    own = ([m for m in c.mounts if m.kind != "tmpfs"] + [m for m in c.mounts if m.kind == "tmpfs" and m.destination in tmpfs]
           + [m for m in c.mounts if m.kind == "tmpfs" and m.destination not in tmpfs])
    dests = {m.destination for m in own}
    entries = [(m.destination, _mount_line(m)) for m in own]
    entries += [(p, _line(DATA_ROOT, p, rw)) for p in ("/etc/resolv.conf", "/etc/hostname", "/etc/hosts")
                if p not in dests]
    entries.sort(key=lambda e: len([p for p in e[0].split("/") if p]))   # stable: equal depths keep their order
    lines = [root, *BEFORE, *(line for _, line in entries)]
    if c.config.get("Tty"):
        lines.append(CONSOLE)
    lines += MASKED
    return "".join(line + "\n" for line in lines)


def is_mounts_file(path: str) -> bool:
    return posixpath.normpath(path) in PATHS
