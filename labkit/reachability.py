"""Who can reach whom: ping and name lookups between containers, with the reason where not.

    m = labkit.matrix(lab)       # every ordered pair of the lab's running containers
    m                            # in a notebook: a coloured table; as text: a small grid
    m["web", "db"]               # Cell(ping=True, name=True, address='10.20.0.3', ...)

Each pair is what a learner would try from inside the source container: look the target's name up
(`nslookup TARGET`), then ping the address the name gave, or else the target's first address
(`ping -c 1 -W 1 ADDRESS`). A target with no address of its own (host or none mode, not running)
is not pinged.
- On labkit's simulated engine the verdicts are the simulator's, by its rules, for all pairs in
  one request (its extension `POST /labkit/reach`, not part of Docker's API).
- On a real engine each verdict is a real probe through the lab (`Lab.resolve`, `Lab.ping`), a
  few pairs at a time.
Reasons: the simulator's for pings where it gives one, else the model's (labkit.paths), which
also says so when a verdict is not what it expected (`Cell.expected`).
"""
from __future__ import annotations

import html
import shlex
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from . import paths
from .lab import Lab

WORKERS = 8          # real probes at once (an unanswered ping waits a second)
YES, NO = "#c7e9c0", "#f8c9c4"
HALF = "#fff0b3"


@dataclass(frozen=True)
class Cell:
    source: str
    target: str
    ping: bool
    name: bool
    address: str | None     # the address pinged (None: nothing to ping)
    why: str                # why the ping got no reply ("" when it did)
    name_why: str           # why the name did not resolve ("" when it did)
    expected: tuple[bool, bool] | None = None   # the model's (ping, name), where it disagrees
    reason: str = ""        # why no reply, in the words of every probe (paths.REASONS; "" when it did)

    @property
    def verdict(self) -> tuple[bool, bool]:
        return self.ping, self.name


class Matrix:
    """The verdicts for every ordered pair of `names` (rows: sources, columns: targets)."""

    def __init__(self, lab_name: str, engine: str, names: list[str], cells: dict[tuple[str, str], Cell]):
        self.lab_name, self.engine, self.names, self.cells = lab_name, engine, names, cells

    def __getitem__(self, pair: tuple[str, str]) -> Cell:
        return self.cells[pair]

    def verdicts(self) -> dict[tuple[str, str], tuple[bool, bool]]:
        """{(source, target): (ping, name)}: what two engines should agree on."""
        return {pair: cell.verdict for pair, cell in self.cells.items()}

    def surprises(self) -> list[Cell]:
        """The cells where the engine's verdict is not the model's."""
        return [c for c in self.cells.values() if c.expected is not None]

    def __repr__(self) -> str:
        head = f"reachability in lab {self.lab_name!r} (ping/name: Y yes, - no)"
        if not self.names:
            return head + ": no running containers"
        width = max(len(n) for n in self.names + ["from \\ to"])
        col = max(3, max(len(n) for n in self.names))
        lines = [head, "from \\ to".ljust(width) + "  " + "  ".join(n.ljust(col) for n in self.names)]
        for a in self.names:
            row = []
            for b in self.names:
                if a == b:
                    row.append(".".ljust(col))
                else:
                    c = self.cells[a, b]
                    row.append(f"{'Y' if c.ping else '-'}/{'Y' if c.name else '-'}".ljust(col))
            lines.append(a.ljust(width) + "  " + "  ".join(row))
        return "\n".join(line.rstrip() for line in lines)

    def _repr_html_(self) -> str:
        esc = html.escape
        out = ['<table style="border-collapse:collapse;font-family:sans-serif;font-size:13px">',
               '<tr><th style="padding:4px 8px;text-align:left">from \\ to</th>']
        out += [f'<th style="padding:4px 8px">{esc(n)}</th>' for n in self.names]
        out.append("</tr>")
        notes = []
        for a in self.names:
            out.append(f'<tr><th style="padding:4px 8px;text-align:left">{esc(a)}</th>')
            for b in self.names:
                if a == b:
                    out.append('<td style="padding:4px 8px;background:#eee;text-align:center">&middot;</td>')
                    continue
                c = self.cells[a, b]
                color = YES if c.ping and c.name else NO if not (c.ping or c.name) else HALF
                ping_why = f"{c.reason}: {c.why}" if c.reason and c.why else c.why
                name_why = c.name_why and f"{paths.NO_NAME}: {c.name_why}"
                why = "; ".join(x for x in (ping_why and f"ping: {ping_why}", name_why and f"name: {name_why}") if x)
                out.append(f'<td style="padding:4px 8px;background:{color};text-align:center;border:1px solid #fff"'
                           f' title="{esc(why, quote=True)}">ping {"&#10003;" if c.ping else "&#10007;"}'
                           f' &nbsp;name {"&#10003;" if c.name else "&#10007;"}</td>')
                if why:
                    notes.append(f"<li><b>{esc(a)} &rarr; {esc(b)}</b>: {esc(why)}</li>")
            out.append("</tr>")
        out.append("</table>")
        if notes:
            out.append(f'<details><summary>why not ({len(notes)} pairs)</summary><ul style="font-size:12px">'
                       + "".join(notes) + "</ul></details>")
        return "".join(out)


def matrix(lab: Lab, containers: list[str] | None = None) -> Matrix:
    """The reachability matrix of the lab's running containers (or of the containers named)."""
    topo = lab.snapshot()
    if containers is None:
        names = sorted(c.name for c in topo.containers if c.lab == lab.name and c.running)
    else:
        names = [topo.container(n).name if n in {c.name for c in topo.containers} else n for n in containers]
        for n in names:
            paths._Index(topo).container(n)   # raises UnknownContainer, naming the ones there are
    pairs = [(a, b) for a in names for b in names if a != b]
    expected = {pair: paths.reach(topo, *pair) for pair in pairs}
    if lab.host().engine == "sim":
        cells = _on_simulator(lab, pairs, expected)
    else:
        first = {n: paths.first_address(topo, n) if topo.container(n).running else None for n in names}
        cells = _by_probes(lab, pairs, expected, first)
    return Matrix(lab.name, lab.host().engine, names, cells)


def _on_simulator(lab: Lab, pairs, expected) -> dict:
    answer = lab.engine.call("POST", "/labkit/reach", {"Pairs": [{"Source": a, "Target": b} for a, b in pairs]})
    cells = {}
    for (a, b), item in zip(pairs, answer, strict=True):
        model_says = expected[a, b]
        ping, name = bool(item.get("Ping")), bool(item.get("Resolves"))
        address = item.get("Address") or None
        why = "" if ping else (item.get("Why") if address else "") or model_says.why
        cells[a, b] = _cell(a, b, ping, name, address, why, model_says)
    return cells


def _by_probes(lab: Lab, pairs, expected, first: dict) -> dict:
    def probe(pair):
        a, b = pair
        found = lab.resolve(a, b, timeout=1)
        address = found[0] if found else first[b]
        result = lab.ping(a, address) if address else None
        return pair, bool(found), address, result

    mark = len(lab.history)
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        results = list(pool.map(probe, pairs))
    # The probes finished in any order: keep the lab's history in the order of the pairs.
    order = {name: i for i, name in enumerate(dict.fromkeys(a for a, _ in pairs))}
    lab.history[mark:] = sorted(lab.history[mark:], key=lambda line: _history_key(line, order))
    cells = {}
    for (a, b), name, address, result in results:
        model_says = expected[a, b]
        ping = bool(result and result.ok)
        if ping:
            why = ""
        elif model_says.ping and result is not None:
            last = (result.output.strip().splitlines() or ["no reply"])[-1]
            why = f"expected a reply ({model_says.route.why if model_says.route else 'a shared network'}), but: {last}"
        else:
            why = model_says.why
        cells[a, b] = _cell(a, b, ping, name, address, why, model_says)
    return cells


def _history_key(line: str, order: dict) -> tuple:
    words = shlex.split(line)
    source = words[2] if len(words) > 2 else ""
    return order.get(source, len(order)), words[3:4] != ["nslookup"], words[-1:]


def _cell(a: str, b: str, ping: bool, name: bool, address, why: str, model_says: paths.Reach) -> Cell:
    name_why = "" if name else model_says.name_why
    if name and not model_says.name:
        name_why = ""
    if not name and model_says.name:
        name_why = f"expected an answer ({model_says.name_why}), but the name did not resolve"
    surprise = (model_says.ping, model_says.name) if (model_says.ping, model_says.name) != (ping, name) else None
    route = model_says.route
    reason = "" if ping else (route.reason if route is not None and not route.ok and route.reason else "")
    return Cell(a, b, ping, name, address, why, name_why, surprise, reason)


__all__ = ["matrix", "Matrix", "Cell"]
