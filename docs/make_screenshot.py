"""The README's picture, docs/labkit-panel.png: a drawn topology and the control panel, as a learner
sees them in JupyterLab (headless Debian chromium, the browser test's set-up).

    python docs/make_screenshot.py [--out docs/labkit-panel.png]

A throwaway notebook on the simulator makes two networks and three containers (one publishing a
port), shows the panel, and probes web -> db in it; the screenshot is the panel's output, scaled
about 900 px wide.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from tests import browser as tb  # noqa: E402  -- the browser test's server and browser

SOURCE = """import labkit
lab = labkit.Lab(engine="sim", name="readme")
lab.network("front")
lab.network("back")
lab.container("web", networks=["front", "back"], ports={"80": 8080})
lab.container("api", networks=["back"])
lab.container("db", networks=["back"])
labkit.panel(lab)"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default=os.path.join(ROOT, "docs", "labkit-panel.png"))
    parser.add_argument("--width", type=int, default=1300, help="the browser's width less 100 px")
    args = parser.parse_args()
    chromium = tb.chromium_path()
    if chromium is None:
        raise SystemExit("no chromium here (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    folder = tempfile.mkdtemp(prefix="labkit-shot-")
    server = tb.LabServer(folder)
    session = None
    try:
        with open(os.path.join(server.work, "readme.ipynb"), "w") as f:
            json.dump(tb._notebook(SOURCE), f)
        server.wait_until_up()
        session = tb.Session(sync_playwright, chromium, folder)
        page = session.page
        page.set_viewport_size({"width": args.width + 100, "height": 1000})
        page.goto(f"{server.url}/lab/tree/readme.ipynb?token={server.token}")
        page.wait_for_function("() => window.jupyterapp && window.jupyterapp.shell")
        page.evaluate("() => window.jupyterapp.shell.collapseLeft()")
        panel_id = tb.open_and_run(page, "readme.ipynb")["id"]
        tb.wait_for_graph(page, panel_id, lambda g: sum(n.startswith("ctr:") for n in g["nodes"]) == 3 and g["painted"])
        page.wait_for_timeout(1500)   # vis-network settles
        output = page.locator(f'[id="{panel_id}"] .jp-OutputArea-output').first
        raw = os.path.join(folder, "shot.png")
        output.screenshot(path=raw)
        shutil.copy(raw, args.out)
        print(f"{args.out}: {os.path.getsize(args.out) // 1024} KB")
    finally:
        if session is not None:
            session.close()
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
