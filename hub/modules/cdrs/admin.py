"""Admin API for our own CDRs (mod_cdrs_cdr_object), for operators and internal CSMS: POST a CDR without
costs and we price it with the Connector's Tariff, store it and record a change event; GET reads one back."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Response

from hub.admin.router import require_admin
from hub.deps import SessionDep, SettingsDep
from hub.modules.cdrs.service import get_cdr, produce_cdr
from hub.modules.objects import object_response
from hub.modules.sessions.admin import own_owner
from hub.ocpi.envelope import OcpiResponse
from hub.ocpi.v221.cdrs import CDR

router = APIRouter(prefix="/admin", tags=["admin: own CDRs"], dependencies=[Depends(require_admin)])


@router.post("/cdrs", status_code=201, response_model=OcpiResponse[CDR])
async def post_cdr(
    body: Annotated[dict[str, Any], Body()], session: SessionDep, settings: SettingsDep
) -> Response:
    """Price, store and announce one of our CDRs; answers 201 with the CDR as stored, costs included."""
    cdr = await produce_cdr(session, settings, body)
    location = f"/admin/cdrs/{cdr['country_code']}/{cdr['party_id']}/{cdr['id']}"
    response = object_response(cdr, http_status=201)
    response.headers["Location"] = location
    return response


@router.get("/cdrs/{country_code}/{party_id}/{cdr_id:path}", response_model=OcpiResponse[CDR])
async def get_own_cdr(
    country_code: str, party_id: str, cdr_id: str, session: SessionDep, settings: SettingsDep
) -> Response:
    """One of our CDRs as stored."""
    owner = own_owner(settings, country_code, party_id)
    return object_response(await get_cdr(session, owner, cdr_id, local=True))
