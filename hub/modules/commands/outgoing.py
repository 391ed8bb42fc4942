"""Commands, Sender side (mod_commands_emsp_interface): send commands with a response_url of ours and match their results."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from pydantic import BaseModel
from sqlmodel.ext.asyncio.session import AsyncSession

from hub.auth import Caller
from hub.config import Settings
from hub.db import SessionMaker
from hub.errors import InvalidParametersError, ObjectNotFoundError
from hub.modules.commands.repository import CommandRepository
from hub.modules.objects import Owner, from_json, key, to_json, validate
from hub.modules.registry import OCPI_PREFIX
from hub.ocpi.base import DateTime
from hub.ocpi.enums import InterfaceRole, ModuleID, Role
from hub.ocpi.envelope import dump
from hub.ocpi.headers import PartyRef, RoutingHeaders
from hub.ocpi.v221.commands import (
    COMMAND_OBJECTS,
    CommandResponse,
    CommandResponseType,
    CommandResult,
    CommandType,
)
from hub.partners.client import PartnerClient, PartnerError
from hub.partners.repository import PartnerRepository
from hub.tables import PartnerStatus
from hub.tables.base import utc_now
from hub.tables.commands import CommandDirection, CommandRecord, CommandState


class SendError(Exception):
    """The request cannot be sent as asked (invalid fields, a partner without the endpoint): nothing was sent."""


class UnknownPartnerError(SendError):
    pass


class UnknownCommandError(SendError):
    pass


class CommandView(BaseModel):
    """A command or charging-profile request as the admin API and the CLI show it."""

    id: int
    direction: CommandDirection
    module: str
    command: str
    partner_id: int | None
    party: str | None
    local_party: str | None
    session_id: str | None
    # TIMED_OUT is shown for an ACCEPTED request whose result did not come within the CPO's timeout.
    state: CommandState
    request: dict[str, Any]
    response_url: str
    response: dict[str, Any] | None
    result: dict[str, Any] | None
    error: str | None
    created_at: DateTime
    timeout_at: DateTime | None
    result_at: DateTime | None
    delivered_at: DateTime | None

    @property
    def final(self) -> bool:
        return self.state not in (CommandState.SENDING, CommandState.WAITING)


def _party(country_code: str | None, party_id: str | None) -> str | None:
    return f"{country_code}*{party_id}" if country_code and party_id else None


def view(record: CommandRecord, now: datetime | None = None) -> CommandView:
    assert record.id is not None
    state = CommandState(record.state)
    now = now or utc_now()
    if state == CommandState.WAITING and record.timeout_at is not None and record.timeout_at <= now:
        state = CommandState.TIMED_OUT
    request = from_json(record.request)
    return CommandView(
        id=record.id,
        direction=CommandDirection(record.direction),
        module=record.module,
        command=record.command,
        partner_id=record.partner_id,
        party=_party(record.country_code, record.party_id),
        local_party=_party(record.local_country_code, record.local_party_id),
        session_id=record.session_id,
        state=state,
        request=request,
        response_url=record.response_url,
        response=None if record.response is None else from_json(record.response),
        result=None if record.result is None else from_json(record.result),
        error=record.error,
        created_at=record.created_at,
        timeout_at=record.timeout_at,
        result_at=record.result_at,
        delivered_at=record.delivered_at,
    )


async def get_view(
    sessionmaker: SessionMaker, command_id: int, module: ModuleID = ModuleID.COMMANDS
) -> CommandView | None:
    async with sessionmaker() as session:
        record = await CommandRepository(session).get(command_id)
        return None if record is None or record.module != module.value else view(record)


async def list_views(
    sessionmaker: SessionMaker,
    *,
    module: ModuleID = ModuleID.COMMANDS,
    direction: CommandDirection | None = None,
    limit: int = 100,
) -> list[CommandView]:
    async with sessionmaker() as session:
        repo = CommandRepository(session)
        return [view(r) for r in await repo.latest(module=module.value, direction=direction, limit=limit)]


@dataclass(frozen=True)
class Outgoing:
    """One request to a partner's Receiver interface. `body` and `params` are built around our response_url."""

    module: ModuleID
    command: str
    method: str
    path: str  # appended to the partner's endpoint URL
    body: Callable[[str], dict[str, Any] | None]
    params: Callable[[str], dict[str, str] | None] = field(default=lambda _url: None)
    response_model: type[BaseModel] = CommandResponse
    stored: Callable[[str], dict[str, Any]] | None = None  # what the record shows as the request
    session_id: str | None = None
    location_id: str | None = None
    routing: RoutingHeaders = field(default_factory=RoutingHeaders)


def response_url(settings: Settings, module: ModuleID, command: str, callback_id: str) -> str:
    """Ours, unique per request and unguessable: the Sender interface path, the command, a random id."""
    return f"{settings.base_url}{OCPI_PREFIX}/{InterfaceRole.SENDER.value.lower()}/{module.value}/{command}/{callback_id}"


def our_parties(settings: Settings, role: Role) -> list[Owner]:
    return [Owner.of(p.country_code, p.party_id) for p in settings.parties if p.role == role]


async def send(
    sessionmaker: SessionMaker, client: PartnerClient, settings: Settings, partner_id: int, outgoing: Outgoing
) -> CommandView:
    """Record the request (committed first: a fast CPO may POST the result before it answers), send it, and
    store the partner's synchronous response."""
    callback_id = secrets.token_urlsafe(24)
    url_for_result = response_url(settings, outgoing.module, outgoing.command, callback_id)
    async with sessionmaker() as session:
        partners = PartnerRepository(session)
        partner = await partners.get(partner_id)
        if partner is None:
            raise UnknownPartnerError(f"no partner with id {partner_id}")
        if partner.status != PartnerStatus.REGISTERED or partner.token_out is None:
            raise SendError(f"partner {partner_id} is not registered")
        endpoint = next(
            (
                e.url
                for e in await partners.endpoints(partner_id)
                if e.module == outgoing.module.value and e.interface_role == InterfaceRole.RECEIVER
            ),
            None,
        )
        if endpoint is None:
            raise SendError(f"partner {partner_id} has no {outgoing.module.value} Receiver endpoint")
        cpos = [r for r in await partners.roles(partner_id) if r.role == Role.CPO]
        routing = outgoing.routing
        if routing.to is None and len(cpos) == 1:
            routing = RoutingHeaders(to=PartyRef(cpos[0].country_code, cpos[0].party_id), from_=routing.from_)
        token, raw = partner.token_out, partner.send_raw_token
        body = outgoing.body(url_for_result)
        params = outgoing.params(url_for_result)
        stored = outgoing.stored(url_for_result) if outgoing.stored is not None else (body or params or {})
        record = await CommandRepository(session).add(
            CommandRecord(
                direction=CommandDirection.SENT,
                module=outgoing.module.value,
                command=outgoing.command,
                partner_id=partner_id,
                country_code=None if routing.to is None else routing.to.country_code,
                party_id=None if routing.to is None else routing.to.party_id,
                local_country_code=None if routing.from_ is None else routing.from_.country_code,
                local_party_id=None if routing.from_ is None else routing.from_.party_id,
                session_id=outgoing.session_id,
                session_key=None if outgoing.session_id is None else key(outgoing.session_id),
                location_key=None if outgoing.location_id is None else key(outgoing.location_id),
                callback_id=callback_id,
                response_url=url_for_result,
                request=to_json(stored),
                state=CommandState.SENDING,
            )
        )
        command_id = record.id
        assert command_id is not None
        await session.commit()
    url = endpoint.rstrip("/") + outgoing.path
    if params:
        url = f"{url}?{urlencode(params)}"
    error: str | None = None
    response: Any = None
    try:
        reply = await client.call(
            outgoing.method, url, token=token, raw_token=raw, json=body, headers=routing.as_headers()
        )
        response = dump(validate(outgoing.response_model, reply.data, prefix="data."))
    except PartnerError as exc:
        error = str(exc)
    except InvalidParametersError as exc:
        error = (
            f"{outgoing.method} {url}: the reply is not a {outgoing.response_model.__name__}: {exc.message}"
        )
    async with sessionmaker() as session:
        repo = CommandRepository(session)
        stored_record = await repo.get(command_id)
        assert stored_record is not None
        record = stored_record
        if error is not None:
            record.state = CommandState.SEND_FAILED
            record.error = error
        else:
            record.response = to_json(response)
            accepted = response["result"] == CommandResponseType.ACCEPTED
            record.timeout_at = utc_now() + timedelta(seconds=max(int(response["timeout"]), 0))
            if record.state != CommandState.COMPLETED:  # the result may have been faster than the response
                record.state = CommandState.WAITING if accepted else CommandState.ANSWERED
        await repo.save(record)
        await session.commit()
        return view(record)


def command_outgoing(settings: Settings, command: str, fields: Any) -> Outgoing:
    """A command to send: `fields` are the command object's fields except response_url, which is ours."""
    try:
        command_type = CommandType(command)
    except ValueError:
        raise UnknownCommandError(f"{command!r} is not a CommandType ({', '.join(CommandType)})") from None
    if not isinstance(fields, dict):
        raise SendError(f"the {command_type} fields must be a JSON object")
    if "response_url" in fields:
        raise SendError("response_url is chosen by the hub (a unique URL per command); leave it out")
    model = COMMAND_OBJECTS[command_type]
    try:
        request = validate(model, {**fields, "response_url": "https://placeholder.invalid/"})
    except InvalidParametersError as exc:
        raise SendError(f"{command_type}: {exc.message}") from None
    emsps = our_parties(settings, Role.EMSP)
    sender: Owner | None = emsps[0] if emsps else None
    token = getattr(request, "token", None)
    if token is not None:
        owner = Owner.of(token.country_code, token.party_id)
        # mod_commands_startsession_object: an eMSP "SHALL only use Token that are owned by this eMSP".
        if owner not in emsps:
            raise SendError(
                f"token: {owner} is not one of our eMSP parties; a command may only use our own Tokens"
            )
        sender = owner
    payload = dump(request)
    payload.pop("response_url")

    def body(url: str) -> dict[str, Any]:
        return {**payload, "response_url": url}

    return Outgoing(
        module=ModuleID.COMMANDS,
        command=command_type.value,
        method="POST",
        path=f"/{command_type.value}",
        body=body,
        session_id=getattr(request, "session_id", None),
        location_id=getattr(request, "location_id", None),
        routing=RoutingHeaders(
            from_=None if sender is None else PartyRef(sender.country_code, sender.party_id)
        ),
    )


async def send_command(
    sessionmaker: SessionMaker,
    client: PartnerClient,
    settings: Settings,
    partner_id: int,
    command: str,
    fields: Any,
) -> CommandView:
    """Send a command to a CPO partner (admin API and `ocpi-hub command`)."""
    return await send(sessionmaker, client, settings, partner_id, command_outgoing(settings, command, fields))


async def callback_record(
    session: AsyncSession, caller: Caller, module: ModuleID, command: str, callback_id: str
) -> CommandRecord:
    """The request a result POST answers. Only the partner we sent it to may post there; for anyone else the URL
    does not exist (HTTP 404), as for an unknown id."""
    record = await CommandRepository(session).by_callback(callback_id)
    if (
        record is None
        or record.direction != CommandDirection.SENT
        or record.module != module.value
        or record.command != command
        or record.partner_id != caller.partner_id
    ):
        raise ObjectNotFoundError("Unknown response URL")
    return record


async def store_result(session: AsyncSession, record: CommandRecord, result: BaseModel) -> None:
    record.result = to_json(dump(result))
    record.result_at = utc_now()
    record.state = CommandState.COMPLETED
    await CommandRepository(session).save(record)


async def receive_result(
    session: AsyncSession, caller: Caller, command: str, callback_id: str, body: Any
) -> None:
    """A CPO POSTs the CommandResult of a command we sent. A later CANCELED_RESERVATION on a RESERVE_NOW URL
    ("the CPO call the Senders interface with the same URL") replaces the earlier result."""
    record = await callback_record(session, caller, ModuleID.COMMANDS, command, callback_id)
    await store_result(session, record, validate(CommandResult, body))
