"""The lab image's command set: what busybox 1.35 (Debian's busybox-static) prints inside a container.

Two entry points:
- start_process(argv, container): the container's main command. Servers (`httpd -f -p PORT`,
  `nc -l -p PORT`) and sleepers (`sleep`, `tail -f`) keep running; anything else runs once and the
  container exits with its code, its output going to the logs.
- run_exec(argv, container): `docker exec`: (exit code, stdout, stderr) as bytes.

A small shell (`sh -c`) runs lists (`;`, `&&`, `||`), pipes into nc, redirections into files, and
background servers (`&`). The network tools ask the container's Sandbox (reach.py) what the
network would do, and print it the way busybox does. Times (ping's round trips) are fixed small
values: the simulator has no clock worth showing, and the conformance suite normalises them.
"""
from __future__ import annotations

import shlex

from .errors import EngineError
from .reach import Outcome, Sandbox
from .world import Container, IPv4Addr, Process

APPLETS = frozenset("""
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
PING_TIME = "0.100"


class ExecNotFound(EngineError):
    status = 400


def applet(name: str) -> str | None:
    """The applet a command name runs, or None when the image has no such program."""
    if "/" in name:
        d, _, base = name.rpartition("/")
        return base if d in BIN_DIRS and base in APPLETS else None
    return name if name in APPLETS else None


def not_found_at_start(name: str) -> ExecNotFound:
    return ExecNotFound('failed to create shim task: OCI runtime create failed: runc create failed: unable to '
                        f'start container process: exec: "{name}": executable file not found in $PATH: unknown')


class Result:
    def __init__(self, code: int = 0, out: str = "", err: str = ""):
        self.code, self.out, self.err = code, out, err


# -- the container's main process ------------------------------------------------------------------
def start_process(argv: list[str], c: Container) -> Process:
    if not argv:
        raise EngineError("No command specified", 400)
    if applet(argv[0]) is None:
        raise not_found_at_start(argv[0])
    proc = Process(list(argv))
    shell = Shell(c, proc)
    res = shell.run_argv(argv, main=True)
    proc.output = res.out + res.err
    if not shell.keeps_running:
        proc.exits = res.code
    return proc


def run_exec(argv: list[str], c: Container) -> tuple[int, bytes, bytes]:
    if applet(argv[0]) is None:
        msg = ("OCI runtime exec failed: exec failed: unable to start container process: exec: "
               f'"{argv[0]}": executable file not found in $PATH: unknown\r\n')
        return 126, msg.encode(), b""
    proc = c.process or Process([])
    shell = Shell(c, proc)
    res = shell.run_argv(argv, main=False)
    return res.code, res.out.encode(), res.err.encode()


# -- the shell ---------------------------------------------------------------------------------------
class Shell:
    def __init__(self, c: Container, proc: Process):
        self.c = c
        self.proc = proc
        self.sb = Sandbox(c.host, c)
        self.keeps_running = False

    def run_argv(self, argv: list[str], main: bool) -> Result:
        self.main = main
        name = applet(argv[0])
        if name in ("sh", "ash") and len(argv) >= 3 and argv[1] == "-c":
            return self.run_script(argv[2])
        if name in ("sh", "ash") and len(argv) == 1:
            return Result(0)  # no terminal, no input: the shell ends at once
        return self.command(argv, stdin="", background=False)

    def run_script(self, script: str) -> Result:
        try:
            lex = shlex.shlex(script, posix=True, punctuation_chars=";&|<>")
            lex.whitespace_split = True
            tokens = list(lex)
        except ValueError:
            return Result(2, "", "sh: syntax error: unterminated quoted string\n")
        out, err = "", ""
        code = 0
        i = 0
        skip = False
        while i < len(tokens):
            # one pipeline up to a list operator
            j = i
            while j < len(tokens) and tokens[j] not in (";", "&&", "||", "&"):
                j += 1
            op = tokens[j] if j < len(tokens) else ";"
            words = tokens[i:j]
            if words and not skip:
                res = self.pipeline(words, background=(op == "&"))
                out += res.out
                err += res.err
                code = res.code
                if res.code == -1:  # exit
                    return Result(self._exit_code, out, err)
            if op == "&&":
                skip = code != 0
            elif op == "||":
                skip = code == 0
            else:
                skip = False
            i = j + 1
        return Result(code, out, err)

    def pipeline(self, words: list[str], background: bool) -> Result:
        stages, cur = [], []
        for w in words:
            if w == "|":
                stages.append(cur)
                cur = []
            else:
                cur.append(w)
        stages.append(cur)
        data = ""
        res = Result()
        for k, stage in enumerate(stages):
            argv, redirect, append = [], None, False
            it = iter(range(len(stage)))
            idx = 0
            while idx < len(stage):
                w = stage[idx]
                if w in (">", ">>") and idx + 1 < len(stage):
                    redirect, append = stage[idx + 1], w == ">>"
                    idx += 2
                    continue
                argv.append(w)
                idx += 1
            del it
            if not argv:
                continue
            res = self.command(argv, stdin=data, background=background and k == len(stages) - 1)
            if redirect:
                old = self.proc.files.get(redirect, "") if append else ""
                self.proc.files[redirect] = old + res.out
                res = Result(res.code, "", res.err)
            data = res.out
        return res

    # -- commands -----------------------------------------------------------------------------------
    def command(self, argv: list[str], stdin: str, background: bool) -> Result:
        name = applet(argv[0])
        if argv[0] == "exit":
            self._exit_code = int(argv[1]) if len(argv) > 1 and argv[1].isdigit() else 0
            return Result(-1)
        if name is None:
            return Result(127, "", f"sh: {argv[0]}: not found\n")
        fn = getattr(self, "cmd_" + name.replace("-", "_"), None)
        if fn is None:
            return Result(0)
        return fn(argv[1:], stdin, background)

    def cmd_sh(self, args, stdin, bg):
        if len(args) >= 2 and args[0] == "-c":
            return self.run_script(args[1])
        return Result(0)

    cmd_ash = cmd_sh

    def cmd_true(self, args, stdin, bg):
        return Result(0)

    def cmd_false(self, args, stdin, bg):
        return Result(1)

    def cmd_echo(self, args, stdin, bg):
        if args[:1] == ["-n"]:
            return Result(0, " ".join(args[1:]))
        return Result(0, " ".join(args) + "\n")

    def cmd_hostname(self, args, stdin, bg):
        if args[:1] == ["-i"]:
            ips = [str(ep.ip) for ep in self.sb.endpoints() if ep.ip] if not self.sb.is_host else \
                [str(i.ip) for i in self.sb.interfaces() if i.ip and i.kind != "loopback"][:1]
            return Result(0, " ".join(ips) + "\n")
        return Result(0, self.sb.hostname + "\n")

    def cmd_cat(self, args, stdin, bg):
        if not args:
            return Result(0, stdin)
        out, err, code = "", "", 0
        for path in args:
            text = self.sb.read_file(path)
            if text is None:
                err += f"cat: can't open '{path}': No such file or directory\n"
                code = 1
            else:
                out += text
        return Result(code, out, err)

    def cmd_sleep(self, args, stdin, bg):
        if self.main or bg:
            self.keeps_running = True
        return Result(0)

    def cmd_tail(self, args, stdin, bg):
        if "-f" in args and (self.main or bg):
            self.keeps_running = True
        return Result(0)

    def cmd_top(self, args, stdin, bg):
        if self.main:
            self.keeps_running = True
        return Result(0)

    def cmd_mkdir(self, args, stdin, bg):
        return Result(0)

    def cmd_httpd(self, args, stdin, bg):
        port, foreground, home = 80, False, "/"
        i = 0
        while i < len(args):
            a = args[i]
            if a == "-f":
                foreground = True
            elif a == "-p" and i + 1 < len(args):
                port = int(args[i + 1].rsplit(":", 1)[-1])
                i += 1
            elif a == "-h" and i + 1 < len(args):
                home = args[i + 1]
                i += 1
            i += 1
        self.proc.listens.append(("tcp", port))
        self.proc.docroot = home
        if foreground and (self.main or bg):
            self.keeps_running = True
        if not foreground and self.main:
            # httpd goes into the background and the container's main process ends.
            self.proc.listens.remove(("tcp", port))
            return Result(0)
        self._keep(self.proc)
        return Result(0)

    def cmd_nc(self, args, stdin, bg):
        if "-l" in args or any(a.startswith("-l") for a in args):
            port = None
            for k, a in enumerate(args):
                if a == "-p" and k + 1 < len(args):
                    port = int(args[k + 1])
            if port is not None:
                self.proc.listens.append(("tcp", port))
                self._keep(self.proc)
            if self.main or bg:
                self.keeps_running = True
            return Result(0)
        rest = [a for a in args if not a.startswith("-")]
        wait = None
        for k, a in enumerate(args):
            if a == "-w" and k + 1 < len(args):
                wait = args[k + 1]
                rest = [x for x in rest if x != wait]
        if len(rest) < 2:
            return Result(1, "", "BusyBox v1.35.0 (Debian 1:1.35.0-4+deb12u1+b1) multi-call binary.\n")
        host, port = rest[0], rest[1]
        ip = self.sb.resolve(host)
        if ip is None:
            return Result(1, "", f"nc: bad address '{host}'\n")
        out = self.sb.connect(ip, int(port))
        if out.ok:
            return Result(0)
        if out.refused:
            return Result(1, "", f"nc: can't connect to remote host ({ip}): Connection refused\n")
        if out.unreachable:
            return Result(1, "", f"nc: can't connect to remote host ({ip}): Network is unreachable\n")
        return Result(1, "", "nc: timeout\n")

    def _keep(self, proc: Process) -> None:
        if self.c.process is None:
            self.c.process = proc

    def cmd_ping(self, args, stdin, bg):
        count = None
        target = None
        i = 0
        while i < len(args):
            a = args[i]
            if a in ("-c", "-W", "-w", "-s", "-i", "-t", "-I"):
                if a == "-c" and i + 1 < len(args):
                    count = int(args[i + 1])
                i += 2
                continue
            if a.startswith("-c") and a[2:].isdigit():
                count = int(a[2:])
            elif not a.startswith("-"):
                target = a
            i += 1
        if target is None:
            return Result(1, "", "BusyBox v1.35.0 (Debian 1:1.35.0-4+deb12u1+b1) multi-call binary.\n")
        ip = self.sb.resolve(target)
        if ip is None:
            return Result(1, "", f"ping: bad address '{target}'\n")
        n = count if count is not None else 4
        head = f"PING {target} ({ip}): 56 data bytes\n"
        out = self.sb.ping(ip)
        if out.unreachable:
            return Result(1, head, "ping: sendto: Network is unreachable\n")
        if not out.ok:
            return Result(1, head + f"\n--- {target} ping statistics ---\n"
                                    f"{n} packets transmitted, 0 packets received, 100% packet loss\n")
        lines = "".join(f"64 bytes from {ip}: seq={k} ttl={out.ttl} time={PING_TIME} ms\n" for k in range(n))
        return Result(0, head + lines + f"\n--- {target} ping statistics ---\n"
                                        f"{n} packets transmitted, {n} packets received, 0% packet loss\n"
                                        f"round-trip min/avg/max = {PING_TIME}/{PING_TIME}/{PING_TIME} ms\n")

    def cmd_nslookup(self, args, stdin, bg):
        names = [a for a in args if not a.startswith("-")]
        if not names:
            return Result(1, "", "BusyBox v1.35.0 (Debian 1:1.35.0-4+deb12u1+b1) multi-call binary.\n")
        name = names[0]
        server = names[1] if len(names) > 1 else self.sb.nameserver() or "127.0.0.1"
        head = f"Server:\t\t{server}\nAddress:\t{server}:53\n\n"
        answers = self.sb.dns_query(name) if server == "127.0.0.11" else None
        if not answers:
            return Result(1, head, f"** server can't find {name}: NXDOMAIN\n\n")
        body = "Non-authoritative answer:\n" + "".join(f"Name:\t{name}\nAddress: {a}\n" for a in answers) + "\n"
        return Result(0, head + body)

    def cmd_ip(self, args, stdin, bg):
        from . import iproute
        return iproute.run(self.sb, args)

    def cmd_wget(self, args, stdin, bg):
        url = next((a for a in args if a.startswith("http://")), None)
        if url is None:
            return Result(1, "", "wget: bad address\n")
        hostport = url[len("http://"):].split("/", 1)[0]
        path = "/" + url[len("http://"):].split("/", 1)[1] if "/" in url[len("http://"):] else "/"
        host, _, port = hostport.partition(":")
        port_n = int(port or 80)
        ip = self.sb.resolve(host)
        if ip is None:
            return Result(1, "", f"wget: bad address '{host}'\n")
        quiet = "-q" in args
        head = "" if quiet else f"Connecting to {hostport} ({ip}:{port_n})\n"
        out = self.sb.connect(ip, port_n)
        if not out.ok:
            if out.refused:
                return Result(1, "", head + f"wget: can't connect to remote host ({ip}): Connection refused\n")
            if out.unreachable:
                return Result(1, "", head + f"wget: can't connect to remote host ({ip}): Network is unreachable\n")
            return Result(1, "", head + "wget: download timed out\n")
        page = serve_http(out, path)
        if page is None:
            return Result(1, "", head + "wget: server returned error: HTTP/1.1 404 Not Found\n")
        tail = "" if quiet else "writing to stdout\n"
        done = "" if quiet else "written to stdout\n"
        return Result(0, page, head + tail + done)


def serve_http(out: Outcome, path: str) -> str | None:
    target = out.target
    proc = getattr(target, "process", None)
    if proc is None:
        return None
    base = proc.docroot.rstrip("/")
    want = path if not path.endswith("/") else path + "index.html"
    return proc.files.get(base + want)
