"""What a learner sees, checked in a real browser: JupyterLab in headless Chromium.

JupyterLab is started on 127.0.0.1 (a random port and token) over a temporary folder that holds a
copy of notebooks/00-start-here.ipynb and a throwaway notebook with the control panel, so nothing
in notebooks/ is touched (JupyterLab saves what it runs). Debian's chromium is driven by Playwright
(the Python package only: no downloaded browser). The test

1. opens notebook 00 by its URL, runs all cells, and finds no error output;
2. opens the panel notebook (`labkit.panel(labkit.Lab(engine="sim", name="browser"))`), runs it,
   creates a network and runs a container by typing into the panel and clicking its buttons, and
   checks the drawing: in the frame `iframe[title="labkit drawing"]`, vis-network's
   `network.body.data.nodes` holds the host, the network and the container, and the canvas is
   painted;
3. proves that no request left the machine, seen three ways: every request and WebSocket of the
   page as Playwright sees them (any not on loopback is refused); a refusing proxy on loopback
   that every non-loopback request of the browser goes to (it also gets what Playwright does not
   see, such as images in sandboxed frames, and Chromium's own requests); and Chromium's NetLog,
   read after the browser has exited. Only loopback, data:, blob: and about: addresses are allowed.
   Chromium's own services (sign-in, component updates, autofill) are pointed at a sink on
   loopback. The page must also never ask the server for news or updates (the two endpoints that
   make the Jupyter server itself fetch from the internet).

The screenshot (the panel and the drawn graph) is saved as artifacts/browser-panel.png, the one of
notebook 00 as artifacts/browser-notebook00.png, and the timings and requests in
artifacts/browser-requests.txt.

Without chromium or playwright the tests skip, except in CI (CI=true or LABKIT_REQUIRE_DOCKER=1),
where they fail. Set LABKIT_CHROMIUM to use another Chromium binary.
"""
from __future__ import annotations

import ipaddress
import json
import os
import secrets
import shutil
import signal
import socket
import socketserver
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ARTIFACTS = os.path.join(ROOT, "artifacts")
NOTEBOOK_00 = "00-start-here.ipynb"
PANEL_NOTEBOOK = "browser-panel.ipynb"
PANEL_SOURCE = 'import labkit\nlab = labkit.Lab(engine="sim", name="browser")\nlabkit.panel(lab)'
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                  "--disable-background-networking", "--disable-component-update", "--no-first-run",
                  "--disable-sync", "--disable-quic", "--disable-default-apps", "--disable-extensions"]
# Chromium's own services that call home even so: sign-in's account list, the component updater, and
# autofill's field types (asked for the panel's text fields). They are pointed at a sink on loopback
# (SERVICE_FLAGS, with its URL). No --disable-features here: Chromium reads only the last one, and
# Playwright's own (network time, hints, ...) must stay.
SERVICE_FLAGS = ("--gaia-url={sink}/", "--component-updater=url-source={sink}/", "--autofill-server-url={sink}/")
# Endpoints that make the Jupyter server fetch from the internet on the page's behalf.
FETCHING_ENDPOINTS = ("/lab/api/news", "/lab/api/update")
IN_CI = os.environ.get("CI") == "true" or os.environ.get("LABKIT_REQUIRE_DOCKER") == "1"
SERVER_TIMEOUT = 60      # s for JupyterLab to answer
RUN_TIMEOUT = 120_000    # ms for a notebook's cells to run
DRAW_TIMEOUT = 30_000    # ms for the graph to show what was made

pytestmark = pytest.mark.browser


def skip_or_fail(reason: str):
    if IN_CI:
        pytest.fail(f"CI needs the browser test, but {reason}", pytrace=False)
    pytest.skip(reason)


def chromium_path() -> str | None:
    wanted = os.environ.get("LABKIT_CHROMIUM")
    if wanted:
        return wanted if os.access(wanted, os.X_OK) else None
    return shutil.which("chromium") or shutil.which("chromium-browser")


def is_local(url: str) -> bool:
    """Whether fetching url stays on this machine: loopback, or no network at all."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme in ("data", "blob", "about", "chrome", "chrome-extension", "chrome-untrusted", "devtools"):
        return True   # no network: in the page, or the browser's own
    if parts.scheme not in ("http", "https", "ws", "wss"):
        return False
    host = parts.hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


# -- JupyterLab on loopback ---------------------------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _notebook(source: str) -> dict:
    return {"nbformat": 4, "nbformat_minor": 5,
            "metadata": {"kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python",
                                        "name": "python3"},
                         "language_info": {"name": "python"}},
            "cells": [{"cell_type": "code", "id": "panel", "metadata": {}, "execution_count": None,
                       "outputs": [], "source": source}]}


class LabServer:
    """`jupyter lab` on 127.0.0.1 over a temporary folder, with its own settings and workspaces."""

    def __init__(self, folder: str):
        self.folder = folder
        self.port = _free_port()
        self.token = secrets.token_hex(16)
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = os.path.join(folder, "jupyter.log")
        work = self.work = os.path.join(folder, "work")   # JupyterLab's root folder
        os.makedirs(work)
        shutil.copy(os.path.join(ROOT, "notebooks", NOTEBOOK_00), work)
        with open(os.path.join(work, PANEL_NOTEBOOK), "w") as f:
            json.dump(_notebook(PANEL_SOURCE), f)
        env = dict(os.environ, LABKIT_ENGINE="sim",
                   PYTHONPATH=os.pathsep.join(p for p in (ROOT, os.environ.get("PYTHONPATH")) if p))
        app_settings = os.path.join(folder, "app-settings")
        os.makedirs(app_settings)
        shutil.copy(os.path.join(ROOT, "binder", "overrides.json"), app_settings)
        for variable, sub in (("JUPYTER_CONFIG_DIR", "config"), ("JUPYTER_RUNTIME_DIR", "runtime"),
                              ("JUPYTERLAB_SETTINGS_DIR", "settings"),
                              ("JUPYTERLAB_WORKSPACES_DIR", "workspaces"), ("IPYTHONDIR", "ipython")):
            env[variable] = os.path.join(folder, sub)
        command = [sys.executable, "-m", "jupyterlab", "--no-browser",
                   "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={self.port}", "--ServerApp.port_retries=0",
                   f"--IdentityProvider.token={self.token}", f"--ServerApp.root_dir={work}",
                   "--LabApp.expose_app_in_browser=True",
                   "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
                   # the settings ./run.sh and binder/postBuild give JupyterLab (no news question)
                   f"--LabApp.app_settings_dir={app_settings}"]
        if os.geteuid() == 0:
            command.append("--allow-root")
        self.log = open(self.log_path, "wb")   # noqa: SIM115 -- the server's output, until stop()
        # A session of its own: the kernels it starts can be ended with it (see stop).
        self.process = subprocess.Popen(command, cwd=work, env=env, stdout=self.log,
                                        stderr=subprocess.STDOUT, start_new_session=True)

    def _get(self, path: str, method: str = "GET"):
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))   # loopback: no proxy
        request = urllib.request.Request(self.url + path, method=method,
                                         headers={"Authorization": f"token {self.token}"})
        return opener.open(request, timeout=5)

    def wait_until_up(self) -> float:
        started = time.monotonic()
        while time.monotonic() - started < SERVER_TIMEOUT:
            if self.process.poll() is not None:
                raise RuntimeError(f"jupyter lab exited with status {self.process.returncode}:\n{self.tail()}")
            try:
                with self._get("/api/status") as answer:
                    if answer.status == 200:
                        return time.monotonic() - started
            except OSError:
                pass
            time.sleep(0.25)
        raise RuntimeError(f"jupyter lab did not answer on {self.url} within {SERVER_TIMEOUT} s:\n{self.tail()}")

    def tail(self, lines: int = 30) -> str:
        self.log.flush()
        with open(self.log_path, "rb") as f:
            return b"\n".join(f.read().splitlines()[-lines:]).decode("utf-8", "replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            try:   # the server's own shutdown ends its kernels too
                self._get("/api/shutdown", method="POST").close()
            except OSError:
                pass
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                pass
        # Whatever of its session is left (a kernel that did not stop), by its process group.
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait(timeout=10)
        self.log.close()


@pytest.fixture(scope="module")
def browser_tools():
    """Playwright's sync API and the path of Debian's chromium (else skip, or fail in CI)."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        skip_or_fail("the playwright Python package is not installed (pip install -e '.[test]')")
    path = chromium_path()
    if path is None:
        skip_or_fail("no chromium here (apt-get install chromium)")
    return sync_playwright, path


@pytest.fixture(scope="module")
def lab_server(browser_tools):
    folder = tempfile.mkdtemp(prefix="labkit-browser-")
    server = LabServer(folder)
    try:
        server.up_seconds = server.wait_until_up()
        yield server
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)


class Recorder(socketserver.ThreadingTCPServer):
    """A server on loopback that records the first line of each request and answers 403.

    As the browser's proxy (`--proxy-server`) it gets every request for an address that is not
    loopback (Chromium sends loopback directly), from any frame or process of the browser, seen by
    Playwright or not: "CONNECT host:443 ..." or "GET http://host/...". Nothing reaches the network
    through it. As the sink for Chromium's own services it shows they stayed on the machine."""

    daemon_threads = True

    def __init__(self, name: str):
        self.asked: list[str] = []
        super().__init__(("127.0.0.1", 0), _Record)
        self.url = f"http://127.0.0.1:{self.server_address[1]}"
        self.thread = threading.Thread(target=self.serve_forever, name=name, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.shutdown()
        self.server_close()


class _Record(socketserver.StreamRequestHandler):
    def handle(self) -> None:
        self.request.settimeout(5)
        try:
            line = self.rfile.readline(8192).decode("latin-1").strip()
            if line:
                self.server.asked.append(line)
            self.wfile.write(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        except OSError:
            pass


def netlog_addresses(path: str) -> tuple[list[str], list[str]]:
    """The URLs Chromium's network service fetched and the host names it resolved, from its
    NetLog (`--log-net-log`): every request of every frame and process, Chromium's own included."""
    with open(path, encoding="utf-8", errors="replace") as f:
        text = f.read()
    try:
        events = json.loads(text).get("events", [])
    except ValueError:   # cut short (the browser died): what the lines hold
        events = []
        for line in text.splitlines():
            try:
                events.append(json.loads(line.strip().rstrip(",")))
            except ValueError:
                pass
    urls, hosts = set(), set()
    for event in events:
        params = event.get("params") if isinstance(event, dict) else None
        if not isinstance(params, dict):
            continue
        if isinstance(params.get("url"), str) and params["url"]:
            urls.add(params["url"])
        if isinstance(params.get("host"), str) and params["host"]:
            hosts.add(params["host"])
    return sorted(urls), sorted(hosts)


def _is_local_host(host: str) -> bool:
    """Whether a NetLog host ("127.0.0.1", "localhost:8888", "http://127.0.0.1:9") is this machine."""
    return is_local(host if "://" in host else f"http://{host}")


class Session:
    """The browser, its page, and what it asked for, seen three ways: Playwright's requests and
    WebSockets (any not on loopback refused), the refusing proxy, and Chromium's NetLog."""

    def __init__(self, sync_playwright, chromium: str, folder: str):
        self.urls: list[str] = []
        self.refused: list[str] = []
        self.timings: dict[str, float] = {}
        self.proxy = Recorder("refusing-proxy")
        self.sink = Recorder("chromium-services-sink")
        self.netlog = os.path.join(folder, "netlog.json")
        self.netlog_summary = "Chromium's NetLog: not read"
        self.closed = False
        self._playwright = sync_playwright().start()
        args = CHROMIUM_FLAGS + [flag.format(sink=self.sink.url) for flag in SERVICE_FLAGS]
        args += [f"--proxy-server={self.proxy.url}", f"--log-net-log={self.netlog}"]
        self.browser = self._playwright.chromium.launch(executable_path=chromium, headless=True, args=args)
        self.context = self.browser.new_context(viewport={"width": 1280, "height": 1200},
                                                service_workers="block")
        self.context.route("**/*", self._route)
        self.context.on("request", lambda r: self.urls.append(r.url))
        self.page = self.context.new_page()
        self.page.on("websocket", lambda ws: self.urls.append(ws.url))
        self.page.set_default_timeout(RUN_TIMEOUT)

    def _route(self, route) -> None:
        url = route.request.url
        if is_local(url):
            route.continue_()
        else:
            self.refused.append(url)
            route.abort("blockedbyclient")

    def remote(self) -> list[str]:
        """What the page or the browser asked for beyond this machine, so far."""
        return sorted({u for u in self.urls + self.refused if not is_local(u)}) + list(self.proxy.asked)

    def fetching(self) -> list[str]:
        return sorted({u for u in self.urls if urllib.parse.urlsplit(u).path.startswith(FETCHING_ENDPOINTS)})

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        try:
            self.context.close()
            self.browser.close()     # the NetLog is complete once the browser has exited
        finally:
            self._playwright.stop()
            self.proxy.stop()
            self.sink.stop()

    def save_log(self, token: str) -> None:
        os.makedirs(ARTIFACTS, exist_ok=True)
        lines = [f"{what}: {seconds:.1f} s" for what, seconds in self.timings.items()]
        lines += [(f"page requests and websockets: {len(self.urls)}, refused (not loopback): "
                   f"{len(self.refused)}; at the refusing proxy: {len(self.proxy.asked)}; Chromium's own "
                   f"services, kept on loopback: {len(self.sink.asked)}"), ""]
        lines += [u.replace(token, "TOKEN") for u in self.urls]
        lines += [f"REFUSED {u}" for u in self.refused] + [f"AT THE PROXY {line}" for line in self.proxy.asked]
        lines += [f"CHROMIUM SERVICE (kept on loopback) {line.split('?')[0][:60]}" for line in self.sink.asked]
        lines += [self.netlog_summary]
        with open(os.path.join(ARTIFACTS, "browser-requests.txt"), "w") as f:
            f.write("\n".join(lines) + "\n")


@pytest.fixture(scope="module")
def session(browser_tools, lab_server):
    sync_playwright, chromium = browser_tools
    s = Session(sync_playwright, chromium, lab_server.folder)
    s.timings["jupyter lab answers"] = lab_server.up_seconds
    try:
        yield s
    finally:
        s.close()
        s.save_log(lab_server.token)


# -- in the page --------------------------------------------------------------------------------------
OPEN_AND_RUN = """async (path) => {
  const app = window.jupyterapp;
  let widget = null;
  for (let i = 0; i < 400 && !widget; i++) {       // opened by the URL, or open it now
    widget = app.shell.currentWidget;
    if (!widget || !widget.context || widget.context.path !== path) { widget = null; }
    if (!widget && i === 200) { await app.commands.execute('docmanager:open', {path}); }
    if (!widget) { await new Promise(r => setTimeout(r, 100)); }
  }
  if (!widget) { return {error: 'the notebook ' + path + ' did not open'}; }
  await widget.context.ready;
  await widget.sessionContext.ready;
  app.shell.activateById(widget.id);
  await app.commands.execute('notebook:run-all-cells');
  const cells = [];
  for (let i = 0; i < 600; i++) {                   // until every code cell ran and the kernel idles
    const kernel = widget.sessionContext.session && widget.sessionContext.session.kernel;
    cells.length = 0;
    for (const cell of widget.content.widgets) {
      if (cell.model.type !== 'code') { continue; }
      const outputs = cell.model.outputs.toJSON();
      cells.push({count: cell.model.executionCount,
                  errors: outputs.filter(o => o.output_type === 'error').map(o => o.ename + ': ' + o.evalue)});
    }
    if (kernel && kernel.status === 'idle' && cells.every(c => c.count !== null)) { break; }
    await new Promise(r => setTimeout(r, 100));
  }
  const kernel = widget.sessionContext.session && widget.sessionContext.session.kernel;
  return {id: widget.id, kernel: kernel ? kernel.name + ' ' + kernel.status : null, cells};
}"""

GRAPH = """() => {
  if (!window.network || !network.body) { return null; }
  const canvas = document.querySelector('#mynetwork canvas');
  let painted = 0;
  if (canvas && canvas.width && canvas.height) {
    const d = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    for (let i = 3; i < d.length; i += 4) { if (d[i] > 0) { painted++; } }
  }
  return {nodes: network.body.data.nodes.getIds(), edges: network.body.data.edges.getIds(),
          canvas: canvas ? [canvas.width, canvas.height] : null, painted};
}"""


def open_and_run(pg, path: str) -> dict:
    result = pg.evaluate(OPEN_AND_RUN, path)
    assert "error" not in result, result["error"]
    assert result["kernel"] and result["kernel"].endswith("idle"), f"{path}: the kernel is {result['kernel']}"
    assert all(c["count"] is not None for c in result["cells"]), f"{path}: not every cell ran: {result['cells']}"
    errors = [e for c in result["cells"] for e in c["errors"]]
    assert not errors, f"{path}: error output: {errors}"
    return result


def graph_of(pg, panel_id: str) -> dict | None:
    frame_element = pg.locator(f'[id="{panel_id}"] iframe[title="labkit drawing"]').last
    if frame_element.count() == 0:
        return None
    frame = frame_element.element_handle().content_frame()
    return frame.evaluate(GRAPH) if frame is not None else None


def wait_for_graph(pg, panel_id: str, wanted) -> dict:
    """The graph once wanted(graph) holds (polled: each redraw replaces the frame)."""
    deadline = time.monotonic() + DRAW_TIMEOUT / 1000
    graph = None
    while time.monotonic() < deadline:
        try:
            graph = graph_of(pg, panel_id)
        except Exception:   # noqa: BLE001 -- the frame was replaced while we looked: look again
            graph = None
        if graph and wanted(graph):
            return graph
        pg.wait_for_timeout(100)
    raise AssertionError(f"the graph did not show what was made within {DRAW_TIMEOUT} ms; last seen: {graph}")


# -- the tests ----------------------------------------------------------------------------------------
def test_what_counts_as_staying_on_the_machine():
    for url in ("http://127.0.0.1:8888/lab", "ws://localhost:1/api", "http://[::1]/x", "http://127.3.4.5/",
                "data:text/html,x", "blob:http://127.0.0.1/abc", "about:srcdoc"):
        assert is_local(url), url
    for url in ("https://cdn.jsdelivr.net/npm/vis-network", "http://10.0.0.1/", "http://192.168.1.2:8888/",
                "wss://example.org/", "http://localhost.example.org/", "ftp://127.0.0.1/", "http:///x"):
        assert not is_local(url), url
    assert _is_local_host("127.0.0.1") and _is_local_host("localhost:8888") and _is_local_host("[::1]:80")
    assert not _is_local_host("accounts.google.com") and not _is_local_host("10.1.2.3:443")


def test_notebook_00_runs_in_jupyterlab(lab_server, session):
    page = session.page
    started = time.monotonic()
    page.goto(f"{lab_server.url}/lab/tree/{NOTEBOOK_00}?token={lab_server.token}")
    page.wait_for_function("() => window.jupyterapp && window.jupyterapp.shell", timeout=SERVER_TIMEOUT * 1000)
    session.timings["JupyterLab loaded"] = time.monotonic() - started
    ran = time.monotonic()
    result = open_and_run(page, NOTEBOOK_00)
    session.timings[f"notebook 00 ran ({len(result['cells'])} code cells)"] = time.monotonic() - ran
    os.makedirs(ARTIFACTS, exist_ok=True)
    page.screenshot(path=os.path.join(ARTIFACTS, "browser-notebook00.png"))
    assert page.locator(".jp-Dialog").count() == 0, "a dialog is open (a kernel to select?)"
    assert page.get_by_text("Jupyter news").count() == 0, "binder/overrides.json should keep the news question away"
    assert session.remote() == [], f"requests that would leave the machine: {session.remote()}"


def test_panel_button_draws_the_graph(lab_server, session):
    page = session.page
    if not page.url.startswith(lab_server.url):
        page.goto(f"{lab_server.url}/lab?token={lab_server.token}")
        page.wait_for_function("() => window.jupyterapp && window.jupyterapp.shell")
    # The graph keeps its zoom relative to its width: give it the room it will have before drawing.
    page.evaluate("() => window.jupyterapp.shell.collapseLeft()")
    started = time.monotonic()
    page.evaluate("async (path) => { await window.jupyterapp.commands.execute('docmanager:open', {path}); }",
                  PANEL_NOTEBOOK)
    panel_id = open_and_run(page, PANEL_NOTEBOOK)["id"]
    session.timings["panel notebook opened and ran"] = time.monotonic() - started
    panel = page.locator(f'[id="{panel_id}"]')
    panel.locator(".widget-tab").first.wait_for(state="visible")
    first = wait_for_graph(page, panel_id, lambda g: any(n.startswith("host:") for n in g["nodes"]))
    assert not any(n.startswith("ctr:") or n.endswith("/front") for n in first["nodes"]), first   # a fresh lab

    # A network, by typing into the panel and clicking its button.
    clicked = time.monotonic()
    panel.locator("input[placeholder='front']:visible").fill("front")
    panel.get_by_role("button", name="Create network").click()
    wait_for_graph(page, panel_id, lambda g: any(n.startswith("net:") and n.endswith("/front") for n in g["nodes"]))
    session.timings["click to drawn network"] = time.monotonic() - clicked

    # A container on it.
    panel.locator(".lm-TabBar-tab", has_text="Containers").click()
    panel.locator("input[placeholder='web']:visible").fill("web")
    panel.locator("input[placeholder^='front, back']:visible").fill("front")
    clicked = time.monotonic()
    panel.get_by_role("button", name="Run container").click()
    graph = wait_for_graph(page, panel_id, lambda g: any(n.startswith("ctr:") and n.endswith("/web")
                                                         for n in g["nodes"]) and g["painted"] > 0)
    session.timings["click to drawn container"] = time.monotonic() - clicked

    assert {n.split(":", 1)[0] for n in graph["nodes"]} == {"host", "net", "ctr"}, graph["nodes"]
    assert any(e.startswith("ep:") and e.endswith("/web/front") for e in graph["edges"]), graph["edges"]
    width, height = graph["canvas"]
    assert width > 200 and height > 200, graph
    assert graph["painted"] > 1000, f"the canvas is almost empty: {graph}"
    status = panel.locator(".widget-html").filter(has_text="docker run").first
    assert "--network front" in status.inner_text()

    no_news = page.get_by_role("button", name="No", exact=True)   # JupyterLab asks once whether to fetch news
    if no_news.count() == 1 and no_news.is_visible():
        no_news.click()
        no_news.wait_for(state="hidden", timeout=10_000)
    panel.locator(".widget-tab").first.scroll_into_view_if_needed()
    os.makedirs(ARTIFACTS, exist_ok=True)
    page.screenshot(path=os.path.join(ARTIFACTS, "browser-panel.png"))
    assert session.remote() == [], f"requests that would leave the machine: {session.remote()}"


def test_no_request_left_the_machine(session):
    """After the browser has exited: nothing beyond loopback in any of the three views."""
    session.close()
    if not session.urls:
        pytest.skip("the browser made no request: run this with the tests above")
    assert session.remote() == [], f"requests that would have left the machine: {session.remote()}"
    assert session.fetching() == [], f"the page asked the server to fetch from the internet: {session.fetching()}"
    urls, hosts = netlog_addresses(session.netlog)
    session.netlog_summary = (f"Chromium's NetLog: {len(urls)} URLs, hosts {', '.join(hosts)}; "
                              f"beyond loopback: {[u for u in urls if not is_local(u)]}")
    assert urls, f"Chromium's NetLog ({session.netlog}) lists no request"
    assert [u for u in urls if not is_local(u)] == [], "Chromium's NetLog lists requests beyond loopback"
    assert [h for h in hosts if not _is_local_host(h)] == [], "Chromium resolved host names beyond loopback"
