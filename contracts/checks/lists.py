"""Checks of every Sender list GET (transport_and_format_pagination): walk every page, the pagination headers,
limit, offset, Link filters, date_from inclusive, date_to exclusive, and every object against its 2.2.1 model."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

from pydantic import BaseModel

from contracts.checks.common import SHOWN_VIOLATIONS, success
from contracts.context import Context
from contracts.http import Reply
from contracts.registry import register
from contracts.result import CheckFailedError, expect, fail, not_applicable
from contracts.validate import datetime_violations, violations
from hub.ocpi.base import format_datetime, parse_datetime, utc_now
from hub.ocpi.v221.cdrs import CDR
from hub.ocpi.v221.hub_client_info import ClientInfo
from hub.ocpi.v221.locations import Location
from hub.ocpi.v221.sessions import Session
from hub.ocpi.v221.tariffs import Tariff
from hub.ocpi.v221.tokens import Token

TRANSPORT = "transport_and_format.asciidoc"
REQUEST = (TRANSPORT, "Paginated Request", "transport_and_format_paginated_request")
RESPONSE = (TRANSPORT, "Paginated Response", "transport_and_format_paginated_response")
EPOCH = "1970-01-01T00:00:00Z"

Key = tuple[str, ...]


def _upper(obj: dict[str, Any], *fields: str) -> Key:
    return tuple(str(obj.get(f, "")).upper() for f in fields)


@dataclass(frozen=True)
class SenderList:
    """A module's Sender list: its objects' model, their identity, and the list's spec sections."""

    module: str
    model: type[BaseModel]
    key: Callable[[dict[str, Any]], Key]
    list_spec: tuple[str, str, str]
    object_spec: tuple[str, str, str]
    # mod_sessions_cpo_get_request_parameters marks date_from "Required: yes".
    needs_date_from: bool = False


LISTS = (
    SenderList(
        "locations",
        Location,
        lambda o: _upper(o, "country_code", "party_id", "id"),
        ("mod_locations.asciidoc", "GET Method", "mod_locations_get_method"),
        ("mod_locations.asciidoc", "Location Object", "mod_locations_location_object"),
    ),
    SenderList(
        "tariffs",
        Tariff,
        lambda o: _upper(o, "country_code", "party_id", "id"),
        ("mod_tariffs.asciidoc", "GET Method", "mod_tariffs_cpo_get_method"),
        ("mod_tariffs.asciidoc", "Tariff Object", "mod_tariffs_tariff_object"),
    ),
    SenderList(
        "sessions",
        Session,
        lambda o: _upper(o, "country_code", "party_id", "id"),
        ("mod_sessions.asciidoc", "GET Method", "mod_sessions_cpo_get_method"),
        ("mod_sessions.asciidoc", "Session Object", "mod_sessions_session_object"),
        needs_date_from=True,
    ),
    SenderList(
        "cdrs",
        CDR,
        lambda o: _upper(o, "country_code", "party_id", "id"),
        ("mod_cdrs.asciidoc", "GET Method", "mod_cdrs_cpo_get_method"),
        ("mod_cdrs.asciidoc", "CDR Object", "mod_cdrs_cdr_object"),
    ),
    SenderList(
        "tokens",
        Token,
        lambda o: _upper(o, "country_code", "party_id", "uid", "type"),
        ("mod_tokens.asciidoc", "GET Method", "mod_tokens_msp_get_method"),
        ("mod_tokens.asciidoc", "Token Object", "mod_tokens_token_object"),
    ),
    SenderList(
        "hubclientinfo",
        ClientInfo,
        lambda o: _upper(o, "country_code", "party_id", "role"),
        ("mod_hub_client_info.asciidoc", "GET Method", "mod_hub_client_info_hub_get"),
        ("mod_hub_client_info.asciidoc", "ClientInfo Object", "mod_hub_client_info_hub_client_info_object"),
    ),
)


@dataclass
class Walk:
    """Every page of one list query, followed through Link rel="next"."""

    pages: list[Reply] = field(default_factory=list)
    objects: list[dict[str, Any]] = field(default_factory=list)
    complete: bool = True

    @property
    def first(self) -> Reply:
        return self.pages[0]

    def total(self) -> int | None:
        return _int_header(self.first, "X-Total-Count")


def _int_header(reply: Reply, name: str) -> int | None:
    value = reply.headers.get(name)
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _stamp(obj: dict[str, Any]) -> datetime | None:
    try:
        return parse_datetime(obj.get("last_updated"))
    except ValueError:
        return None


async def walk(ctx: Context, spec: SenderList, params: dict[str, str] | None = None) -> Walk:
    """GET the list with `params`, then every Link rel="next", up to --max-pages pages."""
    url = ctx.require(spec.module, "SENDER")
    query = dict(params or {})
    if spec.needs_date_from:
        query.setdefault("date_from", EPOCH)
    result = Walk()
    reply = await ctx.get(spec.module, url, params=query)
    followed: set[str] = set()
    while True:
        data = success(reply, f"GET {spec.module} list page {len(result.pages) + 1}")
        expect(isinstance(data, list), f"GET {spec.module}: data is not a list", reply.exchange)
        result.pages.append(reply)
        result.objects.extend(o for o in data if isinstance(o, dict))
        link = reply.next_link
        if link is None:
            return result
        link = urljoin(reply.exchange.url, link)
        if link in followed:
            fail(f'Link rel="next" points back to a page already fetched: {link}', reply.exchange)
        if not data:
            fail('an empty page still has a Link rel="next"', reply.exchange)
        if len(result.pages) >= ctx.config.max_pages:
            result.complete = False
            return result
        followed.add(link)
        reply = await ctx.get(spec.module, link)


async def full_walk(ctx: Context, spec: SenderList) -> Walk:
    """The unfiltered walk, done once per run; checks other than the walk check are not applicable when it
    failed."""
    key = f"walk:{spec.module}"
    cached = ctx.cache.get(key)
    if cached is None:
        try:
            cached = await walk(ctx, spec)
        except CheckFailedError as exc:
            cached = exc
        ctx.cache[key] = cached
    if isinstance(cached, CheckFailedError):
        raise cached
    result: Walk = cached
    return result


async def _walked(ctx: Context, spec: SenderList, *, at_least: int = 0) -> Walk:
    ctx.require(spec.module, "SENDER")
    try:
        result = await full_walk(ctx, spec)
    except CheckFailedError:
        not_applicable(f"the list could not be walked (see {spec.module}.sender.pagination_walk)")
    if len(result.objects) < at_least:
        not_applicable(f"needs at least {at_least} object(s) in the list, it has {len(result.objects)}")
    return result


def _duplicates(spec: SenderList, objects: list[dict[str, Any]]) -> list[Key]:
    seen: set[Key] = set()
    repeated: list[Key] = []
    for obj in objects:
        key = spec.key(obj)
        if key in seen:
            repeated.append(key)
        seen.add(key)
    return repeated


def _name(key: Key) -> str:
    return "/".join(key)


def list_checks(spec: SenderList) -> None:
    """Register the list checks of one module's Sender interface."""
    prefix = f"{spec.module}.sender"
    module, role = spec.module, "SENDER"

    async def pagination_walk(ctx: Context) -> None:
        """Every page follows from the previous through Link rel="next"; no object is missed or repeated."""
        result = await full_walk(ctx, spec)
        repeated = _duplicates(spec, result.objects)
        expect(
            not repeated,
            f"objects repeated across the pages: {', '.join(_name(k) for k in repeated[:5])}",
            result.first.exchange,
        )
        total = result.total()
        if result.complete and total is not None:
            expect(
                len(result.objects) == total,
                f"walked {len(result.objects)} object(s) over {len(result.pages)} page(s), but X-Total-Count "
                f"says {total}",
                result.pages[-1].exchange,
            )

    async def pagination_headers(ctx: Context) -> None:
        """Every page carries X-Total-Count and X-Limit; no page holds more than X-Limit objects."""
        result = await _walked(ctx, spec)
        totals = set()
        for number, page in enumerate(result.pages, start=1):
            total, limit = _int_header(page, "X-Total-Count"), _int_header(page, "X-Limit")
            expect(total is not None, f"page {number} has no integer X-Total-Count header", page.exchange)
            expect(limit is not None and limit > 0, f"page {number} has no X-Limit header", page.exchange)
            assert limit is not None
            size = len(page.data)
            expect(
                size <= limit, f"page {number} holds {size} objects, more than X-Limit {limit}", page.exchange
            )
            totals.add(total)
        expect(len(totals) == 1, f"X-Total-Count changes between pages: {sorted(t or 0 for t in totals)}")

    async def pagination_limit(ctx: Context) -> None:
        """`limit=1` returns at most one object, with Link rel="next" when there are more."""
        result = await _walked(ctx, spec, at_least=1)
        reply = await ctx.get(module, ctx.require(module, role), params=_params(spec, limit="1"))
        data = success(reply, f"GET {module}?limit=1")
        expect(
            isinstance(data, list) and len(data) <= 1,
            f"limit=1 returned {_count(data)} objects",
            reply.exchange,
        )
        if len(result.objects) > 1 and result.complete:
            expect(
                reply.next_link is not None, 'limit=1 of a longer list has no Link rel="next"', reply.exchange
            )

    async def pagination_offset(ctx: Context) -> None:
        """`offset=1&limit=1` returns the second object of `limit=2` (offset is applied)."""
        url = ctx.require(module, role)
        head = await ctx.get(module, url, params=_params(spec, limit="2"))
        first_two = success(head, f"GET {module}?limit=2")
        if not isinstance(first_two, list) or len(first_two) < 2:
            not_applicable(f"needs at least 2 objects in the list, limit=2 returned {_count(first_two)}")
        reply = await ctx.get(module, url, params=_params(spec, offset="1", limit="1"))
        data = success(reply, f"GET {module}?offset=1&limit=1")
        expect(
            isinstance(data, list) and len(data) == 1,
            f"offset=1&limit=1 returned {_count(data)} objects",
            reply.exchange,
        )
        got, first, second = spec.key(data[0]), spec.key(first_two[0]), spec.key(first_two[1])
        expect(
            got != first,
            f"offset=1 returned the first object {_name(first)}: offset is ignored",
            reply.exchange,
        )
        expect(
            got == second,
            f"offset=1 returned {_name(got)}, not the list's second object {_name(second)}",
            reply.exchange,
        )

    async def pagination_link_filters(ctx: Context) -> None:
        """The Link rel="next" repeats the request's date_from and date_to filters."""
        await _walked(ctx, spec, at_least=2)
        until = format_datetime(utc_now() + timedelta(days=1))
        reply = await ctx.get(
            module, ctx.require(module, role), params={"date_from": EPOCH, "date_to": until, "limit": "1"}
        )
        data = success(reply, f"GET {module}?date_from&date_to&limit=1")
        link = reply.next_link
        expect(
            link is not None,
            f'limit=1 with {_count(data)} of 2+ objects returned has no Link rel="next"',
            reply.exchange,
        )
        assert link is not None
        query = parse_qs(urlsplit(link).query)
        for name, sent in (("date_from", EPOCH), ("date_to", until)):
            values = query.get(name)
            expect(bool(values), f"the Link {link} drops the {name} filter", reply.exchange)
            assert values is not None
            try:
                same = parse_datetime(values[0]) == parse_datetime(sent)
            except ValueError:
                same = False
            expect(same, f"the Link {link} changes {name} from {sent} to {values[0]}", reply.exchange)

    async def date_from_inclusive(ctx: Context) -> None:
        """`date_from` is inclusive: date_from=T returns the objects with last_updated T and later only."""
        result = await _walked(ctx, spec, at_least=1)
        stamped = [(s, o) for o in result.objects if (s := _stamp(o)) is not None]
        if not stamped:
            not_applicable("no object has a readable last_updated")
        newest, newest_obj = max(stamped, key=lambda pair: pair[0])
        raw = str(newest_obj["last_updated"])
        filtered = await walk(ctx, spec, {"date_from": raw})
        keys = {spec.key(o) for o in filtered.objects}
        expect(
            spec.key(newest_obj) in keys,
            f"date_from={raw} leaves out {_name(spec.key(newest_obj))}, whose last_updated is exactly {raw}",
            filtered.first.exchange,
        )
        early = [o for o in filtered.objects if (s := _stamp(o)) is not None and s < newest]
        expect(
            not early,
            f"date_from={raw} returns {_name(spec.key(early[0])) if early else ''} with an earlier last_updated",
            filtered.first.exchange,
        )

    async def date_to_exclusive(ctx: Context) -> None:
        """`date_to` is exclusive: date_to=T leaves out the objects with last_updated T."""
        result = await _walked(ctx, spec, at_least=1)
        stamped = [(s, o) for o in result.objects if (s := _stamp(o)) is not None]
        if not stamped:
            not_applicable("no object has a readable last_updated")
        oldest, oldest_obj = min(stamped, key=lambda pair: pair[0])
        raw = str(oldest_obj["last_updated"])
        filtered = await walk(ctx, spec, {"date_to": raw})
        late = [o for o in filtered.objects if (s := _stamp(o)) is not None and s >= oldest]
        expect(
            not late,
            f"date_to={raw} returns {_name(spec.key(late[0])) if late else ''}, whose last_updated is not before "
            f"{raw} (date_to is exclusive)",
            filtered.first.exchange,
        )

    async def objects_valid(ctx: Context) -> None:
        """Every object of every page is a valid 2.2.1 object (each violation named by its field path)."""
        result = await _walked(ctx, spec)
        found: list[str] = []
        for index, obj in enumerate(result.objects):
            found += [f"objects[{index}] {_name(spec.key(obj))}: {v}" for v in violations(spec.model, obj)]
        _report(found, f"{len(result.objects)} {module} object(s)", result.first)

    async def datetime_format(ctx: Context) -> None:
        """Every DateTime field of every object is in an allowed form (UTC, RFC 3339, no offset)."""
        result = await _walked(ctx, spec)
        found: list[str] = []
        for index, obj in enumerate(result.objects):
            found += [
                f"objects[{index}] {_name(spec.key(obj))}: {v}" for v in datetime_violations(spec.model, obj)
            ]
        _report(found, f"{len(result.objects)} {module} object(s)", result.first)

    for name, fn, ref in (
        ("pagination_walk", pagination_walk, RESPONSE),
        ("pagination_headers", pagination_headers, RESPONSE),
        ("pagination_limit", pagination_limit, REQUEST),
        ("pagination_offset", pagination_offset, REQUEST),
        ("pagination_link_filters", pagination_link_filters, RESPONSE),
        ("pagination_date_from_inclusive", date_from_inclusive, REQUEST),
        ("pagination_date_to_exclusive", date_to_exclusive, REQUEST),
        ("objects_valid", objects_valid, spec.object_spec),
        ("datetime_format", datetime_format, ("types.asciidoc", "DateTime type", "types_datetime_type")),
    ):
        register(f"{prefix}.{name}", fn, module=module, role=role, spec=ref)


def _params(spec: SenderList, **values: str) -> dict[str, str]:
    return ({"date_from": EPOCH} if spec.needs_date_from else {}) | values


def _count(data: Any) -> str:
    return str(len(data)) if isinstance(data, list) else f"a {type(data).__name__}, not a list of"


def _report(found: list[str], what: str, reply: Reply) -> None:
    if found:
        shown = "; ".join(found[:SHOWN_VIOLATIONS])
        more = f" (and {len(found) - SHOWN_VIOLATIONS} more)" if len(found) > SHOWN_VIOLATIONS else ""
        fail(f"{len(found)} violation(s) in {what}: {shown}{more}", reply.exchange)


for _spec in LISTS:
    list_checks(_spec)
