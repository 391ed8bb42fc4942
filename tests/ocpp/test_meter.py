"""Meter values of both OCPP versions normalised to MeterReadings (adapters.ocpp.meter): units, multipliers,
phases, locations, defaults, and values that are skipped."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.ocpp.meter import readings_16, readings_201
from hub.ports import MeterReading

AT = "2026-03-01T10:00:00Z"
WHEN = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)


def entry(*sampled: dict[str, Any], timestamp: str = AT) -> dict[str, Any]:
    return {"timestamp": timestamp, "sampled_value": list(sampled)}


def one_16(*sampled: dict[str, Any]) -> MeterReading:
    (reading,) = readings_16([entry(*sampled)])
    return reading


def one_201(*sampled: dict[str, Any]) -> MeterReading:
    (reading,) = readings_201([entry(*sampled)])
    return reading


# -- 1.6 -----------------------------------------------------------------------------------------------------


def test_1_6_defaults_are_the_energy_register_in_wh_sampled_periodically() -> None:
    assert one_16({"value": "1234.5"}) == MeterReading(
        timestamp=WHEN, energy_wh=Decimal("1234.5"), context="Sample.Periodic"
    )


@pytest.mark.parametrize(
    ("sample", "expected"),
    [
        ({"value": "12.5", "unit": "kWh"}, {"energy_wh": Decimal("12500.0")}),
        ({"value": "7", "unit": "Wh"}, {"energy_wh": Decimal(7)}),
        ({"value": "7400", "measurand": "Power.Active.Import", "unit": "W"}, {"power_w": Decimal(7400)}),
        ({"value": "7.4", "measurand": "Power.Active.Import", "unit": "kW"}, {"power_w": Decimal("7400.0")}),
        ({"value": "3500", "measurand": "Power.Active.Import"}, {"power_w": Decimal(3500)}),
        ({"value": "16", "measurand": "Current.Import", "unit": "A"}, {"current_a": Decimal(16)}),
        ({"value": "16", "measurand": "Current.Import"}, {"current_a": Decimal(16)}),
        ({"value": "55", "measurand": "SoC", "unit": "Percent", "location": "EV"}, {"soc": Decimal(55)}),
    ],
)
def test_1_6_units(sample: dict[str, Any], expected: dict[str, Decimal]) -> None:
    reading = one_16(sample)
    quantities = {
        name: getattr(reading, name)
        for name in ("energy_wh", "power_w", "current_a", "soc")
        if getattr(reading, name) is not None
    }
    assert quantities == expected


def test_1_6_one_reading_per_meter_value_with_every_quantity_and_the_first_samples_context() -> None:
    readings = readings_16(
        [
            entry(
                {"value": "10", "context": "Transaction.Begin"},
                {"value": "11000", "measurand": "Power.Active.Import", "unit": "W", "context": "Trigger"},
                {"value": "31", "measurand": "SoC", "unit": "Percent", "location": "EV"},
                {"value": "230", "measurand": "Voltage", "unit": "V"},
            ),
            entry({"value": "2.5", "unit": "kWh"}, timestamp="2026-03-01T10:05:00+01:00"),
        ]
    )
    assert readings == (
        MeterReading(
            timestamp=WHEN,
            energy_wh=Decimal(10),
            power_w=Decimal(11000),
            soc=Decimal(31),
            context="Transaction.Begin",
        ),
        MeterReading(
            timestamp=datetime(2026, 3, 1, 9, 5, tzinfo=UTC),
            energy_wh=Decimal("2500.0"),
            context="Sample.Periodic",
        ),
    )


def test_1_6_phases_are_summed_when_there_is_no_total() -> None:
    phases = [
        {"value": "1000", "phase": "L1"},
        {"value": "2000", "phase": "L2-N"},
        {"value": "3000", "phase": "L3"},
        {"value": "999", "phase": "N"},
        {"value": "999", "phase": "L1-L2"},
    ]
    assert one_16(*phases).energy_wh == Decimal(6000)
    assert one_16(*phases, {"value": "5000"}).energy_wh == Decimal(5000)
    power = [{**p, "measurand": "Power.Active.Import", "unit": "kW"} for p in phases[:3]]
    assert one_16(*power).power_w == Decimal(6000000)


def test_1_6_current_is_the_highest_phase() -> None:
    currents = [
        {"value": v, "measurand": "Current.Import", "phase": p}
        for v, p in [("15.5", "L1"), ("16.2", "L2"), ("14", "L3")]
    ]
    assert one_16(*currents).current_a == Decimal("16.2")


def test_1_6_energy_counts_only_at_the_outlet() -> None:
    reading = one_16({"value": "90000", "location": "Inlet"}, {"value": "1500", "location": "Outlet"})
    assert reading.energy_wh == Decimal(1500)
    assert readings_16([entry({"value": "90000", "location": "Inlet"})]) == ()
    assert readings_16([entry({"value": "16", "measurand": "Current.Import", "location": "Cable"})]) == ()


def test_1_6_signed_data_unparsable_values_and_wrong_units_are_skipped(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, "adapters.ocpp.meter")
    reading = one_16(
        {"value": "c2lnbmVk", "format": "SignedData"},
        {"value": "not a number"},
        {"value": "NaN"},
        {"value": "16", "unit": "A"},
        {"value": "42", "unit": "Wh", "format": "Raw"},
    )
    assert reading.energy_wh == Decimal(42)
    assert "'not a number' is not a number" in caplog.text
    assert "unit 'A' does not fit" in caplog.text


def test_1_6_entries_with_an_unreadable_timestamp_are_skipped(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, "adapters.ocpp.meter")
    readings = readings_16([entry({"value": "1"}, timestamp="yesterday"), entry({"value": "2"}), "junk"])
    assert [r.energy_wh for r in readings] == [Decimal(2)]
    assert "unreadable timestamp 'yesterday'" in caplog.text
    assert readings_16(None) == ()


def test_entries_without_any_quantity_give_no_reading() -> None:
    voltage = {"value": "230", "measurand": "Voltage", "unit": "V"}
    assert readings_16([entry(voltage), entry({"value": "x"}), entry()]) == ()
    assert readings_201([entry({**voltage, "value": 230}), entry({"value": 1})]) == (
        MeterReading(WHEN, energy_wh=Decimal(1), context="Sample.Periodic"),
    )


# -- 2.0.1 ---------------------------------------------------------------------------------------------------


def test_2_0_1_numbers_with_multipliers() -> None:
    assert one_201({"value": 12.5}).energy_wh == Decimal("12.5")
    assert one_201({"value": 12.5, "unit_of_measure": {"unit": "Wh", "multiplier": 3}}).energy_wh == Decimal(
        "12500.0"
    )
    assert one_201({"value": 7, "unit_of_measure": {"unit": "kWh", "multiplier": -1}}).energy_wh == Decimal(
        "700.0"
    )
    power = {
        "value": 74,
        "measurand": "Power.Active.Import",
        "unit_of_measure": {"unit": "W", "multiplier": 2},
    }
    assert one_201(power).power_w == Decimal(7400)
    assert (
        one_201({"value": 16, "measurand": "Current.Import", "unit_of_measure": {"unit": "A"}}).current_a
        == 16
    )


def test_2_0_1_signed_values_keep_their_number_and_phases_sum() -> None:
    reading = one_201(
        {
            "value": 1.5,
            "context": "Transaction.End",
            "phase": "L1",
            "unit_of_measure": {"unit": "kWh"},
            "signed_meter_value": {"signed_meter_data": "x", "signing_method": "y", "encoding_method": "z"},
        },
        {"value": 1.5, "phase": "L2", "unit_of_measure": {"unit": "kWh"}},
        {"value": 40, "measurand": "SoC", "location": "EV", "unit_of_measure": {"unit": "Percent"}},
    )
    assert reading == MeterReading(
        timestamp=WHEN, energy_wh=Decimal("3000.0"), soc=Decimal(40), context="Transaction.End"
    )


def test_2_0_1_bad_values_are_skipped(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, "adapters.ocpp.meter")
    reading = one_201(
        {"value": "12"},
        {"value": True},
        {"value": 5, "unit_of_measure": {"unit": "Wh", "multiplier": 1.5}},
        {"value": 5, "unit_of_measure": {"unit": "kvarh"}},
        {"value": 9},
    )
    assert reading.energy_wh == Decimal(9)
    assert "multiplier 1.5 is not an integer" in caplog.text


# -- properties ----------------------------------------------------------------------------------------------

WH = st.decimals(min_value=0, max_value=10**9, places=3, allow_nan=False, allow_infinity=False)


@given(WH, st.integers(min_value=-3, max_value=6))
def test_2_0_1_the_multiplier_scales_by_powers_of_ten(value: Decimal, multiplier: int) -> None:
    scaled = one_201({"value": float(value), "unit_of_measure": {"unit": "Wh", "multiplier": multiplier}})
    assert scaled.energy_wh == Decimal(str(float(value))) * Decimal(10) ** multiplier


@given(WH)
def test_1_6_kwh_and_wh_give_the_same_register(value_wh: Decimal) -> None:
    in_wh = one_16({"value": str(value_wh), "unit": "Wh"})
    in_kwh = one_16({"value": str(value_wh / 1000), "unit": "kWh"})
    assert in_wh.energy_wh == in_kwh.energy_wh == value_wh


@given(st.lists(WH, min_size=1, max_size=3), st.booleans())
def test_the_phase_sum_is_the_register_when_no_total_is_given(phases: list[Decimal], neutral: bool) -> None:
    names = ["L1-N", "L2-N", "L3-N"] if neutral else ["L1", "L2", "L3"]
    samples = [{"value": str(v), "phase": n} for v, n in zip(phases, names, strict=False)]
    assert one_16(*samples).energy_wh == sum(phases, Decimal(0))
    assert one_201(*({**s, "value": float(s["value"])} for s in samples)).energy_wh == sum(
        (Decimal(str(float(v))) for v in phases), Decimal(0)
    )
