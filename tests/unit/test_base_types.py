"""OCPI base types (types.asciidoc): DateTime, string(n), CiString(n), CountryCode/PartyId, DisplayText, Price, Role."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from pydantic import BaseModel, TypeAdapter, ValidationError

from hub.ocpi.base import (
    CiString4,
    CiString36,
    CountryCode,
    DateTime,
    DisplayText,
    OcpiModel,
    PartyId,
    Price,
    String2,
    String4,
    String100,
    String255,
    String512,
    Url,
    ci_equal,
    format_datetime,
    parse_datetime,
    utc_now,
)
from hub.ocpi.enums import Role, RoleIn

DATETIME = TypeAdapter(DateTime)
WIRE_FORM = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?Z$"


# --- parse_datetime -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # The four forms types_datetime_type lists.
        ("2015-06-29T20:39:09Z", datetime(2015, 6, 29, 20, 39, 9, tzinfo=UTC)),
        ("2015-06-29T20:39:09", datetime(2015, 6, 29, 20, 39, 9, tzinfo=UTC)),
        ("2016-12-29T17:45:09.2Z", datetime(2016, 12, 29, 17, 45, 9, 200000, tzinfo=UTC)),
        ("2018-01-01T01:08:01.123", datetime(2018, 1, 1, 1, 8, 1, 123000, tzinfo=UTC)),
    ],
)
def test_parse_datetime_spec_form_returns_utc(text: str, expected: datetime) -> None:
    parsed = parse_datetime(text)

    assert parsed == expected
    assert parsed.utcoffset() == timedelta(0)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2015-06-29T22:39:09+02:00", datetime(2015, 6, 29, 20, 39, 9, tzinfo=UTC)),
        ("2015-06-29T15:09:09-05:30", datetime(2015, 6, 29, 20, 39, 9, tzinfo=UTC)),
        ("2015-06-29T20:39:09+00:00", datetime(2015, 6, 29, 20, 39, 9, tzinfo=UTC)),
        ("2015-06-30T00:39:09.5+04:00", datetime(2015, 6, 29, 20, 39, 9, 500000, tzinfo=UTC)),
    ],
)
def test_parse_datetime_explicit_offset_converted_to_utc(text: str, expected: datetime) -> None:
    parsed = parse_datetime(text)

    assert parsed == expected
    assert parsed.tzinfo is UTC


def test_parse_datetime_lower_case_z_accepted() -> None:
    assert parse_datetime("2015-06-29T20:39:09z") == datetime(2015, 6, 29, 20, 39, 9, tzinfo=UTC)


def test_parse_datetime_naive_datetime_object_is_utc() -> None:
    naive = datetime(2015, 6, 29, 20, 39, 9)  # noqa: DTZ001 - naive on purpose: no zone means UTC

    parsed = parse_datetime(naive)

    assert parsed == datetime(2015, 6, 29, 20, 39, 9, tzinfo=UTC)
    assert parsed.tzinfo is UTC


def test_parse_datetime_aware_datetime_object_converted_to_utc() -> None:
    aware = datetime(2015, 6, 29, 22, 39, 9, tzinfo=timezone(timedelta(hours=2)))

    parsed = parse_datetime(aware)

    assert parsed.tzinfo is UTC
    assert (parsed.hour, parsed.minute) == (20, 39)


@pytest.mark.parametrize(
    "text",
    [
        "garbage",
        "",
        "   ",
        "T",
        "2015-06-29",  # date only
        "20150629",  # date only, basic format
        "2015-13-01T00:00:00Z",  # month 13
        "2015-06-29T25:00:00Z",  # hour 25
        "2015-06-29T20:39:09+25:00",  # offset out of range
        "29-06-2015T20:39:09",
    ],
)
def test_parse_datetime_invalid_string_raises_value_error(text: str) -> None:
    with pytest.raises(ValueError, match="not an RFC 3339 date-time"):
        parse_datetime(text)


@pytest.mark.parametrize("value", [None, 1435610349, 1.5, date(2015, 6, 29), b"2015-06-29T20:39:09Z"])
def test_parse_datetime_non_string_raises_value_error(value: Any) -> None:
    with pytest.raises(ValueError, match="must be an RFC 3339 date-time string"):
        parse_datetime(value)


# --- format_datetime ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (datetime(2015, 6, 29, 20, 39, 9, tzinfo=UTC), "2015-06-29T20:39:09Z"),
        (datetime(2015, 6, 29, 22, 39, 9, tzinfo=timezone(timedelta(hours=2))), "2015-06-29T20:39:09Z"),
        (datetime(2015, 6, 29, 20, 39, 9), "2015-06-29T20:39:09Z"),  # noqa: DTZ001 - naive = UTC
        (datetime(2016, 12, 29, 17, 45, 9, 200000, tzinfo=UTC), "2016-12-29T17:45:09.200Z"),
        (datetime(2018, 1, 1, 1, 8, 1, 123000, tzinfo=UTC), "2018-01-01T01:08:01.123Z"),
        (datetime(2018, 1, 1, 1, 8, 1, 123999, tzinfo=UTC), "2018-01-01T01:08:01.123Z"),  # truncated
        (datetime(2018, 1, 1, 1, 8, 1, 1000, tzinfo=UTC), "2018-01-01T01:08:01.001Z"),
        (datetime(2018, 1, 1, 1, 8, 1, 999, tzinfo=UTC), "2018-01-01T01:08:01Z"),  # below a millisecond
        (datetime(2015, 1, 1, 0, 30, tzinfo=timezone(timedelta(hours=1))), "2014-12-31T23:30:00Z"),
    ],
)
def test_format_datetime_any_datetime_emits_utc_z_with_millis(value: datetime, expected: str) -> None:
    assert format_datetime(value) == expected


@pytest.mark.parametrize("microsecond", [0, 1, 999, 1000, 123456, 500000, 999999])
def test_format_datetime_fraction_at_most_three_digits(microsecond: int) -> None:
    text = format_datetime(datetime(2020, 2, 29, 12, 0, 0, microsecond, tzinfo=UTC))

    assert text.endswith("Z")
    assert "." not in text or len(text.split(".")[1]) == len("123Z")


def test_format_datetime_year_below_1000_zero_padded() -> None:
    assert format_datetime(datetime(1, 1, 1, tzinfo=UTC)) == "0001-01-01T00:00:00Z"


# --- DateTime annotated type ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "wire"),
    [
        ("2015-06-29T20:39:09Z", "2015-06-29T20:39:09Z"),
        ("2015-06-29T20:39:09", "2015-06-29T20:39:09Z"),
        ("2016-12-29T17:45:09.2Z", "2016-12-29T17:45:09.200Z"),
        ("2018-01-01T01:08:01.123", "2018-01-01T01:08:01.123Z"),
        ("2015-06-29T22:39:09+02:00", "2015-06-29T20:39:09Z"),
        ("2018-01-01T01:08:01.123456Z", "2018-01-01T01:08:01.123Z"),
    ],
)
def test_datetime_type_round_trip_emits_utc_z(text: str, wire: str) -> None:
    value = DATETIME.validate_python(text)

    dumped = DATETIME.dump_python(value, mode="json")

    assert dumped == wire
    assert DATETIME.dump_json(value) == f'"{wire}"'.encode()


def test_datetime_type_in_model_serialises_z_form() -> None:
    class Stamped(BaseModel):
        last_updated: DateTime

    model = Stamped.model_validate({"last_updated": "2015-06-29T22:39:09+02:00"})

    assert model.last_updated == datetime(2015, 6, 29, 20, 39, 9, tzinfo=UTC)
    assert model.model_dump(mode="json") == {"last_updated": "2015-06-29T20:39:09Z"}


@pytest.mark.parametrize("value", ["garbage", "2015-06-29", None, 12345])
def test_datetime_type_invalid_input_raises_validation_error(value: Any) -> None:
    with pytest.raises(ValidationError, match="RFC 3339"):
        DATETIME.validate_python(value)


@pytest.mark.parametrize("text", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00"])
def test_datetime_type_offset_beyond_range_raises_validation_error(text: str) -> None:
    with pytest.raises(ValidationError):
        DATETIME.validate_python(text)


def test_utc_now_is_utc_truncated_to_milliseconds() -> None:
    now = utc_now()

    assert now.tzinfo is UTC
    assert now.microsecond % 1000 == 0
    assert abs(datetime.now(UTC) - now) < timedelta(seconds=5)


# --- string(n) and CiString(n) -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("annotation", "limit"),
    [
        (String2, 2),
        (String4, 4),
        (String100, 100),
        (String255, 255),
        (String512, 512),
        (CiString4, 4),
        (CiString36, 36),
        (Url, 255),
    ],
)
def test_string_type_at_limit_accepted_above_limit_rejected(annotation: Any, limit: int) -> None:
    adapter: TypeAdapter[str] = TypeAdapter(annotation)

    assert adapter.validate_python("a" * limit) == "a" * limit
    with pytest.raises(ValidationError, match=f"at most {limit} character"):
        adapter.validate_python("a" * (limit + 1))


@pytest.mark.parametrize("annotation", [String2, String100, CiString4, CiString36])
def test_string_type_case_preserved(annotation: Any) -> None:
    assert TypeAdapter(annotation).validate_python("aB") == "aB"


@pytest.mark.parametrize("annotation", [String2, CiString4, CiString36])
def test_string_type_non_string_rejected(annotation: Any) -> None:
    with pytest.raises(ValidationError, match="valid string"):
        TypeAdapter(annotation).validate_python(12)


@pytest.mark.parametrize("text", ["jpeg", "A b~", " ", "!#$%", "0123"])
def test_cistring_printable_ascii_accepted(text: str) -> None:
    assert TypeAdapter(CiString4).validate_python(text) == text


@pytest.mark.parametrize("text", ["caf\u00e9", "a\tb", "a\nb", "\x7f", "\x00", "\u20ac"])
def test_cistring_non_printable_or_non_ascii_rejected(text: str) -> None:
    with pytest.raises(ValidationError, match="printable ASCII"):
        TypeAdapter(CiString36).validate_python(text)


@pytest.mark.parametrize(
    ("annotation", "text"),
    [(CiString4, "abc\n"), (CountryCode, "n\n"), (PartyId, "gw\n")],
    ids=["CiString4", "CountryCode", "PartyId"],
)
def test_cistring_trailing_newline_rejected(annotation: Any, text: str) -> None:
    with pytest.raises(ValidationError, match="printable ASCII"):
        TypeAdapter(annotation).validate_python(text)


def test_string_type_non_ascii_within_limit_accepted() -> None:
    # string(n) is UTF-8, unlike CiString(n); the limit counts characters.
    assert TypeAdapter(String4).validate_python("\u00e9\u00e9\u00e9\u00e9") == "\u00e9\u00e9\u00e9\u00e9"


@pytest.mark.parametrize(
    ("left", "right", "expected"),
    [
        ("abc", "ABC", True),
        ("NL", "nl", True),
        ("GwY", "gwy", True),
        ("abc", "abd", False),
        ("ab", "abc", False),
    ],
)
def test_ci_equal_compares_case_insensitively(left: str, right: str, expected: bool) -> None:
    assert ci_equal(left, right) is expected


# --- CountryCode and PartyId -----------------------------------------------------------------------


@pytest.mark.parametrize(("raw", "expected"), [("nl", "NL"), ("Nl", "NL"), ("DE", "DE")])
def test_country_code_valid_normalised_upper_case(raw: str, expected: str) -> None:
    assert TypeAdapter(CountryCode).validate_python(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"), [("gwy", "GWY"), ("GwY", "GWY"), ("EXA", "EXA"), ("a1b", "A1B")]
)
def test_party_id_valid_normalised_upper_case(raw: str, expected: str) -> None:
    assert TypeAdapter(PartyId).validate_python(raw) == expected


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("", "at least 2"),
        ("N", "at least 2"),
        ("NLD", "at most 2"),
        ("\u00d1L", "printable ASCII"),
        ("N\t", "printable ASCII"),
    ],
)
def test_country_code_invalid_rejected(raw: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        TypeAdapter(CountryCode).validate_python(raw)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("", "at least 3"),
        ("GW", "at least 3"),
        ("GWYY", "at most 3"),
        ("G\u00dcY", "printable ASCII"),
        ("G\nY", "printable ASCII"),
    ],
)
def test_party_id_invalid_rejected(raw: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        TypeAdapter(PartyId).validate_python(raw)


# --- DisplayText, Price, OcpiModel ----------------------------------------------------------------


def test_display_text_valid_fields_kept() -> None:
    text = DisplayText.model_validate({"language": "en", "text": "Standard Tariff"})

    assert (text.language, text.text) == ("en", "Standard Tariff")
    assert text.model_dump(mode="json") == {"language": "en", "text": "Standard Tariff"}


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"language": "eng", "text": "x"}, "language"),
        ({"language": "en", "text": "x" * 513}, "text"),
        ({"text": "x"}, "language"),
        ({"language": "en"}, "text"),
    ],
)
def test_display_text_invalid_field_rejected(payload: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as info:
        DisplayText.model_validate(payload)

    assert [error["loc"] for error in info.value.errors()] == [(field,)]


def test_display_text_text_at_512_characters_accepted() -> None:
    assert len(DisplayText.model_validate({"language": "nl", "text": "x" * 512}).text) == 512


def test_ocpi_model_unknown_field_ignored() -> None:
    text = DisplayText.model_validate({"language": "en", "text": "x", "colour": "red"})

    assert "colour" not in text.model_dump()


def test_ocpi_model_assignment_refused_frozen() -> None:
    text = DisplayText.model_validate({"language": "en", "text": "x"})

    with pytest.raises(ValidationError, match="frozen"):
        text.text = "y"  # type: ignore[misc]


def test_ocpi_model_is_base_of_wire_objects() -> None:
    assert issubclass(DisplayText, OcpiModel)
    assert issubclass(Price, OcpiModel)


def test_price_incl_vat_optional_defaults_none() -> None:
    price = Price.model_validate({"excl_vat": 2})

    assert price.excl_vat == Decimal(2)
    assert isinstance(price.excl_vat, Decimal)  # money never passes through a binary float
    assert price.incl_vat is None
    assert price.model_dump(mode="json", exclude_none=True) == {"excl_vat": 2.0}


def test_price_both_values_kept() -> None:
    price = Price.model_validate({"excl_vat": 9.0, "incl_vat": 10.3})

    assert price.model_dump(mode="json") == {"excl_vat": 9.0, "incl_vat": 10.3}


@pytest.mark.parametrize(
    "payload", [{}, {"incl_vat": 1.0}, {"excl_vat": "cheap"}, {"excl_vat": 1.0, "incl_vat": "x"}]
)
def test_price_invalid_payload_rejected(payload: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        Price.model_validate(payload)


# --- RoleIn ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("cpo", Role.CPO),
        ("CPO", Role.CPO),
        ("Emsp", Role.EMSP),
        ("hub", Role.HUB),
        ("nap", Role.NAP),
        ("nsp", Role.NSP),
        ("other", Role.OTHER),
        ("scsp", Role.SCSP),
        (Role.EMSP, Role.EMSP),
    ],
)
def test_role_in_any_case_accepted(raw: Any, expected: Role) -> None:
    role = TypeAdapter(RoleIn).validate_python(raw)

    assert role is expected


def test_role_in_serialises_spec_literal() -> None:
    adapter = TypeAdapter(RoleIn)

    assert adapter.dump_python(adapter.validate_python("emsp"), mode="json") == "EMSP"


@pytest.mark.parametrize("raw", ["operator", "", "c p o", "MSP", 1, None])
def test_role_in_unknown_value_rejected(raw: Any) -> None:
    with pytest.raises(ValidationError):
        TypeAdapter(RoleIn).validate_python(raw)


def test_parse_datetime_space_separator_accepted_as_rfc3339_allows() -> None:
    # RFC 3339 section 5.6 permits a space instead of "T"; real peers send "2026-01-01 00:00:00.123456+00:00".
    assert format_datetime(parse_datetime("2026-01-01 00:00:00.123456+00:00")) == "2026-01-01T00:00:00.123Z"
