"""labkit.rules: the one home of Docker's naming, reference, driver and underlay rules, read by
the lab's own checks and by the simulated engine alike (both refuse what the rule refuses)."""
import docker.errors
import pytest

from labkit import rules
from labkit.lab import BadArgument, Lab


@pytest.mark.parametrize("ref, problem", [
    ("busybox", None), ("busybox:1.36", None), ("registry:5000/team/app:1.0", None),
    ("a" * 64, None), ("sha256:" + "0" * 64, None),
    ("BusyBox", rules.NOT_LOWERCASE), ("busy box", rules.BAD_REFERENCE), ("busybox:", rules.BAD_REFERENCE),
    ("busybox\n", rules.BAD_REFERENCE), ("a" * 256, rules.REPOSITORY_TOO_LONG),
])
def test_reference_problem_and_both_refusals(ref, problem):
    assert rules.reference_problem(ref) == problem
    lab = Lab("sim", name="rules", leftovers="keep", quiet=True)
    if problem is None:
        return
    with pytest.raises(BadArgument):
        lab.container("ref-test", image=ref)
    with pytest.raises(docker.errors.APIError) as e:        # the simulated engine, asked directly
        lab.api.create_container(ref, ["true"])
    assert problem in str(e.value.explanation)


def test_driver_kinds_cover_every_builtin_driver():
    assert set(rules.DRIVERS) == {"bridge", "overlay", "macvlan", "ipvlan", "host", "null"}
    for d in rules.DRIVERS:   # each driver is exactly one of: bridge, on a parent, spanning, no network
        kinds = [rules.has_bridge(d), rules.on_parent(d), rules.swarm_scoped(d), rules.namespace_only(d)]
        assert kinds.count(True) == 1, d
        assert rules.local_scoped(d) != rules.swarm_scoped(d)
    assert rules.Driver.BRIDGE == "bridge" and "overlay" == rules.Driver.OVERLAY


def test_underlay_addresses_follow_the_convention():
    assert str(rules.underlay_address(1)) == "10.99.0.11" and rules.underlay_mac(3) == "02:99:00:00:00:03"
    assert rules.UNDERLAY_SWITCH in rules.UNDERLAY and rules.underlay_address(99) in rules.UNDERLAY
