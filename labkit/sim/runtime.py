"""The lab image's runtime: what the engine calls to start a container's main process or an exec.

`check` is runc's part before the program runs (a program the image does not have, a folder that
is not there, a user /etc/passwd does not know), with runc's words; the engine puts its own prefix
before them. `run` is the program itself, in the process's thread (engine/processes.py): a shell
(shell.py) running argv as one command, its output sent to the process as it is written. A main
process whose command serves (a server in the foreground, `top`) goes on until it is stopped.
"""
from __future__ import annotations

import re

from .applets import APPLETS
from .engine.filesystem import FileError, Files, absolute
from .errors import EngineError, ExecNotFound
from .process import Process
from .shell import Shell, environment

USER = re.compile(r"[^:]*(:[^:]*)?\Z")


def missing_program(c, name: str) -> tuple[str, int]:
    """runc's words for a program it cannot start, and the exit code the engine gives."""
    path = name if "/" in name else ""
    if path:
        try:
            if Files(c).is_dir(path) or Files(c).exists(path):
                return f'exec: "{name}": permission denied: unknown', 126
        except FileError:
            pass
        return f'exec: "{name}": stat {name}: no such file or directory: unknown', 127
    return f'exec: "{name}": executable file not found in $PATH: unknown', 127


def passwd_user(c, user: str) -> tuple[int, int, list[int]] | None:
    """uid, gid and groups for `--user NAME|UID[:GROUP|GID]`; None when the image's /etc/passwd
    does not know the name (the lab image has none)."""
    name, _, group = user.partition(":")
    if not name.isdigit():
        return None
    uid = int(name)
    if group and not group.isdigit():
        return None
    gid = int(group) if group else 0
    return uid, gid, [gid]


class Busybox:
    """The lab image's runtime (busybox 1.35, no /etc/passwd)."""

    def check(self, proc: Process, workdir: str, user: str) -> None:
        c = proc.container
        if not proc.argv:
            raise EngineError("No command specified", 400)
        if not c.image.id or APPLETS.program(proc.argv[0]) is None:
            text, code = missing_program(c, proc.argv[0])
            raise ExecNotFound(text, code)
        if workdir and not proc.main:
            path = absolute(workdir, "/")
            fs = Files(c)
            if not fs.is_dir(path):
                why = "not a directory" if fs.exists(path) else "no such file or directory"
                tail = (": Are you trying to mount a directory onto a file (or vice-versa)? Check if the "
                        "specified host path exists and is the expected type") if fs.exists(path) else ""
                raise ExecNotFound(f'chdir to cwd ("{workdir}") set in config.json failed: {why}: unknown{tail}',
                                   126)
        if user:
            ids = passwd_user(c, user)
            if ids is None:
                name, _, group = user.partition(":")
                if not name.isdigit():
                    raise EngineError(f"unable to find user {name}: no matching entries in passwd file")
                raise EngineError(f"unable to find group {group}: no matching entries in group file")
            proc.ids = ids
        extra = [int(g) for g in (c.host_config.get("GroupAdd") or []) if str(g).isdigit()] if proc.main else []
        if extra:
            uid, gid, _ = proc.ids
            proc.ids = (uid, gid, extra)

    def run(self, proc: Process) -> int:
        c = proc.container
        shell = Shell(c, proc, main=proc.main)
        base = environment(c)
        home = base.pop("HOME") if not any(x.startswith("HOME=") for x in c.config.get("Env") or []) else None
        for item in proc.env:
            name, _, value = item.partition("=")
            base[name] = value
        if home is not None:
            base.setdefault("HOME", home)
        shell.env = base
        shell.cwd = absolute(proc.workdir or c.config.get("WorkingDir") or "/", "/")
        shell.local["PWD"] = shell.cwd
        shell.sink = proc.write
        shell.passing = True
        try:
            res = shell.command(list(proc.argv), stdin=None, background=False)
        finally:
            shell.passing = False
        for fd, text in res.both:
            proc.write(fd, text)
        if shell.keeps_running and proc.main:
            proc.wait_until(lambda: False)   # a server in the foreground: until it is stopped
        return shell.exit_code if shell.exit_code is not None else res.code
