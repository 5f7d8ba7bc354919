"""The conformance scenarios timed on both engines in one run: the simulator must be at least 20x
faster than the real engine (time spent in the scenarios, in this process; engine start-up and
tear-down are not counted on either side).

    python bench/conformance_speed.py [SCENARIO ...]

Needs root and dockerd for the real side (labkit.hosts.fresh_engine).
"""
from __future__ import annotations

import sys

sys.path.insert(0, ".")  # run from the repository root: the scenarios live in tests/

from tests.conformance import harness  # noqa: E402
from tests.conformance.catalogue import SCENARIOS  # noqa: E402


def main(names: list[str]) -> None:
    names = names or list(SCENARIOS)
    sim_total = real_total = 0.0
    print(f"{'scenario':38} {'sim ms':>8} {'docker ms':>10} {'ratio':>7}")
    for name in names:
        sc = SCENARIOS[name]
        sim_s = harness.run_on_sim(sc).seconds
        real_s = harness.run_on_docker(sc, prefix="lkb").seconds
        sim_total += sim_s
        real_total += real_s
        print(f"{name:38} {sim_s * 1000:8.1f} {real_s * 1000:10.0f} {real_s / sim_s:6.0f}x")
    from labkit import hosts
    hosts.stop_hosts("lkb")
    print(f"{'all ' + str(len(names)) + ' scenarios':38} {sim_total * 1000:8.1f} {real_total * 1000:10.0f} "
          f"{real_total / sim_total:6.0f}x")
    print(f"the simulator is {real_total / sim_total:.0f}x faster than the real engine (target: at least 20x)")


if __name__ == "__main__":
    main(sys.argv[1:])
