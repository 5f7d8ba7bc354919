"""labkit.panel and labkit.view: driven by .click() on both engines, each action changes the
engine and the drawing and shows its docker CLI line; bad input in every field gives a message
(the engine's text where the engine refused) and leaves nothing behind; reprs are short.
"""
from __future__ import annotations

import ipywidgets as w
import pytest

import labkit
from labkit.lab import Lab
from labkit.widgets import GraphView, Panel
from tests.engines import state

PREFIX = "lkwg"   # this module's private real engine (fixtures `client`, `real_engine`: conftest)

LABELS = "--label labkit=1 --label labkit.lab=lab"


def click(p: Panel, button: str, **fields) -> Panel:
    for name, value in fields.items():
        getattr(p, name).value = value
    getattr(p, button).click()
    return p


def node_ids(p: Panel) -> set[str]:
    return {n["id"] for n in p.graph.drawing.nodes}


def edge_ids(p: Panel) -> set[str]:
    return {e["id"] for e in p.graph.drawing.edges}


def descendants(widget):
    yield widget
    for child in getattr(widget, "children", ()):
        yield from descendants(child)


# -- actions on both engines --------------------------------------------------------------------------------
def test_panel_actions_change_the_engine_and_the_drawing(client):
    lab = Lab(client, name="lab")
    p = labkit.panel(lab)
    assert isinstance(p, w.Box) and p.graph in p.children and p.pages in descendants(p)
    assert not any(isinstance(x, w.Tab) for x in descendants(p))    # sections: toggle buttons over a stack
    assert not any(isinstance(x, w.Output) for x in descendants(p))    # nothing that could pile up output
    first = p.graph.value

    click(p, "create_network", network_name="front", network_subnet="10.91.0.0/24")
    assert p.ok and p.message == "network front (bridge, 10.91.0.0/24)"
    assert p.command == [f"docker network create --driver bridge --subnet 10.91.0.0/24 {LABELS} front"]
    assert "front" in state(client)[1] and "net:host1/front" in node_ids(p)
    assert p.graph.value != first and "docker network create" in p.status.value
    click(p, "create_network", network_name="back", network_subnet="10.92.0.0/24", network_internal=True)
    assert p.ok and client.networks.get("back").attrs["Internal"]

    click(p, "run_container", container_name="web", container_networks="front, back", container_ports="8080:80",
          container_command="httpd -f -p 80")
    assert p.ok and p.message == "container web running (back 10.92.0.2, front 10.91.0.2)"
    assert p.command == [f"docker run -d --name web --network front -p 127.0.0.1:8080:80 {LABELS} busybox "
                         "httpd -f -p 80",
                         "docker network connect back web"]
    assert {"ep:host1/web/front", "ep:host1/web/back", "pub:port:host1/127.0.0.1:8080/tcp"} <= edge_ids(p)
    click(p, "run_container", container_name="db", container_networks="back", container_ports="",
          container_command="")
    assert p.ok and "ctr:host1/db" in node_ids(p)
    assert sorted(p.probe_source.options) == ["db", "web"] and "back" in p.link_network.options
    click(p, "run_container", container_name="hostie", container_networks="", container_mode="host")
    assert p.ok and "mode:host1/hostie" in edge_ids(p)
    click(p, "run_container", container_name="alone", container_mode="none")
    assert p.ok and not any("alone" in e for e in edge_ids(p))

    click(p, "connect", link_container="db", link_network="front")
    assert p.ok and p.command == ["docker network connect front db"] and "ep:host1/db/front" in edge_ids(p)
    click(p, "disconnect", link_container="db", link_network="front")
    assert p.ok and p.command == ["docker network disconnect front db"] and "ep:host1/db/front" not in edge_ids(p)

    click(p, "probe", probe_source="db", probe_target="web", probe_kind="ping")
    assert p.ok and p.command == ["docker exec db ping -c 1 -W 1 web"]
    assert p.message.startswith("db -> web (10.92.0.2): reachable\ndb and web share network back")
    assert p.graph.drawing.route.ok and "route" not in repr(p)
    click(p, "probe", probe_kind="port", probe_port="80")
    assert p.ok and p.message.startswith("db -> web:80/tcp: open\n")
    click(p, "probe", probe_kind="port", probe_port="81")
    assert not p.ok and p.message.startswith("db -> web:81/tcp: closed: nothing listening (")
    assert p.error is None and (p.verdict.state, p.verdict.reason) == ("closed", "nothing listening")
    assert "<div style=\"color:#d62728\">&#10007; db -&gt; web:81/tcp: closed" in p.status.value
    assert p.graph.drawing.route.stop.name == "web"
    click(p, "probe", probe_kind="name")
    assert p.ok and p.message == "db -> web: resolved to 10.92.0.2\non network back, Docker's DNS answers web"
    click(p, "probe", probe_source="hostie", probe_target="10.91.0.2", probe_kind="ping")
    assert p.ok and p.message == "hostie -> 10.91.0.2: reachable" and p.graph.drawing.route is None

    click(p, "show_matrix")
    assert p.ok and p.message == "reachability of 4 containers (12 pairs)" and "<table" in p.matrix_view.value
    assert p.verdict is None                                  # not a probe

    click(p, "remove_container", container_name="alone")
    assert p.ok and p.command == ["docker rm -f alone"] and "ctr:host1/alone" not in node_ids(p)
    click(p, "remove_container", container_name="db")
    click(p, "remove_network", network_name="back")
    assert not p.ok and "has active endpoints" in p.message          # web is still on it
    click(p, "reset")
    assert p.ok and p.message.startswith("removed containers ")
    removed, _, networks = p.message.removeprefix("removed containers ").partition("; networks ")
    assert set(removed.split(", ")) == {"hostie", "web"} and set(networks.split(", ")) == {"back", "front"}
    assert state(client) == ([], ["bridge", "host", "none"])
    assert not any(n.startswith("ctr:") for n in node_ids(p))
    assert repr(p) == "Panel(lab='lab')"


def test_redraw_shows_changes_made_outside_the_panel(client):
    lab = Lab(client, name="lab")
    p = labkit.panel(lab)
    lab.container("outside")                          # made with code (or a terminal's docker run)
    client.containers.get("outside").kill()           # and changed behind the lab's back
    assert "ctr:host1/outside" not in node_ids(p)     # the panel draws after its own actions
    click(p, "refresh")
    assert p.ok and p.message == "drawn again from what the engine holds now" and p.command == []
    assert "ctr:host1/outside" in node_ids(p)
    node = next(n for n in p.graph.drawing.nodes if n["id"] == "ctr:host1/outside")
    assert "exited" in node["title"]
    lab.reset()


def test_a_failed_ping_says_what_ping_said(client):
    # The engine's busybox answers "bad address" for a name the embedded DNS does not know: a
    # container on another bridge (the default bridge has no names at all).
    lab = Lab(client, name="lab")
    lab.container("hello")
    lab.network("front")
    lab.container("web", networks=["front"])
    p = click(labkit.panel(lab), "probe", probe_source="web", probe_target="hello", probe_kind="ping")
    # The name did not resolve: that is the reason, said as such (not the bridges' isolation, which
    # would stop a ping by address), with a ✗, never a ✓.
    assert not p.ok and p.message == "web -> hello: unreachable: name did not resolve (ping: bad address 'hello')"
    assert "&#10007;" in p.status.value and "&#10003;" not in p.status.value
    lab.reset()


# -- bad input, field by field --------------------------------------------------------------------------------
BAD = [
    ("create_network", dict(network_name="bad name"), "network name 'bad name' is not valid"),
    ("create_network", dict(network_name=""), "network name '' is not valid"),
    ("create_network", dict(network_name="other", network_subnet="10.0.0.0/33"), "is not a network address"),
    ("create_network", dict(network_name="other", network_subnet="10.91.0.5/24"), "did you mean 10.91.0.0/24?"),
    ("create_network", dict(network_name="other", network_subnet="10.91.0.0/24"),
     "cannot create network other: Pool overlaps with other one on this address space"),
    ("create_network", dict(network_name="other", network_driver="overlay"),
     "cannot create network other: This node is not a swarm manager."),
    ("create_network", dict(network_name="front", network_subnet="10.92.0.0/24"),
     "the lab's network front already exists with other settings (subnet 10.91.0.0/24 (asked: 10.92.0.0/24))"),
    ("create_network", dict(network_name="other", network_internal=True, network_subnet="10.0.0.1"),
     "cannot create network other: Invalid subnet 10.0.0.1 : invalid CIDR address: 10.0.0.1"),
    ("remove_network", dict(network_name="ghost"), "cannot remove network ghost: network ghost not found"),
    ("remove_network", dict(network_name="front"), "has active endpoints"),
    ("remove_network", dict(network_name="no way"), "network name 'no way' is not valid"),
    ("run_container", dict(container_name="x"), "at least two characters"),
    ("run_container", dict(container_name="db", container_image="nosuchimage"),
     "cannot create container db: No such image: nosuchimage:latest"),
    ("run_container", dict(container_name="db", container_image="bad image"), "image of container db"),
    ("run_container", dict(container_name="db", container_command='sh -c "oops'), "No closing quotation"),
    ("run_container", dict(container_name="db", container_networks="ghostnet"), "network ghostnet not found"),
    ("run_container", dict(container_name="db", container_networks="front ghostnet"),
     "cannot connect container db to network ghostnet: network ghostnet not found"),
    ("run_container", dict(container_name="db", container_networks="front, bad!"), "network name 'bad!'"),
    ("run_container", dict(container_name="db", container_ports="99999:80"), "host port 99999 is out of range"),
    ("run_container", dict(container_name="db", container_ports="abc"), "container port 'abc' is not a number"),
    ("run_container", dict(container_name="db", container_networks="front", container_mode="host"),
     "give networks or network_mode, not both"),
    ("run_container", dict(container_name="web", container_networks="front", container_command="sleep 5"),
     "the lab's container web already exists with other settings"),
    ("remove_container", dict(container_name="ghost"), "cannot remove container ghost: No such container: ghost"),
    ("remove_container", dict(container_name=""), "container name '' is not valid"),
    ("connect", dict(link_container="ghost", link_network="front"), "No such container: ghost"),
    ("connect", dict(link_container="web", link_network="ghostnet"), "network ghostnet not found"),
    ("connect", dict(link_container="web", link_network=""), "network name '' is not valid"),
    ("disconnect", dict(link_container="web", link_network="ghostnet"), "network ghostnet not found"),
    ("disconnect", dict(link_container="we b", link_network="front"), "container name 'we b' is not valid"),
    ("probe", dict(probe_source="ghost", probe_target="web"), "there is no container named ghost to probe from"),
    ("probe", dict(probe_source="", probe_target="web"), "probe source '' is not valid"),
    ("probe", dict(probe_source="web", probe_target="no such"), "probe target 'no such' is not valid"),
    ("probe", dict(probe_source="web", probe_target="web", probe_kind="port", probe_port="abc"),
     "port 'abc' is not a number"),
    ("probe", dict(probe_source="web", probe_target="web", probe_kind="port", probe_port=""),
     "give a port number, like 80"),
    ("probe", dict(probe_source="web", probe_target="web", probe_kind="port", probe_port="70000"),
     "port 70000 is out of range"),
]


@pytest.mark.parametrize("button, fields, says", BAD, ids=[f"{b}-{'-'.join(f)}-{i}" for i, (b, f, _) in enumerate(BAD)])
def test_bad_input_gives_a_message_and_leaves_nothing(client, button, fields, says):
    lab = Lab(client, name="lab")
    lab.network("front", subnet="10.91.0.0/24")
    lab.container("web", networks="front", command="httpd -f -p 80")
    p = labkit.panel(lab)
    before, drawn, history = state(client), p.graph.drawing.nodes, list(lab.history)
    click(p, button, **fields)
    assert not p.ok
    assert says in p.message
    assert "Traceback" not in p.message and "Traceback" not in p.status.value
    assert "&#10007;" in p.status.value                      # shown as a failure, with its CLI line if any
    assert all(f"$ {c}" in p.status.value.replace("&#x27;", "'").replace("&quot;", '"') for c in p.command)
    assert state(client) == before                           # nothing left behind
    assert p.graph.drawing.nodes == drawn and lab.history == history


# -- the graph view, and what a notebook stores of the widgets --------------------------------------------------
def test_graph_view_redraws_in_place(client):
    lab = Lab(client, name="lab")
    view = labkit.view(lab)
    assert isinstance(view, GraphView)
    assert repr(view) == "GraphView(1 host, 1 network, 0 containers, 0 endpoints)"
    before = view.value
    lab.network("front", subnet="10.93.0.0/24")
    lab.container("web", networks="front")
    view.redraw()
    assert repr(view) == "GraphView(1 host, 2 networks, 1 container, 1 endpoint)"
    assert view.value != before and view.value.startswith("<iframe srcdoc=") and 'sandbox="allow-scripts"' in view.value
    assert "id=&quot;vis-network-gz&quot;" in view.value     # a widget's value is not saved: it carries the library
    view.redraw(path=("web", "web"))
    assert repr(view).endswith("; web -> web: reachable)")


def test_reprs_are_short_and_stable():
    lab = Lab("sim", name="demo")
    p = labkit.panel(lab)
    assert repr(p) == "Panel(lab='demo')"
    bundle = p._repr_mimebundle_()
    assert bundle["text/plain"] == "Panel(lab='demo')"
    assert len(p.graph._repr_mimebundle_()["text/plain"]) < 110
    assert GraphView()._repr_mimebundle_()["text/plain"] == "GraphView(nothing drawn yet)"
    with pytest.raises(labkit.BadArgument, match="give a labkit.Lab"):
        labkit.panel("sim")
