"""OCPI base types (types.asciidoc): string(n), CiString(n), DateTime, URL, DisplayText, Price."""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    PlainSerializer,
    Strict,
    StringConstraints,
)

_PRINTABLE_ASCII = re.compile(r"[\x20-\x7e]*")
# RFC 3339 date-time as types_datetime_type lists it; fractions, the zone designator and its colon optional,
# and the space separator RFC 3339 section 5.6 permits (some peers send it).
_RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:?\d{2})?")


class OcpiModel(BaseModel):
    """Base of every OCPI object: unknown fields are ignored on input (DESIGN decision 4)."""

    model_config = ConfigDict(extra="ignore", frozen=True)


def _printable_ascii(value: str) -> str:
    if not _PRINTABLE_ASCII.fullmatch(value):
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
        if not _RFC3339.fullmatch(text):
            raise ValueError(f"not an RFC 3339 date-time: {value!r}")
        try:
            parsed = datetime.fromisoformat(text.upper())
        except ValueError as exc:
            raise ValueError(f"not an RFC 3339 date-time: {value!r}") from exc
    else:
        raise ValueError("must be an RFC 3339 date-time string")
    try:
        return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    except OverflowError:
        raise ValueError(f"date-time out of range: {value!r}") from None


def format_datetime(value: datetime) -> str:
    """Emit UTC with `Z` and at most three fraction digits (DESIGN decision 3)."""
    value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    text = (
        f"{value.year:04d}-{value.month:02d}-{value.day:02d}"
        f"T{value.hour:02d}:{value.minute:02d}:{value.second:02d}"
    )
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


INT64 = range(-(2**63), 2**63)


def _json_integer(value: Any) -> Any:
    # bool is an int in Python and lax parsing reads "5" as 5: neither is a JSON integer.
    if isinstance(value, bool | str):
        raise ValueError("must be a JSON integer")
    # Stored objects are JSON written by orjson, which (like most JSON parsers) stops at 64 bits.
    if isinstance(value, int) and value not in INT64:
        raise ValueError("must be a JSON integer within 64 bits")
    return value


# JSON integers and booleans exactly as the JSON Schema of our OpenAPI document describes them.
Integer = Annotated[int, BeforeValidator(_json_integer)]
Boolean = Annotated[bool, Strict()]


# types_number_type as Decimal, so money and quantities never pass through a binary float on input
# (NaN and infinities are refused); JSON output is a JSON number ("formatted as JSON numbers").
def _number_to_json(value: Decimal) -> float:
    return float(value)


def _within_double(value: Decimal) -> Decimal:
    # 1E310 is a finite Decimal but no double: it would be written as null (orjson) or inf.
    if not math.isfinite(float(value)):
        raise ValueError("must be a number within the range of a JSON double")
    return value


Number = Annotated[
    Decimal,
    AfterValidator(_within_double),
    PlainSerializer(_number_to_json, return_type=float, when_used="json"),
]


class Price(OcpiModel):
    """types_price_class, in Decimal: money never passes through a binary float."""

    excl_vat: Number
    incl_vat: Number | None = None


# Further string(n) / CiString(n) lengths used by the Locations chapter (mod_locations.asciidoc).
String3 = Annotated[str, _string(3)]
String10 = Annotated[str, _string(10)]
String16 = Annotated[str, _string(16)]
String45 = Annotated[str, _string(45)]
String64 = Annotated[str, _string(64)]
CiString48 = Annotated[str, _string(48), AfterValidator(_printable_ascii)]
