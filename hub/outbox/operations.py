"""What an operator does about a partner's pushes: resend our current state of a module (after a resync mark
or on demand) and retry refused pushes (DESIGN decision 5)."""

from __future__ import annotations

from typing import Any

import orjson
from sqlalchemy import delete, or_, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from hub.ocpi.base import utc_now
from hub.outbox.enqueue import Change, OutboxWriter
from hub.tables.objects import LocationRecord, OwnedObject, TariffRecord
from hub.tables.outbox import OutboxRecord, PushState, ResyncRecord
from hub.tables.sessions import SessionRecord
from hub.tables.tokens import TokenRecord

RESENDABLE: dict[str, type[OwnedObject]] = {
    "locations": LocationRecord,
    "tariffs": TariffRecord,
    "tokens": TokenRecord,
    "sessions": SessionRecord,
}
_CHUNK = 500


class UnknownModuleError(ValueError):
    """Not a module whose objects we push with PUT."""


def _change(module: str, record: OwnedObject, body: dict[str, Any]) -> Change:
    token_owner = None
    if module == "sessions":
        token_owner = (body["cdr_token"]["country_code"].upper(), body["cdr_token"]["party_id"].upper())
    return Change(
        module=module,
        country_code=record.country_code,
        party_id=record.party_id,
        object_id=body["uid"] if module == "tokens" else body["id"],
        method="PUT",
        body=body,
        object_type=body.get("type") if module == "tokens" else None,
        token_owner=token_owner,
    )


async def resend(session: AsyncSession, partner_id: int, modules: list[str]) -> dict[str, int]:
    """Queue a PUT of every object of ours in `modules` the partner is entitled to, and clear their resync
    marks; returns the pushes queued per module. Pending pushes of those objects are merged away."""
    unknown = [m for m in modules if m not in RESENDABLE]
    if unknown:
        raise UnknownModuleError(
            f"cannot resend {', '.join(unknown)}: choose among {', '.join(sorted(RESENDABLE))}"
        )
    queued: dict[str, int] = {}
    for module in modules:
        table = RESENDABLE[module]
        writer = OutboxWriter(session, only_partner=partner_id)
        count, last_id = 0, 0
        while True:
            records = (
                await session.exec(
                    select(table)
                    .where(col(table.partner_id).is_(None), col(table.id) > last_id)  # type: ignore[attr-defined]
                    .order_by(col(table.id))  # type: ignore[attr-defined]
                    .limit(_CHUNK)
                )
            ).all()
            if not records:
                break
            last_id = records[-1].id  # type: ignore[attr-defined]
            changes = [_change(module, r, orjson.loads(r.body)) for r in records]
            count += await writer.add(changes)
        await session.exec(
            delete(ResyncRecord).where(
                col(ResyncRecord.partner_id) == partner_id, col(ResyncRecord.module) == module
            )
        )
        queued[module] = count
    return queued


async def requeue_refused(session: AsyncSession, partner_id: int) -> int:
    """Send the CDRs and command results the partner refused for good (e.g. after it fixed the cause) once
    more, now. Refused state pushes are not resent as they were (a newer state may have followed): `resend`
    sends the current state instead."""
    now = utc_now()
    owed = or_(
        col(OutboxRecord.module) == "cdrs",
        col(OutboxRecord.command_id).is_not(None),
        col(OutboxRecord.url).is_not(None),
    )
    result = await session.exec(
        update(OutboxRecord)
        .where(col(OutboxRecord.partner_id) == partner_id, col(OutboxRecord.state) == PushState.DEAD, owed)
        .values(state=PushState.PENDING, next_attempt_at=now, created_at=now, last_error=None)
    )
    return int(result.rowcount)
