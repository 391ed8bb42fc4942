"""Charger calls between hub processes on PostgreSQL (DESIGN: Scale): a process that must ask a charger held
by another writes a `charger_call` row and NOTIFYs the owner's channel; the owner LISTENs, runs the call on
the charger, stores the outcome in the row and NOTIFYs the caller back. Payloads carry only "call:<id>" or
"result:<id>" (NOTIFY payloads stop at 8000 bytes); a notification sent while a listener was away is lost,
so a listener that reconnects looks at the rows: unclaimed calls to it, answered calls it waits for."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import psycopg
from sqlalchemy import func, update
from sqlalchemy.engine import make_url
from sqlmodel import col, select

from hub.db import SessionMaker, is_sqlite
from hub.ocpi.base import utc_now
from hub.tables.cluster import ChargerCallRecord

logger = logging.getLogger(__name__)

Handler = Callable[[str, dict[str, Any]], Awaitable[dict[str, Any]]]

FIRST_BACKOFF = 0.5
MAX_BACKOFF = 10.0
# The listener only reads: without TCP keepalives a connection cut without a reset (a failover, a dropped
# NAT entry) would look open forever and every call to this process would time out.
KEEPALIVES: dict[str, Any] = {
    "keepalives": 1,
    "keepalives_idle": 10,
    "keepalives_interval": 5,
    "keepalives_count": 3,
}


def relay_possible(database_url: str) -> bool:
    """LISTEN/NOTIFY is PostgreSQL's; on SQLite there is one process, and every call stays in it."""
    return not is_sqlite(database_url)


def channel(process_id: str) -> str:
    """The channel a process listens on (an identifier: at most 63 bytes)."""
    return f"ocpi_hub_{process_id}"[:63]


def conninfo(database_url: str) -> str:
    """A libpq URL for psycopg from the hub's SQLAlchemy URL."""
    return make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)


class CallRelay:
    """This process's end of the relay: `ask` sends a call to another process and waits for its outcome;
    `handler` runs the calls other processes send here. `run()` keeps the listening connection open."""

    def __init__(
        self, sessionmaker: SessionMaker, database_url: str, process_id: str, handler: Handler
    ) -> None:
        self.sessionmaker = sessionmaker
        self.conninfo = conninfo(database_url)
        self.process_id = process_id
        self.handler = handler
        # Set while the listening connection is open, and while it is not.
        self.listening = asyncio.Event()
        self.away = asyncio.Event()
        self.away.set()
        # How operators (and tests) find the listening connection in pg_stat_activity.
        self.application_name = f"ocpi-hub relay {process_id}"[:63]
        self._waiting: dict[int, asyncio.Future[None]] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    # -- calling -------------------------------------------------------------------------------------------

    async def ask(
        self, station_id: str, owner: str, method: str, arguments: dict[str, Any], within: float
    ) -> dict[str, Any]:
        """The encoded outcome of `method` run by the process `owner`; TimeoutError after `within` seconds."""
        loop = asyncio.get_running_loop()
        answered: asyncio.Future[None] = loop.create_future()
        async with self.sessionmaker() as session:
            record = ChargerCallRecord(
                station_id=station_id,
                caller=self.process_id,
                owner=owner,
                method=method,
                arguments=arguments,
                deadline=utc_now() + timedelta(seconds=within),
            )
            session.add(record)
            await session.flush()
            assert record.id is not None
            call_id = record.id
            # Waiting before the commit: the answer cannot come before we listen for it.
            self._waiting[call_id] = answered
            try:
                # Delivered at commit, so the owner finds the row.
                await session.exec(select(func.pg_notify(channel(owner), f"call:{call_id}")))
                await session.commit()
            except BaseException:
                self._waiting.pop(call_id, None)
                raise
        try:
            async with asyncio.timeout(within):
                await answered
        finally:
            self._waiting.pop(call_id, None)
        async with self.sessionmaker() as session:
            stored = await session.get(ChargerCallRecord, call_id)
        if stored is None or stored.result is None:
            raise TimeoutError
        return stored.result

    # -- listening -----------------------------------------------------------------------------------------

    async def run(self) -> None:
        """LISTEN on our channel until cancelled, reconnecting with backoff when the connection is lost."""
        backoff = FIRST_BACKOFF
        while True:
            try:
                connection = await psycopg.AsyncConnection.connect(
                    self.conninfo, autocommit=True, application_name=self.application_name, **KEEPALIVES
                )
                async with connection:
                    name = channel(self.process_id).replace('"', '""')
                    await connection.execute(f'LISTEN "{name}"')
                    self.listening.set()
                    self.away.clear()
                    backoff = FIRST_BACKOFF
                    await self._catch_up()
                    async for notify in connection.notifies():
                        self._received(notify.payload)
            except asyncio.CancelledError:
                raise
            except Exception as error:
                logger.warning("charger call relay: listening connection lost (%s); reconnecting", error)
            finally:
                self.listening.clear()
                self.away.set()
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, MAX_BACKOFF)

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    def _received(self, payload: str) -> None:
        kind, _, number = payload.partition(":")
        if not number.isdigit():
            logger.warning("charger call relay: unexpected notification %r", payload)
            return
        call_id = int(number)
        if kind == "result":
            waiting = self._waiting.get(call_id)
            if waiting is not None and not waiting.done():
                waiting.set_result(None)
        elif kind == "call":
            self._spawn(self._serve(call_id))

    def _spawn(self, work: Awaitable[None]) -> None:
        task: asyncio.Task[None] = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _catch_up(self) -> None:
        """After (re)connecting: the calls sent to us while we were away, and the answers we missed."""
        now = utc_now()
        async with self.sessionmaker() as session:
            pending = (
                await session.exec(
                    select(col(ChargerCallRecord.id)).where(
                        col(ChargerCallRecord.owner) == self.process_id,
                        col(ChargerCallRecord.claimed_at).is_(None),
                        col(ChargerCallRecord.deadline) > now,
                    )
                )
            ).all()
            answered = []
            if self._waiting:
                answered = list(
                    (
                        await session.exec(
                            select(col(ChargerCallRecord.id)).where(
                                col(ChargerCallRecord.id).in_(list(self._waiting)),
                                col(ChargerCallRecord.answered_at).is_not(None),
                            )
                        )
                    ).all()
                )
        for call_id in pending:
            if call_id is not None:
                self._spawn(self._serve(call_id))
        for call_id in answered:
            if call_id is not None:
                self._received(f"result:{call_id}")

    async def _serve(self, call_id: int) -> None:
        """Run one call sent to us, once: the process that claims the row runs it."""
        try:
            now = utc_now()
            async with self.sessionmaker() as session:
                claimed = (
                    await session.exec(
                        update(ChargerCallRecord)
                        .where(
                            col(ChargerCallRecord.id) == call_id,
                            col(ChargerCallRecord.owner) == self.process_id,
                            col(ChargerCallRecord.claimed_at).is_(None),
                            col(ChargerCallRecord.deadline) > now,
                        )
                        .values(claimed_at=now)
                        .returning(
                            col(ChargerCallRecord.method),
                            col(ChargerCallRecord.arguments),
                            col(ChargerCallRecord.caller),
                            col(ChargerCallRecord.deadline),
                        )
                    )
                ).first()
                await session.commit()
            if claimed is None:
                return
            method, arguments, caller, deadline = claimed
            try:
                async with asyncio.timeout((deadline - utc_now()).total_seconds()):
                    outcome = await self.handler(method, arguments)
            except TimeoutError:
                outcome = {"timeout": True}
            async with self.sessionmaker() as session:
                await session.exec(
                    update(ChargerCallRecord)
                    .where(col(ChargerCallRecord.id) == call_id)
                    .values(result=outcome, answered_at=utc_now())
                )
                await session.exec(select(func.pg_notify(channel(caller), f"result:{call_id}")))
                await session.commit()
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.exception("charger call %s could not be answered", call_id)


async def wait_listening(relay: CallRelay, within: float) -> bool:
    """True once the relay listens; False when it did not within `within` seconds (it keeps trying)."""
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(within):
            await relay.listening.wait()
            return True
    return False
