"""The underlay between simulated hosts, as each host's own kernel keeps it: the host's firewall
(its filter INPUT and OUTPUT chains, which Docker leaves to the host but for encrypted overlays),
the MTU of its uplink eth0, and whether the machine's kernel has ESP. labkit's faults change them
(labkit.faults) and a learner reads and puts them right (labkit.underlay: on a real host of
`labkit hosts` the same is `iptables` and `ip link` in its namespace).

Overlay traffic between two hosts crosses it (`crossing`), both ways:
- VXLAN is UDP to port 4789 (on an encrypted overlay, wrapped in IPsec ESP: IP protocol 50). A rule
  of the sender's OUTPUT or the receiver's INPUT that drops it loses the packet; names still
  resolve (each engine answers them from the swarm's gossip on port 7946).
- A host that uses an encrypted overlay has the engine's two INPUT rules for its VNI: plain VXLAN
  dropped (`--pol none`), VXLAN that came out of IPsec accepted (`--pol ipsec`). On a kernel without
  ESP the engine cannot make the IPsec states, so the traffic between hosts is lost (the daemon's
  log says "function not implemented"); nothing hangs.
- A container's IP packet of N bytes (at most its interface's MTU: its kernel fragments a bigger
  one first) is N + 50 bytes between the hosts (+ 26 for ESP). The receiving host's eth0 (a veth)
  takes a frame up to its MTU + 4 bytes (the kernel's allowance for a VLAN tag); a bigger one is
  dropped and no one is told: an MTU black hole.

`iptables(host, args)` answers the commands of iptables v1.8.9 (nf_tables) on those two chains, with
its texts: -S, -A, -I [N], -D (a rule or its number), -F, for rules with -s, -d, -p (tcp, udp, icmp,
esp), --dport and -j DROP, ACCEPT or REJECT. `host_ping` is iputils' ping between hosts (`-M do`).
"""
from __future__ import annotations

import ipaddress

from ..firewall import FirewallRule
from ..state import Host, IPv4Addr, IPv4Net, Network
from .sockets import Outcome

VXLAN_PORT = 4789
VXLAN_OVERHEAD = 50          # outer IPv4 20 + UDP 8 + VXLAN 8 + the inner Ethernet header 14
ESP_OVERHEAD = 26            # SPI 4 + sequence 4 + IV 8 + pad length 1 + next header 1 + ICV 8
VLAN_ALLOWANCE = 4           # a veth takes frames up to MTU + 14 (Ethernet) + 4 (a VLAN tag)
ICMP_ECHO = 8 + 20           # ICMP and IPv4 headers around a ping's data
CHAINS = ("INPUT", "OUTPUT")
PROTOCOLS = ("tcp", "udp", "icmp", "esp", "all")
TARGETS = ("DROP", "ACCEPT", "REJECT")
VERSION = "iptables v1.8.9 (nf_tables)"
TRY = "Try `iptables -h' or 'iptables --help' for more information.\n"
NO_CHAIN = "iptables: No chain/target/match by that name.\n"
BAD_RULE = "iptables: Bad rule (does a matching rule exist in that chain?).\n"
TOO_BIG = "iptables: Index of deletion too big.\n"
U32_VNI = "0x0>>0x16&0x3c@0xc&0xffffff00=0x{:x}"   # the engine's match of a VXLAN header's VNI


class Usage(Exception):
    """iptables refused the command: its exit status and message."""

    def __init__(self, code: int, text: str):
        super().__init__(text)
        self.code, self.text = code, text


# -- the rules ----------------------------------------------------------------------------------------
def rule_text(r: FirewallRule) -> str:
    """The rule as `iptables -S` prints it."""
    words = [f"-A {r.chain}"]
    if r.source is not None:
        words.append(f"-s {r.source}")
    if r.destination is not None:
        words.append(f"-d {r.destination}")
    if r.protocol:
        words.append(f"-p {r.protocol}")
    if r.policy:
        words.append(f"-m policy --dir in --pol {r.policy}")
    if r.dport is not None:
        words.append(f"-m {r.protocol} --dport {r.dport}")
    if r.vni is not None:
        words.append(f'-m u32 --u32 "{U32_VNI.format(r.vni << 8)}"')
    words.append(f"-j {r.target}" + (" --reject-with icmp-port-unreachable" if r.target == "REJECT" else ""))
    return " ".join(words)


def encrypted_overlays(host: Host) -> list[Network]:
    """The encrypted overlays the host uses now (one of its containers is on them)."""
    found = {}
    for c in host.containers.values():
        for ep in c.endpoints.values():
            net = ep.network
            if net.swarm is not None and "encrypted" in net.options and net.vxlan_id is not None:
                found[net.id] = net
    return sorted(found.values(), key=lambda n: n.vxlan_id)


def sync_engine_rules(host: Host) -> None:
    """The engine's INPUT rules for the encrypted overlays the host uses: added (plain VXLAN of the
    VNI dropped, then IPsec's accepted) when the host starts using one, gone when it stops."""
    wanted = {n.vxlan_id for n in encrypted_overlays(host)}
    host.firewall[:] = [r for r in host.firewall if r.vni is None or r.vni in wanted]
    have = {r.vni for r in host.firewall if r.vni is not None}
    for vni in sorted(wanted - have):
        for policy, target in (("none", "DROP"), ("ipsec", "ACCEPT")):
            host.firewall.append(FirewallRule("INPUT", target, "udp", VXLAN_PORT, policy=policy, vni=vni))


def decide(host: Host, chain: str, protocol: str, dport: int | None, src: IPv4Addr | None, dst: IPv4Addr | None,
           vni: int | None = None, policy: str = "none") -> FirewallRule | None:
    """The first rule of the chain that matches the packet (None: the policy, ACCEPT)."""
    for r in host.firewall:
        if r.chain != chain:
            continue
        if r.protocol and r.protocol != "all" and r.protocol != protocol:
            continue
        if r.dport is not None and r.dport != dport:
            continue
        if r.source is not None and (src is None or src not in r.source):
            continue
        if r.destination is not None and (dst is None or dst not in r.destination):
            continue
        if r.vni is not None and r.vni != vni:
            continue
        if r.policy and r.policy != policy:
            continue
        return r
    return None


# -- overlay traffic between hosts ----------------------------------------------------------------------
def crossing(net: Network, a: Host, b: Host, size: int) -> Outcome | None:
    """Whether a packet of `size` bytes (its IP packet) on overlay `net` gets from a container on host
    a to one on host b and its answer back: None when it does, else why it is lost."""
    for src, dst in ((a, b), (b, a)):
        lost = one_way(net, src, dst, size)
        if lost is not None:
            return lost
    return None


def one_way(net: Network, src: Host, dst: Host, size: int) -> Outcome | None:
    sync_engine_rules(src)
    sync_engine_rules(dst)
    encrypted = "encrypted" in net.options
    vni = net.vxlan_id
    if encrypted and not src.world.kernel_has_esp:
        return Outcome(False, f"overlay {net.name} is encrypted and this kernel has no ESP: the engine could not "
                              f"set up IPsec between {src.name} and {dst.name}, so their traffic is lost")
    if encrypted:
        protocol, port, policy = "esp", None, "ipsec"
    else:
        protocol, port, policy = "udp", VXLAN_PORT, "none"
    what = "ESP (IP protocol 50)" if encrypted else f"VXLAN (UDP {VXLAN_PORT})"
    out = decide(src, "OUTPUT", protocol, port, src.underlay_ip, dst.underlay_ip)
    if out is not None and out.target != "ACCEPT":
        return Outcome(False, f"{what} to {dst.name} is dropped by {src.name}'s firewall: {rule_text(out)}")
    rule = decide(dst, "INPUT", protocol, port, src.underlay_ip, dst.underlay_ip)
    if rule is None and encrypted:     # out of IPsec: the VXLAN inside meets the engine's rules
        rule = decide(dst, "INPUT", "udp", VXLAN_PORT, src.underlay_ip, dst.underlay_ip, vni=vni, policy=policy)
    if rule is not None and rule.target != "ACCEPT":
        return Outcome(False, f"{what} from {src.name} is dropped by {dst.name}'s firewall: {rule_text(rule)}")
    inner = min(size, net.mtu) if size else 0
    outer = inner + VXLAN_OVERHEAD + (ESP_OVERHEAD if encrypted else 0)
    limit = uplink_mtu(dst) + VLAN_ALLOWANCE
    if inner and outer > limit:
        return Outcome(False, f"an MTU black hole: a {inner}-byte packet on {net.name} is {outer} bytes between the "
                              f"hosts, more than {dst.name}'s eth0 takes (MTU {uplink_mtu(dst)}): dropped, unannounced")
    return None


# -- the uplink -----------------------------------------------------------------------------------------
def uplink_mtu(host: Host) -> int:
    return next((i.mtu for i in host.ifaces if i.name == "eth0"), 1500)


def set_uplink_mtu(host: Host, mtu: int) -> None:
    """`ip link set eth0 mtu MTU` in the host's namespace."""
    for iface in host.ifaces:
        if iface.name == "eth0":
            iface.mtu = mtu


def host_ping(src: Host, dst: IPv4Addr, size: int, dont_fragment: bool) -> tuple[bool, str]:
    """iputils' `ping -s SIZE [-M do] DST` from a host's own namespace to another host on the
    underlay: (answered, what happened)."""
    packet = size + ICMP_ECHO
    mine = uplink_mtu(src)
    if dont_fragment and packet > mine:
        return False, f"ping: local error: message too long, mtu={mine}"
    other = next((h for h in src.world.hosts.values() if h is not src and h.underlay_ip == dst and not h.down), None)
    if other is None:
        return False, f"no host has {dst} on the underlay"
    for a, b in ((src, other), (other, src)):
        out = decide(a, "OUTPUT", "icmp", None, a.underlay_ip, b.underlay_ip)
        rule = decide(b, "INPUT", "icmp", None, a.underlay_ip, b.underlay_ip)
        for r in (out, rule):
            if r is not None and r.target != "ACCEPT":
                return False, f"dropped by {(a if r is out else b).name}'s firewall: {rule_text(r)}"
        largest = min(packet, uplink_mtu(a))     # without -M do the sender fragments to its own MTU
        if largest > uplink_mtu(b) + VLAN_ALLOWANCE:
            return False, f"a {largest}-byte packet is more than {b.name}'s eth0 takes (MTU {uplink_mtu(b)})"
    return True, f"answered by {other.name}"


# -- iptables, the command -------------------------------------------------------------------------------
def iptables(host: Host, args: list[str]) -> tuple[int, str, str]:
    """`iptables ARGS` in the host's namespace (the filter table's INPUT and OUTPUT): (exit status,
    standard output, standard error)."""
    sync_engine_rules(host)
    try:
        return 0, command(host, list(args)), ""
    except Usage as e:
        return e.code, "", e.text


def command(host: Host, args: list[str]) -> str:
    if not args:
        raise Usage(2, f"{VERSION}: no command specified\n{TRY}")
    action, rest = args[0], args[1:]
    if action in ("-S", "--list-rules"):
        check_chain(rest[0] if rest else "FORWARD")
        return f"-P {rest[0]} ACCEPT\n" + "".join(rule_text(r) + "\n" for r in host.firewall if r.chain == rest[0])
    if action in ("-F", "--flush"):
        check_chain(rest[0] if rest else "FORWARD")    # all chains: Docker's FORWARD too, not modelled
        host.firewall[:] = [r for r in host.firewall if r.chain != rest[0]]
        return ""
    if action not in ("-A", "--append", "-I", "--insert", "-D", "--delete"):
        raise Usage(2, f'{VERSION}: unknown option "{action}"\n{TRY}')
    if not rest:
        raise Usage(2, f'{VERSION}: option "{action}" requires an argument\n{TRY}')
    chain, rest = rest[0], rest[1:]
    check_chain(chain)
    mine = [i for i, r in enumerate(host.firewall) if r.chain == chain]
    if action in ("-D", "--delete") and len(rest) == 1 and rest[0].isdigit():
        n = int(rest[0])
        if not 1 <= n <= len(mine):
            raise Usage(1, TOO_BIG)
        del host.firewall[mine[n - 1]]
        return ""
    position = None
    if action in ("-I", "--insert") and rest and rest[0].isdigit():
        position, rest = int(rest[0]), rest[1:]
    rule = parse_rule(chain, rest)
    if action in ("-D", "--delete"):
        if rule not in host.firewall:
            raise Usage(1, BAD_RULE)
        host.firewall.remove(rule)
    elif action in ("-A", "--append"):
        host.firewall.append(rule)
    else:
        at = (position or 1) - 1
        if at > len(mine):
            raise Usage(1, "iptables: Index of insertion too big.\n")
        host.firewall.insert(mine[at] if at < len(mine) else (mine[-1] + 1 if mine else len(host.firewall)), rule)
    return ""


def check_chain(chain: str) -> None:
    if chain not in CHAINS:
        if chain in ("FORWARD", "DOCKER", "DOCKER-USER") or chain.startswith("DOCKER-"):
            raise Usage(1, f"labkit's simulated engine models only a host's INPUT and OUTPUT chains (iptables -S "
                           f"INPUT), not {chain}: labkit.iptables computes Docker's own rules\n")
        raise Usage(1, NO_CHAIN)


def parse_rule(chain: str, words: list[str]) -> FirewallRule:
    """A rule from iptables' options (the subset modelled)."""
    fields: dict = {}
    i = 0
    while i < len(words):
        option = words[i]
        value = words[i + 1] if i + 1 < len(words) else None
        if option in ("-p", "--protocol", "-s", "--source", "-d", "--destination", "-j", "--jump", "--dport",
                      "--destination-port", "-m", "--match") and value is None:
            raise Usage(2, f'{VERSION}: option "{option}" requires an argument\n{TRY}')
        if option in ("-p", "--protocol"):
            if value not in PROTOCOLS:
                raise Usage(2, f"{VERSION}: unknown protocol \"{value}\" specified\n{TRY}")
            fields["protocol"] = value
        elif option in ("-m", "--match"):
            if value != fields.get("protocol"):
                raise Usage(1, f"labkit's simulated engine does not model iptables' match -m {value}\n")
        elif option in ("--dport", "--destination-port"):
            if fields.get("protocol") not in ("tcp", "udp"):
                raise Usage(2, f'{VERSION}: unknown option "{option}"\n{TRY}')
            if not value.isdigit() or not 0 <= int(value) <= 65535:
                raise Usage(2, f'{VERSION}: Port "{value}" does not resolve to anything.\n\n{TRY}')
            fields["dport"] = int(value)
        elif option in ("-s", "--source", "-d", "--destination"):
            try:
                net = ipaddress.ip_network(value, strict=False)
            except ValueError:
                raise Usage(2, f"{VERSION}: host/network `{value}' not found\n{TRY}") from None
            fields["source" if option in ("-s", "--source") else "destination"] = IPv4Net(net)
        elif option in ("-j", "--jump"):
            if value not in TARGETS:
                raise Usage(2, f"{VERSION}: Chain '{value}' does not exist\n{TRY}")
            fields["target"] = value
        else:
            raise Usage(2, f'{VERSION}: unknown option "{option}"\n{TRY}')
        i += 2
    if "target" not in fields:
        raise Usage(1, "labkit's simulated engine models only rules with a target (-j DROP, ACCEPT or REJECT)\n")
    if fields.get("protocol") == "all":
        fields["protocol"] = ""
    return FirewallRule(chain, **fields)
