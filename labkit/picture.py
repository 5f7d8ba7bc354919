"""A drawing as a static picture: SVG made from the same nodes, edges and positions as the
interactive graph, so a saved notebook shows its drawings before it is run.

    svg = labkit.picture.svg(drawing)       # text of an <svg> document (deterministic)
    labkit.picture.data_uri(drawing)        # data:image/svg+xml;base64,... for an <img>

Why: JupyterLab strips the saved iframe of an untrusted notebook (any notebook opened fresh), so
a saved drawing is blank until the notebook is run; given a bundle of text/html and an image, it
still shows the (blank) HTML. An <img> inside the HTML, with the picture as a data: URI, survives
its sanitiser; a script beside it swaps it for the interactive frame wherever scripts run (a
trusted notebook, a live kernel, nbviewer). `labkit.drawing` puts the two together.

The picture is a pure function of the drawing (no clock, no randomness, positions rounded), so
a notebook's stored output is the same on every run and nbval can compare it.
"""
from __future__ import annotations

import base64
import textwrap
from xml.sax.saxutils import escape

MARGIN = 40
NODE_FONT, HOST_FONT, EDGE_FONT, LEGEND_FONT = 14, 16, 11, 13
CHAR = {14: 7.2, 16: 8.4, 13: 6.9, 12: 6.4, 11: 6.7}   # average advance of a character, in px
LINE = 1.25                                            # line height, in font sizes
LEGEND_HEIGHT = 36
HEADING_FONT = 13
HEADING_WIDTH = 640      # a route's heading widens a narrow picture up to this, then wraps
DEFAULT_EDGE = "#888888"
FIXED = {"container": ("#ffffff", "#444444", "box"), "host": ("#3b3b3b", "#3b3b3b", "box"),
         "internal network": ("#ffffff", "#666666", "dash"), "published port": ("#fbe3e4", "#e15759", "box")}


def svg(drawing, title: str = "labkit drawing") -> str:
    """The drawing as an SVG document: nodes where the graph puts them, edges with their labels,
    the legend (and the route's verdict, when one is highlighted) above."""
    nodes = [n for n in drawing.nodes if "x" in n and "y" in n]
    boxes = {n["id"]: _box(n) for n in nodes}
    heading = getattr(drawing, "heading", "") or ""
    if boxes:
        left = min(b[0] - b[2] / 2 for b in boxes.values())
        right = max(b[0] + b[2] / 2 for b in boxes.values())
        upper = min(b[1] - b[3] / 2 for b in boxes.values())
        lower = max(b[1] + b[3] / 2 for b in boxes.values())
    else:
        left = right = upper = lower = 0.0
    legend = _legend_items(drawing)
    width = max(right - left + 2 * MARGIN, _legend_width(legend) + 2 * 10, 320,
                min(len(heading) * CHAR[HEADING_FONT] + 2 * 10, HEADING_WIDTH))
    said = _wrapped(heading, width - 2 * 10)
    top = LEGEND_HEIGHT + (24 + (len(said) - 1) * HEADING_FONT * LINE if said else 0)
    height = lower - upper + 2 * MARGIN + top
    dx = (width - (right - left)) / 2 - left      # centre the graph
    dy = top + MARGIN - upper
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{_n(width)}" height="{_n(height)}" '
           f'viewBox="0 0 {_n(width)} {_n(height)}" font-family="sans-serif">',
           f"<title>{escape(title)}</title>",
           f'<rect width="{_n(width)}" height="{_n(height)}" fill="#ffffff"/>']
    out += _legend(legend)
    if said:
        out.append(f'<text x="10" y="{LEGEND_HEIGHT + 14}" font-size="{HEADING_FONT}" fill="#222222">'
                   + "".join(f'<tspan x="10" dy="{0 if i == 0 else _n(HEADING_FONT * LINE)}">{escape(line)}</tspan>'
                             for i, line in enumerate(said)) + "</text>")
    out.append(f'<g transform="translate({_n(dx)},{_n(dy)})">')
    positions = {i: (b[0], b[1]) for i, b in boxes.items()}
    for e in drawing.edges:
        out += _edge(e, positions)
    for n in nodes:
        out += _node(n, boxes[n["id"]])
    for e in drawing.edges:
        out += _edge_label(e, positions)
    out.append("</g></svg>")
    return "\n".join(out)


def data_uri(drawing) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg(drawing).encode()).decode("ascii")


# -- pieces ------------------------------------------------------------------------------------------
def _n(value: float) -> str:
    """A coordinate as text: one decimal at most, the same on every machine."""
    text = f"{round(value, 1):.1f}"
    return text[:-2] if text.endswith(".0") else text


def _wrapped(text: str, width: float) -> list[str]:
    """A heading in lines that fit `width` px (at spaces; the words themselves are kept whole)."""
    if not text:
        return []
    return textwrap.wrap(text, max(20, int(width / CHAR[HEADING_FONT])), break_long_words=False,
                         break_on_hyphens=False)


def _font(node: dict) -> int:
    return int((node.get("font") or {}).get("size") or (HOST_FONT if node.get("group") == "host" else NODE_FONT))


def _lines(text) -> list[str]:
    return str(text or "").split("\n")


def _box(node: dict) -> tuple[float, float, float, float]:
    """(x, y, width, height) of a node's shape, from its label as the graph lays it out."""
    size = _font(node)
    lines = _lines(node.get("label"))
    text_w = max(len(line) for line in lines) * CHAR.get(size, size * 0.55)
    text_h = len(lines) * size * LINE
    if node.get("shape") == "ellipse":
        w, h = text_w * 1.1 + 18, text_h * 1.25 + 12
    else:
        w, h = text_w + 14, text_h + 10
    return float(node["x"]), float(node["y"]), w, h


def _colors(node: dict) -> tuple[str, str]:
    color = node.get("color")
    if isinstance(color, dict):
        return color.get("background", "#ffffff"), color.get("border", "#444444")
    return (color or "#97c2fc"), (color or "#2b7ce9")


def _node(node: dict, box) -> list[str]:
    x, y, w, h = box
    fill, stroke = _colors(node)
    dashes = (node.get("shapeProperties") or {}).get("borderDashes")
    style = f'fill="{fill}" stroke="{stroke}" stroke-width="{_n(float(node.get("borderWidth", 1.5)))}"'
    if dashes:
        style += f' stroke-dasharray="{" ".join(str(d) for d in dashes)}"'
    if node.get("opacity") is not None:
        style += f' opacity="{node["opacity"]}"'
    if node.get("shape") == "ellipse":
        shape = f'<ellipse cx="{_n(x)}" cy="{_n(y)}" rx="{_n(w / 2)}" ry="{_n(h / 2)}" {style}/>'
    else:
        shape = f'<rect x="{_n(x - w / 2)}" y="{_n(y - h / 2)}" width="{_n(w)}" height="{_n(h)}" rx="5" {style}/>'
    size = _font(node)
    color = (node.get("font") or {}).get("color", "#222222")
    lines = _lines(node.get("label"))
    first = y - (len(lines) - 1) * size * LINE / 2 + size * 0.35
    text = [f'<text x="{_n(x)}" y="{_n(first)}" font-size="{size}" fill="{color}" text-anchor="middle"'
            + (f' opacity="{node["opacity"]}"' if node.get("opacity") is not None else "") + ">"]
    text += [f'<tspan x="{_n(x)}" dy="{0 if i == 0 else _n(size * LINE)}">{escape(line)}</tspan>'
             for i, line in enumerate(lines)]
    return [f"<g>{shape}{''.join(text)}</text></g>"]


def _edge_color(edge: dict) -> str:
    color = edge.get("color")
    if isinstance(color, dict):
        return color.get("color", DEFAULT_EDGE)
    return color or DEFAULT_EDGE


def _edge(edge: dict, at: dict) -> list[str]:
    if edge.get("from") not in at or edge.get("to") not in at:
        return []
    (x1, y1), (x2, y2) = at[edge["from"]], at[edge["to"]]
    style = f'stroke="{_edge_color(edge)}" stroke-width="{_n(float(edge.get("width", 1)))}"'
    if edge.get("dashes"):
        style += ' stroke-dasharray="6 4"'
    return [f'<line x1="{_n(x1)}" y1="{_n(y1)}" x2="{_n(x2)}" y2="{_n(y2)}" {style}/>']


def _edge_label(edge: dict, at: dict) -> list[str]:
    if not edge.get("label") or edge.get("from") not in at or edge.get("to") not in at:
        return []
    (x1, y1), (x2, y2) = at[edge["from"]], at[edge["to"]]
    x, y = (x1 + x2) / 2, (y1 + y2) / 2
    lines = _lines(edge["label"])
    w = max(len(line) for line in lines) * CHAR[EDGE_FONT] + 4
    h = len(lines) * EDGE_FONT * LINE + 2
    first = y - (len(lines) - 1) * EDGE_FONT * LINE / 2 + EDGE_FONT * 0.35
    spans = "".join(f'<tspan x="{_n(x)}" dy="{0 if i == 0 else _n(EDGE_FONT * LINE)}">{escape(line)}</tspan>'
                    for i, line in enumerate(lines))
    return [f'<rect x="{_n(x - w / 2)}" y="{_n(y - h / 2)}" width="{_n(w)}" height="{_n(h)}" fill="#ffffff" '
            f'fill-opacity="0.85"/><text x="{_n(x)}" y="{_n(first)}" font-family="monospace" '
            f'font-size="{EDGE_FONT}" fill="#333333" text-anchor="middle">{spans}</text>']


def _legend_items(drawing) -> list[tuple[str, str, str, str]]:
    """(label, fill, stroke, kind) in the order the interactive legend has them."""
    items = [(driver, color, color, "dot") for driver, color in (getattr(drawing, "legend", {}) or {}).items()]
    groups = {n.get("group") for n in drawing.nodes}
    for label, (fill, stroke, kind) in FIXED.items():
        if label == "published port" and "port" not in groups:
            continue
        items.append((label, fill, stroke, kind))
    return items


def _legend_width(items) -> float:
    return sum(22 + len(label) * CHAR[LEGEND_FONT] + 14 for label, *_ in items)


def _legend(items) -> list[str]:
    out, x, y = [], 10.0, LEGEND_HEIGHT / 2
    for label, fill, stroke, kind in items:
        if kind == "dot":
            out.append(f'<circle cx="{_n(x + 6)}" cy="{_n(y)}" r="6" fill="{fill}"/>')
        else:
            dash = ' stroke-dasharray="3 2"' if kind == "dash" else ""
            out.append(f'<rect x="{_n(x)}" y="{_n(y - 6)}" width="12" height="12" fill="{fill}" '
                       f'stroke="{stroke}"{dash}/>')
        out.append(f'<text x="{_n(x + 18)}" y="{_n(y + 4.5)}" font-size="{LEGEND_FONT}" fill="#222222">'
                   f"{escape(label)}</text>")
        x += 22 + len(label) * CHAR[LEGEND_FONT] + 14
    return out
