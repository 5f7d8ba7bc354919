"""The simulated world's clock: a client's operation costs the world the real engine's time for it
(labkit/sim/engine/costs.py, measured there), as a jump of the clock, and what sleeps in the world
keeps the engine's order across the jumps.

What the real engine does here is recorded in the conformance scenarios (process_lifetimes:
`sleep 1` has exited once nine more containers have started; dockerpy_healthcheck: a 200 ms check
has passed once a second container runs). These tests hold the clock's own bookkeeping to it:
- the costs jump the clock and do not cost the wall-clock time;
- a sleeper's timer counts real seconds, so after the jumps the sleeper due first must wake when
  the world's time says (its timer set again), not when its stale timer would: `sleep 2` started
  before four starts (about 1.1 s of the engine's time) ends about 0.9 s of real time later, as it
  would on an engine that took that time for the starts.
"""
from __future__ import annotations

import time

import docker
import pytest

from labkit import sim
from labkit.sim.engine import costs


@pytest.fixture()
def world():
    return sim.World()


@pytest.fixture()
def client(world, closing_servers):
    server = sim.serve(world)
    closing_servers.append(server)
    c = docker.DockerClient(base_url=server.url, version="1.41")
    yield c
    c.close()


def test_starts_cost_the_worlds_time_not_the_clocks(client, world):
    before, t0 = world.clock.skipped, time.monotonic()
    for i in range(4):
        client.containers.run("busybox", "sleep 600", name=f"s{i}", detach=True)
    jumped, took = world.clock.skipped - before, time.monotonic() - t0
    assert jumped >= 4 * (costs.CREATE + costs.START) - 0.01
    assert took < jumped, f"4 runs took {took:.2f} s of real time for {jumped:.2f} s of the world's"


def test_the_sleeper_due_first_wakes_on_the_worlds_time(client):
    client.containers.run("busybox", "sleep 2", name="sleeper", detach=True)
    for i in range(4):           # about 1.1 s of the engine's time
        client.containers.run("busybox", "sleep 600", name=f"s{i}", detach=True)
    t0 = time.monotonic()
    while client.api.inspect_container("sleeper")["State"]["Running"] and time.monotonic() - t0 < 5:
        time.sleep(0.02)
    waited = time.monotonic() - t0
    assert not client.api.inspect_container("sleeper")["State"]["Running"]
    # On the world's time it ends 2 s after its start: about 0.9 s after the four starts. A stale
    # timer (set before the jumps) would end it 2 s of real time after its start.
    assert waited < 1.6, f"sleep 2 ended {waited:.2f} s of real time after 1.1 s of the world's"


def test_an_exec_nobody_types_into_skips_a_short_wait(client, world):
    """`docker exec box sh -c 'sleep 2; echo done'` (no terminal, no input): the sleep is the
    world's, skipped while the client waits for the output, which is the engine's."""
    box = client.containers.run("busybox", "sleep 600", name="box", detach=True)
    before = world.clock.skipped
    code, out = box.exec_run(["sh", "-c", "echo start; sleep 2; echo done"])
    assert (code, out) == (0, b"start\ndone\n")
    assert world.clock.skipped - before > 1.5   # (less the real time it took)


def test_a_long_exec_goes_at_the_clocks_pace(client, world):
    """A command longer than the skip (execs.EXEC_SKIP) streams as it goes: `ping` without -c
    prints once a second, as on the engine, after what the skip let through."""
    from labkit.sim.api.execs import EXEC_SKIP
    box = client.containers.run("busybox", "sleep 600", name="box", detach=True)
    run = client.api.exec_create(box.id, ["sh", "-c", "i=0; while true; do echo $i; i=$((i+1)); sleep 1; done"])
    stream = client.api.exec_start(run["Id"], stream=True)
    t0, lines = time.monotonic(), b""
    for chunk in stream:
        lines += chunk
        if lines.count(b"\n") >= EXEC_SKIP + 3:
            break
    assert lines.startswith(b"0\n1\n2\n")
    assert time.monotonic() - t0 > 1.5, "the lines after the skip come once a second of the clock"
