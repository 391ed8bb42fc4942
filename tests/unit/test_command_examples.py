"""The wire models of the Commands and ChargingProfiles chapters against the chapters themselves: every object
table (fields and cardinality) and enum table (values) of mod_commands.asciidoc and
mod_charging_profiles.asciidoc, read from the spec text; the chapters have no JSON examples, so the Token
examples of mod_tokens.asciidoc and the URL examples of the two chapters stand in for them."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any
from urllib.parse import parse_qs, urlsplit

import pytest
from pydantic import BaseModel, TypeAdapter, ValidationError

from hub.ocpi.envelope import dump
from hub.ocpi.v221 import charging_profiles as cp
from hub.ocpi.v221 import commands as cmd
from tests.spec import EXAMPLES, SPEC

COMMANDS = (SPEC / "mod_commands.asciidoc").read_text(encoding="utf-8")
PROFILES = (SPEC / "mod_charging_profiles.asciidoc").read_text(encoding="utf-8")

OBJECTS: list[tuple[str, str, type[BaseModel]]] = [
    (COMMANDS, "mod_commands_cancelreservation_object", cmd.CancelReservation),
    (COMMANDS, "mod_commands_commandresponse_object", cmd.CommandResponse),
    (COMMANDS, "mod_commands_commandresult_object", cmd.CommandResult),
    (COMMANDS, "mod_commands_reservenow_object", cmd.ReserveNow),
    (COMMANDS, "mod_commands_startsession_object", cmd.StartSession),
    (COMMANDS, "mod_commands_stopsession_object", cmd.StopSession),
    (COMMANDS, "mod_commands_unlockconnector_object", cmd.UnlockConnector),
    (PROFILES, "mod_charging_profiles_response_object", cp.ChargingProfileResponse),
    (
        PROFILES,
        "mod_charging_profiles_active_charging_profiles_result_object",
        cp.ActiveChargingProfileResult,
    ),
    (PROFILES, "mod_charging_profiles_charging_profiles_result_object", cp.ChargingProfileResult),
    (PROFILES, "mod_charging_profiles_clear_profiles_result_object", cp.ClearProfileResult),
    (PROFILES, "mod_charging_profiles_set_charging_profile_object", cp.SetChargingProfile),
    (PROFILES, "mod_charging_profiles_active_charging_profile_class", cp.ActiveChargingProfile),
    (PROFILES, "mod_charging_profiles_charging_profile_class", cp.ChargingProfile),
    (PROFILES, "mod_charging_profiles_charging_profile_period_class", cp.ChargingProfilePeriod),
]

ENUMS: list[tuple[str, str, type[StrEnum]]] = [
    (COMMANDS, "mod_commands_commandresponsetype_enum", cmd.CommandResponseType),
    (COMMANDS, "mod_commands_commandresulttype_enum", cmd.CommandResultType),
    (COMMANDS, "mod_commands_commandtype_enum", cmd.CommandType),
    (PROFILES, "mod_charging_profiles_chargingrateunit", cp.ChargingRateUnit),
    (PROFILES, "mod_charging_profiles_responsetype_enum", cp.ChargingProfileResponseType),
    (PROFILES, "mod_charging_profiles_resulttype_enum", cp.ChargingProfileResultType),
]


def table_rows(text: str, anchor: str) -> list[list[str]]:
    """The rows (cells stripped) of the first table after `[[anchor]]`, without the header row."""
    start = text.index(f"[[{anchor}]]")
    opening = text.index("|===", start)
    closing = text.index("|===", opening + 4)
    rows: list[list[str]] = []
    for line in text[opening + 4 : closing].splitlines():
        if line.startswith("|"):
            rows.append([cell.strip() for cell in line.split("|")[1:]])
    return rows[1:]


def load(name: str) -> Any:
    return json.loads((EXAMPLES / name).read_text(encoding="utf-8"))


@pytest.mark.parametrize(("text", "anchor", "model"), OBJECTS, ids=[a for _, a, _ in OBJECTS])
def test_every_field_of_the_spec_table_with_its_cardinality(
    text: str, anchor: str, model: type[BaseModel]
) -> None:
    rows = table_rows(text, anchor)
    spec = {row[0]: row[2] for row in rows}
    assert set(model.model_fields) == set(spec)
    for name, card in spec.items():
        assert model.model_fields[name].is_required() == (card in ("1", "+")), name


@pytest.mark.parametrize(("text", "anchor", "enum"), ENUMS, ids=[a for _, a, _ in ENUMS])
def test_every_enum_value_of_the_spec_table(text: str, anchor: str, enum: type[StrEnum]) -> None:
    assert [row[0] for row in table_rows(text, anchor)] == [value.value for value in enum]


@pytest.mark.parametrize(("text", "anchor", "model"), OBJECTS, ids=[a for _, a, _ in OBJECTS])
def test_cistring_36_fields_refuse_37_characters(text: str, anchor: str, model: type[BaseModel]) -> None:
    for row in table_rows(text, anchor):
        if re.search(r"CiString>>\(36\)", row[1]):
            field = model.model_fields[row[0]]
            annotation: Any = (
                Annotated[(field.annotation, *field.metadata)] if field.metadata else field.annotation
            )
            adapter: TypeAdapter[Any] = TypeAdapter(annotation)
            assert adapter.validate_python("x" * 36) == "x" * 36
            with pytest.raises(ValidationError):
                adapter.validate_python("x" * 37)


def test_each_command_type_has_its_object() -> None:
    # mod_commands_cpo_post_request_body: one object per command
    expected = {
        cmd.CommandType.CANCEL_RESERVATION: cmd.CancelReservation,
        cmd.CommandType.RESERVE_NOW: cmd.ReserveNow,
        cmd.CommandType.START_SESSION: cmd.StartSession,
        cmd.CommandType.STOP_SESSION: cmd.StopSession,
        cmd.CommandType.UNLOCK_CONNECTOR: cmd.UnlockConnector,
    }
    assert dict(cmd.COMMAND_OBJECTS) == expected


@pytest.mark.parametrize("token", ["token_example_1_app_user.json", "token_example_2_full_rfid.json"])
def test_start_session_and_reserve_now_carry_the_token_examples(token: str) -> None:
    start = {
        # the Sender interface examples of mod_commands_msp_post_method
        "response_url": "https://www.server.com/ocpi/emsp/2.2.1/commands/START_SESSION/1234",
        "token": load(token),
        "location_id": "LOC1",
        "evse_uid": "3256",
        "connector_id": "1",
    }
    assert dump(cmd.StartSession.model_validate(start)) == start
    reserve = {
        "response_url": "https://www.server.com/ocpi/emsp/2.2.1/commands/RESERVE_NOW/1234",
        "token": load(token),
        "expiry_date": "2020-03-09T12:00:00+02:00",
        "reservation_id": "RES-1",
        "location_id": "LOC1",
    }
    # explicit offsets become UTC on the way in (DESIGN decision 3)
    assert dump(cmd.ReserveNow.model_validate(reserve))["expiry_date"] == "2020-03-09T10:00:00Z"


def test_start_session_connector_needs_its_evse() -> None:
    # StartSession.evse_uid: "Required when `connector_id` is set."
    with pytest.raises(ValidationError, match="evse_uid is required when connector_id is set"):
        cmd.StartSession.model_validate(
            {
                "response_url": "https://x.test/1",
                "token": load("token_example_1_app_user.json"),
                "location_id": "LOC1",
                "connector_id": "1",
            }
        )


@pytest.mark.parametrize(
    "url",
    [
        "https://www.server.com/ocpi/emsp/2.2.1/commands/UNLOCK_CONNECTOR/2",
        "https://ocpi.server.com/commands/STOP_SESSION/abc",
        "http://127.0.0.1:8000/cb",
        "https://www.server.com/clearprofile?request_id=12345678",
    ],
)
def test_response_urls_of_the_spec_examples_are_accepted(url: str) -> None:
    assert cmd.StopSession.model_validate({"response_url": url, "session_id": "1"}).response_url == url


@pytest.mark.parametrize(
    "url", ["", "www.server.com/cb", "ftp://server.com/cb", "/cb", "https://", "https://x/" + "a" * 250]
)
def test_response_urls_that_cannot_be_called_back_are_refused(url: str) -> None:
    with pytest.raises(ValidationError) as caught:
        cmd.CancelReservation.model_validate({"response_url": url, "reservation_id": "R1"})
    assert caught.value.errors()[0]["loc"] == ("response_url",)


def test_command_response_and_result_omit_what_is_unset() -> None:
    assert dump(cmd.CommandResponse(result=cmd.CommandResponseType.ACCEPTED, timeout=30)) == {
        "result": "ACCEPTED",
        "timeout": 30,
    }
    result = cmd.CommandResult.model_validate(
        {"result": "EVSE_OCCUPIED", "message": [{"language": "en", "text": "Another session is ongoing"}]}
    )
    assert dump(result) == {
        "result": "EVSE_OCCUPIED",
        "message": [{"language": "en", "text": "Another session is ongoing"}],
    }


def test_the_get_example_url_of_the_receiver_interface() -> None:
    # mod_charging_profiles_cpo_get_method's example, with its unencoded response_url
    example = "https://www.cpo.com/ocpi/2.2.1/chargingprofiles/1234?duration=900&response_url=https://www.msp.com/ocpi/2.2.1/chargingprofile/response?request_id=5678"
    query = parse_qs(urlsplit(example).query)
    assert query == {
        "duration": ["900"],
        "response_url": ["https://www.msp.com/ocpi/2.2.1/chargingprofile/response?request_id=5678"],
    }
    profile = cp.SetChargingProfile.model_validate(
        {"charging_profile": {"charging_rate_unit": "W"}, "response_url": query["response_url"][0]}
    )
    assert profile.response_url.endswith("request_id=5678")


@pytest.mark.parametrize(
    ("limit", "ok"), [(8.1, True), ("8.10", True), (16, True), (7.25, False), (0.05, False)]
)
def test_limits_accept_at_most_one_fraction_digit(limit: Any, ok: bool) -> None:
    # ChargingProfilePeriod.limit: "Accepts at most one digit fraction (e.g. 8.1)"
    body = {"start_period": 0, "limit": limit}
    if ok:
        assert cp.ChargingProfilePeriod.model_validate(body).limit == Decimal(str(limit))
    else:
        with pytest.raises(ValidationError):
            cp.ChargingProfilePeriod.model_validate(body)
        with pytest.raises(ValidationError):
            cp.ChargingProfile.model_validate({"charging_rate_unit": "A", "min_charging_rate": limit})


def test_a_charging_profile_round_trips_with_numbers_as_json_numbers() -> None:
    body = {
        "start_date_time": "2026-01-01T10:00:00Z",
        "duration": 3600,
        "charging_rate_unit": "A",
        "min_charging_rate": 6.0,
        "charging_profile_period": [{"start_period": 0, "limit": 16.0}, {"start_period": 1800, "limit": 8.1}],
    }
    active = {"start_date_time": "2026-01-01T10:00:00Z", "charging_profile": body}
    result = cp.ActiveChargingProfileResult.model_validate({"result": "ACCEPTED", "profile": active})
    assert dump(result) == {"result": "ACCEPTED", "profile": active}
    assert json.dumps(dump(result)).count('"limit": 8.1') == 1
    assert dump(cp.ActiveChargingProfileResult(result=cp.ChargingProfileResultType.UNKNOWN)) == {
        "result": "UNKNOWN"
    }
