"""Server sockets, and what a packet or a connection finds when it arrives.

A connection that reaches a namespace is accepted when a process there listens on the port
(`container_listens`). One that reaches a host's own address is answered by a host-mode server,
by the swarm's routing mesh, or by a published port, in that order (`host_listens`).
"""
from __future__ import annotations

from dataclasses import dataclass

from ... import rules
from ..state import Container, Host, IPAddr, IPv4Addr, Network


@dataclass
class Outcome:
    """What happened to a packet (or a TCP connection attempt)."""

    ok: bool                      # answered (ping) / accepted (tcp)
    why: str = ""                 # a short reason, in the learner's words
    ttl: int = 64                 # TTL of the answer
    unreachable: bool = False     # no route: sendto/connect fails at once (ENETUNREACH)
    refused: bool = False         # TCP: reached, but nothing listens (RST)
    target: "Container | Host | None" = None  # who answered
    target_port: int | None = None            # the port that answered (after NAT)
    listener: object = None                   # the Listener that accepted
    no_neighbour: bool = False    # on-link, but nobody has the address (ARP fails after ~3 s)
    reset: bool = False           # accepted by docker-proxy, then reset: nothing listens behind it
    hops: tuple = ()              # addresses of the routers on the way (traceroute)
    error: str = ""               # the kernel's word when sending fails at once (else "Network is unreachable")


def listeners_in(host: Host, owner: Container | None):
    """(container, Listener) for every server socket in a namespace (owner None: the host's)."""
    for x in host.containers.values():
        if not x.running or x.process is None:
            continue
        mine = (x.mode_kind == "host") if owner is None else (x is owner or x.shared_with() is owner)
        if mine:
            for lst in x.process.listens:
                yield x, lst


def container_listens(c: Container, port: int, proto: str, hops=(), ttl=64) -> Outcome:
    owner = c.shared_with() or c
    for x, lst in listeners_in(owner.host, owner):
        if (lst.proto, lst.port) == (proto, port):
            return Outcome(True, f"{x.name} listens on {proto} port {port}", target=x, target_port=port,
                           hops=hops, ttl=ttl, listener=lst)
    return Outcome(False, f"nothing listens on {proto} port {port} in {owner.name}", refused=True, target=owner, hops=hops)


def host_listens(host: Host, dst: IPAddr, port: int, proto: str, local: bool, via: Network | None = None) -> Outcome:
    """A connection to one of the host's addresses (local: from the host's own namespace; via: the
    network a container's packet came in on): a host-mode server, or a published port.

    A port published with no address answers on every host address, IPv4 (0.0.0.0) and IPv6
    (::, docker-proxy's), from anywhere but an internal network over IPv4 (its packets are NATed
    to the container, then dropped at the bridge; 20.10 filters no IPv6). A port bound to one
    address answers only there: 127.0.0.1 and ::1 only from the host itself.
    """
    for c, lst in listeners_in(host, None):
        if (lst.proto, lst.port) == (proto, port):
            return Outcome(True, f"{c.name} (host network) listens on {proto} port {port}", target=c,
                           target_port=port, listener=lst)
    node = host.swarm_node
    if node is not None:
        for svc in node.swarm.services.values():
            for p in svc.ports:
                if p["PublishedPort"] == port and p["Protocol"] == proto and svc.tasks:
                    # Docker's documented routing mesh: every node answers, IPVS picks a task.
                    out = container_listens(svc.tasks[0].container, p["TargetPort"], proto)
                    out.why = f"routing mesh: port {port} of service {svc.name} -> " + out.why
                    return out
    for c in host.containers.values():
        if not c.running:
            continue
        for (p_proto, host_ip, host_port, c_proto, c_port) in c.ports_bound:
            if p_proto != proto or host_port != port:
                continue
            if not _binds(host_ip, dst) or (dst.is_loopback and not local):
                continue
            if via is not None and via.internal and dst.version == 4:
                return Outcome(False, f"published port {port}: network {via.name} is internal, "
                                      f"the forwarded packets are dropped")
            out = container_listens(c, c_port, c_proto)
            # Connections from containers, and from the host to its loopback, go to docker-proxy,
            # which accepts them first; the host's own to its other addresses are NATed straight
            # to the container (iptables' OUTPUT chain).
            if out.refused and (via is not None or dst.is_loopback):
                out = Outcome(True, f"docker-proxy accepts on port {port}, but nothing listens on "
                                    f"{c.name}:{c_port}", target=c, reset=True)
            out.why = f"published port {port} -> {c.name}:{c_port}: " + out.why
            return out
    return Outcome(False, f"nothing listens on {proto} port {port} on the host", refused=True, target=host)


def _binds(host_ip: str, dst: IPAddr) -> bool:
    """A published port's host address takes connections to dst: no address, every address of
    both families; 0.0.0.0 (or ::) every address of its family; else that one address."""
    if host_ip == "":
        return True
    if host_ip in ("0.0.0.0", "::"):
        return (host_ip == "::") == (dst.version == 6)
    return host_ip == str(dst)


def underlay_answer(host: Host, dst: IPv4Addr, port: int | None, proto: str, switch: bool = True) -> Outcome | None:
    """Who answers for dst on the underlay: its switch (which serves nothing), or another host
    that is up; None when no one there has dst."""
    if switch and dst == rules.UNDERLAY_SWITCH:
        return Outcome(True, "the underlay's switch") if port is None else \
            Outcome(False, "nothing listens on the switch", refused=True)
    for other in host.world.hosts.values():
        if other is not host and other.underlay_ip == dst and not other.down:
            return Outcome(True, f"host {other.name}", target=other) if port is None else \
                host_listens(other, dst, port, proto, local=False)
    return None
