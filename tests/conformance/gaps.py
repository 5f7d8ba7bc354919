"""The simulator's current differences from the golden files, and the KNOWN_GAPS entries they call for.

    python -m tests.conformance.gaps [NAME ...] [--full] [--table]

Runs each scenario (all by default) on the simulator only and compares it with its golden file
(the real engine's recording for this machine's variant). Prints, per scenario that differs, its
differing steps and the first lines of each difference (--full: all of them); with --table, the
KNOWN_GAPS table that would match today's simulator, keeping the `what` of entries that exist and
marking new ones "TODO: say what differs". A step of ENGINE_VARIES agrees where the simulator gives
any answer the engine was recorded giving there (the golden file's, or one of its recorded variants':
variants.py), and the output says so under the scenario. No engine is needed: use it after changing the simulator
to see which entries of tests/conformance/known_gaps.py to shorten or remove.
"""
from __future__ import annotations

import argparse

from . import golden, harness, variants
from .catalogue import SCENARIOS
from .known_gaps import DOCUMENTED, ENGINE_VARIES, KNOWN_GAPS


def current(names: list[str], notes: dict[str, list[str]] | None = None) -> dict[str, dict[str, list[str]]]:
    """{scenario: {differing step: lines}} for the scenarios that have a golden run here, and the
    documented-only ones (their one step, DOCUMENTED, when the simulator stopped). A step of
    ENGINE_VARIES where the simulator gives an answer the engine was recorded giving agrees
    (variants.py); notes, if given, gets what the report says of those: {scenario: [lines]}."""
    out = {}
    for name in names:
        sc = SCENARIOS[name]
        if sc.documented_only:
            stopped = [str(v) for k, v in harness.run_on_sim(sc).observations if k == harness.STOPPED]
            out[name] = {DOCUMENTED: stopped} if stopped else {}
            continue
        recorded = golden.expected(sc)
        if recorded is None:
            continue
        sim = harness.normalise(harness.run_on_sim(sc).observations)
        judged = variants.judge(ENGINE_VARIES.get(name, {}), harness.differences(sim, recorded["observations"]),
                                sim, recorded)
        out[name] = judged.diffs
        if notes is not None and judged.agreed:
            notes[name] = variants.notes(judged)
    return out


def table(diffs: dict[str, dict[str, list[str]]]) -> str:
    lines = ["KNOWN_GAPS: dict[str, Gap] = {"]
    for name, steps in diffs.items():
        if not steps:
            continue
        what = KNOWN_GAPS[name].what if name in KNOWN_GAPS else "TODO: say what differs"
        lines.append(f"    {name!r}: Gap(")
        lines.append(f"        {what!r},")
        lines.append("        (" + "".join(f"\n         {s!r}," for s in steps) + ")),")
    lines.append("}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", help="scenarios (default: all)")
    parser.add_argument("--full", action="store_true", help="every line of every difference")
    parser.add_argument("--table", action="store_true", help="print the KNOWN_GAPS table for today's simulator")
    args = parser.parse_args(argv)
    unknown = [n for n in args.names if n not in SCENARIOS]
    if unknown:
        parser.error(f"no such scenario: {', '.join(unknown)}")
    notes: dict[str, list[str]] = {}
    diffs = current(args.names or list(SCENARIOS), notes)
    for name, steps in diffs.items():
        listed = KNOWN_GAPS.get(name)
        status = ("agrees" if not steps else
                  "as listed" if listed and set(listed.steps) == set(steps) else
                  "differs beyond KNOWN_GAPS" if listed else "differs, not in KNOWN_GAPS")
        if listed and not steps:
            status = "agrees: remove it from KNOWN_GAPS"
        print(f"{name}: {status}")
        for line in notes.get(name, []):
            print(f"  {line}")
        for step, lines in steps.items():
            print(f"  {step}")
            for line in lines if args.full else lines[:6]:
                print(f"      {line}")
    agree = sum(not s for s in diffs.values())
    print(f"\n{agree} of {len(diffs)} scenarios with golden files agree with them")
    if args.table:
        print("\n" + table(diffs))


if __name__ == "__main__":
    main()
