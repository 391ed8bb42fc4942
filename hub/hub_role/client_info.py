"""HubClientInfo push model (mod_hub_client_info_push_model): "Any changes to ClientInfo in the Hub system are
sent to the connected party system by calling the PUT method", through the outbox, whenever a party
connects, disconnects, is suspended or resumed, or stops or starts answering our calls."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel.ext.asyncio.session import AsyncSession

from hub.config import Settings
from hub.hub_role.mode import is_hub
from hub.ocpi.envelope import dump
from hub.ocpi.v221.hub_client_info import ClientInfo
from hub.outbox.enqueue import Change, OutboxWriter

MODULE = "hubclientinfo"


def _changes(infos: Sequence[ClientInfo]) -> list[Change]:
    # One push per party and role: a newer state of the same ClientInfo supersedes a pending one.
    return [
        Change(
            module=MODULE,
            country_code=info.country_code,
            party_id=info.party_id,
            object_id=info.role.value,
            method="PUT",
            body=dump(info),
        )
        for info in infos
    ]


async def announce(
    session: AsyncSession, settings: Settings, partner_id: int, *, joined: bool = False
) -> None:
    """In hub mode, queue the ClientInfo of each credentials role of the partner, as it is now, for every other
    connected party implementing the hubclientinfo Receiver. `joined`: the partner has just connected, so it
    is also sent the ClientInfo of every other party ("When the Hub creates a new ClientInfo object they push
    it to the connected parties": to the newcomer, every object is new)."""
    if not is_hub(settings):
        return
    # Imported here: hub.modules loads every module, and their admin routers import the partner registration
    # that calls this function.
    from hub.modules.hub_client_info.service import client_infos, partner_client_infos

    await OutboxWriter(session, exclude_partner=partner_id).add(
        _changes(await partner_client_infos(session, partner_id))
    )
    if joined:
        others = await client_infos(session, settings, exclude_partner_id=partner_id)
        await OutboxWriter(session, only_partner=partner_id).add(_changes(others))
