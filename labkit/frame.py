"""A drawing's page: one HTML document with no remote resource, shown in a sandboxed iframe.

HTML (what `Drawing.to_html()` gives, rendered with pyvis's `generate_html()`, which writes no file;
never `show()` or `write_html()`, which do): one document with no remote resource: no CDN, no
Bootstrap, nothing fetched. It goes into `<iframe srcdoc=... sandbox="allow-scripts">`, the only
way JupyterLab runs its scripts, isolated from the notebook page. The drawing library
(vis-network 9.1.2, 458 KiB, from pyvis's own copy) is carried gzipped and base64-encoded
(161 KiB) by either
- every frame (`library="inline"`): what the live graph widget shows; widget state is not saved
  in the notebook, so its size does not matter there; or
- only the first drawing a kernel shows inline (`library="shared"` for the others). Frames share
  the library across the page: a frame without it asks its sibling frames with `postMessage`,
  and any frame that has it answers with its text. A saved notebook then carries the library once
  (161 KiB) and each further drawing as its data only (a few KiB), and still draws when
  reopened (trusted) without a kernel. Re-running the cell that carried it carries it again.
  Measured in JupyterLab 4.6 and Chromium: five drawings and a panel saved in 251 KB (the first
  drawing 176 KB, the others 13-16 KB, the panel 88 bytes), every frame drawn live and again
  after reopening without a kernel. If the carrier's output is gone (all outputs cleared, then a
  later drawing run again), a frame says so and lists its edges as text; `draw(...,
  library="inline")` makes a drawing carry the library whatever else is on the page.

Shown unrun: a drawing's output also carries its static picture (labkit.picture: SVG, a few KB, in an
<img> with a data: URI), which an untrusted notebook, GitHub-style renderers and nbconvert without
scripts show; where scripts run, a small script swaps it for the live frame (`with_picture`).
"""
from __future__ import annotations

import base64
import functools
import gzip
import html as html_lib
import os
import re

import jinja2

HEIGHT = "560px"
VIS_VERSION = "9.1.2"
VIS_JS = os.path.join(os.path.dirname(__import__("pyvis").__file__), "templates", "lib",
                      f"vis-{VIS_VERSION}", "vis-network.min.js")
LIBRARY_MARK = "<!--labkit:library-->"
LEGEND_MARK = "<!--labkit:legend-->"


def document(page: str, legend: dict[str, str], library: str = "inline") -> str:
    """pyvis's page of a drawing as labkit shows it: the legend ({driver: colour}) filled in,
    vis-network carried ("inline") or borrowed from another frame ("shared"), nothing remote."""
    carried = ""
    if library == "inline":
        carried = f'<script type="application/gzip;base64" id="vis-network-gz">{vis_library()}</script>'
    keys = "".join(f'<span class="k"><i style="background:{color}"></i>{html_lib.escape(driver)}</span>'
                   for driver, color in legend.items())
    keys += ('<span class="k"><i class="box"></i>container</span>'
             '<span class="k"><i class="box host"></i>host</span>'
             '<span class="k"><i class="dash"></i>internal network</span>'
             '<span class="k"><i class="box port"></i>published port</span>')
    page = page.replace(LEGEND_MARK, keys, 1).replace(LIBRARY_MARK, carried, 1)
    return strip_remote(page)


def iframe(page: str, height: str = HEIGHT) -> str:
    """A page in a sandboxed iframe (its scripts run, isolated from the notebook page), as tall
    as the drawing plus its heading and legend."""
    try:
        px = int(str(height).removesuffix("px")) + 64   # the heading and legend above the graph
        frame_height = f"{px}px"
    except ValueError:
        frame_height = height
    # border-box: the border inside the 100% width (else a 2-px horizontal scrollbar in the cell)
    return (f'<iframe srcdoc="{html_lib.escape(page, quote=True)}" sandbox="allow-scripts" '
            f'style="width:100%;height:{frame_height};border:1px solid #ddd;box-sizing:border-box" '
            f'title="labkit drawing"></iframe>')


# Swaps the picture for the live frame wherever the notebook's scripts run (a trusted notebook, a
# kernel's fresh output, nbviewer). Where they do not (an untrusted notebook in JupyterLab, which
# also strips the frame; a static renderer), the picture stays.
SWAP = ("<script>(function(){var s=document.currentScript,b=s&&s.parentNode;if(!b)return;"
        "var p=b.querySelector('img.labkit-picture'),f=b.querySelector('iframe');"
        "if(p&&f){p.style.display='none';f.style.display='block';}})();</script>")


def with_picture(frame: str, picture_uri: str, alt: str) -> str:
    """A drawing's output that shows unrun: its static picture (an <img> with a data: URI, which
    JupyterLab's sanitiser keeps in an untrusted notebook, and static renderers show), the live
    frame hidden beside it, and a script that swaps them where scripts run (measured in JupyterLab
    4.6: given text/html and an image, it shows the HTML even untrusted, so the picture must be in
    the HTML)."""
    hidden = frame.replace('style="', 'style="display:none;', 1)
    return (f'<div class="labkit-drawing"><img class="labkit-picture" alt="{html_lib.escape(alt, quote=True)}" '
            f'style="max-width:100%" src="{picture_uri}"/>{hidden}{SWAP}</div>')


class _Page:
    """Which drawing shown inline carries vis-network to the notebook page.

    The first one a kernel shows does; later ones borrow it from that frame (or any frame that
    has it). When the cell that carried it runs again, its output (and the library) is replaced,
    so that cell carries it again: JupyterLab names the cell in each execute request."""

    def __init__(self):
        self.carrier: str | None = None    # the cell that carried it ("" when not known)

    def library_for_display(self) -> str:
        cell = _current_cell()
        if self.carrier is None or (cell and cell == self.carrier):
            self.carrier = cell or ""
            return "inline"
        return "shared"

    def forget(self) -> None:
        """The next drawing shown carries the library again (say, after clearing all outputs)."""
        self.carrier = None


PAGE = _Page()


def _current_cell() -> str | None:
    from IPython import get_ipython
    kernel = getattr(get_ipython(), "kernel", None)    # None outside a kernel
    try:
        parent = kernel.get_parent("shell") if kernel is not None else None
    except (AttributeError, TypeError):                 # ipykernel before 6: no cell to tell
        return None
    return ((parent or {}).get("metadata") or {}).get("cellId")


# -- offline HTML ----------------------------------------------------------------------------------------
@functools.lru_cache(maxsize=1)
def vis_library() -> str:
    """pyvis's copy of vis-network, gzipped (deterministically: no timestamp) and base64-encoded;
    without its source-map comment (a browser's developer tools would fetch the map)."""
    with open(VIS_JS, "rb") as f:
        code = re.sub(rb"//# sourceMappingURL=\S*\s*$", b"", f.read())
    return base64.b64encode(gzip.compress(code, compresslevel=9, mtime=0)).decode("ascii")


# Tags that load something from elsewhere: <script src>, <link href>, <img src>, <iframe src>, ...
REMOTE_TAG = re.compile(r"<(script|link|img|iframe|source|embed|object)\b[^>]*?\b(?:src|href|data)\s*=\s*"
                        r"[\"']?(?:https?:)?//[^>]*>(?:\s*</\1>)?", re.IGNORECASE | re.DOTALL)
REMOTE_CSS = re.compile(r"@import\s+(?:url\()?[\"']?(?:https?:)?//[^;]*;?|url\(\s*[\"']?(?:https?:)?//[^)]*\)",
                        re.IGNORECASE)


def strip_remote(page: str) -> str:
    """The page without anything that would be fetched from another host (pyvis's templates load
    Bootstrap from a CDN even with cdn_resources="in_line")."""
    return REMOTE_CSS.sub("", REMOTE_TAG.sub("", page))


def remote_resources(page: str) -> list[str]:
    """What in a page would be fetched from another host (for tests: should be empty)."""
    return [m.group(0)[:120] for m in REMOTE_TAG.finditer(page)] + [m.group(0)[:120] for m in REMOTE_CSS.finditer(page)]


TEMPLATE = """<!DOCTYPE html>
<html>
<head>
<meta charset="utf-8">
<style>
body { margin: 0; font-family: sans-serif; font-size: 13px; color: #222; background: {{ bgcolor }}; }
#head { padding: 4px 8px; min-height: 40px; }
#title { font-weight: bold; white-space: pre-wrap; }
#legend .k { display: inline-block; margin-right: 12px; white-space: nowrap; }
#legend i { display: inline-block; width: 12px; height: 12px; border-radius: 6px; margin-right: 4px;
            vertical-align: middle; }
#legend i.box { border-radius: 0; border: 1px solid #444; background: #fff; }
#legend i.host { background: #3b3b3b; }
#legend i.dash { border-radius: 0; border: 1px dashed #444; background: #fff; }
#legend i.box.port { border-color: #e15759; background: #fbe3e4; }
#mynetwork { width: {{ width }}; height: {{ height }}; border-top: 1px solid #ddd; position: relative; }
#note { position: absolute; top: 70px; left: 12px; color: #777; white-space: pre-wrap; font-family: monospace; }
div.vis-tooltip { position: absolute; visibility: hidden; padding: 5px; white-space: pre;
  font-family: monospace; font-size: 12px; color: #000; background-color: #f5f4ed;
  border: 1px solid #808074; border-radius: 3px; box-shadow: 3px 3px 10px rgba(0, 0, 0, .2);
  pointer-events: none; z-index: 5; }
</style>
</head>
<body>
<div id="head"><div id="title">{{ heading|e }}</div><div id="legend">""" + LEGEND_MARK + """</div></div>
<div id="mynetwork"></div>
<div id="note">drawing...</div>
""" + LIBRARY_MARK + """
<script>
(function () {
  "use strict";
  var data = {nodes: {{ nodes|tojson }}, edges: {{ edges|tojson }}, options: {{ options|safe }}};
  var note = document.getElementById("note");
  var code = null;
  function draw() {
    note.textContent = "";
    window.network = new vis.Network(document.getElementById("mynetwork"),
      {nodes: new vis.DataSet(data.nodes), edges: new vis.DataSet(data.edges)}, data.options);
    // vis-network zooms when its frame changes size (a sidebar opened or closed): fit the
    // whole drawing to the new size instead, so no row is cut off.
    window.network.on("resize", function () { window.network.fit({animation: false}); });
  }
  function install(text) {
    if (code !== null) { return; }
    code = text;
    var s = document.createElement("script");
    s.textContent = text;
    document.head.appendChild(s);
    draw();
  }
  function siblings() {
    var out = [];
    try { for (var i = 0; i < window.parent.frames.length; i++) { out.push(window.parent.frames[i]); } }
    catch (e) { /* no parent to ask */ }
    return out;
  }
  // Frames on the page share vis-network: whoever has it gives it to whoever asks.
  window.addEventListener("message", function (e) {
    var m = e.data;
    if (!m || m.labkit !== "vis-network") { return; }
    if (m.ask === true && code !== null && e.source) {
      e.source.postMessage({labkit: "vis-network", code: code}, "*");
    } else if (typeof m.code === "string" && code === null && siblings().indexOf(e.source) >= 0) {
      install(m.code);
    }
  });
  var packed = document.getElementById("vis-network-gz");
  if (packed) {
    var bytes = Uint8Array.from(atob(packed.textContent), function (c) { return c.charCodeAt(0); });
    new Response(new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip")))
      .text().then(install, function (e) { note.textContent = "cannot unpack vis-network: " + e; });
  } else {
    var tries = 0;
    (function ask() {
      if (code !== null) { return; }
      siblings().forEach(function (f) {
        if (f !== window) { f.postMessage({labkit: "vis-network", ask: true}, "*"); }
      });
      tries += 1;
      if (tries === 16) {   // meanwhile, what the drawing holds, as text
        var label = {};
        data.nodes.forEach(function (n) { label[n.id] = String(n.label).split("\\n")[0]; });
        note.textContent = "Waiting for vis-network: the first drawing this kernel showed carries it. " +
          "If that output is gone, show this one with labkit.draw(..., library='inline').\\n\\n" +
          data.edges.map(function (e) {
            return label[e.from] + " -- " + (e.label ? String(e.label).replace("\\n", " ") + " -- " : "") + label[e.to];
          }).join("\\n");
      }
      setTimeout(ask, tries < 20 ? 250 : 2000);
    })();
  }
})();
</script>
</body>
</html>
"""

TEMPLATES = jinja2.Environment(loader=jinja2.DictLoader({"labkit.html": TEMPLATE}), autoescape=False)
