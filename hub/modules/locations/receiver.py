"""Locations, Receiver interface (mod_locations_emsp_interface): Locations, EVSEs and Connectors our partners push."""

from __future__ import annotations

from fastapi import APIRouter, Response

from hub.deps import CallerDep, RoutingDep, SessionDep
from hub.modules.locations.service import LocationService
from hub.modules.objects import object_response, partner_service
from hub.ocpi.envelope import OcpiResponse
from hub.ocpi.v221.locations import EVSE, Connector, ConnectorPatch, EVSEPatch, Location, LocationPatch
from hub.transport import CREATED, ocpi_response

router = APIRouter()

LOCATION = "/{country_code}/{party_id}/{location_id}"
EVSE_PATH = LOCATION + "/{evse_uid}"
CONNECTOR = EVSE_PATH + "/{connector_id}"


async def _service(
    session: SessionDep, caller: CallerDep, country_code: str, party_id: str
) -> LocationService:
    return await partner_service(session, caller, country_code, party_id, LocationService)


def _created(created: bool) -> Response:
    # status_codes.asciidoc: 201 for a new object, 200 for an update
    return ocpi_response(http_status=201 if created else 200)


@router.get(LOCATION, response_model=OcpiResponse[Location])
async def get_location(
    country_code: str,
    party_id: str,
    location_id: str,
    caller: CallerDep,
    routing: RoutingDep,
    session: SessionDep,
) -> Response:
    """The Location as we stored it, so its owner can check it."""
    service = await _service(session, caller, country_code, party_id)
    return object_response(await service.get(location_id))


@router.get(EVSE_PATH, response_model=OcpiResponse[EVSE])
async def get_evse(
    country_code: str,
    party_id: str,
    location_id: str,
    evse_uid: str,
    caller: CallerDep,
    routing: RoutingDep,
    session: SessionDep,
) -> Response:
    """The EVSE as we stored it."""
    service = await _service(session, caller, country_code, party_id)
    return object_response(service.evse(await service.get(location_id), location_id, evse_uid))


@router.get(CONNECTOR, response_model=OcpiResponse[Connector])
async def get_connector(
    country_code: str,
    party_id: str,
    location_id: str,
    evse_uid: str,
    connector_id: str,
    caller: CallerDep,
    routing: RoutingDep,
    session: SessionDep,
) -> Response:
    """The Connector as we stored it."""
    service = await _service(session, caller, country_code, party_id)
    return object_response(
        service.connector(await service.get(location_id), location_id, evse_uid, connector_id)
    )


@router.put(LOCATION, response_model=OcpiResponse[None], responses=CREATED)
async def put_location(
    country_code: str,
    party_id: str,
    location_id: str,
    location: Location,
    caller: CallerDep,
    routing: RoutingDep,
    session: SessionDep,
) -> Response:
    """Create or replace a whole Location."""
    service = await _service(session, caller, country_code, party_id)
    created, _changed = await service.put_location(location_id, location)
    return _created(created)


@router.put(EVSE_PATH, response_model=OcpiResponse[None], responses=CREATED)
async def put_evse(
    country_code: str,
    party_id: str,
    location_id: str,
    evse_uid: str,
    evse: EVSE,
    caller: CallerDep,
    routing: RoutingDep,
    session: SessionDep,
) -> Response:
    """Create or replace an EVSE; its Location's last_updated follows."""
    service = await _service(session, caller, country_code, party_id)
    return _created(await service.put_evse(location_id, evse_uid, evse))


@router.put(CONNECTOR, response_model=OcpiResponse[None], responses=CREATED)
async def put_connector(
    country_code: str,
    party_id: str,
    location_id: str,
    evse_uid: str,
    connector_id: str,
    connector: Connector,
    caller: CallerDep,
    routing: RoutingDep,
    session: SessionDep,
) -> Response:
    """Create or replace a Connector; its EVSE's and Location's last_updated follow."""
    service = await _service(session, caller, country_code, party_id)
    return _created(await service.put_connector(location_id, evse_uid, connector_id, connector))


@router.patch(LOCATION, response_model=OcpiResponse[None])
async def patch_location(
    country_code: str,
    party_id: str,
    location_id: str,
    patch: LocationPatch,
    caller: CallerDep,
    routing: RoutingDep,
    session: SessionDep,
) -> Response:
    """Update some fields of a Location (last_updated required)."""
    service = await _service(session, caller, country_code, party_id)
    await service.patch_location(location_id, patch)
    return ocpi_response()


@router.patch(EVSE_PATH, response_model=OcpiResponse[None])
async def patch_evse(
    country_code: str,
    party_id: str,
    location_id: str,
    evse_uid: str,
    patch: EVSEPatch,
    caller: CallerDep,
    routing: RoutingDep,
    session: SessionDep,
) -> Response:
    """Update some fields of an EVSE, e.g. its status (last_updated required)."""
    service = await _service(session, caller, country_code, party_id)
    await service.patch_evse(location_id, evse_uid, patch)
    return ocpi_response()


@router.patch(CONNECTOR, response_model=OcpiResponse[None])
async def patch_connector(
    country_code: str,
    party_id: str,
    location_id: str,
    evse_uid: str,
    connector_id: str,
    patch: ConnectorPatch,
    caller: CallerDep,
    routing: RoutingDep,
    session: SessionDep,
) -> Response:
    """Update some fields of a Connector (last_updated required)."""
    service = await _service(session, caller, country_code, party_id)
    await service.patch_connector(location_id, evse_uid, connector_id, patch)
    return ocpi_response()
