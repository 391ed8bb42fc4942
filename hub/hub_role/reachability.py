"""Whether a connected party answers our calls (mod_hub_client_info: OFFLINE, "Connection to party is not
available"): the delivery worker reports what its pushes found, and a change becomes a ClientInfo push."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import and_, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from hub.config import Settings
from hub.hub_role.client_info import announce
from hub.ocpi.base import utc_now
from hub.outbox.delivery import Attempt, Outcome
from hub.tables import PartnerRecord, PartnerStatus


def answered(attempt: Attempt) -> bool | None:
    """What one push attempt says about the partner: True when it answered below HTTP 500, False when it did
    not answer at all or answered 5xx, None when the attempt never reached it (no token or endpoint, or an
    error of ours)."""
    if attempt.http_status is not None:
        return attempt.http_status < 500
    if attempt.outcome != Outcome.RETRY or attempt.reason.startswith("internal error"):
        return None
    return False


async def record_reachability(
    session: AsyncSession, settings: Settings, *, answered: Collection[int], unanswered: Collection[int]
) -> list[int]:
    """Mark registered partners that did not answer (transport error, timeout, HTTP 5xx) unreachable and those
    that answered reachable again; a partner in both answered. Returns the partners whose state changed, each
    of which is announced to the others (in hub mode)."""
    failing = set(unanswered) - set(answered)
    if not answered and not failing:
        return []
    # Only those whose state changes: usually none, so the delivery worker's batches stay one cheap query.
    partners = (
        await session.exec(
            select(PartnerRecord).where(
                col(PartnerRecord.status) == PartnerStatus.REGISTERED,
                or_(
                    and_(
                        col(PartnerRecord.id).in_(sorted(answered)),
                        col(PartnerRecord.unreachable_since).is_not(None),
                    ),
                    and_(
                        col(PartnerRecord.id).in_(sorted(failing)),
                        col(PartnerRecord.unreachable_since).is_(None),
                    ),
                ),
            )
        )
    ).all()
    now = utc_now()
    changed: list[int] = []
    for partner in partners:
        assert partner.id is not None
        down = partner.id in failing
        partner.unreachable_since = now if down else None
        # ClientInfo.last_updated follows the partner's updated_at.
        partner.updated_at = now
        session.add(partner)
        changed.append(partner.id)
    if changed:
        await session.flush()
        for partner_id in changed:
            await announce(session, settings, partner_id)
    return changed
