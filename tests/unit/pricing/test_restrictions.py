"""Each TariffRestrictions property (mod_tariffs_tariffrestrictions_class), hand-computed, and the element
choice per dimension: "the first Tariff Element with a Price Component for that dimension in the list with
matching Tariff Restrictions will be used"."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from hub.ocpi.v221.cdrs import PricingInput
from hub.ocpi.v221.tariffs import Tariff
from hub.pricing import price_session
from hub.pricing.restrictions import time_window_holds
from tests.unit.pricing.builders import cdr, charging, component, cost, element, parking, reserved, tariff

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def energy_tiers(cheap: dict[str, Any], cheap_price: str = "0.10", fallback: str = "0.30") -> Tariff:
    """ENERGY at `cheap_price` under `cheap` restrictions, else at `fallback`; no VAT (0 %)."""
    return tariff(
        element(component("ENERGY", cheap_price, 1, "0"), **cheap),
        element(component("ENERGY", fallback, 1, "0")),
    )


def energy_cost(rates: Tariff, session: PricingInput, zone: ZoneInfo | None = None) -> Decimal:
    priced = price_session(rates, session) if zone is None else price_session(rates, session, zone)
    return priced.total_energy_cost.excl_vat


# --- time of day ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "clock", "expected"),
    [
        ("09:00", "18:00", "09:00", True),  # start inclusive
        ("09:00", "18:00", "17:59", True),
        ("09:00", "18:00", "18:00", False),  # end exclusive
        ("09:00", "18:00", "08:59", False),
        ("22:00", "06:00", "23:30", True),  # "If end_time < start_time then the period wraps around"
        ("22:00", "06:00", "05:59", True),
        ("22:00", "06:00", "06:00", False),
        ("22:00", "06:00", "21:59", False),
        ("20:00", "00:00", "23:59", True),  # "To stop at end of the day use: 00:00"
        ("20:00", "00:00", "00:00", False),
        ("00:00", "00:00", "12:00", True),  # 00:00-00:00 is the whole day
        ("17:00", None, "23:59", True),  # start only: from then to the end of the day
        ("17:00", None, "16:59", False),
        (None, "17:00", "00:00", True),  # end only: from midnight
        (None, "17:00", "17:00", False),
    ],
)
def test_time_window(start: str | None, end: str | None, clock: str, expected: bool) -> None:
    hour, minute = clock.split(":")
    local = datetime(2024, 1, 8, int(hour), int(minute), tzinfo=AMSTERDAM)

    assert time_window_holds(start, end, local) is expected


def test_night_window_passing_midnight_prices_periods_on_both_sides() -> None:
    rates = energy_tiers({"start_time": "22:00", "end_time": "06:00"})
    # 21:00-22:00 at 0.30, 22:00-02:00 at 0.10, 02:00-06:00 at 0.10, 06:00-07:00 at 0.30 (Amsterdam, UTC+1).
    session = cdr(
        "2024-01-08T21:00:00+01:00",
        charging(60, "1"),
        charging(240, "1"),
        charging(240, "1"),
        charging(60, "1"),
    )

    priced = price_session(rates, session, AMSTERDAM)

    assert [line.element for line in priced.lines] == [1, 0, 0, 1]
    assert priced.total_energy_cost.excl_vat == Decimal("0.80")


def test_time_of_day_is_read_in_the_location_time_zone() -> None:
    # 05:30 UTC is inside 22:00-06:00 in UTC, but 06:30 in Amsterdam (winter), outside it.
    rates = energy_tiers({"start_time": "22:00", "end_time": "06:00"})
    session = cdr("2024-01-09T05:30:00Z", charging(30, "10"))

    assert energy_cost(rates, session) == Decimal("1.00")
    assert energy_cost(rates, session, AMSTERDAM) == Decimal("3.00")


def test_period_crossing_a_time_boundary_is_priced_as_at_its_start_with_a_note() -> None:
    # Periods are homogeneous (mod_cdrs_charging_period); one that is not is flagged, not split.
    rates = energy_tiers({"end_time": "17:00"})
    session = cdr("2024-01-08T16:30:00Z", charging(60, "10"))

    priced = price_session(rates, session)

    assert priced.total_energy_cost.excl_vat == Decimal("1.00")
    assert any(
        note.startswith("charging_periods[0] crosses a restriction boundary for ENERGY")
        for note in priced.notes
    )


def test_period_ending_exactly_at_a_boundary_has_no_note() -> None:
    rates = energy_tiers({"end_time": "17:00"})

    priced = price_session(rates, cdr("2024-01-08T16:30:00Z", charging(30, "10")))

    assert priced.notes == ()


# --- dates ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        ("2024-03-01T12:00:00Z", "1.00"),  # start_date "valid from this day (inclusive)"
        ("2024-03-09T12:00:00Z", "1.00"),
        ("2024-03-10T12:00:00Z", "3.00"),  # end_date "valid until this day (exclusive)"
        ("2024-02-29T12:00:00Z", "3.00"),
    ],
)
def test_start_and_end_date(start: str, expected: str) -> None:
    rates = energy_tiers({"start_date": "2024-03-01", "end_date": "2024-03-10"})

    assert energy_cost(rates, cdr(start, charging(30, "10"))) == Decimal(expected)


def test_dates_are_local_dates() -> None:
    # 23:30 UTC on 9 March is already 10 March in Amsterdam, past end_date.
    rates = energy_tiers({"start_date": "2024-03-01", "end_date": "2024-03-10"})
    session = cdr("2024-03-09T23:30:00Z", charging(20, "10"))

    assert energy_cost(rates, session) == Decimal("1.00")
    assert energy_cost(rates, session, AMSTERDAM) == Decimal("3.00")


# --- energy so far -------------------------------------------------------------------------------------


def test_kwh_tiers_use_energy_charged_so_far() -> None:
    # min_kwh "valid from this amount of energy (inclusive)", max_kwh "until this amount (exclusive)".
    rates = tariff(
        element(component("ENERGY", "0.30", 1, "0"), max_kwh=Decimal(20)),
        element(component("ENERGY", "0.20", 1, "0"), min_kwh=Decimal(20), max_kwh=Decimal(50)),
        element(component("ENERGY", "0.10", 1, "0")),
    )
    session = cdr("2024-01-08T10:00:00Z", charging(60, "20"), charging(60, "30"), charging(60, "5"))

    priced = price_session(rates, session)

    # 20 kWh at 0.30, the next 30 from 20 kWh (inclusive) at 0.20, from 50 kWh at 0.10.
    assert [line.element for line in priced.lines] == [0, 1, 2]
    assert priced.total_energy_cost.excl_vat == Decimal("12.50")
    assert priced.notes == ()


def test_period_charging_past_max_kwh_is_noted() -> None:
    rates = tariff(
        element(component("ENERGY", "0.30", 1, "0"), max_kwh=Decimal(20)),
        element(component("ENERGY", "0.10", 1, "0")),
    )

    priced = price_session(rates, cdr("2024-01-08T10:00:00Z", charging(60, "25")))

    assert priced.total_energy_cost.excl_vat == Decimal("7.50")
    assert any("crosses a restriction boundary" in note for note in priced.notes)


def test_period_charging_up_to_min_kwh_does_not_cross_it() -> None:
    # A period from 0 to 20 kWh ends just below 20 kWh: min_kwh 20 only holds from the next period on.
    rates = energy_tiers({"min_kwh": Decimal(20)})

    priced = price_session(rates, cdr("2024-01-08T10:00:00Z", charging(60, "20"), charging(60, "5")))

    assert [line.element for line in priced.lines] == [1, 0]
    assert priced.notes == ()


# --- current and power ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("levels", "expected_element"),
    [
        ({"max_current": "16"}, 0),  # max_current 32: "less than the defined amount"
        ({"max_current": "32"}, 1),  # 32 is not less than 32; min_current 32 is "more than, or equal to"
        ({"min_current": "43"}, 1),
        ({"current": "20"}, 0),  # a Session's average CURRENT serves when no MIN/MAX is given
    ],
)
def test_current_restrictions(levels: dict[str, str], expected_element: int) -> None:
    rates = tariff(
        element(component("TIME", "1.00", 1, "0"), max_current=Decimal(32)),
        element(component("TIME", "2.00", 1, "0"), min_current=Decimal(32)),
    )

    priced = price_session(rates, cdr("2024-01-08T10:00:00Z", charging(60, "10", dims=levels)))

    assert [line.element for line in priced.lines] == [expected_element]


def test_current_restriction_without_current_dimension_is_not_active_and_noted() -> None:
    rates = tariff(
        element(component("TIME", "1.00", 1, "0"), max_current=Decimal(32)),
        element(component("TIME", "2.00", 1, "0")),
    )

    priced = price_session(rates, cdr("2024-01-08T10:00:00Z", charging(60, "10")))

    assert priced.total_time_cost.excl_vat == Decimal("2.00")
    assert (
        "elements[0].restrictions.max_current cannot be evaluated for charging_periods[0]" in priced.notes[0]
    )


@pytest.mark.parametrize(
    ("levels", "expected"),
    [
        ({"min_power": "11", "max_power": "22"}, "0.50"),  # min_power 11: "more than, or equal to"
        ({"min_power": "10.9", "max_power": "22"}, "0.30"),
        ({"power": "50"}, "0.50"),
    ],
)
def test_min_power(levels: dict[str, str], expected: str) -> None:
    rates = energy_tiers({"min_power": Decimal(11)}, cheap_price="0.50", fallback="0.30")

    assert energy_cost(rates, cdr("2024-01-08T10:00:00Z", charging(60, "1", dims=levels))) == Decimal(
        expected
    )


# --- duration ------------------------------------------------------------------------------------------


def test_min_duration_is_inclusive_and_measured_from_session_start() -> None:
    rates = tariff(
        element(component("PARKING_TIME", "6.00", 1, "0"), min_duration=3600),
        element(component("PARKING_TIME", "0.00", 1, "0")),
    )
    # Parking from 60 minutes into the session on (min_duration 3600 "inclusive") is paid.
    session = cdr("2024-01-08T10:00:00Z", charging(30, "10"), parking(30), parking(30))

    priced = price_session(rates, session)

    assert [line.element for line in priced.lines] == [1, 0]
    assert priced.total_parking_cost.excl_vat == Decimal("3.00")


def test_duration_is_counted_from_charging_start_not_from_reservation() -> None:
    rates = tariff(
        element(component("TIME", "1.00", 1, "0"), reservation="RESERVATION"),
        element(component("ENERGY", "0.00", 1, "0"), max_duration=1800),
        element(component("ENERGY", "0.40", 1, "0")),
    )
    # 45 minutes of reservation, then 20 minutes of charging: still inside the first 30 minutes of charging.
    session = cdr("2024-01-08T10:00:00Z", reserved(45), charging(20, "5"))

    priced = price_session(rates, session)

    assert priced.total_energy_cost.excl_vat == Decimal(0)
    assert priced.total_reservation_cost.excl_vat == Decimal("0.75")


# --- day of week ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        ("2024-01-06T12:00:00+01:00", "1.00"),  # Saturday
        ("2024-01-07T12:00:00+01:00", "1.00"),  # Sunday
        ("2024-01-08T12:00:00+01:00", "3.00"),  # Monday
        ("2024-01-07T23:30:00Z", "3.00"),  # Sunday in UTC, Monday 00:30 in Amsterdam
    ],
)
def test_day_of_week_in_local_time(start: str, expected: str) -> None:
    rates = energy_tiers({"day_of_week": ["SATURDAY", "SUNDAY"]})

    assert energy_cost(rates, cdr(start, charging(20, "10")), AMSTERDAM) == Decimal(expected)


# --- reservation ---------------------------------------------------------------------------------------


def test_reservation_element_does_not_price_charging_time() -> None:
    rates = tariff(
        element(component("TIME", "5.00", 1, "0"), reservation="RESERVATION"),
        element(component("TIME", "1.00", 1, "0")),
    )

    priced = price_session(rates, cdr("2024-01-08T10:00:00Z", charging(60, "10")))

    assert priced.total_time_cost == cost("1.00", "1.00")
    assert priced.total_reservation_cost == cost("0", "0")


def test_unrestricted_element_does_not_price_reservation_time() -> None:
    # Reservation time is priced only by elements that "describe reservation costs".
    rates = tariff(element(component("FLAT", "0.50", 1, "0"), component("TIME", "1.00", 1, "0")))

    priced = price_session(rates, cdr("2024-01-08T10:00:00Z", reserved(30), charging(60, "10")))

    assert priced.total_reservation_cost == cost("0", "0")
    assert priced.total_cost == cost("1.50", "1.50")


def test_expired_reservation_uses_expires_element_even_when_listed_second() -> None:
    # tariff_18 with its first two elements swapped: "the time based cost of an expired reservation will be
    # calculated based on the RESERVATION_EXPIRES Tariff Element".
    rates = tariff(
        element(component("TIME", "3.00", 600, "20"), reservation="RESERVATION"),
        element(component("TIME", "6.00", 600, "20"), reservation="RESERVATION_EXPIRES"),
        element(component("FLAT", "0.50", 1, "20"), component("ENERGY", "0.25", 1, "10")),
    )

    expired = price_session(rates, cdr("2019-02-04T10:00:00Z", reserved(90)))
    used = price_session(rates, cdr("2019-02-04T10:00:00Z", reserved(22), charging(60, "20")))

    assert expired.total_cost == cost("9.00", "10.80")
    assert used.total_reservation_cost == cost("1.50", "1.80")


def test_expires_element_does_not_apply_to_a_used_reservation() -> None:
    rates = tariff(
        element(component("FLAT", "4.00", 1, "0"), reservation="RESERVATION_EXPIRES"),
        element(component("TIME", "2.00", 1, "0"), reservation="RESERVATION"),
    )

    priced = price_session(rates, cdr("2024-01-08T10:00:00Z", reserved(30), charging(30, "5")))

    assert priced.total_reservation_cost == cost("1.00", "1.00")


# --- element choice ------------------------------------------------------------------------------------


def test_dimensions_are_looked_up_separately() -> None:
    # "a Price Component for one dimension is found in a Tariff Element that occurs earlier in the list ...
    # than for another dimension": ENERGY from element 0 (no TIME there), TIME from element 1.
    rates = tariff(
        element(component("ENERGY", "0.25", 1, "0")),
        element(component("ENERGY", "9.99", 1, "0"), component("TIME", "1.00", 1, "0")),
    )

    priced = price_session(rates, cdr("2024-01-08T10:00:00Z", charging(60, "10")))

    assert priced.total_energy_cost.excl_vat == Decimal("2.50")
    assert priced.total_time_cost.excl_vat == Decimal("1.00")


def test_no_matching_element_makes_the_dimension_free_with_a_note() -> None:
    # "When no Tariff Element with a specific Dimension is found for which the Restrictions match ... there
    # will be no costs for that Tariff Dimension."
    rates = tariff(element(component("ENERGY", "0.25", 1, "0"), day_of_week=["SUNDAY"]))

    priced = price_session(rates, cdr("2024-01-08T10:00:00Z", charging(60, "10")))

    assert priced.total_cost == cost("0", "0")
    assert priced.notes == (
        "charging_periods[0]: the restrictions of no ENERGY price component match, so its ENERGY is not billed",
    )
