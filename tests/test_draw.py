"""labkit.draw and labkit.paths: the drawing's nodes and edges (not its HTML) for bridge,
multi-network, host, none and overlay topologies on both engines (labkit's simulator, and a real
engine: a private dockerd in a network namespace, prefix "lkw"; two of them in a swarm, prefix
"lkw2", for overlays); routes checked against real probes; the HTML offline and written nowhere.

Addresses are asserted only on networks with a subnet given here (the real engine's pools rotate),
and the default bridge's address only by its form.
"""
from __future__ import annotations

import contextlib
import html
import importlib
import json
import os
import re

import docker
import pytest
from pyvis.network import Network

import labkit
import labkit.sim as sim
from labkit import model, paths, picture
from labkit.drawing import (
    COLORS,
    PAGE,
    SWARM_ROW_Y,
    DrawError,
    Drawing,
    build,
    highlight,
    remote_resources,
    strip_remote,
    topology_of,
    vis_library,
)
from labkit.lab import Lab

PREFIX = "lkw"            # one private real engine for this module
CLUSTER_PREFIX = "lkw2"   # two private real engines in a swarm, for overlays


# -- engines (fixtures `client`, `real_engine`: conftest) -----------------------------------------------
@pytest.fixture
def lab(client):
    return Lab(client, name="lab")


def nodes(d: Drawing) -> dict[str, dict]:
    return {n["id"]: n for n in d.nodes}


def edges(d: Drawing) -> set[tuple[str, str, str]]:
    """(from, to, label) of every edge."""
    return {(e["from"], e["to"], e.get("label") or "") for e in d.edges}


def edges_of(d: Drawing, node_id: str) -> set[tuple[str, str, str]]:
    return {e for e in edges(d) if node_id in e[:2]}


# -- the drawing on both engines ------------------------------------------------------------------------
def test_bridge_topology(lab, client):
    lab.network("front", subnet="10.51.0.0/24")
    lab.container("web", networks="front", ports={80: 8080})
    lab.container("api", networks="front")
    lab.container("solo")                                            # the default bridge
    d = labkit.draw(lab)
    assert isinstance(d, Network)
    ids = set(nodes(d))
    assert ids == {"host:host1", "net:host1/bridge", "net:host1/front", "ctr:host1/web", "ctr:host1/api",
                   "ctr:host1/solo", "port:host1/127.0.0.1:8080/tcp"}
    assert nodes(d)["net:host1/front"]["label"] == "front\nbridge 10.51.0.0/24\ngateway 10.51.0.1"
    assert nodes(d)["net:host1/front"]["color"]["border"] == COLORS["bridge"]
    assert d.legend == {"bridge": "#4e79a7"}
    found = edges(d)
    assert ("net:host1/front", "ctr:host1/web", "eth0\n10.51.0.2/24") in found
    assert ("net:host1/front", "ctr:host1/api", "eth0\n10.51.0.3/24") in found
    assert ("host:host1", "net:host1/front", "") in found and ("host:host1", "net:host1/bridge", "") in found
    assert ("host:host1", "port:host1/127.0.0.1:8080/tcp", "") in found
    assert ("port:host1/127.0.0.1:8080/tcp", "ctr:host1/web", "-> 80/tcp") in found
    (solo,) = [e for e in edges_of(d, "ctr:host1/solo")]
    assert solo[0] == "net:host1/bridge" and re.fullmatch(r"eth0\n172\.17\.0\.\d+/16", solo[2])
    assert len(found) == 7     # 3 endpoints, 2 host-network links, 2 for the published port
    assert sum(1 for e in d.edges if e["id"].startswith("ep:")) == 3
    # Deterministic: the same state draws the same nodes, edges, positions and page.
    again = labkit.draw(lab)
    assert again.nodes == d.nodes and again.edges == d.edges
    assert again.to_html("shared") == d.to_html("shared")


def test_multi_network_topology(lab, client):
    lab.network("front", subnet="10.52.0.0/24")
    lab.network("back", subnet="10.53.0.0/24", internal=True)
    lab.container("web", networks=["front", "back"])
    lab.container("db", networks="back")
    d = labkit.draw(client)     # a plain client: interface names are not known then
    assert edges_of(d, "ctr:host1/web") == {("net:host1/front", "ctr:host1/web", "10.52.0.2/24"),
                                            ("net:host1/back", "ctr:host1/web", "10.53.0.2/24")}
    d = labkit.draw(lab)        # the lab saw the joins: eth0 first, then eth1
    assert edges_of(d, "ctr:host1/web") == {("net:host1/front", "ctr:host1/web", "eth0\n10.52.0.2/24"),
                                            ("net:host1/back", "ctr:host1/web", "eth1\n10.53.0.2/24")}
    assert edges_of(d, "ctr:host1/db") == {("net:host1/back", "ctr:host1/db", "eth0\n10.53.0.3/24")}
    back = nodes(d)["net:host1/back"]
    assert back["label"].endswith("internal") and back["shapeProperties"]["borderDashes"]
    assert not nodes(d)["net:host1/front"]["shapeProperties"]["borderDashes"]


def test_host_and_none_modes(lab, client):
    lab.container("on-host", network_mode="host")
    lab.container("alone", network_mode="none")
    lab.container("stopped")
    client.api.stop("stopped", timeout=0)
    d = labkit.draw(lab)
    assert edges_of(d, "ctr:host1/on-host") == {("host:host1", "ctr:host1/on-host", "host mode")}
    assert nodes(d)["ctr:host1/on-host"]["level"] == 1                  # it sits on the host
    assert edges_of(d, "ctr:host1/alone") == set()                      # it stands alone
    assert nodes(d)["ctr:host1/alone"]["label"] == "alone\nnone mode"
    assert not any(n.startswith("port:") for n in nodes(d))
    assert not any(n in ("net:host1/host", "net:host1/none") for n in nodes(d))
    assert edges_of(d, "ctr:host1/stopped") == set()
    assert nodes(d)["ctr:host1/stopped"]["label"] == "stopped\n(exited)"


# -- overlays: two hosts in a swarm, on both engines ---------------------------------------------------
@pytest.fixture(scope="module", params=["sim", "docker"])
def swarm_labs(request):
    """Two hosts in a swarm: an attachable overlay `ov` with a container on each host, and a
    local network on host2 with one more container."""
    if request.param == "docker":
        request.getfixturevalue("private_engines")
        from labkit import hosts
        hosts.stop_hosts(CLUSTER_PREFIX)
    cl = labkit.cluster(2, engine=request.param, prefix=CLUSTER_PREFIX)
    try:
        c1, c2 = cl
        c1.swarm.init(advertise_addr="eth0")
        c2.swarm.join(["10.99.0.11:2377"], join_token=c1.api.inspect_swarm()["JoinTokens"]["Worker"])
        l1, l2 = Lab(c1, name="ov"), Lab(c2, name="ov")
        l1.network("ov", driver="overlay", attachable=True, subnet="10.77.0.0/24")
        l1.container("a1", networks="ov")
        l2.container("b2", networks="ov")
        l2.network("local2", subnet="10.78.0.0/24")
        l2.container("c2", networks="local2")
        yield l1, l2, cl
    finally:
        for c in cl:
            with contextlib.suppress(docker.errors.APIError):
                c.swarm.leave(force=True)
        cl.close()


def test_overlay_spans_the_hosts_it_reaches(swarm_labs):
    l1, l2, cluster = swarm_labs
    d = labkit.draw([l1, l2])
    assert [n["id"] for n in labkit.draw(cluster).nodes] == [n["id"] for n in d.nodes]   # the clients as they are
    ids = set(nodes(d))
    assert {"host:host1", "host:host2", "net:swarm/ov", "net:swarm/ingress", "net:host1/bridge",
            "net:host2/bridge", "net:host1/docker_gwbridge", "net:host2/docker_gwbridge",
            "net:host2/local2", "ctr:host1/a1", "ctr:host2/b2", "ctr:host2/c2"} == ids
    assert nodes(d)["net:swarm/ov"]["label"] == "ov\noverlay 10.77.0.0/24\nattachable"
    assert edges_of(d, "net:swarm/ov") == {
        ("host:host1", "net:swarm/ov", "VXLAN"), ("host:host2", "net:swarm/ov", "VXLAN"),
        ("net:swarm/ov", "ctr:host1/a1", "eth0\n10.77.0.2/24"), ("net:swarm/ov", "ctr:host2/b2", "eth0\n10.77.0.4/24")}
    assert d.legend == {"overlay": "#f28e2b", "bridge": "#4e79a7"}
    # Routes: over the overlay; or stopped, a host's local network being private to it.
    topo = d.topology
    over = paths.route(topo, "a1", "b2")
    assert over.ok and over.address == "10.77.0.4" and "spanning hosts host1 and host2" in over.why
    assert l1.ping("a1", over.address).ok
    apart = paths.route(topo, "a1", "c2")
    assert not apart.ok and apart.address == "10.78.0.2" and "private to host host2" in apart.why
    assert not l1.ping("a1", apart.address).ok
    shown = labkit.draw([l1, l2], path=("a1", "b2"))
    on = {e["id"] for e in shown.edges if e.get("width") == 4}
    assert on == {"ep:host1/a1/ov", "ep:host2/b2/ov"}


# -- routes against real probes ---------------------------------------------------------------------------
PAIRS = [("web", "db"), ("db", "web"), ("web", "solo"), ("solo", "web"), ("solo", "db"), ("db", "solo"),
         ("hostie", "db"), ("hostie", "solo"), ("web", "hostie"), ("nobody", "web"), ("web", "nobody"),
         ("mate", "web"), ("web", "mate")]


def three_networks(lab):
    lab.network("front", subnet="10.61.0.0/24")
    lab.network("back", subnet="10.62.0.0/24", internal=True)
    lab.container("web", networks=["front", "back"], command="httpd -f -p 80")
    lab.container("db", networks="back")
    lab.container("solo")
    lab.container("hostie", network_mode="host")
    lab.container("nobody", network_mode="none")
    lab.container("mate", network_mode="container:web")


def test_paths_agree_with_real_probes(lab, client):
    three_networks(lab)
    topo = lab.snapshot()
    seen = {}
    for a, b in PAIRS:
        r = paths.route(topo, a, b)
        assert r.why and (r.ok or r.stop is not None), r
        probe = lab.ping(a, r.address) if r.address else None
        seen[a, b] = (r.ok, bool(probe and probe.ok))
    disagree = {pair: seen_ for pair, seen_ in seen.items() if seen_[0] != seen_[1]}
    assert disagree == {}      # (model's verdict, real probe's) where they differ
    assert {pair for pair, (ok, _) in seen.items() if ok} == {
        ("web", "db"), ("db", "web"), ("hostie", "db"), ("hostie", "solo"), ("web", "hostie"),
        ("mate", "web"), ("web", "mate")}
    # Ports: what a probe finds listening decides the last step.
    for port, state in ((80, "open"), (81, "closed")):
        probe = lab.port("db", "web", port)
        assert probe.state == state
        r = paths.route(topo, "db", "web", port=port, listening=probe.state == "open")
        assert r.ok == (state == "open")
        if not r.ok:
            assert r.stop.name == "web" and "nothing listens on tcp port 81 in web" in r.why


def test_path_is_drawn(lab, client):
    three_networks(lab)
    d = labkit.draw(lab, path=("web", "db"))
    assert d.route.ok
    green = {e["id"] for e in d.edges if e.get("width") == 4}
    assert green == {"ep:host1/web/back", "ep:host1/db/back"}
    assert nodes(d)["ctr:host1/solo"]["opacity"] < 1 and "opacity" not in nodes(d)["ctr:host1/db"]
    assert d.heading.startswith("✓ web -> db: reachable: web and db share network back")
    stopped = labkit.draw(lab, path=("solo", "db"))
    assert not stopped.route.ok
    assert nodes(stopped)["host:host1"]["color"]["border"] == "#d62728"          # where it stops
    assert nodes(stopped)["net:host1/back"]["color"]["border"] == "#d62728"      # what it could not enter
    assert stopped.heading.startswith("✗ solo -> db: unreachable: internal network: ")   # the probes' words
    assert "network back is internal: nothing enters it" in stopped.heading
    walked = {e["id"] for e in stopped.edges if e.get("width") == 4}
    assert walked == {"ep:host1/solo/bridge", "link:net:host1/bridge@host1"}
    closed = labkit.draw(lab, path=("db", "web", 81))          # a real probe says nothing listens
    assert not closed.route.ok and "nothing listens on tcp port 81" in closed.route.why
    nobody = labkit.draw(lab, path=("nobody", "web"))
    assert "none mode" in nobody.route.why and nobody.route.stop.name == "nobody"


def test_the_default_bridge_keeps_its_gateway_when_empty(lab, client):
    """docker0's address: no IPAM gateway is listed for the default bridge (on the real engine
    too), so labkit takes the subnet's first address; a container on it shows the same gateway."""
    empty = nodes(labkit.draw(lab))["net:host1/bridge"]["label"]
    m = re.fullmatch(r"bridge\nbridge (172\.\d+\.0\.0/16)\ngateway (172\.\d+\.0\.1)", empty)
    assert m, empty
    lab.container("solo")
    gateway = client.containers.get("solo").attrs["NetworkSettings"]["Networks"]["bridge"]["Gateway"]
    assert gateway == m.group(2)
    assert nodes(labkit.draw(lab))["net:host1/bridge"]["label"] == empty


# -- without an engine --------------------------------------------------------------------------------------
def hand_built() -> model.Topology:
    """Two hosts with a swarm-scope overlay seen on both, and a bridge of their own each."""
    topo = model.Topology()
    for h in ("h1", "h2"):
        topo.hosts.append(model.Host(h, f"id-{h}"))
        topo.networks.append(model.Network("ov-id", "ov", "overlay", "swarm", ("10.0.1.0/24",), ("10.0.1.1",),
                                           attachable=True, host=h))
        topo.networks.append(model.Network(f"br-{h}", "bridge", "bridge", subnets=("172.17.0.0/16",),
                                           gateways=("172.17.0.1",), host=h))
    for name, h, ip in (("a", "h1", "10.0.1.2"), ("b", "h2", "10.0.1.3")):
        topo.containers.append(model.Container(f"c-{name}", name, "busybox", "running", "ov", host=h))
        topo.endpoints.append(model.Endpoint(name, "ov", f"c-{name}", "ov-id", "eth0", f"{ip}/24", host=h))
    topo.containers.append(model.Container("c-s", "s", "busybox", "running", "default", host="h2"))
    topo.endpoints.append(model.Endpoint("s", "bridge", "c-s", "br-h2", "eth0", "172.17.0.2/16", host="h2"))
    return topo


def test_hand_built_overlay_on_two_hosts():
    topo = hand_built()
    d = build(topo)
    assert set(nodes(d)) == {"host:h1", "host:h2", "net:swarm/ov", "net:h1/bridge", "net:h2/bridge",
                             "ctr:h1/a", "ctr:h2/b", "ctr:h2/s"}
    assert edges_of(d, "net:swarm/ov") == {("host:h1", "net:swarm/ov", "VXLAN"), ("host:h2", "net:swarm/ov", "VXLAN"),
                                           ("net:swarm/ov", "ctr:h1/a", "eth0\n10.0.1.2/24"),
                                           ("net:swarm/ov", "ctr:h2/b", "eth0\n10.0.1.3/24")}
    assert paths.route(topo, "a", "b").ok
    r = paths.route(topo, "a", "s")
    assert not r.ok and r.stop.name == "h1" and "private to host h2" in r.why
    assert paths.resolves(topo, "a", "b") == (True, "on network ov, Docker's DNS answers b")
    assert not paths.resolves(topo, "s", "a")[0]
    # The same snapshot given as two parts (one per host) draws the same.
    parts = [model.Topology([h], [n for n in topo.networks if n.host == h.name],
                            [c for c in topo.containers if c.host == h.name],
                            [e for e in topo.endpoints if e.host == h.name]) for h in topo.hosts]
    assert labkit.draw(parts).nodes == d.nodes


def test_two_independent_simulated_engines():
    servers = []
    try:
        labs = []
        for name, subnet in (("east", "10.81.0.0/24"), ("west", "10.82.0.0/24")):
            world = sim.World()
            server = sim.serve(world, world.add_host(name))
            servers.append(server)
            lab = Lab(docker.DockerClient(base_url=server.url, version="1.41"), name="lab")
            lab.network("net", subnet=subnet)
            lab.container("cc", networks="net")
            labs.append(lab)
        d = labkit.draw(labs)
        assert set(nodes(d)) == {"host:east", "host:west", "net:east/bridge", "net:west/bridge",
                                 "net:east/net", "net:west/net", "ctr:east/cc", "ctr:west/cc"}
        assert ("net:west/net", "ctr:west/cc", "eth0\n10.82.0.2/24") in edges(d)
        r = paths.route(d.topology, "east/cc", "west/cc")
        assert not r.ok and "private to host west" in r.why
        with pytest.raises(paths.UnknownContainer, match="east/cc, west/cc"):
            paths.route(d.topology, "cc", "west/cc")
        assert labkit.draw([labs[0], labs[0]]).nodes == labkit.draw(labs[0]).nodes   # the same engine twice
        twins = []
        for subnet in ("10.83.0.0/24", "10.84.0.0/24"):    # two engines, both host1
            server = sim.serve(sim.World())
            servers.append(server)
            twins.append(Lab(docker.DockerClient(base_url=server.url, version="1.41")))
            twins[-1].network("net", subnet=subnet)
        with pytest.raises(DrawError, match="both named 'host1'"):
            labkit.draw(twins)
    finally:
        for s in servers:
            s.close()


def test_what_can_be_drawn():
    topo = hand_built()
    assert topology_of(topo) is topo
    for bad in ("sim", 42, []):
        with pytest.raises(DrawError):
            labkit.draw(bad)
    with pytest.raises(DrawError, match="library"):
        labkit.draw(topo, library="cdn")


def test_positions_are_fixed_and_rows_are_levels():
    d = build(hand_built())
    for n in d.nodes:
        row = SWARM_ROW_Y if n["id"].startswith("net:swarm/") else (0, 170, 370)[n["level"]]
        assert isinstance(n["x"], (int, float)) and n["y"] == row
    assert json.loads(json.dumps(d.options))["physics"] == {"enabled": False}
    assert d.options["layout"]["randomSeed"] == 7


def test_several_hosts_stand_side_by_side():
    """Each host above a column of its own networks and containers, the columns in the hosts'
    order; the swarm's networks in a row above the hosts, over the middle of the drawing."""
    topo = hand_built()
    topo.hosts.append(model.Host("h3", "id-h3"))
    topo.networks += [model.Network("ov-id", "ov", "overlay", "swarm", ("10.0.1.0/24",), host="h3"),
                      model.Network("br-h3", "bridge", "bridge", subnets=("172.17.0.0/16",), host="h3")]
    for i in range(5):
        topo.containers.append(model.Container(f"c-w{i}", f"w{i}", "busybox", "running", "default", host="h3"))
        topo.endpoints.append(model.Endpoint(f"w{i}", "bridge", f"c-w{i}", "br-h3", "eth0", f"172.17.0.{i + 2}/16",
                                             host="h3"))
    x = {n["id"]: n["x"] for n in build(topo).nodes}
    hosts = ("h1", "h2", "h3")
    spans = [[v for k, v in x.items() if k.split(":")[1].partition("/")[0] == h] for h in hosts]
    for (left, right) in zip(spans, spans[1:]):
        assert max(left) < min(right)        # h1's column, then h2's, then h3's: no overlap
    for h, span in zip(hosts, spans):
        assert min(span) <= x[f"host:{h}"] <= max(span)
    assert min(x.values()) < x["net:swarm/ov"] < max(x.values())
    assert len({n["y"] for n in build(topo).nodes if n["id"].startswith("ctr:h3/")}) == 3   # 5 in rows of 2


def test_big_drawings_wrap_containers_into_rows():
    topo = model.Topology([model.Host("h")], [model.Network("n", "n", "bridge", host="h")])
    for i in range(40):
        topo.containers.append(model.Container(f"id{i}", f"c{i:02}", "busybox", "running", "n", host="h"))
        topo.endpoints.append(model.Endpoint(f"c{i:02}", "n", f"id{i}", "n", "eth0", f"10.0.0.{i + 2}/24", host="h"))
    d = build(topo)
    rows = {n["y"] for n in d.nodes if n["id"].startswith("ctr:")}
    assert len(rows) > 1


# -- the HTML: offline, and nothing written -------------------------------------------------------------------
def test_html_has_no_remote_resource_and_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    d = labkit.draw(hand_built(), path=("a", "b"))
    for library in ("inline", "shared"):
        page = d.to_html(library)
        assert remote_resources(page) == []
        assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page, re.IGNORECASE)
        if library == "shared":   # (the packed library is base64: any three letters may occur in it)
            assert "cdn" not in page.lower() and "bootstrap" not in page.lower()
    assert ('id="vis-network-gz"' in d.to_html("inline")) and ('id="vis-network-gz"' not in d.to_html("shared"))
    frame = d.iframe()
    assert frame.startswith('<iframe srcdoc="') and 'sandbox="allow-scripts"' in frame
    assert "<script" not in frame.split('srcdoc="')[1].split('" sandbox')[0]   # all of it escaped
    assert os.listdir(tmp_path) == []


def test_pyvis_templates_are_stripped_of_their_cdn_tags():
    page = Network(cdn_resources="in_line").generate_html()
    assert len(remote_resources(page)) == 2          # Bootstrap's <link> and <script>
    stripped = strip_remote(page)
    assert remote_resources(stripped) == [] and "vis.Network" in stripped


def test_the_library_is_pyvis_vis_network_packed_deterministically():
    import base64
    import gzip
    packed = vis_library()
    assert packed == vis_library()
    code = gzip.decompress(base64.b64decode(packed))
    assert code.startswith(b"/**\r\n * vis-network") and b"@version 9.1.2" in code
    assert b"sourceMappingURL" not in code
    assert 100_000 < len(packed) < 200_000


def test_inline_display_carries_the_library_once(monkeypatch):
    d = build(hand_built())
    cell = {"id": "cell-1"}
    # (labkit.frame: the drawing's page, which knows which cell carried the library)
    monkeypatch.setattr(importlib.import_module("labkit.frame"), "_current_cell", lambda: cell["id"])
    PAGE.forget()
    try:
        first = d._repr_html_()
        cell["id"] = "cell-2"
        second = d._repr_html_()
        cell["id"] = "cell-1"                     # the carrier's cell runs again: it carries it again
        third = d._repr_html_()
    finally:
        PAGE.forget()
    carried = 'id=&quot;vis-network-gz&quot;'
    assert carried in first and carried not in second and carried in third
    assert len(first) < 200_000 and len(second) < 20_000
    d.library = "shared"
    assert carried not in d._repr_html_()
    assert repr(d) == "<labkit drawing: 2 hosts, 3 networks, 3 containers, 3 endpoints>"
    with_route = highlight(build(hand_built()), paths.route(hand_built(), "a", "s"))
    assert repr(with_route).endswith("; a -> s: stops at host h1>")


def test_a_drawings_output_carries_its_static_picture():
    """What a saved notebook shows unrun: the picture in an <img> (kept by an untrusted notebook's
    sanitiser, shown by static renderers), the live frame hidden beside it, a script to swap them."""
    d = highlight(build(hand_built()), paths.route(hand_built(), "a", "s"))
    d.library = "shared"                     # (which output carries vis-network: the test above)
    out = d._repr_html_()
    img = re.search(r'<img class="labkit-picture" alt="([^"]*)" style="max-width:100%" src="([^"]*)"/>', out)
    assert img and img.group(2) == picture.data_uri(d)
    assert html.unescape(img.group(1)) == f"labkit drawing: {d.summary()}"
    assert out.index("<img") < out.index("<iframe") < out.index("<script>")
    assert '<iframe srcdoc=' in out and 'style="display:none;width:100%;' in out
    assert "box-sizing:border-box" in out                       # no 2-px scrollbar in the cell
    assert "img.labkit-picture" in out.split("<script>", 1)[1]
    assert d._repr_html_() == out                                # deterministic (nbval compares it)
