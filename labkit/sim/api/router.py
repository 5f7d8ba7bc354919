"""The Engine API's plumbing: replies, route tables, and the dispatch of one request.

A route is a function taking (engine, match, query, body) and returning a Reply; each routes
module keeps its own table (`routes = Routes()`, `@routes.get(PATTERN)`), and the Router is built
from the tables it is given (api/__init__.py), in that order. The engine's errors (EngineError)
leave here as `{"message": ...}` with their status; a request whose body is not JSON is refused.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Callable
from urllib.parse import parse_qs, unquote

from ..errors import EngineError, NotModified

API_VERSION = "1.41"
ENGINE_VERSION = "20.10.24+dfsg1"
SERVER_HEADER = f"Docker/{ENGINE_VERSION} (linux)"
VERSION_PREFIX = re.compile(r"^/v[0-9][0-9.]*")


@dataclass
class Reply:
    status: int = 200
    body: object = None            # JSON-able, bytes, or str
    headers: dict = field(default_factory=dict)
    stream: Callable[[bytes], bytes] | None = None  # upgraded answers (exec, attach): stream(stdin) -> bytes
    wants_stdin: bool = False      # read the client's input (until it closes its side) first
    chunked: bool = False          # not upgraded: headers now, then stream(b"") as one chunk


def j(obj, status: int = 200) -> Reply:
    return Reply(status, obj)


class Routes:
    """One resource's routes: `@routes.get(r"/networks/(?P<id>[^/]+)")` and the like."""

    def __init__(self):
        self.table: list[tuple[str, re.Pattern, Callable]] = []

    def add(self, method: str, pattern: str, handler: Callable) -> Callable:
        self.table.append((method, re.compile("^" + pattern + "$"), handler))
        return handler

    def route(self, method: str, pattern: str):
        return lambda handler: self.add(method, pattern, handler)

    def get(self, pattern: str):
        return self.route("GET", pattern)

    def post(self, pattern: str):
        return self.route("POST", pattern)

    def delete(self, pattern: str):
        return self.route("DELETE", pattern)


class Router:
    """The routes of every resource, matched in order; HEAD is answered as GET."""

    def __init__(self, *tables: Routes):
        self.table = [r for t in tables for r in t.table]

    def handle(self, engine, method: str, path: str, query_string: str, body: bytes) -> Reply:
        path = VERSION_PREFIX.sub("", unquote(path)) or "/"
        query = {k: v[-1] for k, v in parse_qs(query_string, keep_blank_values=True).items()}
        for m, rx, fn in self.table:
            if m != method and not (m == "GET" and method == "HEAD"):
                continue
            match = rx.match(path)
            if match:
                try:
                    data = json.loads(body) if body else {}
                except ValueError as e:
                    return j({"message": f"invalid character in JSON: {e}"}, 400)
                try:
                    with engine.world.lock:
                        return fn(engine, match, query, data)
                except NotModified:
                    return Reply(304, b"")
                except EngineError as e:
                    return j({"message": e.message}, e.status)
        return j({"message": "page not found"}, 404)
