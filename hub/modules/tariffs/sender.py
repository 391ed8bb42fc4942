"""Tariffs, Sender interface (mod_tariffs_cpo_interface): our CPO parties' Tariffs."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from hub.deps import CallerDep, RoutingDep, SessionDep, SettingsDep
from hub.hub_role.get_all import get_all
from hub.hub_role.mode import addressed_to_hub
from hub.modules.local_parties import sender_owners
from hub.modules.sender_lists import owned_list
from hub.modules.tariffs.service import MODULE, repository
from hub.ocpi.enums import Role
from hub.ocpi.envelope import OcpiResponse
from hub.ocpi.v221.tariffs import Tariff
from hub.tables import TariffRecord

router = APIRouter()


@router.get("", response_model=OcpiResponse[list[Tariff]])
async def list_tariffs(
    request: Request, caller: CallerDep, routing: RoutingDep, session: SessionDep, settings: SettingsDep
) -> Response:
    """Our Tariffs, paginated (date_from inclusive, date_to exclusive, offset, limit); as a Hub, addressed to
    the hub, those of every connected CPO too (GET All via Hubs)."""
    if addressed_to_hub(settings, routing):
        return await get_all(
            request,
            session,
            settings,
            caller,
            module=MODULE,
            table=TariffRecord,
            owner_role=Role.CPO,
            routing=routing,
        )
    owners = sender_owners(settings, Role.CPO, routing)
    return await owned_list(request, repository(session), owners, settings.base_url, settings.page_limit)
