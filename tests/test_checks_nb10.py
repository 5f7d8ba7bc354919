"""Notebook 10's capstone checks, on both engines: untouched, each check says not yet; each mistake
of the design (data not internal, back encrypted against the kernel, a tier on a network it must not
be on or missing one, the frontend on 127.0.0.1 only, db left on host3 or moved onto the frontend's
network) says not yet with a hint that names it; the notebook's solutions say right. The checks take
no value from the learner: they look at the engines' traffic and state.

The simulator runs it on its kernel as Docker documents it (ESP: back encrypted) and on a kernel
without ESP (back not encrypted); real engines: three hosts (labkit.hosts, prefix lkn10) on this
machine's kernel, under the real-engine lock.
"""
from __future__ import annotations

import time

import docker
import pytest

import labkit
from labkit import underlay
from labkit.checks import nb10
from labkit.lab import RemoveFailed
from tests.results import not_yet, right

PREFIX = "lkn10"
CLUSTER_PREFIX = PREFIX


@pytest.fixture(scope="module", params=["sim", "sim-without-esp", "docker"])
def swarm(request):
    """Three hosts in a swarm (host1 the manager), as notebook 10 makes them."""
    engine = "docker" if request.param == "docker" else "sim"
    if engine == "docker":
        request.getfixturevalue("private_engines")
    cluster = labkit.cluster(3, engine=engine, prefix=PREFIX, progress=False)
    try:
        if request.param == "sim-without-esp":
            cluster.engines[0].call("POST", "/labkit/kernel?esp=0")
        manager, *workers = cluster
        manager.swarm.init(advertise_addr="eth0")
        token = manager.swarm.attrs["JoinTokens"]["Worker"]
        for worker in workers:
            worker.swarm.join([f"{manager.info()['Swarm']['NodeAddr']}:2377"], join_token=token)
        yield cluster
    finally:
        cluster.close()


@pytest.fixture
def shop(swarm):
    """The notebook's labs (one per host) and its customer on host2; afterwards everything removed,
    and the overlays gone from every host (a real host drops its copy a moment after the manager)."""
    labs = [labkit.Lab(client, name=nb10.LAB) for client in swarm]
    labs[1].container("customer")
    yield swarm, labs
    for lab in reversed(labs):              # the workers first: host1 drops its load balancer's endpoints
        deadline = time.monotonic() + 30    # on an overlay (data-endpoint) a moment after they leave it
        while True:
            try:
                lab.reset()
                break
            except RemoveFailed:
                assert time.monotonic() < deadline, "the lab could not remove its networks in 30 s"
                time.sleep(0.5)
    for name in ("back", "data"):
        gone(swarm, name)


def gone(cluster, network: str) -> None:
    deadline = time.monotonic() + 30
    for client in cluster:
        while True:
            try:
                client.api.inspect_network(network)
            except docker.errors.NotFound:
                break
            assert time.monotonic() < deadline, f"{network} is still on a host 30 s after docker network rm"
            time.sleep(0.2)


def remove_network(cluster, labs, network: str) -> None:
    labs[0].remove(network)                         # docker network rm NETWORK (on host1)
    gone(cluster, network)


def mistyped(client, name: str, network: str) -> None:
    """`docker run -d --name NAME --network NETWORK busybox httpd ...` with NETWORK mistyped, as the
    CLI sends it: on a swarm node the engine makes the container, then fails to start it (the CLI
    prints its ID and "network ... not found") and leaves it made."""
    api = client.api
    made = api.create_container("busybox", "httpd -f -p 5432", name=name,
                                host_config=api.create_host_config(network_mode=network),
                                networking_config=api.create_networking_config({network: api.create_endpoint_config()}))
    with pytest.raises(docker.errors.APIError, match=f"network {network} not found"):
        api.start(made["Id"])


def back(labs, encrypted: bool) -> None:
    labs[0].network("back", driver="overlay", attachable=True, options={"encrypted": ""} if encrypted else None)


def back_end(cluster, labs) -> None:
    """Exercise 1's solution."""
    back(labs, underlay.kernel_has_esp(cluster))
    labs[0].network("data", driver="overlay", attachable=True, internal=True)
    labs[2].container("db", networks=["data"], command="httpd -f -p 5432")
    labs[1].container("backend", networks=["back", "data"], command="httpd -f -p 8000")


def front_end(labs) -> None:
    """Exercise 2's solution."""
    labs[0].container("frontend", networks=["back"], command="httpd -f -p 80", ports={80: ("0.0.0.0", 8080)})


def test_untouched_says_not_yet(shop):
    cluster, _ = shop
    for check in (nb10.exercise_1, nb10.exercise_2, nb10.exercise_3):
        untouched = check(cluster)
        not_yet(untouched, "host1 has no network back", hint=("docker network create -d overlay --attachable",))
        assert "mathjax" not in untouched._repr_html_()   # no $: typeset as every check's output is
    shown = nb10.report(cluster)
    assert "✘ frontend -> backend:8000: there is no frontend" in shown, shown
    assert "✘ db -> host2" in shown, shown


def test_exercise_1_the_back_end(shop):
    cluster, labs = shop
    esp = underlay.kernel_has_esp(cluster)
    back(labs, not esp)                                                # encrypted against the kernel
    labs[0].network("data", driver="overlay", attachable=True)         # not internal
    not_yet(nb10.exercise_1(cluster), "data is not internal", hint=("db must have no way out",))
    remove_network(cluster, labs, "data")
    labs[0].network("data", driver="overlay", attachable=True, internal=True)
    not_yet(nb10.exercise_1(cluster), "back is encrypted, and this kernel has no ESP" if not esp
            else "back is not encrypted, and this kernel has ESP", hint=("--opt encrypted",))
    remove_network(cluster, labs, "back")
    back(labs, esp)
    not_yet(nb10.exercise_1(cluster), "host3 has no container named db", hint=("docker -H $host3 run",))
    mistyped(cluster[2], "db", "dta")               # docker -H $host3 run -d --name db --network dta ...
    made = nb10.exercise_1(cluster)
    not_yet(made, "db on host3 was made but never started", hint=("docker -H $host3 rm db", "docker -H $host3 run"))
    # Two $ in a hint: JupyterLab would typeset what lies between them as LaTeX, unless told not to.
    assert made._repr_html_().startswith('<div class="mathjax_ignore" '), made._repr_html_()
    cluster[2].api.remove_container("db")           # docker -H $host3 rm db
    labs[2].container("db", networks=["data", "back"], command="httpd -f -p 5432")
    not_yet(nb10.exercise_1(cluster), "db is on back", hint=("docker network disconnect back db",))
    labs[2].disconnect("db", "back")
    labs[1].container("backend", networks=["back"], command="httpd -f -p 8000")
    not_yet(nb10.exercise_1(cluster), "backend is not on data", hint=("docker network connect data backend",))
    labs[1].connect("backend", "data")                                 # docker network connect data backend
    done = nb10.exercise_1(cluster)
    right(done)
    assert any(seen.startswith("backend resolves db to 10.") and seen.endswith("db:5432: open")
               for seen in done.found), done
    assert any(seen.startswith("db -> host2") and seen.endswith("unreachable") for seen in done.found), done
    not_yet(nb10.exercise_2(cluster), "host1 has no container named frontend", hint=("-p 8080:80",))
    not_yet(nb10.exercise_3(cluster), "host3 still has a container db", hint=("rm -f db",))


def test_exercise_2_the_frontend(shop):
    cluster, labs = shop
    back_end(cluster, labs)
    labs[0].container("frontend", networks=["back"], command="httpd -f -p 80", ports={80: ("127.0.0.1", 8080)})
    not_yet(nb10.exercise_2(cluster), "frontend publishes port 80 on 127.0.0.1:8080",
            "customers do not reach the frontend", hint=("127.0.0.1 is host1's loopback",))
    labs[0].remove("frontend")
    labs[0].container("frontend", networks=["back", "data"], command="httpd -f -p 80",
                      ports={80: ("0.0.0.0", 8080)})
    not_yet(nb10.exercise_2(cluster), "frontend is on data", hint=("docker network disconnect data frontend",))
    labs[0].disconnect("frontend", "data")
    done = nb10.exercise_2(cluster)
    right(done)
    assert "frontend -> db by name: no answer (right)" in done.found, done
    assert any(seen.startswith("frontend -> db at 10.") and seen.endswith("ping unreachable, port 5432 unreachable")
               for seen in done.found), done
    assert any(seen.startswith("customer (host2) -> ") and seen.endswith(":8080: open") for seen in done.found), done


def test_exercise_3_db_moved_beside_the_frontend(shop):
    cluster, labs = shop
    back_end(cluster, labs)
    front_end(labs)
    right(nb10.exercise_2(cluster))
    not_yet(nb10.exercise_3(cluster), "host3 still has a container db", hint=("docker -H $host3 rm -f db",))
    labs[2].remove("db")                                               # docker -H $host3 rm -f db
    labs[0].container("db", networks=["data", "back"], command="httpd -f -p 5432")   # beside frontend, on back
    not_yet(nb10.exercise_3(cluster), "db is on back", hint=("docker network disconnect back db",))
    labs[0].disconnect("db", "back")
    done = nb10.exercise_3(cluster)
    right(done)
    assert "db runs on host1, on data" in done.found, done
    assert "frontend -> db by name: no answer (right)" in done.found, done
    shown = nb10.report(cluster)
    assert "✘" not in shown and shown.count("✔") == 5, shown
    assert "✔ backend (host2) -> db:5432: open" in shown, shown
