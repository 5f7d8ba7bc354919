"""Conformance scenarios for a container's files: the image's, the engine's /etc files, what
commands write, the archive endpoints (`docker cp`, put_archive/get_archive), volumes (`docker
volume ...`, `-v NAME:/path`, `--mount`) and bind mounts shared between containers.

Bind sources are folders of this machine, on either engine (the simulator's bind mounts share the
machine's folders as the engine's do): each run's own, in its temporary folder (removed at the end),
which the engine makes itself (`-v /folder:/path` creates a missing one); the observations name it
as BINDS + "/site", the same on every run.
"""
from __future__ import annotations

import io
import os
import re
import tarfile

from docker.types import Mount

from .harness import Recorder, scenario

SLEEP = "sleep 600"
BINDS = "/tmp/labkit-conformance-binds"


LS_DATE = re.compile(r"[A-Z][a-z]{2} [ \d]\d (?: \d{4}|\d\d:\d\d)(?= )")


def run(env: Recorder, name: str, cmd: str = SLEEP, **kw):
    return env.client.containers.run("busybox", cmd, name=name, detach=True, **kw)


def exec_ls(env: Recorder, container: str, cmd: str) -> None:
    """A command whose output has `ls -l` dates: they are when the files were made (on the real
    engine: when busybox was packaged, when the container was made), so they read <date>."""
    res = env.exec(container, cmd, key=f"exec {container}: {cmd}")
    env.observations.pop()
    env.note(f"exec {container}: {cmd}", {k: LS_DATE.sub("<date>", v) if isinstance(v, str) else v
                                          for k, v in res.items()})


def tar_of(files: dict[str, bytes | None]) -> bytes:
    """A tar of files (None: a directory), as docker-py's users build one for put_archive."""
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.mtime = 1700000000
            if data is None:
                info.type, info.mode = tarfile.DIRTYPE, 0o755
                tar.addfile(info)
            else:
                info.size, info.mode = len(data), 0o644
                tar.addfile(info, io.BytesIO(data))
    return out.getvalue()


def members(data: bytes) -> list[dict]:
    """What a tar from get_archive holds: names, kinds, modes, sizes, link targets, small contents."""
    out = []
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        for m in tar.getmembers():
            item = {"name": m.name, "type": {tarfile.DIRTYPE: "dir", tarfile.SYMTYPE: "link"}.get(m.type, "file"),
                    "mode": oct(m.mode), "size": m.size}
            if m.issym():
                item["target"] = m.linkname
            if m.isfile() and m.size < 400:
                item["data"] = tar.extractfile(m).read().decode(errors="replace")
            out.append(item)
    return out


def archive(env: Recorder, key: str, container: str, path: str) -> None:
    try:
        stream, stat = env.api.get_archive(container, path)
    except Exception as e:  # noqa: BLE001 - the engine's error is what is observed
        env.note(key, {"error": type(e).__name__, "status": getattr(e, "status_code", None),
                       "message": getattr(e, "explanation", str(e))})
        return
    data = b"".join(stream)
    stat = dict(stat)
    stat.pop("mtime", None)
    env.note(key, {"stat": stat, "members": members(data)[:12], "count": len(members(data))})


# -- files in one container --------------------------------------------------------------------------
@scenario("files: written by commands")
def s_files_commands(env):
    """The image's files and the engine's, then what echo, mkdir, touch, cp, mv and rm do."""
    run(env, "box")
    for cmd in ("ls /", "ls -a /", "ls /etc", "ls /bin | head -5", "ls /bin | wc -l",
                "cat /etc/hostname", "ls /tmp", "cat /nope", "ls /nope", "cat /bin"):
        env.exec("box", cmd)
    for cmd in ("ls -p /", "ls -F /etc /bin/sh", "ls -l /etc/mtab", "ls -ld /bin", "ls -l /etc", "ls -la /bin | head -4"):
        exec_ls(env, "box", cmd)
    script = ("echo one > /f && echo two >> /f && cat /f && mkdir -p /d/e && touch /d/e/t && "
              "cp /f /d/g && mv /d/g /d/h && ls /d /d/e && cat /d/h && rm /f && ls /")
    env.exec("box", script)
    env.exec("box", "sh -c 'cat /f; echo $?'")
    env.exec("box", "mkdir /d")
    env.exec("box", "rm /d")
    env.exec("box", "rmdir /d")
    env.exec("box", "rm -r /d")
    env.exec("box", "sh -c 'echo x > /nodir/file'")
    env.exec("box", "sh -c 'echo hi > /etc/motd; cat /etc/motd'")
    env.exec("box", "sh -c 'echo 10.9.9.9 extra >> /etc/hosts; grep extra /etc/hosts'")
    env.exec("box", "sh -c 'cd /bin && ls sh && pwd'")
    env.exec("box", "cat /etc/resolv.conf")
    env.note("diff", sorted(env.api.diff("box"), key=lambda c: c["Path"]))
    env.api.restart("box", timeout=0)
    env.exec("box", "sh -c 'cat /etc/motd; grep extra /etc/hosts; ls /'")


# -- the archive endpoints --------------------------------------------------------------------------
@scenario("containers: copying files")
def s_archive(env):
    """put_archive and get_archive (docker cp both ways): the tar, the stat header, the errors."""
    run(env, "box")
    env.attempt("put", env.api.put_archive, "box", "/", tar_of({"site": None, "site/index.html": b"<h1>hi</h1>\n",
                                                                 "site/notes.txt": b"notes\n"}))
    exec_ls(env, "box", "sh -c 'ls -l /site; cat /site/index.html'")
    archive(env, "get file", "box", "/site/index.html")
    archive(env, "get dir", "box", "/site")
    archive(env, "get dir contents", "box", "/site/.")
    archive(env, "get link", "box", "/bin/sh")
    archive(env, "get hosts", "box", "/etc/hostname")
    archive(env, "get missing", "box", "/nope")
    archive(env, "get missing container", "nobox", "/site")
    env.attempt("put into missing dir", env.api.put_archive, "box", "/nope", tar_of({"x": b"x"}))
    env.attempt("put onto a file", env.api.put_archive, "box", "/site/notes.txt", tar_of({"x": b"x"}))
    env.attempt("put not a tar", env.api.put_archive, "box", "/", b"this is not a tar archive at all")
    env.attempt("put replaces", env.api.put_archive, "box", "/site", tar_of({"notes.txt": b"new notes\n"}))
    env.exec("box", "cat /site/notes.txt")
    env.note("diff", sorted(env.api.diff("box"), key=lambda c: c["Path"]))
    env.api.create_container("busybox", SLEEP, name="idle")
    env.attempt("put into created", env.api.put_archive, "idle", "/", tar_of({"early.txt": b"early\n"}))
    archive(env, "get from created", "idle", "/early.txt")
    env.api.start("idle")
    env.exec("idle", "cat /early.txt")
    env.api.stop("box", timeout=0)
    archive(env, "get from stopped", "box", "/site/index.html")


# -- volumes and binds -------------------------------------------------------------------------------
DATA_ROOT = re.compile(r"^/run/labkit/[a-z0-9]+/host\d+/data(?=/)")


def volume_view(v: dict) -> dict:
    """A volume's inspect, its path under the engine's data root as a default engine shows it."""
    out = {k: v.get(k) for k in ("Name", "Driver", "Mountpoint", "Labels", "Options", "Scope")}
    out["Mountpoint"] = DATA_ROOT.sub("/var/lib/docker", out["Mountpoint"] or "")
    return out


def mounts_view(mounts: list[dict]) -> list[dict]:
    """inspect's Mounts (in destination order: the engine lists them from a Go map), anonymous
    volume names and the data root made comparable."""
    out = []
    for m in sorted(mounts, key=lambda m: m.get("Destination") or ""):
        m = dict(m)
        if len(m.get("Name") or "") == 64:
            m["Source"] = (m.get("Source") or "").replace(m["Name"], "<anonymous>")
            m["Name"] = "<anonymous>"
        m["Source"] = DATA_ROOT.sub("/var/lib/docker", m.get("Source") or "")
        out.append(m)
    return out


@scenario("volumes")
def s_volumes_api(env):
    """docker volume create, ls, inspect, rm, prune; in-use and missing errors."""
    env.attempt("create", lambda: volume_view(env.api.create_volume("data", labels={"app": "db"})))
    env.attempt("create again", lambda: volume_view(env.api.create_volume("data")))
    env.attempt("create with options", lambda: volume_view(env.api.create_volume(
        "opts", driver="local", driver_opts={"type": "tmpfs", "device": "tmpfs", "o": "size=1m"})))
    env.attempt("create bad name", env.api.create_volume, "bad name")
    env.attempt("create other driver", env.api.create_volume, "x1", driver="nope")
    anon = env.api.create_volume()
    env.note("anonymous name length", len(anon["Name"]))
    env.note("inspect", volume_view(env.api.inspect_volume("data")))
    env.attempt("inspect missing", env.api.inspect_volume, "nope")
    env.note("ls", sorted(v["Name"] for v in env.api.volumes()["Volumes"] if len(v["Name"]) < 64))
    env.note("ls warnings", env.api.volumes()["Warnings"])
    run(env, "db", volumes={"data": {"bind": "/var/db", "mode": "rw"}})
    env.attempt("remove in use", env.api.remove_volume, "data")
    env.api.stop("db", timeout=0)
    env.attempt("remove in use by a stopped container", env.api.remove_volume, "data")
    env.attempt("remove missing", env.api.remove_volume, "nope")
    env.attempt("remove missing forced", env.api.remove_volume, "nope", force=True)
    pruned = env.api.prune_volumes()
    env.note("prune", sorted(n for n in pruned["VolumesDeleted"] or [] if len(n) < 64))
    env.note("prune count", len(pruned["VolumesDeleted"] or []))
    env.note("ls after prune", sorted(v["Name"] for v in env.api.volumes()["Volumes"] or []))
    env.api.remove_container("db")
    env.attempt("remove", env.api.remove_volume, "data")
    env.note("ls at the end", [volume_view(v) for v in env.api.volumes()["Volumes"]])


@scenario("volumes")
def s_volumes_shared(env):
    """A named volume shared by two containers (-v and --mount), anonymous volumes, inspect's Mounts."""
    run(env, "writer", volumes=["shared:/data"])
    env.exec("writer", "sh -c 'echo from writer > /data/note; mkdir /data/sub'")
    run(env, "reader", mounts=[Mount("/in", "shared", type="volume", read_only=True)])
    env.exec("reader", "sh -c 'cat /in/note; ls /in'")
    env.exec("reader", "sh -c 'echo no > /in/other'")
    run(env, "anon", volumes=["/scratch"])
    env.exec("anon", "sh -c 'echo tmp > /scratch/t; cat /scratch/t'")
    for name in ("writer", "reader", "anon"):
        env.note(f"{name} mounts", mounts_view(env.api.inspect_container(name)["Mounts"]))
    env.note("ps mounts", {c["Names"][0]: [{k: m.get(k) for k in ("Type", "Destination", "RW")} for m in c["Mounts"]]
                           for c in env.api.containers()})
    env.note("diff", sorted(env.api.diff("writer"), key=lambda c: c["Path"]))
    env.note("volume count", len(env.api.volumes()["Volumes"]))
    env.api.remove_container("anon", force=True, v=True)
    env.note("volume count after rm -v", len(env.api.volumes()["Volumes"]))
    env.api.remove_container("writer", force=True)
    run(env, "again", "cat /data/note", volumes=["shared:/data"])
    env.note("again", env.client.containers.get("again").wait()["StatusCode"])
    env.note("again logs", env.client.containers.get("again").logs().decode())
    env.attempt("bad mount spec", env.api.create_container, "busybox", SLEEP, name="bad1",
                host_config=env.api.create_host_config(binds=["data:relative"]))
    env.attempt("duplicate mount point", env.api.create_container, "busybox", SLEEP, name="bad2",
                host_config=env.api.create_host_config(binds=["one:/x", "two:/x"]))
    env.attempt("bind source missing (--mount)", env.api.create_container, "busybox", SLEEP, name="bad3",
                host_config=env.api.create_host_config(mounts=[Mount("/x", BINDS + "/missing", type="bind")]))


@scenario("volumes")
def s_volume_copy_up(env):
    """A new named volume mounted over a folder of the container's root gets what is there, the
    engine's init entries included (Docker's docs, "Populate a volume using a container"; a learner
    typed `docker run --mount source=nginx-vol,destination=/etc busybox ls /etc`)."""
    run(env, "etc", volumes=["etcvol:/etc"])
    exec_ls(env, "etc", "ls -la /etc")
    env.exec("etc", "sh -c 'cat /etc/hostname | wc -c; grep -c localhost /etc/hosts'")
    run(env, "reader", volumes=["etcvol:/data"])
    exec_ls(env, "reader", "ls -la /data")
    run(env, "bin", volumes=["binvol:/bin"])
    env.exec("bin", "sh -c 'ls /bin | wc -l; ls /bin | head -3'")
    run(env, "nocopy", mounts=[Mount("/etc", "empty", type="volume", no_copy=True)])
    exec_ls(env, "nocopy", "ls -la /etc")


@scenario("volumes", "reachability: servers and ports")
def s_bind_web(env):
    """A host folder bound into a writer and into a web server (httpd -h), served to a client."""
    site = os.path.join(env.workdir, "binds", "site")   # this run's: runs side by side share no folder

    def named(text: str) -> str:
        return text.replace(site, BINDS + "/site")
    try:
        env.client.networks.create("web")
        run(env, "writer", volumes={site: {"bind": "/site", "mode": "rw"}})
        env.exec("writer", "sh -c 'echo \"<h1>made in writer</h1>\" > /site/index.html'")
        run(env, "server", "httpd -f -p 80 -h /www", network="web", volumes=[f"{site}:/www:ro"])
        run(env, "client", network="web")
        env.exec("client", "wget -q -O- http://server/")
        env.exec("server", "sh -c 'echo nope > /www/x'")
        env.note("server mounts", [dict(m, Source=named(m["Source"]))
                                   for m in mounts_view(env.api.inspect_container("server")["Mounts"])])
        env.note("binds", [named(b) for b in env.api.inspect_container("server")["HostConfig"]["Binds"]])
        env.exec("writer", "sh -c 'echo second > /site/two.html'")
        env.exec("client", "wget -q -O- http://server/two.html")
        archive(env, "get through the bind", "server", "/www/two.html")
    finally:
        for c in env.api.containers(all=True):
            env.api.remove_container(c["Id"], force=True)


@scenario("volumes")
def s_mount_kinds(env):
    """--volumes-from (and :ro), --read-only with a --tmpfs, and what a restart keeps of each."""
    run(env, "owner", volumes=["shared:/data", "/scratch"])
    env.exec("owner", "sh -c 'echo mine > /data/f; echo tmp > /scratch/t'")
    run(env, "borrower", volumes_from=["owner:ro"])
    env.exec("borrower", "sh -c 'cat /data/f /scratch/t; echo no > /data/g'")
    env.note("borrower mounts", mounts_view(env.api.inspect_container("borrower")["Mounts"]))
    env.note("borrower VolumesFrom", env.api.inspect_container("borrower")["HostConfig"]["VolumesFrom"])
    run(env, "locked", read_only=True, tmpfs={"/run": ""})
    env.exec("locked", "sh -c 'echo x > /x'")
    env.exec("locked", "sh -c 'echo x > /run/x && cat /run/x'")
    env.exec("locked", "sh -c 'echo 10.0.0.9 n >> /etc/hosts && grep -c 10.0.0.9 /etc/hosts'")
    env.exec("locked", "mkdir /newdir")
    env.note("locked settings", {k: env.api.inspect_container("locked")["HostConfig"][k] for k in ("ReadonlyRootfs", "Tmpfs")})
    env.api.restart("locked", timeout=0)
    env.exec("locked", "ls /run")
    env.attempt("volumes-from missing", env.api.create_container, "busybox", SLEEP, name="bad",
                host_config=env.api.create_host_config(volumes_from=["nope"]))
