"""Notebook 10's capstone, on both engines: a stack file deployed with the docker CLI (`docker stack
deploy`, against the swarm's manager), graded by labkit.checks.nb10: not yet before, not yet for
designs that break a promise (the database on the frontend's network, data not internal,
encryption on a kernel without ESP), right for the design this kernel allows, and after moving
the database with `docker service update`.

The simulator runs the capstone twice: with its kernel as Docker documents it (IPVS and ESP:
routing mesh, virtual IPs, an encrypted overlay) and with a kernel like this machine's (neither:
dnsrr, a port in host mode, no encryption). Real engines: three hosts (labkit.hosts, prefix lknt)
on this machine's kernel, under the real-engine lock.
"""
from __future__ import annotations

import shutil
import subprocess
import time

import pytest

import labkit
from labkit.checks import nb10
from labkit.notebook import docker_host
from tests.results import not_yet, right

PREFIX = "lknt"
CLUSTER_PREFIX = PREFIX
CLI = shutil.which("docker")


@pytest.fixture(scope="module", params=["sim", "sim-without-ipvs-esp", "docker"])
def swarm(request):
    if CLI is None:
        pytest.skip("the docker CLI is not installed (docker stack deploy is a client command)")
    engine = "docker" if request.param == "docker" else "sim"
    if engine == "docker":
        request.getfixturevalue("private_engines")
    cluster = labkit.cluster(3, engine=engine, prefix=PREFIX, progress=False)
    try:
        if request.param == "sim-without-ipvs-esp":
            cluster.engines[0].call("POST", "/labkit/kernel?esp=0&ipvs=0")
        manager, *workers = cluster
        manager.swarm.init(advertise_addr="eth0")
        for worker in workers:
            worker.swarm.join([f"{manager.info()['Swarm']['NodeAddr']}:2377"],
                              join_token=manager.swarm.attrs["JoinTokens"]["Worker"])
        labkit.Lab(cluster[1], name="nb10").container("customer")
        yield cluster
    finally:
        cluster.close()


def stack_file(plan: nb10.Design, db_networks=("data",), internal=True, encrypted=None, db_host="host3") -> str:
    mode = "" if plan.endpoint_mode == "vip" else "      endpoint_mode: dnsrr\n"
    encrypted = plan.encrypted if encrypted is None else encrypted

    def service(name, host, port, networks, publish=""):
        return (f"  {name}:\n    image: busybox\n    command: httpd -f -p {port}\n{publish}"
                f"    networks: [{', '.join(networks)}]\n    deploy:\n{mode}      placement:\n"
                f"        constraints: [node.hostname == {host}]\n")
    publish = f"    ports:\n      - target: 80\n        published: 8080\n        mode: {plan.publish_mode}\n"
    return ("services:\n" + service("frontend", "host1", 80, ["back"], publish)
            + service("backend", "host2", 8000, ["back", "data"]) + service("db", db_host, 5432, list(db_networks))
            + "networks:\n  back:\n    driver: overlay\n" + ('    driver_opts:\n      encrypted: ""\n' if encrypted else "")
            + f"  data:\n    driver: overlay\n    internal: {'true' if internal else 'false'}\n")


def docker(cluster, *args: str) -> subprocess.CompletedProcess:
    done = subprocess.run([CLI, *args], capture_output=True, text=True, timeout=120,
                          env={"PATH": "/usr/bin:/bin", "DOCKER_HOST": docker_host(cluster[0])})
    assert done.returncode == 0, done.stderr
    return done


def deploy(cluster, tmp_path, text: str) -> None:
    path = tmp_path / "shop.yml"
    path.write_text(text)
    docker(cluster, "stack", "deploy", "-c", str(path), "shop")
    wait_for(cluster, lambda: all(nb10.task(cluster, n)[1] for n in ("frontend", "backend", "db")))


def remove(cluster) -> None:
    docker(cluster, "stack", "rm", "shop")
    wait_for(cluster, lambda: not any(nb10.task(cluster, n)[1] for n in ("frontend", "backend", "db"))
             and not [n for n in cluster[0].networks.list() if n.name.startswith("shop_")])


def wait_for(cluster, condition, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "the swarm did not get there in time"
        time.sleep(0.5)


def test_before_anything_is_deployed(swarm):
    not_yet(nb10.exercise_1(swarm), "no stack named shop", hint=("docker stack deploy -c shop.yml shop",))
    not_yet(nb10.exercise_2(swarm), "no stack named shop")


def test_the_database_on_the_frontends_network_is_caught(swarm, tmp_path):
    plan = nb10.design(swarm)
    deploy(swarm, tmp_path, stack_file(plan, db_networks=("data", "back")))
    not_yet(nb10.exercise_1(swarm), "db is on back, data", hint=("db belongs on data",))
    remove(swarm)


def test_data_not_internal_is_caught(swarm, tmp_path):
    plan = nb10.design(swarm)
    deploy(swarm, tmp_path, stack_file(plan, internal=False))
    not_yet(nb10.exercise_1(swarm), "shop_data: not internal", hint=("internal: true",))
    remove(swarm)


def test_encryption_must_follow_the_kernel(swarm, tmp_path):
    plan = nb10.design(swarm)
    deploy(swarm, tmp_path, stack_file(plan, encrypted=not plan.encrypted))
    not_yet(nb10.exercise_1(swarm), "shop_back: " + ("not encrypted" if plan.encrypted else "encrypted"))
    if not plan.encrypted:     # on a kernel without ESP the encrypted overlay carries nothing between hosts
        not_yet(nb10.exercise_2(swarm), "db runs on host3")
        assert "✘ frontend           -> backend:8000           not reached" in nb10.report(swarm)
    remove(swarm)


def test_the_design_this_kernel_allows_is_right(swarm, tmp_path):
    plan = nb10.design(swarm)
    deploy(swarm, tmp_path, stack_file(plan))
    right(nb10.exercise_1(swarm))
    not_yet(nb10.exercise_2(swarm), "db runs on host3", hint=("docker service update",))
    report = nb10.report(swarm)
    assert "✘" not in report, report
    docker(swarm, "service", "update", "--detach", "--constraint-rm", "node.hostname == host3",
           "--constraint-add", "node.hostname == host2", "shop_db")
    wait_for(swarm, lambda: nb10.task(swarm, "db")[0] == 1)
    done = nb10.exercise_2(swarm)
    right(done)
    crossing = [seen for seen in done.found if seen.startswith("frontend (host1) -> backend (host2)")]
    assert crossing == ["frontend (host1) -> backend (host2) crosses the underlay on shop_back: " + (
        "encrypted (IPsec ESP)" if plan.encrypted else "NOT encrypted (this kernel has no ESP)")]
    remove(swarm)
