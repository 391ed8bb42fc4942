"""ChargingProfiles module objects and enums (mod_charging_profiles_object_description, mod_charging_profiles_data_types)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import Field

from hub.ocpi.base import DateTime, Integer, Number, OcpiModel
from hub.ocpi.v221.commands import ResponseUrl

# ChargingProfile.min_charging_rate and ChargingProfilePeriod.limit: "Accepts at most one digit fraction
# (e.g. 8.1)", as OCPP's chargingRateUnit values do.
OneDecimal = Annotated[Number, Field(decimal_places=1)]


class ChargingRateUnit(StrEnum):
    """mod_charging_profiles_chargingrateunit: W is the total power, A the current per phase."""

    W = "W"
    A = "A"


class ChargingProfileResponseType(StrEnum):
    """mod_charging_profiles_responsetype_enum: the CPO's own verdict on a request."""

    ACCEPTED = "ACCEPTED"
    NOT_SUPPORTED = "NOT_SUPPORTED"
    REJECTED = "REJECTED"
    TOO_OFTEN = "TOO_OFTEN"
    UNKNOWN_SESSION = "UNKNOWN_SESSION"


class ChargingProfileResultType(StrEnum):
    """mod_charging_profiles_resulttype_enum: the EVSE's outcome."""

    ACCEPTED = "ACCEPTED"
    REJECTED = "REJECTED"
    UNKNOWN = "UNKNOWN"


class ChargingProfilePeriod(OcpiModel):
    """mod_charging_profiles_charging_profile_period_class."""

    start_period: Integer = Field(ge=0)
    limit: OneDecimal


class ChargingProfile(OcpiModel):
    """mod_charging_profiles_charging_profile_class: limits, not targets."""

    start_date_time: DateTime | None = None
    duration: Integer | None = None
    charging_rate_unit: ChargingRateUnit
    min_charging_rate: OneDecimal | None = None
    charging_profile_period: list[ChargingProfilePeriod] | None = None


class ActiveChargingProfile(OcpiModel):
    """mod_charging_profiles_active_charging_profile_class: the profile as the Charge Point calculated it."""

    start_date_time: DateTime
    charging_profile: ChargingProfile


class ChargingProfileResponse(OcpiModel):
    """mod_charging_profiles_response_object: the synchronous answer to a GET, PUT or DELETE."""

    result: ChargingProfileResponseType
    timeout: Integer


class ActiveChargingProfileResult(OcpiModel):
    """mod_charging_profiles_active_charging_profiles_result_object: the result of a GET."""

    result: ChargingProfileResultType
    profile: ActiveChargingProfile | None = None


class ChargingProfileResult(OcpiModel):
    """mod_charging_profiles_charging_profiles_result_object: the result of a PUT (SetChargingProfile)."""

    result: ChargingProfileResultType


class ClearProfileResult(OcpiModel):
    """mod_charging_profiles_clear_profiles_result_object: the result of a DELETE."""

    result: ChargingProfileResultType


class SetChargingProfile(OcpiModel):
    """mod_charging_profiles_set_charging_profile_object: the body of the Receiver PUT."""

    charging_profile: ChargingProfile
    response_url: ResponseUrl
