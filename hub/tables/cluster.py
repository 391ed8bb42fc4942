"""Several hub processes on one PostgreSQL (DESIGN: Scale): each process's lease, and the charger calls one
process hands to the process holding the charger's websocket."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, Integer, String
from sqlmodel import Column, Field, SQLModel

from hub.tables.base import JsonDocument, UtcDateTime, utc_now


class ProcessRecord(SQLModel, table=True):
    """A running process that holds OCPP websockets. `process_id` is its StationHub's gateway_id, the one its
    stations carry in `station.gateway_id`; the process owns them while `lease_until` is ahead."""

    __tablename__ = "hub_process"

    process_id: str = Field(sa_type=String(64), primary_key=True)
    kind: str = Field(sa_type=String(32))
    host: str = Field(sa_type=String(255))
    pid: int = Field(sa_type=Integer)
    started_at: datetime = Field(default_factory=utc_now, sa_type=UtcDateTime)
    lease_until: datetime = Field(sa_type=UtcDateTime)


class ChargerCallRecord(SQLModel, table=True):
    """One ChargerCommands call relayed from the process `caller` to the process `owner` holding the station's
    websocket: its arguments, and the result once the owner answered (both JSON, see hub.cluster.codec)."""

    __tablename__ = "charger_call"
    __table_args__ = (Index("ix_charger_call_owner", "owner", "claimed_at"),)

    id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True, autoincrement=True))
    station_id: str = Field(sa_type=String(64))
    caller: str = Field(sa_type=String(64))
    owner: str = Field(sa_type=String(64))
    method: str = Field(sa_type=String(64))
    arguments: dict[str, Any] = Field(default_factory=dict, sa_type=JsonDocument)
    created_at: datetime = Field(default_factory=utc_now, sa_type=UtcDateTime, index=True)
    deadline: datetime = Field(sa_type=UtcDateTime)
    claimed_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    result: dict[str, Any] | None = Field(default=None, sa_type=JsonDocument)
    answered_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
