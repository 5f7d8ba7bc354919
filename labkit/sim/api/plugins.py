"""The Engine API's plugin routes, for an engine with no plugins installed: `docker plugin ls`
lists none and `docker plugin inspect` finds none (what `docker inspect NAME` asks last, before
saying "No such object"). Installing plugins is not modelled (501, api/endpoints.py)."""
from __future__ import annotations

from ..errors import NotFound
from .router import Routes, j

routes = Routes()


@routes.get(r"/plugins")
def plugin_list(engine, m, q, body):
    return j([])


@routes.get(r"/plugins/(?P<name>.+)/json")
def plugin_inspect(engine, m, q, body):
    raise NotFound(f'plugin "{m["name"]}" not found')
