"""The network tools: hostname, ping, nslookup, nc, wget, traceroute, netstat, ip, route.

Each asks the container's Sandbox (engine/sandbox.py) what the network would do and prints it the
way busybox 1.35 does. Times (round trips) are fixed small values: the simulator has no clock
worth showing, and the conformance suite normalises them.

A simulated host is offline: a name that the embedded DNS does not know is forwarded to the
host's name servers, which cannot be reached, so lookups of unknown names time out (nslookup:
";; connection timed out; no servers could be reached"), as on the private engines that judge
the simulator.
"""
from __future__ import annotations

import ipaddress

from ..engine import dns
from ..engine import tcp as tcp_sockets
from ..engine.filesystem import FileError
from ..engine.sandbox import Sandbox
from ..engine.sockets import Outcome
from ..state import IPAddr, IPv4Addr, Listener
from . import ipchange, iproute, usage
from .registry import BANNER, Call, Family, Result, not_modelled, parse
from .servers import listen, serve_http, served

net = Family("net tools")

RTT = "0.100"        # ping's round-trip time, shown
HOP = "0.010"        # traceroute's probe time, shown


def connect_failure(tool: str, ip: IPAddr, out: Outcome, wait: int | None) -> str:
    """How busybox's nc and wget report a connection that did not happen (the address is named
    for IPv4 only)."""
    where = f"can't connect to remote host ({ip})" if ip.version == 4 else "can't connect to remote host"
    if out.refused:
        return f"{tool}: {where}: Connection refused\n"
    if out.unreachable:
        return f"{tool}: {where}: {out.error or 'Network is unreachable'}\n"
    if out.no_neighbour and (wait is None or wait >= 3):
        return f"{tool}: {where}: No route to host\n"  # ARP gives up after ~3 s
    if wait is not None:
        return f"{tool}: timed out\n"
    return f"{tool}: {where}: Connection timed out\n"


def size_text(n: int) -> str:
    """wget's progress bar size column: bytes up to 99999, then kilobytes."""
    if n <= 99999:
        return f"{n:6d}"
    k = n / 1024
    return f"{k:5.1f}k" if k < 1000 else f"{int(k):5d}k"


def ptr_name(sb: Sandbox, addr: IPv4Addr) -> str:
    """A name for an address, as traceroute and route look it up: /etc/hosts, then the embedded
    DNS's CONTAINER.NETWORK."""
    if str(addr).startswith("127."):
        return "localhost"
    for line in (sb.read_file("/etc/hosts") or "").splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[0] == str(addr):
            return parts[1]
    if sb.owner is not None:
        name = dns.embedded_reverse(sb.owner, addr)
        if name:
            return name
        sb.ask_upstream()  # the embedded DNS forwards the question it cannot answer
    return str(addr)


@net.applet("hostname", spec="dfisvF:", usage=usage.HOSTNAME)
def hostname(call: Call) -> Result:
    sb = call.sandbox
    name = sb.hostname
    if call.opts.words or "F" in call.opts.values:
        return not_modelled("hostname", "setting the host name")
    if call.args[:1] == ["-i"]:
        # The address the host name resolves to: the first of the container's /etc/hosts lines.
        ip, _how = sb.lookup(name, 4)  # gethostbyname: IPv4 only
        if ip is None:
            return Result.of(1, "", f"hostname: {name}: Host name lookup failure\n")
        return Result.of(0, f"{ip}\n")
    if call.args[:1] in (["-d"], ["-f"]):
        fqdn = canonical_name(sb, name)
        if call.args[0] == "-f":
            return Result.of(0, fqdn + "\n")
        return Result.of(0, fqdn.partition(".")[2] + "\n" if "." in fqdn else "")
    return Result.of(0, name + "\n")


@net.applet("dnsdomainname")
def dnsdomainname(call: Call) -> Result:
    """hostname -d: the domain of the host name's official name."""
    fqdn = canonical_name(call.sandbox, call.sandbox.hostname)
    return Result.of(0, fqdn.partition(".")[2] + "\n" if "." in fqdn else "")


def canonical_name(sb: Sandbox, name: str) -> str:
    """gethostbyname's official name for name: the first name of its /etc/hosts line (the
    engine writes "IP<tab>HOST.DOMAIN HOST" with --domainname)."""
    for line in (sb.read_file("/etc/hosts") or "").splitlines():
        parts = line.split()
        if len(parts) >= 2 and name in parts[1:]:
            return parts[1]
    return name


@net.applet("nc", spec="lw:p:i:e:f:", usage=usage.NC)
def nc(call: Call) -> Result:
    opts, sb = call.opts, call.sandbox
    if opts.has("l"):
        port = int(opts.get("p")) if opts.get("p").isdigit() else None
        if port is not None:
            lst = Listener("tcp", port, "nc", once=True, main=call.shell.main)
            failed = listen(call, lst)
            if failed:
                return failed
            if lst.main and not call.background:
                # In the main process's foreground (`while true; do nc -l -p 80; done`): it waits
                # for its one connection, prints what came and ends.
                call.process.wait_until(lambda: lst.received is not None)
                return Result.of(0, lst.received)
        if call.serves:
            call.shell.keep_running()
        return Result()
    if len(opts.words) < 1:
        return Result.of(1, "", usage.NC)
    host = opts.words[0]
    port = int(opts.words[1]) if len(opts.words) > 1 and opts.words[1].isdigit() else 0
    wait = int(opts.get("w")) if opts.get("w").isdigit() else None
    ip, how = sb.lookup(host)
    if ip is None:
        if how == "timeout" and wait is not None:
            return Result.of(1, "", "nc: timed out\n")  # -w bounds the name lookup too
        return Result.of(1, "", f"nc: bad address '{host}'\n")
    out = sb.connect(ip, port)
    if out.ok:
        served(out, call.stdin)
        sb.hang_up(ip, port, out, client_first=True)  # nc ends when its input does
        return Result()
    return Result.of(1, "", connect_failure("nc", ip, out, wait))


MAX_PING_DATA = {4: 65507, 6: 65527}  # an echo's data that fits an IP packet (65535 bytes)


@net.applet("ping", spec="nqvA46c:i:p:s:t:w:I:W:", usage=usage.PING)
@net.applet("ping6", spec="nqvA46c:i:p:s:t:w:I:W:", usage=usage.PING6)
def ping(call: Call) -> Result:
    opts, sb = call.opts, call.sandbox
    if not opts.words:
        return Result.of(1, "", usage.PING6 if call.name == "ping6" else usage.PING)
    version = 4 if opts.has("4") else 6 if call.name == "ping6" or opts.has("6") else None
    size_text = opts.get("s", "56")
    if not size_text.isdigit() or int(size_text) > 65535:
        return Result.of(1, "", f"{call.name}: number {size_text} is not in 0..65535 range\n")
    size = int(size_text)
    target = opts.words[0]
    count = int(opts.get("c")) if opts.get("c", "").isdigit() else None
    deadline = int(opts.get("w")) if opts.get("w", "").isdigit() else None
    ip = sb.resolve(target, version)
    if ip is None:
        return Result.of(1, "", f"{call.name}: bad address '{target}'\n")
    if not call.capable("NET_RAW"):     # --cap-drop NET_RAW: no ICMP socket (busybox says so after its header)
        return Result.of(1, f"PING {target} ({ip}): {size} data bytes\n", f"{call.name}: permission denied (are you root?)\n")
    # How many go out: -c, cut short by the -w deadline (one a second); with neither, ping
    # would go on until stopped: the simulator sends 4.
    sent = count if count is not None else (deadline if deadline is not None else 4)
    if deadline is not None:
        sent = min(sent, max(deadline, 1))
    expected = count if count is not None else sent
    shown = target if "%" in target else ip  # a scoped address is shown as typed
    head = f"PING {target} ({shown}): {size} data bytes\n"
    out = sb.echo(ip, count=sent, size=size) if size <= MAX_PING_DATA[ip.version] else None
    if out is None or out.unreachable:
        # busybox writes its stdout at exit: the error comes out first.
        error = f"{call.name}: sendto: {'Message too long' if out is None else out.error or 'Network is unreachable'}\n"
        return Result(1, head, error, [(2, error), (1, head)])
    stats = f"\n--- {target} ping statistics ---\n"
    if not out.ok:
        return Result.of(1, head + stats + f"{sent} packets transmitted, 0 packets received, 100% packet loss\n")
    # busybox sends its send time as 4 bytes of data: under 4 there is no round trip to show.
    timed = size >= 4
    lines = "" if opts.has("q") else "".join(
        f"{size + 8} bytes from {ip}: seq={k} ttl={out.ttl}" + (f" time={RTT} ms" if timed else "") + "\n"
        for k in range(sent))
    summary = f"round-trip min/avg/max = {RTT}/{RTT}/{RTT} ms\n" if timed else ""
    return Result.of(0 if sent >= expected else 1,
                     head + lines + stats + f"{sent} packets transmitted, {sent} packets received, 0% packet loss\n"
                     + summary)


@net.applet("nslookup")
def nslookup(call: Call) -> Result:
    args, sb = call.args, call.sandbox
    names = [a for a in args if not a.startswith("-")]
    if not names:
        return Result.of(1, "", BANNER)
    qtype = next((a.split("=", 1)[1].lower() for a in args if a.startswith(("-type=", "-query="))), "")
    name = names[0]
    server = names[1] if len(names) > 1 else sb.nameserver() or "127.0.0.1"
    timed_out = Result.of(1, ";; connection timed out; no servers could be reached\n\n")
    if not (server == dns.EMBEDDED and sb.owner is not None):
        # The host's name servers: no route to them, or (offline host) no answer from them.
        try:
            reachable = sb.route_for(IPv4Addr(server)) is not None
        except ValueError:
            return Result.of(1, "", f"nslookup: bad address '{server}'\n")
        if not reachable:
            return Result.of(1, "", f"nslookup: can't connect to remote host ({server}): Network is unreachable\n")
        return timed_out
    head = f"Server:\t\t{server}\nAddress:\t{server}:53\n\n"
    try:
        ip = ipaddress.ip_address(name)
    except ValueError:
        ip = None
    if ip is not None:
        ptr = dns.embedded_reverse(sb.owner, ip)
        if ptr is None:
            return timed_out
        return Result.of(0, head + f"Non-authoritative answer:\n{ip.reverse_pointer}\tname = {ptr}\n\n")
    answers = sb.dns_query(name)
    if answers is None:
        return timed_out
    # A name the embedded server knows without an IPv6 address has an empty AAAA answer.
    blocks = {kind: "Non-authoritative answer:\n" + "".join(f"Name:\t{name}\nAddress: {a}\n" for a in found) + "\n"
              for kind, found in (("a", answers), ("aaaa", sb.dns_query(name, 6) or []))}
    # Busybox prints the two answers as they arrive (either order on a real engine); A first here.
    body = blocks.get(qtype, blocks["a"] + blocks["aaaa"])
    return Result.of(0, head + body)


def routing_table(sb: Sandbox, numeric: bool, netstat_format: bool) -> str:
    """The kernel's routing table as busybox prints it (route, netstat -r): Metric, Ref and Use
    columns, or MSS, Window and irtt (route -e, netstat -r). Without numeric, the default
    destination reads "default", no gateway "*", a gateway its name where one resolves."""
    out = ("Kernel IP routing table\nDestination     Gateway         Genmask         Flags "
           + ("  MSS Window  irtt" if netstat_format else "Metric Ref    Use") + " Iface\n")
    for r in sb.routes():
        dst = r.dst.network_address if r.dst is not None else IPv4Addr(0)
        mask = r.dst.netmask if r.dst is not None else IPv4Addr(0)
        via = r.via or IPv4Addr(0)
        flags = "U" + ("G" if r.via else "") + ("H" if r.dst is not None and r.dst.prefixlen == 32 else "")
        shown_dst = str(dst) if numeric or int(dst) else "default"
        shown_via = str(via) if numeric else (ptr_name(sb, via) if int(via) else "*")
        out += f"{shown_dst:<15.15s} {shown_via:<15.15s} {str(mask):<16s}{flags:<6s}"
        out += f"{0:5d} {0:<5d} {0:6d} {r.dev}\n" if netstat_format else f"{r.metric:<6d} {0:<2d} {0:7d} {r.dev}\n"
    return out


@net.applet("route")   # its own getopt: busybox takes -net and -host out of the way first (as #net, #host)
def route(call: Call) -> Result:
    """route [-ne] [-A inet]: the IPv4 table; route add|del ...: ipchange.py."""
    opts = parse(["#" + a[1:] if a in ("-net", "-host") else a for a in call.args], "neA:", strict=True)
    if opts.bad is not None:
        return Result.of(1, "", f"route: invalid option -- '{opts.bad}'\n" + usage.ROUTE)
    if opts.words and opts.get("A", "inet") == "inet":
        done = ipchange.route_command(call.sandbox, opts.words, call.capable("NET_ADMIN"), usage.ROUTE)
        return Result.of(*done) if done is not None else not_modelled("route", "this change of the routing table")
    if opts.words:
        return not_modelled("route", "changing the routing table")
    if opts.get("A", "inet") != "inet":
        return not_modelled("route", "routing tables other than IPv4's")
    return Result.of(0, routing_table(call.sandbox, numeric=opts.has("n"), netstat_format=opts.has("e")))


@net.applet("netstat", spec="raltuwxen", usage=usage.NETSTAT)
def netstat(call: Call) -> Result:
    opts, sb = call.opts, call.sandbox
    if opts.has("r"):
        return Result.of(0, routing_table(sb, numeric=opts.has("n"), netstat_format=not opts.has("e")))
    tcp, udp = opts.has("t"), opts.has("u")
    every_type = not (tcp or udp or opts.has("w") or opts.has("x"))
    if every_type:
        tcp = udp = True
    title = ("servers and established" if opts.has("a") else "only servers" if opts.has("l")
             else "w/o servers")
    out = f"Active Internet connections ({title})\n"
    out += f"Proto Recv-Q Send-Q {'Local Address':<23} {'Foreign Address':<23} {'State':<12}\n"
    servers = opts.has("l") or opts.has("a")
    others = opts.has("a") or not opts.has("l")
    for sock in tcp_sockets.sockets(sb.host, sb.owner, sb.owner is not None and sb.nameserver() == dns.EMBEDDED):
        server = sock.state in ("LISTEN", "CLOSE")
        if (sock.proto == "tcp" and not tcp) or (sock.proto == "udp" and not udp) or not (servers if server else others):
            continue
        state = "" if sock.proto == "udp" else sock.state
        out += f"{sock.proto}   {0:6d} {0:6d} {sock.address('local'):<23} {sock.address('remote'):<23} {state:<12}\n"
    if every_type or opts.has("x"):
        out += (f"Active UNIX domain sockets ({title})\n"
                "Proto RefCnt Flags       Type       State         I-Node Path\n")
    return Result.of(0, out)


IP_OBJECTS = {"l": "link", "link": "link", "a": "addr", "addr": "addr", "address": "addr", "r": "route",
              "ro": "route", "route": "route"}
IP_CHANGES = {"set", "add", "del", "delete", "change", "replace", "flush"}


@net.applet("ip")
def ip(call: Call) -> Result:
    """ip's views (iproute.py). Its changes need CAP_NET_ADMIN (the kernel's refusal without it);
    with it, IPv4 addresses and routes change (ip addr add|del|flush, ip route add|del: ipchange.py;
    every view shows them; a restart makes the namespace anew), `ip link set DEV mtu N` changes the
    interface's MTU, `ip link add` of a kind the kernel lacks (dummy) is refused, the rest is not
    modelled."""
    words = [a for a in call.args if not a.startswith("-")]
    what = IP_OBJECTS.get(words[0]) if words else None
    how = ipchange.verb(words[1]) if what in ("addr", "route") and len(words) > 1 else None
    if how is not None and iproute.family_of(call.args) != 6:
        done = ipchange.run(call.sandbox, what, how, words[2:], call.capable("NET_ADMIN"))
        if done is not None:
            return Result.of(*done)
    if what is None or len(words) < 2 or words[1] not in IP_CHANGES:
        return Result.of(*iproute.run(call.sandbox, call.args))
    if not call.capable("NET_ADMIN"):
        if what == "link" and words[1] == "set":
            return Result.of(2, "", f"ip: {'SIOCSIFMTU' if 'mtu' in words else 'SIOCSIFFLAGS'}: Operation not permitted\n")
        return Result.of(2, "", "ip: RTNETLINK answers: Operation not permitted\n")
    if what == "link" and words[1] == "add" and "type" in words:
        return Result.of(2, "", "ip: RTNETLINK answers: Operation not supported\n")   # no such module here
    found = [ep for ep in call.sandbox.endpoints() if ep.has_interface and ep.ifname == words[2:3][0]] \
        if len(words) == 5 and what == "link" and words[1] == "set" and words[3] == "mtu" else []
    if found and words[4].isdigit() and 68 <= int(words[4]) <= 65535:
        found[0].mtu = int(words[4])     # ip link set DEV mtu N: until the container stops
        return Result()
    return not_modelled("ip", "this change (only IPv4 addresses and routes, added and deleted, and an interface's MTU)")


@net.applet("wget", spec="cnqSo:t:O:P:T:U:Y:", usage=usage.WGET,
            longs=("spider", "header", "post-data", "post-file", "no-check-certificate"))
def wget(call: Call) -> Result:
    opts, sb = call.opts, call.sandbox
    if "T" in opts.values:
        return Result(139)  # Debian's busybox-static 1.35 crashes on -T (SIGSEGV), every time
    if not opts.words:
        return Result.of(1, "", BANNER)
    url = opts.words[0]
    rest = url.split("://", 1)[1] if "://" in url else url
    hostport, _, path = rest.partition("/")
    path = "/" + path
    if hostport.startswith("["):  # an IPv6 address: http://[2001:db8::1]:8080/
        host, _, port = hostport[1:].partition("]")
        port = port.removeprefix(":")
    else:
        host, _, port = hostport.partition(":")
    port_n = int(port) if port.isdigit() else 80
    quiet = opts.has("q")
    dest = opts.get("O") or (path.rstrip("/").rsplit("/", 1)[-1] or "index.html")
    ip = sb.resolve(host)
    if ip is None:
        return Result.of(1, "", f"wget: bad address '{host}'\n")
    where = f"[{ip}]:{port_n}" if ip.version == 6 else f"{ip}:{port_n}"
    head = "" if quiet else f"Connecting to {hostport} ({where})\n"
    out = sb.connect(ip, port_n)
    if not out.ok:
        return Result.of(1, "", head + connect_failure("wget", ip, out, None))
    if out.reset:
        return Result.of(1, "", head + "wget: error getting response: Connection reset by peer\n")
    page = serve_http(out, path)
    sb.hang_up(ip, port_n, out, client_first=False)  # httpd closes after its answer
    if page is None:
        return Result.of(1, "", head + "wget: server returned error: HTTP/1.1 404 Not Found\n")
    if "--spider" in opts.flags:
        return Result.of(0, "", head + "remote file exists\n")
    name = "-" if dest == "-" else dest.rsplit("/", 1)[-1]
    bar = f"{name:<20.20s} 100% |{'*' * 32}|{size_text(len(page))}  0:00:00 ETA\n" if page else ""
    if dest == "-":
        return Result.of(0, page, "" if quiet else head + "writing to stdout\n" + bar + "written to stdout\n")
    path = call.path(dest)
    if call.fs.exists(path):
        return Result.of(1, "", head + f"wget: can't open '{dest}': File exists\n")
    try:
        call.fs.write(path, page.encode())
    except FileError as e:
        return Result.of(1, "", head + f"wget: can't open '{dest}': {e.reason}\n")
    return Result.of(0, "", "" if quiet else head + f"saving to '{dest}'\n" + bar + f"'{dest}' saved\n")


PROBE_BYTES = {4: 46, 6: 72}  # traceroute's packets: IP, UDP (and busybox's own data)


@net.applet("traceroute", spec="46Flnrvm:w:q:p:s:f:z:i:t:")
@net.applet("traceroute6", spec="nrvm:w:q:p:s:f:z:i:t:")
def traceroute(call: Call) -> Result:
    opts, sb = call.opts, call.sandbox
    if not opts.words:
        return Result.of(1, "", BANNER)
    target = opts.words[0]
    maxhops = int(opts.get("m", "30"))
    probes = int(opts.get("q", "3"))
    version = 6 if call.name == "traceroute6" or opts.has("6") else 4 if opts.has("4") else None
    ip = sb.resolve(target, version)
    if ip is None:
        return Result.of(1, "", f"traceroute: bad address '{target}'\n")
    out = sb.ping(ip)
    if out.unreachable:
        return Result.of(1, "", f"traceroute: can't connect to remote host ({ip}): Network is unreachable\n")
    head = f"traceroute to {target} ({ip}), {maxhops} hops max, {PROBE_BYTES[ip.version]} byte packets\n"
    lines, hop = "", 1
    answered = list(out.hops) + ([ip] if out.ok else [])
    for addr in answered[:maxhops]:
        shown = str(addr) if opts.has("n") else f"{ptr_name(sb, addr)} ({addr})"
        lines += f"{hop:2d}  {shown}" + f"  {HOP} ms" * probes + "\n"
        hop += 1
    if not out.ok:
        for h in range(hop, maxhops + 1):
            lines += f"{h:2d}" + "  *" * probes + "\n"
    return Result.of(0, head + lines)
