"""HubClientInfo storage (mod_hub_client_info.asciidoc): our partners' credentials roles, from which a Hub
derives its ClientInfo list, and the ClientInfo objects Hubs push to us."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from hub.modules.objects import Owner
from hub.tables import PartnerRecord, PartnerRoleRecord
from hub.tables.client_info import ClientInfoRecord


class ClientInfoRepository:
    """All SQL of the HubClientInfo module."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def partner_roles(
        self, partner_id: int | None = None
    ) -> Sequence[tuple[PartnerRecord, PartnerRoleRecord]]:
        """Every credentials role of every partner (or of one partner), with its partner, in role order."""
        statement = select(PartnerRecord, PartnerRoleRecord).join(
            PartnerRoleRecord, col(PartnerRoleRecord.partner_id) == col(PartnerRecord.id)
        )
        if partner_id is not None:
            statement = statement.where(col(PartnerRecord.id) == partner_id)
        rows = await self.session.exec(statement.order_by(col(PartnerRoleRecord.id)))
        return rows.all()

    async def received(self, hub_partner_id: int, party: Owner) -> Sequence[ClientInfoRecord]:
        """What this Hub pushed about this party, one record per role, the latest first."""
        statement = (
            select(ClientInfoRecord)
            .where(
                col(ClientInfoRecord.partner_id) == hub_partner_id,
                col(ClientInfoRecord.country_code) == party.country_code,
                col(ClientInfoRecord.party_id) == party.party_id,
            )
            .order_by(col(ClientInfoRecord.last_updated).desc(), col(ClientInfoRecord.id).desc())
        )
        return (await self.session.exec(statement)).all()

    async def all_received(self) -> Sequence[ClientInfoRecord]:
        statement = select(ClientInfoRecord).order_by(
            col(ClientInfoRecord.partner_id), col(ClientInfoRecord.last_updated), col(ClientInfoRecord.id)
        )
        return (await self.session.exec(statement)).all()

    async def save(self, record: ClientInfoRecord) -> None:
        self.session.add(record)
        await self.session.flush()
