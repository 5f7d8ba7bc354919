"""The conformance scenarios timed on the simulator and on the real engine: the simulator must be at
least 20x faster than the real engine over the whole suite (time spent in the scenarios; engine
start-up and tear-down are not counted on either side).

    python bench/conformance_speed.py [--live] [SCENARIO ...]

By default the real engine's times are those its golden files recorded (tests/data/conformance,
"seconds" of the run for this machine's docker client) and only the simulator runs: no engine, no
root needed. --live runs every scenario on a fresh private real engine as well (root and dockerd;
hold the machine-wide lock: `flock /tmp/labkit-real-engine.lock python bench/conformance_speed.py
--live ...`). Scenarios without a recording (documented-only ones) are left out and counted.
"""
from __future__ import annotations

import argparse
import sys

sys.path.insert(0, ".")  # run from the repository root: the scenarios live in tests/

from tests.conformance import golden, harness  # noqa: E402
from tests.conformance.catalogue import SCENARIOS  # noqa: E402


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--live", action="store_true", help="time the real engine now (root, dockerd, the lock)")
    parser.add_argument("names", nargs="*", metavar="SCENARIO")
    args = parser.parse_args(argv)
    names = args.names or list(SCENARIOS)
    unknown = [n for n in names if n not in SCENARIOS]
    if unknown:
        sys.exit(f"no such scenario: {', '.join(unknown)} (see tests/conformance/catalogue.py)")
    source = "live, private engines" if args.live else "recorded in the golden files"
    sim_total = real_total = 0.0
    timed, unrecorded = [], []
    print(f"{'scenario':38} {'sim ms':>8} {'docker ms':>10} {'ratio':>7}   (docker: {source})")
    for name in names:
        sc = SCENARIOS[name]
        if args.live:
            real_s = harness.run_on_docker(sc, prefix="lkb").seconds
        else:
            recorded = (golden.load(name) or {}).get("runs", {}).get(golden.variant(sc))
            if recorded is None or sc.documented_only:
                unrecorded.append(name)
                continue
            real_s = recorded["seconds"]
        sim_s = harness.run_on_sim(sc).seconds
        sim_total += sim_s
        real_total += real_s
        timed.append(name)
        print(f"{name:38} {sim_s * 1000:8.1f} {real_s * 1000:10.0f} {real_s / sim_s:6.1f}x", flush=True)
    if args.live:
        from labkit import hosts
        hosts.stop_hosts("lkb")
    if not timed:
        sys.exit("no scenario timed")
    ratio = real_total / sim_total
    print(f"{'all ' + str(len(timed)) + ' scenarios':38} {sim_total * 1000:8.1f} {real_total * 1000:10.0f} {ratio:6.1f}x")
    if unrecorded:
        print(f"left out (no recording for this client): {len(unrecorded)}: {', '.join(unrecorded)}")
    print(f"the simulator is {ratio:.1f}x faster than the real engine over {len(timed)} scenarios "
          f"(simulator {sim_total:.1f} s, real engine {real_total:.1f} s; target: at least 20x)")


if __name__ == "__main__":
    main()
