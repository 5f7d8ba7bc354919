"""Files and text: what commands read and write in a container, and the text tools of pipes
(`ip route | grep default`, `cat /etc/hosts | wc -l`).

A container's files are the ones the engine writes (/etc/hosts, /etc/resolv.conf, /etc/hostname),
/sys/class/net, and what its commands wrote (`echo hi > /index.html`, `mkdir -p /www`, `wget -O
FILE`): engine/files.py.
"""
from __future__ import annotations

import posixpath
import re
import time

from ..engine.filesystem import FileError
from . import usage
from .registry import BANNER, Call, Family, Result, not_modelled

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


ESCAPES = {"n": "\n", "t": "\t", "\\": "\\", "a": "\a", "b": "\b", "f": "\f", "r": "\r", "v": "\v"}


def octal(text: str) -> str:
    """printf's and tr's backslash and one to three octal digits: that character (0: NUL)."""
    return re.sub(r"\\([0-7]{1,3})", lambda m: chr(int(m.group(1), 8)), text)


def unescape(text: str) -> tuple[str, bool]:
    """echo -e's and printf's backslash escapes; True when \\c asks to stop the output."""
    out, i = "", 0
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text):
            ch = text[i + 1]
            if ch == "c":
                return out, True
            out += ESCAPES.get(ch, "\\" + ch)
            i += 2
        else:
            out += text[i]
            i += 1
    return out, False


@files.applet("echo")
def echo(call: Call) -> Result:
    """echo [-neE]: options only before the first word, each of n, e and E."""
    args, newline, escapes = list(call.args), True, False
    while args and re.fullmatch(r"-[neE]+", args[0]):
        newline = newline and "n" not in args[0]
        escapes = "e" in args[0] or (escapes and "E" not in args[0])
        args.pop(0)
    text = " ".join(args)
    if escapes:
        text, stop = unescape(text)
        newline = newline and not stop
    return Result.of(0, text + "\n" * newline)


@files.applet("cat", spec="bentuvA", usage=usage.CAT)
def cat(call: Call) -> Result:
    if call.opts.flags:
        return not_modelled("cat", "cat's options")
    if not call.opts.words or call.opts.words == ["-"]:   # "-": the standard input, as none
        if call.live and call.shell.passing and call.shell.sink is not None:
            while True:   # as it comes: each line a terminal passes on, each chunk a client sends
                chunk = call.process.read()
                if not chunk:
                    return Result()
                call.shell.sink(1, chunk.decode(errors="replace"))
        return Result.of(0, call.stdin)
    out, err, code, read = "", "", 0, False
    for path in call.opts.words:
        if path == "-":   # the standard input, read to its end the first time (a terminal's: until ^D)
            out, read = out + ("" if read else call.stdin), True
            continue
        if path.startswith("/sys/") or path.startswith("/proc/"):
            text = call.sandbox.read_file(path)
            if text is None:
                err, code = err + f"cat: can't open '{path}': No such file or directory\n", 1
            else:
                out += text
            continue
        try:
            out += call.fs.read(call.path(path)).decode(errors="replace")
        except FileError as e:
            code = 1
            if e.reason == "Is a directory":
                err += "cat: read error: Is a directory\n"
            else:
                err += f"cat: can't open '{path}': {e.reason}\n"
    return Result.of(code, out, err)


@files.applet("ls", spec="1aAdlnpFR")
def ls(call: Call) -> Result:
    """ls [-1aAdln] [PATH]...: names one a line (a pipe's format), or the long format busybox
    prints (numeric owners: the image has no /etc/passwd)."""
    opts = call.opts
    if opts.has("R"):
        return not_modelled("ls", "ls -R")
    out, err, blocks = [], "", []
    paths = opts.words or ["."]
    files_, folders = [], []
    for path in paths:
        where = call.path(path)
        if where == "/sys/class/net":  # the interfaces, from the sandbox
            folders.append((path, where))
            continue
        try:
            # A link named on the command line is followed, but not for the long format or -d.
            node = call.fs.stat(where, follow=not (opts.has("l") or opts.has("d")))
        except FileError as e:
            err += f"ls: {path}: {e.reason}\n"
            continue
        if node.kind == "dir" and not opts.has("d"):
            folders.append((path, where))
        else:
            files_.append((path, where, call.fs.stat(where, follow=False)))
    if files_:
        blocks.append(listing(call, [(p, node, w) for p, w, node in files_], total=False))
    for path, where in folders:
        if where == "/sys/class/net":
            entries = [(n, None, absolute_in(where, n)) for n in sorted(i.name for i in call.sandbox.interfaces())]
        else:
            entries = [(n, node, absolute_in(where, n)) for n, node in call.fs.listdir(where)
                       if opts.has("a") or opts.has("A") or not n.startswith(".")]
            if opts.has("a"):
                entries = [(".", call.fs.stat(where), where), ("..", call.fs.stat(parent_in(where)), parent_in(where))] + entries
        head = f"{path}:\n" if len(paths) > 1 else ""
        blocks.append(head + listing(call, entries, total=True))
    out = "\n".join(b for b in blocks if b or len(paths) > 1)
    return Result.of(1 if err else 0, out, err)


def absolute_in(folder: str, name: str) -> str:
    return posixpath.join(folder, name)


def parent_in(folder: str) -> str:
    return posixpath.dirname(folder.rstrip("/")) or "/"


MODE_KIND = {"dir": "d", "file": "-", "link": "l"}


def mode_text(node) -> str:
    bits = node.mode & 0o777
    out = MODE_KIND[node.kind]
    for shift in (6, 3, 0):
        part = (bits >> shift) & 7
        out += ("r" if part & 4 else "-") + ("w" if part & 2 else "-") + ("x" if part & 1 else "-")
    if node.mode & 0o1000:
        out = out[:-1] + ("t" if out[-1] == "x" else "T")
    return out


def listing(call: Call, entries: list, total: bool) -> str:
    """Names one a line, or busybox's long format: mode, links, owner, group, size, date, name."""
    if not call.opts.has("l") and not call.opts.has("n"):
        return "".join(name + marker(call, node) + "\n" for name, node, _ in entries)
    lines, kblocks = [], 0
    for name, node, where in entries:
        if node is None:  # /sys/class/net: links to the devices
            lines.append(f"lrwxrwxrwx    1 0        0                0 {when(0)} {name}")
            continue
        size = 4096 if node.kind == "dir" else len(node.target) if node.kind == "link" else node.size
        kblocks += 0 if node.kind == "link" else 4 * ((size + 4095) // 4096)
        links = folder_links(call, where) if node.kind == "dir" else 1
        line = f"{mode_text(node)} {links:4d} {node.uid:<8} {'0':<8} {size:9d} {when(node.mtime)} {name}"
        lines.append(line + marker(call, node) + (f" -> {node.target}" if node.kind == "link" else ""))
    head = f"total {kblocks}\n" if total else ""
    return head + "".join(line + "\n" for line in lines)


def marker(call: Call, node) -> str:
    """-p: a "/" after a folder's name; -F: also "@" after a link's, "*" after a program's."""
    if node is None or not (call.opts.has("p") or call.opts.has("F")):
        return ""
    if node.kind == "dir":
        return "/"
    if call.opts.has("F"):
        return "@" if node.kind == "link" else "*" if node.mode & 0o111 else ""
    return ""


def folder_links(call: Call, where: str) -> int:
    """A folder's link count: 2 and one per subfolder; overlay2's root says 1."""
    if where == "/":
        return 1
    return 2 + sum(1 for _, child in call.fs.listdir(where) if child is not None and child.kind == "dir")


def when(mtime: float) -> str:
    """busybox ls's date: month, day and time within half a year, else month, day and year."""
    t = time.localtime(mtime)
    if abs(time.time() - mtime) < 182 * 24 * 3600:
        return time.strftime("%b ", t) + f"{t.tm_mday:2d} " + time.strftime("%H:%M", t)
    return time.strftime("%b ", t) + f"{t.tm_mday:2d} " + f" {t.tm_year}"


def each_path(call: Call, act, message) -> Result:
    """Run act(absolute path) for each word; the failures as busybox words them."""
    err = ""
    for path in call.opts.words:
        try:
            act(call.path(path))
        except FileError as e:
            err += message(path, e.reason)
    return Result.of(1 if err else 0, "", err)


@files.applet("mkdir", spec="pm:")
def mkdir(call: Call) -> Result:
    return each_path(call, lambda p: call.fs.mkdir(p, parents=call.opts.has("p")),
                     lambda path, why: f"mkdir: can't create directory '{path}': {why}\n")


@files.applet("touch")
def touch(call: Call) -> Result:
    return each_path(call, call.fs.touch, lambda path, why: f"touch: {path}: {why}\n")


@files.applet("rm", spec="frR")
def rm(call: Call) -> Result:
    def remove(path: str) -> None:
        if call.opts.has("f") and not call.fs.exists(path):
            return
        call.fs.remove(path, recursive=call.opts.has("r") or call.opts.has("R"))

    def said(path: str, why: str) -> str:
        if why == "Is a directory":
            return f"rm: '{path}' is a directory\n"
        return f"rm: can't remove '{path}': {why}\n"
    return each_path(call, remove, said)


@files.applet("rmdir", spec="p")
def rmdir(call: Call) -> Result:
    return each_path(call, lambda p: call.fs.remove(p, directory=True),
                     lambda path, why: f"rmdir: '{path}': {why}\n")


def copy_or_move(call: Call, verb: str, act) -> Result:
    """cp / mv SOURCE... DEST: into DEST when it is a folder (it must be, for several sources)."""
    words = call.opts.words
    if len(words) < 2:
        return Result.of(1, "", f"BusyBox v1.35.0 (Debian 1:1.35.0-4+deb12u1+b1) multi-call binary.\n\n"
                                f"Usage: {verb} [-options] SOURCE... DEST\n")
    *sources, dest = words
    target = call.path(dest)
    if len(sources) > 1 and not call.fs.is_dir(target):
        return Result.of(1, "", f"{verb}: '{dest}' is not a directory\n")
    err = ""
    for src in sources:
        try:
            problem = act(call.path(src), target)
        except FileError as e:
            problem = (f"can't stat '{src}'" if verb == "cp" else f"can't rename '{src}'") + f": {e.reason}" \
                if e.path == call.path(src) else f"can't create '{dest}': {e.reason}"
        if problem:
            err += f"{verb}: {problem}\n"
    return Result.of(1 if err else 0, "", err)


@files.applet("cp", spec="aRrdfpP")
def cp(call: Call) -> Result:
    recursive = any(call.opts.has(f) for f in "aRr")

    def act(src: str, dest: str) -> str | None:
        node = call.fs.stat(src)
        if node.kind == "dir" and not recursive:
            return f"omitting directory '{src}'"
        call.fs.copy(src, dest, recursive=recursive)
        return None
    return copy_or_move(call, "cp", act)


@files.applet("mv", spec="fin")
def mv(call: Call) -> Result:
    def act(src: str, dest: str) -> None:
        call.fs.rename(src, dest)
    return copy_or_move(call, "mv", act)


@files.applet("ln", spec="sfnbTvS:", usage=usage.LN)
def ln(call: Call) -> Result:
    """ln -s [-f] [-n] TARGET... LINK|DIR: symbolic links (into DIR named after each TARGET;
    one TARGET alone: here). Hard links are not modelled."""
    words = call.opts.words
    if not words:
        return Result.of(1, "", usage.LN)
    if not call.opts.has("s"):
        return not_modelled("ln", "hard links (ln without -s)")
    if set(call.opts.flags) - set("sfn") or call.opts.values:
        return not_modelled("ln", "ln's options other than -s, -f and -n")
    *targets, last = words if len(words) > 1 else (words + ["."])
    err = ""
    for target in targets:
        dest = last
        try:
            node = call.fs.lookup(call.path(last), follow=not call.opts.has("n"))[1]
            if node is not None and node.kind == "dir":
                dest = posixpath.join(last, posixpath.basename(target.rstrip("/")))
            if call.opts.has("f") and call.fs.lookup(call.path(dest), follow=False)[1] is not None:
                call.fs.remove(call.path(dest))
            call.fs.symlink(target, call.path(dest))
        except FileError as e:
            err += f"ln: {dest}: {e.reason}\n"
    return Result.of(1 if err else 0, "", err)


@files.applet("tee", spec="a")
def tee(call: Call) -> Result:
    res = each_path(call, lambda p: call.fs.write(p, call.stdin.encode(), append=call.opts.has("a")),
                    lambda path, why: f"tee: {path}: {why}\n")
    return Result.of(res.code, call.stdin, res.err)


@files.applet("basename")
def basename(call: Call) -> Result:
    if not call.args:
        return Result.of(1, "", BANNER)
    name = posixpath.basename(call.args[0].rstrip("/")) or "/"
    suffix = call.args[1] if len(call.args) > 1 else ""
    if suffix and name.endswith(suffix) and name != suffix:
        name = name[:-len(suffix)]
    return Result.of(0, name + "\n")


@files.applet("dirname")
def dirname(call: Call) -> Result:
    if not call.args:
        return Result.of(1, "", BANNER)
    path = call.args[0].rstrip("/") or "/"
    return Result.of(0, (posixpath.dirname(path) or ".") + "\n")


@files.applet("grep", spec="achilnoqrsvwxzEFHILRe:f:m:A:B:C:", usage=usage.GREP)
def grep(call: Call) -> Result:
    """grep [-icvqsaEF] [-e] PATTERN [FILE]...; the other options say they are not modelled."""
    opts = call.opts
    if not opts.words and "e" not in opts.values:
        return Result.of(2, "", usage.GREP)
    others = sorted((opts.flags - set("aicvqsEF")) | (set(opts.values) - {"e"}))
    if others:
        return not_modelled("grep", f"grep -{others[0]}")
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
    # -n N, or the old spelling -N (`head -5`).
    old = next((a[1:] for a in call.args if len(a) > 1 and a[0] == "-" and a[1:].isdigit()), None)
    n = int(call.opts.get("n", old or "10").lstrip("-+") or 10)
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


def char_set(spec: str) -> str:
    """tr's sets: ranges (a-z), backslash escapes, [:classes:] of the common kinds."""
    classes = {"[:lower:]": "a-z", "[:upper:]": "A-Z", "[:digit:]": "0-9", "[:space:]": " \\t\\n",
               "[:alpha:]": "a-zA-Z", "[:alnum:]": "a-zA-Z0-9"}
    for name, chars in classes.items():
        spec = spec.replace(name, chars)
    spec, _ = unescape(octal(spec))
    out, i = "", 0
    while i < len(spec):
        if i + 2 < len(spec) and spec[i + 1] == "-":
            out += "".join(chr(c) for c in range(ord(spec[i]), ord(spec[i + 2]) + 1))
            i += 3
        else:
            out += spec[i]
            i += 1
    return out


@files.applet("tr", spec="cds")
def tr(call: Call) -> Result:
    words = call.opts.words
    if not words:
        return Result.of(1, "", BANNER)
    one = char_set(words[0])
    if call.opts.has("d"):
        return Result.of(0, "".join(ch for ch in call.stdin if ch not in one))
    if len(words) < 2 or call.opts.has("c") or call.opts.has("s"):
        return not_modelled("tr", "tr without a second set, -c or -s")
    two = char_set(words[1])
    two = (two + two[-1:] * len(one))[:len(one)]
    return Result.of(0, call.stdin.translate(str.maketrans(one, two)))


@files.applet("uniq", spec="cdu")
def uniq(call: Call) -> Result:
    found, err = inputs(call, call.opts.words[:1])
    groups: list[list[str]] = []
    for _, text in found:
        for line in text.splitlines():
            if groups and groups[-1][0] == line:
                groups[-1].append(line)
            else:
                groups.append([line])
    if call.opts.has("d"):
        groups = [g for g in groups if len(g) > 1]
    if call.opts.has("u"):
        groups = [g for g in groups if len(g) == 1]
    out = "".join((f"{len(g):7d} " if call.opts.has("c") else "") + g[0] + "\n" for g in groups)
    return Result.of(1 if err else 0, out, err)


@files.applet("tac")
def tac(call: Call) -> Result:
    found, err = inputs(call, call.opts.words)
    lines = [line for _, text in found for line in text.splitlines()]
    return Result.of(1 if err else 0, "".join(line + "\n" for line in reversed(lines)), err)


@files.applet("rev")
def rev(call: Call) -> Result:
    found, err = inputs(call, call.opts.words)
    return Result.of(1 if err else 0, "".join(line[::-1] + "\n" for _, t in found for line in t.splitlines()), err)


@files.applet("seq", spec="ws:")
def seq(call: Call) -> Result:
    nums = call.opts.words
    try:
        values = [int(n) for n in nums]
    except ValueError:
        return not_modelled("seq", "seq with numbers that are not integers")
    if not values or len(values) > 3:
        return Result.of(1, "", BANNER)
    first, step, last = (1, 1, values[0]) if len(values) == 1 else \
        (values[0], 1, values[1]) if len(values) == 2 else tuple(values)
    out = [str(n) for n in range(first, last + (1 if step > 0 else -1), step)] if step else []
    if call.opts.has("w"):
        width = max(len(str(first)), len(str(last)))
        out = [n.zfill(width) for n in out]
    sep = call.opts.get("s", "\n")
    return Result.of(0, sep.join(out) + "\n" if out else "")


@files.applet("printf")
def printf(call: Call) -> Result:
    """printf FORMAT [ARG]...: %s %d %i %x %o %c %%, field widths, backslash escapes; the format
    is used again while arguments are left."""
    if not call.args:
        return Result.of(1, "", BANNER)
    fmt, args = call.args[0], list(call.args[1:])
    spec = re.compile(r"%([-+ 0#]*\d*(?:\.\d+)?)([sdiouxXc%])")
    out, err = "", ""
    while True:
        used = 0

        def one(m: re.Match) -> str:
            nonlocal used, err
            flags, kind = m.groups()
            if kind == "%":
                return "%"
            arg = args[used] if used < len(args) else ""
            used += 1
            if kind in "diouxX":
                try:
                    value = int(arg or "0", 0)
                except ValueError:
                    err += f"printf: invalid number '{arg}'\n"
                    value = 0
                return ("%" + flags + ("d" if kind in "iu" else kind)) % value
            return ("%" + flags + "s") % (arg[:1] if kind == "c" else arg)
        text, stop = unescape(octal(spec.sub(one, fmt)))
        out += text
        args = args[used:]
        if stop or not args or not used:
            break
    return Result.of(1 if err else 0, out, err)
