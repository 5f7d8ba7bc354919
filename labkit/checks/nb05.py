"""Checks for notebook 05: none, internal and macvlan networks.

    exercise_1(lab)   `reports` reaches `db` by name, and `db` stays on internal networks only,
                      out of reach of `outside`
    exercise_2(lab)   `sealed` has no network at all: only a loopback interface
    exercise_3(lab)   `printer` has a fixed address on the macvlan network `lan`, outside the range
                      the engine hands out, and `m1` reaches it by name

They read the snapshot (networks, modes, addresses), inspect a container for its fixed address,
and probe from inside containers (nslookup, ping, `ip addr`).
"""
from __future__ import annotations

import ipaddress

from ..rules import Driver
from . import Result, recorded, result


def _find(topo, kind: str, name: str):
    try:
        return topo.network(name) if kind == "network" else topo.container(name)
    except KeyError:
        return None


def _networks_of(topo, container) -> list:
    return [topo.network(e.network) for e in topo.endpoints_of(container)]


@recorded
def exercise_1(lab) -> Result:
    name = "Exercise 1: reports reaches the database, nobody else does"
    topo = lab.snapshot()
    vault, db = _find(topo, "network", "vault"), _find(topo, "container", "db")
    reports, outside = _find(topo, "container", "reports"), _find(topo, "container", "outside")
    missing = [n for n, x in (("network vault", vault), ("container db", db), ("container reports", reports),
                              ("container outside", outside)) if x is None or (n.startswith("container") and not x.running)]
    if missing:
        return result(name, [(False, f"not there or not running: {', '.join(missing)}",
                              "run the notebook's cells of section 3 again, then your answer.")])
    checks = [(vault.internal, f"network vault: internal={str(vault.internal).lower()}",
               "vault should stay internal: that is what keeps db out of reach.")]
    db_nets = _networks_of(topo, db)
    open_nets = [n.name for n in db_nets if not n.internal]
    checks.append((not open_nets, f"db is on {', '.join(n.name for n in db_nets) or 'no network'}",
                   f"db is also on {', '.join(open_nets)}, which is not internal: now others can reach "
                   f"it. Disconnect it (lab.disconnect('db', {open_nets[0]!r})) and connect reports "
                   "to vault instead." if open_nets else ""))
    found = lab.resolve("reports", "db", timeout=1)
    checks.append((bool(found), f"reports looks up db: {', '.join(found) if found else 'no answer'}",
                   ("reports is only on the default bridge, which has no names and cannot enter vault: "
                    "connect reports to vault (lab.connect('reports', 'vault')).")))
    if found:
        ping = lab.ping("reports", "db")
        checks.append((ping.ok, f"reports pings db: {ping.state}",
                       "reports should reach db over vault: connect reports to vault."))
    for e in topo.endpoints_of(db):
        if e.address:
            ping = lab.ping("outside", e.address)
            checks.append((not ping.ok, f"outside pings db at {e.address}: {ping.state}",
                           (f"outside should not reach db: db's network {e.network} lets it in. Keep db "
                            "on vault only.")))
    return result(name, checks)


@recorded
def exercise_2(lab) -> Result:
    name = "Exercise 2: a container with no network at all"
    topo = lab.snapshot()
    sealed = _find(topo, "container", "sealed")
    if sealed is None or not sealed.running:
        what = "there is no container named sealed" if sealed is None else f"sealed is {sealed.status}"
        return result(name, [(False, what, "run a container named sealed with network_mode='none'.")])
    checks = [(sealed.network_mode == "none", f"sealed: network mode {sealed.network_mode}",
               ("give sealed no network at all: remove it (lab.remove('sealed')) and run it with "
                "network_mode='none'. An internal network still gives it an interface, an address "
                "and a way to the host."))]
    interfaces = lab.interfaces("sealed")
    shown = ", ".join(f"{i} {' '.join(a)}" for i, a in interfaces.items()) or "none"
    others = [i for i in interfaces if i != "lo"]
    checks.append((not others, f"its interfaces (ip -o -4 addr): {shown}",
                   "sealed has an interface besides lo: it is on a network. Use network_mode='none'."))
    for e in topo.endpoints_of(sealed):
        if e.gateway:
            ping = lab.ping("sealed", e.gateway)
            checks.append((not ping.ok, (f"sealed pings the host at {e.gateway} (its gateway on {e.network}): "
                                         f"{ping.state}"), "sealed still reaches the host: use network_mode='none'."))
    return result(name, checks)


@recorded
def exercise_3(lab) -> Result:
    name = "Exercise 3: a printer with a fixed address on the macvlan network"
    topo = lab.snapshot()
    lan, printer, m1 = _find(topo, "network", "lan"), _find(topo, "container", "printer"), _find(topo, "container", "m1")
    if lan is None or m1 is None or not m1.running:
        return result(name, [(False, "the macvlan network lan or the container m1 is not there",
                              "run the notebook's cells of section 4 again, then your answer.")])
    if printer is None or not printer.running:
        what = "there is no container named printer" if printer is None else f"printer is {printer.status}"
        return result(name, [(False, what, ("run a container named printer on networks=['lan'] with "
                                            "ip='...' (an address of lan's subnet outside its range)."))])
    subnet = ipaddress.ip_network(lan.subnet)
    ip_range = ipaddress.ip_network(lan.ip_ranges[0]) if lan.ip_ranges else None
    on_lan = [e for e in topo.endpoints_of(printer) if e.network == "lan"]
    checks = [(lan.driver == Driver.MACVLAN, f"network lan: driver {lan.driver}",
               "lan should be the macvlan network made in section 4.")]
    printer_nets = ", ".join(e.network for e in topo.endpoints_of(printer)) or "no network"
    checks.append((bool(on_lan), f"printer is on {printer_nets}",
                   "put printer on lan: lab.container('printer', networks=['lan'], ip='...')."))
    if on_lan:
        attrs = lab.api.inspect_container(printer.id)
        fixed = ((attrs["NetworkSettings"]["Networks"]["lan"].get("IPAMConfig") or {}).get("IPv4Address")) or None
        address = on_lan[0].address
        checks.append((fixed is not None, (f"printer's address on lan: {address} "
                                           f"({'fixed, asked for with --ip' if fixed else 'from the pool'})"),
                       "give printer its address yourself: ip='...' (docker run --ip)."))
        if fixed:
            ip = ipaddress.ip_address(fixed)
            inside = ip in subnet and ip not in (subnet.network_address, subnet.broadcast_address)
            outside_range = ip_range is None or ip not in ip_range
            checks.append((inside and outside_range and fixed not in lan.gateways,
                           (f"{fixed}: in lan's subnet {subnet}: {'yes' if ip in subnet else 'no'}; in the range "
                            f"the engine hands out ({ip_range}): {'yes' if not outside_range else 'no'}"),
                           (f"pick an address of {subnet} outside {ip_range} (the engine gives those to "
                            "other containers) and not the gateway.")))
        ping = lab.ping("m1", "printer")
        checks.append((ping.ok, f"m1 pings printer by name: {ping.state}"
                                + (f" ({ping.address})" if ping.address else ""),
                       "m1 should reach printer over lan: both must be on lan."))
    return result(name, checks)


__all__ = ["exercise_1", "exercise_2", "exercise_3"]
