"""The lab image, busybox:latest, made offline from Debian's busybox-static.

The lab machines cannot pull, so the image is made here: a root filesystem holding `bin/busybox`
(a copy of /bin/busybox) and one relative symlink per applet in `bin/` (`bin/sh -> busybox`),
imported as busybox:latest with `CMD ["sh"]` like the real image. The CLI equivalent:

    tar -c -C ROOTFS . | docker import --change 'CMD ["sh"]' - busybox:latest
"""
from __future__ import annotations

import functools
import io
import os
import subprocess
import tarfile
from typing import Callable

import docker

from .errors import LabImageError, MissingTool

LAB_IMAGE = "busybox:latest"
BUSYBOX = "/bin/busybox"
# What `docker import --change` adds, so `docker run -it busybox` starts a shell as with the real image.
IMAGE_CHANGES = ['CMD ["sh"]']


@functools.cache
def lab_image_tar() -> bytes:
    """The root filesystem of the lab image as a tar (about 2 MB), made once per process.

    Entries are owned by root and dated like /bin/busybox, so the same busybox gives the same bytes.
    """
    if not os.path.isfile(BUSYBOX):
        raise MissingTool(BUSYBOX, "busybox-static", f"to make the lab image {LAB_IMAGE} offline")
    applets = subprocess.run([BUSYBOX, "--list"], capture_output=True, text=True, check=True).stdout.split()
    mtime = int(os.stat(BUSYBOX).st_mtime)

    def entry(name: str, kind: bytes, mode: int, size: int = 0, target: str = "") -> tarfile.TarInfo:
        info = tarfile.TarInfo(name)
        info.type, info.mode, info.size, info.linkname, info.mtime = kind, mode, size, target, mtime
        info.uname = info.gname = "root"
        return info

    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.GNU_FORMAT) as tar:
        tar.addfile(entry("bin", tarfile.DIRTYPE, 0o755))
        with open(BUSYBOX, "rb") as binary:
            tar.addfile(entry("bin/busybox", tarfile.REGTYPE, 0o755, os.path.getsize(BUSYBOX)), binary)
        for applet in sorted(set(applets) - {"busybox"}):
            tar.addfile(entry(f"bin/{applet}", tarfile.SYMTYPE, 0o777, target="busybox"))
    return out.getvalue()


def ensure_lab_image(client: docker.DockerClient, progress: Callable[[str], None] | None = None,
                     pull: bool = False) -> docker.models.images.Image:
    """The engine's busybox:latest, made offline first when the engine lacks it.

    With pull=True a pull is tried first (these machines are offline, so the default is not to).
    Like `docker image inspect busybox:latest || docker import ... - busybox:latest`.
    """
    say = progress or (lambda message: None)
    try:
        return client.images.get(LAB_IMAGE)
    except docker.errors.ImageNotFound:
        pass
    if pull:
        say(f"pulling {LAB_IMAGE}...")
        try:
            return client.images.pull(LAB_IMAGE)
        except docker.errors.APIError as e:
            say(f"pulling {LAB_IMAGE} failed ({e.explanation}); making it offline instead")
    data = lab_image_tar()
    say(f"making the lab image {LAB_IMAGE} offline ({len(data) / 1e6:.0f} MB)...")
    repository, tag = LAB_IMAGE.split(":")
    answer = client.api.import_image_from_data(data, repository=repository, tag=tag, changes=IMAGE_CHANGES)
    if '"error' in answer:
        raise LabImageError(LAB_IMAGE, f"the engine refused the import: {answer.strip()}")
    return client.images.get(LAB_IMAGE)
