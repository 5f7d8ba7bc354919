"""Name resolution inside containers: /etc/hosts, /etc/resolv.conf and the embedded DNS server.

On user-defined networks the engine runs a DNS server at 127.0.0.11 in each container. It answers
the names, network aliases, short IDs and host names of the containers that share a network with
the one asking, looking through the asker's networks in the engine's endpoint order. On the
default bridge there is no embedded DNS: the container gets the host's resolv.conf and only
/etc/hosts (its own name, and --link entries) resolves.

Names the embedded server does not know are forwarded to the host's servers; a simulated host is
offline, so those fail (as on these machines' private engines, which have no route out).
"""
from __future__ import annotations

import ipaddress

from ... import rules
from ..errors import InvalidParameter
from ..state import Container, Endpoint, IPAddr, IPv4Addr, Network, Service
from . import links

EMBEDDED = "127.0.0.11"
ETC_HOSTS_BASE = (
    "127.0.0.1\tlocalhost\n"
    "::1\tlocalhost ip6-localhost ip6-loopback\n"
    "fe00::0\tip6-localnet\n"
    "ff00::0\tip6-mcastprefix\n"
    "ff02::1\tip6-allnodes\n"
    "ff02::2\tip6-allrouters\n"
)


def read_host_file(path: str, default: str = "") -> str:
    """A file of the machine the simulator runs on (the host's /etc/hosts and resolv.conf)."""
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return default


def host_resolv_conf(path: str = "/etc/resolv.conf") -> str:
    """The resolv.conf a container on a non-user-defined network gets: the host's, as the engine
    filters it (loopback name servers dropped; Google's when none is left)."""
    text = read_host_file(path)
    lines, servers = [], 0
    for line in text.splitlines():
        parts = line.split()
        if parts[:1] == ["nameserver"] and len(parts) > 1:
            if parts[1].startswith("127.") or parts[1] == "::1":
                continue
            servers += 1
        lines.append(line)
    if not servers:
        lines += ["", "nameserver 8.8.8.8", "nameserver 8.8.4.4"]
    return "\n".join(lines).strip("\n") + "\n"


def uses_embedded_dns(c: Container) -> bool:
    owner = c.shared_with() or c
    return any(ep.network.user_defined for ep in owner.endpoints.values())


def resolv_lines(text: str, key: str) -> list[str]:
    """The values of a resolv.conf's lines of one kind (nameserver, search, options)."""
    out = []
    for line in text.splitlines():
        parts = line.split()
        if parts[:1] == [key]:
            out += parts[1:2] if key == "nameserver" else parts[1:]
    return out


def build_resolv_conf(servers: list[str], search: list[str], options: list[str]) -> str:
    """libnetwork's resolv.conf: search, then the name servers, then options."""
    text = f"search {' '.join(search)}\n" if search and " ".join(search).strip() != "." else ""
    text += "".join(f"nameserver {s}\n" for s in servers)
    return text + (f"options {' '.join(options)}\n" if " ".join(options).strip() else "")


def resolv_conf(c: Container) -> str:
    """The host's resolv.conf with the container's --dns, --dns-search and --dns-option over it;
    on user-defined networks the embedded server's (127.0.0.11, ndots:0 unless set)."""
    owner = c.shared_with() or c
    hc = owner.host_config
    base = c.host.world.resolv_conf
    servers, search, options = hc.get("Dns") or [], hc.get("DnsSearch") or [], hc.get("DnsOptions") or []
    search = search or resolv_lines(base, "search")
    options = options or resolv_lines(base, "options")
    if uses_embedded_dns(c):
        if not any(o.startswith("ndots:") for o in options):
            options = options + ["ndots:0"]
        return build_resolv_conf([EMBEDDED], search, options)
    if hc.get("Dns") or hc.get("DnsSearch") or hc.get("DnsOptions"):
        return build_resolv_conf(servers or resolv_lines(base, "nameserver"), search, options)
    return base


def host_gateway(c: Container) -> str:
    """What `host-gateway` in --add-host stands for: the default bridge's gateway."""
    bridge = c.host.predefined_network("bridge")
    gw = bridge.gateways[0] if bridge.gateways else None
    return str(gw) if gw else ""


def extra_hosts_lines(c: Container) -> list[str]:
    """--add-host NAME:IP lines (host-gateway replaced by the default bridge's gateway)."""
    lines = []
    for item in c.host_config.get("ExtraHosts") or []:
        name, _, ip = item.partition(":")
        lines.append(f"{host_gateway(c) if ip == 'host-gateway' else ip}\t{name}")
    return lines


def own_line(c: Container, ip) -> str:
    """The container's own line in /etc/hosts: its address, FQDN (with --domainname) and name."""
    domain = c.config.get("Domainname") or ""
    names = f"{c.hostname}.{domain} {c.hostname}" if domain else c.hostname
    return f"{ip}\t{names}"


def etc_hosts(c: Container) -> str:
    """The engine's /etc/hosts: the fixed lines, --add-host lines, links (default bridge), then one
    line per address the container has, with its host name."""
    if c.mode_kind == "host":
        return c.host.world.etc_hosts + "".join(line + "\n" for line in extra_hosts_lines(c))
    owner = c.shared_with() or c
    lines = extra_hosts_lines(owner) + links.hosts_lines(owner) + owner.hosts_lines
    return ETC_HOSTS_BASE + "".join(line + "\n" for line in lines)


def check_extra_hosts(items: list[str]) -> None:
    """--add-host NAME:IP, refused as the engine refuses it (400)."""
    for item in items or []:
        name, colon, ip = item.partition(":")
        if not colon:
            raise InvalidParameter(f'bad format for add-host: "{item}"')
        if ip != "host-gateway":
            try:
                ipaddress.ip_address(ip)
            except ValueError:
                raise InvalidParameter(f'invalid IP address in add-host: "{ip}"') from None


def names_of(ep: Endpoint) -> list[str]:
    """Every name the embedded DNS answers for this endpoint."""
    return [ep.container.name, *ep.aliases, *ep.service_aliases]


def sorted_endpoints(c: Container) -> list[Endpoint]:
    """libnetwork's endpoint order in a sandbox, which its DNS answers follow (and its gateway
    choice): docker_gwbridge last, internal networks before it, dual-stack ones first, by name."""
    return sorted(c.endpoints.values(), key=lambda ep: rules.gateway_order(
        ep.network.name, ep.network.internal, dual_stack=ep.gateway is not None and ep.gateway6 is not None))


def embedded_lookup(asker: Container, name: str, version: int = 4) -> list[IPAddr] | None:
    """What 127.0.0.11 answers for name asked by asker (A records, or AAAA for version 6):
    addresses, or None when it does not know the name. Names are matched without regard to case;
    NAME.NETWORK is answered on that network only. The first of the asker's networks that knows
    the name answers, for both kinds: a name known there without an IPv6 address has no AAAA
    record (an empty answer), even if another network would have one."""
    owner = asker.shared_with() or asker
    q = name.rstrip(".").lower()
    for ep in sorted_endpoints(owner):
        net = ep.network
        if not net.user_defined:
            continue
        suffix = "." + net.name.lower()
        short = q[: -len(suffix)] if q.endswith(suffix) else None
        named = [other for other in net.endpoints.values()
                 if other.ip is not None and any(n.lower() in (q, short) for n in names_of(other))]
        linked = links.alias_target(owner, ep.links, short or q)
        if not named and linked is not None and net.id in linked.endpoints and linked.endpoints[net.id].ip:
            named = [linked.endpoints[net.id]]
        found = [other.ip6 if version == 6 else other.ip for other in named]
        if net.swarm is not None and version == 4:
            found += service_answers(net, q.removesuffix(suffix) if short else q)
        if named or found:
            return [ip for ip in found if ip is not None]
    return None


def service_answers(net: Network, q: str) -> list[IPv4Addr]:
    """What the embedded DNS answers for q on an overlay: a service's virtual IP (its tasks'
    addresses for dnsrr), tasks.NAME with the addresses of its tasks."""
    out = []
    for svc in net.swarm.services.values():
        if net not in svc.networks:
            continue
        if q in (svc.name.lower(), f"{svc.name}.{net.name}".lower()):
            if svc.dnsrr:
                out += task_addresses(svc, net)
            elif net.id in svc.vips:
                out.append(svc.vips[net.id])
        elif q == f"tasks.{svc.name}".lower():
            out += task_addresses(svc, net)
    return out


def task_addresses(svc: Service, net: Network) -> list[IPv4Addr]:
    return [ep.ip for t in svc.tasks for ep in t.container.endpoints.values()
            if ep.network is net and ep.ip is not None]


def embedded_reverse(asker: Container, ip: IPAddr) -> str | None:
    """The embedded DNS's answer to a PTR query: CONTAINER.NETWORK for an address on a shared network."""
    owner = asker.shared_with() or asker
    for ep in sorted_endpoints(owner):
        if not ep.network.user_defined:
            continue
        for other in ep.network.endpoints.values():
            if ip in (other.ip, other.ip6):
                return f"{other.container.name}.{ep.network.name}"
    return None


def embedded_ports(c: Container) -> tuple[int, int]:
    """The embedded DNS server's TCP and UDP ports in a container (random on the engine; stable here)."""
    n = int(c.id[:4], 16)
    return 32768 + n % 28000, 32768 + (n * 7) % 28000


def hosts_line(hosts_text: str, name: str, ip: IPAddr) -> int:
    """The number of the first /etc/hosts line that gives name the address ip."""
    for k, line in enumerate(hosts_text.splitlines()):
        parts = line.split()
        if len(parts) >= 2 and name in parts[1:] and parts[0] in (str(ip), ip.exploded):
            return k
    return len(hosts_text)


def hosts_lookup(hosts_text: str, name: str, version: int = 4) -> list[IPAddr]:
    """The addresses of one family that /etc/hosts gives name, in the file's order."""
    found = []
    for line in hosts_text.splitlines():
        parts = line.split()
        if len(parts) >= 2 and name in parts[1:]:
            try:
                ip = ipaddress.ip_address(parts[0])
            except ValueError:
                continue
            if ip.version == version and ip not in found:
                found.append(ip)
    return found
