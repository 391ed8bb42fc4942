"""Pricing rules besides restrictions: VAT (mod_tariffs_pricecomponent_class), min_price / max_price
(mod_tariffs_tariff_object), FLAT, step_size (mod_cdrs_step_size), 4-decimal rounding (types_number_type)
and which charging periods the tariff prices (mod_cdrs_chargingperiod_class tariff_id)."""

from __future__ import annotations

from decimal import Decimal

from hub.ocpi.v221.cdrs import PricingInput
from hub.ocpi.v221.tariffs import TariffDimensionType
from hub.pricing import price_session
from tests.unit.pricing.builders import cdr, cdr_dict, charging, component, cost, element, parking, tariff

START = "2024-01-08T10:00:00Z"


# --- VAT -----------------------------------------------------------------------------------------------


def test_vat_absent_leaves_incl_vat_unknown_with_a_note() -> None:
    # "Not providing a VAT is different from 0% VAT": the incl. VAT amount is not known.
    rates = tariff(element(component("FLAT", "1.00", 1, "21"), component("ENERGY", "0.25", 1)))

    priced = price_session(rates, cdr(START, charging(60, "10")))

    assert priced.total_fixed_cost == cost("1.00", "1.21")
    assert priced.total_energy_cost == cost("2.50", None)
    assert priced.total_cost == cost("3.50", None)
    assert priced.notes == (
        'incl_vat unknown for total_energy_cost: a price component has no vat ("Not providing a VAT is'
        ' different from 0% VAT")',
    )


def test_vat_zero_makes_incl_vat_equal_excl_vat() -> None:
    rates = tariff(element(component("ENERGY", "0.25", 1, "0")))

    priced = price_session(rates, cdr(START, charging(60, "10")))

    assert priced.total_cost == cost("2.50", "2.50")
    assert priced.notes == ()


def test_vat_per_component() -> None:
    rates = tariff(element(component("FLAT", "1", 1, "20"), component("ENERGY", "0.10", 1, "5.2")))

    priced = price_session(rates, cdr(START, charging(60, "10")))

    assert priced.total_cost == cost("2.00", "2.252")


# --- min_price / max_price -----------------------------------------------------------------------------


def test_min_price_applies_to_excl_and_incl_separately() -> None:
    # "they both apply": here only the incl. VAT total is under its minimum.
    rates = tariff(
        element(component("ENERGY", "0.25", 1, "10")),
        min_price={"excl_vat": Decimal("2.00"), "incl_vat": Decimal("3.00")},
    )

    priced = price_session(rates, cdr(START, charging(60, "10")))

    assert priced.total_cost == cost("2.50", "3.00")
    assert priced.min_price_applied
    assert priced.notes == ("min_price applied: total_cost raised from 2.75 to 3.00 incl. VAT",)


def test_min_price_without_incl_vat_makes_the_raised_incl_vat_unknown() -> None:
    rates = tariff(element(component("ENERGY", "0.25", 1, "10")), min_price={"excl_vat": Decimal("5.00")})

    priced = price_session(rates, cdr(START, charging(60, "10")))

    assert priced.total_cost == cost("5.00", None)
    assert priced.total_energy_cost == cost("2.50", "2.75")
    assert priced.notes == (
        "min_price applied: total_cost raised from 2.50 to 5.00 excl. VAT, from 2.75 to unknown incl. VAT",
    )


def test_max_price_lowers_total_cost_only() -> None:
    rates = tariff(
        element(component("FLAT", "1", 1, "0"), component("ENERGY", "0.50", 1, "0")),
        max_price={"excl_vat": Decimal("4"), "incl_vat": Decimal("4")},
    )

    priced = price_session(rates, cdr(START, charging(60, "10")))

    assert priced.total_cost == cost("4", "4")
    assert priced.total_cost_before_limits == cost("6", "6")
    assert priced.total_fixed_cost == cost("1", "1")
    assert priced.total_energy_cost == cost("5", "5")
    assert priced.max_price_applied
    assert not priced.min_price_applied


def test_limits_not_reached_change_nothing() -> None:
    rates = tariff(
        element(component("ENERGY", "0.25", 1, "0")),
        min_price={"excl_vat": Decimal("1"), "incl_vat": Decimal("1")},
        max_price={"excl_vat": Decimal("10"), "incl_vat": Decimal("10")},
    )

    priced = price_session(rates, cdr(START, charging(60, "10")))

    assert priced.total_cost == cost("2.50", "2.50")
    assert not priced.min_price_applied
    assert not priced.max_price_applied
    assert priced.notes == ()


# --- FLAT ----------------------------------------------------------------------------------------------


def test_flat_is_billed_once_per_session_however_many_periods() -> None:
    rates = tariff(element(component("FLAT", "0.50", 1, "0"), component("ENERGY", "0.25", 1, "0")))
    session = cdr(START, charging(30, "5"), charging(30, "5"), parking(30))

    priced = price_session(rates, session)

    assert priced.total_fixed_cost == cost("0.50", "0.50")
    assert [line.period for line in priced.lines if line.dimension is TariffDimensionType.FLAT] == [0]


def test_flat_comes_from_the_first_period_where_an_element_applies() -> None:
    # A fee from the second hour on (min_duration 3600), else a smaller one: only the first applicable fee,
    # the 1.00 of the first period, is billed; "a FLAT fee is a fixed amount ... for any Charging Session".
    rates = tariff(
        element(component("FLAT", "5.00", 1, "0"), min_duration=3600),
        element(component("FLAT", "1.00", 1, "0"), max_duration=3600),
    )

    priced = price_session(rates, cdr(START, charging(60, "5"), charging(60, "5")))

    assert priced.total_fixed_cost == cost("1.00", "1.00")


def test_flat_waits_for_its_restrictions() -> None:
    rates = tariff(element(component("FLAT", "5.00", 1, "0"), min_duration=3600))

    short = price_session(rates, cdr(START, charging(60, "5")))
    long = price_session(rates, cdr(START, charging(60, "5"), parking(30)))

    assert short.total_fixed_cost == cost("0", "0")
    assert long.total_fixed_cost == cost("5.00", "5.00")


# --- step_size -----------------------------------------------------------------------------------------


def test_step_size_uses_the_last_billed_component_of_the_dimension() -> None:
    # Step 1800 s before 17:00 and 900 s after; charging 16:50-17:10: 20 min rounded with 900 s, to 30 min.
    rates = tariff(
        element(component("TIME", "1.20", 1800, "0"), end_time="17:00"),
        element(component("TIME", "2.40", 900, "0")),
    )

    priced = price_session(rates, cdr("2024-01-08T16:50:00Z", charging(10), charging(10)))

    assert [line.billed for line in priced.lines] == [Decimal(600), Decimal(1200)]
    assert priced.total_time_cost.excl_vat == Decimal("1.00")
    assert "step_size: TIME total 20 min billed as 30 min" in priced.notes[0]


def test_time_rounded_when_parking_is_free() -> None:
    # The last *billed* time-based period is charging, so the charging time is rounded (tariff_1, step 60 s).
    rates = tariff(element(component("TIME", "2.00", 600, "0")))

    priced = price_session(rates, cdr(START, charging(21), parking(16)))

    assert priced.total_time_cost == cost("1.00", "1.00")
    assert priced.total_parking_cost == cost("0", "0")


def test_charging_after_parking_rounds_charging_time_not_parking() -> None:
    rates = tariff(element(component("TIME", "6.00", 600, "0"), component("PARKING_TIME", "6.00", 600, "0")))

    priced = price_session(rates, cdr(START, charging(21), parking(7), charging(4)))

    # 25 min of charging rounded to 30 (0.5 h), 7 min of parking as is.
    assert priced.total_time_cost.excl_vat == Decimal("3.00")
    assert priced.total_parking_cost.excl_vat == Decimal("0.70")


def test_hours_with_four_decimals_are_read_to_the_second() -> None:
    # 40 minutes is written 0.6667 h (2400.12 s); with step_size 1 it is billed as 2400 s, not 2401 s.
    rates = tariff(element(component("PARKING_TIME", "3.60", 1, "0")))

    priced = price_session(rates, cdr(START, parking(40)))

    assert priced.lines[0].billed == Decimal(2400)
    assert priced.total_parking_cost.excl_vat == Decimal("2.40")


# --- rounding ------------------------------------------------------------------------------------------


def test_results_rounded_to_four_decimals_half_up() -> None:
    # 1 Wh (step 1) at 0.25/kWh is 0.00025: half up gives 0.0003 (half even would give 0.0002).
    rates = tariff(element(component("ENERGY", "0.25", 1, "0")))

    priced = price_session(rates, cdr(START, charging(1, "0.0002")))

    assert priced.lines[0].excl_vat == Decimal("0.00025")
    assert priced.total_energy_cost == cost("0.0003", "0.0003")
    assert str(priced.total_cost.excl_vat) == "0.0003"


def test_total_cost_is_the_sum_of_the_rounded_parts() -> None:
    # FLAT 0.00005 rounds to 0.0001, energy 0.00025 to 0.0003: the total shows 0.0004, the sum of its parts.
    rates = tariff(element(component("FLAT", "0.00005", 1, "0"), component("ENERGY", "0.25", 1, "0")))

    priced = price_session(rates, cdr(START, charging(1, "0.0002")))

    assert priced.total_fixed_cost.excl_vat == Decimal("0.0001")
    assert priced.total_cost.excl_vat == Decimal("0.0004")


# --- which periods the tariff prices -------------------------------------------------------------------


def test_periods_naming_another_tariff_are_not_priced() -> None:
    rates = tariff(element(component("ENERGY", "0.25", 1, "0")))
    session = cdr(START, charging(60, "10", tariff_id="t1"), charging(60, "10", tariff_id="OTHER"))

    priced = price_session(rates, session)

    # tariff_id is a CiString: "t1" names tariff "T1".
    assert priced.total_energy_cost.excl_vat == Decimal("2.50")
    assert "charging_periods[1] name another tariff than T1: not priced" in priced.notes


def test_period_without_tariff_id_among_named_ones_is_not_priced() -> None:
    # "If not provided, no Tariff is relevant during this period."
    rates = tariff(element(component("ENERGY", "0.25", 1, "0")))
    session = cdr(START, charging(60, "10", tariff_id="T1"), charging(60, "10"))

    priced = price_session(rates, session)

    assert priced.total_energy_cost.excl_vat == Decimal("2.50")
    assert "charging_periods[1] name no tariff_id while others do: not priced" in priced.notes


def test_periods_out_of_order_are_priced_in_time_order() -> None:
    rates = tariff(
        element(component("ENERGY", "0.30", 1, "0"), max_kwh=Decimal(10)),
        element(component("ENERGY", "0.10", 1, "0")),
    )
    body = cdr_dict(START, charging(60, "10"), charging(60, "10"))
    body["charging_periods"].reverse()

    priced = price_session(rates, PricingInput.model_validate(body))

    assert priced.total_energy_cost.excl_vat == Decimal("4.00")
    assert "charging_periods are not in time order: priced in order of start_date_time" in priced.notes


def test_energy_totals_that_disagree_are_noted() -> None:
    rates = tariff(element(component("ENERGY", "0.25", 1, "0")))

    priced = price_session(rates, cdr(START, charging(60, "10"), total_energy=Decimal("12")))

    assert priced.total_energy_cost.excl_vat == Decimal("2.50")
    assert priced.notes == (
        "the charging periods' ENERGY volumes add up to 10 kWh, total_energy says 12 kWh: the periods were priced",
    )


def test_currency_and_validity_mismatches_are_noted() -> None:
    rates = tariff(
        element(component("ENERGY", "0.25", 1, "0")),
        end_date_time="2023-12-31T23:00:00Z",
    )

    priced = price_session(rates, cdr(START, charging(60, "10"), currency="CHF"))

    assert priced.notes == (
        "the CDR is in CHF, the tariff in EUR: priced in EUR",
        "the session started after the tariff's end_date_time",
    )
