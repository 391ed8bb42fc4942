"""Properties of pricing (mod_tariffs_tariff_object, mod_cdrs_step_size) over generated tariffs and sessions."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from hub.ocpi.v221.tariffs import Tariff
from hub.pricing import Cost, PricedSession, price_session
from tests.unit.pricing.builders import Segment, cdr, charging, component, element, parking, tariff

START = "2024-01-08T08:00:00Z"
FEW = settings(max_examples=40, deadline=None, database=None)

prices = st.decimals(min_value=0, max_value=10, places=2)
vats = st.none() | st.decimals(min_value=0, max_value=25, places=1)
clock = st.sampled_from(["00:00", "06:00", "08:30", "09:00", "12:00", "17:00", "22:00"])
kwh = st.integers(min_value=0, max_value=60_000).map(lambda wh: Decimal(wh) / 1000)


@st.composite
def components(draw: st.DrawFn) -> list[dict[str, Any]]:
    kinds = draw(
        st.lists(
            st.sampled_from(["FLAT", "ENERGY", "TIME", "PARKING_TIME"]), min_size=1, max_size=4, unique=True
        )
    )
    steps = {"FLAT": [1], "ENERGY": [1, 100, 500], "TIME": [1, 60, 300, 900], "PARKING_TIME": [1, 300, 900]}
    drawn = []
    for kind in kinds:
        vat = draw(vats)
        step = draw(st.sampled_from(steps[kind]))
        drawn.append(component(kind, str(draw(prices)), step, None if vat is None else str(vat)))
    return drawn


@st.composite
def restrictions(draw: st.DrawFn) -> dict[str, Any]:
    chosen: dict[str, Any] = {}
    if draw(st.booleans()):
        chosen["start_time"], chosen["end_time"] = draw(clock), draw(clock)
    if draw(st.booleans()):
        chosen["max_kwh"] = draw(kwh)
    if draw(st.booleans()):
        chosen["min_duration"] = draw(st.integers(min_value=0, max_value=7200))
    if draw(st.booleans()):
        chosen["max_power"] = Decimal(draw(st.integers(min_value=1, max_value=150)))
    if draw(st.booleans()):
        chosen["day_of_week"] = draw(
            st.lists(st.sampled_from(["MONDAY", "SATURDAY", "SUNDAY"]), min_size=1, unique=True)
        )
    return chosen


@st.composite
def tariffs(draw: st.DrawFn, restricted: bool = True) -> Tariff:
    count = draw(st.integers(min_value=1, max_value=3))
    elements = [
        element(*draw(components()), **(draw(restrictions()) if restricted else {})) for _ in range(count)
    ]
    limits: dict[str, Any] = {}
    if draw(st.booleans()):
        low = draw(prices)
        limits["min_price"] = {"excl_vat": low, "incl_vat": low}
    if draw(st.booleans()):
        high = draw(prices)
        limits["max_price"] = {"excl_vat": high, "incl_vat": high}
    return tariff(*elements, **limits)


@st.composite
def segments(draw: st.DrawFn) -> list[Segment]:
    drawn = []
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        minutes = draw(st.integers(min_value=1, max_value=180))
        if draw(st.booleans()):
            drawn.append(
                charging(
                    minutes, str(draw(kwh)), max_power=str(draw(st.integers(min_value=1, max_value=150)))
                )
            )
        else:
            drawn.append(parking(minutes))
    return drawn


def costs(priced: PricedSession) -> list[Cost]:
    return [
        priced.total_cost,
        priced.total_fixed_cost,
        priced.total_energy_cost,
        priced.total_time_cost,
        priced.total_parking_cost,
        priced.total_reservation_cost,
    ]


@FEW
@given(tariffs(), segments())
def test_cost_is_never_negative_for_non_negative_prices(rates: Tariff, parts: list[Segment]) -> None:
    priced = price_session(rates, cdr(START, *parts))

    for amount in costs(priced):
        assert amount.excl_vat >= 0
        assert amount.incl_vat is None or amount.incl_vat >= 0


@FEW
@given(
    prices,
    vats,
    st.sampled_from([1, 100, 500, 1000]),
    st.booleans(),
    kwh,
    st.integers(min_value=1, max_value=20_000).map(lambda wh: Decimal(wh) / 1000),
)
def test_more_energy_is_never_cheaper_under_an_energy_only_tariff(
    price: Decimal, vat: Decimal | None, step: int, start_fee: bool, energy: Decimal, more: Decimal
) -> None:
    parts = [component("ENERGY", str(price), step, None if vat is None else str(vat))]
    if start_fee:
        parts.append(component("FLAT", "0.50", 1, "20"))
    rates = tariff(element(*parts), max_price={"excl_vat": Decimal(12), "incl_vat": Decimal(13)})

    less = price_session(rates, cdr(START, charging(60, str(energy))))
    greater = price_session(rates, cdr(START, charging(60, str(energy + more))))

    assert greater.total_cost.excl_vat >= less.total_cost.excl_vat
    if less.total_cost.incl_vat is not None and greater.total_cost.incl_vat is not None:
        assert greater.total_cost.incl_vat >= less.total_cost.incl_vat


@FEW
@given(
    tariffs(restricted=False),
    st.integers(min_value=2, max_value=240),
    st.data(),
    st.integers(min_value=0, max_value=90),
)
def test_splitting_a_homogeneous_period_does_not_change_the_cost(
    rates: Tariff, minutes: int, data: st.DataObject, parked: int
) -> None:
    wh = data.draw(st.integers(min_value=0, max_value=80_000), label="Wh")
    first_minutes = data.draw(st.integers(min_value=1, max_value=minutes - 1), label="split at minute")
    first_wh = data.draw(st.integers(min_value=0, max_value=wh), label="Wh before the split")
    tail = [parking(parked)] if parked else []

    whole = price_session(rates, cdr(START, charging(minutes, str(Decimal(wh) / 1000)), *tail))
    split = price_session(
        rates,
        cdr(
            START,
            charging(first_minutes, str(Decimal(first_wh) / 1000)),
            charging(minutes - first_minutes, str(Decimal(wh - first_wh) / 1000)),
            *tail,
        ),
    )

    assert costs(split) == costs(whole)
