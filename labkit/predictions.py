"""Predictions: the learner says what will happen before a cell shows it, and is told afterwards
whether it was right. Both are kept in the saved notebook (labkit.checks.record), for `labkit grade
--predictions`.

    p = labkit.predict("nb02.isolation", "Can a (on net1) ping b (on net2)?", ["yes", "no"])
    p                                   # a cell ending in it: a button per choice; the learner clicks one
    p.answer("no")                      # the same in code (a front end without widgets)
    ...
    probe = lab.ping("a", "b")          # the reveal cell: what the engine does
    p.reveal("yes" if probe.ok else "no")   # "Your prediction (...): no. Right: it is no."

A prediction is taken before its reveal only: once revealed, its buttons are locked and
`answer` refuses. After Run All the reveal runs at once and says that no prediction was made; run
the prediction's cell again (a new one), choose, then the reveal cell.

The prediction's cell shows one output: the buttons (a widget) with a line of text, which says the
prediction and carries its record; a click replaces that output (display id), so the saved
notebook holds the learner's choice. The reveal's output holds the revealed record (answer, truth,
right). nbval compares the text lines only (the widget's view and the records are not compared),
so a notebook's stored outputs do not depend on clicks or times.
"""
from __future__ import annotations

from collections.abc import Sequence

from .checks import record
from .errors import LabkitError


class PredictionError(LabkitError):
    """A prediction asked or answered in a way that cannot be taken (the message says how)."""


class Prediction:
    """One prediction: its question, its choices, the learner's answer (None until given)."""

    def __init__(self, name: str, question: str, choices: Sequence[str], answer: str | None = None):
        name = str(name).strip()
        notebook = record.notebook_of(name)
        if not notebook:
            raise PredictionError(f"prediction name {name!r}: start it with the notebook's lab, as "
                                  "'nb02.isolation' (the notebook number is read from it)")
        choices = [str(c) for c in choices]
        if len(choices) < 2 or len(set(choices)) != len(choices):
            raise PredictionError(f"choices {choices!r}: give two or more different answers, e.g. ['yes', 'no']")
        self.name, self.notebook, self.question, self.choices = name, notebook, str(question), choices
        self.given: str | None = None
        self.when: str | None = None
        self.revealed = None            # the reveal's record.Prediction, once shown
        self._handle = None             # the display of the prediction's output, updated on a click
        self._buttons = None
        if answer is not None:
            self.answer(answer)

    # -- the learner's answer ---------------------------------------------------------------------
    def answer(self, choice: str) -> record.Prediction:
        """Take the learner's answer (what a click on its button does); refused after the reveal."""
        if self.revealed is not None:
            raise PredictionError(f"the answer to {self.question!r} was revealed already: a prediction is made "
                                  "before its reveal (run the prediction's cell again for a new one)")
        choice = self.choice(choice)
        self.given, self.when = choice, record.now()
        shown = self.shown()
        if self._handle is not None:
            self._handle.update(self.bundle(), raw=True, metadata=record.metadata(shown.record()))
        return shown

    def choice(self, value) -> str:
        """One of the choices, matched without case; yes/no for True/False."""
        if isinstance(value, bool) and {"yes", "no"} <= {c.lower() for c in self.choices}:
            value = "yes" if value else "no"
        found = next((c for c in self.choices if c.lower() == str(value).strip().lower()), None)
        if found is None:
            raise PredictionError(f"{value!r} is not one of the choices: {', '.join(self.choices)}")
        return found

    def shown(self) -> record.Prediction:
        return record.prediction(self.notebook, self.question, self.given, name=self.name, when=self.when)

    # -- the reveal ---------------------------------------------------------------------------------
    def reveal(self, truth) -> record.Prediction:
        """What happened (one of the choices; True/False for yes/no): the learner's prediction, right
        or not, shown in the reveal's cell and recorded there. Locks the buttons."""
        truth = self.choice(truth)
        self.revealed = record.prediction(self.notebook, self.question, self.given, name=self.name,
                                          truth=truth, when=self.when)
        if self._buttons is not None:
            self._buttons.disabled = True
        return self.revealed

    # -- in a notebook ------------------------------------------------------------------------------
    def buttons(self):
        """The widget: a button per choice (made once; a click answers)."""
        if self._buttons is None:
            import ipywidgets
            self._buttons = ipywidgets.ToggleButtons(options=self.choices, value=self.given,
                                                     disabled=self.revealed is not None)
            self._buttons.observe(self._clicked, names="value")
        return self._buttons

    def _clicked(self, change) -> None:
        if change["new"] is not None and change["new"] != self.given and self.revealed is None:
            self.answer(change["new"])

    def bundle(self) -> dict:
        """The output's data: the buttons' view, and the prediction's line as its text."""
        data = dict(self.buttons()._repr_mimebundle_())
        data["text/plain"] = repr(self.shown())
        return data

    def _ipython_display_(self) -> None:
        from IPython.display import display
        self._handle = display(self.bundle(), raw=True, metadata=record.metadata(self.shown().record()),
                               display_id=True)

    def __repr__(self) -> str:
        return repr(self.shown())


def predict(name: str, question: str, choices: Sequence[str] = ("yes", "no"), answer: str | None = None) -> Prediction:
    """Ask the learner to predict before a reveal cell shows what happens: shown at the end of a
    cell, a button per choice (see this module's docstring). name: "nbNN.something" (the notebook
    and a short name that `labkit grade --predictions` lists)."""
    return Prediction(name, question, choices, answer)


__all__ = ["predict", "Prediction", "PredictionError"]
