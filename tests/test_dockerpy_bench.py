"""bench/dockerpy_integration.py says why the real engine fails each docker-py test it fails here.

The engine's outcomes are the recorded run, tests/data/dockerpy-integration-engine.json (the
script's --save); the reasons are its table ENGINE_FAILS, printed beside each failing test. No
engine is needed: a failing test without a reason, or a reason naming no test the run knows,
fails here.
"""
from __future__ import annotations

import importlib.util
import json
import os

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RECORDED = os.path.join(ROOT, "tests", "data", "dockerpy-integration-engine.json")
PASSING = ("passed", "xpassed", "skipped", "xfailed")


def bench():
    spec = importlib.util.spec_from_file_location("dockerpy_integration",
                                                  os.path.join(ROOT, "bench", "dockerpy_integration.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def recorded() -> dict:
    with open(RECORDED) as f:
        return json.load(f)


def engine_outcomes() -> dict[str, str]:
    return {f"{f}::{t}": o for f, tests in recorded()["docker"].items() for t, o in tests.items()}


def test_every_test_the_recorded_engine_run_failed_has_a_reason():
    failed = sorted(t for t, o in engine_outcomes().items() if o not in PASSING)
    assert failed, "the recorded run has no failing test: is it the engine's?"
    missing = [t for t in failed if not bench().ENGINE_FAILS.get(t, "").strip()]
    assert not missing, f"say why the engine fails these, in ENGINE_FAILS: {missing}"


def test_every_reason_names_a_test_of_the_recorded_run():
    known = engine_outcomes()
    assert not [t for t in bench().ENGINE_FAILS if t not in known]


def test_the_report_prints_each_reason_beside_its_test(capsys):
    b = bench()
    results = {"docker": recorded()["docker"]}
    results["docker"]["api_network_test.py"] = dict(results["docker"]["api_network_test.py"],
                                                    **{"TestNetworks::test_made_up": "hung"})
    b.report(results, b.FILES)
    lines = capsys.readouterr().out.splitlines()
    for test, outcome in engine_outcomes().items():
        if outcome not in PASSING:
            i = lines.index(f"  {test}  [{outcome}]")
            assert lines[i + 1] == f"      why: {b.ENGINE_FAILS[test]}"
    i = lines.index("  api_network_test.py::TestNetworks::test_made_up  [hung]")
    assert lines[i + 1] == "      why: no reason written (ENGINE_FAILS)"
