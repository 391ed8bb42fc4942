"""Admin API of the Commands Sender (mod_commands_emsp_interface): send a command to a CPO partner and follow it."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query

from hub.admin.router import RowId, SessionMakerDep, require_admin
from hub.deps import PartnerClientDep, SettingsDep
from hub.errors import AdminBadRequestError, AdminNotFoundError
from hub.modules.commands import outgoing
from hub.modules.commands.outgoing import CommandView, SendError, UnknownCommandError, UnknownPartnerError
from hub.tables.commands import CommandDirection

router = APIRouter(prefix="/admin", tags=["admin: commands"], dependencies=[Depends(require_admin)])


def admin_error(exc: SendError) -> Exception:
    if isinstance(exc, UnknownPartnerError | UnknownCommandError):
        return AdminNotFoundError(str(exc))
    return AdminBadRequestError(str(exc))


@router.post("/commands/{partner_id}/{command}")
async def send_command(
    partner_id: RowId,
    command: str,
    fields: Annotated[Any, Body()],
    sessionmaker: SessionMakerDep,
    client: PartnerClientDep,
    settings: SettingsDep,
) -> CommandView:
    """Send a command (the command object's fields, without response_url) to a CPO partner; shows the
    partner's CommandResponse, or why it could not be sent (state SEND_FAILED, error)."""
    try:
        return await outgoing.send_command(sessionmaker, client, settings, partner_id, command, fields)
    except SendError as exc:
        raise admin_error(exc) from None


@router.get("/commands")
async def list_commands(
    sessionmaker: SessionMakerDep,
    direction: CommandDirection | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[CommandView]:
    """The latest commands, sent and received, newest first."""
    return await outgoing.list_views(sessionmaker, direction=direction, limit=limit)


@router.get("/commands/{command_id}")
async def get_command(command_id: RowId, sessionmaker: SessionMakerDep) -> CommandView:
    """One command: its CommandResponse, its CommandResult, or TIMED_OUT."""
    found = await outgoing.get_view(sessionmaker, command_id)
    if found is None:
        raise AdminNotFoundError(f"no command with id {command_id}")
    return found
