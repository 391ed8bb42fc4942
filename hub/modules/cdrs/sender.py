"""CDRs, Sender interface (mod_cdrs_cpo_interface): our CPO parties' CDRs, each only to the eMSP it bills."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from hub.deps import CallerDep, RoutingDep, SessionDep, SettingsDep
from hub.modules.local_parties import sender_owners
from hub.modules.objects import parse_page
from hub.modules.sender_lists import cached_list, visibility
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
    owners = sender_owners(settings, Role.CPO, routing)
    billed_to = await token_owners(session, caller, routing)
    return await cached_list(
        request,
        seen=visibility(owners, billed_to),
        page=page,
        base_url=settings.base_url,
        max_limit=settings.page_limit,
        query=lambda: page_for_token_owners(
            session, CdrRecord, owners=owners, token_owners=billed_to, page=page
        ),
    )
