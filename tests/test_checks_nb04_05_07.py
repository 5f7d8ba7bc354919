"""The exercise checks of notebooks 04 (host networking), 05 (none, internal, macvlan) and 07 (a
three-tier application), on both engines: labkit's simulator (a fresh one per test) and a real
engine (a private dockerd in a network namespace, prefix "lkn2t", emptied before each test).

For every exercise: the notebook's untouched starting point is "not yet", a wrong answer is
"not yet" with a hint that points at the mistake, and the notebook's solution is "right".
The set-ups repeat the notebooks' cells, with the same names and subnets.
"""
from __future__ import annotations

from labkit.checks import nb04, nb05, nb07
from labkit.lab import Lab
from tests.results import not_yet, right

PREFIX = "lkn2t"   # one private real engine for this module (lkn2 is for runs by hand)


def lab_for(client, name: str) -> Lab:
    return Lab(client, name=name)


# -- 04: host networking ------------------------------------------------------------------------------
def nb04_clash(lab: Lab) -> None:
    """Sections 3 and 4: web1 holds the host's port 8000; web2, on the same port, exited."""
    lab.container("hostview", network_mode="host")
    lab.container("web1", network_mode="host", command="httpd -f -p 8000")
    lab.container("web2", network_mode="host", command="httpd -f -p 8000")
    assert lab.client.containers.get("web2").wait(timeout=10)["StatusCode"] == 1


def test_nb04_exercise_1(client):
    lab = lab_for(client, "nb04")
    nb04_clash(lab)
    r = nb04.exercise_1(lab)
    not_yet(r, hint=("8001", "lab.remove('web2')"))
    assert any("Address already in use" in line for line in r.found), r
    # Wrong: web2 on the default bridge, with its own port 8001 (not the host's).
    lab.remove("web2")
    lab.container("web2", command="httpd -f -p 8001")
    not_yet(nb04.exercise_1(lab), hint=("host mode",))
    # The solution.
    lab.remove("web2")
    lab.container("web2", network_mode="host", command="httpd -f -p 8001")
    right(nb04.exercise_1(lab))


def test_nb04_exercise_2(client):
    lab = lab_for(client, "nb04")
    nb04_clash(lab)
    not_yet(nb04.exercise_2(lab), hint=("isolated",))
    # Wrong: host mode, where port 8000 is web1's: it exits.
    lab.container("isolated", network_mode="host", command="httpd -f -p 8000")
    lab.client.containers.get("isolated").wait(timeout=10)
    r = nb04.exercise_2(lab)
    not_yet(r, hint=("host mode",))
    # Wrong: its own namespace, but nothing listening.
    lab.remove("isolated")
    lab.container("isolated")
    not_yet(nb04.exercise_2(lab), hint=("httpd -f -p 8000",))
    # The solution.
    lab.remove("isolated")
    lab.container("isolated", command="httpd -f -p 8000")
    right(nb04.exercise_2(lab))


# -- 05: none, internal, macvlan ----------------------------------------------------------------------
def nb05_vault(lab: Lab) -> None:
    """Section 3: the internal network vault with db and app; outside and reports on the bridge."""
    lab.network("vault", subnet="10.50.0.0/24", internal=True)
    lab.container("db", networks=["vault"])
    lab.container("app", networks=["vault"])
    lab.container("outside")
    lab.container("reports")


def nb05_lan(lab: Lab) -> None:
    """Section 4: the macvlan network lan on the host's eth0, with m1."""
    lab.network("lan", driver="macvlan", subnet="10.99.0.0/24", gateway="10.99.0.1",
                ip_range="10.99.0.192/27", options={"parent": "eth0"})
    lab.container("m1", networks=["lan"])


def test_nb05_exercise_1(client):
    lab = lab_for(client, "nb05")
    nb05_vault(lab)
    not_yet(nb05.exercise_1(lab), hint=("lab.connect('reports', 'vault')",))
    # Wrong: the database opened to the default bridge.
    lab.connect("db", "bridge")
    r = nb05.exercise_1(lab)
    not_yet(r, hint=("not internal", "lab.disconnect('db', 'bridge')"))
    assert any("outside pings db" in line and "reachable" in line and "unreachable" not in line
               for line in r.found), r
    # The solution.
    lab.disconnect("db", "bridge")
    lab.connect("reports", "vault")
    right(nb05.exercise_1(lab))


def test_nb05_exercise_2(client):
    lab = lab_for(client, "nb05")
    not_yet(nb05.exercise_2(lab), hint=("network_mode='none'",))
    # Wrong: an internal network: an interface, and the host still answers at the gateway.
    lab.network("vault", subnet="10.50.0.0/24", internal=True)
    lab.container("sealed", networks=["vault"])
    r = nb05.exercise_2(lab)
    not_yet(r, hint=("network_mode='none'", "internal network"))
    assert any("10.50.0.1" in line and "reachable" in line for line in r.found), r
    # The solution.
    lab.remove("sealed")
    lab.container("sealed", network_mode="none")
    right(nb05.exercise_2(lab))


def test_nb05_exercise_3(client):
    lab = lab_for(client, "nb05")
    nb05_lan(lab)
    not_yet(nb05.exercise_3(lab), hint=("printer",))
    # Wrong: an address from the pool, not a fixed one.
    lab.container("printer", networks=["lan"])
    not_yet(nb05.exercise_3(lab), hint=("ip=",))
    # Wrong: a fixed address inside the range the engine hands out.
    lab.remove("printer")
    lab.container("printer", networks=["lan"], ip="10.99.0.200")
    not_yet(nb05.exercise_3(lab), hint=("outside 10.99.0.192/27",))
    # The solution.
    lab.remove("printer")
    lab.container("printer", networks=["lan"], ip="10.99.0.50")
    right(nb05.exercise_3(lab))


# -- 07: three tiers ----------------------------------------------------------------------------------
def nb07_flat(lab: Lab) -> None:
    """Section 2: the three tiers on one network."""
    lab.network("flat", subnet="10.70.0.0/24")
    lab.container("database", networks=["flat"], command="httpd -f -p 5432")
    lab.container("backend", networks=["flat"], command="httpd -f -p 8000")
    lab.container("frontend", networks=["flat"], command="httpd -f -p 80")


def nb07_segmented(lab: Lab, internal: bool = False, publish: bool = False) -> None:
    """The solutions: exercise 1's design built from scratch, and with exercise 2's rules."""
    lab.network("frontend-net", subnet="10.70.1.0/24")
    lab.network("backend-net", subnet="10.70.2.0/24", internal=internal)
    lab.container("database", networks=["backend-net"], command="httpd -f -p 5432")
    lab.container("backend", networks=["frontend-net", "backend-net"], command="httpd -f -p 8000")
    lab.container("frontend", networks=["frontend-net"], command="httpd -f -p 80",
                  ports={80: 8080} if publish else None)


def test_nb07_exercise_1(client):
    lab = lab_for(client, "nb07")
    nb07_flat(lab)
    r = nb07.exercise_1(lab)
    not_yet(r, hint=("share network flat",))
    assert any(line == "frontend -> database at 10.70.0.2 port 5432: open" for line in r.found), r
    # Section 3: the database moved off; now the backend has lost it too.
    lab.network("backend-net", subnet="10.70.2.0/24")
    lab.disconnect("database", "flat")
    lab.connect("database", "backend-net")
    r = nb07.exercise_1(lab)
    not_yet(r, hint=("backend and database share no user-defined network",))
    assert "frontend -> database by name: no answer (right)" in r.found, r
    # The notebook's solution.
    lab.connect("backend", "backend-net")
    right(nb07.exercise_1(lab))
    # Wrong: the frontend joins backend-net as well.
    lab.connect("frontend", "backend-net")
    not_yet(nb07.exercise_1(lab), hint=("share network backend-net",))
    # Wrong: segmented, but the backend serves nothing.
    lab.reset()
    lab.network("frontend-net", subnet="10.70.1.0/24")
    lab.network("backend-net", subnet="10.70.2.0/24")
    lab.container("database", networks=["backend-net"], command="httpd -f -p 5432")
    lab.container("backend", networks=["frontend-net", "backend-net"])
    lab.container("frontend", networks=["frontend-net"], command="httpd -f -p 80")
    not_yet(nb07.exercise_1(lab), hint=("httpd -f -p 8000",))
    # Exercise 1's design built from scratch is right too.
    lab.reset()
    nb07_segmented(lab)
    right(nb07.exercise_1(lab))


def test_nb07_exercise_2(client):
    lab = lab_for(client, "nb07")
    not_yet(nb07.exercise_2(lab), hint=("exercise 1",))
    nb07_segmented(lab)
    not_yet(nb07.exercise_2(lab), hint=("8080",))
    # Wrong: published, but the database's network is not internal.
    lab.reset()
    nb07_segmented(lab, publish=True)
    not_yet(nb07.exercise_2(lab), hint=("internal",))
    # Wrong: the backend publishes a port too.
    lab.reset()
    nb07_segmented(lab, internal=True, publish=True)
    lab.remove("backend")
    lab.container("backend", networks=["frontend-net", "backend-net"], command="httpd -f -p 8000",
                  ports={8000: 8000})
    not_yet(nb07.exercise_2(lab), hint=("backend should publish nothing",))
    # The solution; exercise 1 still holds.
    lab.reset()
    nb07_segmented(lab, internal=True, publish=True)
    right(nb07.exercise_2(lab))
    right(nb07.exercise_1(lab))
    # Wrong: all else as asked, but the frontend joins the database's network too.
    lab.connect("frontend", "backend-net")
    r = nb07.exercise_2(lab)
    not_yet(r, hint=("share network backend-net",))
    assert any(line.startswith("frontend -> database by name: 10.70.2.") for line in r.found), r
