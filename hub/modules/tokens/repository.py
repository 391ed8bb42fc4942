"""Tokens: all SQL on stored Tokens (mod_tokens_token_object) and on what real-time authorization needs.

A Token is keyed by (country_code, party_id, uid, type)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from hub.modules.objects import ObjectRepository, Owner, key
from hub.ocpi.enums import InterfaceRole, ModuleID, Role
from hub.ocpi.v221.token_types import TokenType
from hub.tables import LocationRecord, PartnerEndpointRecord, PartnerRecord, PartnerRoleRecord, PartnerStatus
from hub.tables.tokens import TokenRecord


def token_id(uid: str, token_type: TokenType) -> str:
    """The id a Token is stored under in ObjectRepository terms: uid and type together identify a Token
    within its eMSP ("The combination of uid and type should be unique")."""
    return f"{token_type.value}:{uid}"


class TokenRepository(ObjectRepository[TokenRecord]):
    def __init__(self, session: AsyncSession) -> None:
        super().__init__(session, TokenRecord)

    async def pushed(self, uid: str, token_type: TokenType) -> Sequence[TokenRecord]:
        """Tokens with this uid and type that registered partners pushed to us, whoever owns them."""
        statement = (
            select(TokenRecord)
            .join(PartnerRecord, col(PartnerRecord.id) == col(TokenRecord.partner_id))
            .where(
                col(TokenRecord.object_key) == key(token_id(uid, token_type)),
                col(PartnerRecord.status) == PartnerStatus.REGISTERED,
            )
            .order_by(col(TokenRecord.last_updated).desc(), col(TokenRecord.id).desc())
        )
        return (await self.session.exec(statement)).all()

    async def own(self, uid: str, token_type: TokenType) -> TokenRecord | None:
        """One of our own Tokens with this uid and type, of any of our parties."""
        statement = (
            select(TokenRecord)
            .where(
                col(TokenRecord.object_key) == key(token_id(uid, token_type)),
                col(TokenRecord.partner_id).is_(None),
            )
            .order_by(col(TokenRecord.id))
        )
        return (await self.session.exec(statement)).first()


async def tokens_sender_url(session: AsyncSession, partner_id: int) -> str | None:
    """The partner's Tokens SENDER endpoint (where its eMSP answers POST .../authorize), if any."""
    statement = select(col(PartnerEndpointRecord.url)).where(
        col(PartnerEndpointRecord.partner_id) == partner_id,
        col(PartnerEndpointRecord.module) == ModuleID.TOKENS.value,
        col(PartnerEndpointRecord.interface_role) == InterfaceRole.SENDER.value,
    )
    url = (await session.exec(statement)).first()
    return None if url is None else str(url)


async def authorizing_partners(session: AsyncSession) -> list[int]:
    """Registered partners that could answer a real-time authorization for a Token we do not know: those
    with an EMSP or HUB role and a Tokens SENDER endpoint."""
    statement = (
        select(col(PartnerRecord.id))
        .join(PartnerRoleRecord, col(PartnerRoleRecord.partner_id) == col(PartnerRecord.id))
        .join(PartnerEndpointRecord, col(PartnerEndpointRecord.partner_id) == col(PartnerRecord.id))
        .where(
            col(PartnerRecord.status) == PartnerStatus.REGISTERED,
            col(PartnerRoleRecord.role).in_([Role.EMSP.value, Role.HUB.value]),
            col(PartnerEndpointRecord.module) == ModuleID.TOKENS.value,
            col(PartnerEndpointRecord.interface_role) == InterfaceRole.SENDER.value,
        )
        .distinct()
        .order_by(col(PartnerRecord.id))
    )
    return [partner_id for partner_id in (await session.exec(statement)).all() if partner_id is not None]


async def own_location_owner(session: AsyncSession, location_id: str) -> Owner | None:
    """The CPO party of one of our own Locations, if `location_id` is one."""
    statement = (
        select(LocationRecord)
        .where(col(LocationRecord.object_key) == key(location_id), col(LocationRecord.partner_id).is_(None))
        .order_by(col(LocationRecord.id))
    )
    record = (await session.exec(statement)).first()
    return None if record is None else Owner.of(record.country_code, record.party_id)
