"""The simulated containers' programs (labkit/sim/applets): every applet of the image is either
modelled or says that it is not; option parsing as busybox's getopt does it; and the applets
lessons use, printed as busybox 1.35 prints them (checked with `docker exec` on the real engine)."""
from __future__ import annotations

import subprocess

import pytest

import labkit.sim as sim
from labkit.sim.applets import APPLETS
from labkit.sim.applets.registry import CATALOGUE, Family, parse, parse_spec
from labkit.sim.engine import containers, endpoints, networks
from labkit.sim.engine.drivers import NetworkSpec
from labkit.sim.shell import Shell


@pytest.fixture(scope="module")
def host():
    world = sim.World()
    return world.add_host()


def start(host, name: str, network: str | None = None, cmd=("sleep", "600")):
    body = {"Image": "busybox", "Cmd": list(cmd), "HostConfig": {"NetworkMode": network or "default"}}
    c = containers.create(host, name, body)
    containers.start(c)
    return c


@pytest.fixture(scope="module")
def box(host):
    networks.create(host, NetworkSpec("front"))
    start(host, "peer", "front")
    return start(host, "box", "front")


def run(c, line: str) -> tuple[int, str, str]:
    res = Shell(c, c.process, main=False).run_script(line)
    return res.code, res.out, res.err


# -- the catalogue ----------------------------------------------------------------------------------
def test_the_catalogue_is_busybox_list():
    assert len(CATALOGUE) == 269
    try:
        listed = subprocess.run(["/bin/busybox", "--list"], capture_output=True, text=True, timeout=10).stdout
    except OSError:
        pytest.skip("no /bin/busybox here to compare with")
    assert set(listed.split()) == CATALOGUE


@pytest.mark.parametrize("name", sorted(CATALOGUE - set(APPLETS.modelled)))
def test_an_applet_not_modelled_says_so_and_fails(box, name):
    code, out, err = run(box, f"{name} --version" if name not in ("[", "[[") else name)
    assert code != 0 and out == ""
    assert err == f"{name}: labkit's simulated engine does not model the {name} command; try it on a real Docker engine\n"


def test_every_registered_applet_is_in_the_image():
    fam = Family("test")
    with pytest.raises(ValueError, match="is not an applet of the lab image's busybox"):
        fam.applet("nosuch")(lambda call: None)


def test_a_program_the_image_lacks_is_not_found(box):
    assert run(box, "nosuch") == (127, "", "sh: nosuch: not found\n")
    assert APPLETS.program("/bin/ping") == "ping" and APPLETS.program("/opt/ping") is None


# -- options -------------------------------------------------------------------------------------------
def test_parse_spec_is_getopts():
    assert parse_spec("lw:p:i:") == ("lwpi", "wpi")


@pytest.mark.parametrize("args, flags, values, words", [
    (["-qO-", "http://x/"], {"q"}, {"O": "-"}, ["http://x/"]),           # combined, value attached
    (["-O", "file", "-q", "url"], {"q"}, {"O": "file"}, ["url"]),       # value in the next word
    (["--spider", "url"], {"--spider"}, {}, ["url"]),                   # long options kept whole
    (["-", "x"], set(), {}, ["-", "x"]),                                # "-" is a word
])
def test_parse_as_getopt(args, flags, values, words):
    opts = parse(args, "qO:")
    assert (opts.flags, opts.values, opts.words, opts.bad) == (flags, values, words, None)


def test_strict_parsing_records_the_first_unknown_letter():
    assert parse(["-lzx", "-p", "80"], "lp:", strict=True).bad == "z"
    assert parse(["-lzx"], "lp:").bad is None


@pytest.mark.parametrize("line, head", [
    ("nc -z", "nc: invalid option -- 'z'\nBusyBox v1.35.0"),
    ("netstat -z", "netstat: invalid option -- 'z'\nBusyBox v1.35.0"),
])
def test_an_unknown_option_is_refused_with_the_usage(box, line, head):
    code, out, err = run(box, line)
    assert code == 1 and out == "" and err.startswith(head) and "\nUsage: " in err


# -- route (and netstat -r): the routing table, as busybox prints it -----------------------------------
ROUTES_N = ("Kernel IP routing table\n"
            "Destination     Gateway         Genmask         Flags Metric Ref    Use Iface\n"
            "0.0.0.0         172.18.0.1      0.0.0.0         UG    0      0        0 eth0\n"
            "172.18.0.0      0.0.0.0         255.255.0.0     U     0      0        0 eth0\n")
ROUTES_E = ("Kernel IP routing table\n"
            "Destination     Gateway         Genmask         Flags   MSS Window  irtt Iface\n"
            "default         172.18.0.1      0.0.0.0         UG        0 0          0 eth0\n"
            "172.18.0.0      *               255.255.0.0     U         0 0          0 eth0\n")


@pytest.mark.parametrize("line, out", [
    ("route -n", ROUTES_N),
    ("route", ROUTES_N.replace("0.0.0.0         172", "default         172").replace("0.0.0.0         255", "*               255")),
    ("route -e", ROUTES_E),
    ("route -A inet -n", ROUTES_N),
    ("netstat -r", ROUTES_E),
    ("netstat -rn", ROUTES_E.replace("default     ", "0.0.0.0     ").replace("*               255", "0.0.0.0         255")),
])
def test_route_prints_the_routing_table(box, line, out):
    assert run(box, line) == (0, out, "")


def test_route_on_two_networks_and_in_the_hosts_namespace(host, box):
    two = start(host, "two", "front")
    endpoints.connect(two, networks.create(host, NetworkSpec("back")), {})
    lines = run(two, "route -n")[1].splitlines()[2:]
    # The default route is the first network's by name (back), the subnets in address order.
    assert [line.split()[:3] for line in lines] == [["0.0.0.0", "172.19.0.1", "0.0.0.0"],
                                                   ["172.18.0.0", "0.0.0.0", "255.255.0.0"],
                                                   ["172.19.0.0", "0.0.0.0", "255.255.0.0"]]
    assert [line.split()[-1] for line in lines] == ["eth1", "eth0", "eth1"]
    hostie = start(host, "hostie", "host")
    table = run(hostie, "route -n")[1]
    assert "10.99.0.0       0.0.0.0         255.255.255.0   U     0      0        0 eth0\n" in table
    assert "172.17.0.0      0.0.0.0         255.255.0.0     U     0      0        0 docker0\n" in table


def test_route_changes_are_not_modelled(box):
    assert run(box, "route add default gw 10.0.0.1")[0] == 1
    assert "does not model changing the routing table" in run(box, "route add default gw 10.0.0.1")[2]
    assert run(box, "route -z")[2].startswith("route: invalid option -- 'z'\nBusyBox v1.35.0")
