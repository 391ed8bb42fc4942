"""Locations, Sender interface (mod_locations_cpo_interface): our CPO parties' Locations, EVSEs and Connectors."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from hub.deps import CallerDep, RoutingDep, SessionDep, SettingsDep
from hub.errors import ObjectNotFoundError
from hub.hub_role.get_all import find_one, get_all
from hub.hub_role.mode import addressed_to_hub
from hub.modules.local_parties import sender_owners
from hub.modules.locations.service import MODULE, repository
from hub.modules.objects import from_json, object_response
from hub.modules.sender_lists import owned_list
from hub.ocpi.enums import Role
from hub.ocpi.envelope import OcpiResponse
from hub.ocpi.v221.locations import EVSE, Connector, Location
from hub.tables import LocationRecord

router = APIRouter()


@router.get("", response_model=OcpiResponse[list[Location]])
async def list_locations(
    request: Request, caller: CallerDep, routing: RoutingDep, session: SessionDep, settings: SettingsDep
) -> Response:
    """Our Locations, paginated (date_from inclusive, date_to exclusive, offset, limit); as a Hub, addressed
    to the hub, those of every connected CPO too (GET All via Hubs)."""
    if addressed_to_hub(settings, routing):
        return await get_all(
            request,
            session,
            settings,
            caller,
            module=MODULE,
            table=LocationRecord,
            owner_role=Role.CPO,
            routing=routing,
        )
    owners = sender_owners(settings, Role.CPO, routing)
    return await owned_list(request, repository(session), owners, settings.base_url, settings.page_limit)


async def _location(
    session: SessionDep, settings: SettingsDep, caller: CallerDep, routing: RoutingDep, location_id: str
) -> dict:  # type: ignore[type-arg]
    if addressed_to_hub(settings, routing):
        record = await find_one(
            session,
            settings,
            caller,
            module=MODULE,
            table=LocationRecord,
            owner_role=Role.CPO,
            object_id=location_id,
            what="Location",
        )
    else:
        record = await repository(session).get_local(location_id, sender_owners(settings, Role.CPO, routing))
    if record is None:
        raise ObjectNotFoundError(f"Location {location_id} not found")
    return from_json(record.body)


def _child(items: list[dict] | None, field: str, value: str, what: str) -> dict:  # type: ignore[type-arg]
    for item in items or []:
        if str(item.get(field, "")).upper() == value.upper():
            return item
    raise ObjectNotFoundError(f"{what} {value} not found")


@router.get("/{location_id}", response_model=OcpiResponse[Location])
async def get_location(
    location_id: str, caller: CallerDep, routing: RoutingDep, session: SessionDep, settings: SettingsDep
) -> Response:
    """One Location, with its EVSEs and Connectors."""
    return object_response(await _location(session, settings, caller, routing, location_id))


@router.get("/{location_id}/{evse_uid}", response_model=OcpiResponse[EVSE])
async def get_evse(
    location_id: str,
    evse_uid: str,
    caller: CallerDep,
    routing: RoutingDep,
    session: SessionDep,
    settings: SettingsDep,
) -> Response:
    """One EVSE of a Location."""
    location = await _location(session, settings, caller, routing, location_id)
    return object_response(_child(location.get("evses"), "uid", evse_uid, f"EVSE of Location {location_id}:"))


@router.get("/{location_id}/{evse_uid}/{connector_id}", response_model=OcpiResponse[Connector])
async def get_connector(
    location_id: str,
    evse_uid: str,
    connector_id: str,
    caller: CallerDep,
    routing: RoutingDep,
    session: SessionDep,
    settings: SettingsDep,
) -> Response:
    """One Connector of an EVSE."""
    location = await _location(session, settings, caller, routing, location_id)
    evse = _child(location.get("evses"), "uid", evse_uid, f"EVSE of Location {location_id}:")
    return object_response(
        _child(evse.get("connectors"), "id", connector_id, f"Connector of EVSE {evse_uid}:")
    )
