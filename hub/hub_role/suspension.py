"""Suspending a connected party (mod_hub_client_info: SUSPENDED): while suspended its calls to the functional
modules are refused (HTTP 403), pushes to it wait, parties routing to it get 4003, and every other party is
told by a ClientInfo push; resuming undoes all of it."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from hub.config import Settings
from hub.hub_role.client_info import announce
from hub.ocpi.base import utc_now
from hub.partners.repository import PartnerRepository
from hub.tables import PartnerRecord


class UnknownPartnerError(LookupError):
    """No partner with this id."""


async def set_suspended(
    session: AsyncSession, settings: Settings, partner_id: int, *, suspended: bool
) -> PartnerRecord:
    """Suspend or resume the partner; doing it twice changes nothing (a suspension keeps its first time)."""
    repo = PartnerRepository(session)
    partner = await repo.get(partner_id)
    if partner is None:
        raise UnknownPartnerError(f"no partner with id {partner_id}")
    if (partner.suspended_at is not None) == suspended:
        return partner
    partner.suspended_at = utc_now() if suspended else None
    await repo.save(partner)
    await announce(session, settings, partner_id)
    return partner
