"""ChargingProfiles, Receiver interface (mod_charging_profiles_cpo_interface): GET, PUT and DELETE `{session_id}`."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Request, Response

from hub.deps import CallerDep, RoutingDep, SessionDep, SettingsDep
from hub.modules.charging_profiles import service
from hub.modules.charging_profiles.service import ProfileRequest
from hub.ocpi.envelope import OcpiResponse, dump
from hub.ocpi.v221.charging_profiles import ChargingProfileResponse
from hub.transport import ocpi_response

router = APIRouter()

SESSION = "/{session_id}"


@router.get(SESSION, response_model=OcpiResponse[ChargingProfileResponse])
async def get_active_charging_profile(
    session_id: str,
    duration: Annotated[int, Query(ge=0)],
    response_url: Annotated[str, Query()],
    request: Request,
    caller: CallerDep,
    routing: RoutingDep,
    session: SessionDep,
    settings: SettingsDep,
) -> Response:
    """Ask for the Session's ActiveChargingProfile for `duration` seconds; the ActiveChargingProfileResult is
    POSTed to response_url."""
    response = await service.receive(
        session,
        request.app.state,
        settings,
        caller,
        routing,
        session_id,
        ProfileRequest.GET_ACTIVE_CHARGING_PROFILE,
        response_url=response_url,
        duration=duration,
    )
    return ocpi_response(dump(response))


@router.put(SESSION, response_model=OcpiResponse[ChargingProfileResponse])
async def put_charging_profile(
    session_id: str,
    body: Annotated[Any, Body()],
    request: Request,
    caller: CallerDep,
    routing: RoutingDep,
    session: SessionDep,
    settings: SettingsDep,
) -> Response:
    """Set or replace the Session's ChargingProfile (SetChargingProfile); the ChargingProfileResult is POSTed
    to response_url."""
    response = await service.receive(
        session,
        request.app.state,
        settings,
        caller,
        routing,
        session_id,
        ProfileRequest.SET_CHARGING_PROFILE,
        body,
    )
    return ocpi_response(dump(response))


@router.delete(SESSION, response_model=OcpiResponse[ChargingProfileResponse])
async def delete_charging_profile(
    session_id: str,
    response_url: Annotated[str, Query()],
    request: Request,
    caller: CallerDep,
    routing: RoutingDep,
    session: SessionDep,
    settings: SettingsDep,
) -> Response:
    """Clear the ChargingProfile set on the Session; the ClearProfileResult is POSTed to response_url."""
    response = await service.receive(
        session,
        request.app.state,
        settings,
        caller,
        routing,
        session_id,
        ProfileRequest.CLEAR_PROFILE,
        response_url=response_url,
    )
    return ocpi_response(dump(response))
