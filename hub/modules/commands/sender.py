"""Commands, Sender interface (mod_commands_emsp_interface): the response_urls where CPOs POST CommandResults."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Response

from hub.deps import CallerDep, RoutingDep, SessionDep
from hub.modules.commands import outgoing
from hub.ocpi.envelope import OcpiResponse
from hub.transport import ocpi_response

router = APIRouter()


@router.post("/{command}/{callback_id}", response_model=OcpiResponse[None])
async def post_command_result(
    command: str,
    callback_id: str,
    body: Annotated[Any, Body()],
    caller: CallerDep,
    routing: RoutingDep,
    session: SessionDep,
) -> Response:
    """Receive the CommandResult of a command we sent; only the partner it was sent to may post it."""
    await outgoing.receive_result(session, caller, command, callback_id, body)
    # mod_commands_msp_post_method: the response data is unspecified, so it is left out.
    return ocpi_response()
