"""Tokens of the availability feed for navigation apps (a non-OCPI interface of ours)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String
from sqlmodel import Column, Field, SQLModel

from hub.tables.base import UtcDateTime, utc_now


class FeedTokenRecord(SQLModel, table=True):
    __tablename__ = "feed_token"

    id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True, autoincrement=True))
    name: str = Field(sa_type=String(255))
    # Only the SHA-256 of the token is stored.
    token_hash: str = Field(sa_type=String(64), unique=True)
    created_at: datetime = Field(default_factory=utc_now, sa_type=UtcDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
