"""Predictions (labkit.predict): taken before a reveal, said right or not after it, kept in the saved
notebook and listed by `labkit grade --predictions`; a notebook holding them passes nbval after Run
All, whatever was clicked.
"""
from __future__ import annotations

import json
import subprocess

import nbformat
import pytest
from IPython.core.interactiveshell import InteractiveShell
from nbclient import NotebookClient

import labkit
from labkit import grade
from labkit.checks import record
from labkit.predictions import PredictionError
from tests.engines import LABKIT, labkit_env, nbval

QUESTION = "Can a (on net1) ping b (on net2)?"


def shown(obj) -> tuple[dict, dict]:
    return InteractiveShell.instance().display_formatter.format(obj)


def test_a_prediction_then_its_reveal():
    p = labkit.predict("nb02.isolation", QUESTION, ["yes", "no"])
    assert repr(p) == f"Your prediction ({QUESTION}): not made yet"
    p.answer("No")                                   # matched without case
    assert p.given == "no" and repr(p) == f"Your prediction ({QUESTION}): no"
    data, metadata = shown(p.reveal(False))          # False: "no" among yes/no
    assert data == {"text/plain": f"Your prediction ({QUESTION}): no. Right: it is no."}
    rec = metadata[record.KEY]
    assert (rec["kind"], rec["prediction"], rec["notebook"], rec["answer"], rec["truth"], rec["right"]) == (
        "prediction", "nb02.isolation", "02", "no", "no", True)
    assert rec["when"] <= rec["revealed"]
    with pytest.raises(PredictionError, match="revealed already"):
        p.answer("yes")


def test_a_wrong_prediction_and_none_at_all():
    p = labkit.predict("nb03.proxy", "Who answers 127.0.0.1:8080 on the host?", ["DNAT", "docker-proxy"],
                       answer="DNAT")
    said = p.reveal("docker-proxy")
    assert repr(said).endswith("DNAT. Not this time: it is docker-proxy.") and said.record()["right"] is False
    unanswered = labkit.predict("nb03.proxy", "Who answers?", ["DNAT", "docker-proxy"]).reveal("docker-proxy")
    assert repr(unanswered).startswith("You made no prediction before this reveal (Who answers?): it is docker-proxy.")
    assert unanswered.record()["answer"] is None and unanswered.record()["right"] is False


def test_bad_predictions_are_refused_with_what_to_do():
    with pytest.raises(PredictionError, match="start it with the notebook's lab"):
        labkit.predict("isolation", QUESTION, ["yes", "no"])
    with pytest.raises(PredictionError, match="two or more different answers"):
        labkit.predict("nb02.x", QUESTION, ["yes"])
    with pytest.raises(PredictionError, match="'maybe' is not one of the choices: yes, no"):
        labkit.predict("nb02.x", QUESTION).answer("maybe")


CELLS = [
    'import labkit\np = labkit.predict("nb02.isolation", "Can a ping b?", ["yes", "no"])\np',
    "",                                       # the learner's click (or nothing, as in Run All)
    'p.reveal("no")',
]


def notebook(click: str = "") -> nbformat.NotebookNode:
    cells = [nbformat.v4.new_code_cell(c) for c in CELLS]
    cells[1].source = click
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nb


def execute(nb, folder) -> nbformat.NotebookNode:
    client = NotebookClient(nb, kernel_name="python3", timeout=60, resources={"metadata": {"path": str(folder)}})
    with client.setup_kernel(env=labkit_env()):
        for index, cell in enumerate(nb.cells):
            client.execute_cell(cell, index)
    return nb


def test_a_click_is_kept_in_the_saved_notebook_and_graded(tmp_path):
    """A click on a button (the widget's value set in the kernel, as the front end does) replaces the
    prediction's output, record included; the reveal's output says right; grade lists it."""
    nb = execute(notebook("p.buttons().value = 'no'"), tmp_path)
    [out] = nb.cells[0].outputs
    assert out["data"]["text/plain"] == "Your prediction (Can a ping b?): no"
    assert "application/vnd.jupyter.widget-view+json" in out["data"]
    assert nb.cells[2].outputs[0]["data"]["text/plain"] == "Your prediction (Can a ping b?): no. Right: it is no."
    recs = record.read(nb)
    assert [(r["cell"], r["answer"], r.get("truth")) for r in recs] == [(0, "no", None), (2, "no", "no")]
    learner = tmp_path / "alice"
    learner.mkdir()
    nbformat.write(nb, str(learner / "02-user-defined-bridges.ipynb"))
    [row] = grade.predictions([str(learner)])
    assert (row.learner, row.notebook, row.prediction, row.answer, row.truth, row.right, row.reveals) == (
        "alice", "02", "nb02.isolation", "no", "no", "yes", 1)
    run = subprocess.run(LABKIT + ["grade", "--predictions", "--json", str(learner)], capture_output=True,
                         text=True, timeout=60, env=labkit_env())
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout) == [row.as_dict()]
    assert grade.to_csv([row], grade.PREDICTION_COLUMNS).splitlines()[0] == ",".join(grade.PREDICTION_COLUMNS)


def test_the_first_reveal_with_an_answer_counts(tmp_path):
    """Run All first (a reveal without an answer), then an honest try: the try is the row; a later
    try, made knowing the truth, is only counted in `reveals`."""
    first = execute(notebook(), tmp_path)
    honest = execute(notebook("p.answer('yes')"), tmp_path)
    later = execute(notebook("p.answer('no')"), tmp_path)
    nb = notebook()
    nb.cells = first.cells + honest.cells + later.cells
    learner = tmp_path / "bob"
    learner.mkdir()
    nbformat.write(nb, str(learner / "mine.ipynb"))
    [row] = grade.predictions([str(learner)])
    assert (row.answer, row.right, row.reveals) == ("yes", "no", 3)


def test_nbval_passes_after_run_all(tmp_path):
    """Stored outputs as Run All makes them (no click): nbval runs it again and passes (the widget's
    model id and the records' times are not compared)."""
    nb = execute(notebook(), tmp_path)
    assert nb.cells[0].outputs[0]["data"]["text/plain"] == "Your prediction (Can a ping b?): not made yet"
    path = tmp_path / "stored.ipynb"
    nbformat.write(nb, str(path))
    run = nbval(path)
    assert run.returncode == 0, run.stdout[-3000:]
