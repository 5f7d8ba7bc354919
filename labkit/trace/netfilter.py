"""Netfilter for the walk: the rules labkit.iptables computes for a host (the engine's rules, one
home), parsed and evaluated for the first packet of a connection (conntrack state NEW), as
`iptables -t TABLE` would: chains followed by jumps, RETURN, the chain's policy when no rule decides."""
from __future__ import annotations

import ipaddress
import shlex
from dataclasses import dataclass

from .. import iptables
from .hops import Packet

@dataclass(frozen=True)
class Rule:
    table: str
    chain: str
    text: str
    why: str
    conditions: tuple      # ((option, value, negated), ...)
    target: str
    to: str = ""           # DNAT's --to-destination

    @classmethod
    def parse(cls, r: iptables.Rule) -> "Rule":
        words = shlex.split(r.text)
        conditions, target, to, negate = [], "", "", False
        i = 2   # "-A CHAIN"
        while i < len(words):
            w = words[i]
            if w == "!":
                negate = True
                i += 1
                continue
            if w == "-j":
                target = words[i + 1]
                i += 2
            elif w == "--to-destination":
                to = words[i + 1]
                i += 2
            elif w == "-m":
                if words[i + 1] in ("addrtype", "conntrack"):
                    conditions.append((words[i + 2], words[i + 3], negate))
                    i += 4
                else:
                    i += 2      # -m tcp / -m udp: the protocol's own match, nothing more
            else:
                conditions.append((w, words[i + 1], negate))
                i += 2
            negate = False
        return cls(r.table, r.chain, r.text, r.why, tuple(conditions), target, to)

    def matches(self, pkt: Packet, iif: str | None, oif: str | None, local: set[str]) -> bool:
        for option, value, negated in self.conditions:
            if option == "-i":
                hit = iif == value
            elif option == "-o":
                hit = oif == value
            elif option in ("-s", "-d"):
                address = pkt.src if option == "-s" else pkt.dst
                if address is None and option == "-s" and pkt.src_in:   # unknown, but within src_in
                    net = ipaddress.ip_network(pkt.src_in, strict=False)
                    hit = net.subnet_of(ipaddress.ip_network(value, strict=False))
                else:
                    hit = address is not None and within(address, value)
            elif option == "-p":
                hit = pkt.protocol == value
            elif option == "--dport":
                hit = pkt.dport is not None and str(pkt.dport) == value
            elif option == "--dst-type":
                hit = value == "LOCAL" and pkt.dst in local
            elif option == "--ctstate":
                hit = False     # the walk follows a connection's first packet: state NEW
            else:
                hit = False
            if hit == negated:
                return False
        return True


def within(address: str, cidr: str) -> bool:
    try:
        return ipaddress.ip_address(address) in ipaddress.ip_network(cidr, strict=False)
    except ValueError:
        return False


@dataclass(frozen=True)
class Verdict:
    target: str                  # ACCEPT, DROP, DNAT, MASQUERADE, or "" (the chain's policy)
    rule: Rule | None
    chains: tuple[str, ...]      # the chains passed to get there


class Netfilter:
    def __init__(self, rules: list[iptables.Rule]):
        self.chains: dict[tuple[str, str], list[Rule]] = {}
        for r in rules:
            p = Rule.parse(r)
            self.chains.setdefault((p.table, p.chain), []).append(p)
        # labkit.iptables lists a chain's closing `-j RETURN` before the rules of each network;
        # the engine keeps it last, where it takes effect.
        for chain in self.chains.values():
            chain.sort(key=lambda r: r.target == "RETURN" and not r.conditions)

    def run(self, table: str, chain: str, pkt: Packet, iif, oif, local) -> Verdict:
        found = self._run(table, chain, pkt, iif, oif, local, (chain,))
        return found or Verdict("", None, (chain,))

    def _run(self, table, chain, pkt, iif, oif, local, trail) -> Verdict | None:
        if len(trail) > 8:
            return None
        for r in self.chains.get((table, chain), []):
            if not r.matches(pkt, iif, oif, local):
                continue
            if r.target == "RETURN":
                return None
            if (table, r.target) in self.chains:
                found = self._run(table, r.target, pkt, iif, oif, local, trail + (r.target,))
                if found is not None:
                    return found
                continue
            return Verdict(r.target, r, trail)
        return None

    def dnat_targets(self, protocol: str, port: int) -> list[Rule]:
        """The DNAT rules for a published host port (what docker-proxy also forwards)."""
        return [r for r in self.chains.get(("nat", "DOCKER"), []) if r.target == "DNAT"
                and ("-p", protocol, False) in r.conditions and ("--dport", str(port), False) in r.conditions]
