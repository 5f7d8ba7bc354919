"""The figures the safety tests count (inputs tried, faults injected, objects leaked), shown on
the terminal at the end of each module: docs/safety.md quotes them."""
from __future__ import annotations

import contextlib


def report(config, title: str, tally) -> None:
    if not tally:
        return
    capture = config.pluginmanager.get_plugin("capturemanager")
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    with capture.global_and_fixture_disabled() if capture else contextlib.nullcontext():
        if reporter is not None:
            reporter.write_line(f"\n{title}: " + ", ".join(f"{k} {v}" for k, v in sorted(tally.items())))
