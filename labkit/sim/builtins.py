"""The shell's own commands (busybox ash's builtins), as a script runs them: `exit`, `cd`, `export`,
`unset`, `trap`, `break`, `continue`, `exec`, `read`, `wait`, `return`, `local`, `shift`, `set --`
and `:`. Each takes the shell (shell.Shell)
and its arguments; `read` takes its input too (what its command reads: a loop's, a pipe's, a file's,
or None: the process's own stdin).
"""
from __future__ import annotations

import re
import signal

from .applets import APPLETS
from .applets.registry import Result
from .engine.filesystem import Files, absolute


def _exit(shell, args: list[str]) -> Result:
    shell.exit_code = int(args[0]) % 256 if args and args[0].isdigit() else shell.status
    return Result(shell.exit_code)


def _cd(shell, args: list[str]) -> Result:
    target = args[0] if args else shell.env.get("HOME", "/")
    path = absolute(target, shell.cwd)
    if not Files(shell.container).is_dir(path):
        return Result.of(2, "", f"sh: cd: line 0: can't cd to {target}: No such file or directory\n")
    if "PWD" in shell.env:     # ash's own: the folder it left in OLDPWD, exported too
        shell.env["OLDPWD"] = shell.env["PWD"]
    shell.cwd = path
    shell.assign("PWD", path)
    return Result()


def _export(shell, args: list[str]) -> Result:
    for arg in args:
        name, eq, value = arg.partition("=")
        shell.env[name] = value if eq else shell.local.pop(name, shell.env.get(name, ""))
    return Result()


def _unset(shell, args: list[str]) -> Result:
    """unset [-v] NAME...: variables; unset -f NAME...: functions."""
    functions = args[:1] == ["-f"]
    for name in args[1:] if args[:1] in (["-f"], ["-v"]) else args:
        if functions:
            shell.functions.pop(name, None)
        else:
            shell.local.pop(name, None)
            shell.env.pop(name, None)
    return Result()


SIGNAL_NAMES = {"HUP": 1, "INT": 2, "QUIT": 3, "KILL": 9, "USR1": 10, "USR2": 12, "PIPE": 13, "ALRM": 14,
                "TERM": 15, "CHLD": 17, "CONT": 18, "WINCH": 28}


def _trap(shell, args: list[str]) -> Result:
    """trap 'COMMANDS' SIGNAL...: run COMMANDS when the signal comes (after the command running
    then); trap - SIGNAL: back to the default; trap '' SIGNAL: ignored."""
    if len(args) < 2:
        return Result()
    action, traps = args[0], shell.process.traps
    for name in args[1:]:
        key = name.upper().removeprefix("SIG")
        number = int(key) if key.isdigit() else SIGNAL_NAMES.get(key)
        if number is None:
            if key != "EXIT":
                return Result.of(1, "", f"sh: trap: {name}: invalid signal specification\n")
            continue
        if action == "-":
            traps.pop(number, None)
        else:
            traps[number] = action
    return Result()


def _jump(shell, args: list[str], what: str) -> Result:
    """break [N], continue [N]: leave (or go on with) the N innermost loops; outside a loop, nothing."""
    if args and (not args[0].isdigit() or int(args[0]) == 0):
        shell.exit_code = 2    # an error in a special builtin ends a script
        return Result.of(2, "", f"sh: {what}: line 0: Illegal number: {args[0]}\n")
    if shell.loops:
        shell.jump = (what, min(int(args[0]) if args else 1, shell.loops))
    return Result()


def _exec(shell, args: list[str]) -> Result:
    """exec COMMAND...: the command takes the shell's place (the shell ends with its status)."""
    if not args:
        return Result()
    if APPLETS.program(args[0]) is None:
        res = Result.of(127, "", f"sh: exec: line 0: {args[0]}: not found\n")
    else:
        res = shell.command(args, stdin=shell.input, background=False)
    shell.exit_code = res.code
    return res


def _wait(shell, args: list[str]) -> Result:
    """wait [PID...]: until the shell's background jobs (those named) have ended; the status of
    the last one named (128+N and the signal's name when a signal ended it), or 0 for all."""
    if not args:
        shell.process.wait_until(lambda: all(job.ended for job in shell.jobs))
        return Result()
    res = Result()
    for arg in args:
        if not arg.isdigit():
            return Result.of(2, res.out, res.err + f"sh: wait: line 0: Illegal number: {arg}\n")
        job = next((j for j in shell.jobs if j.inner_pid == int(arg)), None)
        if job is None:
            res.code = 127
            continue
        shell.process.wait_until(lambda: job.ended)
        res.code = job.exit_code
        if job.exit_code > 128 and job.killed:
            res = Result.of(res.code, res.out, res.err + signal.strsignal(job.exit_code - 128) + "\n")
    return res

def _return(shell, args: list[str]) -> Result:
    """return [N]: the function ends with N (else the last status); outside one, the script ends."""
    if args and not args[0].lstrip("-").isdigit():
        shell.exit_code = 2
        return Result.of(2, "", f"sh: return: line 0: Illegal number: {args[0]}\n")
    code = int(args[0]) % 256 if args else shell.status
    if shell.frames:
        shell.jump = ("return", code)
    else:
        shell.exit_code = code
    return Result(code)


def _local(shell, args: list[str]) -> Result:
    """local NAME[=VALUE]...: a variable of the running function, its old value back when it returns."""
    if not shell.frames:
        shell.exit_code = 2
        return Result.of(2, "", "sh: local: line 0: not in a function\n")
    for arg in args:
        name, eq, value = arg.partition("=")
        shell.frames[-1].setdefault(name, shell.local.get(name))
        shell.local[name] = value
    return Result()


def _shift(shell, args: list[str]) -> Result:
    """shift [N]: the positional parameters from $N+1 on (status 1 when there are fewer)."""
    if args and not args[0].isdigit():
        shell.exit_code = 2
        return Result.of(2, "", f"sh: shift: line 0: Illegal number: {args[0]}\n")
    n = int(args[0]) if args else 1
    if n > len(shell.args):
        return Result(1)
    shell.args = shell.args[n:]
    return Result()


def _set(shell, args: list[str]) -> Result:
    """set -- WORDS (or set WORDS): the positional parameters; set -e / +e, set -o errexit: end
    the script when a command fails; set -u / -o nounset: a variable not set is an error. set's
    other options are not modelled (said on stderr)."""
    if args[:1] == ["--"] or (args and not args[0].startswith(("-", "+"))):
        shell.args = args[1:] if args[0] == "--" else list(args)
        return Result()
    rest, other = list(args), []
    while rest and rest[0][:1] in ("-", "+") and rest[0] != "--":
        flag = rest.pop(0)
        letters = [rest.pop(0) if rest else ""] if flag[1:] == "o" else list(flag[1:])
        for letter in letters:
            if letter in ("e", "errexit"):
                shell.errexit = flag[0] == "-"
            elif letter in ("u", "nounset"):
                shell.nounset = flag[0] == "-"
            else:
                other.append(flag[0] + letter if len(letter) == 1 else f"{flag[0]}o {letter}")
    if rest[:1] == ["--"]:
        shell.args = rest[1:]
    if other or not args:
        return Result.of(0, "", f"sh: labkit's simulated engine does not model set {' '.join(other)}"
                                f"{'' if args else '(the variables)'}; try it on a real Docker engine\n")
    return Result()


def _read(shell, args: list[str], stdin: str | None) -> Result:
    """read [-r] [NAME...]: one line of input into the names (split on blanks, the last one taking
    the rest; REPLY without names); without -r a backslash escapes the next character. Exit 1 at
    the end of input. A loop's input (shell.input) is read on, line by line."""
    raw = "-r" in args
    names = [a for a in args if not a.startswith("-")] or ["REPLY"]
    if stdin is None:
        text = shell.process.read(line=True).decode(errors="replace")
        line, ended = text.rstrip("\n"), not text.endswith("\n")
    else:
        line, newline, rest = stdin.partition("\n")
        ended = not newline
        if stdin is shell.input:
            shell.input = rest
    if not raw:
        line = re.sub(r"\\(.)", r"\1", line)
    fields = line.strip(" \t").split(None, len(names) - 1) if line.strip(" \t") else []
    for k, name in enumerate(names):
        value = fields[k] if k < len(fields) else ""
        shell.assign(name, value.rstrip(" \t") if k == len(names) - 1 else value)
    return Result(1 if ended else 0)


BUILTINS = {"exec": _exec, "read": _read, "break": lambda shell, args: _jump(shell, args, "break"),
            "continue": lambda shell, args: _jump(shell, args, "continue"),
            "trap": _trap, "wait": _wait, "return": _return, "local": _local, "shift": _shift, "set": _set, "exit": _exit, "cd": _cd, "export": _export, "unset": _unset, ":": lambda shell, args: Result()}
# Those that read their command's input.
READING = {"read"}
# POSIX's special builtins: found before a function of the same name.
SPECIAL = {"break", "continue", "exec", "exit", "export", "return", "set", "shift", "trap", "unset", ":"}
