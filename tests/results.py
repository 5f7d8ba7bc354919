"""What a check said (labkit.checks.Result), asserted one way in every test.

    right(nb02.exercise_1(lab))
    not_yet(nb04.exercise_1(lab), "Address already in use", hint=("8001",))

A Result prints as "✔ Exercise N: ...: right" or "✘ Exercise N: ...: not yet", then what the check
saw (one "  - " line each) and, when not right, "  hint: ...". `said(text)` reads that first line
back from a notebook cell's output.
"""
from __future__ import annotations

RIGHT, NOT_YET = "right", "not yet"


def said(text: str) -> str | None:
    """"right" or "not yet" from the printed form of a Result (the first line), else None."""
    head = text.strip().splitlines()[0] if text.strip() else ""
    if head.startswith("✔") and head.endswith(f": {RIGHT}"):
        return RIGHT
    if head.startswith("✘") and head.endswith(f": {NOT_YET}"):
        return NOT_YET
    return None


def right(result) -> None:
    """The check said right: ok, printed as right, with what it saw and no hint."""
    text = str(result)
    assert result.ok, text
    assert said(text) == RIGHT, text
    assert result.found, f"a right answer says what the check saw:\n{text}"
    assert "hint:" not in text, text


def not_yet(result, *seen: str, hint: tuple[str, ...] = ()) -> None:
    """The check said not yet, with a hint; each of `seen` is in what it printed, and each of
    `hint` in its hint."""
    text = str(result)
    assert not result.ok, text
    assert said(text) == NOT_YET, text
    assert result.hint and "\n  hint: " in text, f"not yet, but no hint:\n{text}"
    for word in seen:
        assert word in text, f"{word!r} not in:\n{text}"
    for word in hint:
        assert word in result.hint, f"{word!r} not in the hint:\n{text}"
