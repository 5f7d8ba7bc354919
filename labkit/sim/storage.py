"""The simulated engine's plain data for files: entries (Inode), trees of them, images, volumes,
mounts.

A part of the state layer (state.py holds the rest); what changes files is engine/filesystem.py,
engine/volumes.py and engine/archive.py.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Inode:
    """One entry of a file system: a directory, a regular file or a symbolic link. Never changed
    in place (image layers, containers and commits share them): a change makes a new one."""

    kind: str               # "dir" | "file" | "link"
    mode: int = 0o755       # permission bits
    data: bytes = b""
    target: str = ""        # a link's target
    mtime: float = 0.0
    opaque: bool = False    # a directory made anew over a deleted one: hides what lay below it
    fill: int = 0           # a file of this many bytes whose content nobody reads (a binary)
    uid: int = 0            # its owner (the image's and the engine's: root)

    @property
    def size(self) -> int:
        return self.fill or len(self.data)


# A file system's entries by absolute path ("/", "/bin", "/bin/sh"). In a container's writable
# layer None marks an entry deleted (a whiteout).
Tree = dict


@dataclass
class Volume:
    """A named or anonymous volume (`docker volume create`, `-v NAME:/path`, `-v /path`)."""

    name: str
    driver: str
    created: str
    labels: dict = field(default_factory=dict)
    options: dict = field(default_factory=dict)
    files: Tree = field(default_factory=lambda: {"/": Inode("dir")})
    anonymous: bool = False
    filled: bool = False  # the image's files were copied in at its first mount
    # The client sent Labels / DriverOpts as objects, even empty ones: the engine shows {} then, null when
    # it sent none (Debian's 20.10 CLI sends {}, the 28.x one and docker-py nothing).
    labels_given: bool = False
    options_given: bool = False

    @property
    def mountpoint(self) -> str:
        return f"/var/lib/docker/volumes/{self.name}/_data"


@dataclass
class Mount:
    """What is mounted where in a container: a volume, a folder of the host (bind) or a tmpfs."""

    kind: str                  # "volume" | "bind" | "tmpfs"
    destination: str
    source: str = ""           # the host's folder (bind): a folder of the machine (engine/binds.py)
    volume: Volume | None = None
    rw: bool = True
    mode: str = ""             # as the request spelled it ("ro", "z", ...)
    propagation: str = ""
    files: Tree | None = None  # a tmpfs's own entries
    make_source: bool = False  # a bind of -v: its missing source is made when the container starts


@dataclass
class Image:
    id: str
    tags: list[str]
    created: int
    size: int
    cmd: list[str] | None = None
    files: Tree = field(default_factory=dict)
    # What `docker commit` records (the lab image: imported, none of it).
    config: dict = field(default_factory=dict)      # Env, Cmd, Entrypoint, WorkingDir, ... as inspect shows
    parent: str = ""
    comment: str = "Imported from -"
    author: str = ""
    container: str = ""
    container_config: dict | None = None
    layers: list[str] = field(default_factory=list)
