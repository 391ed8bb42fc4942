"""Charging stations connected over OCPP: which Location, EVSEs and Connectors each one's OCPP connectors are,
its credentials, and the state of its connection (DESIGN decision 8)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Index, Integer, String
from sqlmodel import Column, Field, SQLModel

from hub.tables.base import JsonDocument, UtcDateTime, utc_now


class ConnectionState(StrEnum):
    CONNECTED = "connected"  # the websocket is open and the station talks
    SILENT = "silent"  # the websocket is open but nothing arrived for 3 heartbeat intervals
    OFFLINE = "offline"  # no websocket


class StationRecord(SQLModel, table=True):
    """One OCPP station (1.6 Charge Point or 2.0.1 Charging Station). `connectors` maps OCPP addresses to our
    EVSEs and Connectors: [{"evse": 1, "connector": 1, "evse_uid": "...", "connector_id": "..."}]; `statuses`
    holds the OCPI status of each OCPP address ("evse/connector", "0/0" for the station) as reported on the
    current connection, emptied when the connection ends."""

    __tablename__ = "station"
    __table_args__ = (Index("ix_station_connection", "connection", "last_seen_at"),)

    id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True, autoincrement=True))
    # The OCPP identity: the last segment of the websocket URL (2.0.1 allows 48 characters).
    station_id: str = Field(sa_type=String(64), unique=True)
    # Our CPO party owning the Location; all three NULL for an auto-registered station not yet mapped.
    country_code: str | None = Field(default=None, sa_type=String(2))
    party_id: str | None = Field(default=None, sa_type=String(3))
    location_id: str | None = Field(default=None, sa_type=String(36))
    connectors: list[dict[str, Any]] = Field(default_factory=list, sa_type=JsonDocument)
    # Security profile 1 (HTTP Basic): a salted PBKDF2 hash; NULL means no password is asked.
    password_hash: str | None = Field(default=None, sa_type=String(255))
    upstream_url: str | None = Field(default=None, sa_type=String(255))
    auto_registered: bool = Field(default=False)
    connection: str = Field(default=ConnectionState.OFFLINE, sa_type=String(16))
    # The websocket the state belongs to (a late close of a replaced socket must not mark the new one offline)
    # and the process holding it.
    connection_id: str | None = Field(default=None, sa_type=String(36))
    gateway_id: str | None = Field(default=None, sa_type=String(64))
    protocol: str | None = Field(default=None, sa_type=String(16))
    connected_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    disconnected_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    last_seen_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    heartbeat_interval: int | None = Field(default=None)
    boot: dict[str, Any] | None = Field(default=None, sa_type=JsonDocument)
    statuses: dict[str, Any] = Field(default_factory=dict, sa_type=JsonDocument)
    created_at: datetime = Field(default_factory=utc_now, sa_type=UtcDateTime)
    updated_at: datetime = Field(default_factory=utc_now, sa_type=UtcDateTime)
