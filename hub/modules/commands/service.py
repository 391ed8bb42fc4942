"""Commands, Receiver side (mod_commands_cpo_interface): judge a command, ask the charger port, POST the CommandResult."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.datastructures import State

from hub.analytics.decisions import REMOTE_START
from hub.analytics.history import log_authorization
from hub.auth import Caller
from hub.config import Settings
from hub.errors import InvalidParametersError, UnknownLocationError
from hub.modules.commands.repository import CommandRepository
from hub.modules.commands.runner import command_settings, reported_timeout, start_after_commit
from hub.modules.local_parties import sender_owners
from hub.modules.objects import ObjectRepository, Owner, from_json, key, to_json, validate
from hub.ocpi.base import DisplayText, ci_equal
from hub.ocpi.enums import ModuleID, Role
from hub.ocpi.envelope import dump
from hub.ocpi.headers import RoutingHeaders
from hub.ocpi.status import StatusCode
from hub.ocpi.v221.commands import (
    COMMAND_OBJECTS,
    CancelReservation,
    CommandResponse,
    CommandResponseType,
    CommandResult,
    CommandResultType,
    CommandType,
    ReserveNow,
    StartSession,
    StopSession,
    UnlockConnector,
)
from hub.ocpi.v221.locations import Capability, Status
from hub.outbox.enqueue import OutboxWriter
from hub.partners.repository import PartnerRepository
from hub.ports import ChargerCommands, ChargerRefusedError, ChargerTarget
from hub.tables import LocationRecord
from hub.tables.base import utc_now
from hub.tables.commands import CommandDirection, CommandRecord, CommandState, ReservationRecord
from hub.tables.sessions import SessionRecord

log = logging.getLogger("hub.commands")

MODULE = ModuleID.COMMANDS.value


class NotAcceptedError(Exception):
    """A request we answer with a non-ACCEPTED response (not an OCPI error): the response type's name and why."""

    def __init__(self, result: str, reason: str) -> None:
        super().__init__(reason)
        self.result = result
        self.reason = reason


@dataclass(frozen=True)
class Requester:
    """The party a Receiver request comes from, and the parties whose Tokens and Sessions it may act on."""

    partner_id: int
    party: Owner
    allowed: frozenset[Owner]
    scsp: bool

    def may_use(self, country_code: str, party_id: str) -> bool:
        return Owner.of(country_code, party_id) in self.allowed


async def requester(session: AsyncSession, caller: Caller, routing: RoutingHeaders) -> Requester:
    """The caller's party: the OCPI-from-* party when given (one of its credentials roles, or any party when the
    caller is a Hub speaking for others), else its eMSP role, else its first role."""
    roles = await PartnerRepository(session).roles(caller.partner_id)
    own = [(r.role, Owner.of(r.country_code, r.party_id)) for r in roles]
    is_hub = any(role == Role.HUB for role, _ in own)
    if routing.from_ is not None:
        party = Owner.of(routing.from_.country_code, routing.from_.party_id)
        if not is_hub and party not in {o for _, o in own}:
            raise InvalidParametersError(
                f"OCPI-from-country-code/OCPI-from-party-id name {party}, which is not one of your credentials roles"
            )
    else:
        emsp = [o for role, o in own if role == Role.EMSP]
        if not emsp and not own:
            raise InvalidParametersError("your credentials list no roles")
        party = (emsp or [o for _, o in own])[0]
    allowed = {o for _, o in own} | ({party} if is_hub else set())
    scsp = any(role == Role.SCSP and o == party for role, o in own)
    return Requester(partner_id=caller.partner_id, party=party, allowed=frozenset(allowed), scsp=scsp)


def charger_port(state: State) -> ChargerCommands | None:
    port: ChargerCommands | None = state.charger_commands
    return port


@dataclass(frozen=True)
class OurLocation:
    owner: Owner
    body: dict[str, Any]

    @property
    def id(self) -> str:
        return str(self.body["id"])

    def evse(self, evse_uid: str) -> dict[str, Any] | None:
        """The EVSE with this uid; a REMOVED EVSE is gone for commands."""
        for evse in self.body.get("evses") or []:
            if ci_equal(str(evse.get("uid", "")), evse_uid) and evse.get("status") != Status.REMOVED:
                found: dict[str, Any] = evse
                return found
        return None


def connector(evse: dict[str, Any], connector_id: str) -> dict[str, Any] | None:
    for item in evse.get("connectors") or []:
        if ci_equal(str(item.get("id", "")), connector_id):
            found: dict[str, Any] = item
            return found
    return None


def require_capability(evse: dict[str, Any], capability: Capability, what: str) -> None:
    # CommandResponseType NOT_SUPPORTED: "The requested command is not supported by this CPO, Charge Point,
    # EVSE etc."; the EVSE's capabilities say what it supports.
    if capability not in (evse.get("capabilities") or []):
        raise NotAcceptedError(
            "NOT_SUPPORTED", f"EVSE {evse['uid']} does not support {what} (no {capability} capability)"
        )


async def our_location(session: AsyncSession, owners: list[Owner], location_id: str) -> OurLocation | None:
    record = await ObjectRepository(session, LocationRecord).get_local(location_id, owners)
    if record is None:
        return None
    return OurLocation(Owner.of(record.country_code, record.party_id), from_json(record.body))


@dataclass(frozen=True)
class OurSession:
    owner: Owner
    body: dict[str, Any]
    token_owner: Owner

    @property
    def id(self) -> str:
        return str(self.body["id"])

    def target(self) -> ChargerTarget:
        return ChargerTarget(
            country_code=self.owner.country_code,
            party_id=self.owner.party_id,
            location_id=str(self.body.get("location_id")),
            evse_uid=self.body.get("evse_uid"),
            connector_id=self.body.get("connector_id"),
        )


async def our_session(session: AsyncSession, owners: list[Owner], session_id: str) -> OurSession | None:
    """One of our own Sessions (stored by the Sessions module, looked up by owner and upper-cased id)."""
    record = await ObjectRepository(session, SessionRecord).get_local(session_id, owners)
    if record is None:
        return None
    return OurSession(
        owner=Owner.of(record.country_code, record.party_id),
        body=from_json(record.body),
        token_owner=Owner.of(record.token_country_code, record.token_party_id),
    )


async def require_reachable(port: ChargerCommands, target: ChargerTarget) -> None:
    """An offline charger is answered REJECTED at once: no result would ever follow."""
    try:
        reason = await port.reachable(target)
    except Exception:
        log.exception("could not tell whether the charger of %s is reachable", target)
        reason = "The Charge Point could not be looked up"
    if reason is not None:
        raise NotAcceptedError("REJECTED", reason)


def english(text: str) -> list[DisplayText]:
    return [DisplayText(language="en", text=text[:512])]


async def deliver(state: State, command_id: int, result: dict[str, Any] | None, final: CommandState) -> None:
    """Store the outcome and, when there is a result, queue its POST to the requester's response_url in the
    same transaction: the outbox retries it until the requester accepts it (a result is owed, like a CDR)."""
    sessionmaker = state.sessionmaker
    async with sessionmaker() as session:
        repo = CommandRepository(session)
        record = await repo.get(command_id)
        if record is None:
            return
        record.state = final
        record.result = None if result is None else to_json(result)
        record.result_at = utc_now()
        partner = await PartnerRepository(session).get(record.partner_id) if record.partner_id else None
        if result is not None:
            if partner is None or partner.id is None or partner.token_out is None:
                record.error = "not delivered: the partner is no longer registered"
                log.warning("result of command %s not delivered: %s", command_id, record.error)
            else:
                await OutboxWriter(session).add_explicit(
                    partner_id=partner.id,
                    module=record.module,
                    url=record.response_url,
                    method="POST",
                    body=result,
                    from_party=(record.local_country_code or "", record.local_party_id or ""),
                    to_party=(record.country_code, record.party_id)
                    if record.country_code and record.party_id
                    else None,
                    object_id=record.session_id or record.command,
                    command_id=command_id,
                )
        await repo.save(record)
        await session.commit()


Ask = Callable[[ChargerCommands], Awaitable[Any]]


async def ask_charger(state: State, ask: Ask) -> Any:
    """The charger's answer, bounded by our command timeout (TimeoutError when it does not come)."""
    port = charger_port(state)
    if port is None:
        raise RuntimeError("no charger port")
    async with asyncio.timeout(command_settings(state).command_timeout):
        return await ask(port)


async def _execute(state: State, command_id: int, ask: Ask) -> None:
    try:
        result = CommandResult(result=CommandResultType(await ask_charger(state, ask)))
    except TimeoutError:
        # CommandResultType TIMEOUT: "no response received from the Charge Point in a reasonable time".
        result = CommandResult(result=CommandResultType.TIMEOUT)
    except ChargerRefusedError as refusal:
        log.info("command %s: %s (%s)", command_id, refusal.result, refusal.message)
        result = CommandResult(result=refusal.result, message=english(refusal.message))
    except Exception:
        log.exception("command %s: the charger could not be asked", command_id)
        result = CommandResult(
            result=CommandResultType.FAILED,
            message=english("The command could not be executed at the Charge Point"),
        )
    await deliver(state, command_id, dump(result), CommandState.COMPLETED)


async def _post_only(state: State, command_id: int, result: CommandResult) -> None:
    await deliver(state, command_id, dump(result), CommandState.COMPLETED)


@dataclass(frozen=True)
class Plan:
    """A command judged acceptable: what to record and how to ask the charger."""

    local: Owner
    ask: Ask | None  # None: the result is known without asking a charger
    known_result: CommandResult | None = None
    target: ChargerTarget | None = None  # the charger that must be reachable for `ask`


async def receive(
    session: AsyncSession,
    state: State,
    settings: Settings,
    caller: Caller,
    routing: RoutingHeaders,
    command: str,
    body: Any,
) -> tuple[StatusCode, CommandResponse]:
    """Judge a command POSTed to our Receiver interface; ACCEPTED ones run once this request commits."""
    try:
        command_type = CommandType(command)
    except ValueError:
        raise InvalidParametersError(
            f"command: {command!r} is not a CommandType ({', '.join(CommandType)})"
        ) from None
    request = validate(COMMAND_OBJECTS[command_type], body)
    who = await requester(session, caller, routing)
    owners = sender_owners(settings, Role.CPO, routing)
    timeout = reported_timeout(state)
    local: Owner | None = None
    try:
        plan = await _plan(session, who, owners, command_type, request)
        local = plan.local
        port = charger_port(state)
        if port is None:
            raise NotAcceptedError(
                "NOT_SUPPORTED", "This CPO has no connection to Charge Points for remote commands"
            )
        if plan.ask is not None and plan.target is not None:
            await require_reachable(port, plan.target)
        response = CommandResponse(result=CommandResponseType.ACCEPTED, timeout=timeout)
    except UnknownLocationError as exc:
        # mod_commands_flow, "UNLOCK_CONNECTOR Unknown Location": status_code 2003 with result REJECTED.
        return StatusCode.UNKNOWN_LOCATION, CommandResponse(
            result=CommandResponseType.REJECTED, timeout=timeout, message=english(exc.message)
        )
    except NotAcceptedError as exc:
        response = CommandResponse(
            result=CommandResponseType(exc.result), timeout=timeout, message=english(exc.reason)
        )
        plan = None
    if isinstance(request, StartSession) and local is not None:
        log_authorization(
            session,
            country_code=local.country_code,
            party_id=local.party_id,
            location_id=request.location_id,
            evse_uid=request.evse_uid,
            kind=REMOTE_START,
            outcome=response.result.value,
        )
    accepted = response.result == CommandResponseType.ACCEPTED
    location_id = getattr(request, "location_id", None)
    session_id = getattr(request, "session_id", None)
    record = await CommandRepository(session).add(
        CommandRecord(
            direction=CommandDirection.RECEIVED,
            module=MODULE,
            command=command_type,
            partner_id=who.partner_id,
            country_code=who.party.country_code,
            party_id=who.party.party_id,
            local_country_code=None if local is None else local.country_code,
            local_party_id=None if local is None else local.party_id,
            session_id=session_id,
            session_key=None if session_id is None else key(session_id),
            location_key=None if location_id is None else key(location_id),
            response_url=request.response_url,
            request=to_json(dump(request)),
            response=to_json(dump(response)),
            state=CommandState.WAITING if accepted else CommandState.ANSWERED,
            timeout_at=utc_now() + timedelta(seconds=timeout) if accepted else None,
        )
    )
    if accepted and plan is not None:
        assert record.id is not None
        command_id = record.id
        if plan.ask is not None:
            ask = plan.ask
            start_after_commit(
                session,
                state,
                lambda: _execute(state, command_id, ask),
                f"command {command_id} {command_type}",
            )
        elif plan.known_result is not None:
            known = plan.known_result
            start_after_commit(
                session,
                state,
                lambda: _post_only(state, command_id, known),
                f"command {command_id} {command_type}",
            )
    return StatusCode.SUCCESS, response


async def _plan(
    session: AsyncSession, who: Requester, owners: list[Owner], command_type: CommandType, request: Any
) -> Plan:
    if isinstance(request, StartSession):
        return await _start_session(session, who, owners, request)
    if isinstance(request, StopSession):
        return await _stop_session(session, who, owners, request)
    if isinstance(request, ReserveNow):
        return await _reserve_now(session, who, owners, request)
    if isinstance(request, CancelReservation):
        return await _cancel_reservation(session, who, owners, request)
    assert isinstance(request, UnlockConnector)
    return await _unlock_connector(session, owners, request)


async def _location(session: AsyncSession, owners: list[Owner], location_id: str) -> OurLocation:
    location = await our_location(session, owners, location_id)
    if location is None:
        raise UnknownLocationError(f"Unknown location {location_id}")
    return location


def _evse(location: OurLocation, evse_uid: str) -> dict[str, Any]:
    evse = location.evse(evse_uid)
    if evse is None:
        raise NotAcceptedError("REJECTED", f"Location {location.id} has no EVSE {evse_uid}")
    return evse


def _token_owner(who: Requester, token: Any) -> None:
    # mod_commands_startsession_object: "An eMSP sending a StartSession SHALL only use Token that are owned by
    # this eMSP". Who owns the Token is checked; whether it is valid is not ("SHALL NOT check the validity").
    if not who.may_use(token.country_code, token.party_id):
        raise NotAcceptedError(
            "REJECTED",
            f"Token {token.uid} belongs to {token.country_code}*{token.party_id}, not to {who.party}",
        )


async def _start_session(
    session: AsyncSession, who: Requester, owners: list[Owner], request: StartSession
) -> Plan:
    location = await _location(session, owners, request.location_id)
    _token_owner(who, request.token)
    evse_uid, connector_id = request.evse_uid, request.connector_id
    if evse_uid is not None:
        evse = _evse(location, evse_uid)
        require_capability(evse, Capability.REMOTE_START_STOP_CAPABLE, "remote start")
        if connector_id is not None and connector(evse, connector_id) is None:
            raise NotAcceptedError("REJECTED", f"EVSE {evse_uid} has no Connector {connector_id}")
        if connector_id is None and Capability.START_SESSION_CONNECTOR_REQUIRED in (
            evse.get("capabilities") or []
        ):
            raise NotAcceptedError(
                "REJECTED", f"EVSE {evse_uid} requires connector_id (START_SESSION_CONNECTOR_REQUIRED)"
            )
        evse_uid = str(evse["uid"])
    target = ChargerTarget(
        location.owner.country_code, location.owner.party_id, location.id, evse_uid, connector_id
    )
    token, reference = request.token, request.authorization_reference

    def ask(port: ChargerCommands) -> Awaitable[CommandResultType]:
        return port.start_session(target, token=token, authorization_reference=reference)

    return Plan(local=location.owner, ask=ask, target=target)


async def _stop_session(
    session: AsyncSession, who: Requester, owners: list[Owner], request: StopSession
) -> Plan:
    ours = await our_session(session, owners, request.session_id)
    if ours is None:
        raise NotAcceptedError("UNKNOWN_SESSION", f"Unknown session {request.session_id}")
    # CommandResponseType REJECTED: "Session might not be from a customer of the eMSP that send this request".
    if ours.token_owner not in who.allowed:
        raise NotAcceptedError("REJECTED", f"Session {request.session_id} is not a session of {who.party}")
    target, session_id = ours.target(), ours.id

    def ask(port: ChargerCommands) -> Awaitable[CommandResultType]:
        return port.stop_session(target, session_id=session_id)

    return Plan(local=ours.owner, ask=ask, target=target)


async def _reserve_now(
    session: AsyncSession, who: Requester, owners: list[Owner], request: ReserveNow
) -> Plan:
    location = await _location(session, owners, request.location_id)
    _token_owner(who, request.token)
    evse_uid = request.evse_uid
    if evse_uid is not None:
        evse = _evse(location, evse_uid)
        require_capability(evse, Capability.RESERVABLE, "reservations")
        evse_uid = str(evse["uid"])
    repo = CommandRepository(session)
    # "The CPO SHALL make sure the Reservation ID sent to the Charge Point is unique and is not used by another
    # Sender": the charger sees our row id; the same eMSP, Location and reservation_id keeps it (a replacement).
    reservation = await repo.reservation(
        local=location.owner, location_id=location.id, emsp=who.party, reservation_id=request.reservation_id
    )
    if reservation is None:
        reservation = ReservationRecord(
            partner_id=who.partner_id,
            country_code=who.party.country_code,
            party_id=who.party.party_id,
            reservation_key=key(request.reservation_id),
            local_country_code=location.owner.country_code,
            local_party_id=location.owner.party_id,
            location_key=key(location.id),
            location_id=location.id,
        )
    reservation.evse_uid = evse_uid
    reservation = await repo.save_reservation(reservation)
    assert reservation.id is not None
    reservation_id = reservation.id
    target = ChargerTarget(location.owner.country_code, location.owner.party_id, location.id, evse_uid)
    token, expiry, reference = request.token, request.expiry_date, request.authorization_reference

    def ask(port: ChargerCommands) -> Awaitable[CommandResultType]:
        return port.reserve_now(
            target,
            reservation_id=reservation_id,
            token=token,
            expiry_date=expiry,
            authorization_reference=reference,
        )

    return Plan(local=location.owner, ask=ask, target=target)


async def _cancel_reservation(
    session: AsyncSession, who: Requester, owners: list[Owner], request: CancelReservation
) -> Plan:
    reservation = await CommandRepository(session).latest_reservation(
        locals_=owners, emsp=who.party, reservation_id=request.reservation_id
    )
    if reservation is None:
        # No reservation of this eMSP has that id, so no charger holds it: CommandResultType UNKNOWN_RESERVATION
        # says exactly that, without troubling a charger.
        return Plan(
            local=owners[0] if owners else who.party,
            ask=None,
            known_result=CommandResult(
                result=CommandResultType.UNKNOWN_RESERVATION,
                message=english(f"No reservation {request.reservation_id} of {who.party}"),
            ),
        )
    local = Owner.of(reservation.local_country_code, reservation.local_party_id)
    target = ChargerTarget(local.country_code, local.party_id, reservation.location_id, reservation.evse_uid)
    assert reservation.id is not None
    reservation_id = reservation.id

    def ask(port: ChargerCommands) -> Awaitable[CommandResultType]:
        return port.cancel_reservation(target, reservation_id=reservation_id)

    return Plan(local=local, ask=ask, target=target)


async def _unlock_connector(session: AsyncSession, owners: list[Owner], request: UnlockConnector) -> Plan:
    location = await _location(session, owners, request.location_id)
    evse = _evse(location, request.evse_uid)
    found = connector(evse, request.connector_id)
    if found is None:
        raise NotAcceptedError("REJECTED", f"EVSE {request.evse_uid} has no Connector {request.connector_id}")
    require_capability(evse, Capability.UNLOCK_CAPABLE, "unlocking")
    target = ChargerTarget(
        location.owner.country_code, location.owner.party_id, location.id, str(evse["uid"]), str(found["id"])
    )

    def ask(port: ChargerCommands) -> Awaitable[CommandResultType]:
        return port.unlock_connector(target)

    return Plan(local=location.owner, ask=ask, target=target)
