"""The Engine API's image routes: `docker images`, `docker image inspect`, `docker pull` (which an
offline simulated engine answers as the engine does when it cannot reach the registry)."""
from __future__ import annotations

from ..engine import images
from ..errors import NotFound
from .router import Routes, j
from .views import image_json

routes = Routes()


@routes.get(r"/images/json")
def image_list(engine, m, q, body):
    out = []
    for img in engine.host.images.values():
        out.append({"Containers": -1, "Created": img.created, "Id": img.id, "Labels": None, "ParentId": "",
                    "RepoDigests": None, "RepoTags": list(img.tags), "SharedSize": -1, "Size": img.size,
                    "VirtualSize": img.size})
    return j(out)


@routes.get(r"/images/(?P<name>.+)/json")
def image_inspect(engine, m, q, body):
    try:
        return j(image_json(images.find(engine.host, m["name"])))
    except NotFound as e:
        raise NotFound(f"no such image: {m['name']}: {e.message}") from None


@routes.post(r"/images/create")
def image_pull(engine, m, q, body):
    # An offline engine: the registry cannot be reached. The engine's text on these machines,
    # where the host's name server cannot be reached from the engine's namespace.
    ns = next((line.split()[1] for line in engine.world.resolv_conf.splitlines()
               if line.startswith("nameserver") and len(line.split()) > 1), "127.0.0.53")
    return j({"message": f'Get "https://registry-1.docker.io/v2/": dial tcp: lookup registry-1.docker.io '
                         f'on {ns}:53: dial udp {ns}:53: connect: network is unreachable'}, 500)
