"""All notebooks under nbval on the simulator: the time in total and per notebook.

DESIGN.md's target: all notebooks together under 60 s on this 2-core machine. They run the way
tests/run_all.py runs them, in one pytest process:
`LABKIT_ENGINE=sim pytest --nbval --nbval-current-env notebooks/` (one kernel per notebook).
Prints the wall time of that run against the target, and per notebook the time its cells took
(from pytest's JUnit report: the kernel's start-up is not in it). Exits non-zero only when a notebook
fails, not when it is slow: this is a benchmark, not a timed test.

    python bench/notebooks_sim.py [NOTEBOOK ...]
"""
from __future__ import annotations

import glob
import os
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from collections import defaultdict

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TARGET = 60.0


def main(argv: list[str]) -> int:
    notebooks = argv or sorted(glob.glob(os.path.join(ROOT, "notebooks", "*.ipynb")))
    env = dict(os.environ, LABKIT_ENGINE="sim")
    env.pop("DOCKER_HOST", None)
    env["PYTHONPATH"] = ROOT + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    with tempfile.TemporaryDirectory() as folder:
        report = os.path.join(folder, "junit.xml")
        started = time.monotonic()
        done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--nbval",
                               "--nbval-current-env", f"--junitxml={report}", *notebooks],
                              check=False, cwd=ROOT, env=env, capture_output=True, text=True)
        total = time.monotonic() - started
        cells: dict[str, float] = defaultdict(float)
        failed: set[str] = set()
        if os.path.exists(report):
            for case in ET.parse(report).iter("testcase"):
                name = (case.get("classname") or "?").removeprefix("notebooks.")   # notebooks.NAME.ipynb
                cells[name] += float(case.get("time") or 0)
                if case.find("failure") is not None or case.find("error") is not None:
                    failed.add(name)
    for path in notebooks:
        name = os.path.basename(path)
        status = "FAILED" if name in failed else "passed"
        print(f"{cells.get(name, 0.0):6.1f} s  {status:6}  notebooks/{name}  (its cells)")
    print(f"{total:6.1f} s  all {len(notebooks)} notebooks in one nbval run, kernels included "
          f"(target: under {TARGET:.0f} s: {'met' if total < TARGET else 'NOT met'})")
    if done.returncode:
        print(done.stdout[-3000:])
    return 1 if done.returncode else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
