"""JupyterLab in headless Chromium, for tests/test_browser.py (and docs/make_screenshot.py).

    server = LabServer(folder)         # `jupyter lab` on 127.0.0.1, started as Binder starts it
    server.wait_until_up()
    session = Session(sync_playwright, chromium_path(), folder)   # the browser, what it asked for
    open_and_run(session.page, "00-start-here.ipynb")              # and the other page helpers

The server runs over a temporary folder holding a copy of the lesson notebooks and a throwaway
notebook with the control panel (JupyterLab saves what it runs; notebooks/ is never touched). It
starts through binder/start, as a Binder does: labkit's simulated engine as a daemon for the
session, DOCKER_HOST pointing to it, so kernels, `!docker` cells and JupyterLab's terminals
share one engine whatever engine this machine has. Debian's chromium is driven by Playwright (the
Python package only: no downloaded browser).
"""
from __future__ import annotations

import ipaddress
import json
import os
import re
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
PANEL_SOURCE = 'import labkit\nlab = labkit.Lab(name="browser")\nlabkit.panel(lab)'
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
RUN_TIMEOUT = 180_000    # ms for a notebook's cells to run
DRAW_TIMEOUT = 30_000    # ms for the graph to show what was made

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
    """`jupyter lab` on 127.0.0.1 over a temporary folder, with its own settings and workspaces,
    started through binder/start (the session's simulated engine at DOCKER_HOST)."""

    def __init__(self, folder: str):
        self.folder = folder
        self.port = _free_port()
        self.token = secrets.token_hex(16)
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = os.path.join(folder, "jupyter.log")
        work = self.work = os.path.join(folder, "work")   # JupyterLab's root folder
        os.makedirs(work)
        for name in sorted(os.listdir(os.path.join(ROOT, "notebooks"))):
            if name.endswith(".ipynb"):
                shutil.copy(os.path.join(ROOT, "notebooks", name), work)
        with open(os.path.join(work, PANEL_NOTEBOOK), "w") as f:
            json.dump(_notebook(PANEL_SOURCE), f)
        # `labkit` for binder/start: this checkout's, with this Python.
        tools = os.path.join(folder, "bin")
        os.makedirs(tools)
        with open(os.path.join(tools, "labkit"), "w") as f:
            f.write(f'#!/bin/sh\nexec "{sys.executable}" -m labkit.cli "$@"\n')
        os.chmod(os.path.join(tools, "labkit"), 0o755)
        env = {k: v for k, v in os.environ.items() if k not in ("LABKIT_ENGINE", "DOCKER_HOST")}
        env.update(PATH=os.pathsep.join((tools, os.path.dirname(sys.executable), env.get("PATH", ""))),
                   PYTHONPATH=os.pathsep.join(p for p in (ROOT, os.environ.get("PYTHONPATH")) if p),
                   XDG_RUNTIME_DIR=os.path.join(folder, "run"))
        os.makedirs(env["XDG_RUNTIME_DIR"], mode=0o700)
        app_settings = os.path.join(folder, "app-settings")
        os.makedirs(app_settings)
        shutil.copy(os.path.join(ROOT, "binder", "overrides.json"), app_settings)
        for variable, sub in (("JUPYTER_CONFIG_DIR", "config"), ("JUPYTER_RUNTIME_DIR", "runtime"),
                              ("JUPYTERLAB_SETTINGS_DIR", "settings"),
                              ("JUPYTERLAB_WORKSPACES_DIR", "workspaces"), ("IPYTHONDIR", "ipython")):
            env[variable] = os.path.join(folder, sub)
        command = ["bash", os.path.join(ROOT, "binder", "start"),
                   sys.executable, "-m", "jupyterlab", "--no-browser",
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

    def docker_host(self) -> str | None:
        """The session's engine, as binder/start exported it (None when it did not start one)."""
        folder = os.path.join(self.folder, "run", "labkit")
        sockets = sorted(os.listdir(folder)) if os.path.isdir(folder) else []
        return f"unix://{os.path.join(folder, sockets[0])}" if sockets else None

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


# -- in the page --------------------------------------------------------------------------------------
OPEN_AND_RUN = """async ({path, restart}) => {
  const app = window.jupyterapp;
  const sleep = (ms) => new Promise(r => setTimeout(r, ms));
  const within = (promise, ms, what) => Promise.race([promise, sleep(ms).then(() => {
    throw new Error(path + ': ' + what + ' took more than ' + ms / 1000 + ' s'); })]);
  await app.restored;
  let widget = null;
  for (let i = 0; i < 400 && !widget; i++) {       // opened by the URL, or open it now
    widget = app.shell.currentWidget;
    if (!widget || !widget.context || widget.context.path !== path) { widget = null; }
    if (!widget && i % 100 === 20) {
      const opened = await within(app.commands.execute('docmanager:open', {path}), 30000, 'opening');
      if (opened && opened.context && opened.context.path === path) { widget = opened; }
    }
    if (!widget) { await sleep(100); }
  }
  if (!widget) { return {error: 'the notebook ' + path + ' did not open'}; }
  await within(widget.context.ready, 30000, 'opening');
  await within(widget.sessionContext.ready, 60000, 'starting its kernel');
  app.shell.activateById(widget.id);                // the notebook commands act on the current one
  for (let i = 0; i < 100 && app.shell.currentWidget !== widget; i++) { await sleep(100); }
  widget.content.node.focus();
  await sleep(300);
  if (app.shell.currentWidget !== widget) { return {error: path + ' did not become the current notebook'}; }
  const status = () => { const s = widget.sessionContext.session; return s && s.kernel ? s.kernel.status : 'none'; };
  for (let i = 0; i < 600 && status() !== 'idle'; i++) { await sleep(100); }   // its kernel has started
  if (restart) {                                     // Kernel > Restart Kernel and Run All Cells...
    await app.commands.execute('notebook:clear-all-cell-outputs');
    const asked = app.commands.execute('notebook:restart-run-all');
    let settled = false;
    asked.then((restarted) => { settled = true; if (restarted === false) { settled = 'refused'; } },
               () => { settled = 'failed'; });
    let clicked = false;                             // (the command ends once all cells ran)
    for (let i = 0; i < 600 && !settled && !clicked; i++) {   // the "Restart Kernel?" dialog: Restart
      const button = document.querySelector('.jp-Dialog .jp-mod-accept');
      if (button) { button.click(); clicked = true; }
      await sleep(100);
    }
    if (!clicked) { return {error: path + ': no "Restart Kernel?" dialog (' + (settled || 'within 60 s') + ')'}; }
    await sleep(500);
  } else {
    await within(app.commands.execute('notebook:run-all-cells'), 60000, 'Run All');
  }
  const cells = [];
  let idleSince = null;
  for (let i = 0; i < 1800; i++) {                  // until every code cell ran (or one failed) and the kernel idles
    const kernel = widget.sessionContext.session && widget.sessionContext.session.kernel;
    cells.length = 0;
    for (const cell of widget.content.widgets) {
      if (cell.model.type !== 'code') { continue; }
      const outputs = cell.model.outputs.toJSON();
      cells.push({count: cell.model.executionCount,
                  errors: outputs.filter(o => o.output_type === 'error').map(o => o.ename + ': ' + o.evalue)});
    }
    const idle = kernel && kernel.status === 'idle';
    idleSince = idle ? (idleSince || Date.now()) : null;
    if (idle && cells.every(c => c.count !== null)) { break; }
    if (idle && Date.now() - idleSince > 3000 && cells.some(c => c.errors.length)) { break; }
    await sleep(100);
  }
  const kernel = widget.sessionContext.session && widget.sessionContext.session.kernel;
  return {id: widget.id, kernel: kernel ? kernel.name + ' ' + kernel.status : null, cells};
}"""

CELL = """({id, index}) => {                // what a cell shows: its count, and its outputs as text
  const panel = window.jupyterapp.shell.currentWidget;
  const w = (panel && panel.id === id) ? panel : null;
  if (!w) { return null; }
  const cell = w.content.widgets[index];
  const kernel = w.sessionContext.session && w.sessionContext.session.kernel;
  const texts = [], mimes = [];
  for (const o of cell.model.outputs.toJSON()) {
    if (o.output_type === 'stream') { texts.push(Array.isArray(o.text) ? o.text.join('') : o.text); mimes.push(o.name); }
    else if (o.output_type === 'error') { texts.push(o.traceback.join('\\n')); mimes.push('error'); }
    else { const d = o.data || {}; mimes.push(...Object.keys(d));
           const t = d['text/plain']; if (t) { texts.push(Array.isArray(t) ? t.join('') : t); } }
  }
  return {count: cell.model.executionCount, idle: !!kernel && kernel.status === 'idle',
          text: texts.join('\\n'), mimes, cells: w.content.widgets.length};
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


def open_and_run(pg, path: str, restart: bool = False) -> dict:
    """Open a notebook and run all its cells (restart=True: Restart Kernel and Run All Cells, after
    clearing the outputs it was saved with); no error output, every code cell ran."""
    result = pg.evaluate(OPEN_AND_RUN, {"path": path, "restart": restart})
    assert "error" not in result, result["error"]
    assert result["kernel"] and result["kernel"].endswith("idle"), f"{path}: the kernel is {result['kernel']}"
    errors = [e for c in result["cells"] for e in c["errors"]]
    assert not errors, f"{path}: error output: {errors}"
    assert all(c["count"] is not None for c in result["cells"]), f"{path}: not every cell ran: {result['cells']}"
    return result


def ansi_free(text: str) -> str:
    return re.sub(r"\x1b\[[0-9;]*m", "", text)


def cell_of(pg, notebook_id: str, index: int) -> dict:
    return pg.evaluate(CELL, {"id": notebook_id, "index": index})


def type_and_run(pg, notebook_id: str, index: int, text: str, timeout: float = 60) -> dict:
    """Click into cell `index`, select what it holds and type `text` over it (one line: key by key;
    several: as a paste), run it with Shift+Enter, and wait until the kernel has run it."""
    pg.evaluate("""async ({id, index}) => { const w = window.jupyterapp.shell.currentWidget;
        if (!w || w.id !== id) { throw new Error('notebook ' + id + ' is not the current widget'); }
        w.content.activeCellIndex = index;
        await w.content.scrollToItem(index, 'center');
        for (const c of w.content.widgets) { c.node.removeAttribute('data-typed-cell'); }
        w.content.widgets[index].node.setAttribute('data-typed-cell', 'here'); }""",
                {"id": notebook_id, "index": index})
    cell = pg.locator('[data-typed-cell="here"]')
    cell.locator(".cm-content").click()
    pg.keyboard.press("Control+a")
    if "\n" in text:
        pg.keyboard.insert_text(text)
    else:
        pg.keyboard.type(text)
    before = cell_of(pg, notebook_id, index)["count"]
    pg.keyboard.press("Shift+Enter")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        seen = cell_of(pg, notebook_id, index)
        if seen["count"] is not None and seen["count"] != before and seen["idle"]:
            return seen
        pg.wait_for_timeout(100)
    raise AssertionError(f"cell {index} did not run within {timeout:.0f} s: {cell_of(pg, notebook_id, index)}")


def add_cell(pg, notebook_id: str) -> int:
    """A new empty code cell at the end of the notebook (Insert Cell Below the last); its index."""
    count = pg.evaluate("""(id) => { const w = window.jupyterapp.shell.currentWidget;
        w.content.activeCellIndex = w.content.widgets.length - 1; w.content.mode = 'command';
        return window.jupyterapp.commands.execute('notebook:insert-cell-below').then(() => w.content.widgets.length); }""",
                        notebook_id)
    return count - 1


OPEN_TERMINAL = """async () => {
  const w = await window.jupyterapp.commands.execute('terminal:create-new');
  for (let i = 0; i < 200 && !(w.content && w.content.node.querySelector('.xterm-screen')); i++) {
    await new Promise(r => setTimeout(r, 100));
  }
  return w.id;
}"""

TERMINAL_TEXT = """(id) => {                     // the terminal's screen and scrollback, as text
  const w = window.jupyterapp.shell.currentWidget;
  if (!w || w.id !== id) { return null; }
  const term = w.content._term;
  const buffer = term.buffer.active, lines = [];
  for (let i = 0; i < buffer.length; i++) { lines.push(buffer.getLine(i).translateToString(true)); }
  return lines.join('\\n');
}"""


def terminal_run(pg, terminal_id: str, command: str, until, timeout: float = 30) -> str:
    """Type a command into JupyterLab's terminal, Enter, and return its text once until(text) holds."""
    pg.locator(f'[id="{terminal_id}"] .xterm-screen').click()
    pg.keyboard.type(command)
    pg.keyboard.press("Enter")
    deadline = time.monotonic() + timeout
    text = ""
    while time.monotonic() < deadline:
        text = pg.evaluate(TERMINAL_TEXT, terminal_id) or ""
        if until(text):
            return text
        pg.wait_for_timeout(200)
    raise AssertionError(f"the terminal did not show what was expected within {timeout:.0f} s:\n{text}")


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

