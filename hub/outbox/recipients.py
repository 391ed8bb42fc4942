"""Who receives a push of which object (mod_locations, mod_tariffs, mod_tokens, mod_sessions, mod_cdrs,
mod_hub_client_info: each module's Receiver interface, "Push model")."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import bindparam, select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from hub.ocpi.enums import InterfaceRole, Role
from hub.tables import PartnerEndpointRecord, PartnerRecord, PartnerRoleRecord, PartnerStatus

# The roles that take our objects of a module; HUB because a hub passes them on to its parties; OTHER "is
# seen as an eMSP type of role" (transport_and_format_message_routing_broadcast_push).
_AUDIENCE: dict[str, tuple[str, ...]] = {
    "locations": (Role.EMSP, Role.NSP, Role.NAP, Role.OTHER, Role.HUB),
    "tariffs": (Role.EMSP, Role.NSP, Role.NAP, Role.OTHER, Role.HUB),
    "tokens": (Role.CPO, Role.HUB),
    "hubclientinfo": (Role.CPO, Role.EMSP, Role.NSP, Role.NAP, Role.SCSP, Role.OTHER),
}
# Sessions and CDRs go only to the party that owns the token they were charged with (mod_sessions: "the CPO
# sends the Session object to the eMSP"; the eMSP is the token's owner).
_TOKEN_OWNER_MODULES = ("sessions", "cdrs")


def audience(module: str) -> tuple[str, ...]:
    """The roles that are sent `module`'s objects (none for Sessions and CDRs: only the token's owner)."""
    return _AUDIENCE.get(module, ())


# Built once: constructing the joined select for every change cost more than running it.
_RECIPIENTS = (
    select(
        col(PartnerRoleRecord.partner_id),
        col(PartnerRoleRecord.role),
        col(PartnerRoleRecord.country_code),
        col(PartnerRoleRecord.party_id),
    )
    .join(PartnerRecord, col(PartnerRecord.id) == col(PartnerRoleRecord.partner_id))
    .join(PartnerEndpointRecord, col(PartnerEndpointRecord.partner_id) == col(PartnerRoleRecord.partner_id))
    .where(
        col(PartnerRecord.status) == PartnerStatus.REGISTERED,
        col(PartnerEndpointRecord.module) == bindparam("module"),
        col(PartnerEndpointRecord.interface_role) == InterfaceRole.RECEIVER,
    )
    .order_by(col(PartnerRoleRecord.partner_id), col(PartnerRoleRecord.id))
)


@dataclass(frozen=True)
class Recipient:
    partner_id: int
    to_country_code: str
    to_party_id: str


async def recipients(
    session: AsyncSession,
    module: str,
    *,
    token_owner: tuple[str, str] | None = None,
    exclude: tuple[str, str] | None = None,
) -> list[Recipient]:
    """Registered partners that implement `module`'s Receiver interface and may see the object; for
    Sessions and CDRs only the partner holding the role of the token's owner. `exclude` is the object's owner
    (a party is never sent its own objects)."""
    rows = (await (await session.connection()).execute(_RECIPIENTS, {"module": module})).all()
    found: dict[int, Recipient] = {}
    for partner_id, role, country_code, party_id in rows:
        if partner_id in found or (country_code, party_id) == exclude:
            continue
        if module in _TOKEN_OWNER_MODULES:
            wanted = role == Role.EMSP and (country_code, party_id) == token_owner
        else:
            wanted = role in _AUDIENCE.get(module, ())
        if wanted:
            found[partner_id] = Recipient(partner_id, country_code, party_id)
    return list(found.values())
