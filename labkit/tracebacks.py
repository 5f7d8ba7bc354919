"""Errors from learner code, shown short in a notebook.

A typo such as `lab.container("mine", networks=["frnt"])` raises docker-py's NotFound through
three chained exceptions: IPython shows 68 lines, the one that matters at the bottom. In a Jupyter
kernel, importing labkit installs a handler (IPython's `InteractiveShell.set_custom_exc`) for
Docker's and labkit's errors (docker.errors.DockerException, requests' errors when an engine does
not answer) that shows instead:

    NotFound: cannot start container mine (on network frnt): network frnt not found
      in cell [2], line 1: lab.container("mine", networks=["frnt"])
      hint: no network is called frnt (a typo?): `docker network ls` lists them
      (the full traceback: run %tb)

what failed and the engine's own message, the learner's line, a hint where one is known, and how
to see the rest: `%tb` shows the full traceback (the handler records the exception as IPython
does). The cell still counts as failed: Run All stops there, as before. Everything else (a
NameError, a bug in learner code) keeps IPython's own traceback.

    labkit.tracebacks.install()     # done by `import labkit` in a kernel
    labkit.tracebacks.uninstall()   # IPython's tracebacks for everything again
"""
from __future__ import annotations

import re
import sys
import traceback

import docker.errors
import requests.exceptions

from .errors import EngineUnavailable, LabkitError

SHORTENED = (docker.errors.DockerException, requests.exceptions.RequestException)
MAX_MESSAGE_LINES = 8     # an engine's log tail (EngineStartFailed) is worth a few lines, not fifty
RED, BOLD, DIM, RESET = "\x1b[31m", "\x1b[1m", "\x1b[2m", "\x1b[0m"


def install(shell=None) -> bool:
    """Show Docker's and labkit's errors short in this Jupyter kernel. Does nothing outside a
    kernel, or when another custom handler is installed already. Returns whether it is installed."""
    shell = shell if shell is not None else _kernel_shell()
    if shell is None:
        return False
    current = getattr(shell, "custom_exceptions", ())
    if current and current != SHORTENED:
        return False   # someone else's handler: leave it
    shell.set_custom_exc(SHORTENED, show)
    return True


def uninstall(shell=None) -> None:
    shell = shell if shell is not None else _kernel_shell()
    if shell is not None and getattr(shell, "custom_exceptions", ()) == SHORTENED:
        shell.set_custom_exc((), None)


def _kernel_shell():
    """The running Jupyter kernel's shell, or None (plain Python, a terminal IPython)."""
    ipython = sys.modules.get("IPython")   # a kernel has imported it; never import it here
    shell = ipython.get_ipython() if ipython is not None else None
    return shell if shell is not None and hasattr(shell, "kernel") else None


def show(shell, etype, value, tb, tb_offset=None) -> list[str]:
    """IPython's custom handler: record the exception for %tb, then show it short."""
    sys.last_type, sys.last_value, sys.last_traceback = etype, value, tb
    if sys.version_info >= (3, 12):
        sys.last_exc = value
    lines = short(value, _cell_line(shell, tb))
    shell._showtraceback(etype, value, lines)
    return lines


def short(error: BaseException, where: str | None = None) -> list[str]:
    """The short account of an error: what failed with the engine's own words, where in the
    learner's code, a hint, and where the rest is. One string per line, with terminal colours."""
    message = message_of(error).splitlines() or [type(error).__name__]
    if len(message) > MAX_MESSAGE_LINES:
        message = message[:MAX_MESSAGE_LINES - 1] + [f"... ({len(message) - MAX_MESSAGE_LINES + 1} more lines: %tb)"]
    lines = [f"{RED}{BOLD}{type(error).__name__}{RESET}{RED}: {message[0]}{RESET}"]
    lines += [f"  {line}" for line in message[1:]]
    if where:
        lines.append(f"  in {where}")
    tip = hint(error, "\n".join(message))
    if tip:
        lines.append(f"  hint: {tip}")
    lines.append(f"  {DIM}(the full traceback: run %tb){RESET}")
    return lines


def message_of(error: BaseException) -> str:
    """What the engine or labkit said, without docker-py's URL dressing."""
    if isinstance(error, docker.errors.APIError):
        return (error.explanation or str(error)).strip()
    if isinstance(error, requests.exceptions.RequestException):
        return f"the Docker engine does not answer ({type(error).__name__})"
    return str(error).strip()


_HINTS = (
    (r"network (\S+) not found", r"no network is called \1 (a typo?): `docker network ls` lists them"),
    (r"[Nn]o such container: (\S+)", r"no container is called \1 (a typo?): `docker ps -a` lists them"),
    (r"[Nn]o such image: (\S+)", r"there is no image \1 on this engine: `docker image ls` lists them"),
    (r"port is already allocated", "another container publishes that host port: choose another one "
                                   "(`docker ps` shows which ports are taken)"),
    (r"is already in use by container", "that name is taken: choose another, or remove the old one "
                                        "(`docker rm -f NAME`)"),
    (r"network with name (\S+) already exists", r"there is a network \1 already: use it, or remove it first "
                                                r"(`docker network rm \1`)"),
    (r"[Pp]ool overlaps", "that subnet overlaps another network's: choose another one "
                          "(`docker network inspect NAME` shows a network's subnet)"),
)


def hint(error: BaseException, message: str) -> str | None:
    """What to do next, where labkit knows; None when the message says it already."""
    for pattern, advice in _HINTS:
        found = re.search(pattern, message)
        if found:
            return found.expand(advice)
    if isinstance(error, (EngineUnavailable, requests.exceptions.RequestException)):
        return "`labkit doctor` (in a terminal) says which engine labkit uses, and why"
    if isinstance(error, docker.errors.NotFound):
        return "check the name (a typo?): `docker ps -a` and `docker network ls` list what there is"
    if isinstance(error, docker.errors.APIError) and not isinstance(error, LabkitError):
        return "the engine refused the request as written: compare with the docker command it stands for"
    return None


def _cell_line(shell, tb) -> str | None:
    """'cell [N], line L: CODE' for the innermost frame in a notebook cell, or None."""
    cells = getattr(getattr(shell, "compile", None), "_filename_map", {}) or {}
    found = None
    for frame in traceback.extract_tb(tb):
        if frame.filename in cells:
            found = frame
    if found is None:
        return None
    code = (found.line or "").strip()
    if len(code) > 100:
        code = code[:97] + "..."
    return f"cell [{cells[found.filename]}], line {found.lineno}: {code}"
