"""Sessions module objects (mod_sessions_object_description, mod_sessions_data_types): Session,
ChargingPreferences, SessionStatus, ChargingPreferencesResponse, and SessionPatch, the PATCH body of the
Receiver interface (mod_sessions_patch_method). ProfileType lives in token_types.py (Tokens uses it too)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from pydantic import Field, ValidationInfo, field_validator

from hub.ocpi.base import (
    Boolean,
    CiString36,
    CountryCode,
    DateTime,
    Number,
    OcpiModel,
    PartyId,
    String3,
    String255,
)
from hub.ocpi.v221.cdrs import AuthMethod, CdrToken, ChargingPeriod
from hub.ocpi.v221.tariffs import DecimalPrice
from hub.ocpi.v221.token_types import ProfileType

__all__ = [
    "ChargingPreferences",
    "ChargingPreferencesResponse",
    "ProfileType",
    "Session",
    "SessionPatch",
    "SessionStatus",
]


class ChargingPreferencesResponse(StrEnum):
    """mod_sessions_charging_preferences_response_enum."""

    ACCEPTED = "ACCEPTED"
    DEPARTURE_REQUIRED = "DEPARTURE_REQUIRED"
    ENERGY_NEED_REQUIRED = "ENERGY_NEED_REQUIRED"
    NOT_POSSIBLE = "NOT_POSSIBLE"
    PROFILE_TYPE_NOT_SUPPORTED = "PROFILE_TYPE_NOT_SUPPORTED"


class SessionStatus(StrEnum):
    """mod_sessions_sessionstatus_enum. PENDING is the initial state, COMPLETED the final one. (The
    Reservation section says "RESERVED"; the enum's value is RESERVATION, and only that is accepted.)"""

    ACTIVE = "ACTIVE"
    COMPLETED = "COMPLETED"
    INVALID = "INVALID"
    PENDING = "PENDING"
    RESERVATION = "RESERVATION"


class ChargingPreferences(OcpiModel):
    """mod_sessions_charging_preferences_object."""

    profile_type: ProfileType
    departure_time: DateTime | None = None
    energy_need: Number | None = Field(default=None, ge=Decimal(0))
    # "Default if omitted: false"
    discharge_allowed: Boolean | None = None


def _end_not_before_start(end: datetime | None, info: ValidationInfo) -> datetime | None:
    start = info.data.get("start_date_time")
    if end is not None and start is not None and end < start:
        raise ValueError("is before start_date_time")
    return end


class Session(OcpiModel):
    """mod_sessions_session_object."""

    country_code: CountryCode
    party_id: PartyId
    id: CiString36
    start_date_time: DateTime
    end_date_time: DateTime | None = None
    kwh: Number
    cdr_token: CdrToken
    auth_method: AuthMethod
    authorization_reference: CiString36 | None = None
    location_id: CiString36
    # evse_uid and connector_id may be "#NA" for a reservation without an assigned EVSE.
    evse_uid: CiString36
    connector_id: CiString36
    meter_id: String255 | None = None
    currency: String3
    charging_periods: list[ChargingPeriod] | None = None
    # "A total_cost of 0.00 means free of charge. When omitted ... it does not imply the session is/was free".
    total_cost: DecimalPrice | None = None
    status: SessionStatus
    last_updated: DateTime

    _end_after_start = field_validator("end_date_time")(_end_not_before_start)


def _not_null(value: Any, info: ValidationInfo) -> Any:
    if value is None:
        raise ValueError(f"{info.field_name} is required in the full object and cannot be patched to null")
    return value


class SessionPatch(OcpiModel):
    """A PATCH body for a Session (mod_sessions_patch_method): every field optional but validated as in
    Session; `last_updated` is required ("Any request to the PATCH method SHALL contain the last_updated
    field"). `charging_periods` are appended by the Receiver, not replaced."""

    country_code: CountryCode | None = None
    party_id: PartyId | None = None
    id: CiString36 | None = None
    start_date_time: DateTime | None = None
    end_date_time: DateTime | None = None
    kwh: Number | None = None
    cdr_token: CdrToken | None = None
    auth_method: AuthMethod | None = None
    authorization_reference: CiString36 | None = None
    location_id: CiString36 | None = None
    evse_uid: CiString36 | None = None
    connector_id: CiString36 | None = None
    meter_id: String255 | None = None
    currency: String3 | None = None
    charging_periods: list[ChargingPeriod] | None = None
    total_cost: DecimalPrice | None = None
    status: SessionStatus | None = None
    last_updated: DateTime

    _required_not_null = field_validator(
        "country_code",
        "party_id",
        "id",
        "start_date_time",
        "kwh",
        "cdr_token",
        "auth_method",
        "location_id",
        "evse_uid",
        "connector_id",
        "currency",
        "status",
        mode="before",
    )(_not_null)
    _end_after_start = field_validator("end_date_time")(_end_not_before_start)
