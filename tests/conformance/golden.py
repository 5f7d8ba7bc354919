"""Golden files: the real engine's normalised observations of every scenario, kept in
tests/data/conformance/NAME.json so the simulator is judged where no real engine runs.

One file per scenario:

    {"scenario": NAME, "doc": ..., "runs": {VARIANT: {"engine": "20.10.24+dfsg1",
        "client": "docker-py 7.2.0", "seconds": 1.2, "observations": [[STEP, VALUE], ...]}}}

VARIANT is "api" for a scenario that speaks through docker-py only, and "docker-cli-MAJOR" for one
that also types `docker` commands: the 28.x and 20.10 clients word some refusals differently (28.x
refuses `--mac-address` against API 1.41 itself), so each client has its own recording.

Recording (root, dockerd, busybox-static; a fresh private engine per scenario via labkit.hosts):

    LABKIT_RECORD=1 flock /tmp/labkit-real-engine.lock python -m pytest tests/test_conformance.py [-k NAME]

and once more with LABKIT_DOCKER_CLI=/usr/bin/docker (or /usr/local/bin/docker) for the CLI
scenarios' other client. With a real engine and without LABKIT_RECORD, the suite checks that each
golden file still says what the engine says (a stale one fails, naming this command).
"""
from __future__ import annotations

import json
import os

import docker

from .harness import Scenario, cli_version, docker_cli, normalise, steps

FOLDER = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "data", "conformance")
RECORD = os.environ.get("LABKIT_RECORD") == "1"
# The docker clients this project meets: Debian's docker.io (20.10, CI) and the 28.x client of the
# lab machines. A CLI scenario keeps a recording for each.
CLI_VARIANTS = ("docker-cli-20", "docker-cli-28")


def record_command(name: str, variant: str) -> str:
    cli = f"LABKIT_DOCKER_CLI={docker_cli()} " if variant.startswith("docker-cli") else ""
    return (f"{cli}LABKIT_RECORD=1 flock /tmp/labkit-real-engine.lock python -m pytest "
            f"tests/test_conformance.py -k '{name}' (as root, with dockerd)")


def variant(sc: Scenario) -> str:
    """Which recording of a scenario applies here: "api", or the installed docker client's."""
    if not sc.cli:
        return "api"
    path = docker_cli()
    if path is None:
        raise RuntimeError(f"scenario {sc.name} types docker commands, and no docker CLI is installed")
    return f"docker-cli-{cli_version(path).split('.')[0]}"


def client_description(sc: Scenario) -> str:
    desc = f"docker-py {docker.__version__}"
    if sc.cli:
        desc += f", docker CLI {cli_version(docker_cli())} ({docker_cli()})"
    return desc


def path(name: str) -> str:
    return os.path.join(FOLDER, f"{name}.json")


def load(name: str) -> dict | None:
    try:
        with open(path(name)) as f:
            return json.load(f)
    except FileNotFoundError:
        return None


def expected(sc: Scenario, which: str | None = None) -> dict | None:
    """The recorded run of the scenario for this machine's variant (or the variant `which`), or None.
    Its observations are normalised again (normalising is idempotent), so that a rule added since the
    recording holds; and so are the answers recorded at its varying steps (variants.py)."""
    run = (load(sc.name) or {}).get("runs", {}).get(which or variant(sc))
    if run is None:
        return None
    if run.get("varies"):
        found = {step: [dict(a, observation=_in_context(run["observations"], step, a["observation"])) for a in answers]
                 for step, answers in run["varies"]["answers"].items()}
        run = dict(run, varies=dict(run["varies"], answers=found))
    return dict(run, observations=normalise(run["observations"]))


def _in_context(observations: list, step: str, value):
    """An answer recorded at a step, normalised again in its place among the recording's
    observations (what it is normalised with, IDs and addresses, comes from the whole run)."""
    keys = [key for key, _ in steps(observations)]
    if step not in keys:
        return value
    i = keys.index(step)
    return normalise(observations[:i] + [[observations[i][0], value]] + observations[i + 1:])[i][1]


def save(sc: Scenario, observations: list, seconds: float, engine_version: str) -> str:
    """Write the real engine's normalised observations as the scenario's golden run (this variant's;
    the file's other variants stay, and so do the answers recorded at its varying steps: variants.py)."""
    data = load(sc.name) or {}
    runs = data.get("runs", {})
    kept = runs.get(variant(sc), {}).get("varies")
    runs[variant(sc)] = {"engine": engine_version, "client": client_description(sc),
                         "seconds": round(seconds, 2), "observations": observations}
    if kept:
        runs[variant(sc)]["varies"] = kept
    return _write(sc, runs)


def save_varies(sc: Scenario, varies: dict) -> str:
    """Write the answers the engine gave at the scenario's varying steps over several runs
    (variants.py) into this variant's recording, which must exist; its observations stay."""
    data = load(sc.name)
    if data is None or variant(sc) not in data.get("runs", {}):
        raise RuntimeError(f"{sc.name} has no recording for {variant(sc)}: record it first, with "
                           f"{record_command(sc.name, variant(sc))}")
    runs = data["runs"]
    runs[variant(sc)] = dict(runs[variant(sc)], varies=varies)
    return _write(sc, runs)


def _write(sc: Scenario, runs: dict) -> str:
    os.makedirs(FOLDER, exist_ok=True)
    with open(path(sc.name), "w") as f:
        json.dump({"scenario": sc.name, "doc": sc.doc, "source": sc.source,
                   "runs": dict(sorted(runs.items()))}, f, indent=1, ensure_ascii=False)
        f.write("\n")
    return path(sc.name)


def orphans(names) -> list[str]:
    """Golden files of scenarios that no longer exist."""
    if not os.path.isdir(FOLDER):
        return []
    return sorted(f for f in os.listdir(FOLDER) if f.endswith(".json") and f[:-5] not in names)
