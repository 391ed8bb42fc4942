"""Commands, Receiver interface (mod_commands_cpo_interface): `POST {commands}/{command}` answered with a CommandResponse."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Request, Response

from hub.deps import CallerDep, RoutingDep, SessionDep, SettingsDep
from hub.modules.commands import service
from hub.ocpi import envelope
from hub.ocpi.envelope import OcpiResponse, dump
from hub.ocpi.status import StatusCode
from hub.ocpi.v221.commands import CommandResponse

router = APIRouter()


def command_reply(status: StatusCode, response: CommandResponse) -> Response:
    # Not an error raised for the one handler: the unknown-location case answers status 2003 *with* a
    # CommandResponse (mod_commands_flow, "UNLOCK_CONNECTOR Unknown Location"), and the error envelope
    # carries no data, so the reply is rendered here.
    message = response.message[0].text if status != StatusCode.SUCCESS and response.message else None
    return Response(envelope.render(dump(response), status, message), media_type="application/json")


@router.post("/{command}", response_model=OcpiResponse[CommandResponse])
async def post_command(
    command: str,
    body: Annotated[Any, Body()],
    request: Request,
    caller: CallerDep,
    routing: RoutingDep,
    session: SessionDep,
    settings: SettingsDep,
) -> Response:
    """Send a command to a Charge Point (START_SESSION, STOP_SESSION, RESERVE_NOW, CANCEL_RESERVATION,
    UNLOCK_CONNECTOR); the result is POSTed to the body's response_url."""
    status, response = await service.receive(
        session, request.app.state, settings, caller, routing, command, body
    )
    return command_reply(status, response)
