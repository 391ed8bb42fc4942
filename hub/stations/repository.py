"""All SQL on the station table."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from hub.tables.stations import ConnectionState, StationRecord

# Built once: a station is looked up several times per connection, and building the statement cost more
# than running it.
_BY_ID = select(StationRecord).where(col(StationRecord.station_id) == bindparam("station_id"))
_BY_ID_FOR_UPDATE = _BY_ID.with_for_update().execution_options(populate_existing=True)


class StationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, station_id: str, *, for_update: bool = False) -> StationRecord | None:
        statement = _BY_ID_FOR_UPDATE if for_update else _BY_ID
        return (await self.session.exec(statement, params={"station_id": station_id})).first()

    async def by_ids(self, station_ids: Sequence[str]) -> dict[str, StationRecord]:
        found: dict[str, StationRecord] = {}
        ids = sorted(set(station_ids))
        for start in range(0, len(ids), 500):
            statement = select(StationRecord).where(
                col(StationRecord.station_id).in_(ids[start : start + 500])
            )
            for record in (await self.session.exec(statement)).all():
                found[record.station_id] = record
        return found

    async def all(self, *, state: str | None = None) -> list[StationRecord]:
        statement = select(StationRecord).order_by(col(StationRecord.station_id))
        if state is not None:
            statement = statement.where(col(StationRecord.connection) == state)
        return list((await self.session.exec(statement)).all())

    async def mapped_elsewhere(self, station_ids: Sequence[str]) -> list[StationRecord]:
        """Mapped stations other than these (to find a Connector already wired to another station)."""
        statement = select(StationRecord).where(
            col(StationRecord.location_id).is_not(None), col(StationRecord.station_id).not_in(station_ids)
        )
        return list((await self.session.exec(statement)).all())

    async def save(self, record: StationRecord) -> None:
        self.session.add(record)
        await self.session.flush()

    async def touch(self, station_id: str, connection_id: str, at: datetime) -> int:
        """The station's current connection was heard from at `at`; returns the rows changed (0: that
        connection is not the station's current one, or the station is no longer connected at all)."""
        result = await self.session.exec(
            update(StationRecord)
            .where(
                col(StationRecord.station_id) == station_id,
                col(StationRecord.connection_id) == connection_id,
                col(StationRecord.connection) == ConnectionState.CONNECTED,
            )
            .values(last_seen_at=at)
        )
        return int(result.rowcount)

    async def stale(self, before: datetime, *, not_gateway: str) -> list[str]:
        """Stations marked connected by another process that last heard them before `before`."""
        statement = select(col(StationRecord.station_id)).where(
            col(StationRecord.connection) == ConnectionState.CONNECTED,
            col(StationRecord.last_seen_at) < before,
            col(StationRecord.gateway_id) != not_gateway,
        )
        return list((await self.session.exec(statement)).all())

    async def count_by_state(self, stale_before: datetime) -> dict[str, int]:
        """How many stations are connected, silent and offline; connected ones nobody heard of since
        `stale_before` count as silent (their process is gone)."""
        counts = dict.fromkeys((s.value for s in ConnectionState), 0)
        stale = (col(StationRecord.connection) == ConnectionState.CONNECTED) & (
            col(StationRecord.last_seen_at) < stale_before
        )
        rows = await self.session.exec(
            select(col(StationRecord.connection), stale, func.count()).group_by(
                col(StationRecord.connection), stale
            )
        )
        for connection, is_stale, count in rows.all():
            state = ConnectionState.SILENT.value if is_stale else str(connection)
            counts[state] = counts.get(state, 0) + int(count)
        return counts


def view_state(record: StationRecord, stale_before: datetime) -> str:
    """The connection state the admin API shows (see count_by_state)."""
    if (
        record.connection == ConnectionState.CONNECTED
        and record.last_seen_at is not None
        and record.last_seen_at < stale_before
    ):
        return ConnectionState.SILENT.value
    return record.connection


def connector_addresses(connectors: list[dict[str, Any]]) -> tuple[tuple[int, int], ...]:
    return tuple((int(c["evse"]), int(c.get("connector", 1))) for c in connectors)
