"""Checks for notebook 04, host networking.

    exercise_1(lab)   web1 and web2 both serve in host mode, on the host's ports 8000 and 8001
    exercise_2(lab)   `isolated` serves on port 8000 in a network namespace of its own, beside web1

Both look at the engine through the lab: the snapshot for network modes and states, inspect and
logs for why a container stopped, and probes (`nc` from inside a container) for the ports.
"""
from __future__ import annotations

import docker

from . import Result, recorded, result

HOST_PORT_1, HOST_PORT_2 = 8000, 8001

# Exercise 2's hints.
RUN_ISOLATED = "run a container named isolated with command='httpd -f -p 8000', without network_mode='host'."
NOT_HOST_MODE = ("in host mode port 8000 is the host's, and web1 has it: remove isolated and run it on a "
                 "network (the default bridge will do), not in host mode.")
OWN_NAMESPACE = ("give isolated a network namespace of its own: run it on a network, not in another "
                 "container's.")
RUN_AGAIN = "isolated is not running: remove it and run it again with command='httpd -f -p 8000'."
NOT_LISTENING = "nothing listens on port 8000 inside isolated: run it with command='httpd -f -p 8000'."


def _state(lab, name: str):
    """(the snapshot's container or None, a few words on its state, why it stopped if it did)."""
    try:
        c = lab.snapshot().container(name)
    except KeyError:
        return None, f"there is no container named {name}", ""
    words = f"{name}: {c.status}, network mode {c.network_mode}"
    why = ""
    if not c.running:
        try:
            attrs = lab.api.inspect_container(c.id)
            code = (attrs.get("State") or {}).get("ExitCode")
            logs = lab.api.logs(c.id, tail=1).decode(errors="replace").strip()
        except docker.errors.APIError:
            code, logs = None, ""
        if code is not None:
            words += f" (exit code {code})"
        why = logs
        if logs:
            words += f", its last log line: {logs}"
    return c, words, why


def _host_port(lab, via: str, port: int) -> tuple[bool, str]:
    """Whether the host's port answers, asked from inside a host-mode container (its 127.0.0.1
    is the host's own loopback)."""
    probe = lab.port(via, "127.0.0.1", port)
    return probe.ok, f"the host's port {port}: {probe.state} (asked from inside {via}: nc 127.0.0.1 {port})"


@recorded
def exercise_1(lab) -> Result:
    """web1 on the host's port 8000 and web2 on 8001, both in host mode and running."""
    name = "Exercise 1: two web servers in host mode"
    web1, seen1, _ = _state(lab, "web1")
    web2, seen2, why2 = _state(lab, "web2")
    checks = [
        (web1 is not None and web1.running and web1.network_mode == "host", seen1,
         ("web1 should still run in host mode with httpd on port 8000: run the notebook's cells from "
          "section 3 again.")),
    ]
    if web2 is None:
        checks.append((False, seen2, ("run web2 again in host mode, this time with "
                                      "command='httpd -f -p 8001'.")))
    elif web2.network_mode != "host":
        checks.append((False, seen2, ("this exercise is about host mode: remove web2 (lab.remove('web2')) "
                                      "and run it with network_mode='host'.")))
    elif not web2.running:
        hint = ("web2 still asks for port 8000, which web1 holds: remove it (lab.remove('web2')) and "
                "run it again with command='httpd -f -p 8001'." if "in use" in why2 else
                "web2 stopped: remove it (lab.remove('web2')) and run it again with "
                "command='httpd -f -p 8001'.")
        checks.append((False, seen2, hint))
    else:
        checks.append((True, seen2, ""))
    if web1 is not None and web1.running and web1.network_mode == "host":
        for port in (HOST_PORT_1, HOST_PORT_2):
            ok, seen = _host_port(lab, "web1", port)
            checks.append((ok, seen, (f"nothing listens on the host's port {port}: the server for it "
                                      f"should run httpd -f -p {port} in host mode.")))
    return result(name, checks)


@recorded
def exercise_2(lab) -> Result:
    """`isolated` serves on its own port 8000, with a network namespace of its own, and web1
    still has the host's port 8000."""
    name = "Exercise 2: the same port, isolated"
    iso, seen, _ = _state(lab, "isolated")
    web1, seen1, _ = _state(lab, "web1")
    checks = []
    if iso is None:
        checks.append((False, seen, RUN_ISOLATED))
    elif iso.network_mode == "host":
        checks.append((False, f"{seen}: it shares the host's network stack, and with it the host's ports",
                       NOT_HOST_MODE))
    elif iso.mode == "container":
        checks.append((False, f"{seen}: it shares another container's network stack", OWN_NAMESPACE))
    elif not iso.running:
        checks.append((False, seen, RUN_AGAIN))
    else:
        checks.append((True, f"{seen}: a network namespace of its own", ""))
        probe = lab.port("isolated", "127.0.0.1", HOST_PORT_1)
        checks.append((probe.ok, f"port 8000 inside isolated: {probe.state} (nc 127.0.0.1 8000 in isolated)",
                       NOT_LISTENING))
    ok1 = web1 is not None and web1.running and web1.network_mode == "host"
    checks.append((ok1, seen1, ("web1 should still run in host mode on port 8000: run the notebook's "
                                "cells from section 3 again.")))
    if ok1:
        ok, seen_port = _host_port(lab, "web1", HOST_PORT_1)
        checks.append((ok, seen_port, "the host's port 8000 should still answer (web1's httpd)."))
    return result(name, checks)


__all__ = ["exercise_1", "exercise_2"]
