"""Exercise checks: each notebook's exercises are checked here, on either engine.

A check looks at what the engine holds (through a Lab) and returns a Result: right or wrong, what
was found, and a hint when wrong. Results print as a few plain lines (that is what nbval compares
and what a learner reads), and show in colour in JupyterLab.

    from labkit.checks import nb02
    nb02.exercise_1(lab)

One module per notebook (nb01.py, nb02.py, ...), each exercise a function taking the Lab.
Shown at the end of a cell, a Result also leaves a record (notebook, exercise, right or not yet,
what was seen, when) in the output's metadata, which the saved notebook keeps: record.py.
"""
from __future__ import annotations

import functools
import html
from dataclasses import dataclass, field

from . import record


@dataclass
class Result:
    exercise: str
    ok: bool
    found: list[str] = field(default_factory=list)   # what the check saw, in plain words
    hint: str = ""                                    # what to try, when not ok
    check: str = field(default="", compare=False)     # the check that made it ("nb01.exercise_1")
    when: str = field(default_factory=record.now, compare=False)   # when it was made (UTC)

    def __str__(self) -> str:
        head = f"{'✔' if self.ok else '✘'} {self.exercise}: {'right' if self.ok else 'not yet'}"
        lines = [head] + [f"  - {f}" for f in self.found]
        if not self.ok and self.hint:
            lines.append(f"  hint: {self.hint}")
        return "\n".join(lines)

    __repr__ = __str__

    def _repr_html_(self) -> str:
        colour = "#1a7f37" if self.ok else "#b35900"
        items = "".join(f"<li>{html.escape(f)}</li>" for f in self.found)
        hint = f"<div><b>hint:</b> {html.escape(self.hint)}</div>" if (self.hint and not self.ok) else ""
        mark = "✔ right" if self.ok else "✘ not yet"
        # JupyterLab typesets $...$ in HTML outputs as LaTeX: a hint naming two `docker -H $host2`
        # commands read as a formula (seen at 1280x720). Such a Result opts out of MathJax; only such
        # a one, so that the stored outputs of every other check stay as they are.
        typeset = ' class="mathjax_ignore"' if "$" in str(self) else ""
        return (f'<div{typeset} style="border-left:4px solid {colour};padding:4px 8px">'
                f"<b>{html.escape(self.exercise)}</b>: <span style='color:{colour}'>{mark}</span>"
                f"<ul>{items}</ul>{hint}</div>")

    def _repr_mimebundle_(self, include=None, exclude=None):
        """No data of its own (text/plain and text/html come from the methods above); the
        output's metadata: the record a saved notebook keeps."""
        return {}, record.metadata(record.of_check(self))

    def __bool__(self) -> bool:
        return self.ok


def stopped(exercise: str, error: Exception) -> Result:
    """The "not yet" of a check that an error stopped (a check never raises): what stopped it, in
    the engine's or labkit's words, and what to do. The error stays one `%tb` away, as for an error
    of the learner's own code (labkit.tracebacks)."""
    import sys

    import docker.errors
    import requests.exceptions

    from ..tracebacks import message_of
    sys.last_type, sys.last_value, sys.last_traceback = type(error), error, error.__traceback__
    said = (message_of(error).splitlines() or [""])[0]
    if isinstance(error, (docker.errors.DockerException, requests.exceptions.RequestException)):
        hint = ("what the exercise works on is not there as the check expects: run the notebook's cells "
                "above it again (Run > Run All Above Selected Cell), then this check")
    else:
        hint = ("look at the values you gave the check; if they look right, tell your instructor "
                "(%tb shows the error in full)")
    return Result(exercise, False, [f"the check could not finish: {type(error).__name__}: {said}"], hint)


def recorded(fn):
    """Decorator for a check function: record.recorded (its Result names the check), and the check
    never raises: an error that stops it becomes a "not yet" saying what stopped it (`stopped`)."""
    title = getattr(fn, "exercise", None) or record.exercise_of(record.check_name(fn.__module__, fn.__name__))

    @functools.wraps(fn)
    def guarded(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except Exception as error:   # noqa: BLE001 -- whatever stopped the check, the learner gets a verdict
            return stopped(title, error)
    return record.recorded(guarded)


def result(exercise: str, checks: list[tuple[bool, str, str]]) -> Result:
    """A Result from (passed, what was seen, hint if not) triples: right when all passed; the hint
    of the first that did not."""
    ok = all(passed for passed, _, _ in checks)
    hint = next((h for passed, _, h in checks if not passed), "")
    return Result(exercise, ok, [seen for _, seen, _ in checks], hint)


__all__ = ["Result", "result", "recorded", "stopped"]
