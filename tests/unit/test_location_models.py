"""Constraints of the Locations wire models (hub.ocpi.v221.locations): the spec's field tables and enums,
and bad input (wrong enum, missing field, coordinates, lengths, EVSE without connectors, PATCH without
last_updated), each refused with a ValidationError located at the offending field."""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from enum import StrEnum
from typing import Any, get_args, get_origin

import pytest
from pydantic import BaseModel, ValidationError

from hub.ocpi.envelope import dump
from hub.ocpi.v221 import locations
from hub.ocpi.v221.locations import (
    EVSE,
    AdditionalGeoLocation,
    BusinessDetails,
    Capability,
    Connector,
    ConnectorFormat,
    ConnectorPatch,
    ConnectorType,
    EnergyMix,
    EnergySource,
    EnergySourceCategory,
    EnvironmentalImpact,
    EnvironmentalImpactCategory,
    EVSEPatch,
    ExceptionalPeriod,
    Facility,
    GeoLocation,
    Hours,
    Image,
    ImageCategory,
    Location,
    LocationPatch,
    ParkingRestriction,
    ParkingType,
    PowerType,
    PublishTokenType,
    RegularHours,
    Status,
    StatusSchedule,
)
from hub.ocpi.v221.token_types import TokenType
from tests.spec import SPEC

LAST_UPDATED = "2019-06-24T12:39:09Z"


# --- a Location with every optional part present --------------------------------------------------


def connector(**changes: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "id": "1",
        "standard": "IEC_62196_T2",
        "format": "SOCKET",
        "power_type": "AC_3_PHASE",
        "max_voltage": 230,
        "max_amperage": 32,
        "max_electric_power": 22000,
        "tariff_ids": ["11", "12"],
        "terms_and_conditions": "https://example.com/terms",
        "last_updated": LAST_UPDATED,
    }
    payload.update(changes)
    return payload


def image() -> dict[str, Any]:
    return {
        "url": "https://example.com/img.png",
        "thumbnail": "https://example.com/thumb.png",
        "category": "CHARGER",
        "type": "png",
        "width": 800,
        "height": 600,
    }


def evse(**changes: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "uid": "3256",
        "evse_id": "BE*BEC*E041503001",
        "status": "AVAILABLE",
        "status_schedule": [
            {
                "period_begin": "2019-06-01T00:00:00Z",
                "period_end": "2019-07-01T00:00:00Z",
                "status": "PLANNED",
            }
        ],
        "capabilities": ["RESERVABLE", "RFID_READER"],
        "connectors": [connector(), connector(id="2", format="CABLE")],
        "floor_level": "-1",
        "coordinates": {"latitude": "51.047599", "longitude": "3.729944"},
        "physical_reference": "1",
        "directions": [{"language": "en", "text": "Second bay on the left"}],
        "parking_restrictions": ["EV_ONLY"],
        "images": [image()],
        "last_updated": LAST_UPDATED,
    }
    payload.update(changes)
    return payload


def full_location(**changes: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "country_code": "BE",
        "party_id": "BEC",
        "id": "LOC1",
        "publish": False,
        "publish_allowed_to": [
            {
                "uid": "12345678905880",
                "type": "RFID",
                "visual_number": "0055375624",
                "issuer": "ANWB",
                "group_id": "GROUP0",
            },
            {"visual_number": "12345-67", "issuer": "NewMotion"},
            {"group_id": "GROUP1"},
        ],
        "name": "Gent Zuid",
        "address": "F.Rooseveltlaan 3A",
        "city": "Gent",
        "postal_code": "9000",
        "state": "Oost-Vlaanderen",
        "country": "BEL",
        "coordinates": {"latitude": "51.047599", "longitude": "3.729944"},
        "related_locations": [
            {"latitude": "51.047600", "longitude": "3.729950", "name": {"language": "nl", "text": "Ingang"}}
        ],
        "parking_type": "ON_STREET",
        "evses": [evse(), evse(uid="3257", evse_id="BE*BEC*E041503002")],
        "directions": [{"language": "en", "text": "Next to the station"}],
        "operator": {"name": "BeCharged", "website": "https://becharged.example", "logo": image()},
        "suboperator": {"name": "Sub"},
        "owner": {"name": "Owner", "logo": image()},
        "facilities": ["TRAIN_STATION", "CAFE"],
        "time_zone": "Europe/Brussels",
        "opening_times": {
            "twentyfourseven": False,
            "regular_hours": [{"weekday": 1, "period_begin": "07:00", "period_end": "18:00"}],
            "exceptional_openings": [
                {"period_begin": "2019-06-22T09:00:00Z", "period_end": "2019-06-22T12:00:00Z"}
            ],
            "exceptional_closings": [
                {"period_begin": "2019-06-24T00:00:00Z", "period_end": "2019-06-25T00:00:00Z"}
            ],
        },
        "charging_when_closed": False,
        "images": [image()],
        "energy_mix": {
            "is_green_energy": False,
            "energy_sources": [{"source": "GENERAL_GREEN", "percentage": 35.9}],
            "environ_impact": [{"category": "CARBON_DIOXIDE", "amount": 372}],
            "supplier_name": "E.ON Energy Deutschland",
            "energy_product_name": "E.ON DirektStrom eco",
        },
        "last_updated": LAST_UPDATED,
    }
    payload.update(changes)
    return payload


def put(payload: dict[str, Any], path: tuple[str | int, ...], value: Any) -> dict[str, Any]:
    """A copy of payload with the value at path replaced."""
    result = copy.deepcopy(payload)
    target: Any = result
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return result


def drop(payload: dict[str, Any], path: tuple[str | int, ...]) -> dict[str, Any]:
    result = copy.deepcopy(payload)
    target: Any = result
    for step in path[:-1]:
        target = target[step]
    del target[path[-1]]
    return result


def error_locs(info: pytest.ExceptionInfo[ValidationError]) -> list[tuple[str | int, ...]]:
    return [tuple(e["loc"]) for e in info.value.errors()]


def test_full_location_round_trips() -> None:
    payload = full_location()

    assert dump(Location.model_validate(payload)) == payload


def test_models_frozen() -> None:
    location = Location.model_validate(full_location())

    with pytest.raises(ValidationError) as info:
        location.name = "changed"  # type: ignore[misc]

    assert info.value.errors()[0]["type"] == "frozen_instance"


# --- conformance with the spec's tables (mod_locations.asciidoc) ----------------------------------

_CELL = re.compile(r"(?<!\\)\|")
_LENGTH = re.compile(r"(?:string|CiString)>>\((\d+)\)")


def spec_table(anchor: str, chapter: str = "mod_locations.asciidoc") -> list[list[str]]:
    """The rows (cells stripped) of the first table after [[anchor]], header row excluded."""
    text = (SPEC / chapter).read_text(encoding="utf-8")
    section = text[text.index(f"[[{anchor}]]") :]
    start = section.index("|===\n") + len("|===\n")
    body = section[start : section.index("|===", start)]
    rows = [
        [cell.strip() for cell in _CELL.split(line)[1:]] for line in body.splitlines() if line.startswith("|")
    ]
    return rows[1:]


CLASSES: list[tuple[str, type[BaseModel]]] = [
    ("mod_locations_location_object", Location),
    ("mod_locations_evse_object", EVSE),
    ("mod_locations_connector_object", Connector),
    ("mod_locations_additionalgeolocation_class", AdditionalGeoLocation),
    ("mod_locations_businessdetails_class", BusinessDetails),
    ("mod_locations_energymix_class", EnergyMix),
    ("mod_locations_energysource_class", EnergySource),
    ("mod_locations_environmentalimpact_class", EnvironmentalImpact),
    ("mod_locations_exceptionalperiod_class", ExceptionalPeriod),
    ("mod_locations_geolocation_class", GeoLocation),
    ("mod_locations_hours_class", Hours),
    ("mod_locations_image_class", Image),
    ("mod_locations_publish_token_class", PublishTokenType),
    ("mod_locations_regularhours_class", RegularHours),
    ("mod_locations_statusschedule_class", StatusSchedule),
]

ENUMS: list[tuple[str, type[StrEnum], str]] = [
    ("mod_locations_capability_enum", Capability, "mod_locations.asciidoc"),
    ("mod_locations_connectorformat_enum", ConnectorFormat, "mod_locations.asciidoc"),
    ("mod_locations_connectortype_enum", ConnectorType, "mod_locations.asciidoc"),
    ("mod_locations_energysourcecategory_enum", EnergySourceCategory, "mod_locations.asciidoc"),
    ("mod_locations_environmentalimpactcategory_enum", EnvironmentalImpactCategory, "mod_locations.asciidoc"),
    ("mod_locations_facility_enum", Facility, "mod_locations.asciidoc"),
    ("mod_locations_imagecategory_enum", ImageCategory, "mod_locations.asciidoc"),
    ("mod_locations_parkingrestriction_enum", ParkingRestriction, "mod_locations.asciidoc"),
    ("mod_locations_parkingtype_enum", ParkingType, "mod_locations.asciidoc"),
    ("mod_locations_powertype_enum", PowerType, "mod_locations.asciidoc"),
    ("mod_locations_status_enum", Status, "mod_locations.asciidoc"),
    ("mod_tokens_tokentype_enum", TokenType, "mod_tokens.asciidoc"),
]


def test_every_spec_class_and_enum_of_the_chapter_checked() -> None:
    text = (SPEC / "mod_locations.asciidoc").read_text(encoding="utf-8")
    anchors = set(re.findall(r"\[\[(mod_locations_\w+_(?:object|class|enum))\]\]", text))

    assert anchors == {anchor for anchor, _ in CLASSES} | {
        a for a, _, c in ENUMS if c == "mod_locations.asciidoc"
    }


@pytest.mark.parametrize(("anchor", "model"), CLASSES, ids=[model.__name__ for _, model in CLASSES])
def test_model_fields_match_spec_table(anchor: str, model: type[BaseModel]) -> None:
    rows = spec_table(anchor)
    fields = model.model_fields

    assert list(fields) == [row[0] for row in rows]
    for name, _, card, *_ in rows:
        field = fields[name]
        assert field.is_required() is (card in {"1", "+"}), name
        annotation = field.annotation
        is_list = get_origin(annotation) is list or any(get_origin(a) is list for a in get_args(annotation))
        assert is_list is (card in {"*", "+"}), name


@pytest.mark.parametrize(("anchor", "enum", "chapter"), ENUMS, ids=[enum.__name__ for _, enum, _ in ENUMS])
def test_enum_values_match_spec_table(anchor: str, enum: type[StrEnum], chapter: str) -> None:
    values = [row[0] for row in spec_table(anchor, chapter)]

    assert [member.value for member in enum] == values
    assert [member.name for member in enum] == values


def test_connector_type_has_all_40_values() -> None:
    assert len(ConnectorType) == 40
    assert ConnectorType("IEC_60309_2_single_16") is ConnectorType.IEC_60309_2_single_16


# Where each class sits in full_location(), to test its string lengths in place.
CLASS_PATHS: dict[str, tuple[str | int, ...]] = {
    "mod_locations_location_object": (),
    "mod_locations_evse_object": ("evses", 0),
    "mod_locations_connector_object": ("evses", 0, "connectors", 0),
    "mod_locations_additionalgeolocation_class": ("related_locations", 0),
    "mod_locations_businessdetails_class": ("operator",),
    "mod_locations_energymix_class": ("energy_mix",),
    "mod_locations_image_class": ("images", 0),
    "mod_locations_publish_token_class": ("publish_allowed_to", 0),
}
# Lengths deliberately not the d2 table's: ERRATA (release-2.2.1-bugfixes), accepted when receiving.
ERRATA_LENGTHS = {
    ("mod_locations_location_object", "address"): 255,
    ("mod_locations_location_object", "state"): 45,
}
# Bounded by a regex instead (GeoLocation: see locations.py; RegularHours: "HH:MM").
REGEX_BOUNDED = {"latitude", "longitude", "period_begin", "period_end"}


def spec_lengths() -> list[tuple[str, str, int, bool]]:
    """(anchor, field, max length, is a list) for every string(n)/CiString(n)/URL field with a path."""
    result = []
    for anchor in CLASS_PATHS:
        for name, type_text, card, *_ in spec_table(anchor):
            if name in REGEX_BOUNDED:
                continue
            match = _LENGTH.search(type_text)
            length = int(match.group(1)) if match else 255 if "types_url_type" in type_text else None
            if length is not None:
                length = ERRATA_LENGTHS.get((anchor, name), length)
                result.append((anchor, name, length, card in {"*", "+"}))
    return result


SPEC_LENGTHS = spec_lengths()


def test_spec_lengths_found() -> None:
    # Guards the parser: Location alone has 10 length-bounded fields in the table.
    assert len([row for row in SPEC_LENGTHS if row[0] == "mod_locations_location_object"]) == 10
    assert ("mod_locations_location_object", "address", 255, False) in SPEC_LENGTHS
    assert ("mod_locations_connector_object", "tariff_ids", 36, True) in SPEC_LENGTHS


@pytest.mark.parametrize(
    ("anchor", "name", "length", "is_list"),
    SPEC_LENGTHS,
    ids=[f"{a.split('_')[2]}.{n}" for a, n, _, _ in SPEC_LENGTHS],
)
def test_string_at_max_length_accepted(anchor: str, name: str, length: int, is_list: bool) -> None:
    value = "X" * length
    path = (*CLASS_PATHS[anchor], name)

    location = Location.model_validate(put(full_location(), path, [value] if is_list else value))

    target: Any = location.model_dump()
    for step in path:
        target = target[step]
    assert target == ([value] if is_list else value)


@pytest.mark.parametrize(
    ("anchor", "name", "length", "is_list"),
    SPEC_LENGTHS,
    ids=[f"{a.split('_')[2]}.{n}" for a, n, _, _ in SPEC_LENGTHS],
)
def test_string_over_max_length_rejected(anchor: str, name: str, length: int, is_list: bool) -> None:
    value = "X" * (length + 1)
    path = (*CLASS_PATHS[anchor], name)

    with pytest.raises(ValidationError) as info:
        Location.model_validate(put(full_location(), path, [value] if is_list else value))

    assert error_locs(info) == [(*path, 0) if is_list else path]
    assert info.value.errors()[0]["type"] == "string_too_long"


@pytest.mark.parametrize(("field", "d2_length"), [("address", 45), ("state", 20)])
def test_location_errata_length_over_d2_accepted(field: str, d2_length: int) -> None:
    value = "a" * (d2_length + 1)

    assert getattr(Location.model_validate(full_location(**{field: value})), field) == value


# --- wrong enum values ----------------------------------------------------------------------------

WRONG_ENUMS: list[tuple[tuple[str | int, ...], Any]] = [
    (("parking_type",), "STREET"),
    (("parking_type",), "on_street"),
    (("facilities", 1), "COFFEE"),
    (("images", 0, "category"), "PHOTO"),
    (("publish_allowed_to", 0, "type"), "RFID_CARD"),
    (("evses", 0, "status"), "available"),
    (("evses", 0, "status"), "OUT_OF_ORDER"),
    (("evses", 0, "status_schedule", 0, "status"), "OPEN"),
    (("evses", 0, "capabilities", 0), "RESERVE"),
    (("evses", 0, "parking_restrictions", 0), "EV"),
    (("evses", 0, "connectors", 0, "standard"), "IEC_60309_2_SINGLE_16"),
    (("evses", 0, "connectors", 0, "standard"), "TYPE2"),
    (("evses", 0, "connectors", 0, "format"), "PLUG"),
    (("evses", 0, "connectors", 0, "power_type"), "AC"),
]


@pytest.mark.parametrize(("path", "value"), WRONG_ENUMS)
def test_wrong_enum_value_rejected(path: tuple[str | int, ...], value: Any) -> None:
    with pytest.raises(ValidationError) as info:
        Location.model_validate(put(full_location(), path, value))

    assert [(e["loc"], e["type"]) for e in info.value.errors()] == [(path, "enum")]


# --- missing required fields ----------------------------------------------------------------------

REQUIRED: list[tuple[str | int, ...]] = [
    *((name,) for name in ("country_code", "party_id", "id", "publish", "address", "city", "country")),
    *((name,) for name in ("coordinates", "time_zone", "last_updated")),
    ("coordinates", "latitude"),
    ("coordinates", "longitude"),
    ("related_locations", 0, "latitude"),
    ("operator", "name"),
    ("opening_times", "twentyfourseven"),
    ("opening_times", "regular_hours", 0, "weekday"),
    ("opening_times", "regular_hours", 0, "period_begin"),
    ("opening_times", "exceptional_openings", 0, "period_end"),
    ("images", 0, "url"),
    ("images", 0, "category"),
    ("images", 0, "type"),
    ("evses", 1, "uid"),
    ("evses", 1, "status"),
    ("evses", 1, "connectors"),
    ("evses", 1, "last_updated"),
    ("evses", 0, "status_schedule", 0, "period_begin"),
    ("evses", 0, "status_schedule", 0, "status"),
    *(("evses", 0, "connectors", 1, name) for name in ("id", "standard", "format", "power_type")),
    *(("evses", 0, "connectors", 1, name) for name in ("max_voltage", "max_amperage", "last_updated")),
]


@pytest.mark.parametrize("path", REQUIRED)
def test_missing_required_field_rejected(path: tuple[str | int, ...]) -> None:
    with pytest.raises(ValidationError) as info:
        Location.model_validate(drop(full_location(), path))

    assert [(e["loc"], e["type"]) for e in info.value.errors()] == [(path, "missing")]


@pytest.mark.parametrize("path", [("country_code",), ("address",), ("evses", 0, "status"), ("coordinates",)])
def test_required_field_null_rejected(path: tuple[str | int, ...]) -> None:
    with pytest.raises(ValidationError) as info:
        Location.model_validate(put(full_location(), path, None))

    assert error_locs(info) == [path]


@pytest.mark.parametrize("field", [name for name, f in Location.model_fields.items() if not f.is_required()])
def test_optional_location_field_omitted_accepted(field: str) -> None:
    payload = drop(full_location(publish=True, publish_allowed_to=None), (field,))
    payload = {key: value for key, value in payload.items() if value is not None}

    assert dump(Location.model_validate(payload)) == payload


# --- GeoLocation ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("latitude", "longitude"),
    [
        ("51.047599", "3.729944"),
        ("0.00000", "0.00000"),
        ("-0.0000000", "-0.0000000"),
        ("90.00000", "180.00000"),
        ("-90.0000000", "-180.0000000"),
        ("-33.8688197", "151.2092955"),  # 11 characters: the regex allows more than string(10)
        ("37.7749295", "-122.4194155"),  # 12 characters: more than string(11)
        ("5.12345", "-5.12345"),
    ],
)
def test_coordinates_valid_accepted(latitude: str, longitude: str) -> None:
    point = GeoLocation.model_validate({"latitude": latitude, "longitude": longitude})

    assert (point.latitude, point.longitude) == (latitude, longitude)
    assert dump(point) == {"latitude": latitude, "longitude": longitude}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("latitude", "90.000001"),
        ("latitude", "-90.00001"),
        ("latitude", "99.99999"),
        ("longitude", "180.0000001"),
        ("longitude", "-180.00001"),
        ("longitude", "999.99999"),
    ],
)
def test_coordinates_out_of_range_rejected(field: str, value: str) -> None:
    with pytest.raises(ValidationError, match=f"{field} must be between") as info:
        Location.model_validate(put(full_location(), ("coordinates", field), value))

    assert error_locs(info) == [("coordinates", field)]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("latitude", "51.0476"),  # 4 decimals
        ("latitude", "51.04759912"),  # 8 decimals
        ("latitude", "51,047599"),
        ("latitude", "+51.047599"),
        ("latitude", "151.047599"),  # three integer digits
        ("latitude", "51"),
        ("latitude", ".047599"),
        ("latitude", " 51.047599"),
        ("latitude", "51.047599\n"),
        ("latitude", "\u0665\u0661.047599"),  # Arabic-Indic digits
        ("latitude", ""),
        ("longitude", "3.7299"),  # 4 decimals
        ("longitude", "3.72994412"),  # 8 decimals
        ("longitude", "1003.729944"),
        ("longitude", "3.729944E0"),
        ("longitude", "--3.729944"),
    ],
)
def test_coordinates_wrong_format_rejected(field: str, value: str) -> None:
    with pytest.raises(ValidationError, match=f"{field} must match") as info:
        Location.model_validate(put(full_location(), ("coordinates", field), value))

    assert error_locs(info) == [("coordinates", field)]


@pytest.mark.parametrize("field", ["latitude", "longitude"])
def test_coordinates_json_number_rejected(field: str) -> None:
    with pytest.raises(ValidationError) as info:
        Location.model_validate(put(full_location(), ("coordinates", field), 51.047599))

    assert [(e["loc"], e["type"]) for e in info.value.errors()] == [(("coordinates", field), "string_type")]


@pytest.mark.parametrize(
    "path",
    [
        ("related_locations", 0, "latitude"),
        ("related_locations", 0, "longitude"),
        ("evses", 1, "coordinates", "latitude"),
        ("evses", 1, "coordinates", "longitude"),
    ],
)
def test_nested_coordinates_checked(path: tuple[str | int, ...]) -> None:
    with pytest.raises(ValidationError) as info:
        Location.model_validate(put(full_location(), path, "500.000000"))

    assert error_locs(info) == [path]


# --- EVSE and Connector ---------------------------------------------------------------------------


def test_evse_without_connectors_rejected() -> None:
    with pytest.raises(ValidationError) as info:
        Location.model_validate(put(full_location(), ("evses", 1, "connectors"), []))

    assert [(e["loc"], e["type"]) for e in info.value.errors()] == [(("evses", 1, "connectors"), "too_short")]


def test_bare_evse_without_connectors_rejected() -> None:
    with pytest.raises(ValidationError) as info:
        EVSE.model_validate(evse(connectors=[]))

    assert [(e["loc"], e["type"]) for e in info.value.errors()] == [(("connectors",), "too_short")]


def test_evse_connectors_null_rejected() -> None:
    with pytest.raises(ValidationError) as info:
        EVSE.model_validate(evse(connectors=None))

    assert error_locs(info) == [("connectors",)]


@pytest.mark.parametrize("other_id", ["1", "a"])
def test_evse_duplicate_connector_id_rejected(other_id: str) -> None:
    # CiString ids compare case-insensitively: "A" and "a" are the same connector.
    first = "1" if other_id == "1" else "A"
    payload = evse(connectors=[connector(id=first), connector(id=other_id)])

    with pytest.raises(ValidationError, match="listed twice") as info:
        EVSE.model_validate(payload)

    assert error_locs(info) == [("connectors",)]


def test_same_connector_id_in_two_evses_accepted() -> None:
    location = Location.model_validate(full_location())

    assert location.evses is not None
    assert [c.id for c in location.evses[0].connectors] == [c.id for c in location.evses[1].connectors]


def test_location_duplicate_evse_uid_rejected() -> None:
    payload = full_location(evses=[evse(uid="ABC"), evse(uid="abc")])

    with pytest.raises(ValidationError, match="EVSE uid 'abc' is listed twice") as info:
        Location.model_validate(payload)

    assert error_locs(info) == [("evses",)]


@pytest.mark.parametrize("field", ["max_voltage", "max_amperage", "max_electric_power"])
def test_connector_non_integer_rejected(field: str) -> None:
    with pytest.raises(ValidationError) as info:
        Connector.model_validate(connector(**{field: 230.5}))

    assert error_locs(info) == [(field,)]


@pytest.mark.parametrize(
    "path", [("uid",), ("evse_id",), ("connectors", 0, "id"), ("connectors", 0, "tariff_ids", 0)]
)
def test_evse_ci_string_non_ascii_rejected(path: tuple[str | int, ...]) -> None:
    with pytest.raises(ValidationError, match="printable ASCII") as info:
        EVSE.model_validate(put(evse(), path, "\u00e9vse"))

    assert error_locs(info) == [path]


# --- Hours and RegularHours -----------------------------------------------------------------------


def test_hours_247_with_regular_hours_rejected() -> None:
    payload = put(full_location(), ("opening_times", "twentyfourseven"), True)

    with pytest.raises(ValidationError, match="only be used when twentyfourseven is false") as info:
        Location.model_validate(payload)

    assert error_locs(info) == [("opening_times", "regular_hours")]


@pytest.mark.parametrize("regular_hours", [None, []])
def test_hours_not_247_without_regular_hours_rejected(regular_hours: list[Any] | None) -> None:
    payload: dict[str, Any] = {"twentyfourseven": False}
    if regular_hours is not None:
        payload["regular_hours"] = regular_hours

    with pytest.raises(ValidationError, match="at least one RegularHours") as info:
        Hours.model_validate(payload)

    assert error_locs(info) == [("regular_hours",)]


def test_hours_not_247_regular_hours_null_rejected() -> None:
    with pytest.raises(ValidationError, match="at least one RegularHours") as info:
        Hours.model_validate({"twentyfourseven": False, "regular_hours": None})

    assert error_locs(info) == [("regular_hours",)]


@pytest.mark.parametrize("regular_hours", [None, []])
def test_hours_247_without_regular_hours_accepted(regular_hours: list[Any] | None) -> None:
    hours = Hours.model_validate({"twentyfourseven": True, "regular_hours": regular_hours})

    assert hours.regular_hours == regular_hours


def test_hours_missing_twentyfourseven_reports_only_that() -> None:
    with pytest.raises(ValidationError) as info:
        Hours.model_validate(
            {"regular_hours": [{"weekday": 1, "period_begin": "07:00", "period_end": "18:00"}]}
        )

    assert [(e["loc"], e["type"]) for e in info.value.errors()] == [(("twentyfourseven",), "missing")]


@pytest.mark.parametrize("weekday", [0, 8, -1])
def test_regular_hours_weekday_out_of_range_rejected(weekday: int) -> None:
    with pytest.raises(ValidationError) as info:
        RegularHours.model_validate({"weekday": weekday, "period_begin": "07:00", "period_end": "18:00"})

    assert error_locs(info) == [("weekday",)]


@pytest.mark.parametrize("weekday", [1, 7])
def test_regular_hours_weekday_bounds_accepted(weekday: int) -> None:
    hours = RegularHours.model_validate({"weekday": weekday, "period_begin": "07:00", "period_end": "18:00"})

    assert hours.weekday == weekday


@pytest.mark.parametrize("field", ["period_begin", "period_end"])
@pytest.mark.parametrize(
    "value", ["24:00", "7:00", "07:60", "07:00:00", "0700", "07.00", "07:00\n", "", "\u0660\u0667:00"]
)
def test_regular_hours_wrong_time_format_rejected(field: str, value: str) -> None:
    payload = {"weekday": 1, "period_begin": "07:00", "period_end": "18:00", field: value}
    if field == "period_begin":
        payload["period_end"] = "23:59"

    with pytest.raises(ValidationError, match="HH:MM") as info:
        RegularHours.model_validate(payload)

    assert error_locs(info) == [(field,)]


@pytest.mark.parametrize(("begin", "end"), [("18:00", "07:00"), ("07:00", "07:00"), ("08:00", "02:00")])
def test_regular_hours_end_not_later_rejected(begin: str, end: str) -> None:
    with pytest.raises(ValidationError, match="later than period_begin") as info:
        RegularHours.model_validate({"weekday": 1, "period_begin": begin, "period_end": end})

    assert error_locs(info) == [("period_end",)]


@pytest.mark.parametrize(
    ("begin", "end"), [("00:00", "23:59"), ("07:00", "07:01"), ("18:00", "00:00"), ("00:00", "00:00")]
)
def test_regular_hours_end_later_or_end_of_day_accepted(begin: str, end: str) -> None:
    hours = RegularHours.model_validate({"weekday": 1, "period_begin": begin, "period_end": end})

    assert (hours.period_begin, hours.period_end) == (begin, end)


def test_exceptional_period_bad_timestamp_rejected() -> None:
    with pytest.raises(ValidationError) as info:
        ExceptionalPeriod.model_validate(
            {"period_begin": "25-12-2018 03:00", "period_end": "2018-12-25T05:00:00Z"}
        )

    assert error_locs(info) == [("period_begin",)]


# --- publish / publish_allowed_to and PublishTokenType --------------------------------------------


def test_publish_true_with_publish_allowed_to_rejected() -> None:
    with pytest.raises(ValidationError, match="only be used when publish is false") as info:
        Location.model_validate(full_location(publish=True))

    assert error_locs(info) == [("publish_allowed_to",)]


@pytest.mark.parametrize("allowed", [None, []])
def test_publish_true_without_allow_list_accepted(allowed: list[Any] | None) -> None:
    location = Location.model_validate(full_location(publish=True, publish_allowed_to=allowed))

    assert (location.publish, location.publish_allowed_to) == (True, allowed)


def test_publish_false_with_allow_list_accepted() -> None:
    location = Location.model_validate(full_location())

    assert location.publish is False
    assert location.publish_allowed_to is not None
    assert [t.group_id for t in location.publish_allowed_to] == ["GROUP0", None, "GROUP1"]


@pytest.mark.parametrize(
    ("token", "field", "message"),
    [
        ({"uid": "12345678905880"}, "type", "type is required when uid is set"),
        ({"uid": "12345678905880", "type": None}, "type", "type is required when uid is set"),
        ({"visual_number": "12345-67"}, "issuer", "issuer is required when visual_number is set"),
    ],
)
def test_publish_token_missing_companion_field_rejected(
    token: dict[str, Any], field: str, message: str
) -> None:
    with pytest.raises(ValidationError, match=message) as info:
        Location.model_validate(put(full_location(), ("publish_allowed_to", 1), token))

    assert error_locs(info) == [("publish_allowed_to", 1, field)]


@pytest.mark.parametrize(
    "token", [{}, {"issuer": "ANWB"}, {"type": "RFID"}, {"type": "RFID", "issuer": "ANWB"}]
)
def test_publish_token_identifying_nothing_rejected(token: dict[str, Any]) -> None:
    with pytest.raises(ValidationError, match="at least one of uid, visual_number or group_id") as info:
        Location.model_validate(put(full_location(), ("publish_allowed_to", 2), token))

    assert error_locs(info) == [("publish_allowed_to", 2)]


@pytest.mark.parametrize(
    "token",
    [{"group_id": "G"}, {"uid": "U", "type": "APP_USER"}, {"visual_number": "V", "issuer": "I"}],
)
def test_publish_token_minimal_forms_accepted(token: dict[str, Any]) -> None:
    assert dump(PublishTokenType.model_validate(token)) == token


# --- charging_when_closed: None vs the default ----------------------------------------------------


@pytest.mark.parametrize(
    ("sent", "stored", "effective"), [(True, True, True), (False, False, False), (None, None, True)]
)
def test_charging_when_closed_default_true(sent: bool | None, stored: bool | None, effective: bool) -> None:
    location = Location.model_validate(full_location(charging_when_closed=sent))

    assert location.charging_when_closed is stored
    assert location.effective_charging_when_closed is effective


def test_charging_when_closed_omitted_means_true_and_is_not_invented() -> None:
    payload = drop(full_location(), ("charging_when_closed",))

    location = Location.model_validate(payload)

    assert location.effective_charging_when_closed is True
    assert "charging_when_closed" not in location.model_fields_set
    assert dump(location) == payload


# --- PATCH models ---------------------------------------------------------------------------------

PATCHES: list[tuple[type[BaseModel], type[BaseModel]]] = [
    (LocationPatch, Location),
    (EVSEPatch, EVSE),
    (ConnectorPatch, Connector),
]


@pytest.mark.parametrize(("patch", "full"), PATCHES, ids=[p.__name__ for p, _ in PATCHES])
def test_patch_without_last_updated_rejected(patch: type[BaseModel], full: type[BaseModel]) -> None:
    with pytest.raises(ValidationError) as info:
        patch.model_validate({})

    assert [(e["loc"], e["type"]) for e in info.value.errors()] == [(("last_updated",), "missing")]


@pytest.mark.parametrize(("patch", "full"), PATCHES, ids=[p.__name__ for p, _ in PATCHES])
def test_patch_with_only_other_fields_still_needs_last_updated(
    patch: type[BaseModel], full: type[BaseModel]
) -> None:
    with pytest.raises(ValidationError) as info:
        patch.model_validate({"id": "X", "uid": "X", "name": "X"})

    assert [(e["loc"], e["type"]) for e in info.value.errors()] == [(("last_updated",), "missing")]


@pytest.mark.parametrize(("patch", "full"), PATCHES, ids=[p.__name__ for p, _ in PATCHES])
@pytest.mark.parametrize("value", [None, "yesterday", "2019-06-24"])
def test_patch_bad_last_updated_rejected(patch: type[BaseModel], full: type[BaseModel], value: Any) -> None:
    with pytest.raises(ValidationError) as info:
        patch.model_validate({"last_updated": value})

    assert error_locs(info) == [("last_updated",)]


@pytest.mark.parametrize(("patch", "full"), PATCHES, ids=[p.__name__ for p, _ in PATCHES])
def test_patch_has_the_full_models_fields_all_optional_but_last_updated(
    patch: type[BaseModel], full: type[BaseModel]
) -> None:
    assert list(patch.model_fields) == list(full.model_fields)
    assert [name for name, field in patch.model_fields.items() if field.is_required()] == ["last_updated"]


def test_patch_only_last_updated_accepted() -> None:
    patch = EVSEPatch.model_validate({"last_updated": LAST_UPDATED})

    assert patch.model_fields_set == {"last_updated"}
    assert dump(patch) == {"last_updated": LAST_UPDATED}


# (patch model, path inside the body, bad value): each is refused by the full model and by the patch model,
# at that path.
PATCH_BAD_VALUES: list[tuple[type[BaseModel], tuple[str | int, ...], Any]] = [
    (LocationPatch, ("country_code",), "BEL"),
    (LocationPatch, ("party_id",), "BE"),
    (LocationPatch, ("id",), "x" * 37),
    (LocationPatch, ("publish",), "maybe"),
    (LocationPatch, ("name",), "n" * 256),
    (LocationPatch, ("address",), "a" * 256),
    (LocationPatch, ("city",), "c" * 46),
    (LocationPatch, ("postal_code",), "p" * 11),
    (LocationPatch, ("state",), "s" * 46),
    (LocationPatch, ("country",), "BELG"),
    (LocationPatch, ("coordinates", "latitude"), "91.000000"),
    (LocationPatch, ("related_locations", 0, "longitude"), "3.72"),
    (LocationPatch, ("parking_type",), "STREET"),
    (LocationPatch, ("evses", 0, "connectors"), []),
    (LocationPatch, ("evses", 0, "status"), "FREE"),
    (LocationPatch, ("directions", 0, "language"), "eng"),
    (LocationPatch, ("operator", "name"), "o" * 101),
    (LocationPatch, ("suboperator", "website"), "https://example.com/" + "w" * 236),
    (LocationPatch, ("owner", "logo", "width"), 100000),
    (LocationPatch, ("facilities", 0), "GYM"),
    (LocationPatch, ("time_zone",), "t" * 256),
    (LocationPatch, ("opening_times", "regular_hours"), []),
    (LocationPatch, ("opening_times", "regular_hours", 0, "weekday"), 0),
    (LocationPatch, ("charging_when_closed",), "sometimes"),
    (LocationPatch, ("images", 0, "type"), "jpeg2"),
    (LocationPatch, ("energy_mix", "is_green_energy"), "very"),
    (LocationPatch, ("publish_allowed_to", 0, "type"), None),
    (EVSEPatch, ("uid",), "u" * 37),
    (EVSEPatch, ("evse_id",), "e" * 49),
    (EVSEPatch, ("status",), "available"),
    (EVSEPatch, ("status_schedule", 0, "status"), "SOON"),
    (EVSEPatch, ("capabilities", 0), "FAST"),
    (EVSEPatch, ("connectors",), []),
    (EVSEPatch, ("connectors", 0, "max_voltage"), "high"),
    (EVSEPatch, ("floor_level",), "-1000"),
    (EVSEPatch, ("coordinates", "longitude"), "181.000000"),
    (EVSEPatch, ("physical_reference",), 3),
    (EVSEPatch, ("physical_reference",), "p" * 17),
    (EVSEPatch, ("directions", 0, "text"), "d" * 513),
    (EVSEPatch, ("parking_restrictions", 0), "VIP"),
    (EVSEPatch, ("images", 0, "category"), "PHOTO"),
    (ConnectorPatch, ("id",), "i" * 37),
    (ConnectorPatch, ("standard",), "TYPE2"),
    (ConnectorPatch, ("format",), "PLUG"),
    (ConnectorPatch, ("power_type",), "AC"),
    (ConnectorPatch, ("max_voltage",), 230.5),
    (ConnectorPatch, ("max_amperage",), "lots"),
    (ConnectorPatch, ("max_electric_power",), "lots"),
    (ConnectorPatch, ("tariff_ids", 0), "t" * 37),
    (ConnectorPatch, ("terms_and_conditions",), "https://example.com/" + "t" * 236),
]
FULL_PAYLOADS: dict[type[BaseModel], Callable[[], dict[str, Any]]] = {
    LocationPatch: full_location,
    EVSEPatch: evse,
    ConnectorPatch: connector,
}
FULL_MODELS: dict[type[BaseModel], type[BaseModel]] = dict(PATCHES)


@pytest.mark.parametrize(("patch", "path", "value"), PATCH_BAD_VALUES)
def test_patch_present_field_validated_like_full_model(
    patch: type[BaseModel], path: tuple[str | int, ...], value: Any
) -> None:
    full_payload = FULL_PAYLOADS[patch]()
    with pytest.raises(ValidationError) as full_info:
        FULL_MODELS[patch].model_validate(put(full_payload, path, value))
    field = str(path[0])
    body = {field: put(full_payload, path, value)[field], "last_updated": LAST_UPDATED}

    with pytest.raises(ValidationError) as info:
        patch.model_validate(body)

    assert error_locs(full_info) == [path]
    assert error_locs(info) == [path]


def test_patch_bad_values_cover_every_patchable_field() -> None:
    covered = {(patch, path[0]) for patch, path, _ in PATCH_BAD_VALUES}
    expected = {
        (patch, name) for patch, _ in PATCHES for name in patch.model_fields if name != "last_updated"
    }

    assert expected - covered == set()


@pytest.mark.parametrize(
    ("patch", "field"),
    [
        *((LocationPatch, name) for name in ("country_code", "party_id", "id", "publish", "address", "city")),
        *((LocationPatch, name) for name in ("country", "coordinates", "time_zone")),
        *((EVSEPatch, name) for name in ("uid", "status", "connectors")),
        *((ConnectorPatch, name) for name in ("id", "standard", "format", "power_type", "max_voltage")),
        (ConnectorPatch, "max_amperage"),
    ],
)
def test_patch_required_field_null_rejected(patch: type[BaseModel], field: str) -> None:
    with pytest.raises(ValidationError, match="cannot be patched to null") as info:
        patch.model_validate({field: None, "last_updated": LAST_UPDATED})

    assert error_locs(info) == [(field,)]


def test_patch_null_fields_are_exactly_the_full_models_required_ones() -> None:
    for patch, full in PATCHES:
        refused = set()
        for name in patch.model_fields:
            if name == "last_updated":
                continue
            try:
                patch.model_validate({name: None, "last_updated": LAST_UPDATED})
            except ValidationError:
                refused.add(name)
        required = {name for name, field in full.model_fields.items() if field.is_required()}
        assert refused == required - {"last_updated"}, patch.__name__


@pytest.mark.parametrize(
    ("patch", "field"), [(LocationPatch, "name"), (EVSEPatch, "evse_id"), (ConnectorPatch, "tariff_ids")]
)
def test_patch_optional_field_null_accepted_and_marked_set(patch: type[BaseModel], field: str) -> None:
    parsed = patch.model_validate({field: None, "last_updated": LAST_UPDATED})

    assert getattr(parsed, field) is None
    assert parsed.model_fields_set == {field, "last_updated"}


def test_location_patch_publish_true_with_allow_list_rejected() -> None:
    body = {"publish": True, "publish_allowed_to": [{"group_id": "G"}], "last_updated": LAST_UPDATED}

    with pytest.raises(ValidationError, match="only be used when publish is false") as info:
        LocationPatch.model_validate(body)

    assert error_locs(info) == [("publish_allowed_to",)]


def test_location_patch_allow_list_alone_accepted() -> None:
    # The stored `publish` is unknown here: the merged Location is validated by the service.
    patch = LocationPatch.model_validate(
        {"publish_allowed_to": [{"group_id": "G"}], "last_updated": LAST_UPDATED}
    )

    assert patch.publish_allowed_to == [PublishTokenType(group_id="G")]


def test_location_patch_duplicate_evse_uid_rejected() -> None:
    body = {"evses": [evse(uid="A"), evse(uid="a")], "last_updated": LAST_UPDATED}

    with pytest.raises(ValidationError, match="listed twice") as info:
        LocationPatch.model_validate(body)

    assert error_locs(info) == [("evses",)]


def test_evse_patch_duplicate_connector_id_rejected() -> None:
    body = {"connectors": [connector(), connector()], "last_updated": LAST_UPDATED}

    with pytest.raises(ValidationError, match="listed twice") as info:
        EVSEPatch.model_validate(body)

    assert error_locs(info) == [("connectors",)]


def test_location_patch_normalises_party_identifiers() -> None:
    patch = LocationPatch.model_validate(
        {"country_code": "be", "party_id": "bec", "last_updated": LAST_UPDATED}
    )

    assert (patch.country_code, patch.party_id) == ("BE", "BEC")


def test_module_exports_every_model() -> None:
    exported = set(locations.__all__)

    assert {model.__name__ for _, model in CLASSES} <= exported
    assert {enum.__name__ for _, enum, _ in ENUMS} <= exported
    assert {"LocationPatch", "EVSEPatch", "ConnectorPatch"} <= exported
