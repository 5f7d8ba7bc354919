"""labkit's own extension of the Engine API: the simulator's reachability verdicts, by its rules.

Not part of Docker's API (a real engine answers 404 here): the reachability matrix asks the
simulator directly instead of probing pair by pair, and gets the reason with each verdict.

    POST /labkit/reach {"Pairs": [{"Source": "web", "Target": "db", "Port": 5432}, ...]}
    -> [{"Source", "Target", "Address", "Resolves", "Ping", "Why"[, "Port", "PortWhy"]}, ...]
"""
from __future__ import annotations

from ... import rules
from ..engine.sandbox import Sandbox
from ..errors import EngineError
from ..state import Container, Host, IPv4Addr
from .router import Routes, j

routes = Routes()


def mode(c: Container) -> str:
    """"network", "host" or "none", for the container whose namespace c uses."""
    kind = (c.shared_with() or c).mode_kind
    return "network" if kind == "container" else kind


def why_no_name(src: Container, dst: Container | None, dst_name: str) -> str:
    """labkit.rules' reason why src cannot look dst's name up, from the simulator's state."""
    src_eps = (src.shared_with() or src).endpoints.values()
    dst_nets = {ep.network.id for ep in (dst.shared_with() or dst).endpoints.values()} if dst else set()
    shared = [ep.network for ep in src_eps if ep.network.id in dst_nets]
    return rules.why_no_name(src.name, dst_name, source_mode=mode(src), target_mode=mode(dst) if dst else None,
                             target_running=bool(dst and dst.running),
                             source_on_user_network=any(ep.network.user_defined for ep in src_eps),
                             share_default_bridge=bool(shared) and not any(n.user_defined for n in shared))


def find(host: Host, name: str) -> Container | None:
    try:
        return host.find_container(name)
    except EngineError:
        return None


@routes.post(r"/labkit/reach")
def labkit_reach(engine, m, q, body):
    host = engine.host
    out = []
    for pair in body.get("Pairs") or []:
        src = host.find_container(pair.get("Source") or "")
        sb = Sandbox(host, src, probe=True)
        dst_name = pair.get("Target") or ""
        ip, how = sb.lookup(dst_name)
        item = {"Source": src.name, "Target": dst_name, "Address": str(ip) if ip else "",
                "Resolves": ip is not None, "Ping": False, "Why": ""}
        if not src.running:
            item["Why"] = f"{src.name} is not running"
        elif ip is None:
            dst = find(host, dst_name)
            item["Why"] = why_no_name(src, dst, dst_name)
            target_ip = next((ep.ip for ep in (dst.endpoints.values() if dst else []) if ep.ip), None)
            if target_ip is not None:
                res = sb.ping(target_ip)
                item.update({"Address": str(target_ip), "Ping": res.ok,
                             "Why": item["Why"] if res.ok else res.why or item["Why"]})
        else:
            res = sb.ping(ip)
            item.update({"Ping": res.ok, "Why": res.why})
        if pair.get("Port"):
            target = ip or (item["Address"] and IPv4Addr(item["Address"]))
            res = sb.connect(target, int(pair["Port"])) if target else None
            item["Port"] = bool(res and res.ok)
            item["PortWhy"] = res.why if res else item["Why"]
        out.append(item)
    return j(out)
