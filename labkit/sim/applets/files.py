"""Files and text: what commands read and write in a container, and the text tools of pipes
(`ip route | grep default`, `cat /etc/hosts | wc -l`).

A container's files are the ones the engine writes (/etc/hosts, /etc/resolv.conf, /etc/hostname),
/sys/class/net, and what its commands wrote (`echo hi > /tmp/x`, `wget -O FILE`).
"""
from __future__ import annotations

import re

from .registry import BANNER, Call, Family, Result

files = Family("files and text")


def inputs(call: Call, paths: list[str]) -> tuple[list[tuple[str, str]], str]:
    """[(name, text)] of the files (or the standard input), and the errors for files not there."""
    if not paths:
        return [("(standard input)", call.stdin)], ""
    out, err = [], ""
    for path in paths:
        text = call.sandbox.read_file(path)
        if text is None:
            err += f"{call.name}: {path}: No such file or directory\n"
        else:
            out.append((path, text))
    return out, err


@files.applet("echo")
def echo(call: Call) -> Result:
    if call.args[:1] == ["-n"]:
        return Result.of(0, " ".join(call.args[1:]))
    return Result.of(0, " ".join(call.args) + "\n")


@files.applet("cat")
def cat(call: Call) -> Result:
    if not call.args:
        return Result.of(0, call.stdin)
    out, err, code = "", "", 0
    for path in call.args:
        text = call.sandbox.read_file(path)
        if text is None:
            err += f"cat: can't open '{path}': No such file or directory\n"
            code = 1
        else:
            out += text
    return Result.of(code, out, err)


@files.applet("ls")
def ls(call: Call) -> Result:
    paths = [a for a in call.args if not a.startswith("-")] or ["/"]
    out, err = "", ""
    for path in paths:
        if path.rstrip("/") == "/sys/class/net":
            names = {i.name for i in call.sandbox.interfaces()}
        elif path == "/":
            names = {"bin", "dev", "etc", "proc", "sys"} | {p.lstrip("/").split("/")[0] for p in call.files}
        else:
            err += f"ls: {path}: No such file or directory\n"
            continue
        out += "".join(n + "\n" for n in sorted(names))
    return Result.of(1 if err else 0, out, err)


@files.applet("mkdir")
def mkdir(call: Call) -> Result:
    return Result()


@files.applet("grep", spec="e:m:")
def grep(call: Call) -> Result:
    opts = call.opts
    if not opts.words and "e" not in opts.values:
        return Result.of(2, "", BANNER)
    pattern = opts.values.get("e") or opts.words[0]
    paths = opts.words if "e" in opts.values else opts.words[1:]
    flags = re.IGNORECASE if opts.has("i") else 0
    try:
        rx = re.compile(pattern if (opts.has("E") or not opts.has("F")) else re.escape(pattern), flags)
    except re.error:
        rx = re.compile(re.escape(pattern), flags)
    found, err = inputs(call, paths)
    out, count = "", 0
    for name, text in found:
        hits = [line for line in text.splitlines() if bool(rx.search(line)) != opts.has("v")]
        count += len(hits)
        if opts.has("c"):
            out += (f"{name}:" if len(found) > 1 else "") + f"{len(hits)}\n"
        elif not opts.has("q"):
            out += "".join((f"{name}:" if len(found) > 1 else "") + line + "\n" for line in hits)
    code = 2 if err and not count else (0 if count else 1)
    return Result.of(code, "" if opts.has("q") else out, "" if opts.has("s") else err)


def lines_tool(call: Call, pick) -> Result:
    n = int(call.opts.get("n", "10").lstrip("-+") or 10)
    found, err = inputs(call, call.opts.words)
    out = "".join("".join(line + "\n" for line in pick(text.splitlines(), n)) for _, text in found)
    return Result.of(1 if err else 0, out, err)


@files.applet("head", spec="n:")
def head(call: Call) -> Result:
    return lines_tool(call, lambda lines, n: lines[:n])


@files.applet("tail", spec="n:")
def tail(call: Call) -> Result:
    if call.opts.has("f"):
        if call.serves:
            call.shell.keep_running()
        return Result()
    return lines_tool(call, lambda lines, n: lines[-n:] if n else [])


@files.applet("wc")
def wc(call: Call) -> Result:
    found, err = inputs(call, call.opts.words)
    out = ""
    for name, text in found:
        counts = {"l": text.count("\n"), "w": len(text.split()), "c": len(text.encode())}
        shown = [counts[k] for k in "lwc" if call.opts.has(k)] or [counts["l"], counts["w"], counts["c"]]
        label = "" if name == "(standard input)" else f" {name}"
        out += (f"{shown[0]}" if len(shown) == 1 else " ".join(f"{v:7d}" for v in shown)) + label + "\n"
    return Result.of(1 if err else 0, out, err)


@files.applet("sort")
def sort(call: Call) -> Result:
    found, err = inputs(call, call.opts.words)
    lines = [line for _, text in found for line in text.splitlines()]
    lines = sorted(set(lines) if call.opts.has("u") else lines, reverse=call.opts.has("r"))
    return Result.of(1 if err else 0, "".join(line + "\n" for line in lines), err)


@files.applet("cut", spec="d:f:c:b:")
def cut(call: Call) -> Result:
    """cut -d DELIM -f LIST (fields), or -c/-b LIST (characters)."""
    chars = call.opts.get("c") or call.opts.get("b")
    delim = call.opts.get("d", "\t")
    picked = []
    for part in (chars or call.opts.get("f", "1")).split(","):
        lo, dash, hi = part.partition("-")
        if lo.isdigit() or hi.isdigit():
            picked += list(range(int(lo or 1), int(hi or (lo if not dash else 4096)) + 1))
    found, err = inputs(call, call.opts.words)
    out = ""
    for _, text in found:
        for line in text.splitlines():
            if chars:
                out += "".join(line[k - 1] for k in picked if k - 1 < len(line)) + "\n"
            else:
                parts = line.split(delim)
                out += delim.join(parts[k - 1] for k in picked if k - 1 < len(parts)) + "\n"
    return Result.of(1 if err else 0, out, err)
