"""Shared test set-up: which engines can run here, and the conformance report.

Engine tests run on the simulator always, and on a real engine when one can run here. Without a
real engine they skip, unless LABKIT_REQUIRE_DOCKER=1 (CI), which turns the skip into a failure.
"""
from __future__ import annotations

import os
import shutil

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


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    from tests.conformance.report import REPORT
    if REPORT.rows:
        text = REPORT.render()
        terminalreporter.write_sep("=", "conformance: simulated engine vs real engine")
        terminalreporter.write(text)
        REPORT.save()
