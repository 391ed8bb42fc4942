"""One reader of new change events per app, fanning the feed's `status` events out to every streaming client.

It reads the change_event table in id order when a commit of this process wakes it (hub.signals) and every
`poll_interval` otherwise (other processes write too), renders each event once, and hands the encoded
messages to each client's bounded queue. A client whose queue is full is disconnected rather than buffered:
it resumes with its Last-Event-ID."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from sqlalchemy import func, text
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from hub.db import SessionMaker
from hub.feeds.events import render
from hub.feeds.settings import FeedSettings
from hub.feeds.tokens import revoked_among
from hub.modules.locations.service import MODULE
from hub.modules.objects import Owner
from hub.signals import ChangeSignal, wait
from hub.tables import ChangeEventRecord

log = logging.getLogger("hub.feeds")

BATCH = 500
# PostgreSQL hands out an id (nextval) and the inserting transaction's xid within microseconds of each other:
# this long after a gap was seen, every transaction that may still fill it has an xid.
GAP_SETTLE = 0.1


class Subscription:
    """One streaming client: the messages of change events after `after`; None ends its stream."""

    def __init__(self, token_id: int, after: int, size: int) -> None:
        self.token_id = token_id
        self.after = after
        self.ended = False
        self._size = size
        self._queue: asyncio.Queue[bytes | None] = asyncio.Queue()

    def offer(self, event_id: int, message: bytes) -> None:
        if self.ended or event_id <= self.after:
            return
        if self._queue.qsize() >= self._size:
            self.end()
            return
        self._queue.put_nowait(message)

    def end(self) -> None:
        if self.ended:
            return
        self.ended = True
        # What is still queued is dropped with the connection: the client resumes from its Last-Event-ID.
        while not self._queue.empty():
            self._queue.get_nowait()
        self._queue.put_nowait(None)

    async def next(self) -> bytes | None:
        return await self._queue.get()


@dataclass
class _Gap:
    """Ids missing below `below`: taken by transactions not committed yet, or rolled back."""

    below: int
    seen_at: float
    # The transactions that may hold the missing ids: those running in this database when the gap settled.
    holders: set[str] | None = None


async def _running_transactions(session: AsyncSession) -> set[str]:
    """The ids of the write transactions now running in this database (pg_stat_activity; other databases of
    the cluster do not matter, and hub processes share one role, so their sessions are visible)."""
    connection = await session.connection()
    # pg_stat_activity is read once per transaction unless the snapshot is cleared.
    await connection.execute(text("SELECT pg_stat_clear_snapshot()"))
    rows = await connection.execute(
        text(
            "SELECT backend_xid::text FROM pg_stat_activity"
            " WHERE datname = current_database() AND backend_xid IS NOT NULL"
        )
    )
    return {str(row[0]) for row in rows.all()}


class Broadcaster:
    def __init__(
        self,
        sessionmaker: SessionMaker,
        signal: ChangeSignal,
        settings: FeedSettings,
        owners: Collection[Owner],
        *,
        postgresql: bool,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._signal = signal
        self._settings = settings
        self._owners = owners
        self._postgresql = postgresql
        # Every change event up to `cursor` has been delivered, the last of our Locations' at locations_version.
        self.cursor = 0
        self.locations_version = 0
        self._loaded = False
        self._subscriptions: set[Subscription] = set()
        self._lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None
        self._gap: _Gap | None = None
        self._tokens_checked = time.monotonic()

    async def subscribe(self, token_id: int) -> Subscription:
        """A client's subscription to every change event after the current cursor."""
        async with self._lock:
            await self._load()
            if self._task is None:
                self._task = asyncio.get_running_loop().create_task(self._run(), name="availability feed")
            subscription = Subscription(token_id, self.cursor, self._settings.queue_size)
            self._subscriptions.add(subscription)
            return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        self._subscriptions.discard(subscription)

    async def refresh(self) -> None:
        """Deliver what is committed by now, without waiting for the next wake-up."""
        async with self._lock:
            await self._poll()

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        for subscription in self._subscriptions:
            subscription.end()
        self._subscriptions.clear()

    async def _load(self) -> None:
        if self._loaded:
            return
        async with self._sessionmaker() as session:
            latest = (await session.exec(select(func.max(ChangeEventRecord.id)))).one()
        self.cursor = self.locations_version = latest or 0
        self._loaded = True

    async def _run(self) -> None:
        wake = self._signal.subscribe()
        try:
            while True:
                try:
                    async with self._lock:
                        await self._poll()
                        await self._check_tokens()
                except Exception:
                    log.exception("availability feed: reading change events failed")
                await wait(wake, self._pause())
        finally:
            self._signal.unsubscribe(wake)

    def _pause(self) -> float:
        pause = self._settings.poll_interval
        if self._gap is not None:
            pause = min(pause, GAP_SETTLE)
        next_check = self._tokens_checked + self._settings.token_check_interval - time.monotonic()
        return max(0.0, min(pause, next_check))

    async def _poll(self) -> None:
        await self._load()
        async with self._sessionmaker() as session:
            while True:
                # Settle a gap before reading, so that a row committed meanwhile is read, not skipped.
                settled = await self._settled_gap(session)
                statement = (
                    select(ChangeEventRecord)
                    .where(col(ChangeEventRecord.id) > self.cursor)
                    .order_by(col(ChangeEventRecord.id))
                    .limit(BATCH)
                )
                ready = self._in_order((await session.exec(statement)).all(), settled)
                if ready:
                    self._deliver(ready, await render(session, ready, self._owners))
                if len(ready) < BATCH:
                    return

    def _in_order(self, rows: Sequence[ChangeEventRecord], settled: int) -> list[ChangeEventRecord]:
        """The rows that follow the cursor without a gap. On PostgreSQL a lower id may commit after a higher
        one: later rows wait for it, so that clients see ids in order and a resume misses nothing. SQLite
        has one writer at a time, so ids commit in order and a gap there is a rollback."""
        ready: list[ChangeEventRecord] = []
        expected = self.cursor + 1
        for row in rows:
            assert row.id is not None
            if row.id != expected and row.id > settled and self._postgresql:
                if self._gap is None or self._gap.below != row.id:
                    self._gap = _Gap(below=row.id, seen_at=time.monotonic())
                break
            ready.append(row)
            expected = row.id + 1
        if self._gap is not None and ready and expected > self._gap.below:
            self._gap = None
        return ready

    async def _settled_gap(self, session: AsyncSession) -> int:
        """Below which id missing rows are known never to come (0: none known)."""
        gap = self._gap
        if gap is None:
            return 0
        waited = time.monotonic() - gap.seen_at
        if waited >= self._settings.gap_timeout:
            log.warning(
                "availability feed: change events below id %d missing for %.0f s, skipped", gap.below, waited
            )
            self._gap = None
            return gap.below
        if waited < GAP_SETTLE:
            return 0
        running = await _running_transactions(session)
        if gap.holders is None:
            gap.holders = running
        if gap.holders & running:
            return 0
        # Every transaction of this database that was running when the gap settled has ended: what is still
        # missing was rolled back.
        self._gap = None
        return gap.below

    def _deliver(self, rows: Sequence[ChangeEventRecord], messages: list[tuple[int, bytes]]) -> None:
        for row in rows:
            assert row.id is not None
            if row.module == MODULE:
                self.locations_version = row.id
        self.cursor = rows[-1].id or self.cursor
        for event_id, message in messages:
            for subscription in list(self._subscriptions):
                subscription.offer(event_id, message)
                if subscription.ended:
                    self._subscriptions.discard(subscription)

    async def _check_tokens(self) -> None:
        if time.monotonic() - self._tokens_checked < self._settings.token_check_interval:
            return
        self._tokens_checked = time.monotonic()
        token_ids = {subscription.token_id for subscription in self._subscriptions}
        if not token_ids:
            return
        async with self._sessionmaker() as session:
            revoked = await revoked_among(session, token_ids)
        for subscription in list(self._subscriptions):
            if subscription.token_id in revoked:
                subscription.end()
                self._subscriptions.discard(subscription)
