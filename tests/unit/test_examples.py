"""The spec's own examples (shared/ocpi-2.2.1/examples) parse and round-trip through the wire models,
plus the constraints of Credentials, CredentialsRole, BusinessDetails, Image, Version and VersionDetails."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import BaseModel, TypeAdapter, ValidationError

from hub.ocpi.base import DisplayText
from hub.ocpi.enums import InterfaceRole, ModuleID, Role, VersionNumber
from hub.ocpi.envelope import OcpiResponse, dump
from hub.ocpi.status import StatusCode
from hub.ocpi.v221.credentials import Credentials, CredentialsRole
from hub.ocpi.v221.locations import BusinessDetails, Image, ImageCategory
from hub.ocpi.v221.versions import Endpoint, Version, VersionDetails
from tests.spec import EXAMPLES

CI_STRING_KEYS = {"country_code", "party_id"}


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


# --- bare objects ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "model"),
    [
        ("credentials_example.json", Credentials),
        ("credentials_example2.json", Credentials),
        ("credentials_example3.json", Credentials),
        ("credentials_example4.json", Credentials),
        ("version_details_example.json", VersionDetails),
        ("version_details_example2.json", VersionDetails),
        ("type_displaytext_example.json", DisplayText),
    ],
)
def test_bare_example_round_trips(name: str, model: type[BaseModel]) -> None:
    original = load(name)

    parsed = model.model_validate(original)

    assert dump(parsed) == upper_ci_strings(original)


def test_versions_info_example_round_trips() -> None:
    original = load("versions_info_example.json")
    adapter = TypeAdapter(list[Version])

    versions = adapter.validate_python(original)

    assert adapter.dump_python(versions, mode="json", exclude_none=True) == original
    assert [v.version for v in versions] == [VersionNumber.V2_1_1, VersionNumber.V2_2_1]


def test_credentials_example_fields_parsed() -> None:
    credentials = Credentials.model_validate(load("credentials_example.json"))

    assert credentials.token == "ebf3b399-779f-4497-9b9d-ac6ad3cc44d2"
    assert credentials.url == "https://example.com/ocpi/versions"
    assert credentials.roles == [
        CredentialsRole.model_validate(
            {
                "role": "CPO",
                "party_id": "EXA",
                "country_code": "NL",
                "business_details": {"name": "Example Operator"},
            }
        )
    ]
    assert credentials.roles[0].role is Role.CPO


def test_credentials_example2_same_party_two_roles_accepted() -> None:
    credentials = Credentials.model_validate(load("credentials_example2.json"))

    assert [(r.role, r.country_code, r.party_id) for r in credentials.roles] == [
        (Role.CPO, "NL", "EXA"),
        (Role.EMSP, "NL", "EXA"),
    ]


def test_credentials_example3_logo_parsed() -> None:
    details = Credentials.model_validate(load("credentials_example3.json")).roles[0].business_details

    assert details.website == "http://example.com"
    assert details.logo == Image(
        url="https://example.com/img/logo.jpg",
        thumbnail="https://example.com/img/logo_thumb.jpg",
        category=ImageCategory.OPERATOR,
        type="jpeg",
        width=512,
        height=512,
    )


def test_credentials_example4_same_role_three_parties_accepted() -> None:
    credentials = Credentials.model_validate(load("credentials_example4.json"))

    assert [r.party_id for r in credentials.roles] == ["EXO", "PFC", "CGP"]
    assert {r.role for r in credentials.roles} == {Role.CPO}


@pytest.mark.parametrize("name", ["version_details_example.json", "version_details_example2.json"])
def test_version_details_example_says_2_2_kept_as_is(name: str) -> None:
    # Documented mistake (digest section 17): the 2.2.1 examples say version "2.2". It is still a valid
    # (deprecated) VersionNumber, so the example parses and round-trips; the model neither rejects
    # nor "corrects" it to 2.2.1.
    details = VersionDetails.model_validate(load(name))

    assert details.version is VersionNumber.V2_2
    assert dump(details)["version"] == "2.2"


def test_version_details_example2_endpoints_parsed() -> None:
    details = VersionDetails.model_validate(load("version_details_example2.json"))

    assert [(e.identifier, e.role) for e in details.endpoints] == [
        (ModuleID.CREDENTIALS, InterfaceRole.RECEIVER),
        (ModuleID.LOCATIONS, InterfaceRole.SENDER),
        (ModuleID.TOKENS, InterfaceRole.RECEIVER),
        (ModuleID.LOCATIONS, InterfaceRole.RECEIVER),
        (ModuleID.TOKENS, InterfaceRole.SENDER),
    ]


# --- enveloped responses --------------------------------------------------------------------------


def test_transport_version_info_example_enveloped_round_trips() -> None:
    original = load("transport_and_format_version_info_example.json")

    response = OcpiResponse[list[Version]].model_validate(original)

    assert dump(response) == original
    assert response.status_code == StatusCode.SUCCESS
    assert response.timestamp == datetime(2015, 6, 30, 21, 59, 59, tzinfo=UTC)
    assert response.data is not None
    # Same documented "2.2" in place of "2.2.1"; valid as a (deprecated) VersionNumber.
    assert [v.version for v in response.data] == [VersionNumber.V2_1_1, VersionNumber.V2_2]


def test_transport_version_details_example_enveloped_round_trips() -> None:
    original = load("transport_and_format_version_details_example.json")

    response = OcpiResponse[VersionDetails].model_validate(original)

    assert dump(response) == original
    assert response.status_message == "Success"
    assert response.data is not None
    assert [e.identifier for e in response.data.endpoints] == [ModuleID.CREDENTIALS, ModuleID.LOCATIONS]


def test_transport_version_details_example_data_is_version_details() -> None:
    original = load("transport_and_format_version_details_example.json")

    details = VersionDetails.model_validate(original["data"])

    assert dump(details) == original["data"]


# --- Credentials constraints ----------------------------------------------------------------------


def credentials_payload() -> dict[str, Any]:
    payload: dict[str, Any] = copy.deepcopy(load("credentials_example.json"))
    return payload


def test_credentials_lower_case_identifiers_normalised() -> None:
    payload = credentials_payload()
    payload["roles"][0].update(role="cpo", party_id="exa", country_code="nl")

    credentials = Credentials.model_validate(payload)

    assert dump(credentials) == load("credentials_example.json")


@pytest.mark.parametrize("token", ["a" * 64, "!", "~" * 10, "ebf3b399-779f-4497-9b9d-ac6ad3cc44d2"])
def test_credentials_token_within_rules_accepted(token: str) -> None:
    payload = credentials_payload()
    payload["token"] = token

    assert Credentials.model_validate(payload).token == token


@pytest.mark.parametrize(
    ("token", "message"),
    [
        ("", "at least 1 character"),
        ("a" * 65, "at most 64 characters"),
        ("a b", "printable non-whitespace ASCII"),
        ("a\tb", "printable non-whitespace ASCII"),
        ("t\u00f6ken", "printable non-whitespace ASCII"),
    ],
)
def test_credentials_token_breaking_rules_rejected(token: str, message: str) -> None:
    payload = credentials_payload()
    payload["token"] = token

    with pytest.raises(ValidationError, match=message):
        Credentials.model_validate(payload)


def test_credentials_token_trailing_newline_rejected() -> None:
    payload = credentials_payload()
    payload["token"] = "token\n"

    with pytest.raises(ValidationError, match="printable non-whitespace ASCII"):
        Credentials.model_validate(payload)


def test_credentials_empty_roles_rejected() -> None:
    payload = credentials_payload()
    payload["roles"] = []

    with pytest.raises(ValidationError, match="at least 1 item"):
        Credentials.model_validate(payload)


def test_credentials_duplicate_role_rejected() -> None:
    payload = credentials_payload()
    duplicate = copy.deepcopy(payload["roles"][0])
    duplicate.update(party_id="exa", country_code="nl", business_details={"name": "Other name"})
    payload["roles"].append(duplicate)

    with pytest.raises(ValidationError, match=r"role CPO NL\*EXA is listed twice"):
        Credentials.model_validate(payload)


def test_credentials_url_over_255_rejected() -> None:
    payload = credentials_payload()
    payload["url"] = "https://example.com/" + "v" * 236

    with pytest.raises(ValidationError, match="at most 255 characters"):
        Credentials.model_validate(payload)


@pytest.mark.parametrize("field", ["token", "url", "roles"])
def test_credentials_missing_required_field_rejected(field: str) -> None:
    payload = credentials_payload()
    del payload[field]

    with pytest.raises(ValidationError) as info:
        Credentials.model_validate(payload)

    assert [(e["loc"], e["type"]) for e in info.value.errors()] == [((field,), "missing")]


@pytest.mark.parametrize("field", ["role", "business_details", "party_id", "country_code"])
def test_credentials_role_missing_required_field_rejected(field: str) -> None:
    payload = credentials_payload()
    del payload["roles"][0][field]

    with pytest.raises(ValidationError) as info:
        Credentials.model_validate(payload)

    assert [e["loc"] for e in info.value.errors()] == [("roles", 0, field)]


def test_credentials_unknown_fields_ignored() -> None:
    payload = credentials_payload()
    payload["extra"] = 1
    payload["roles"][0]["extra"] = 2

    assert dump(Credentials.model_validate(payload)) == load("credentials_example.json")


# --- BusinessDetails and Image --------------------------------------------------------------------


def image_payload(**changes: Any) -> dict[str, Any]:
    payload: dict[str, Any] = copy.deepcopy(
        load("credentials_example3.json")["roles"][0]["business_details"]["logo"]
    )
    payload.update(changes)
    return payload


@pytest.mark.parametrize("size", [0, 1, 99999])
def test_image_dimension_in_range_accepted(size: int) -> None:
    image = Image.model_validate(image_payload(width=size, height=size))

    assert (image.width, image.height) == (size, size)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"width": 100000}, "width"),
        ({"height": -1}, "height"),
        ({"type": "jpeg2"}, "type"),
        ({"type": "j\u00e9g"}, "type"),
        ({"category": "LOGO"}, "category"),
        ({"category": "operator"}, "category"),
        ({"url": "https://example.com/" + "i" * 236}, "url"),
    ],
)
def test_image_invalid_field_rejected(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as info:
        Image.model_validate(image_payload(**changes))

    assert [e["loc"] for e in info.value.errors()] == [(field,)]


def test_image_optional_fields_omitted_on_dump() -> None:
    image = Image.model_validate({"url": "https://example.com/a.png", "category": "OTHER", "type": "png"})

    assert dump(image) == {"url": "https://example.com/a.png", "category": "OTHER", "type": "png"}


@pytest.mark.parametrize("category", list(ImageCategory))
def test_image_every_category_accepted(category: ImageCategory) -> None:
    assert Image.model_validate(image_payload(category=category.value)).category is category


def test_business_details_name_limits() -> None:
    assert BusinessDetails.model_validate({"name": "n" * 100}).name == "n" * 100
    with pytest.raises(ValidationError, match="at most 100 characters"):
        BusinessDetails.model_validate({"name": "n" * 101})


def test_business_details_only_name_dumps_name() -> None:
    assert dump(BusinessDetails.model_validate({"name": "Example Operator"})) == {"name": "Example Operator"}


# --- Version, Endpoint, VersionDetails ------------------------------------------------------------


@pytest.mark.parametrize("version", ["2.0", "2.1", "2.1.1", "2.2", "2.2.1"])
def test_version_every_number_accepted(version: str) -> None:
    parsed = Version.model_validate({"version": version, "url": "https://x/ocpi/" + version})

    assert parsed.version.value == version


@pytest.mark.parametrize("version", ["2.3", "3.0", "2.2.2", "v2.2.1", 2.2])
def test_version_unknown_number_rejected(version: Any) -> None:
    with pytest.raises(ValidationError):
        Version.model_validate({"version": version, "url": "https://x/ocpi"})


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("identifier", "nltnm-tokens"),
        ("identifier", "Locations"),
        ("role", "sender"),
        ("role", "BOTH"),
    ],
)
def test_endpoint_unknown_enum_value_rejected(field: str, value: str) -> None:
    payload = {"identifier": "locations", "role": "SENDER", "url": "https://x/ocpi/2.2.1/locations"}
    payload[field] = value

    with pytest.raises(ValidationError) as info:
        Endpoint.model_validate(payload)

    assert [e["loc"] for e in info.value.errors()] == [(field,)]


@pytest.mark.parametrize("module", list(ModuleID))
def test_endpoint_every_module_accepted(module: ModuleID) -> None:
    endpoint = Endpoint.model_validate({"identifier": module.value, "role": "RECEIVER", "url": "https://x"})

    assert endpoint.identifier is module
