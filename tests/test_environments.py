"""The ways to launch labkit agree: pyproject.toml (pip, ./run.sh), environment.yml (conda) and
binder/ (Binder, which reads only that folder), and the README's Binder link opens notebook 00.

Conda names differ from PyPI's for two packages (CONDA_NAMES); every other name and every version
bound must be the same. Binder's environment is the root one with Python pinned to one version and
without the browser test's driver; labkit itself comes from binder/postBuild, so that repo2docker
can install the environment before it copies the repository (see binder/environment.yml).
"""
from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import sys
import urllib.parse

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.version import Version

try:
    import tomllib
except ImportError:   # Python 3.10: pytest brings tomli
    import tomli as tomllib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CONDA_NAMES = {"docker": "docker-py", "playwright": "playwright-python"}   # PyPI name -> conda-forge's
NOT_ON_BINDER = {"playwright-python"}     # a Binder has no chromium to drive
NOTEBOOK_00 = "notebooks/00-start-here.ipynb"


def pyproject() -> dict:
    with open(os.path.join(ROOT, "pyproject.toml"), "rb") as f:
        return tomllib.load(f)["project"]


def environment(path: str) -> dict:
    with open(os.path.join(ROOT, path)) as f:
        return yaml.safe_load(f)


def conda_specs(env: dict) -> dict[str, str]:
    """{conda name: version spec} of an environment's conda packages."""
    specs = {}
    for dep in env["dependencies"]:
        if isinstance(dep, str):
            match = re.fullmatch(r"([A-Za-z0-9_.\-]+)\s*(.*)", dep.strip())
            assert match, f"not a conda package spec: {dep!r}"
            name, version = match.groups()
            assert name not in specs, f"{name} is listed twice"
            specs[name] = version.replace(" ", "")
    return specs


def pip_lines(env: dict) -> list[str]:
    lists = [dep["pip"] for dep in env["dependencies"] if isinstance(dep, dict) and "pip" in dep]
    return [line.split("#", 1)[0].strip() for lines in lists for line in lines]


def wanted_from_pyproject() -> dict[str, str]:
    """{conda name: version spec} of labkit's dependencies and its test extra (but the extras of
    labkit's own that it names: the class extra's hub is for ./run.sh class, not conda or Binder)."""
    project = pyproject()
    wanted = {}
    for text in project["dependencies"] + project["optional-dependencies"]["test"]:
        req = Requirement(text)
        if req.name == project["name"]:
            continue
        wanted[CONDA_NAMES.get(req.name, req.name)] = str(req.specifier)
    return wanted


def same_bounds(conda: str, pip: str) -> bool:
    return SpecifierSet(conda) == SpecifierSet(pip)


# -- environment.yml -----------------------------------------------------------------------------------
def test_environment_yml_is_conda_forge_only():
    env = environment("environment.yml")
    assert env["name"] == "labkit"
    assert env["channels"][0] == "conda-forge"
    assert "defaults" not in env["channels"], "conda-forge only (nodefaults keeps Anaconda's channel out)"


def test_environment_yml_has_what_pyproject_asks_for():
    have = conda_specs(environment("environment.yml"))
    wanted = wanted_from_pyproject()
    extra = set(have) - set(wanted) - {"python", "pip"}
    missing = set(wanted) - set(have)
    assert not missing, f"in pyproject.toml, not in environment.yml: {sorted(missing)}"
    assert not extra, f"in environment.yml, not in pyproject.toml: {sorted(extra)}"
    differ = {name: (have[name], wanted[name]) for name in wanted if not same_bounds(have[name], wanted[name])}
    assert not differ, f"version bounds differ (environment.yml, pyproject.toml): {differ}"


def test_environment_yml_python_and_labkit_itself():
    env = environment("environment.yml")
    assert same_bounds(conda_specs(env)["python"], pyproject()["requires-python"])
    assert pip_lines(env) == ["-e ."], "labkit itself, from the folder of environment.yml (conda runs pip there)"


# -- binder/ -------------------------------------------------------------------------------------------
def test_binder_environment_is_the_root_one_for_binder():
    root = conda_specs(environment("environment.yml"))
    binder_env = environment("binder/environment.yml")
    binder = conda_specs(binder_env)
    assert binder_env["channels"] == environment("environment.yml")["channels"]
    python = binder.pop("python")
    assert re.fullmatch(r"=\d+\.\d+", python), f"Binder pins one Python (python=3.X), not {python!r}"
    assert Version(python[1:]) in SpecifierSet(pyproject()["requires-python"]), python
    del root["python"]
    for name in NOT_ON_BINDER:
        root.pop(name)
    assert binder == root, "binder/environment.yml lists other packages or bounds than environment.yml"


def test_binder_environment_has_no_local_path():
    # A local path (like "-e ..") makes repo2docker copy the repository first and rebuild the whole
    # environment after every commit; labkit is installed by postBuild instead.
    assert pip_lines(environment("binder/environment.yml")) == []
    with open(os.path.join(ROOT, "binder", "postBuild")) as f:
        text = f.read()
    assert re.search(r"pip install .*-e \.\s*$", text, re.MULTILINE), "postBuild installs labkit from the repository"


@pytest.mark.parametrize("name", ["postBuild", "start"])
def test_binder_scripts_are_executable(name):
    mode = os.stat(os.path.join(ROOT, "binder", name)).st_mode
    assert mode & stat.S_IXUSR, f"binder/{name} must be executable"


def test_binder_start_falls_back_to_a_simulator_per_kernel_and_runs_the_command():
    """Without `labkit` on the PATH the session's shared engine cannot start (tests/test_launcher.py
    runs it with one): each kernel then gets a simulator of its own, and the server still starts."""
    env = {k: v for k, v in os.environ.items() if k not in ("LABKIT_ENGINE", "DOCKER_HOST")}
    env["PATH"] = "/usr/bin:/bin"
    done = subprocess.run([os.path.join(ROOT, "binder", "start"), sys.executable, "-c",
                           "import os, sys; print(os.environ['LABKIT_ENGINE'], os.environ.get('DOCKER_HOST')); sys.exit(3)"],
                          capture_output=True, text=True, env=env, timeout=30, check=False)
    assert done.stdout.strip() == "sim None"
    assert done.returncode == 3, "start must exec the command it is given (its exit status passes through)"


def test_pip_install_puts_the_lab_settings_where_jupyterlab_reads_them():
    """`pip install .` (the README's plain-Python path) installs binder/overrides.json as
    {prefix}/share/jupyter/lab/settings/overrides.json, as ./run.sh and binder/postBuild copy it."""
    with open(os.path.join(ROOT, "pyproject.toml"), "rb") as f:
        data_files = tomllib.load(f)["tool"]["setuptools"]["data-files"]
    assert data_files == {"share/jupyter/lab/settings": ["binder/overrides.json"]}
    assert os.path.isfile(os.path.join(ROOT, "binder", "overrides.json"))


def test_binder_installs_the_docker_client():
    with open(os.path.join(ROOT, "binder", "apt.txt")) as f:
        packages = [line.split("#")[0].strip() for line in f if line.split("#")[0].strip()]
    assert packages == ["docker.io"]


# -- the README's Binder link ---------------------------------------------------------------------------
def test_readme_binder_link_opens_notebook_00_in_jupyterlab():
    with open(os.path.join(ROOT, "README.md")) as f:
        readme = f.read()
    links = re.findall(r"https://mybinder\.org/v2/gh/[^\s)\]>]+", readme)
    assert links, "the README has no mybinder.org link"
    for link in links:
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(link).query)
        assert query.get("urlpath") == [f"lab/tree/{NOTEBOOK_00}"], link
    assert os.path.isfile(os.path.join(ROOT, NOTEBOOK_00))


# -- JupyterLab's settings -----------------------------------------------------------------------------
def test_lab_settings_are_valid_and_installed_by_both_launchers():
    """binder/overrides.json holds settings JupyterLab knows (checked against its own schemas), and both
    ./run.sh and binder/postBuild put it where JupyterLab reads it ({prefix}/share/jupyter/lab/settings).
    The browser test shows that JupyterLab then asks no news question."""
    import jupyterlab
    with open(os.path.join(ROOT, "binder", "overrides.json")) as f:
        overrides = json.load(f)
    schemas = os.path.join(os.path.dirname(jupyterlab.__file__), "schemas")
    types = {"boolean": bool, "string": str, "integer": int, "number": (int, float), "object": dict}
    for plugin, settings in overrides.items():
        package, name = plugin.split(":")
        with open(os.path.join(schemas, package, name + ".json")) as f:
            properties = json.load(f)["properties"]
        for key, value in settings.items():
            assert key in properties, f"{plugin} has no setting {key!r}"
            schema = properties[key]
            assert isinstance(value, types[schema["type"]]), (plugin, key, value)
            allowed = schema.get("enum") or [choice["const"] for choice in schema.get("oneOf", [])]
            assert not allowed or value in allowed, (plugin, key, value, allowed)
    for launcher in ("run.sh", "binder/postBuild"):
        with open(os.path.join(ROOT, launcher)) as f:
            text = f.read()
        assert re.search(r"cp binder/overrides\.json \S+/overrides\.json", text), launcher
        assert "share/jupyter/lab/settings" in text, launcher
