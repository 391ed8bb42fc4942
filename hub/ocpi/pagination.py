"""Pagination of list GETs (transport_and_format_pagination): request parameters and response headers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode

from hub.ocpi.base import format_datetime, parse_datetime
from hub.ocpi.headers import LIMIT, LINK, TOTAL_COUNT


class PaginationError(ValueError):
    """A pagination query parameter is invalid; the message names it."""


@dataclass(frozen=True)
class PageRequest:
    """`offset`, `limit`, `date_from` (inclusive) and `date_to` (exclusive) of one list GET."""

    offset: int
    limit: int
    date_from: datetime | None = None
    date_to: datetime | None = None

    @classmethod
    def parse(
        cls,
        *,
        offset: str | None,
        limit: str | None,
        date_from: str | None,
        date_to: str | None,
        max_limit: int,
    ) -> PageRequest:
        """Validate raw query values; `limit` is capped at the server maximum (the spec lets the server return fewer)."""
        parsed_offset = _non_negative_int("offset", offset, default=0)
        parsed_limit = _non_negative_int("limit", limit, default=max_limit)
        parsed_from = _datetime("date_from", date_from)
        parsed_to = _datetime("date_to", date_to)
        return cls(parsed_offset, min(parsed_limit, max_limit), parsed_from, parsed_to)


def _non_negative_int(name: str, raw: str | None, *, default: int) -> int:
    if raw is None or raw == "":
        return default
    text = raw.strip()
    if text.startswith("-") and text[1:].isascii() and text[1:].isdigit():
        raise PaginationError(f"{name} must not be negative, got {text}")
    if not (text.isascii() and text.isdigit()):
        raise PaginationError(f"{name} must be an integer, got {raw!r}")
    value = int(text)
    if value < 0:
        raise PaginationError(f"{name} must not be negative, got {value}")
    return value


def _datetime(name: str, raw: str | None) -> datetime | None:
    if raw is None or raw == "":
        return None
    try:
        return parse_datetime(raw)
    except ValueError:
        raise PaginationError(f"{name} must be an RFC 3339 date-time, got {raw!r}") from None


def page_headers(
    *,
    url: str,
    page: PageRequest,
    returned: int,
    total: int,
    max_limit: int,
    extra_query: dict[str, str] | None = None,
) -> dict[str, str]:
    """X-Total-Count, X-Limit (the server maximum) and, unless this is the last page, Link rel="next"
    repeating every filter of the original request."""
    headers = {TOTAL_COUNT: str(total), LIMIT: str(max_limit)}
    next_offset = page.offset + returned
    if returned > 0 and next_offset < total:
        query: dict[str, str] = {"offset": str(next_offset), "limit": str(page.limit)}
        if page.date_from is not None:
            query["date_from"] = format_datetime(page.date_from)
        if page.date_to is not None:
            query["date_to"] = format_datetime(page.date_to)
        query.update(extra_query or {})
        headers[LINK] = f'<{url}?{urlencode(query, safe=":")}>; rel="next"'
    return headers
