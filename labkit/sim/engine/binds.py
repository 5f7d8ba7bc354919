"""A bind mount's source: a folder of the machine the simulator runs on (`docker run -v
"$(pwd)":/app ...`, `--mount type=bind,source=...`).

The engine mounts the host's folder into the container and reads and writes it as root; the
simulator reads and writes the machine's folder with its own process's permissions (a learner on
Binder: their own files). Reads see the folder as it is now; what the container writes, makes or
removes there changes the machine's folder; a refusal of the machine's kernel comes back with its
own text (EACCES: "Permission denied"), which the applets print as busybox does.

    folder = Folder("/home/jovyan/site", "/www", rw=True)   # -v /home/jovyan/site:/www
    folder.get("/index.html"); folder.put("/new.txt", Inode("file", 0o644, b"hi\\n"))
    folder.names("/"); folder.delete("/new.txt")

Nothing outside the source is ever touched: paths inside it arrive normalised (no "." or ".."),
and every operation walks down from the source name by name without following links
(O_NOFOLLOW), acting on the last name relative to its directory. A link inside the folder is shown
to the container as a link, and the container resolves it in its own root, as the kernel does
(`ln -s /etc/passwd site/abs` shows the container's /etc/passwd, never the machine's).
"""
from __future__ import annotations

import contextlib
import errno
import os
import shutil
import stat

from ..errors import EngineError, ExecNotFound
from ..storage import Inode
from .fileerrors import ENOENT, FileError

DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


class Folder:
    """One bind's source folder (or file), seen from inside the container at destination."""

    def __init__(self, source: str, destination: str, rw: bool = True):
        self.source, self.destination, self.rw = source, destination, rw

    def _path(self, rel: str) -> str:
        """The container's path of rel: what an error names."""
        return self.destination.rstrip("/") + rel if rel != "/" else self.destination

    def _error(self, e: OSError, rel: str) -> FileError:
        return FileError(os.strerror(e.errno) if e.errno else ENOENT, self._path(rel))

    @contextlib.contextmanager
    def _at(self, rel: str):
        """(the directory's descriptor, the last name) of rel, walked down from the source without
        following a link on the way; (None, source) for the source itself (the engine followed
        links in the source's own path when it mounted it). The machine's refusals, on the way or
        in the block that uses them, come out as FileError in the kernel's words."""
        parts = [p for p in rel.split("/") if p]
        if any(p in (".", "..") for p in parts):
            raise FileError(ENOENT, self._path(rel))   # never arrives normalised: refused, not walked
        fd = None
        try:
            if not parts:
                yield None, os.path.realpath(self.source)
                return
            fd = os.open(os.path.realpath(self.source), DIR_FLAGS)
            for name in parts[:-1]:
                nxt = os.open(name, DIR_FLAGS, dir_fd=fd)
                os.close(fd)
                fd = nxt
            yield fd, parts[-1]
        except OSError as e:
            raise self._error(e, rel) from None
        finally:
            if fd is not None:
                os.close(fd)

    # -- the tree's interface (filesystem.Plain's) ------------------------------------------------
    def get(self, rel: str) -> Inode | None:
        """rel's entry (a file's content is read by read()), or None when there is none."""
        try:
            with self._at(rel) as (fd, name):
                st = os.stat(name, dir_fd=fd, follow_symlinks=False)
                target = os.readlink(name, dir_fd=fd) if stat.S_ISLNK(st.st_mode) else ""
        except FileError as e:
            if e.reason in (os.strerror(errno.ENOENT), os.strerror(errno.ENOTDIR), os.strerror(errno.ELOOP)):
                return None
            raise
        kind = "dir" if stat.S_ISDIR(st.st_mode) else "link" if stat.S_ISLNK(st.st_mode) else "file"
        return Inode(kind, stat.S_IMODE(st.st_mode), target=target, mtime=st.st_mtime,
                     fill=st.st_size if kind == "file" else 0, uid=st.st_uid)

    def read(self, rel: str) -> bytes:
        """A file's content as the machine has it now."""
        with self._at(rel) as (fd, name):
            # never waiting: a pipe or a device of the machine reads as empty
            f = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK, dir_fd=fd)
            try:
                if not stat.S_ISREG(os.fstat(f).st_mode):
                    return b""
                chunks = []
                while chunk := os.read(f, 1 << 20):
                    chunks.append(chunk)
                return b"".join(chunks)
            finally:
                os.close(f)

    def names(self, rel: str) -> set[str]:
        with self._at(rel) as (fd, name):
            d = os.open(name, DIR_FLAGS, dir_fd=fd)
            try:
                return set(os.listdir(d))
            finally:
                os.close(d)

    def put(self, rel: str, node: Inode) -> None:
        """An entry made or replaced: a directory (kept when there is one), a file's content, a
        link."""
        with self._at(rel) as (fd, name):
            if node.kind == "dir":
                with contextlib.suppress(FileExistsError):
                    os.mkdir(name, node.mode, dir_fd=fd)
            elif node.kind == "link":
                os.symlink(node.target, name, dir_fd=fd)
            else:
                self._write(fd, name, node)

    @staticmethod
    def _write(fd: int | None, name: str, node: Inode) -> None:
        # O_NONBLOCK: a pipe of the machine with no reader refuses (ENXIO) instead of waiting
        flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK
        f = os.open(name, flags, node.mode, dir_fd=fd)
        try:
            data = memoryview(node.data if not node.fill else b"\x7fELF" + b"\0" * (node.fill - 4))
            while data:
                data = data[os.write(f, data):]
            if stat.S_IMODE(os.fstat(f).st_mode) != node.mode:
                with contextlib.suppress(PermissionError):   # another's file: its mode stays
                    os.fchmod(f, node.mode)
        finally:
            os.close(f)

    def touch(self, rel: str) -> None:
        """touch of an existing entry: its times now, its content as it is."""
        with self._at(rel) as (fd, name):
            os.utime(name, dir_fd=fd, follow_symlinks=False)

    def delete(self, rel: str) -> None:
        """An entry removed, a directory with all it holds (never following a link)."""
        with self._at(rel) as (fd, name):
            st = os.stat(name, dir_fd=fd, follow_symlinks=False)
            if not stat.S_ISDIR(st.st_mode):
                os.unlink(name, dir_fd=fd)
            elif fd is None:
                raise OSError(errno.EBUSY, os.strerror(errno.EBUSY))   # the mount point itself
            else:
                shutil.rmtree(name, dir_fd=fd)   # walks by descriptors, links not followed


def make_source(source: str, destination: str) -> None:
    """`-v /src:/dst` with /src missing: the engine makes it (and its parents, 0755) when the
    container starts; a refusal fails the start with the engine's words. Under a file (ENOTDIR)
    the engine goes on, and the runtime cannot mount it (exit code 127)."""
    if os.path.lexists(source):
        return
    try:
        os.makedirs(source, 0o755, exist_ok=True)
    except NotADirectoryError:
        raise ExecNotFound(f'error during container init: error mounting "{source}" to rootfs at "{destination}": '
                           f"stat {source}: not a directory: unknown: Are you trying to mount a directory onto a "
                           f"file (or vice-versa)? Check if the specified host path exists and is the expected type",
                           127) from None
    except OSError as e:
        failed = e.filename or source
        raise EngineError(f"error while creating mount source path '{source}': mkdir {failed}: "
                          f"{os.strerror(e.errno).lower()}") from None


def source_exists(source: str) -> bool:
    """Whether --mount's source is there (the engine refuses a missing one at create)."""
    return os.path.exists(source)
