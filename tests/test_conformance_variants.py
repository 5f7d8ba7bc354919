"""Judging the simulator at the steps where the real engine's answer varies (known_gaps.ENGINE_VARIES),
on the answers the golden files recorded (tests/conformance/variants.py): no engine is needed.

A step of ENGINE_VARIES agrees where the simulator gives any answer the engine was recorded giving
there, and only there; a step the engine does not vary at is judged against the recording alone;
a listed gap that agrees against every recorded answer is to be removed, one judged by a single
sample is not. The observations here are the golden files' own (their answers put in place of
each other), none written by hand.
"""
from __future__ import annotations

import json

import pytest

from tests.conformance import golden, harness, known_gaps, variants
from tests.conformance.catalogue import SCENARIOS

# The scenarios whose golden files hold the engine's answers at their varying steps.
RECORDED = ["dockerpy_auto_remove", "dockerpy_multiplex", "dockerpy_stdin", "logs", "pid1_stop"]


def recordings():
    """(scenario, variant) of every recording with answers at its varying steps."""
    out = []
    for name in sorted(known_gaps.ENGINE_VARIES):
        for which, run in ((golden.load(name) or {}).get("runs") or {}).items():
            if (run.get("varies") or {}).get("answers"):
                out.append((name, which))
    return out


RECORDINGS = recordings()
STEPS = [(name, which, step) for name, which in RECORDINGS
         for step in golden.load(name)["runs"][which]["varies"]["answers"]]


def recording(name: str, which: str) -> dict:
    return golden.expected(SCENARIOS[name], which)


def with_value(observations: list, step: str, value) -> list:
    """The observations with step's value replaced."""
    keys = [key for key, _ in harness.steps(observations)]
    i = keys.index(step)
    return observations[:i] + [[observations[i][0], value]] + observations[i + 1:]


def never_given(rec: dict, step: str):
    """A value the recording holds at another step, which the engine never gave at step."""
    given = {json.dumps(a["observation"], sort_keys=True) for a in variants.answers(rec, step)}
    given.add(json.dumps(dict(harness.steps(rec["observations"]))[step], sort_keys=True))
    for key, value in harness.steps(rec["observations"]):
        if key != step and json.dumps(value, sort_keys=True) not in given:
            return value
    raise AssertionError(f"every value of the recording is an answer at {step}")


def judge(name: str, sim: list, rec: dict | None, live: list | None = None) -> variants.Judged:
    reference = live if live is not None else rec["observations"]
    return variants.judge(known_gaps.ENGINE_VARIES[name], harness.differences(sim, reference), sim, rec, live)


def test_the_scenarios_with_varying_steps_were_recorded_many_times():
    found = {name for name, _ in RECORDINGS}
    assert set(RECORDED) <= found
    for name, which in RECORDINGS:
        varies = golden.load(name)["runs"][which]["varies"]
        assert varies["runs"] >= 10, f"{name} ({which}): {varies['runs']} runs"
        assert set(varies["answers"]) <= set(known_gaps.ENGINE_VARIES[name]), \
            f"{name} ({which}) keeps answers at steps ENGINE_VARIES does not list"
        for step, found_there in varies["answers"].items():
            assert sum(a["seen"] for a in found_there) <= varies["runs"]
            distinct = {json.dumps(a["observation"], sort_keys=True) for a in found_there}
            assert len(distinct) == len(found_there), f"{name} ({which}) {step}: an answer kept twice"


@pytest.mark.parametrize("name,which", RECORDINGS)
def test_answers_normalised_again_in_place_are_unchanged(name, which):
    raw = golden.load(name)["runs"][which]["varies"]["answers"]
    assert recording(name, which)["varies"]["answers"] == raw


@pytest.mark.parametrize("name,which,step", STEPS)
def test_every_answer_the_engine_gave_agrees(name, which, step):
    rec = recording(name, which)
    main = dict(harness.steps(rec["observations"]))[step]
    for answer in variants.answers(rec, step):
        sim = with_value(rec["observations"], step, answer["observation"])
        judged = judge(name, sim, rec)
        assert step not in judged.diffs
        assert step not in judged.unproven
        if answer["observation"] != main:
            assert f"in {answer['seen']} of {rec['varies']['runs']} recorded runs" in judged.agreed[step]
            assert any(step in line and "agrees" in line for line in variants.notes(judged))


@pytest.mark.parametrize("name,which,step", STEPS)
def test_an_answer_the_engine_never_gave_there_differs(name, which, step):
    rec = recording(name, which)
    sim = with_value(rec["observations"], step, never_given(rec, step))
    judged = judge(name, sim, rec)
    assert step in judged.diffs and step not in judged.agreed
    verdict, _ = known_gaps.check(name, list(judged.diffs), judged.unproven)
    assert verdict != "agree"


@pytest.mark.parametrize("name,which,step", STEPS)
def test_a_step_that_does_not_vary_is_judged_by_the_recording_alone(name, which, step):
    """An answer the engine gave at a varying step, given at a step that does not vary, differs."""
    rec = recording(name, which)
    others = [(key, value) for key, value in harness.steps(rec["observations"])
              if key not in known_gaps.ENGINE_VARIES[name]]
    answer = variants.answers(rec, step)[0]["observation"]
    key = next(k for k, v in others if v != answer)
    judged = judge(name, with_value(rec["observations"], key, answer), rec)
    assert key in judged.diffs and key not in judged.agreed


@pytest.mark.parametrize("name,which,step", STEPS)
def test_a_listed_step_that_agrees_is_to_be_removed_once_variants_are_recorded(name, which, step, monkeypatch):
    rec = recording(name, which)
    monkeypatch.setitem(known_gaps.KNOWN_GAPS, name, known_gaps.Gap("listed for this test", (step,)))
    for answer in variants.answers(rec, step):
        judged = judge(name, with_value(rec["observations"], step, answer["observation"]), rec)
        verdict, message = known_gaps.check(name, list(judged.diffs), judged.unproven)
        assert verdict == "fail" and "now agrees" in message
    # Without the variants, the recording is one sample: agreeing with it does not remove the gap.
    one_sample = {k: v for k, v in rec.items() if k != "varies"}
    judged = judge(name, rec["observations"], one_sample)
    assert step in judged.unproven
    assert known_gaps.check(name, list(judged.diffs), judged.unproven)[0] == "gap"


@pytest.mark.parametrize("name,which", RECORDINGS)
def test_a_listed_step_that_does_not_vary_and_agrees_is_to_be_removed(name, which, monkeypatch):
    rec = recording(name, which)
    key = next(k for k, _ in harness.steps(rec["observations"]) if k not in known_gaps.ENGINE_VARIES[name])
    monkeypatch.setitem(known_gaps.KNOWN_GAPS, name, known_gaps.Gap("listed for this test", (key,)))
    judged = judge(name, rec["observations"], rec)
    verdict, message = known_gaps.check(name, list(judged.diffs), judged.unproven)
    assert verdict == "fail" and "now agrees" in message
    # known_gaps.check's default (no judgement passed) still guards every ENGINE_VARIES step only.
    assert known_gaps.check(name, [], None)[0] == "fail"


@pytest.mark.parametrize("name,which,step", STEPS)
def test_a_live_answer_the_golden_file_lacks_is_one_sample(name, which, step):
    """A live run that gives an answer no recording has: the simulator giving it too agrees this
    time, but does not show a gap fixed, and the report asks for the variants to be recorded again."""
    rec = recording(name, which)
    live = with_value(rec["observations"], step, never_given(rec, step))
    judged = judge(name, live, rec, live)
    assert step not in judged.diffs
    assert judged.new_answers == [step] and step in judged.unproven
    assert any("record its variants again" in line for line in variants.notes(judged))
    # The simulator giving a recorded answer while the live run gives a new one agrees, proven.
    answer = variants.answers(rec, step)[0]["observation"]
    judged = judge(name, with_value(rec["observations"], step, answer), rec, live)
    assert step not in judged.diffs and step in judged.agreed


@pytest.mark.parametrize("name,which", RECORDINGS)
def test_tally_counts_each_distinct_answer(name, which):
    """Runs rebuilt from the recorded answers tally back to them; a run differing at a step that
    does not vary is counted apart, and kept nowhere."""
    rec = recording(name, which)
    varies = known_gaps.ENGINE_VARIES[name]
    recorded = rec["varies"]["answers"]
    step = next(iter(recorded))
    runs = [with_value(rec["observations"], step, a["observation"]) for a in recorded[step] for _ in range(a["seen"])]
    key = next(k for k, _ in harness.steps(rec["observations"]) if k not in varies)
    runs.append(with_value(rec["observations"], key, never_given(rec, key)))
    tallied, elsewhere = variants.tally(runs, varies, rec["observations"])
    main = dict(harness.steps(rec["observations"]))[step]
    expected = {json.dumps(a["observation"], sort_keys=True): a["seen"] for a in recorded[step]}
    key_main = json.dumps(main, sort_keys=True)
    expected[key_main] = expected.get(key_main, 0) + 1      # the run that differs elsewhere
    assert {json.dumps(a["observation"], sort_keys=True): a["seen"] for a in tallied[step]} == expected
    assert elsewhere == {key: 1}
