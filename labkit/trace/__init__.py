"""The packet walk: where a packet from one place to another goes, hop by hop, and what happens
to it there, read from a topology snapshot.

    t = labkit.trace(lab, "web", "db", port=80)        # a Lab, a DockerClient, a Cluster, a Topology
    walk(topology, "web", "db", port=80)               # from labkit.trace: the same on a snapshot
    t.reached                                          # True
    print(t)                                           # one hop per line
    t.hops[2].action                                   # "accepted" (filter FORWARD: -A FORWARD ...)
    labkit.trace(lab, "host", "127.0.0.1", port=8080)  # docker-proxy answers the host's loopback
    labkit.trace(cluster, "host1/ca", "cb")            # VXLAN VNI 4097 over UDP 4789 between hosts

src and dst: a container's name ("HOST/NAME" where a name is on several hosts), a host's name
("host" for the only host of a single engine), or an address (an outside client as src; as dst,
whatever holds that address where the packet is: a container, a host, or the outside).

Each `Hop` says where it is (host; namespace: "container web", "host", "overlay 1-<network ID, 10
characters>" (the overlay network's namespace, as the engine names it under its exec root),
"underlay"; interface; the Linux bridge; the iptables chain and rule), the packet as seen there
(addresses, port, protocol, and for VXLAN the outer packet and its VNI), and what happened
(sent, switched, accepted, DNAT to ..., MASQUERADE as ..., encapsulated in VXLAN VNI n over UDP
4789, decapsulated, delivered, dropped by ...). What the walk knows, it reads from the snapshot;
the netfilter decisions come from evaluating the rules labkit.iptables computes for each host
(the engine's rules, one home), in the order that module lists them; routing is Linux's: on-link
over the interface whose subnet holds the destination, else the default route (a container's
gateway; a host's uplink, eth0, as on every labkit host).

What the snapshot cannot tell, the walk says it does not know: whether anything listens on a
container's port; the host side of a veth (the engine names it vethXXXXXXX: "veth of web's eth0");
the address an overlay container has on docker_gwbridge; what lies beyond a host's uplink (an
address no host and no container holds: the walk follows the packet until it leaves the host,
and counts that as reached). The hosts' underlay addresses come from `docker info` (Swarm
NodeAddr), so hosts outside a swarm are "the host's own address" in the walk.
Not walked: IPv6, swarm's ingress routing mesh and service VIPs (IPVS), ipvlan, encrypted overlays.

`labkit.trace` (the package's face) takes the snapshot of what it is given and walks it here:
this package is pure, a function of a snapshot and of the hosts' underlay addresses. Its modules:
hops (Packet, Hop, Trace: what a walk holds), netfilter (the rules evaluated), walker (the walk
from a container, over bridges, overlays and macvlan), stack (the host's own stack: NAT, routes,
docker-proxy, the uplink).
On a real engine in labkit's hosts, the hops that show `visible` are what tcpdump sees on that
interface in that namespace (tests/test_trace_capture.py captures them there and compares).
"""
from .hops import OVERLAY_MTU, PROTOCOLS, VXLAN_PORT, Hop, Packet, Trace, TraceError, Way
from .walker import walk

__all__ = ["walk", "Trace", "Hop", "Packet", "Way", "TraceError", "PROTOCOLS", "VXLAN_PORT", "OVERLAY_MTU"]
