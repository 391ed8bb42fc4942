"""Sessions, Receiver interface (mod_sessions_emsp_interface): GET, PUT and PATCH of the Sessions CPOs push."""

from __future__ import annotations

from fastapi import APIRouter, Response

from hub.deps import CallerDep, RoutingDep, SessionDep
from hub.modules.objects import object_response, partner_service
from hub.modules.sessions.service import SessionService
from hub.ocpi.envelope import OcpiResponse
from hub.ocpi.v221.sessions import Session, SessionPatch
from hub.transport import CREATED, ocpi_response

router = APIRouter()

SESSION = "/{country_code}/{party_id}/{session_id}"


async def _service(
    session: SessionDep, caller: CallerDep, country_code: str, party_id: str
) -> SessionService:
    return await partner_service(session, caller, country_code, party_id, SessionService)


@router.get(SESSION, response_model=OcpiResponse[Session])
async def get_session(
    country_code: str,
    party_id: str,
    session_id: str,
    caller: CallerDep,
    routing: RoutingDep,
    session: SessionDep,
) -> Response:
    """The Session as we stored it, so the CPO can check it."""
    service = await _service(session, caller, country_code, party_id)
    return object_response(await service.get(session_id))


@router.put(SESSION, response_model=OcpiResponse[None], responses=CREATED)
async def put_session(
    country_code: str,
    party_id: str,
    session_id: str,
    body: Session,
    caller: CallerDep,
    routing: RoutingDep,
    session: SessionDep,
) -> Response:
    """Create (201) or replace (200) a whole Session, its charging_periods included."""
    service = await _service(session, caller, country_code, party_id)
    created, _changed = await service.put(session_id, body)
    return ocpi_response(http_status=201 if created else 200)


@router.patch(SESSION, response_model=OcpiResponse[None])
async def patch_session(
    country_code: str,
    party_id: str,
    session_id: str,
    patch: SessionPatch,
    caller: CallerDep,
    routing: RoutingDep,
    session: SessionDep,
) -> Response:
    """Update some fields of a Session (last_updated required); charging_periods given are appended."""
    service = await _service(session, caller, country_code, party_id)
    await service.patch(session_id, patch)
    return ocpi_response()
