"""What a probe found, said plainly: reachable or not, and the true reason, in the same words for
the panel, Lab.ping/port/resolve, the reachability matrix and the drawn path.

    v = verdicts.of_ping("web", "hello", ok=False, output="ping: bad address 'hello'", route=r)
    str(v)    # "✗ web -> hello: unreachable: name did not resolve (ping: bad address 'hello')"
    v.reachable, v.reason, v.said, v.detail

The reason is what really stopped the packet, tool's word first: a name that did not resolve is
that (whatever the networks would have allowed); a port that refused is "nothing listening"; only
when the tool saw silence does the route read from the snapshot (labkit.paths) say why: "no
shared network", "internal network", "not running", ... (paths.REASONS); silence where the route
is open is "filtered". `detail` is the route's longer explanation, `said` what the tool printed.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from . import paths

BAD_ADDRESS = re.compile(r"bad address '([^']*)'")
REFUSED = re.compile(r"refused", re.I)


@dataclass(frozen=True)
class Verdict:
    source: str
    target: str                  # "db", "db:80/tcp", or the name looked up
    reachable: bool
    state: str                   # "reachable" / "unreachable", "open" / "closed", "resolved" / "not resolved"
    reason: str = ""             # why not, in paths.REASONS's words ("" when reachable)
    said: str = ""               # what the tool printed last ("ping: bad address 'db'")
    detail: str = ""             # the route's explanation, when there is one

    @property
    def mark(self) -> str:
        return "✓" if self.reachable else "✗"

    def __str__(self) -> str:
        return f"{self.mark} {self.line()}"

    def line(self) -> str:
        """The verdict without its mark (where a ✓ or ✗ is shown apart, as in the panel)."""
        text = f"{self.source} -> {self.target}: {self.state}"
        if self.reason:
            text += f": {self.reason}"
        if self.said and not self.reachable:
            text += f" ({self.said})"
        return text

    def explained(self, mark: bool = True) -> str:
        """The verdict, then the route's explanation on a line of its own (when there is one)."""
        return (str(self) if mark else self.line()) + (f"\n{self.detail}" if self.detail else "")


def last_line(output: str) -> str:
    lines = [line.strip() for line in (output or "").splitlines() if line.strip()]
    return lines[-1] if lines else ""


def _silent_reason(route: paths.Route | None) -> tuple[str, str]:
    """(reason, detail) when the tool heard nothing: the route's, else "filtered"."""
    if route is None:
        return "no reply", ""
    if route.ok:
        return paths.FILTERED, f"{route.why}; yet nothing answered: something filters the traffic"
    return route.reason or "unreachable", route.why


def of_ping(source: str, target: str, ok: bool, output: str, route: paths.Route | None = None) -> Verdict:
    """`ping` from source to target: ok (a reply came), the tool's output, the route if known."""
    said = last_line(output)
    if ok:
        return Verdict(source, target, True, "reachable", detail=route.why if route else "")
    if BAD_ADDRESS.search(output or ""):
        return Verdict(source, target, False, "unreachable", paths.NO_NAME, said)
    reason, detail = _silent_reason(route)
    return Verdict(source, target, False, "unreachable", reason, said, detail)


def of_port(source: str, target: str, port, ok: bool, output: str, route: paths.Route | None = None,
            protocol: str = "tcp") -> Verdict:
    """`nc -w T target port` from source: open, closed (refused: nothing listening) or unreachable."""
    where = f"{target}:{port}/{protocol}"
    said = last_line(output)
    if ok:
        return Verdict(source, where, True, "open", detail=route.why if route else "")
    if BAD_ADDRESS.search(output or ""):
        return Verdict(source, where, False, "unreachable", paths.NO_NAME, said)
    if REFUSED.search(output or ""):
        return Verdict(source, where, False, "closed", paths.NOTHING_LISTENING, said,
                       route.why if route else "")
    reason, detail = _silent_reason(route)
    return Verdict(source, where, False, "unreachable", reason, said, detail)


def of_lookup(source: str, name: str, addresses: list[str], why: str = "") -> Verdict:
    """`nslookup name` from source: the addresses found (none: the name did not resolve)."""
    if addresses:
        return Verdict(source, name, True, "resolved to " + ", ".join(addresses), detail=why)
    return Verdict(source, name, False, "not resolved", paths.NO_NAME, detail=why)


def of_route(route: paths.Route) -> Verdict:
    """What the snapshot alone says (no probe ran): the drawn path's heading, the model's matrix."""
    target = route.target.name + (f":{route.port}/{route.protocol}" if route.port is not None else "")
    if route.ok:
        return Verdict(route.source.name, target, True, "reachable", detail=route.why)
    return Verdict(route.source.name, target, False, "unreachable", route.reason or "unreachable",
                   detail=route.why)
