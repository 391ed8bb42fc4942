"""Applying internal CSMS events (DESIGN: data flow, internal CSMS): idempotent by event id, one at a time
per station in arrival order, stale sequence numbers refused, unknown stations refused with nothing written."""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from enum import StrEnum
from typing import Any

import orjson
from pydantic import BaseModel
from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from hub.db import SessionMaker
from hub.internal.events import AnyEvent
from hub.internal.translate import CONNECTION_ID, apply
from hub.ports import HubPort
from hub.stations.repository import StationRepository
from hub.tables.internal_events import InternalEventRecord

logger = logging.getLogger(__name__)


class Outcome(StrEnum):
    APPLIED = "applied"  # the hub made of it what it makes of the same OCPP message
    STALE = "stale"  # its sequence is below the last applied one of its station: recorded, not applied
    UNKNOWN_STATION = "unknown_station"  # the station is not in the station mapping: nothing written
    FAILED = "failed"  # the hub could not apply it: nothing recorded, send it again
    SKIPPED = "skipped"  # an earlier event of the same station in this batch failed: send both again


class EventResult(BaseModel):
    """The answer for one event. A repeated event_id gets the answer of its first time with
    `duplicate` true."""

    event_id: str
    station_id: str
    result: Outcome
    duplicate: bool = False
    detail: str | None = None
    transaction_id: str | None = None
    session_id: str | None = None
    authorization: str | None = None


def _result(event: AnyEvent, outcome: Outcome, detail: str | None = None, **fields: Any) -> EventResult:
    return EventResult(
        event_id=event.event_id, station_id=event.station_id, result=outcome, detail=detail, **fields
    )


class EventIngest:
    def __init__(self, sessionmaker: SessionMaker, port: HubPort) -> None:
        self.sessionmaker = sessionmaker
        self.port = port
        self._locks: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)

    async def ingest(self, events: list[AnyEvent]) -> list[EventResult]:
        """Every event in order; the answers in the same order."""
        failed: set[str] = set()
        results = []
        for event in events:
            if event.station_id in failed:
                result = _result(
                    event, Outcome.SKIPPED, "an earlier event of this station in the request failed"
                )
            else:
                result = await self.one(event)
                if result.result == Outcome.FAILED:
                    failed.add(event.station_id)
            results.append(result)
        return results

    async def one(self, event: AnyEvent) -> EventResult:
        async with self._locks[event.station_id]:
            async with self.sessionmaker() as session:
                stored = await self._stored(session, event.event_id)
                if stored is not None:
                    return stored
                station = await StationRepository(session).get(event.station_id)
                if station is None or station.location_id is None:
                    return _result(
                        event,
                        Outcome.UNKNOWN_STATION,
                        f"station {event.station_id} is not in the station mapping",
                    )
                last = await self._last_sequence(session, event.station_id)
                if event.sequence is not None and last is not None and event.sequence < last:
                    stale = _result(
                        event,
                        Outcome.STALE,
                        f"sequence {event.sequence} is below {last}, the last one of station "
                        f"{event.station_id}",
                    )
                    return await self._record(session, event, stale)
                connected = station.connection_id == CONNECTION_ID
            try:
                fields = await apply(self.port, event, connected=connected)
            except Exception as exc:
                logger.exception(
                    "internal event %s of station %s not applied", event.event_id, event.station_id
                )
                return _result(
                    event, Outcome.FAILED, f"the hub could not apply the event ({type(exc).__name__})"
                )
            async with self.sessionmaker() as session:
                return await self._record(session, event, _result(event, Outcome.APPLIED, **fields))

    async def _stored(self, session: AsyncSession, event_id: str) -> EventResult | None:
        record = (
            await session.exec(
                select(InternalEventRecord).where(col(InternalEventRecord.event_id) == event_id)
            )
        ).first()
        if record is None:
            return None
        return EventResult.model_validate({**orjson.loads(record.result), "duplicate": True})

    async def _last_sequence(self, session: AsyncSession, station_id: str) -> int | None:
        # Stale events are recorded too, but always below the maximum, so the maximum is the last applied.
        statement = select(func.max(InternalEventRecord.sequence)).where(
            col(InternalEventRecord.station_id) == station_id
        )
        last: int | None = (await session.exec(statement)).one()
        return last

    async def _record(self, session: AsyncSession, event: AnyEvent, result: EventResult) -> EventResult:
        session.add(
            InternalEventRecord(
                event_id=event.event_id,
                station_id=event.station_id,
                kind=event.type,
                occurred_at=event.timestamp,
                sequence=event.sequence,
                result=result.model_dump_json(exclude={"duplicate"}, exclude_none=True),
            )
        )
        try:
            await session.commit()
        except IntegrityError:
            # Another process took the same event at the same moment: its answer stands.
            await session.rollback()
            stored = await self._stored(session, event.event_id)
            if stored is not None:
                return stored
            raise
        return result
