"""All SQL of the Hub role's routing (transport_and_format_message_routing): who holds a party, where its
endpoints are, what open routing remembers, and the URLs the hub substitutes."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from hub.modules.objects import key
from hub.ocpi.headers import PartyRef
from hub.tables import LocationRecord, PartnerEndpointRecord, PartnerRecord, PartnerRoleRecord
from hub.tables.base import utc_now
from hub.tables.hub_routing import HubCallbackRecord, HubRouteRecord
from hub.tables.tokens import TokenRecord


class RoutingRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.wrote = False  # whether there is anything to commit

    async def parties_of(self, partner_id: int) -> Sequence[PartnerRoleRecord]:
        return (
            await self.session.exec(
                select(PartnerRoleRecord)
                .where(col(PartnerRoleRecord.partner_id) == partner_id)
                .order_by(col(PartnerRoleRecord.id))
            )
        ).all()

    async def holders(self, party: PartyRef) -> Sequence[tuple[PartnerRecord, PartnerRoleRecord]]:
        """Every partner with a credentials role of this party, any status, oldest first."""
        rows = await self.session.exec(
            select(PartnerRecord, PartnerRoleRecord)
            .join(PartnerRoleRecord, col(PartnerRoleRecord.partner_id) == col(PartnerRecord.id))
            .where(
                col(PartnerRoleRecord.country_code) == party.country_code,
                col(PartnerRoleRecord.party_id) == party.party_id,
            )
            .order_by(col(PartnerRecord.id), col(PartnerRoleRecord.id))
        )
        return rows.all()

    async def reachable(
        self,
        module: str,
        interface_role: str,
        *,
        party: PartyRef | None = None,
        partner_id: int | None = None,
    ) -> Sequence[tuple[PartnerRecord, str | None]]:
        """The platforms holding `party` (or the one with `partner_id`), oldest first, each with its endpoint
        for this module and interface role, if it has one: what forwarding needs, in one query."""
        endpoint = (
            (col(PartnerEndpointRecord.partner_id) == col(PartnerRecord.id))
            & (col(PartnerEndpointRecord.module) == module)
            & (col(PartnerEndpointRecord.interface_role) == interface_role)
        )
        statement = select(PartnerRecord, col(PartnerEndpointRecord.url)).outerjoin(
            PartnerEndpointRecord, endpoint
        )
        if party is not None:
            statement = statement.where(
                col(PartnerRecord.id).in_(
                    select(col(PartnerRoleRecord.partner_id)).where(
                        col(PartnerRoleRecord.country_code) == party.country_code,
                        col(PartnerRoleRecord.party_id) == party.party_id,
                    )
                )
            )
        if partner_id is not None:
            statement = statement.where(col(PartnerRecord.id) == partner_id)
        return (await self.session.exec(statement.order_by(col(PartnerRecord.id)))).all()

    async def partner(self, partner_id: int) -> PartnerRecord | None:
        return await self.session.get(PartnerRecord, partner_id)

    async def location_owners(self, location_id: str) -> list[PartyRef]:
        """Owners of the Locations with this id the hub stores: pushed by parties, or our own."""
        rows = await self.session.exec(
            select(col(LocationRecord.country_code), col(LocationRecord.party_id))
            .where(col(LocationRecord.object_key) == key(location_id))
            .distinct()
        )
        return [PartyRef(cc, pid) for cc, pid in rows.all()]

    async def token_owners(self, token_key: str) -> list[PartyRef]:
        """Owners of the Tokens with this `<TYPE>:<UID>` key the hub stores: pushed by parties, or our own."""
        rows = await self.session.exec(
            select(col(TokenRecord.country_code), col(TokenRecord.party_id))
            .where(col(TokenRecord.object_key) == key(token_key))
            .distinct()
        )
        return [PartyRef(cc, pid) for cc, pid in rows.all()]

    async def route(self, module: str, object_key: str) -> HubRouteRecord | None:
        return (
            await self.session.exec(
                select(HubRouteRecord).where(
                    col(HubRouteRecord.module) == module, col(HubRouteRecord.object_key) == object_key
                )
            )
        ).first()

    async def remember(self, module: str, object_key: str, partner_id: int, party: PartyRef) -> None:
        """Open routing's memory: later requests about this object go to `party` at `partner_id`."""
        record = await self.route(module, object_key) or HubRouteRecord(
            module=module, object_key=object_key, partner_id=partner_id, country_code="", party_id=""
        )
        record.partner_id = partner_id
        record.country_code = party.country_code
        record.party_id = party.party_id
        record.updated_at = utc_now()
        self.session.add(record)
        await self.session.flush()
        self.wrote = True

    async def add_callback(self, record: HubCallbackRecord) -> None:
        self.session.add(record)
        await self.session.flush()
        self.wrote = True

    async def callback(self, callback_id: str) -> HubCallbackRecord | None:
        return (
            await self.session.exec(
                select(HubCallbackRecord).where(col(HubCallbackRecord.callback_id) == callback_id)
            )
        ).first()
