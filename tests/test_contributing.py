"""CONTRIBUTING.md cannot go stale silently: every file and folder it names exists, every labkit
module (and attribute of one) it names can be found, every test it names is defined, and the
README links to it.

What counts as a name: a path under one of the repository's folders (`labkit/sim/state.py`,
`labkit/sim/engine/drivers/`), a file name on its own (`front.py`, `README.md`: it must exist
somewhere in the repository), a dotted name from `labkit.` (`labkit.notebook.start`), a link, and
a `test_...` name. A path with NN in it is a pattern (`notebooks/NN-name.ipynb`: some notebook
matches it); what the tests write (artifacts/) is not looked for.
"""
from __future__ import annotations

import ast
import importlib
import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
DOC = ROOT / "CONTRIBUTING.md"
FOLDERS = ("labkit", "tests", "notebooks", "docs", "bench", "binder", "class", ".ci")
GENERATED = ("artifacts/",)
PATH = re.compile(r"(?<![\w/.-])((?:%s)/[\w./*-]*)" % "|".join(re.escape(f) for f in FOLDERS))
BARE = re.compile(r"(?<![\w/.-])([\w-]+\.(?:py|md|ipynb|cfg|sh|toml))\b")
LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")
DOTTED = re.compile(r"(?<![\w.])(labkit(?:\.\w+)+)")
TEST_NAME = re.compile(r"(?<![\w.])(test_\w+)(?![\w.])")


def text() -> str:
    return DOC.read_text(encoding="utf-8")


def repository_files() -> list[pathlib.Path]:
    return [p for p in ROOT.rglob("*") if not ({".git", ".venv", "node_modules"} & set(p.relative_to(ROOT).parts))]


def named_paths() -> list[str]:
    found = {m.rstrip(".,:;") for m in PATH.findall(text())}
    found |= {m for m in LINK.findall(text()) if "://" not in m}
    return sorted(p for p in found if not p.startswith(GENERATED))


def exists(path: str) -> bool:
    if "NN" in path or "*" in path:
        pattern = path.replace("NN", "[0-9][0-9]").replace("name", "*").rstrip("/")
        return any(ROOT.glob(pattern))
    return (ROOT / path).exists()


@pytest.mark.parametrize("path", named_paths())
def test_every_path_exists(path):
    assert exists(path), f"CONTRIBUTING.md names {path}, which is not in the repository"


def test_every_file_named_alone_exists():
    names = {p.name for p in repository_files()}
    missing = sorted(set(BARE.findall(text())) - names)
    assert not missing, f"CONTRIBUTING.md names files that are nowhere in the repository: {missing}"


def resolve(dotted: str):
    """The module, or the attribute of a module, that a dotted name from labkit names."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        module = ".".join(parts[:cut])
        if (ROOT / pathlib.Path(*parts[:cut])).with_suffix(".py").exists() or \
                (ROOT / pathlib.Path(*parts[:cut]) / "__init__.py").exists():
            thing = importlib.import_module(module)
            for attribute in parts[cut:]:
                thing = getattr(thing, attribute)
            return thing
    raise LookupError(dotted)


@pytest.mark.parametrize("dotted", sorted({d for d in DOTTED.findall(text()) if "NN" not in d}))
def test_every_module_and_attribute_exists(dotted):
    try:
        resolve(dotted)
    except (LookupError, AttributeError, ImportError) as error:
        pytest.fail(f"CONTRIBUTING.md names {dotted}, which labkit does not have ({error})", pytrace=False)


def test_every_test_named_is_defined():
    defined = set()
    for path in (ROOT / "tests").rglob("*.py"):
        defined |= {n.name for n in ast.walk(ast.parse(path.read_text(), str(path)))
                    if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}
    missing = sorted(set(TEST_NAME.findall(text())) - defined)
    assert not missing, f"CONTRIBUTING.md names tests that tests/ does not define: {missing}"


def test_the_checker_sees_names():
    """The patterns find what the document names (a document with no names would pass anything)."""
    assert {"labkit/sim/state.py", "labkit/sim/engine/drivers/", "tests/test_architecture.py"} <= set(named_paths())
    assert "labkit.rules" in DOTTED.findall(text()) and "README.md" in BARE.findall(text())
    assert not exists("labkit/sim/nosuch.py") and exists("notebooks/NN-name.ipynb")
    with pytest.raises(AttributeError):
        resolve("labkit.notebook.nosuch")


def test_the_readme_links_here():
    assert "](CONTRIBUTING.md)" in (ROOT / "README.md").read_text(encoding="utf-8")
