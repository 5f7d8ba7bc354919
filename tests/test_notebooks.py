"""Every notebook in notebooks/, those there now and any added later: what a saved notebook must
be, and that it runs twice in a row in one kernel, on the simulator and on a real engine.

- Its kernel is `python3` (without a kernelspec JupyterLab stops at "Select Kernel").
- It is under 1 MB.
- Its code lines fit JupyterLab's code area at 1280x720 (CODE_WIDTH characters; WIDE: to do).
- It keeps its outputs: nbval compares them, so a code cell that shows something must have them
  stored. A cell shows something when it calls print(), display() or a function of the notebook
  that prints (other than inside a function it defines), or ends in an expression (other than a
  call to a function of the notebook that prints nothing); a cell that only defines, assigns or
  holds a comment (an exercise's starting point) may have none. A cell that shows nothing on
  purpose anyway is tagged `no-output`. And at least half of the code cells have outputs.
- It runs top to bottom twice in a row in ONE kernel without an error: a learner re-runs a
  notebook without restarting, so it must start clean by itself. On the simulator, and on a real
  engine: a fresh private one (labkit.hosts, prefix "lkn1") for both runs of a notebook. Outputs
  are not compared here (nbval does that, tests/run_all.py): on a real engine addresses move on
  between the runs (pools rotate).

- It has at least two exercises, each a cell to fill in ("# your code here"), a cell that calls
  its check (labkit.checks.nbNN.exercise_N) and a Solution. (The stored notebook, with nothing
  filled in, is what nbval checks: every check there says "not yet".)
- A learner's flow says right for every exercise, on the simulator and on a real engine (a fresh
  private one, prefix "lkn1"): Run All, then for each exercise its Solution's code typed into a
  new cell and run, then its check in another new cell. So Run All must leave the exercises
  workable: no clean-up at the end that removes what they need. The figures (how many checks said
  right, per engine) are printed at the end of the module.

How long all notebooks take under nbval on the simulator (the target is under 60 s in total) is a
benchmark, not a test: `python bench/notebooks_sim.py` (it prints the time per notebook).
"""
from __future__ import annotations

import ast
import collections
import glob
import os
import re

import nbformat
import pytest
from IPython.core.inputtransformer2 import TransformerManager
from nbclient import NotebookClient

from tests.engines import StopsNewHostSets
from tests.figures import report
from tests.results import RIGHT, said

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NOTEBOOK_DIR = os.path.join(ROOT, "notebooks")
NOTEBOOKS = sorted(glob.glob(os.path.join(NOTEBOOK_DIR, "*.ipynb")))
MAX_BYTES = 1_000_000
CELL_TIMEOUT = 300          # seconds: a real engine's cell can wait on several timeouts
PREFIX = "lkn1"             # the private real engine's labkit.hosts set
NO_OUTPUT_TAG = "no-output"


def notebook_id(path: str) -> str:
    return os.path.basename(path)


@pytest.fixture(params=NOTEBOOKS, ids=notebook_id)
def path(request) -> str:
    return request.param


def read(path: str) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def code_cells(nb) -> list:
    return [cell for cell in nb.cells if cell.cell_type == "code"]


# -- what a saved notebook is ----------------------------------------------------------------------
def test_there_are_notebooks():
    assert NOTEBOOKS, f"no notebooks in {NOTEBOOK_DIR}"


def test_kernel_is_python3(path):
    spec = read(path).metadata.get("kernelspec") or {}
    assert spec.get("name") == "python3", f"kernelspec {spec!r}: give it the kernel name python3"


def test_under_one_megabyte(path):
    size = os.path.getsize(path)
    assert size < MAX_BYTES, f"{size:,} bytes: a saved notebook must stay under {MAX_BYTES:,}"


# Characters of a code line JupyterLab shows at 1280x720 with its file browser open (as a Binder
# opens): the code area is 846 px, 7.83 px a character (measured in Chromium); a longer line is cut
# at the right edge and the cell scrolls sideways. WIDE lists the notebooks that still have such
# lines (to do); one that no longer has any must leave the list.
CODE_WIDTH = 106
WIDE = frozenset({"01-default-bridge.ipynb", "02-user-defined-bridges.ipynb", "03-publishing-ports.ipynb",
                  "06-overlay-across-hosts.ipynb", "08-under-the-hood.ipynb", "09-break-and-fix.ipynb",
                  "10-capstone.ipynb"})


def test_code_lines_fit_the_screen(path):
    wide = [(i, line) for i, cell in enumerate(read(path).cells) if cell.cell_type == "code"
            for line in cell.source.splitlines() if len(line) > CODE_WIDTH]
    if os.path.basename(path) in WIDE:
        assert wide, f"{os.path.basename(path)}: every code line fits now: remove it from WIDE"
    else:
        assert not wide, (f"code lines wider than {CODE_WIDTH} characters (cut at 1280 px; break them): "
                          + "; ".join(f"cell {i}: {line.strip()[:60]}..." for i, line in wide))


PRINTERS = frozenset({"print", "display"})


def parse(source: str) -> ast.Module | None:
    try:
        return ast.parse(TransformerManager().transform_cell(source))
    except SyntaxError:
        return None


def _calls_in(nodes, names) -> bool:
    """Whether the code calls one of `names`, outside the functions and classes it defines."""
    todo = list(nodes)
    while todo:
        node = todo.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in names:
            return True
        todo.extend(ast.iter_child_nodes(node))
    return False


def notebook_functions(sources) -> tuple[set[str], set[str]]:
    """The functions the notebook defines at the top of its cells, and those of them that print
    (call print, display or another such function)."""
    defs = {}
    for source in sources:
        tree = parse(source)
        for node in tree.body if tree else ():
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                defs[node.name] = node.body
    printers = set(PRINTERS)
    changed = True
    while changed:
        changed = False
        for name, body in defs.items():
            if name not in printers and _calls_in(body, printers):
                printers.add(name)
                changed = True
    return set(defs), printers


def shows_something(source: str, defined: set[str] = frozenset(), printers=PRINTERS) -> bool:
    """Whether a cell's code displays anything: it calls print(), display() or a function of the
    notebook that does (not only inside a function or class it defines), or its last statement
    is an expression (but for a call to a function of the notebook that prints nothing)."""
    tree = parse(source)
    if tree is None:
        return True   # cannot tell: it should have outputs
    last = tree.body[-1] if tree.body else None
    if isinstance(last, ast.Expr):
        call = last.value
        quiet = (isinstance(call, ast.Call) and isinstance(call.func, ast.Name)
                 and call.func.id in defined and call.func.id not in printers)
        if not quiet:
            return True
    return _calls_in(tree.body, printers)


def test_shows_something():
    assert shows_something("print(1)") and shows_something("lab.ping('a', 'b')")
    assert shows_something("for x in y:\n    print(x)") and shows_something("%time f()")
    assert not shows_something("# your code here") and not shows_something("x = None  # here")
    assert not shows_something("def f():\n    print(1)\n_ = lab.reset()")
    defined, printers = notebook_functions(["def cli():\n    print(1)\ndef sh():\n    cli()\n",
                                            "def clean_up():\n    lab.reset()"])
    assert printers == {"print", "display", "cli", "sh"}
    assert shows_something("x = 1\nsh()", defined, printers)
    assert shows_something("sh()\nx = 1", defined, printers)
    assert not shows_something("clean_up()", defined, printers)


def test_keeps_its_outputs(path):
    cells = code_cells(read(path))
    defined, printers = notebook_functions(cell.source for cell in cells)
    missing = [i for i, cell in enumerate(cells)
               if not cell.get("outputs") and cell.source.strip()
               and NO_OUTPUT_TAG not in (cell.metadata.get("tags") or [])
               and shows_something(cell.source, defined, printers)]
    assert not missing, (f"code cells {missing} (counting code cells from 0) show something but have no "
                         f"stored outputs: run the notebook and save it with its outputs (or tag a cell "
                         f"{NO_OUTPUT_TAG!r})")
    with_outputs = sum(1 for cell in cells if cell.get("outputs"))
    assert with_outputs * 2 >= len(cells), f"only {with_outputs} of {len(cells)} code cells have outputs"


# -- running twice in one kernel ---------------------------------------------------------------------
def run_twice(path: str) -> None:
    """Execute every cell of the notebook, then all of them again, in one kernel (working folder
    notebooks/, this checkout's labkit first on the path). Raises nbclient's CellExecutionError,
    which names the cell and shows the traceback, at the first error."""
    nb = read(path)
    client = NotebookClient(nb, kernel_name="python3", timeout=CELL_TIMEOUT, allow_errors=False,
                            store_widget_state=False, record_timing=False)
    with client.setup_kernel(cwd=NOTEBOOK_DIR):
        for _ in range(2):
            for index, cell in enumerate(nb.cells):
                client.execute_cell(cell, index)


@pytest.fixture
def kernel_env(monkeypatch):
    """The kernel inherits this process's environment: labkit from this checkout."""
    monkeypatch.setenv("PYTHONPATH", ROOT + (os.pathsep + os.environ["PYTHONPATH"]
                                             if os.environ.get("PYTHONPATH") else ""))
    return monkeypatch


def test_runs_twice_in_one_kernel_on_the_simulator(path, kernel_env):
    kernel_env.setenv("LABKIT_ENGINE", "sim")
    kernel_env.delenv("DOCKER_HOST", raising=False)
    run_twice(path)


@pytest.mark.docker
@pytest.mark.root
def test_runs_twice_in_one_kernel_on_a_real_engine(path, kernel_env, private_engines):
    from labkit import hosts
    with StopsNewHostSets():   # the hosts of a notebook's labkit.cluster outlive its kernel
        host = hosts.fresh_engine(PREFIX)
        try:
            kernel_env.setenv("LABKIT_ENGINE", "docker")
            kernel_env.setenv("DOCKER_HOST", host.url)
            run_twice(path)
        finally:
            host.stop()


# -- exercises -----------------------------------------------------------------------------------------
CHECK_CALL = re.compile(r"\bnb\d\d\.exercise_\d+\(")
TO_FILL = "# your code here"
SOLUTION = "<summary>Solution</summary>"
SOLUTION_CODE = re.compile(r"```python\n(.+?)```", re.S)   # the code a Solution gives


def exercises(nb) -> list[tuple[int, int, int]]:
    """(cell to fill, check cell, solution cell) of each exercise, by cell index: the check follows
    the cell to fill, and the solution follows the check."""
    found = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and CHECK_CALL.search(cell.source):
            fill = next((j for j in range(i - 1, -1, -1) if nb.cells[j].cell_type == "code"), None)
            solution = next((j for j in range(i + 1, len(nb.cells)) if nb.cells[j].cell_type == "markdown"
                             and SOLUTION in nb.cells[j].source), None)
            found.append((fill, i, solution))
    return found


def test_has_exercises_with_solutions(path):
    nb = read(path)
    found = exercises(nb)
    assert len(found) >= 2, f"{len(found)} exercise(s): each notebook has at least two"
    for fill, check, solution in found:
        assert fill is not None and TO_FILL in nb.cells[fill].source, \
            f"cell {check} checks an exercise; the code cell before it should be the one to fill ({TO_FILL!r})"
        assert solution is not None and SOLUTION_CODE.search(nb.cells[solution].source), \
            f"cell {check} checks an exercise; a Solution with a python block should follow it"


# -- a learner's flow ----------------------------------------------------------------------------------
def learner_flow(path: str) -> list[tuple[str, str]]:
    """Play a learner: Run All (every cell as saved, top to bottom: an error there fails), then for
    each exercise in turn a new cell with its Solution's code, run, and a new cell with its check's
    code, run. Returns (exercise, what the check printed) for each exercise; when the solution or
    the check raised, what is printed is the error."""
    nb = read(path)
    found = [(SOLUTION_CODE.search(nb.cells[solution].source).group(1), nb.cells[check].source)
             for _, check, solution in exercises(nb)]
    client = NotebookClient(nb, kernel_name="python3", timeout=CELL_TIMEOUT, allow_errors=False,
                            store_widget_state=False, record_timing=False)
    told = []
    with client.setup_kernel(cwd=NOTEBOOK_DIR):
        for index, cell in enumerate(list(nb.cells)):
            client.execute_cell(cell, index)
        client.allow_errors = True
        for number, (solution, check) in enumerate(found, 1):
            printed = ""
            for source in (solution, check):
                nb.cells.append(nbformat.v4.new_code_cell(source))
                client.execute_cell(nb.cells[-1], len(nb.cells) - 1)
                printed = shown(nb.cells[-1])
                if any(out.output_type == "error" for out in nb.cells[-1].outputs):
                    break
            told.append((f"exercise {number}", printed))
    return told


def shown(cell) -> str:
    """What a cell showed: its streams, results and errors, as text."""
    parts = []
    for out in cell.outputs:
        if out.output_type == "stream":
            parts.append(out.text)
        elif out.output_type == "error":
            parts.append(f"{out.ename}: {out.evalue}")
        else:
            parts.append("".join(out.get("data", {}).get("text/plain", "")))
    return "".join(parts)


LEARNER_FLOW: collections.Counter = collections.Counter()   # checks that said right / not, per engine


@pytest.fixture(scope="module", autouse=True)
def learner_flow_figures(request):
    yield
    report(request.config, "learner flow (exercises right after Run All)", LEARNER_FLOW)


def assert_every_check_says_right(path: str, engine: str) -> None:
    told = learner_flow(path)
    wrong = [(exercise, text) for exercise, text in told if said(text) != RIGHT]
    LEARNER_FLOW[f"{engine} right"] += len(told) - len(wrong)
    LEARNER_FLOW[f"{engine} of"] += len(told)
    assert not wrong, (f"{len(wrong)} of {len(told)} exercises are not right after Run All and the "
                       f"Solution typed in:\n" + "\n".join(f"{exercise}: {text.strip()}" for exercise, text in wrong))


def test_learner_flow_on_the_simulator(path, kernel_env):
    kernel_env.setenv("LABKIT_ENGINE", "sim")
    kernel_env.delenv("DOCKER_HOST", raising=False)
    assert_every_check_says_right(path, "sim")


@pytest.mark.docker
@pytest.mark.root
def test_learner_flow_on_a_real_engine(path, kernel_env, private_engines):
    from labkit import hosts
    with StopsNewHostSets():
        host = hosts.fresh_engine(PREFIX)
        try:
            kernel_env.setenv("LABKIT_ENGINE", "docker")
            kernel_env.setenv("DOCKER_HOST", host.url)
            assert_every_check_says_right(path, "docker")
        finally:
            host.stop()
