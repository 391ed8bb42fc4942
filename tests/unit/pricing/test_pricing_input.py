"""PricingInput, ChargingPeriod and CdrDimension (mod_cdrs_chargingperiod_class, mod_cdrs_cdrdimension_class):
what `ocpi-hub price` reads from a CDR."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from hub.ocpi.v221.cdrs import CdrDimension, CdrDimensionType, PricingInput
from tests.spec import EXAMPLES
from tests.unit.pricing.builders import cdr_dict, charging


def errors(body: Any) -> list[tuple[tuple[int | str, ...], str]]:
    with pytest.raises(ValidationError) as caught:
        PricingInput.model_validate(body)
    return [(tuple(error["loc"]), error["msg"]) for error in caught.value.errors()]


def test_spec_cdr_example_is_read_and_the_rest_ignored() -> None:
    session = PricingInput.model_validate(
        json.loads((EXAMPLES / "cdr_example.json").read_text(), parse_float=Decimal)
    )

    assert session.total_energy == Decimal("15.342")
    assert session.total_time == Decimal("1.973")
    assert session.total_parking_time is None
    assert session.cdr_location is not None
    assert session.cdr_location.id == "LOC1"
    (period,) = session.charging_periods
    assert (period.tariff_id, period.dimensions[0].type, period.dimensions[0].volume) == (
        "12",
        CdrDimensionType.TIME,
        Decimal("1.973"),
    )
    assert "cdr_token" not in session.model_dump()


def test_every_cdr_dimension_type_of_the_spec_is_known() -> None:
    assert {t.value for t in CdrDimensionType} == {
        "CURRENT", "ENERGY", "ENERGY_EXPORT", "ENERGY_IMPORT", "MAX_CURRENT", "MIN_CURRENT", "MAX_POWER",
        "MIN_POWER", "PARKING_TIME", "POWER", "RESERVATION_TIME", "STATE_OF_CHARGE", "TIME",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("kind", "volume", "ok"),
    [
        ("ENERGY", "-2.5", True),  # "When negative, more energy was feed into the grid"
        ("MIN_POWER", "-11", True),
        ("TIME", "-0.1", False),
        ("PARKING_TIME", "-0.1", False),
        ("RESERVATION_TIME", "-0.1", False),
        ("STATE_OF_CHARGE", "101", False),
        ("STATE_OF_CHARGE", "100", True),
    ],
)
def test_dimension_volume_range(kind: str, volume: str, ok: bool) -> None:
    body = {"type": kind, "volume": Decimal(volume)}
    if ok:
        assert CdrDimension.model_validate(body).volume == Decimal(volume)
    else:
        with pytest.raises(ValidationError) as caught:
            CdrDimension.model_validate(body)
        assert caught.value.errors()[0]["loc"] == ("volume",)


def test_charging_periods_need_at_least_one_period_with_one_dimension() -> None:
    body = cdr_dict("2024-01-08T10:00:00Z", charging(30, "5"))

    assert errors(body | {"charging_periods": []}) == [
        (("charging_periods",), "List should have at least 1 item after validation, not 0")
    ]
    body["charging_periods"][0]["dimensions"] = []
    assert errors(body) == [
        (("charging_periods", 0, "dimensions"), "List should have at least 1 item after validation, not 0")
    ]


def test_session_cannot_end_before_it_starts() -> None:
    body = cdr_dict("2024-01-08T10:00:00Z", charging(30, "5")) | {"end_date_time": "2024-01-08T09:00:00Z"}

    assert errors(body) == [(("end_date_time",), "Value error, is before start_date_time")]


def test_period_cannot_start_after_the_session_ends() -> None:
    body = cdr_dict("2024-01-08T10:00:00Z", charging(30, "5"))
    body["charging_periods"][0]["start_date_time"] = "2024-01-08T11:00:00Z"

    assert errors(body) == [
        (("charging_periods",), "Value error, charging_periods[0] starts after end_date_time")
    ]
