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
# Each rule is a decision over plain facts (names, flags, driver kinds), and each reason is worded
# once here: the simulated engine (labkit.sim.engine.sandbox, its /labkit/reach answers) and the
# model's routes (labkit.paths) say the same thing for the same cause.
ICC_OPTION = "com.docker.network.bridge.enable_icc"
GWBRIDGE = "docker_gwbridge"     # the engine's own bridge: an overlay container's way out of its host
# Go's strconv.ParseBool, which the engine applies to driver options such as enable_icc.
_FALSE = ("0", "f", "F", "false", "FALSE", "False")


def icc_enabled(options: dict) -> bool:
    """Containers on one bridge network talk to each other unless its option
    com.docker.network.bridge.enable_icc says false (docker_gwbridge: always false)."""
    return str(options.get(ICC_OPTION, "true")) not in _FALSE


def has_embedded_dns(driver: str, name: str, predefined: bool) -> bool:
    """Docker's embedded DNS (127.0.0.11) answers container names and aliases on the networks the
    user made: not on the default bridge, nor on host or none."""
    return not namespace_only(driver) and not (predefined and name == "bridge")


def gateway_order(name: str, internal: bool, dual_stack: bool = False) -> tuple:
    """libnetwork's order of a container's networks (its default routes, IPv4's and IPv6's, come
    from the first one with a gateway): docker_gwbridge last, internal networks before it, then
    the others, those with both an IPv4 and an IPv6 gateway first, each group by name."""
    return (name == GWBRIDGE, internal, not dual_stack, name)


def host_reaches(driver: str) -> bool:
    """The host itself has an address on the network (its bridge's) and reaches its containers
    directly; the engine's isolation rules keep such networks apart."""
    return has_bridge(driver)


# -- why not: the reasons, worded once ------------------------------------------------------------
def why_icc_off(network: str) -> str:
    return f"inter-container traffic is off on network {network} ({ICC_OPTION}=false)"


def why_internal_out(network: str) -> str:
    return f"network {network} is internal: nothing leaves it"


def why_internal_in(network: str) -> str:
    return f"network {network} is internal: nothing enters it"


def why_routed6(a: str, b: str) -> str:
    return (f"IPv6 from network {a} to network {b} is routed by the host: Docker 20.10 sets no ip6tables "
            "rules (--ip6tables is experimental and off), so its isolation holds for IPv4 only")


def why_isolated(a: str, b: str) -> str:
    return (f"networks {a} and {b} are isolated from each other (the engine's isolation rules drop "
            "traffic between them)")


def between_networks(source: str, source_internal: bool, target: str, target_internal: bool) -> str:
    """Why a packet from one network of a host to another network of that host, sent through the
    source's gateway, is dropped there (always: Docker connects no two networks)."""
    if source_internal:
        return why_internal_out(source)
    if target_internal:
        return why_internal_in(target)
    return why_isolated(source, target)


def why_no_name(source: str, target: str, *, source_mode: str, target_mode: str | None,
                target_running: bool, source_on_user_network: bool, share_default_bridge: bool) -> str:
    """Why `source` cannot look `target`'s name up with Docker's DNS. Modes are "network"
    (bridge-like, container:X followed), "host" or "none"; target_mode None: no such container."""
    if source_mode == "none":
        return f"{source} is in none mode: it has no network to ask a name server on"
    if source_mode == "host":
        return f"{source} is in host mode: it uses the host's resolver, which knows no container names"
    if target_mode is None:
        return f"there is no container named {target}: Docker's DNS has no entry for it"
    if not target_running:
        return f"{target} is not running: Docker's DNS has no entry for it"
    if target_mode in ("host", "none"):
        return f"{target} is in {target_mode} mode: Docker's DNS has no entry for it"
    if not source_on_user_network:
        return (f"{source} is only on the default bridge, which has no DNS for container names "
                "(use a user-defined network)")
    if share_default_bridge:
        return f"{source} and {target} share only the default bridge, which has no DNS for container names"
    return (f"{source} and {target} share no user-defined network: Docker's DNS answers only for "
            f"containers on {source}'s networks")
