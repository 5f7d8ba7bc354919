"""Bind mounts share the machine's folders: `docker run -v "$(pwd)":/app ...` as Docker's docs
type it (content/manuals/engine/storage/bind-mounts.md), against `labkit sim serve`, judged by the
real engine's answers to the same commands.

Each step is a docker CLI command on a fresh temporary folder of this machine (<dir>); after it,
what the folder holds (names, kinds, contents, link targets) is read. The real engine's answers
are recorded in tests/data/binds-observed.json (LABKIT_RECORD=1, as root, on /var/run/docker.sock,
under the machine-wide lock: `flock /tmp/labkit-real-engine.lock env LABKIT_RECORD=1 ...`), so the
simulator is judged where no engine runs. Every step stays inside the temporary folder: a link that
leads out of the bind resolves in the container, as the kernel resolves it.
"""
from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import tempfile

import pytest

from tests.engines import SimDaemon

DATA = os.path.join(os.path.dirname(__file__), "data", "binds-observed.json")
DOCKER = "/usr/bin/docker" if os.access("/usr/bin/docker", os.X_OK) else shutil.which("docker")
PREFIX = "lkbind"
pytestmark = pytest.mark.skipif(not DOCKER, reason="no docker CLI installed")

SITE = "run --rm -v {d}/site:/www busybox "
STEPS = [
    ("read a host file", SITE + "cat /www/index.html"),
    ("list the host folder", SITE + "ls /www"),
    ("a link out of the bind, relative: resolved in the container", SITE + "cat /www/up"),
    ("a link out of the bind, absolute: the container's file", SITE + "head -n 1 /www/abs"),
    ("write, mkdir, rm, rmdir through the bind",
     SITE + "sh -c 'echo new > /www/new.txt && mkdir -p /www/made/deep && echo deep > /www/made/deep/f"
            " && rm /www/sub/a.txt && rmdir /www/sub'"),
    ("write through a link out of the bind: the container's file", SITE + "sh -c 'echo esc > /www/up; cat /outside.txt'"),
    ("a link made in the container", SITE + "ln -s ../../etc /www/etc-link"),
    ("mv and cp -r through the bind", SITE + "sh -c 'mv /www/new.txt /www/moved.txt && cp -r /www/made /www/copy'"),
    ("rm -r through the bind", SITE + "rm -r /www/copy"),
    ("read-only: write", "run --rm -v {d}/site:/www:ro busybox sh -c 'echo x > /www/x'"),
    ("read-only: mkdir", "run --rm -v {d}/site:/www:ro busybox mkdir /www/d"),
    ("read-only: rm", "run --rm --mount type=bind,source={d}/site,target=/www,readonly busybox rm /www/index.html"),
    ("another user may not write into root's folder", "run --rm -u 4242 -v {d}/site:/www busybox sh -c 'echo x > /www/u.txt'"),
    ("-v makes a missing source: create", "create --name lkbind-made -v {d}/made/by/engine:/x busybox ls -la /x"),
    ("-v makes a missing source: start", "start -a lkbind-made"),
    ("-v makes a missing source: rm", "rm lkbind-made"),
    ("-v under a file of the machine: the runtime cannot mount it", "run --rm -v {d}/outside.txt/x:/x busybox true"),
    ("--mount does not", "run --rm --mount type=bind,source={d}/nope,target=/x busybox true"),
    ("a file bound", "run --rm -v {d}/site/index.html:/i.html busybox sh -c 'cat /i.html; echo more >> /i.html'"),
    ("a folder bound twice", "run --rm -v {d}/site:/a -v {d}/site/made:/b busybox sh -c 'echo two > /b/two; cat /a/made/two'"),
    ("docker cp: a container for it", "run -d --name lkbind-cp -v {d}/site:/www busybox sleep 600"),
    ("docker cp into the bind", "cp {d}/outside.txt lkbind-cp:/www/copied.txt"),
    ("docker cp a folder into the bind", "cp {d}/in lkbind-cp:/www/"),
    ("docker cp out of the bind", "cp lkbind-cp:/www/made {d}/out"),
    ("the copies, seen in the container", "exec lkbind-cp sh -c 'cat /www/copied.txt /www/in/f'"),
    ("docker cp: removed", "rm -f lkbind-cp"),
    ("/proc/mounts: binds, a volume, tmpfs mounts",
     "run --rm -v {d}/site:/www -v lkbindvol:/data --tmpfs /cache --mount type=tmpfs,destination=/t2 "
     "-v {d}/site:/ro:ro busybox cat /proc/mounts"),
    ("/proc/self/mounts: a read-only root", "run --rm --read-only busybox cat /proc/self/mounts"),
    ("/proc/mounts: the volume removed", "volume rm lkbindvol"),
]


def prepare(d: str) -> None:
    """The folder the steps start from (a learner's project: a site, a file beside it)."""
    os.makedirs(os.path.join(d, "site", "sub"))
    os.makedirs(os.path.join(d, "in"))
    for path, text in (("site/index.html", "from the host\n"), ("site/sub/a.txt", "a\n"),
                       ("outside.txt", "outside\n"), ("in/f", "in a folder\n")):
        with open(os.path.join(d, path), "w") as f:
            f.write(text)
    os.symlink("../outside.txt", os.path.join(d, "site", "up"))
    os.symlink("/etc/passwd", os.path.join(d, "site", "abs"))


def folder(d: str) -> list:
    """What the folder holds: [relative path, kind, content or link target], sorted."""
    out = []
    for top, dirs, files in os.walk(d):
        for name in dirs + files:
            path = os.path.join(top, name)
            rel = os.path.relpath(path, d)
            if os.path.islink(path):
                out.append([rel, "link", os.readlink(path)])
            elif os.path.isdir(path):
                out.append([rel, "dir", oct(os.stat(path).st_mode & 0o7777)])
            elif not os.path.isfile(path):
                out.append([rel, "other", ""])   # a pipe: never opened (it would wait for a writer)
            else:
                with open(path, "rb") as f:
                    out.append([rel, "file", f.read().decode(errors="replace")])
    return sorted(out)


def run_steps(url: str, d: str) -> list:
    """Every step against the engine at url: [step, exit, stdout, stderr, the folder after]."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": d, "DOCKER_HOST": url,
           "DOCKER_CONFIG": os.path.join(d, ".docker")}
    out = []
    for label, cmd in STEPS:
        res = subprocess.run(f"{DOCKER} {cmd.format(d=d)}", shell=True, capture_output=True, text=True,
                             env=env, timeout=60, cwd=d, stdin=subprocess.DEVNULL)
        seen = [e for e in folder(d) if not e[0].startswith(".docker")]
        out.append([label, res.returncode, res.stdout.replace(d, "<dir>"), res.stderr.replace(d, "<dir>"), seen])
    return out


def record() -> None:
    d = tempfile.mkdtemp(prefix="lkbind-")
    os.chmod(d, 0o755)
    try:
        prepare(d)
        steps = run_steps("unix:///var/run/docker.sock", d)
    finally:
        subprocess.run([DOCKER, "rm", "-f", "lkbind-made", "lkbind-cp"], capture_output=True)
        subprocess.run([DOCKER, "volume", "rm", "lkbindvol"], capture_output=True)
        shutil.rmtree(d)
    version = subprocess.run([DOCKER, "version", "-f", "{{.Server.Version}} / client {{.Client.Version}}"],
                             capture_output=True, text=True).stdout.strip()
    with open(DATA, "w") as f:
        json.dump({"engine": version, "uid": 0, "steps": steps}, f, indent=1)
        f.write("\n")


HEX64 = re.compile(r"\b[0-9a-f]{64}\b")
LS_DATE = re.compile(r"[A-Z][a-z]{2} [ \d]\d (?: \d{4}|\d\d:\d\d)(?= )")


# overlay2's short layer names; what the machine's disk is (device, type, options) where a bind's
# source, a volume or the engine's /etc files lie: the recording machine's, not this one's.
LAYER = re.compile(r"/l/[A-Z2-7]{26}\b")
ON_DISK = re.compile(r"^\S+ (/www|/data|/ro|/etc/\S+) \S+ (rw|ro),\S+ 0 0(?=\r?$)", re.MULTILINE)


# The engine lists a container's volumes and binds in /proc/mounts in a Go map's order (random).
OWN_MOUNTS = re.compile(r"(?:^<device> /(?:www|data|ro) .*\n)+", re.MULTILINE)


# The 20.10 CLI's own race, either way on either engine, when a run's start fails (harness.CLI_RACES).
CLI_RACE = re.compile(r'^time="[^"]*" level=error msg="error waiting for container: context canceled"\n', re.MULTILINE)


def normalised(step: list) -> list:
    """IDs and the dates `ls -l` shows differ by nature; the machine's disks by machine."""
    def norm(v: str) -> str:
        v = CLI_RACE.sub("", v)
        v = ON_DISK.sub(r"<device> \1 <type> \2,<options> 0 0", LAYER.sub("/l/<layer>", v))
        v = OWN_MOUNTS.sub(lambda m: "".join(sorted(m.group(0).splitlines(keepends=True))), v)
        return LS_DATE.sub("<date>", HEX64.sub("<id>", v))
    return [norm(v) if isinstance(v, str) else v for v in step]


def recorded() -> list:
    with open(DATA) as f:
        return [normalised(step) for step in json.load(f)["steps"]]


@pytest.fixture
def workdir():
    d = tempfile.mkdtemp(prefix="lkbind-")
    os.chmod(d, 0o755)
    prepare(d)
    yield d
    shutil.rmtree(d)


@pytest.mark.skipif(os.getuid() != 0, reason="the engine makes and writes the folders as root: so must the simulator's process")
def test_the_machines_folder_through_the_simulator(workdir, tmp_path):
    """Every step's output and what the machine's folder holds after it, as the engine's."""
    with SimDaemon(str(tmp_path / "sim.sock")) as sim:
        seen = [normalised(step) for step in run_steps(sim.url, workdir)]
    want = recorded()
    assert [s[0] for s in seen] == [s[0] for s in want]
    for w, got in zip(want, seen):
        assert got == w, w[0]


# Root reads and writes anything; without these capabilities it is refused as any user is.
UNPRIVILEGED = ["setpriv", "--bounding-set=-dac_override,-dac_read_search"] if os.getuid() == 0 else []
REFUSED = [("cat: can't open", "cat {}/secret"), ("sh: can't create", "sh -c 'echo x > {}/locked/f'"),
           ("mkdir: can't create directory", "mkdir {}/locked/d"), ("rm: can't remove", "rm {}/locked/g")]


@pytest.mark.skipif(UNPRIVILEGED and not shutil.which("setpriv"), reason="no setpriv (util-linux) to run without root's rights")
@pytest.mark.parametrize("what,cmd", REFUSED, ids=[r[0] for r in REFUSED])
def test_the_machine_refuses_as_its_kernel_does(workdir, tmp_path, what, cmd):
    """A folder the simulator's process may not read or write: the container's busybox says what
    the machine's /bin/busybox says of the same file (EACCES: "Permission denied"), and the folder
    stays as it was."""
    site = os.path.join(workdir, "site")
    os.mkdir(os.path.join(site, "locked"))
    with open(os.path.join(site, "locked", "g"), "w"):
        pass
    with open(os.path.join(site, "secret"), "w") as f:
        f.write("not for you\n")
    os.chmod(os.path.join(site, "secret"), 0)
    os.chmod(os.path.join(site, "locked"), 0o555)
    before = folder(workdir)
    try:
        machine = subprocess.run(UNPRIVILEGED + ["/bin/busybox"] + shlex.split(cmd.format(site)),
                                 capture_output=True, text=True, timeout=30)
        assert machine.returncode != 0 and "Permission denied" in machine.stderr, machine
        with SimDaemon(str(tmp_path / "sim.sock"), wrap=UNPRIVILEGED) as sim:
            env = dict(os.environ, DOCKER_HOST=sim.url, DOCKER_CONFIG=str(tmp_path / ".docker"))
            got = subprocess.run(f"{DOCKER} run --rm -v {site}:/www busybox {cmd.format('/www')}", shell=True,
                                 capture_output=True, text=True, env=env, timeout=60)
        assert (got.returncode, got.stderr) == (machine.returncode, machine.stderr.replace(site, "/www"))
        assert folder(workdir) == before
    finally:
        os.chmod(os.path.join(site, "locked"), 0o755)


if __name__ == "__main__":
    record()


def test_a_pipe_of_the_machine_never_makes_it_wait(workdir, tmp_path):
    """The engine's cat of a named pipe waits for a writer (forever, here); no call to the simulator
    may: a pipe reads as empty, a write to one with no reader is refused (ENXIO)."""
    os.mkfifo(os.path.join(workdir, "site", "pipe"))
    before = folder(workdir)
    with SimDaemon(str(tmp_path / "sim.sock")) as sim:
        env = dict(os.environ, DOCKER_HOST=sim.url, DOCKER_CONFIG=str(tmp_path / ".docker"))
        got = subprocess.run(f"{DOCKER} run --rm -v {workdir}/site:/www busybox sh -c 'cat /www/pipe; echo x > /www/pipe'",
                             shell=True, capture_output=True, text=True, env=env, timeout=60, stdin=subprocess.DEVNULL)
    assert (got.returncode, got.stdout, got.stderr) == (1, "", "sh: can't create /www/pipe: No such device or address\n")
    assert folder(workdir) == before
