"""The per-scenario agreement report, printed at the end of the test run and saved to
artifacts/conformance-report.txt (with the differences in full), followed by the known gaps
(known_gaps.KNOWN_GAPS: the simulator's to-do list)."""
from __future__ import annotations

import os
from dataclasses import dataclass, field

from .known_gaps import KNOWN_GAPS


@dataclass
class Row:
    name: str
    verdict: str          # agree, agree (golden), known gap, DIFFER, STALE, sim-only, documented-only
    sim_s: float
    docker_s: float | None
    observations: int
    diffs: list[str] = field(default_factory=list)
    live: bool = False    # judged by a real engine running here (else by its golden file)
    notes: list[str] = field(default_factory=list)   # varying steps that agree through another answer (variants.py)


class Report:
    def __init__(self):
        self.rows: list[Row] = []

    def add(self, row: Row) -> None:
        self.rows.append(row)

    def render(self, full: bool = False) -> str:
        lines = [f"{'scenario':44} {'verdict':16} {'obs':>4} {'sim ms':>8} {'docker ms':>10}"]
        for r in self.rows:
            dk = f"{r.docker_s * 1000:10.0f}" if r.docker_s is not None else f"{'-':>10}"
            lines.append(f"{r.name:44} {r.verdict:16} {r.observations:4d} {r.sim_s * 1000:8.1f} {dk}")
            lines += ["    " + n for n in r.notes]
            if full:
                lines += ["    " + d for d in r.diffs]
        agree = sum(r.verdict.startswith("agree") for r in self.rows)
        gaps = sum(r.verdict == "known gap" for r in self.rows)
        live = sum(r.live for r in self.rows)
        lines.append(f"{agree} of {len(self.rows)} scenarios agree with the real engine, {gaps} are known gaps "
                     f"({live} judged by a real engine running here, the others by its golden files)")
        sim = sum(r.sim_s for r in self.rows if r.docker_s is not None)
        real = sum(r.docker_s for r in self.rows if r.docker_s is not None)
        if sim and real:
            lines.append(f"time in scenarios: simulator {sim:.2f} s, real engine {real:.2f} s "
                         f"(the simulator is {real / sim:.0f}x faster)")
        seen = {r.name for r in self.rows}
        listed = [(name, gap) for name, gap in KNOWN_GAPS.items() if name in seen]
        if listed:
            lines.append(f"\nknown gaps ({len(listed)}; tests/conformance/known_gaps.py): scenario -> what differs")
            for name, gap in listed:
                lines.append(f"  {name}: {gap.what} [{len(gap.steps)} step{'s' * (len(gap.steps) != 1)}]")
        return "\n".join(lines) + "\n"

    def save(self, folder: str = "artifacts") -> str:
        os.makedirs(folder, exist_ok=True)
        path = os.path.join(folder, "conformance-report.txt")
        with open(path, "w") as f:
            f.write(self.render(full=True))
        return path


REPORT = Report()
