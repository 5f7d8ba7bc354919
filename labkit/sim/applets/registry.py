"""How applets are written and found: one function per applet, registered with its option syntax.

    net = Family("net tools")

    @net.applet("nc", "lw:p:i:e:f:", usage=USAGE_NC)
    def nc(call: Call) -> Result:
        ...call.opts.has("l"), call.opts.get("p"), call.opts.words, call.sandbox...

The option syntax is getopt's, as busybox declares its own: letters, a ":" after one that takes a
value ("w:" for -w SEC). Options are parsed before the applet runs: combined letters (-qO-),
values attached or in the next word, "--name" words kept as flags. With a usage text, an unknown
letter fails as busybox fails (`nc: invalid option -- 'x'`, the usage, exit 1); without one, unknown
letters are kept as flags. Long options ("--spider") an applet names are flags; with a usage
text, another one fails as busybox fails (`wget: unrecognized option '--bogus'`).

Every program of the lab image is in CATALOGUE (`busybox --list`, 269 applets). One that no family
registers answers with NOT_MODELLED (a message on stderr and exit 1), never with silence.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Protocol

from ..engine.filesystem import Files, absolute
from ..engine.images import LAB_PROGRAMS
from ..engine.sandbox import Sandbox
from ..process import Process
from ..state import Container

BANNER = "BusyBox v1.35.0 (Debian 1:1.35.0-4+deb12u1+b1) multi-call binary.\n"
# `busybox --list` in the lab image (Debian's busybox-static 1.35): the image's own list.
CATALOGUE = LAB_PROGRAMS
# The capabilities a container's processes have unless --cap-add/--cap-drop/--privileged say otherwise
# (Docker 20.10's default set).
DEFAULT_CAPS = frozenset("CHOWN DAC_OVERRIDE FSETID FOWNER MKNOD NET_RAW SETGID SETUID SETFCAP SETPCAP "
                         "NET_BIND_SERVICE SYS_CHROOT KILL AUDIT_WRITE".split())
BIN_DIRS = ("/bin", "/sbin", "/usr/bin", "/usr/sbin", "/usr/local/bin", "/usr/local/sbin")


@dataclass
class Result:
    code: int = 0
    out: str = ""
    err: str = ""
    both: list = field(default_factory=list)  # (fd, text) in the order written

    @classmethod
    def of(cls, code: int = 0, out: str = "", err: str = "") -> "Result":
        return cls(code, out, err, [(1, out)] * bool(out) + [(2, err)] * bool(err))


def not_modelled(name: str, what: str = "") -> Result:
    """What an applet (or an option of one) that the simulator does not model answers."""
    thing = what or f"the {name} command"
    return Result.of(1, "", f"{name}: labkit's simulated engine does not model {thing}; "
                            "try it on a real Docker engine\n")


# -- options --------------------------------------------------------------------------------------
class Options:
    """Parsed options: flags, option values, the remaining words, and the first unknown letter."""

    def __init__(self):
        self.flags: set[str] = set()
        self.values: dict[str, str] = {}
        self.words: list[str] = []
        self.bad: str | None = None

    def has(self, letter: str) -> bool:
        return letter in self.flags

    def get(self, letter: str, default: str = "") -> str:
        return self.values.get(letter, default)


def parse_spec(spec: str) -> tuple[str, str]:
    """getopt's "lw:p:" -> (letters, letters that take a value)."""
    letters, values = "", ""
    for k, ch in enumerate(spec):
        if ch == ":":
            continue
        letters += ch
        if spec[k + 1:k + 2] == ":":
            values += ch
    return letters, values


def parse(args: list[str], spec: str = "", strict: bool = False) -> Options:
    """getopt as busybox uses it: combined letters (-qO-), values attached or in the next word;
    "--" words kept whole as flags. strict: a letter not in spec is recorded as opts.bad."""
    letters, with_value = parse_spec(spec)
    opts = Options()
    i = 0
    while i < len(args):
        a = args[i]
        if a.startswith("-") and len(a) > 1 and not a.startswith("--"):
            for k, ch in enumerate(a[1:]):
                if ch in with_value:
                    val = a[k + 2:]
                    if not val and i + 1 < len(args):
                        i += 1
                        val = args[i]
                    opts.values[ch] = val
                    break
                if strict and ch not in letters and opts.bad is None:
                    opts.bad = ch
                opts.flags.add(ch)
        elif a.startswith("--"):
            opts.flags.add(a)
        else:
            opts.words.append(a)
        i += 1
    return opts


# -- what an applet is given ---------------------------------------------------------------------
class Runner(Protocol):
    """The shell that runs an applet (shell.Shell): where it runs, and what it can ask of it."""

    sandbox: Sandbox
    container: Container
    process: Process
    main: bool
    pid: int
    env: dict[str, str]
    cwd: str
    ash: bool
    took_input: bool

    def run_script(self, script: str) -> Result: ...

    sink: object
    passing: bool
    input: str | None

    def keep_running(self) -> None: ...

    def spawn(self, argv: list[str]) -> Result: ...

    def child(self) -> "Runner": ...


@dataclass
class Call:
    """One run of an applet: its name and arguments (options parsed), its input, its shell.
    input None: the process's own stdin, read (to its end) only when the applet asks for stdin."""

    name: str
    args: list[str]
    opts: Options
    input: str | None
    background: bool
    shell: Runner

    @property
    def stdin(self) -> str:
        if self.input is None:
            self.input = self.process.read_all().decode(errors="replace")
        self.shell.took_input = True
        return self.input

    @property
    def process(self) -> Process:
        return self.shell.process

    @property
    def live(self) -> bool:
        """Its input is the process's own stdin, still open (a client may still type)."""
        return self.input is None and self.process.stdin is not None and not self.process.stdin.closed

    @property
    def sandbox(self) -> Sandbox:
        return self.shell.sandbox

    @property
    def container(self) -> Container:
        return self.shell.container

    @property
    def fs(self) -> Files:
        """The container's files, as its processes see them (engine/filesystem.py)."""
        return Files(self.container, self.process.ids[0])

    def capable(self, cap: str) -> bool:
        """Whether the process has CAP_<cap>: the default set, --cap-add, --cap-drop (ALL in
        either), --privileged."""
        hc = self.container.host_config
        if hc.get("Privileged"):
            return True
        added, dropped = ({c.upper().removeprefix("CAP_") for c in hc.get(key) or []} for key in ("CapAdd", "CapDrop"))
        if cap in added or "ALL" in added:
            return cap not in dropped
        return cap in DEFAULT_CAPS and not (dropped & {cap, "ALL"})

    def path(self, name: str) -> str:
        """A path from the command line, absolute from the shell's working folder."""
        return absolute(name, self.shell.cwd)

    @property
    def serves(self) -> bool:
        """A long-running program here keeps running: it is the main process or in the background."""
        return self.shell.main or self.background


@dataclass
class Applet:
    name: str
    run: Callable[[Call], Result]
    spec: str = ""
    usage: str | None = None   # busybox's usage text: unknown options are refused with it
    longs: tuple[str, ...] = ()

    def __call__(self, args: list[str], stdin: str | None, background: bool, shell: Runner) -> Result:
        opts = parse(args, self.spec, strict=self.usage is not None)
        if opts.bad is not None:
            return Result.of(1, "", f"{self.name}: invalid option -- '{opts.bad}'\n" + self.usage)
        unknown = sorted(f for f in opts.flags if f.startswith("--") and f[2:] not in self.longs)
        if unknown and self.usage is not None:
            return Result.of(1, "", f"{self.name}: unrecognized option '{unknown[0]}'\n" + self.usage)
        return self.run(Call(self.name, args, opts, stdin, background, shell))


class Family:
    """The applets of one module (net tools, files and text, system, servers)."""

    def __init__(self, name: str):
        self.name = name
        self.applets: dict[str, Applet] = {}

    def applet(self, *names: str, spec: str = "", usage: str | None = None, longs: tuple[str, ...] = ()):
        """Register the function for these applet names, with its option syntax and usage."""
        def register(fn: Callable[[Call], Result]) -> Callable[[Call], Result]:
            for name in names:
                if name not in CATALOGUE:
                    raise ValueError(f"{name} is not an applet of the lab image's busybox")
                self.applets[name] = Applet(name, fn, spec, usage, longs)
            return fn
        return register


class Table:
    """Every applet of the image: the families' own, the rest not modelled."""

    def __init__(self, *families: Family):
        self.applets: dict[str, Applet] = {}
        for family in families:
            for name, applet in family.applets.items():
                if name in self.applets:
                    raise ValueError(f"applet {name} is registered twice ({family.name})")
                self.applets[name] = applet

    def program(self, name: str) -> str | None:
        """The applet a command name runs (a bare name, or a path in the image's bin folders),
        or None when the image has no such program."""
        if "/" in name:
            folder, _, base = name.rpartition("/")
            return base if folder in BIN_DIRS and base in CATALOGUE else None
        return name if name in CATALOGUE else None

    def find(self, name: str) -> Applet:
        """The applet for a program of the image (program(name) is not None)."""
        return self.applets.get(name) or Applet(name, lambda call: not_modelled(call.name))

    @property
    def modelled(self) -> list[str]:
        return sorted(self.applets)
