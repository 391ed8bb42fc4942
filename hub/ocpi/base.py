"""OCPI base types (types.asciidoc): string(n), CiString(n), DateTime, URL, DisplayText, Price."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    PlainSerializer,
    StringConstraints,
)

_PRINTABLE_ASCII = re.compile(r"^[\x20-\x7e]*$")


class OcpiModel(BaseModel):
    """Base of every OCPI object: unknown fields are ignored on input (DESIGN decision 4)."""

    model_config = ConfigDict(extra="ignore", frozen=True)


def _printable_ascii(value: str) -> str:
    if not _PRINTABLE_ASCII.match(value):
        raise ValueError("must contain printable ASCII characters only (CiString)")
    return value


def _string(max_length: int) -> StringConstraints:
    return StringConstraints(max_length=max_length)


# types_string_type: string(n), case-sensitive, at most n characters.
String2 = Annotated[str, _string(2)]
String4 = Annotated[str, _string(4)]
String100 = Annotated[str, _string(100)]
String255 = Annotated[str, _string(255)]
String512 = Annotated[str, _string(512)]

# types_cistring_type: CiString(n), case-insensitive printable ASCII, at most n characters.
CiString4 = Annotated[str, _string(4), AfterValidator(_printable_ascii)]
CiString36 = Annotated[str, _string(36), AfterValidator(_printable_ascii)]


def ci_equal(left: str, right: str) -> bool:
    """CiString comparison: case-insensitive."""
    return left.casefold() == right.casefold()


def _upper(value: str) -> str:
    return value.upper()


# Party identifiers are CiStrings; real peers send them lower-cased, so they are normalised on input.
CountryCode = Annotated[
    str,
    StringConstraints(min_length=2, max_length=2),
    AfterValidator(_printable_ascii),
    AfterValidator(_upper),
]
PartyId = Annotated[
    str,
    StringConstraints(min_length=3, max_length=3),
    AfterValidator(_printable_ascii),
    AfterValidator(_upper),
]

Url = Annotated[str, StringConstraints(max_length=255)]


def parse_datetime(value: Any) -> datetime:
    """Read every RFC 3339 form types_datetime_type allows; no zone means UTC, offsets are converted to UTC."""
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str):
        text = value.strip()
        try:
            parsed = datetime.fromisoformat(text.replace("z", "Z"))
        except ValueError as exc:
            raise ValueError(f"not an RFC 3339 date-time: {value!r}") from exc
        if "T" not in text.upper():
            raise ValueError(f"not an RFC 3339 date-time: {value!r}")
    else:
        raise ValueError("must be an RFC 3339 date-time string")
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def format_datetime(value: datetime) -> str:
    """Emit UTC with `Z` and at most three fraction digits (DESIGN decision 3)."""
    value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    text = value.strftime("%Y-%m-%dT%H:%M:%S")
    millis = value.microsecond // 1000
    if millis:
        text += f".{millis:03d}"
    return text + "Z"


DateTime = Annotated[
    datetime, BeforeValidator(parse_datetime), PlainSerializer(format_datetime, return_type=str)
]


def utc_now() -> datetime:
    """Now, in UTC, truncated to the millisecond precision we emit."""
    now = datetime.now(UTC)
    return now.replace(microsecond=(now.microsecond // 1000) * 1000)


class DisplayText(OcpiModel):
    """types_displaytext_class."""

    language: String2
    text: String512


class Price(OcpiModel):
    """types_price_class."""

    excl_vat: float
    incl_vat: float | None = None
