"""Stored Tokens (mod_tokens_token_object): those partners push to us and our own eMSP parties'."""

from __future__ import annotations

from sqlalchemy import Index, Integer, Text, UniqueConstraint
from sqlmodel import Column, Field

from hub.tables.objects import OwnedObject


class TokenRecord(OwnedObject, table=True):
    """A Token. Its key is (country_code, party_id, uid, type): `object_key` is `<TYPE>:<UID>` upper-cased
    (a TokenType contains no colon, so the first one separates the two)."""

    __tablename__ = "token"
    __table_args__ = (
        UniqueConstraint("country_code", "party_id", "object_key"),
        Index("ix_token_page", "partner_id", "country_code", "party_id", "last_updated", "id"),
        # A charger presents only uid and type: the CPO-side lookup does not know the owner.
        Index("ix_token_object_key", "object_key"),
    )

    id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True, autoincrement=True))
    # Our own Tokens only: how our eMSP answers real-time authorizations beyond `valid` (AllowedType,
    # allowed Locations, a text for the driver), as JSON. Never published; NULL for partners' Tokens.
    policy: str | None = Field(default=None, sa_type=Text)
