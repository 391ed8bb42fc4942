"""All SQL on transactions and remote starts (hub.tables.charging), and the station mapping lookups charging
needs (ocpp-notes §3.1)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from hub.tables.charging import RemoteStartRecord, TransactionRecord
from hub.tables.stations import StationRecord


def mapped_connectors(station: StationRecord, evse: int | None = None) -> list[dict[str, Any]]:
    """The station's mapping rows (of one OCPP evse when given), in mapping order."""
    return [c for c in station.connectors if evse is None or int(c["evse"]) == evse]


def find_connector(station: StationRecord, evse: int, connector: int | None) -> dict[str, Any] | None:
    """The mapping row of OCPP (evse, connector); with no connector (2.0.1 may leave it out) the first one of
    that evse."""
    rows = mapped_connectors(station, evse)
    if connector is not None:
        for row in rows:
            if int(row.get("connector", 1)) == connector:
                return row
        return None
    return rows[0] if rows else None


class ChargingRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def by_transaction_id(
        self, station_id: str, transaction_id: str, *, for_update: bool = False
    ) -> TransactionRecord | None:
        statement = select(TransactionRecord).where(
            col(TransactionRecord.station_id) == station_id,
            col(TransactionRecord.transaction_id) == transaction_id,
        )
        if for_update:
            statement = statement.with_for_update().execution_options(populate_existing=True)
        return (await self.session.exec(statement)).first()

    async def open_on(self, station_id: str, evse: int) -> TransactionRecord | None:
        """The most recent open transaction on that OCPP evse."""
        statement = (
            select(TransactionRecord)
            .where(
                col(TransactionRecord.station_id) == station_id,
                col(TransactionRecord.evse) == evse,
                col(TransactionRecord.ended_at).is_(None),
            )
            .order_by(col(TransactionRecord.id).desc())
        )
        return (await self.session.exec(statement)).first()

    async def open_evses(self, station_id: str) -> set[int]:
        statement = select(col(TransactionRecord.evse)).where(
            col(TransactionRecord.station_id) == station_id,
            col(TransactionRecord.ended_at).is_(None),
            col(TransactionRecord.evse).is_not(None),
        )
        return {int(evse) for evse in (await self.session.exec(statement)).all() if evse is not None}

    async def last_ends(self, station_id: str) -> dict[int, datetime]:
        """When the last transaction of each OCPP evse ended, for the evses with no open transaction."""
        statement = (
            select(col(TransactionRecord.evse), func.max(col(TransactionRecord.ended_at)))
            .where(col(TransactionRecord.station_id) == station_id, col(TransactionRecord.evse).is_not(None))
            .group_by(col(TransactionRecord.evse))
        )
        rows = (await self.session.exec(statement)).all()
        open_evses = await self.open_evses(station_id)
        return {
            int(evse): ended
            for evse, ended in rows
            if evse is not None and ended is not None and int(evse) not in open_evses
        }

    async def by_session_id(self, session_id: str) -> TransactionRecord | None:
        statement = (
            select(TransactionRecord)
            .where(func.upper(col(TransactionRecord.session_id)) == session_id.upper())
            .order_by(col(TransactionRecord.id).desc())
        )
        return (await self.session.exec(statement)).first()

    async def save(self, record: TransactionRecord) -> TransactionRecord:
        self.session.add(record)
        await self.session.flush()
        return record

    async def remote_start(self, station_id: str, remote_start_id: int) -> RemoteStartRecord | None:
        statement = select(RemoteStartRecord).where(
            col(RemoteStartRecord.id) == remote_start_id,
            col(RemoteStartRecord.station_id) == station_id,
            col(RemoteStartRecord.used_at).is_(None),
        )
        return (await self.session.exec(statement)).first()

    async def recent_remote_start(
        self, station_id: str, evse: int | None, id_token: str, since: datetime
    ) -> RemoteStartRecord | None:
        """The most recent unused START_SESSION for this idTag on this evse (or for any evse) since `since`."""
        statement = (
            select(RemoteStartRecord)
            .where(
                col(RemoteStartRecord.station_id) == station_id,
                col(RemoteStartRecord.used_at).is_(None),
                col(RemoteStartRecord.created_at) >= since,
                func.upper(col(RemoteStartRecord.id_token)) == id_token.upper(),
            )
            .order_by(col(RemoteStartRecord.created_at).desc(), col(RemoteStartRecord.id).desc())
        )
        for record in (await self.session.exec(statement)).all():
            if record.evse is None or evse is None or record.evse == evse:
                return record
        return None

    async def add_remote_start(self, record: RemoteStartRecord) -> int:
        self.session.add(record)
        await self.session.flush()
        assert record.id is not None
        return record.id

    async def stations_at(
        self, country_code: str, party_id: str, location_id: str
    ) -> Sequence[StationRecord]:
        statement = (
            select(StationRecord)
            .where(
                func.upper(col(StationRecord.country_code)) == country_code.upper(),
                func.upper(col(StationRecord.party_id)) == party_id.upper(),
                func.upper(col(StationRecord.location_id)) == location_id.upper(),
            )
            .order_by(col(StationRecord.station_id))
        )
        return (await self.session.exec(statement)).all()
