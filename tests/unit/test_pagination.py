"""Pagination of list GETs (transport_and_format_pagination)."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import pytest

from hub.ocpi.headers import LIMIT, LINK, TOTAL_COUNT
from hub.ocpi.pagination import PageRequest, PaginationError, page_headers

URL = "https://hub.example.com/ocpi/2.2.1/locations"


def parse(
    *,
    offset: str | None = None,
    limit: str | None = None,
    date_from: str | None = None,
    date_to: str | None = None,
    max_limit: int = 100,
) -> PageRequest:
    return PageRequest.parse(
        offset=offset, limit=limit, date_from=date_from, date_to=date_to, max_limit=max_limit
    )


def parse_one(name: str, raw: str) -> PageRequest:
    """Parse with only the query parameter `name` set to `raw`."""
    values: dict[str, str | None] = {"offset": None, "limit": None, "date_from": None, "date_to": None}
    values[name] = raw
    return PageRequest.parse(**values, max_limit=100)


def link_query(headers: dict[str, str]) -> dict[str, list[str]]:
    """The query of the Link header's URL, checking its `<url>; rel="next"` shape."""
    link = headers[LINK]
    assert link.startswith("<")
    assert link.endswith('>; rel="next"')
    url = link[1 : -len('>; rel="next"')]
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == URL
    return parse_qs(parts.query)


# --- PageRequest.parse ----------------------------------------------------------------------------


@pytest.mark.parametrize("empty", [None, ""])
def test_parse_no_parameters_defaults(empty: str | None) -> None:
    page = parse(offset=empty, limit=empty, date_from=empty, date_to=empty, max_limit=50)

    assert page == PageRequest(offset=0, limit=50, date_from=None, date_to=None)


def test_parse_valid_parameters_kept() -> None:
    page = parse(
        offset="20", limit="10", date_from="2019-01-28T12:00:00Z", date_to="2019-01-29T12:00:00", max_limit=50
    )

    assert page.offset == 20
    assert page.limit == 10
    assert page.date_from == datetime(2019, 1, 28, 12, tzinfo=UTC)
    assert page.date_to == datetime(2019, 1, 29, 12, tzinfo=UTC)


@pytest.mark.parametrize(("limit", "expected"), [("1000", 50), ("51", 50), ("50", 50), ("49", 49), ("0", 0)])
def test_parse_limit_capped_at_max_limit(limit: str, expected: int) -> None:
    assert parse(limit=limit, max_limit=50).limit == expected


def test_parse_date_with_offset_converted_to_utc() -> None:
    page = parse(date_from="2015-06-29T22:39:09+02:00")

    assert page.date_from == datetime(2015, 6, 29, 20, 39, 9, tzinfo=UTC)
    assert page.date_from is not None
    assert page.date_from.tzinfo is UTC


@pytest.mark.parametrize("name", ["offset", "limit"])
@pytest.mark.parametrize("raw", ["-1", "-100"])
def test_parse_negative_integer_raises_naming_parameter(name: str, raw: str) -> None:
    with pytest.raises(PaginationError, match=f"^{name} must not be negative, got {raw}$"):
        parse_one(name, raw)


@pytest.mark.parametrize("name", ["offset", "limit"])
@pytest.mark.parametrize("raw", ["abc", "1.5", "1e3", "ten", "0x10"])
def test_parse_non_integer_raises_naming_parameter(name: str, raw: str) -> None:
    with pytest.raises(PaginationError) as info:
        parse_one(name, raw)

    assert str(info.value) == f"{name} must be an integer, got {raw!r}"


@pytest.mark.parametrize("name", ["date_from", "date_to"])
@pytest.mark.parametrize("raw", ["yesterday", "2019-01-28", "2019-02-30T00:00:00Z"])
def test_parse_bad_date_raises_naming_parameter(name: str, raw: str) -> None:
    with pytest.raises(PaginationError) as info:
        parse_one(name, raw)

    assert str(info.value) == f"{name} must be an RFC 3339 date-time, got {raw!r}"


def test_pagination_error_is_value_error() -> None:
    assert issubclass(PaginationError, ValueError)


def test_parse_date_offset_beyond_range_raises_pagination_error() -> None:
    with pytest.raises(PaginationError, match="date_from"):
        parse(date_from="0001-01-01T00:00:00+01:00")


# --- page_headers ---------------------------------------------------------------------------------


def test_page_headers_first_page_of_many_links_next() -> None:
    page = parse(offset="0", limit="10", max_limit=100)

    headers = page_headers(url=URL, page=page, returned=10, total=25, max_limit=100)

    assert headers[TOTAL_COUNT] == "25"
    assert headers[LIMIT] == "100"
    assert link_query(headers) == {"offset": ["10"], "limit": ["10"]}


def test_page_headers_x_limit_is_server_maximum_not_returned_count() -> None:
    page = parse(limit="5", max_limit=20)

    headers = page_headers(url=URL, page=page, returned=5, total=100, max_limit=20)

    assert headers[LIMIT] == "20"
    assert headers[TOTAL_COUNT] == "100"


def test_page_headers_middle_page_next_offset_advances_by_returned() -> None:
    page = parse(offset="10", limit="10")

    # The server may return fewer than asked for; the next page starts after what was returned.
    headers = page_headers(url=URL, page=page, returned=7, total=25, max_limit=100)

    assert link_query(headers) == {"offset": ["17"], "limit": ["10"]}


@pytest.mark.parametrize(
    ("offset", "returned", "total"),
    [("20", 5, 25), ("0", 25, 25), ("0", 3, 3), ("24", 1, 25), ("30", 5, 25)],
)
def test_page_headers_last_page_no_link(offset: str, returned: int, total: int) -> None:
    page = parse(offset=offset, limit="10")

    headers = page_headers(url=URL, page=page, returned=returned, total=total, max_limit=100)

    assert LINK not in headers
    assert headers == {TOTAL_COUNT: str(total), LIMIT: "100"}


@pytest.mark.parametrize(("offset", "total"), [("0", 0), ("0", 10), ("5", 10), ("100", 10)])
def test_page_headers_nothing_returned_no_link(offset: str, total: int) -> None:
    page = parse(offset=offset, limit="0")

    headers = page_headers(url=URL, page=page, returned=0, total=total, max_limit=100)

    assert LINK not in headers
    assert headers[TOTAL_COUNT] == str(total)


def test_page_headers_dates_repeated_in_z_form() -> None:
    page = parse(
        offset="0",
        limit="2",
        date_from="2015-06-29T22:39:09+02:00",
        date_to="2016-12-29T17:45:09.2",
    )

    headers = page_headers(url=URL, page=page, returned=2, total=5, max_limit=100)

    assert link_query(headers) == {
        "offset": ["2"],
        "limit": ["2"],
        "date_from": ["2015-06-29T20:39:09Z"],
        "date_to": ["2016-12-29T17:45:09.200Z"],
    }
    # ':' is left unescaped so the dates are readable in the header.
    assert "date_from=2015-06-29T20:39:09Z" in headers[LINK]
    assert "date_to=2016-12-29T17:45:09.200Z" in headers[LINK]


def test_page_headers_only_date_from_set_date_to_left_out() -> None:
    page = parse(limit="1", date_from="2019-01-28T12:00:00Z")

    headers = page_headers(url=URL, page=page, returned=1, total=2, max_limit=100)

    assert link_query(headers) == {"offset": ["1"], "limit": ["1"], "date_from": ["2019-01-28T12:00:00Z"]}


def test_page_headers_extra_query_repeated_and_encoded() -> None:
    page = parse(limit="1")

    headers = page_headers(
        url=URL, page=page, returned=1, total=3, max_limit=100, extra_query={"type": "RFID", "q": "a b&c"}
    )

    assert link_query(headers) == {"offset": ["1"], "limit": ["1"], "type": ["RFID"], "q": ["a b&c"]}
    assert "a+b%26c" in headers[LINK]


def test_page_headers_capped_limit_repeated_in_link() -> None:
    page = parse(limit="500", max_limit=50)

    headers = page_headers(url=URL, page=page, returned=50, total=120, max_limit=50)

    assert link_query(headers) == {"offset": ["50"], "limit": ["50"]}
    assert headers[LIMIT] == "50"
