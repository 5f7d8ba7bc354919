"""Real lab hosts: three up and in a Swarm in under 30 s, down in under 10 s, leaving nothing.

One round: `labkit.cluster(3, engine="docker")` (three dockerds in namespaces, the lab image
loaded), swarm init on host1 and join of the others, until every node is ready and every host has
its docker_gwbridge and ingress (what notebook 06 waits for); then, as notebook 06 uses it, an
attachable overlay with a container on two hosts that ping each other by name; then
`cluster.close()`. After each round, nothing of the prefix may be left: no network namespace,
no switch bridge, no process naming its folder, no folder or lock under /run/labkit.
Needs root and dockerd. Prints each round's times and the ratios to the targets.

    python bench/hosts_speed.py [--rounds N] [--prefix lkbh]
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time

import labkit
from labkit import hosts, system

UP_TARGET, DOWN_TARGET = 30.0, 10.0


def wait_for(what: str, done, seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while not done():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what}: not after {seconds:.0f} s")
        time.sleep(0.05)


def up(prefix: str) -> tuple[labkit.Cluster, dict]:
    t = {}
    start = time.monotonic()
    cluster = labkit.cluster(3, engine="docker", prefix=prefix)
    t["hosts"] = time.monotonic() - start
    manager, *workers = cluster
    manager.swarm.init(advertise_addr="eth0")
    token = manager.swarm.attrs["JoinTokens"]["Worker"]
    for worker in workers:
        worker.swarm.join(["10.99.0.11:2377"], join_token=token)
    wait_for("all nodes ready", lambda: sorted(n.attrs["Status"]["State"] for n in manager.nodes.list())
             == ["ready"] * 3)
    for client in cluster:
        wait_for("docker_gwbridge and ingress", lambda c=client: {"docker_gwbridge", "ingress"}
                 <= {n.name for n in c.networks.list()})
    t["swarm"] = time.monotonic() - start - t["hosts"]
    t["up"] = time.monotonic() - start
    return cluster, t


def use(cluster: labkit.Cluster) -> float:
    start = time.monotonic()
    labs = [labkit.Lab(client, name="bench") for client in cluster]
    labs[0].network("ov", driver="overlay", attachable=True)
    labs[0].container("left", networks=["ov"])
    labs[1].container("right", networks=["ov"])
    if not labs[1].ping("right", "left").ok:
        raise RuntimeError("right (host2) does not reach left (host1) over the overlay")
    return time.monotonic() - start


def leftovers(prefix: str) -> list[str]:
    """What of the prefix is still on this machine."""
    found = []
    netns = os.listdir(hosts.NETNS_DIR) if os.path.isdir(hosts.NETNS_DIR) else []
    found += [f"network namespace {n}" for n in netns if n.startswith(f"{prefix}-")]
    links = subprocess.run(["ip", "-o", "link"], capture_output=True, text=True, check=False).stdout
    found += [f"interface {line.split(':')[1].strip()}" for line in links.splitlines()
              if line.split(":")[1].strip().startswith(f"{prefix}ul0")]
    folder = f"{hosts.STATE_ROOT}/{prefix}"
    found += [f"process {pid}" for pid in system.processes_using(folder)]
    found += [f"path {p}" for p in (folder, f"{folder}.lock") if os.path.lexists(p)]
    with open("/proc/self/mountinfo") as f:
        found += [f"mount {line.split()[4]}" for line in f if line.split()[4].startswith(folder + "/")]
    return found


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--prefix", default="lkbh", help="the hosts' prefix (default lkbh)")
    args = ap.parse_args()
    problem = hosts.can_start_hosts("this benchmark")
    if problem is not None:
        print(f"skipped: {problem}")
        return 0
    hosts.stop_hosts(args.prefix)
    rows, failed = [], []
    print(f"{'round':>5} {'hosts':>7} {'swarm':>7} {'up':>7} {'overlay':>8} {'down':>7}  left behind")
    for i in range(1, args.rounds + 1):
        cluster, t = up(args.prefix)
        try:
            t["overlay"] = use(cluster)
        finally:
            start = time.monotonic()
            cluster.close()
            t["down"] = time.monotonic() - start
        left = leftovers(args.prefix)
        if left:
            failed.append(i)
        rows.append(t)
        print(f"{i:>5} {t['hosts']:7.2f} {t['swarm']:7.2f} {t['up']:7.2f} {t['overlay']:8.2f} {t['down']:7.2f}  "
              f"{', '.join(left) or 'nothing'}", flush=True)
    up_med = statistics.median(r["up"] for r in rows)
    down_med = statistics.median(r["down"] for r in rows)
    up_max, down_max = max(r["up"] for r in rows), max(r["down"] for r in rows)
    print(f"up (3 hosts in a swarm): median {up_med:.2f} s, max {up_max:.2f} s; target {UP_TARGET:.0f} s: "
          f"ratio {up_max / UP_TARGET:.2f} ({'met' if up_max < UP_TARGET else 'MISSED'})")
    print(f"down: median {down_med:.2f} s, max {down_max:.2f} s; target {DOWN_TARGET:.0f} s: "
          f"ratio {down_max / DOWN_TARGET:.2f} ({'met' if down_max < DOWN_TARGET else 'MISSED'})")
    print(f"left behind: {'nothing, every round' if not failed else 'something, in rounds ' + str(failed)}")
    return 0 if not failed and up_max < UP_TARGET and down_max < DOWN_TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
