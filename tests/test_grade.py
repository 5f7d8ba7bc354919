"""Results that travel with the notebook, and `labkit grade` over a class's folders.

A class is made as learners make it: notebook 01 run on the simulator with nbclient (Run All), then
each exercise's solution typed into a new cell and its check run below it, and saved (alice); a
learner who only ran it (carol); one who only opened it (bob: the notebook as shipped). Their
folders are graded without running them, and with --rerun.
"""
from __future__ import annotations

import copy
import csv
import glob
import io
import json
import os
import re
import shutil
import tempfile

import docker
import nbformat
import pytest
from IPython.core.interactiveshell import InteractiveShell
from nbclient import NotebookClient

from labkit import Lab, cli, grade, sim
from labkit.checks import Result, nb00, record
from tests.engines import nbval

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NB01 = os.path.join(ROOT, "notebooks", "01-default-bridge.ipynb")
CHECK_CALL = re.compile(r"\bnb(\d\d)\.(exercise_\d+)\(")
SOLUTION_CODE = re.compile(r"<summary>Solution</summary>.*?```python\n(.+?)```", re.S)


# -- the record a check leaves -----------------------------------------------------------------------
def shown(obj) -> tuple[dict, dict]:
    """What IPython puts in a cell's output for `obj`: (data, metadata)."""
    return InteractiveShell.instance().display_formatter.format(obj)


def test_a_check_shown_in_a_cell_leaves_its_record_in_the_outputs_metadata():
    data, metadata = shown(nb00.exercise_1({}))
    assert set(data) == {"text/plain", "text/html"} and data["text/plain"].startswith("✘ Exercise 1")
    rec = metadata[record.KEY]
    assert rec["kind"] == "check" and rec["check"] == "nb00.exercise_1" and rec["notebook"] == "00"
    assert rec["exercise"] == "Exercise 1" and rec["title"] == "Exercise 1: which driver?"
    assert rec["result"] == "not yet" and rec["seen"] and rec["hint"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", rec["when"])
    server = sim.serve(sim.World())
    lab = Lab(docker.DockerClient(base_url=server.url, version="1.41"), name="nb00")
    try:
        lab.container("batch", network_mode="none")   # the exercise's solution
        lab.network("pair")
        for name in ("ask", "tell"):
            lab.container(name, networks=["pair"])
        rec = shown(nb00.exercise_1(lab))[1][record.KEY]
    finally:
        lab.client.close()
        server.close()
    assert rec["result"] == "right" and rec["hint"] == ""


def test_every_check_names_itself():
    for ex in grade.exercises():
        module = __import__(f"labkit.checks.nb{ex.number}", fromlist=["x"])
        function = getattr(module, ex.check.split(".")[1])
        assert getattr(function, "check", None) == ex.check, f"{ex.check} is not marked with record.recorded"


def test_a_result_made_by_hand_leaves_no_record():
    data, metadata = shown(Result("Exercise 9: made by hand", True, ["x"]))
    assert "text/plain" in data and metadata == {}


def test_a_prediction_leaves_its_record_and_says_it_in_one_line():
    data, metadata = shown(record.prediction("02", "Can a ping b?", "yes"))
    assert data == {"text/plain": "Your prediction (Can a ping b?): yes"}
    assert metadata[record.KEY]["kind"] == "prediction" and metadata[record.KEY]["answer"] == "yes"
    data, metadata = shown(record.prediction("02", "Can a ping b?", None))
    assert data["text/plain"].endswith("not made yet") and metadata[record.KEY]["answer"] is None


PREDICTION_CELL = """\
import IPython.display
from labkit.checks import record
handle = IPython.display.display(record.prediction("02", "Can a ping b?", None), display_id=True)
"""


def test_a_prediction_updated_from_a_callback_replaces_its_record(tmp_path):
    """A widget's click updates the shown prediction by its display id: the saved output then holds
    the answer, metadata included (nbclient applies update_display_data as JupyterLab does)."""
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(PREDICTION_CELL),
                                         nbformat.v4.new_code_cell(
                                             'handle.update(record.prediction("02", "Can a ping b?", "no"))')])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    NotebookClient(nb, kernel_name="python3", timeout=60, resources={"metadata": {"path": str(tmp_path)}}).execute()
    [rec] = record.read(nb)
    assert rec["kind"] == "prediction" and rec["answer"] == "no" and rec["cell"] == 0
    assert nb.cells[0].outputs[0]["data"]["text/plain"] == "Your prediction (Can a ping b?): no"


def test_shipped_notebooks_carry_no_records():
    for name in sorted(os.listdir(os.path.join(ROOT, "notebooks"))):
        if name.endswith(".ipynb"):
            nb = nbformat.read(os.path.join(ROOT, "notebooks", name), as_version=4)
            assert record.read(nb) == [], f"{name} carries check records: regenerate it (tests/regenerate_notebooks.py strips them)"


NBVAL_CHECK = "from labkit.checks import nb00\nnb00.exercise_1({})\n"


def test_nbval_compares_a_checks_output_whatever_the_time_in_its_record(tmp_path):
    """The stored output's record says another time than the run will: nbval still passes."""
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(NBVAL_CHECK)])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    NotebookClient(nb, kernel_name="python3", timeout=60, resources={"metadata": {"path": str(tmp_path)}}).execute()
    [out] = nb.cells[0].outputs
    assert out["metadata"][record.KEY]["check"] == "nb00.exercise_1"
    out["metadata"][record.KEY]["when"] = "2001-01-01T00:00:00Z"
    path = tmp_path / "stored.ipynb"
    nbformat.write(nb, str(path))
    run = nbval(path)
    assert run.returncode == 0, run.stdout[-3000:]
    assert "1 passed" in run.stdout
    # and the comparison is a real one: a changed text fails
    out["data"]["text/plain"] = "✔ Exercise 1: which driver?: right"
    nbformat.write(nb, str(path))
    run = nbval(path)
    assert run.returncode == 1 and "1 failed" in run.stdout


# -- a class made by learners' flows ---------------------------------------------------------------
def checks_and_solutions(nb) -> list[tuple[int, str]]:
    """(check cell, its Solution's code) of each exercise of a notebook."""
    found = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and CHECK_CALL.search(cell.source):
            solution = next(SOLUTION_CODE.search(c.source) for c in nb.cells[i + 1:]
                            if c.cell_type == "markdown" and SOLUTION_CODE.search(c.source))
            found.append((i, solution.group(1)))
    return found


def said(cell) -> str:
    return "".join("".join(out.get("data", {}).get("text/plain", "")) for out in cell.outputs)


def play_learner(path: str, solve: bool) -> nbformat.NotebookNode:
    """A learner's flow on the simulator: Run All; then, when `solve`, each exercise's solution in
    a new cell at the end and its check in the cell below (what a learner types). The notebook as
    the learner saves it."""
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, kernel_name="python3", timeout=300, store_widget_state=False,
                            record_timing=False)
    with client.setup_kernel(cwd=os.path.dirname(path)):
        for index, cell in enumerate(nb.cells):
            client.execute_cell(cell, index)
        if solve:
            for check, solution in checks_and_solutions(copy.deepcopy(nb)):
                for source in (solution, nb.cells[check].source):
                    nb.cells.append(nbformat.v4.new_code_cell(source))
                    client.execute_cell(nb.cells[-1], len(nb.cells) - 1)
    return nb


@pytest.fixture(scope="module")
def classroom(tmp_path_factory):
    """Folders of four learners: alice did 01's exercises, carol only ran 01, bob only opened it,
    dave's folder holds a broken file and a notebook of another course beside an opened 01."""
    old = {k: os.environ.get(k) for k in ("LABKIT_ENGINE", "DOCKER_HOST", "PYTHONPATH")}
    os.environ["LABKIT_ENGINE"] = "sim"
    os.environ.pop("DOCKER_HOST", None)
    os.environ["PYTHONPATH"] = ROOT + (os.pathsep + old["PYTHONPATH"] if old["PYTHONPATH"] else "")
    try:
        top = tmp_path_factory.mktemp("class")
        for learner in ("alice", "bob", "carol", "dave"):
            (top / learner).mkdir()
        nbformat.write(play_learner(NB01, solve=True), str(top / "alice" / "01-default-bridge.ipynb"))
        nbformat.write(play_learner(NB01, solve=False), str(top / "carol" / "01-default-bridge.ipynb"))
        shutil.copy(NB01, top / "bob")
        shutil.copy(NB01, top / "dave" / "01 my copy.ipynb")
        (top / "dave" / "notes.ipynb").write_text('{"cells": [ oops')
        foreign = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1")])
        foreign.cells[0].outputs = [nbformat.v4.new_output("execute_result", {"text/plain": "1"}, execution_count=1,
                                                           metadata={record.KEY: {"kind": "check", "check": "nb42.exercise_1",
                                                                                  "result": "right", "when": "x"}})]
        nbformat.write(foreign, str(top / "dave" / "other-course.ipynb"))
        (top / "dave" / ".ipynb_checkpoints").mkdir()
        (top / "dave" / ".ipynb_checkpoints" / "junk.ipynb").write_text("not json")
        yield top
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def by_key(rows) -> dict:
    return {(r.learner, r.check): r for r in rows}


def what_the_checks_said(path) -> dict[str, str]:
    """Per check, what the learner's last check cell of it showed: right or not yet."""
    nb = nbformat.read(str(path), as_version=4)
    last = {}
    for cell in nb.cells:
        found = CHECK_CALL.search(cell.source) if cell.cell_type == "code" else None
        if found and said(cell):
            last[f"nb{found.group(1)}.{found.group(2)}"] = "right" if said(cell).startswith("✔") else "not yet"
    return last


def test_the_grade_sheet_of_a_class(classroom):
    problems = []
    folders = [str(classroom / name) for name in ("alice", "bob", "carol", "dave")]
    rows = grade.sheet(folders, problems=problems)
    course = grade.exercises()
    assert len(rows) == 4 * len(course) and len(course) >= 20
    assert {ex.notebook for ex in course} >= {"00-start-here", "01-default-bridge", "08-under-the-hood"}
    rows = by_key(rows)
    nb01 = [ex.check for ex in course if ex.number == "01"]
    assert nb01 == ["nb01.exercise_1", "nb01.exercise_2", "nb01.exercise_3"]

    # alice: each exercise as her checks said it, the last time she ran each
    alice = what_the_checks_said(classroom / "alice" / "01-default-bridge.ipynb")
    assert set(alice) == set(nb01)
    assert alice["nb01.exercise_1"] == alice["nb01.exercise_2"] == "right"
    for check in nb01:
        row = rows[("alice", check)]
        assert (row.notebook, row.result) == ("01-default-bridge", alice[check])
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", row.last_checked) and row.seen
    assert "ex-one pings ex-two" in rows[("alice", "nb01.exercise_1")].seen
    # carol ran the notebook: every check of 01 said not yet
    for check in nb01:
        assert rows[("carol", check)].result == "not yet" and rows[("carol", check)].last_checked
    # bob opened it only; nobody touched the other notebooks
    for ex in course:
        assert rows[("bob", ex.check)].result == "not tried" and rows[("bob", ex.check)].last_checked == ""
        if ex.number != "01":
            assert all(rows[(who, ex.check)].result == "not tried" for who in ("alice", "carol", "dave"))
    # dave: a clear line for each bad file, and his rows anyway
    assert all(rows[("dave", check)].result == "not tried" for check in nb01)
    assert len(problems) == 2, problems
    assert any(p.startswith("dave/notes.ipynb: not a notebook (broken JSON") for p in problems)
    assert any(p.startswith("dave/other-course.ipynb: records of exercises this labkit does not check (nb42.exercise_1)")
               for p in problems)


def test_labkit_grade_writes_csv_and_json(classroom, tmp_path, capsys):
    out = tmp_path / "sheet.csv"
    assert cli.main(["grade", str(classroom / "alice"), str(classroom / "dave"), "--out", str(out)]) == 0
    err = capsys.readouterr().err
    assert "labkit: grade: dave/notes.ipynb: not a notebook" in err and f"written to {out}" in err
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    assert list(rows[0]) == ["learner", "notebook", "exercise", "result", "last_checked", "seen"]
    assert {r["learner"] for r in rows} == {"alice", "dave"}
    first = next(r for r in rows if r["learner"] == "alice" and r["notebook"] == "01-default-bridge")
    assert first["exercise"] == "Exercise 1" and first["result"] == "right"

    assert cli.main(["grade", str(classroom / "bob"), "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows and all(r["learner"] == "bob" and r["result"] == "not tried" for r in rows)


def test_labkit_grade_refuses_a_folder_that_is_not_there(tmp_path, capsys):
    assert cli.main(["grade", str(tmp_path / "nobody")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("labkit: error: cannot grade ") and "no such folder" in err


def test_rerun_grades_what_the_notebooks_do_not_what_they_claim(classroom, tmp_path):
    """A saved notebook whose record was edited to say right: read, it says right; run again in a
    sandbox on the simulator, its check says not yet. alice's rerun agrees with her saved checks."""
    forged = tmp_path / "mallory"
    forged.mkdir()
    nb = nbformat.read(NB01, as_version=4)
    check = next(i for i, c in enumerate(nb.cells) if c.cell_type == "code" and "nb01.exercise_1(" in c.source)
    nb.cells[check].outputs = [nbformat.v4.new_output(
        "execute_result", {"text/plain": "✔ right"}, execution_count=1,
        metadata={record.KEY: {"kind": "check", "check": "nb01.exercise_1", "result": "right",
                               "when": "2001-01-01T00:00:00Z", "seen": ["trust me"]}})]
    nbformat.write(nb, str(forged / "01-default-bridge.ipynb"))
    assert by_key(grade.sheet([str(forged)]))[("mallory", "nb01.exercise_1")].result == "right"

    sandboxes = set(glob.glob(os.path.join(tempfile.gettempdir(), "labkit-grade-*")))   # an older run's, killed
    problems = []
    rows = by_key(grade.sheet([str(forged), str(classroom / "alice")], rerun=True, problems=problems))
    assert problems == []
    row = rows[("mallory", "nb01.exercise_1")]
    assert row.result == "not yet" and row.last_checked > "2001" and "trust me" not in row.seen
    alice = what_the_checks_said(classroom / "alice" / "01-default-bridge.ipynb")
    assert {check: rows[("alice", check)].result for check in alice} == alice
    left = set(glob.glob(os.path.join(tempfile.gettempdir(), "labkit-grade-*"))) - sandboxes
    assert not left, f"a sandbox folder was left behind: {sorted(left)}"


def test_the_instructors_notebook_shows_the_class(classroom, tmp_path, monkeypatch):
    """class/instructor.ipynb, run in the instructor's home beside the learners' (the hub's
    layout): the class as a table and a plot, and the sheet as class.csv."""
    home = classroom / "instructor"
    home.mkdir(exist_ok=True)
    monkeypatch.setenv("LABKIT_CLASS_HOMES", str(classroom))
    monkeypatch.setenv("HOME", str(home))
    nb = nbformat.read(os.path.join(ROOT, "class", "instructor.ipynb"), as_version=4)
    NotebookClient(nb, kernel_name="python3", timeout=120, resources={"metadata": {"path": str(home)}}).execute()
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    first = said_text(code[0])
    assert first.startswith(f"4 learners in {classroom}\n") and "could not read dave/notes.ipynb" in first
    table = code[1].outputs[0]["data"]["text/html"]
    assert table.count("<tr>") == 1 + 4 and "<th style='text-align:left'>alice</th>" in table and "✔" in table
    assert "image/png" in code[2].outputs[0]["data"]
    rows = list(csv.DictReader(open(home / "class.csv", encoding="utf-8")))
    assert {r["learner"] for r in rows} == {"alice", "bob", "carol", "dave"}
    shutil.rmtree(home)   # the other tests' class has no instructor


def said_text(cell) -> str:
    return "".join(out.get("text", "") for out in cell.outputs if out.get("output_type") == "stream")
