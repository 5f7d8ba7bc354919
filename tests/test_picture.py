"""The static picture of a drawing (labkit.picture): the same nodes, edges and labels as the
interactive graph, deterministic, small, and an SVG a browser reads."""
from __future__ import annotations

import base64
import re
import xml.etree.ElementTree as ET

import labkit
from labkit import drawing, model, picture

SVG = "{http://www.w3.org/2000/svg}"


def small_lab():
    lab = labkit.Lab(engine="sim", name="pic")
    lab.network("front")
    lab.network("back", internal=True)
    lab.container("web", networks=["front", "back"], ports={"80": 8080})
    lab.container("db", networks=["back"])
    return lab


def texts(svg: str) -> list[str]:
    root = ET.fromstring(svg)
    return ["".join(t.itertext()) for t in root.iter(f"{SVG}text")] + [
        s.text or "" for s in root.iter(f"{SVG}tspan")]


def test_the_picture_shows_what_the_graph_shows():
    lab = small_lab()
    try:
        d = labkit.draw(lab)
        svg = picture.svg(d)
        words = " ".join(texts(svg))
        for node in d.nodes:
            for line in node["label"].split("\n"):
                assert line in words, line
        for edge in d.edges:
            for line in (edge.get("label") or "").split("\n"):
                assert line in words, line
        root = ET.fromstring(svg)
        assert len(list(root.iter(f"{SVG}line"))) == len(d.edges)
        assert len(list(root.iter(f"{SVG}ellipse"))) == sum(n["shape"] == "ellipse" for n in d.nodes)
        for item in ("bridge", "container", "host", "internal network", "published port"):
            assert item in words, item   # the legend, the published-port box included
        assert len(svg.encode()) < 12_000
    finally:
        lab.reset()


def test_the_picture_is_the_same_for_the_same_state():
    lab = small_lab()
    try:
        first = picture.svg(labkit.draw(lab))
        again = picture.svg(drawing.build(lab.snapshot()))
        assert first == again
        assert not re.search(r" (x|y|cx|cy|rx|ry|width|height)=\"-?\d+\.\d\d", first), "coordinates: one decimal at most"
    finally:
        lab.reset()


def test_a_route_shows_its_verdict_and_an_empty_lab_draws():
    lab = small_lab()
    try:
        d = labkit.draw(lab, path=("web", "db"))
        assert d.heading in " ".join(texts(picture.svg(d)))
    finally:
        lab.reset()
    empty = picture.svg(drawing.build(model.Topology()))
    ET.fromstring(empty)


def test_the_data_uri_decodes_to_the_svg():
    d = drawing.build(model.Topology(hosts=[model.Host("host1")]))
    uri = picture.data_uri(d)
    assert uri.startswith("data:image/svg+xml;base64,")
    assert base64.b64decode(uri.split(",", 1)[1]).decode() == picture.svg(d)


def test_a_long_heading_wraps_inside_the_picture():
    """A route's heading (the probes' words and the way taken) is often longer than the graph is
    wide: it widens a narrow picture up to picture.HEADING_WIDTH, then wraps, every word kept."""
    lab = small_lab()
    try:
        d = labkit.draw(lab, path=("web", "db"))
        d.heading += " and then some more words about the way: " + " -> ".join(["container web (eth1 10.0.0.2/24)"] * 4)
        svg = picture.svg(d)
        root = ET.fromstring(svg)
        width = float(root.get("width"))
        (heading,) = [t for t in root.iter(f"{SVG}text") if t.get("x") == "10" and len(list(t)) > 1]
        lines = [s.text for s in heading]
        assert len(lines) > 1 and " ".join(lines) == d.heading
        bare = labkit.draw(lab)                                   # the same graph, no heading
        assert width <= max(float(ET.fromstring(picture.svg(bare)).get("width")), picture.HEADING_WIDTH)
        for line in lines:
            assert 10 + len(line) * picture.CHAR[picture.HEADING_FONT] <= width - 10, line
        below = float(heading.get("y")) + (len(lines) - 1) * picture.HEADING_FONT * picture.LINE
        graph = root.find(f"{SVG}g[@transform]")
        dy = float(graph.get("transform").split(",")[1].rstrip(")"))
        tops = [float(r.get("y")) for r in graph.iter(f"{SVG}rect")] + [
            float(e.get("cy")) - float(e.get("ry")) for e in graph.iter(f"{SVG}ellipse")]
        assert below < dy + min(tops), "the heading runs into the graph"
    finally:
        lab.reset()
