"""Partners: remote platforms registered through the credentials handshake (credentials.asciidoc)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlmodel import Column, Field, SQLModel

from hub.tables.base import JsonDocument, UtcDateTime, utc_now


class PartnerStatus(StrEnum):
    INVITED = "INVITED"  # we issued token A and wait for the partner's POST
    CONNECTING = "CONNECTING"  # we are POSTing our credentials to the partner
    REGISTERED = "REGISTERED"
    UNREGISTERED = "UNREGISTERED"


class TokenKind(StrEnum):
    INVITATION = "INVITATION"  # CREDENTIALS_TOKEN_A: versions and credentials only, works once
    PENDING = "PENDING"  # a token we offered in a POST/PUT not yet confirmed: versions and credentials only
    ACTIVE = "ACTIVE"


class PartnerRecord(SQLModel, table=True):
    __tablename__ = "partner"

    id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True, autoincrement=True))
    name: str = Field(sa_type=String(255))
    status: str = Field(sa_type=String(16))
    version: str | None = Field(default=None, sa_type=String(16))
    versions_url: str | None = Field(default=None, sa_type=String(255))
    # The token we call the partner with; it has to be sent, so it cannot be hashed.
    token_out: str | None = Field(default=None, sa_type=String(64))
    send_raw_token: bool = Field(default=False)
    created_at: datetime = Field(default_factory=utc_now, sa_type=UtcDateTime)
    updated_at: datetime = Field(default_factory=utc_now, sa_type=UtcDateTime)
    # Set while our calls to the partner fail (HubClientInfo OFFLINE); an operator's suspension (SUSPENDED).
    unreachable_since: datetime | None = Field(default=None, sa_type=UtcDateTime)
    suspended_at: datetime | None = Field(default=None, sa_type=UtcDateTime)


class PartnerTokenRecord(SQLModel, table=True):
    """A token a partner calls us with; only its SHA-256 is stored."""

    __tablename__ = "partner_token"

    token_hash: str = Field(sa_type=String(64), primary_key=True)
    partner_id: int = Field(
        sa_column=Column(Integer, ForeignKey("partner.id", ondelete="CASCADE"), index=True, nullable=False)
    )
    kind: str = Field(sa_type=String(16))
    created_at: datetime = Field(default_factory=utc_now, sa_type=UtcDateTime)


class PartnerRoleRecord(SQLModel, table=True):
    """One CredentialsRole of a partner; country_code and party_id are stored upper-cased (CiString)."""

    __tablename__ = "partner_role"
    __table_args__ = (UniqueConstraint("partner_id", "role", "country_code", "party_id"),)

    id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True, autoincrement=True))
    partner_id: int = Field(
        sa_column=Column(Integer, ForeignKey("partner.id", ondelete="CASCADE"), index=True, nullable=False)
    )
    role: str = Field(sa_type=String(8))
    country_code: str = Field(sa_type=String(2), index=True)
    party_id: str = Field(sa_type=String(3), index=True)
    business_details: dict[str, Any] = Field(sa_type=JsonDocument)


class PartnerEndpointRecord(SQLModel, table=True):
    """One endpoint from the partner's version details, per (module, interface role)."""

    __tablename__ = "partner_endpoint"
    __table_args__ = (UniqueConstraint("partner_id", "module", "interface_role"),)

    id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True, autoincrement=True))
    partner_id: int = Field(
        sa_column=Column(Integer, ForeignKey("partner.id", ondelete="CASCADE"), index=True, nullable=False)
    )
    module: str = Field(sa_type=String(64))
    interface_role: str = Field(sa_type=String(16))
    url: str = Field(sa_type=String(255))
