"""A host's own side of the underlay (labkit.underlay, the simulator's engine/underlay.py).

The simulator's iptables (a host's INPUT and OUTPUT chains) against the real iptables v1.8.9 in a
fresh network namespace of this machine (`unshare --net`, root): the same commands, one sequence
at a time, give the same exit status, output and errors. No engine is needed for that: Docker
leaves those chains alone (but for encrypted overlays, whose rules are checked on the simulator
against those a real engine made: tests/data/, below).
What the underlay does to overlay traffic (a dropped VXLAN port, an MTU black hole, no ESP) is
checked on both engines by notebook 09's checks (tests/test_checks_nb09.py).
"""
from __future__ import annotations

import os
import shlex
import shutil
import subprocess

import pytest

from labkit.sim import World
from labkit.sim.engine import underlay as model

SEQUENCES = [
    ["-S INPUT"],
    ["-S OUTPUT"],
    ["-I INPUT -p udp --dport 4789 -j DROP", "-S INPUT"],
    ["-A INPUT -p udp --dport 4789 -j DROP", "-A INPUT -p esp -j DROP",
     "-A INPUT -s 10.99.0.11 -p udp --dport 4789 -j DROP", "-S INPUT", "-D INPUT -p udp --dport 4789 -j DROP",
     "-S INPUT", "-D INPUT 2", "-S INPUT"],
    ["-D INPUT -p udp --dport 4789 -j DROP"],                     # nothing to delete
    ["-A INPUT -p udp --dport 4789 -j DROP", "-D INPUT 3"],       # index too big
    ["-A INPUT -p tcp --dport 8080 -j REJECT", "-I INPUT -p icmp -j ACCEPT", "-I INPUT 2 -d 10.99.0.12/32 -j DROP",
     "-S INPUT"],
    ["-A OUTPUT -p udp -d 10.99.0.13 --dport 4789 -j DROP", "-S OUTPUT", "-F OUTPUT", "-S OUTPUT"],
    ["-A INPUT --dport 4789 -j DROP"],                             # --dport without -p udp/tcp
    ["-A INPUT -p udp --dport x -j DROP"],
    ["-A INPUT -j NOPE"],
    ["-A FOO -j DROP"],
    ["-Q"],
    ["-A INPUT -p sctpx -j DROP"],
]


def real_iptables_unavailable() -> str | None:
    if os.geteuid() != 0:
        return "needs root (a network namespace of its own)"
    for tool in ("unshare", "iptables"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed"
    return None


def on_the_machine(commands: list[str]) -> list[tuple[int, str, str]]:
    """Each command's (exit status, stdout, stderr) from the real iptables, in one new namespace."""
    marker = "@@LABKIT@@"
    script = "; ".join(f"iptables {c}; echo \"{marker}$?\"; echo \"{marker}\" >&2" for c in commands)
    done = subprocess.run(["unshare", "--net", "sh", "-c", script], capture_output=True, text=True, timeout=60)
    outs = done.stdout.split(marker)
    errs = done.stderr.split(marker + "\n")
    found = []
    for i in range(len(commands)):
        code_and_next = outs[i + 1]
        code, _, _ = code_and_next.partition("\n")
        stdout = outs[i] if i == 0 else outs[i].split("\n", 1)[1]
        found.append((int(code), stdout, errs[i]))
    return found


def in_the_simulator(commands: list[str]) -> list[tuple[int, str, str]]:
    host = World().add_host()
    return [model.iptables(host, shlex.split(c)) for c in commands]


@pytest.mark.parametrize("commands", SEQUENCES, ids=lambda c: " | ".join(c)[:60])
def test_the_simulators_iptables_is_the_machines(commands):
    why = real_iptables_unavailable()
    if why:
        pytest.skip(why)
    assert in_the_simulator(commands) == on_the_machine(commands)


def test_the_engines_rules_for_an_encrypted_overlay():
    """What a real engine 20.10 added to host2's INPUT for the encrypted overlay of VNI 4099
    (recorded with `iptables -S INPUT` in its namespace), and what the simulator lists."""
    recorded = ['-A INPUT -p udp -m policy --dir in --pol none -m udp --dport 4789 -m u32 --u32 '
                '"0x0>>0x16&0x3c@0xc&0xffffff00=0x100300" -j DROP',
                '-A INPUT -p udp -m policy --dir in --pol ipsec -m udp --dport 4789 -m u32 --u32 '
                '"0x0>>0x16&0x3c@0xc&0xffffff00=0x100300" -j ACCEPT']
    from labkit.sim.firewall import FirewallRule
    made = [FirewallRule("INPUT", "DROP", "udp", 4789, policy="none", vni=4099),
            FirewallRule("INPUT", "ACCEPT", "udp", 4789, policy="ipsec", vni=4099)]
    assert [model.rule_text(r) for r in made] == recorded
