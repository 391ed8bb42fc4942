"""Events an internal CSMS pushed to `POST /internal/v1/events`, kept by event id so that a repeated event is
answered as the first time and applied once (DESIGN: data flow, internal CSMS)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String, Text
from sqlmodel import Column, Field, SQLModel

from hub.tables.base import UtcDateTime, utc_now


class InternalEventRecord(SQLModel, table=True):
    __tablename__ = "internal_event"
    __table_args__ = (Index("ix_internal_event_station", "station_id", "received_at"),)

    id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True, autoincrement=True))
    # The CSMS's own id of the event: unique, the key of idempotency.
    event_id: str = Field(sa_type=String(64), unique=True)
    station_id: str = Field(sa_type=String(64))
    kind: str = Field(sa_type=String(32))
    # The event's own time, and its sequence number within the station when the CSMS numbers them.
    occurred_at: datetime = Field(sa_type=UtcDateTime)
    sequence: int | None = Field(default=None)
    received_at: datetime = Field(default_factory=utc_now, sa_type=UtcDateTime)
    # The answer given the first time (JSON), repeated for a duplicate.
    result: str = Field(default="{}", sa_type=Text)
