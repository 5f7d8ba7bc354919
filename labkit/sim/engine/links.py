"""Legacy links (`--link NAME:ALIAS`), as the engine keeps them.

On the default bridge a link is written into the linking container's /etc/hosts ("IP<tab>ALIAS
HOSTNAME NAME") and into its processes' environment (ALIAS_NAME, ALIAS_PORT_..., ALIAS_ENV_...);
the linked container must be running when the linking one starts. On a user-defined network a link
is an alias that only the linking container resolves (the embedded DNS), and the engine records
it on the endpoint (NetworkSettings.Networks[NET].Links), not in HostConfig.Links.
"""
from __future__ import annotations

from ..errors import EngineError, InvalidParameter, NotFound
from ..state import Container, Host
from .ports import parse_port_key


def split(link: str) -> tuple[str, str]:
    """"db:database" -> ("db", "database"); "db" -> ("db", "db"); leading slashes dropped."""
    name, _, alias = link.partition(":")
    name = name.strip("/")
    alias = alias.rsplit("/", 1)[-1] if alias else name
    return name, alias


def check(host: Host, links: list[str]) -> None:
    """At create: every linked container must exist (the engine's text)."""
    for link in links or []:
        name, _ = split(link)
        try:
            host.find_container(name)
        except NotFound as e:
            raise InvalidParameter(f"could not get container for {name}: {e.message}") from None


def normalised(host: Host, linker: str, links: list[str]) -> list[str]:
    """HostConfig.Links as the engine records them: "/db:/web/database"."""
    out = []
    for link in links or []:
        name, alias = split(link)
        target = host.find_container(name)
        out.append(f"/{target.name}:/{linker}/{alias}")
    return out


def targets(c: Container) -> list[tuple[Container, str]]:
    """The containers this one links to on the default bridge, with their aliases."""
    out = []
    for link in c.host_config.get("Links") or []:
        name, alias = split(link)
        try:
            out.append((c.host.find_container(name), alias))
        except NotFound:
            continue
    return out


def unlink(host: Host, name: str) -> None:
    """`docker rm --link PARENT/ALIAS` (DELETE /containers/PARENT/ALIAS?link=1): the link's name goes
    (the engine releases it); both containers stay, and what the link wrote at start stays."""
    parent_name, _, alias = name.strip("/").rpartition("/")
    try:
        parent = host.find_container(parent_name) if parent_name else None
    except NotFound:
        parent = None
    if parent is None or alias in parent.unlinked or alias not in (a for _, a in targets(parent)):
        host.find_container(name)       # the engine looks the name up first: "No such container: NAME"
        raise EngineError("Conflict, cannot remove the default link name of the container")
    parent.unlinked.add(alias)


def names(c: Container) -> list[str]:
    """All the names the engine knows c by, sorted (docker ps --no-trunc: "db,web/db"): its own and
    one "/LINKER/ALIAS" per default-bridge link to it, registered when the linking container is
    created and gone when it is removed (or `docker rm --link`)."""
    out = ["/" + c.name]
    for linker in c.host.containers.values():
        out += [f"/{linker.name}/{alias}" for target, alias in targets(linker)
                if target is c and alias not in linker.unlinked]
    return sorted(out)


def check_running(c: Container) -> None:
    """At start: a linked container must be running."""
    for target, alias in targets(c):
        if not target.running:
            raise EngineError(f"Cannot link to a non running container: /{target.name} AS /{c.name}/{alias}")


def bridge_address(target: Container) -> str:
    ep = next((ep for ep in target.endpoints.values() if ep.network.name == "bridge" and ep.network.predefined), None)
    return str(ep.ip) if ep is not None and ep.ip is not None else ""


def hosts_lines(c: Container) -> list[str]:
    """/etc/hosts lines for the links: alias, the target's host name, its name."""
    lines = []
    for target, alias in targets(c):
        names = [alias, target.hostname] + ([target.name] if alias != target.name else [])
        lines.append(f"{bridge_address(target)}\t{' '.join(names)}")
    return lines


def environment(c: Container) -> list[str]:
    """The variables a link adds to the linking container's processes."""
    env = []
    for target, alias in targets(c):
        prefix = alias.upper().replace("-", "_")
        ip = bridge_address(target)
        ports = sorted((parse_port_key(k) for k in target.config.get("ExposedPorts") or {}),
                       key=lambda p: (p[0], p[1]))
        if ports:
            port, proto = ports[0]
            env.append(f"{prefix}_PORT={proto}://{ip}:{port}")
        for port, proto in ports:
            key = f"{prefix}_PORT_{port}_{proto.upper()}"
            env += [f"{key}={proto}://{ip}:{port}", f"{key}_ADDR={ip}", f"{key}_PORT={port}", f"{key}_PROTO={proto}"]
        env.append(f"{prefix}_NAME=/{c.name}/{alias}")
        for var in target.config.get("Env") or []:
            name, eq, value = var.partition("=")
            if eq and name not in ("HOME", "PATH"):
                env.append(f"{prefix}_ENV_{name}={value}")
    return env


def alias_target(asker: Container, links: list[str] | None, name: str) -> Container | None:
    """On a user-defined network: the container a link of the asker's endpoint names by name."""
    for link in links or []:
        target, alias = split(link)
        if name.lower() in (alias.lower(),):
            try:
                return asker.host.find_container(target)
            except NotFound:
                return None
    return None
