"""Leftovers: what ended sessions left on the engine with a lab's labels.

A new Lab looks for objects labelled with its name that a session which has ended (a restarted
kernel, a crashed script, an earlier boot) left, removes them, and says so in one line
(`lab.notices`, printed). Objects of sessions still running (another kernel on this machine) or
made on another machine are left alone, and that is said too. `reset()` removes all of a lab's
objects, whoever made them.
"""
from __future__ import annotations

import docker.errors

from .session import SESSION_LABEL, session_state
from .snapshot import container_name
from .validate import LAB_LABEL, MARK_LABEL


def listing(found: dict[str, list[str]]) -> str:
    return "; ".join(f"{kind} {', '.join(names)}" for kind, names in found.items() if names)


def whose(labels: dict | None) -> str:
    """Who made an object, by its session label: "this" session, "ended", "another machine",
    or a session that still runs on this machine (with its pid)."""
    session = (labels or {}).get(SESSION_LABEL)
    state = session_state(session)
    if state == "running":
        return f"a session that still runs on this machine (pid {session.split('-')[2]})"
    return "another machine" if state == "elsewhere" else state


class Leftovers:
    """The Lab's part that finds and removes what ended sessions left."""

    def _mine(self) -> list[str]:
        """The label filter of this lab's objects."""
        return [f"{LAB_LABEL}={self.name}", f"{MARK_LABEL}=1"]

    def _remove_leftovers(self) -> None:
        """Remove what ended sessions left with this lab's labels; say what was removed, and
        what was left alone because a running session (or another machine) made it."""
        removed: dict[str, list[str]] = {"containers": [], "networks": []}
        kept: dict[str, list[str]] = {}
        containers = self.api.containers(all=True, filters={"label": self._mine()})
        networks = self.api.networks(filters={"label": self._mine()})
        self._leftovers_pending = False
        for c in containers:
            name = container_name(c)
            who = whose(c.get("Labels"))
            if who == "ended":
                try:
                    self.api.remove_container(c["Id"], force=True, v=True)
                except docker.errors.NotFound:
                    continue
                except docker.errors.APIError as e:
                    kept.setdefault(f"could not remove it: {e.explanation}", []).append(f"container {name}")
                    continue
                removed["containers"].append(name)
            elif who != "this":
                kept.setdefault(f"made by {who}", []).append(f"container {name}")
        for n in networks:
            who = whose(n.get("Labels"))
            if who == "ended":
                try:
                    self.api.remove_network(n["Id"])
                except docker.errors.NotFound:
                    continue
                except docker.errors.APIError:
                    users = self._users_of(n["Id"])
                    kept.setdefault("still in use", []).append(
                        f"network {n['Name']}" + (f" (by {', '.join(users)})" if users else ""))
                    continue
                removed["networks"].append(n["Name"])
            elif who != "this":
                kept.setdefault(f"made by {who}", []).append(f"network {n['Name']}")
        self.leftovers = removed
        if removed["containers"] or removed["networks"]:
            self._notice(f"lab {self.name!r}: removed what an earlier run left on this engine: "
                         f"{listing(removed)}")
        for why, things in kept.items():
            self._notice(f"lab {self.name!r}: left alone {', '.join(things)}: {why} "
                         "(lab.reset() removes them; give this lab its own name to keep apart)")

    def _users_of(self, network: str) -> list[str]:
        """The names of the containers on a network."""
        try:
            attrs = self.api.inspect_network(network)
        except docker.errors.APIError:
            return []
        return sorted(c.get("Name") or cid[:12] for cid, c in (attrs.get("Containers") or {}).items())
