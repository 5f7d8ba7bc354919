"""labkit's own extension of the Engine API: the simulator's reachability verdicts, by its rules.

Not part of Docker's API (a real engine answers 404 here): the reachability matrix asks the
simulator directly instead of probing pair by pair, and gets the reason with each verdict.

    POST /labkit/reach {"Pairs": [{"Source": "web", "Target": "db", "Port": 5432}, ...]}
    -> [{"Source", "Target", "Address", "Resolves", "Ping", "Why"[, "Port", "PortWhy"]}, ...]
"""
from __future__ import annotations

from ..engine.sandbox import Sandbox
from ..errors import EngineError
from ..state import IPv4Addr
from .router import Routes, j

routes = Routes()


@routes.post(r"/labkit/reach")
def labkit_reach(engine, m, q, body):
    host = engine.host
    out = []
    for pair in body.get("Pairs") or []:
        src = host.find_container(pair.get("Source") or "")
        sb = Sandbox(host, src)
        dst_name = pair.get("Target") or ""
        ip, how = sb.lookup(dst_name)
        item = {"Source": src.name, "Target": dst_name, "Address": str(ip) if ip else "",
                "Resolves": ip is not None, "Ping": False, "Why": ""}
        if not src.running:
            item["Why"] = f"{src.name} is not running"
        elif ip is None:
            try:
                dst = host.find_container(dst_name)
            except EngineError:
                dst = None
            if dst is None:
                item["Why"] = f"no container is called {dst_name}"
            elif dst.mode_kind in ("host", "none"):
                item["Why"] = f"{dst_name} is in {dst.mode_kind} mode: it has no name on any network"
            elif not any(ep.network.user_defined for ep in src.endpoints.values()):
                item["Why"] = f"{src.name} is on the default bridge, which has no DNS: names do not resolve"
            else:
                item["Why"] = f"{dst_name} shares no user-defined network with {src.name}: its name does not resolve"
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
