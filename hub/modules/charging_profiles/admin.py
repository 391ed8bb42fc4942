"""Admin API of the ChargingProfiles module (mod_charging_profiles): send requests as Sender, publish profiles as CPO."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query, Request

from hub.admin.router import RowId, SessionMakerDep, require_admin
from hub.deps import PartnerClientDep, SettingsDep
from hub.errors import AdminNotFoundError
from hub.modules.charging_profiles import service
from hub.modules.commands import outgoing
from hub.modules.commands.admin import admin_error
from hub.modules.commands.outgoing import CommandView, SendError
from hub.modules.objects import Owner
from hub.ocpi.enums import ModuleID
from hub.ocpi.v221.charging_profiles import ActiveChargingProfile
from hub.tables.commands import CommandDirection

router = APIRouter(
    prefix="/admin/chargingprofiles", tags=["admin: charging profiles"], dependencies=[Depends(require_admin)]
)

PARTNER_SESSION = "/{partner_id:int}/{session_id}"


@router.get("/requests")
async def list_requests(
    sessionmaker: SessionMakerDep,
    direction: CommandDirection | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[CommandView]:
    """The latest charging-profile requests, sent and received, newest first."""
    return await outgoing.list_views(
        sessionmaker, module=ModuleID.CHARGING_PROFILES, direction=direction, limit=limit
    )


@router.get("/requests/{request_id}")
async def get_request(request_id: RowId, sessionmaker: SessionMakerDep) -> CommandView:
    """One charging-profile request: its ChargingProfileResponse, its result, or TIMED_OUT."""
    found = await outgoing.get_view(sessionmaker, request_id, ModuleID.CHARGING_PROFILES)
    if found is None:
        raise AdminNotFoundError(f"no charging-profile request with id {request_id}")
    return found


@router.put(PARTNER_SESSION)
async def set_charging_profile(
    partner_id: RowId,
    session_id: str,
    charging_profile: Annotated[Any, Body()],
    sessionmaker: SessionMakerDep,
    client: PartnerClientDep,
    settings: SettingsDep,
) -> CommandView:
    """Send a ChargingProfile for a partner's Session (SetChargingProfile with our response_url)."""
    try:
        return await service.send_set(
            sessionmaker, client, settings, partner_id, session_id, charging_profile
        )
    except SendError as exc:
        raise admin_error(exc) from None


@router.post(PARTNER_SESSION + "/active")
async def request_active_charging_profile(
    partner_id: RowId,
    session_id: str,
    sessionmaker: SessionMakerDep,
    client: PartnerClientDep,
    settings: SettingsDep,
    duration: Annotated[int, Query(ge=0)] = 900,
) -> CommandView:
    """Ask a partner for its Session's ActiveChargingProfile (GET with duration and our response_url)."""
    try:
        return await service.send_get(sessionmaker, client, settings, partner_id, session_id, duration)
    except SendError as exc:
        raise admin_error(exc) from None


@router.delete(PARTNER_SESSION)
async def clear_charging_profile(
    partner_id: RowId,
    session_id: str,
    sessionmaker: SessionMakerDep,
    client: PartnerClientDep,
    settings: SettingsDep,
) -> CommandView:
    """Clear the profile we set on a partner's Session (DELETE with our response_url)."""
    try:
        return await service.send_clear(sessionmaker, client, settings, partner_id, session_id)
    except SendError as exc:
        raise admin_error(exc) from None


@router.get(PARTNER_SESSION)
async def get_active_charging_profile(
    partner_id: RowId, session_id: str, sessionmaker: SessionMakerDep
) -> dict[str, Any]:
    """The latest ActiveChargingProfile the partner reported for its Session."""
    found = await service.active_profile(sessionmaker, partner_id, session_id)
    if found is None:
        raise AdminNotFoundError(f"no ActiveChargingProfile of partner {partner_id} for session {session_id}")
    return found


@router.put("/active/{country_code}/{party_id}/{session_id}")
async def publish_active_charging_profile(
    country_code: str, party_id: str, session_id: str, profile: ActiveChargingProfile, request: Request
) -> dict[str, list[int]]:
    """Our Session's ActiveChargingProfile changed: PUT it to every Sender that successfully set a profile on
    it (and to no one else); answers the partners that took it."""
    told = await service.publish_active_profile(
        request.app.state, Owner.of(country_code, party_id), session_id, profile
    )
    return {"partners": told}
