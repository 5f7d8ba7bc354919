"""The shell reading its commands: from a terminal (busybox ash's line editor and prompt), or line
by line from stdin (`docker run -i busybox sh`, `docker exec -i box sh`), or from a pipe's text.

With a terminal, ash is interactive, as the real one prints it (checked with `docker exec -it` and
`docker attach` on the real engine): a banner, the prompt `/ # ` (the working folder, then #) and
a cursor position query (ESC [6n) after each prompt; the terminal is raw while ash reads a line
and echoes the keys itself: backspace erases (BS ESC [J), ctrl-c prints ^C and a new prompt,
up and down walk the history (the line redrawn: CR, prompt, line, ESC [J), ctrl-d on an empty
line ends the shell; a resize (SIGWINCH) redraws the line. While a command runs the terminal is
cooked again, and ctrl-c interrupts that command. A command not yet whole at the end of its line
(`for i in 1 2` before its `do ... done`) asks for more with the prompt `> ` (checked with
/bin/busybox sh in a pseudo-terminal); line by line from stdin, it runs once it is whole.
"""
from __future__ import annotations

from ..grammar import complete
from ..process import Interrupted
from .registry import Call, Result

BANNER = (b"\r\n\r\nBusyBox v1.35.0 (Debian 1:1.35.0-4+deb12u1+b1) built-in shell (ash)\r\n"
          b"Enter 'help' for a list of built-in commands.\r\n\r\n")
CURSOR_QUERY = b"\x1b[6n"
CANCELLED = "\x03"    # ctrl-c at the prompt: the line (and a command not yet whole) dropped


def reads_commands(call: Call) -> Result:
    """`sh` with no script: its commands come from its input."""
    shell = call.shell.child()
    if not call.live:
        res = shell.run_script(call.stdin)
        return Result(shell.exit_code if shell.exit_code is not None else res.code, res.out, res.err, res.both)
    proc = call.process
    if proc.tty is not None:
        return interactive(call, shell)
    script = ""
    while shell.exit_code is None:
        line = proc.read(line=True)
        if not line:
            break
        script += line.decode(errors="replace")
        if complete(script):     # a loop typed over several lines runs once it is whole
            shell.run_script(script)
            script = ""
    if script and shell.exit_code is None:
        shell.run_script(script)   # the input ended inside a command: ash's syntax error
    return Result(shell.exit_code if shell.exit_code is not None else shell.status)


def interactive(call: Call, shell) -> Result:
    proc, tty = call.process, call.process.tty
    shell.interactive = True
    history: list[str] = []
    script = ""
    proc.write(1, BANNER, raw=True)
    while shell.exit_code is None:
        prompt = "> " if script else f"{shell.cwd} # "     # "> ": the command goes on (PS2)
        # The editor asks the terminal where its cursor is, unless keys are already waiting.
        waiting = proc.stdin is not None and bool(proc.stdin.data)
        proc.write(1, prompt.encode() + (b"" if waiting else CURSOR_QUERY), raw=True)
        line = read_line(proc, tty, prompt, history)
        if line is None:
            proc.write(1, b"\r\n", raw=True)
            break
        if line == CANCELLED or (not line.strip() and not script):
            script = ""
            continue
        history.append(line)
        script += line + "\n"
        if not complete(script):
            continue
        proc.interruptible = True
        try:
            shell.run_script(script)
        except Interrupted:
            shell.status = 130
            proc.write(1, b"\r\n", raw=True)
        finally:
            proc.interruptible = False
            script = ""
    return Result(shell.exit_code if shell.exit_code is not None else shell.status)


def read_line(proc, tty, prompt: str, history: list[str]) -> str | None:
    """One line typed at the prompt (None: end of input), echoed and edited as ash's editor does."""
    buf = ""
    at = len(history)

    def show(data: bytes) -> None:
        proc.write(1, data, raw=True)

    def redraw() -> None:
        show(b"\r" + prompt.encode() + buf.encode() + b"\x1b[J")
    tty.raw = True
    proc.redraw = redraw
    try:
        while True:
            data = proc.read()
            if not data:
                if proc.stdin is None or proc.stdin.closed:
                    return None
                if not buf:
                    return None          # ctrl-d in cooked mode reached us as an end of file
                continue
            i = 0
            while i < len(data):
                b = data[i]
                if b == 0x1B:
                    seq = escape(data, i)
                    if seq in (b"\x1b[A", b"\x1bOA") and at > 0:
                        at -= 1
                        buf = history[at]
                        redraw()
                    elif seq in (b"\x1b[B", b"\x1bOB") and at < len(history):
                        at += 1
                        buf = history[at] if at < len(history) else ""
                        redraw()
                    i += len(seq)
                    continue
                if b in (0x0D, 0x0A, 0x03):
                    show(b"\r\n" if b != 0x03 else b"^C\r\n")
                    rest = data[i + 1:]
                    if rest[:1] == b"\n" and b == 0x0D:
                        rest = rest[1:]
                    if rest and proc.stdin is not None:
                        proc.stdin.data[0:0] = rest   # typed ahead: for the next line
                    return buf if b != 0x03 else CANCELLED
                if b in (0x7F, 0x08):
                    if buf:
                        buf = buf[:-1]
                        show(b"\x08\x1b[J")
                elif b == 0x04:
                    if not buf:
                        return None
                elif b >= 0x20:
                    buf += chr(b)
                    show(bytes([b]))
                i += 1
    finally:
        tty.raw = False
        proc.redraw = None


def escape(data: bytes, i: int) -> bytes:
    """The escape sequence starting at data[i]: ESC [ params letter, ESC O letter, or ESC alone."""
    j = i + 1
    if j < len(data) and data[j] in b"[O":
        j += 1
        while j < len(data) and data[j] in b"0123456789;?":
            j += 1
        return data[i:j + 1]
    return data[i:i + 1]
