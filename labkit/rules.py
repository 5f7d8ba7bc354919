"""Docker's rules, one home each: names, image references, network drivers, the underlay.

The ground layer: it imports nothing from labkit, so the simulated engine (labkit.sim), the lab's
own checks (labkit.lab), the drawing, the paths and the hosts all read the same rule, written once.
Each rule is the engine's own (Docker Engine 20.10, the engine these labs run on); where labkit
adds to it, the comment says so.
"""
from __future__ import annotations

import enum
import ipaddress
import re

# -- names -------------------------------------------------------------------------------------
# The engine's rule for container names (validContainerNamePattern, which also takes one leading
# "/", as the API writes names). At least two characters: 20.10 refuses one.
CONTAINER_NAME = re.compile(r"[a-zA-Z0-9][a-zA-Z0-9_.-]+")
# Network names, aliases and the lab's own names: the same characters, one is enough.
NAME = re.compile(r"[a-zA-Z0-9][a-zA-Z0-9_.-]*")
NAME_RULE = "start with a letter or digit, then use only letters, digits, '_', '.' and '-'"
CONTAINER_NAME_RULE = NAME_RULE + "; at least two characters"
# A hostname (`docker run --hostname`): letters, digits, '.' and '-', not ending in either.
HOSTNAME = re.compile(r"[a-zA-Z0-9]([a-zA-Z0-9.-]*[a-zA-Z0-9])?")
HOSTNAME_RULE = "use letters, digits, '.' and '-'"
# The networks every engine has from the start (`docker network ls` on a fresh engine).
PREDEFINED_NETWORKS = ("bridge", "host", "none")


# -- image references --------------------------------------------------------------------------
# Docker's image reference grammar (distribution/reference): [DOMAIN[:PORT]/]PATH[:TAG][@DIGEST],
# path components in lowercase. The group "name" is the repository (domain and path).
_ALNUM = r"[a-z0-9]+"
_COMPONENT = rf"{_ALNUM}(?:(?:[._]|__|-+){_ALNUM})*"
_DOMAIN_PART = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
IMAGE_REFERENCE = re.compile(
    rf"(?P<name>(?:{_DOMAIN_PART}(?:\.{_DOMAIN_PART})*(?::[0-9]+)?/)?{_COMPONENT}(?:/{_COMPONENT})*)"
    r"(?::[\w][\w.-]{0,127})?(?:@[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,})?",
    re.ASCII)
IMAGE_ID = re.compile(r"(sha256:)?[0-9a-f]{64}")
MAX_REPOSITORY = 255                 # characters in a repository name
# The engine's refusals, word for word (HTTP 400).
BAD_REFERENCE = "invalid reference format"
NOT_LOWERCASE = "invalid reference format: repository name must be lowercase"
REPOSITORY_TOO_LONG = f"repository name must not be more than {MAX_REPOSITORY} characters"


def reference_problem(ref: str) -> str | None:
    """What the engine says to an image reference it refuses (one of BAD_REFERENCE,
    NOT_LOWERCASE, REPOSITORY_TOO_LONG), or None when it takes it (a name or an image ID)."""
    if IMAGE_ID.fullmatch(ref):
        return None
    m = IMAGE_REFERENCE.fullmatch(ref)
    if m is None:
        return NOT_LOWERCASE if IMAGE_REFERENCE.fullmatch(ref.lower()) else BAD_REFERENCE
    if len(m.group("name")) > MAX_REPOSITORY:
        return REPOSITORY_TOO_LONG
    return None


# -- network drivers ---------------------------------------------------------------------------
class Driver(enum.StrEnum):
    """The network drivers an engine has without plugins (`docker info` Plugins: Network).
    Members are strings: `network.driver == Driver.BRIDGE` compares with what the API says."""

    BRIDGE = "bridge"
    OVERLAY = "overlay"
    MACVLAN = "macvlan"
    IPVLAN = "ipvlan"
    HOST = "host"
    NULL = "null"


# In the order `docker network create --help` and the lessons name them. Any other name makes the
# engine look for a plugin (which takes 15 s to fail on 20.10).
DRIVERS = tuple(d.value for d in Driver)
# Drivers of which `docker network create` makes as many as asked, on one host (scope local).
LOCAL_DRIVERS = (Driver.BRIDGE, Driver.MACVLAN, Driver.IPVLAN)


def swarm_scoped(driver: str) -> bool:
    """A network that spans the hosts of a swarm (scope "swarm"): overlay."""
    return driver == Driver.OVERLAY


def local_scoped(driver: str) -> bool:
    """A network that lives on one host (scope "local"): all but overlay."""
    return not swarm_scoped(driver)


def has_bridge(driver: str) -> bool:
    """A Linux bridge on the host holds the gateway address (docker0, br-<id>): the host reaches
    the network's containers, and NAT and published ports go through it."""
    return driver == Driver.BRIDGE


def namespace_only(driver: str) -> bool:
    """No network of its own: a container in it is in the host's namespace (host) or has only
    its loopback (null, the network `none`). No addresses, no interface, one instance each."""
    return driver in (Driver.HOST, Driver.NULL)


def on_parent(driver: str) -> bool:
    """Containers get interfaces stacked on a host interface (option `parent`); the host itself
    cannot talk to them through that parent."""
    return driver in (Driver.MACVLAN, Driver.IPVLAN)


# -- the underlay between lab hosts ------------------------------------------------------------
# labkit's own convention (not Docker's): the hosts of a cluster, simulated (labkit.sim) or real
# engines in namespaces (labkit.hosts), share one underlay network, and look the same from inside.
# The switch has .1 (MAC 02:99:00:00:00:00) and answers pings; host N (1, 2, ...) has eth0 with
# 10.99.0.(10+N)/24 and MAC 02:99:00:00:00:NN, its peer (the switch's port) interface index 30000+N.
UNDERLAY = ipaddress.IPv4Network("10.99.0.0/24")
UNDERLAY_SWITCH = ipaddress.IPv4Address("10.99.0.1")
UNDERLAY_SWITCH_MAC = "02:99:00:00:00:00"
UNDERLAY_PORT_INDEX = 30000


def underlay_address(number: int) -> ipaddress.IPv4Address:
    """Host number N's address on the underlay: 10.99.0.(10+N)."""
    return UNDERLAY.network_address + 10 + number


def underlay_mac(number: int) -> str:
    """Host number N's MAC on the underlay: 02:99:00:00:00:NN (hex)."""
    return f"02:99:00:00:00:{number:02x}"


# -- reachability ------------------------------------------------------------------------------
# Who reaches whom, and why not: the rules the simulator, labkit.paths and the explanations share.
