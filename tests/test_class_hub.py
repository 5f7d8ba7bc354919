"""The class's hub (class/jupyterhub_config.py), started as an instructor would, on loopback.

Two learners log in with the shared password (the hub's login form), each asks the hub's REST API
for a token and a server, starts a kernel through the server's REST API and runs notebook 00's
first cells over the kernel's websocket, as JupyterLab does. Each has a simulated engine of their
own. The instructor logs in with the instructor's password and sees both. Then the servers and
the hub are stopped: no process of the class is left (every one carries the class's folder in its
environment, so /proc tells), nor any engine socket.

It needs JupyterHub (.[class]) and its proxy (configurable-http-proxy from npm: ./run.sh installs
it into the environment). Without them it skips, except under CI=true, where it fails.
"""
from __future__ import annotations

import asyncio
import datetime
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import uuid

import nbformat
import pytest
import requests

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CONFIG = os.path.join(ROOT, "class", "jupyterhub_config.py")
NB00 = os.path.join(ROOT, "notebooks", "00-start-here.ipynb")
LEARNERS = ("alice", "bob")
PASSWORD = "workshop-2024"
ADMIN_PASSWORD = "instructor-" + "x" * 32
FIRST_CELLS = 3          # notebook 00's first code cells: the engine, the doctor, the networks
WAIT = 120               # seconds for a server to start (a loaded CI machine)


def missing() -> str | None:
    try:
        import jupyterhub  # noqa: F401
    except ImportError:
        return "JupyterHub is not installed: pip install -e '.[class]'"
    if not os.path.exists(os.path.join(sys.prefix, "bin", "configurable-http-proxy")) and \
            subprocess.run(["sh", "-c", "command -v configurable-http-proxy"], capture_output=True).returncode:
        return "JupyterHub's proxy is not installed: ./run.sh installs it (npm, class/proxy/)"
    return None


@pytest.fixture(scope="module")
def needs_hub():
    reason = missing()
    if reason:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true, but {reason}", pytrace=False)
        pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def processes_of(marker: str) -> list[str]:
    """Processes whose environment holds `marker` (the class's folder): "pid cmdline"."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/environ", "rb") as f:
                if marker.encode() not in f.read():
                    continue
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                command = f.read().replace(b"\0", b" ").decode(errors="replace")
            found.append(f"{pid} {command[:120]}")
        except OSError:
            continue
    return found


class Hub:
    """A hub started from class/jupyterhub_config.py in `folder`, on loopback ports."""

    def __init__(self, folder: str):
        self.folder = folder
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "LABKIT_CLASS_DIR": folder, "LABKIT_CLASS_URL": self.url,
               "LABKIT_CLASS_PASSWORD": PASSWORD, "LABKIT_CLASS_ADMIN_PASSWORD": ADMIN_PASSWORD,
               "PYTHONPATH": ROOT + (os.pathsep + os.environ["PYTHONPATH"] if os.environ.get("PYTHONPATH") else "")}
        env.pop("DOCKER_HOST", None)
        env.pop("LABKIT_ENGINE", None)
        self.log = open(os.path.join(folder, "hub.log"), "wb")
        self.proc = subprocess.Popen(
            [os.path.join(sys.prefix, "bin", "jupyterhub"), "-f", CONFIG,
             f"--JupyterHub.hub_bind_url=http://127.0.0.1:{free_port()}",
             f"--ConfigurableHTTPProxy.api_url=http://127.0.0.1:{free_port()}"],
            cwd=folder, env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + WAIT
        while True:
            try:
                if requests.get(self.url + "/hub/api/", timeout=2).ok:
                    break
            except requests.ConnectionError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"the hub did not answer at {self.url}:\n{self.tail()}")
            time.sleep(0.3)

    def tail(self) -> str:
        with open(os.path.join(self.folder, "hub.log"), encoding="utf-8", errors="replace") as f:
            return f.read()[-4000:]

    def login(self, name: str, password: str) -> requests.Session:
        """Log in through the hub's form, as a browser does; the session holds the hub's cookie."""
        s = requests.Session()
        page = s.get(self.url + "/hub/login", timeout=30)
        xsrf = re.search(r'name="_xsrf" value="([^"]+)"', page.text).group(1)
        r = s.post(self.url + "/hub/login", data={"username": name, "password": password, "_xsrf": xsrf},
                   allow_redirects=False, timeout=30)
        assert r.status_code == 302 and "/hub/login" not in r.headers["location"], \
            f"{name} could not log in ({r.status_code})"
        s.headers["X-XSRFToken"] = s.cookies.get("_xsrf")
        return s

    def token(self, session: requests.Session, name: str) -> dict:
        """A token of the logged-in user, asked for through the hub's REST API."""
        r = session.post(f"{self.url}/hub/api/users/{name}/tokens", json={"note": "test", "expires_in": 900},
                         timeout=30)
        assert r.status_code == 201, r.text
        return {"Authorization": f"token {r.json()['token']}"}

    def start_server(self, name: str, auth: dict) -> None:
        r = requests.post(f"{self.url}/hub/api/users/{name}/server", headers=auth, timeout=WAIT)
        assert r.status_code in (201, 202), r.text
        deadline = time.monotonic() + WAIT
        while not (requests.get(f"{self.url}/hub/api/users/{name}", headers=auth, timeout=30)
                   .json()["servers"].get("", {}).get("ready")):
            assert time.monotonic() < deadline, f"{name}'s server did not start:\n{self.tail()}"
            time.sleep(0.5)

    def stop_server(self, name: str, auth: dict) -> None:
        r = requests.delete(f"{self.url}/hub/api/users/{name}/server", headers=auth, timeout=WAIT)
        assert r.status_code in (202, 204), r.text
        deadline = time.monotonic() + WAIT
        while requests.get(f"{self.url}/hub/api/users/{name}", headers=auth, timeout=30).json()["servers"]:
            assert time.monotonic() < deadline, f"{name}'s server did not stop"
            time.sleep(0.5)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)
        self.log.close()


async def run_cells(url: str, auth: dict, kernel_id: str, sources: list[str]) -> list[dict]:
    """Execute each source in the kernel over its websocket (Jupyter's messaging protocol, as
    JupyterLab speaks it); per source, {"status", "text"} (streams and text/plain results)."""
    from tornado.httpclient import HTTPRequest
    from tornado.websocket import websocket_connect

    ws_url = url.replace("http://", "ws://") + f"/api/kernels/{kernel_id}/channels"
    conn = await websocket_connect(HTTPRequest(ws_url, headers=auth, request_timeout=60))
    session, results = uuid.uuid4().hex, []
    try:
        for source in sources:
            msg_id = uuid.uuid4().hex
            conn.write_message(json.dumps({
                "header": {"msg_id": msg_id, "msg_type": "execute_request", "username": "test", "session": session,
                           "date": datetime.datetime.now(datetime.timezone.utc).isoformat(), "version": "5.3"},
                "parent_header": {}, "metadata": {}, "channel": "shell", "buffers": [],
                "content": {"code": source, "silent": False, "store_history": True, "user_expressions": {},
                            "allow_stdin": False, "stop_on_error": True}}))
            text, status, idle = [], None, False
            while status is None or not idle:
                raw = await asyncio.wait_for(conn.read_message(), WAIT)
                assert raw is not None, "the kernel's websocket closed"
                msg = json.loads(raw)
                if msg.get("parent_header", {}).get("msg_id") != msg_id:
                    continue
                kind, content = msg["msg_type"], msg["content"]
                if kind == "stream":
                    text.append(content["text"])
                elif kind in ("execute_result", "display_data"):
                    text.append(content["data"].get("text/plain", "") + "\n")
                elif kind == "error":
                    text.append(f"{content['ename']}: {content['evalue']}\n")
                elif kind == "execute_reply":
                    status = content["status"]
                elif kind == "status" and content["execution_state"] == "idle":
                    idle = True
            results.append({"status": status, "text": "".join(text)})
    finally:
        conn.close()
    return results


def first_cells() -> list[nbformat.NotebookNode]:
    nb = nbformat.read(NB00, as_version=4)
    return [cell for cell in nb.cells if cell.cell_type == "code"][:FIRST_CELLS]


def stored_text(cell) -> str:
    return "".join(out.get("text", "") for out in cell.outputs if out.get("output_type") == "stream")


def test_a_class_hub_with_two_learners_leaves_nothing(needs_hub, tmp_path):
    folder = str(tmp_path / "class")
    os.makedirs(folder)
    cells = first_cells()
    hub = Hub(folder)
    try:
        auths = {}
        for name in LEARNERS:
            auths[name] = hub.token(hub.login(name, PASSWORD), name)
            hub.start_server(name, auths[name])
        for name in LEARNERS:
            home = os.path.join(folder, "homes", name)
            assert sorted(f for f in os.listdir(home) if f.endswith((".ipynb", ".md"))) == \
                sorted(f for f in os.listdir(os.path.join(ROOT, "notebooks")) if f.endswith((".ipynb", ".md")))
            server = f"{hub.url}/user/{name}"
            kernel = requests.post(server + "/api/kernels", headers=auths[name], json={"name": "python3"}, timeout=60)
            assert kernel.status_code == 201, kernel.text
            said = asyncio.run(run_cells(server, auths[name], kernel.json()["id"], [c.source for c in cells] + [
                "import os; print(os.environ['DOCKER_HOST']); print(sorted(c.name for c in client.containers.list()))",
                "lab = labkit.Lab(client, name='hubtest'); _ = lab.container(f'only-{os.environ[\"USER\"]}'); "
                "print(sorted(c.name for c in client.containers.list()))"]))
            assert [s["status"] for s in said] == ["ok"] * (len(cells) + 2), said
            assert "This lab talks to labkit's simulated Docker engine" in said[0]["text"]
            assert said[2]["text"] == stored_text(cells[2])        # the networks, as the notebook shows them
            assert said[3]["text"] == f"unix://{home}/.labkit/engine.sock\n[]\n"
            assert said[4]["text"] == f"['only-{name}']\n"       # an engine of their own
            r = requests.delete(f"{server}/api/kernels/{kernel.json()['id']}", headers=auths[name], timeout=60)
            assert r.status_code == 204

        instructor = hub.login("instructor", ADMIN_PASSWORD)
        users = instructor.get(hub.url + "/hub/api/users", timeout=30).json()
        assert {u["name"] for u in users} >= set(LEARNERS) | {"instructor"}
        assert {u["name"] for u in users if u["admin"]} == {"instructor"}
        with pytest.raises(AssertionError, match="eve could not log in"):
            hub.login("eve", "wrong-password")

        hub.stop_server("alice", auths["alice"])
        assert not os.path.exists(os.path.join(folder, "homes", "alice", ".labkit", "engine.sock"))
        running = processes_of(folder)    # what the check below must find gone: the hub's, bob's
        for what in ("jupyterhub -f", "configurable-http-proxy", "jupyterhub-singleuser", "sim serve --socket"):
            assert any(what in p for p in running), f"no process '{what}' among:\n" + "\n".join(running)
        assert not any("/homes/alice/" in p for p in running)
    finally:
        hub.stop()   # stops bob's server and engine too (cleanup_servers)
    deadline = time.monotonic() + 30
    while processes_of(folder) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert processes_of(folder) == [], f"left running:\n" + "\n".join(processes_of(folder)) + "\n" + hub.tail()
    for name in LEARNERS:
        assert not os.path.exists(os.path.join(folder, "homes", name, ".labkit", "engine.sock"))
    assert not os.path.exists(os.path.join(folder, "jupyterhub-proxy.pid"))
