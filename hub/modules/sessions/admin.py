"""Admin API for our own Sessions (mod_sessions_session_object), for operators and internal CSMS: PUT stamps
`last_updated` and records a change event; GET reads one back."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Response

from hub.admin.bodies import request_body
from hub.admin.router import require_admin
from hub.deps import SessionDep, SettingsDep
from hub.errors import AdminNotFoundError
from hub.modules.local_parties import cpo_owners
from hub.modules.objects import Owner, Writer, object_response, validate
from hub.modules.sessions.service import SessionService
from hub.ocpi.base import format_datetime, utc_now
from hub.ocpi.envelope import OcpiResponse
from hub.ocpi.v221.sessions import Session
from hub.transport import CREATED, ocpi_response

router = APIRouter(prefix="/admin", tags=["admin: own sessions"], dependencies=[Depends(require_admin)])

SESSION = "/sessions/{country_code}/{party_id}/{session_id}"


def own_owner(settings: SettingsDep, country_code: str, party_id: str) -> Owner:
    """One of our CPO parties, or 404."""
    owner = Owner.of(country_code, party_id)
    if owner not in cpo_owners(settings):
        raise AdminNotFoundError(f"{owner} is not one of our CPO parties (OCPI_HUB_PARTIES)")
    return owner


def _service(session: SessionDep, settings: SettingsDep, country_code: str, party_id: str) -> SessionService:
    return SessionService(session, own_owner(settings, country_code, party_id), Writer(None))


@router.get(SESSION, response_model=OcpiResponse[Session])
async def get_session(
    country_code: str, party_id: str, session_id: str, session: SessionDep, settings: SettingsDep
) -> Response:
    """One of our Sessions as stored."""
    return object_response(await _service(session, settings, country_code, party_id).get(session_id))


@router.put(
    SESSION, response_model=OcpiResponse[None], responses=CREATED, openapi_extra=request_body(Session)
)
async def put_session(
    country_code: str,
    party_id: str,
    session_id: str,
    body: Annotated[dict[str, Any], Body()],
    session: SessionDep,
    settings: SettingsDep,
) -> Response:
    """Create (201) or replace (200) one of our Sessions; `last_updated` may be left out (we stamp it)."""
    # We are the owner, so we stamp; a placeholder lets the body validate without one.
    stamped = {**body, "last_updated": body.get("last_updated")}
    if stamped["last_updated"] is None:
        stamped["last_updated"] = format_datetime(utc_now())
    created, _ = await _service(session, settings, country_code, party_id).put(
        session_id, validate(Session, stamped)
    )
    return ocpi_response(http_status=201 if created else 200)
