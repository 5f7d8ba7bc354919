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

from .harness import Scenario, cli_version, docker_cli, normalise

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


def expected(sc: Scenario) -> dict | None:
    """The recorded run of the scenario for this machine's variant, or None. Its observations are
    normalised again (normalising is idempotent), so that a rule added since the recording holds."""
    run = (load(sc.name) or {}).get("runs", {}).get(variant(sc))
    if run is not None:
        run = dict(run, observations=normalise(run["observations"]))
    return run


def save(sc: Scenario, observations: list, seconds: float, engine_version: str) -> str:
    """Write the real engine's normalised observations as the scenario's golden run (this variant's;
    the file's other variants stay)."""
    data = load(sc.name) or {}
    runs = data.get("runs", {})
    runs[variant(sc)] = {"engine": engine_version, "client": client_description(sc),
                         "seconds": round(seconds, 2), "observations": observations}
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
