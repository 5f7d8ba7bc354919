"""A fresh clone to the first drawn graph: what a newcomer waits for (target: 20 s or less).

    python bench/fresh_clone.py [--repo PATH] [--engine sim|auto] [--cold] [--keep]

Times, from an empty folder: `git clone` of the repository (its committed HEAD); `./run.sh lab
--no-browser` in the clone (the virtual environment made and filled, labkit's engine chosen,
JupyterLab started) until JupyterLab answers; then a kernel started through JupyterLab's own API
(as the browser does) running notebook 00's code cells in order until one shows a drawing (an HTML
output with the graph's frame). Prints each phase and the total against the target.

The installers' caches (uv's, pip's, and the copy of uv run.sh keeps in ~/.cache/labkit) are the
user's own, as on a machine where the lab was installed before, unless --cold: then they start
empty and every package is downloaded. JupyterLab
gets its own empty settings, runtime and workspace folders (a newcomer has none). The server and
its kernels are stopped, and the clone removed (unless --keep), at the end.

This script runs with any Python that has tornado (the shared venv's: it is JupyterLab's server
library); the clone gets its own environment from run.sh.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid

TARGET = 20.0
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NOTEBOOK = "notebooks/00-start-here.ipynb"
SERVER_TIMEOUT = 600.0   # s: a cold install downloads JupyterLab
CELL_TIMEOUT = 120.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str, token: str, method: str = "GET", body: dict | None = None):
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))   # loopback: no proxy
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method,
                                     headers={"Authorization": f"token {token}", "Content-Type": "application/json"})
    with opener.open(request, timeout=10) as answer:
        text = answer.read()
    return json.loads(text) if text else None


STEPS: list[tuple[float, str]] = []   # when run.sh said what it does ("== ...", "labkit: ...")


def record_steps(stream, log_path: str, started: float) -> None:
    """Copy run.sh's output to its log, noting when each of its own lines came."""
    with open(log_path, "wb") as log:
        for raw in stream:
            log.write(raw)
            log.flush()
            line = raw.decode("utf-8", "replace").strip()
            if line.startswith(("== ", "labkit: ")) or "Jupyter Server" in line and "is running" in line:
                STEPS.append((time.monotonic() - started, line[:100]))


def wait_for_server(url: str, token: str, process: subprocess.Popen, log_path: str) -> None:
    deadline = time.monotonic() + SERVER_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            with open(log_path, errors="replace") as f:
                raise SystemExit(f"./run.sh lab exited with status {process.returncode}:\n{f.read()[-3000:]}")
        try:
            get(f"{url}/api/status", token)
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"JupyterLab did not answer within {SERVER_TIMEOUT:.0f} s (log: {log_path})")


def run_until_drawing(url: str, token: str, cells: list[str]) -> tuple[float, int]:
    """Start a kernel through the server and run cells in order until one displays a drawing.
    Returns (seconds until the kernel answered, number of cells run)."""
    from tornado.ioloop import IOLoop
    from tornado.websocket import websocket_connect

    kernel = get(f"{url}/api/kernels", token, "POST", {"name": "python3"})
    started = time.monotonic()

    async def talk() -> tuple[float, int]:
        ws = await websocket_connect(f"{url.replace('http', 'ws')}/api/kernels/{kernel['id']}/channels?token={token}")
        session = uuid.uuid4().hex
        answered = None
        for n, code in enumerate(cells, 1):
            msg_id = uuid.uuid4().hex
            await ws.write_message(json.dumps({
                "header": {"msg_id": msg_id, "username": "bench", "session": session, "msg_type": "execute_request",
                           "version": "5.3", "date": ""},
                "parent_header": {}, "metadata": {}, "channel": "shell", "buffers": [],
                "content": {"code": code, "silent": False, "store_history": True, "user_expressions": {},
                            "allow_stdin": False, "stop_on_error": True}}))
            drawn = idle = False
            deadline = time.monotonic() + CELL_TIMEOUT
            while not idle:
                if time.monotonic() > deadline:
                    raise SystemExit(f"cell {n} did not finish within {CELL_TIMEOUT:.0f} s")
                raw = await ws.read_message()
                if raw is None:
                    raise SystemExit("the kernel's connection closed")
                if not isinstance(raw, str):
                    continue
                msg = json.loads(raw)
                if msg.get("parent_header", {}).get("msg_id") != msg_id:
                    continue
                answered = answered or time.monotonic() - started
                kind, content = msg["msg_type"], msg["content"]
                if kind == "error":
                    raise SystemExit(f"cell {n} failed: {content['ename']}: {content['evalue']}")
                if kind in ("display_data", "execute_result") and "<iframe" in content["data"].get("text/html", ""):
                    drawn = True
                idle = kind == "status" and content["execution_state"] == "idle"
            if drawn:
                ws.close()
                return answered, n
        raise SystemExit(f"none of the {len(cells)} code cells of {NOTEBOOK} drew a graph")

    return IOLoop.current().run_sync(talk)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repo", default=ROOT, help="the repository to clone (default: this checkout)")
    parser.add_argument("--engine", default="sim", choices=("sim", "auto", "docker"),
                        help="LABKIT_ENGINE for the lab (default: sim, as on a laptop without Docker)")
    parser.add_argument("--cold", action="store_true", help="empty installer caches: every package is downloaded")
    parser.add_argument("--keep", action="store_true", help="keep the clone (printed) instead of removing it")
    args = parser.parse_args()

    work = tempfile.mkdtemp(prefix="labkit-fresh-")
    clone = os.path.join(work, "labkit")
    token, port = secrets.token_hex(16), free_port()
    url = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LABKIT_", "JUPYTER", "VIRTUAL_ENV", "PYTHONPATH"))}
    env.pop("DOCKER_HOST", None)
    env["LABKIT_ENGINE"] = args.engine
    for variable, sub in (("JUPYTER_CONFIG_DIR", "config"), ("JUPYTER_RUNTIME_DIR", "runtime"),
                          ("JUPYTERLAB_SETTINGS_DIR", "settings"), ("JUPYTERLAB_WORKSPACES_DIR", "workspaces"),
                          ("IPYTHONDIR", "ipython")):
        env[variable] = os.path.join(work, sub)
    if args.cold:
        env["UV_CACHE_DIR"] = os.path.join(work, "uv-cache")
        env["PIP_CACHE_DIR"] = os.path.join(work, "pip-cache")
        env["XDG_CACHE_HOME"] = os.path.join(work, "cache")   # run.sh's own copy of uv too
    phases: list[tuple[str, float]] = []
    server = None
    log_path = os.path.join(work, "run.log")
    t0 = time.monotonic()
    try:
        subprocess.run(["git", "clone", "--quiet", "--no-hardlinks", args.repo, clone], check=True, env=env)
        phases.append(("git clone", time.monotonic() - t0))
        server = subprocess.Popen(
            ["./run.sh", "lab", "--no-browser", "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
             "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}"],
            cwd=clone, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            start_new_session=True)
        mark = time.monotonic()
        steps = threading.Thread(target=record_steps, args=(server.stdout, log_path, mark), daemon=True)
        steps.start()
        wait_for_server(url, token, server, log_path)
        phases.append(("./run.sh lab until JupyterLab answers", time.monotonic() - mark))
        phases += [(f"    {seconds:5.1f} s after the start: {line}", None) for seconds, line in STEPS]
        with open(os.path.join(clone, NOTEBOOK)) as f:
            cells = ["".join(c["source"]) for c in json.load(f)["cells"] if c["cell_type"] == "code"]
        mark = time.monotonic()
        answered, ran = run_until_drawing(url, token, cells)
        phases.append((f"kernel up ({answered:.1f} s) and {ran} cells of notebook 00 until a drawing",
                       time.monotonic() - mark))
        total = time.monotonic() - t0
    finally:
        if server is not None:
            try:
                get(f"{url}/api/shutdown", token, "POST")
            except OSError:
                pass
            try:
                server.wait(20)
            except subprocess.TimeoutExpired:
                pass
            try:
                os.killpg(server.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            server.wait()
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)

    caches = "empty installer caches (--cold)" if args.cold else "the user's installer caches"
    print(f"fresh clone of {args.repo} to the first drawn graph, LABKIT_ENGINE={args.engine}, {caches}:")
    for what, seconds in phases:
        print(f"  {seconds:6.1f} s  {what}" if seconds is not None else f"           {what}")
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(f"  {used.ru_utime + used.ru_stime:6.1f} s  of CPU used by git, run.sh, JupyterLab and the kernel "
          f"(the machine's load when this ran: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")
    print(f"  {total:6.1f} s  total; target {TARGET:.0f} s: {total / TARGET:.2f} of the target "
          f"({'met' if total <= TARGET else 'NOT met'})")
    if args.keep:
        print(f"  the clone: {clone} (run.sh's output: {log_path})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
