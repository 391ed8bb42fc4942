"""Open routing (transport_and_format_message_routing_open_routing_request): a request without OCPI-to-*
headers is routed by its content where the object names its receiver. A Session or CDR goes to the eMSP of
its `cdr_token`, a command to the CPO of its Location (or of the Session or reservation it is about), a
real-time authorization to the Token's owner. Everything else is the hub's own business (broadcast push,
GET All). When a request of the first kind names no receiver the hub can find, the answer is 4001."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from hub.config import Settings
from hub.errors import UnknownReceiverError
from hub.identity import is_local_party
from hub.ocpi.enums import InterfaceRole, ModuleID
from hub.ocpi.headers import PartyRef
from hub.ocpi.v221.commands import CommandType
from hub.routing.memory import (
    PROFILE_SENDER,
    RESERVATION_CPO,
    SESSION_CPO,
    SESSION_EMSP,
    memo_key,
)
from hub.routing.paths import ModulePath
from hub.routing.repository import RoutingRepository
from hub.routing.targets import Requester, require_party

NOT_JSON = object()
ADDRESS_IT = "; send OCPI-to-country-code and OCPI-to-party-id"
_BY_LOCATION = {CommandType.START_SESSION, CommandType.RESERVE_NOW, CommandType.UNLOCK_CONNECTOR}


@dataclass(frozen=True)
class ToParty:
    """Route to this party, wherever it is connected."""

    party: PartyRef


@dataclass(frozen=True)
class ToRemembered:
    """Route to the party an earlier forwarded request about the same object went to, at that platform."""

    partner_id: int
    party: PartyRef


Decision = ToParty | ToRemembered | None  # None: the hub handles the request itself


def reads_body(path: ModulePath, method: str) -> bool:
    """Whether open routing decides this request by its body."""
    receiver = path.interface_role == InterfaceRole.RECEIVER
    return receiver and (
        (path.module == ModuleID.SESSIONS and method == "PUT")
        or (path.module == ModuleID.CDRS and method == "POST")
        or (path.module == ModuleID.COMMANDS and method == "POST")
    )


def _field(body: Any, *names: str) -> str | None:
    value = body
    for name in names:
        value = value.get(name) if isinstance(value, dict) else None
    return value if isinstance(value, str) and value else None


def billed_to(body: Any) -> PartyRef | None:
    """The eMSP a Session or CDR goes to: the owner of its `cdr_token`."""
    country_code, party_id = _field(body, "cdr_token", "country_code"), _field(body, "cdr_token", "party_id")
    return PartyRef(country_code.upper(), party_id.upper()) if country_code and party_id else None


def _token_owner(body: Any, what: str) -> PartyRef:
    owner = billed_to(body)
    if owner is None:
        raise UnknownReceiverError(f"cannot route: the {what} names no cdr_token owner{ADDRESS_IT}")
    return owner


def _one(owners: list[PartyRef], what: str) -> ToParty:
    if not owners:
        raise UnknownReceiverError(f"cannot route: no party connected to this hub has {what}{ADDRESS_IT}")
    if len(owners) > 1:
        listing = ", ".join(sorted(str(o) for o in owners))
        raise UnknownReceiverError(f"cannot route: {what} belongs to several parties ({listing}){ADDRESS_IT}")
    return ToParty(owners[0])


async def _memo(
    repo: RoutingRepository, module: str, party: PartyRef, object_id: str, unknown: str
) -> ToRemembered:
    record = await repo.route(module, memo_key(party, object_id))
    if record is None:
        raise UnknownReceiverError(f"cannot route: {unknown}{ADDRESS_IT}")
    return ToRemembered(record.partner_id, PartyRef(record.country_code, record.party_id))


async def decide(
    repo: RoutingRepository,
    settings: Settings,
    path: ModulePath,
    method: str,
    query: str,
    body: Any,
    sender: Requester,
) -> Decision:
    """Where a request without OCPI-to-* goes. `body` is the parsed JSON body when `reads_body`, NOT_JSON
    when it is not JSON (the hub then answers it, with HTTP 400)."""
    if body is NOT_JSON:
        return None
    decision = await _decide(repo, path, method, query, body, sender)
    if isinstance(decision, ToParty) and is_local_party(
        settings, decision.party.country_code, decision.party.party_id
    ):
        return None
    return decision


async def _decide(
    repo: RoutingRepository, path: ModulePath, method: str, query: str, body: Any, sender: Requester
) -> Decision:
    segments = path.segments
    receiver = path.interface_role == InterfaceRole.RECEIVER
    module = path.module
    if receiver and module == ModuleID.SESSIONS and len(segments) == 3:
        owner = PartyRef(segments[0].upper(), segments[1].upper())
        if method == "PUT":
            return ToParty(_token_owner(body, "Session"))
        unknown = f"Session {owner}*{segments[2]} was not PUT through this hub"
        return await _memo(repo, SESSION_EMSP, owner, segments[2], unknown)
    if receiver and module == ModuleID.CDRS and method == "POST" and not segments:
        return ToParty(_token_owner(body, "CDR"))
    if receiver and module == ModuleID.COMMANDS and method == "POST" and len(segments) == 1:
        return await _command(repo, segments[0], body, sender)
    if receiver and module == ModuleID.CHARGING_PROFILES and len(segments) == 1:
        unknown = f"Session {segments[0]} of {require_party(sender)} was not PUT through this hub"
        return await _memo(repo, SESSION_CPO, require_party(sender), segments[0], unknown)
    if not receiver and module == ModuleID.CHARGING_PROFILES and method == "PUT" and len(segments) == 1:
        unknown = f"no ChargingProfile of Session {segments[0]} was set through this hub"
        return await _memo(repo, PROFILE_SENDER, require_party(sender), segments[0], unknown)
    if not receiver and module == ModuleID.SESSIONS and segments[1:] == ["charging_preferences"]:
        unknown = f"Session {segments[0]} of {require_party(sender)} was not PUT through this hub"
        return await _memo(repo, SESSION_CPO, require_party(sender), segments[0], unknown)
    if not receiver and module == ModuleID.TOKENS and method == "POST" and segments[1:] == ["authorize"]:
        token_type = (parse_qs(query).get("type") or ["RFID"])[0].upper()
        owners = await repo.token_owners(f"{token_type}:{segments[0]}")
        return _one(owners, f"a {token_type} Token {segments[0]}")
    return None


async def _command(repo: RoutingRepository, command: str, body: Any, sender: Requester) -> Decision:
    if command in _BY_LOCATION:
        location_id = _field(body, "location_id")
        if location_id is None:
            raise UnknownReceiverError(f"cannot route: the {command} names no location_id{ADDRESS_IT}")
        return _one(await repo.location_owners(location_id), f"a Location {location_id}")
    if command == CommandType.STOP_SESSION:
        session_id = _field(body, "session_id")
        if session_id is not None:
            party = require_party(sender)
            unknown = f"Session {session_id} of {party} was not PUT through this hub"
            return await _memo(repo, SESSION_CPO, party, session_id, unknown)
    if command == CommandType.CANCEL_RESERVATION:
        reservation_id = _field(body, "reservation_id")
        if reservation_id is not None:
            party = require_party(sender)
            unknown = f"no RESERVE_NOW of reservation {reservation_id} by {party} passed through this hub"
            return await _memo(repo, RESERVATION_CPO, party, reservation_id, unknown)
    raise UnknownReceiverError(f"cannot route this {command} command{ADDRESS_IT}")
