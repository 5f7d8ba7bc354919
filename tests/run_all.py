"""Every test of labkit, in three steps, then a summary (what `./run.sh test` runs).

    python tests/run_all.py [PYTEST ARGS...]

1. tests/: `pytest tests/ PYTEST ARGS...` (engine tests run on the simulator, and on real
   engines where they can run here; LABKIT_REQUIRE_DOCKER=1 turns their skips into failures).
   This includes tests/test_browser.py, JupyterLab in headless chromium (its screenshot:
   artifacts/browser-panel.png), which skips without chromium or playwright except in CI.
2. notebooks on the simulator: `LABKIT_ENGINE=sim pytest --nbval notebooks/`, compared with the
   stored outputs exactly.
3. notebooks on a real engine: the same with LABKIT_ENGINE=docker and tests/nbval-sanitize.cfg
   (engine name, IDs, MACs, timings). The engine is a fresh private one for each notebook
   (labkit.hosts, prefix "lknb", removed afterwards) where this machine can start one (root,
   dockerd), so that outputs do not depend on what else runs on the machine's engine; else the engine docker-py finds
   (DOCKER_HOST, else /var/run/docker.sock) if it answers; else the step is skipped, or fails
   under LABKIT_REQUIRE_DOCKER=1.

Exits non-zero when any step failed.
"""
from __future__ import annotations

import glob
import os
import subprocess
import sys
import time
from dataclasses import dataclass

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

SANITIZER = os.path.join("tests", "nbval-sanitize.cfg")
NOTEBOOKS = "notebooks"
NBVAL_PREFIX = "lknb"
REQUIRE_DOCKER = os.environ.get("LABKIT_REQUIRE_DOCKER") == "1"
NO_TESTS = 5  # pytest's exit status when it collected nothing


@dataclass
class Step:
    name: str
    status: str = "not run"   # passed, FAILED, skipped
    seconds: float = 0.0
    note: str = ""


def header(text: str) -> None:
    print(f"\n{'=' * 20} {text} {'=' * max(3, 58 - len(text))}", flush=True)


def pytest(args: list[str], **env: str) -> int:
    """Run pytest in this interpreter from the repository root; labkit importable from the
    checkout (also in notebook kernels) whether or not it is installed."""
    environ = dict(os.environ, **env)
    environ["PYTHONPATH"] = ROOT + (os.pathsep + environ["PYTHONPATH"] if environ.get("PYTHONPATH") else "")
    command = [sys.executable, "-m", "pytest"] + args
    shown = [f"{k}={v}" for k, v in env.items()] + ["python"] + command[1:]
    print("$ " + " ".join(shown), flush=True)
    return subprocess.call(command, cwd=ROOT, env=environ)


def run_step(step: Step, action) -> None:
    header(step.name)
    started = time.monotonic()
    try:
        status, note = action()
    except KeyboardInterrupt:
        raise
    except Exception as e:  # noqa: BLE001 -- a step that cannot even start is a failed step, reported as such
        status, note = "FAILED", f"{type(e).__name__}: {e}"
    step.status, step.note, step.seconds = status, note, time.monotonic() - started


def verdict(code: int, none_is_failure: bool) -> tuple[str, str]:
    if code == 0:
        return "passed", ""
    if code == NO_TESTS:
        return ("FAILED" if none_is_failure else "passed"), "no tests collected"
    return "FAILED", f"pytest exit status {code}"


def unit_tests(extra: list[str]):
    return verdict(pytest(["tests/"] + extra), none_is_failure=False)


def notebooks_on_sim():
    return verdict(pytest(["--nbval", "--nbval-current-env", NOTEBOOKS], LABKIT_ENGINE="sim"),
                   none_is_failure=True)


def notebooks_on_docker():
    from labkit import engines, hosts
    from tests.engines import StopsNewHostSets, private_engines_unavailable
    args = ["--nbval", "--nbval-current-env", "--nbval-sanitize-with", SANITIZER, NOTEBOOKS]
    why_not_private = private_engines_unavailable()
    if why_not_private is None:
        # One fresh engine per notebook: each notebook's stored outputs come from a fresh
        # simulated engine, and addresses depend on what an engine has handed out before.
        failed = []
        for notebook in sorted(glob.glob(os.path.join(NOTEBOOKS, "*.ipynb"))):
            print(f"{notebook}: on a fresh private engine (labkit.hosts prefix {NBVAL_PREFIX})", flush=True)
            with StopsNewHostSets():   # the hosts of a notebook's labkit.cluster outlive its kernel
                host = hosts.fresh_engine(NBVAL_PREFIX)
                try:
                    code = pytest(args[:-1] + [notebook], LABKIT_ENGINE="docker", DOCKER_HOST=host.url)
                finally:
                    host.stop()
            if verdict(code, none_is_failure=True)[0] != "passed":
                failed.append(os.path.basename(notebook))
        hosts.stop_hosts(NBVAL_PREFIX)
        note = f"each on a fresh private engine ({NBVAL_PREFIX})"
        return ("FAILED", f"{', '.join(failed)} failed; {note}") if failed else ("passed", note)
    where = os.environ.get("DOCKER_HOST") or "unix:///var/run/docker.sock"
    if engines.engine_answers():
        status, note = verdict(pytest(args, LABKIT_ENGINE="docker"), none_is_failure=True)
        return status, (note + "; " if note else "") + f"on the engine at {where}"
    reason = f"no real engine: {why_not_private}, and none answers at {where}"
    if REQUIRE_DOCKER:
        return "FAILED", f"LABKIT_REQUIRE_DOCKER=1, but {reason}"
    print(f"skipped: {reason}")
    return "skipped", reason


def main(argv: list[str]) -> int:
    steps = [
        (Step("1. tests (pytest tests/)"), lambda: unit_tests(argv)),
        (Step("2. notebooks on the simulator (nbval)"), notebooks_on_sim),
        (Step("3. notebooks on a real engine (nbval, sanitised)"), notebooks_on_docker),
    ]
    started = time.monotonic()
    try:
        for step, action in steps:
            run_step(step, action)
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
    header("summary")
    for step, _ in steps:
        note = f"  ({step.note})" if step.note else ""
        print(f"{step.status:8} {step.seconds:7.1f} s  {step.name}{note}")
    failed = [step for step, _ in steps if step.status not in ("passed", "skipped")]
    print(f"{'FAILED' if failed else 'passed'}: {len(steps) - len(failed)} of {len(steps)} steps "
          f"passed or skipped, in {time.monotonic() - started:.0f} s", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
