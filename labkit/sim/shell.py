"""busybox's shell (ash) as far as lessons use it, and the lab image's runtime built on it.

A script is read in three steps:
- tokenize: words (with their quoting kept, so that expansion knows what it may touch), operators
  (`;` `&&` `||` `&` `|`) and redirections (`>` `>>` `<` `N>` `N>&M`); `#` starts a comment.
- expand: `$NAME`, `${NAME}`, `${NAME:-word}`, `${#NAME}`, `$?`, `$$`, `$#`, `$0`, `$(...)` and
  backquotes, in unquoted and double-quoted text (not in single quotes); unquoted results are
  split into fields on blanks. Variable assignments (`x=1`, `x=1 cmd`), `export`, `unset`, `cd`
  and `exit` are the shell's own.
- run: lists (`a; b`, `a && b`, `a || b`), pipelines (`a | b`: one's output is the next one's
  input), redirections into the container's files (or /dev/null), servers sent to the background
  (`&`). Every program is an applet of the image (applets/).

Output. A shell with a sink (its process's output, runtime.py) sends what each command writes there
as soon as the command ends, unless redirected or piped: a script that sleeps between two echoes
shows the first before it sleeps. Input. `input` None is the process's own stdin (read only by a
command that reads it: `cat`, a filter, `sh` reading commands); a string is a pipe's or a file's.
"""
from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field

from .applets import APPLETS
from .applets.registry import Result
from .engine import links
from .engine.filesystem import FileError, Files, absolute
from .engine.sandbox import Sandbox
from .process import Killed, Process
from .state import Container

PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
ASSIGNMENT = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)=")


class ShellSyntax(Exception):
    """ash's "syntax error: ..." (exit 2)."""


# -- tokens ----------------------------------------------------------------------------------------
@dataclass
class Word:
    """A word as written: its parts, each with how it was written: "" plain text, "'" single-quoted,
    '"' double-quoted (substitutions still to make), "\\" one escaped character, "$" a substitution
    outside quotes (`$NAME`, `${...}`, `$(...)`, backquotes)."""

    parts: list[tuple[str, str]] = field(default_factory=list)

    def add(self, text: str, kind: str) -> None:
        if kind == "" and self.parts and self.parts[-1][1] == "":
            self.parts[-1] = (self.parts[-1][0] + text, "")
        else:
            self.parts.append((text, kind))

    @property
    def text(self) -> str:
        return "".join(t for t, _ in self.parts)

    @property
    def plain(self) -> bool:
        """Written without quotes, escapes or substitutions."""
        return all(kind == "" for _, kind in self.parts)


@dataclass
class Op:
    op: str     # ";", "&&", "||", "&", "|"


@dataclass
class Redirect:
    fd: int
    op: str        # ">", ">>", ">&", "<"
    target: Word


def _closing(script: str, i: int, open_: str, close: str) -> int:
    """The index of the bracket closing the one before i (quotes inside skipped)."""
    depth, n = 1, len(script)
    while i < n:
        ch = script[i]
        if ch in "'\"":
            j = script.find(ch, i + 1)
            if j < 0:
                break
            i = j
        elif ch == "\\":
            i += 1
        elif script.startswith(open_, i):
            depth += 1
        elif ch == close:
            depth -= 1
            if depth == 0:
                return i
        i += 1
    raise ShellSyntax("unterminated quoted string")


def _dollar(script: str, i: int) -> int:
    """The end of a `$...` expansion starting at i (the text is kept for expand())."""
    nxt = script[i + 1:i + 2]
    if nxt == "(":
        return _closing(script, i + 2, "(", ")") + 1
    if nxt == "{":
        j = script.find("}", i + 2)
        if j < 0:
            raise ShellSyntax("unterminated quoted string")  # ash: "missing '}'" is close enough
        return j + 1
    m = NAME.match(script, i + 1)
    if m:
        return m.end()
    return i + 2 if nxt and nxt in "?$#0123456789!@*-" else i + 1


def tokenize(script: str) -> list:
    """Words, operators and redirections, in order."""
    tokens: list = []
    word: Word | None = None
    i, n = 0, len(script)

    def flush():
        nonlocal word
        if word is not None:
            tokens.append(word)
        word = None

    def part(text: str, quote: str):
        nonlocal word
        word = word or Word()
        word.add(text, quote)

    while i < n:
        ch = script[i]
        if ch in " \t\n":
            flush()
            i += 1
        elif ch == "#" and word is None:
            j = script.find("\n", i)
            i = n if j < 0 else j
        elif ch == "'":
            j = script.find("'", i + 1)
            if j < 0:
                raise ShellSyntax("unterminated quoted string")
            part(script[i + 1:j], "'")
            i = j + 1
        elif ch == '"':
            j, buf = i + 1, ""
            while j < n and script[j] != '"':
                if script[j] == "\\" and j + 1 < n and script[j + 1] in '"\\$`':
                    buf += "\\" + script[j + 1]
                    j += 2
                    continue
                if script[j] == "$":
                    end = _dollar(script, j)
                    buf += script[j:end]
                    j = end
                    continue
                buf += script[j]
                j += 1
            if j >= n:
                raise ShellSyntax("unterminated quoted string")
            part(buf, '"')
            i = j + 1
        elif ch == "\\" and i + 1 < n:
            part(script[i + 1], "\\")
            i += 2
        elif ch == "$" or ch == "`":
            end = _dollar(script, i) if ch == "$" else script.find("`", i + 1) + 1
            if end <= i:
                raise ShellSyntax("unterminated quoted string")
            part(script[i:end], "$")
            i = end
        elif ch in "&|;":
            flush()
            two = script[i:i + 2]
            op = two if two in ("&&", "||", ";;") else ch
            if op == ";;":
                raise ShellSyntax('unexpected ";;"')
            tokens.append(Op(op))
            i += len(op)
        elif ch in "<>":
            fd = 1 if ch == ">" else 0
            if word is not None and word.plain and word.text.isdigit():
                fd, word = int(word.text), None
            else:
                flush()
            op = script[i:i + 2] if script[i:i + 2] in (">>", ">&") else ch
            i += len(op)
            while i < n and script[i] in " \t":
                i += 1
            target = Word()
            while i < n and script[i] not in " \t\n;&|<>":
                if script[i] in "'\"":
                    j = script.find(script[i], i + 1)
                    if j < 0:
                        raise ShellSyntax("unterminated quoted string")
                    target.add(script[i + 1:j], script[i])
                    i = j + 1
                else:
                    target.add(script[i], "")
                    i += 1
            if not target.parts:
                raise ShellSyntax("unexpected end of file" if i >= n else "unexpected newline"
                                  if script[i] == "\n" else f'unexpected "{script[i]}"')
            tokens.append(Redirect(fd, op, target))
        else:
            part(ch, "")
            i += 1
    flush()
    return tokens


@dataclass
class Command:
    words: list[Word]
    redirects: list[Redirect]


@dataclass
class Pipeline:
    commands: list[Command]
    then: str = ";"    # what follows: ";" (or the end), "&&", "||", "&"


def parse(tokens: list) -> list[Pipeline]:
    """Lists of pipelines, each with the operator after it; ash's syntax errors."""
    out: list[Pipeline] = []
    pipe: list[Command] = []
    cmd = Command([], [])
    for tok in tokens:
        if isinstance(tok, Op):
            if not cmd.words and not cmd.redirects:
                raise ShellSyntax(f'unexpected "{tok.op}"')
            pipe.append(cmd)
            cmd = Command([], [])
            if tok.op != "|":
                out.append(Pipeline(pipe, tok.op))
                pipe = []
        elif isinstance(tok, Redirect):
            cmd.redirects.append(tok)
        else:
            cmd.words.append(tok)
    if cmd.words or cmd.redirects:
        pipe.append(cmd)
        out.append(Pipeline(pipe))
    elif pipe or (out and out[-1].then in ("&&", "||")):
        raise ShellSyntax("unexpected end of file")
    return out


# -- the shell --------------------------------------------------------------------------------------
class Shell:
    """One shell process in a container: its variables, its working folder, its last status."""

    def __init__(self, c: Container, proc: Process, main: bool):
        self.container = c
        self.process = proc
        self.main = main
        self.sandbox = Sandbox(c.host, c)
        self.keeps_running = False
        self.pid = 1 if main else c.last_pid
        self.exit_code: int | None = None
        self.status = 0
        self.cwd = "/"
        self.env = environment(c)
        self.local: dict[str, str] = {"PWD": self.cwd}
        self.sink = None            # where output goes as it is written (the process's), or None: returned
        self.passing = False        # the command running now writes straight to the sink
        self.input: str | None = None   # what its commands read: None, the process's stdin

    def keep_running(self) -> None:
        self.keeps_running = True

    def child(self) -> "Shell":
        """A new shell started by this one (`sh -c`): its exported variables and folder, not its
        own variables."""
        sub = Shell(self.container, self.process, self.main)
        sub.env, sub.cwd, sub.local["PWD"] = dict(self.env), self.cwd, self.cwd
        sub.sink = self.sink if self.passing else None
        return sub

    def emit(self, res: Result) -> Result:
        """Send a finished command's output to the sink (when there is one): what is left to return."""
        if self.sink is None or not res.both:
            return res
        for fd, text in res.both:
            self.sink(fd, text)
        return Result(res.code)

    def captured(self, script: str) -> str:
        """$(...): the output of a script, kept (not sent to the sink)."""
        sink, self.sink = self.sink, None
        try:
            return self.run_script(script).out
        finally:
            self.sink = sink

    # -- expansion ---------------------------------------------------------------------------------
    def lookup(self, name: str) -> str | None:
        special = {"?": str(self.status), "$": str(self.pid), "#": "0", "0": "sh", "!": "", "-": "", "@": "", "*": ""}
        if name in special:
            return special[name]
        return self.local.get(name, self.env.get(name))

    def substitute(self, text: str) -> str:
        """The value of one `$...` or backquoted text (parameter or command substitution)."""
        if text.startswith("`"):
            return self.captured(text[1:-1]).rstrip("\n")
        if text.startswith("$(("):
            raise ShellSyntax("labkit's simulated engine does not model $((...)) arithmetic")
        if text.startswith("$("):
            return self.captured(text[2:-1]).rstrip("\n")
        if text.startswith("${"):
            inner = text[2:-1]
            if inner.startswith("#"):
                return str(len(self.lookup(inner[1:]) or ""))
            m = re.fullmatch(r"([A-Za-z_][A-Za-z0-9_]*|[?$#0])(:?-)?(.*)", inner, re.S)
            if m is None:
                raise ShellSyntax(f"bad substitution: {text}")
            value = self.lookup(m.group(1))
            if m.group(2) and (value is None or (m.group(2) == ":-" and value == "")):
                return self.expand_text(m.group(3))
            return value or ""
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
                end = _dollar(text, i) if ch == "$" else text.find("`", i + 1) + 1
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
        try:
            pipelines = parse(tokenize(script))
        except ShellSyntax as e:
            return Result.of(2, "", f"sh: syntax error: {e}\n")
        total = Result()
        skip = False
        for pipe in pipelines:
            if not skip:
                try:
                    res = self.pipeline(pipe.commands, background=pipe.then == "&")
                except ShellSyntax as e:
                    res = Result.of(2, "", f"sh: {e}\n")
                res = self.emit(res)
                total.out += res.out
                total.err += res.err
                total.both += res.both
                total.code = self.status = res.code
                if self.exit_code is not None:
                    total.code = self.exit_code
                    return total
            skip = (pipe.then == "&&" and self.status != 0) or (pipe.then == "||" and self.status == 0)
        return total

    def pipeline(self, commands: list[Command], background: bool) -> Result:
        data = ""
        res = Result()
        err_all, both_all = "", []
        for k, cmd in enumerate(commands):
            last = k == len(commands) - 1
            argv = [f for w in cmd.words for f in self.glob(w, self.expand(w))]
            fds = self.open_redirects(cmd.redirects)
            if isinstance(fds, Result):
                res = fds
            else:
                stdin = fds[0][1] if fds[0][0] == "text" else data if k else self.input
                self.passing = last and fds[1][0] == "out" and fds[2][0] == "err"
                try:
                    res = self.command(argv, stdin=stdin, background=background and last, script=True) \
                        if argv else Result()
                finally:
                    self.passing = False
                res = self.route_output(res, fds)
            err_all += res.err
            both_all += [(fd, t) for fd, t in res.both if fd == 2 or last]
            data = res.out
        return Result(res.code, res.out, err_all, both_all)

    def path_of(self, word: Word) -> str:
        return "".join(self.expand(word)) or word.text

    def open_redirects(self, redirects: list[Redirect]) -> dict[int, tuple] | Result:
        """The command's file descriptors after its redirections, in order (`>&2 2>/dev/null`
        sends fd 1 where fd 2 was); the shell's error when a file cannot be opened."""
        fds: dict[int, tuple] = {0: ("pipe", ""), 1: ("out", ""), 2: ("err", "")}
        for r in redirects:
            target = self.path_of(r.target)
            if r.op == ">&":
                if target.isdigit() and int(target) in fds:
                    fds[r.fd] = fds[int(target)]
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
                Files(self.container).write(path, b"", append=r.op == ">>")
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
                Files(self.container).write(path, text.encode(), append=True)
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
            self.local.update(assignments)
            return Result()
        builtin = BUILTINS.get(argv[0]) if script else None
        if builtin is not None:
            return builtin(self, argv[1:])
        name = APPLETS.program(argv[0])
        if name is None:
            return Result.of(127, "", f"sh: {argv[0]}: not found\n")
        saved = dict(self.env)
        self.env.update(assignments)
        try:
            res = APPLETS.find(name)(argv[1:], stdin, background, self)
        finally:
            self.env = saved
        if script and name in ("test", "[", "[[") and res.err.startswith(name + ": "):
            # ash's own test: its errors are the shell's.
            res = Result.of(res.code, res.out, "sh: " + res.err[len(name) + 2:])
        return res


# -- the shell's own commands -----------------------------------------------------------------------
def _exit(shell: Shell, args: list[str]) -> Result:
    shell.exit_code = int(args[0]) % 256 if args and args[0].isdigit() else shell.status
    return Result(shell.exit_code)


def _cd(shell: Shell, args: list[str]) -> Result:
    target = args[0] if args else shell.env.get("HOME", "/")
    path = absolute(target, shell.cwd)
    if not Files(shell.container).is_dir(path):
        return Result.of(2, "", f"sh: cd: line 0: can't cd to {target}: No such file or directory\n")
    shell.cwd = path
    shell.local["PWD"] = path
    return Result()


def _export(shell: Shell, args: list[str]) -> Result:
    for arg in args:
        name, eq, value = arg.partition("=")
        shell.env[name] = value if eq else shell.local.pop(name, shell.env.get(name, ""))
    return Result()


def _unset(shell: Shell, args: list[str]) -> Result:
    for name in args:
        shell.local.pop(name, None)
        shell.env.pop(name, None)
    return Result()


SIGNAL_NAMES = {"HUP": 1, "INT": 2, "QUIT": 3, "KILL": 9, "USR1": 10, "USR2": 12, "PIPE": 13, "ALRM": 14,
                "TERM": 15, "CHLD": 17, "CONT": 18, "WINCH": 28}


def _trap(shell: Shell, args: list[str]) -> Result:
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


BUILTINS = {"trap": _trap, "exit": _exit, "cd": _cd, "export": _export, "unset": _unset, ":": lambda shell, args: Result()}


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
