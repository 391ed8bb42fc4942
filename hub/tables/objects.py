"""OCPI objects we store, each with its owner party (DESIGN: every OCPI object has an owner party).

The body is the object's JSON exactly as it is served, so a Sender page is the stored bodies joined,
not models rebuilt per request."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String, Text, UniqueConstraint
from sqlmodel import Column, Field, SQLModel

from hub.tables.base import UtcDateTime


class OwnedObject(SQLModel):
    """Columns shared by every stored OCPI object."""

    country_code: str = Field(sa_type=String(2))
    party_id: str = Field(sa_type=String(3))
    # CiString ids compare case-insensitively: the upper-cased id is the lookup key; the body keeps the original.
    object_key: str = Field(sa_type=String(64))
    # NULL for our own (local parties') objects; otherwise the partner that pushed it.
    partner_id: int | None = Field(default=None, foreign_key="partner.id")
    last_updated: datetime = Field(sa_type=UtcDateTime)
    body: str = Field(sa_type=Text)


class LocationRecord(OwnedObject, table=True):
    """A Location with its EVSEs and Connectors nested in the body (mod_locations_location_object)."""

    __tablename__ = "location"
    __table_args__ = (
        UniqueConstraint("country_code", "party_id", "object_key"),
        Index("ix_location_page", "partner_id", "country_code", "party_id", "last_updated", "id"),
    )

    id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True, autoincrement=True))


class TariffRecord(OwnedObject, table=True):
    """A Tariff (mod_tariffs_tariff_object)."""

    __tablename__ = "tariff"
    __table_args__ = (
        UniqueConstraint("country_code", "party_id", "object_key"),
        Index("ix_tariff_page", "partner_id", "country_code", "party_id", "last_updated", "id"),
    )

    id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True, autoincrement=True))
