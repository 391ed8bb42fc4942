"""Who may see which of our Sessions and CDRs (mod_sessions_pull_model, mod_cdrs_pull_model): "a server is not
required to return all objects to a client", and a CPO "is allowed to return only the CDRs that are relevant
for the requesting eMSP". We return only those whose `cdr_token` belongs to one of the caller's
CredentialsRoles, so no eMSP sees another eMSP's drivers (the spec also keeps Sessions and CDRs out of
broadcasts for privacy)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ColumnElement, func, tuple_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from hub.auth import Caller
from hub.modules.objects import Owner
from hub.ocpi.enums import Role
from hub.ocpi.headers import RoutingHeaders
from hub.ocpi.pagination import PageRequest
from hub.partners.repository import PartnerRepository
from hub.tables.cdrs import CdrRecord
from hub.tables.sessions import SessionRecord


async def token_owners(
    session: AsyncSession, caller: Caller, routing: RoutingHeaders | None = None
) -> list[Owner]:
    """The parties whose tokens the caller may see: its CredentialsRoles, and for a Hub the party it asks for
    (OCPI-from-*), which the hub speaks for."""
    roles = await PartnerRepository(session).roles(caller.partner_id)
    owners = {Owner.of(r.country_code, r.party_id) for r in roles}
    if routing is not None and routing.from_ is not None and any(r.role == Role.HUB for r in roles):
        owners.add(Owner.of(routing.from_.country_code, routing.from_.party_id))
    return sorted(owners, key=str)


def owns_token(owners: Sequence[Owner], country_code: str, party_id: str) -> bool:
    return Owner.of(country_code, party_id) in owners


async def page_for_token_owners(
    session: AsyncSession,
    table: type[SessionRecord] | type[CdrRecord],
    *,
    owners: Sequence[Owner],
    token_owners: Sequence[Owner],
    page: PageRequest,
) -> tuple[int, list[str]]:
    """Our own objects (owned by `owners`) billed to one of `token_owners`, for a Sender list: (total
    matching, bodies of this page), oldest `last_updated` first with the row id as tie-breaker."""
    if not owners or not token_owners:
        return 0, []
    conditions: list[ColumnElement[bool]] = [
        col(table.partner_id).is_(None),
        tuple_(col(table.country_code), col(table.party_id)).in_(
            [(o.country_code, o.party_id) for o in owners]
        ),
        tuple_(col(table.token_country_code), col(table.token_party_id)).in_(
            [(o.country_code, o.party_id) for o in token_owners]
        ),
    ]
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
        .order_by(col(table.last_updated), col(table.id))
        .offset(page.offset)
        .limit(page.limit)
    )
    return int(total), list(rows.all())
