"""The parties behind the hub, as its operator sees them: roles, endpoints per module, and the connection
status the hub reports about them in HubClientInfo (mod_hub_client_info_hub_connection_type_enum)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from pydantic import BaseModel
from sqlmodel.ext.asyncio.session import AsyncSession

from hub.config import Settings
from hub.modules.hub_client_info.service import connection_status
from hub.ocpi.enums import Role
from hub.ocpi.v221.hub_client_info import ConnectionStatus
from hub.ocpi.v221.versions import Endpoint
from hub.partners.registration import EndpointInfo, RoleInfo
from hub.partners.repository import PartnerRepository
from hub.tables import PartnerRecord

LOCAL = "LOCAL"


class HubParty(BaseModel):
    """One platform behind the hub: a partner, or (partner_id null) this platform's own parties."""

    partner_id: int | None
    name: str
    # The partner's registration (INVITED, CONNECTING, REGISTERED, UNREGISTERED), or LOCAL.
    registration: str
    connection_status: ConnectionStatus
    suspended_at: datetime | None
    unreachable_since: datetime | None
    roles: list[RoleInfo]
    endpoints: list[EndpointInfo]


async def describe_party(session: AsyncSession, partner: PartnerRecord) -> HubParty:
    assert partner.id is not None
    repo = PartnerRepository(session)
    return HubParty(
        partner_id=partner.id,
        name=partner.name,
        registration=partner.status,
        connection_status=connection_status(
            partner.status,
            suspended=partner.suspended_at is not None,
            unreachable=partner.unreachable_since is not None,
        ),
        suspended_at=partner.suspended_at,
        unreachable_since=partner.unreachable_since,
        roles=[
            RoleInfo(
                role=r.role,
                country_code=r.country_code,
                party_id=r.party_id,
                name=str(r.business_details.get("name", "")),
            )
            for r in await repo.roles(partner.id)
        ],
        endpoints=[
            EndpointInfo(identifier=e.module, role=e.interface_role, url=e.url)
            for e in await repo.endpoints(partner.id)
        ],
    )


def local_party(settings: Settings, endpoints: Sequence[Endpoint]) -> HubParty | None:
    """This platform's own parties other than the hub, with the endpoints we announce."""
    roles = [
        RoleInfo(role=p.role, country_code=p.country_code, party_id=p.party_id, name=p.name)
        for p in settings.parties
        if p.role != Role.HUB
    ]
    if not roles:
        return None
    return HubParty(
        partner_id=None,
        name="this platform",
        registration=LOCAL,
        connection_status=ConnectionStatus.CONNECTED,
        suspended_at=None,
        unreachable_since=None,
        roles=roles,
        endpoints=[
            EndpointInfo(identifier=e.identifier.value, role=e.role.value, url=str(e.url)) for e in endpoints
        ],
    )


async def hub_parties(
    session: AsyncSession, settings: Settings, endpoints: Sequence[Endpoint]
) -> list[HubParty]:
    """Our own parties first, then every partner in id order."""
    ours = local_party(settings, endpoints)
    partners = [await describe_party(session, p) for p in await PartnerRepository(session).list()]
    return ([ours] if ours is not None else []) + partners
