"""Routing one request of a functional module (transport_and_format_message_routing): handled by the hub
itself, or forwarded to the party it is addressed to (or that open routing finds), and the receiver's
answer handed back."""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import orjson
from fastapi import Request
from sqlmodel.ext.asyncio.session import AsyncSession

from hub.auth import Caller
from hub.config import Settings
from hub.db import SessionMaker
from hub.errors import InvalidParametersError
from hub.identity import is_local_party
from hub.ocpi.enums import InterfaceRole, ModuleID
from hub.ocpi.headers import (
    FROM_COUNTRY_CODE,
    FROM_PARTY_ID,
    LIMIT,
    LINK,
    TO_COUNTRY_CODE,
    TO_PARTY_ID,
    TOTAL_COUNT,
    PartyRef,
    RoutingHeaderError,
    RoutingHeaders,
    parse_routing_headers,
)
from hub.routing import rewrite
from hub.routing.directory import KnownCaller, RoutingDirectory
from hub.routing.forward import Forwarded, forward
from hub.routing.memory import SESSION_EMSP, memo_key, remember_forwarded
from hub.routing.open_routing import NOT_JSON, ToParty, billed_to, decide, reads_body
from hub.routing.paths import CALLBACKS, ModulePath
from hub.routing.repository import RoutingRepository
from hub.routing.targets import Target, addressed, remembered, requester, require_party
from hub.tables.hub_routing import HubCallbackRecord

# Receiver interfaces whose URLs name the object's owner (/{country_code}/{party_id}/...): through the hub
# that is always the requesting party (transport_and_format_client_owned_object_push).
_OWNER_IN_URL = {ModuleID.LOCATIONS, ModuleID.SESSIONS, ModuleID.TARIFFS, ModuleID.TOKENS}
# Sender lists that carry drivers' data: a party sees only what is billed to it.
_BILLED_LISTS = {ModuleID.SESSIONS, ModuleID.CDRS}
# Receiver requests whose body the hub looks into: for the receiver it must be (a Session's or CDR's eMSP), or
# for what it replaces or remembers (a response_url, a reservation).
_READ_BODIES = {ModuleID.SESSIONS, ModuleID.CDRS, ModuleID.COMMANDS, ModuleID.CHARGING_PROFILES}
_COPIED = ("content-type", TOTAL_COUNT.lower(), LIMIT.lower(), "location", "allow")


def parse_json(body: bytes) -> Any:
    try:
        return orjson.loads(body) if body else None
    except orjson.JSONDecodeError:
        return NOT_JSON


@dataclass(frozen=True)
class Plan:
    """A request the hub forwards: where, with what, and who asked."""

    path: ModulePath
    method: str
    url: str
    body: bytes
    content_type: str | None
    routing: RoutingHeaders
    target: Target
    caller_partner_id: int
    wrote: bool  # the plan stored memos or callback URLs: its session is to be committed

    @property
    def sender(self) -> PartyRef:
        assert self.routing.from_ is not None
        return self.routing.from_


async def caller_and_routing(
    directory: RoutingDirectory, request: Request, session: AsyncSession
) -> tuple[KnownCaller, RoutingHeaders]:
    """Authenticate first (HTTP 401), then read the routing headers (2001 when malformed)."""
    known = await directory.caller(request, session)
    try:
        return known, parse_routing_headers(request.headers)
    except RoutingHeaderError as exc:
        raise InvalidParametersError(str(exc)) from None


def callback_url(settings: Settings, callback_id: str) -> str:
    return f"{settings.base_url}{CALLBACKS}/{callback_id}"


def new_callback_id() -> str:
    return secrets.token_urlsafe(24)


async def plan(
    session: AsyncSession,
    directory: RoutingDirectory,
    settings: Settings,
    request: Request,
    path: ModulePath,
    read_body: Callable[[], Awaitable[bytes]],
) -> Plan | None:
    """The forwarding plan of a request, or None when the hub handles it itself; `read_body()` reads the
    request body (once: it is kept for the hub's own handlers)."""
    body: bytes | None = None
    known, routing = await caller_and_routing(directory, request, session)
    caller = known.caller
    repo = RoutingRepository(session)
    found = await requester(repo, settings, known, routing.from_)
    method = request.method
    query = request.url.query
    parsed: Any = None
    target: Target
    if routing.to is not None:
        if is_local_party(settings, routing.to.country_code, routing.to.party_id):
            return None
        target = await addressed(repo, directory, routing.to, path)
    else:
        if reads_body(path, method):
            body = await read_body()
            parsed = parse_json(body or b"")
        decision = await decide(repo, settings, path, method, query, parsed, found)
        if decision is None:
            return None
        if isinstance(decision, ToParty):
            target = await addressed(repo, directory, decision.party, path)
        else:
            target = await remembered(repo, decision.partner_id, decision.party, path)
    sender = require_party(found)
    _check_owner_in_url(path, sender)
    if body is None:
        body = await read_body()
    if parsed is None and path.interface_role == InterfaceRole.RECEIVER and path.module in _READ_BODIES:
        parsed = parse_json(body)
    await _check_billed_to(repo, path, method, parsed, target.party)
    body, query = await _substitute_response_url(
        repo, settings, path, method, body, parsed, query, caller, target
    )
    await remember_forwarded(
        repo,
        path,
        method,
        parsed,
        sender=sender,
        sender_partner_id=caller.partner_id,
        receiver=target.party,
        receiver_partner_id=target.partner_id,
    )
    url = target.endpoint if not path.rest else target.endpoint.rstrip("/") + path.rest
    return Plan(
        path=path,
        method=method,
        url=f"{url}?{query}" if query else url,
        body=body,
        content_type=request.headers.get("content-type"),
        routing=RoutingHeaders(to=target.party, from_=sender),
        target=target,
        caller_partner_id=caller.partner_id,
        wrote=repo.wrote,
    )


def _check_owner_in_url(path: ModulePath, sender: PartyRef) -> None:
    if path.interface_role != InterfaceRole.RECEIVER or path.module not in _OWNER_IN_URL:
        return
    segments = path.segments
    if len(segments) >= 2 and PartyRef(segments[0].upper(), segments[1].upper()) != sender:
        raise InvalidParametersError(
            f"the URL names {segments[0]}*{segments[1]} as the object's owner, but the request is from {sender} "
            "(OCPI-from-country-code/OCPI-from-party-id): a party pushes and reads only its own objects"
        )


async def _check_billed_to(
    repo: RoutingRepository, path: ModulePath, method: str, parsed: Any, receiver: PartyRef
) -> None:
    """A Session or CDR goes to the eMSP of its `cdr_token` and to no one else: the spec keeps them out of
    broadcasts as "specific to only one party and possibly even protected by GDPR"."""
    if path.interface_role != InterfaceRole.RECEIVER:
        return
    segments = path.segments
    what: str | None = None
    owner: PartyRef | None = None
    if path.module == ModuleID.SESSIONS and method == "PUT" and len(segments) == 3:
        what, owner = f"Session {segments[2]}", billed_to(parsed)
    elif path.module == ModuleID.CDRS and method == "POST" and not segments:
        what, owner = "CDR", billed_to(parsed)
    elif path.module == ModuleID.SESSIONS and method == "PATCH" and len(segments) == 3:
        memo = await repo.route(
            SESSION_EMSP, memo_key(PartyRef(segments[0].upper(), segments[1].upper()), segments[2])
        )
        if memo is None:
            return
        what, owner = f"Session {segments[2]}", PartyRef(memo.country_code, memo.party_id)
    if what is not None and owner != receiver:
        billed = (
            f"the eMSP of its cdr_token ({owner})" if owner else "the eMSP of its cdr_token, which it lacks"
        )
        raise InvalidParametersError(f"a {what} goes only to {billed}, not to {receiver}")


async def _substitute_response_url(
    repo: RoutingRepository,
    settings: Settings,
    path: ModulePath,
    method: str,
    body: bytes,
    parsed: Any,
    query: str,
    caller: Caller,
    target: Target,
) -> tuple[bytes, str]:
    """A command's or charging-profile request's response_url, replaced by a hub URL that passes the result
    on to it: the receiving CPO holds no token for the requesting party's platform, only for the hub."""
    if path.interface_role != InterfaceRole.RECEIVER:
        return body, query
    in_body = (path.module == ModuleID.COMMANDS and method == "POST") or (
        path.module == ModuleID.CHARGING_PROFILES and method == "PUT"
    )
    in_query = path.module == ModuleID.CHARGING_PROFILES and method in ("GET", "DELETE")
    original: str | None = None
    if in_body and isinstance(parsed, dict) and isinstance(parsed.get("response_url"), str):
        original = parsed["response_url"]
    elif in_query:
        original = rewrite.query_response_url(query)
    if not original:
        return body, query
    callback_id = new_callback_id()
    await repo.add_callback(
        HubCallbackRecord(
            callback_id=callback_id,
            kind="response_url",
            partner_id=caller.partner_id,
            url=original,
            caller_partner_id=target.partner_id,
        )
    )
    ours = callback_url(settings, callback_id)
    if in_body:
        return rewrite.replace_body_response_url(parsed, ours), query
    return body, rewrite.replace_query_response_url(query, ours)


async def send(http: httpx.AsyncClient, settings: Settings, routed: Plan, correlation_id: str) -> Forwarded:
    return await forward(
        http,
        method=routed.method,
        url=routed.url,
        token=routed.target.token,
        raw_token=routed.target.partner.send_raw_token,
        body=routed.body,
        content_type=routed.content_type,
        routing=routed.routing,
        correlation_id=correlation_id,
        answer_within=settings.routing_timeout,
        receiver=str(routed.target.party),
    )


async def answer(
    sessionmaker: SessionMaker, settings: Settings, routed: Plan, forwarded: Forwarded
) -> tuple[int, dict[str, str], bytes]:
    """The receiver's answer for the caller: status and body as they came, pagination headers kept with the
    Link through the hub, the CDR Location through the hub, a Sessions or CDRs list only with the caller's."""
    path = routed.path
    headers = {name: forwarded.headers[name] for name in _COPIED if name in forwarded.headers}
    content = forwarded.content
    link = forwarded.headers.get(LINK)
    if link is not None:
        headers[LINK] = rewrite.hub_link(
            link,
            their_endpoint=routed.target.endpoint,
            our_endpoint=f"{settings.base_url}{path.endpoint_path()}",
            rest=path.rest,
        )
    if path.interface_role == InterfaceRole.SENDER and path.module in _BILLED_LISTS and not path.segments:
        content, dropped = rewrite.only_billed_to(content, routed.sender)
        total = headers.get(TOTAL_COUNT.lower())
        if dropped and total is not None and total.isdigit():
            headers[TOTAL_COUNT.lower()] = str(max(int(total) - dropped, 0))
    location = headers.get("location")
    if (
        location is not None
        and path.module == ModuleID.CDRS
        and path.interface_role == InterfaceRole.RECEIVER
        and routed.method == "POST"
        and 200 <= forwarded.status < 300
    ):
        callback_id = new_callback_id()
        async with sessionmaker() as session:
            await RoutingRepository(session).add_callback(
                HubCallbackRecord(
                    callback_id=callback_id,
                    kind="cdr_location",
                    partner_id=routed.target.partner_id,
                    url=location,
                    caller_partner_id=routed.caller_partner_id,
                )
            )
            await session.commit()
        headers["location"] = callback_url(settings, callback_id)
    # Direct response, hub to requesting platform: TO the requesting party, FROM the receiving party.
    headers[TO_COUNTRY_CODE] = routed.sender.country_code
    headers[TO_PARTY_ID] = routed.sender.party_id
    headers[FROM_COUNTRY_CODE] = routed.target.party.country_code
    headers[FROM_PARTY_ID] = routed.target.party.party_id
    return forwarded.status, headers, content
