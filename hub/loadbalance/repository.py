"""The `site_power_limit` rows of site load balancing."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from hub.tables.operator import SitePowerLimitRecord


class SiteLimitRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, country_code: str, party_id: str, location_id: str) -> SitePowerLimitRecord | None:
        statement = select(SitePowerLimitRecord).where(
            func.upper(col(SitePowerLimitRecord.country_code)) == country_code.upper(),
            func.upper(col(SitePowerLimitRecord.party_id)) == party_id.upper(),
            func.upper(col(SitePowerLimitRecord.location_id)) == location_id.upper(),
        )
        return (await self.session.exec(statement)).first()

    async def all(self) -> Sequence[SitePowerLimitRecord]:
        statement = select(SitePowerLimitRecord).order_by(
            col(SitePowerLimitRecord.country_code),
            col(SitePowerLimitRecord.party_id),
            col(SitePowerLimitRecord.location_id),
        )
        return (await self.session.exec(statement)).all()

    async def save(self, record: SitePowerLimitRecord) -> SitePowerLimitRecord:
        self.session.add(record)
        await self.session.flush()
        return record

    async def delete(self, record: SitePowerLimitRecord) -> None:
        await self.session.delete(record)
        await self.session.flush()
