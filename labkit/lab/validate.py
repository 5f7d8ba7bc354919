"""Checking what is asked of the lab before anything goes to the engine.

Each check returns the value as the engine takes it, or raises BadArgument naming the value and
the rule (Docker's rules from labkit.rules; the lab's own where it is stricter: names of at most
64 characters, only network capabilities, labels that labkit sets itself).
"""
from __future__ import annotations

import ipaddress
import re

from docker.models.containers import Container as DockerContainer
from docker.models.networks import Network as DockerNetwork

from .. import model, rules
from .errors import BadArgument
from .session import SESSION_LABEL, session_id

LAB_LABEL, MARK_LABEL = model.LAB_LABEL, model.MARK_LABEL
CONTAINER_NAME, NAME, NAME_RULE = rules.CONTAINER_NAME, rules.NAME, rules.NAME_RULE
MAX_NAME = 64                    # names the lab makes or looks up (a full container ID is 64)
# Capabilities a lab container may be given: those of networking lessons. Others (SYS_ADMIN, ALL,
# ...) give a container power over the host, as --privileged does: refused.
CAPABILITIES = ("NET_ADMIN", "NET_RAW", "NET_BIND_SERVICE", "NET_BROADCAST")
# Network drivers an engine has without plugins. Any other name makes the engine look for a
# plugin, which takes 15 s to fail on 20.10: so unknown drivers are refused here at once.
DRIVERS = rules.DRIVERS
VARIABLE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def check_name(kind: str, name, pattern: re.Pattern = NAME, rule: str = NAME_RULE) -> str:
    if not isinstance(name, str) or not pattern.fullmatch(name):
        raise BadArgument(f"{kind} name", name, rule)
    if len(name) > MAX_NAME:
        raise BadArgument(f"{kind} name", name, f"it is {len(name)} characters long: use at most {MAX_NAME}")
    return name


def check_lab_name(name) -> str:
    """A lab's name, checked (the rule of network names: it goes into labels and messages)."""
    return check_name("lab", name)


def check_text(what: str, value, example: str) -> str:
    """Free text the engine takes as is (commands, environment): a string without NUL."""
    if not isinstance(value, str):
        raise BadArgument(what, value, f"give text, like {example}")
    if "\0" in value:
        raise BadArgument(what, value, "it contains a NUL character, which no program can be given")
    return value


def check_image(image, name: str) -> str:
    what = f"image of container {name}"
    if not isinstance(image, str) or not image:
        raise BadArgument(what, image, "give an image name like busybox or busybox:latest")
    problem = rules.BAD_REFERENCE if len(image) > 512 else rules.reference_problem(image)
    if problem == rules.NOT_LOWERCASE:
        raise BadArgument(what, image, "an image name is written in lowercase, like busybox")
    if problem == rules.REPOSITORY_TOO_LONG:
        raise BadArgument(what, image, f"an image's repository name has at most {rules.MAX_REPOSITORY} characters")
    if problem:
        raise BadArgument(what, image, "it is not an image name: write it like busybox, busybox:latest or "
                          "registry:5000/team/app:1.0")
    return image


def check_int(what: str, value, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise BadArgument(what, value, f"give a whole number from {low} to {high}")
    try:
        n = int(value)
    except ValueError:
        raise BadArgument(what, value, f"give a whole number from {low} to {high}") from None
    if not low <= n <= high:
        raise BadArgument(what, value, f"give a whole number from {low} to {high}")
    return n


def check_cidr(value, what: str, name: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    """A subnet or IP range of network `name`, written as Docker takes it (10.10.0.0/24)."""
    if not isinstance(value, str):
        raise BadArgument(f"{what} of network {name}", value, "write it as text, like 10.10.0.0/24")
    try:
        return ipaddress.ip_network(value, strict=True)
    except ValueError as e:
        hint = ""
        try:
            hint = f": did you mean {ipaddress.ip_network(value, strict=False)}?"
        except ValueError:
            why = str(e).replace(repr(value), "it") if len(value) > 40 else str(e)
            hint = f" ({why}); write it like 10.10.0.0/24"
        raise BadArgument(f"{what} of network {name}", value, f"it is not a network address{hint}") from None


def check_ipv4(address, what: str) -> str:
    """An IPv4 address (a container's fixed address), as the engine writes it."""
    try:
        if not isinstance(address, str):
            raise ValueError(address)
        return str(ipaddress.IPv4Address(address))
    except ValueError:
        raise BadArgument(what, address, "it is not an IPv4 address") from None


def check_aliases(aliases, what: str) -> list[str]:
    """Network aliases: a name, or a list of names."""
    if aliases is not None and not isinstance(aliases, (str, list, tuple)):
        raise BadArgument(what, aliases, "give a name, or a list of names")
    aliases = [aliases] if isinstance(aliases, str) else list(aliases or [])
    for alias in aliases:
        check_name("alias", alias)
    return aliases


def labels(user: dict | None, lab: str, what: str) -> dict:
    """The labels of a new object: the lab's, the session's, then the user's (checked)."""
    if user is not None and not isinstance(user, dict):
        raise BadArgument(f"labels of {what}", user, "labels are text: {'key': 'value'}")
    user = dict(user or {})
    for key in (MARK_LABEL, LAB_LABEL, SESSION_LABEL):
        if key in user:
            raise BadArgument(f"label of {what}", key, "labkit sets this label itself")
    for key, value in user.items():
        if not isinstance(key, str) or not key or not isinstance(value, str) or "\0" in key + value:
            raise BadArgument(f"label of {what}", {key: value}, "labels are text: {'key': 'value'}")
    return {MARK_LABEL: "1", LAB_LABEL: lab, SESSION_LABEL: session_id(), **user}


def shown_labels(labels: dict) -> dict:
    """The labels as the CLI lines show them and re-runs compare them: without the session."""
    return {k: v for k, v in labels.items() if k != SESSION_LABEL}


def name_of(thing, kind: str = "container or network") -> str:
    """A container or network as the engine's API takes it: a name (or an ID), checked."""
    if isinstance(thing, (DockerContainer, DockerNetwork)):
        thing = thing.name or thing.id
    elif isinstance(thing, (model.Container, model.Network)):
        thing = thing.name
    elif not isinstance(thing, str):
        raise BadArgument(kind, thing, "give its name or the object")
    return check_name(kind, thing)


def literal(text: str) -> str | None:
    """text as an IP address, or None when it is not one."""
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return None


def target(dst) -> str:
    """Where a probe goes: a container's (or alias's) name, or an IPv4 address."""
    if isinstance(dst, str) and literal(dst):
        return dst
    return name_of(dst, "probe target")


def environment(env, name: str) -> list[str]:
    what = f"environment of container {name}"
    if env is None:
        return []
    if isinstance(env, dict):
        pairs = list(env.items())
    elif isinstance(env, (list, tuple)):
        pairs = []
        for entry in env:
            if not isinstance(entry, str) or "=" not in entry:
                raise BadArgument(what, entry, "write each variable as 'NAME=value'")
            pairs.append(tuple(entry.split("=", 1)))
    else:
        raise BadArgument(what, env, "give a dict {'NAME': 'value'} or a list ['NAME=value']")
    out = []
    for k, v in pairs:
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            v = str(v)
        if not isinstance(k, str) or not VARIABLE.fullmatch(k) or not isinstance(v, str):
            raise BadArgument(what, {k: v}, "a variable's name is letters, digits and '_'; its value is text")
        out.append(f"{k}={check_text(what, v, repr('value'))}")
    return out


def capabilities(cap_add, name: str) -> list[str]:
    what = f"cap_add of container {name}"
    if cap_add is None:
        return []
    if isinstance(cap_add, str):
        cap_add = [cap_add]
    if not isinstance(cap_add, (list, tuple)):
        raise BadArgument(what, cap_add, "give a list, like ['NET_ADMIN']")
    out = []
    for cap in cap_add:
        plain = cap.upper().removeprefix("CAP_") if isinstance(cap, str) else None
        if plain not in CAPABILITIES:
            raise BadArgument(what, cap, f"a lab container may be given {', '.join(CAPABILITIES)} only: "
                              "other capabilities give it power over the host, as --privileged does")
        out.append(plain)
    return out
