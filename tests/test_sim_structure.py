"""The simulated engine's code stays readable: every module small enough to read whole, imports at
the top of a module (none hidden in a function or a condition to dodge a cycle), no private
attribute reached from another module. Its layers and their import order: test_architecture.py.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

SIM = Path(__file__).resolve().parent.parent / "labkit" / "sim"
SOURCES = sorted(SIM.rglob("*.py"))
MAX_LINES = 600


def tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(), str(path))


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(SIM)))
def test_module_is_small_enough_to_read_whole(path):
    lines = len(path.read_text().splitlines())
    assert lines <= MAX_LINES, f"{path.relative_to(SIM)} has {lines} lines (at most {MAX_LINES})"


def test_imports_only_at_the_top_of_a_module():
    found = []
    for path in SOURCES:
        for node in ast.walk(tree(path)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.If, ast.Try)):
                found += [f"{path.relative_to(SIM)}:{inner.lineno}" for inner in ast.walk(node)
                          if isinstance(inner, (ast.Import, ast.ImportFrom))]
    assert not found, "imports inside functions, classes or conditions: " + ", ".join(sorted(set(found)))


def test_no_private_attribute_reached_from_another_module():
    found = []
    for path in SOURCES:
        module = tree(path)
        own = {n.name for n in ast.walk(module) if isinstance(n, (ast.ClassDef, ast.FunctionDef))}
        for node in ast.walk(module):
            if isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__"):
                base = node.value
                if isinstance(base, ast.Name) and (base.id in ("self", "cls") or base.id in own):
                    continue
                found.append(f"{path.relative_to(SIM)}:{node.lineno} .{node.attr}")
    assert not found, "private attributes reached from outside their module: " + ", ".join(found)
