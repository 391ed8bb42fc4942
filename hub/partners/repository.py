"""All SQL on the partner tables."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import delete
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from hub.security import hash_token
from hub.signals import mark_credentials
from hub.tables import (
    PartnerEndpointRecord,
    PartnerRecord,
    PartnerRoleRecord,
    PartnerStatus,
    PartnerTokenRecord,
    TokenKind,
)
from hub.tables.base import utc_now


@dataclass(frozen=True)
class TokenMatch:
    partner: PartnerRecord
    kind: TokenKind
    token: str


@dataclass(frozen=True)
class DiscoveredEndpoint:
    module: str
    interface_role: str
    url: str


class PartnerRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def find_by_token(self, candidates: Sequence[str]) -> TokenMatch | None:
        """The partner owning the first of `candidates` that is a known token."""
        if not candidates:
            return None
        hashes = {hash_token(token): token for token in candidates}
        rows = (
            await self.session.exec(
                select(PartnerTokenRecord, PartnerRecord)
                .join(PartnerRecord, col(PartnerRecord.id) == col(PartnerTokenRecord.partner_id))
                .where(col(PartnerTokenRecord.token_hash).in_(list(hashes)))
            )
        ).all()
        by_hash = {token_row.token_hash: (token_row, partner) for token_row, partner in rows}
        for token_hash, token in hashes.items():
            if token_hash in by_hash:
                token_row, partner = by_hash[token_hash]
                return TokenMatch(partner=partner, kind=TokenKind(token_row.kind), token=token)
        return None

    async def get(self, partner_id: int) -> PartnerRecord | None:
        return await self.session.get(PartnerRecord, partner_id)

    async def list(self) -> Sequence[PartnerRecord]:
        return (await self.session.exec(select(PartnerRecord).order_by(col(PartnerRecord.id)))).all()

    async def create(
        self, *, name: str, status: PartnerStatus, versions_url: str | None = None
    ) -> PartnerRecord:
        partner = PartnerRecord(name=name, status=status, versions_url=versions_url)
        self.session.add(partner)
        await self.session.flush()
        return partner

    async def add_token(self, partner: PartnerRecord, token: str, kind: TokenKind) -> None:
        assert partner.id is not None
        self.session.add(PartnerTokenRecord(token_hash=hash_token(token), partner_id=partner.id, kind=kind))
        await self.session.flush()

    async def drop_tokens(self, partner: PartnerRecord, *, except_token: str | None = None) -> None:
        mark_credentials(self.session)
        statement = delete(PartnerTokenRecord).where(col(PartnerTokenRecord.partner_id) == partner.id)
        if except_token is not None:
            statement = statement.where(col(PartnerTokenRecord.token_hash) != hash_token(except_token))
        await self.session.exec(statement)

    async def drop_token(self, token: str) -> None:
        mark_credentials(self.session)
        await self.session.exec(
            delete(PartnerTokenRecord).where(col(PartnerTokenRecord.token_hash) == hash_token(token))
        )

    async def activate_token(self, partner: PartnerRecord, token: str) -> None:
        """Make `token` the partner's only token (a rotation ends the old one)."""
        mark_credentials(self.session)
        await self.drop_tokens(partner, except_token=token)
        row = await self.session.get(PartnerTokenRecord, hash_token(token))
        if row is None:
            await self.add_token(partner, token, TokenKind.ACTIVE)
        else:
            row.kind = TokenKind.ACTIVE
            self.session.add(row)
        await self.session.flush()

    async def roles(self, partner_id: int) -> Sequence[PartnerRoleRecord]:
        return (
            await self.session.exec(
                select(PartnerRoleRecord)
                .where(col(PartnerRoleRecord.partner_id) == partner_id)
                .order_by(col(PartnerRoleRecord.id))
            )
        ).all()

    async def endpoints(self, partner_id: int) -> Sequence[PartnerEndpointRecord]:
        return (
            await self.session.exec(
                select(PartnerEndpointRecord)
                .where(col(PartnerEndpointRecord.partner_id) == partner_id)
                .order_by(col(PartnerEndpointRecord.id))
            )
        ).all()

    async def registered_role_owner(self, role: str, country_code: str, party_id: str) -> int | None:
        """Id of a registered partner that already holds this CredentialsRole, if any."""
        row = (
            await self.session.exec(
                select(col(PartnerRoleRecord.partner_id))
                .join(PartnerRecord, col(PartnerRecord.id) == col(PartnerRoleRecord.partner_id))
                .where(
                    col(PartnerRoleRecord.role) == role,
                    col(PartnerRoleRecord.country_code) == country_code.upper(),
                    col(PartnerRoleRecord.party_id) == party_id.upper(),
                    col(PartnerRecord.status) == PartnerStatus.REGISTERED,
                )
            )
        ).first()
        return None if row is None else int(row)

    async def replace_roles(self, partner: PartnerRecord, roles: Sequence[PartnerRoleRecord]) -> None:
        mark_credentials(self.session)
        await self.session.exec(
            delete(PartnerRoleRecord).where(col(PartnerRoleRecord.partner_id) == partner.id)
        )
        assert partner.id is not None
        for role in roles:
            role.partner_id = partner.id
            self.session.add(role)
        await self.session.flush()

    async def replace_endpoints(
        self, partner: PartnerRecord, endpoints: Sequence[DiscoveredEndpoint]
    ) -> None:
        await self.session.exec(
            delete(PartnerEndpointRecord).where(col(PartnerEndpointRecord.partner_id) == partner.id)
        )
        assert partner.id is not None
        for endpoint in endpoints:
            self.session.add(
                PartnerEndpointRecord(
                    partner_id=partner.id,
                    module=endpoint.module,
                    interface_role=endpoint.interface_role,
                    url=endpoint.url,
                )
            )
        await self.session.flush()

    async def save(self, partner: PartnerRecord) -> None:
        mark_credentials(self.session)
        partner.updated_at = utc_now()
        self.session.add(partner)
        await self.session.flush()

    async def delete(self, partner: PartnerRecord) -> None:
        mark_credentials(self.session)
        await self.session.delete(partner)
        await self.session.flush()
