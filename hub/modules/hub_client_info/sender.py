"""HubClientInfo, Sender interface (mod_hub_client_info_hub_interface): the Hub's paginated list of ClientInfo."""

from __future__ import annotations

import orjson
from fastapi import APIRouter, Request, Response

from hub.deps import CallerDep, SessionDep, SettingsDep
from hub.modules.hub_client_info.service import client_infos, page_of
from hub.modules.objects import list_response, parse_page
from hub.ocpi.envelope import OcpiResponse, dump
from hub.ocpi.v221.hub_client_info import ClientInfo

router = APIRouter()


# The chapter's own example URLs end in a slash (".../hubclientinfo/?offset=50"): both forms are served.
@router.get("", response_model=OcpiResponse[list[ClientInfo]])
@router.get("/", include_in_schema=False)
async def list_client_infos(
    request: Request, caller: CallerDep, session: SessionDep, settings: SettingsDep
) -> Response:
    """The parties connected to this Hub other than the caller, paginated (date_from inclusive, date_to
    exclusive, offset, limit); empty when this platform has no HUB party."""
    page = parse_page(request, settings.page_limit)
    infos = await client_infos(session, settings, exclude_partner_id=caller.partner_id)
    total, shown = page_of(infos, page)
    bodies = [orjson.dumps(dump(info)).decode() for info in shown]
    return list_response(request, settings.base_url, page, total, bodies, settings.page_limit)
