"""labkit's imports flow one way: no cycles, and no layer imports a layer above it.

The graph is read from the source with ast, so imports inside functions count as much as those
at the top of a module. An import of `labkit.x.y` (or `from labkit.x import y`) is an edge to
the module `labkit.x.y` when there is one, else to the package `labkit.x`. Importing a submodule
is not counted as importing its parent package's `__init__`.

The layers, from the top (a module may import its own layer and those below it):

    faces      labkit (the package), looking (draw and trace of what a learner holds), widgets, checks,
               cli, notebook, reachability (the matrix), grade, tracebacks (errors shown short in a
               notebook), hub (the class's JupyterHub spawner), predictions (a learner's, then revealed),
               faults (notebook 09's)
    lab        lab (the package), doctor, underlay (a host's own side: firewall, link, kernel)
    engines    engines
    tools      drawing, frame (a drawing's HTML), paths, trace, capture, hosts, system (commands,
               namespaces, /proc), images, iptables, launcher, picture, verdicts
    simulator  sim: the package (serve, World) -> server -> api -> shell and applets (inside
               containers) -> engine -> state (with the engine's errors)
    ground     model, rules, errors

Every module of labkit must be in a layer: a new module is placed in LAYERS (or SIM_LAYERS) here.

KNOWN is what today's code still does wrong, each entry an import edge or an unplaced module.
It must shrink to empty: a new offence fails, and so does an entry that is no longer true (take
it out of the list when the code no longer does it).
"""
from __future__ import annotations

import ast
import pathlib
from collections import defaultdict

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "labkit"

# (layer, modules): a module belongs to the first entry naming it or a package above it.
LAYERS = [
    ("faces", ["labkit", "labkit.looking", "labkit.widgets", "labkit.checks", "labkit.cli", "labkit.notebook",
               "labkit.reachability", "labkit.grade", "labkit.tracebacks", "labkit.hub", "labkit.predictions",
               "labkit.faults"]),
    ("lab", ["labkit.lab", "labkit.doctor", "labkit.underlay"]),
    ("engines", ["labkit.engines"]),
    ("tools", ["labkit.drawing", "labkit.frame", "labkit.paths", "labkit.trace", "labkit.capture", "labkit.hosts",
               "labkit.system", "labkit.images", "labkit.iptables", "labkit.launcher", "labkit.picture", "labkit.verdicts"]),
    ("simulator", ["labkit.sim"]),
    ("ground", ["labkit.model", "labkit.rules", "labkit.errors"]),
]
# Inside the simulator, from the top: the package itself (serve()), then its layers.
SIM_LAYERS = [
    ("sim", ["labkit.sim"]),
    ("sim server", ["labkit.sim.server"]),
    ("sim api", ["labkit.sim.api"]),
    ("sim shell", ["labkit.sim.runtime", "labkit.sim.shell", "labkit.sim.builtins", "labkit.sim.grammar",
                   "labkit.sim.arithmetic", "labkit.sim.parameters", "labkit.sim.applets"]),
    ("sim engine", ["labkit.sim.engine"]),
    ("sim state", ["labkit.sim.state", "labkit.sim.terminal", "labkit.sim.process", "labkit.sim.storage",
                   "labkit.sim.addresses", "labkit.sim.errors", "labkit.sim.firewall"]),
]

# Today's offences, to be removed as the code is fixed (issue 11): none left.
KNOWN_CYCLE_EDGES: set[tuple[str, str]] = set()
KNOWN_UPWARD: set[tuple[str, str]] = set()
KNOWN_UNPLACED: set[str] = set()


# -- the graph ------------------------------------------------------------------------------------
def modules(package: pathlib.Path = PACKAGE) -> dict[str, pathlib.Path]:
    """Every module of the package by dotted name (a package by its own name, for its __init__)."""
    found = {}
    for path in sorted(package.rglob("*.py")):
        parts = list(path.relative_to(package.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def imported(name: str, path: pathlib.Path, node: ast.Import | ast.ImportFrom, known) -> list[str]:
    """The modules of `known` that one import statement in module `name` (at `path`) imports."""
    if isinstance(node, ast.Import):
        wanted = [alias.name for alias in node.names]
    else:
        if node.level:
            base = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
            base = base[:len(base) - (node.level - 1)]
            target = ".".join(base + ([node.module] if node.module else []))
        else:
            target = node.module or ""
        # `from package import name`: the submodule when there is one, else the package.
        wanted = [f"{target}.{alias.name}" if f"{target}.{alias.name}" in known else target
                  for alias in node.names]
    found = []
    for dotted in wanted:
        while dotted and dotted not in known:   # import labkit.sim.api.x: the module that is
            dotted = dotted.rpartition(".")[0]
        if dotted and dotted != name:
            found.append(dotted)
    return found


def import_graph(package: pathlib.Path = PACKAGE) -> dict[str, set[str]]:
    """module -> the package's modules it imports, anywhere in its code."""
    known = modules(package)
    graph: dict[str, set[str]] = {name: set() for name in known}
    for name, path in known.items():
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                graph[name].update(imported(name, path, node, known))
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def cycle_edges(graph: dict[str, set[str]]) -> set[tuple[str, str]]:
    """The edges that lie on a cycle: both ends in the same strongly connected component."""
    component = {m: i for i, members in enumerate(cycles(graph)) for m in members}
    return {(a, b) for a, targets in graph.items() for b in targets
            if a in component and component.get(b) == component[a]}


def _place(name: str, layers) -> int | None:
    best = None
    for rank, (_, members) in enumerate(layers):
        for member in members:
            inside = name.startswith(member + ".") and member != "labkit"   # the package is itself only
            if (name == member or inside) and (best is None or len(member) > best[1]):
                best = (rank, len(member))
    return None if best is None else best[0]


def layer_of(name: str) -> tuple[int, int | None] | None:
    """(rank among LAYERS, rank among SIM_LAYERS inside the simulator), top first; None if unplaced.
    A simulator module that is in no SIM_LAYERS entry but the package itself is unplaced."""
    rank = _place(name, LAYERS)
    if rank is None:
        return None
    if name == "labkit.sim" or name.startswith("labkit.sim."):
        inner = _place(name, SIM_LAYERS)
        if inner == 0 and name != "labkit.sim":
            return None
        return rank, inner
    return rank, None


def upward(graph: dict[str, set[str]]) -> set[tuple[str, str]]:
    """The edges from a module to a layer above its own (inside the simulator: its sub-layers)."""
    found = set()
    for a, targets in graph.items():
        for b in targets:
            la, lb = layer_of(a), layer_of(b)
            if la is None or lb is None:
                continue
            if lb[0] < la[0] or (la[0] == lb[0] and la[1] is not None and lb[1] is not None and lb[1] < la[1]):
                found.add((a, b))
    return found


def unplaced(graph: dict[str, set[str]]) -> set[str]:
    return {name for name in graph if layer_of(name) is None}


# -- the tests ------------------------------------------------------------------------------------
GRAPH = import_graph()


def listing(edges) -> str:
    return "\n".join(f"  {a} -> {b}" for a, b in sorted(edges))


def test_no_new_import_cycle():
    new = cycle_edges(GRAPH) - KNOWN_CYCLE_EDGES
    assert not new, ("these imports close a cycle in labkit's import graph (imports inside functions "
                     "count): make one side independent of the other (a lower module, a callback)\n"
                     + listing(new))


def test_no_layer_imports_upward():
    new = upward(GRAPH) - KNOWN_UPWARD
    assert not new, ("these imports go up the layers (faces -> lab -> engines -> tools -> sim -> ground; "
                     "see this module's docstring): move the code down, or pass it in\n" + listing(new))


def test_every_module_has_a_layer():
    new = unplaced(GRAPH) - KNOWN_UNPLACED
    assert not new, ("these modules are in no layer: add each to LAYERS or SIM_LAYERS in "
                     "tests/test_architecture.py\n  " + "\n  ".join(sorted(new)))


def test_the_known_offences_shrink():
    """An entry of KNOWN_* that the code no longer does is taken out of the list."""
    gone = (KNOWN_CYCLE_EDGES - cycle_edges(GRAPH)) | (KNOWN_UPWARD - upward(GRAPH))
    placed = KNOWN_UNPLACED - unplaced(GRAPH)
    assert not gone and not placed, (
        "fixed, so take them out of KNOWN_CYCLE_EDGES / KNOWN_UPWARD / KNOWN_UNPLACED in "
        "tests/test_architecture.py:\n" + listing(gone) + "".join(f"\n  {m}" for m in sorted(placed)))


# -- the checker itself, on small packages --------------------------------------------------------
def make_package(tmp_path, files: dict[str, str]) -> pathlib.Path:
    for rel, text in files.items():
        path = tmp_path / "labkit" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return tmp_path / "labkit"


def test_imports_inside_functions_and_relative_imports_count(tmp_path):
    package = make_package(tmp_path, {
        "__init__.py": "from .lab import Lab\n",
        "lab.py": "from . import model\n\ndef f():\n    from .drawing import draw\n",
        "drawing.py": "import labkit.model as m\nfrom labkit import lab\n",
        "model.py": "",
        "sim/__init__.py": "from .server import serve\n",
        "sim/server.py": "def serve():\n    from ..model import X\n    from labkit.sim import api\n",
        "sim/api.py": "import json\nimport docker\n",
    })
    graph = import_graph(package)
    assert graph == {
        "labkit": {"labkit.lab"},
        "labkit.lab": {"labkit.model", "labkit.drawing"},
        "labkit.drawing": {"labkit.model", "labkit.lab"},
        "labkit.model": set(),
        "labkit.sim": {"labkit.sim.server"},
        "labkit.sim.server": {"labkit.model", "labkit.sim.api"},
        "labkit.sim.api": set(),
    }
    assert cycles(graph) == [["labkit.drawing", "labkit.lab"]]
    assert cycle_edges(graph) == {("labkit.lab", "labkit.drawing"), ("labkit.drawing", "labkit.lab")}
    assert upward(graph) == {("labkit.drawing", "labkit.lab")}


@pytest.mark.parametrize("name, place", [
    ("labkit", (0, None)), ("labkit.checks.nb01", (0, None)), ("labkit.lab.spec", (1, None)),
    ("labkit.engines", (2, None)), ("labkit.hosts", (3, None)), ("labkit.model", (5, None)),
    ("labkit.sim", (4, 0)), ("labkit.sim.server", (4, 1)), ("labkit.sim.api.routes.networks", (4, 2)),
    ("labkit.sim.applets.net", (4, 3)), ("labkit.sim.engine.drivers.bridge", (4, 4)),
    ("labkit.sim.state", (4, 5)), ("labkit.sim.errors", (4, 5)), ("labkit.sim.world", None),
    ("labkit.nothing", None),
])
def test_layers(name, place):
    assert layer_of(name) == place


def test_upward_inside_the_simulator():
    graph = {"labkit.sim.engine.ipam": {"labkit.sim.api", "labkit.sim.state", "labkit.model"},
             "labkit.sim.api": {"labkit.sim.engine.ipam"}, "labkit.sim.state": set(), "labkit.model": set(),
             "labkit.hosts": {"labkit.lab"}, "labkit.lab": set()}
    assert upward(graph) == {("labkit.sim.engine.ipam", "labkit.sim.api"), ("labkit.hosts", "labkit.lab")}
