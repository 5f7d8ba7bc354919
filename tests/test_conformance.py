"""The simulated engine against the real one: every scenario of tests/conformance runs on the
simulator and is compared, after normalisation, with what the real engine observes.

The real engine's side comes from a private engine that labkit starts in a network namespace of
its own (labkit.hosts): fresh state for every scenario, and nobody else's engine touched. Where no
such engine can run (not root, no dockerd), it comes from the scenario's golden file in
tests/data/conformance/ (golden.py). Where one runs, the live answer is the judge, and the golden
file must still agree with it (a stale one fails with the command that records it again).

LABKIT_RECORD=1 records the golden files instead (a real engine required). Known divergences of
the simulator are listed, step by step, in tests/conformance/known_gaps.py. At a step where the
engine's own answer varies from run to run (its ENGINE_VARIES), the simulator agrees when it gives
any answer the engine was recorded giving there (tests/conformance/variants.py records them).
"""
from __future__ import annotations

import os
import queue
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.conformance import golden, harness, known_gaps, variants
from tests.conformance.catalogue import SCENARIOS
from tests.conformance.report import REPORT, Row
from tests.engines import private_engines_unavailable, skip_or_fail

PREFIX = "lkc"   # the labkit.hosts sets of the private engines: lkc1..lkcN (conftest removes lkc)
# How many scenarios run on real engines at once (LABKIT_CONFORMANCE_WORKERS, default 4).
WORKERS = int(os.environ.get("LABKIT_CONFORMANCE_WORKERS", "4"))


class LiveRuns:
    """The real engine's runs of the scenarios this session selected, made ahead of the tests.

    WORKERS threads run the scenarios in the tests' order, each on fresh private engines of a set
    of its own (lkc1..lkcN), while the tests run the simulator and compare. On the engine a
    scenario mostly waits (a DNS query nobody answers, a ping to nowhere, `docker stop`'s ten
    seconds): several at once cut the module's time by about their number, and each engine
    is as fresh as before, so what they answer is the same."""

    def __init__(self, names: list[str], workers: int):
        self.sets = [f"{PREFIX}{i}" for i in range(1, max(1, workers) + 1)]
        self.free: queue.Queue[str] = queue.Queue()
        for prefix in self.sets:
            self.free.put(prefix)
        self.pool = ThreadPoolExecutor(len(self.sets), thread_name_prefix="conformance-engine")
        self.futures = {name: self.pool.submit(self._run, name) for name in names}

    def _run(self, name: str) -> harness.Run:
        prefix = self.free.get()
        try:
            return harness.run_on_docker(SCENARIOS[name], prefix)
        finally:
            self.free.put(prefix)

    def get(self, name: str) -> harness.Run:
        """The scenario's run on a real engine (waiting for it; raises what the scenario raised)."""
        future = self.futures.get(name) or self.futures.setdefault(name, self.pool.submit(self._run, name))
        return future.result()

    def again(self, name: str) -> harness.Run:
        """The scenario run once more on a real engine (a set freed by the workers), now."""
        return self._run(name)

    def close(self) -> None:
        from labkit import hosts
        self.pool.shutdown(wait=True, cancel_futures=True)
        for prefix in self.sets:
            hosts.stop_hosts(prefix)


@pytest.fixture(scope="module")
def live_runs(request):
    """LiveRuns of the scenarios selected in this session, or None where no real engine can run."""
    if private_engines_unavailable() is not None:
        yield None
        return
    names = [item.callspec.params["name"] for item in request.session.items
             if item.originalname == "test_scenario_agrees" and item.module is request.module]
    names = [n for n in names if not SCENARIOS[n].documented_only
             and not (SCENARIOS[n].cli and harness.docker_cli() is None)]
    runs = LiveRuns(names, WORKERS)
    try:
        yield runs
    finally:
        runs.close()


def stale_steps(name: str, live: list, recorded: list) -> dict[str, list[str]]:
    """Where a live run differs from the golden file, but for the engine's documented nondeterminism."""
    varies = known_gaps.ENGINE_VARIES.get(name, {})
    diffs = harness.differences(live, recorded, names=("live engine", "golden file"))
    return {step: lines for step, lines in diffs.items() if step not in varies}


def asked_again(name: str, live_runs, recorded: dict, stale: dict):
    """The scenario run once more on a fresh real engine, when its live run differed from the golden
    file: under load the engine itself sometimes answers otherwise (an exec at once after the start
    reads /etc/hosts before the engine wrote it; an exec's output is lost). A second run that gives
    the recorded answers again shows the recording is not stale, and is the one compared; one that
    differs again shows it is. Returns (run, its normalised observations, its stale steps)."""
    again = live_runs.again(name)
    reference = harness.normalise(again.observations)
    return again, reference, stale_steps(name, reference, recorded["observations"])


def varying_steps_that_agree(name: str, diffs: dict, sim: list, recorded: dict | None,
                             live: list | None = None) -> variants.Judged:
    """diffs judged at the scenario's ENGINE_VARIES steps: one agrees where the simulator gives an
    answer the engine gave there (the golden file's, its recorded variants', the live run's)."""
    return variants.judge(known_gaps.ENGINE_VARIES.get(name, {}), diffs, sim, recorded, live)


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_scenario_agrees(name, live_runs):
    sc = SCENARIOS[name]
    if sc.cli and harness.docker_cli() is None:
        skip_or_fail("no docker CLI installed (apt-get install docker.io)")
    sim = harness.run_on_sim(sc)
    assert sim.observations, f"scenario {name} observed nothing"
    if sc.documented_only:
        # The scenario itself asserts Docker's documented behaviour on the simulator: one that
        # stopped (an assertion, an error) differs from the documentation.
        stopped = [str(v) for k, v in sim.observations if k == harness.STOPPED]
        diffs = {known_gaps.DOCUMENTED: stopped} if stopped else {}
        verdict, message = known_gaps.check(name, list(diffs))
        REPORT.add(Row(name, "documented-only" if verdict == "agree" else "known gap" if verdict == "gap" else "DIFFER",
                       sim.seconds, None, len(sim.observations), [sc.documented_only] + stopped))
        if verdict == "fail":
            pytest.fail(message + "\n" + "\n".join(stopped), pytrace=False)
        if verdict == "gap":
            pytest.xfail(message)
        return
    reason = private_engines_unavailable()
    recorded = golden.expected(sc)
    problems = []
    if reason is None:
        real = live_runs.get(name)
        reference, docker_s = harness.normalise(real.observations), real.seconds
        if golden.RECORD:
            golden.save(sc, reference, real.seconds, real.engine)
        elif recorded is None:
            problems.append(f"{name} has no golden file for {golden.variant(sc)} ({golden.path(name)}): "
                            f"record it with {golden.record_command(name, golden.variant(sc))}")
        else:
            stale = stale_steps(name, reference, recorded["observations"])
            if stale:
                real, reference, stale = asked_again(name, live_runs, recorded, stale)
            if stale:
                problems.append(f"the golden file {golden.path(name)} is stale: the real engine now answers "
                                f"differently ('live engine' below), so re-record it with "
                                f"{golden.record_command(name, golden.variant(sc))}\n"
                                + "\n".join(harness.render(stale)[:60]))
    else:
        if golden.RECORD:
            pytest.fail(f"LABKIT_RECORD=1 needs a real engine here, but {reason}", pytrace=False)
        if recorded is None:
            skip_or_fail(f"no real engine here ({reason}) and no golden file for {name} ({golden.variant(sc)}): "
                         f"record it on a machine with one: {golden.record_command(name, golden.variant(sc))}")
        reference, docker_s = recorded["observations"], recorded["seconds"]
    sim_observations = harness.normalise(sim.observations)
    diffs = harness.differences(sim_observations, reference)
    judged = varying_steps_that_agree(name, diffs, sim_observations, None if golden.RECORD else recorded,
                                      reference if reason is None else None)
    diffs = judged.diffs
    verdict, message = known_gaps.check(name, list(diffs), judged.unproven)
    shown = {"agree": "agree" if reason is None else "agree (golden)", "gap": "known gap", "fail": "DIFFER"}[verdict]
    REPORT.add(Row(name, "STALE" if problems else shown, sim.seconds, docker_s, len(reference),
                   harness.render(diffs), live=reason is None, notes=variants.notes(judged)))
    if verdict == "fail":
        problems.append(message + "\n" + "\n".join(harness.render(diffs)[:80]))
    if problems:
        pytest.fail("\n\n".join(problems), pytrace=False)
    if verdict == "gap":
        pytest.xfail(message)


def test_golden_files_belong_to_scenarios():
    """Every golden file is a scenario's; every CLI scenario has a recording for each client this
    project meets (Debian's 20.10 CLI in CI, the 28.x one on the lab machines)."""
    assert golden.orphans(SCENARIOS) == [], "golden files of scenarios that no longer exist: remove them"
    missing = []
    for sc in SCENARIOS.values():
        data = golden.load(sc.name)
        if sc.documented_only or data is None:
            continue   # (a scenario without any golden file fails on its own)
        want = golden.CLI_VARIANTS if sc.cli else ("api",)
        missing += [f"{sc.name}: {v}" for v in want if v not in data["runs"]]
    assert not missing, "recordings missing (LABKIT_DOCKER_CLI=... LABKIT_RECORD=1 ...):\n" + "\n".join(missing)


def test_known_gaps_name_scenarios():
    """KNOWN_GAPS and ENGINE_VARIES only name scenarios that exist, and list at least one step each."""
    assert [n for n in known_gaps.KNOWN_GAPS if n not in SCENARIOS] == []
    assert [n for n in known_gaps.ENGINE_VARIES if n not in SCENARIOS] == []
    assert [n for n in known_gaps.SIM_VARIES if n not in SCENARIOS] == []
    assert [n for n, gap in known_gaps.KNOWN_GAPS.items() if not gap.steps or not gap.what] == []
