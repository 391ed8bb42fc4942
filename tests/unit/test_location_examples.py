"""Every location_*.json example of mod_locations.asciidoc parses and round-trips through the wire models
in hub.ocpi.v221.locations; PATCH bodies through the Patch models; the documented defective example fails
exactly as the digest (section 17) describes."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from hub.ocpi.envelope import dump
from hub.ocpi.v221.locations import (
    EVSE,
    Capability,
    Connector,
    ConnectorFormat,
    ConnectorPatch,
    ConnectorType,
    EnergyMix,
    EVSEPatch,
    Hours,
    Location,
    LocationPatch,
    ParkingRestriction,
    ParkingType,
    PowerType,
    PublishTokenType,
    Status,
)
from hub.ocpi.v221.token_types import TokenType
from tests.spec import EXAMPLES

CI_STRING_KEYS = {"country_code", "party_id"}

LOCATION_EXAMPLES = [
    "location_example.json",
    "location_example_parking_garage_opening_hours.json",
    "location_example_uc2_destination_charger.json",
    "location_example_uc3_destination_charger_not_published.json",
    "location_example_uc4_limited_visibility.json",
    "location_example_uc5_home_charge_point.json",
]
HOURS_EXAMPLES = [
    "location_hours_247_open_exception_closing.json",
    "location_hours_opening_hours_with_exceptional_closing.json",
    "location_hours_opening_hours_with_exceptional_opening.json",
]
# Fragments of a Location: {"<field>": <value>}, the value parsed with the field's class.
FRAGMENT_EXAMPLES: list[tuple[str, str, type[BaseModel]]] = [
    ("location_energymix_example_simple.json", "energy_mix", EnergyMix),
    ("location_energymix_example_energy_provider.json", "energy_mix", EnergyMix),
    ("location_energymix_example_complete.json", "energy_mix", EnergyMix),
    ("location_regularhours_example.json", "opening_times", Hours),
]
# PATCH bodies, with the model their URL in mod_locations.asciidoc selects.
PATCH_EXAMPLES: list[tuple[str, type[BaseModel]]] = [
    ("location_patch_example_location.json", LocationPatch),  # .../locations/NL/TNM/1012
    ("location_patch_example_status.json", EVSEPatch),  # .../1012/3255
    ("location_patch_example_remove_evse.json", EVSEPatch),  # .../1012/3256
    ("location_patch_example_tariff.json", ConnectorPatch),  # .../1012/3255/2
]
DEFECTIVE_EXAMPLE = "location_put_example_add_evse.json"
FULL_MODELS: dict[type[BaseModel], type[BaseModel]] = {
    LocationPatch: Location,
    EVSEPatch: EVSE,
    ConnectorPatch: Connector,
}


def load(name: str) -> Any:
    return json.loads((EXAMPLES / name).read_text(encoding="utf-8"))


def upper_ci_strings(value: Any) -> Any:
    """The example as we emit it: normalised CiString party identifiers are upper-cased."""
    if isinstance(value, dict):
        return {
            key: item.upper() if key in CI_STRING_KEYS and isinstance(item, str) else upper_ci_strings(item)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [upper_ci_strings(item) for item in value]
    return value


def lower_ci_strings(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            key: item.lower() if key in CI_STRING_KEYS and isinstance(item, str) else lower_ci_strings(item)
            for key, item in value.items()
        }
    return value


def test_every_location_example_is_covered() -> None:
    covered = {
        *LOCATION_EXAMPLES,
        *HOURS_EXAMPLES,
        *(name for name, _, _ in FRAGMENT_EXAMPLES),
        *(name for name, _ in PATCH_EXAMPLES),
        DEFECTIVE_EXAMPLE,
    }

    assert {path.name for path in EXAMPLES.glob("location_*.json")} == covered


# --- full Location objects ------------------------------------------------------------------------


@pytest.mark.parametrize("name", LOCATION_EXAMPLES)
def test_location_example_round_trips(name: str) -> None:
    original = load(name)

    location = Location.model_validate(original)

    assert dump(location) == upper_ci_strings(original)


@pytest.mark.parametrize("name", LOCATION_EXAMPLES)
def test_location_example_lower_case_party_upper_cased(name: str) -> None:
    original = load(name)

    location = Location.model_validate(lower_ci_strings(original))

    assert (location.country_code, location.party_id) == (original["country_code"], original["party_id"])
    assert dump(location) == upper_ci_strings(original)


def test_location_example_fields_parsed() -> None:
    location = Location.model_validate(load("location_example.json"))

    assert (location.country_code, location.party_id, location.id) == ("BE", "BEC", "LOC1")
    assert location.parking_type is ParkingType.ON_STREET
    assert location.last_updated == datetime(2015, 6, 29, 20, 39, 9, tzinfo=UTC)
    assert location.operator is not None
    assert location.operator.name == "BeCharged"
    assert location.evses is not None
    assert [(e.uid, e.status) for e in location.evses] == [
        ("3256", Status.AVAILABLE),
        ("3257", Status.RESERVED),
    ]
    evse = location.evses[0]
    assert evse.capabilities == [Capability.RESERVABLE]
    assert (evse.floor_level, evse.physical_reference) == ("-1", "1")
    assert [(c.id, c.format, c.tariff_ids) for c in evse.connectors] == [
        ("1", ConnectorFormat.CABLE, ["11"]),
        ("2", ConnectorFormat.SOCKET, ["13"]),
    ]
    connector = evse.connectors[0]
    assert connector.standard is ConnectorType.IEC_62196_T2
    assert connector.power_type is PowerType.AC_3_PHASE
    assert (connector.max_voltage, connector.max_amperage) == (220, 16)
    assert connector.last_updated == datetime(2015, 3, 16, 10, 10, 2, tzinfo=UTC)


def test_location_example_without_charging_when_closed_means_true() -> None:
    location = Location.model_validate(load("location_example.json"))

    assert location.charging_when_closed is None
    assert location.effective_charging_when_closed is True
    assert "charging_when_closed" not in dump(location)


def test_parking_garage_example_opening_hours_parsed() -> None:
    location = Location.model_validate(load("location_example_parking_garage_opening_hours.json"))

    assert location.charging_when_closed is True
    assert location.opening_times is not None
    assert location.opening_times.twentyfourseven is False
    assert location.opening_times.regular_hours is not None
    assert [(h.weekday, h.period_begin, h.period_end) for h in location.opening_times.regular_hours] == [
        (day, "07:00", "18:00") for day in range(1, 8)
    ]


def test_uc2_example_customers_only_parsed() -> None:
    location = Location.model_validate(load("location_example_uc2_destination_charger.json"))

    assert location.publish is True
    assert location.evses is not None
    assert location.evses[0].parking_restrictions == [ParkingRestriction.CUSTOMERS]


def test_uc3_example_unpublished_without_allow_list_parsed() -> None:
    location = Location.model_validate(load("location_example_uc3_destination_charger_not_published.json"))

    assert (location.publish, location.publish_allowed_to, location.parking_type) == (False, None, None)


def test_uc4_example_publish_allowed_to_parsed() -> None:
    location = Location.model_validate(load("location_example_uc4_limited_visibility.json"))

    assert location.publish is False
    assert location.publish_allowed_to == [
        PublishTokenType(visual_number="12345-67", issuer="NewMotion"),
        PublishTokenType(visual_number="0055375624", issuer="ANWB"),
        PublishTokenType(uid="12345678905880", type=TokenType.RFID),
    ]


def test_uc5_example_home_charge_point_without_name_parsed() -> None:
    location = Location.model_validate(load("location_example_uc5_home_charge_point.json"))

    assert location.name is None
    assert location.address == "Krautwigstraße 283A"
    assert location.parking_type is ParkingType.ON_DRIVEWAY


# --- Hours and Location fragments -----------------------------------------------------------------


@pytest.mark.parametrize("name", HOURS_EXAMPLES)
def test_hours_example_round_trips(name: str) -> None:
    original = load(name)

    assert dump(Hours.model_validate(original)) == original


def test_hours_247_example_exceptional_closing_parsed() -> None:
    hours = Hours.model_validate(load("location_hours_247_open_exception_closing.json"))

    assert (hours.twentyfourseven, hours.regular_hours) == (True, None)
    assert hours.exceptional_closings is not None
    assert [(p.period_begin, p.period_end) for p in hours.exceptional_closings] == [
        (datetime(2018, 12, 25, 3, tzinfo=UTC), datetime(2018, 12, 25, 5, tzinfo=UTC))
    ]


@pytest.mark.parametrize(("name", "field", "model"), FRAGMENT_EXAMPLES)
def test_location_fragment_example_round_trips(name: str, field: str, model: type[BaseModel]) -> None:
    original = load(name)
    assert list(original) == [field]

    parsed = model.model_validate(original[field])

    assert {field: dump(parsed)} == original


def test_regularhours_example_weekdays_parsed() -> None:
    hours = Hours.model_validate(load("location_regularhours_example.json")["opening_times"])

    assert hours.regular_hours is not None
    assert [h.weekday for h in hours.regular_hours] == [1, 2, 3, 4, 5]
    assert hours.exceptional_openings is not None
    assert hours.exceptional_openings[0].period_begin == datetime(2014, 6, 21, 9, tzinfo=UTC)


# --- PATCH bodies ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "model"), PATCH_EXAMPLES)
def test_patch_example_round_trips(name: str, model: type[BaseModel]) -> None:
    original = load(name)

    patch = model.model_validate(original)

    assert dump(patch) == original
    # The changes a receiver applies are exactly the fields that were sent.
    assert patch.model_fields_set == set(original)
    assert patch.model_dump(mode="json", exclude_unset=True) == original


@pytest.mark.parametrize(("name", "model"), PATCH_EXAMPLES)
def test_patch_example_is_not_a_full_object(name: str, model: type[BaseModel]) -> None:
    full = FULL_MODELS[model]

    with pytest.raises(ValidationError) as info:
        full.model_validate(load(name))

    assert {e["type"] for e in info.value.errors()} == {"missing"}


def test_patch_example_status_parsed() -> None:
    patch = EVSEPatch.model_validate(load("location_patch_example_status.json"))

    assert patch.status is Status.CHARGING
    assert patch.last_updated == datetime(2019, 6, 24, 12, 39, 9, tzinfo=UTC)


def test_patch_example_tariff_parsed() -> None:
    patch = ConnectorPatch.model_validate(load("location_patch_example_tariff.json"))

    assert patch.tariff_ids == ["15"]


# --- the documented defective example -------------------------------------------------------------


def test_put_example_add_evse_documented_mistakes_rejected() -> None:
    # Digest section 17: this example "uses `floor` (not `floor_level`), an int `physical_reference`,
    # and a connector missing required fields". A receiver must refuse it (the spec: "When not all
    # required fields are specified, the object may be discarded"); exactly these errors, no others.
    # `floor` is not one of them: unknown fields are ignored (OcpiModel, extra="ignore").
    with pytest.raises(ValidationError) as info:
        EVSE.model_validate(load(DEFECTIVE_EXAMPLE))

    assert [(e["loc"], e["type"]) for e in info.value.errors()] == [
        (("connectors", 0, "power_type"), "missing"),
        (("connectors", 0, "max_voltage"), "missing"),
        (("connectors", 0, "max_amperage"), "missing"),
        (("connectors", 0, "last_updated"), "missing"),
        (("physical_reference",), "string_type"),
    ]


def corrected_add_evse() -> dict[str, Any]:
    payload: dict[str, Any] = copy.deepcopy(load(DEFECTIVE_EXAMPLE))
    payload["physical_reference"] = "3"
    payload["connectors"][0].update(
        power_type="AC_3_PHASE", max_voltage=220, max_amperage=16, last_updated="2019-06-24T12:39:09Z"
    )
    return payload


def test_put_example_add_evse_misnamed_floor_ignored() -> None:
    # With only the two real errors fixed the EVSE parses, but the misnamed `floor` is dropped: it does
    # not become floor_level, and it is not passed on.
    payload = corrected_add_evse()

    evse = EVSE.model_validate(payload)

    assert evse.floor_level is None
    assert "floor" not in dump(evse)
    assert "floor_level" not in dump(evse)


def test_put_example_add_evse_corrected_round_trips() -> None:
    payload = corrected_add_evse()
    payload["floor_level"] = str(payload.pop("floor"))

    evse = EVSE.model_validate(payload)

    assert dump(evse) == payload
    assert (evse.uid, evse.floor_level, evse.physical_reference) == ("3256", "-1", "3")
