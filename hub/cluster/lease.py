"""Process leases (DESIGN: Scale): every process holding OCPP websockets keeps a `hub_process` row alive; a
station belongs to the process named by its `gateway_id` while that process's lease runs. A live process's
sweep hands the stations of an expired one back (offline, EVSEs UNKNOWN) so they can reconnect anywhere."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, update
from sqlmodel import col, select

from hub.db import SessionMaker
from hub.ocpi.base import utc_now
from hub.tables.cluster import ChargerCallRecord, ProcessRecord
from hub.tables.stations import ConnectionState, StationRecord

logger = logging.getLogger(__name__)

# Relayed calls are kept this long after they were made, for an operator to look at.
CALL_RETENTION = timedelta(hours=1)

Abandon = Callable[[str, str], Awaitable[object]]


@dataclass(frozen=True)
class StationOwner:
    """The live process holding a station's websocket, and the station's connection state there."""

    process_id: str
    connection: str

    @property
    def responding(self) -> bool:
        """False while the station's websocket is open but the station has fallen silent."""
        return self.connection == ConnectionState.CONNECTED


async def station_owner(sessionmaker: SessionMaker, station_id: str) -> StationOwner | None:
    """The process holding `station_id` with a lease still running; None: no live process holds it."""
    async with sessionmaker() as session:
        row = (
            await session.exec(
                select(col(StationRecord.gateway_id), col(StationRecord.connection))
                .join(ProcessRecord, col(ProcessRecord.process_id) == col(StationRecord.gateway_id))
                .where(
                    col(StationRecord.station_id) == station_id,
                    col(StationRecord.connection) != ConnectionState.OFFLINE,
                    col(ProcessRecord.lease_until) > utc_now(),
                )
            )
        ).first()
    if row is None or row[0] is None:
        return None
    return StationOwner(str(row[0]), str(row[1]))


class ProcessLease:
    """This process's `hub_process` row: taken at start, renewed every third of `seconds`, given up at a clean
    shutdown. Each renewal also sweeps: expired leases are deleted and their stations handed to `abandon`."""

    def __init__(self, sessionmaker: SessionMaker, process_id: str, kind: str, seconds: float) -> None:
        self.sessionmaker = sessionmaker
        self.process_id = process_id
        self.kind = kind
        self.seconds = seconds

    async def acquire(self) -> None:
        async with self.sessionmaker() as session:
            record = await session.get(ProcessRecord, self.process_id)
            if record is None:
                session.add(
                    ProcessRecord(
                        process_id=self.process_id,
                        kind=self.kind,
                        host=socket.gethostname()[:255],
                        pid=os.getpid(),
                        lease_until=utc_now() + timedelta(seconds=self.seconds),
                    )
                )
            else:
                record.lease_until = utc_now() + timedelta(seconds=self.seconds)
            await session.commit()

    async def renew(self) -> bool:
        """False when the row was gone: another process found the lease expired and took our stations."""
        async with self.sessionmaker() as session:
            renewed = await session.exec(
                update(ProcessRecord)
                .where(col(ProcessRecord.process_id) == self.process_id)
                .values(lease_until=utc_now() + timedelta(seconds=self.seconds))
            )
            await session.commit()
        return bool(renewed.rowcount)

    async def release(self) -> None:
        async with self.sessionmaker() as session:
            await session.exec(delete(ProcessRecord).where(col(ProcessRecord.process_id) == self.process_id))
            await session.commit()

    async def sweep(self, abandon: Abandon) -> int:
        """Delete expired leases, hand every station still marked held by a process without a live lease to
        `abandon(station_id, process_id)`, and delete old relayed calls. Returns how many stations."""
        now = utc_now()
        async with self.sessionmaker() as session:
            await session.exec(delete(ProcessRecord).where(col(ProcessRecord.lease_until) <= now))
            await session.exec(
                delete(ChargerCallRecord).where(col(ChargerCallRecord.created_at) < now - CALL_RETENTION)
            )
            live = select(col(ProcessRecord.process_id))
            orphans = (
                await session.exec(
                    select(col(StationRecord.station_id), col(StationRecord.gateway_id)).where(
                        col(StationRecord.connection) != ConnectionState.OFFLINE,
                        col(StationRecord.gateway_id).is_not(None),
                        col(StationRecord.gateway_id) != self.process_id,
                        col(StationRecord.gateway_id).not_in(live),
                    )
                )
            ).all()
            await session.commit()
        for station_id, process_id in orphans:
            assert process_id is not None
            await abandon(station_id, process_id)
        return len(orphans)

    async def run(self, abandon: Abandon, lost: Callable[[], Awaitable[None]]) -> None:
        """Renew and sweep until cancelled; `lost()` when our lease was taken while we lived (we were
        stopped longer than the lease): our websockets are no longer ours to keep."""
        while True:
            await asyncio.sleep(self.seconds / 3)
            try:
                if not await self.renew():
                    logger.warning(
                        "process lease %s had expired: its stations were taken over", self.process_id
                    )
                    await lost()
                    await self.acquire()
                await self.sweep(abandon)
            except Exception:
                logger.exception("process lease %s not renewed", self.process_id)
