"""Images: the engine's local catalogue (the lab image, busybox:latest, and nothing to pull) and
how a reference names one of them."""
from __future__ import annotations

import hashlib
import re

from ... import rules
from ..errors import InvalidParameter, NotFound
from ..state import Host, Image

LAB_IMAGE = "busybox:latest"


def check_reference(ref: str) -> None:
    """The engine's refusal of an image name it cannot parse (400)."""
    problem = rules.reference_problem(ref)
    if problem:
        raise InvalidParameter(problem)


def find(host: Host, ref: str) -> Image:
    """The image a reference names: by tag (":latest" when none), full ID or ID prefix."""
    check_reference(ref)
    full = ref if (":" in ref.rsplit("/", 1)[-1] or "@" in ref) else ref + ":latest"
    for img in host.images.values():
        if full in img.tags or ref == img.id or (len(ref) >= 4 and img.id.split(":")[1].startswith(ref)):
            return img
    # The engine strips docker.io/library/ when it names an image in its reply.
    short = re.sub(r"^(docker\.io/)?(library/)?", "", full)
    for img in host.images.values():
        if short in img.tags:
            return img
    raise NotFound(f"No such image: {short}")


def add_lab_image(host: Host) -> Image:
    """busybox:latest, as labkit.images imports it: `CMD ["sh"]`."""
    img_id = "sha256:" + hashlib.sha256(f"labkit-image/{LAB_IMAGE}".encode()).hexdigest()
    img = host.images[img_id] = Image(img_id, [LAB_IMAGE], created=int(host.world.started), size=1984132, cmd=["sh"])
    return img
