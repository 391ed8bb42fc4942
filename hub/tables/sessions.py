"""Stored Sessions (mod_sessions_session_object), each with its owner party."""

from __future__ import annotations

from sqlalchemy import Index, Integer, String, Text, UniqueConstraint
from sqlmodel import Column, Field

from hub.tables.objects import OwnedObject


class SessionRecord(OwnedObject, table=True):
    """A Session; the token owner columns let a CPO Sender list show each eMSP only its own sessions."""

    __tablename__ = "session"
    __table_args__ = (
        UniqueConstraint("country_code", "party_id", "object_key"),
        Index("ix_session_page", "partner_id", "token_country_code", "token_party_id", "last_updated", "id"),
    )

    id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True, autoincrement=True))
    # cdr_token.country_code / party_id, upper-cased: the eMSP the session is billed to.
    token_country_code: str = Field(sa_type=String(2))
    token_party_id: str = Field(sa_type=String(3))
    # The driver's last accepted ChargingPreferences (mod_sessions_charging_preferences_object) as JSON, for
    # our own sessions: they are not part of the Session object.
    charging_preferences: str | None = Field(default=None, sa_type=Text)
