"""The exercise checks of notebooks 00-03 (labkit.checks.nb00 to nb03), on both engines.

For every exercise: the solution the notebook gives is right; a wrong answer is not right and
comes with a hint; and nothing done yet (the notebook's stored output) is not right either.

Engines: labkit's simulator (a fresh world for this module) and a real engine (a private dockerd
in its own network namespace, labkit.hosts prefix "lkn1", fresh for this module). Both are
emptied between tests, so that host ports (8080, 8181, ...) are free again.
"""
from __future__ import annotations

import docker
import pytest

import labkit
from labkit import sim
from labkit.checks import nb00, nb01, nb02, nb03
from tests.results import not_yet, right

PREFIX = "lkn1"
SERVER = "httpd -f -p 80"


@pytest.fixture(scope="module", params=["sim", "docker"])
def client(request):
    if request.param == "sim":
        server = sim.serve(sim.World())
        c = docker.DockerClient(base_url=server.url, version="1.41", timeout=60)
        yield c
        c.close()
        server.close()
        return
    c = request.getfixturevalue("real_engine").client(timeout=60)
    yield c
    c.close()




@pytest.fixture
def lab(client):
    """A lab on an engine with nothing of the lab's on it, emptied again afterwards."""
    lab = labkit.Lab(client, name="checks")
    lab.reset()
    yield lab
    lab.reset()


def address(lab, name: str, network: str) -> str:
    return lab.client.containers.get(name).attrs["NetworkSettings"]["Networks"][network]["IPAddress"]


# -- notebook 01: the default bridge ------------------------------------------------------------------
# -- notebook 00 --------------------------------------------------------------------------------------
def test_nb00_exercise_1(lab):
    not_yet(nb00.exercise_1(lab), "no container named batch", hint=("section 5",))
    lab.container("hello")                                  # section 6, as the notebook runs it
    lab.container("batch")                                  # section 6's printed command, copied: the default bridge
    not_yet(nb00.exercise_1(lab), "interfaces lo, eth0 (bridge): it has a network",
            hint=("only a loopback interface", "lab.remove('batch')"))
    lab.remove("batch")
    lab.container("batch", network_mode="host")
    not_yet(nb00.exercise_1(lab), "it has a network")
    lab.remove("batch")
    lab.container("batch", network_mode="none")             # the solution's first line
    not_yet(nb00.exercise_1(lab), "inside batch: only lo; ping 172.17.0.1 (the host): ping: sendto: Network",
            "no container named ask")
    lab.container("ask")                                     # copied again: both on the default bridge
    lab.container("tell")
    not_yet(nb00.exercise_1(lab), "ask pings tell by name, on bridge: ping: bad address 'tell'",
            hint=("default bridge",))
    lab.network("pair")
    lab.remove("tell")
    lab.container("tell", networks=["pair"])
    not_yet(nb00.exercise_1(lab), "ask is on bridge, tell on pair: no network in common")
    lab.remove("ask")
    lab.container("ask", networks=["pair"])                  # the solution
    done = nb00.exercise_1(lab)
    right(done)
    assert done.found[-1] == "ask pings tell by name on pair (a bridge network): answered", done


def test_nb00_exercise_1_not_given_the_lab():
    not_yet(nb00.exercise_1({}), "given a dict, not the lab", hint=("exercise_1(lab)",))


def test_nb00_exercise_2(lab):
    r = nb00.exercise_2(lab)
    assert not r and "no network named front" in r.found[-1] and "lab.network('front')" in r.hint
    lab.network("front")
    r = nb00.exercise_2(lab)
    assert not r and "no container named mine" in r.found[-1] and "networks=['front']" in r.hint
    lab.container("mine")
    r = nb00.exercise_2(lab)
    assert not r and "mine is on bridge, not on front" in r.found[-1] and "lab.connect('mine', 'front')" in r.hint
    lab.remove("mine")
    lab.container("mine", networks=["front"])
    r = nb00.exercise_2(lab)
    address = lab.client.containers.get("mine").attrs["NetworkSettings"]["Networks"]["front"]["IPAddress"]
    assert r, r
    assert f"mine runs on front at {address}/" in r.found[1]
    assert r.found[-1] == f"the drawing shows mine joined to front by the line 'eth0 {address}/16'", r


def test_nb00_exercise_2_stopped(lab):
    lab.network("front")
    lab.container("mine", networks=["front"])
    lab.client.containers.get("mine").kill()
    r = nb00.exercise_2(lab)
    assert not r and "exists but is exited, not running" in r.found[-1], r


def test_nb01_exercise_1(lab):
    not_yet(nb01.exercise_1(lab), "no container named ex-one")
    lab.container("ex-one")
    lab.container("ex-two")
    right(nb01.exercise_1(lab))


def test_nb01_exercise_1_wrong_network(lab):
    lab.network("elsewhere")
    lab.container("ex-one")
    lab.container("ex-two", networks=["elsewhere"])
    r = nb01.exercise_1(lab)
    not_yet(r, "ex-two is on elsewhere")
    assert "default bridge" in r.hint


def test_nb01_exercise_2(lab):
    not_yet(nb01.exercise_2(lab, None), "no container named ex-two")
    lab.container("ex-one")
    lab.container("ex-two")
    not_yet(nb01.exercise_2(lab, None), "not set yet")
    not_yet(nb01.exercise_2(lab, address(lab, "ex-one", "bridge")), "ex-one's address, not ex-two's")
    not_yet(nb01.exercise_2(lab, "ex-two"), "not an IPv4 address")
    ex_two_address = lab.client.containers.get("ex-two").attrs["NetworkSettings"]["Networks"]["bridge"]["IPAddress"]
    r = nb01.exercise_2(lab, ex_two_address)
    right(r)
    assert any("reachable" in line for line in r.found)


def test_nb01_exercise_3(lab):
    lab.container("alpha")                                   # section 2: the printed answer is no use
    not_yet(nb01.exercise_3(lab), "no network named ex-out", hint=("gateway=", "--gateway"))
    lab.network("ex-out", subnet="10.80.0.0/24")             # the gateway left to IPAM
    lab.container("ex-three", networks=["ex-out"])
    not_yet(nb01.exercise_3(lab), "way out is 10.80.0.1, not 10.80.0.254", hint=("first address",))
    lab.remove("ex-three")
    lab.remove("ex-out")
    lab.network("ex-out", subnet="10.80.0.0/24", gateway="10.80.0.254")   # the notebook's solution
    not_yet(nb01.exercise_3(lab), "no container named ex-three")
    lab.container("ex-three", networks=["ex-out"])
    done = nb01.exercise_3(lab)
    right(done)
    assert "ex-three pings its gateway 10.80.0.254 (the host's address on ex-out): reachable" in done.found, done


# -- notebook 02: user-defined bridges -----------------------------------------------------------------
def test_nb02_exercise_1(lab):
    not_yet(nb02.exercise_1(lab), "no network named shop")
    lab.network("shop")
    lab.container("shop-web", networks=["shop"])
    lab.container("shop-db", networks=["shop"], aliases=["sql"])
    right(nb02.exercise_1(lab))


def test_nb02_exercise_1_without_the_alias(lab):
    lab.network("shop")
    lab.container("shop-web", networks=["shop"])
    lab.container("shop-db", networks=["shop"])
    r = nb02.exercise_1(lab)
    not_yet(r, "the name sql gives no address")
    assert "aliases=['sql']" in r.hint


def test_nb02_exercise_1_on_the_default_bridge(lab):
    lab.network("shop")
    lab.container("shop-web")
    lab.container("shop-db", networks=["shop"], aliases=["sql"])
    not_yet(nb02.exercise_1(lab), "shop-web is not on shop")


def test_nb02_exercise_2(lab):
    not_yet(nb02.exercise_2(lab), "no network named ex-front")
    lab.network("ex-front")
    lab.network("ex-back")
    lab.container("ex-web", networks=["ex-front"])
    lab.container("ex-db", networks=["ex-back"])
    lab.container("ex-api", networks=["ex-front"])
    not_yet(nb02.exercise_2(lab), "ex-api is not on ex-back")
    lab.connect("ex-api", "ex-back")
    r = nb02.exercise_2(lab)
    right(r)
    assert any("unreachable" in line for line in r.found)


def test_nb02_exercise_2_not_isolated(lab):
    lab.network("ex-front")
    lab.network("ex-back")
    lab.container("ex-web", networks=["ex-front", "ex-back"])
    lab.container("ex-db", networks=["ex-back"])
    lab.container("ex-api", networks=["ex-front", "ex-back"])
    r = nb02.exercise_2(lab)
    not_yet(r, "ex-web is also on ex-back")
    assert "disconnect" in r.hint


def lesson_02(lab) -> None:
    """What notebook 02's lesson leaves: front (web, api), back (db, alias database)."""
    lab.network("front")
    lab.network("back")
    lab.container("web", networks=["front"])
    lab.container("db", networks=["back"], aliases=["database"])


def test_nb02_exercise_3(lab):
    not_yet(nb02.exercise_3(lab), "no network named front")
    lesson_02(lab)
    r = nb02.exercise_3(lab)
    not_yet(r, "web is not on back")
    assert "lab.connect" in r.hint and "aliases=" in r.hint
    lab.connect("web", "back", aliases=["frontend"])
    right(nb02.exercise_3(lab))


def test_nb02_exercise_3_without_the_alias(lab):
    lesson_02(lab)
    lab.connect("web", "back")
    r = nb02.exercise_3(lab)
    not_yet(r, "the name frontend gives no address")
    assert "disconnect" in r.hint


# -- notebook 03: publishing ports ---------------------------------------------------------------------
def test_nb03_exercise_1(lab):
    not_yet(nb03.exercise_1(lab), "no container named ex-local")
    lab.container("ex-local", command=SERVER, ports={80: ("127.0.0.1", 8181)})
    r = nb03.exercise_1(lab)
    right(r)
    assert "from the host, 127.0.0.1:8181: open" in r.found
    assert any(line.startswith("from the host, its address") and "closed" in line for line in r.found)


def test_nb03_exercise_1_on_every_address(lab):
    lab.container("ex-local", command=SERVER, ports={80: ("0.0.0.0", 8181)})
    r = nb03.exercise_1(lab)
    not_yet(r, "0.0.0.0:8181->80/tcp", "every address")
    assert "127.0.0.1" in r.hint


def test_nb03_exercise_1_without_a_server(lab):
    lab.container("ex-local", ports={80: 8181})
    r = nb03.exercise_1(lab)
    not_yet(r, "nothing answers on ex-local's own port 80")
    assert SERVER in r.hint


def test_nb03_exercise_2(lab):
    not_yet(nb03.exercise_2(lab), "no container named ex-public")
    lab.container("ex-public", command=SERVER, ports={80: ("0.0.0.0", 8282)})
    r = nb03.exercise_2(lab)
    right(r)
    assert any(line.startswith("from client") and line.endswith("8282: open") for line in r.found)


def test_nb03_exercise_2_host_only(lab):
    lab.container("ex-public", command=SERVER, ports={80: 8282})
    r = nb03.exercise_2(lab)
    not_yet(r, "127.0.0.1:8282->80/tcp", "only on that address")
    assert "0.0.0.0" in r.hint


def test_nb03_exercise_3(lab):
    lab.container("site", command=SERVER, ports={80: 8080})          # section 3
    lab.container("site2", command=SERVER, ports={80: 8081})         # section 4
    not_yet(nb03.exercise_3(lab), "site still holds the host's port 8080", hint=("lab.remove('site')",))
    lab.remove("site")                                               # removed, not moved: not yet
    not_yet(nb03.exercise_3(lab), "there is no container named site", hint=("8088",))
    lab.container("site", command=SERVER, ports={80: 8088})          # the notebook's solution
    not_yet(nb03.exercise_3(lab), "no container named ex-shop", hint=("127.0.0.1:8080:80",))
    lab.container("ex-shop", command="sleep 86400", ports={80: 8080})   # publishes, serves nothing
    not_yet(nb03.exercise_3(lab), "nothing answers on ex-shop's own port 80", hint=("httpd -f -p 80",))
    lab.remove("ex-shop")
    lab.container("ex-shop", command=SERVER, ports={80: 8080})
    done = nb03.exercise_3(lab)
    right(done)
    assert "from the host, 127.0.0.1:8088 -> site: open" in done.found, done
    assert "from the host, 127.0.0.1:8080 -> ex-shop: open" in done.found, done
