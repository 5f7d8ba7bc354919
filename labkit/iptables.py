"""The iptables rules a Docker engine (20.10) writes for its bridge networks and published ports,
computed from a topology snapshot: what `iptables -t nat -S` and `iptables -S` show on the host.

    rules = labkit.iptables.rules(lab.snapshot())      # [Rule(table, chain, text, why), ...]
    [r.text for r in rules if r.table == "nat"]         # "-A DOCKER ! -i br-... -j DNAT ..."

A plain function of the model (no engine calls), so it works the same for the simulator, which
has no iptables of its own, and for a real engine, whose rules sit in the host's network
namespace where a container cannot see them. The rules are those Engine 20.10 writes, compared
rule by rule with a real engine's `iptables -S` (tests/test_checks_nb06_08.py). Their order is
not the engine's (it inserts some at the top, in the order networks were made): the rules come
network by network, by name, then the published ports, container by container, by name.

What is modelled, per host:
- nat: `PREROUTING`/`OUTPUT` send traffic for the host's own addresses to the DOCKER chain; each
  bridge network that is not internal gets a MASQUERADE rule (its containers leave with the host's
  address) and a RETURN in DOCKER (traffic from the bridge itself is not translated); each
  published port gets a DNAT rule (host port -> container address and port) and a hairpin
  MASQUERADE rule (a container reaching its own published port).
- filter: FORWARD accepts traffic within a bridge and out of a non-internal one, replies back in,
  and new connections only through the DOCKER chain, which accepts exactly the published ports;
  the DOCKER-ISOLATION chains drop traffic between different bridges; internal networks drop
  all traffic that leaves or enters their subnet.
Not modelled: IPv6, `--iptables=false`, userland-proxy details, swarm's ingress rules.
"""
from __future__ import annotations

from dataclasses import dataclass

from . import model
from .rules import has_bridge

ANY = ("0.0.0.0", "", "::")


@dataclass(frozen=True)
class Rule:
    table: str          # "nat" or "filter"
    chain: str
    text: str           # as `iptables -t TABLE -S` prints it: "-A CHAIN ..."
    why: str            # what the rule is for, in the learner's words


def bridge_name(n: model.Network) -> str:
    """The Linux bridge of a bridge network: docker0, docker_gwbridge or br-<first 12 of its ID>."""
    return n.options.get("com.docker.network.bridge.name") or f"br-{n.id[:12]}"


def _masquerades(n: model.Network) -> bool:
    return not n.internal and n.options.get("com.docker.network.bridge.enable_ip_masquerade", "true") != "false"


def _icc(n: model.Network) -> bool:
    return n.options.get("com.docker.network.bridge.enable_icc", "true") != "false"


def rules(topo: model.Topology, host: str | None = None) -> list[Rule]:
    """The rules the engine of `host` (default: the only host in the snapshot) has written."""
    names = sorted({h.name for h in topo.hosts} | {n.host for n in topo.networks})
    if host is None:
        if len(names) != 1:
            raise ValueError(f"the snapshot holds {len(names)} hosts ({', '.join(names)}): name one with host=")
        host = names[0]
    # In a stable order (the engine lists networks in no fixed order): by network name.
    bridges = sorted((n for n in topo.networks if n.host == host and has_bridge(n.driver) and n.subnet),
                     key=lambda n: n.name)
    out = [
        Rule("nat", "PREROUTING", "-A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER",
             "traffic arriving for one of the host's own addresses goes through the DOCKER chain"),
        Rule("nat", "OUTPUT", "-A OUTPUT ! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -j DOCKER",
             "so does traffic the host sends to its own addresses (but not to 127.0.0.0/8)"),
        Rule("filter", "FORWARD", "-A FORWARD -j DOCKER-USER", "the chain where an administrator's own rules go first"),
        Rule("filter", "FORWARD", "-A FORWARD -j DOCKER-ISOLATION-STAGE-1", "isolation between networks"),
        Rule("filter", "DOCKER-USER", "-A DOCKER-USER -j RETURN", "empty until an administrator adds rules"),
        Rule("filter", "DOCKER-ISOLATION-STAGE-1", "-A DOCKER-ISOLATION-STAGE-1 -j RETURN", "end of stage 1"),
        Rule("filter", "DOCKER-ISOLATION-STAGE-2", "-A DOCKER-ISOLATION-STAGE-2 -j RETURN", "end of stage 2"),
    ]
    for n in bridges:
        b, s = bridge_name(n), n.subnet
        if n.internal:
            out += [
                Rule("filter", "FORWARD", f"-A FORWARD -i {b} -o {b} -j ACCEPT",
                     f"containers on {n.name} talk to each other"),
                Rule("filter", "DOCKER-ISOLATION-STAGE-1", f"-A DOCKER-ISOLATION-STAGE-1 ! -s {s} -o {b} -j DROP",
                     f"{n.name} is internal: nothing from outside its subnet gets in"),
                Rule("filter", "DOCKER-ISOLATION-STAGE-1", f"-A DOCKER-ISOLATION-STAGE-1 ! -d {s} -i {b} -j DROP",
                     f"{n.name} is internal: nothing leaves its subnet"),
            ]
            continue
        if _masquerades(n):
            out.append(Rule("nat", "POSTROUTING", f"-A POSTROUTING -s {s} ! -o {b} -j MASQUERADE",
                            f"containers on network {n.name} leave the host with the host's address (source NAT)"))
        out += [
            Rule("nat", "DOCKER", f"-A DOCKER -i {b} -j RETURN",
                 f"traffic that comes in from {b} itself is not translated"),
            Rule("filter", "FORWARD", f"-A FORWARD -o {b} -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT",
                 f"replies come back in to {n.name}"),
            Rule("filter", "FORWARD", f"-A FORWARD -o {b} -j DOCKER",
                 f"new connections into {n.name} only where the DOCKER chain allows (published ports)"),
            Rule("filter", "FORWARD", f"-A FORWARD -i {b} ! -o {b} -j ACCEPT", f"containers on {n.name} reach out"),
            Rule("filter", "FORWARD", f"-A FORWARD -i {b} -o {b} -j {'ACCEPT' if _icc(n) else 'DROP'}",
                 f"containers on {n.name} {'talk to each other' if _icc(n) else 'may not talk to each other'}"),
            Rule("filter", "DOCKER-ISOLATION-STAGE-1",
                 f"-A DOCKER-ISOLATION-STAGE-1 -i {b} ! -o {b} -j DOCKER-ISOLATION-STAGE-2",
                 f"traffic leaving {n.name} for elsewhere is checked in stage 2"),
            Rule("filter", "DOCKER-ISOLATION-STAGE-2", f"-A DOCKER-ISOLATION-STAGE-2 -o {b} -j DROP",
                 f"...and dropped if it would enter {n.name} from another bridge"),
        ]
    out += _published(topo, host, bridges)
    return out


def _published(topo: model.Topology, host: str, bridges: list[model.Network]) -> list[Rule]:
    by_name = {n.name: n for n in bridges}
    out = []
    for c in sorted(topo.containers, key=lambda c: c.name):
        if c.host != host or not c.ports or not c.running:
            continue
        # The engine maps ports on the network the container was created on (its first).
        first = "bridge" if c.network_mode == "default" else c.network_mode
        n = by_name.get(first)
        ep = next((e for e in topo.endpoints if e.host == host and e.container_id == c.id and e.network == first), None)
        if n is None or ep is None or not ep.address or n.internal:
            continue
        b, ip = bridge_name(n), ep.address
        for p in c.ports:
            proto = p.protocol
            dest = "" if p.host_ip in ANY else f"-d {p.host_ip}/32 "
            out += [
                Rule("nat", "DOCKER", f"-A DOCKER {dest}! -i {b} -p {proto} -m {proto} --dport {p.host_port} "
                                      f"-j DNAT --to-destination {ip}:{p.container_port}",
                     f"{p.host_ip or '0.0.0.0'}:{p.host_port}/{proto} on the host is sent on to {c.name} "
                     f"at {ip}:{p.container_port} (destination NAT)"),
                Rule("nat", "POSTROUTING", f"-A POSTROUTING -s {ip}/32 -d {ip}/32 -p {proto} -m {proto} "
                                           f"--dport {p.container_port} -j MASQUERADE",
                     f"{c.name} can reach its own published port (hairpin)"),
                Rule("filter", "DOCKER", f"-A DOCKER -d {ip}/32 ! -i {b} -o {b} -p {proto} -m {proto} "
                                         f"--dport {p.container_port} -j ACCEPT",
                     f"the forwarded connection to {c.name}:{p.container_port} is let in"),
            ]
    return out


def table(topo: model.Topology, name: str = "nat", host: str | None = None) -> list[Rule]:
    """The rules of one table ("nat" or "filter")."""
    return [r for r in rules(topo, host) if r.table == name]


__all__ = ["Rule", "bridge_name", "rules", "table"]
