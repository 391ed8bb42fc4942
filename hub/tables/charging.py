"""OCPP transactions at our stations and the OCPI Sessions they are (ocpp-notes §3.3), and the remote starts
waiting for the transaction they asked for (mod_commands START_SESSION, ocpp-notes §3.4)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, Integer, String, UniqueConstraint
from sqlmodel import Column, Field, SQLModel

from hub.tables.base import JsonDocument, UtcDateTime, utc_now


class TransactionRecord(SQLModel, table=True):
    """One transaction of one station. For a 1.6 station in standalone mode the row's `id` is the
    transactionId we gave it. `state` holds what building the Session needs between events (meter start,
    last register, charging state, the open charging period, seqNos seen)."""

    __tablename__ = "charging_transaction"
    __table_args__ = (
        UniqueConstraint("station_id", "transaction_id", name="uq_charging_transaction_station_tx"),
        UniqueConstraint("country_code", "party_id", "session_id", name="uq_charging_transaction_session"),
        Index("ix_charging_transaction_open", "station_id", "evse", "ended_at"),
    )

    id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True, autoincrement=True))
    station_id: str = Field(sa_type=String(64))
    # The OCPP transaction id (2.0.1: the station's; 1.6: ours, or the upstream CSMS's in bridge mode).
    transaction_id: str | None = Field(default=None, sa_type=String(36))
    evse: int | None = Field(default=None)
    connector: int | None = Field(default=None)
    # The OCPI Session: our CPO party, its id, and where it is.
    country_code: str = Field(sa_type=String(2))
    party_id: str = Field(sa_type=String(3))
    session_id: str = Field(sa_type=String(36))
    location_id: str = Field(sa_type=String(36))
    evse_uid: str | None = Field(default=None, sa_type=String(36))
    connector_id: str | None = Field(default=None, sa_type=String(36))
    status: str = Field(default="PENDING", sa_type=String(16))
    started_at: datetime = Field(sa_type=UtcDateTime)
    ended_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    last_seq_no: int | None = Field(default=None)
    last_event_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    last_patch_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    cdr_id: str | None = Field(default=None, sa_type=String(39))
    state: dict[str, Any] = Field(default_factory=dict, sa_type=JsonDocument)
    updated_at: datetime = Field(default_factory=utc_now, sa_type=UtcDateTime)


class RemoteStartRecord(SQLModel, table=True):
    """A START_SESSION sent to a station; its `id` is the 2.0.1 remoteStartId. Used once, by the transaction
    it started."""

    __tablename__ = "remote_start"
    __table_args__ = (Index("ix_remote_start_station", "station_id", "evse", "created_at"),)

    id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True, autoincrement=True))
    station_id: str = Field(sa_type=String(64))
    evse: int | None = Field(default=None)
    connector: int | None = Field(default=None)
    id_token: str = Field(sa_type=String(36))
    # The OCPI Token of the START_SESSION and its authorization_reference, for the Session and CDR.
    token: dict[str, Any] = Field(default_factory=dict, sa_type=JsonDocument)
    authorization_reference: str | None = Field(default=None, sa_type=String(36))
    created_at: datetime = Field(default_factory=utc_now, sa_type=UtcDateTime)
    used_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
