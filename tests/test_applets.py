"""The simulated containers' programs (labkit/sim/applets): every applet of the image is either
modelled or says that it is not; option parsing as busybox's getopt does it; and the applets
lessons use, printed as busybox 1.35 prints them (checked with `docker exec` on the real engine)."""
from __future__ import annotations

import re
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
    with host.world.lock:   # as the API holds it: a command that ends at once notifies waiters
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


def test_route_changes_need_net_admin(box):
    """route add|del are modelled (tests/test_ipchange.py compares them with the kernel); without
    NET_ADMIN the kernel refuses them; IPv6's are not modelled."""
    assert run(box, "route add default gw 10.0.0.1") == (1, "", "route: SIOCADDRT: Operation not permitted\n")
    assert "does not model changing the routing table" in run(box, "route -A inet6 add 2001:db8::/64 dev eth0")[2]
    assert run(box, "route -z")[2].startswith("route: invalid option -- 'z'\nBusyBox v1.35.0")


# -- busybox's own option letters: the strict applets accept what busybox accepts -----------------------
def busybox_letters(applet: str) -> tuple[str, str] | None:
    """(flags, letters that take a value) as the image's busybox reads them, tried one by one."""
    flags, values = "", ""
    for letter in "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789":
        try:
            said = subprocess.run(["/bin/busybox", applet, "-" + letter], capture_output=True, text=True,
                                  timeout=2, stdin=subprocess.DEVNULL).stderr
        except OSError:
            return None
        except subprocess.TimeoutExpired:   # it took the option and got to work (nc -l listens)
            said = ""
        if "requires an argument" in said:
            values += letter
        elif "invalid option" not in said:
            flags += letter
    return flags, values


@pytest.mark.parametrize("name", sorted(n for n, a in APPLETS.applets.items() if a.usage))
def test_a_strict_applets_letters_are_busyboxs(name):
    found = busybox_letters(name)
    if found is None:
        pytest.skip("no /bin/busybox here to ask")
    letters, values = parse_spec(APPLETS.applets[name].spec)
    assert (sorted(set(letters) - set(values)), sorted(values)) == (sorted(found[0]), sorted(found[1]))


# -- the cheap ones, as busybox prints them -------------------------------------------------------------
@pytest.mark.parametrize("line, result", [
    ("basename /a/b.txt .txt", (0, "b\n", "")),
    ("dirname /a/b", (0, "/a\n", "")),
    ("seq 3", (0, "1\n2\n3\n", "")),
    ("seq 2 4", (0, "2\n3\n4\n", "")),
    ("printf '%s-%d\\n' a 3", (0, "a-3\n", "")),
    ("echo abc | tr a-z A-Z", (0, "ABC\n", "")),
    ("printf 'a\\na\\nb\\n' | uniq", (0, "a\nb\n", "")),
    ("printf '1\\n2\\n' | tac", (0, "2\n1\n", "")),
    ("echo abc | rev", (0, "cba\n", "")),
    ("echo -e 'a\\tb'", (0, "a\tb\n", "")),
    ("expr 1 + 2", (0, "3\n", "")),
    ("expr 5 / 0", (2, "", "expr: division by zero\n")),
    ("test 1 -eq 1", (0, "", "")),
    ("test 1 -eq x", (2, "", "sh: x: bad number\n")),
    ("[ -f /etc/hosts ] && echo yes", (0, "yes\n", "")),
    ("[ 1 -eq 1", (2, "", "sh: missing ]\n")),
    ("which ls nosuch; echo $?", (0, "/bin/ls\n1\n", "")),
    ("arch; nproc", (0, "x86_64\n2\n", "")),
    ("logname", (1, "", "logname: getlogin: No such device or address\n")),
    ("groups", (1, "0\n", "groups: unknown ID 0\n")),
    ("rm /nope", (1, "", "rm: can't remove '/nope': No such file or directory\n")),
    ("mkdir /tmp/d", (1, "", "mkdir: can't create directory '/tmp/d': No such file or directory\n")),
    ("touch /tmp/x", (1, "", "touch: /tmp/x: No such file or directory\n")),
])
def test_the_small_tools(box, line, result):
    assert run(box, line) == result


def test_hostid_is_the_address_with_its_halves_swapped(box):
    assert run(box, "hostname -i; hostid")[1] == "172.18.0.3\n12ac0300\n"


def test_date_and_uptime_have_busyboxs_shape(box):
    assert re.fullmatch(r"\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d UTC \d{4}\n", run(box, "date")[1])
    assert re.fullmatch(r"\d{4}\n", run(box, "date -u +%Y")[1])
    assert re.fullmatch(r" \d\d:\d\d:\d\d up \d+ min,  0 users,  load average: 0.00, 0.00, 0.00\n",
                        run(box, "uptime")[1])
    assert "does not model date's options" in run(box, "date -s 2020-01-01")[2]   # setting the clock


def test_ps_lists_the_main_process_and_itself(host, box):
    lines = run(box, "ps")[1].splitlines()
    assert lines[0] == "PID   USER     COMMAND" and lines[1] == "    1 0        sleep 600"
    assert re.fullmatch(r" +\d+ 0        ps", lines[2])
    assert run(box, "ps -o pid,comm")[1].splitlines()[:2] == ["PID   COMMAND", "    1 sleep"]
    assert run(box, "ps -o foo")[2].startswith("ps: bad -o argument 'foo', supported arguments: user,")
    main = start(host, "psmain", cmd=("ps",))
    assert main.logs == "PID   USER     COMMAND\n    1 0        ps\n"


def test_ping_with_a_size(box):
    out = run(box, "ping -c 1 -s 100 peer")[1]
    assert out.startswith("PING peer (172.18.0.2): 100 data bytes\n108 bytes from 172.18.0.2: seq=0 ttl=64")


def test_proc_net_route_is_the_same_table(box):
    table = run(box, "cat /proc/net/route")[1].splitlines()
    assert table[0].startswith("Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU")
    assert table[1].rstrip() == "eth0\t00000000\t010012AC\t0003\t0\t0\t0\t00000000\t0\t0\t0"
    assert table[2].rstrip() == "eth0\t000012AC\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0"
    assert {len(line) for line in table} == {127}
