"""`docker top` and `docker stats`: a container's processes and its resource counters.

top is the host's `ps` over the container's processes (ps -ef's columns unless other options are
given). stats is the engine's document (cgroup v1 counters on these machines): CPU and memory
figures are small steady values of the simulator's own; the network counters are the bytes and
packets the simulator carried through each interface (Container.traffic).
"""
from __future__ import annotations

import time

from ..errors import Conflict, EngineError
from ..state import Container, ZERO_TIME, now

PS_EF = ["UID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD"]
PS_AUX = ["USER", "PID", "%CPU", "%MEM", "VSZ", "RSS", "TTY", "STAT", "START", "TIME", "COMMAND"]
# ps -o FIELD: the column each field's title is, as procps names them.
PS_FIELDS = {"pid": "PID", "ppid": "PPID", "comm": "COMMAND", "args": "COMMAND", "cmd": "CMD", "user": "USER",
             "uid": "UID", "tty": "TT", "time": "TIME", "stat": "STAT", "etime": "ELAPSED", "pcpu": "%CPU",
             "pmem": "%MEM", "vsz": "VSZ", "rss": "RSS", "nice": "NI", "pgid": "PGID", "sid": "SID"}


def shim_pid(c: Container) -> int:
    """The containerd shim's process: the parent of the container's PID 1 on the host."""
    return c.pid - 1 if c.pid > 1 else 1


def command_line(c: Container, argv: list[str] | None = None) -> list[str]:
    """What PID 1 (or argv) runs: busybox's `sh -c` runs a lone simple command in its own place."""
    if argv is None:
        argv = c.process.argv if c.process is not None else c.argv
    if len(argv) == 3 and argv[0] in ("sh", "/bin/sh") and argv[1] == "-c" \
            and not any(ch in argv[2] for ch in ";&|<>()$`\n"):
        return argv[2].split()
    return list(argv)


def living(c: Container) -> list:
    """The container's processes the host sees, by PID: its main one, its execs' and its shells'
    background jobs that have not ended."""
    world = c.host.world
    procs = [c.process] if c.process is not None else []
    procs += [e.process for e in (world.execs.get(eid) for eid in c.exec_ids)
              if e is not None and e.process is not None]
    procs += list(c.jobs)
    return sorted((p for p in procs if not p.ended), key=lambda p: p.pid)


def in_namespace(c: Container) -> dict:
    """The container's living processes by their PID in its own namespace (what `ps` and `kill`
    in it see). Under --init PID 1 is docker-init, which passes signals on to the command."""
    found = {p.inner_pid: p for p in sorted(living(c), key=lambda p: p.inner_pid) if p.inner_pid}
    if c.process is not None and c.process.inner_pid != 1 and not c.process.ended:
        found = {1: c.process, **found}
    return found


def cmdline(pid: int, proc) -> list[str]:
    """A process's command line in its container (/proc/PID/cmdline, ps): under --init, PID 1's
    is docker-init's."""
    return ["/sbin/docker-init", "--", *proc.argv] if pid == 1 and proc.inner_pid != 1 else proc.argv


def top(c: Container, ps_args: str = "") -> dict:
    """docker top CONTAINER [ps OPTIONS]."""
    if not c.running:
        raise Conflict(f"Container {c.id} is not running")
    args = ps_args.split() or ["-ef"]
    started = time.strftime("%H:%M", time.localtime(c.pid and time.time()))
    rows = []
    jobs = {id(j) for j in c.jobs}
    for proc in living(c):
        # The host's ps: the main process and each exec lead a session of their own under the
        # shim; a shell's background job is its shell's child. A container's terminal is not the
        # host's: "?" (with "+", in the foreground of a terminal).
        argv, pid, job = command_line(c, proc.argv), str(proc.pid), id(proc) in jobs
        stat = "S" if job else "Ss+" if proc.tty is not None else "Ss"
        rows.append((argv, {
            "UID": "root", "USER": "root", "PID": pid, "PPID": str(c.pid if job else shim_pid(c)), "C": "0",
            "STIME": started, "START": started, "TTY": "?", "TT": "?", "TIME": "00:00:00", "CMD": " ".join(argv),
            "%CPU": "0.0", "%MEM": "0.0", "VSZ": "1328", "RSS": "4", "STAT": stat, "ELAPSED": "00:01",
            "NI": "0", "PGID": str(c.pid) if job else pid, "SID": str(c.pid) if job else pid}))
    if args[0] == "-o" and len(args) == 2:
        titles, fields = [], args[1].split(",")
        for f in fields:
            if f not in PS_FIELDS:
                raise EngineError(f"ps: error: unknown user-defined format specifier \"{f}\"")
            titles.append(PS_FIELDS[f])
        return {"Titles": titles, "Processes": [
            [argv[0].rsplit("/", 1)[-1] if f == "comm" else " ".join(argv) if f == "args" else values[PS_FIELDS[f]]
             for f in fields] for argv, values in rows]}
    if args in (["-ef"], ["-e", "-f"], ["-f"]):
        return {"Titles": PS_EF, "Processes": [[values[t] for t in PS_EF] for _, values in rows]}
    if args in (["aux"], ["-aux"]):
        return {"Titles": PS_AUX, "Processes": [[values[t] for t in PS_AUX] for _, values in rows]}
    if any(a.startswith("--") for a in args):
        raise EngineError("ps: error: unknown gnu long option")
    raise EngineError(f"ps: error: unsupported option (BSD syntax): {' '.join(args)}")


# -- stats ---------------------------------------------------------------------------------------------
NETWORK_KEYS = ("rx_bytes", "rx_packets", "rx_errors", "rx_dropped", "tx_bytes", "tx_packets", "tx_errors", "tx_dropped")


def carried(c: Container, ifname: str, received: int = 0, sent: int = 0, rx_packets: int = 0, tx_packets: int = 0) -> None:
    """Count traffic through one of a container's interfaces."""
    counters = c.traffic.setdefault(ifname, [0, 0, 0, 0])
    counters[0] += received
    counters[1] += rx_packets
    counters[2] += sent
    counters[3] += tx_packets


def _cpu(ticks: int, running: bool) -> dict:
    if not running:
        return {"cpu_usage": {"total_usage": 0, "usage_in_kernelmode": 0, "usage_in_usermode": 0},
                "throttling_data": {"periods": 0, "throttled_periods": 0, "throttled_time": 0}}
    total = 20_000_000 + ticks * 1000
    return {"cpu_usage": {"total_usage": total, "percpu_usage": [total // 2, total - total // 2],
                          "usage_in_kernelmode": total // 2, "usage_in_usermode": total // 4},
            "system_cpu_usage": 10_000_000_000_000 + ticks * 2_000_000_000, "online_cpus": 2,
            "throttling_data": {"periods": 0, "throttled_periods": 0, "throttled_time": 0}}


MEMORY_STATS = ("active_anon", "active_file", "cache", "dirty", "hierarchical_memory_limit",
                "hierarchical_memsw_limit", "inactive_anon", "inactive_file", "mapped_file", "pgfault",
                "pgmajfault", "pgpgin", "pgpgout", "rss", "rss_huge", "total_active_anon", "total_active_file",
                "total_cache", "total_dirty", "total_inactive_anon", "total_inactive_file", "total_mapped_file",
                "total_pgfault", "total_pgmajfault", "total_pgpgin", "total_pgpgout", "total_rss",
                "total_rss_huge", "total_unevictable", "total_writeback", "unevictable", "writeback")


def document(c: Container, ticks: int = 1, previous: dict | None = None) -> dict:
    """One stats document; previous: the one before it in a stream (its cpu figures become
    precpu_stats)."""
    running = c.running
    empty_blkio = {k: [] if running else None for k in ("io_service_bytes_recursive", "io_serviced_recursive", "io_queue_recursive",
                                     "io_service_time_recursive", "io_wait_time_recursive", "io_merged_recursive",
                                     "io_time_recursive", "sectors_recursive")}
    doc = {
        "read": now() if running else ZERO_TIME,
        "preread": previous["read"] if previous else ZERO_TIME,
        "pids_stats": {"current": len(living(c))} if running else {},
        "blkio_stats": empty_blkio,
        "num_procs": 0,
        "storage_stats": {},
        "cpu_stats": _cpu(ticks, running),
        "precpu_stats": previous["cpu_stats"] if previous else _cpu(0, False),
        "memory_stats": {},
        "name": "/" + c.name,
        "id": c.id,
    }
    if not running:
        return doc
    limit = c.host_config.get("Memory") or 2147483648
    usage = 606208
    doc["memory_stats"] = {"usage": usage, "max_usage": 1826816,
                           "stats": {k: 0 for k in MEMORY_STATS} | {"hierarchical_memory_limit": 9223372036854771712,
                                                                     "hierarchical_memsw_limit": 9223372036854771712,
                                                                     "rss": 94208, "total_rss": 94208},
                           "limit": limit}
    owner = c.shared_with() or c
    networks = {ep.ifname: dict(zip(NETWORK_KEYS, network_counters(owner, ep.ifname)))
                for ep in owner.endpoints.values() if ep.has_interface}
    if networks:  # none in host mode or with no network (omitempty)
        doc["networks"] = networks
    return doc


def network_counters(c: Container, ifname: str) -> list[int]:
    rx_bytes, rx_packets, tx_bytes, tx_packets = c.traffic.get(ifname, [0, 0, 0, 0])
    return [rx_bytes, rx_packets, 0, 0, tx_bytes, tx_packets, 0, 0]
