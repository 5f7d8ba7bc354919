"""Every answer the real engine was seen to give at a step where it varies from run to run
(known_gaps.ENGINE_VARIES), kept in the golden files, and the simulator judged against all of them.

A golden file's recording (golden.py) is one run: at a step where the engine's answer varies, it
holds one sample. Recording variants runs the scenario N times more, each on fresh private
engines as the suite does (their own set lkv1..lkvW, W at once), and keeps in the same recording,
beside its observations (which stay as they are), the distinct normalised observations the engine
gave at each of the scenario's ENGINE_VARIES steps and how many runs gave each:

    "runs": {VARIANT: {"engine": ..., "observations": [...],
                       "varies": {"runs": 20, "engine": ..., "client": ...,
                                  "answers": {STEP: [{"seen": 14, "observation": VALUE}, ...]}}}}

    flock /tmp/labkit-real-engine.lock python -m tests.conformance.variants NAME ... [--runs 20] [--workers 4]

(as root, with dockerd; every variant the golden file has, each CLI one with its own client). A run
that differs from the recording at a step ENGINE_VARIES does not list is shown, not kept: that is a
stale golden file or a step to add to ENGINE_VARIES.

Judging (judge(), used by tests/test_conformance.py and `python -m tests.conformance.gaps`): a
step of ENGINE_VARIES agrees when the simulator's observation equals an answer the engine was
recorded giving there (the recording's own, one of its variants', or a live run's), and the report
says which. A step without recorded variants is judged as before: its one sample agreeing does not
take it out of KNOWN_GAPS (known_gaps.check's `varies`); one with recorded variants is judged like
any other step (a listed step that agrees is to be removed).
"""
from __future__ import annotations

import argparse
import json
import os
import queue
import shutil
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from labkit import hosts
from tests.engines import private_engines_unavailable

from . import golden, harness
from .catalogue import SCENARIOS
from .known_gaps import ENGINE_VARIES

PREFIX = "lkv"   # the labkit.hosts sets of the recording runs: lkv1..lkvW
RUNS = 20
WORKERS = int(os.environ.get("LABKIT_CONFORMANCE_WORKERS", "4"))   # at once, as the suite runs them


# -- judging ------------------------------------------------------------------------------------------
def _key(value) -> str:
    return json.dumps(value, sort_keys=True)


def answers(recorded: dict | None, step: str) -> list[dict]:
    """The answers the engine was recorded giving at step: [{"seen": k, "observation": V}], the
    recording's variants' (most often first), or [] when none were recorded there."""
    return list(((recorded or {}).get("varies") or {}).get("answers", {}).get(step, []))


@dataclass
class Judged:
    diffs: dict[str, list[str]]                              # the steps that still differ
    agreed: dict[str, str] = field(default_factory=dict)     # varying step -> whose answer the simulator gave
    unproven: list[str] = field(default_factory=list)        # varying steps judged by one sample only
    new_answers: list[str] = field(default_factory=list)     # varying steps where a live run gave an unrecorded answer


def judge(varies, diffs: dict[str, list[str]], sim: list, recorded: dict | None, live: list | None = None) -> Judged:
    """diffs (the simulator's normalised observations `sim` against the reference: the live run
    `live` where there is one, else the recording) judged at the steps of `varies` (the scenario's
    ENGINE_VARIES): such a step agrees when the simulator's observation equals any answer the engine
    gave there (the recording's, its variants', the live run's).

    unproven: the steps of `varies` whose judgement rests on one sample (no variants recorded, or a
    live answer the recording does not have): one agreeing there does not show a gap fixed.
    new_answers: steps where the live run's answer is none of those recorded."""
    sim_at = dict(harness.steps(sim))
    recorded_at = dict(harness.steps(recorded["observations"])) if recorded else {}
    live_at = dict(harness.steps(live)) if live is not None else {}
    out = Judged(dict(diffs))
    for step in varies:
        kept = answers(recorded, step)
        runs = (recorded.get("varies") or {}).get("runs") if recorded else None
        known = {_key(a["observation"]): f"an answer the engine gave in {a['seen']} of {runs} recorded runs"
                 for a in kept}
        if step in recorded_at:
            known.setdefault(_key(recorded_at[step]), "the golden file's answer")
        if step in live_at and _key(live_at[step]) not in known:
            if recorded is not None:
                out.new_answers.append(step)
            out.unproven.append(step)
        elif not kept:
            out.unproven.append(step)
        if step not in out.diffs or step not in sim_at:
            continue
        why = known.get(_key(sim_at[step]))
        if why is not None:
            del out.diffs[step]
            out.agreed[step] = why
    return out


def notes(judged: Judged) -> list[str]:
    """What the report says of the varying steps: which agree through an answer other than the
    reference's, and where a live run gave an answer the golden file does not have."""
    lines = [f"{step}: agrees (the engine's answer varies here): the simulator gives {why}"
             for step, why in judged.agreed.items()]
    lines += [f"{step}: the live engine gave an answer the golden file does not have (record its variants again: "
              f"python -m tests.conformance.variants)" for step in judged.new_answers]
    return lines


# -- recording ----------------------------------------------------------------------------------------
def cli_for(variant: str) -> str | None:
    """The installed docker client of a recording's variant ("docker-cli-28": a 28.x client), or None."""
    found = [*harness.CLI_PATHS, shutil.which("docker")]
    for path in dict.fromkeys(p for p in found if p and os.access(p, os.X_OK)):
        if f"docker-cli-{harness.cli_version(path).split('.')[0]}" == variant:
            return path
    return None


def tally(runs: list[list], varies, main: list) -> tuple[dict, dict[str, int]]:
    """From the normalised observations of several runs: {step: [{"seen", "observation"}]} at the
    steps of `varies` (most often first), and {step: how many runs} where a run differed from the
    recording `main` at a step `varies` does not list."""
    found: dict[str, dict[str, dict]] = {step: {} for step in varies}
    elsewhere: dict[str, int] = {}
    for obs in runs:
        at = dict(harness.steps(obs))
        for step in varies:
            if step in at:
                entry = found[step].setdefault(_key(at[step]), {"seen": 0, "observation": at[step]})
                entry["seen"] += 1
        for step in harness.differences(obs, main):
            if step not in varies:
                elsewhere[step] = elsewhere.get(step, 0) + 1
    tallied = {step: sorted(byval.values(), key=lambda a: -a["seen"]) for step, byval in found.items() if byval}
    return tallied, elsewhere


def run_many(sc: harness.Scenario, n: int, workers: int, say=print) -> tuple[list[list], str]:
    """n runs of the scenario on fresh private engines, `workers` at once: their normalised
    observations (a run that raised is shown and left out) and the engine's version."""
    sets = [f"{PREFIX}{i}" for i in range(1, max(1, min(workers, n)) + 1)]
    free: queue.Queue[str] = queue.Queue()
    for prefix in sets:
        free.put(prefix)
    results: list[list] = []
    version = ""

    def one(i: int):
        prefix = free.get()
        try:
            return i, harness.run_on_docker(sc, prefix), None
        except Exception as e:  # noqa: BLE001 -- shown, and the run left out
            return i, None, f"{type(e).__name__}: {e}"
        finally:
            free.put(prefix)

    try:
        with ThreadPoolExecutor(len(sets)) as pool:
            for i, run, error in pool.map(one, range(1, n + 1)):
                if run is None:
                    say(f"  run {i}: raised on the engine, left out ({error})")
                    continue
                results.append(harness.normalise(run.observations))
                version = run.engine
    finally:
        for prefix in sets:
            hosts.stop_hosts(prefix)
    return results, version


def record(name: str, n: int, workers: int, say=print) -> bool:
    """Record the variants of one scenario, for every variant its golden file has."""
    sc, varies = SCENARIOS[name], ENGINE_VARIES.get(name, {})
    data = golden.load(name)
    if not varies or data is None:
        say(f"{name}: {'no golden file' if data is None else 'ENGINE_VARIES lists no step of it'}: nothing to record")
        return False
    ok = True
    for variant in data["runs"]:
        cli = cli_for(variant) if sc.cli else None
        if sc.cli and cli is None:
            say(f"{name} ({variant}): that docker client is not installed here: left as it is")
            ok = False
            continue
        if cli:
            os.environ["LABKIT_DOCKER_CLI"] = cli
        say(f"{name} ({variant}): {n} runs, {workers} at once")
        runs, version = run_many(sc, n, workers, say)
        main = golden.expected(sc)["observations"]
        tallied, elsewhere = tally(runs, varies, main)
        for step, count in elsewhere.items():
            say(f"  differs from the golden file in {count} of {len(runs)} runs at {step!r}, which ENGINE_VARIES "
                f"does not list: not kept (a stale golden file, or a step to list there)")
        if not runs:
            ok = False
            continue
        golden.save_varies(sc, {"runs": len(runs), "engine": version, "client": golden.client_description(sc),
                                "answers": tallied})
        recorded = dict(harness.steps(main))
        for step, found in tallied.items():
            say(f"  {step}: {len(found)} answer{'s' * (len(found) != 1)}")
            for a in found:
                mark = " (the recording's)" if step in recorded and _key(recorded[step]) == _key(a["observation"]) else ""
                say(f"    {a['seen']:3d} x {json.dumps(a['observation'])[:150]}{mark}")
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="+", help="scenarios with steps in ENGINE_VARIES")
    parser.add_argument("--runs", type=int, default=RUNS, help=f"runs per variant (default {RUNS})")
    parser.add_argument("--workers", type=int, default=WORKERS, help=f"runs at once (default {WORKERS})")
    args = parser.parse_args(argv)
    unknown = [n for n in args.names if n not in SCENARIOS]
    if unknown:
        parser.error(f"no such scenario: {', '.join(unknown)}")
    if args.runs < 1 or args.workers < 1:
        parser.error("--runs and --workers take a number from 1 up")
    reason = private_engines_unavailable()
    if reason is not None:
        parser.error(f"recording needs fresh private real engines, but {reason}")
    return 0 if all([record(name, args.runs, args.workers) for name in args.names]) else 1


if __name__ == "__main__":
    sys.exit(main())
