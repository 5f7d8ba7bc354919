"""labkit's own overhead: the Lab layer against raw docker-py, same operations, real engine.

One round: create a network, run a container on it, ping from it (docker exec), remove the
container, remove the network. Rounds alternate between Lab and raw docker-py on one fresh private
engine (labkit.hosts.fresh_engine), so drift in the machine's load hits both alike. Target: the Lab
adds at most 5% (DESIGN.md). Needs root and dockerd.

    python bench/lab_overhead.py [--rounds N]
"""
from __future__ import annotations

import argparse
import contextlib
import statistics
import time

from labkit import Lab, hosts

LABELS = {"labkit": "1", "labkit.lab": "bench"}


def raw_round(client, i: int) -> None:
    net = client.networks.create(f"raw{i}", labels=LABELS, check_duplicate=True)
    c = client.containers.run("busybox", ["sleep", "86400"], name=f"raw{i}c", network=net.name,
                              labels=LABELS, detach=True)
    c.exec_run(["ping", "-c", "1", "-W", "1", f"raw{i}c"])
    c.remove(force=True)
    net.remove()


def lab_round(lab: Lab, i: int) -> None:
    lab.network(f"lab{i}")
    lab.container(f"lab{i}c", networks=f"lab{i}")
    lab.ping(f"lab{i}c", f"lab{i}c")
    lab.remove(f"lab{i}c")
    lab.remove(f"lab{i}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=20)
    args = ap.parse_args()
    host = hosts.fresh_engine("lkb")
    try:
        with contextlib.closing(host.client()) as client:
            lab = Lab(client, name="bench")
            raw_round(client, 0)  # warm-up: first container start is slower
            lab_round(lab, 0)
            raw_t, lab_t = [], []
            for i in range(1, args.rounds + 1):
                t0 = time.perf_counter()
                raw_round(client, i)
                t1 = time.perf_counter()
                lab_round(lab, i)
                t2 = time.perf_counter()
                raw_t.append(t1 - t0)
                lab_t.append(t2 - t1)
    finally:
        host.stop()
        hosts.stop_hosts("lkb")
    raw_total, lab_total = sum(raw_t), sum(lab_t)
    print(f"{args.rounds} rounds (network, run, exec ping, remove both), alternating:")
    print(f"  raw docker-py: {raw_total:.2f} s (median round {statistics.median(raw_t) * 1000:.0f} ms)")
    print(f"  labkit Lab:    {lab_total:.2f} s (median round {statistics.median(lab_t) * 1000:.0f} ms)")
    print(f"overhead: {(lab_total / raw_total - 1) * 100:+.1f}% (target: at most +5%)")


if __name__ == "__main__":
    main()
