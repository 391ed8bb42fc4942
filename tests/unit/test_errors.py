"""describe_validation_errors (hub/errors.py): one readable line naming every invalid field."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from pydantic import ValidationError

from hub.errors import describe_validation_errors
from hub.ocpi.v221.credentials import Credentials
from tests.spec import EXAMPLES

EXAMPLE = EXAMPLES / "credentials_example.json"
ROLE_MESSAGE = "Input should be 'CPO', 'EMSP', 'HUB', 'NAP', 'NSP', 'OTHER' or 'SCSP'"


def credentials_errors(
    changes: dict[str, Any] | None = None, role_changes: dict[str, Any] | None = None
) -> Any:
    payload: dict[str, Any] = copy.deepcopy(json.loads(EXAMPLE.read_text(encoding="utf-8")))
    payload.update(changes or {})
    payload["roles"][0].update(role_changes or {})
    with pytest.raises(ValidationError) as info:
        Credentials.model_validate(payload)
    return info.value.errors()


def test_describe_nested_list_field_indexed_path() -> None:
    errors = credentials_errors(role_changes={"role": "boss"})

    assert describe_validation_errors(errors) == f"roles[0].role: {ROLE_MESSAGE}"


def test_describe_value_error_prefix_stripped() -> None:
    errors = credentials_errors({"token": "a b"})

    assert describe_validation_errors(errors) == (
        "token: must contain printable non-whitespace ASCII characters only (U+0021..U+007E)"
    )


def test_describe_model_validator_error_names_field() -> None:
    payload = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    payload["roles"].append(payload["roles"][0])
    with pytest.raises(ValidationError) as info:
        Credentials.model_validate(payload)

    assert describe_validation_errors(info.value.errors()) == "roles: role CPO NL*EXA is listed twice"


def test_describe_several_errors_joined_with_semicolons() -> None:
    errors = credentials_errors({"token": ""}, {"party_id": "ex", "business_details": {}})

    assert describe_validation_errors(errors) == "; ".join(
        [
            "token: String should have at least 1 character",
            "roles[0].business_details.name: Field required",
            "roles[0].party_id: String should have at least 3 characters",
        ]
    )


@pytest.mark.parametrize(
    ("loc", "expected"),
    [
        (("body", "roles", 0, "role"), "roles[0].role"),
        (("body", "roles", 12, "business_details", "logo", "width"), "roles[12].business_details.logo.width"),
        (("query", "offset"), "offset"),
        (("path", "country_code"), "country_code"),
        (("header", "x-request-id"), "x-request-id"),
        (("body", 0, "id"), "[0].id"),
        (("body", "evses", 0, "connectors", 1), "evses[0].connectors[1]"),
        (("body",), "body"),
        ((), "body"),
    ],
)
def test_describe_request_location_prefix_dropped(loc: tuple[Any, ...], expected: str) -> None:
    errors = [{"loc": loc, "msg": "Field required", "type": "missing"}]

    assert describe_validation_errors(errors) == f"{expected}: Field required"


def test_describe_missing_loc_and_msg_defaults() -> None:
    assert describe_validation_errors([{}]) == "body: invalid"


def test_describe_value_error_prefix_only_stripped_at_start() -> None:
    errors = [
        {"loc": ("body", "a"), "msg": "Value error, bad value"},
        {"loc": ("body", "b"), "msg": "bad, Value error, kept"},
    ]

    assert describe_validation_errors(errors) == "a: bad value; b: bad, Value error, kept"


def test_describe_no_errors_empty_string() -> None:
    assert describe_validation_errors([]) == ""
