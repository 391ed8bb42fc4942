"""The delivery worker: claims due pushes, sends them, records every attempt, retries with backoff, gives up
on state pushes after a window and never on CDRs or command results (DESIGN decision 5)."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
import orjson
from sqlalchemy import Table, and_, delete, exists, insert, or_, update
from sqlalchemy.orm import aliased
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from hub.config import Settings
from hub.db import SessionMaker
from hub.hub_role.mode import push_sender
from hub.hub_role.reachability import answered, record_reachability
from hub.ocpi.base import utc_now
from hub.ocpi.enums import InterfaceRole
from hub.outbox.delivery import Attempt, Outcome, Route, UnroutableError, build_request, send
from hub.outbox.enqueue import absorb_queued
from hub.outbox.metrics import ATTEMPTS, LATENCY
from hub.signals import ChangeSignal, wait
from hub.tables import ChangeEventRecord, PartnerEndpointRecord, PartnerRecord, PartnerStatus
from hub.tables.cdrs import CdrRecord
from hub.tables.commands import CommandRecord
from hub.tables.objects import LocationRecord, OwnedObject, TariffRecord
from hub.tables.outbox import OPEN_STATES, OutboxRecord, PushAttemptRecord, PushState, ResyncRecord
from hub.tables.sessions import SessionRecord
from hub.tables.tokens import TokenRecord

log = logging.getLogger("hub.outbox")

_OBJECT_TABLES: dict[str, type[OwnedObject]] = {
    "locations": LocationRecord,
    "tariffs": TariffRecord,
    "sessions": SessionRecord,
    "tokens": TokenRecord,
    "cdrs": CdrRecord,
}
_MAINTENANCE_EVERY = 5.0
_TABLE: Table = OutboxRecord.__table__  # type: ignore[attr-defined]
_COLUMNS = [c.name for c in _TABLE.columns]


def never_given_up(row: dict[str, Any]) -> bool:
    """CDRs are money and command results are owed: they are retried until accepted."""
    return row["module"] == "cdrs" or row["command_id"] is not None or row["url"] is not None


def backoff(attempts: int, ceiling: float) -> float:
    """Exponential from one second, capped, with full jitter in its upper half (no thundering herd)."""
    delay = min(ceiling, 2.0 ** max(0, attempts - 1))
    return delay * random.uniform(0.5, 1.0)


@dataclass
class _Health:
    """A partner's recent failures: while it is failing only one push at a time probes it."""

    failures: int = 0
    blocked_until: float = 0.0


@dataclass
class _Result:
    row: dict[str, Any]
    attempts: list[Attempt]


@dataclass
class WorkerOptions:
    max_in_flight: int = 256
    per_partner: int = 64
    claim_batch: int = 200
    grace: float = 5.0


class DeliveryWorker:
    """One process's delivery loop; any number of them may share a PostgreSQL database."""

    def __init__(
        self,
        sessionmaker: SessionMaker,
        http: httpx.AsyncClient,
        settings: Settings,
        *,
        signal: ChangeSignal | None = None,
        options: WorkerOptions | None = None,
    ) -> None:
        self.sessionmaker = sessionmaker
        self.http = http
        self.settings = settings
        self.signal = signal
        self.options = options or WorkerOptions()
        self._postgres = sessionmaker.kw["bind"].dialect.name == "postgresql"
        self._in_flight: dict[int, int] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._results: list[_Result] = []
        self._progress = asyncio.Event()
        self._health: dict[int, _Health] = {}
        self._last_maintenance = 0.0
        self._stopping = False
        # run() and drain() may share this worker: a claim in progress is finished (its sends started)
        # before the other looks at what is in flight.
        self._claiming = asyncio.Lock()

    @property
    def lease(self) -> timedelta:
        # Long enough for the in-attempt retries and a PUT replacing a refused PATCH.
        return timedelta(seconds=self.settings.partner_timeout * 4 + 5)

    # -- the loop ------------------------------------------------------------------------------------------

    async def run(self) -> None:
        """Deliver until cancelled; woken by commits in this process, polling for the others'."""
        wake = self.signal.subscribe() if self.signal is not None else asyncio.Event()
        try:
            while not self._stopping:
                try:
                    busy = await self.step()
                except asyncio.CancelledError:
                    raise
                except Exception:
                    log.exception("delivery step failed; retrying")
                    busy = False
                    await asyncio.sleep(self.settings.push_poll_interval)
                if not busy:
                    await self._idle(wake)
        finally:
            if self.signal is not None:
                self.signal.unsubscribe(wake)
            await self.close()

    async def _idle(self, wake: asyncio.Event) -> None:
        progress = asyncio.ensure_future(self._progress.wait())
        woken = asyncio.ensure_future(wait(wake, self.settings.push_poll_interval))
        try:
            await asyncio.wait({progress, woken}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            progress.cancel()
            woken.cancel()

    async def step(self) -> bool:
        """Record finished deliveries, claim and start due ones; True when there was something to do."""
        self._progress.clear()
        recorded = await self._record()
        started = 0
        room = self.options.max_in_flight - len(self._tasks)
        if room > 0:
            started = await self._claim_and_start(room)
        await self._maintain()
        return bool(recorded or started)

    async def drain(self) -> None:
        """Deliver everything due now (and what that makes due), then return: for tests and `worker --once`."""
        while True:
            busy = await self.step()
            if self._tasks:
                await asyncio.wait(set(self._tasks))
                continue
            if not busy and not self._results:
                return

    async def close(self) -> None:
        """Let in-flight sends finish for a moment and record them; the rest is re-sent after its lease."""
        self._stopping = True
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=self.options.grace)
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        try:
            await self._record()
        except Exception:
            log.exception("could not record the last deliveries")

    # -- claiming ------------------------------------------------------------------------------------------

    def _blocked(self, now: float) -> set[int]:
        return {pid for pid, h in self._health.items() if h.blocked_until > now}

    async def _claim_and_start(self, room: int) -> int:
        loop = asyncio.get_running_loop()
        async with self._claiming:
            return self._start(loop, await self._claim(room, self._blocked(loop.time())))

    def _start(self, loop: asyncio.AbstractEventLoop, claimed: list[tuple[dict[str, Any], Route]]) -> int:
        for row, route in claimed:
            pid = row["partner_id"]
            self._in_flight[pid] = self._in_flight.get(pid, 0) + 1
            task = loop.create_task(self._deliver(row, route), name=f"push {row['id']}")
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return len(claimed)

    async def _claim(self, room: int, blocked: set[int]) -> list[tuple[dict[str, Any], Route]]:
        now = utc_now()
        older = aliased(OutboxRecord)
        earlier_open = exists().where(
            col(older.group_key) == col(OutboxRecord.group_key),
            col(older.id) < col(OutboxRecord.id),
            col(older.state).in_(OPEN_STATES),
        )
        due = or_(
            and_(col(OutboxRecord.state) == PushState.PENDING, col(OutboxRecord.next_attempt_at) <= now),
            and_(col(OutboxRecord.state) == PushState.SENDING, col(OutboxRecord.lease_until) < now),
        )
        # Core rows, not ORM objects: nothing of them is kept in the session, and the claim's update need
        # not look for them in its identity map.
        statement = (
            select(*_TABLE.columns)
            .where(due, ~earlier_open)
            .order_by(col(OutboxRecord.id))
            .limit(min(room, self.options.claim_batch) * 2)
        )
        if blocked:
            statement = statement.where(col(OutboxRecord.partner_id).not_in(blocked))
        # Pushes to a suspended partner wait (the retry window still applies to them).
        suspended = select(col(PartnerRecord.id)).where(col(PartnerRecord.suspended_at).is_not(None))
        statement = statement.where(col(OutboxRecord.partner_id).not_in(suspended))
        if self._postgres:
            statement = statement.with_for_update(skip_locked=True, of=_TABLE)
        async with self.sessionmaker() as session:
            connection = await session.connection()
            candidates = (await connection.execute(statement)).mappings().all()
            chosen: list[dict[str, Any]] = []
            counts = dict(self._in_flight)
            for record in candidates:
                pid = record["partner_id"]
                health = self._health.get(pid)
                limit = 1 if health is not None and health.failures else self.options.per_partner
                if counts.get(pid, 0) >= limit or len(chosen) >= room:
                    continue
                counts[pid] = counts.get(pid, 0) + 1
                chosen.append(dict(record))
            if not chosen:
                await session.rollback()
                return []
            # Read before the claim's write: on SQLite the write lock is then held for the update and the
            # re-read only.
            routes = await self._routes(session, {r["partner_id"] for r in chosen})
            await connection.execute(
                update(_TABLE)
                .where(_TABLE.c.id.in_([r["id"] for r in chosen]))
                .values(
                    state=PushState.SENDING,
                    lease_until=now + self.lease,
                    attempts=_TABLE.c.attempts + 1,
                )
            )
            await self._reread_merged(session, chosen)
            await session.commit()
        for row in chosen:
            row["attempts"] += 1
        return [(row, routes[row["partner_id"]]) for row in chosen]

    @staticmethod
    async def _reread_merged(session: AsyncSession, chosen: list[dict[str, Any]]) -> None:
        """SQLite reads the candidates outside a transaction: a change merged into a chosen push after that read
        and before the claim is in the row now, and goes out with this attempt (else it would be lost)."""
        ids = [r["id"] for r in chosen]
        merged = ("method", "body", "evse_uid", "connector_id", "changed_at")
        statement = select(_TABLE.c.id, *(_TABLE.c[c] for c in merged)).where(_TABLE.c.id.in_(ids))
        connection = await session.connection()
        current = {record["id"]: record for record in (await connection.execute(statement)).mappings()}
        for row in chosen:
            record = current[row["id"]]
            for column in merged:
                row[column] = record[column]

    @staticmethod
    async def _routes(session: AsyncSession, partner_ids: set[int]) -> dict[int, Route]:
        partners = (
            await session.exec(select(PartnerRecord).where(col(PartnerRecord.id).in_(partner_ids)))
        ).all()
        endpoints: dict[int, dict[str, str]] = {pid: {} for pid in partner_ids}
        rows = (
            await session.exec(
                select(PartnerEndpointRecord).where(
                    col(PartnerEndpointRecord.partner_id).in_(partner_ids),
                    col(PartnerEndpointRecord.interface_role) == InterfaceRole.RECEIVER,
                )
            )
        ).all()
        for endpoint in rows:
            endpoints[endpoint.partner_id][endpoint.module] = endpoint.url
        routes = {pid: Route(None, False, endpoints[pid]) for pid in partner_ids}
        for partner in partners:
            if partner.id is not None and partner.status == PartnerStatus.REGISTERED:
                routes[partner.id] = Route(partner.token_out, partner.send_raw_token, endpoints[partner.id])
        return routes

    # -- sending -------------------------------------------------------------------------------------------

    async def _deliver(self, row: dict[str, Any], route: Route) -> None:
        attempts: list[Attempt] = []
        try:
            attempts.append(await self._send(row, route))
            if attempts[-1].outcome == Outcome.MISSING:
                whole = await self._whole_object(row)
                if whole is None:
                    attempts.append(
                        Attempt("PUT", attempts[-1].url, Outcome.DEAD, "the object is no longer stored here")
                    )
                else:
                    attempts.append(await self._send(row, route, method="PUT", body=whole))
        except Exception as exc:
            log.exception("push %s failed unexpectedly", row["id"])
            attempts.append(
                Attempt(row["method"], row["url"] or "-", Outcome.RETRY, f"internal error: {exc}")
            )
        finally:
            pid = row["partner_id"]
            self._in_flight[pid] = max(0, self._in_flight.get(pid, 1) - 1)
            self._results.append(_Result(row, attempts))
            self._progress.set()

    async def _send(
        self, row: dict[str, Any], route: Route, *, method: str | None = None, body: Any = None
    ) -> Attempt:
        try:
            sender = push_sender(self.settings, (row["country_code"], row["party_id"]))
            request = build_request(row, route, method=method, body=body, from_party=sender)
        except UnroutableError as exc:
            return Attempt(method or row["method"], row["url"] or "-", Outcome.DEAD, str(exc))
        return await send(self.http, request, self.settings.partner_timeout, module=row["module"])

    async def _whole_object(self, row: dict[str, Any]) -> dict[str, Any] | None:
        """The object as stored now, for the PUT that replaces a PATCH the partner could not apply."""
        table = _OBJECT_TABLES.get(row["module"])
        if table is None:
            return None
        key = row["object_id"].upper()
        if row["module"] == "tokens" and row["object_type"]:
            key = f"{row['object_type'].upper()}:{key}"
        async with self.sessionmaker() as session:
            record = (
                await session.exec(
                    select(table).where(
                        col(table.country_code) == row["country_code"],
                        col(table.party_id) == row["party_id"],
                        col(table.object_key) == key,
                    )
                )
            ).first()
        if record is None:
            return None
        whole: dict[str, Any] = orjson.loads(record.body)
        return whole

    # -- recording -----------------------------------------------------------------------------------------

    async def _record(self) -> int:
        results, self._results = self._results, []
        if not results:
            return 0
        try:
            return await self._write_results(results)
        except BaseException:
            # The database is away (a restart, a lost connection): keep the outcomes for the next step, or the
            # pushes stay SENDING until their lease ends and are sent again.
            self._results = results + self._results
            raise

    async def _write_results(self, results: list[_Result]) -> int:
        now = utc_now()
        clock = asyncio.get_running_loop().time()
        delivered: list[int] = []
        recovered: set[int] = set()
        heard: dict[bool, set[int]] = {True: set(), False: set()}
        attempt_rows: list[dict[str, Any]] = []
        counted: list[tuple[str, str, str]] = []
        latencies: list[tuple[str, float]] = []
        async with self.sessionmaker() as session:
            for result in results:
                row, final = result.row, result.attempts[-1]
                pid, module = row["partner_id"], row["module"]
                for attempt in result.attempts:
                    counted.append((str(pid), module, attempt.outcome.value))
                    attempt_rows.append(
                        {
                            "outbox_id": row["id"],
                            "at": now,
                            "method": attempt.method,
                            "url": attempt.url[:512],
                            "outcome": attempt.outcome.value,
                            "http_status": attempt.http_status,
                            "ocpi_status": attempt.ocpi_status,
                            "duration_ms": attempt.duration_ms,
                            "excerpt": attempt.excerpt,
                        }
                    )
                evidence = answered(final)
                if evidence is not None:
                    heard[evidence].add(pid)
                health = self._health.setdefault(pid, _Health())
                if final.outcome == Outcome.DELIVERED:
                    delivered.append(row["id"])
                    latencies.append((module, max(0.0, (now - row["changed_at"]).total_seconds())))
                    if health.failures:
                        recovered.add(pid)
                    health.failures, health.blocked_until = 0, 0.0
                    if row["command_id"] is not None:
                        await self._command_outcome(session, row["command_id"], None)
                    continue
                if final.outcome in (Outcome.DEAD, Outcome.MISSING):
                    log.warning("push %s to partner %s refused for good: %s", row["id"], pid, final.reason)
                    await self._finish(session, row, PushState.DEAD, final.reason)
                    if row["command_id"] is not None:
                        await self._command_outcome(session, row["command_id"], final.reason)
                    continue
                health.failures += 1
                health.blocked_until = clock + backoff(health.failures, self.settings.push_max_backoff)
                age = (now - row["created_at"]).total_seconds()
                if not never_given_up(row) and age >= self.settings.push_give_up_after:
                    await self._give_up(session, [row], final.reason)
                    continue
                await session.exec(
                    update(OutboxRecord)
                    .where(col(OutboxRecord.id) == row["id"], col(OutboxRecord.state) == PushState.SENDING)
                    .values(
                        state=PushState.PENDING,
                        lease_until=None,
                        last_error=final.reason,
                        next_attempt_at=now
                        + timedelta(seconds=backoff(row["attempts"], self.settings.push_max_backoff)),
                    )
                )
                await absorb_queued(session, row["id"], row["group_key"])
                if row["command_id"] is not None:
                    # The command shows why its result is not delivered yet (cleared once it is).
                    await self._command_outcome(session, row["command_id"], final.reason)
            if delivered:
                await session.exec(
                    update(OutboxRecord)
                    .where(col(OutboxRecord.id).in_(delivered))
                    .values(state=PushState.DELIVERED, delivered_at=now, lease_until=None, last_error=None)
                )
            if recovered:
                # The partner answers again: what waited for it goes now, not after each push's own backoff.
                await session.exec(
                    update(OutboxRecord)
                    .where(
                        col(OutboxRecord.partner_id).in_(recovered),
                        col(OutboxRecord.state) == PushState.PENDING,
                        col(OutboxRecord.next_attempt_at) > now,
                    )
                    .values(next_attempt_at=now)
                )
            await session.exec(insert(PushAttemptRecord), params=attempt_rows)
            await record_reachability(session, self.settings, answered=heard[True], unanswered=heard[False])
            await session.commit()
        # Counted once recorded, so outcomes written again after a failed step are not counted twice.
        for labels in counted:
            ATTEMPTS.labels(*labels).inc()
        for module, seconds in latencies:
            LATENCY.labels(module).observe(seconds)
        return len(results)

    @staticmethod
    async def _finish(session: AsyncSession, row: dict[str, Any], state: PushState, reason: str) -> None:
        await session.exec(
            update(OutboxRecord)
            .where(col(OutboxRecord.id) == row["id"])
            .values(state=state, lease_until=None, last_error=reason)
        )

    async def _give_up(self, session: AsyncSession, rows: Sequence[dict[str, Any]], reason: str) -> None:
        marked: set[tuple[int, str]] = set()
        for row in rows:
            await self._finish(session, row, PushState.GAVE_UP, reason)
            marked.add((row["partner_id"], row["module"]))
        for partner_id, module in marked:
            log.warning(
                "partner %s, module %s: pushes given up after %g s (%s); the partner needs a resync",
                partner_id,
                module,
                self.settings.push_give_up_after,
                reason,
            )
            if await session.get(ResyncRecord, (partner_id, module)) is None:
                session.add(ResyncRecord(partner_id=partner_id, module=module, reason=reason))
        await session.flush()

    @staticmethod
    async def _command_outcome(session: AsyncSession, command_id: int, error: str | None) -> None:
        record = await session.get(CommandRecord, command_id)
        if record is None:
            return
        if error is None:
            record.delivered_at, record.error = utc_now(), None
        else:
            record.error = error
        session.add(record)

    # -- maintenance ---------------------------------------------------------------------------------------

    async def _maintain(self) -> None:
        """Every few seconds: give up state pushes older than the window (also those a failing partner's
        probing has not reached), and forget delivered pushes and change events past their retention."""
        clock = asyncio.get_running_loop().time()
        if clock - self._last_maintenance < _MAINTENANCE_EVERY:
            return
        self._last_maintenance = clock
        now = utc_now()
        window = now - timedelta(seconds=self.settings.push_give_up_after)
        retention = now - timedelta(seconds=self.settings.outbox_retention)
        async with self.sessionmaker() as session:
            stale = (
                await session.exec(
                    select(OutboxRecord).where(
                        col(OutboxRecord.state) == PushState.PENDING,
                        col(OutboxRecord.created_at) < window,
                        col(OutboxRecord.module) != "cdrs",
                        col(OutboxRecord.command_id).is_(None),
                        col(OutboxRecord.url).is_(None),
                    )
                )
            ).all()
            if stale:
                rows = [{c: getattr(r, c) for c in _COLUMNS} for r in stale]
                await self._give_up(session, rows, "not delivered within the retry window")
            await session.exec(
                delete(OutboxRecord).where(
                    col(OutboxRecord.state).in_((PushState.DELIVERED, PushState.SUPERSEDED)),
                    col(OutboxRecord.changed_at) < retention,
                )
            )
            await session.exec(delete(ChangeEventRecord).where(col(ChangeEventRecord.created_at) < retention))
            await session.commit()
