"""The lab's errors: each builds its own message, naming the thing and saying what to do.

`BadArgument`: something asked of the lab is not valid, and nothing was sent to the engine (a
`docker.errors.InvalidArgument` too). The engine's own errors pass through as docker-py raised
them, their explanation prefixed with what the lab was doing (`named`).
"""
from __future__ import annotations

import copy

import docker.errors

from ..errors import LabkitError


class BadArgument(LabkitError, docker.errors.InvalidArgument):
    """Something asked of the lab is not valid; nothing was sent to the engine."""

    def __init__(self, what: str, value, rule: str):
        self.what = what
        self.value = value
        super().__init__(f"{what} {shown(value)} is not valid: {rule}")


def shown(value, limit: int = 60) -> str:
    """A value as a message shows it: its repr, cut short when long (a message stays readable)."""
    text = repr(value)
    if len(text) <= limit:
        return text
    size = f"{len(value)} characters" if isinstance(value, str) else f"{len(text)} characters as written"
    return f"{text[:limit - 10]}...{text[-6:]} ({size})"


class NotTheLabs(LabkitError):
    """An object of that name exists, but this lab did not make it: it is left alone."""

    def __init__(self, kind: str, name: str, lab: str, owner: str | None, remove_with: str):
        self.kind, self.name, self.owner = kind, name, owner
        whose = f"lab {owner!r}" if owner else "no lab (it was made without labkit)"
        super().__init__(
            f"a {kind} named {name} already exists and belongs to {whose}, not to lab {lab!r}; "
            f"labkit does not replace it. Choose another name, or remove it first with `{remove_with}`.")


class Differs(LabkitError):
    """The lab's object of that name exists with other settings than asked for."""

    def __init__(self, kind: str, name: str, differences: list[str], remove_with: str):
        self.kind, self.name, self.differences = kind, name, differences
        super().__init__(
            f"the lab's {kind} {name} already exists with other settings ({'; '.join(differences)}). "
            f"Remove it first (`{remove_with}`, or lab.remove({name!r}) or lab.reset()), or ask for "
            f"what it has.")


class RemoveFailed(LabkitError):
    def __init__(self, removed: dict, failures: list[str]):
        self.removed, self.failures = removed, failures
        super().__init__("reset could not remove everything: " + "; ".join(failures))


def named(e: docker.errors.APIError, doing: str) -> docker.errors.APIError:
    """The engine's error, same class and response, its explanation saying what was being done."""
    new = copy.copy(e)
    new.explanation = f"{doing}: {e.explanation or e}"
    return new
