"""ChargingProfiles, both sides (mod_charging_profiles_cpo_interface, mod_charging_profiles_emsp_interface)."""

from __future__ import annotations

import logging
from datetime import timedelta
from enum import StrEnum
from typing import Any
from urllib.parse import quote

from pydantic import BaseModel
from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.datastructures import State

from hub.auth import Caller
from hub.config import Settings
from hub.db import SessionMaker
from hub.errors import InvalidParametersError
from hub.loadbalance.partners import balanced
from hub.modules.commands.outgoing import (
    CommandView,
    Outgoing,
    SendError,
    callback_record,
    our_parties,
    send,
    store_result,
)
from hub.modules.commands.repository import CommandRepository
from hub.modules.commands.runner import reported_timeout, start_after_commit
from hub.modules.commands.service import (
    Ask,
    NotAcceptedError,
    OurSession,
    Requester,
    ask_charger,
    charger_port,
    deliver,
    our_location,
    our_session,
    requester,
    require_capability,
    require_reachable,
)
from hub.modules.local_parties import sender_owners
from hub.modules.objects import Owner, from_json, key, to_json, validate
from hub.ocpi.base import OcpiModel, format_datetime
from hub.ocpi.enums import InterfaceRole, ModuleID, Role
from hub.ocpi.envelope import dump
from hub.ocpi.headers import PartyRef, RoutingHeaders
from hub.ocpi.v221.charging_profiles import (
    ActiveChargingProfile,
    ActiveChargingProfileResult,
    ChargingProfile,
    ChargingProfileResponse,
    ChargingProfileResponseType,
    ChargingProfileResult,
    ChargingProfileResultType,
    ClearProfileResult,
    SetChargingProfile,
)
from hub.ocpi.v221.commands import ResponseUrl
from hub.ocpi.v221.locations import Capability
from hub.ocpi.v221.sessions import SessionStatus
from hub.outbox.enqueue import OutboxWriter
from hub.partners.client import PartnerClient
from hub.partners.repository import PartnerRepository
from hub.ports import ChargerCommands
from hub.tables.base import utc_now
from hub.tables.commands import CommandDirection, CommandRecord, CommandState

log = logging.getLogger("hub.chargingprofiles")

MODULE = ModuleID.CHARGING_PROFILES


class ProfileRequest(StrEnum):
    """The three Receiver methods, as the command table names them."""

    SET_CHARGING_PROFILE = "SET_CHARGING_PROFILE"  # PUT, result ChargingProfileResult
    GET_ACTIVE_CHARGING_PROFILE = "GET_ACTIVE_CHARGING_PROFILE"  # GET, result ActiveChargingProfileResult
    CLEAR_PROFILE = "CLEAR_PROFILE"  # DELETE, result ClearProfileResult


RESULT_MODELS: dict[ProfileRequest, type[BaseModel]] = {
    ProfileRequest.SET_CHARGING_PROFILE: ChargingProfileResult,
    ProfileRequest.GET_ACTIVE_CHARGING_PROFILE: ActiveChargingProfileResult,
    ProfileRequest.CLEAR_PROFILE: ClearProfileResult,
}

# Sessions that can still be influenced: profiles act "on a running charging session".
_RUNNING = (SessionStatus.PENDING, SessionStatus.ACTIVE)


# -- Receiver (CPO) ------------------------------------------------------------------------------------------


async def _judge(
    session: AsyncSession,
    state: State,
    who: Requester,
    ours: OurSession | None,
    session_id: str,
    kind: ProfileRequest,
) -> None:
    if ours is None:
        raise NotAcceptedError("UNKNOWN_SESSION", f"Unknown session {session_id}")
    # "ChargingProfile can be created by the owner of a Token on Sessions that belong to that token. If another
    # party sends a ChargingProfile and the CPO has no contract ... the CPO is allowed to reject": a registered
    # SCSP is such a contract; any other party may act only on its own Tokens' Sessions.
    if ours.token_owner not in who.allowed and not who.scsp:
        raise NotAcceptedError("REJECTED", f"Session {session_id} is not a session of {who.party}")
    if ours.body.get("status") not in _RUNNING:
        raise NotAcceptedError("REJECTED", f"Session {session_id} is {ours.body.get('status')}, not running")
    location = await our_location(session, [ours.owner], str(ours.body.get("location_id")))
    evse = location.evse(str(ours.body.get("evse_uid"))) if location is not None else None
    if evse is not None:
        require_capability(evse, Capability.CHARGING_PROFILE_CAPABLE, "charging profiles")
    port = charger_port(state)
    if port is None:
        raise NotAcceptedError(
            "NOT_SUPPORTED", "This CPO has no connection to Charge Points for charging profiles"
        )
    # TOO_OFTEN: "requests are send more often then allowed"; we allow one request of a kind per Session and
    # Sender at a time: a new one while the charger has not answered the previous is too often.
    waiting = await CommandRepository(session).waiting(
        partner_id=who.partner_id, module=MODULE.value, command=kind, local=ours.owner, session_id=session_id
    )
    if waiting is not None:
        raise NotAcceptedError(
            "TOO_OFTEN", f"Request {waiting.id} for session {session_id} is still in progress"
        )
    # ChargingProfileResponseType REJECTED, like a command for an offline charger: no result would follow.
    await require_reachable(port, ours.target())


class ResponseUrlOnly(OcpiModel):
    """The response_url query parameter of the GET and DELETE methods."""

    response_url: ResponseUrl


async def receive(
    session: AsyncSession,
    state: State,
    settings: Settings,
    caller: Caller,
    routing: RoutingHeaders,
    session_id: str,
    kind: ProfileRequest,
    body: Any = None,
    *,
    response_url: str | None = None,
    duration: int | None = None,
) -> ChargingProfileResponse:
    """Judge a PUT (`body`), GET (`response_url`, `duration`) or DELETE (`response_url`) on our Receiver
    interface; ACCEPTED ones run once this request commits."""
    set_request: SetChargingProfile | None = None
    if kind == ProfileRequest.SET_CHARGING_PROFILE:
        set_request = validate(SetChargingProfile, body)
        request: dict[str, Any] = dump(set_request)
        url = set_request.response_url
    else:
        url = validate(ResponseUrlOnly, {"response_url": response_url}).response_url
        request = {"response_url": url} if duration is None else {"duration": duration, "response_url": url}
    who = await requester(session, caller, routing)
    ours = await our_session(session, sender_owners(settings, Role.CPO, routing), session_id)
    timeout = reported_timeout(state)
    message: str | None = None
    try:
        await _judge(session, state, who, ours, session_id, kind)
        response = ChargingProfileResponse(result=ChargingProfileResponseType.ACCEPTED, timeout=timeout)
    except NotAcceptedError as exc:
        response = ChargingProfileResponse(result=ChargingProfileResponseType(exc.result), timeout=timeout)
        message = exc.reason
    accepted = response.result == ChargingProfileResponseType.ACCEPTED
    record = await CommandRepository(session).add(
        CommandRecord(
            direction=CommandDirection.RECEIVED,
            module=MODULE.value,
            command=kind,
            partner_id=who.partner_id,
            country_code=who.party.country_code,
            party_id=who.party.party_id,
            local_country_code=None if ours is None else ours.owner.country_code,
            local_party_id=None if ours is None else ours.owner.party_id,
            session_id=session_id,
            session_key=key(session_id),
            response_url=url,
            request=to_json(request),
            response=to_json(dump(response)),
            state=CommandState.WAITING if accepted else CommandState.ANSWERED,
            # ChargingProfileResponse has no message: why it was not ACCEPTED is kept for the admin view.
            error=message,
            timeout_at=utc_now() + timedelta(seconds=timeout) if accepted else None,
        )
    )
    if accepted and ours is not None:
        assert record.id is not None
        command_id, ask = record.id, _ask(kind, ours, set_request, duration)
        if kind != ProfileRequest.GET_ACTIVE_CHARGING_PROFILE:
            profile = None if set_request is None else set_request.charging_profile
            ask = balanced(state, ours.id, profile, ask)
        start_after_commit(
            session, state, lambda: _execute(state, command_id, kind, ask), f"{kind} {command_id}"
        )
    return response


def _ask(
    kind: ProfileRequest, ours: OurSession, set_request: SetChargingProfile | None, duration: int | None
) -> Ask:
    target, session_id = ours.target(), ours.id
    if kind == ProfileRequest.SET_CHARGING_PROFILE:
        assert set_request is not None
        profile = set_request.charging_profile

        def set_profile(port: ChargerCommands) -> Any:
            return port.set_charging_profile(target, session_id=session_id, charging_profile=profile)

        return set_profile
    if kind == ProfileRequest.GET_ACTIVE_CHARGING_PROFILE:
        seconds = duration or 0

        def get_profile(port: ChargerCommands) -> Any:
            return port.get_active_charging_profile(target, session_id=session_id, duration=seconds)

        return get_profile

    def clear_profile(port: ChargerCommands) -> Any:
        return port.clear_charging_profile(target, session_id=session_id)

    return clear_profile


async def _execute(state: State, command_id: int, kind: ProfileRequest, ask: Ask) -> None:
    result: BaseModel
    try:
        answer = await ask_charger(state, ask)
        if kind == ProfileRequest.GET_ACTIVE_CHARGING_PROFILE:
            result = ActiveChargingProfileResult.model_validate(answer)
        else:
            result = RESULT_MODELS[kind].model_validate({"result": ChargingProfileResultType(answer)})
    except TimeoutError:
        # ChargingProfileResultType has no TIMEOUT: nothing is posted, and the Sender's timeout ("When the Result
        # is not received within this timeout, the eMSP can assume that the message might never be sent") applies.
        await deliver(state, command_id, None, CommandState.TIMED_OUT)
        return
    except Exception:
        log.exception("%s %s: the charger could not be asked", kind, command_id)
        result = RESULT_MODELS[kind].model_validate({"result": ChargingProfileResultType.REJECTED})
    await deliver(state, command_id, dump(result), CommandState.COMPLETED)


async def publish_active_profile(
    state: State, owner: Owner, session_id: str, profile: ActiveChargingProfile
) -> list[int]:
    """Tell the Senders of this Session's profiles that its ActiveChargingProfile changed (PUT on their Sender
    interface), through the outbox. Only Senders whose SetChargingProfile we ACCEPTED for it: "The Receiver
    SHALL NOT call this interface for any session where the Sender has never, successfully called the charging
    profile Receiver PUT interface for this session". Returns the partners it is queued for."""
    sessionmaker: SessionMaker = state.sessionmaker
    queued: list[int] = []
    async with sessionmaker() as session:
        partners = PartnerRepository(session)
        writer = OutboxWriter(session)
        setters = await CommandRepository(session).accepted_requesters(
            module=MODULE.value,
            command=ProfileRequest.SET_CHARGING_PROFILE,
            local=owner,
            session_id=session_id,
        )
        for record in setters:
            if record.partner_id is None or record.partner_id in queued:
                continue
            partner = await partners.get(record.partner_id)
            if partner is None or partner.token_out is None:
                continue
            endpoint = next(
                (
                    e.url
                    for e in await partners.endpoints(record.partner_id)
                    if e.module == MODULE.value and e.interface_role == InterfaceRole.SENDER
                ),
                None,
            )
            if endpoint is None:
                continue
            await writer.add_explicit(
                partner_id=record.partner_id,
                module=MODULE.value,
                url=f"{endpoint.rstrip('/')}/{quote(session_id, safe='')}",
                method="PUT",
                body=dump(profile),
                from_party=(owner.country_code, owner.party_id),
                to_party=(record.country_code, record.party_id)
                if record.country_code and record.party_id
                else None,
                object_id=session_id,
            )
            queued.append(record.partner_id)
        await session.commit()
    return queued


# -- Sender (SCSP / eMSP) ------------------------------------------------------------------------------------


def _sender_routing(settings: Settings) -> RoutingHeaders:
    ours = our_parties(settings, Role.SCSP) + our_parties(settings, Role.EMSP)
    return RoutingHeaders(from_=PartyRef(ours[0].country_code, ours[0].party_id) if ours else None)


def _path(session_id: str) -> str:
    return f"/{quote(session_id, safe='')}"


async def send_set(
    sessionmaker: SessionMaker,
    client: PartnerClient,
    settings: Settings,
    partner_id: int,
    session_id: str,
    charging_profile: Any,
) -> CommandView:
    """PUT a SetChargingProfile on a CPO partner's Receiver interface for one of its Sessions."""
    try:
        profile = dump(validate(ChargingProfile, charging_profile, prefix="charging_profile."))
    except InvalidParametersError as exc:
        raise SendError(exc.message) from None
    outgoing = Outgoing(
        module=MODULE,
        command=ProfileRequest.SET_CHARGING_PROFILE,
        method="PUT",
        path=_path(session_id),
        body=lambda url: {"charging_profile": profile, "response_url": url},
        response_model=ChargingProfileResponse,
        session_id=session_id,
        routing=_sender_routing(settings),
    )
    return await send(sessionmaker, client, settings, partner_id, outgoing)


async def send_get(
    sessionmaker: SessionMaker,
    client: PartnerClient,
    settings: Settings,
    partner_id: int,
    session_id: str,
    duration: int,
) -> CommandView:
    """GET the ActiveChargingProfile of a CPO partner's Session for the next `duration` seconds."""

    def params(url: str) -> dict[str, str]:
        return {"duration": str(duration), "response_url": url}

    outgoing = Outgoing(
        module=MODULE,
        command=ProfileRequest.GET_ACTIVE_CHARGING_PROFILE,
        method="GET",
        path=_path(session_id),
        body=lambda _url: None,
        params=params,
        response_model=ChargingProfileResponse,
        session_id=session_id,
        routing=_sender_routing(settings),
    )
    return await send(sessionmaker, client, settings, partner_id, outgoing)


async def send_clear(
    sessionmaker: SessionMaker, client: PartnerClient, settings: Settings, partner_id: int, session_id: str
) -> CommandView:
    """DELETE the charging profile we set on a CPO partner's Session."""
    outgoing = Outgoing(
        module=MODULE,
        command=ProfileRequest.CLEAR_PROFILE,
        method="DELETE",
        path=_path(session_id),
        body=lambda _url: None,
        params=lambda url: {"response_url": url},
        response_model=ChargingProfileResponse,
        session_id=session_id,
        routing=_sender_routing(settings),
    )
    return await send(sessionmaker, client, settings, partner_id, outgoing)


async def receive_result(
    session: AsyncSession, caller: Caller, command: str, callback_id: str, body: Any
) -> None:
    """A CPO POSTs the result of a request we sent: ChargingProfileResult, ActiveChargingProfileResult or
    ClearProfileResult, whichever answers the request this response_url was made for."""
    record = await callback_record(session, caller, MODULE, command, callback_id)
    result = validate(RESULT_MODELS[ProfileRequest(record.command)], body)
    await store_result(session, record, result)
    if (
        isinstance(result, ActiveChargingProfileResult)
        and result.profile is not None
        and record.partner_id is not None
        and record.session_id is not None
    ):
        await CommandRepository(session).save_active_profile(
            record.partner_id, record.session_id, to_json(dump(result.profile))
        )


async def receive_active_profile(
    session: AsyncSession, caller: Caller, session_id: str, profile: ActiveChargingProfile
) -> bool:
    """A CPO tells us the new ActiveChargingProfile of one of its Sessions (mod_charging_profiles_msp_put_method);
    True when it is the first we have for that Session."""
    return await CommandRepository(session).save_active_profile(
        caller.partner_id, session_id, to_json(dump(profile))
    )


async def active_profile(
    sessionmaker: SessionMaker, partner_id: int, session_id: str
) -> dict[str, Any] | None:
    """The latest ActiveChargingProfile a partner reported for one of its Sessions, with when we got it."""
    async with sessionmaker() as session:
        record = await CommandRepository(session).active_profile(partner_id, session_id)
        if record is None:
            return None
        return {
            "partner_id": partner_id,
            "session_id": record.session_id,
            "active_charging_profile": from_json(record.body),
            "updated_at": format_datetime(record.updated_at),
        }
