"""Records that travel with the notebook: what a check said, or what a learner predicted, kept in
the metadata of the output that shows it, so a saved notebook carries its learner's results.

    labkit.checks.nb01.exercise_1(lab)      # a cell ending in a check: its output holds a record
    record.prediction("02", "Can a reach b?", "yes")   # a cell ending in this: likewise
    record.read(nbformat.read(path, 4))     # the records a saved notebook holds (what `labkit grade` reads)

An output's metadata carries the record under the key "labkit":

    {"kind": "check", "check": "nb01.exercise_1", "notebook": "01", "exercise": "Exercise 1",
     "title": "Exercise 1: two containers on the default bridge", "result": "right" | "not yet",
     "seen": ["ex-one runs on the default bridge at 172.17.0.2/16", ...], "hint": "...",
     "when": "2025-06-01T09:30:12Z", "version": 1}
    {"kind": "prediction", "notebook": "02", "question": "...", "answer": "yes", "when": ..., "version": 1}
    a revealed prediction adds: "prediction": "nb02.isolation", "truth": "no", "right": false,
    "revealed": "2025-06-01T09:31:40Z" (labkit.predictions makes both)

IPython asks an object shown at the end of a cell for `_repr_mimebundle_`, which may return
(data, metadata); Jupyter saves that metadata with the output. nbval compares an output's data
(text/plain, text/html, ...) and never its metadata, so the time in a record leaves the stored
outputs' comparison as it was. A check's function is marked with `recorded` (the checks'
`check` decorator does it) so that its Result names the check that made it.

A prediction made in a widget (a click, not a cell's last value) is shown once, unanswered, with
a display id, and updated on the click: Jupyter replaces that output, metadata included:

    handle = IPython.display.display(record.prediction("02", question, None), display_id=True)
    ...  # in the widget's callback:
    handle.update(record.prediction("02", question, choice))

The records are the learner's own word: a learner can edit a saved notebook. `labkit grade
--rerun` runs the notebooks again and reads the records the run makes.
"""
from __future__ import annotations

import datetime
import functools
import re

KEY = "labkit"                 # the key in an output's metadata
VERSION = 1                    # of the record's format
CHECK_MODULE = re.compile(r"nb(\d\d)$")          # labkit.checks.nb01 -> notebook "01"
EXERCISE_FUNCTION = re.compile(r"exercise_(\d+)$")
RIGHT, NOT_YET = "right", "not yet"


def now() -> str:
    """This moment, as a record says it: UTC, to the second, ISO 8601 ("2025-06-01T09:30:12Z")."""
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def check_name(module: str, function: str) -> str:
    """A check's short name, as records and the grade sheet give it: "nb01.exercise_1"."""
    return f"{module.rsplit('.', 1)[-1]}.{function}"


def notebook_of(check: str) -> str:
    """The notebook number of a check's name: "nb01.exercise_1" -> "01" ("" when not a check's)."""
    found = CHECK_MODULE.search(check.split(".")[0])
    return found.group(1) if found else ""


def exercise_of(check: str) -> str:
    """The exercise of a check's name, in the notebook's words: "nb01.exercise_1" -> "Exercise 1"."""
    found = EXERCISE_FUNCTION.search(check)
    return f"Exercise {found.group(1)}" if found else check


def recorded(fn):
    """Decorator for a check function: the Result it returns names it (`result.check`), so that
    shown in a cell, the Result leaves a record naming the check in the output's metadata."""
    name = check_name(fn.__module__, fn.__name__)

    @functools.wraps(fn)
    def run(*args, **kwargs):
        result = fn(*args, **kwargs)
        result.check = name
        return result
    run.check = name   # marks the function as recorded (labkit grade lists the checks)
    return run


def of_check(result) -> dict:
    """The record a check's Result leaves (empty when the Result does not name its check)."""
    check = getattr(result, "check", "")
    if not check:
        return {}
    return {"kind": "check", "check": check, "notebook": notebook_of(check),
            "exercise": exercise_of(check), "title": result.exercise,
            "result": RIGHT if result.ok else NOT_YET, "seen": list(result.found),
            "hint": "" if result.ok else result.hint, "when": result.when or now(), "version": VERSION}


def metadata(record: dict) -> dict:
    """An output's metadata carrying `record` (nothing for an empty record)."""
    return {KEY: record} if record else {}


class Prediction:
    """What a learner predicted before trying: shown in a cell, it says the answer in one line and
    leaves a record in the output's metadata. With `truth` (what happened, shown by a reveal cell),
    it also says whether the prediction was right. `name`: the prediction's short name
    ("nb02.isolation"), which `labkit grade --predictions` groups by."""

    def __init__(self, notebook: str, question: str, answer, when: str | None = None, *,
                 name: str = "", truth=None):
        self.notebook, self.question, self.answer = str(notebook), str(question), answer
        self.name, self.truth = str(name), truth
        self.when = when or now()                             # when the answer was given
        self.revealed = now() if truth is not None else None  # when the truth was shown

    @property
    def answered(self) -> bool:
        return self.answer is not None and str(self.answer).strip() != ""

    @property
    def right(self) -> bool | None:
        """Whether the answer is the truth (None before the reveal)."""
        if self.truth is None:
            return None
        return self.answered and str(self.answer).strip().lower() == str(self.truth).strip().lower()

    def record(self) -> dict:
        found = {"kind": "prediction", "notebook": self.notebook, "question": self.question,
                 "answer": str(self.answer) if self.answered else None,
                 "when": self.when if self.answered else None, "version": VERSION}
        if self.name:
            found["prediction"] = self.name
        if self.truth is not None:
            found.update(truth=str(self.truth), right=self.right, revealed=self.revealed)
        return found

    def __repr__(self) -> str:
        if self.truth is not None:
            if not self.answered:
                return (f"You made no prediction before this reveal ({self.question}): it is {self.truth}. "
                        "To try one, run the prediction's cell again, choose, then run this cell.")
            if self.right:
                return f"Your prediction ({self.question}): {self.answer}. Right: it is {self.truth}."
            return f"Your prediction ({self.question}): {self.answer}. Not this time: it is {self.truth}."
        if not self.answered:
            return f"Your prediction ({self.question}): not made yet"
        return f"Your prediction ({self.question}): {self.answer}"

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {"text/plain": repr(self)}, metadata(self.record())


def prediction(notebook: str, question: str, answer, *, name: str = "", truth=None,
               when: str | None = None) -> Prediction:
    """The learner's prediction of `question` in notebook `notebook` ("02"), to show in a cell;
    with `truth`, as a reveal shows it (right or not); `when`: the time the answer was given."""
    return Prediction(notebook, question, answer, when, name=name, truth=truth)


def read(nb) -> list[dict]:
    """The records a notebook holds (a dict as nbformat reads it), in cell order; each with
    "cell", the index of its cell. Outputs without a record, or with one that is not a dict of
    this format, are passed over."""
    found = []
    for index, cell in enumerate(nb.get("cells") or []):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        for output in cell.get("outputs") or []:
            record = ((output.get("metadata") if isinstance(output, dict) else None) or {}).get(KEY)
            if isinstance(record, dict) and record.get("kind") in ("check", "prediction"):
                found.append({**record, "cell": index})
    return found


def strip(nb) -> int:
    """Remove every record from a notebook's outputs (a notebook as shipped carries none: a
    learner's saved copy then holds only what its learner ran). Returns how many were removed."""
    removed = 0
    for cell in nb.get("cells") or []:
        outputs = (cell.get("outputs") or []) if cell.get("cell_type") == "code" else []
        for output in outputs:
            if KEY in (output.get("metadata") or {}):
                del output["metadata"][KEY]
                removed += 1
    return removed


__all__ = ["KEY", "Prediction", "RIGHT", "NOT_YET", "check_name", "exercise_of", "metadata", "notebook_of",
           "now", "of_check", "prediction", "read", "recorded", "strip"]
