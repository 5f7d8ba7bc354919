"""The simulated engine's cost per docker-py call, against docker-py's own floor.

The floor: the same calls, through the same docker-py client, against an Engine API server that
does nothing (it answers each route with a fixed reply, prepared in advance). The simulated engine
must stay within 1.5x of that floor (DESIGN.md). Prints the times and the ratio.

    python bench/call_cost.py [--calls N]
"""
from __future__ import annotations

import argparse
import json
import os
import socketserver
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler

import docker

import labkit.sim as sim


def workload(client: docker.DockerClient) -> None:
    """A mix of the calls lessons make: inspect, list, ping, version."""
    api = client.api
    api.inspect_network("front")
    api.inspect_container("web")
    api.networks()
    api.containers()
    api.ping()


def prepare_sim() -> tuple[object, docker.DockerClient]:
    server = sim.serve()
    client = docker.DockerClient(base_url=server.url, version="1.41")
    client.networks.create("front")
    for i in range(10):
        client.containers.run("busybox", "sleep 600", name=f"web{i}" if i else "web", network="front", detach=True)
    return server, client


def canned_replies(client: docker.DockerClient) -> dict[str, bytes]:
    """What the simulator answered, recorded once, for the do-nothing server to send back."""
    api = client.api
    return {
        "/v1.41/networks/front": json.dumps(api.inspect_network("front")).encode(),
        "/v1.41/containers/web/json": json.dumps(api.inspect_container("web")).encode(),
        "/v1.41/networks": json.dumps(api.networks()).encode(),
        "/v1.41/containers/json": json.dumps(api.containers()).encode(),
        "/v1.41/_ping": b"OK",
    }


class NothingServer(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True


def serve_nothing(replies: dict[str, bytes]) -> tuple[NothingServer, str]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *a):
            pass

        def do_GET(self):
            body = replies.get(self.path.split("?")[0], b"{}")
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    path = os.path.join(tempfile.mkdtemp(prefix="labkit-floor-"), "docker.sock")
    server = NothingServer(path, Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, path


def timed(client: docker.DockerClient, rounds: int) -> float:
    workload(client)  # warm the connection pool
    best = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        for _ in range(rounds):
            workload(client)
        best = min(best, time.perf_counter() - t0)
    return best / (rounds * 5)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--calls", type=int, default=1000, help="docker-py calls per measurement")
    args = ap.parse_args()
    rounds = max(1, args.calls // 5)
    sim_server, sim_client = prepare_sim()
    floor_server, path = serve_nothing(canned_replies(sim_client))
    floor_client = docker.DockerClient(base_url="unix://" + path, version="1.41")
    t_floor = timed(floor_client, rounds)
    t_sim = timed(sim_client, rounds)
    ratio = t_sim / t_floor
    print(f"docker-py against a do-nothing server: {t_floor * 1000:.3f} ms per call")
    print(f"docker-py against labkit's simulator:  {t_sim * 1000:.3f} ms per call")
    print(f"ratio: {ratio:.2f}x (target: at most 1.5x)")
    floor_server.shutdown()
    sim_server.close()


if __name__ == "__main__":
    main()
