"""The system: the shell as a program (`sh -c`), who and where a process is, its environment,
the kernel and the machine, time and sleeping, processes, and `test`/`[` and `expr`."""
from __future__ import annotations

import calendar
import re
import time

from ..engine import processes, stats
from ..engine.signals import SIGNALS
from . import ash
from .registry import BANNER, CATALOGUE, Call, Family, Result, not_modelled

system = Family("system")


@system.applet("sh", "ash")
def sh(call: Call) -> Result:
    args = call.args
    if call.background and len(args) >= 2 and args[0] == "-c":
        return call.shell.spawn(["sh"] + args)      # `sh -c '...' &`: a job of its own
    if len(args) >= 2 and args[0] == "-c":
        child = call.shell.child()
        child.input = call.input
        child.name, child.args = (args[2], args[3:]) if len(args) > 2 else ("sh", [])
        res = child.run_script(args[1])
        if child.keeps_running:
            call.shell.keep_running()
        return res
    if args and args[0] != "-i":
        return Result.of(2, "", f"sh: can't open '{args[0]}': No such file or directory\n")
    return ash.reads_commands(call)   # from a terminal, stdin or a pipe; none: it ends at once


@system.applet("true")
def true(call: Call) -> Result:
    return Result()


@system.applet("false")
def false(call: Call) -> Result:
    return Result.of(1)


@system.applet("id")
def id_(call: Call) -> Result:
    """id [-u|-g|-G]: the ids the process runs as (numbers: the lab image has no /etc/passwd)."""
    uid, gid, groups = call.process.ids
    if "-u" in call.args:
        return Result.of(0, f"{uid}\n")
    if "-g" in call.args:
        return Result.of(0, f"{gid}\n")
    if "-G" in call.args:
        return Result.of(0, " ".join(map(str, dict.fromkeys([gid] + groups))) + "\n")
    return Result.of(0, f"uid={uid} gid={gid} groups={','.join(map(str, groups))}\n")


@system.applet("whoami")
def whoami(call: Call) -> Result:
    return Result.of(1, "", "whoami: unknown uid 0\n")  # the lab image has no /etc/passwd


@system.applet("pwd")
def pwd(call: Call) -> Result:
    return Result.of(0, call.shell.cwd + "\n")


@system.applet("env")
def env(call: Call) -> Result:
    """The environment: in the engine's order (PATH, HOSTNAME, -e's, HOME), or, run from a shell,
    in the order of ash's variable table (busybox's hashvar: 39 buckets by the name's first byte
    times 16 plus the sum of its bytes; in a bucket, the order they were set)."""
    items = list(call.shell.env.items())
    if call.shell.ash:
        items.sort(key=lambda kv: ((kv[0].encode()[:1] or b"\0")[0] * 16 + sum(kv[0].encode())) % 39)
    return Result.of(0, "".join(f"{k}={v}\n" for k, v in items))


USAGE_UNAME = ("Usage: uname [-amnrspvio]\n\nPrint system information\n\n\t-a\tPrint all\n"
               "\t-m\tMachine (hardware) type\n\t-n\tHostname\n\t-r\tKernel release\n"
               "\t-s\tKernel name (default)\n\t-p\tProcessor type\n\t-v\tKernel version\n"
               "\t-i\tHardware platform\n\t-o\tOS name\n")


@system.applet("uname", spec="amnrspvio", usage=BANNER + "\n" + USAGE_UNAME)
def uname(call: Call) -> Result:
    """uname [-amnrspvio]: the fields asked for, in busybox's order (-a: all but -p and -i,
    which are "unknown"); none: the kernel's name."""
    host = call.container.host
    fields = {"s": "Linux", "n": call.sandbox.hostname, "r": host.world.kernel,
              "v": "#1 SMP PREEMPT_DYNAMIC @0", "m": host.arch, "p": "unknown", "i": "unknown", "o": "GNU/Linux"}
    asked = set(call.opts.flags) | (set("snrvmo") if call.opts.has("a") else set())
    shown = [value for letter, value in fields.items() if letter in (asked or {"s"})]
    return Result.of(0, " ".join(shown) + "\n")


@system.applet("arch")
def arch(call: Call) -> Result:
    return Result.of(0, call.container.host.arch + "\n")


@system.applet("nproc")
def nproc(call: Call) -> Result:
    return Result.of(0, f"{call.container.host.cpus}\n")


@system.applet("logname")
def logname(call: Call) -> Result:
    return Result.of(1, "", "logname: getlogin: No such device or address\n")   # no terminal, no utmp


@system.applet("groups")
def groups(call: Call) -> Result:
    return Result.of(1, "0\n", "groups: unknown ID 0\n")    # the lab image has no /etc/group


@system.applet("hostid")
def hostid(call: Call) -> Result:
    """glibc's host ID without /etc/hostid: the host name's address, its 16-bit halves swapped."""
    ip, _ = call.sandbox.lookup(call.sandbox.hostname, 4)
    n = int.from_bytes(ip.packed, "little") if ip is not None else 0
    return Result.of(0, f"{((n << 16) | (n >> 16)) & 0xFFFFFFFF:08x}\n")


@system.applet("which", spec="a")
def which(call: Call) -> Result:
    """The image's programs are all in /bin (busybox's links): the first folder of PATH with it."""
    out = ""
    for name in call.opts.words:
        base = name.rpartition("/")[2] if name.startswith("/bin/") else name
        if base in CATALOGUE and "/" not in base:
            out += f"/bin/{base}\n"
    found = len(out.splitlines())
    return Result.of(0 if call.opts.words and found == len(call.opts.words) else 1, out)


@system.applet("sync")
def sync(call: Call) -> Result:
    return Result()


@system.applet("date", spec="uRd:D:r:s:I")
def date(call: Call) -> Result:
    """date [-u] [-R|-I] [-d TIME] [+FORMAT]: now, or TIME (@SECONDS, YYYY-MM-DD [hh:mm[:ss]],
    hh:mm[:ss] today), in UTC (a container has no time zone of its own)."""
    opts = call.opts
    if set(opts.values) - {"d"} or set(opts.flags) - {"u", "R", "I"} or any(not w.startswith("+") for w in opts.words):
        return not_modelled("date", "date's options other than -u, -R, -I, -d TIME and +FORMAT")
    when = time.time()
    if "d" in opts.values:
        when = date_of(opts.get("d"))
        if when is None:
            return Result.of(1, "", f"date: invalid date '{opts.get('d')}'\n")
    fmt = ("%a, %d %b %Y %H:%M:%S +0000" if opts.has("R") else "%Y-%m-%d" if opts.has("I")
           else opts.words[0][1:] if opts.words else "%a %b %e %H:%M:%S %Z %Y")
    return Result.of(0, time.strftime(fmt.replace("%Z", "UTC").replace("%s", str(int(when))),
                                      time.gmtime(when)) + "\n")


DATE_FORMS = (re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?: (\d{1,2}):(\d{1,2})(?::(\d{1,2}))?)?"),
              re.compile(r"()()()(\d{1,2}):(\d{1,2})(?::(\d{1,2}))?"))


def date_of(text: str) -> float | None:
    """busybox date -d's TIME in seconds since the epoch (UTC; days past a month's end roll
    over as mktime rolls them), or None when it is not a date busybox reads."""
    if re.fullmatch(r"@-?\d+", text):
        return float(text[1:])
    for form in DATE_FORMS:
        m = form.fullmatch(text)
        if m:
            today = time.gmtime()
            year, month, day = (int(g) for g in m.groups()[:3]) if m.group(1) else today[:3]
            hour, minute, second = (int(g or 0) for g in m.groups()[3:])
            return float(calendar.timegm((year, month, day, hour, minute, second, 0, 0, 0)))
    return None


@system.applet("uptime")
def uptime(call: Call) -> Result:
    """The simulated host's: up since its world was made, nobody logged in, idle."""
    now = time.gmtime()
    up = int(time.time() - call.container.host.world.started)
    days, minutes = up // 86400, up // 60
    hours, minutes = (minutes // 60) % 24, minutes % 60
    text = f" {now.tm_hour:02d}:{now.tm_min:02d}:{now.tm_sec:02d} up "
    text += f"{days} day{'s' if days != 1 else ''}, " if days else ""
    text += f"{hours:2d}:{minutes:02d}" if hours else f"{minutes} min"
    return Result.of(0, text + ",  0 users,  load average: 0.00, 0.00, 0.00\n")


PS_COLUMNS = {"pid": ("PID", 5), "ppid": ("PPID", 5), "user": ("USER", -8), "comm": ("COMMAND", 0),
              "args": ("COMMAND", 0)}
PS_KNOWN = "user,group,comm,args,pid,ppid,pgid,nice,rgroup,ruser,tty,vsz,sid,stat,rss"


@system.applet("ps", spec="o:T")
def ps(call: Call) -> Result:
    """The container's processes: its main process (PID 1) and this one."""
    columns = ["pid", "user", "args"]
    if "o" in call.opts.values:
        columns = [c.partition("=")[0] for c in call.opts.get("o").split(",")]
        bad = next((c for c in columns if c not in PS_KNOWN.split(",")), None)
        if bad is not None:
            return Result.of(1, "", f"ps: bad -o argument '{bad}', supported arguments: {PS_KNOWN}\n")
        if any(c not in PS_COLUMNS for c in columns):
            return not_modelled("ps", "those ps columns")
    c, shell = call.container, call.shell
    me = ["ps", *call.args]
    procs = [(pid, 0, stats.cmdline(pid, p)) for pid, p in stats.in_namespace(c).items() if pid != shell.pid]
    procs = sorted(procs + [(shell.pid, 0, me)])

    def cell(col: str, proc) -> str:
        pid, ppid, argv = proc
        value = {"pid": pid, "ppid": ppid, "user": "0", "comm": argv[0].rpartition("/")[2],
                 "args": " ".join(argv)}[col]
        width = PS_COLUMNS[col][1]
        return f"{value:>{width}}" if width > 0 else f"{value:<{-width}}" if width else str(value)

    def head(col: str) -> str:
        name, width = PS_COLUMNS[col]
        return f"{name:<{abs(width)}}" if width else name
    out = " ".join(head(col) for col in columns) + "\n"
    out += "".join(" ".join(cell(col, p) for col in columns) + "\n" for p in procs)
    return Result.of(0, out)


# busybox kill -l: the signals by number, with busybox's names.
KILL_NAMES = ("HUP INT QUIT ILL TRAP ABRT BUS FPE KILL USR1 SEGV USR2 PIPE ALRM TERM STKFLT CHLD CONT STOP "
              "TSTP TTIN TTOU URG XCPU XFSZ VTALRM PROF WINCH POLL PWR SYS").split()


def signal_number(name: str) -> int | None:
    key = name.upper().removeprefix("SIG")
    return int(key) if key.isdigit() else SIGNALS.get(key)


@system.applet("kill")
def kill(call: Call) -> Result:
    """kill [-SIG | -s SIG] PID..., kill -l [SIG]: a signal to processes of the container (PID 1
    ignores all it has no handler for, SIGKILL too: the kernel's rule for a namespace's init
    signalled from inside it); -0 only asks whether they are there."""
    args = list(call.args)
    if args[:1] == ["-l"]:
        if len(args) == 1:
            return Result.of(0, "".join(f"{k:2d}) {n}\n" for k, n in enumerate(KILL_NAMES, 1)))
        names = {str(k): n for k, n in enumerate(KILL_NAMES, 1)}
        return Result.of(0, "".join((names.get(a, a) if a.isdigit() else str(signal_number(a))) + "\n" for a in args[1:]))
    number = 15
    if args and args[0].startswith("-") and args[0] != "--":
        name = args.pop(0)[1:]
        if name == "s" and args:
            name = args.pop(0)
        number = signal_number(name)
        if number is None:
            return Result.of(1, "", f"kill: bad signal name '{name}'\n")
    if args[:1] == ["--"]:
        args.pop(0)
    if not args:
        return Result.of(1, "", "kill: you need to specify whom to kill\n")
    procs, err = stats.in_namespace(call.container), ""
    for arg in args:
        if not arg.lstrip("-").isdigit():
            err += f"kill: invalid number '{arg}'\n"
            continue
        proc = procs.get(int(arg))
        if proc is None:
            err += f"kill: can't kill pid {arg}: No such process\n"
        elif number and (proc.inner_pid != 1 or number in proc.traps):
            processes.signal(proc, number)
    return Result.of(1 if err else 0, "", err)


SLEEP_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


@system.applet("sleep", "usleep")
def sleep(call: Call) -> Result:
    """sleep N[smhd]... (the sum; "inf" forever), usleep MICROSECONDS: the world's time passes."""
    if not call.args:
        return Result.of(1, "", usage_of(call.name))
    total = 0.0
    for arg in call.args:
        try:
            if call.name == "usleep":
                total += int(arg) / 1e6
            else:
                unit = SLEEP_UNITS.get(arg[-1:], 0)
                total += float(arg[:-1] if unit else arg) * (unit or 1)
        except ValueError:
            return Result.of(1, "", f"{call.name}: invalid number '{arg}'\n")
    if call.background:
        return call.shell.spawn([call.name, *call.args])    # a job of its own (`$!`, `wait`)
    if total == float("inf"):
        call.process.wait_until(lambda: False)
    elif total > 0:
        call.process.sleep(total)
    return Result()


def usage_of(name: str) -> str:
    return (f"BusyBox v1.35.0 (Debian 1:1.35.0-4+deb12u1+b1) multi-call binary.\n\nUsage: {name} "
            + ("N[SUFFIX]...\n\nPause for a time equal to the total of the args given, where each arg can\n"
               "have an optional suffix of (s)econds, (m)inutes, (h)ours, or (d)ays\n" if name == "sleep"
               else "MICROSECONDS\n\nPause for MICROSECONDS microseconds\n"))


@system.applet("top")
def top(call: Call) -> Result:
    """As a container's command (`docker run -d busybox top`) it runs until stopped; its screen
    of processes is not modelled."""
    if call.shell.main:
        call.shell.keep_running()
        return Result()
    return not_modelled("top", "top's screen of processes")


# -- test / [ and expr --------------------------------------------------------------------------------
class BadTest(Exception):
    pass


def number(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise BadTest(f"{text}: bad number") from None


def test_expression(args: list[str], call: Call) -> bool:
    """test's expressions: ! and -a/-o, string and integer comparisons, -z/-n, and file tests
    (-e, -f, -d, -s) on the container's files (those the engine writes included)."""
    if not args:
        return False
    if "-o" in args[1:-1]:
        k = args.index("-o", 1)
        return test_expression(args[:k], call) or test_expression(args[k + 1:], call)
    if "-a" in args[1:-1]:
        k = args.index("-a", 1)
        return test_expression(args[:k], call) and test_expression(args[k + 1:], call)
    if args[0] == "!":
        return not test_expression(args[1:], call)
    if len(args) == 1:
        return args[0] != ""
    if len(args) == 2:
        op, arg = args
        path = call.path(arg)
        folder = call.fs.is_dir(path)
        text = None if folder else call.sandbox.read_file(path)
        tests = {"-z": lambda: arg == "", "-n": lambda: arg != "", "-e": lambda: folder or text is not None,
                 "-f": lambda: text is not None, "-d": lambda: folder, "-s": lambda: bool(text)}
        if op not in tests:
            raise BadTest(f"{op}: unknown operand")
        return tests[op]()
    a, op, b = args[:3]
    if op in ("=", "==", "!="):
        return (a == b) != (op == "!=")
    ints = {"-eq": int.__eq__, "-ne": int.__ne__, "-lt": int.__lt__, "-le": int.__le__,
            "-gt": int.__gt__, "-ge": int.__ge__}
    if op in ints:
        return ints[op](number(a), number(b))
    raise BadTest(f"{op}: unknown operand")


@system.applet("test", "[", "[[")
def test(call: Call) -> Result:
    args = list(call.args)
    if call.name != "test":
        if not args or args[-1] != ("]" if call.name == "[" else "]]"):
            return Result.of(2, "", f"{call.name}: missing {']' if call.name == '[' else ']]'}\n")
        args = args[:-1]
    try:
        return Result(0 if test_expression(args, call) else 1)
    except BadTest as e:
        return Result.of(2, "", f"{call.name}: {e}\n")


@system.applet("expr")
def expr(call: Call) -> Result:
    """expr ARG OP ARG: integer arithmetic and comparisons (exit 1 when the result is 0 or empty)."""
    args = call.args
    if not args:
        return Result.of(2, "", "expr: too few arguments\n")
    if len(args) == 1:
        value = args[0]
    elif len(args) == 3:
        a, op, b = args
        ops = {"+": lambda x, y: x + y, "-": lambda x, y: x - y, "*": lambda x, y: x * y,
               "/": lambda x, y: int(x / y), "%": lambda x, y: x - int(x / y) * y}
        compare = {"=": "__eq__", "!=": "__ne__", "<": "__lt__", "<=": "__le__", ">": "__gt__", ">=": "__ge__"}
        if op in ops:
            try:
                x, y = int(a), int(b)
            except ValueError:
                return Result.of(2, "", "expr: non-numeric argument\n")
            if op in "/%" and y == 0:
                return Result.of(2, "", "expr: division by zero\n")
            value = str(ops[op](x, y))
        elif op in compare:
            both_ints = all(v.lstrip("-").isdigit() for v in (a, b))
            x, y = (int(a), int(b)) if both_ints else (a, b)
            value = "1" if getattr(x, compare[op])(y) else "0"
        else:
            return not_modelled("expr", f"expr's {op} operator")
    else:
        return not_modelled("expr", "expr with more than one operator")
    return Result.of(1 if value in ("0", "") else 0, value + "\n")
