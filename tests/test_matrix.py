"""labkit.matrix: who can reach whom (ping and name), on the simulator by its rules (one request
to its /labkit/reach extension) and on a real engine by real probes; the verdicts agree between
the two engines for the same topology, and every "no" has a reason.
"""
from __future__ import annotations

import contextlib

import docker
import pytest

import labkit
import labkit.sim as sim
from labkit.lab import Lab
from labkit.reachability import Cell, Matrix
from tests.engines import empty

PREFIX = "lkm"   # this module's private real engine (fixtures `client`, `real_engine`: conftest)

Y, N = True, False
# A three-tier application, segmented, plus the odd ones out: (ping, name) for every pair.
EXPECTED = {
    ("front", "api"): (Y, Y), ("api", "front"): (Y, Y), ("api", "db"): (Y, Y), ("db", "api"): (Y, Y),
    ("front", "db"): (N, N), ("db", "front"): (N, N),
    ("front", "solo"): (N, N), ("solo", "front"): (N, N), ("api", "solo"): (N, N), ("solo", "api"): (N, N),
    ("db", "solo"): (N, N), ("solo", "db"): (N, N),
    ("hostie", "front"): (Y, N), ("hostie", "api"): (Y, N), ("hostie", "db"): (Y, N), ("hostie", "solo"): (Y, N),
    ("front", "hostie"): (N, N), ("api", "hostie"): (N, N), ("db", "hostie"): (N, N), ("solo", "hostie"): (N, N),
    ("nobody", "front"): (N, N), ("nobody", "api"): (N, N), ("nobody", "db"): (N, N),
    ("nobody", "solo"): (N, N), ("nobody", "hostie"): (N, N),
    ("front", "nobody"): (N, N), ("api", "nobody"): (N, N), ("db", "nobody"): (N, N),
    ("solo", "nobody"): (N, N), ("hostie", "nobody"): (N, N),
}


def three_tiers(lab: Lab) -> None:
    lab.network("web", subnet="10.71.0.0/24")
    lab.network("data", subnet="10.72.0.0/24", internal=True)
    lab.container("front", networks="web")
    lab.container("api", networks=["web", "data"])
    lab.container("db", networks="data")
    lab.container("solo")
    lab.container("hostie", network_mode="host")
    lab.container("nobody", network_mode="none")


def test_the_matrix_on_each_engine(client):
    lab = Lab(client, name="lab")
    three_tiers(lab)
    calls = []
    call = lab.engine.call
    lab.engine.call = lambda method, path, *a: calls.append(path) or call(method, path, *a)
    m = labkit.matrix(lab)
    assert m.names == ["api", "db", "front", "hostie", "nobody", "solo"]
    assert m.verdicts() == EXPECTED
    assert m.surprises() == []          # the engine did what the model expected, pair by pair
    for cell in m.cells.values():
        assert bool(cell.why) != cell.ping, cell            # a reason exactly where ping says no
        assert bool(cell.name_why) != cell.name, cell
    assert m["api", "db"].address == "10.72.0.3"
    assert "internal" in m["front", "db"].why or "isolated" in m["front", "db"].why
    assert "default bridge" in m["solo", "front"].name_why
    assert "none mode" in m["nobody", "front"].why or "no route" in m["nobody", "front"].why   # model, simulator
    if lab.host().engine == "sim":
        assert calls == ["/labkit/reach"]    # all pairs in one request, no exec
    else:
        assert not any(url.endswith("/labkit/reach") for url in calls)
        pings = [line for line in lab.history if " ping " in line]
        lookups = [line for line in lab.history if " nslookup " in line]
        assert len(lookups) == len(EXPECTED)                 # a real lookup for every pair,
        assert len(pings) == 20                              # a real ping wherever there is an address
        assert lab.history.index(lookups[0]) < lab.history.index(lookups[-1])


def test_the_matrix_agrees_between_the_engines(private_engines, real_engine, closing_servers):
    server = sim.serve(sim.World())
    closing_servers.append(server)
    matrices = []
    for c in (docker.DockerClient(base_url=server.url, version="1.41"), real_engine.client()):
        with contextlib.closing(c):
            empty(c)
            lab = Lab(c, name="lab")
            three_tiers(lab)
            matrices.append(labkit.matrix(lab))
    on_sim, on_docker = matrices
    assert on_sim.engine == "sim" and on_docker.engine == "docker"
    assert on_sim.verdicts() == on_docker.verdicts()
    for pair, cell in on_docker.cells.items():
        other = on_sim.cells[pair]
        assert bool(cell.why) == bool(other.why) and bool(cell.name_why) == bool(other.name_why)
    assert repr(on_sim) == repr(on_docker)


def test_the_matrix_shows_itself():
    cells = {("a1", "b1"): Cell("a1", "b1", True, True, "10.0.0.3", "", ""),
             ("b1", "a1"): Cell("b1", "a1", False, True, "10.0.0.2", "a1 is <away>", "")}
    m = Matrix("demo", "sim", ["a1", "b1"], cells)
    assert repr(m) == ("reachability in lab 'demo' (ping/name: Y yes, - no)\n"
                       "from \\ to  a1   b1\n"
                       "a1         .    Y/Y\n"
                       "b1         -/Y  .")
    page = m._repr_html_()
    assert "#c7e9c0" in page and "#fff0b3" in page            # green: both; yellow: one of the two
    assert "a1 is &lt;away&gt;" in page and "<away>" not in page
    assert "<script" not in page and "http" not in page
    empty_one = Matrix("demo", "sim", [], {})
    assert repr(empty_one).endswith("no running containers")


def test_the_matrix_names_containers_that_are_not_there(client):
    lab = Lab(client, name="lab")
    lab.container("only")
    with pytest.raises(labkit.paths.UnknownContainer, match="the containers are: only"):
        labkit.matrix(lab, containers=["only", "ghost"])
    assert labkit.matrix(lab).names == ["only"] and labkit.matrix(lab).cells == {}
