"""A host's own firewall rules, as data: what its iptables holds in the filter INPUT and OUTPUT
chains besides Docker's (engine/underlay.py reads and changes them, as iptables would)."""
from __future__ import annotations

from dataclasses import dataclass
from ipaddress import IPv4Network


@dataclass(frozen=True)
class FirewallRule:
    """One rule a host's own iptables holds in its filter INPUT or OUTPUT chain, besides Docker's:
    what labkit's faults add and a learner reads and removes (engine/underlay.py)."""

    chain: str                    # INPUT, OUTPUT
    target: str                   # DROP, ACCEPT, REJECT
    protocol: str = ""            # udp, tcp, icmp, esp ("": any)
    dport: int | None = None
    source: IPv4Network | None = None
    destination: IPv4Network | None = None
    policy: str = ""              # the engine's rules for an encrypted overlay: "none" or "ipsec" (IPsec or not)
    vni: int | None = None        # ... and the VNI they match (u32)
