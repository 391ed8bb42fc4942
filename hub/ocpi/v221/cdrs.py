"""CDRs module objects (mod_cdrs_object_description, mod_cdrs_data_types): CDR, CdrToken, CdrLocation,
SignedData, SignedValue, AuthMethod, CdrDimension, CdrDimensionType, ChargingPeriod; and `PricingInput`, the
parts of a CDR that pricing (`ocpi-hub price`) reads. Money is DecimalPrice and volumes Number (Decimal)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import (
    AfterValidator,
    Field,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from hub.ocpi.base import (
    Boolean,
    CiString36,
    CiString48,
    CountryCode,
    DateTime,
    Integer,
    Number,
    OcpiModel,
    PartyId,
    String3,
    String10,
    String45,
    String255,
    String512,
    _printable_ascii,
)
from hub.ocpi.v221.locations import ConnectorFormat, ConnectorType, GeoLocation, PowerType
from hub.ocpi.v221.tariffs import DecimalPrice, Tariff
from hub.ocpi.v221.token_types import TokenType

__all__ = [
    "CDR",
    "SESSION_ONLY_DIMENSIONS",
    "AuthMethod",
    "CdrDimension",
    "CdrDimensionType",
    "CdrLocation",
    "CdrLocationRef",
    "CdrToken",
    "ChargingPeriod",
    "PricingInput",
    "SignedData",
    "SignedValue",
]

# CiString(32) and CiString(39), and string(5000): lengths only this chapter uses (kept here rather than in
# hub.ocpi.base, which several modules extend at once).
CiString32 = Annotated[str, StringConstraints(max_length=32), AfterValidator(_printable_ascii)]
CiString39 = Annotated[str, StringConstraints(max_length=39), AfterValidator(_printable_ascii)]
String5000 = Annotated[str, StringConstraints(max_length=5000)]


class CdrDimensionType(StrEnum):
    """mod_cdrs_cdrdimensiontype_enum. CURRENT, ENERGY_EXPORT, ENERGY_IMPORT, POWER and STATE_OF_CHARGE are
    "Session Only"; they are accepted here too, because Sessions share ChargingPeriod."""

    CURRENT = "CURRENT"
    ENERGY = "ENERGY"
    ENERGY_EXPORT = "ENERGY_EXPORT"
    ENERGY_IMPORT = "ENERGY_IMPORT"
    MAX_CURRENT = "MAX_CURRENT"
    MIN_CURRENT = "MIN_CURRENT"
    MAX_POWER = "MAX_POWER"
    MIN_POWER = "MIN_POWER"
    PARKING_TIME = "PARKING_TIME"
    POWER = "POWER"
    RESERVATION_TIME = "RESERVATION_TIME"
    STATE_OF_CHARGE = "STATE_OF_CHARGE"
    TIME = "TIME"


# "Some of these values are not useful for CDRs, and SHALL therefor only be used in Sessions".
SESSION_ONLY_DIMENSIONS = frozenset(
    {
        CdrDimensionType.CURRENT,
        CdrDimensionType.ENERGY_EXPORT,
        CdrDimensionType.ENERGY_IMPORT,
        CdrDimensionType.POWER,
        CdrDimensionType.STATE_OF_CHARGE,
    }
)

_DURATIONS = frozenset(
    {CdrDimensionType.TIME, CdrDimensionType.PARKING_TIME, CdrDimensionType.RESERVATION_TIME}
)


class CdrDimension(OcpiModel):
    """mod_cdrs_cdrdimension_class: one measured value of a charging period (kWh, h, A, kW or %)."""

    type: CdrDimensionType
    volume: Number

    @field_validator("volume")
    @classmethod
    def _volume_in_range(cls, volume: Decimal, info: ValidationInfo) -> Decimal:
        # Energy, current and power may be negative (fed back to the grid); a duration or a SoC cannot be.
        kind = info.data.get("type")
        if kind in _DURATIONS and volume < 0:
            raise ValueError(f"a {kind} volume (hours) cannot be negative")
        if kind == CdrDimensionType.STATE_OF_CHARGE and not 0 <= volume <= 100:
            raise ValueError("a STATE_OF_CHARGE volume is a percentage from 0 to 100")
        return volume


class ChargingPeriod(OcpiModel):
    """mod_cdrs_chargingperiod_class: "A period ends when the next period starts. The last period ends when
    the session ends." """

    start_date_time: DateTime
    dimensions: list[CdrDimension] = Field(min_length=1)
    # "If not provided, no Tariff is relevant during this period."
    tariff_id: CiString36 | None = None


class CdrLocationRef(OcpiModel):
    """The identifying part of mod_cdrs_cdr_location_class, so a caller can find the Location (and its
    `time_zone`, which CdrLocation does not carry in 2.2.1)."""

    id: CiString36
    evse_uid: CiString36 | None = None
    connector_id: CiString36 | None = None


class PricingInput(OcpiModel):
    """What pricing reads from a CDR-shaped object (mod_cdrs_cdr_object); every other CDR field is ignored."""

    country_code: CountryCode | None = None
    party_id: PartyId | None = None
    currency: String3 | None = None
    start_date_time: DateTime
    end_date_time: DateTime
    charging_periods: list[ChargingPeriod] = Field(min_length=1)
    total_energy: Number
    total_time: Number = Field(ge=Decimal(0))
    total_parking_time: Number | None = Field(default=None, ge=Decimal(0))
    cdr_location: CdrLocationRef | None = None

    @field_validator("end_date_time")
    @classmethod
    def _ends_after_start(cls, end: datetime, info: ValidationInfo) -> datetime:
        start = info.data.get("start_date_time")
        if start is not None and end < start:
            raise ValueError("is before start_date_time")
        return end

    @field_validator("charging_periods")
    @classmethod
    def _periods_inside_session(
        cls, periods: list[ChargingPeriod], info: ValidationInfo
    ) -> list[ChargingPeriod]:
        end = info.data.get("end_date_time")
        for index, period in enumerate(periods):
            if end is not None and period.start_date_time > end:
                raise ValueError(f"charging_periods[{index}] starts after end_date_time")
        return periods


class AuthMethod(StrEnum):
    """mod_cdrs_authmethod_enum."""

    AUTH_REQUEST = "AUTH_REQUEST"
    COMMAND = "COMMAND"
    WHITELIST = "WHITELIST"


class CdrToken(OcpiModel):
    """mod_cdrs_cdr_token_object: the token, and the eMSP that owns it (country_code, party_id)."""

    country_code: CountryCode
    party_id: PartyId
    uid: CiString36
    type: TokenType
    contract_id: CiString36


class CdrLocation(OcpiModel):
    """mod_cdrs_cdr_location_class. `address` and `state` take the errata lengths of Location (255, 45) rather
    than d2's 45 and 20, so that a CDR can carry the address of any Location we accept."""

    id: CiString36
    name: String255 | None = None
    address: String255
    city: String45
    postal_code: String10 | None = None
    state: String45 | None = None
    country: String3
    coordinates: GeoLocation
    # The ids may be "#NA" for a reservation that never became a charging session.
    evse_uid: CiString36
    evse_id: CiString48
    connector_id: CiString36
    connector_standard: ConnectorType
    connector_format: ConnectorFormat
    connector_power_type: PowerType


class SignedValue(OcpiModel):
    """mod_cdrs_signed_value_class. `plain_data` takes the errata length 5000 (d2: 512)."""

    nature: CiString32
    plain_data: String5000
    signed_data: String5000


class SignedData(OcpiModel):
    """mod_cdrs_signed_data_class."""

    encoding_method: CiString36
    encoding_method_version: Integer | None = None
    public_key: String512 | None = None
    signed_values: list[SignedValue] = Field(min_length=1)
    url: String512 | None = None


class CDR(OcpiModel):
    """mod_cdrs_cdr_object: the final, billing-relevant record of a charging session; never changed once sent
    (a correction is a Credit CDR, mod_cdrs_credit_cdrs)."""

    country_code: CountryCode
    party_id: PartyId
    id: CiString39
    start_date_time: DateTime
    end_date_time: DateTime
    session_id: CiString36 | None = None
    cdr_token: CdrToken
    auth_method: AuthMethod
    authorization_reference: CiString36 | None = None
    cdr_location: CdrLocation
    meter_id: String255 | None = None
    currency: String3
    tariffs: list[Tariff] | None = None
    charging_periods: list[ChargingPeriod] = Field(min_length=1)
    signed_data: SignedData | None = None
    total_cost: DecimalPrice
    total_fixed_cost: DecimalPrice | None = None
    total_energy: Number
    total_energy_cost: DecimalPrice | None = None
    total_time: Number = Field(ge=Decimal(0))
    total_time_cost: DecimalPrice | None = None
    total_parking_time: Number | None = Field(default=None, ge=Decimal(0))
    total_parking_cost: DecimalPrice | None = None
    total_reservation_cost: DecimalPrice | None = None
    remark: String255 | None = None
    invoice_reference_id: CiString39 | None = None
    credit: Boolean | None = None
    # validate_default: the Credit CDR rule below must also fire when the field is omitted.
    credit_reference_id: CiString39 | None = Field(default=None, validate_default=True)
    home_charging_compensation: Boolean | None = None
    last_updated: DateTime

    @field_validator("end_date_time")
    @classmethod
    def _ends_after_start(cls, end: datetime, info: ValidationInfo) -> datetime:
        start = info.data.get("start_date_time")
        if start is not None and end < start:
            raise ValueError("is before start_date_time")
        return end

    @field_validator("charging_periods")
    @classmethod
    def _periods_inside_session(
        cls, periods: list[ChargingPeriod], info: ValidationInfo
    ) -> list[ChargingPeriod]:
        # "The last period ends when the session ends": no period can start after the end.
        end = info.data.get("end_date_time")
        for index, period in enumerate(periods):
            if end is not None and period.start_date_time > end:
                raise ValueError(f"charging_periods[{index}] starts after end_date_time")
        return periods

    @field_validator("credit_reference_id")
    @classmethod
    def _credit_needs_reference(cls, value: str | None, info: ValidationInfo) -> str | None:
        # "When set to true, this is a Credit CDR, and the field credit_reference_id needs to be set as well."
        if value is None and info.data.get("credit") is True:
            raise ValueError("is required for a Credit CDR (credit is true)")
        return value

    @model_validator(mode="after")
    def _normal_id_length(self) -> CDR:
        # "Normal (non-credit) CDRs SHALL only have an ID with a maximum length of 36." `credit` comes after
        # `id`, so this is checked on the whole object and reported at `id`.
        if not self.credit and len(self.id) > 36:
            error = PydanticCustomError(
                "value_error", "at most 36 characters unless this is a Credit CDR (credit is true)"
            )
            raise ValidationError.from_exception_data(
                type(self).__name__, [InitErrorDetails(type=error, loc=("id",), input=self.id)]
            )
        return self
