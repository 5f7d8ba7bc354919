"""Shared test set-up: which engines can run here, and the conformance report.

Engine tests run on the simulator always, and on a real engine when one can run here. Without a
real engine they skip, unless LABKIT_REQUIRE_DOCKER=1 (CI), which turns the skip into a failure.
"""
from __future__ import annotations

import contextlib
import os
import shutil
import threading

import docker
import pytest

REQUIRE_DOCKER = os.environ.get("LABKIT_REQUIRE_DOCKER") == "1"


def private_engines_unavailable() -> str | None:
    """Why fresh private engines (labkit.hosts) cannot start here, or None when they can."""
    from labkit import hosts, images
    if os.geteuid() != 0:
        return "private engines need root (network namespaces)"
    if not shutil.which("dockerd", path=hosts.PATH):
        return "private engines need dockerd (apt-get install docker.io)"
    if not os.path.isfile(images.BUSYBOX):
        return "the lab image needs /bin/busybox (apt-get install busybox-static)"
    return None


def skip_or_fail(reason: str):
    if REQUIRE_DOCKER:
        pytest.fail(f"LABKIT_REQUIRE_DOCKER=1, but {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def private_engines():
    """Fresh real engines can be started here (else skip, or fail under LABKIT_REQUIRE_DOCKER=1)."""
    reason = private_engines_unavailable()
    if reason:
        skip_or_fail(reason)
    return True


def private_engine_fixtures(prefix: str):
    """The module fixtures of a test module that uses one fresh private real engine (labkit.hosts
    prefix `prefix`): `real_engine`, started once for the module when a test first asks for it;
    and `cleanup_private_engines` (autouse), which removes whatever that prefix left after the
    module. In a module: `real_engine, cleanup_private_engines = private_engine_fixtures("lkx")`."""
    @pytest.fixture(scope="module")
    def real_engine(private_engines):
        from labkit import hosts
        host = hosts.fresh_engine(prefix)
        yield host
        host.stop()

    @pytest.fixture(scope="module", autouse=True)
    def cleanup_private_engines():
        yield
        if private_engines_unavailable() is None:
            from labkit import hosts
            hosts.stop_hosts(prefix)
    return real_engine, cleanup_private_engines


def empty(client: docker.DockerClient) -> None:
    """Remove every container and every user-defined network of an engine."""
    for c in client.api.containers(all=True):
        client.api.remove_container(c["Id"], force=True, v=True)
    for n in client.api.networks():
        if n["Name"] not in ("bridge", "host", "none"):
            client.api.remove_network(n["Id"])


def state(client: docker.DockerClient) -> tuple[list[str], list[str]]:
    """The names of all containers and networks of an engine."""
    return (sorted(c["Names"][0].lstrip("/") for c in client.api.containers(all=True)),
            sorted(n["Name"] for n in client.api.networks()))


def both_engine_fixtures(prefix: str):
    """The module fixtures of a test module whose tests run on both engines: those of
    private_engine_fixtures(prefix), `closing_servers` and `client`, a docker-py client of a fresh
    simulator or of the module's private real engine, emptied. In a module:
    `real_engine, cleanup_private_engines, closing_servers, client = both_engine_fixtures("lkx")`."""
    real_engine, cleanup_private_engines = private_engine_fixtures(prefix)

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

    @pytest.fixture(params=["sim", "docker"])
    def client(request, closing_servers):
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
    return real_engine, cleanup_private_engines, closing_servers, client


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    from tests.conformance.report import REPORT
    if REPORT.rows:
        text = REPORT.render()
        terminalreporter.write_sep("=", "conformance: simulated engine vs real engine")
        terminalreporter.write(text)
        REPORT.save()
