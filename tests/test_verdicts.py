"""Probes said plainly (labkit.verdicts): reachable or not, and the true reason, from what the tool
printed first and the route read from the snapshot second. Runs real probes on the simulator."""
from __future__ import annotations

import pytest

import labkit
from labkit import paths, verdicts


@pytest.fixture(scope="module")
def lab():
    lab = labkit.Lab(engine="sim", name="verdicts")
    lab.network("front")
    lab.network("back")
    lab.network("vault", internal=True)
    lab.container("web", networks=["front"])
    lab.container("api", networks=["front", "back"])
    lab.container("db", networks=["back"])
    lab.container("safe", networks=["vault"])
    lab.container("srv", networks=["front"], command=["httpd", "-f", "-p", "80"])
    yield lab
    lab.reset()


def ping(lab, a, b):
    probe = lab.ping(a, b)
    return verdicts.of_ping(a, b, probe.ok, probe.output,
                            paths.route(lab.snapshot(), a, b, address=probe.address) if b in ("web", "api", "db", "safe", "srv") else None)


def test_a_name_that_does_not_resolve_is_said_so_not_blamed_on_isolation(lab):
    v = ping(lab, "web", "db")   # db is on back only: web's DNS has no entry for it
    assert not v.reachable and v.reason == paths.NO_NAME
    assert str(v) == "✗ web -> db: unreachable: name did not resolve (ping: bad address 'db')"


def test_no_shared_network(lab):
    address = lab.client.containers.get("db").attrs["NetworkSettings"]["Networks"]["back"]["IPAddress"]
    probe = lab.ping("web", address)
    r = paths.route(lab.snapshot(), "web", "db", address=probe.address)
    v = verdicts.of_ping("web", address, probe.ok, probe.output, r)
    assert (v.reachable, v.reason) == (False, paths.NO_SHARED_NETWORK), v
    assert str(v).startswith(f"✗ web -> {address}: unreachable: no shared network (")
    assert "isolated" in v.detail


def test_internal_network(lab):
    address = lab.client.containers.get("safe").attrs["NetworkSettings"]["Networks"]["vault"]["IPAddress"]
    probe = lab.ping("web", address)
    v = verdicts.of_ping("web", address, probe.ok, probe.output,
                         paths.route(lab.snapshot(), "web", "safe", address=probe.address))
    assert (v.reachable, v.reason) == (False, paths.INTERNAL), v


def test_reachable_is_marked_as_a_pass_only_when_it_is(lab):
    v = ping(lab, "web", "api")
    assert v.reachable and str(v) == "✓ web -> api: reachable"


def test_nothing_listening_and_an_open_port(lab):
    closed = lab.port("web", "api", 80)
    v = verdicts.of_port("web", "api", 80, closed.ok, closed.output,
                         paths.route(lab.snapshot(), "web", "api", port=80, listening=False))
    assert (v.state, v.reason) == ("closed", paths.NOTHING_LISTENING)
    assert str(v).startswith("✗ web -> api:80/tcp: closed: nothing listening (")
    opened = lab.port("web", "srv", 80)
    assert str(verdicts.of_port("web", "srv", 80, opened.ok, opened.output)) == "✓ web -> srv:80/tcp: open"


def test_lookups_and_routes_read_alike(lab):
    assert str(verdicts.of_lookup("web", "db", lab.resolve("web", "db", timeout=1))) == \
        "✗ web -> db: not resolved: name did not resolve"
    assert str(verdicts.of_route(paths.route(lab.snapshot(), "web", "db"))) == \
        "✗ web -> db: unreachable: no shared network"
    assert str(verdicts.of_route(paths.route(lab.snapshot(), "web", "api"))) == "✓ web -> api: reachable"


def test_silence_on_an_open_route_is_filtered():
    web = labkit.model.Container("w", "web", "busybox", "running", "front")
    r = paths.Route(web, web, True, "web and web share network front")
    v = verdicts.of_ping("web", "10.0.0.9", False, "1 packets transmitted, 0 packets received, 100% packet loss", r)
    assert v.reason == paths.FILTERED and "nothing answered" in v.detail


def test_a_probe_of_oneself_goes_over_its_own_loopback(lab):
    # Not "container: mode" (web is on a network of its own): a packet to oneself never leaves.
    itself = "srv reaches itself over its own loopback: the packet never leaves the container"
    snap = lab.snapshot()
    pinged = lab.ping("srv", "srv")
    v = verdicts.of_ping("srv", "srv", pinged.ok, pinged.output, paths.route(snap, "srv", "srv", address=pinged.address))
    assert v.explained() == f"✓ srv -> srv: reachable\n{itself}"
    opened = lab.port("srv", "srv", 80)
    v = verdicts.of_port("srv", "srv", 80, opened.ok, opened.output,
                         paths.route(snap, "srv", "srv", port=80, listening=True))
    assert v.explained() == f"✓ srv -> srv:80/tcp: open\n{itself}, tcp port 80 and something listens there"
    drawn = labkit.draw(lab, path=("srv", "srv"))
    assert drawn.heading == f"✓ srv -> srv: reachable: {itself} [container srv]"   # the probes' words
    assert not any(e["id"].startswith("route:") for e in drawn.edges)      # no loop drawn onto srv
    walk = labkit.trace(lab, "srv", "srv")
    assert walk.reached and itself in str(walk)


def test_the_matrix_says_why_in_the_same_words(lab):
    m = labkit.matrix(lab, ["web", "api", "db"])
    assert m["web", "db"].reason == paths.NO_SHARED_NETWORK and not m["web", "db"].ping
    assert m["web", "api"].reason == ""
    page = m._repr_html_()
    assert "ping: no shared network: networks front and back are isolated from each other" in page
    assert "name: name did not resolve: web and db share no user-defined network" in page
