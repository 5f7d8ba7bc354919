"""The Engine API's image routes: `docker images`, `docker image inspect`, `docker pull` (which an
offline simulated engine answers as the engine does when it cannot reach the registry)."""
from __future__ import annotations

import fnmatch

from ..engine import images
from ..errors import InvalidParameter, NotFound
from .filters import check_keys, truth
from .query import labels_match, parse_filters, truthy
from .router import Reply, Routes, j
from .views import image_json

routes = Routes()


@routes.get(r"/images/json")
def image_list(engine, m, q, body):
    """docker images [--filter ...]."""
    filters = parse_filters(q)
    check_keys(filters, ("before", "dangling", "label", "reference", "since"))
    dangling = truth(filters, "dangling")
    before = [images.find(engine.host, r).created for r in filters.get("before", [])]
    since = [images.find(engine.host, r).created for r in filters.get("since", [])]
    out = []
    for img in sorted(engine.host.images.values(), key=lambda i: i.created, reverse=True):
        labels = (img.config or {}).get("Labels") or {}
        if dangling is not None and dangling != (not img.tags):
            continue
        if "label" in filters and not labels_match(filters["label"], labels):
            continue
        if "reference" in filters and not any(reference_match(p, t) for p in filters["reference"] for t in img.tags):
            continue
        if any(img.created >= b for b in before) or any(img.created <= s for s in since):
            continue
        out.append({"Containers": -1, "Created": img.created, "Id": img.id, "Labels": labels or None,
                    "ParentId": img.parent, "RepoDigests": None, "RepoTags": list(img.tags), "SharedSize": -1,
                    "Size": img.size, "VirtualSize": img.size})
    return j(out)


def reference_match(pattern: str, tag: str) -> bool:
    """reference=busy*: a shell pattern over the name, or over name:tag."""
    name = tag.rsplit(":", 1)[0]
    return fnmatch.fnmatchcase(name, pattern) or fnmatch.fnmatchcase(tag, pattern)


@routes.post(r"/images/(?P<name>.+)/tag")
def image_tag(engine, m, q, body):
    """docker tag SOURCE REPO[:TAG]."""
    images.tag(engine.host, m["name"], q.get("repo") or "", q.get("tag") or "")
    return Reply(201, b"")


@routes.delete(r"/images/(?P<name>.+)")
def image_remove(engine, m, q, body):
    """docker rmi IMAGE."""
    return j(images.remove(engine.host, m["name"], force=truthy(q, "force")))


@routes.get(r"/images/(?P<name>.+)/history")
def image_history(engine, m, q, body):
    """docker history IMAGE."""
    return j(images.history(engine.host, m["name"]))


@routes.post(r"/images/prune")
def image_prune(engine, m, q, body):
    """docker image prune [-a]."""
    filters = parse_filters(q)
    check_keys(filters, ("dangling", "label", "until"))
    dangling = truth(filters, "dangling")
    deleted, space = images.prune(engine.host, dangling_only=dangling is not False)
    return j({"ImagesDeleted": deleted or None, "SpaceReclaimed": space})


@routes.post(r"/commit")
def image_commit(engine, m, q, body):
    """docker commit CONTAINER [REPOSITORY[:TAG]]."""
    if not q.get("container"):
        raise InvalidParameter('invalid name or ID supplied: ""')
    c = engine.host.find_container(q["container"])
    img = images.commit(c, q.get("repo") or "", q.get("tag") or "", q.get("comment") or "", q.get("author") or "",
                        body or {}, [x for x in q.all("changes") if x.strip()])
    return j({"Id": img.id}, 201)


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
