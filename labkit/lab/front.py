"""The Lab: short verbs over a Docker client, each the docker CLI line it shows.

The verbs are here; what they rest on is beside them in this package: checking what is asked
(validate, ports, spec), which session made what (session, leftovers), what the lab saw of its
containers (known), an engine that stops and comes back (outage), reading probes (probes) and
the engine's JSON as labkit's model (snapshot).
"""
from __future__ import annotations

import copy
import shlex
from typing import Iterable

import docker
import docker.errors
from docker.models.containers import Container as DockerContainer
from docker.models.networks import Network as DockerNetwork

from .. import engines, model
from . import probes, snapshot
from .errors import BadArgument, Differs, NotTheLabs, RemoveFailed, named
from .known import Known, Memory
from .leftovers import Leftovers
from .outage import ENGINE_DOWN, Outages, step
from .ports import port_number
from .probes import Probe
from .session import SESSION_LABEL, default_name, session_id
from .spec import IMAGE, ContainerSpec, cli, container_spec, network_spec
from .validate import (LAB_LABEL, MARK_LABEL, check_aliases, check_int, check_ipv4, check_lab_name, literal,
                       name_of, target)


class Lab(Outages, Leftovers):
    """Short verbs over a Docker client, with the lab's labels, CLI history, probes and snapshot.

    `engine`: "sim", "docker", "auto" (see labkit.connect) or a docker.DockerClient to use as is.
    `name`: the lab's name, in the `labkit.lab` label of everything it creates.
    """

    def __init__(self, engine: str | docker.DockerClient = "auto", name: str | None = None,
                 leftovers: str = "remove", quiet: bool = False):
        self.name = check_lab_name(default_name() if name is None else name)
        if leftovers not in ("remove", "keep"):
            raise BadArgument("leftovers", leftovers, "use 'remove' (the default) or 'keep'")
        if isinstance(engine, docker.DockerClient):
            self.client = engine
        elif isinstance(engine, str) or engine is None:
            self.client = engines.connect(engine)
        else:
            raise BadArgument("engine", engine, "use 'sim', 'docker', 'auto' or a docker.DockerClient")
        self.api = self.client.api
        self.engine = engines.handle(self.client)   # where it is; this process's simulator restarts
        self.quiet = quiet
        self.history: list[str] = []
        self.last_command: str | None = None   # the CLI line of the last action, also when it failed
        self.notices: list[str] = []           # what the lab said (leftovers removed, engine back)
        self.leftovers: dict[str, list[str]] = {"containers": [], "networks": []}   # removed ones
        self._memory = Memory()                # what the lab saw that the engine's lists do not say
        self._host: model.Host | None = None
        self._outage = False                   # a call found the engine gone: reconnect first
        self._depth = 0                        # verbs call verbs: only the outer one checks
        self._leftovers_pending = leftovers == "remove"
        if self._leftovers_pending:
            try:
                self._remove_leftovers()
            except ENGINE_DOWN:
                pass                           # the first verb that reaches the engine does it

    def __repr__(self) -> str:
        return f"Lab(name={self.name!r}, engine={self.api.base_url!r})"

    @property
    def labels(self) -> dict:
        """The labels that mark an object as this lab's, made in this session: give them to
        objects made with the raw client (services, ...) so that reset() and a later session's
        leftover check find them like the lab's own."""
        return {MARK_LABEL: "1", LAB_LABEL: self.name, SESSION_LABEL: session_id()}

    @property
    def address(self) -> str:
        """Where the engine is: its socket's path, or its URL."""
        return self.engine.address

    def _did(self, line: str) -> None:
        self.history.append(line)

    def _notice(self, text: str) -> None:
        self.notices.append(text)
        if not self.quiet:
            print(f"labkit: {text}")

    def _on_container(self, name: str, call):
        """call(ref) on a container; if the ID this lab remembered is gone (the engine was
        replaced behind its back), forget it and ask by name."""
        ref = self._memory.ref(name)
        try:
            return call(ref)
        except docker.errors.NotFound:
            if ref == name:
                raise
            try:
                self.api.inspect_container(ref)
                gone = False            # the container is there: something else was not found
            except docker.errors.NotFound:
                gone = True
            if not gone:
                raise
            self._memory.ids.pop(name, None)
            self._memory.known.pop(ref, None)
            return call(name)

    # -- networks -------------------------------------------------------------------------------
    @step("create a network")
    def network(self, name: str, driver: str = "bridge", subnet: str | None = None,
                gateway: str | None = None, ip_range: str | None = None, internal: bool = False,
                attachable: bool = False, options: dict | None = None,
                labels: dict | None = None) -> DockerNetwork:
        """Create a network, like `docker network create`; or return the lab's network of that
        name when it has these settings."""
        spec = network_spec(self.name, name, driver, subnet, gateway, ip_range, internal, attachable,
                            options, labels)
        line = spec.create_cli()
        self.last_command = line
        ipam = None
        if spec.subnet is not None:
            ipam = docker.types.IPAMConfig(pool_configs=[docker.types.IPAMPool(
                subnet=subnet, gateway=gateway, iprange=ip_range)])
        try:
            made = self.api.create_network(name, driver=driver, options=spec.options or None, ipam=ipam,
                                           check_duplicate=True, internal=internal, labels=spec.labels,
                                           attachable=attachable)
        except docker.errors.APIError as e:
            if e.status_code == 409:
                return self._existing_network(spec, line)
            raise named(e, f"cannot create network {name}") from e
        self._did(line)
        self._memory.networks.add(name)
        return self.client.networks.prepare_model(snapshot.inspect_network(self.api, made["Id"]))

    def _existing_network(self, spec, line: str) -> DockerNetwork:
        name = spec.name
        attrs = snapshot.inspect_network(self.api, name)
        own = model.owner(attrs.get("Labels"))
        if own != self.name:
            raise NotTheLabs("network", name, self.name, own, f"docker network rm {name}")
        diffs = spec.differences(attrs)
        if diffs:
            raise Differs("network", name, diffs, f"docker network rm {name}")
        if line not in self.history:
            self._did(line)
        self._memory.networks.add(name)
        return self.client.networks.prepare_model(attrs)

    # -- containers -----------------------------------------------------------------------------
    @step("run a container")
    def container(self, name: str, networks: str | Iterable[str] | None = None, image: str = IMAGE,
                  command: str | list[str] | None = None, ports=None, network_mode: str | None = None,
                  hostname: str | None = None, aliases: str | list[str] | dict | None = None,
                  ip: str | dict | None = None, labels: dict | None = None,
                  environment: dict | list[str] | None = None,
                  cap_add: list[str] | None = None) -> DockerContainer:
        """Run a container in the background, like `docker run -d`: on `networks` (the first at
        create, the others connected after start) or in `network_mode` ("host", "none",
        "container:NAME"); by default busybox sleeping a day. `aliases` and `ip` apply to the
        first network, as `docker run --network-alias/--ip` do; give a dict {network: ...} for
        others. Returns the lab's container of that name instead when it has these settings."""
        spec = container_spec(self.name, name, networks, image, command, ports, network_mode, hostname,
                              aliases, ip, labels, environment, cap_add)
        line = spec.run_cli()
        self.last_command = line
        first = spec.networks[:1]
        networking = None
        if first:
            aliases0, ip0 = spec.joins(first[0])
            networking = self.api.create_networking_config({first[0]: self.api.create_endpoint_config(
                aliases=aliases0 or None, ipv4_address=ip0)})
        if spec.mode == "host" and spec.ports:
            raise BadArgument(f"ports of container {name}", " ".join(b.cli() for b in spec.ports),
                              "a container in host mode uses the host's own ports: there is nothing to "
                              "publish (docker-py refuses port bindings in host mode)")
        # Never privileged, no mounts (so never the engine's socket): see labkit.lab's docstring.
        try:
            host_config = self.api.create_host_config(
                network_mode=spec.mode, port_bindings=spec.bindings() or None, cap_add=spec.cap_add or None,
                privileged=False)
        except docker.errors.InvalidArgument as e:   # docker-py's own checks, before the engine
            raise BadArgument(f"settings of container {name}", spec.mode, str(e)) from None

        def create():
            return self.api.create_container(
                spec.image, spec.argv, name=name, hostname=spec.hostname, labels=spec.labels,
                ports=[(b.container_port, b.protocol) for b in spec.ports] or None,
                environment=spec.environment or None, host_config=host_config,
                networking_config=networking)
        try:
            try:
                made = create()
            except docker.errors.ImageNotFound:
                if spec.image not in (IMAGE, IMAGE + ":latest"):
                    raise
                # The lab image, missing on this engine: made here, offline, then used.
                from ..images import ensure_lab_image
                ensure_lab_image(self.client, progress=None if self.quiet else print)
                made = create()
        except docker.errors.APIError as e:
            if e.status_code == 409 and "already in use" in str(e.explanation):
                return self._existing_container(spec, line)
            raise named(e, f"cannot create container {name}") from e
        cid = made["Id"]
        mark = len(self.history)
        try:
            self._start(cid, spec)
            known = self._memory.known[cid] = Known(hostname=spec.hostname)
            if first:
                known.joined(first[0], spec.joins(first[0])[0])
            elif spec.mode == "default":
                known.joined("bridge")
            else:
                known.next_eth = None   # host, none, another container's: no interface of its own
            self._did(line)
            for net in spec.networks[1:]:
                self._connect(cid, name, net, *spec.joins(net))
            attrs = self.api.inspect_container(cid)
        except BaseException:
            # Nothing half-made stays behind: the container goes, with what the lab noted of it.
            del self.history[mark:]
            self._memory.known.pop(cid, None)
            try:
                self.api.remove_container(cid, force=True, v=True)
            except (docker.errors.DockerException, *ENGINE_DOWN):
                pass
            raise
        self._memory.ids[name] = cid
        known.learn(attrs)
        return self.client.containers.prepare_model(attrs)

    def _start(self, cid: str, spec: ContainerSpec) -> None:
        try:
            self.api.start(cid)
        except docker.errors.APIError as e:
            raise named(e, f"cannot start container {spec.name} ({spec.where()})") from e

    def _existing_container(self, spec: ContainerSpec, line: str) -> DockerContainer:
        """A re-run: the lab's container of that name, started and on the networks asked for."""
        name = spec.name
        attrs = self.api.inspect_container(name)
        own = model.owner((attrs.get("Config") or {}).get("Labels"))
        if own != self.name:
            raise NotTheLabs("container", name, self.name, own, f"docker rm -f {name}")
        diffs = spec.differences(attrs)
        if diffs:
            raise Differs("container", name, diffs, f"docker rm -f {name}")
        cid = attrs["Id"]
        mark = len(self.history)
        if line not in self.history:
            self._did(line)
        nets = (attrs.get("NetworkSettings") or {}).get("Networks") or {}
        changed = False
        memory = self._memory
        if not (attrs.get("State") or {}).get("Running"):
            self._start(cid, spec)
            self._did(cli("docker", "start", name))
            changed = True
            # On start the engine joins the default bridge first, then the others in no fixed
            # order: only a single network's interface name is certain.
            known = memory.known[cid] = Known(next_eth=0 if len(nets) == 1 else None)
            for net in list(nets)[:1]:
                known.joined(net)
        elif cid not in memory.known:
            known = memory.known[cid] = Known()
            asked = spec.networks or (["bridge"] if spec.mode == "default" else [])
            if asked and set(nets) == set(asked):
                for net in asked:   # joined as this lab joins them: the first, then the others
                    known.joined(net)
            else:
                known.next_eth = None
            known.learn(attrs)
        known = memory.known[cid]
        try:
            for net in spec.networks[1:]:
                if net not in nets:
                    self._connect(cid, name, net, *spec.joins(net))
                    changed = True
        except BaseException:
            del self.history[mark:]
            raise
        memory.ids[name] = cid
        if changed:
            attrs = self.api.inspect_container(cid)
            known.learn(attrs)
        return self.client.containers.prepare_model(attrs)

    # -- connecting -----------------------------------------------------------------------------
    @step("connect a container")
    def connect(self, container, network, aliases: str | list[str] | None = None,
                ip: str | None = None) -> bool:
        """Connect a container to a network, like `docker network connect`. Does nothing (and
        returns False) when it is connected there already with these aliases and address."""
        cname, net = name_of(container, "container"), name_of(network, "network")
        aliases = check_aliases(aliases, f"aliases of container {cname} on {net}")
        if ip is not None:
            ip = check_ipv4(ip, f"ip of container {cname} on {net}")
        return self._on_container(cname, lambda ref: self._connect(ref, cname, net, aliases, ip))

    def _connect(self, cid: str, cname: str, net: str, aliases: list[str], ip: str | None) -> bool:
        words = ["docker", "network", "connect"]
        for a in aliases:
            words += ["--alias", a]
        if ip:
            words += ["--ip", ip]
        line = cli(*words, net, cname)
        self.last_command = line
        try:
            self.api.connect_container_to_network(cid, net, aliases=aliases or None, ipv4_address=ip)
        except docker.errors.APIError as e:
            if e.status_code == 403 and "already exists in network" in str(e.explanation):
                attrs = self.api.inspect_container(cid)
                have = ((attrs.get("NetworkSettings") or {}).get("Networks") or {}).get(net) or {}
                have_ip = (have.get("IPAMConfig") or {}).get("IPv4Address") or None
                if (not ip or have_ip == ip) and all(a in (have.get("Aliases") or []) for a in aliases):
                    return False
            raise named(e, f"cannot connect container {cname} to network {net}") from e
        known = self._memory.known.get(cid)
        if known is not None:
            known.joined(net, aliases)
        self._did(line)
        return True

    @step("disconnect a container")
    def disconnect(self, container, network) -> bool:
        """Disconnect a container from a network, like `docker network disconnect`. Does
        nothing (and returns False) when it is not connected there."""
        cname, net = name_of(container, "container"), name_of(network, "network")
        line = cli("docker", "network", "disconnect", net, cname)
        self.last_command = line
        try:
            cid = self._on_container(cname, lambda ref: (
                self.api.disconnect_container_from_network(ref, net), ref)[1])
        except docker.errors.APIError as e:
            if "is not connected to network" in str(e.explanation):
                return False
            raise named(e, f"cannot disconnect container {cname} from network {net}") from e
        known = self._memory.known.get(cid)
        if known is not None:
            known.joins.pop(net, None)
        self._did(line)
        return True

    # -- removing -------------------------------------------------------------------------------
    @step("remove a container or network")
    def remove(self, thing) -> str:
        """Remove a container (`docker rm -f`, also when it runs) or a network (`docker network
        rm`). A name is looked up as a container first, then as a network. Returns which it was."""
        if isinstance(thing, (DockerNetwork, model.Network)):
            self._remove_network(thing.name, thing.id)
            return "network"
        if isinstance(thing, (DockerContainer, model.Container)):
            self._remove_container(thing.name, thing.id)
            return "container"
        name = name_of(thing)
        # A name: a container first, then a network; the other way round for the lab's networks.
        order = ["container", "network"]
        if name in self._memory.networks and name not in self._memory.ids:
            order.reverse()
        misses = []
        for kind in order:
            try:
                if kind == "container":
                    self._on_container(name, lambda ref: self._remove_container(name, ref))
                else:
                    self._remove_network(name, name)
                return kind
            except docker.errors.NotFound as e:
                misses.append(e)
        gone = copy.copy(misses[-1])
        gone.explanation = f"there is no container or network named {name}"
        raise gone from misses[0]

    def _remove_container(self, name: str, ref: str) -> None:
        line = cli("docker", "rm", "-f", name)
        self.last_command = line
        try:
            self.api.remove_container(ref, force=True, v=True)
        except docker.errors.APIError as e:
            raise named(e, f"cannot remove container {name}") from e
        cid = self._memory.ids.pop(name, None)
        self._memory.known.pop(cid or ref, None)
        self._did(line)

    def _remove_network(self, name: str, ref: str) -> None:
        line = cli("docker", "network", "rm", name)
        self.last_command = line
        try:
            self.api.remove_network(ref)
        except docker.errors.APIError as e:
            raise named(e, f"cannot remove network {name}") from e
        self._memory.removed_network(name)
        self._did(line)

    @step("reset the lab", leftovers=False)
    def reset(self) -> dict[str, list[str]]:
        """Remove this lab's containers, then its networks: exactly those with its labels.
        Returns their names: {"containers": [...], "networks": [...]}."""
        removed: dict[str, list[str]] = {"containers": [], "networks": []}
        failures = []
        for c in self.api.containers(all=True, filters={"label": self._mine()}):
            name = snapshot.container_name(c)
            try:
                self.api.remove_container(c["Id"], force=True, v=True)
            except docker.errors.NotFound:
                continue
            except docker.errors.APIError as e:
                failures.append(f"container {name}: {e.explanation}")
                continue
            removed["containers"].append(name)
        self._leftovers_pending = False          # this removed them, with everything else
        for n in self.api.networks(filters={"label": self._mine()}):
            try:
                self.api.remove_network(n["Id"])
            except docker.errors.NotFound:
                continue
            except docker.errors.APIError as e:
                users = self._users_of(n["Id"])
                failures.append(f"network {n['Name']} is still used by {', '.join(users)}, not this lab's: "
                                f"disconnect {'them' if len(users) > 1 else 'it'} first (`docker network "
                                f"disconnect {n['Name']} {users[0]}`)" if users else
                                f"network {n['Name']}: {e.explanation}")
                continue
            removed["networks"].append(n["Name"])
        if removed["containers"]:
            self._did(cli("docker", "rm", "-f", *removed["containers"]))
        if removed["networks"]:
            self._did(cli("docker", "network", "rm", *removed["networks"]))
        self._memory.forget()
        self.last_command = self.history[-1] if removed["containers"] or removed["networks"] else None
        if failures:
            raise RemoveFailed(removed, failures)
        return removed

    # -- probes ---------------------------------------------------------------------------------
    def _exec(self, src, argv: list[str], what: str) -> tuple[str, int, str]:
        name = name_of(src, "probe source")
        line = cli("docker", "exec", name, *argv)
        self.last_command = line
        try:
            eid = self._on_container(name, lambda ref: self.api.exec_create(ref, argv))["Id"]
            output = self.api.exec_start(eid)
            code = self.api.exec_inspect(eid)["ExitCode"]
        except docker.errors.APIError as e:
            raise named(e, f"cannot {what} from container {name}") from e
        self._did(line)
        return line, code, output.decode(errors="replace")

    @step("run a command")
    def exec(self, src, command: str | list[str]) -> Probe:
        """Run a command inside src, as `docker exec SRC COMMAND` (in the history too): ok when
        it exits 0; `output` is what it printed (stdout and stderr)."""
        argv = shlex.split(command) if isinstance(command, str) else [str(a) for a in command]
        if not argv:
            raise BadArgument("command", command, "give the command to run, e.g. 'ip addr'")
        return probes.command(*self._exec(src, argv, f"run {argv[0]}"))

    @step("ping")
    def ping(self, src, dst, count: int = 1, timeout: int = 1) -> Probe:
        """Ping dst (a name or an address) from inside src: `docker exec SRC ping -c 1 -W 1 DST`."""
        dst = target(dst)
        count, timeout = check_int("ping count", count, 1, 100), check_int("ping timeout", timeout, 1, 60)
        ran = self._exec(src, ["ping", "-c", str(count), "-W", str(timeout), dst], f"ping {dst}")
        return probes.ping(*ran, literal(dst))

    @step("look up a name")
    def resolve(self, src, name: str, timeout: int | None = None) -> list[str]:
        """The addresses `nslookup NAME` finds from inside src (an empty list when none).
        With timeout, nslookup waits that many seconds for the name server, once."""
        name = name_of(name, "name to look up")
        timeout = None if timeout is None else check_int("lookup timeout", timeout, 1, 60)
        argv = ["nslookup"] + ([f"-timeout={timeout}", "-retry=1"] if timeout else []) + [name]
        _, code, out = self._exec(src, argv, f"look up {name}")
        return probes.parse_nslookup(out) if code == 0 else []

    @step("probe a port")
    def port(self, src, dst, port: int, timeout: int = 1) -> Probe:
        """Is dst:port open from inside src? `docker exec SRC nc -w 1 DST PORT`: "open" (it
        connected), "closed" (refused) or "unreachable" (no answer, or no route)."""
        dst = target(dst)
        port = port_number(port, "port", port)
        timeout = check_int("port probe timeout", timeout, 1, 60)
        ran = self._exec(src, ["nc", "-w", str(timeout), dst, str(port)], f"connect to {dst}:{port}")
        return probes.port(*ran, literal(dst))

    @step("list the interfaces")
    def interfaces(self, container) -> dict[str, list[str]]:
        """The container's interfaces and their IPv4 addresses, from `ip -o -4 addr` inside it;
        also teaches the lab their names for the snapshot."""
        name = name_of(container, "container")
        _, code, out = self._exec(container, ["ip", "-o", "-4", "addr"], "list the interfaces")
        found = probes.parse_ip_addr(out)
        attrs = self.api.inspect_container(self._memory.ref(name))
        known = self._memory.known.setdefault(attrs["Id"], Known(next_eth=None))
        known.learn(attrs)
        known.named({ip.split("/")[0]: ifname for ifname, ips in found.items() for ip in ips}, attrs)
        return found

    # -- the snapshot ---------------------------------------------------------------------------
    @step("ask the engine who it is")
    def host(self) -> model.Host:
        """The engine this lab talks to (asked once, then remembered)."""
        if self._host is None:
            self._host = snapshot.host(self.client.info())
        return self._host

    @step("take a snapshot")
    def snapshot(self, inspect: bool = False) -> model.Topology:
        """Everything on the engine now, the lab's objects and foreign ones, as a plain model.

        Three calls whatever the size: `docker info` (once per lab), the network list and the
        container list (`docker ps -a`), which give all that the model holds but three things:
        - hostnames and aliases (the list shows none): known for the containers this lab made,
          adopted or inspected; for others None and (), unless inspect=True, which inspects
          every container (one call each). Aliases are the user's: the engine's own (the short
          ID and the hostname) are left out.
        - interface names: the engine's API does not report them. They are known where this lab
          saw the joins (eth0 for the network a container started on, then eth1, ... in the order
          it connected them; a container adopted on a re-run gets its networks' order from the
          call) or looked with `lab.interfaces(container)`; a name is forgotten when the
          endpoint changes (a restart, a reconnect behind the lab's back). Otherwise None.
        A network's gateway is its IPAM gateway, or else the one its endpoints were given.
        """
        host = self.host()
        networks = self.api.networks()
        listed = self.api.containers(all=True)
        if inspect:
            for c in listed:
                known = self._memory.known.setdefault(c["Id"], Known(next_eth=None))
                known.learn(self.api.inspect_container(c["Id"]))
        return snapshot.topology(host, networks, listed, self._memory.known)
