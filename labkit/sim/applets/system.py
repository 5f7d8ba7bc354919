"""The system: the shell as a program (`sh -c`), who and where a process is, its environment,
the kernel, time and sleeping, processes."""
from __future__ import annotations

from .registry import Call, Family, Result, not_modelled

system = Family("system")


@system.applet("sh", "ash")
def sh(call: Call) -> Result:
    args = call.args
    if len(args) >= 2 and args[0] == "-c":
        child = call.shell.child()
        res = child.run_script(args[1])
        if child.keeps_running:
            call.shell.keep_running()
        return res
    if args:
        return Result.of(2, "", f"sh: can't open '{args[0]}': No such file or directory\n")
    return Result()  # no terminal, no input: the shell ends at once


@system.applet("true")
def true(call: Call) -> Result:
    return Result()


@system.applet("false")
def false(call: Call) -> Result:
    return Result.of(1)


@system.applet("id")
def id_(call: Call) -> Result:
    return Result.of(0, "uid=0 gid=0 groups=0\n")


@system.applet("whoami")
def whoami(call: Call) -> Result:
    return Result.of(1, "", "whoami: unknown uid 0\n")  # the lab image has no /etc/passwd


@system.applet("pwd")
def pwd(call: Call) -> Result:
    return Result.of(0, call.shell.cwd + "\n")


@system.applet("env")
def env(call: Call) -> Result:
    return Result.of(0, "".join(f"{k}={v}\n" for k, v in call.shell.env.items()))


@system.applet("uname")
def uname(call: Call) -> Result:
    if "-a" in call.args:
        return Result.of(0, f"Linux {call.sandbox.hostname} {call.container.host.world.kernel} #1 SMP "
                            "PREEMPT_DYNAMIC @0 x86_64 GNU/Linux\n")
    return Result.of(0, "Linux\n")


@system.applet("sleep")
def sleep(call: Call) -> Result:
    if call.serves:
        call.shell.keep_running()
    return Result()


@system.applet("top")
def top(call: Call) -> Result:
    """As a container's command (`docker run -d busybox top`) it runs until stopped; its screen
    of processes is not modelled."""
    if call.shell.main:
        call.shell.keep_running()
        return Result()
    return not_modelled("top", "top's screen of processes")
