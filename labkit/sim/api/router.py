"""The Engine API's plumbing: replies, route tables, and the dispatch of one request, answered as
Docker Engine 20.10's router answers it.

A route is a function taking (engine, match, query, body) and returning a Reply; each routes
module keeps its own table (`routes = Routes()`, `@routes.get(PATTERN)`), and the Router is built
from the tables it is given (api/__init__.py), in that order. The engine's errors (EngineError)
leave here as `{"message": ...}` with their status.

What the router decides before any route runs, as the engine does:
- The version prefix: `/v1.41/...` or none (the newest); a version under 1.12 or over 1.41 is
  400 "client version 1.99 is too new. Maximum supported API version is 1.41"; errors of requests
  that name version 1.23 or older are plain text, as those clients expect.
- Which endpoint: a path with no route answers 404 "page not found" (also for a known path with
  another method: HEAD is not GET); an endpoint the engine has (endpoints.py) but the simulator
  does not model answers 501, naming it, its CLI command, and that a real engine has it.
- The body (bodies.py): decoded as the engine's Go handler decodes it, with the engine's texts
  for a wrong Content-Type, an empty, malformed or mistyped body (400, or 500 where the engine
  passes Go's error through); a route gets a dict with the struct's spelling of the keys. An
  archive body (`docker cp` into a container, `docker load`) reaches its route as bytes; the
  engine ignores the body of other endpoints, and so does the router.
- The world's lock: held for the time of one route (a long poll's stream waits on the world's
  condition, which frees it).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable
from urllib.parse import parse_qs, unquote

from ..errors import EngineError, NotModified
from . import bodies, endpoints
from .gojson import GoJSONError, decode
from .query import Query

API_VERSION = "1.41"
MIN_API_VERSION = "1.12"
FIRST_JSON_ERRORS = "1.23"     # errors are JSON for versions above it, plain text up to it
ENGINE_VERSION = "20.10.24+dfsg1"
SERVER_HEADER = f"Docker/{ENGINE_VERSION} (linux)"
VERSION_PREFIX = re.compile(r"^/v([0-9.]+)(/.*)$")
TEXT_ERROR = {"Content-Type": "text/plain; charset=utf-8", "X-Content-Type-Options": "nosniff"}


@dataclass
class Reply:
    status: int = 200
    body: object = None            # bytes as they are, or anything JSON-able (a str too)
    headers: dict = field(default_factory=dict)
    stream: Callable[[bytes], bytes] | None = None  # upgraded answers (exec, attach): stream(stdin) -> bytes
    wants_stdin: bool = False      # read the client's input (until it closes its side) first
    chunked: bool = False          # not upgraded: headers now, then stream(b""): one chunk, or an iterable of them
    session: Callable | None = None  # hijacked (exec start, attach): session(channel) owns the connection


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

    def head(self, pattern: str):
        return self.route("HEAD", pattern)

    def post(self, pattern: str):
        return self.route("POST", pattern)

    def put(self, pattern: str):
        return self.route("PUT", pattern)

    def delete(self, pattern: str):
        return self.route("DELETE", pattern)


def compare_versions(a: str, b: str) -> int:
    """The engine's version comparison (-1, 0, 1): dot-separated numbers, a missing or bad part
    counting 0."""
    ka, kb = ([int(p) if p.isdigit() else 0 for p in v.split(".")] for v in (a, b))
    width = max(len(ka), len(kb))
    ka, kb = ka + [0] * (width - len(ka)), kb + [0] * (width - len(kb))
    return (ka > kb) - (ka < kb)


def version_error(version: str) -> str | None:
    if compare_versions(version, MIN_API_VERSION) < 0:
        return (f"client version {version} is too old. Minimum supported API version is {MIN_API_VERSION}, "
                f"please upgrade your client to a newer version")
    if compare_versions(version, API_VERSION) > 0:
        return f"client version {version} is too new. Maximum supported API version is {API_VERSION}"
    return None


def not_modelled(endpoint: endpoints.Endpoint) -> str:
    return (f"labkit's simulated engine does not model {endpoint.method} {endpoint.shown} "
            f"({endpoint.command}): Docker Engine has this endpoint, the simulator answers 501 "
            f"instead. Run it on a real engine (LABKIT_ENGINE=docker) to see what it does.")


class Router:
    """The routes of every resource, matched in order."""

    def __init__(self, *tables: Routes):
        self.table = [r for t in tables for r in t.table]

    def match(self, method: str, path: str):
        for m, rx, fn in self.table:
            if m == method:
                found = rx.match(path)
                if found:
                    return fn, found
        return None

    def handle(self, engine, method: str, path: str, query_string: str, body: bytes, headers: dict) -> Reply:
        path = unquote(path) or "/"
        versioned = VERSION_PREFIX.match(path)
        version = versioned[1] if versioned else ""
        rest = versioned[2] if versioned else path
        text_errors = bool(version) and compare_versions(version, FIRST_JSON_ERRORS) <= 0

        def error(message: str, status: int) -> Reply:
            if text_errors:
                return Reply(status, (message + "\n").encode(), dict(TEXT_ERROR))
            return j({"message": message}, status)

        route = self.match(method, rest)
        endpoint = endpoints.find(method, rest, versioned is not None)
        if route is None and endpoint is None:
            return error("page not found", 404)
        if version and (problem := version_error(version)):
            return error(problem, 400)
        key = (method, endpoint.path) if endpoint else (method, rest)
        spec = bodies.BODIES.get(key) or bodies.LABKIT_BODIES.get(key)
        if key in bodies.NO_BODY and (len(body) > 7 or "transfer-encoding" in headers):
            return error(bodies.NO_BODY[key], 400)
        data = body if key in bodies.RAW_BODIES else {}
        if spec is not None:   # decoded first, as the engine's handler does, modelled or not
            try:
                data = read_body(spec, body, headers)
            except EngineError as e:
                return error(e.message, e.status)
        if route is None:
            return error(not_modelled(endpoint), 501)
        fn, found = route
        query = Query(parse_qs(query_string, keep_blank_values=True))
        try:
            with engine.world.lock:
                return fn(engine, found, query, data)
        except NotModified:
            return Reply(304, b"")
        except EngineError as e:
            return error(e.message, e.status)


def read_body(spec: bodies.Body, body: bytes, headers: dict) -> dict:
    """The body as the engine's handler reads it (bodies.py), or EngineError with its answer."""
    ctype = headers.get("content-type", "")
    if spec.json_only and (ctype or body or "transfer-encoding" in headers):
        if ctype.split(";", 1)[0].strip().lower() != "application/json":
            raise EngineError(f"Content-Type specified ({ctype}) must be 'application/json'", 400)
    try:
        data = decode(body, spec.target)
    except GoJSONError as e:
        if e.eof and spec.eof == "":
            return {}
        if e.eof and spec.eof:
            raise EngineError(spec.eof, 400) from None
        raise EngineError(e.message, spec.status) from None
    return data if isinstance(data, dict) else {}
