"""Routing headers (transport_and_format_message_routing)."""

from __future__ import annotations

import httpx
import pytest

from hub.ocpi.headers import (
    FROM_COUNTRY_CODE,
    FROM_PARTY_ID,
    ROUTING_HEADERS,
    TO_COUNTRY_CODE,
    TO_PARTY_ID,
    PartyRef,
    RoutingHeaderError,
    RoutingHeaders,
    parse_routing_headers,
    routing_headers_present,
)

FULL = {
    TO_COUNTRY_CODE: "NL",
    TO_PARTY_ID: "GWY",
    FROM_COUNTRY_CODE: "DE",
    FROM_PARTY_ID: "MSP",
}


def test_header_names_match_spec_spelling() -> None:
    assert ROUTING_HEADERS == (
        "OCPI-to-party-id",
        "OCPI-to-country-code",
        "OCPI-from-party-id",
        "OCPI-from-country-code",
    )


def test_parse_routing_headers_both_pairs_parsed() -> None:
    parsed = parse_routing_headers(FULL)

    assert parsed.to == PartyRef("NL", "GWY")
    assert parsed.from_ == PartyRef("DE", "MSP")
    assert parsed.present is True


def test_parse_routing_headers_none_present_empty() -> None:
    parsed = parse_routing_headers({"Authorization": "Token x"})

    assert parsed == RoutingHeaders()
    assert parsed.to is None
    assert parsed.from_ is None
    assert parsed.present is False


@pytest.mark.parametrize(
    ("headers", "to", "from_"),
    [
        ({TO_COUNTRY_CODE: "NL", TO_PARTY_ID: "GWY"}, PartyRef("NL", "GWY"), None),
        ({FROM_COUNTRY_CODE: "DE", FROM_PARTY_ID: "MSP"}, None, PartyRef("DE", "MSP")),
    ],
)
def test_parse_routing_headers_single_pair_other_absent(
    headers: dict[str, str], to: PartyRef | None, from_: PartyRef | None
) -> None:
    parsed = parse_routing_headers(headers)

    assert (parsed.to, parsed.from_) == (to, from_)
    assert parsed.present is True


def test_parse_routing_headers_lower_case_values_upper_cased() -> None:
    parsed = parse_routing_headers(
        {TO_COUNTRY_CODE: "nl", TO_PARTY_ID: "gwy", FROM_COUNTRY_CODE: "De", FROM_PARTY_ID: "mSp"}
    )

    assert parsed.to == PartyRef("NL", "GWY")
    assert parsed.from_ == PartyRef("DE", "MSP")


def test_parse_routing_headers_surrounding_whitespace_stripped() -> None:
    parsed = parse_routing_headers({TO_COUNTRY_CODE: " nl ", TO_PARTY_ID: "\tgwy "})

    assert parsed.to == PartyRef("NL", "GWY")


def test_parse_routing_headers_case_insensitive_mapping_any_name_case() -> None:
    headers = httpx.Headers(
        {
            "ocpi-to-country-code": "NL",
            "OCPI-TO-PARTY-ID": "GWY",
            "Ocpi-From-Country-Code": "DE",
            "ocpi-from-party-id": "MSP",
        }
    )

    parsed = parse_routing_headers(headers)

    assert parsed.to == PartyRef("NL", "GWY")
    assert parsed.from_ == PartyRef("DE", "MSP")


@pytest.mark.parametrize(
    ("headers", "missing", "present"),
    [
        ({TO_PARTY_ID: "GWY"}, TO_COUNTRY_CODE, TO_PARTY_ID),
        ({TO_COUNTRY_CODE: "NL"}, TO_PARTY_ID, TO_COUNTRY_CODE),
        ({FROM_PARTY_ID: "MSP"}, FROM_COUNTRY_CODE, FROM_PARTY_ID),
        ({FROM_COUNTRY_CODE: "DE"}, FROM_PARTY_ID, FROM_COUNTRY_CODE),
        ({TO_COUNTRY_CODE: "NL", TO_PARTY_ID: "GWY", FROM_PARTY_ID: "MSP"}, FROM_COUNTRY_CODE, FROM_PARTY_ID),
    ],
)
def test_parse_routing_headers_half_pair_raises_naming_missing(
    headers: dict[str, str], missing: str, present: str
) -> None:
    with pytest.raises(RoutingHeaderError) as info:
        parse_routing_headers(headers)

    assert str(info.value) == f"{missing} is required when {present} is present"


def test_routing_header_error_is_value_error() -> None:
    assert issubclass(RoutingHeaderError, ValueError)


@pytest.mark.parametrize(
    ("header", "value"),
    [
        (TO_COUNTRY_CODE, "NLD"),
        (TO_COUNTRY_CODE, "N"),
        (TO_COUNTRY_CODE, ""),
        (TO_COUNTRY_CODE, "N L"),
        (TO_COUNTRY_CODE, "N\u00e9"),
        (TO_PARTY_ID, "GW"),
        (TO_PARTY_ID, "GWYY"),
        (TO_PARTY_ID, "G Y"),
        (TO_PARTY_ID, ""),
        (FROM_COUNTRY_CODE, "DEU"),
        (FROM_PARTY_ID, "M\u00fcP"),
    ],
)
def test_parse_routing_headers_bad_length_or_characters_raises_naming_header(header: str, value: str) -> None:
    headers = dict(FULL)
    headers[header] = value

    with pytest.raises(RoutingHeaderError, match=f"^{header} must be a CiString"):
        parse_routing_headers(headers)


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({}, []),
        (FULL, list(ROUTING_HEADERS)),
        ({TO_PARTY_ID: "GWY"}, [TO_PARTY_ID]),
        ({FROM_COUNTRY_CODE: "", "X-Request-ID": "1"}, [FROM_COUNTRY_CODE]),
        ({FROM_PARTY_ID: "MSP", TO_COUNTRY_CODE: "NL"}, [TO_COUNTRY_CODE, FROM_PARTY_ID]),
    ],
)
def test_routing_headers_present_lists_names_in_spec_order(
    headers: dict[str, str], expected: list[str]
) -> None:
    assert routing_headers_present(headers) == expected


def test_routing_headers_present_case_insensitive_mapping_found() -> None:
    assert routing_headers_present(httpx.Headers({"ocpi-to-party-id": "GWY"})) == [TO_PARTY_ID]


def test_as_headers_both_pairs_all_four_headers() -> None:
    headers = RoutingHeaders(to=PartyRef("NL", "GWY"), from_=PartyRef("DE", "MSP")).as_headers()

    assert headers == FULL


@pytest.mark.parametrize(
    ("routing", "expected"),
    [
        (RoutingHeaders(), {}),
        (RoutingHeaders(to=PartyRef("NL", "GWY")), {TO_COUNTRY_CODE: "NL", TO_PARTY_ID: "GWY"}),
        (RoutingHeaders(from_=PartyRef("DE", "MSP")), {FROM_COUNTRY_CODE: "DE", FROM_PARTY_ID: "MSP"}),
    ],
)
def test_as_headers_absent_pair_omitted(routing: RoutingHeaders, expected: dict[str, str]) -> None:
    assert routing.as_headers() == expected


@pytest.mark.parametrize(
    "routing",
    [
        RoutingHeaders(),
        RoutingHeaders(to=PartyRef("NL", "GWY")),
        RoutingHeaders(from_=PartyRef("DE", "MSP")),
        RoutingHeaders(to=PartyRef("NL", "GWY"), from_=PartyRef("DE", "MSP")),
    ],
)
def test_as_headers_parsed_back_equal(routing: RoutingHeaders) -> None:
    assert parse_routing_headers(routing.as_headers()) == routing


def test_party_ref_str_joins_with_star() -> None:
    assert str(PartyRef("NL", "GWY")) == "NL*GWY"
