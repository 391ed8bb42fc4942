"""A fake partner stored as registered, as a credentials handshake would have left it (credentials module):
its roles, its Receiver endpoints and the token we call it with."""

from __future__ import annotations

from collections.abc import Iterable

from sqlmodel.ext.asyncio.session import AsyncSession

from hub.tables import PartnerEndpointRecord, PartnerRecord, PartnerRoleRecord, PartnerStatus
from tests.outbox.fake_partner import FakePartner


async def store_partner(
    session: AsyncSession,
    fake: FakePartner,
    *,
    roles: Iterable[tuple[str, str, str]] | None = None,
    receivers: Iterable[str] | None = None,
) -> int:
    """Add the partner's rows to `session` (flushed, not committed) and return its id; `roles` and
    `receivers` default to the fake's own."""
    partner = PartnerRecord(
        name=fake.name,
        status=PartnerStatus.REGISTERED,
        version="2.2.1",
        versions_url=fake.versions_url,
        token_out=fake.token,
    )
    session.add(partner)
    await session.flush()
    assert partner.id is not None
    for role, country_code, party_id in roles or fake.roles:
        session.add(
            PartnerRoleRecord(
                partner_id=partner.id,
                role=role,
                country_code=country_code,
                party_id=party_id,
                business_details={"name": f"{fake.name} {role}"},
            )
        )
    for module in fake.receivers if receivers is None else receivers:
        session.add(
            PartnerEndpointRecord(
                partner_id=partner.id, module=module, interface_role="RECEIVER", url=fake.endpoint(module)
            )
        )
    await session.flush()
    return partner.id
