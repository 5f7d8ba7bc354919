"""Faults for notebook 09 (break and fix): each one sets up a small application on a cluster of
three hosts in a swarm, breaks it the way it breaks in real life, and hands the learner a ticket:
what the users see, never what is wrong. The learner diagnoses with the tools taught (ping,
nslookup, nc, ip, docker inspect, labkit.trace, labkit.underlay) and fixes; labkit.checks.nb09
checks the fix on the engines.

    tickets = [faults.wrong_network(cluster), ...]     # each returns its Ticket, shown in the cell

The faults, on either engine (through the engine API; underlay faults in the hosts' own namespaces,
on real hosts of `labkit hosts` as root, on simulated ones through the simulator's model):
    wrong_network     api is on a network web is not on
    missing_alias     the database's replacement lost the alias the application calls it by
    loopback_port     a port published on 127.0.0.1 only
    internal_network  a worker on an --internal network needs a way out
    mtu_black_hole    host2's underlay link carries 1400 bytes, the overlay assumes 1500
    vxlan_blocked     host3's firewall drops UDP 4789
    no_esp            an encrypted overlay on a kernel without ESP (IPsec)

Everything a fault makes carries the labels of the lab "nb09" (`lab.reset()` removes it);
`clear(cluster)` also puts the hosts' own side back (firewall rules, link MTU, the simulated ESP).
"""
from __future__ import annotations

from dataclasses import dataclass

from . import engines, underlay
from .lab import Lab

LAB = "nb09"
VXLAN_RULE = "-p udp --dport 4789 -j DROP"
ESP_RULE = "-p esp -j DROP"
UNDERLAY_MTU = 1400            # a VPN's link between host2 and the others
FAULTS = ("wrong_network", "missing_alias", "loopback_port", "internal_network", "mtu_black_hole",
          "vxlan_blocked", "no_esp")


@dataclass
class Ticket:
    """What the users report: a title and what they see."""

    number: int
    title: str
    report: str

    def __repr__(self) -> str:
        return f"Ticket {self.number}: {self.title}\n" + "\n".join(f"  {line}" for line in self.report.splitlines())


def labs(cluster) -> list[Lab]:
    """The lab of notebook 09 on each host of the cluster (quiet: the faults say nothing of what
    they do; the learner finds it)."""
    return [Lab(client, name=LAB, quiet=True) for client in cluster]


def host_names(cluster) -> list[str]:
    return list(cluster.names) if isinstance(cluster, engines.Cluster) else [f"host{i + 1}" for i in range(len(cluster))]


# -- on one host -----------------------------------------------------------------------------------
def wrong_network(cluster) -> Ticket:
    """host1: web on front, api (a server on port 8000) on back only."""
    lab = labs(cluster)[0]
    lab.network("front", subnet="10.91.1.0/24")
    lab.network("back", subnet="10.91.2.0/24")
    lab.container("web", networks=["front"])
    lab.container("api", networks=["back"], command="httpd -f -p 8000")
    return Ticket(1, "web cannot call api", "On host1, web calls api by its name on port 8000:\n"
                  "$ docker exec web nc -w 1 api 8000\nnc: timed out\n"
                  "Make web reach api:8000 by name.")


def missing_alias(cluster) -> Ticket:
    """host1: orders calls db:5432; the database container pg-primary replaced the old one and
    came up without its alias db."""
    lab = labs(cluster)[0]
    lab.network("data", subnet="10.91.3.0/24")
    lab.container("pg-primary", networks=["data"], command="httpd -f -p 5432")
    lab.container("orders", networks=["data"])
    return Ticket(2, "orders lost its database", "On host1, orders connects to its database as db:5432. Last "
                  "night the database container was\nreplaced by pg-primary (same network, same data), and "
                  "since then:\n$ docker exec orders nc -w 1 db 5432\nnc: bad address 'db'\n"
                  "Make db lead to pg-primary again (keep its name, start no other container).")


def loopback_port(cluster) -> Ticket:
    """host1: shop published on 127.0.0.1:8080 only; customer, on host2, cannot reach it."""
    mine = labs(cluster)
    mine[0].container("shop", command="httpd -f -p 80", ports={80: ("127.0.0.1", 8080)})
    mine[1].container("customer")
    return Ticket(3, "the shop is closed to customers", "On host1 itself the shop answers at 127.0.0.1:8080. "
                  "Customers come from other machines:\n$ docker exec customer nc -w 1 10.99.0.11 8080   "
                  "# customer runs on host2\nnc: can't connect to remote host (10.99.0.11): Connection refused\n"
                  "Open the shop on host1's port 8080 to the other hosts.")


def internal_network(cluster) -> Ticket:
    """host1: worker and queue on the internal network jobs; worker must download from mirror,
    published on host2's port 8081."""
    mine = labs(cluster)
    mine[0].network("jobs", subnet="10.91.4.0/24", internal=True)
    mine[0].container("queue", networks=["jobs"])
    mine[0].container("worker", networks=["jobs"])
    mine[1].container("mirror", command="httpd -f -p 80", ports={80: ("0.0.0.0", 8081)})
    return Ticket(4, "the worker cannot download", "On host1, worker downloads from the mirror on host2 "
                  "(10.99.0.12:8081):\n$ docker exec worker nc -w 1 10.99.0.12 8081\nnc: timed out\n"
                  "Give worker its way to the mirror. The queue holds private data: jobs stays internal, and\n"
                  "the queue gets no way out.")


# -- across hosts ------------------------------------------------------------------------------------
def overlay_pair(cluster, network: str, first: tuple[int, str], second: tuple[int, str], **options) -> None:
    """An attachable overlay made on the manager (host1), and one container on it on each of two hosts."""
    mine = labs(cluster)
    mine[0].network(network, driver="overlay", attachable=True, options=options or None)
    for index, name in (first, second):
        mine[index].container(name, networks=[network])


def mtu_black_hole(cluster) -> Ticket:
    """fa (host1) and fb (host2) on the overlay files; host2's link to the others carries 1400 bytes."""
    overlay_pair(cluster, "files", (0, "fa"), (1, "fb"))
    underlay.host(cluster, host_names(cluster)[1]).set_mtu(UNDERLAY_MTU)
    return Ticket(5, "big transfers hang", "fa (host1) and fb (host2) share the overlay files. Small requests "
                  "work, big transfers\nstall and never finish:\n$ docker exec fa ping -c 1 -W 1 fb          "
                  "# answered\n$ docker exec fa ping -c 1 -W 1 -s 1422 fb  # lost\n"
                  f"host2 reaches the others over a VPN link whose MTU is {UNDERLAY_MTU}: the link cannot change.\n"
                  "Make every packet fa and fb may send each other arrive.")


def vxlan_blocked(cluster) -> Ticket:
    """ca (host1) and cc (host3) on the overlay ov; host3's firewall drops VXLAN."""
    overlay_pair(cluster, "ov", (0, "ca"), (2, "cc"))
    underlay.host(cluster, host_names(cluster)[2]).iptables(f"-I INPUT {VXLAN_RULE}")
    return Ticket(6, "host3 is cut off", "ca (host1) and cc (host3) share the overlay ov:\n"
                  "$ docker exec ca ping -c 1 -W 1 cc   # 100% packet loss\n"
                  "yet `nslookup cc` answers from ca, and `docker node ls` shows every node Ready.\n"
                  "Make ca and cc talk again.")


def no_esp(cluster) -> Ticket:
    """teller and clerk (host1) and safe (host2) on the encrypted overlay vault, on a kernel without ESP. On
    simulated hosts the simulated kernel loses its ESP; on real hosts whose kernel has ESP, host2's
    firewall drops it instead (IP protocol 50), which looks the same to the containers."""
    overlay_pair(cluster, "vault", (0, "teller"), (1, "safe"), encrypted="")
    labs(cluster)[0].container("clerk", networks=["vault"])
    first = cluster.engines[0] if isinstance(cluster, engines.Cluster) else engines.handle(cluster[0])
    if engines.is_simulated(first.client):
        first.call("POST", "/labkit/kernel?esp=0")
    elif underlay.kernel_has_esp(cluster):
        underlay.host(cluster, host_names(cluster)[1]).iptables(f"-I INPUT {ESP_RULE}")
    return Ticket(7, "the vault is silent", "teller (host1) and safe (host2) share the encrypted overlay vault:\n"
                  "$ docker exec teller ping -c 1 -W 1 safe   # 100% packet loss\n"
                  "$ docker exec teller ping -c 1 -W 1 clerk  # answered: clerk is on host1 too\n"
                  "Find out why, then make teller and safe talk: encrypted where this machine can encrypt.")


# -- putting it back --------------------------------------------------------------------------------
def clear(cluster) -> None:
    """The hosts' own side as it was before the faults: their firewall rules, host2's link MTU,
    the simulated kernel's ESP. (`lab.reset()` on each host removes the containers and networks.)"""
    names = host_names(cluster)
    for name in names:
        side = underlay.host(cluster, name)
        for rule in (VXLAN_RULE, ESP_RULE):
            while side.iptables(f"-D INPUT {rule}").ok:
                pass
        if side.mtu() != 1500:
            side.set_mtu(1500)
    first = cluster.engines[0] if isinstance(cluster, engines.Cluster) else engines.handle(cluster[0])
    if engines.is_simulated(first.client):
        first.call("POST", "/labkit/kernel?esp=1")


__all__ = ["FAULTS", "LAB", "Ticket", "clear", "internal_network", "labs", "loopback_port", "missing_alias",
           "mtu_black_hole", "no_esp", "vxlan_blocked", "wrong_network"]
