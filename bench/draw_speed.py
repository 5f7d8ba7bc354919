"""Snapshot and drawing of a big lab on the simulated engine: 1,000 containers on 50 networks.

Target (issue 3, DESIGN.md): snapshot and drawing in under 2 s. Times the steps a redraw takes:
the snapshot (`Lab.snapshot`: `docker info` once, then the network and container lists), the
drawing (`labkit.drawing.build`: nodes, edges, positions), and the HTML a graph widget is given
(`Drawing.iframe("inline")`, with the drawing library). Best of several runs; prints the times
and the ratio to the target.

    python bench/draw_speed.py [--containers 1000] [--networks 50] [--hosts 1] [--runs 5]

With --hosts N the containers and networks are spread over N simulated hosts (one world, as
`labkit.cluster(N, engine="sim")` makes) and drawn together.
"""
from __future__ import annotations

import argparse
import time

import docker

import labkit
from labkit.drawing import build
from labkit.lab import Lab, session_id
from labkit.model import Topology

TARGET = 2.0
# The labels a Lab named "bench" gives its objects, this process's session included: without it the
# Labs made below would take the objects for an ended session's leftovers and remove them.
LABELS = {"labkit": "1", "labkit.lab": "bench", "labkit.session": session_id()}


def populate(client: docker.DockerClient, networks: int, containers: int, first_net: int) -> None:
    """Raw docker-py calls (no Lab) so that the set-up stays quick: containers round-robin over
    the networks, every fifth also connected to the next network, every tenth publishing a port."""
    api = client.api
    names = []
    for i in range(networks):
        name = f"net{first_net + i:02}"
        api.create_network(name, driver="bridge", labels=LABELS,
                           ipam=docker.types.IPAMConfig(pool_configs=[docker.types.IPAMPool(
                               subnet=f"10.{(first_net + i) // 200}.{(first_net + i) % 200}.0/24")]))
        names.append(name)
    for i in range(containers):
        net = names[i % networks]
        ports = {80: 20000 + i} if i % 10 == 0 else None
        cid = api.create_container(
            "busybox", ["sleep", "86400"], name=f"c{first_net:02}-{i:04}",
            labels=LABELS,
            ports=[80] if ports else None,
            host_config=api.create_host_config(network_mode=net, port_bindings=ports),
            networking_config=api.create_networking_config({net: api.create_endpoint_config()}))["Id"]
        api.start(cid)
        if i % 5 == 0 and networks > 1:
            api.connect_container_to_network(cid, names[(i + 1) % networks])


def best(runs: int, step) -> tuple[float, object]:
    times, result = [], None
    for _ in range(runs):
        t = time.perf_counter()
        result = step()
        times.append(time.perf_counter() - t)
    return min(times), result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--containers", type=int, default=1000)
    ap.add_argument("--networks", type=int, default=50)
    ap.add_argument("--hosts", type=int, default=1)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()

    cluster = labkit.cluster(args.hosts, engine="sim")
    try:
        t = time.perf_counter()
        per_host_nets, per_host_ctrs = args.networks // args.hosts, args.containers // args.hosts
        for i, client in enumerate(cluster):
            populate(client, per_host_nets, per_host_ctrs, first_net=i * per_host_nets)
        print(f"set-up: {args.containers} containers on {args.networks} networks over {args.hosts} "
              f"simulated host(s) in {time.perf_counter() - t:.1f} s")
        labs = [Lab(client, name="bench") for client in cluster]
        for lab in labs:
            lab.host()   # `docker info` is asked once per lab, not per redraw

        snap_s, topo = best(args.runs, lambda: Topology.combine([lab.snapshot() for lab in labs]))
        if len(topo.containers) != args.containers:
            raise SystemExit(f"the snapshot holds {len(topo.containers)} containers, not {args.containers}")
        draw_s, drawing = best(args.runs, lambda: build(topo))
        html_s, page = best(args.runs, lambda: drawing.iframe("inline"))
        total = snap_s + draw_s + html_s
        print(f"snapshot       {snap_s * 1000:8.1f} ms  ({len(topo.containers)} containers, "
              f"{len(topo.networks)} networks, {len(topo.endpoints)} endpoints)")
        print(f"drawing        {draw_s * 1000:8.1f} ms  ({len(drawing.nodes)} nodes, {len(drawing.edges)} edges)")
        print(f"widget HTML    {html_s * 1000:8.1f} ms  ({len(page) / 1024:.0f} KiB, of which the drawing "
              f"library {len(drawing.to_html('inline')) / 1024 - len(drawing.to_html('shared')) / 1024:.0f} KiB)")
        print(f"total          {total * 1000:8.1f} ms  target {TARGET * 1000:.0f} ms: "
              f"{total / TARGET:.2f} of the target ({'ok' if total < TARGET else 'TOO SLOW'})")
    finally:
        cluster.close()


if __name__ == "__main__":
    main()
