"""Shared test set-up: the fixtures of engine tests, and the conformance report.

Fixtures (ask for them by name; helpers that are not fixtures are in tests/engines.py):
- `private_engines` (session): fresh real engines can start here, else skip (or fail under
  LABKIT_REQUIRE_DOCKER=1).
- `real_engine` (module): one fresh private real engine (labkit.hosts) for the module, of the set
  named by the module's `PREFIX` (a labkit.hosts prefix, one per module).
- `closing_servers` (module): simulated engines to close at the end of the module, all at once.
- `sim_client` (module): a docker-py client of a fresh simulator of the module's own.
- `client` (per test, twice): a docker-py client of a fresh simulator, then of the module's
  private real engine, emptied.
And after every module that names them, the private engine sets `PREFIX` and `CLUSTER_PREFIX`
are removed (whatever the module's tests started and left).
"""
from __future__ import annotations

import contextlib
import threading

import docker
import pytest

from tests.engines import empty, private_engines_unavailable, skip_or_fail


@pytest.fixture(scope="session")
def private_engines():
    """Fresh real engines can be started here (else skip, or fail under LABKIT_REQUIRE_DOCKER=1)."""
    reason = private_engines_unavailable()
    if reason:
        skip_or_fail(reason)
    return True


def module_prefix(request) -> str:
    prefix = getattr(request.module, "PREFIX", None)
    if not prefix:
        pytest.fail(f"{request.module.__name__} asks for a private real engine: give the module a "
                    f"labkit.hosts prefix of its own, PREFIX = \"lk...\"", pytrace=False)
    return prefix


@pytest.fixture(scope="module")
def real_engine(request, private_engines):
    """One fresh private real engine of the module's set PREFIX, started when a test first asks."""
    from labkit import hosts
    host = hosts.fresh_engine(module_prefix(request))
    yield host
    host.stop()


@pytest.fixture(scope="module", autouse=True)
def cleanup_private_engines(request):
    """After the module: remove whatever its private engine sets (PREFIX, CLUSTER_PREFIX) left."""
    yield
    prefixes = [getattr(request.module, name, None) for name in ("PREFIX", "CLUSTER_PREFIX")]
    prefixes = [p for p in prefixes if p]
    if prefixes and private_engines_unavailable() is None:
        from labkit import hosts
        for prefix in prefixes:
            hosts.stop_hosts(prefix)


@pytest.fixture(scope="module")
def closing_servers():
    """Simulated engines to close at the end, all at once (each takes its poll interval, 0.2 s)."""
    servers = []
    yield servers
    closers = [threading.Thread(target=server.close) for server in servers]
    for t in closers:
        t.start()
    for t in closers:
        t.join()


@pytest.fixture(scope="module")
def sim_client():
    from labkit import sim
    server = sim.serve(sim.World())
    with contextlib.closing(docker.DockerClient(base_url=server.url, version="1.41")) as c:
        yield c
    server.close()


@pytest.fixture(params=["sim", "docker"])
def client(request, closing_servers):
    """A docker-py client of a fresh simulator, then of the module's private real engine, emptied."""
    if request.param == "sim":
        from labkit import sim
        server = sim.serve(sim.World())
        closing_servers.append(server)
        with contextlib.closing(docker.DockerClient(base_url=server.url, version="1.41")) as c:
            yield c
    else:
        host = request.getfixturevalue("real_engine")
        with contextlib.closing(host.client()) as c:
            empty(c)
            yield c


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    from tests.conformance.report import REPORT
    if REPORT.rows:
        text = REPORT.render()
        terminalreporter.write_sep("=", "conformance: simulated engine vs real engine")
        terminalreporter.write(text)
        REPORT.save()
