"""Admin API of the HubClientInfo module (mod_hub_client_info.asciidoc): the ClientInfo list we serve as a
Hub and the ClientInfo objects Hubs pushed to us."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel

from hub.admin.router import require_admin
from hub.deps import SessionDep, SettingsDep
from hub.modules.hub_client_info.repository import ClientInfoRepository
from hub.modules.hub_client_info.service import client_infos
from hub.modules.objects import from_json
from hub.ocpi.envelope import dump

router = APIRouter(prefix="/admin", tags=["admin: hubclientinfo"], dependencies=[Depends(require_admin)])


class ReceivedClientInfo(BaseModel):
    """A ClientInfo as a Hub partner pushed it."""

    hub_partner_id: int
    client_info: dict[str, Any]


class ClientInfoOverview(BaseModel):
    served: list[dict[str, Any]]
    received: list[ReceivedClientInfo]


@router.get("/hubclientinfo")
async def client_info_overview(session: SessionDep, settings: SettingsDep) -> ClientInfoOverview:
    """What our Sender interface serves (every party, none left out) and what each Hub told us."""
    served = [dump(info) for info in await client_infos(session, settings)]
    received = [
        ReceivedClientInfo(hub_partner_id=record.partner_id or 0, client_info=from_json(record.body))
        for record in await ClientInfoRepository(session).all_received()
    ]
    return ClientInfoOverview(served=served, received=received)
