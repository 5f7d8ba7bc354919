"""The simulated engine against the real one: every scenario of tests/conformance runs on both,
each on a fresh engine, and their normalised observations must be equal.

The real side is a private engine that labkit starts in a network namespace of its own
(labkit.hosts.fresh_engine): fresh state for every scenario, and nobody else's engine touched.
"""
from __future__ import annotations

import pytest

from tests.conformance import container_api, files, harness, ipv6, nettools, scenarios, sessions  # noqa: F401  (they register the scenarios)
from tests.conformance.report import REPORT, Row
from tests.engines import private_engines_unavailable, skip_or_fail

PREFIX = "lkc"


@pytest.mark.parametrize("name", list(harness.SCENARIOS))
def test_scenario_agrees(name):
    sc = harness.SCENARIOS[name]
    sim_obs, sim_s = harness.run_on_sim(sc)
    assert sim_obs, f"scenario {name} observed nothing"
    if sc.documented_only:
        # The scenario itself asserted Docker's documented behaviour on the simulator.
        REPORT.add(Row(name, "documented-only", sim_s, None, len(sim_obs), [sc.documented_only]))
        return
    reason = private_engines_unavailable()
    if reason:
        REPORT.add(Row(name, "sim-only", sim_s, None, len(sim_obs)))
        skip_or_fail(f"no real engine to judge the simulator: {reason}")
    real_obs, real_s = harness.run_on_docker(sc, PREFIX)
    diffs = harness.compare(sim_obs, real_obs)
    REPORT.add(Row(name, "agree" if not diffs else "DIFFER", sim_s, real_s, len(real_obs), diffs))
    assert not diffs, f"{name}: the simulator differs from the real engine:\n" + "\n".join(diffs[:60])
