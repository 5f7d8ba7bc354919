"""The archive endpoints' work: `docker cp` both ways, `put_archive`/`get_archive`, and the
stat the engine sends with them (X-Docker-Container-Path-Stat).

A path is resolved in the container's files as the engine resolves it: every directory of the way
followed through links, the last name not (a link is copied as a link, and its stat says where it
points, as a path in the container).
"""
from __future__ import annotations

import base64
import io
import json
import posixpath
import tarfile
import time

from ..errors import EngineError, InvalidParameter, NotFound
from ..state import Container, Inode
from .filesystem import INIT, FileError, Files, absolute, flatten

MODE_DIR = 1 << 31       # Go's os.ModeDir
MODE_SYMLINK = 1 << 27   # Go's os.ModeSymlink
TYPE_BITS = {"dir": 0o40000, "file": 0o100000, "link": 0o120000}


def _missing(c: Container, path: str, term: str = "") -> NotFound:
    """The engine's 404, naming the container as the request did (name or ID)."""
    return NotFound(f"Could not find the file {path} in container {term or c.name}")


def _resolve(c: Container, path: str, term: str = "") -> tuple[str, Inode]:
    fs = Files(c)
    try:
        real, node = fs.lookup(absolute(path), follow=False)
    except FileError:
        raise _missing(c, path, term) from None
    if node is None:
        raise _missing(c, path, term)
    return real, node


def go_mode(node: Inode) -> int:
    bits = node.mode & 0o7777
    if node.kind == "dir":
        bits |= MODE_DIR
    elif node.kind == "link":
        bits |= MODE_SYMLINK
    return bits


def rfc3339(t: float) -> str:
    frac = f"{t % 1:.9f}"[1:].rstrip("0").rstrip(".")
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + frac + "Z"


def stat(c: Container, path: str, term: str = "") -> dict:
    """The path's stat, as the header X-Docker-Container-Path-Stat carries it (decoded)."""
    real, node = _resolve(c, path, term)
    link = ""
    if node.kind == "link":
        try:
            link = Files(c).lookup(real)[0]
        except FileError:
            link = absolute(node.target, posixpath.dirname(real))
    name = "." if path.endswith("/.") else posixpath.basename(real) or "/"
    return {"name": name, "size": size_of(c, real, node), "mode": go_mode(node), "mtime": rfc3339(node.mtime),
            "linkTarget": link}


def size_of(c: Container, real: str, node: Inode) -> int:
    """What lstat says: a file's bytes, a directory's block (4096), a link's target's length."""
    if node.kind == "dir":
        return 4096
    if node.kind == "link":
        return len(node.target)
    return len(Files(c).content(real, node))


def stat_header(info: dict) -> str:
    return base64.b64encode(json.dumps(info, separators=(",", ":")).encode()).decode()


def get(c: Container, path: str, term: str = "") -> tuple[bytes, dict]:
    """GET /containers/{id}/archive: (a tar of path, its stat). A path ending in "/." gives the
    directory's contents without the directory's own name."""
    info = stat(c, path, term)
    real, node = _resolve(c, path, term)
    fs = Files(c)
    contents_only = path.endswith("/.")
    base = "." if contents_only else posixpath.basename(real) or "."
    out = io.BytesIO()
    for p, entry in fs.walk(real):
        rel = posixpath.relpath(p, real)
        name = base if rel == "." else posixpath.join(base, rel)
        data = fs.content(p, entry) if entry.kind == "file" else b""
        out.write(tar_header(name, entry, len(data)))
        out.write(data + b"\0" * (-len(data) % BLOCK))
    out.write(b"\0" * (2 * BLOCK))
    return out.getvalue(), info


BLOCK = 512


def export(c: Container) -> bytes:
    """docker export: the root as one tree, the engine's placeholders for its /etc files empty."""
    files = {**INIT, **flatten(c)}
    out = io.BytesIO()
    for path in sorted(files):
        node = files[path]
        if path == "/":
            continue
        data = node.data if node.kind == "file" and not node.fill else b""
        size = node.fill if node.fill else len(data)
        out.write(tar_header(path.lstrip("/"), node, size))
        out.write((b"\0" * size if node.fill else data) + b"\0" * (-size % BLOCK))
    out.write(b"\0" * (2 * BLOCK))
    return out.getvalue()


def tar_header(name: str, node: Inode, size: int) -> bytes:
    """One ustar header as Go's archive/tar writes the engine's: the file's type kept in the mode."""
    name = name + "/" if node.kind == "dir" and not name.endswith("/") else name
    prefix = ""
    if len(name.encode()) > 100:
        prefix, _, name = name.rpartition("/")

    def field(value: str | bytes, width: int) -> bytes:
        raw = value.encode() if isinstance(value, str) else value
        return raw[:width].ljust(width, b"\0")

    def octal(value: int, width: int) -> bytes:
        return field(f"{value:0{width - 1}o}", width)

    kind = {"dir": b"5", "link": b"2"}.get(node.kind, b"0")
    header = (field(name, 100) + octal((node.mode & 0o7777) | TYPE_BITS[node.kind], 8) + octal(0, 8) + octal(0, 8)
              + octal(size, 12) + octal(int(node.mtime), 12) + b" " * 8 + kind + field(node.target, 100)
              + b"ustar\x0000" + field("root", 32) + field("root", 32) + octal(0, 8) + octal(0, 8)
              + field(prefix, 155))
    header = header.ljust(BLOCK, b"\0")
    checksum = f"{sum(header):06o}\0 ".encode()
    return header[:148] + checksum + header[156:]


def put(c: Container, path: str, data: bytes, no_overwrite_dir_non_dir: bool = False, term: str = "") -> None:
    """PUT /containers/{id}/archive: the tar's entries extracted into the directory path."""
    fs = Files(c)
    try:
        real, node = fs.lookup(absolute(path))
    except FileError:
        raise _missing(c, path, term) from None
    if node is None:
        raise _missing(c, path, term)
    if node.kind != "dir":
        raise EngineError("extraction point is not a directory")
    try:
        tar = tarfile.open(fileobj=io.BytesIO(data), mode="r:*")
        members = [(m, tar.extractfile(m).read() if m.isfile() else b"") for m in tar.getmembers()]
    except (tarfile.TarError, EOFError, OSError):
        raise EngineError("Error processing tar file(exit status 1): unexpected EOF") from None
    try:
        for m, content in members:
            name = m.name.lstrip("/")
            if name in ("", "."):
                continue
            dest = absolute(name, real)
            if m.isdir():
                entry = Inode("dir", m.mode & 0o7777, mtime=m.mtime)
            elif m.issym():
                entry = Inode("link", 0o777, target=m.linkname, mtime=m.mtime)
            elif m.isfile():
                entry = Inode("file", m.mode & 0o7777, data=content, mtime=m.mtime)
            else:
                continue
            old = fs.lookup(dest, follow=False)[1] if fs.exists(posixpath.dirname(dest)) else None
            if no_overwrite_dir_non_dir and old is not None and (old.kind == "dir") != (entry.kind == "dir"):
                kind = "directory" if old.kind == "dir" else "non-directory"
                raise InvalidParameter(f"cannot overwrite {kind} \"{dest}\" with "
                                       f"{'non-directory' if kind == 'directory' else 'directory'} \"{name}\"")
            fs.mkdir(posixpath.dirname(dest), parents=True)
            fs.put(dest, entry)
    except FileError as e:
        raise EngineError(f"Error processing tar file: {e.path}: {e.reason}") from None
