"""`labkit sim serve` under a class's load: requests per second and latency for mixed docker-py
calls from many clients at once, and a burst of connections all opened at once.

    python bench/sim_load.py [--clients 50] [--seconds 10] [--burst 200]

The daemon runs in its own process (as a learner's does); the clients are threads of a few client
processes (--processes), each with its own docker-py client and connections (tests/load.py: network and container create,
start, inspect, list, ping, exec, remove). Printed: calls, requests per second, p50/p95/max
latency, errors (must be 0), objects lost or left over (must be 0), the CPU the daemon used per
call, and the burst: how many of N network creates sent at once were answered (the engine: all),
in how long.
"""
from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import sys
import tempfile
import time

sys.path.insert(0, ".")  # run from the repository root: the load lives in tests/

from tests import load  # noqa: E402
from tests.engines import SimDaemon  # noqa: E402
from tests.test_api_errors import burst  # noqa: E402


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process and its threads, in seconds."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def share(job: tuple[str, int, int, float]) -> load.LoadResult:
    url, first, clients, seconds = job
    return load.mixed_load(url, clients=clients, seconds=seconds, first=first)


def mixed(url: str, clients: int, seconds: float, processes: int) -> load.LoadResult:
    """The clients shared among processes (one Python process cannot drive 50 clients at the
    daemon's pace: the clients' own CPU would be measured)."""
    per = [clients // processes + (i < clients % processes) for i in range(processes)]
    jobs = [(url, sum(per[:i]), n, seconds) for i, n in enumerate(per) if n]
    with multiprocessing.get_context("fork").Pool(len(jobs)) as pool:
        parts = pool.map(share, jobs)
    out = load.LoadResult(clients, seconds=max(p.seconds for p in parts))
    for p in parts:
        out.latencies += p.latencies
        out.errors += p.errors
        out.lost += p.lost
        out.extra += p.extra
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--burst", type=int, default=200)
    ap.add_argument("--processes", type=int, default=4, help="client processes (the clients are shared)")
    args = ap.parse_args()
    folder = tempfile.mkdtemp(prefix="labkit-load-")
    with SimDaemon(os.path.join(folder, "docker.sock")) as daemon:
        cpu0 = cpu_seconds(daemon.process.pid)
        result = mixed(daemon.url, args.clients, args.seconds, args.processes)
        cpu = cpu_seconds(daemon.process.pid) - cpu0
        load.clean(daemon.url)
        started = time.monotonic()
        tally = burst(daemon.path, args.burst)
        burst_s = time.monotonic() - started
    os.rmdir(folder)
    answered = sum(n for key, n in tally.items() if key[:1].isdigit())
    print(f"{args.clients} clients in {args.processes} processes for {result.seconds:.1f} s: {result.calls} calls, {result.rps:.0f} requests/s")
    print(f"latency: p50 {result.p50 * 1000:.1f} ms, p95 {result.p95 * 1000:.1f} ms, "
          f"max {result.percentile(100) * 1000:.1f} ms")
    print(f"daemon CPU: {cpu:.2f} s, {cpu / max(result.calls, 1) * 1000:.2f} ms per call "
          f"({cpu / result.seconds:.0%} of one core)")
    print(f"errors: {len(result.errors)}; objects lost: {len(result.lost)}, left over: {len(result.extra)}")
    for line in result.errors[:5]:
        print("  " + line)
    print(f"burst: {answered} of {args.burst} network creates sent at once answered in {burst_s:.2f} s "
          f"(the engine: all); answers: {json.dumps(tally)}")


if __name__ == "__main__":
    main()
