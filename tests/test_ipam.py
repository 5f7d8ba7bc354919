"""The simulated engine's address management (labkit/sim/engine/ipam.py), as Docker Engine 20.10's
default IPAM driver behaves (the conformance scenarios compare the same on both engines):
predefined pools in rotation, addresses lowest-free first, IP ranges, static addresses, overlaps,
and the swarm's serial pools."""
from __future__ import annotations

import ipaddress

import pytest

from labkit.sim.engine import ipam
from labkit.sim.errors import EngineError, Forbidden, NotFound
from labkit.sim.state import AddressSpace, Network

net = ipaddress.ip_network
addr = ipaddress.ip_address


def local_space() -> AddressSpace:
    return AddressSpace(ipam.LOCAL_POOLS)


def test_the_predefined_local_pools_are_the_engines():
    pools = [str(p) for p in ipam.LOCAL_POOLS]
    assert pools[:3] == ["172.17.0.0/16", "172.18.0.0/16", "172.19.0.0/16"]
    assert pools[14] == "172.31.0.0/16" and pools[15] == "192.168.0.0/20"
    assert pools[-1] == "192.168.240.0/20" and len(pools) == 15 + 16


def test_pools_are_handed_out_in_rotation_not_reused_at_once():
    space = local_space()
    first = [ipam.request(space).subnet for _ in range(3)]
    assert [str(s) for s in first] == ["172.17.0.0/16", "172.18.0.0/16", "172.19.0.0/16"]
    ipam.release(space, space.pools[net("172.18.0.0/16")])
    # A removed network's pool waits until the list has wrapped around.
    assert str(ipam.request(space).subnet) == "172.20.0.0/16"


def test_the_rotation_wraps_around_to_a_freed_pool():
    space = local_space()
    taken = [ipam.request(space) for _ in range(len(ipam.LOCAL_POOLS))]
    with pytest.raises(NotFound, match="could not find an available, non-overlapping IPv4 address pool"):
        ipam.request(space)
    ipam.release(space, taken[1])
    assert str(ipam.request(space).subnet) == "172.18.0.0/16"


def test_a_predefined_pool_overlapping_a_users_subnet_is_skipped():
    space = local_space()
    ipam.request(space, net("172.17.5.0/24"))
    assert str(ipam.request(space).subnet) == "172.18.0.0/16"


def test_an_overlapping_subnet_is_refused_with_the_engines_text():
    space = local_space()
    ipam.request(space, net("10.1.0.0/16"))
    with pytest.raises(Forbidden, match="^Pool overlaps with other one on this address space$"):
        ipam.request(space, net("10.1.2.0/24"))


def test_addresses_lowest_free_first_and_reused_at_once():
    pool = ipam.new_pool(net("10.0.0.0/29"))
    got = [str(ipam.take(pool)) for _ in range(3)]
    assert got == ["10.0.0.1", "10.0.0.2", "10.0.0.3"]
    ipam.give_back(pool, addr("10.0.0.2"))
    assert str(ipam.take(pool)) == "10.0.0.2"


def test_network_and_broadcast_addresses_are_never_given():
    pool = ipam.new_pool(net("10.0.0.0/30"))
    assert [str(ipam.take(pool)) for _ in range(2)] == ["10.0.0.1", "10.0.0.2"]
    with pytest.raises(EngineError, match="^No available addresses on this pool$"):
        ipam.take(pool)


@pytest.mark.parametrize("subnet", ["10.0.0.0/31", "10.0.0.7/32"])
def test_a_31_or_a_32_has_no_address_to_give(subnet):
    with pytest.raises(EngineError, match="No available addresses"):
        ipam.take(ipam.new_pool(net(subnet)))


def test_an_ip_range_gives_automatic_addresses_from_the_range_only():
    pool = ipam.new_pool(net("10.0.0.0/24"), net("10.0.0.128/25"))
    assert str(ipam.take(pool)) == "10.0.0.128"
    # A requested address only has to lie in the pool.
    assert str(ipam.take(pool, addr("10.0.0.5"))) == "10.0.0.5"


def test_a_static_address_out_of_range_or_taken_is_refused():
    pool = ipam.new_pool(net("10.0.0.0/24"))
    with pytest.raises(EngineError, match="^Requested address is out of range$"):
        ipam.take(pool, addr("10.0.1.5"))
    ipam.take(pool, addr("10.0.0.5"))
    with pytest.raises(Forbidden, match="^Address already in use$"):
        ipam.take(pool, addr("10.0.0.5"))


def test_a_serial_pool_hands_addresses_out_in_order_not_reusing_at_once():
    pool = ipam.new_pool(net("10.0.1.0/24"), serial=True)
    a, b = ipam.take(pool), ipam.take(pool)
    ipam.give_back(pool, a)
    assert (str(a), str(b), str(ipam.take(pool))) == ("10.0.1.1", "10.0.1.2", "10.0.1.3")


def test_the_swarm_pools_are_the_default_pool_in_subnets_of_one_size():
    subnets = ipam.swarm_pools(["10.0.0.0/8"], 24)
    assert [str(s) for s in subnets[:2]] == ["10.0.0.0/24", "10.0.1.0/24"]
    assert [str(s) for s in ipam.swarm_pools(["10.20.0.0/16"], 26)[:2]] == ["10.20.0.0/26", "10.20.0.64/26"]


@pytest.mark.parametrize("config, error", [
    ({"Subnet": "10.1.0.0/33"}, "Invalid subnet 10.1.0.0/33 : invalid CIDR address: 10.1.0.0/33"),
    ({"Subnet": "10.1.0.0"}, "Invalid subnet 10.1.0.0 : invalid CIDR address: 10.1.0.0"),
    ({"Subnet": "10.1.0.0/16", "Gateway": "10.1.0.300"}, "invalid gateway address 10.1.0.300 in Ipam configuration"),
])
def test_the_ipam_section_is_checked_before_any_pool_is_touched(config, error):
    with pytest.raises(EngineError) as e:
        ipam.check_config({"Config": [config]})
    assert e.value.message == error


def test_an_ipv6_pool_keeps_only_its_first_address():
    # Recorded on 20.10: a /126 gives ::1 (gateway), ::2 and ::3; a /127 the gateway only; a /128 nothing.
    pool = ipam.new_pool(net("2001:db8:b::/126"))
    assert [str(ipam.take(pool)) for _ in range(3)] == ["2001:db8:b::1", "2001:db8:b::2", "2001:db8:b::3"]
    with pytest.raises(EngineError, match="No available addresses on this pool"):
        ipam.take(pool)
    assert str(ipam.take(ipam.new_pool(net("2001:db8:c::/127")))) == "2001:db8:c::1"
    with pytest.raises(EngineError, match="No available addresses on this pool"):
        ipam.take(ipam.new_pool(net("2001:db8:d::/128")))


def test_an_ipv6_range_gives_the_gateway_its_first_address():
    pool = ipam.new_pool(net("2001:db8:5::/64"), net("2001:db8:5::100/120"))
    assert [str(ipam.take(pool)) for _ in range(2)] == ["2001:db8:5::100", "2001:db8:5::101"]


def test_ipv6_without_a_subnet_fails_after_taking_an_ipv4_pool():
    """20.10 has no predefined IPv6 pools; the IPv4 pool it took first is given back, but the
    rotation has moved on (observed: the next network got 172.19, not 172.18)."""
    space, n = local_space(), _network()
    ipam.request(space)  # the default bridge's 172.17
    with pytest.raises(NotFound, match="^could not find an available, non-overlapping IPv6 address pool among the defaults"):
        ipam.allocate(n, space, [], ipv6=True)
    assert len(space.pools) == 1
    assert str(ipam.request(space).subnet) == "172.19.0.0/16"


def test_a_dual_stack_network_shows_its_ipv4_pool_then_its_ipv6_subnet():
    space, n = local_space(), _network()
    ipam.allocate(n, space, [{"Subnet": "2001:db8:1::/64"}], ipv6=True)
    assert n.ipam_config == [{"Subnet": "172.17.0.0/16", "Gateway": "172.17.0.1"}, {"Subnet": "2001:db8:1::/64"}]
    assert [str(g) for g in n.gateways6] == ["2001:db8:1::1"] and not n.user_subnets
    with pytest.raises(Forbidden, match="^Pool overlaps with other one on this address space$"):
        ipam.allocate(_network("m"), space, [{"Subnet": "2001:db8:1::/80"}], ipv6=True)


@pytest.mark.parametrize("gateway, error", [
    ("2001:db8:4::1", "failed to allocate gateway (2001:db8:4::1): Requested address is out of range"),
    ("10.1.1.1", "failed to allocate gateway (10.1.1.1): Requested address is out of range"),
    ("nope", "invalid gateway address nope in Ipam configuration"),
])
def test_an_ipv6_gateway_is_checked_once_the_ipv4_pool_is_taken(gateway, error):
    space, n = local_space(), _network()
    ipam.check_config({"Config": [{"Subnet": "2001:db8:3::/64", "Gateway": gateway}]})  # not checked here
    with pytest.raises(EngineError) as e:
        ipam.allocate(n, space, [{"Subnet": "2001:db8:3::/64", "Gateway": gateway}], ipv6=True)
    assert e.value.message == error and space.pools == {}
    assert str(ipam.request(space).subnet) == "172.18.0.0/16"  # 172.17 was taken and given back


def _network(name: str = "n") -> Network:
    return Network("id-" + name, name, "bridge", host=None, created="")


def test_a_networks_pools_and_gateways_from_its_config():
    space, n = local_space(), _network()
    ipam.allocate(n, space, [{"Subnet": "10.5.0.0/16", "IPRange": "10.5.1.0/24", "Gateway": "10.5.0.254",
                              "AuxiliaryAddresses": {"router": "10.5.0.2"}}])
    assert [str(g) for g in n.gateways] == ["10.5.0.254"] and n.user_subnets
    assert n.ipam_config == [{"Subnet": "10.5.0.0/16", "IPRange": "10.5.1.0/24", "Gateway": "10.5.0.254",
                              "AuxiliaryAddresses": {"router": "10.5.0.2"}}]
    assert str(ipam.take(n.pools[0], addr("10.5.0.3"))) == "10.5.0.3"
    with pytest.raises(Forbidden):   # reserved for the auxiliary address
        ipam.take(n.pools[0], addr("10.5.0.2"))


def test_a_network_without_a_subnet_gets_the_next_pool_and_its_first_address_as_gateway():
    space, n = local_space(), _network()
    ipam.allocate(n, space, [])
    assert n.ipam_config == [{"Subnet": "172.17.0.0/16", "Gateway": "172.17.0.1"}] and not n.user_subnets


def test_a_failed_allocation_gives_back_what_it_took():
    space, n = local_space(), _network()
    with pytest.raises(EngineError, match=r"failed to allocate gateway \(10.9.0.1\): Requested address is out of range"):
        ipam.allocate(n, space, [{"Subnet": "10.8.0.0/16"}, {"Subnet": "10.7.0.0/16", "Gateway": "10.9.0.1"}])
    assert space.pools == {}
