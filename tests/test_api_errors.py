"""Bad requests answered as Docker Engine 20.10 answers them (issue 12 item 4, issue 15 item 1).

Every case is bytes sent on the engine's socket and the answer read back: status and message.
The real engine's answers are recorded in tests/data/engine-api-errors.json; the simulator must
give the same answer to every case, and so must a live engine where one can run (the recording
is then checked too). The cases:
- the version prefix (too old, too new, malformed), unknown paths and methods (HEAD is not GET);
- the Content-Type the engine wants, empty, cut and malformed JSON (Go's scanner texts);
- for every field of every body docker-py and the CLI send (network create/connect/disconnect,
  container create: Config, HostConfig, NetworkingConfig; update, exec create/start, swarm
  init/join, service create/update, volume create, commit), a value of the wrong type, down
  into nested structs, lists and maps: Go's "json: cannot unmarshal ..." text and the status;
- what Go's HTTP server refuses (a garbage request line, no Host, a head over 1 MB, a bad
  length, an unknown transfer coding) and what it takes (a chunked body, Expect: 100-continue);
- a burst of 200 network creates sent at once: every one answered, with the engine's tally.
Sim-only checks: every endpoint of Engine API 1.41 that the simulator does not model answers 501
with a message naming it, and none answers "page not found".

Record the engine's answers again (root, a fresh private engine, under the real-engine lock):
    flock /tmp/labkit-real-engine.lock python -m tests.test_api_errors --record
"""
from __future__ import annotations

import collections
import json
import os
import re
import sys
import threading

import pytest

from labkit import sim
from labkit.sim.api import bodies, endpoints
from labkit.sim.api.gojson import Bool, Float, Int, Map, Ptr, Slice, Str, StrSlice, Struct
from tests.engines import private_engines_unavailable
from tests.rawhttp import chunked, exchange, request

PREFIX = "lkae"
RECORDING = os.path.join(os.path.dirname(__file__), "data", "engine-api-errors.json")
V = "/v1.41"
BURST = 200


# -- the cases ----------------------------------------------------------------------------------------
def post(path: str, body: bytes | None, content_type: str | None = "application/json", **kw) -> bytes:
    return request("POST", V + path, body, content_type, **kw)


def fixed_cases() -> dict[str, bytes]:
    get = lambda path, **kw: request("GET", path, **kw)  # noqa: E731
    cases = {
        "version too new": get("/v1.99/version"), "version too old": get("/v1.0/version"),
        "version 1.11": get("/v1.11/version"), "version 1.12": get("/v1.12/_ping"),
        "version 1.23 not found": get("/v1.23/networks/nonet"), "version 1.23 no page": get("/v1.23/nope"),
        "version 1.24 not found": get("/v1.24/networks/nonet"), "version letters": get("/vabc/version"),
        "version empty": get("/v/version"), "version alone": get("/v1.41"), "version 1.41.0": get("/v1.41.0/_ping"),
        "version 01.41": get("/v01.41/_ping"), "no version": get("/_ping"),
        "HEAD version": request("HEAD", "/version"), "HEAD ping": request("HEAD", V + "/_ping"),
        "POST version": post("/version", None), "PUT ping": request("PUT", V + "/_ping"),
        "DELETE containers/json": request("DELETE", V + "/containers/json"),
        "OPTIONS anything": request("OPTIONS", V + "/anything/at/all"),
        "lower-case get": request("get", V + "/_ping"),
        "unknown path": get(V + "/nope"), "unknown container verb": get(V + "/containers/x/nothing"),
        "unknown unversioned": get("/nope"), "root": get("/"),
        "networks with a slash": get(V + "/networks/?filters=%7B%22name%22%3A%7B%22nonet%22%3Atrue%7D%7D"),
        # Content-Type
        "network create text/plain": post("/networks/create", b'{"Name": "ct1"}', "text/plain"),
        "network create no type": post("/networks/create", b'{"Name": "ct2"}', None),
        "network create json charset": post("/networks/create", b'{"Name": 5}', "application/json; charset=utf-8"),
        "network create JSON capitals": post("/networks/create", b'{"Name": 5}', "Application/JSON"),
        "exec start text/plain": post("/exec/noexec/start", b'{"Detach": true}', "text/plain"),
        "swarm init text/plain": post("/swarm/init", b'{"ListenAddr": 5}', "text/plain"),
        "container start with a body": post("/containers/noctr/start", b'{"Binds": ["/a:/b"]}'),
        "container start with {}": post("/containers/noctr/start", b'{}'),
        # bodies in transit
        "chunked mistyped body": post("/networks/create", chunked(b'{"Name": 5}'),
                                      headers={"Transfer-Encoding": "chunked"}),
        "expect 100-continue": post("/networks/create", b'{"Name": 5}', headers={"Expect": "100-continue"}),
        "bad content-length": request("POST", V + "/networks/create", None,
                                      headers={"Content-Length": "x", "Content-Type": "application/json"}),
        "gzip transfer coding": post("/networks/create", b'{"Name": 5}', headers={"Transfer-Encoding": "gzip"}),
        # what Go's HTTP server refuses
        "garbage": b"GARBAGE\r\n\r\n", "tls hello": b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03",
        "no host": b"GET /_ping HTTP/1.1\r\nConnection: close\r\n\r\n",
        "HTTP/1.0 without host": b"GET /_ping HTTP/1.0\r\n\r\n",
        "HTTP/2.0": b"GET /_ping HTTP/2.0\r\nHost: docker\r\n\r\n",
        "bad header line": b"GET /_ping HTTP/1.1\r\nHost: docker\r\nno colon here\r\n\r\n",
        "head over 1 MB": b"GET /_ping HTTP/1.1\r\nHost: docker\r\nX-Big: " + b"a" * (1 << 20) + b"\r\n\r\n",
    }
    syntax = {
        "empty": b"", "spaces": b"  \n ", "cut object": b'{"Name": "a",', "cut string": b'{"Name": "a',
        "cut key": b'{"Na', "open brace": b"{", "nonsense": b"nonsense", "array": b"[1]", "null": b"null",
        "number": b"5", "string": b'"x"', "true": b"true", "trailing garbage": b'{"Name": "syntax-trailing"} trailing',
        "NaN": b"NaN", "Infinity": b'{"Name": Infinity}', "bad literal": b'{"a":tru}', "missing colon": b'{"a" 1}',
        "key not a string": b"{1:2}", "missing comma": b'{"a":1 2}', "array missing comma": b"[1 2]",
        "byte order mark": b"\xef\xbb\xbf{}", "control character": b'{"a":"\x01"}', "bad escape": b'{"a":"\\x"}',
        "bad unicode escape": b'{"a":"\\u12x4"}', "lone minus": b'{"a":-}', "bare dot": b'{"a":1.}',
        "bare exponent": b'{"a":1e}', "leading zero": b"01", "single quotes": b"{'Name': 'x'}",
        "repeated key": b'{"Name": "a", "Name": 5}', "case-folded key": b'{"name": 5}', "deep": b"[" * 10001,
        "number into struct later": b'{"Name": "syntax-later", "IPAM": 5, "Labels": {"a": 5}}',
        "invalid utf-8": b'{"Name": "\xff\xfe"}' + b" \xff",
    }
    for name, body in syntax.items():
        cases[f"network create: {name}"] = post("/networks/create", body)
    for (method, path), spec in bodies.BODIES.items():
        target = concrete(path)
        cases[f"{target}: no body"] = request(method, V + target, None)
        cases[f"{target}: empty body"] = request(method, V + target, b"")
        cases[f"{target}: cut"] = request(method, V + target, b'{"A": [')
    return cases


def concrete(path: str) -> str:
    """An engine path pattern with names that exist nowhere."""
    path = re.sub(r"\{(\w+)(:[^}]*)?\}", lambda m: "no" + m[1], path)
    return path + ("?version=1" if path.endswith("/update") and path.startswith("/services") else "")


def wrong_values(t) -> list:
    """Values of the wrong type for a Go type (two for integers: a string, and a fraction)."""
    while isinstance(t, Ptr):
        t = t.elem
    if isinstance(t, StrSlice):
        return [5, {"a": 1}]
    if isinstance(t, Str):
        return [5]
    if isinstance(t, Bool):
        return ["yes"]
    if isinstance(t, Int):
        return ["1", 1.5] + ([-1] if not t.signed else [])
    if isinstance(t, Float):
        return [True]
    if isinstance(t, (Slice, Map, Struct)):
        return ["x"]
    return []


def field_cases(t: Struct, depth: int = 0):
    """(path, body) for a wrong value in every field of a struct, into nested ones."""
    t.field_named("")
    for name, ft in t.index.items():
        for bad in wrong_values(ft):
            yield name, {name: bad}
        inner = ft.elem if isinstance(ft, Ptr) else ft
        wrap = lambda v: v  # noqa: E731
        if isinstance(inner, (Slice, Map)):
            outer = inner
            inner = inner.elem.elem if isinstance(inner.elem, Ptr) else inner.elem
            wrap = (lambda v: [v]) if isinstance(outer, Slice) else (lambda v: {"k": v})
        if isinstance(inner, Struct) and depth < 4:
            for sub, body in field_cases(inner, depth + 1):
                yield f"{name}.{sub}", {name: wrap(body)}


def type_cases() -> dict[str, bytes]:
    cases = {}
    for (method, path), spec in bodies.BODIES.items():
        target = concrete(path)
        seen = collections.Counter()
        for field_path, body in field_cases(spec.target):
            seen[field_path] += 1
            cases[f"{target}: {field_path} #{seen[field_path]}"] = request(method, V + target, json.dumps(body).encode())
    return cases


def all_cases() -> dict[str, bytes]:
    return {**fixed_cases(), **type_cases()}


HEADS = ["no version", "unknown path", "version too old", "OPTIONS anything", "HEAD ping", "garbage",
         "network create: number", "expect 100-continue", "chunked mistyped body"]   # kept whole, for reference


def answer_of(path: str, data: bytes) -> dict:
    """What an engine answers, as recorded: the status and, for an error, its message."""
    got = exchange(path, data, timeout=20)
    if got.timed_out:
        return {"status": "no answer"}
    if got.status is None:
        return {"status": "closed", "raw": got.raw[:60].decode("latin-1")}
    out = {"status": got.status}
    if got.status >= 400:
        out["message"] = got.message
    return out


def burst(path: str, n: int = BURST) -> dict[str, int]:
    """n network creates sent at once, each on its own connection: the answers' tally."""
    tally: collections.Counter = collections.Counter()
    lock = threading.Lock()
    start = threading.Barrier(n)

    def one(i: int) -> None:
        data = post("/networks/create", json.dumps({"Name": f"burst{i}"}).encode())
        start.wait()
        try:
            got = exchange(path, data, timeout=60)
            key = "no answer" if got.timed_out else f"{got.status} {got.message}" if (got.status or 0) >= 400 \
                else str(got.status)
        except OSError as e:
            key = f"refused: {e.strerror}"
        with lock:
            tally[key] += 1
    threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return dict(tally)


# -- the tests ------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def recording() -> dict:
    with open(RECORDING) as f:
        return json.load(f)


@pytest.fixture(scope="module")
def sim_socket(closing_servers):
    server = sim.serve(sim.World())
    closing_servers.append(server)
    return server.path


CASES = all_cases()


def test_every_case_is_recorded(recording):
    missing = sorted(set(CASES) - set(recording["answers"]))
    assert not missing, f"{len(missing)} cases have no recorded answer (record again): {missing[:5]}"


@pytest.mark.parametrize("name", sorted(CASES))
def test_sim_answers_as_the_engine(name, sim_socket, recording):
    want = recording["answers"].get(name)
    if want is None:
        pytest.skip("not recorded")
    got = answer_of(sim_socket, CASES[name])
    if got != want and got["status"] == 501 and "does not model" in got["message"]:
        pytest.xfail(f"the simulator does not model this endpoint yet (the engine: {want})")
    assert got == want


def test_sim_answers_a_burst_as_the_engine(closing_servers, recording):
    """200 creates at once on a fresh engine: all answered, the same tally as the engine's."""
    server = sim.serve(sim.World())
    closing_servers.append(server)
    assert burst(server.path) == recording["burst"]


def test_docker_answers_as_recorded(private_engines, real_engine, recording):
    """The recording still holds: the live engine answers every case as recorded."""
    differ = {name: (got, recording["answers"].get(name)) for name, data in CASES.items()
              if (got := answer_of(real_engine.socket, data)) != recording["answers"].get(name)}
    assert not differ, f"{len(differ)} answers differ from the recording: {list(differ.items())[:5]}"


def test_not_modelled_endpoints_answer_501(sim_socket):
    """Every endpoint of Engine API 1.41 answers: 501 naming it where the simulator does not
    model it, never 404 "page not found" (which says: no such endpoint in Docker)."""
    router = sim.Engine(sim.World().add_host()).router
    not_modelled = []
    for ep in endpoints.API:
        path = concrete(ep.path)
        if ep.method == "OPTIONS" or router.match(ep.method, path.split("?")[0]):
            continue
        got = exchange(sim_socket, request(ep.method, V + path, b"{}" if ep.method in ("POST", "PUT") else None))
        assert got.status == 501, f"{ep.method} {ep.path}: {got.status} {got.message}"
        if ep.method != "HEAD":   # a HEAD answer has no body
            assert ep.shown in got.message and ep.command in got.message and "real engine" in got.message
        not_modelled.append(f"{ep.method} {ep.shown}")
    print(f"\n{len(not_modelled)} of {len(endpoints.API)} endpoints not modelled (501): {', '.join(not_modelled)}")


def test_modelled_endpoints_are_engine_endpoints():
    """Every route of the simulator is an endpoint of the engine (or labkit's own /labkit/...)."""
    router = sim.Engine(sim.World().add_host()).router
    strays = []
    for method, rx, fn in router.table:
        sample = re.sub(r"\(\?P<\w+>[^)]*\)", "x", rx.pattern.strip("^$")).replace("\\", "")
        if not sample.startswith("/labkit/") and method != "OPTIONS" and endpoints.find(method, sample, True) is None:
            strays.append(f"{method} {rx.pattern}")
    assert not strays


# -- recording --------------------------------------------------------------------------------------------
def record() -> None:
    """Answers of a fresh private engine (labkit.hosts, set PREFIX) to every case, into RECORDING."""
    reason = private_engines_unavailable()
    if reason:
        sys.exit(f"cannot record: {reason}")
    from labkit import hosts
    host = hosts.fresh_engine(PREFIX)
    try:
        client = host.client()
        version = client.version()["Version"]
        cases = all_cases()
        answers = {name: answer_of(host.socket, data) for name, data in cases.items()}
        heads = {name: exchange(host.socket, cases[name]).head.decode("latin-1") for name in HEADS}
        for net in client.api.networks():
            if net["Name"] not in ("bridge", "host", "none"):
                client.api.remove_network(net["Id"])
        tally = burst(host.socket)
    finally:
        host.stop()
    with open(RECORDING, "w") as f:
        json.dump({"engine": version, "answers": answers, "burst": tally, "heads": heads}, f, indent=1,
                  sort_keys=True)
        f.write("\n")
    print(f"recorded {len(answers)} answers of engine {version} and a burst of {BURST}: {tally}")


if __name__ == "__main__":
    if sys.argv[1:] != ["--record"]:
        sys.exit(__doc__)
    record()
