"""Feed tokens: issued by the operator (`ocpi-hub feed-token create`), stored as a SHA-256 hash only, revocable."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from pydantic import BaseModel
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from hub.db import SessionMaker
from hub.security import hash_token, new_token
from hub.tables.base import utc_now
from hub.tables.feeds import FeedTokenRecord


class FeedTokenNotFoundError(LookupError):
    """No feed token has this id."""


class FeedTokenInfo(BaseModel):
    """A feed token as listed: never the token itself, which only its holder has."""

    id: int
    name: str
    created_at: datetime
    revoked_at: datetime | None

    @classmethod
    def of(cls, record: FeedTokenRecord) -> FeedTokenInfo:
        assert record.id is not None
        return cls(id=record.id, name=record.name, created_at=record.created_at, revoked_at=record.revoked_at)


class NewFeedToken(FeedTokenInfo):
    """A token just created: the one time the token is shown."""

    token: str


async def create(sessionmaker: SessionMaker, *, name: str) -> NewFeedToken:
    token = new_token()
    async with sessionmaker() as session:
        record = FeedTokenRecord(name=name, token_hash=hash_token(token))
        session.add(record)
        await session.commit()
    return NewFeedToken(**FeedTokenInfo.of(record).model_dump(), token=token)


async def list_tokens(sessionmaker: SessionMaker) -> list[FeedTokenInfo]:
    async with sessionmaker() as session:
        records = (await session.exec(select(FeedTokenRecord).order_by(col(FeedTokenRecord.id)))).all()
    return [FeedTokenInfo.of(record) for record in records]


async def revoke(sessionmaker: SessionMaker, token_id: int) -> FeedTokenInfo:
    """Revoke a token; revoking it again keeps the first revocation time."""
    async with sessionmaker() as session:
        record = await session.get(FeedTokenRecord, token_id)
        if record is None:
            raise FeedTokenNotFoundError(f"no feed token with id {token_id} (see `ocpi-hub feed-token list`)")
        if record.revoked_at is None:
            record.revoked_at = utc_now()
            session.add(record)
            await session.commit()
    return FeedTokenInfo.of(record)


async def find_active(session: AsyncSession, token: str) -> FeedTokenRecord | None:
    """The unrevoked token record matching `token`, found by its hash."""
    statement = select(FeedTokenRecord).where(
        col(FeedTokenRecord.token_hash) == hash_token(token), col(FeedTokenRecord.revoked_at).is_(None)
    )
    return (await session.exec(statement)).first()


async def revoked_among(session: AsyncSession, token_ids: Collection[int]) -> set[int]:
    """Which of these tokens have been revoked (or no longer exist)."""
    if not token_ids:
        return set()
    statement = select(FeedTokenRecord.id).where(
        col(FeedTokenRecord.id).in_(list(token_ids)), col(FeedTokenRecord.revoked_at).is_(None)
    )
    active = {token_id for token_id in (await session.exec(statement)).all() if token_id is not None}
    return set(token_ids) - active
