"""A class's grade sheet, read from its learners' saved notebooks.

    labkit grade homes/alice homes/bob [--out sheet.csv] [--json] [--rerun]
    grade.sheet(["homes/alice", "homes/bob"])          # the same rows, in Python
    labkit grade --predictions homes/alice homes/bob   # the predictions their reveals showed
    grade.predictions(["homes/alice", "homes/bob"])

One folder per learner, as JupyterHub homes or an LMS download give them: the learner is the
folder's name, and every notebook under it (hidden folders such as .ipynb_checkpoints passed over)
is read, whatever its file name. A check shown in a cell leaves a record in the saved notebook
(labkit.checks.record), so the notebooks are read, not run. The sheet has one row per learner and
exercise, for every exercise labkit's checks know (every notebook's), so what a learner never
checked shows as "not tried":

    learner, notebook, exercise, result (right / not yet / not tried), last_checked, seen

An exercise is right when any of the learner's records of it says right (a learner who got it and
ran Run All afterwards keeps it), else not yet when there is a record; last_checked is the time of
its latest record (UTC), seen what that record's check saw.

A file that is not a notebook, a notebook of another course, a record of an exercise labkit does not
know: each is one line in `problems`, and the sheet is made of the rest.

`rerun=True` (`--rerun`), as an autograder would: each learner's notebooks are copied to a temporary
folder and run there top to bottom with nbclient, in a fresh kernel on labkit's simulated engine
(LABKIT_ENGINE=sim, no DOCKER_HOST), errors in cells allowed; the rows come from the records that
run makes, not from what the saved files claim. The notebooks' code runs as the user running the
grader: run it as a user who may only read the learners' folders.
"""
from __future__ import annotations

import csv
import dataclasses
import html
import importlib
import io
import json
import os
import pkgutil
import re
import shutil
import tempfile
import time
from collections.abc import Callable, Iterable

from .checks import record
from .errors import LabkitError

RESULTS = (record.RIGHT, record.NOT_YET, "not tried")
COLUMNS = ("learner", "notebook", "exercise", "result", "last_checked", "seen")
MAX_BYTES = 20_000_000            # a saved notebook of this course is under 1 MB
NOTEBOOKS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "notebooks")
CELL_TIMEOUT = 120                # seconds, for --rerun
NUMBERED = re.compile(r"(\d\d)[-_ ]")


class GradeError(LabkitError):
    """A grade sheet cannot be made as asked (a folder that is not there)."""


@dataclasses.dataclass(frozen=True)
class Exercise:
    """One exercise labkit checks: its check's name ("nb01.exercise_1") and notebook."""
    check: str
    notebook: str      # the course's notebook ("01-default-bridge"), or its number when unknown

    @property
    def number(self) -> str:
        return record.notebook_of(self.check)

    @property
    def name(self) -> str:
        return record.exercise_of(self.check)


@dataclasses.dataclass
class Row:
    learner: str
    notebook: str
    exercise: str
    result: str
    last_checked: str = ""
    seen: str = ""
    check: str = ""

    def as_dict(self) -> dict:
        return {column: getattr(self, column) for column in COLUMNS}


def exercises(notebooks: str | None = NOTEBOOKS) -> list[Exercise]:
    """Every exercise of labkit's checks, in notebook then exercise order, each named by the
    course's notebook file in `notebooks` when there is one ("01-default-bridge")."""
    from . import checks
    names = course_notebooks(notebooks)
    found = []
    for info in sorted(pkgutil.iter_modules(checks.__path__), key=lambda m: m.name):
        number = record.notebook_of(info.name)
        if not number:
            continue
        module = importlib.import_module(f"{checks.__name__}.{info.name}")
        functions = [n for n in getattr(module, "__all__", dir(module)) if record.EXERCISE_FUNCTION.fullmatch(n)]
        for function in sorted(functions, key=lambda n: int(n.rsplit("_", 1)[1])):
            found.append(Exercise(record.check_name(module.__name__, function), names.get(number, number)))
    return found


def course_notebooks(folder: str | None) -> dict[str, str]:
    """The course's notebooks by number: {"01": "01-default-bridge", ...} (none without the folder)."""
    names = {}
    if folder and os.path.isdir(folder):
        for entry in sorted(os.listdir(folder)):
            found = NUMBERED.match(entry)
            if found and entry.endswith(".ipynb"):
                names.setdefault(found.group(1), entry[:-len(".ipynb")])
    return names


# -- reading a learner's folder ------------------------------------------------------------------------
def notebook_files(folder: str) -> list[str]:
    """The notebooks under a learner's folder, hidden folders passed over, in name order."""
    found = []
    for top, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        found += [os.path.join(top, f) for f in sorted(files) if f.endswith(".ipynb") and not f.startswith(".")]
    return found


def load(path: str) -> dict:
    """A saved notebook as a dict; LabkitError with what is wrong when it is not one."""
    size = os.path.getsize(path)
    if size > MAX_BYTES:
        raise GradeError(f"{size:,} bytes: too big for a notebook of this course, not read")
    try:
        with open(path, encoding="utf-8") as f:
            nb = json.load(f)
    except UnicodeDecodeError:
        raise GradeError("not a notebook (not text)") from None
    except json.JSONDecodeError as e:
        raise GradeError(f"not a notebook (broken JSON at line {e.lineno}: {e.msg})") from None
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        raise GradeError("not a Jupyter notebook (no list of cells)")
    if nb.get("nbformat") != 4:
        raise GradeError(f"a notebook of format {nb.get('nbformat')!r}: only format 4 (Jupyter's today) is read")
    return nb


def records_of(nb: dict, known: set[str], where: str, problems: list[str]) -> list[dict]:
    """The notebook's check records of exercises labkit knows; one problem line for the rest."""
    found, unknown, unreadable = [], set(), 0
    for rec in record.read(nb):
        if rec.get("kind") != "check":
            continue
        if rec.get("check") not in known:
            unknown.add(str(rec.get("check")))
        elif rec.get("result") not in (record.RIGHT, record.NOT_YET) or not isinstance(rec.get("when", ""), str):
            unreadable += 1
        else:
            found.append(rec)
    if unknown:
        problems.append(f"{where}: records of exercises this labkit does not check ({', '.join(sorted(unknown))}): "
                        f"passed over (a notebook of another course or version?)")
    if unreadable:
        problems.append(f"{where}: {unreadable} record(s) of a check that do not say right or not yet: passed over")
    return found


def learner_rows(learner: str, records: list[dict], course: list[Exercise]) -> list[Row]:
    rows = []
    for ex in course:
        mine = sorted((r for r in records if r["check"] == ex.check), key=lambda r: str(r.get("when") or ""))
        if not mine:
            rows.append(Row(learner, ex.notebook, ex.name, "not tried", check=ex.check))
            continue
        right = any(r["result"] == record.RIGHT for r in mine)
        last = mine[-1]
        seen = next((r for r in reversed(mine) if r["result"] == record.RIGHT), last) if right else last
        said = seen.get("seen") or []
        said = "; ".join(map(str, said)) if isinstance(said, list) else str(said)
        rows.append(Row(learner, ex.notebook, ex.name, record.RIGHT if right else record.NOT_YET,
                        str(last.get("when") or ""), said, ex.check))
    return rows


def sheet(folders: Iterable[str], *, rerun: bool = False, notebooks: str | None = NOTEBOOKS,
          problems: list[str] | None = None, progress: Callable[[str], None] | None = None) -> list[Row]:
    """The grade sheet of the learners' folders (`labkit grade FOLDER...`): one Row per learner and
    exercise. What could not be read is appended to `problems` as lines, and left out."""
    problems = [] if problems is None else problems
    course = exercises(notebooks)
    known = {ex.check for ex in course}
    rows = []
    for learner, folder, notebooks_read in read_folders(folders, rerun, problems, progress):
        records = []
        for where, nb in notebooks_read:
            records += records_of(nb, known, where, problems)
        if not notebooks_read:
            problems.append(f"{folder}: no notebooks in this folder: every exercise of {learner} is not tried")
        rows += learner_rows(learner, records, course)
    return rows


def read_folders(folders: Iterable[str], rerun: bool, problems: list[str], progress) -> Iterable[tuple]:
    """(learner, folder, [(where, notebook), ...]) for each learner's folder, the notebooks read (or
    run again, with rerun); what cannot be read is a line in `problems`."""
    folders = list(folders)
    for folder in folders:
        if not os.path.isdir(folder):
            what = "a file, not a folder" if os.path.exists(folder) else "no such folder"
            raise GradeError(f"cannot grade {folder}: {what}; give one folder per learner (the learner is its name)")
    seen_names = set()
    for folder in folders:
        learner = os.path.basename(os.path.normpath(os.path.abspath(folder)))
        if learner in seen_names:
            problems.append(f"{folder}: a second folder named {learner}: its rows are listed under the same name")
        seen_names.add(learner)
        found = []
        for path in notebook_files(folder):
            where = os.path.join(learner, os.path.relpath(path, folder))
            try:
                nb = load(path)
                if rerun:
                    if progress:
                        progress(f"running {where} on the simulator")
                    nb = run_in_sandbox(nb, os.path.basename(path))
            except (LabkitError, OSError) as e:
                problems.append(f"{where}: {e}")
                continue
            found.append((where, nb))
        yield learner, folder, found


# -- predictions -----------------------------------------------------------------------------------------
PREDICTION_COLUMNS = ("learner", "notebook", "prediction", "question", "answer", "truth", "right", "revealed",
                      "reveals")


@dataclasses.dataclass
class PredictionRow:
    """A learner's prediction as its reveal showed it: answer ("" when none was made before the
    reveal), truth, right (yes / no / "" without an answer), when revealed, how many reveals."""
    learner: str
    notebook: str
    prediction: str
    question: str
    answer: str
    truth: str
    right: str
    revealed: str
    reveals: int

    def as_dict(self) -> dict:
        return {column: getattr(self, column) for column in PREDICTION_COLUMNS}


def predictions(folders: Iterable[str], *, rerun: bool = False, problems: list[str] | None = None,
                progress: Callable[[str], None] | None = None) -> list[PredictionRow]:
    """The learners' revealed predictions (`labkit grade --predictions FOLDER...`): one row per learner
    and prediction, from its first reveal that had an answer (a prediction made before the learner
    saw the truth), else its first reveal; `reveals` counts them all. Unrevealed predictions are not
    listed (they say nothing yet)."""
    problems = [] if problems is None else problems
    rows = []
    for learner, _, notebooks_read in read_folders(folders, rerun, problems, progress):
        revealed: dict[tuple, list[dict]] = {}
        for _, nb in notebooks_read:
            for rec in record.read(nb):
                if rec.get("kind") == "prediction" and rec.get("truth") is not None:
                    key = (str(rec.get("notebook") or ""), str(rec.get("prediction") or rec.get("question") or ""))
                    revealed.setdefault(key, []).append(rec)
        for (notebook, name), recs in sorted(revealed.items()):
            recs.sort(key=lambda r: str(r.get("revealed") or ""))
            first = next((r for r in recs if r.get("answer")), recs[0])
            right = "" if not first.get("answer") else ("yes" if first.get("right") else "no")
            rows.append(PredictionRow(learner, notebook, name, str(first.get("question") or ""),
                                      str(first.get("answer") or ""), str(first.get("truth")), right,
                                      str(first.get("revealed") or ""), len(recs)))
    return rows


# -- --rerun ---------------------------------------------------------------------------------------------
class RerunError(GradeError):
    """A notebook could not be run again (no kernel, a cell that never finished)."""


def run_in_sandbox(nb: dict, name: str, timeout: int = CELL_TIMEOUT) -> dict:
    """Run a copy of the notebook top to bottom in a temporary folder, in a fresh kernel on the
    simulated engine (errors in cells allowed, as a learner's notebook has them); the run's
    notebook, with the records the run made (the saved ones dropped)."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    try:   # through text, as Jupyter reads a file: multi-line sources joined
        node = nbformat.reads(json.dumps(nb), as_version=4)
    except (ValueError, KeyError, TypeError, AttributeError) as e:   # nbformat's own, on odd cells
        raise RerunError(f"cannot be run: {type(e).__name__}: {e}") from None
    record.strip(node)
    env = {k: v for k, v in os.environ.items() if k not in ("DOCKER_HOST", "LABKIT_ENGINE", "JPY_SESSION_NAME")}
    env["LABKIT_ENGINE"] = "sim"
    folder = tempfile.mkdtemp(prefix="labkit-grade-")
    try:
        env["HOME"] = folder
        with open(os.path.join(folder, name), "w", encoding="utf-8") as f:
            nbformat.write(node, f)
        client = NotebookClient(node, kernel_name="python3", timeout=timeout, allow_errors=True,
                                store_widget_state=False, record_timing=False,
                                resources={"metadata": {"path": folder}})
        try:
            client.execute(env=env)
        except (CellTimeoutError, DeadKernelError) as e:
            raise RerunError(f"its run stopped: {str(e).splitlines()[0]}") from None
        return node
    finally:
        _remove(folder)


def _remove(folder: str, tries: int = 25) -> None:
    """Remove the sandbox, also when a late write into its HOME (the kernel or a process it started,
    going) lands while it goes: remove until it stays gone (at most ~5 s)."""
    for _ in range(tries):
        shutil.rmtree(folder, ignore_errors=True)
        time.sleep(0.2)
        if not os.path.exists(folder):
            return


# -- writing ---------------------------------------------------------------------------------------------
def to_csv(rows: list[Row] | list[PredictionRow], columns: tuple[str, ...] = COLUMNS) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(row.as_dict() for row in rows)
    return out.getvalue()


def to_json(rows: list[Row]) -> str:
    return json.dumps([row.as_dict() for row in rows], indent=1, ensure_ascii=False) + "\n"


def summary(rows: list[Row]) -> dict[str, dict[str, int]]:
    """Per exercise ("01-default-bridge Exercise 1"), how many learners are at each result."""
    counts: dict[str, dict[str, int]] = {}
    for row in rows:
        counts.setdefault(f"{row.notebook} {row.exercise}", dict.fromkeys(RESULTS, 0))[row.result] += 1
    return counts


MARKS = {record.RIGHT: ("✔", "#1a7f37"), record.NOT_YET: ("✘", "#b35900"), "not tried": ("·", "#999999")}


def html_table(rows: list[Row]) -> str:
    """The class as an HTML table: a learner per line, an exercise per column ("01·1": notebook 01,
    exercise 1), ✔ right, ✘ not yet, · not tried (what the check saw as the cell's tooltip)."""
    columns = list(dict.fromkeys((row.check, row.notebook, row.exercise) for row in rows))
    learners = list(dict.fromkeys(row.learner for row in rows))
    cell = {(row.learner, row.check): row for row in rows}
    head = "".join(f'<th title="{html.escape(f"{nb} {ex}")}">{record.notebook_of(check)}·'
                   f'{ex.rsplit(" ", 1)[-1]}</th>' for check, nb, ex in columns)
    lines = []
    for learner in learners:
        mine = [cell[(learner, check)] for check, _, _ in columns]
        marks = "".join(f'<td style="color:{MARKS[r.result][1]};text-align:center" '
                        f'title="{html.escape(r.result + (": " + r.seen if r.seen else ""))}">{MARKS[r.result][0]}</td>'
                        for r in mine)
        right = sum(r.result == record.RIGHT for r in mine)
        lines.append(f"<tr><th style='text-align:left'>{html.escape(learner)}</th>{marks}"
                     f"<td style='text-align:right'>{right}/{len(mine)}</td></tr>")
    return (f"<table><thead><tr><th>learner</th>{head}<th>right</th></tr></thead>"
            f"<tbody>{''.join(lines)}</tbody></table>")


def plot(rows: list[Row]):
    """The class per exercise as a matplotlib Figure: how many learners are right, not yet, not
    tried (stacked bars). Needs matplotlib (the class extra: pip install -e '.[class]')."""
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator
    counts = summary(rows)
    labels = [f"{name.split('-', 1)[0]} ex{name.rsplit(' ', 1)[-1]}" for name in counts]
    fig = Figure(figsize=(max(6.0, 0.35 * len(labels)), 3.2), layout="constrained")
    ax = fig.add_subplot()
    bottom = [0] * len(labels)
    for result in RESULTS:
        heights = [c[result] for c in counts.values()]
        ax.bar(labels, heights, bottom=bottom, label=result, color=MARKS[result][1])
        bottom = [b + h for b, h in zip(bottom, heights)]
    ax.set_ylabel("learners")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.tick_params(axis="x", labelrotation=90, labelsize=8)
    fig.legend(loc="outside right upper", fontsize=8)
    ax.set_title("The class, exercise by exercise")
    return fig


__all__ = ["COLUMNS", "Exercise", "GradeError", "PREDICTION_COLUMNS", "PredictionRow", "RESULTS", "Row", "exercises",
           "html_table", "load", "plot", "predictions", "read_folders", "run_in_sandbox", "sheet", "summary", "to_csv",
           "to_json"]
