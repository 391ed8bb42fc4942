"""What the outbox holds per partner: pending pushes, their age, refusals, and modules needing a resync
(DESIGN decision 5: visible in metrics and the admin API)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlalchemy import select as columns
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from hub.ocpi.base import format_datetime, utc_now
from hub.tables import PartnerRecord
from hub.tables.outbox import OutboxRecord, PushAttemptRecord, PushState, ResyncRecord

_COUNTED = (PushState.PENDING, PushState.SENDING, PushState.DEAD, PushState.GAVE_UP)


@dataclass
class ModuleOutbox:
    pending: int = 0
    sending: int = 0
    dead: int = 0
    gave_up: int = 0
    oldest_pending_at: datetime | None = None
    needs_resync_since: datetime | None = None
    resync_reason: str | None = None


@dataclass
class PartnerOutbox:
    partner_id: int
    name: str
    modules: dict[str, ModuleOutbox] = field(default_factory=dict)

    @property
    def pending(self) -> int:
        return sum(m.pending + m.sending for m in self.modules.values())

    @property
    def dead(self) -> int:
        return sum(m.dead for m in self.modules.values())

    @property
    def oldest_pending_seconds(self) -> float:
        stamps = [m.oldest_pending_at for m in self.modules.values() if m.oldest_pending_at is not None]
        return max(0.0, (utc_now() - min(stamps)).total_seconds()) if stamps else 0.0

    @property
    def needs_resync(self) -> list[str]:
        return sorted(name for name, m in self.modules.items() if m.needs_resync_since is not None)


async def outbox_summary(session: AsyncSession, partner_id: int | None = None) -> list[PartnerOutbox]:
    """Per partner (or for one), per module: counts by state, oldest open push, resync marks."""
    partners_query = select(PartnerRecord).order_by(col(PartnerRecord.id))
    if partner_id is not None:
        partners_query = partners_query.where(col(PartnerRecord.id) == partner_id)
    partners = {
        p.id: PartnerOutbox(p.id, p.name)
        for p in (await session.exec(partners_query)).all()
        if p.id is not None
    }
    counts = (
        columns(
            col(OutboxRecord.partner_id),
            col(OutboxRecord.module),
            col(OutboxRecord.state),
            func.count(),
            func.min(col(OutboxRecord.created_at)),
        )
        .where(col(OutboxRecord.state).in_(_COUNTED))
        .group_by(col(OutboxRecord.partner_id), col(OutboxRecord.module), col(OutboxRecord.state))
    )
    if partner_id is not None:
        counts = counts.where(col(OutboxRecord.partner_id) == partner_id)
    for pid, module, state, count, oldest in (await (await session.connection()).execute(counts)).all():
        if pid not in partners:
            continue
        entry = partners[pid].modules.setdefault(module, ModuleOutbox())
        setattr(entry, state.lower(), int(count))
        if state in (PushState.PENDING, PushState.SENDING) and oldest is not None:
            oldest = oldest if oldest.tzinfo else oldest.replace(tzinfo=utc_now().tzinfo)
            if entry.oldest_pending_at is None or oldest < entry.oldest_pending_at:
                entry.oldest_pending_at = oldest
    marks = select(ResyncRecord)
    if partner_id is not None:
        marks = marks.where(col(ResyncRecord.partner_id) == partner_id)
    for mark in (await session.exec(marks)).all():
        if mark.partner_id in partners:
            entry = partners[mark.partner_id].modules.setdefault(mark.module, ModuleOutbox())
            entry.needs_resync_since, entry.resync_reason = mark.since, mark.reason
    return list(partners.values())


def _stamp(value: datetime | None) -> str | None:
    return None if value is None else format_datetime(value)


async def partner_outbox(
    session: AsyncSession, partner_id: int, *, recent: int = 20
) -> dict[str, Any] | None:
    """The admin view of one partner's outbox: per module counts and marks, and its latest refusals and
    failed attempts with what the partner answered."""
    summary = await outbox_summary(session, partner_id)
    if not summary:
        return None
    partner = summary[0]
    refused = (
        await session.exec(
            select(OutboxRecord)
            .where(
                col(OutboxRecord.partner_id) == partner_id,
                col(OutboxRecord.state).in_((PushState.DEAD, PushState.GAVE_UP)),
            )
            .order_by(col(OutboxRecord.id).desc())
            .limit(recent)
        )
    ).all()
    failures = (
        await session.exec(
            select(PushAttemptRecord)
            .join(OutboxRecord, col(OutboxRecord.id) == col(PushAttemptRecord.outbox_id))
            .where(col(OutboxRecord.partner_id) == partner_id, col(PushAttemptRecord.outcome) != "delivered")
            .order_by(col(PushAttemptRecord.id).desc())
            .limit(recent)
        )
    ).all()
    return {
        "partner_id": partner.partner_id,
        "name": partner.name,
        "pending": partner.pending,
        "dead": partner.dead,
        "oldest_pending_seconds": round(partner.oldest_pending_seconds, 3),
        "needs_resync": partner.needs_resync,
        "modules": {
            name: {
                "pending": m.pending,
                "sending": m.sending,
                "dead": m.dead,
                "gave_up": m.gave_up,
                "oldest_pending_at": _stamp(m.oldest_pending_at),
                "needs_resync_since": _stamp(m.needs_resync_since),
                "resync_reason": m.resync_reason,
            }
            for name, m in sorted(partner.modules.items())
        },
        "refused": [
            {
                "id": r.id,
                "module": r.module,
                "state": r.state,
                "method": r.method,
                "object_id": r.object_id,
                "attempts": r.attempts,
                "reason": r.last_error,
            }
            for r in refused
        ],
        "recent_failures": [
            {
                "outbox_id": a.outbox_id,
                "at": _stamp(a.at),
                "method": a.method,
                "url": a.url,
                "outcome": a.outcome,
                "http_status": a.http_status,
                "ocpi_status": a.ocpi_status,
                "duration_ms": round(a.duration_ms, 1),
                "reply": a.excerpt,
            }
            for a in failures
        ],
    }
