"""Images: the engine's local catalogue (the lab image, busybox:latest, what `docker commit`
makes, and nothing to pull) and how a reference names one of them."""
from __future__ import annotations

import hashlib
import json
import re
import time

from ... import rules
from ..errors import Conflict, EngineError, InvalidParameter, NotFound
from ..state import Container, Host, Image, Inode, now
from . import filesystem

LAB_IMAGE = "busybox:latest"
# The lab image's programs: `busybox --list` of Debian's busybox-static 1.35, one link each in /bin.
LAB_PROGRAMS = frozenset("""
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
BUSYBOX_SIZE = 1982256  # bytes of Debian's /bin/busybox (busybox-static 1:1.35.0-4+deb12u1+b1)
LAB_IMAGE_SIZE = 1984132  # what the engine reports for the imported image

# The keys of an image's Config, as inspect shows them (an imported image's are empty).
CONFIG_KEYS = ("Hostname", "Domainname", "User", "AttachStdin", "AttachStdout", "AttachStderr", "Tty",
               "OpenStdin", "StdinOnce", "Env", "Cmd", "Image", "Volumes", "WorkingDir", "Entrypoint",
               "OnBuild", "Labels")


def check_reference(ref: str) -> None:
    """The engine's refusal of an image name it cannot parse (400)."""
    problem = rules.reference_problem(ref)
    if problem:
        raise InvalidParameter(problem)


def name_problem(ref: str) -> str | None:
    """What the engine says to a name it is to give an image (docker tag, commit): Go's
    ParseNormalizedNamed looks at the case of the name before its form."""
    first, slash, rest = ref.partition("/")
    remainder = rest if slash and ("." in first or ":" in first or first == "localhost") else ref
    if remainder.lower() != remainder:
        return rules.NOT_LOWERCASE
    return rules.reference_problem(ref)


def full_tag(ref: str) -> str:
    return ref if (":" in ref.rsplit("/", 1)[-1] or "@" in ref) else ref + ":latest"


def familiar(ref: str) -> str:
    """A name as the engine shows it: docker.io/ and library/ left out ("docker.io/lab/box:1" is
    "lab/box:1")."""
    return re.sub(r"^(docker\.io/)?(library/)?", "", ref)


def find(host: Host, ref: str) -> Image:
    """The image a reference names: by tag (":latest" when none), full ID or ID prefix."""
    check_reference(ref)
    full = full_tag(ref)
    for img in host.images.values():
        if full in img.tags or ref == img.id or (len(ref) >= 4 and img.id.split(":")[1].startswith(ref)):
            return img
    # The engine strips docker.io/library/ when it names an image in its reply.
    short = familiar(full)
    for img in host.images.values():
        if short in img.tags:
            return img
    raise NotFound(f"No such image: {short}")


def lab_files(mtime: float = 0.0) -> dict:
    """The lab image's root: /bin with busybox and one link per applet."""
    files = {"/": Inode("dir", 0o755, mtime=mtime), "/bin": Inode("dir", 0o755, mtime=mtime),
             "/bin/busybox": Inode("file", 0o755, mtime=mtime, fill=BUSYBOX_SIZE)}
    for name in sorted(LAB_PROGRAMS - {"busybox"}):
        files["/bin/" + name] = Inode("link", 0o777, target="busybox", mtime=mtime)
    return files


def empty_config() -> dict:
    cfg = {k: None for k in CONFIG_KEYS}
    cfg.update({"Hostname": "", "Domainname": "", "User": "", "Image": "", "WorkingDir": ""})
    cfg.update({k: False for k in ("AttachStdin", "AttachStdout", "AttachStderr", "Tty", "OpenStdin", "StdinOnce")})
    return cfg


def merge_config(cfg: dict, image: Image) -> None:
    """What a container takes from its image's config where the request left it out (the
    engine's merge): user, environment, labels, ports, volumes, command, working folder."""
    img = image.config or {}
    if not cfg.get("User"):
        cfg["User"] = img.get("User") or ""
    if img.get("Env"):
        have = {e.split("=", 1)[0] for e in cfg.get("Env") or []}
        cfg["Env"] = list(cfg.get("Env") or []) + [e for e in img["Env"] if e.split("=", 1)[0] not in have]
    if img.get("Labels"):
        cfg["Labels"] = {**img["Labels"], **(cfg.get("Labels") or {})}
    if img.get("ExposedPorts"):
        cfg["ExposedPorts"] = {**img["ExposedPorts"], **(cfg.get("ExposedPorts") or {})}
    if img.get("Volumes"):
        cfg["Volumes"] = {**img["Volumes"], **(cfg.get("Volumes") or {})}
    if not cfg.get("Entrypoint"):
        if not cfg.get("Cmd"):
            cfg["Cmd"] = img.get("Cmd")
        if cfg.get("Entrypoint") is None:
            cfg["Entrypoint"] = img.get("Entrypoint")
    if cfg.get("Entrypoint") == [""]:
        cfg["Entrypoint"] = None    # `--entrypoint ''`: reset, after the image's command was left out
    if not cfg.get("WorkingDir"):
        cfg["WorkingDir"] = img.get("WorkingDir") or ""
    if not cfg.get("StopSignal") and img.get("StopSignal"):
        cfg["StopSignal"] = img["StopSignal"]


def add_lab_image(host: Host) -> Image:
    """busybox:latest, as labkit.images imports it: `CMD ["sh"]`."""
    img_id = "sha256:" + hashlib.sha256(f"labkit-image/{LAB_IMAGE}".encode()).hexdigest()
    config = {**empty_config(), "Cmd": ["sh"]}
    img = Image(img_id, [LAB_IMAGE], created=int(host.world.started), size=LAB_IMAGE_SIZE, cmd=["sh"],
                files=lab_files(host.world.started), config=config,
                layers=["sha256:" + img_id.split(":")[1][::-1]])
    host.images[img_id] = img
    return img


def untag_everywhere(host: Host, tag: str) -> None:
    for img in host.images.values():
        if tag in img.tags:
            img.tags.remove(tag)


# -- docker commit -----------------------------------------------------------------------------------
def commit(c: Container, repo: str, tag: str, comment: str, author: str, config: dict,
           changes: list[str] = ()) -> Image:
    """docker commit: the container's files (image and layer, not its mounts) as a new image;
    its config as the container had it, with config's settings over it, then the changes
    (Dockerfile instructions: ENV, CMD, ...)."""
    host = c.host
    ref = ""
    if repo:
        ref = familiar(f"{repo}:{tag or 'latest'}")
        problem = name_problem(ref)
        if problem:
            raise EngineError(problem)
    files = filesystem.flatten(c)
    cfg = {**empty_config(), **{k: v for k, v in c.config.items() if k in CONFIG_KEYS}}
    for k in ("ExposedPorts", "StopSignal"):
        if k in c.config:
            cfg[k] = c.config[k]
    cfg.update({k: v for k, v in (config or {}).items() if v not in (None, "", [], {}, False)})
    apply_changes(cfg, list(changes))
    digest = hashlib.sha256(json.dumps([c.id, now(), sorted(files), cfg], default=str).encode()).hexdigest()
    img_id = "sha256:" + digest
    layers = list(c.image.layers) + ["sha256:" + hashlib.sha256(digest.encode()).hexdigest()]
    img = Image(img_id, [], created=int(time.time()), size=c.image.size + filesystem.tree_size(c.layer),
                cmd=cfg.get("Cmd"), files=files, config=cfg, parent=c.image.id, comment=comment,
                author=author, container=c.id, container_config=dict(c.config), layers=layers)
    if ref:
        untag_everywhere(host, ref)
        img.tags.append(ref)
    host.images[img_id] = img
    return img


def apply_changes(cfg: dict, changes: list[str]) -> dict:
    """docker commit --change: the Dockerfile instructions that set an image's config."""
    for line in changes:
        word, _, rest = line.strip().partition(" ")
        key, rest = word.upper(), rest.strip()
        if key in ("CMD", "ENTRYPOINT", "SHELL"):
            value = json.loads(rest) if rest.startswith("[") else ["/bin/sh", "-c", rest]
            cfg[{"CMD": "Cmd", "ENTRYPOINT": "Entrypoint", "SHELL": "Shell"}[key]] = value
        elif key == "ENV":
            name, eq, value = rest.partition("=")
            if not eq:
                name, _, value = rest.partition(" ")
            env = [e for e in cfg.get("Env") or [] if e.split("=", 1)[0] != name]
            cfg["Env"] = env + [f"{name}={value.strip()}"]
        elif key in ("WORKDIR", "USER", "STOPSIGNAL"):
            cfg[{"WORKDIR": "WorkingDir", "USER": "User", "STOPSIGNAL": "StopSignal"}[key]] = rest
        elif key == "EXPOSE":
            for port in rest.split():
                cfg.setdefault("ExposedPorts", {})[port if "/" in port else port + "/tcp"] = {}
        elif key == "VOLUME":
            for path in (json.loads(rest) if rest.startswith("[") else rest.split()):
                cfg["Volumes"] = {**(cfg.get("Volumes") or {}), path: {}}
        elif key == "LABEL":
            name, _, value = rest.partition("=")
            cfg["Labels"] = {**(cfg.get("Labels") or {}), name: value.strip('"')}
        else:
            raise InvalidParameter(f"{word.lower()} is not a valid change command")
    return cfg


# -- docker tag, docker rmi ---------------------------------------------------------------------------
def tag(host: Host, ref: str, repo: str, tag_: str) -> None:
    """docker tag SOURCE REPO[:TAG]: one more name for an image (taken from another if it had it)."""
    img = find(host, ref)
    new = familiar(f"{repo}:{tag_ or 'latest'}")
    problem = name_problem(new)
    if problem:
        raise InvalidParameter(problem)
    untag_everywhere(host, new)
    img.tags.insert(0, new)


def remove(host: Host, ref: str, force: bool = False) -> list[dict]:
    """docker rmi: a name removed ("Untagged"), and the image itself when no name, container or
    child image holds it any more ("Deleted"); the engine's conflicts."""
    img = find(host, ref)
    name = familiar(full_tag(ref))
    by_name = name in img.tags
    users = [c for c in host.containers.values() if c.image is img]
    short = img.id.split(":")[1][:12]
    if not by_name and len(img.tags) > 1 and not force:
        raise Conflict(f"conflict: unable to delete {short} (must be forced) - image is referenced in multiple "
                       f"repositories")
    running = [c for c in users if c.running]
    if running and not by_name:
        raise Conflict(f"conflict: unable to delete {short} (cannot be forced) - image is being used by running "
                       f"container {running[0].id[:12]}")
    out = []
    names = [name] if by_name else list(img.tags)
    if users and not force and len(img.tags) <= len(names):
        shown = ref if by_name else short
        raise Conflict(f'conflict: unable to remove repository reference "{shown}" (must force) - container '
                       f'{users[0].id[:12]} is using its referenced image {short}')
    for name in names:
        img.tags.remove(name)
        out.append({"Untagged": name})
    children = [i for i in host.images.values() if i.parent == img.id]
    if not img.tags and not users and not children:
        out += delete(host, img)
    return out


def delete(host: Host, img: Image) -> list[dict]:
    """The image gone, and each of its layers that no other image has ("Deleted" each)."""
    del host.images[img.id]
    kept = {layer for other in host.images.values() for layer in other.layers}
    return [{"Deleted": img.id}] + [{"Deleted": layer} for layer in reversed(img.layers) if layer not in kept]


def history(host: Host, ref: str) -> list[dict]:
    """docker history: one entry per image from this one down its parents."""
    out, img = [], find(host, ref)
    while img is not None:
        created_by = " ".join((img.container_config or {}).get("Cmd") or []) if img.container else ""
        out.append({"Comment": img.comment, "Created": img.created, "CreatedBy": created_by, "Id": img.id,
                    "Size": img.size - (host.images[img.parent].size if img.parent in host.images else 0),
                    "Tags": list(img.tags) or None})
        img = host.images.get(img.parent) if img.parent else None
    return out


def prune(host: Host, dangling_only: bool = True) -> tuple[list[dict], int]:
    """docker image prune [-a]: images no container uses and no image is made from (-a: also
    tagged ones); what each deletion freed."""
    deleted, space = [], 0
    for img in sorted(host.images.values(), key=lambda i: i.created, reverse=True):
        if (dangling_only and img.tags) or any(c.image is img for c in host.containers.values()) \
                or any(i.parent == img.id for i in host.images.values()):
            continue
        deleted += [{"Untagged": t} for t in img.tags] + delete(host, img)
        space += img.size
    return deleted, space
