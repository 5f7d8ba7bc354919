"""The per-scenario agreement report, printed at the end of the test run and saved to
artifacts/conformance-report.txt (with the differences in full)."""
from __future__ import annotations

import os
from dataclasses import dataclass, field


@dataclass
class Row:
    name: str
    verdict: str          # agree, DIFFER, sim-only, documented-only
    sim_s: float
    docker_s: float | None
    observations: int
    diffs: list[str] = field(default_factory=list)


class Report:
    def __init__(self):
        self.rows: list[Row] = []

    def add(self, row: Row) -> None:
        self.rows.append(row)

    def render(self, full: bool = False) -> str:
        lines = [f"{'scenario':38} {'verdict':14} {'obs':>4} {'sim ms':>8} {'docker ms':>10}"]
        for r in self.rows:
            dk = f"{r.docker_s * 1000:10.0f}" if r.docker_s is not None else f"{'-':>10}"
            lines.append(f"{r.name:38} {r.verdict:14} {r.observations:4d} {r.sim_s * 1000:8.1f} {dk}")
            if full:
                lines += ["    " + d for d in r.diffs]
        agree = sum(r.verdict == "agree" for r in self.rows)
        judged = sum(r.docker_s is not None for r in self.rows)
        lines.append(f"{agree} of {len(self.rows)} scenarios agree with the real engine "
                     f"({judged} judged by a real engine here)")
        sim = sum(r.sim_s for r in self.rows if r.docker_s is not None)
        real = sum(r.docker_s for r in self.rows if r.docker_s is not None)
        if sim and real:
            lines.append(f"time in scenarios: simulator {sim:.2f} s, real engine {real:.2f} s "
                         f"(the simulator is {real / sim:.0f}x faster)")
        return "\n".join(lines) + "\n"

    def save(self, folder: str = "artifacts") -> str:
        os.makedirs(folder, exist_ok=True)
        path = os.path.join(folder, "conformance-report.txt")
        with open(path, "w") as f:
            f.write(self.render(full=True))
        return path


REPORT = Report()
