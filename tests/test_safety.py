"""Safe on anyone's machine (issue 7): ownership and scoped cleanup, two labs on one engine,
re-running lessons, faults, security defaults. Bad input is in test_bad_input.py.

Engine tests run on labkit's simulator and on a private real engine (labkit.hosts prefix "lks";
a set of two, prefix "lks2", for a cluster and for crash cleanup). Nothing here touches the
machine's own Docker engine or any object these tests did not make.

A stopped engine, simulated or real, answers nobody: SimServer.close() also closes the
connections clients keep alive, as a stopped dockerd does, and `labkit.Cluster.stop_host` takes
a simulated host down in its world (its swarm node "down", its containers gone from overlays).
"""
from __future__ import annotations

import ast
import collections
import contextlib
import inspect
import json
import os
import pathlib
import re
import signal
import subprocess
import sys
import tempfile
import textwrap
import time

import docker
import pytest

import labkit
import labkit.sim as sim
from labkit import engines, hosts, system
from labkit.drawing import STOPPED_COLOR
from labkit.errors import EngineUnavailable, LabkitError
from labkit.lab import CAPABILITIES, BadArgument, Lab, NotTheLabs, RemoveFailed, session_id, session_state
from tests.engines import empty, state
from tests.figures import report

ROOT = pathlib.Path(__file__).resolve().parent.parent
PREFIX, CLUSTER_PREFIX = "lks", "lks2"
TALLY: collections.Counter = collections.Counter()   # faults injected, objects leaked


# -- engines ------------------------------------------------------------------------------------
class SimEngine:
    """A simulated engine served on a socket of its own (so other processes can reach it), that
    can be stopped and served again: the same engine (world), or a new one."""

    def __init__(self):
        self.folder = tempfile.mkdtemp(prefix="lks-sim-")
        self.path = f"{self.folder}/docker.sock"
        self.url = f"unix://{self.path}"
        self.world = sim.World()
        self.server = sim.serve(self.world, path=self.path)

    def stop(self) -> None:
        self.server.close()

    def start(self, fresh: bool = False) -> None:
        if fresh:
            self.world = sim.World()
        self.server = sim.serve(self.world, next(iter(self.world.hosts.values()), None), path=self.path)

    def close(self) -> None:
        if not self.server.closed:
            self.server.close()
        with contextlib.suppress(OSError):
            os.rmdir(self.folder)


@pytest.fixture(scope="module", autouse=True)
def figures(request):
    yield
    report(request.config, "safety", TALLY)


@pytest.fixture(params=["sim", "docker"])
def engine(request):
    """(url, client) of an engine with nothing on it: a fresh simulator, or the private real
    engine emptied."""
    if request.param == "sim":
        served = SimEngine()
        with contextlib.closing(docker.DockerClient(base_url=served.url, version="1.41")) as client:
            yield served.url, client
        served.close()
    else:
        host = request.getfixturevalue("real_engine")
        if not system.answers(host.socket):
            host = hosts.fresh_engine(PREFIX)
        with contextlib.closing(host.client()) as client:
            empty(client)
            yield host.url, client
            empty(client)


def labelled(client, lab: str) -> tuple[list[str], list[str]]:
    """The names of the objects that carry a lab's labels."""
    mine = {"label": [f"labkit.lab={lab}", "labkit=1"]}
    return (sorted(c["Names"][0].lstrip("/") for c in client.api.containers(all=True, filters=mine)),
            sorted(n["Name"] for n in client.api.networks(filters=mine)))


def count_leaks(found) -> int:
    """How many objects are in found (names, in nested tuples and lists), added to the tally."""
    def count(x) -> int:
        return sum(count(y) for y in x) if isinstance(x, (tuple, list)) else 1
    n = count(found)
    TALLY["objects leaked"] += n
    return n


def python(code: str, url: str, **kwargs) -> subprocess.Popen:
    """Another Python process (another kernel) running code, with ENGINE a client of url."""
    head = f"import docker\nENGINE = docker.DockerClient(base_url={url!r}, version='auto')\n"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.Popen([sys.executable, "-c", head + textwrap.dedent(code)], env=env, cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kwargs)


def run_python(code: str, url: str, timeout: float = 120) -> str:
    p = python(code, url)
    out, err = p.communicate(timeout=timeout)
    assert p.returncode == 0, err
    return out


# == 1. Ownership: labels, reset, leftovers ====================================================
def test_everything_the_lab_makes_carries_its_labels(engine):
    _, client = engine
    lab = Lab(client, name="own")
    lab.network("front", subnet="10.71.0.0/24")
    lab.container("web", networks="front")
    lab.container("db", network_mode="none")
    mine = {"labkit": "1", "labkit.lab": "own", "labkit.session": session_id()}
    for c in client.api.containers(all=True):
        assert c["Labels"] == mine
    (net,) = [n for n in client.api.networks() if n["Name"] == "front"]
    assert net["Labels"] == mine
    assert lab.labels == mine
    assert labelled(client, "own") == (["db", "web"], ["front"])
    # The CLI lines show the lab's labels, not the session's (it changes with every kernel).
    assert all("labkit.session" not in line for line in lab.history)


def test_reset_and_labkit_reset_remove_exactly_the_labs_objects(engine):
    url, client = engine
    lab = Lab(client, name="own")
    lab.network("front", subnet="10.72.0.0/24")
    lab.container("web", networks="front")
    lab.container("db")
    other = Lab(client, name="other")
    other.network("others", subnet="10.73.0.0/24")
    other.container("other-web", networks="others")
    other.connect("other-web", "front")               # another lab's container on our network
    client.networks.create("foreign")
    client.containers.run("busybox", ["sleep", "600"], name="foreign-ctr", detach=True, network="foreign")
    client.containers.run("busybox", ["sleep", "600"], name="foreign-on-ours", detach=True, network="front")
    # Our network is used by containers that are not ours: they are left alone, and reset says
    # which ones hold it (and removes everything else of ours).
    with pytest.raises(RemoveFailed) as e:
        lab.reset()
    assert "network front is still used by foreign-on-ours, other-web, not this lab's" in str(e.value)
    assert "docker network disconnect front foreign-on-ours" in str(e.value)
    assert sorted(e.value.removed["containers"]) == ["db", "web"]
    assert state(client) == (["foreign-ctr", "foreign-on-ours", "other-web"],
                             ["bridge", "foreign", "front", "host", "none", "others"])
    client.api.disconnect_container_from_network("foreign-on-ours", "front")
    other.disconnect("other-web", "front")
    # The command line does the same, on the engine DOCKER_HOST names.
    env = dict(os.environ, LABKIT_ENGINE="docker", DOCKER_HOST=url, PYTHONPATH=str(ROOT))
    done = subprocess.run([sys.executable, "-m", "labkit.cli", "reset", "--lab", "own"], env=env,
                          capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stdout, done.stderr) == (0, "removed network front\n", "")
    assert state(client) == (["foreign-ctr", "foreign-on-ours", "other-web"],
                             ["bridge", "foreign", "host", "none", "others"])
    assert count_leaks(labelled(client, "own")) == 0
    assert other.reset() == {"containers": ["other-web"], "networks": ["others"]}
    assert state(client) == (["foreign-ctr", "foreign-on-ours"], ["bridge", "foreign", "host", "none"])


MAKE = """
from labkit.lab import Lab
lab = Lab(ENGINE, name={name!r})
lab.network("front", subnet="10.74.0.0/24")
lab.container("web", networks="front")
lab.container("alone", network_mode="none")
print("made", flush=True)
"""


def test_a_new_session_removes_what_an_ended_one_left(engine, capsys):
    url, client = engine
    run_python(MAKE.format(name="demo"), url)             # a kernel that made things, then ended
    run_python(MAKE.format(name="other").replace('"front"', '"front2"').replace("10.74", "10.75")
               .replace('"web"', '"web2"').replace('"alone"', '"alone2"'), url)
    client.containers.run("busybox", ["sleep", "600"], name="foreign", detach=True)
    assert labelled(client, "demo") == (["alone", "web"], ["front"])
    lab = Lab(client, name="demo")                         # the kernel restarted
    said = capsys.readouterr().out
    assert re.fullmatch(r"labkit: lab 'demo': removed what an earlier run left on this engine: "
                        r"containers (web, alone|alone, web); networks front\n", said), said
    assert sorted(lab.leftovers["containers"]) == ["alone", "web"] and lab.leftovers["networks"] == ["front"]
    assert count_leaks(labelled(client, "demo")) == 0
    # Only that lab's: another lab's leftovers and foreign objects stay (until that lab comes back).
    assert state(client) == (["alone2", "foreign", "web2"], ["bridge", "front2", "host", "none"])
    assert Lab(client, name="demo").notices == []        # nothing more to say
    other = Lab(client, name="other", quiet=True)
    assert sorted(other.leftovers["containers"]) == ["alone2", "web2"] and other.leftovers["networks"] == ["front2"]
    assert state(client) == (["foreign"], ["bridge", "host", "none"])
    # And the lesson runs again from the start.
    lab.network("front", subnet="10.74.0.0/24")
    assert lab.container("web", networks="front").status == "running"


def test_a_running_sessions_objects_are_left_alone(engine):
    url, client = engine
    kernel = python(MAKE.format(name="demo") + "import sys\nsys.stdin.read()\n", url, stdin=subprocess.PIPE)
    try:
        assert kernel.stdout.readline() == "made\n"
        second = Lab(client, name="demo", quiet=True)     # a second kernel, same lab name
        assert second.leftovers == {"containers": [], "networks": []}
        (note,) = second.notices
        assert re.fullmatch(r"lab 'demo': left alone container (web|alone), container (web|alone), network front: "
                            rf"made by a session that still runs on this machine \(pid {kernel.pid}\) "
                            r"\(lab.reset\(\) removes them; give this lab its own name to keep apart\)", note), note
        assert labelled(client, "demo") == (["alone", "web"], ["front"])
    finally:
        kernel.stdin.close()
        kernel.wait(timeout=30)
    third = Lab(client, name="demo", quiet=True)          # now that kernel has ended
    assert sorted(third.leftovers["containers"]) == ["alone", "web"]
    assert count_leaks(labelled(client, "demo")) == 0


def test_leftovers_keep_and_rerun_adoption(engine):
    url, client = engine
    run_python(MAKE.format(name="demo"), url)
    kept = Lab(client, name="demo", leftovers="keep", quiet=True)
    assert kept.notices == [] and labelled(client, "demo") == (["alone", "web"], ["front"])
    web = kept.container("web", networks="front")        # adopted, as a re-run does
    assert web.name == "web" and kept.history[-1].startswith("docker run -d --name web --network front")
    assert kept.reset()["networks"] == ["front"]
    with pytest.raises(BadArgument, match="leftovers"):
        Lab(client, name="demo", leftovers="sometimes")


def test_the_leftover_check_waits_for_the_engine(tmp_path):
    """A lab made while its engine is down says nothing at once, and cleans up at its first
    call once the engine answers."""
    served = SimEngine()
    try:
        run_python(MAKE.format(name="demo"), served.url)
        client = docker.DockerClient(base_url=served.url, version="1.41")
        served.stop()
        TALLY["faults injected"] += 1
        lab = Lab(client, name="demo", quiet=True)       # no error: the engine is not needed yet
        assert lab.notices == []
        with pytest.raises(EngineUnavailable):
            lab.snapshot()
        served.start()
        snap = lab.snapshot()                            # the first call that reaches it
        back, note = lab.notices
        assert back == f"the engine at {served.url} answers again"
        assert re.fullmatch(r"lab 'demo': removed what an earlier run left on this engine: "
                            r"containers (web, alone|alone, web); networks front", note), note
        assert snap.owned_by("demo").containers == [] and snap.owned_by("demo").networks == []
        assert count_leaks(labelled(client, "demo")) == 0
        client.close()
    finally:
        served.close()


@pytest.mark.parametrize("session, expected", [
    (None, "ended"), ("", "ended"), ("garbage", "ended"), ("a-b-c", "ended"), ("x-x-notapid-x", "ended"),
    ("00000000-x-0-x", "elsewhere"),
])
def test_session_states(session, expected):
    assert session_state(session) == expected


def test_session_states_of_this_machine():
    mine = session_id()
    machine, boot, pid, start = mine.split("-")
    assert pid == str(os.getpid()) and session_state(mine) == "this"
    assert session_state(f"{machine}-{boot}-1-{start}") == "ended"          # pid 1 started long before
    assert session_state(f"{machine}-{'0' * 8 if boot != '0' * 8 else '1' * 8}-{pid}-{start}") == "ended"  # an earlier boot
    assert session_state(f"{machine}-{boot}-999999999-{start}") == "ended"   # no such process
    assert session_state(f"{machine}-{boot}-0-{start}") == "ended"
    child = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.read()"], stdin=subprocess.PIPE)
    try:
        stat = pathlib.Path(f"/proc/{child.pid}/stat").read_text().rsplit(")", 1)[1].split()
        assert session_state(f"{machine}-{boot}-{child.pid}-{stat[19]}") == "running"
    finally:
        child.stdin.close()
        child.wait()


def test_the_default_lab_name_comes_from_labkit_lab(monkeypatch):
    monkeypatch.setenv("LABKIT_LAB", "ann")
    assert Lab("sim", quiet=True).name == "ann"
    monkeypatch.setenv("LABKIT_LAB", "bad name")
    with pytest.raises(BadArgument, match="lab name 'bad name'"):
        Lab("sim")


# == 2. Two labs (two learners) on one engine ===================================================
LEARNER = """
import json
from labkit.lab import Lab
lab = Lab(ENGINE, name={name!r})
seen = []
for round in range(3):
    seen.append(lab.reset())
    lab.network("{name}-net", subnet="{subnet}")
    lab.container("{name}-web", networks="{name}-net", command="httpd -f -p 80")
    lab.container("{name}-cli", networks="{name}-net")
    seen.append(lab.ping("{name}-cli", "{name}-web").ok)
    seen.append(lab.port("{name}-cli", "{name}-web", 80).state)
    seen.append(sorted(c.name for c in lab.snapshot().owned_by({name!r}).containers))
print(json.dumps(seen))
"""


def test_two_learners_on_one_engine_never_touch_each_other(engine):
    url, client = engine
    client.containers.run("busybox", ["sleep", "600"], name="instructors", detach=True)
    learners = [python(LEARNER.format(name=name, subnet=subnet), url)
                for name, subnet in (("ann", "10.81.0.0/24"), ("bob", "10.82.0.0/24"))]
    results = []
    for p in learners:                                    # both at once
        out, err = p.communicate(timeout=180)
        assert p.returncode == 0, err
        results.append(json.loads(out))
    for name, seen in zip(("ann", "bob"), results, strict=True):
        resets = seen[0::4]
        assert resets[0] == {"containers": [], "networks": []}
        assert all(r == {"containers": [f"{name}-web", f"{name}-cli"], "networks": [f"{name}-net"]} or
                   sorted(r["containers"]) == [f"{name}-cli", f"{name}-web"] for r in resets[1:])
        assert seen[1::4] == [True] * 3 and seen[2::4] == ["open"] * 3
        assert seen[3::4] == [[f"{name}-cli", f"{name}-web"]] * 3   # never the other's
    assert state(client)[0] == ["ann-cli", "ann-web", "bob-cli", "bob-web", "instructors"]
    # The same name: refused, naming the owner; the owner's object untouched. (The learners'
    # kernels have ended: keep what they left, which a new lab of theirs would remove.)
    ann, bob = (Lab(client, name=name, quiet=True, leftovers="keep") for name in ("ann", "bob"))
    web = client.containers.get("ann-web").id
    with pytest.raises(NotTheLabs, match="belongs to lab 'ann', not to lab 'bob'"):
        bob.container("ann-web", networks="ann-net", command="httpd -f -p 80")
    with pytest.raises(NotTheLabs, match="belongs to lab 'ann'"):
        bob.network("ann-net", subnet="10.81.0.0/24")
    assert client.containers.get("ann-web").id == web
    # Different subnets are the learners' to choose: an overlap is the engine's clear refusal.
    with pytest.raises(docker.errors.APIError, match="cannot create network bob-2: Pool overlaps"):
        bob.network("bob-2", subnet="10.81.0.0/24")
    assert bob.reset()["networks"] == ["bob-net"]
    assert state(client)[0] == ["ann-cli", "ann-web", "instructors"]
    ann.reset()
    assert count_leaks((labelled(client, "ann"), labelled(client, "bob"))) == 0


# == 3. Re-running a lesson ======================================================================
LESSON = """
import json
from labkit.lab import Lab
lab = Lab(ENGINE, name="lesson", quiet=True)
{reset}
lab.network("front", subnet="10.91.0.0/24")
lab.network("back", subnet="10.92.0.0/24", internal=True)
lab.container("web", networks=["front", "back"], command="httpd -f -p 80", aliases={{"back": "www"}})
lab.container("db", networks="back")
lab.container("cli", networks="front", ports="8081:81")
lab.connect("cli", "back")
out = [lab.ping("cli", "web").state, lab.resolve("db", "www"), lab.port("db", "web", 80).state,
       lab.port("cli", "web", 81).state]
lab.disconnect("cli", "back")
out.append(lab.ping("cli", "10.92.0.2").state)   # db, by address: an unknown name waits for the host's DNS
lab.container("tmp", networks="front")
lab.remove("tmp")
out.append(sorted(c.name for c in lab.snapshot().owned_by("lesson").containers))
print(json.dumps(out))
"""
EXPECTED = ["reachable", ["10.92.0.2"], "open", "closed", "unreachable", ["cli", "db", "web"]]


def test_a_lesson_runs_twice_in_a_row(engine):
    url, client = engine
    # In two kernels one after the other (a notebook run, the kernel restarted, run again), with a
    # reset at the start as the notebooks have it, and without one (leftovers, then re-run cells).
    for reset in ("lab.reset()", "lab.reset()", "", ""):
        assert json.loads(run_python(LESSON.format(reset=reset), url)) == EXPECTED
    # In one kernel, twice (Run All twice): without a reset the second run adopts what is there.
    code = LESSON.format(reset="") + LESSON.format(reset="")
    first, second = run_python(code, url).splitlines()
    assert json.loads(first) == json.loads(second) == EXPECTED
    Lab(client, name="lesson", quiet=True).reset()
    assert count_leaks(labelled(client, "lesson")) == 0


def test_a_lesson_reruns_step_by_step(engine):
    """Every step run twice in a row in one kernel: the second does nothing, or the same."""
    _, client = engine
    lab = Lab(client, name="steps", quiet=True)
    steps = [
        lambda: lab.network("front", subnet="10.93.0.0/24"),
        lambda: lab.container("web", networks="front", command="httpd -f -p 80"),
        lambda: lab.container("cli", networks="front"),
        lambda: lab.connect("cli", "bridge"),
        lambda: lab.ping("cli", "web").state,
        lambda: lab.disconnect("cli", "bridge"),
        lambda: lab.reset(),
    ]
    for step in steps:
        first, before = step(), state(client)
        second = step()
        assert state(client) == before
        if isinstance(first, (str, dict)) and not isinstance(first, bool):
            assert second == first or (isinstance(first, dict) and second == {"containers": [], "networks": []})
    assert count_leaks(labelled(client, "steps")) == 0


# == 4. Faults ===================================================================================
# web probing its own port: over its own loopback (the probes' words, labkit.verdicts and paths.itself)
OPEN_TO_ITSELF = ("web -> web:80/tcp: open\nweb reaches itself over its own loopback: the packet never leaves the "
                  "container, tcp port 80 and something listens there")


def all_buttons(p) -> list[str]:
    return ["create_network", "remove_network", "run_container", "remove_container", "connect", "disconnect",
            "probe", "reset", "show_matrix"]


def click(p, button: str, **fields) -> None:
    for name, value in fields.items():
        getattr(p, name).value = value
    getattr(p, button).click()


def assert_clear(p) -> None:
    assert "Traceback" not in p.message and "Traceback" not in p.status.value
    assert not p.ok and "&#10007;" in p.status.value


def test_the_engine_stops_mid_lesson_simulator():
    served = SimEngine()
    client = docker.DockerClient(base_url=served.url, version="1.41")
    try:
        lab = Lab(client, name="fault", quiet=True)
        p = labkit.panel(lab)
        click(p, "create_network", network_name="front", network_subnet="10.94.0.0/24")
        click(p, "run_container", container_name="web", container_networks="front", container_command="httpd -f -p 80")
        drawn = p.graph.drawing.nodes
        served.stop()
        TALLY["faults injected"] += 1
        for button in all_buttons(p):
            click(p, button, network_name="back", container_name="db", link_container="web", link_network="bridge",
                  probe_source="web", probe_target="web")
            assert_clear(p)
            assert isinstance(p.error, EngineUnavailable), (button, p.message)
            assert f"the Docker engine at {served.url} does not answer" in p.message
            assert p.message.endswith("(the drawing shows the engine as it was when it last answered)")
            assert p.graph.drawing.nodes == drawn               # the last drawing stays
        click(p, "create_network", network_name="back", network_subnet="")
        assert ("does not answer (its socket is gone): `docker network create --driver bridge --label labkit=1 "
                "--label labkit.lab=fault back` was not done. Is it stopped? Start it again, then repeat this step: "
                "the lab reconnects by itself.") in p.message
        click(p, "create_network", network_name="bad name")      # what can be checked without it, is
        assert p.message.startswith("network name 'bad name' is not valid: start with a letter or digit")
        served.start()                                           # the same engine, back
        click(p, "create_network", network_name="back", network_subnet="10.95.0.0/24")
        assert p.ok and p.message == (f"the engine at {served.url} answers again\n"
                                      "network back (bridge, 10.95.0.0/24)")
        click(p, "probe", probe_source="web", probe_target="web", probe_kind="port", probe_port="80")
        assert p.ok and p.message == OPEN_TO_ITSELF
        served.stop()                                      # and once more, then a new engine
        TALLY["faults injected"] += 1
        click(p, "run_container", container_name="db", container_networks="back", container_command="")
        assert_clear(p)
        served.start(fresh=True)
        click(p, "run_container", container_name="db", container_networks="", container_command="")
        assert p.ok and p.message.startswith(f"the engine at {served.url} answers again")
        assert [c.name for c in p.topology.containers] == ["db"]
    finally:
        client.close()
        served.close()


def test_a_panel_made_while_the_engine_is_down_works_once_it_is_back():
    served = SimEngine()
    client = docker.DockerClient(base_url=served.url, version="1.41")
    try:
        served.stop()
        TALLY["faults injected"] += 1
        p = labkit.panel(Lab(client, name="late", quiet=True))
        assert not p.ok and isinstance(p.error, EngineUnavailable) and p.graph.drawing is None
        assert p.message.startswith("cannot redraw: the Docker engine at") and "Traceback" not in p.status.value
        served.start()
        click(p, "create_network", network_name="front", network_subnet="10.94.0.0/24")
        assert p.ok and p.message.endswith("network front (bridge, 10.94.0.0/24)")
        assert "net:host1/front" in {n["id"] for n in p.graph.drawing.nodes}
    finally:
        client.close()
        served.close()


def test_a_bug_inside_labkit_is_a_message_not_a_traceback(monkeypatch):
    lab = Lab("sim", name="bug", quiet=True)
    p = labkit.panel(lab)
    monkeypatch.setattr(lab, "network", lambda *args, **kwargs: 1 / 0)
    click(p, "create_network", network_name="front")
    assert not p.ok and isinstance(p.error, ZeroDivisionError)
    assert p.message == ("labkit could not do this: an error inside labkit (ZeroDivisionError: division by zero). "
                         "Please report it.")
    assert "Traceback" not in p.status.value


def test_the_in_process_simulator_comes_back_by_itself():
    lab = Lab("sim", name="inproc", quiet=True)
    lab.reset()
    lab.network("front", subnet="10.96.0.0/24")
    server = engines.sim_server()
    server.close()
    TALLY["faults injected"] += 1
    assert engines.sim_server_closed()
    lab.container("web", networks="front")                # the next step starts it again
    assert lab.notices == ["labkit's simulated engine had been stopped: it runs again, with all it held"]
    assert engines.sim_server().path == server.path and not engines.sim_server_closed()
    assert sorted(labelled(lab.client, "inproc")[1]) == ["front"]
    lab.reset()


def test_the_engine_stops_mid_lesson_real(real_engine):
    host = real_engine if system.answers(real_engine.socket) else hosts.fresh_engine(PREFIX)
    client = host.client()
    try:
        empty(client)
        lab = Lab(client, name="fault", quiet=True)
        p = labkit.panel(lab)
        click(p, "create_network", network_name="front", network_subnet="10.94.0.0/24")
        click(p, "run_container", container_name="web", container_networks="front", container_command="httpd -f -p 80")
        assert p.ok
        host.halt(kill=True)                                     # dockerd crashes
        TALLY["faults injected"] += 1
        for button in all_buttons(p):
            click(p, button, network_name="back", container_name="db", link_container="web", link_network="bridge",
                  probe_source="web", probe_target="web", probe_kind="ping")
            assert_clear(p)
            assert isinstance(p.error, EngineUnavailable), (button, p.message)
            assert f"the Docker engine at {host.url} does not answer" in p.message
        host.resume()                                            # the same engine, started again
        click(p, "create_network", network_name="back", network_subnet="10.95.0.0/24")
        assert p.ok and p.message == f"the engine at {host.url} answers again\nnetwork back (bridge, 10.95.0.0/24)"
        assert p.topology.container("web").status == "exited"   # a crash stops the containers
        click(p, "run_container", container_name="web", container_networks="front", container_command="httpd -f -p 80")
        assert p.ok and p.command == ["docker start web"]
        click(p, "probe", probe_source="web", probe_target="web", probe_kind="port", probe_port="80")
        assert p.ok and p.message == OPEN_TO_ITSELF
        # A new engine at the same socket (made afresh): the lab goes on with what is there.
        host.halt(kill=True)
        TALLY["faults injected"] += 1
        click(p, "probe")
        assert_clear(p)
        host = hosts.fresh_engine(PREFIX)
        click(p, "probe")
        assert not p.ok and p.message.startswith(f"the engine at {host.url} answers again\n"
                                                 "there is no container named web to probe from")
        assert "Traceback" not in p.status.value
        click(p, "create_network", network_name="front", network_subnet="10.94.0.0/24")
        click(p, "run_container", container_name="web", container_networks="front", container_command="httpd -f -p 80")
        click(p, "probe", probe_source="web", probe_target="web", probe_kind="port", probe_port="80")
        assert p.ok and p.message == OPEN_TO_ITSELF
        lab.reset()
        assert count_leaks(labelled(client, "fault")) == 0
    finally:
        client.close()


def test_a_container_killed_from_outside_shows_stopped(engine):
    _, client = engine
    lab = Lab(client, name="kill", quiet=True)
    lab.network("front", subnet="10.97.0.0/24")
    lab.container("web", networks="front", command="httpd -f -p 80")
    lab.container("db", networks="front")
    p = labkit.panel(lab)
    assert next(n for n in p.graph.drawing.nodes if n["id"] == "ctr:host1/web")["color"] != STOPPED_COLOR
    client.api.kill("web")                                       # docker kill, behind the lab's back
    TALLY["faults injected"] += 1
    kills = ["web"]
    if "labkit.sim=true" not in (client.info().get("Labels") or []):
        pid = client.api.inspect_container("db")["State"]["Pid"]
        os.kill(pid, signal.SIGKILL)                             # kill -9 of its process on the host
        TALLY["faults injected"] += 1
        kills.append("db")
        for _ in range(200):
            if client.api.inspect_container("db")["State"]["Status"] == "exited":
                break
            time.sleep(0.02)
    click(p, "probe", probe_source="web", probe_target="db", probe_kind="ping")
    assert_clear(p)
    assert p.message.startswith("cannot ping db from container web: Container ") and "is not running" in p.message
    snap = p.topology
    for name in kills:
        assert snap.container(name).status == "exited" and snap.endpoints_of(name) == []
        node = next(n for n in p.graph.drawing.nodes if n["id"] == f"ctr:host1/{name}")
        assert node["color"] == STOPPED_COLOR and "status exited" in node["title"]
        assert not any(e["id"].startswith(f"ep:host1/{name}/") for e in p.graph.drawing.edges)
    # Running the step again starts it again.
    assert lab.container("web", networks="front", command="httpd -f -p 80").status == "running"
    assert lab.history[-1] == "docker start web"
    lab.reset()


def join(cluster) -> None:
    cluster[0].swarm.init(advertise_addr="eth0")
    token = cluster[0].swarm.attrs["JoinTokens"]["Worker"]
    addr = cluster[0].info()["Swarm"]["NodeAddr"]
    cluster[1].swarm.join([f"{addr}:2377"], join_token=token)


def wait_for(check, timeout: float, step: float = 0.5):
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(step)


@pytest.fixture(params=["sim", "docker"])
def overlay_cluster(request):
    """Two hosts in a swarm, an attachable overlay, a container on each (left on host1, right
    on host2, which can reach each other)."""
    if request.param == "docker":
        request.getfixturevalue("private_engines")
    cluster = labkit.cluster(2, engine=request.param, prefix=CLUSTER_PREFIX)
    try:
        join(cluster)
        labs = [Lab(c, name="ovl", quiet=True) for c in cluster]
        labs[0].network("ov", driver="overlay", attachable=True)
        labs[0].container("left", networks="ov")
        labs[1].container("right", networks="ov")
        assert labs[0].ping("left", "right", timeout=2).ok
        yield request.param, cluster, labs
    finally:
        cluster.close()


def test_a_host_of_a_cluster_goes_down_its_engine_stops_answering(overlay_cluster):
    kind, cluster, labs = overlay_cluster
    assert cluster.answering() == ["host1", "host2"]
    cluster.stop_host("host2", crash=True)
    TALLY["faults injected"] += 1
    assert cluster.answering() == ["host1"]
    with pytest.raises(EngineUnavailable, match="does not answer"):
        labs[1].snapshot()
    p = labkit.panel(labs[1])                                    # a panel on it: a message, no traceback
    assert not p.ok and "does not answer" in p.message and "Traceback" not in p.status.value
    # The drawing of the hosts that answer.
    drawing = labkit.draw([c for n, c in zip(cluster.names, cluster, strict=True) if n in cluster.answering()])
    assert {n["id"] for n in drawing.nodes if n["id"].startswith("host:")} == {"host:host1"}
    cluster.start_host("host2")
    assert wait_for(lambda: cluster.answering() == ["host1", "host2"], 30)
    assert {c.name for c in labs[1].snapshot().containers} == {"right"}


def test_a_host_of_a_cluster_goes_down_the_swarm_shows_it(overlay_cluster):
    kind, cluster, labs = overlay_cluster
    assert [(n["host"], n["state"]) for n in cluster.nodes()] == [("host1", "ready"), ("host2", "ready")]
    cluster.stop_host("host2", crash=True)
    TALLY["faults injected"] += 1
    # The real engine: heartbeats stop, and about 15 s later the manager marks the node down.
    nodes = wait_for(lambda: [n for n in cluster.nodes() if n["host"] == "host2" and n["state"] == "down"],
                     40 if kind == "docker" else 1)
    assert nodes and nodes[0]["message"] == "heartbeat failure"
    assert not labs[0].ping("left", "right", timeout=1).ok           # the overlay shows it too
    cluster.start_host("host2")
    assert wait_for(lambda: [(n["host"], n["state"]) for n in cluster.nodes()] ==
                    [("host1", "ready"), ("host2", "ready")], 40)


def test_hosts_down_after_a_crash_leaves_nothing(private_engines):
    hosts.stop_hosts(CLUSTER_PREFIX)
    root_rules = iptables_rules()
    started = hosts.start_hosts(2, prefix=CLUSTER_PREFIX)
    pids = []
    for host in started:
        with contextlib.closing(host.client()) as client:
            lab = Lab(client, name="crash", quiet=True)
            lab.network("front", subnet="10.98.0.0/24")
            lab.container("web", networks="front", ports="8080:80", command="httpd -f -p 80")
            lab.container("on-host", network_mode="host")
            pids += [c.attrs["State"]["Pid"] for c in client.containers.list()]
        pids.append(host.pid)
        pids.append(int(pathlib.Path(f"{host.state_dir}/exec/containerd/containerd.pid").read_text()))
    for host in started:
        os.kill(host.pid, signal.SIGKILL)                        # both engines crash
        host._process.wait()
        TALLY["faults injected"] += 1
    assert any(system.alive(pid) for pid in pids)                 # containerd and containers live on
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    done = subprocess.run([sys.executable, "-m", "labkit.cli", "hosts", "down", "--prefix", CLUSTER_PREFIX],
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "removed network namespace lks2-host1" in done.stdout
    left = leftovers(CLUSTER_PREFIX, pids)
    count_leaks(left)
    assert left == []
    assert iptables_rules() == root_rules                         # nothing added to this machine's firewall
    again = subprocess.run([sys.executable, "-m", "labkit.cli", "hosts", "down", "--prefix", CLUSTER_PREFIX],
                           env=env, capture_output=True, text=True, timeout=60)
    assert (again.returncode, again.stdout) == (0, "labkit: no hosts of the set 'lks2' to stop\n")


def iptables_rules() -> list[str]:
    """This machine's (root namespace) rules that could name a set's interfaces or addresses."""
    out = subprocess.run(["iptables-save"], capture_output=True, text=True).stdout
    return sorted(line for line in out.splitlines()
                  if not line.startswith(("#", ":")) and re.search(r"lks2|10\.99\.0\.|10\.98\.0\.", line))


def leftovers(prefix: str, pids: list[int]) -> list[str]:
    found = []
    netns = os.listdir("/run/netns") if os.path.isdir("/run/netns") else []
    found += [f"namespace {ns}" for ns in netns if ns.startswith(f"{prefix}-")]
    found += [f"process {pid}" for pid in pids if system.alive(pid)]
    folder = f"{hosts.STATE_ROOT}/{prefix}"
    found += [f"process {pid} using {folder}" for pid in system.processes_using(folder)]
    found += [f"mount {point}" for point in system.mounts_under(folder)]
    with open("/proc/self/mountinfo") as f:
        found += [f"mount {line.split()[4]}" for line in f if f"/{prefix}-" in line.split()[4]]
    for path in (folder, f"{hosts.STATE_ROOT}/{prefix}.lock"):
        if os.path.exists(path):
            found.append(path)
    links = subprocess.run(["ip", "-o", "link"], capture_output=True, text=True).stdout
    found += [f"link {line.split(':')[1].strip()}" for line in links.splitlines() if prefix in line]
    return found


# == 6. Security defaults ========================================================================
def test_lab_containers_are_never_privileged_and_never_get_the_socket(engine):
    _, client = engine
    lab = Lab(client, name="sec", quiet=True)
    lab.network("front", subnet="10.99.50.0/24")
    made = [lab.container("plain"), lab.container("on-front", networks="front", ports="8080:80"),
            lab.container("on-host", network_mode="host"), lab.container("alone", network_mode="none"),
            lab.container("shares", network_mode="container:plain"),
            lab.container("admin", networks="front", cap_add=["NET_ADMIN", "cap_net_raw"])]
    for c in made:
        attrs = client.api.inspect_container(c.id)
        hc = attrs["HostConfig"]
        assert hc.get("Privileged") is False, c.name
        assert not hc.get("Binds") and not hc.get("Mounts") and not attrs.get("Mounts"), c.name
        assert not hc.get("Devices") and hc.get("PidMode", "") in ("", None) and not hc.get("SecurityOpt"), c.name
        assert set(hc.get("CapAdd") or []) <= set(CAPABILITIES), c.name
        assert "docker.sock" not in json.dumps(attrs), c.name
    assert client.api.inspect_container("admin")["HostConfig"]["CapAdd"] == ["NET_ADMIN", "NET_RAW"]
    lab.reset()


@pytest.mark.parametrize("caps", [["ALL"], ["SYS_ADMIN"], ["CAP_SYS_ADMIN"], ["sys_module"], ["NET_ADMIN", "SYS_PTRACE"],
                                  "ALL", [None], [1]])
def test_dangerous_capabilities_are_refused(caps):
    lab = Lab("sim", name="sec", quiet=True)
    with pytest.raises(BadArgument, match="power over the host"):
        lab.container("c1", cap_add=caps)
    assert lab.history == []


def test_lab_has_no_way_to_ask_for_privileges_or_mounts():
    params = inspect.signature(Lab.container).parameters
    assert not any(p.kind == p.VAR_KEYWORD for p in params.values())
    risky = {"privileged", "volumes", "mounts", "binds", "devices", "pid_mode", "ipc_mode", "security_opt",
             "userns_mode", "volumes_from", "cgroup_parent", "user"}
    assert not risky & set(params)


def test_published_ports_bind_to_localhost_unless_asked(engine):
    _, client = engine
    lab = Lab(client, name="sec", quiet=True)
    lab.container("a1", ports="8081:80")
    lab.container("a2", ports={82: 8082, "83/udp": None})
    lab.container("a3", ports=[84])
    lab.container("a4", ports="0.0.0.0:8085:85")                  # asked for: every address
    bindings = {name: client.api.inspect_container(name)["HostConfig"]["PortBindings"] for name in ("a1", "a2", "a3", "a4")}
    assert {b["HostIp"] for name in ("a1", "a2", "a3") for bs in bindings[name].values() for b in bs} == {"127.0.0.1"}
    assert bindings["a4"] == {"85/tcp": [{"HostIp": "0.0.0.0", "HostPort": "8085"}]}
    p = labkit.panel(lab)
    click(p, "run_container", container_name="a5", container_ports="8086:86")
    assert p.ok and client.api.inspect_container("a5")["HostConfig"]["PortBindings"] == {
        "86/tcp": [{"HostIp": "127.0.0.1", "HostPort": "8086"}]}
    if "labkit.sim=true" not in (client.info().get("Labels") or []):
        # What really listens, in the engine's namespace: 127.0.0.1 only, but for the one asked for.
        netns = f"/run/netns/{PREFIX}-host1"
        listening = subprocess.run(["nsenter", f"--net={netns}", "ss", "-Hltn"], capture_output=True, text=True).stdout
        local = {line.split()[3] for line in listening.splitlines()}
        assert {"127.0.0.1:8081", "127.0.0.1:8082", "127.0.0.1:8086"} <= local, local
        assert not {"0.0.0.0:8081", "*:8081", "0.0.0.0:8082", "[::]:8081"} & local
        assert "0.0.0.0:8085" in local
    lab.reset()


def test_host_commands_are_argument_lists_never_shell_lines():
    """No shell anywhere in labkit: no shell=True, os.system, os.popen, eval or exec; commands
    given to subprocess are lists (or tuples), never a string."""
    problems = []
    for path in sorted((ROOT / "labkit").rglob("*.py")):
        tree = ast.parse(path.read_text(), str(path))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = ast.unparse(node.func)
            where = f"{path.relative_to(ROOT)}:{node.lineno}"
            if any(k.arg == "shell" and not (isinstance(k.value, ast.Constant) and k.value.value is False)
                   for k in node.keywords):
                problems.append(f"{where}: shell= in {name}")
            if name in ("os.system", "os.popen", "eval", "exec", "subprocess.getoutput",
                        "subprocess.getstatusoutput", "pty.spawn") or name.startswith("os.exec") or name.startswith("os.spawn"):
                problems.append(f"{where}: {name}")
            if name.startswith("subprocess.") and node.args and isinstance(node.args[0], (ast.Constant, ast.JoinedStr)):
                problems.append(f"{where}: {name} given a string")
    assert problems == []


@pytest.mark.parametrize("make", [
    lambda: hosts.start_hosts(1, prefix="../../etc"), lambda: hosts.stop_hosts("lk;reboot"),
    lambda: hosts.fresh_engine("$(id)"), lambda: hosts.list_hosts("LK"), lambda: hosts.EngineHost("../x", 1),
    lambda: hosts.EngineHost("lks", 0), lambda: hosts.EngineHost("lks", "1; rm -rf /"),
    lambda: labkit.cluster(2, engine="docker", prefix="a b"),
])
def test_bad_names_are_refused_before_any_command_runs(monkeypatch, make):
    def refuse(*args, **kwargs):
        raise AssertionError(f"a command would run: {args}")
    monkeypatch.setattr(subprocess, "run", refuse)
    monkeypatch.setattr(subprocess, "Popen", refuse)
    monkeypatch.setattr(hosts, "_locked", refuse)
    with pytest.raises(LabkitError, match="is not valid"):
        make()


def test_the_docs_say_socket_access_is_root_access():
    readme, safety = (ROOT / "README.md").read_text(), (ROOT / "docs" / "safety.md").read_text()
    assert "an engine's socket is root access" in readme and "(docs/safety.md)" in readme
    assert re.search(r"access to `/var/run/docker.sock`.*is root access", safety, re.DOTALL)

