"""ChargingProfiles, Sender interface (mod_charging_profiles_emsp_interface): result POSTs and ActiveChargingProfile PUTs."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Response

from hub.deps import CallerDep, RoutingDep, SessionDep
from hub.modules.charging_profiles import service
from hub.ocpi.envelope import OcpiResponse
from hub.ocpi.v221.charging_profiles import ActiveChargingProfile
from hub.transport import CREATED, ocpi_response

router = APIRouter()


@router.post("/{command}/{callback_id}", response_model=OcpiResponse[None])
async def post_charging_profile_result(
    command: str,
    callback_id: str,
    body: Annotated[Any, Body()],
    caller: CallerDep,
    routing: RoutingDep,
    session: SessionDep,
) -> Response:
    """Receive the result of a request we sent (ChargingProfileResult, ActiveChargingProfileResult or
    ClearProfileResult); only the partner it was sent to may post it."""
    await service.receive_result(session, caller, command, callback_id, body)
    return ocpi_response()


@router.put("/{session_id}", response_model=OcpiResponse[None], responses=CREATED)
async def put_active_charging_profile(
    session_id: str,
    profile: ActiveChargingProfile,
    caller: CallerDep,
    routing: RoutingDep,
    session: SessionDep,
) -> Response:
    """A CPO's updated ActiveChargingProfile for one of its Sessions (201 for the first, then 200)."""
    created = await service.receive_active_profile(session, caller, session_id, profile)
    # status_codes.asciidoc: 201 for a new object, 200 for an update; the data field is omitted
    return ocpi_response(http_status=201 if created else 200)
