"""The operator's own records beyond OCPI: site power limits for load balancing, the EVSE status history and
the authorization outcomes that utilisation reports are computed from."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Index, Integer, Numeric, String, UniqueConstraint
from sqlmodel import Column, Field, SQLModel

from hub.tables.base import JsonDocument, UtcDateTime, utc_now


class SitePowerLimitRecord(SQLModel, table=True):
    """The grid connection of one of our Locations: `limit_kw` always, and `schedule` a list of
    {"days": [1..7] (ISO weekday; absent = every day), "from": "HH:MM", "to": "HH:MM", "limit_kw": n} windows
    in the Location's time zone that lower (or raise) it at those hours."""

    __tablename__ = "site_power_limit"
    __table_args__ = (UniqueConstraint("country_code", "party_id", "location_id"),)

    id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True, autoincrement=True))
    country_code: str = Field(sa_type=String(2))
    party_id: str = Field(sa_type=String(3))
    location_id: str = Field(sa_type=String(36))
    limit_kw: Decimal = Field(sa_type=Numeric(10, 3))
    schedule: list[dict[str, Any]] = Field(default_factory=list, sa_type=JsonDocument)
    created_at: datetime = Field(default_factory=utc_now, sa_type=UtcDateTime)
    updated_at: datetime = Field(default_factory=utc_now, sa_type=UtcDateTime)


class EvseStatusChangeRecord(SQLModel, table=True):
    """One EVSE of ours entering `status` at `changed_at`; the interval lasts until the EVSE's next row.
    Written with every change of an EVSE status (change events are pruned, this history is not)."""

    __tablename__ = "evse_status_history"
    __table_args__ = (
        Index(
            "ix_evse_status_history_evse", "country_code", "party_id", "location_id", "evse_uid", "changed_at"
        ),
        Index("ix_evse_status_history_changed_at", "changed_at"),
    )

    id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True, autoincrement=True))
    country_code: str = Field(sa_type=String(2))
    party_id: str = Field(sa_type=String(3))
    location_id: str = Field(sa_type=String(36))
    evse_uid: str = Field(sa_type=String(36))
    status: str = Field(sa_type=String(16))
    changed_at: datetime = Field(sa_type=UtcDateTime)


class AuthorizationEventRecord(SQLModel, table=True):
    """One authorization or start decided at one of our Locations: `kind` authorize (a station's Authorize or
    a start's idTag check), start (a transaction the station began) or remote_start (a START_SESSION);
    `outcome` the OCPI AllowedType or CommandResponseType (ALLOWED, BLOCKED, EXPIRED, NO_CREDIT, NOT_ALLOWED,
    ACCEPTED, REJECTED, ...). The token itself is not kept."""

    __tablename__ = "authorization_log"
    __table_args__ = (
        Index("ix_authorization_log_location", "country_code", "party_id", "location_id", "at"),
    )

    id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True, autoincrement=True))
    country_code: str = Field(sa_type=String(2))
    party_id: str = Field(sa_type=String(3))
    location_id: str = Field(sa_type=String(36))
    evse_uid: str | None = Field(default=None, sa_type=String(36))
    station_id: str | None = Field(default=None, sa_type=String(64))
    kind: str = Field(sa_type=String(16))
    outcome: str = Field(sa_type=String(24))
    at: datetime = Field(default_factory=utc_now, sa_type=UtcDateTime)
