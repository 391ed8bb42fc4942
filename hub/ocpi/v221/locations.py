"""Locations module objects (mod_locations_object_description, mod_locations_data_types) and the PATCH
bodies of its Receiver interface (mod_locations_patch_method). BusinessDetails and Image are shared with
other chapters (Credentials, Tariffs); EnergyMix lives in energy_mix.py and is re-exported here."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any

from pydantic import AfterValidator, Field, ValidationInfo, field_validator, model_validator

from hub.ocpi.base import (
    Boolean,
    CiString4,
    CiString36,
    CiString48,
    CountryCode,
    DateTime,
    DisplayText,
    Integer,
    OcpiModel,
    PartyId,
    String3,
    String4,
    String10,
    String16,
    String45,
    String64,
    String100,
    String255,
    Url,
)
from hub.ocpi.v221.energy_mix import (
    EnergyMix,
    EnergySource,
    EnergySourceCategory,
    EnvironmentalImpact,
    EnvironmentalImpactCategory,
)
from hub.ocpi.v221.token_types import TokenType

__all__ = [
    "EVSE",
    "AdditionalGeoLocation",
    "BusinessDetails",
    "Capability",
    "Connector",
    "ConnectorFormat",
    "ConnectorPatch",
    "ConnectorType",
    "EVSEPatch",
    "EnergyMix",
    "EnergySource",
    "EnergySourceCategory",
    "EnvironmentalImpact",
    "EnvironmentalImpactCategory",
    "ExceptionalPeriod",
    "Facility",
    "GeoLocation",
    "Hours",
    "Image",
    "ImageCategory",
    "Location",
    "LocationPatch",
    "ParkingRestriction",
    "ParkingType",
    "PowerType",
    "PublishTokenType",
    "RegularHours",
    "Status",
    "StatusSchedule",
    "TokenType",
]


# --- enums ----------------------------------------------------------------------------------------


class Capability(StrEnum):
    """mod_locations_capability_enum."""

    CHARGING_PROFILE_CAPABLE = "CHARGING_PROFILE_CAPABLE"
    CHARGING_PREFERENCES_CAPABLE = "CHARGING_PREFERENCES_CAPABLE"
    CHIP_CARD_SUPPORT = "CHIP_CARD_SUPPORT"
    CONTACTLESS_CARD_SUPPORT = "CONTACTLESS_CARD_SUPPORT"
    CREDIT_CARD_PAYABLE = "CREDIT_CARD_PAYABLE"
    DEBIT_CARD_PAYABLE = "DEBIT_CARD_PAYABLE"
    PED_TERMINAL = "PED_TERMINAL"
    REMOTE_START_STOP_CAPABLE = "REMOTE_START_STOP_CAPABLE"
    RESERVABLE = "RESERVABLE"
    RFID_READER = "RFID_READER"
    START_SESSION_CONNECTOR_REQUIRED = "START_SESSION_CONNECTOR_REQUIRED"
    TOKEN_GROUP_CAPABLE = "TOKEN_GROUP_CAPABLE"
    UNLOCK_CAPABLE = "UNLOCK_CAPABLE"


class ConnectorFormat(StrEnum):
    """mod_locations_connectorformat_enum."""

    SOCKET = "SOCKET"
    CABLE = "CABLE"


class ConnectorType(StrEnum):
    """mod_locations_connectortype_enum. The IEC 60309 literals really are lower-case `single`/`three`."""

    CHADEMO = "CHADEMO"
    CHAOJI = "CHAOJI"
    DOMESTIC_A = "DOMESTIC_A"
    DOMESTIC_B = "DOMESTIC_B"
    DOMESTIC_C = "DOMESTIC_C"
    DOMESTIC_D = "DOMESTIC_D"
    DOMESTIC_E = "DOMESTIC_E"
    DOMESTIC_F = "DOMESTIC_F"
    DOMESTIC_G = "DOMESTIC_G"
    DOMESTIC_H = "DOMESTIC_H"
    DOMESTIC_I = "DOMESTIC_I"
    DOMESTIC_J = "DOMESTIC_J"
    DOMESTIC_K = "DOMESTIC_K"
    DOMESTIC_L = "DOMESTIC_L"
    DOMESTIC_M = "DOMESTIC_M"
    DOMESTIC_N = "DOMESTIC_N"
    DOMESTIC_O = "DOMESTIC_O"
    GBT_AC = "GBT_AC"
    GBT_DC = "GBT_DC"
    IEC_60309_2_single_16 = "IEC_60309_2_single_16"
    IEC_60309_2_three_16 = "IEC_60309_2_three_16"
    IEC_60309_2_three_32 = "IEC_60309_2_three_32"
    IEC_60309_2_three_64 = "IEC_60309_2_three_64"
    IEC_62196_T1 = "IEC_62196_T1"
    IEC_62196_T1_COMBO = "IEC_62196_T1_COMBO"
    IEC_62196_T2 = "IEC_62196_T2"
    IEC_62196_T2_COMBO = "IEC_62196_T2_COMBO"
    IEC_62196_T3A = "IEC_62196_T3A"
    IEC_62196_T3C = "IEC_62196_T3C"
    NEMA_5_20 = "NEMA_5_20"
    NEMA_6_30 = "NEMA_6_30"
    NEMA_6_50 = "NEMA_6_50"
    NEMA_10_30 = "NEMA_10_30"
    NEMA_10_50 = "NEMA_10_50"
    NEMA_14_30 = "NEMA_14_30"
    NEMA_14_50 = "NEMA_14_50"
    PANTOGRAPH_BOTTOM_UP = "PANTOGRAPH_BOTTOM_UP"
    PANTOGRAPH_TOP_DOWN = "PANTOGRAPH_TOP_DOWN"
    TESLA_R = "TESLA_R"
    TESLA_S = "TESLA_S"


class Facility(StrEnum):
    """mod_locations_facility_enum."""

    HOTEL = "HOTEL"
    RESTAURANT = "RESTAURANT"
    CAFE = "CAFE"
    MALL = "MALL"
    SUPERMARKET = "SUPERMARKET"
    SPORT = "SPORT"
    RECREATION_AREA = "RECREATION_AREA"
    NATURE = "NATURE"
    MUSEUM = "MUSEUM"
    BIKE_SHARING = "BIKE_SHARING"
    BUS_STOP = "BUS_STOP"
    TAXI_STAND = "TAXI_STAND"
    TRAM_STOP = "TRAM_STOP"
    METRO_STATION = "METRO_STATION"
    TRAIN_STATION = "TRAIN_STATION"
    AIRPORT = "AIRPORT"
    PARKING_LOT = "PARKING_LOT"
    CARPOOL_PARKING = "CARPOOL_PARKING"
    FUEL_STATION = "FUEL_STATION"
    WIFI = "WIFI"


class ImageCategory(StrEnum):
    """mod_locations_imagecategory_enum."""

    CHARGER = "CHARGER"
    ENTRANCE = "ENTRANCE"
    LOCATION = "LOCATION"
    NETWORK = "NETWORK"
    OPERATOR = "OPERATOR"
    OTHER = "OTHER"
    OWNER = "OWNER"


class ParkingRestriction(StrEnum):
    """mod_locations_parkingrestriction_enum."""

    EV_ONLY = "EV_ONLY"
    PLUGGED = "PLUGGED"
    DISABLED = "DISABLED"
    CUSTOMERS = "CUSTOMERS"
    MOTORCYCLES = "MOTORCYCLES"


class ParkingType(StrEnum):
    """mod_locations_parkingtype_enum."""

    ALONG_MOTORWAY = "ALONG_MOTORWAY"
    PARKING_GARAGE = "PARKING_GARAGE"
    PARKING_LOT = "PARKING_LOT"
    ON_DRIVEWAY = "ON_DRIVEWAY"
    ON_STREET = "ON_STREET"
    UNDERGROUND_GARAGE = "UNDERGROUND_GARAGE"


class PowerType(StrEnum):
    """mod_locations_powertype_enum."""

    AC_1_PHASE = "AC_1_PHASE"
    AC_2_PHASE = "AC_2_PHASE"
    AC_2_PHASE_SPLIT = "AC_2_PHASE_SPLIT"
    AC_3_PHASE = "AC_3_PHASE"
    DC = "DC"


class Status(StrEnum):
    """mod_locations_status_enum (also used for a Connector's status in other chapters)."""

    AVAILABLE = "AVAILABLE"
    BLOCKED = "BLOCKED"
    CHARGING = "CHARGING"
    INOPERATIVE = "INOPERATIVE"
    OUTOFORDER = "OUTOFORDER"
    PLANNED = "PLANNED"
    REMOVED = "REMOVED"
    RESERVED = "RESERVED"
    UNKNOWN = "UNKNOWN"


# --- value types ----------------------------------------------------------------------------------

# mod_locations_geolocation_class. Matched in full (re.fullmatch: no trailing newline, no leading sign
# other than `-`, ASCII digits only), then range-checked exactly with Decimal.
# Judgement call: the table says string(10) / string(11), but its own regex allows 11 / 12 characters
# ("-33.8688197", "-122.4194155"), and the NOTE says "More is always better. Seven decimal places gives
# approximately 1cm precision." We therefore let the regex bound the length; the string(n) limits would
# reject 7-decimal coordinates south of -9.99 latitude or west of -99.99 longitude.
_LATITUDE = re.compile(r"-?[0-9]{1,2}\.[0-9]{5,7}")
_LONGITUDE = re.compile(r"-?[0-9]{1,3}\.[0-9]{5,7}")


def _coordinate(name: str, pattern: re.Pattern[str], limit: int) -> Callable[[str], str]:
    def check(value: str) -> str:
        if not pattern.fullmatch(value):
            raise ValueError(
                f"{name} must match {pattern.pattern} (decimal degrees, '.' separator, 5 to 7 decimals)"
            )
        if abs(Decimal(value)) > limit:
            raise ValueError(f"{name} must be between -{limit} and {limit} degrees")
        return value

    return check


Latitude = Annotated[str, AfterValidator(_coordinate("latitude", _LATITUDE, 90))]
Longitude = Annotated[str, AfterValidator(_coordinate("longitude", _LONGITUDE, 180))]

# mod_locations_regularhours_class: local time "HH:MM", regex ([0-1][0-9]|2[0-3]):[0-5][0-9].
_HOUR_MINUTE = re.compile(r"([0-1][0-9]|2[0-3]):[0-5][0-9]")
_END_OF_DAY = "00:00"


def _hour_minute(value: str) -> str:
    if not _HOUR_MINUTE.fullmatch(value):
        raise ValueError('must be a 24h "HH:MM" time with leading zeros, 00:00 to 23:59')
    return value


HourMinute = Annotated[str, AfterValidator(_hour_minute)]


# --- shared rules (used by the full models and by the PATCH models) -------------------------------


def _unique_ids(items: Sequence[Any], attribute: str, what: str) -> None:
    """CiString ids are case-insensitive, so `a` and `A` are the same id."""
    seen: set[str] = set()
    for item in items:
        key = str(getattr(item, attribute)).casefold()
        if key in seen:
            raise ValueError(f"{what} {getattr(item, attribute)!r} is listed twice")
        seen.add(key)


def _check_publish_allowed_to(value: list[PublishTokenType] | None, publish: bool | None) -> None:
    # Judgement call: "This field may only be used when the `publish` field is set to `false`." A
    # non-empty list with publish=true is contradictory: either the list is meaningless, or the CPO
    # meant to restrict a Location that it is now marking public. Forwarding it could show a private
    # Location to everyone, so it is refused (2001 upstream) rather than guessed at. An empty list
    # carries no restriction and is accepted.
    if publish is True and value:
        raise ValueError("publish_allowed_to may only be used when publish is false")


# --- classes --------------------------------------------------------------------------------------


class GeoLocation(OcpiModel):
    """mod_locations_geolocation_class (WGS 84)."""

    latitude: Latitude
    longitude: Longitude


class AdditionalGeoLocation(OcpiModel):
    """mod_locations_additionalgeolocation_class (WGS 84)."""

    latitude: Latitude
    longitude: Longitude
    name: DisplayText | None = None


class Image(OcpiModel):
    """mod_locations_image_class."""

    url: Url
    thumbnail: Url | None = None
    category: ImageCategory
    type: CiString4
    width: Integer | None = Field(default=None, ge=0, le=99999)
    height: Integer | None = Field(default=None, ge=0, le=99999)


class BusinessDetails(OcpiModel):
    """mod_locations_businessdetails_class."""

    name: String100
    website: Url | None = None
    logo: Image | None = None


class ExceptionalPeriod(OcpiModel):
    """mod_locations_exceptionalperiod_class. The spec sets no order rule on begin/end; none is enforced."""

    period_begin: DateTime
    period_end: DateTime


class RegularHours(OcpiModel):
    """mod_locations_regularhours_class."""

    weekday: Integer = Field(ge=1, le=7)
    period_begin: HourMinute
    period_end: HourMinute

    @field_validator("period_end")
    @classmethod
    def _end_later_than_begin(cls, value: str, info: ValidationInfo) -> str:
        # "Must be later than period_begin." The regex stops at 23:59, so "24:00" cannot be written:
        # period_end "00:00" is read as the end of the day (ocpi/ocpi#498; real CPOs send it), and is
        # the only exception. Periods that wrap past midnight ("08:00"-"02:00") are not 2.2.1
        # (ocpi/ocpi#413: a wrap rule would be a functional change) and are refused.
        begin = info.data.get("period_begin")
        if begin is not None and value != _END_OF_DAY and value <= begin:
            raise ValueError('period_end must be later than period_begin ("00:00" means end of day)')
        return value


class Hours(OcpiModel):
    """mod_locations_hours_class."""

    twentyfourseven: Boolean
    # validate_default: the rule below must also run when regular_hours is omitted.
    regular_hours: list[RegularHours] | None = Field(default=None, validate_default=True)
    exceptional_openings: list[ExceptionalPeriod] | None = None
    exceptional_closings: list[ExceptionalPeriod] | None = None

    @field_validator("regular_hours")
    @classmethod
    def _regular_hours_only_when_not_247(
        cls, value: list[RegularHours] | None, info: ValidationInfo
    ) -> list[RegularHours] | None:
        # "Only to be used if twentyfourseven=false, then this field needs to contain at least one
        # RegularHours object." An empty list with twentyfourseven=true is "not used" and accepted.
        twentyfourseven = info.data.get("twentyfourseven")
        if twentyfourseven is True and value:
            raise ValueError("regular_hours may only be used when twentyfourseven is false")
        if twentyfourseven is False and not value:
            raise ValueError("regular_hours needs at least one RegularHours when twentyfourseven is false")
        return value


class StatusSchedule(OcpiModel):
    """mod_locations_statusschedule_class. Purely informational; a real change is pushed in EVSE.status."""

    period_begin: DateTime
    period_end: DateTime | None = None
    status: Status


class PublishTokenType(OcpiModel):
    """mod_locations_publish_token_class."""

    uid: CiString36 | None = None
    # validate_default: "When uid is set, type SHALL also be set" must fire when type is omitted.
    type: TokenType | None = Field(default=None, validate_default=True)
    visual_number: String64 | None = None
    # validate_default: "When visual_number is set, issuer SHALL also be set."
    issuer: String64 | None = Field(default=None, validate_default=True)
    group_id: CiString36 | None = None

    @field_validator("type")
    @classmethod
    def _type_with_uid(cls, value: TokenType | None, info: ValidationInfo) -> TokenType | None:
        if value is None and info.data.get("uid") is not None:
            raise ValueError("type is required when uid is set")
        return value

    @field_validator("issuer")
    @classmethod
    def _issuer_with_visual_number(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None and info.data.get("visual_number") is not None:
            raise ValueError("issuer is required when visual_number is set")
        return value

    @model_validator(mode="after")
    def _identifies_a_token(self) -> PublishTokenType:
        if self.uid is None and self.visual_number is None and self.group_id is None:
            raise ValueError("at least one of uid, visual_number or group_id SHALL be set")
        return self


class Connector(OcpiModel):
    """mod_locations_connector_object."""

    id: CiString36
    standard: ConnectorType
    format: ConnectorFormat
    power_type: PowerType
    max_voltage: Integer
    max_amperage: Integer
    max_electric_power: Integer | None = None
    tariff_ids: list[CiString36] | None = None
    terms_and_conditions: Url | None = None
    last_updated: DateTime


class EVSE(OcpiModel):
    """mod_locations_evse_object."""

    uid: CiString36
    evse_id: CiString48 | None = None
    status: Status
    status_schedule: list[StatusSchedule] | None = None
    capabilities: list[Capability] | None = None
    connectors: list[Connector] = Field(min_length=1)
    floor_level: String4 | None = None
    coordinates: GeoLocation | None = None
    physical_reference: String16 | None = None
    directions: list[DisplayText] | None = None
    parking_restrictions: list[ParkingRestriction] | None = None
    images: list[Image] | None = None
    last_updated: DateTime

    @field_validator("connectors")
    @classmethod
    def _connector_ids_unique(cls, value: list[Connector]) -> list[Connector]:
        # "Two Connectors may have the same id as long as they do not belong to the same EVSE object."
        _unique_ids(value, "id", "connector id")
        return value


class Location(OcpiModel):
    """mod_locations_location_object."""

    country_code: CountryCode
    party_id: PartyId
    id: CiString36
    publish: Boolean
    publish_allowed_to: list[PublishTokenType] | None = None
    name: String255 | None = None
    # ERRATA (release-2.2.1-bugfixes): address string(45) -> string(255). Accepted when receiving.
    address: String255
    city: String45
    postal_code: String10 | None = None
    # ERRATA (release-2.2.1-bugfixes): state string(20) -> string(45). Accepted when receiving.
    state: String45 | None = None
    country: String3
    coordinates: GeoLocation
    related_locations: list[AdditionalGeoLocation] | None = None
    parking_type: ParkingType | None = None
    evses: list[EVSE] | None = None
    directions: list[DisplayText] | None = None
    operator: BusinessDetails | None = None
    suboperator: BusinessDetails | None = None
    owner: BusinessDetails | None = None
    facilities: list[Facility] | None = None
    # IANA tz name; not checked against tzdata (the host's tzdata may lag the sender's).
    time_zone: String255
    opening_times: Hours | None = None
    # "Default: true". Kept as sent (None when omitted) so GET returns exactly what was PUT and the
    # examples round-trip; read it through `effective_charging_when_closed`, which applies the default.
    charging_when_closed: Boolean | None = None
    images: list[Image] | None = None
    energy_mix: EnergyMix | None = None
    last_updated: DateTime

    @property
    def effective_charging_when_closed(self) -> bool:
        """charging_when_closed with the spec's default (true) applied when it was omitted or null."""
        return True if self.charging_when_closed is None else self.charging_when_closed

    @field_validator("publish_allowed_to")
    @classmethod
    def _publish_allowed_to_only_unpublished(
        cls, value: list[PublishTokenType] | None, info: ValidationInfo
    ) -> list[PublishTokenType] | None:
        _check_publish_allowed_to(value, info.data.get("publish"))
        return value

    @field_validator("evses")
    @classmethod
    def _evse_uids_unique(cls, value: list[EVSE] | None) -> list[EVSE] | None:
        # EVSE.uid "uniquely identifies the EVSE within the CPOs platform"; a repeat would also make
        # the PATCH/PUT URL .../{location_id}/{evse_uid} ambiguous.
        if value:
            _unique_ids(value, "uid", "EVSE uid")
        return value


# --- PATCH bodies (mod_locations_patch_method) ----------------------------------------------------
#
# Every field is optional, a present field is validated exactly like in the full model, and
# `last_updated` is required: "Any request to the PATCH method SHALL contain the last_updated field."
# A field that the full model requires may not be sent as null (PATCH "is not suitable to remove
# information"); optional fields may be null, as in the full model. Use `model_dump(exclude_unset=True)`
# to get the changes. Rules that span the patch and the stored object (publish_allowed_to vs a stored
# publish=true, for example) can only be checked on the merged result: validate it as a Location.
# The router picks the model by URL depth; with extra="ignore" an EVSE body parsed as LocationPatch
# would silently drop `status`.


def _not_null(value: Any, info: ValidationInfo) -> Any:
    if value is None:
        raise ValueError(f"{info.field_name} is required in the full object and cannot be patched to null")
    return value


class ConnectorPatch(OcpiModel):
    """A PATCH body for a Connector (.../{location_id}/{evse_uid}/{connector_id})."""

    id: CiString36 | None = None
    standard: ConnectorType | None = None
    format: ConnectorFormat | None = None
    power_type: PowerType | None = None
    max_voltage: Integer | None = None
    max_amperage: Integer | None = None
    max_electric_power: Integer | None = None
    tariff_ids: list[CiString36] | None = None
    terms_and_conditions: Url | None = None
    last_updated: DateTime

    _required_not_null = field_validator(
        "id", "standard", "format", "power_type", "max_voltage", "max_amperage", mode="before"
    )(_not_null)


class EVSEPatch(OcpiModel):
    """A PATCH body for an EVSE (.../{location_id}/{evse_uid})."""

    uid: CiString36 | None = None
    evse_id: CiString48 | None = None
    status: Status | None = None
    status_schedule: list[StatusSchedule] | None = None
    capabilities: list[Capability] | None = None
    connectors: Annotated[list[Connector], Field(min_length=1)] | None = None
    floor_level: String4 | None = None
    coordinates: GeoLocation | None = None
    physical_reference: String16 | None = None
    directions: list[DisplayText] | None = None
    parking_restrictions: list[ParkingRestriction] | None = None
    images: list[Image] | None = None
    last_updated: DateTime

    _required_not_null = field_validator("uid", "status", "connectors", mode="before")(_not_null)

    @field_validator("connectors")
    @classmethod
    def _connector_ids_unique(cls, value: list[Connector] | None) -> list[Connector] | None:
        if value is not None:
            _unique_ids(value, "id", "connector id")
        return value


class LocationPatch(OcpiModel):
    """A PATCH body for a Location (.../{location_id})."""

    country_code: CountryCode | None = None
    party_id: PartyId | None = None
    id: CiString36 | None = None
    publish: Boolean | None = None
    publish_allowed_to: list[PublishTokenType] | None = None
    name: String255 | None = None
    address: String255 | None = None  # ERRATA length, as in Location
    city: String45 | None = None
    postal_code: String10 | None = None
    state: String45 | None = None  # ERRATA length, as in Location
    country: String3 | None = None
    coordinates: GeoLocation | None = None
    related_locations: list[AdditionalGeoLocation] | None = None
    parking_type: ParkingType | None = None
    evses: list[EVSE] | None = None
    directions: list[DisplayText] | None = None
    operator: BusinessDetails | None = None
    suboperator: BusinessDetails | None = None
    owner: BusinessDetails | None = None
    facilities: list[Facility] | None = None
    time_zone: String255 | None = None
    opening_times: Hours | None = None
    charging_when_closed: Boolean | None = None
    images: list[Image] | None = None
    energy_mix: EnergyMix | None = None
    last_updated: DateTime

    _required_not_null = field_validator(
        "country_code",
        "party_id",
        "id",
        "publish",
        "address",
        "city",
        "country",
        "coordinates",
        "time_zone",
        mode="before",
    )(_not_null)

    @field_validator("publish_allowed_to")
    @classmethod
    def _publish_allowed_to_only_unpublished(
        cls, value: list[PublishTokenType] | None, info: ValidationInfo
    ) -> list[PublishTokenType] | None:
        _check_publish_allowed_to(value, info.data.get("publish"))
        return value

    @field_validator("evses")
    @classmethod
    def _evse_uids_unique(cls, value: list[EVSE] | None) -> list[EVSE] | None:
        if value:
            _unique_ids(value, "uid", "EVSE uid")
        return value
