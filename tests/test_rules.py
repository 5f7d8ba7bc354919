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


# -- reachability: one rule, read by the simulator and by the model's routes ------------------------
def test_icc_reads_the_option_as_the_engine_does():
    assert rules.icc_enabled({}) and rules.icc_enabled({rules.ICC_OPTION: "true"})
    assert not any(rules.icc_enabled({rules.ICC_OPTION: v}) for v in ("false", "False", "0", "f"))


def test_the_gateway_is_chosen_as_libnetwork_orders_networks():
    nets = [("docker_gwbridge", False), ("zeta", False), ("alpha", True), ("beta", False)]
    assert [n for n, _ in sorted(nets, key=lambda n: rules.gateway_order(*n))] == \
        ["beta", "zeta", "alpha", "docker_gwbridge"]


def test_embedded_dns_only_on_networks_the_user_made():
    assert rules.has_embedded_dns("bridge", "mynet", predefined=False)
    assert not rules.has_embedded_dns("bridge", "bridge", predefined=True)
    assert not rules.has_embedded_dns("host", "host", predefined=True)
    assert rules.has_embedded_dns("overlay", "ov", predefined=False)


def test_between_networks_names_the_first_cause():
    assert rules.between_networks("a", True, "b", True) == rules.why_internal_out("a")
    assert rules.between_networks("a", False, "b", True) == "network b is internal: nothing enters it"
    assert rules.between_networks("a", False, "b", False).startswith("networks a and b are isolated")


def test_the_simulator_and_the_model_give_the_same_reason():
    """The simulator's verdicts (its /labkit/reach extension) and labkit.paths' routes over the
    same topology word each cause the same way: both read labkit.rules."""
    from labkit import paths
    lab = Lab("sim", name="whyrules", leftovers="keep", quiet=True)
    lab.network("front", subnet="10.81.0.0/24")
    lab.network("back", subnet="10.82.0.0/24")
    lab.network("vault", subnet="10.83.0.0/24", internal=True)
    lab.network("quiet", subnet="10.84.0.0/24", options={rules.ICC_OPTION: "false"})
    for name, nets in (("web", ["front", "quiet"]), ("db", ["back"]), ("safe", ["vault"]), ("q2", ["quiet"])):
        lab.container(name, networks=nets)
    pairs = [("web", "db"), ("web", "safe"), ("safe", "web"), ("web", "q2")]
    answers = lab.api.post(lab.api.base_url + "/labkit/reach",
                           json={"Pairs": [{"Source": a, "Target": b} for a, b in pairs]}).json()
    topo = lab.snapshot()
    expected = {
        ("web", "db"): rules.why_isolated("front", "back"),
        ("web", "safe"): rules.why_internal_in("vault"),
        ("safe", "web"): rules.why_internal_out("vault"),
        ("web", "q2"): rules.why_icc_off("quiet"),
    }
    for (a, b), answer in zip(pairs, answers):
        address = next(e.address for e in topo.endpoints if e.container == b)
        route = paths.route(topo, a, b, address=address)
        assert not answer["Ping"] and not route.ok
        assert expected[a, b] == answer["Why"] and route.why.endswith(expected[a, b]), (a, b, answer, route.why)
    lab.reset()
