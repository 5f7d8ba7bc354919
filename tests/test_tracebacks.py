"""Errors from learner code show short in a notebook (labkit.tracebacks), the full traceback one
`%tb` away; and checks never raise (labkit.checks.recorded): what stops one is a "not yet".

The notebook tests run real kernels (nbclient, the venv's python3 kernel) on the simulator.
"""
from __future__ import annotations

import re

import docker
import nbformat
import pytest
import requests
from nbclient import NotebookClient

import labkit
import labkit.checks
from labkit import sim, tracebacks
from labkit.checks import nb01, nb04
from labkit.errors import EngineUnavailable
from labkit.lab import BadArgument
from tests.engines import ROOT
from tests.results import NOT_YET, said

ANSI = re.compile(r"\x1b\[[0-9;]*m")
SETUP = 'import labkit\nlab = labkit.Lab(engine="sim", name="typo")\nlab.network("front")'
TYPO = 'lab.container("mine", networks=["frnt"])'


def run_cells(*sources: str, allow_errors: bool = True) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(s) for s in sources]
    NotebookClient(nb, allow_errors=allow_errors, timeout=120, kernel_name="python3",
                   resources={"metadata": {"path": ROOT}}).execute()
    return nb


def error_text(cell) -> str:
    errors = [o for o in cell.outputs if o.output_type == "error"]
    assert len(errors) == 1, cell.outputs
    return ANSI.sub("", "\n".join(errors[0].traceback))


def stream_text(cell) -> str:
    return "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")


@pytest.fixture(scope="module")
def typo_notebook():
    return run_cells(SETUP, TYPO, "%tb", "undefined_name + 1")


def test_a_typo_shows_in_a_few_lines(typo_notebook):
    text = error_text(typo_notebook.cells[1])
    assert len(text.splitlines()) <= 6, text
    assert text.splitlines() == [
        "NotFound: cannot start container mine (on network frnt): network frnt not found",
        '  in cell [2], line 1: lab.container("mine", networks=["frnt"])',
        "  hint: no network is called frnt (a typo?): `docker network ls` lists them",
        "  (the full traceback: run %tb)"]


def test_the_full_traceback_is_one_tb_away(typo_notebook):
    full = ANSI.sub("", stream_text(typo_notebook.cells[2]) + "".join(
        "\n".join(o.get("traceback", [])) for o in typo_notebook.cells[2].outputs))
    assert "Traceback" in full and "_start" in full and "raise_for_status" in full, full[:2000]
    assert len(full.splitlines()) > 30


def test_other_errors_keep_ipythons_traceback(typo_notebook):
    text = error_text(typo_notebook.cells[3])
    assert "NameError" in text and "undefined_name" in text and "Traceback" in text


def test_the_cell_still_fails_so_run_all_stops_there():
    with pytest.raises(Exception) as raised:
        run_cells(SETUP, TYPO, 'print("after")', allow_errors=False)
    assert "network frnt not found" in str(raised.value)


def test_outside_a_kernel_nothing_is_installed():
    assert tracebacks.install() is False   # pytest is no Jupyter kernel


@pytest.mark.parametrize("error, first, tip", [
    (BadArgument("network name", "bad name!", "use letters, digits, '_', '.' or '-'"),
     "BadArgument: network name 'bad name!' is not valid: use letters, digits, '_', '.' or '-'", None),
    (EngineUnavailable("no Docker engine answers at unix:///x.sock"),
     "EngineUnavailable: no Docker engine answers at unix:///x.sock", "`labkit doctor`"),
    (requests.exceptions.ConnectionError("Connection aborted"),
     "ConnectionError: the Docker engine does not answer (ConnectionError)", "`labkit doctor`"),
])
def test_short_accounts(error, first, tip):
    lines = [ANSI.sub("", line) for line in tracebacks.short(error)]
    assert lines[0] == first
    assert lines[-1] == "  (the full traceback: run %tb)"
    hints = [line for line in lines if line.startswith("  hint: ")]
    assert (tip is None and not hints) or (tip and tip in hints[0]), lines


def test_the_engines_own_words_without_docker_pys_url():
    server = sim.serve()
    client = docker.DockerClient(base_url=server.url, version="1.41")
    try:
        with pytest.raises(docker.errors.APIError) as raised:
            client.networks.create("a", ipam=docker.types.IPAMConfig(
                pool_configs=[docker.types.IPAMPool(subnet="172.17.0.0/16")]))
    finally:
        client.close()
        server.close()
    lines = [ANSI.sub("", line) for line in tracebacks.short(raised.value)]
    assert lines[0] == f"APIError: {raised.value.explanation}" and "http+docker" not in lines[0], lines
    assert lines[1] == "  hint: that subnet overlaps another network's: choose another one (`docker network inspect NAME` shows a network's subnet)"


def test_a_long_message_is_cut():
    error = EngineUnavailable("\n".join(f"line {i}" for i in range(40)))
    lines = tracebacks.short(error)
    assert len(lines) <= tracebacks.MAX_MESSAGE_LINES + 3
    assert "more lines: %tb" in lines[tracebacks.MAX_MESSAGE_LINES - 1]


# -- checks never raise -----------------------------------------------------------------------------
def test_a_check_on_an_engine_that_went_away_says_not_yet():
    server = sim.serve()
    client = docker.DockerClient(base_url=server.url, version="1.41", timeout=5)
    lab = labkit.Lab(client, name="gone")
    server.close()
    try:
        for check in (nb01.exercise_1, nb04.exercise_1):   # one of each decorator (check, recorded)
            result = check(lab)
            text = str(result)
            assert said(text) == NOT_YET and not result.ok, text
            assert result.found[-1].startswith("the check could not finish: "), text
            assert "Run All Above Selected Cell" in result.hint, text
            assert result.check in ("nb01.exercise_1", "nb04.exercise_1")
    finally:
        client.close()


@labkit.checks.recorded
def exercise_9(value) -> labkit.checks.Result:
    """A check that cannot read what it is given (here: anything)."""
    return labkit.checks.Result("Exercise 9: reading a value", int(value) > 0)


def test_a_check_given_something_it_cannot_read_says_not_yet():
    result = exercise_9("twelve")
    assert not result.ok and said(str(result)) == NOT_YET
    assert result.exercise == "Exercise 9"
    assert result.found == ["the check could not finish: ValueError: invalid literal for int() with base 10: 'twelve'"]
    assert result.hint.startswith("look at the values you gave the check")
    assert exercise_9("12").ok
