"""HubClientInfo, Receiver interface (mod_hub_client_info_client_interface): GET and PUT of the ClientInfo
objects a Hub pushes to us, at {url}/{country_code}/{party_id}; POST, PATCH and DELETE are n/a."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response

from hub.auth import Caller
from hub.deps import CallerDep, SessionDep
from hub.errors import ObjectNotFoundError
from hub.modules.hub_client_info.service import ReceivedClientInfos
from hub.modules.objects import Owner, object_response
from hub.ocpi.enums import Role
from hub.ocpi.envelope import OcpiResponse
from hub.ocpi.v221.hub_client_info import ClientInfo
from hub.partners.repository import PartnerRepository
from hub.transport import CREATED, ocpi_response

router = APIRouter()

CLIENT_INFO = "/{country_code}/{party_id}"


async def _hub_caller(session: SessionDep, caller: CallerDep) -> Caller:
    """ClientInfo objects are owned by the Hub ("Data owner: Hub"): to any other partner they are objects that
    do not belong to it, which transport_and_format_errors lets us answer with HTTP 404. Checked before the
    body is read, so a non-Hub learns nothing about what we store."""
    roles = await PartnerRepository(session).roles(caller.partner_id)
    if not any(role.role == Role.HUB for role in roles):
        raise ObjectNotFoundError(
            "ClientInfo objects belong to a Hub: only a partner registered with the HUB role may GET or PUT them"
        )
    return caller


HubCallerDep = Annotated[Caller, Depends(_hub_caller)]


@router.get(CLIENT_INFO, response_model=OcpiResponse[ClientInfo])
async def get_client_info(
    country_code: str, party_id: str, hub: HubCallerDep, session: SessionDep
) -> Response:
    """The ClientInfo of this party as this Hub pushed it."""
    service = ReceivedClientInfos(session, hub.partner_id)
    return object_response(await service.get(Owner.of(country_code, party_id)))


@router.put(CLIENT_INFO, response_model=OcpiResponse[None], responses=CREATED)
async def put_client_info(
    country_code: str, party_id: str, client_info: ClientInfo, hub: HubCallerDep, session: SessionDep
) -> Response:
    """Store a new (201) or updated (200) ClientInfo."""
    service = ReceivedClientInfos(session, hub.partner_id)
    created = await service.put(Owner.of(country_code, party_id), client_info)
    return ocpi_response(http_status=201 if created else 200)
