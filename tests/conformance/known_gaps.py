"""Known divergences of the simulator from the real engine: the simulator's to-do list.

KNOWN_GAPS maps a scenario to what differs, in words, and to the exact steps that differ (as the
report and `python -m tests.conformance.gaps NAME` name them). The suite holds every entry to it:

- a listed scenario whose differing steps are exactly the listed ones is an expected failure
  (xfail, "known gap: WHAT");
- a step that differs and is not listed fails (a new divergence);
- a listed step that no longer differs fails too ("now agrees: remove it from KNOWN_GAPS"),
  so the list only shrinks when the simulator really improves, and says so when it does.

`python -m tests.conformance.gaps` prints the current differences of every scenario against the
golden files (no engine needed) and the entries this table should have for them.

A step that "stopped before: STEP" means the simulator raised or did not answer there, and
the rest of the scenario did not run. A documented-only scenario (one the real engine cannot run
here) has one step, DOCUMENTED: the simulator does not do what Docker's documentation says.

ENGINE_VARIES lists the steps where the real engine itself answers differently from one run to
the next (documented nondeterminism): they are left out when a live run is compared with its
golden file. The simulator is still compared on them: it agrees there when it gives any answer the
engine was recorded giving (the golden file's, and those of its recorded variants:
`python -m tests.conformance.variants NAME --runs N` runs the scenario N times on the real engine
and keeps them; tests/conformance/variants.py).
"""
from __future__ import annotations

from dataclasses import dataclass


DOCUMENTED = "documented behaviour"


@dataclass(frozen=True)
class Gap:
    what: str                 # what the simulator does wrong, in a learner's words
    steps: tuple[str, ...]    # the steps that differ, exactly


KNOWN_GAPS: dict[str, Gap] = {
}

ENGINE_VARIES: dict[str, dict[str, str]] = {
    # scenario: {step: why the real engine's answer varies from run to run}
    'logs': {
        '$ docker logs --tail 1 talker': "the command writes to stdout and stderr at once: the engine's log keeps the lines in the order its two copiers read them",
        '$ docker logs -n 2 talker': "the command writes to stdout and stderr at once: the engine's log keeps the lines in the order its two copiers read them",
    },
    'dockerpy_logs': {
        'logs': "the command writes to stdout and stderr at once: the engine's log keeps the lines in the order its two copiers read them",
        'tail=1': "the command writes to stdout and stderr at once: the engine's log keeps the lines in the order its two copiers read them",
        'timestamps': "the command writes to stdout and stderr at once: the engine's log keeps the lines in the order its two copiers read them",
    },
    'text_tools': {
        'exec box: head -n 2 /etc/hosts': "an exec at once after the start may read /etc/hosts before the engine has "
                                          "written it: empty (seen once, four engines running at once)",
    },
    'volumes': {
        '$ docker volume ls -q': "an anonymous volume's name is a random ID: it lists before or after 'data'",
    },
    'run_init_entrypoint_user': {
        '$ docker run --rm --init busybox ps': "the PID of a process exec'd into a container depends on how many runc processes the namespace saw before it",
    },
    'busybox_applets': {
        'exec box: ps': "the PID of a process exec'd into a container depends on how many runc processes the namespace saw before it",
    },
    'dockerpy_multiplex': {
        'user missing': "exec_run(user='postgres') returns before or after the engine's refusal reaches the output",
        'detach': "exec_run(detach=True) reads the exec's exit code at once: None while it runs, 0 once it ended",
    },
    'dockerpy_stdin': {
        'attach logs of an ended one': "attach(stream=False, logs=True) of an ended container: docker-py reads the replayed log or the closed connection first",
    },
    'dockerpy_auto_remove': {
        'left': "auto_remove removes the container after run() returned, or not yet; its name is random",
        'left after the error': "auto_remove removes the container after run() raised, or not yet; its name is random",
    },
    'pid1_stop': {
        'exec plain: ip -o -4 addr (2)': 'a restarted container on two networks gets its interfaces in the order its endpoints join, which races',
        'exec plain: ip -o -4 addr (3)': 'a restarted container on two networks gets its interfaces in the order its endpoints join, which races',
        'exec plain: ip route': 'a restarted container on two networks gets its interfaces in the order its endpoints join, which races',
    },
}


# Steps where the simulator itself answers differently from one run to the next: bugs to fix (a race
# in the simulator), listed so that the suite does not go red by chance meanwhile.
SIM_VARIES: dict[str, dict[str, str]] = {
}


def check(name: str, differing: list[str], varies=None) -> tuple[str, str]:
    """Judge a scenario's differing steps against its entry: ("agree" | "gap" | "fail", message).
    A step where answers vary and the comparison rests on one sample (varies: by default all the
    scenario's ENGINE_VARIES steps; variants.judge() names those without recorded variants, where
    the one recorded or live answer is a sample; SIM_VARIES: the simulator's) that KNOWN_GAPS lists
    and that agrees this time is not taken as fixed. A varying step judged against every answer the
    engine was recorded giving there (tests/conformance/variants.py) is judged like any other."""
    gap = KNOWN_GAPS.get(name)
    varies = set(ENGINE_VARIES.get(name, {}) if varies is None else varies) | set(SIM_VARIES.get(name, {}))
    if gap and varies:
        differing = list(differing) + [s for s in gap.steps if s in varies and s not in differing]
    if not differing:
        if gap:
            return "fail", (f"{name} now agrees with the real engine: remove it from KNOWN_GAPS "
                            f"(tests/conformance/known_gaps.py; it said: {gap.what})")
        return "agree", ""
    if gap is None:
        return "fail", f"{name}: the simulator differs from the real engine at {len(differing)} steps"
    new = [s for s in differing if s not in gap.steps]
    fixed = [s for s in gap.steps if s not in differing]
    if not new and not fixed:
        return "gap", f"known gap: {gap.what}"
    lines = [f"{name}: the differences no longer match KNOWN_GAPS (tests/conformance/known_gaps.py):"]
    if new:
        lines += ["  differs at steps not listed there:"] + [f"    {s!r}" for s in new]
    if fixed:
        lines += ["  now agrees at listed steps (remove them):"] + [f"    {s!r}" for s in fixed]
    return "fail", "\n".join(lines)
