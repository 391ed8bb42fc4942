"""OCPI HTTP headers: request ids (transport_and_format_unique_message_ids) and routing headers
(transport_and_format_message_routing)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

REQUEST_ID = "X-Request-ID"
CORRELATION_ID = "X-Correlation-ID"
TOTAL_COUNT = "X-Total-Count"
LIMIT = "X-Limit"
LINK = "Link"

TO_PARTY_ID = "OCPI-to-party-id"
TO_COUNTRY_CODE = "OCPI-to-country-code"
FROM_PARTY_ID = "OCPI-from-party-id"
FROM_COUNTRY_CODE = "OCPI-from-country-code"
ROUTING_HEADERS = (TO_PARTY_ID, TO_COUNTRY_CODE, FROM_PARTY_ID, FROM_COUNTRY_CODE)

_CI_STRING = re.compile(r"^[\x21-\x7e]+$")


class RoutingHeaderError(ValueError):
    """A routing header is malformed or only half of a pair is present."""


@dataclass(frozen=True)
class PartyRef:
    """A party as routing headers address it: country code and party id, upper-cased (CiString)."""

    country_code: str
    party_id: str

    def __str__(self) -> str:
        return f"{self.country_code}*{self.party_id}"


@dataclass(frozen=True)
class RoutingHeaders:
    """The OCPI-to-* and OCPI-from-* pairs of one request; either pair may be absent."""

    to: PartyRef | None = None
    from_: PartyRef | None = None

    @property
    def present(self) -> bool:
        return self.to is not None or self.from_ is not None

    def as_headers(self) -> dict[str, str]:
        headers: dict[str, str] = {}
        if self.to is not None:
            headers[TO_COUNTRY_CODE] = self.to.country_code
            headers[TO_PARTY_ID] = self.to.party_id
        if self.from_ is not None:
            headers[FROM_COUNTRY_CODE] = self.from_.country_code
            headers[FROM_PARTY_ID] = self.from_.party_id
        return headers


def _pair(headers: Mapping[str, str], country_header: str, party_header: str) -> PartyRef | None:
    country = headers.get(country_header)
    party = headers.get(party_header)
    if country is None and party is None:
        return None
    if country is None or party is None:
        missing = country_header if country is None else party_header
        present = party_header if country is None else country_header
        raise RoutingHeaderError(f"{missing} is required when {present} is present")
    country, party = country.strip(), party.strip()
    if not (len(country) == 2 and _CI_STRING.match(country)):
        raise RoutingHeaderError(f"{country_header} must be a CiString(2) country code, got {country!r}")
    if not (len(party) == 3 and _CI_STRING.match(party)):
        raise RoutingHeaderError(f"{party_header} must be a CiString(3) party id, got {party!r}")
    return PartyRef(country.upper(), party.upper())


def parse_routing_headers(headers: Mapping[str, str]) -> RoutingHeaders:
    """Parse the four routing headers (names are case-insensitive when `headers` is case-insensitive)."""
    return RoutingHeaders(
        to=_pair(headers, TO_COUNTRY_CODE, TO_PARTY_ID),
        from_=_pair(headers, FROM_COUNTRY_CODE, FROM_PARTY_ID),
    )


def routing_headers_present(headers: Mapping[str, str]) -> list[str]:
    """Names of the routing headers present in `headers`."""
    return [name for name in ROUTING_HEADERS if headers.get(name) is not None]
