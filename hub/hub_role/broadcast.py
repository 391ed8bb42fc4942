"""Broadcast Push (transport_and_format_message_routing_broadcast_push): a party's Locations, Tariffs and
Tokens sent to the hub are stored, as every Receiver stores them, and passed on through the outbox "to all
connected clients with an opposite role" that implement the module, never back to the sender. Sessions and
CDRs are never broadcast ("specific to only one party")."""

from __future__ import annotations

from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from hub.ocpi.enums import Role
from hub.outbox.enqueue import Change, OutboxWriter
from hub.partners.repository import PartnerRepository

_ADDRESSED_TO_HUB = "hub.addressed_to_hub"


async def _is_hub(session: AsyncSession, partner_id: int) -> bool:
    return any(role.role == Role.HUB for role in await PartnerRepository(session).roles(partner_id))


def mark_addressed_to_hub(session: AsyncSession) -> None:
    session.sync_session.info[_ADDRESSED_TO_HUB] = True


def broadcasting(session: AsyncSession) -> bool:
    """Whether the partner writes of this session's request are a Broadcast Push to pass on."""
    return bool(session.sync_session.info.get(_ADDRESSED_TO_HUB, False))


async def broadcast(
    session: AsyncSession,
    sender_partner_id: int | None,
    module: str,
    owner: tuple[str, str],
    object_id: str,
    method: str,
    body: dict[str, Any] | None,
    *,
    evse_uid: str | None = None,
    connector_id: str | None = None,
    object_type: str | None = None,
    unchanged: bool = False,
) -> None:
    """Queue a partner's change of one of its objects, as stored (`last_updated` untouched), for every other
    connected party entitled to it, when this request is a Broadcast Push; otherwise nothing. `unchanged`: the
    stored object is the same as before, which from another Hub is an echo of what hubs already passed on
    (hubs connected in a ring would pass it round forever), so it goes no further."""
    if sender_partner_id is None or not broadcasting(session):
        return
    if unchanged and await _is_hub(session, sender_partner_id):
        return
    change = Change(
        module=module,
        country_code=owner[0],
        party_id=owner[1],
        object_id=object_id,
        method=method,
        body=body,
        evse_uid=evse_uid,
        connector_id=connector_id,
        object_type=object_type,
    )
    await OutboxWriter(session, exclude_partner=sender_partner_id).add([change])
