"""Commands and charging-profile requests we send and receive, with their state (mod_commands, mod_charging_profiles)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Index, Integer, String, Text, UniqueConstraint
from sqlmodel import Column, Field, SQLModel

from hub.tables.base import UtcDateTime, utc_now


class CommandDirection(StrEnum):
    SENT = "SENT"  # we are the Sender (eMSP/SCSP): we asked a CPO partner
    RECEIVED = "RECEIVED"  # we are the Receiver (CPO): a partner asked us


class CommandState(StrEnum):
    SENDING = "SENDING"  # SENT: our request is on its way to the partner
    SEND_FAILED = "SEND_FAILED"  # SENT: the partner was unreachable or refused the request (see error)
    ANSWERED = "ANSWERED"  # the synchronous response was not ACCEPTED: no result follows
    WAITING = "WAITING"  # ACCEPTED: the result is due before timeout_at
    COMPLETED = "COMPLETED"  # the result is in
    TIMED_OUT = "TIMED_OUT"  # no result before timeout_at (stored for RECEIVED, shown for SENT)


class CommandRecord(SQLModel, table=True):
    """One command or charging-profile request and what became of it. JSON columns hold the wire objects:
    the request as sent (with its response_url), the synchronous response, the asynchronous result."""

    __tablename__ = "command"
    __table_args__ = (Index("ix_command_session", "direction", "module", "session_key"),)

    id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True, autoincrement=True))
    direction: str = Field(sa_type=String(8))
    module: str = Field(sa_type=String(32))  # "commands" or "chargingprofiles"
    # A CommandType, or SET_CHARGING_PROFILE / GET_ACTIVE_CHARGING_PROFILE / CLEAR_PROFILE.
    command: str = Field(sa_type=String(32))
    partner_id: int | None = Field(default=None, foreign_key="partner.id", index=True)
    # The other side's party (RECEIVED: the requesting eMSP; SENT: the CPO addressed, when known) and ours.
    country_code: str | None = Field(default=None, sa_type=String(2))
    party_id: str | None = Field(default=None, sa_type=String(3))
    local_country_code: str | None = Field(default=None, sa_type=String(2))
    local_party_id: str | None = Field(default=None, sa_type=String(3))
    session_id: str | None = Field(default=None, sa_type=String(36))
    session_key: str | None = Field(default=None, sa_type=String(64))  # upper-cased session_id (CiString)
    location_key: str | None = Field(default=None, sa_type=String(64))
    # SENT: the unguessable last segment of the response_url we gave; only the partner may POST to it.
    callback_id: str | None = Field(default=None, sa_type=String(64), unique=True)
    response_url: str = Field(sa_type=String(255))
    request: str = Field(sa_type=Text)
    response: str | None = Field(default=None, sa_type=Text)
    result: str | None = Field(default=None, sa_type=Text)
    state: str = Field(sa_type=String(16))
    error: str | None = Field(default=None, sa_type=Text)
    created_at: datetime = Field(default_factory=utc_now, sa_type=UtcDateTime)
    updated_at: datetime = Field(default_factory=utc_now, sa_type=UtcDateTime)
    timeout_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    result_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    # RECEIVED: when the result reached the Sender's response_url (error says why it did not).
    delivered_at: datetime | None = Field(default=None, sa_type=UtcDateTime)


class ReservationRecord(SQLModel, table=True):
    """A reservation made through ReserveNow. Its `id` is the reservation id the charger sees: "The CPO SHALL
    make sure the Reservation ID sent to the Charge Point is unique and is not used by another Sender"."""

    __tablename__ = "command_reservation"
    __table_args__ = (
        UniqueConstraint(
            "local_country_code",
            "local_party_id",
            "location_key",
            "country_code",
            "party_id",
            "reservation_key",
            name="uq_command_reservation_key",
        ),
    )

    id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True, autoincrement=True))
    partner_id: int | None = Field(default=None, foreign_key="partner.id")
    country_code: str = Field(sa_type=String(2))  # the eMSP that reserved
    party_id: str = Field(sa_type=String(3))
    reservation_key: str = Field(sa_type=String(64))  # upper-cased ReserveNow.reservation_id (CiString)
    local_country_code: str = Field(sa_type=String(2))  # our CPO party owning the Location
    local_party_id: str = Field(sa_type=String(3))
    location_key: str = Field(sa_type=String(64))
    location_id: str = Field(sa_type=String(36))
    evse_uid: str | None = Field(default=None, sa_type=String(36))
    created_at: datetime = Field(default_factory=utc_now, sa_type=UtcDateTime)
    updated_at: datetime = Field(default_factory=utc_now, sa_type=UtcDateTime)


class ActiveChargingProfileRecord(SQLModel, table=True):
    """The latest ActiveChargingProfile a CPO partner told us for one of its Sessions (by PUT on our Sender
    interface or in an ActiveChargingProfileResult)."""

    __tablename__ = "active_charging_profile"
    __table_args__ = (UniqueConstraint("partner_id", "session_key"),)

    id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True, autoincrement=True))
    partner_id: int = Field(foreign_key="partner.id")
    session_key: str = Field(sa_type=String(64))
    session_id: str = Field(sa_type=String(36))
    body: str = Field(sa_type=Text)
    updated_at: datetime = Field(default_factory=utc_now, sa_type=UtcDateTime)
