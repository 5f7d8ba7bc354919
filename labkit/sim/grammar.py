"""busybox's shell (ash) grammar: a script read into commands, as ash reads it.

- tokenize: words (with their quoting kept, so that expansion knows what it may touch), operators
  (`;` `&&` `||` `&` `|` `(` `)` `;;` and the newline) and redirections (`>` `>>` `<` `N>` `N>&M`);
  `#` starts a comment, a backslash before a newline continues the line.
- parse: ash's grammar (dash's parser): lists of pipelines joined by `&&` `||`, each pipeline one
  or more commands joined by `|` (`!` before it negates its status). A command is simple (words
  and redirections) or compound: `{ LIST; }`, `( LIST )` (a subshell), `if LIST; then LIST;
  [elif LIST; then LIST;]... [else LIST;] fi`, `while LIST; do LIST; done`, `until ...`, `for NAME
  [in WORDS]; do LIST; done`, `case WORD in [(]PATTERN[|PATTERN]...) LIST;; ... esac`, each with
  its own redirections. Reserved words are words only where a command starts (`echo done` prints
  done). Function definitions (`f() { ...; }`): the shell keeps them and runs them by name.
- The script's top level is read one line at a time (`Parser.line()`), as ash reads it: the lines
  before a syntax error have run when it is found. Syntax errors carry ash's words: `unexpected
  "fi"`, `unexpected end of file (expecting "done")`, `unexpected word`, `bad for loop variable`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class ShellSyntax(Exception):
    """ash's "syntax error: ..." (exit 2)."""


class ShellError(Exception):
    """An expansion that fails (`$((1/0))`, a bad `${...}`): ash's words after "sh: "; it ends a
    script (exit 2), not an interactive shell."""


# -- tokens ----------------------------------------------------------------------------------------
@dataclass
class Word:
    """A word as written: its parts, each with how it was written: "" plain text, "'" single-quoted,
    '"' double-quoted (substitutions still to make), "\\" one escaped character, "$" a substitution
    outside quotes (`$NAME`, `${...}`, `$(...)`, backquotes)."""

    parts: list[tuple[str, str]] = field(default_factory=list)
    at: int = field(default=0, compare=False)     # where it starts in the script

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
    op: str     # ";", "&&", "||", "&", "|", "\n", "(", ")", ";;"
    at: int = field(default=0, compare=False)


@dataclass
class Redirect:
    fd: int
    op: str        # ">", ">>", ">&", "<", "<<" (a here-document: target is its text)
    target: Word
    at: int = field(default=0, compare=False)
    unended: bool = field(default=False, compare=False)    # a here-document the script ended in


def closing(script: str, i: int, open_: str, close: str) -> int:
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


def substitution_end(script: str, i: int) -> int:
    """The end of a `$...` expansion starting at i (the text is kept for expand())."""
    nxt = script[i + 1:i + 2]
    if nxt == "(":
        return closing(script, i + 2, "(", ")") + 1
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
    heredocs: list[tuple[Redirect, str, bool]] = []    # read after the line's end

    def flush():
        nonlocal word
        if word is not None:
            tokens.append(word)
        word = None

    def part(text: str, quote: str):
        nonlocal word
        word = word or Word(at=i)
        word.add(text, quote)

    while i < n:
        ch = script[i]
        if ch in " \t":
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
                    end = substitution_end(script, j)
                    buf += script[j:end]
                    j = end
                    continue
                buf += script[j]
                j += 1
            if j >= n:
                raise ShellSyntax("unterminated quoted string")
            part(buf, '"')
            i = j + 1
        elif ch == "\\" and script[i + 1:i + 2] == "\n":
            i += 2                     # a line continued
        elif ch == "\\" and i + 1 < n:
            part(script[i + 1], "\\")
            i += 2
        elif ch == "$" or ch == "`":
            end = substitution_end(script, i) if ch == "$" else script.find("`", i + 1) + 1
            if end <= i:
                raise ShellSyntax("unterminated quoted string")
            part(script[i:end], "$")
            i = end
        elif ch in "&|;()\n":
            flush()
            two = script[i:i + 2]
            op = two if two in ("&&", "||", ";;") else ch
            tokens.append(Op(op, at=i))
            i += len(op)
            if op == "\n" and heredocs:
                i = here_documents(script, i, heredocs)
        elif ch in "<>":
            at = i
            fd = 1 if ch == ">" else 0
            if word is not None and word.plain and word.text.isdigit():
                fd, word = int(word.text), None
            else:
                flush()
            op = "<<-" if script.startswith("<<-", i) else script[i:i + 2] if script[i:i + 2] in (">>", ">&", "<<") else ch
            i += len(op)
            while i < n and script[i] in " \t":
                i += 1
            target = Word()
            while i < n and script[i] not in " \t\n;&|<>()":
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
            tokens.append(Redirect(fd, op, target, at=at))
            if op.startswith("<<"):
                heredocs.append((tokens[-1], target.text, op == "<<-"))
        else:
            part(ch, "")
            i += 1
    flush()
    if heredocs:
        here_documents(script, n, heredocs)
    return tokens


def here_documents(script: str, i: int, heredocs: list[tuple[Redirect, str, bool]]) -> int:
    """The bodies of the line's here-documents (`<<END`, `<<-END`: leading tabs dropped), read from
    i up to each one's END line: each redirection's target becomes its text, to be expanded as
    double-quoted text unless END was quoted. Where the script goes on after them."""
    for redirect, end, tabs in heredocs:
        quoted = not redirect.target.plain
        body = ""
        while i < len(script):
            j = script.find("\n", i)
            line = script[i:] if j < 0 else script[i:j]
            i = len(script) if j < 0 else j + 1
            if tabs:
                line = line.lstrip("\t")
            if line == end:
                break
            body += line + ("\n" if j >= 0 else "")
        else:
            redirect.unended = True
        redirect.target = Word([(body, "'" if quoted else '"')])
        redirect.op = "<<"
    heredocs.clear()
    return i


# -- commands ----------------------------------------------------------------------------------------
@dataclass
class Command:
    """A simple command: words and redirections."""
    words: list[Word]
    redirects: list[Redirect]


@dataclass
class Pipeline:
    commands: list            # Command or a compound command
    then: str = ";"           # what follows: ";" (a newline, or the end), "&&", "||", "&"
    negate: bool = False      # `! PIPELINE`


@dataclass
class Group:
    """`{ LIST; }`, or `( LIST )` (subshell: its variables, folder and exit are its own)."""
    body: list[Pipeline]
    subshell: bool
    redirects: list[Redirect] = field(default_factory=list)
    source: str = ""          # as written (a job sent to the background runs it)


@dataclass
class If:
    arms: list[tuple[list[Pipeline], list[Pipeline]]]    # (condition, body) of if and each elif
    otherwise: list[Pipeline] | None
    redirects: list[Redirect] = field(default_factory=list)
    source: str = ""          # as written (a job sent to the background runs it)


@dataclass
class Loop:
    """`while` (or `until`) TEST; do BODY; done."""
    test: list[Pipeline]
    body: list[Pipeline]
    until: bool
    redirects: list[Redirect] = field(default_factory=list)
    source: str = ""          # as written (a job sent to the background runs it)


@dataclass
class For:
    name: str
    items: list[Word] | None       # None: `for NAME; do` (the positional parameters: none here)
    body: list[Pipeline]
    redirects: list[Redirect] = field(default_factory=list)
    source: str = ""          # as written (a job sent to the background runs it)


@dataclass
class Case:
    word: Word
    arms: list[tuple[list[Word], list[Pipeline]]]
    redirects: list[Redirect] = field(default_factory=list)
    source: str = ""          # as written (a job sent to the background runs it)


@dataclass
class Function:
    """`NAME() COMMAND`: a function definition."""
    name: str
    body: object
    redirects: list[Redirect] = field(default_factory=list)
    source: str = ""          # as written (a job sent to the background runs it)


KEYWORDS = {"!", "{", "}", "case", "do", "done", "elif", "else", "esac", "fi", "for", "if", "in", "then",
            "until", "while"}
EOF = "end of file"
ENDS = {EOF, ")", ";;", "}", "do", "done", "elif", "else", "esac", "fi", "then"}   # they end a list


def kind(tok, keyword: bool) -> str:
    """What a token is to the parser: an operator, a reserved word (where one is read), "word",
    "redirection", or the end of file."""
    if tok is None:
        return EOF
    if isinstance(tok, Op):
        return tok.op
    if isinstance(tok, Redirect):
        return "redirection"
    if keyword and tok.plain and tok.text in KEYWORDS:
        return tok.text
    return "word"


def named(k: str) -> str:
    """A token as ash names it in a syntax error."""
    return {"\n": "newline", EOF: EOF, "word": "word", "redirection": "redirection"}.get(k, f'"{k}"')


def unexpected(k: str, expecting: str | None = None) -> ShellSyntax:
    return ShellSyntax(f"unexpected {named(k)}" + (f" (expecting {named(expecting)})" if expecting else ""))


class Parser:
    """ash's parser over a script's tokens; `line()` gives the top level one line at a time."""

    def __init__(self, tokens: list, script: str = ""):
        self.tokens = tokens
        self.script = script
        self.i = 0

    def peek(self, keyword: bool = False) -> str:
        return kind(self.tokens[self.i] if self.i < len(self.tokens) else None, keyword)

    def take(self):
        self.i += 1
        return self.tokens[self.i - 1]

    def expect(self, word: str) -> None:
        k = self.peek(keyword=True)
        if k != word:
            raise unexpected(k, word)
        self.take()

    def newlines(self) -> None:
        while self.peek() == "\n":
            self.take()

    def line(self) -> list[Pipeline] | None:
        """The next line's commands (None at the end of the script)."""
        self.newlines()
        if self.peek() == EOF:
            return None
        out: list[Pipeline] = []
        while True:
            chain = self.and_or()
            out += chain
            if self.separator(chain) and self.peek() not in ("\n", EOF):
                continue
            k = self.peek()
            if k == "\n":
                self.take()
                return out
            if k == EOF:
                return out
            raise unexpected(self.peek(keyword=True))   # after a compound command, a reserved word

    def list_(self, empty: bool = False) -> list[Pipeline]:
        """A list inside a compound command, up to the word that ends it (not taken)."""
        out: list[Pipeline] = []
        while True:
            self.newlines()
            k = self.peek(keyword=True)
            if k == EOF or ((out or empty) and k in ENDS):
                return out
            chain = self.and_or()
            out += chain
            if not self.separator(chain) and self.peek() != "\n":
                return out

    def separator(self, chain: list[Pipeline]) -> bool:
        """Take a `;` or `&` after a chain (what follows its last pipeline), if there is one."""
        if self.peek() not in (";", "&"):
            return False
        chain[-1].then = self.take().op
        return True

    def and_or(self) -> list[Pipeline]:
        chain = [self.pipeline()]
        while self.peek() in ("&&", "||"):
            chain[-1].then = self.take().op
            self.newlines()
            chain.append(self.pipeline())
        return chain

    def pipeline(self) -> Pipeline:
        negate = self.peek(keyword=True) == "!"
        if negate:
            self.take()
        commands = [self.command()]
        while self.peek() == "|":
            self.take()
            self.newlines()
            commands.append(self.command())
        return Pipeline(commands, ";", negate)

    def command(self):
        k = self.peek(keyword=True)
        if k in ("word", "redirection"):
            return self.simple()
        compound = {"if": self.if_, "while": self.loop, "until": self.loop, "for": self.for_, "case": self.case,
                    "(": self.group, "{": self.group}.get(k)
        if compound is None:
            raise unexpected(k)
        start = self.i
        node = compound()
        while self.peek() == "redirection":
            node.redirects.append(self.take())
        end = self.tokens[self.i].at if self.i < len(self.tokens) else len(self.script)
        node.source = self.script[self.tokens[start].at:end].rstrip()
        return node

    def simple(self):
        cmd = Command([], [])
        while self.peek() in ("word", "redirection"):
            tok = self.take()
            (cmd.words if isinstance(tok, Word) else cmd.redirects).append(tok)
            if self.peek() == "(" and len(cmd.words) == 1 and not cmd.redirects:
                self.take()
                if self.peek() != ")":
                    raise unexpected(self.peek(), ")")
                self.take()
                self.newlines()
                return Function(cmd.words[0].text, self.command())
        return cmd

    def group(self) -> Group:
        subshell = isinstance(self.take(), Op)
        body = self.list_()
        self.expect(")" if subshell else "}")
        return Group(body, subshell)

    def if_(self) -> If:
        self.take()
        arms, otherwise = [], None
        while True:
            test = self.list_()
            self.expect("then")
            arms.append((test, self.list_()))
            k = self.peek(keyword=True)
            if k != "elif":
                break
            self.take()
        if k == "else":
            self.take()
            otherwise = self.list_()
        self.expect("fi")
        return If(arms, otherwise)

    def loop(self) -> Loop:
        until = self.take().text == "until"
        test = self.list_()
        self.expect("do")
        body = self.list_()
        self.expect("done")
        return Loop(test, body, until)

    def for_(self) -> For:
        self.take()
        tok = self.tokens[self.i] if self.i < len(self.tokens) else None
        if not isinstance(tok, Word) or not tok.plain or not NAME.fullmatch(tok.text):
            raise ShellSyntax("bad for loop variable")
        self.take()
        self.newlines()
        items = None
        if self.peek(keyword=True) == "in":
            self.take()
            items = []
            while self.peek() == "word":
                items.append(self.take())
            if self.peek() not in (";", "\n"):
                raise unexpected(self.peek())
            self.take()
        elif self.peek() == ";":
            self.take()
        self.newlines()
        self.expect("do")
        body = self.list_()
        self.expect("done")
        return For(tok.text, items, body)

    def case(self) -> Case:
        self.take()
        if self.peek() != "word":
            raise unexpected(self.peek(), "word")
        word = self.take()
        self.newlines()
        self.expect("in")
        self.newlines()
        arms = []
        while self.peek(keyword=True) != "esac":
            if self.peek() == "(":
                self.take()
            patterns = []
            while True:
                if self.peek() != "word":
                    raise unexpected(self.peek(), "word")
                patterns.append(self.take())
                if self.peek() != "|":
                    break
                self.take()
            if self.peek() != ")":
                raise unexpected(self.peek(), ")")
            self.take()
            arms.append((patterns, self.list_(empty=True)))
            k = self.peek(keyword=True)
            if k != "esac":
                if k != ";;":
                    raise unexpected(k, ";;")
                self.take()
                self.newlines()
        self.take()
        return Case(word, arms)


def parse(tokens: list) -> list[Pipeline]:
    """The whole script's commands (every line's), with ash's syntax errors."""
    parser, out = Parser(tokens), []
    while (line := parser.line()) is not None:
        out += line
    return out


def complete(script: str) -> bool:
    """Whether a script read so far is whole: False when more lines could finish it (an open loop,
    an open quote, a here-document), as ash's line reader asks for them (its "> " prompt)."""
    try:
        tokens = tokenize(script)
        parse(tokens)
    except ShellSyntax as e:
        return not str(e).startswith(("unexpected end of file", "unterminated quoted string"))
    return not any(isinstance(t, Redirect) and t.unended for t in tokens)
