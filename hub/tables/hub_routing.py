"""What the Hub role remembers to route between parties (transport_and_format_message_routing): URLs of one
party that another party reaches through the hub, and which party an object was routed to."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlmodel import Column, Field, SQLModel

from hub.tables.base import UtcDateTime, utc_now


class HubCallbackRecord(SQLModel, table=True):
    """A URL of `partner_id` (a command's response_url, a CDR's Location) replaced, in what the hub
    forwarded, by the hub URL ending in `callback_id`; a call there is forwarded to `url`."""

    __tablename__ = "hub_callback"

    id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True, autoincrement=True))
    callback_id: str = Field(sa_type=String(64), unique=True)
    kind: str = Field(sa_type=String(16))  # "response_url" or "cdr_location"
    partner_id: int = Field(
        sa_column=Column(Integer, ForeignKey("partner.id", ondelete="CASCADE"), index=True, nullable=False)
    )
    url: str = Field(sa_type=String(512))
    # The party allowed to call the hub URL (the one the original request was forwarded to).
    caller_partner_id: int | None = Field(default=None)
    created_at: datetime = Field(default_factory=utc_now, sa_type=UtcDateTime)


class HubRouteRecord(SQLModel, table=True):
    """Open routing's memory: the party an object of `module` was last routed to, so that later requests
    about it without OCPI-to-* headers (a Session PATCH, a STOP_SESSION) reach the same party."""

    __tablename__ = "hub_route"
    __table_args__ = (Index("ix_hub_route_object", "module", "object_key", unique=True),)

    id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True, autoincrement=True))
    module: str = Field(sa_type=String(32))
    object_key: str = Field(sa_type=String(120))
    partner_id: int = Field(
        sa_column=Column(Integer, ForeignKey("partner.id", ondelete="CASCADE"), index=True, nullable=False)
    )
    country_code: str = Field(sa_type=String(2))
    party_id: str = Field(sa_type=String(3))
    updated_at: datetime = Field(default_factory=utc_now, sa_type=UtcDateTime)
