"""The HubClientInfo chapter (mod_hub_client_info.asciidoc) against our wire models: ClientInfo's properties and
ConnectionStatus's values exactly as its tables list them, its PUT example (broken as printed) and its GET example
URLs; the module is a configuration module."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from pydantic import ValidationError

from hub.modules.hub_client_info import module as hub_client_info_module
from hub.modules.hub_client_info.service import connection_status, page_of, receiver_url
from hub.ocpi.enums import CONFIGURATION_MODULES, ModuleID, Role
from hub.ocpi.pagination import PageRequest
from hub.ocpi.v221.hub_client_info import ClientInfo, ConnectionStatus
from hub.tables import PartnerStatus
from tests.spec import SPEC

CHAPTER = (SPEC / "mod_hub_client_info.asciidoc").read_text(encoding="utf-8")


def table_after(anchor: str) -> list[list[str]]:
    """The rows of the first asciidoc table after `anchor`, each as its cells, without the header row."""
    text = CHAPTER[CHAPTER.index(anchor) :]
    start = text.index("|===") + len("|===")
    body = text[start : text.index("|===", start)]
    rows = [
        [cell.strip() for cell in line.split("|")[1:]] for line in body.splitlines() if line.startswith("|")
    ]
    return rows[1:]


def put_example() -> tuple[str, str]:
    """The PUT example as printed: (its URL, its body)."""
    text = CHAPTER[CHAPTER.index("Example: put a new ClientInfo object") :]
    block = text[text.index("----") + 4 :]
    block = block[: block.index("----")]
    first, _, body = block.strip().partition("\n")
    return first.removeprefix("PUT To URL: ").strip(), body.strip()


def repaired(body: str) -> Any:
    """The example without its trailing comma."""
    return json.loads(re.sub(r",\s*}", "}", body))


def test_client_info_has_exactly_the_properties_of_the_spec_table_in_order() -> None:
    rows = table_after("==== _ClientInfo_ Object")

    assert [row[0] for row in rows] == list(ClientInfo.model_fields)
    assert [row[0] for row in rows] == ["party_id", "country_code", "role", "status", "last_updated"]
    assert all(row[2] == "1" for row in rows)  # every property is required


def test_connection_status_has_exactly_the_values_of_the_spec_table() -> None:
    rows = table_after("==== ConnectionStatus _enum_")

    assert [row[0] for row in rows] == [status.value for status in ConnectionStatus]
    assert [status.value for status in ConnectionStatus] == ["CONNECTED", "OFFLINE", "PLANNED", "SUSPENDED"]


def test_put_example_as_printed_is_not_json() -> None:
    # Digest 13: "the PUT example has a trailing comma and no last_updated".
    _url, body = put_example()

    assert body.rstrip("}").rstrip().endswith('"status": "PLANNED",')
    with pytest.raises(json.JSONDecodeError):
        json.loads(body)


def test_put_example_without_its_trailing_comma_lacks_only_last_updated() -> None:
    _url, body = put_example()

    with pytest.raises(ValidationError) as caught:
        ClientInfo.model_validate(repaired(body))

    assert [(error["loc"], error["type"]) for error in caught.value.errors()] == [
        (("last_updated",), "missing")
    ]


def test_put_example_with_last_updated_round_trips() -> None:
    _url, body = put_example()
    original = repaired(body) | {"last_updated": "2019-01-28T12:00:00Z"}

    client_info = ClientInfo.model_validate(original)

    assert client_info.model_dump(mode="json") == original
    assert (client_info.role, client_info.status) == (Role.CPO, ConnectionStatus.PLANNED)


def test_put_example_url_names_the_party_the_client_info_describes() -> None:
    # The parameter table says "Country code of the eMSP sending this PUT request to the CPO system", a
    # copy-paste; the example (and ocpi/ocpi#491) put the described party's country_code/party_id in the URL.
    url, body = put_example()
    example = repaired(body)

    assert urlsplit(url).path.split("/")[-2:] == [example["country_code"], example["party_id"]]


def test_receiver_url_is_endpoint_then_country_code_then_party_id() -> None:
    url, body = put_example()
    client_info = ClientInfo.model_validate(repaired(body) | {"last_updated": "2019-01-28T12:00:00Z"})

    assert receiver_url(url.rsplit("/", 2)[0], client_info) == url
    assert receiver_url(url.rsplit("/", 2)[0] + "/", client_info) == url


GET_EXAMPLES = re.findall(r"`\+(https://[^+]+hubclientinfo/\?[^+]*)\+`", CHAPTER)


def test_every_get_example_url_is_found() -> None:
    assert len(GET_EXAMPLES) == 4


@pytest.mark.parametrize("url", GET_EXAMPLES)
def test_get_example_queries_are_valid_pagination_requests(url: str) -> None:
    query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}

    page = PageRequest.parse(
        offset=query.get("offset"),
        limit=query.get("limit"),
        date_from=query.get("date_from"),
        date_to=query.get("date_to"),
        max_limit=100,
    )

    assert page.offset == int(query.get("offset", 0))
    if "date_from" in query:
        assert page.date_from is not None
        assert page.date_from.utcoffset() is not None  # no zone designator means UTC


def make(**change: str) -> dict[str, str]:
    return {
        "party_id": "ALL",
        "country_code": "NL",
        "role": "CPO",
        "status": "CONNECTED",
        "last_updated": "2019-01-28T12:00:00Z",
    } | change


@pytest.mark.parametrize(
    ("change", "field", "kind"),
    [
        ({"party_id": "ALLE"}, "party_id", "string_too_long"),
        ({"party_id": "AL"}, "party_id", "string_too_short"),
        ({"country_code": "NLD"}, "country_code", "string_too_long"),
        ({"party_id": "ÄLL"}, "party_id", "value_error"),  # CiString: printable ASCII
        ({"status": "connected"}, "status", "enum"),  # enum values are case-sensitive
        ({"status": "ONLINE"}, "status", "enum"),
        ({"role": "DRIVER"}, "role", "enum"),
        ({"last_updated": "28-01-2019"}, "last_updated", "value_error"),
    ],
)
def test_client_info_constraints(change: dict[str, str], field: str, kind: str) -> None:
    with pytest.raises(ValidationError) as caught:
        ClientInfo.model_validate(make(**change))

    assert [(error["loc"], error["type"]) for error in caught.value.errors()] == [((field,), kind)]


def test_party_identifiers_and_role_are_read_case_insensitively_and_written_as_the_spec_spells_them() -> None:
    client_info = ClientInfo.model_validate(make(party_id="all", country_code="nl", role="cpo"))

    assert (client_info.party_id, client_info.country_code, client_info.role) == ("ALL", "NL", Role.CPO)


def test_last_updated_with_an_offset_is_written_in_utc() -> None:
    client_info = ClientInfo.model_validate(make(last_updated="2019-01-28T13:00:00.1234+01:00"))

    assert client_info.model_dump(mode="json")["last_updated"] == "2019-01-28T12:00:00.123Z"


def test_unknown_fields_are_ignored() -> None:
    assert "extra" not in ClientInfo.model_validate(make(extra="x")).model_dump()


def test_hub_client_info_is_a_configuration_module() -> None:
    # "*Type:* Configuration Module"; transport_and_format_message_routing: routing headers "SHALL NOT be
    # used with these modules", which the registry enforces for every module that is not functional.
    assert "*Type:* Configuration Module" in CHAPTER
    assert ModuleID.HUB_CLIENT_INFO in CONFIGURATION_MODULES
    assert hub_client_info_module.id == ModuleID.HUB_CLIENT_INFO
    assert not hub_client_info_module.functional


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (PartnerStatus.REGISTERED, ConnectionStatus.CONNECTED),
        (PartnerStatus.UNREGISTERED, ConnectionStatus.SUSPENDED),
        (PartnerStatus.INVITED, ConnectionStatus.PLANNED),
        (PartnerStatus.CONNECTING, ConnectionStatus.PLANNED),
    ],
)
def test_connection_status_of_each_partner_status(status: PartnerStatus, expected: ConnectionStatus) -> None:
    assert connection_status(status) == expected


def test_page_of_filters_date_from_inclusive_and_date_to_exclusive() -> None:
    infos = [
        ClientInfo.model_validate(make(party_id=f"P{d}0", last_updated=f"2026-01-0{d}T00:00:00Z"))
        for d in (1, 2, 3)
    ]
    page = PageRequest.parse(
        offset="0", limit="10", date_from="2026-01-02T00:00:00Z", date_to="2026-01-03T00:00:00Z", max_limit=10
    )

    assert page_of(infos, page) == (1, [infos[1]])
