"""The outbox: pushes to partners written in the same transaction as the change they carry, delivered by the
worker (DESIGN decision 5; transport_and_format_client_owned_object_push)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlmodel import Column, Field, SQLModel

from hub.tables.base import UtcDateTime, utc_now


class PushState(StrEnum):
    PENDING = "PENDING"  # due at next_attempt_at; newer changes of the same object merge into it
    SENDING = "SENDING"  # claimed by a worker until lease_until
    DELIVERED = "DELIVERED"  # the partner accepted it
    DEAD = "DEAD"  # refused in a way retrying cannot fix (HTTP 4xx, OCPI 2xxx): see last_error
    GAVE_UP = "GAVE_UP"  # retried for the whole window; the partner's module needs a resync
    SUPERSEDED = "SUPERSEDED"  # a newer full state replaced it before it was sent


OPEN_STATES = (PushState.PENDING, PushState.SENDING)


class OutboxRecord(SQLModel, table=True):
    """One push to one partner. Pushes of one object to one partner (`group_key`) go out one at a time, oldest
    first, so that the partner never sees an older state after a newer one."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_due", "state", "next_attempt_at"),
        Index("ix_outbox_group", "group_key", "state", "id"),
    )

    id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True, autoincrement=True))
    partner_id: int = Field(
        sa_column=Column(Integer, ForeignKey("partner.id", ondelete="CASCADE"), index=True, nullable=False)
    )
    module: str = Field(sa_type=String(32))
    group_key: str = Field(sa_type=String(160))
    # The object's owner, its id as stored, and where in it the change is (EVSE, Connector), or a token's type.
    country_code: str = Field(sa_type=String(2))
    party_id: str = Field(sa_type=String(3))
    object_id: str = Field(sa_type=String(64))
    evse_uid: str | None = Field(default=None, sa_type=String(36))
    connector_id: str | None = Field(default=None, sa_type=String(36))
    object_type: str | None = Field(default=None, sa_type=String(16))
    method: str = Field(sa_type=String(8))
    # An explicit target (a command's response_url); otherwise the partner's endpoint for the module.
    url: str | None = Field(default=None, sa_type=String(512))
    body: str | None = Field(default=None, sa_type=Text)
    to_country_code: str | None = Field(default=None, sa_type=String(2))
    to_party_id: str | None = Field(default=None, sa_type=String(3))
    # The command or charging-profile request whose result this is.
    command_id: int | None = Field(default=None)
    state: str = Field(sa_type=String(12))
    attempts: int = Field(default=0)
    created_at: datetime = Field(default_factory=utc_now, sa_type=UtcDateTime)
    changed_at: datetime = Field(default_factory=utc_now, sa_type=UtcDateTime)
    next_attempt_at: datetime = Field(default_factory=utc_now, sa_type=UtcDateTime)
    lease_until: datetime | None = Field(default=None, sa_type=UtcDateTime)
    delivered_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    last_error: str | None = Field(default=None, sa_type=Text)


class PushAttemptRecord(SQLModel, table=True):
    """One attempt to deliver an outbox row, with what the partner answered."""

    __tablename__ = "push_attempt"

    id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True, autoincrement=True))
    outbox_id: int = Field(
        sa_column=Column(Integer, ForeignKey("outbox.id", ondelete="CASCADE"), index=True, nullable=False)
    )
    at: datetime = Field(default_factory=utc_now, sa_type=UtcDateTime, index=True)
    method: str = Field(sa_type=String(8))
    url: str = Field(sa_type=String(512))
    outcome: str = Field(sa_type=String(16))
    http_status: int | None = Field(default=None)
    ocpi_status: int | None = Field(default=None)
    duration_ms: float = Field(default=0.0)
    excerpt: str | None = Field(default=None, sa_type=Text)


class ResyncRecord(SQLModel, table=True):
    """A partner's module whose pushes we gave up on: it has to GET our data (or be sent it again)."""

    __tablename__ = "push_resync"

    partner_id: int = Field(
        sa_column=Column(Integer, ForeignKey("partner.id", ondelete="CASCADE"), primary_key=True)
    )
    module: str = Field(sa_type=String(32), primary_key=True)
    since: datetime = Field(default_factory=utc_now, sa_type=UtcDateTime)
    reason: str = Field(sa_type=Text)
