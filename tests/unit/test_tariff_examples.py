"""The Tariffs chapter's examples (tariff_*.json, tariffrestriction_*.json) parse and round-trip through the
wire models (mod_tariffs_tariff_object); the field constraints of Tariff, TariffElement, PriceComponent,
TariffRestrictions and EnergyMix (mod_locations_energymix_class)."""

from __future__ import annotations

import copy
import json
from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from hub.ocpi.v221.energy_mix import EnergySourceCategory, EnvironmentalImpactCategory
from hub.ocpi.v221.tariffs import (
    DayOfWeek,
    PriceComponent,
    ReservationRestrictionType,
    Tariff,
    TariffDimensionType,
    TariffRestrictions,
    TariffType,
)
from tests.spec import EXAMPLES

# tariff_put_example.json is left out: it has no last_updated (see the test below).
TARIFF_EXAMPLES = sorted(
    path.name
    for path in [*EXAMPLES.glob("tariff_*.json"), *EXAMPLES.glob("tariffrestriction_*.json")]
    if path.name != "tariff_put_example.json"
)


def load(name: str) -> Any:
    return json.loads((EXAMPLES / name).read_text(encoding="utf-8"), parse_float=Decimal)


def numeric(value: Any) -> Any:
    """JSON data with every number as a Decimal, so 0.50 == 0.5 and 2 == 2.0."""
    if isinstance(value, dict):
        return {key: numeric(item) for key, item in value.items()}
    if isinstance(value, list):
        return [numeric(item) for item in value]
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return value
    return Decimal(str(value))


def errors(body: Any) -> list[tuple[tuple[int | str, ...], str]]:
    with pytest.raises(ValidationError) as caught:
        Tariff.model_validate(body)
    return [(tuple(error["loc"]), error["type"]) for error in caught.value.errors()]


def test_every_tariff_example_is_covered() -> None:
    assert len(TARIFF_EXAMPLES) == 19


@pytest.mark.parametrize("name", TARIFF_EXAMPLES)
def test_tariff_example_round_trips(name: str) -> None:
    original = load(name)

    dumped = Tariff.model_validate(original).model_dump(mode="json", exclude_none=True)

    assert numeric(dumped) == numeric(original)


def test_numbers_are_decimal_inside_and_json_numbers_outside() -> None:
    tariff = Tariff.model_validate(json.loads((EXAMPLES / "tariff_4_complex.json").read_text()))

    component = tariff.elements[1].price_components[0]
    restrictions = tariff.elements[1].restrictions
    assert restrictions is not None
    assert (component.price, component.vat, restrictions.max_current) == (
        Decimal("1.00"),
        Decimal("20.0"),
        Decimal(32),
    )
    assert type(component.price) is Decimal
    dumped = tariff.model_dump(mode="json")
    assert isinstance(dumped["elements"][1]["price_components"][0]["price"], float)


def test_tariff_put_example_lacks_required_last_updated() -> None:
    # Digest 17: "tariff_put_example has no last_updated", a documented mistake of the example; the Tariff
    # object says last_updated DateTime, cardinality 1.
    assert errors(load("tariff_put_example.json")) == [(("last_updated",), "missing")]


def test_tariff_5_free_of_charge_step_size_zero_is_accepted_for_flat() -> None:
    # Digest 17 lists step_size 0 in tariff_5 as an example mistake. It is the spec's own Free of Charge
    # tariff, and "every type (except FLAT) defines a step_size multiplier", so 0 is accepted on FLAT only.
    tariff = Tariff.model_validate(load("tariff_5_free_of_charge.json"))

    assert tariff.elements[0].price_components[0].step_size == 0


@pytest.mark.parametrize("kind", ["ENERGY", "TIME", "PARKING_TIME"])
def test_step_size_zero_is_refused_outside_flat(kind: str) -> None:
    with pytest.raises(ValidationError) as caught:
        PriceComponent.model_validate({"type": kind, "price": 1, "step_size": 0})

    (error,) = caught.value.errors()
    assert error["loc"] == ("step_size",)
    assert error["msg"] == f"Value error, must be at least 1 for a {kind} price component"


def test_negative_step_size_is_refused() -> None:
    with pytest.raises(ValidationError) as caught:
        PriceComponent.model_validate({"type": "FLAT", "price": 1, "step_size": -1})

    assert [error["type"] for error in caught.value.errors()] == ["greater_than_equal"]


@pytest.mark.parametrize("name", sorted(p.name for p in EXAMPLES.glob("location_energymix_example_*.json")))
def test_energy_mix_examples_round_trip_inside_a_tariff(name: str) -> None:
    original = load("tariff_8_simple_025kwh.json") | load(name)

    dumped = Tariff.model_validate(original).model_dump(mode="json", exclude_none=True)

    assert numeric(dumped) == numeric(original)


def test_energy_source_percentage_is_0_to_100() -> None:
    body = load("tariff_8_simple_025kwh.json") | {
        "energy_mix": {"is_green_energy": False, "energy_sources": [{"source": "SOLAR", "percentage": 101}]}
    }

    assert errors(body) == [(("energy_mix", "energy_sources", 0, "percentage"), "less_than_equal")]


# --- constraints ---------------------------------------------------------------------------------------


def mutated(change: dict[str, Any], *path: int | str) -> Any:
    """tariff_4_complex with `change` merged into the object at `path`."""
    body = copy.deepcopy(load("tariff_4_complex.json"))
    target = body
    for key in path:
        target = target[key]
    target.update(change)
    return body


def test_tariff_without_elements_is_refused() -> None:
    # elements is `+`: a tariff with no elements says nothing about the price.
    assert errors(mutated({"elements": []})) == [(("elements",), "too_short")]


def test_element_without_price_components_is_refused() -> None:
    assert errors(mutated({"price_components": []}, "elements", 0)) == [
        (("elements", 0, "price_components"), "too_short")
    ]


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ("24:00", "string_pattern_mismatch"),
        ("7:00", "string_pattern_mismatch"),
        ("07:60", "string_pattern_mismatch"),
        ("0700", "string_pattern_mismatch"),
        ("07:00:00", "string_too_long"),  # string(5)
    ],
)
def test_time_of_day_must_match_the_spec_regex(value: str, kind: str) -> None:
    assert errors(mutated({"start_time": value}, "elements", 4, "restrictions")) == [
        (("elements", 4, "restrictions", "start_time"), kind)
    ]


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ("2019-2-01", "string_pattern_mismatch"),
        ("2019-13-01", "string_pattern_mismatch"),
        ("2019-02-30", "value_error"),
    ],
)
def test_dates_must_be_yyyy_mm_dd_calendar_days(value: str, kind: str) -> None:
    assert errors(mutated({"end_date": value}, "elements", 4, "restrictions")) == [
        (("elements", 4, "restrictions", "end_date"), kind)
    ]


def test_valid_dates_and_times_are_kept_as_written() -> None:
    restrictions = TariffRestrictions.model_validate(
        {"start_time": "00:00", "end_time": "23:59", "start_date": "2024-02-29"}
    )

    assert (restrictions.start_time, restrictions.end_time, restrictions.start_date) == (
        "00:00",
        "23:59",
        "2024-02-29",
    )


@pytest.mark.parametrize(
    ("change", "path", "location", "kind"),
    [
        (
            {"type": "KWH"},
            ("elements", 0, "price_components", 0),
            ("elements", 0, "price_components", 0, "type"),
            "enum",
        ),
        (
            {"vat": -1},
            ("elements", 0, "price_components", 0),
            ("elements", 0, "price_components", 0, "vat"),
            "greater_than_equal",
        ),
        (
            {"price": "NaN"},
            ("elements", 0, "price_components", 0),
            ("elements", 0, "price_components", 0, "price"),
            "finite_number",
        ),
        (
            {"day_of_week": ["MON"]},
            ("elements", 2, "restrictions"),
            ("elements", 2, "restrictions", "day_of_week", 0),
            "enum",
        ),
        (
            {"reservation": "YES"},
            ("elements", 2, "restrictions"),
            ("elements", 2, "restrictions", "reservation"),
            "enum",
        ),
        (
            {"min_duration": 1.5},
            ("elements", 2, "restrictions"),
            ("elements", 2, "restrictions", "min_duration"),
            "int_from_float",
        ),
        ({"currency": "EURO"}, (), ("currency",), "string_too_long"),
        ({"id": "x" * 37}, (), ("id",), "string_too_long"),
        ({"type": "CHEAP"}, (), ("type",), "enum"),
        ({"party_id": "AL"}, (), ("party_id",), "string_too_short"),
    ],
)
def test_field_constraints(
    change: dict[str, Any], path: tuple[int | str, ...], location: tuple[int | str, ...], kind: str
) -> None:
    assert errors(mutated(change, *path)) == [(location, kind)]


def test_unknown_fields_are_ignored() -> None:
    tariff = Tariff.model_validate(mutated({"surcharge": 12}) | {"x_vendor": {"a": 1}})

    assert "surcharge" not in tariff.model_dump()


def test_enums_hold_exactly_the_spec_values() -> None:
    assert [d.value for d in DayOfWeek] == [
        "MONDAY",
        "TUESDAY",
        "WEDNESDAY",
        "THURSDAY",
        "FRIDAY",
        "SATURDAY",
        "SUNDAY",
    ]
    assert {t.value for t in TariffDimensionType} == {"ENERGY", "FLAT", "PARKING_TIME", "TIME"}
    assert {t.value for t in TariffType} == {
        "AD_HOC_PAYMENT",
        "PROFILE_CHEAP",
        "PROFILE_FAST",
        "PROFILE_GREEN",
        "REGULAR",
    }
    assert {t.value for t in ReservationRestrictionType} == {"RESERVATION", "RESERVATION_EXPIRES"}
    assert {c.value for c in EnergySourceCategory} == {
        "NUCLEAR",
        "GENERAL_FOSSIL",
        "COAL",
        "GAS",
        "GENERAL_GREEN",
        "SOLAR",
        "WIND",
        "WATER",
    }
    assert {c.value for c in EnvironmentalImpactCategory} == {"NUCLEAR_WASTE", "CARBON_DIOXIDE"}
