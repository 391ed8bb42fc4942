"""Site load balancing, the allocation: properties over any site limit and set of Sessions (hypothesis), and
the cases the issue names."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from hub.loadbalance.allocation import Claim, allocate, demand


@st.composite
def sites(draw: st.DrawFn) -> tuple[int, list[Claim]]:
    count = draw(st.integers(min_value=0, max_value=12))
    claims = []
    for i in range(count):
        maximum = draw(st.integers(min_value=0, max_value=150_000))
        minimum = draw(st.integers(min_value=0, max_value=5_000))
        wanted = draw(st.integers(min_value=0, max_value=160_000))
        claims.append(Claim(f"S{i}", maximum, minimum, wanted))
    return draw(st.integers(min_value=-10, max_value=400_000)), claims


@settings(max_examples=400, deadline=None)
@given(sites())
def test_limits_never_exceed_the_site_limit_nor_a_maximum(site: tuple[int, list[Claim]]) -> None:
    limit, claims = site
    alloc = allocate(limit, claims)
    assert set(alloc) == {c.key for c in claims}
    assert sum(alloc.values()) <= max(0, limit)
    for c in claims:
        assert 0 <= alloc[c.key] <= max(0, c.maximum_w)


@settings(max_examples=400, deadline=None)
@given(sites())
def test_minimums_first_when_they_fit(site: tuple[int, list[Claim]]) -> None:
    limit, claims = site
    alloc = allocate(limit, claims)
    if sum(min(c.minimum_w, c.maximum_w) for c in claims) <= limit:
        for c in claims:
            assert alloc[c.key] >= min(c.minimum_w, c.maximum_w)


@settings(max_examples=400, deadline=None)
@given(sites())
def test_nothing_is_held_back(site: tuple[int, list[Claim]]) -> None:
    """Work-conserving: power is left over only when every served Session is at its maximum."""
    limit, claims = site
    alloc = allocate(limit, claims)
    if sum(alloc.values()) < limit:
        for c in claims:
            served = alloc[c.key] > 0 or min(c.minimum_w, c.maximum_w) == 0
            assert not served or alloc[c.key] == c.maximum_w


@settings(max_examples=400, deadline=None)
@given(sites())
def test_a_session_short_of_its_demand_gets_as_much_above_its_minimum_as_any(
    site: tuple[int, list[Claim]],
) -> None:
    """Fairness: nobody gets more above their minimum than a Session that wants more and does not get it
    (one watt of rounding aside). So a new arrival, whose demand is its maximum, gets a fair share at once."""
    limit, claims = site
    if sum(min(c.minimum_w, c.maximum_w) for c in claims) > limit:
        return
    alloc = allocate(limit, claims)
    floor = {c.key: min(c.minimum_w, c.maximum_w) for c in claims}
    short = [c for c in claims if alloc[c.key] < min(c.demand_w, c.maximum_w)]
    for s in short:
        for c in claims:
            assert alloc[c.key] - floor[c.key] <= alloc[s.key] - floor[s.key] + 1


def test_headroom_a_car_does_not_use_goes_to_those_that_can_take_it() -> None:
    # 3 x 22 kW EVSEs on 40 kW: one car takes only 5 kW (demand 7 kW: its draw plus headroom).
    claims = [
        Claim("A", 22_000, 4_140, 7_000),
        Claim("B", 22_000, 4_140, 22_000),
        Claim("C", 22_000, 4_140, 22_000),
    ]
    alloc = allocate(40_000, claims)
    assert alloc == {"A": 7_000, "B": 16_500, "C": 16_500}


def test_a_new_arrival_gets_its_fair_share_at_once() -> None:
    claims = [Claim(f"S{i}", 22_000, 4_140, 22_000) for i in range(4)]
    alloc = allocate(50_000, claims)
    assert sorted(alloc.values()) == [12_500] * 4


def test_a_limit_below_the_minimums_serves_the_first_arrivals_and_pauses_the_rest() -> None:
    claims = [Claim(f"S{i}", 11_000, 4_140, 11_000) for i in range(3)]
    alloc = allocate(9_000, claims)
    assert alloc == {"S0": 4_500, "S1": 4_500, "S2": 0}
    assert sum(alloc.values()) <= 9_000


def test_demand_of_a_car_drawing_clearly_less_is_its_draw_plus_headroom() -> None:
    assert demand(22_000, None, None) == 22_000  # nothing known yet: all it may
    assert demand(22_000, 11_000, 10_500) == 22_000  # draws its limit: could take more
    assert demand(22_000, 11_000, 5_000) == 7_000  # draws clearly less: its draw plus 2 kW
    assert demand(22_000, 11_000, -300) == 2_000  # a negative reading counts as nothing
    # Given its draw plus headroom, it still counts as car-limited: no see-saw.
    assert demand(22_000, 7_000, 5_000) == 7_000
    assert demand(150_000, 60_000, 40_000) == 48_000
    assert demand(150_000, 48_000, 40_000) == 48_000
