"""The Sessions and CDRs chapters' examples (session_*.json, cdr_example.json) parse and round-trip through the
wire models (mod_sessions_session_object, mod_cdrs_cdr_object), with their documented mistakes said and
asserted; the field rules of Session, SessionPatch, ChargingPreferences and CDR; and the CDR totals rule
(hub.modules.cdrs.service.check_totals), rule by rule."""

from __future__ import annotations

import copy
import json
from datetime import UTC
from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from hub.errors import InvalidParametersError
from hub.modules.cdrs.service import check_totals
from hub.ocpi.envelope import dump
from hub.ocpi.v221.cdrs import (
    CDR,
    SESSION_ONLY_DIMENSIONS,
    AuthMethod,
    CdrDimensionType,
    CdrLocation,
    PricingInput,
    SignedData,
)
from hub.ocpi.v221.sessions import (
    ChargingPreferences,
    ChargingPreferencesResponse,
    ProfileType,
    Session,
    SessionPatch,
    SessionStatus,
)
from hub.pricing.engine import price_session
from tests.spec import EXAMPLES

SESSION_EXAMPLES = ["session_example_1_simple_start.json", "session_example_2_short_finished.json"]
PATCH_EXAMPLES = ["session_patch_example_charging_period.json", "session_patch_example_total_cost.json"]


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


def locs(model: Any, body: Any) -> list[tuple[int | str, ...]]:
    with pytest.raises(ValidationError) as caught:
        model.model_validate(body)
    return [tuple(error["loc"]) for error in caught.value.errors()]


def test_every_session_and_cdr_example_is_covered() -> None:
    names = sorted(p.name for p in [*EXAMPLES.glob("session_*.json"), *EXAMPLES.glob("cdr_*.json")])
    assert names == sorted([*SESSION_EXAMPLES, *PATCH_EXAMPLES, "cdr_example.json"])


@pytest.mark.parametrize("name", SESSION_EXAMPLES)
def test_session_examples_round_trip(name: str) -> None:
    data = load(name)
    assert numeric(dump(Session.model_validate(data))) == numeric(data)


@pytest.mark.parametrize("name", PATCH_EXAMPLES)
def test_session_patch_examples_round_trip(name: str) -> None:
    data = load(name)
    patch = SessionPatch.model_validate(data)
    assert numeric(patch.model_dump(mode="json", exclude_unset=True)) == numeric(data)


def test_session_example_2_gives_energy_in_wh_and_is_accepted_as_sent() -> None:
    # Documented mistake (digest 17): ENERGY is kWh, but the periods' 120 and 41000 add up to 41120, which is
    # kwh 41.12 in Wh. A Session's volumes are not checked against kwh (only a CDR's totals are), so the
    # example is accepted and kept exactly as sent.
    session = Session.model_validate(load("session_example_2_short_finished.json"))
    energy = [d.volume for p in session.charging_periods or [] for d in p.dimensions if d.type == "ENERGY"]
    assert energy == [Decimal(120), Decimal(41000)]
    assert sum(energy) == session.kwh * 1000


def test_session_patch_example_charging_period_gives_energy_in_wh_and_is_accepted() -> None:
    # Documented mistake (digest 17): one period of 2200 "kWh" in a session of kwh 15.00; 2200 Wh = 2.2 kWh.
    patch = SessionPatch.model_validate(load("session_patch_example_charging_period.json"))
    [period] = patch.charging_periods or []
    assert period.dimensions[0].volume == Decimal(2200) > (patch.kwh or 0)


def test_cdr_example_round_trips_and_its_totals_add_up() -> None:
    data = load("cdr_example.json")
    cdr = CDR.model_validate(data)
    assert numeric(dump(cdr)) == numeric(data)
    check_totals(cdr)
    # Not flagged by validation: its coordinates are swapped (Gent lies at latitude 51.05, longitude 3.73),
    # and both values fit the GeoLocation patterns.
    assert (cdr.cdr_location.coordinates.latitude, cdr.cdr_location.coordinates.longitude) == (
        "3.729944",
        "51.047599",
    )


def test_cdr_example_costs_are_what_its_tariff_gives() -> None:
    # 1.973 h at 2.00/h (10% VAT) in 300 s steps: 7102.8 s is billed as 7200 s, 4.00 excl. and 4.40 incl. VAT.
    cdr = CDR.model_validate(load("cdr_example.json"))
    assert cdr.tariffs is not None
    priced = price_session(cdr.tariffs[0], PricingInput.model_validate(load("cdr_example.json")), UTC)
    assert (priced.total_cost.excl_vat, priced.total_cost.incl_vat) == (
        cdr.total_cost.excl_vat,
        cdr.total_cost.incl_vat,
    )
    assert cdr.total_time_cost is not None
    assert priced.total_time_cost.excl_vat == cdr.total_time_cost.excl_vat


def test_money_and_volumes_are_decimals_written_as_json_numbers() -> None:
    cdr = CDR.model_validate(load("cdr_example.json"))
    assert isinstance(cdr.total_cost.excl_vat, Decimal)
    assert isinstance(cdr.total_energy, Decimal)
    assert isinstance(cdr.charging_periods[0].dimensions[0].volume, Decimal)
    assert '"total_energy":15.342' in json.dumps(dump(cdr), separators=(",", ":"))


# -- enums: exactly the spec's values ------------------------------------------------------------------


def test_enum_values_are_the_spec_literals() -> None:
    assert [s.value for s in SessionStatus] == ["ACTIVE", "COMPLETED", "INVALID", "PENDING", "RESERVATION"]
    assert [r.value for r in ChargingPreferencesResponse] == [
        "ACCEPTED",
        "DEPARTURE_REQUIRED",
        "ENERGY_NEED_REQUIRED",
        "NOT_POSSIBLE",
        "PROFILE_TYPE_NOT_SUPPORTED",
    ]
    assert [p.value for p in ProfileType] == ["CHEAP", "FAST", "GREEN", "REGULAR"]
    assert [a.value for a in AuthMethod] == ["AUTH_REQUEST", "COMMAND", "WHITELIST"]
    assert len(CdrDimensionType) == 13
    assert {d.value for d in SESSION_ONLY_DIMENSIONS} == {
        "CURRENT",
        "ENERGY_EXPORT",
        "ENERGY_IMPORT",
        "POWER",
        "STATE_OF_CHARGE",
    }


@pytest.mark.parametrize("status", ["RESERVED", "active", "Completed"])
def test_session_status_is_case_sensitive_and_exact(status: str) -> None:
    data = load("session_example_1_simple_start.json")
    assert locs(Session, {**data, "status": status}) == [("status",)]


# -- Session and SessionPatch ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "field",
    ["country_code", "party_id", "id", "start_date_time", "kwh", "cdr_token", "auth_method", "location_id",
     "evse_uid", "connector_id", "currency", "status", "last_updated"],
)  # fmt: skip
def test_session_required_fields(field: str) -> None:
    data = load("session_example_1_simple_start.json")
    del data[field]
    assert locs(Session, data) == [(field,)]


def test_session_lengths_and_times() -> None:
    data = load("session_example_1_simple_start.json")
    assert locs(Session, {**data, "id": "x" * 37}) == [("id",)]
    assert locs(Session, {**data, "currency": "EURO"}) == [("currency",)]
    assert locs(Session, {**data, "end_date_time": "2020-03-09T10:00:00Z"}) == [("end_date_time",)]
    assert locs(Session, {**data, "cdr_token": {**data["cdr_token"], "party_id": "TOOLONG"}}) == [
        ("cdr_token", "party_id")
    ]
    # "#NA" for a reservation without an assigned EVSE
    assert Session.model_validate({**data, "evse_uid": "#NA", "connector_id": "#NA"}).evse_uid == "#NA"


def test_session_patch_needs_last_updated_and_refuses_null_required_fields() -> None:
    assert locs(SessionPatch, {"kwh": 1}) == [("last_updated",)]
    stamp = {"last_updated": "2026-01-01T00:00:00Z"}
    assert locs(SessionPatch, {"status": None, **stamp}) == [("status",)]
    assert locs(SessionPatch, {"status": "DONE", **stamp}) == [("status",)]
    # Optional fields may be cleared; every field is validated as in Session.
    assert SessionPatch.model_validate({"end_date_time": None, **stamp}).end_date_time is None
    assert locs(
        SessionPatch, {"charging_periods": [{"start_date_time": "x", "dimensions": []}], **stamp}
    ) == [
        ("charging_periods", 0, "start_date_time"),
        ("charging_periods", 0, "dimensions"),
    ]


def test_charging_preferences() -> None:
    preferences = ChargingPreferences.model_validate({"profile_type": "GREEN", "energy_need": 12.5})
    assert (preferences.profile_type, preferences.energy_need) == (ProfileType.GREEN, Decimal("12.5"))
    assert locs(ChargingPreferences, {"energy_need": 1}) == [("profile_type",)]
    assert locs(ChargingPreferences, {"profile_type": "TURBO"}) == [("profile_type",)]
    assert locs(ChargingPreferences, {"profile_type": "FAST", "energy_need": -1}) == [("energy_need",)]


# -- CDR ---------------------------------------------------------------------------------------------------


def cdr_data(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = load("cdr_example.json")
    data.update(overrides)
    return data


def test_cdr_ids_are_36_characters_unless_credit_which_may_have_39() -> None:
    assert locs(CDR, cdr_data(id="A" * 37)) == [("id",)]
    credit = cdr_data(id="A" * 39, credit=True, credit_reference_id="A" * 36, total_cost={"excl_vat": -4})
    assert CDR.model_validate(credit).id == "A" * 39
    assert locs(CDR, {**credit, "id": "A" * 40}) == [("id",)]
    assert locs(CDR, {**credit, "credit_reference_id": "A" * 40}) == [("credit_reference_id",)]


def test_a_credit_cdr_needs_its_reference() -> None:
    assert locs(CDR, cdr_data(credit=True)) == [("credit_reference_id",)]
    assert CDR.model_validate(cdr_data(credit=False)).credit is False


def test_cdr_structure_rules() -> None:
    assert locs(CDR, cdr_data(charging_periods=[])) == [("charging_periods",)]
    assert locs(CDR, cdr_data(end_date_time="2015-06-29T21:00:00Z")) == [("end_date_time",)]
    late = copy.deepcopy(cdr_data())
    late["charging_periods"][0]["start_date_time"] = "2015-06-30T00:00:00Z"
    assert locs(CDR, late) == [("charging_periods",)]
    assert locs(CDR, cdr_data(total_time=-1)) == [("total_time",)]
    negative = copy.deepcopy(cdr_data())
    negative["charging_periods"][0]["dimensions"][0]["volume"] = -1
    assert locs(CDR, negative) == [("charging_periods", 0, "dimensions", 0, "volume")]


def test_cdr_location_takes_the_errata_lengths() -> None:
    location = {**load("cdr_example.json")["cdr_location"], "address": "a" * 255, "state": "s" * 45}
    assert CdrLocation.model_validate(location).address == "a" * 255
    assert locs(CdrLocation, {**location, "address": "a" * 256}) == [("address",)]
    assert locs(CdrLocation, {**location, "evse_id": "e" * 49}) == [("evse_id",)]


def test_signed_data() -> None:
    signed = {
        "encoding_method": "OCMF",
        "encoding_method_version": 1,
        "signed_values": [{"nature": "Start", "plain_data": "p" * 5000, "signed_data": "s" * 5000}],
    }
    assert SignedData.model_validate(signed).signed_values[0].nature == "Start"
    assert locs(SignedData, {**signed, "signed_values": []}) == [("signed_values",)]
    assert locs(SignedData, {**signed, "encoding_method": "e" * 37}) == [("encoding_method",)]
    assert CDR.model_validate(cdr_data(signed_data=signed)).signed_data is not None


# -- the totals rule (check_totals) ------------------------------------------------------------------------


def refused(data: dict[str, Any], original: dict[str, Any] | None = None) -> str:
    with pytest.raises(InvalidParametersError) as caught:
        check_totals(CDR.model_validate(data), None if original is None else CDR.model_validate(original))
    return caught.value.message


def with_dimension(kind: str, volume: float, data: dict[str, Any] | None = None) -> dict[str, Any]:
    data = copy.deepcopy(data or cdr_data())
    data["charging_periods"][0]["dimensions"].append({"type": kind, "volume": volume})
    return data


def test_rule_1_total_energy_against_the_energy_dimensions() -> None:
    assert refused(with_dimension("ENERGY", 15342)).startswith("total_energy")  # Wh for kWh
    assert refused(with_dimension("ENERGY", 15.3)).startswith("total_energy")  # off by 0.042 kWh
    check_totals(CDR.model_validate(with_dimension("ENERGY", 15.34)))  # within 0.01 kWh
    big = with_dimension("ENERGY", 1000.9, cdr_data(total_energy=1000))
    check_totals(CDR.model_validate(big))  # within 0.1%
    check_totals(CDR.model_validate(cdr_data()))  # no ENERGY dimension: nothing to compare


def test_rule_2_total_time_within_the_session_and_covering_its_dimensions() -> None:
    assert refused(cdr_data(total_time=2)).startswith("total_time")  # 1.9731 h from start to end
    assert refused(with_dimension("PARKING_TIME", 0.1)).startswith("total_time")
    check_totals(CDR.model_validate(cdr_data(total_time=1.98)))  # within 0.01 h


def test_rule_3_total_parking_time() -> None:
    assert refused(cdr_data(total_parking_time=1.99)).startswith("total_parking_time")
    parking = copy.deepcopy(cdr_data(total_parking_time=0.3))
    parking["charging_periods"][0]["dimensions"] = [
        {"type": "TIME", "volume": 1.5},
        {"type": "PARKING_TIME", "volume": 0.473},
    ]
    assert refused(parking).startswith("total_parking_time")
    check_totals(CDR.model_validate({**parking, "total_parking_time": 0.473}))


def test_rule_4_total_cost_not_below_its_parts_unless_max_price() -> None:
    assert refused(cdr_data(total_cost={"excl_vat": 3.98})).startswith("total_cost.excl_vat")
    assert refused(cdr_data(total_cost={"excl_vat": 4, "incl_vat": 4.3})).startswith("total_cost.incl_vat")
    check_totals(CDR.model_validate(cdr_data(total_cost={"excl_vat": 3.995, "incl_vat": 4.395})))
    check_totals(CDR.model_validate(cdr_data(total_cost={"excl_vat": 9, "incl_vat": 9.9})))  # min_price
    capped = copy.deepcopy(cdr_data(total_cost={"excl_vat": 3, "incl_vat": 3.3}))
    capped["tariffs"][0]["max_price"] = {"excl_vat": 3, "incl_vat": 3.3}
    check_totals(CDR.model_validate(capped))
    capped["total_cost"] = {"excl_vat": 2.5}
    assert refused(capped).startswith("total_cost.excl_vat")
    fixed = cdr_data(total_fixed_cost={"excl_vat": 1})
    assert refused(fixed).startswith("total_cost.excl_vat")


def test_rule_5_credit_cdrs_negate_total_cost_only() -> None:
    original = cdr_data()
    credit = cdr_data(
        id="12345-C", credit=True, credit_reference_id="12345", total_cost={"excl_vat": -4, "incl_vat": -4.4}
    )
    check_totals(CDR.model_validate(credit), CDR.model_validate(original))
    check_totals(CDR.model_validate(credit))  # original unknown to us
    assert refused({**credit, "total_cost": {"excl_vat": 4, "incl_vat": 4.4}}).startswith("total_cost")
    assert refused({**credit, "total_cost": {"excl_vat": -3.99, "incl_vat": -4.4}}, original).startswith(
        "total_cost: a Credit CDR for 12345"
    )
    assert refused({**credit, "total_cost": {"excl_vat": -3, "incl_vat": -3.3}}).startswith(
        "total_cost.excl_vat"
    )
