"""What a lesson notebook needs besides the Lab: its start, and two ways to show steps.

    from labkit.notebook import cli, sh, start

    lab = start("nb01")            # the engine, `!docker` cells on it too, a clean start
    lab.container("alpha")
    cli(lab)                       # $ docker run -d --name alpha busybox sleep 86400
    sh(lab, "alpha", "ip route")   # $ docker exec alpha ip route, then what it printed

`start(name)` connects (LABKIT_ENGINE, else the real engine when one answers, else labkit's
simulated one; or the client given), says which engine in one line, and exports DOCKER_HOST into
this kernel's environment, so that `!docker network ls` in a cell talks to the lab's engine, the
in-process simulator included. (A JupyterLab terminal has the Jupyter server's environment, not
the kernel's: the lab's launcher exports DOCKER_HOST for terminals.) Then it starts clean: it
removes what an earlier run of this lesson left, and what the other lessons (labs nb00, nb01, ...)
left on the same engine, so that their ports and names do not get in the way. A lesson ends
without cleaning up, so that its exercises still work after Run All; the next lesson's start does
it, or `lab.reset()` (`docker rm -f ...; docker network rm ...`).

`cli` and `sh` return text that shows as itself when a cell ends with it (print() it otherwise).
"""
from __future__ import annotations

import os
import re
import shutil

import docker

from . import engines
from .lab import LAB_LABEL, MARK_LABEL, Lab

LESSON = re.compile(r"nb\d\d")   # the labs of the lesson notebooks: nb00, nb01, ...


class Shown(str):
    """Text that a notebook shows as it is (not quoted) when a cell ends with it."""

    def __repr__(self) -> str:
        return str(self)


def docker_host(client: docker.DockerClient) -> str:
    """The engine a client talks to, as DOCKER_HOST (and `docker -H`) take it: unix:///PATH for a
    socket (the in-process simulator's too), tcp://HOST:PORT, or the ssh:// URL it was made from."""
    path = engines.socket_path(client)
    if path:
        return f"unix://{path}"
    url = client.api.base_url
    if url.startswith(("http://", "https://")):
        return "tcp://" + url.split("://", 1)[1]
    return os.environ.get("DOCKER_HOST") or url


def export_docker_host(client: docker.DockerClient) -> str:
    """Point the `docker` command of this kernel's cells (`!docker ...`) at the client's engine:
    DOCKER_HOST in this process's environment, which `!` commands inherit. Returns the URL."""
    url = docker_host(client)
    os.environ["DOCKER_HOST"] = url
    if url.startswith("unix://"):
        os.environ.pop("DOCKER_TLS_VERIFY", None)   # a unix socket takes no TLS settings
    return url


def engine_name(client: docker.DockerClient) -> str:
    return "labkit's simulated Docker engine" if engines.is_simulated(client) else "a real Docker engine"


def start(name: str, engine: str | docker.DockerClient | None = None) -> Lab:
    """The lab of a lesson notebook, on a clean engine (see the module's docstring). Prints which
    engine it talks to, and what it removed that other lessons left."""
    client = engine if isinstance(engine, docker.DockerClient) else engines.connect(engine, quiet=True)
    export_docker_host(client)
    lab = Lab(client, name=name)
    print("This lab talks to", engine_name(client))
    if shutil.which("docker") is None:
        print("labkit: the docker command is not installed here, so `!docker` cells will fail: install "
              "Docker's CLI (Debian: apt-get install docker.io) and restart the kernel")
    for other in other_lessons(lab):
        freed = free_networks(lab, other)
        removed = Lab(client, name=other, leftovers="keep", quiet=True).reset()
        things = [f"container {n}" for n in removed["containers"]] + [f"network {n}" for n in removed["networks"]]
        if things:
            print(f"labkit: removed what lesson {other} left on this engine: {', '.join(things)}")
        for network, containers in freed.items():
            print(f"labkit: disconnected {', '.join(containers)} (not made by labkit) from lesson {other}'s "
                  f"network {network} to remove it; `docker rm -f {' '.join(containers)}` removes "
                  f"{'them' if len(containers) > 1 else 'it'}")
    lab.reset()
    return lab


def other_lessons(lab: Lab) -> list[str]:
    """The other lesson labs (nb00, nb01, ...) that have containers or networks on the lab's engine."""
    mark = {"label": [f"{MARK_LABEL}=1"]}
    labelled = lab.api.containers(all=True, filters=mark) + lab.api.networks(filters=mark)
    names = {(thing.get("Labels") or {}).get(LAB_LABEL) or "" for thing in labelled}
    return sorted(n for n in names if LESSON.fullmatch(n) and n != lab.name)


def free_networks(lab: Lab, lesson: str) -> dict[str, list[str]]:
    """Disconnect from lesson `lesson`'s networks the containers that labkit did not make (a
    learner's `docker run --network ...`), so that its networks can be removed: `docker network
    disconnect -f`. Returns {network: [containers]} of what it disconnected."""
    freed: dict[str, list[str]] = {}
    for net in lab.api.networks(filters={"label": [f"{MARK_LABEL}=1", f"{LAB_LABEL}={lesson}"]}):
        attached = (lab.api.inspect_network(net["Id"]).get("Containers") or {})
        for cid, endpoint in attached.items():
            try:
                labels = lab.api.inspect_container(cid)["Config"].get("Labels") or {}
            except docker.errors.NotFound:
                continue
            if labels.get(MARK_LABEL) != "1":
                lab.api.disconnect_container_from_network(cid, net["Id"], force=True)
                freed.setdefault(net["Name"], []).append(endpoint.get("Name") or cid[:12])
    return freed


def cli(lab: Lab, n: int = 1) -> Shown:
    """The docker commands of the lab's last n steps, one `$ ...` line each, without the labels
    labkit adds to everything it makes."""
    return Shown("\n".join("$ " + _unlabelled(lab, line) for line in lab.history[-n:]))


def last_cli(lab: Lab) -> Shown:
    """The docker command of the lab's last action, also when the engine refused it (`$ ...`)."""
    return Shown("$ " + _unlabelled(lab, lab.last_command or ""))


def _unlabelled(lab: Lab, line: str) -> str:
    return line.replace(f" --label {MARK_LABEL}=1 --label {LAB_LABEL}={lab.name}", "")


def sh(lab: Lab, container: str, command: str) -> Shown:
    """Run a command inside a container, as `docker exec CONTAINER COMMAND`: the command line, then
    what it printed."""
    done = lab.exec(container, command)
    return Shown(f"$ docker exec {container} {command}\n{done.output.rstrip() or '(no output)'}")


__all__ = ["start", "cli", "last_cli", "sh", "docker_host", "export_docker_host", "engine_name", "Shown"]
