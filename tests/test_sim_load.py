"""`labkit sim serve` under load, as a class uses it (issue 15 item 1): bounded, on a unix socket
in a temporary folder, a few seconds each.

- 50 docker-py clients at once, mixed calls (tests/load.py): no error, no object lost or left over,
  every call answered;
- while idle connections, half-sent requests, a slowloris and garbage senders hold connections
  and send bad bytes, the same clients are still answered, and the daemon answers afterwards;
- a long poll (`docker wait`) holds no lock: others are answered while it waits, and it answers
  when the container stops;
- the bounds: a head over 1 MB answers 431, a body over the simulator's bound 413, and the
  daemon answers the next request;
- any bytes at all (hypothesis: random bytes, requests with random JSON bodies to the endpoints
  that read one): an HTTP answer or a close, never an internal error, and the next client is
  answered.
The burst of 200 creates at once, answered as the engine answers it: tests/test_api_errors.py.
Speed (requests per second, p95 latency): bench/sim_load.py.
"""
from __future__ import annotations

import json
import socket
import threading
import time

import docker
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from labkit import sim
from labkit.sim import server
from tests import load
from tests.engines import SimDaemon
from tests.rawhttp import exchange, request


@pytest.fixture(scope="module")
def live_sim(closing_servers):
    server = sim.serve(sim.World())
    closing_servers.append(server)
    return server


@pytest.fixture
def daemon(tmp_path):
    with SimDaemon(str(tmp_path / "docker.sock")) as d:
        yield d


def test_fifty_clients_no_error_no_lost_object(daemon):
    result = load.mixed_load(daemon.url, clients=50, seconds=3)
    assert not result.errors, result.errors[:5]
    assert not result.lost and not result.extra, (result.lost, result.extra)
    assert result.calls > 50 * 10
    print(f"\n50 clients, {result.seconds:.1f} s: {result.calls} calls, {result.rps:.0f}/s, "
          f"p50 {result.p50 * 1000:.1f} ms, p95 {result.p95 * 1000:.1f} ms")


def test_misbehaving_clients_block_nobody(daemon):
    with load.Misbehaviour(daemon.path, idle=30, half=30, slow=10):
        firsts = load.garbage(daemon.path, rounds=14)
        result = load.mixed_load(daemon.url, clients=20, seconds=2)
        firsts += load.garbage(daemon.path, rounds=7)
    assert not result.errors, result.errors[:5]
    assert not result.lost and not result.extra
    answered = [f for f in firsts if f.startswith(b"HTTP/1.1 ")]
    assert len(answered) == len(firsts), firsts   # every bad request got an answer, none a reset
    assert docker.APIClient(base_url=daemon.url, version="1.41", timeout=5).ping()


def test_a_long_poll_holds_no_lock(daemon):
    api = docker.APIClient(base_url=daemon.url, version="1.41", timeout=30)
    api.create_container("busybox", "sleep 600", name="waited")
    api.start("waited")
    waited: dict = {}
    waiter = threading.Thread(target=lambda: waited.update(api.wait("waited")))
    waiter.start()
    time.sleep(0.3)
    other = docker.APIClient(base_url=daemon.url, version="1.41", timeout=5)
    started = time.monotonic()
    for i in range(20):
        other.create_network(f"while-waiting{i}")
        other.inspect_container("waited")
    assert time.monotonic() - started < 5 and waiter.is_alive() and not waited
    other.kill("waited")
    waiter.join(10)
    assert waited.get("StatusCode") == 137


def test_bounds_answer_and_the_daemon_goes_on(daemon):
    big_head = b"GET /_ping HTTP/1.1\r\nHost: docker\r\nX-Big: " + b"a" * (server.MAX_HEADER_BYTES + 10) + b"\r\n\r\n"
    got = exchange(daemon.path, big_head)
    assert got.status == 431 and got.body == b"431 Request Header Fields Too Large"
    body = json.dumps({"Name": "big", "Labels": {"x": "a" * server.MAX_BODY_BYTES}}).encode()
    got = exchange(daemon.path, request("POST", "/v1.41/networks/create", body), timeout=30)
    assert got.status == 413 and got.message == "http: request body too large"
    got = exchange(daemon.path, request("GET", "/v1.41/networks/big"))
    assert got.status == 404 and got.message == "network big not found"


@settings(max_examples=300, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
@given(data=st.one_of(
    st.binary(max_size=2000),
    st.builds(lambda m, p, b: request(m, p, b), st.sampled_from(["GET", "POST", "PUT", "DELETE", "HEAD", "PATCH"]),
              st.sampled_from(["/v1.41/networks/create", "/v1.41/containers/create", "/v1.41/exec/x/start",
                               "/v1.41/containers/x/exec", "/v1.41/swarm/init", "/v1.41/services/create",
                               "/v1.41/networks/x/connect", "/v1.41/_ping", "/v9/x", "/%zz"]),
              st.one_of(st.none(), st.binary(max_size=300),
                        st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
                                     lambda kids: st.lists(kids, max_size=3)
                                     | st.dictionaries(st.sampled_from(["Name", "Image", "Cmd", "HostConfig", "IPAM",
                                                                        "Config", "Labels", "x"]), kids, max_size=3),
                                     max_leaves=8).map(lambda v: json.dumps(v).encode())))))
def test_any_bytes_get_an_answer_or_a_close(live_sim, data):
    """Whatever arrives, the engine answers with an HTTP status line (or closes a request it
    cannot read to the end), never an internal error, and answers the next client."""
    got = exchange(live_sim.path, data, timeout=10)
    assert not got.timed_out
    assert got.raw == b"" or got.raw.startswith(b"HTTP/1.1 "), got.raw[:80]
    assert got.status != 500 or "internal error" not in got.message, got.message
    assert exchange(live_sim.path, request("GET", "/_ping")).status == 200


def test_a_client_slow_to_read_the_headers_still_gets_them_alone(live_sim):
    """docker-py reads the 101 headers with a buffered reader, then the frames from the raw socket:
    frames that came in the same read as the headers are lost. A client that reads its headers 3 s
    late (a loaded machine) still finds them alone, then its output."""
    client = docker.DockerClient(base_url=live_sim.url, version="1.41")
    try:
        box = client.containers.run("busybox", "sleep 600", name="slowreader", detach=True)
        exec_id = client.api.exec_create(box.id, "echo hi")["Id"]
        body = b'{"Detach": false, "Tty": false}'
        head = (f"POST /v1.41/exec/{exec_id}/start HTTP/1.1\r\nHost: docker\r\nConnection: Upgrade\r\n"
                f"Upgrade: tcp\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n").encode()
        with socket.socket(socket.AF_UNIX) as s:
            s.settimeout(30)
            s.connect(live_sim.path)
            s.sendall(head + body)
            time.sleep(3)
            first = s.recv(65536)
            assert first.startswith(b"HTTP/1.1 101 UPGRADED") and first.endswith(b"\r\n\r\n"), first
            rest = b""
            while chunk := s.recv(65536):
                rest += chunk
        assert rest == b"\x01\x00\x00\x00\x00\x00\x00\x03hi\n"
        box.remove(force=True)
    finally:
        client.close()
