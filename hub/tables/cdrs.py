"""Stored CDRs (mod_cdrs_cdr_object), each with its owner party; a CDR never changes once stored."""

from __future__ import annotations

from sqlalchemy import Index, Integer, String, UniqueConstraint
from sqlmodel import Column, Field

from hub.tables.objects import OwnedObject


class CdrRecord(OwnedObject, table=True):
    """A CDR; the token owner columns let a CPO Sender list show each eMSP only its own CDRs."""

    __tablename__ = "cdr"
    __table_args__ = (
        UniqueConstraint("country_code", "party_id", "object_key"),
        Index("ix_cdr_page", "partner_id", "token_country_code", "token_party_id", "last_updated", "id"),
    )

    id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True, autoincrement=True))
    # cdr_token.country_code / party_id, upper-cased: the eMSP that pays the bill.
    token_country_code: str = Field(sa_type=String(2))
    token_party_id: str = Field(sa_type=String(3))
