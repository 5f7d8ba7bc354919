"""A container's files: its image's, the engine's own, what its commands write, and what is
mounted into it (volumes, the host's folders, tmpfs).

    fs = Files(container)                 # what the container's processes see
    fs.write("/www/index.html", b"hi\\n")  # echo hi > /www/index.html
    fs.read("/etc/hosts"); fs.listdir("/bin"); fs.mkdir("/data", parents=True); fs.remove("/x")

The root is overlay2's: a writable layer (Container.layer) over the image's entries (Image.files),
with the engine's init entries between them (/.dockerenv, /dev, /proc, /sys, /etc/hosts,
/etc/hostname, /etc/resolv.conf, /etc/mtab). A deleted image entry is a whiteout (None) in the
layer; a directory made again over a deleted one is opaque. `docker diff` is the layer read
against what lies below it; `docker commit` flattens the layer onto the image's entries.

Mounts hide what lies below them: a path under a mount's destination is looked up in the volume's
entries, the host's folder (a bind: a folder of the machine the simulator runs on, binds.py) or the
tmpfs. The
engine's /etc files are bind mounts of files it keeps per container: their content comes from the
engine (dns.py) unless a command wrote into them.

Errors are FileError with the kernel's words (errno names and strerror texts), which the applets
print as busybox does.
"""
from __future__ import annotations

import calendar
import fnmatch
import posixpath
import time

from ..state import Container, Host, Inode, Mount, Tree, Volume
from . import binds, dns
from .fileerrors import (  # noqa: F401  (re-exported: the applets read them here)
    EACCES, EBUSY, EEXIST, EINVAL, EISDIR, ENOENT, ENOTDIR, ENOTEMPTY, EROFS, FileError)


ENGINE_FILES = ("/etc/hostname", "/etc/hosts", "/etc/resolv.conf")
# The engine's init layer, between the image and the container's own layer: not in `docker diff`.
INIT: Tree = {
    "/": Inode("dir"), "/.dockerenv": Inode("file", 0o755), "/dev": Inode("dir"),
    "/dev/console": Inode("file", 0o755), "/dev/pts": Inode("dir"), "/dev/shm": Inode("dir"),
    "/etc": Inode("dir"), "/etc/hostname": Inode("file", 0o644), "/etc/hosts": Inode("file", 0o644),
    "/etc/mtab": Inode("link", 0o777, target="/proc/mounts"), "/etc/resolv.conf": Inode("file", 0o644),
    "/proc": Inode("dir"), "/sys": Inode("dir"),
}
# /dev as a running container's processes see it: the tmpfs the runtime mounts there, its device
# nodes (shown as files here) and links; /dev/console only with a terminal (-t).
DEV: Tree = {
    "/dev/fd": Inode("link", 0o777, target="/proc/self/fd"), "/dev/full": Inode("file", 0o666),
    "/dev/mqueue": Inode("dir", 0o1777), "/dev/null": Inode("file", 0o666),
    "/dev/ptmx": Inode("link", 0o777, target="pts/ptmx"), "/dev/pts": Inode("dir"),
    "/dev/random": Inode("file", 0o666), "/dev/shm": Inode("dir", 0o1777),
    "/dev/stderr": Inode("link", 0o777, target="/proc/self/fd/2"),
    "/dev/stdin": Inode("link", 0o777, target="/proc/self/fd/0"),
    "/dev/stdout": Inode("link", 0o777, target="/proc/self/fd/1"), "/dev/tty": Inode("file", 0o666),
    "/dev/urandom": Inode("file", 0o666), "/dev/zero": Inode("file", 0o666),
}
MAX_LINKS = 40


def absolute(path: str, cwd: str = "/") -> str:
    """A path as the kernel resolves it from cwd: absolute, normalised (no ., .., //)."""
    out = posixpath.normpath(posixpath.join(cwd or "/", path))
    return "/" + out.lstrip("/")


def parent_of(path: str) -> str:
    return posixpath.dirname(path) or "/"


def created_at(c: Container) -> float:
    """The container's creation time, as a Unix time (its engine entries carry it)."""
    base, _, frac = c.created.rstrip("Z").partition(".")
    return calendar.timegm(time.strptime(base, "%Y-%m-%dT%H:%M:%S")) + float("0." + (frac or "0"))


def now() -> float:
    return time.time()


# -- a plain tree (a volume, a tmpfs) -----------------------------------------------------------------
class Plain:
    """Entries of one tree with no layer below: a deleted entry is simply gone."""

    def __init__(self, tree: Tree, base: str = "/", rw: bool = True):
        self.tree, self.base, self.rw = tree, base, rw

    def key(self, rel: str) -> str:
        return self.base.rstrip("/") + rel if rel != "/" else self.base

    def get(self, rel: str) -> Inode | None:
        return self.tree.get(self.key(rel))

    def put(self, rel: str, node: Inode) -> None:
        self.tree[self.key(rel)] = node

    def delete(self, rel: str) -> None:
        key = self.key(rel)
        prefix = key.rstrip("/") + "/"
        for k in [k for k in self.tree if k == key or k.startswith(prefix)]:
            del self.tree[k]

    def names(self, rel: str) -> set[str]:
        key = self.key(rel)
        return {posixpath.basename(k) for k in self.tree if k != key and parent_of(k) == key}


class Layered:
    """A container's root: its layer over the engine's init entries over the image's."""

    def __init__(self, c: Container):
        self.layer, self.image, self.rw = c.layer, c.image.files, True
        self.dev = {**DEV, "/dev/console": INIT["/dev/console"]} if c.config.get("Tty") else DEV

    def below(self, path: str) -> Inode | None:
        if path.startswith("/dev/"):
            return self.dev.get(path)
        return INIT.get(path) or self.image.get(path)

    def hidden(self, path: str) -> bool:
        """Whether an ancestor in the layer hides what lies below (a whiteout, an opaque
        directory, a file over a directory)."""
        p = path
        while p != "/":
            p = parent_of(p)
            if p in self.layer:
                node = self.layer[p]
                if node is None or node.kind != "dir" or node.opaque:
                    return True
        return False

    def get(self, path: str) -> Inode | None:
        if path in self.layer:
            return self.layer[path]
        return None if self.hidden(path) else self.below(path)

    def put(self, path: str, node: Inode) -> None:
        old = self.below(path) if not self.hidden(path) else None
        if node.kind == "dir" and path in self.layer and self.layer[path] is None and old is not None:
            node = Inode("dir", node.mode, mtime=node.mtime, opaque=True)  # made again: hides the old
        self.layer[path] = node

    def delete(self, path: str) -> None:
        prefix = path.rstrip("/") + "/"
        for k in [k for k in self.layer if k.startswith(prefix)]:
            del self.layer[k]
        if self.below(path) is not None and not self.hidden(path):
            self.layer[path] = None   # a whiteout over the image's entry
        else:
            self.layer.pop(path, None)

    def names(self, path: str) -> set[str]:
        out = set()
        opaque = path in self.layer and self.layer[path] is not None and self.layer[path].opaque
        for tree in ((self.layer,) if opaque else (self.layer, self.dev if path == "/dev" else INIT, self.image)):
            for k in tree:
                if k != path and parent_of(k) == path:
                    out.add(posixpath.basename(k))
        return {n for n in out if self.get(absolute(n, path)) is not None}


# -- a container's view ------------------------------------------------------------------------------
class Files:
    """The files a container's processes see (see the module's docstring)."""

    def __init__(self, c: Container, uid: int = 0):
        self.c = c
        self.uid = uid     # who writes: root may write anywhere, another user where the modes let it

    def _may_write(self, node: Inode | None, path: str) -> None:
        """The kernel's check (owner or others' write bit; groups not modelled): EACCES."""
        if self.uid and node is not None and not (node.mode & 0o002 or (node.uid == self.uid and node.mode & 0o200)):
            raise FileError(EACCES, path)

    # -- where a path lives ---------------------------------------------------------------------
    def mount_of(self, path: str) -> Mount | None:
        best = None
        for m in self.c.mounts:
            d = m.destination
            if (path == d or path.startswith(d.rstrip("/") + "/")) and (best is None or len(d) > len(best.destination)):
                best = m
        return best

    def place(self, path: str) -> tuple[Plain | Layered | binds.Folder, str]:
        """The tree that holds path, and path inside it."""
        m = self.mount_of(path)
        if m is None:
            return Layered(self.c), path
        rel = absolute(posixpath.relpath(path, m.destination))
        if m.kind == "volume":
            return Plain(m.volume.files, "/", m.rw), rel
        if m.kind == "bind":
            return binds.Folder(m.source, m.destination, m.rw), rel
        return Plain(m.files, "/", m.rw), rel

    def lookup(self, path: str, follow: bool = True, depth: int = 0) -> tuple[str, Inode | None]:
        """(the real path, its entry or None), following links in every directory of the way
        and, when follow, in the last name too."""
        if depth > MAX_LINKS:
            raise FileError("Too many levels of symbolic links", path)
        path = absolute(path)
        parts = [p for p in path.split("/") if p]
        cur = "/"
        for i, name in enumerate(parts):
            parent_node = self.entry(cur)
            if parent_node is None:
                raise FileError(ENOENT, path)
            if parent_node.kind != "dir":
                raise FileError(ENOTDIR, path)
            nxt = absolute(name, cur)
            node = self.entry(nxt)
            last = i == len(parts) - 1
            if node is not None and node.kind == "link" and (follow or not last):
                target = absolute(node.target, cur)
                rest = "/".join(parts[i + 1:])
                return self.lookup(absolute(rest, target) if rest else target, follow, depth + 1)
            cur = nxt
        return cur, self.entry(cur)

    def entry(self, path: str) -> Inode | None:
        tree, rel = self.place(path)
        node = tree.get(rel)
        if node is not None and ((isinstance(tree, Layered) and (path in INIT or path in DEV) and path not in self.c.layer)
                                 or self.engine_bound(path)):
            # The engine's entries: made when the container was; its /etc files as long as they are.
            size = len(self.engine_file(path)) if path in ENGINE_FILES else 0
            mode = 0o644 if self.engine_bound(path) else node.mode   # the engine's file, bound over the mount point
            node = Inode(node.kind, mode, target=node.target, mtime=created_at(self.c), fill=size)
        return node

    def stat(self, path: str, follow: bool = True) -> Inode:
        real, node = self.lookup(path, follow)
        if node is None:
            raise FileError(ENOENT, path)
        return node

    def exists(self, path: str) -> bool:
        try:
            return self.lookup(path)[1] is not None
        except FileError:
            return False

    def is_dir(self, path: str) -> bool:
        try:
            node = self.lookup(path)[1]
        except FileError:
            return False
        return node is not None and node.kind == "dir"

    # -- reading ------------------------------------------------------------------------------
    def read(self, path: str) -> bytes:
        real, node = self.lookup(path)
        if node is None:
            raise FileError(ENOENT, path)
        if node.kind == "dir":
            raise FileError(EISDIR, path)
        return self.content(real, node)

    def engine_bound(self, path: str) -> bool:
        """Whether path is one of the engine's /etc files bound over a mount of the container's
        (a volume over /etc): the engine binds them on top of whatever is mounted above them."""
        m = self.mount_of(path) if path in ENGINE_FILES else None
        return m is not None and m.destination != path

    def content(self, real: str, node: Inode) -> bytes:
        if real in ENGINE_FILES and ((self.mount_of(real) is None and real not in self.c.layer) or self.engine_bound(real)):
            return self.engine_file(real)
        tree, rel = self.place(real)
        if node.kind == "file" and isinstance(tree, binds.Folder):
            return tree.read(rel)   # the machine's file as it is now
        if node.fill:
            return b"\x7fELF" + b"\0" * (node.fill - 4)
        return node.data

    def engine_file(self, path: str) -> bytes:
        if path in self.c.engine_files:
            return self.c.engine_files[path]
        if path == "/etc/hosts":
            return dns.etc_hosts(self.c).encode()
        if path == "/etc/resolv.conf":
            return dns.resolv_conf(self.c).encode()
        return (self.c.hostname + "\n").encode()

    def listdir(self, path: str) -> list[tuple[str, Inode]]:
        """A directory's entries, sorted by name (links not followed); a file lists itself."""
        real, node = self.lookup(path)
        if node is None:
            raise FileError(ENOENT, path)
        if node.kind != "dir":
            return [(posixpath.basename(real), node)]
        tree, rel = self.place(real)
        names = set(tree.names(rel))
        for m in self.c.mounts:  # a mount point shows in its parent even when nothing made it
            if parent_of(m.destination) == real:
                names.add(posixpath.basename(m.destination))
        return [(n, self.lookup(absolute(n, real), follow=False)[1]) for n in sorted(names)]

    def walk(self, path: str) -> list[tuple[str, Inode]]:
        """path and everything below it, depth first in name order (how tar walks)."""
        real, node = self.lookup(path, follow=False)
        if node is None:
            raise FileError(ENOENT, path)
        out = [(real, node)]
        if node.kind == "dir":
            for name, child in self.listdir(real):
                out += self.walk(absolute(name, real))
        return out

    def glob(self, pattern: str, cwd: str = "/") -> list[str]:
        """The shell's pathname expansion: the paths the pattern (*, ?, [...] in any part)
        matches, sorted, spelled as the pattern was (relative stays relative); [] for none.
        A name starting with "." matches only a part that starts with "." too."""
        parts = pattern.split("/")
        found = [("/" if pattern.startswith("/") else "", absolute(".", cwd) if not pattern.startswith("/") else "/")]
        for i, part in enumerate(parts):
            if part == "" and i == 0:
                continue
            last = i == len(parts) - 1
            nxt = []
            for shown, real in found:
                if not any(ch in part for ch in "*?["):
                    cand = [(part, absolute(part, real))]
                else:
                    try:
                        names = [n for n, _ in self.listdir(real)] if self.is_dir(real) else []
                    except FileError:
                        names = []
                    cand = [(n, absolute(n, real)) for n in names if fnmatch.fnmatchcase(n, part)
                            and (part.startswith(".") or not n.startswith("."))]
                for name, path in cand:
                    if (last and self.exists(path)) or (not last and self.is_dir(path)) or (last and part == ""):
                        nxt.append((shown + name + ("" if last else "/"), path))
            found = nxt
        return sorted(shown for shown, _ in found) if any(ch in pattern for ch in "*?[") else []

    # -- writing ------------------------------------------------------------------------------
    def _writable(self, path: str) -> tuple[Plain | Layered, str]:
        tree, rel = self.place(path)
        if not tree.rw or (isinstance(tree, Layered) and self.c.host_config.get("ReadonlyRootfs")):
            raise FileError(EROFS, path)
        return tree, rel

    def _parent_dir(self, path: str, writing: bool = False) -> str:
        parent = parent_of(path)
        real, node = self.lookup(parent)
        if node is None:
            raise FileError(ENOENT, path)
        if node.kind != "dir":
            raise FileError(ENOTDIR, path)
        if writing:
            self._may_write(node, path)
        return real

    def _touch_dir(self, real_dir: str) -> None:
        """A directory whose entries changed: copied up into the layer (overlay2 does; `docker
        diff` then lists it as changed)."""
        tree, rel = self.place(real_dir)
        node = tree.get(rel)
        if node is not None and isinstance(tree, Layered) and real_dir not in tree.layer and real_dir != "/":
            tree.layer[real_dir] = Inode("dir", node.mode, mtime=now())

    def write(self, path: str, data: bytes, append: bool = False, mode: int = 0o644) -> None:
        """echo > path (append: >>): the file made when missing; through a link to its target."""
        real, node = self.lookup(path)
        if node is not None and node.kind == "dir":
            raise FileError(EISDIR, path)
        if node is None:
            real = absolute(posixpath.basename(real), self._parent_dir(real))
        self._may_write(node if node is not None else self.entry(parent_of(real)), path)
        if real in ENGINE_FILES and self.mount_of(real) is None and real not in self.c.layer:
            if self.c.host_config.get("ReadonlyRootfs"):  # the engine mounts them read-only then
                raise FileError(EROFS, path)
            old = self.engine_file(real) if append else b""
            self.c.engine_files[real] = old + data
            return
        tree, rel = self._writable(real)
        old = self.content(real, node) if (append and node is not None) else b""
        if node is None:
            self._touch_dir(parent_of(real))
        tree.put(rel, Inode("file", node.mode if node is not None else mode, data=old + data, mtime=now(),
                            uid=node.uid if node is not None else self.uid))

    def touch(self, path: str) -> None:
        real, node = self.lookup(path)
        if node is None:
            self.write(path, b"")
            return
        self._may_write(node, path)
        tree, rel = self._writable(real)
        if isinstance(tree, binds.Folder):
            tree.touch(rel)
            return
        tree.put(rel, Inode(node.kind, node.mode, node.data, node.target, now(), node.opaque, node.fill, node.uid))

    def mkdir(self, path: str, parents: bool = False, mode: int = 0o755) -> None:
        path = absolute(path)
        if parents:
            cur = "/"
            for name in [p for p in path.split("/") if p]:
                cur = absolute(name, cur)
                real, node = self.lookup(cur)
                if node is None:
                    self._mkdir_one(real, mode)
                elif node.kind != "dir":
                    raise FileError(ENOTDIR if cur != path else EEXIST, cur)
                cur = real
            return
        real, node = self.lookup(path, follow=False)
        if node is not None:
            raise FileError(EEXIST, path)
        self._mkdir_one(real, mode)

    def _mkdir_one(self, real: str, mode: int) -> None:
        self._parent_dir(real, writing=True)
        tree, rel = self._writable(real)
        self._touch_dir(parent_of(real))
        tree.put(rel, Inode("dir", mode, mtime=now(), uid=self.uid))

    def symlink(self, target: str, path: str) -> None:
        real, node = self.lookup(path, follow=False)
        if node is not None:
            raise FileError(EEXIST, path)
        self._parent_dir(real, writing=True)
        tree, rel = self._writable(real)
        self._touch_dir(parent_of(real))
        tree.put(rel, Inode("link", 0o777, target=target, mtime=now(), uid=self.uid))

    def remove(self, path: str, recursive: bool = False, directory: bool = False) -> None:
        """rm (recursive: rm -r; directory: rmdir, only an empty directory)."""
        real, node = self.lookup(path, follow=False)
        if node is None:
            raise FileError(ENOENT, path)
        if any(m.destination == real for m in self.c.mounts) or real == "/":
            raise FileError(EBUSY, path)
        if node.kind == "dir":
            if not (recursive or directory):
                raise FileError(EISDIR, path)
            if directory and self.listdir(real):
                raise FileError(ENOTEMPTY, path)
            if recursive:
                for name, _ in self.listdir(real):
                    self.remove(absolute(name, real), recursive=True)
        elif directory:
            raise FileError(ENOTDIR, path)
        self._parent_dir(real, writing=True)
        tree, rel = self._writable(real)
        self._touch_dir(parent_of(real))
        tree.delete(rel)

    def copy(self, src: str, dst: str, recursive: bool = False) -> None:
        """cp SRC DST (recursive: cp -r): into DST when it is a directory."""
        real_src, node = self.lookup(src)
        if node is None:
            raise FileError(ENOENT, src)
        if self.is_dir(dst):
            dst = absolute(posixpath.basename(real_src), self.lookup(dst)[0])
        if node.kind == "dir":
            if not recursive:
                raise FileError(EISDIR, src)
            if not self.is_dir(dst):
                self.mkdir(dst, mode=node.mode)
            for name, _ in self.listdir(real_src):
                self.copy(absolute(name, real_src), absolute(name, dst), recursive=True)
            return
        self.write(dst, self.content(real_src, node), mode=node.mode)

    def rename(self, src: str, dst: str) -> None:
        """mv SRC DST: into DST when it is a directory."""
        real_src, node = self.lookup(src, follow=False)
        if node is None:
            raise FileError(ENOENT, src)
        if self.is_dir(dst):
            dst = absolute(posixpath.basename(real_src), self.lookup(dst)[0])
        if absolute(dst) == real_src:
            return
        if node.kind == "link":
            self.symlink(node.target, dst)
        else:
            self.copy(real_src, dst, recursive=True)
        self.remove(real_src, recursive=True)

    def put(self, path: str, node: Inode) -> None:
        """An entry as it comes (from a tar archive): replaces what is there, unless a directory
        meets a directory."""
        real, old = self.lookup(path, follow=False)
        if old is not None and old.kind == "dir" and node.kind == "dir":
            return
        if old is not None:
            self.remove(real, recursive=True)
        self._parent_dir(real)
        if node.kind == "file" and real in ENGINE_FILES and self.mount_of(real) is None:
            self.c.engine_files[real] = node.data
            return
        tree, rel = self._writable(real)
        self._touch_dir(parent_of(real))
        tree.put(rel, node)


# -- docker diff and docker commit -------------------------------------------------------------------
CHANGED, ADDED, DELETED = 0, 1, 2


def changes(c: Container) -> list[dict]:
    """docker diff: the layer against what lies below it, in path order (the mount points the
    engine made count; the engine's own /etc files do not)."""
    root = Layered(c)
    out = []
    for path in sorted(c.layer):
        node = c.layer[path]
        below = None if root.hidden(path) else root.below(path)
        if node is None:
            out.append({"Path": path, "Kind": DELETED})
        else:
            out.append({"Path": path, "Kind": CHANGED if below is not None else ADDED})
    return out


def flatten(c: Container) -> Tree:
    """The container's root as one tree (the image's entries with its layer applied): what
    `docker commit` makes the new image's files."""
    files = dict(c.image.files)
    for path in sorted(c.layer):
        node = c.layer[path]
        if node is None or (node.kind == "dir" and node.opaque) or (node.kind != "dir"):
            prefix = path.rstrip("/") + "/"
            for k in [k for k in files if k.startswith(prefix)]:
                del files[k]
        if node is None:
            files.pop(path, None)
        else:
            files[path] = Inode(node.kind, node.mode, node.data, node.target, node.mtime, False, node.fill)
    return files


def tree_size(files: Tree) -> int:
    return sum(n.size for n in files.values() if n is not None and n.kind == "file")


# -- mounts ------------------------------------------------------------------------------------------
def fill_volume(c: Container, m: Mount) -> None:
    """A new named volume mounted over a folder of the container's root gets what is there: the
    image's files and the engine's init entries (the engine copies them in at its first mount;
    a volume over /etc gets empty hostname, hosts, resolv.conf and the mtab link)."""
    vol = m.volume
    if vol is None or vol.filled:
        return
    vol.filled = True
    if len(vol.files) > 1:
        return
    prefix = m.destination.rstrip("/") + "/"
    # The init layer's placeholders for the engine's /etc files are empty files of mode 0755.
    init = {p: Inode("file", 0o755) if p in ENGINE_FILES else node for p, node in INIT.items()}
    for path, node in {**c.image.files, **init}.items():
        if path.startswith(prefix):
            vol.files[absolute(path[len(prefix) - 1:])] = node


def mount_points(c: Container) -> None:
    """Each mount's destination as a directory in the container's root (the engine makes the
    ones missing when it starts the container); a tmpfs starts empty; a missing bind source of
    `-v` is made on the machine (--mount's was refused at create)."""
    fs = Files(c)
    for m in c.mounts:
        if m.kind == "bind" and m.make_source:
            binds.make_source(m.source, m.destination)
        if m.kind == "tmpfs":
            m.files = {"/": Inode("dir", 0o1777)}
    for m in sorted(c.mounts, key=lambda m: m.destination):
        root = Layered(c)
        cur = "/"
        for name in [p for p in m.destination.split("/") if p]:
            cur = absolute(name, cur)
            if fs.mount_of(cur) is not None and cur != m.destination:
                break
            if root.get(cur) is None:
                root.put(cur, Inode("dir", 0o755, mtime=now()))


def engine_mount_points(c: Container) -> None:
    """The engine's /etc files bound over a volume or tmpfs at /etc: the runtime makes their mount
    points in it, once the volume got the image's files (a nocopy volume keeps them, empty)."""
    fs = Files(c)
    for path in ENGINE_FILES:
        if fs.engine_bound(path) and fs.mount_of(path).kind != "bind":
            tree, rel = fs.place(path)
            if tree.get(rel) is None and tree.get(parent_of(rel)) is not None:
                tree.put(rel, Inode("file", 0o755, mtime=now()))


def volume_in_use(host: Host, vol: Volume) -> list[str]:
    return [c.id for c in host.containers.values() if any(m.volume is vol for m in c.mounts)]
