"""CDRs, Sender interface (mod_cdrs_cpo_interface): our CPO parties' CDRs, each only to the eMSP it bills."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from hub.deps import CallerDep, RoutingDep, SessionDep, SettingsDep
from hub.modules.local_parties import sender_owners
from hub.modules.objects import list_response, parse_page
from hub.modules.sessions.visibility import page_for_token_owners, token_owners
from hub.ocpi.enums import Role
from hub.ocpi.envelope import OcpiResponse
from hub.ocpi.v221.cdrs import CDR
from hub.tables.cdrs import CdrRecord

router = APIRouter()


@router.get("", response_model=OcpiResponse[list[CDR]])
async def list_cdrs(
    request: Request, caller: CallerDep, routing: RoutingDep, session: SessionDep, settings: SettingsDep
) -> Response:
    """Our CDRs billed to the caller, paginated (date_from inclusive, date_to exclusive, offset, limit)."""
    page = parse_page(request, settings.page_limit)
    total, bodies = await page_for_token_owners(
        session,
        CdrRecord,
        owners=sender_owners(settings, Role.CPO, routing),
        token_owners=await token_owners(session, caller, routing),
        page=page,
    )
    return list_response(request, settings.base_url, page, total, bodies, settings.page_limit)
