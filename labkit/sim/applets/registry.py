"""How applets are written and found: one function per applet, registered with its option syntax.

    net = Family("net tools")

    @net.applet("nc", "lw:p:i:e:f:", usage=USAGE_NC)
    def nc(call: Call) -> Result:
        ...call.opts.has("l"), call.opts.get("p"), call.opts.words, call.sandbox...

The option syntax is getopt's, as busybox declares its own: letters, a ":" after one that takes a
value ("w:" for -w SEC). Options are parsed before the applet runs: combined letters (-qO-),
values attached or in the next word, "--name" words kept as flags. With a usage text, an unknown
letter fails as busybox fails (`nc: invalid option -- 'x'`, the usage, exit 1); without one, unknown
letters are kept as flags.

Every program of the lab image is in CATALOGUE (`busybox --list`, 269 applets). One that no family
registers answers with NOT_MODELLED (a message on stderr and exit 1), never with silence.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Protocol

from ..engine.sandbox import Sandbox
from ..state import Container, Process

BANNER = "BusyBox v1.35.0 (Debian 1:1.35.0-4+deb12u1+b1) multi-call binary.\n"
# `busybox --list` in the lab image (Debian's busybox-static 1.35).
CATALOGUE = frozenset("""
[ [[ acpid adjtimex ar arch arp arping ascii ash awk base64 basename bc blkdiscard blockdev brctl
bunzip2 busybox bzcat bzip2 cal cat chgrp chmod chown chroot chvt clear cmp cp cpio crc32 crond
crontab cttyhack cut date dc dd deallocvt depmod devmem df diff dirname dmesg dnsdomainname
dos2unix dpkg dpkg-deb du dumpkmap dumpleases echo ed egrep env expand expr factor fallocate false
fatattr fdisk fgrep find findfs fold free freeramdisk fsfreeze fstrim ftpget ftpput getopt getty
grep groups gunzip gzip halt head hexdump hostid hostname httpd hwclock i2cdetect i2cdump i2cget
i2cset i2ctransfer id ifconfig ifdown ifup init insmod ionice ip ipcalc ipneigh kill killall klogd
last less link linux32 linux64 linuxrc ln loadfont loadkmap logger login logname logread losetup ls
lsmod lsscsi lzcat lzma lzop md5sum mdev microcom mim mkdir mkdosfs mke2fs mkfifo mknod mkpasswd
mkswap mktemp modinfo modprobe more mount mt mv nameif nc netstat nl nologin nproc nsenter nslookup
nuke od openvt partprobe passwd paste patch pidof ping ping6 pivot_root poweroff printf ps pwd rdate
readlink realpath reboot renice reset resume rev rm rmdir rmmod route rpm rpm2cpio run-init
run-parts sed seq setkeycodes setpriv setsid sh sha1sum sha256sum sha3sum sha512sum shred shuf
sleep sort ssl_client start-stop-daemon stat strings stty su sulogin svc svok swapoff swapon
switch_root sync sysctl syslogd tac tail tar taskset tc tee telnet telnetd test tftp time timeout
top touch tr traceroute traceroute6 true truncate ts tty tunctl ubirename udhcpc udhcpd uevent
umount uname uncompress unexpand uniq unix2dos unlink unlzma unshare unxz unzip uptime usleep
uudecode uuencode vconfig vi w watch watchdog wc wget which who whoami xargs xxd xz xzcat yes zcat
""".split())
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
    env: dict[str, str]
    cwd: str

    def run_script(self, script: str) -> Result: ...

    def keep_running(self) -> None: ...

    def child(self) -> "Runner": ...


@dataclass
class Call:
    """One run of an applet: its name and arguments (options parsed), its input, its shell."""

    name: str
    args: list[str]
    opts: Options
    stdin: str
    background: bool
    shell: Runner

    @property
    def sandbox(self) -> Sandbox:
        return self.shell.sandbox

    @property
    def container(self) -> Container:
        return self.shell.container

    @property
    def files(self) -> dict[str, str]:
        """What commands wrote in the container (its small filesystem)."""
        return self.shell.process.files

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

    def __call__(self, args: list[str], stdin: str, background: bool, shell: Runner) -> Result:
        opts = parse(args, self.spec, strict=self.usage is not None)
        if opts.bad is not None:
            return Result.of(1, "", f"{self.name}: invalid option -- '{opts.bad}'\n" + self.usage)
        return self.run(Call(self.name, args, opts, stdin, background, shell))


class Family:
    """The applets of one module (net tools, files and text, system, servers)."""

    def __init__(self, name: str):
        self.name = name
        self.applets: dict[str, Applet] = {}

    def applet(self, *names: str, spec: str = "", usage: str | None = None):
        """Register the function for these applet names, with its option syntax and usage."""
        def register(fn: Callable[[Call], Result]) -> Callable[[Call], Result]:
            for name in names:
                if name not in CATALOGUE:
                    raise ValueError(f"{name} is not an applet of the lab image's busybox")
                self.applets[name] = Applet(name, fn, spec, usage)
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
