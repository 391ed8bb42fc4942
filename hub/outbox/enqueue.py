"""Writing pushes: one outbox row per receiving partner, in the transaction of the change, merged into a
pending push of the same object when one is waiting (DESIGN decision 5: the latest state, not the history)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import insert, update
from sqlalchemy import select as sa_select
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from hub.ocpi.base import utc_now
from hub.outbox.changes import Push, Target, absorbing, covers, merge, overlaps
from hub.outbox.recipients import Recipient, recipients
from hub.signals import mark_changes
from hub.tables.outbox import OutboxRecord, PushState

_CHUNK = 500
_ROW_COLUMNS = [c.name for c in OutboxRecord.__table__.columns if c.name != "id"]  # type: ignore[attr-defined]
_PENDING = sa_select(OutboxRecord.__table__).where(col(OutboxRecord.state) == PushState.PENDING)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Change:
    """A change to an object: what every partner entitled to it is to be told."""

    module: str
    country_code: str
    party_id: str
    object_id: str
    method: str
    body: dict[str, Any] | None
    evse_uid: str | None = None
    connector_id: str | None = None
    object_type: str | None = None
    # Sessions and CDRs: the (country_code, party_id) of the token's owner, their only recipient.
    token_owner: tuple[str, str] | None = None
    changed_at: datetime = field(default_factory=utc_now)

    @property
    def target(self) -> Target:
        return tuple(part for part in (self.evse_uid, self.connector_id) if part is not None)


def group_key(partner_id: int, module: str, country_code: str, party_id: str, object_key: str) -> str:
    """Pushes with one group key go out one at a time, in order: one object, one partner."""
    return f"{partner_id}|{module}|{country_code}|{party_id}|{object_key}"


def _object_key(change: Change) -> str:
    key = change.object_id.upper()
    return f"{key}|{change.object_type}" if change.object_type else key


def _dumps(body: dict[str, Any] | None) -> str | None:
    return None if body is None else orjson.dumps(body).decode()


@dataclass
class _Pending:
    """A row of the outbox (id set) or one this batch adds (id None), as a Push."""

    id: int | None
    push: Push
    row: dict[str, Any]
    dirty: bool = False
    superseded: bool = False
    # The row's changed_at as read: a merge writes only over the row as it was read.
    read_changed_at: datetime | None = None


# (group key, change, the outbox row it makes) for each change and recipient.
_Work = list[tuple[str, "Change", dict[str, Any]]]


def _target_of(row: dict[str, Any]) -> Target:
    return tuple(part for part in (row["evse_uid"], row["connector_id"]) if part is not None)


def _coalesce(queue: list[_Pending], change: Change, new_row: dict[str, Any]) -> None:
    """Add `change` to the pending pushes of one group (oldest first): older pushes it covers are
    superseded, the newest one that can take it absorbs it, otherwise it queues behind them."""
    newer = Push(change.module, change.target, change.method, change.body)
    for pending in reversed(queue):
        if pending.superseded:
            continue
        if newer.method in ("PUT", "DELETE") and covers(newer.target, pending.push.target):
            pending.superseded = True
            continue
        merged = merge(pending.push, newer)
        if merged is not None:
            pending.push = merged
            pending.dirty = True
            pending.row["changed_at"] = change.changed_at
            return
        if overlaps(pending.push.target, newer.target):
            break
    queue.append(_Pending(id=None, push=newer, row=new_row))


def _as_row(pending: _Pending) -> dict[str, Any]:
    push = pending.push
    target = [*push.target, None, None]
    return {
        **pending.row,
        "method": push.method,
        "body": _dumps(push.body),
        "evse_uid": target[0],
        "connector_id": target[1],
    }


class OutboxWriter:
    """Writes the pushes of one transaction's changes."""

    def __init__(
        self, session: AsyncSession, *, only_partner: int | None = None, exclude_partner: int | None = None
    ) -> None:
        self.session = session
        self.only_partner = only_partner
        # The partner a Hub got the change from (Broadcast Push): never sent back to it.
        self.exclude_partner = exclude_partner
        self._recipients: dict[tuple[str, tuple[str, str] | None, tuple[str, str]], list[Recipient]] = {}
        self._prepared: tuple[Sequence[Change], _Work, dict[str, list[_Pending]]] | None = None

    async def _recipients_of(self, change: Change) -> list[Recipient]:
        owner = (change.country_code, change.party_id)
        cache_key = (change.module, change.token_owner, owner)
        if cache_key not in self._recipients:
            found = await recipients(
                self.session, change.module, token_owner=change.token_owner, exclude=owner
            )
            if self.only_partner is not None:
                found = [r for r in found if r.partner_id == self.only_partner]
            if self.exclude_partner is not None:
                found = [r for r in found if r.partner_id != self.exclude_partner]
            self._recipients[cache_key] = found
        return self._recipients[cache_key]

    async def prepare(self, changes: Sequence[Change]) -> None:
        """Read what add(changes) needs (recipients, the pending pushes of these objects) before the
        transaction writes anything: on SQLite those reads then stay out of the one write lock."""
        work = await self._work(changes)
        self._prepared = (changes, work, await self._pending({key for key, _, _ in work}) if work else {})

    async def add(self, changes: Sequence[Change]) -> int:
        """Queue `changes` (in the order they happened) for every partner entitled to them; returns the
        number of partners' pushes written or merged."""
        if self._prepared is not None and self._prepared[0] is changes:
            _, work, queues = self._prepared
            self._prepared = None
        else:
            work = await self._work(changes)
            queues = await self._pending({key for key, _, _ in work}) if work else {}
        if not work:
            return 0
        for key, change, row in work:
            _coalesce(queues.setdefault(key, []), change, row)
        await self._write(queues)
        mark_changes(self.session)
        return len(work)

    async def _work(self, changes: Sequence[Change]) -> _Work:
        work: _Work = []
        for change in changes:
            for recipient in await self._recipients_of(change):
                key = group_key(
                    recipient.partner_id,
                    change.module,
                    change.country_code,
                    change.party_id,
                    _object_key(change),
                )
                work.append((key, change, self._new_row(recipient, key, change)))
        return work

    async def add_explicit(
        self,
        *,
        partner_id: int,
        module: str,
        url: str,
        method: str,
        body: dict[str, Any] | None,
        from_party: tuple[str, str],
        to_party: tuple[str, str] | None,
        object_id: str,
        command_id: int | None = None,
    ) -> None:
        """Queue one request to a URL the partner gave us (a command's response_url), on its own."""
        key = group_key(partner_id, module, from_party[0], from_party[1], f"{object_id}|{command_id}")
        row = {
            "partner_id": partner_id,
            "module": module,
            "group_key": key,
            "country_code": from_party[0],
            "party_id": from_party[1],
            "object_id": object_id,
            "evse_uid": None,
            "connector_id": None,
            "object_type": None,
            "method": method,
            "url": url,
            "body": _dumps(body),
            "to_country_code": to_party[0] if to_party else None,
            "to_party_id": to_party[1] if to_party else None,
            "command_id": command_id,
            "state": PushState.PENDING,
            "attempts": 0,
            "created_at": utc_now(),
            "changed_at": utc_now(),
            "next_attempt_at": utc_now(),
        }
        await self.session.exec(insert(OutboxRecord), params=[row])
        mark_changes(self.session)

    @staticmethod
    def _new_row(recipient: Recipient, key: str, change: Change) -> dict[str, Any]:
        now = utc_now()
        return {
            "partner_id": recipient.partner_id,
            "module": change.module,
            "group_key": key,
            "country_code": change.country_code,
            "party_id": change.party_id,
            "object_id": change.object_id,
            "evse_uid": change.evse_uid,
            "connector_id": change.connector_id,
            "object_type": change.object_type,
            "method": change.method,
            "url": None,
            "body": _dumps(change.body),
            "to_country_code": recipient.to_country_code,
            "to_party_id": recipient.to_party_id,
            "command_id": None,
            "state": PushState.PENDING,
            "attempts": 0,
            "created_at": change.changed_at,
            "changed_at": change.changed_at,
            "next_attempt_at": now,
        }

    async def _pending(self, keys: set[str]) -> dict[str, list[_Pending]]:
        queues: dict[str, list[_Pending]] = {}
        ordered = sorted(keys)
        # Core rows on the session's connection: no autoflush (a write that would start the transaction) and
        # none of the ORM's per-object bookkeeping.
        connection = await self.session.connection()
        for start in range(0, len(ordered), _CHUNK):
            statement = _PENDING.where(
                col(OutboxRecord.group_key).in_(ordered[start : start + _CHUNK])
            ).order_by(col(OutboxRecord.id))
            for found in (await connection.execute(statement)).mappings().all():
                row = {name: found[name] for name in _ROW_COLUMNS}
                push = Push(
                    row["module"],
                    _target_of(row),
                    row["method"],
                    None if row["body"] is None else orjson.loads(row["body"]),
                )
                queues.setdefault(row["group_key"], []).append(
                    _Pending(id=found["id"], push=push, row=row, read_changed_at=row["changed_at"])
                )
        return queues

    async def _write(self, queues: dict[str, list[_Pending]]) -> None:
        superseded = [p.id for q in queues.values() for p in q if p.superseded and p.id is not None]
        for start in range(0, len(superseded), _CHUNK):
            await self.session.exec(
                update(OutboxRecord)
                .where(
                    col(OutboxRecord.id).in_(superseded[start : start + _CHUNK]),
                    col(OutboxRecord.state) == PushState.PENDING,
                )
                .values(state=PushState.SUPERSEDED)
            )
        inserts: list[dict[str, Any]] = []
        for queue in queues.values():
            for pending in queue:
                if pending.superseded:
                    continue
                if pending.id is None:
                    inserts.append(_as_row(pending))
                elif pending.dirty:
                    row = _as_row(pending)
                    result = await self.session.exec(
                        update(OutboxRecord)
                        .where(
                            col(OutboxRecord.id) == pending.id,
                            col(OutboxRecord.state) == PushState.PENDING,
                            col(OutboxRecord.changed_at) == pending.read_changed_at,
                        )
                        .values(
                            method=row["method"],
                            body=row["body"],
                            evse_uid=row["evse_uid"],
                            connector_id=row["connector_id"],
                            changed_at=row["changed_at"],
                        )
                    )
                    if result.rowcount == 0:
                        # A worker claimed it meanwhile (or a writer merged into it since it was read): the
                        # merged state goes out after it.
                        inserts.append(row)
        if inserts:
            await self.session.exec(insert(OutboxRecord), params=inserts)


async def absorb_queued(session: AsyncSession, row_id: int, group_key: str) -> None:
    """A push back to pending after a failed attempt takes in the pushes of its object queued behind it while
    it was being sent, as far as they merge, so that the retry carries the latest state, not the history."""
    rows = (
        await session.exec(
            select(OutboxRecord)
            .where(
                col(OutboxRecord.group_key) == group_key,
                col(OutboxRecord.state) == PushState.PENDING,
                col(OutboxRecord.id) >= row_id,
            )
            .order_by(col(OutboxRecord.id))
        )
    ).all()
    if len(rows) < 2 or rows[0].id != row_id:
        return
    head = rows[0]
    push, changed_at, absorbed, queued = _push_of(head), head.changed_at, 0, rows[1:]
    for index, merged in absorbing(push, [_push_of(r) for r in queued]):
        newer = queued[index]
        # Only as the row was read: a writer may be merging a newer change into it in its own transaction.
        result = await session.exec(
            update(OutboxRecord)
            .where(
                col(OutboxRecord.id) == newer.id,
                col(OutboxRecord.state) == PushState.PENDING,
                col(OutboxRecord.method) == newer.method,
                col(OutboxRecord.changed_at) == newer.changed_at,
                col(OutboxRecord.body).is_(None)
                if newer.body is None
                else col(OutboxRecord.body) == newer.body,
            )
            .values(state=PushState.SUPERSEDED)
        )
        if result.rowcount == 0:
            break
        push, changed_at, absorbed = merged, newer.changed_at, absorbed + 1
    if not absorbed:
        return
    target = [*push.target, None, None]
    await session.exec(
        update(OutboxRecord)
        .where(col(OutboxRecord.id) == row_id)
        .values(
            method=push.method,
            body=_dumps(push.body),
            evse_uid=target[0],
            connector_id=target[1],
            changed_at=changed_at,
        )
    )


def _push_of(record: OutboxRecord) -> Push:
    target = tuple(part for part in (record.evse_uid, record.connector_id) if part is not None)
    return Push(
        record.module, target, record.method, None if record.body is None else orjson.loads(record.body)
    )
