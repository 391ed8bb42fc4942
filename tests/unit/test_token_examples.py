"""The Tokens chapter's examples (token_*.json, transport_and_format_get_token*_example.json) parse and round-trip
through the wire models (mod_tokens_object_description); the constraints of Token, TokenPatch, AuthorizationInfo,
LocationReferences, EnergyContract and the enums (mod_tokens_data_types, mod_sessions_profile_type_enum).

None of these examples has a documented mistake: every one is a valid object as it stands."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import ValidationError

from hub.ocpi.envelope import OcpiResponse, dump
from hub.ocpi.v221.token_types import AllowedType, ProfileType, TokenType, WhitelistType
from hub.ocpi.v221.tokens import AuthorizationInfo, EnergyContract, LocationReferences, Token, TokenPatch
from tests.spec import EXAMPLES

TOKEN_EXAMPLES = ["token_example_1_app_user.json", "token_example_2_full_rfid.json", "token_put_example.json"]


def load(name: str) -> Any:
    return json.loads((EXAMPLES / name).read_text(encoding="utf-8"))


def error_locations(model: type[Any], body: Any) -> list[tuple[int | str, ...]]:
    with pytest.raises(ValidationError) as caught:
        model.model_validate(body)
    return [tuple(error["loc"]) for error in caught.value.errors()]


def test_every_token_example_is_covered() -> None:
    names = {p.name for p in EXAMPLES.glob("token_*.json")} | {
        p.name for p in EXAMPLES.glob("transport_and_format_get_token*_example.json")
    }
    assert names == {
        *TOKEN_EXAMPLES,
        "token_patch_example.json",
        "transport_and_format_get_token_example.json",
        "transport_and_format_get_token_list_example.json",
    }


@pytest.mark.parametrize("name", TOKEN_EXAMPLES)
def test_token_example_round_trips(name: str) -> None:
    body = load(name)
    assert dump(Token.model_validate(body)) == body


def test_full_rfid_example_reads_every_optional_field() -> None:
    token = Token.model_validate(load("token_example_2_full_rfid.json"))
    assert token.type == TokenType.RFID
    assert token.whitelist == WhitelistType.ALLOWED
    assert token.default_profile_type == ProfileType.GREEN
    assert token.energy_contract == EnergyContract(
        supplier_name="Greenpeace Energy eG", contract_id="0123456789"
    )
    assert (token.language, token.group_id, token.visual_number) == (
        "it",
        "DF000-2001-8999",
        "DF000-2001-8999-1",
    )


def test_patch_example_parses_with_only_the_changed_fields() -> None:
    body = load("token_patch_example.json")
    patch = TokenPatch.model_validate(body)
    assert patch.model_dump(mode="json", exclude_unset=True) == body


def test_get_token_envelope_example_round_trips() -> None:
    body = load("transport_and_format_get_token_example.json")
    response = OcpiResponse[Token].model_validate(body)
    assert response.model_dump(mode="json", exclude_none=True) == body


def test_get_token_list_envelope_example_round_trips_invalid_token_included() -> None:
    body = load("transport_and_format_get_token_list_example.json")
    response = OcpiResponse[list[Token]].model_validate(body)
    assert response.model_dump(mode="json", exclude_none=True) == body
    assert response.data is not None
    assert [t.valid for t in response.data] == [True, True, False]


def test_enums_have_exactly_the_spec_values() -> None:
    assert [v.value for v in AllowedType] == ["ALLOWED", "BLOCKED", "EXPIRED", "NO_CREDIT", "NOT_ALLOWED"]
    assert [v.value for v in TokenType] == ["AD_HOC_USER", "APP_USER", "OTHER", "RFID"]
    assert [v.value for v in WhitelistType] == ["ALWAYS", "ALLOWED", "ALLOWED_OFFLINE", "NEVER"]
    assert [v.value for v in ProfileType] == ["CHEAP", "FAST", "GREEN", "REGULAR"]


@pytest.mark.parametrize(
    "field",
    [
        "country_code",
        "party_id",
        "uid",
        "type",
        "contract_id",
        "issuer",
        "valid",
        "whitelist",
        "last_updated",
    ],
)
def test_token_required_fields(field: str) -> None:
    body = load("token_example_2_full_rfid.json")
    del body[field]
    assert error_locations(Token, body) == [(field,)]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("uid", "x" * 37),
        ("contract_id", "x" * 37),
        ("group_id", "x" * 37),
        ("visual_number", "x" * 65),
        ("issuer", "x" * 65),
        ("language", "ita"),
        ("uid", "caf\u00e9"),  # CiString: printable ASCII only
        ("type", "rfid"),  # enum values are case-sensitive
        ("whitelist", "SOMETIMES"),
        ("default_profile_type", "SLOW"),
        ("last_updated", "yesterday"),
    ],
)
def test_token_field_constraints(field: str, value: str) -> None:
    body = load("token_example_2_full_rfid.json")
    body[field] = value
    assert error_locations(Token, body) == [(field,)]


def test_energy_contract_lengths_and_required_supplier() -> None:
    assert error_locations(EnergyContract, {"contract_id": "1"}) == [("supplier_name",)]
    assert error_locations(EnergyContract, {"supplier_name": "x" * 65}) == [("supplier_name",)]
    assert error_locations(EnergyContract, {"supplier_name": "S", "contract_id": "x" * 65}) == [
        ("contract_id",)
    ]


def test_token_party_identifiers_are_upper_cased() -> None:
    body = load("token_put_example.json") | {"country_code": "nl", "party_id": "tnm"}
    token = Token.model_validate(body)
    assert (token.country_code, token.party_id) == ("NL", "TNM")


def test_token_patch_needs_last_updated() -> None:
    assert error_locations(TokenPatch, {"valid": False}) == [("last_updated",)]


@pytest.mark.parametrize("field", ["uid", "type", "contract_id", "issuer", "valid", "whitelist"])
def test_token_patch_cannot_null_a_required_field(field: str) -> None:
    assert error_locations(TokenPatch, {field: None, "last_updated": "2019-06-19T02:11:11Z"}) == [(field,)]


def test_token_patch_may_clear_an_optional_field() -> None:
    patch = TokenPatch.model_validate({"group_id": None, "last_updated": "2019-06-19T02:11:11Z"})
    assert patch.model_dump(mode="json", exclude_unset=True) == {
        "group_id": None,
        "last_updated": "2019-06-19T02:11:11Z",
    }


def test_location_references_need_a_location_id_and_take_evse_uids() -> None:
    assert error_locations(LocationReferences, {"evse_uids": ["1"]}) == [("location_id",)]
    assert error_locations(LocationReferences, {"location_id": "x" * 37}) == [("location_id",)]
    references = LocationReferences.model_validate({"location_id": "LOC1", "evse_uids": ["E1", "E2"]})
    assert dump(references) == {"location_id": "LOC1", "evse_uids": ["E1", "E2"]}


def test_authorization_info_round_trips_and_needs_allowed_and_the_token() -> None:
    token = load("token_example_2_full_rfid.json")
    body = {
        "allowed": "ALLOWED",
        "token": token,
        "location": {"location_id": "LOC1", "evse_uids": ["E1"]},
        "authorization_reference": "ref-1",
        "info": {"language": "en", "text": "Welcome"},
    }
    assert dump(AuthorizationInfo.model_validate(body)) == body
    assert error_locations(AuthorizationInfo, {"allowed": "ALLOWED"}) == [("token",)]
    assert error_locations(AuthorizationInfo, {"token": token}) == [("allowed",)]
    assert error_locations(AuthorizationInfo, body | {"authorization_reference": "x" * 37}) == [
        ("authorization_reference",)
    ]
    assert error_locations(AuthorizationInfo, body | {"allowed": "MAYBE"}) == [("allowed",)]
