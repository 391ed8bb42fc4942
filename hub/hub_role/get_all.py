"""GET All via Hubs (transport_and_format_get_all_via_hubs): a GET on the hub's Sender interface addressed to
the hub "can then combine objects from different connected parties and return them to the client", each with
its owner's `country_code` and `party_id` as stored.

A caller sees the objects it would be sent by Broadcast Push (the module's audience: eMSP-type roles for
Locations and Tariffs, CPOs for Tokens) of the parties connected now (registered and not suspended), its own,
and those of our local parties; nothing of parties that left or are suspended."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from fastapi import Request, Response
from sqlalchemy import ColumnElement, and_, false, func, or_, tuple_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from hub.auth import Caller
from hub.config import Settings
from hub.errors import UnknownReceiverError
from hub.hub_role.mode import hub_parties
from hub.modules.local_parties import owners_with_role
from hub.modules.objects import Owner, key, list_response, parse_page
from hub.ocpi.enums import Role
from hub.ocpi.headers import PartyRef, RoutingHeaders
from hub.ocpi.pagination import PageRequest
from hub.outbox.recipients import audience
from hub.partners.repository import PartnerRepository
from hub.tables import PartnerRecord, PartnerStatus
from hub.tables.objects import OwnedObject

R = TypeVar("R", bound=OwnedObject)


async def readable_partners(session: AsyncSession, caller: Caller, module: str) -> list[int]:
    """The partners whose stored objects of `module` the caller may read: every connected partner when one of
    the caller's roles is in the module's audience, otherwise only itself."""
    roles = {role.role for role in await PartnerRepository(session).roles(caller.partner_id)}
    if not roles & set(audience(module)):
        return [caller.partner_id]
    connected = await session.exec(
        select(col(PartnerRecord.id)).where(
            col(PartnerRecord.status) == PartnerStatus.REGISTERED, col(PartnerRecord.suspended_at).is_(None)
        )
    )
    return sorted({caller.partner_id, *(pid for pid in connected.all() if pid is not None)})


def _visible(table: type[R], local: Sequence[Owner], partners: Sequence[int]) -> ColumnElement[bool]:
    mine: list[ColumnElement[bool]] = []
    if local:
        mine.append(
            and_(
                col(table.partner_id).is_(None),
                tuple_(col(table.country_code), col(table.party_id)).in_(
                    [(o.country_code, o.party_id) for o in local]
                ),
            )
        )
    if partners:
        mine.append(col(table.partner_id).in_(list(partners)))
    return or_(*mine) if mine else false()


async def combined_page(
    session: AsyncSession,
    table: type[R],
    *,
    local: Sequence[Owner],
    partners: Sequence[int],
    page: PageRequest,
) -> tuple[int, list[str]]:
    """(total matching, bodies of this page) over our local parties' objects and those the partners pushed, in
    one stable order: oldest `last_updated` first, the row id breaking ties (DESIGN decision 7)."""
    conditions = [_visible(table, local, partners)]
    if page.date_from is not None:
        conditions.append(col(table.last_updated) >= page.date_from)
    if page.date_to is not None:
        conditions.append(col(table.last_updated) < page.date_to)
    total = (await session.exec(select(func.count()).select_from(table).where(*conditions))).one()
    if page.limit == 0:
        return int(total), []
    rows = await session.exec(
        select(col(table.body))
        .where(*conditions)
        .order_by(col(table.last_updated), col(table.id))  # type: ignore[attr-defined]
        .offset(page.offset)
        .limit(page.limit)
    )
    return int(total), list(rows.all())


async def get_all(
    request: Request,
    session: AsyncSession,
    settings: Settings,
    caller: Caller,
    *,
    module: str,
    table: type[R],
    owner_role: Role,
    routing: RoutingHeaders,
) -> Response:
    """The Sender list of `module` served by the hub: every object the caller may read, paginated."""
    page = parse_page(request, settings.page_limit)
    total, bodies = await combined_page(
        session,
        table,
        local=sorted(owners_with_role(settings, owner_role), key=str),
        partners=await readable_partners(session, caller, module),
        page=page,
    )
    response = list_response(request, settings.base_url, page, total, bodies, settings.page_limit)
    response.headers.update(await _answer_routing(session, settings, caller, routing))
    return response


async def _answer_routing(
    session: AsyncSession, settings: Settings, caller: Caller, routing: RoutingHeaders
) -> dict[str, str]:
    """ "GET All via Hubs response": TO the requesting party (its OCPI-from-*, else the caller's only party),
    FROM the hub."""
    requester = routing.from_
    if requester is None:
        parties = {
            (r.country_code, r.party_id) for r in await PartnerRepository(session).roles(caller.partner_id)
        }
        requester = PartyRef(*parties.pop()) if len(parties) == 1 else None
    hub = hub_parties(settings)[0]
    return RoutingHeaders(to=requester, from_=PartyRef(hub.country_code, hub.party_id)).as_headers()


async def find_one(
    session: AsyncSession,
    settings: Settings,
    caller: Caller,
    *,
    module: str,
    table: type[R],
    owner_role: Role,
    object_id: str,
    what: str,
) -> R | None:
    """One object by the id a Sender URL names (no owner in it) among those the caller may read; ours first.
    Two parties' objects with that id are ambiguous: the caller must address one with OCPI-to-* (4001)."""
    local = sorted(owners_with_role(settings, owner_role), key=str)
    partners = await readable_partners(session, caller, module)
    found = (
        await session.exec(
            select(table)
            .where(col(table.object_key) == key(object_id), _visible(table, local, partners))
            .order_by(col(table.id))  # type: ignore[attr-defined]
        )
    ).all()
    own = [record for record in found if record.partner_id is None]
    if own:
        return own[0]
    if len(found) > 1:
        parties = ", ".join(sorted(f"{r.country_code}*{r.party_id}" for r in found))
        raise UnknownReceiverError(
            f"{what} {object_id} is one of several parties' ({parties}): name its owner in the "
            "OCPI-to-country-code and OCPI-to-party-id headers"
        )
    return found[0] if found else None
