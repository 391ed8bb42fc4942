"""Change events: one row per change to our own data, written in the same transaction as the change,
for delivery to partners."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, Text
from sqlmodel import Column, Field, SQLModel

from hub.tables.base import UtcDateTime, utc_now


class ChangeEventRecord(SQLModel, table=True):
    __tablename__ = "change_event"

    id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True, autoincrement=True))
    module: str = Field(sa_type=String(32), index=True)
    country_code: str = Field(sa_type=String(2))
    party_id: str = Field(sa_type=String(3))
    object_id: str = Field(sa_type=String(36))
    evse_uid: str | None = Field(default=None, sa_type=String(36))
    connector_id: str | None = Field(default=None, sa_type=String(36))
    # PUT carries the full object, PATCH only the changed fields (with last_updated), DELETE nothing.
    method: str = Field(sa_type=String(8))
    body: str | None = Field(default=None, sa_type=Text)
    created_at: datetime = Field(default_factory=utc_now, sa_type=UtcDateTime, index=True)
