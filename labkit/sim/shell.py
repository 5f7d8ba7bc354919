"""busybox's shell (ash) as far as lessons use it, and the lab image's runtime built on it.

A script is read (grammar.py: tokens, then commands, simple and compound), then:
- expand: `$NAME`, `${NAME}`, `${NAME:-word}`, `${#NAME}`, `$?`, `$$`, `$#`, `$0`, `$(...)` and
  backquotes, in unquoted and double-quoted text (not in single quotes); unquoted results are
  split into fields on blanks. Variable assignments (`x=1`, `x=1 cmd`), `export`, `unset`, `cd`,
  `exit`, `trap`, `break` and `continue` are the shell's own.
- run: lists (`a; b`, `a && b`, `a || b`), pipelines (`a | b`: one's output is the next one's
  input), redirections into the container's files (or /dev/null), servers sent to the background
  (`&`); `{ }` groups, `( )` subshells, `if`, `while`/`until`, `for` and `case`. Every program is
  an applet of the image (applets/).

Output. A shell with a sink (its process's output, runtime.py) sends what each command writes there
as soon as the command ends, unless redirected or piped: a script that sleeps between two echoes
shows the first before it sleeps, and a loop's output comes as it goes (`docker logs -f`). Input.
`input` None is the process's own stdin (read only by a command that reads it: `cat`, a filter,
`sh` reading commands); a string is a pipe's or a file's.

Loops run in the process's thread. A loop whose passes wait for nothing (no `sleep`) gives up the
world for PACE_SECONDS every PACE passes: it costs a bounded share of the machine, and `docker
stop` finds it at a wait (PID 1 ignores SIGTERM unless trapped: the grace, then the kill).
"""
from __future__ import annotations

import copy
import fnmatch
import re
from dataclasses import dataclass, field

from .applets import APPLETS
from .applets.registry import Result
from . import parameters
from .builtins import BUILTINS, READING, SPECIAL
from .arithmetic import BadExpression, evaluate
from .engine import links, processes
from .engine.filesystem import FileError, Files, absolute
from .engine.sandbox import Sandbox
from .grammar import (Case, Command, For, Function, Group, If, Loop, Op, Parser, Pipeline, Redirect, ShellError,
                      ShellSyntax, Word, parse, substitution_end, tokenize)
from .process import Killed, Process
from .state import Container

__all__ = ["Op", "Redirect", "Shell", "ShellSyntax", "Word", "parse", "tokenize", "glob", "environment"]
PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
ASSIGNMENT = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)=")
PACE = 100          # passes of a loop that waited for nothing, before its process gives up the world
PACE_SECONDS = 0.05


# -- the shell --------------------------------------------------------------------------------------
class Shell:
    """One shell process in a container: its variables, its working folder, its last status."""

    def __init__(self, c: Container, proc: Process, main: bool):
        self.container = c
        self.process = proc
        self.main = main
        self.sandbox = Sandbox(c.host, c)
        self.keeps_running = False
        self.pid = proc.inner_pid if main or proc.inner_pid > 1 else c.last_pid
        self.jobs: list[Process] = []   # its background jobs (`... &`), the last one `$!`
        self.exit_code: int | None = None
        self.status = 0
        self.cwd = "/"
        self.env = environment(c)
        self.local: dict[str, str] = {"PWD": self.cwd}
        self.sink = None            # where output goes as it is written (the process's), or None: returned
        self.passing = False        # the command running now writes straight to the sink
        self.input: str | None = None   # what its commands read: None, the process's stdin
        self.loops = 0              # how many loops it is in (break and continue leave them)
        self.jump: tuple[str, int] | None = None    # ("break" or "continue", how many loops) on its way
        self.substituted = 0        # the status of the last $(...) of the command being expanded
        self.interactive = False    # reading commands at a terminal: an expansion error does not end it
        self.ash = False            # a shell (`sh`) started it: its variables in ash's table (env's order)
        self.args: list[str] = []   # the positional parameters ($1 ..., $#, $@), $0 its name
        self.name = "sh"
        self.functions: dict[str, Function] = {}
        self.frames: list[dict] = []    # the functions running: each one's `local` variables' old values
        self.took_input = False     # the command running read its input (a program reads all it is given)
        self.nounset = False        # set -u: expanding a variable not set is an error
        self.errexit = False        # set -e: a command that fails ends the script...
        self.tested = 0             # ...unless its status is tested (if/while, && ||, !), here or around

    def keep_running(self) -> None:
        self.keeps_running = True

    def child(self) -> "Shell":
        """A new shell started by this one (`sh -c`): its exported variables and folder, not its
        own variables."""
        sub = Shell(self.container, self.process, self.main)
        sub.env, sub.cwd = dict(self.env), self.cwd
        # ash exports PWD and SHLVL (its environment's plus one, as C's atoi reads it, unsigned)
        level = re.match(r"\s*([-+]?\d+)", self.env.get("SHLVL", ""))
        sub.env["SHLVL"] = str((int(level.group(1)) if level else 0) + 1 & 0xFFFFFFFF)
        sub.env["PWD"] = self.cwd
        del sub.local["PWD"]
        sub.ash = True
        sub.sink = self.sink if self.passing else None
        return sub

    def emit(self, res: Result) -> Result:
        """Send a finished command's output to the sink (when there is one): what is left to return."""
        if self.sink is None or not res.both:
            return res
        for fd, text in res.both:
            self.sink(fd, text)
        return Result(res.code)

    def subshell(self) -> "Shell":
        """A copy of this shell (`( ... )`, `$(...)`): its variables, folder and exit its own."""
        sub = copy.copy(self)
        sub.env, sub.local, sub.exit_code, sub.jump, sub.loops = dict(self.env), dict(self.local), None, None, 0
        sub.jobs, sub.functions, sub.frames = list(self.jobs), dict(self.functions), [dict(f) for f in self.frames]
        return sub

    def captured(self, script: str) -> str:
        """$(...): the output of a script run in a subshell, kept (not sent to the sink)."""
        sub = self.subshell()
        sub.sink, sub.errexit = None, False     # (ash: set -e does not hold inside $(...))
        res = sub.run_script(script)
        self.substituted = sub.exit_code if sub.exit_code is not None else res.code
        return res.out

    # -- expansion ---------------------------------------------------------------------------------
    def lookup(self, name: str) -> str | None:
        special = {"?": str(self.status), "$": str(self.pid), "#": str(len(self.args)), "0": self.name,
                   "!": str(self.jobs[-1].inner_pid) if self.jobs else "", "-": "", "@": " ".join(self.args),
                   "*": " ".join(self.args)}
        if name in special:
            return special[name]
        if name.isdigit():
            return self.args[int(name) - 1] if int(name) <= len(self.args) else None
        return self.local.get(name, self.env.get(name))

    def substitute(self, text: str) -> str:
        """The value of one `$...` or backquoted text (parameter or command substitution)."""
        if text.startswith("`"):
            return self.captured(text[1:-1]).rstrip("\n")
        if text.startswith("$((") and text.endswith("))"):
            try:
                return str(evaluate(self.expand_text(text[3:-2]), self.lookup, self.assign))
            except BadExpression as e:
                raise ShellError(str(e)) from None
        if text.startswith("$("):
            return self.captured(text[2:-1]).rstrip("\n")
        name = text[2:-1] if text.startswith("${") else text[1:]
        if self.nounset and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*|\d+", name) and self.lookup(name) is None:
            raise ShellError(f"{name}: parameter not set")      # set -u
        if text.startswith("${"):
            return parameters.expand(text[2:-1], self.lookup, self.assign, self.expand_text)
        if text == "$":
            return "$"
        return self.lookup(text[1:]) or ""

    def expand_text(self, text: str) -> str:
        """Double-quoted text: `$...` substituted, backslash escapes (of " \\ $ `) undone."""
        out, i = "", 0
        while i < len(text):
            ch = text[i]
            if ch == "\\" and i + 1 < len(text) and text[i + 1] in '"\\$`':
                out += text[i + 1]
                i += 2
            elif ch in "$`":
                end = substitution_end(text, i) if ch == "$" else text.find("`", i + 1) + 1
                out += self.substitute(text[i:end])
                i = end
            else:
                out += ch
                i += 1
        return out

    def expand(self, word: Word) -> list[str]:
        """A word's fields: unquoted substitutions split on blanks; quoted text kept whole."""
        fields: list[str] = []
        current: str | None = None
        for text, quote in word.parts:
            if quote in ("'", "\\"):
                current = (current or "") + text
            elif quote == '"' and text == "$@":     # "$@": each positional parameter a field of its own
                for k, arg in enumerate(self.args):
                    if k:
                        fields.append(current)
                        current = None
                    current = (current or "") + arg
            elif quote == '"':
                current = (current or "") + self.expand_text(text)
            elif quote == "$":
                value = self.substitute(text)
                pieces = value.split()
                if value[:1].isspace() and current is not None:
                    fields.append(current)
                    current = None
                for k, piece in enumerate(pieces):
                    if k:
                        fields.append(current)
                        current = None
                    current = (current or "") + piece
                if value[-1:].isspace() and current is not None:
                    fields.append(current)
                    current = None
            else:
                current = (current or "") + text
        if current is not None:
            fields.append(current)
        return fields

    # -- running ------------------------------------------------------------------------------------
    def run_script(self, script: str) -> Result:
        """Run a script, one line at a time (a syntax error stops it where it is found: exit 2)."""
        total = Result()
        try:
            parser = Parser(tokenize(script), script)
            while self.exit_code is None and (line := parser.line()) is not None:
                add(total, self.run_list(line))
        except ShellSyntax as e:
            add(total, self.emit(Result.of(2, "", f"sh: syntax error: {e}\n")))
        return total

    def run_list(self, pipes: list[Pipeline]) -> Result:
        """Pipelines joined by ; && || &: what they wrote (what the sink did not take), the last status."""
        total = Result(self.status)
        skip = False
        for pipe in pipes:
            if not skip:
                tested = pipe.negate or pipe.then in ("&&", "||")
                self.tested += tested
                try:
                    res = self.pipeline(pipe.commands, background=pipe.then == "&")
                except ShellError as e:
                    res = Result.of(2, "", f"sh: {e}\n")
                    self.exit_code = None if self.interactive else 2
                finally:
                    self.tested -= tested
                if pipe.negate:
                    res.code = int(res.code == 0)
                add(total, self.emit(res))
                self.status = res.code
                last = pipe.commands[-1]
                if self.errexit and res.code and not (tested or self.tested or self.exit_code is not None) and \
                        (isinstance(last, Command) or (isinstance(last, Group) and last.subshell)):
                    self.exit_code = res.code       # set -e (a compound command's own commands were judged inside)
                if self.exit_code is not None:
                    total.code = self.exit_code
                    return total
                if self.jump:
                    return total
            skip = (pipe.then == "&&" and self.status != 0) or (pipe.then == "||" and self.status == 0)
        return total

    def tested_list(self, pipes: list[Pipeline]) -> Result:
        """An if's or a loop's test: its status is tested (set -e does not end the script there)."""
        self.tested += 1
        try:
            return self.run_list(pipes)
        finally:
            self.tested -= 1

    def pipeline(self, commands: list, background: bool) -> Result:
        data = ""
        res = Result()
        err_all, both_all = "", []
        for k, cmd in enumerate(commands):
            last = k == len(commands) - 1
            simple = isinstance(cmd, Command)
            self.substituted = 0
            argv = [f for w in cmd.words for f in self.glob(w, self.expand(w))] if simple else []
            fds = self.open_redirects(cmd.redirects)
            if isinstance(fds, Result):
                res = fds
            else:
                stdin = fds[0][1] if fds[0][0] == "text" else data if k else self.input
                self.passing = last and fds[1][0] == "out" and fds[2][0] == "err"
                try:
                    if not simple:
                        res = self.compound(cmd, stdin, background and last)
                    elif argv:
                        self.took_input = False
                        res = self.command(argv, stdin=stdin, background=background and last, script=True)
                        if self.took_input and stdin is self.input and stdin is not None:
                            self.input = ""     # `while read l; do cat; done`: cat read the loop's input
                    else:
                        res = Result(self.substituted)
                finally:
                    self.passing = False
                res = self.route_output(res, fds)
            err_all += res.err
            both_all += [(fd, t) for fd, t in res.both if fd == 2 or last]
            data = res.out
        return Result(res.code, res.out, err_all, both_all)

    # -- compound commands -----------------------------------------------------------------------------
    def compound(self, node, stdin: str | None, background: bool) -> Result:
        """Run a compound command: its output to the sink as it goes when it is not redirected
        (self.passing), else kept for its redirections."""
        if background:
            return self.spawn(["sh", "-c", node.source])
        sink, self.sink = self.sink, self.sink if self.passing else None
        saved_input, self.input = self.input, stdin
        try:
            return self.run_node(node)
        finally:
            self.sink, self.input = sink, saved_input

    def spawn(self, argv: list[str]) -> Result:
        """`... &`: a job of its own, a process of the container in a thread of its own (its
        exported variables and folder; its output where this shell's process writes), run until
        its first wait; it ends with the container (or by itself)."""
        c = self.container
        world = c.host.world
        job = Process(world, c, argv, world.new_pid(), main=False)
        c.last_pid += 1
        job.inner_pid = c.last_pid
        job.env = [f"{k}={v}" for k, v in self.env.items()]
        job.workdir = self.cwd
        job.on_output = self.process.write    # the same output (its end does not close the shell's)
        c.jobs = [j for j in c.jobs if not j.ended] + [job]
        self.jobs.append(job)
        waiter = self.process
        processes.start(job, lambda code: waiter.wake())   # a `wait` for it goes on
        return Result()

    def run_node(self, node) -> Result:
        if isinstance(node, Group) and node.subshell:
            sub = self.subshell()
            res = sub.run_list(node.body)
            if sub.keeps_running:
                self.keep_running()
            self.status = res.code = sub.exit_code if sub.exit_code is not None else res.code
            return res
        if isinstance(node, Group):
            return self.run_list(node.body)
        if isinstance(node, If):
            total = Result()
            for test, body in node.arms:
                add(total, self.tested_list(test))
                if self.exit_code is not None or self.jump:
                    return total
                if self.status == 0:
                    return add(total, self.run_list(body))
            if node.otherwise is not None:
                return add(total, self.run_list(node.otherwise))
            total.code = self.status = 0
            return total
        if isinstance(node, (Loop, For)):
            self.loops += 1
            try:
                return self.loop(node)
            finally:
                self.loops -= 1
        if isinstance(node, Case):
            value = " ".join(self.expand(node.word))
            for patterns, body in node.arms:
                if any(fnmatch.fnmatchcase(value, self.pattern(p)) for p in patterns):
                    return self.run_list(body) if body else Result()
            self.status = 0
            return Result()
        assert isinstance(node, Function)
        self.functions[node.name] = node
        self.status = 0
        return Result()

    def call(self, node: Function, args: list[str], stdin: str | None) -> Result:
        """A function run: its body with the arguments as $1 ...; `return N` ends it (its status)."""
        saved, self.args = self.args, args
        self.frames.append({})
        try:
            res = self.compound(node.body, stdin, False)
        finally:
            self.args = saved
            for name, old in self.frames.pop().items():
                self.local.pop(name, None)
                if old is not None:
                    self.local[name] = old
        if self.jump and self.jump[0] == "return":
            res.code = self.status = self.jump[1]
            self.jump = None
        return res

    def loop(self, node) -> Result:
        """while/until/for: each pass (test, then body), break and continue, paced (see PACE)."""
        total, status, spins = Result(), 0, 0
        items = None
        if isinstance(node, For):
            items = [f for w in node.items or [] for f in self.glob(w, self.expand(w))]
        while items is None or items:
            wakes = self.process.wakes
            if items is not None:
                self.assign(node.name, items.pop(0))
            else:
                add(total, self.tested_list(node.test))
                if self.exit_code is None and not self.jump and (self.status == 0) == node.until:
                    break
            if self.exit_code is None and not self.jump:
                add(total, self.run_list(node.body))
                status = self.status
            if self.exit_code is not None:
                return total
            if self.jump and self.jump[0] == "return":
                return total
            if self.jump:
                what, levels = self.jump
                self.jump = (what, levels - 1) if levels > 1 else None
                if levels > 1 or what == "break":
                    break
            spins = spins + 1 if self.process.wakes == wakes else 0
            if spins >= PACE:
                spins = 0
                self.process.sleep(PACE_SECONDS)
        total.code = self.status = status
        return total

    def pattern(self, word: Word) -> str:
        """A case pattern: quoted parts match themselves, the rest as a pattern."""
        out = ""
        for text, quote in word.parts:
            value = text if quote in ("", "'", "\\") else self.expand_text(text) if quote == '"' else self.substitute(text)
            out += value if quote in ("", "$") else re.sub(r"([*?[])", r"[\1]", value)
        return out

    def assign(self, name: str, value: str) -> None:
        """NAME=VALUE: an exported variable stays exported (its new value seen by children)."""
        if name in self.env and name not in self.local:
            self.env[name] = value
        else:
            self.local[name] = value

    def path_of(self, word: Word) -> str:
        return "".join(self.expand(word)) or word.text

    def open_redirects(self, redirects: list[Redirect]) -> dict[int, tuple] | Result:
        """The command's file descriptors after its redirections, in order (`>&2 2>/dev/null`
        sends fd 1 where fd 2 was); the shell's error when a file cannot be opened."""
        fds: dict[int, tuple] = {0: ("pipe", ""), 1: ("out", ""), 2: ("err", "")}
        for r in redirects:
            if r.op == "<<":
                fds[r.fd] = ("text", "".join(self.expand_text(t) if q == '"' else t for t, q in r.target.parts))
                continue
            target = self.path_of(r.target)
            if r.op == ">&":
                if target.isdigit() and int(target) in fds:
                    fds[r.fd] = fds[int(target)]
                continue
            if target in ("/dev/stdout", "/dev/stderr") and r.op != "<":   # links to the shell's fds 1 and 2
                fds[r.fd] = fds[1 if target == "/dev/stdout" else 2]
                continue
            if target == "/dev/null":
                fds[r.fd] = ("text", "") if r.op == "<" else ("null", "")
                continue
            path = absolute(target, self.cwd)
            if r.op == "<":
                text = self.sandbox.read_file(path)
                if text is None:
                    return Result.of(1, "", f"sh: can't open '{target}': No such file or directory\n")
                fds[r.fd] = ("text", text)
                continue
            try:
                Files(self.container, self.process.ids[0]).write(path, b"", append=r.op == ">>")
            except FileError as e:
                why = "nonexistent directory" if e.reason == "No such file or directory" else e.reason
                return Result.of(1, "", f"sh: can't create {target}: {why}\n")
            fds[r.fd] = ("file", path)
        return fds

    def route_output(self, res: Result, fds: dict[int, tuple]) -> Result:
        """What a command wrote on fds 1 and 2, sent where its redirections point."""
        out, err, both = "", "", []
        for fd, text in res.both:
            kind, path = fds.get(fd, ("null", ""))
            if kind == "out":
                out += text
                both.append((1, text))
            elif kind == "err":
                err += text
                both.append((2, text))
            elif kind == "file":
                Files(self.container, self.process.ids[0]).write(path, text.encode(), append=True)
        return Result(res.code, out, err, both)

    def glob(self, word: Word, fields: list[str]) -> list[str]:
        """Pathname expansion of an unquoted pattern (*, ?, [...]); no match keeps the word."""
        if len(fields) != 1 or not any(kind == "" and any(ch in text for ch in "*?[")
                                       for text, kind in word.parts):
            return fields
        return glob(Files(self.container), fields[0], self.cwd) or fields

    def command(self, argv: list[str], stdin: str | None, background: bool, script: bool = False) -> Result:
        """Run one command: the shell's own (in a script), else an applet of the image. stdin None:
        the process's own."""
        if self.process.killed:
            raise Killed
        while self.process.pending and self.exit_code is None:
            self.run_script(self.process.traps.get(self.process.pending.pop(0)) or "")
        if self.exit_code is not None:
            return Result(self.exit_code)
        assignments = []
        while argv and ASSIGNMENT.match(argv[0]):
            name, _, value = argv[0].partition("=")
            assignments.append((name, value))
            argv = argv[1:]
        if not argv:
            for name, value in assignments:
                self.assign(name, value)
            return Result(self.substituted)
        builtin = BUILTINS.get(argv[0]) if script else None
        if argv[0] in self.functions and argv[0] not in SPECIAL:
            return self.call(self.functions[argv[0]], argv[1:], stdin)
        if builtin is not None:
            return builtin(self, argv[1:], stdin) if argv[0] in READING else builtin(self, argv[1:])
        name = APPLETS.program(argv[0])
        if name is None:
            return Result.of(127, "", f"sh: {argv[0]}: not found\n")
        saved = dict(self.env)
        self.env.update(assignments)
        try:
            res = APPLETS.find(name)(argv[1:], stdin, background, self)
        finally:
            self.env = saved
        if script and name in ("test", "[", "[[", "kill") and res.err.startswith(name + ": "):
            # ash's own test and kill: their errors are the shell's.
            res = Result.of(res.code, res.out, "sh: " + res.err[len(name) + 2:])
        return res


def add(total: Result, res: Result) -> Result:
    """res's output after total's; res's status."""
    total.out += res.out
    total.err += res.err
    total.both += res.both
    total.code = res.code
    return total


def glob(fs: Files, pattern: str, cwd: str = "/") -> list[str]:
    """The paths a pattern (*, ?, [...]) in its last part matches, sorted; [] when none (or when
    the pattern is in a folder's name: not modelled)."""
    folder, _, last = pattern.rpartition("/")
    if any(ch in folder for ch in "*?["):
        return []
    where = absolute(folder or ("/" if pattern.startswith("/") else "."), cwd)
    try:
        names = [n for n, _ in fs.listdir(where) if not n.startswith(".") and fnmatch.fnmatchcase(n, last)]
    except FileError:
        return []
    prefix = folder + "/" if folder or pattern.startswith("/") else ""
    return [prefix + n for n in sorted(names)]


def environment(c: Container) -> dict[str, str]:
    """A process's environment: PATH, HOSTNAME, legacy links' variables, the container's own
    (-e), HOME."""
    env = {"PATH": PATH, "HOSTNAME": c.hostname}
    for item in links.environment(c) + list(c.config.get("Env") or []):
        name, _, value = item.partition("=")
        env[name] = value
    env.setdefault("HOME", "/")
    return env
