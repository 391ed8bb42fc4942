"""CDRs module objects that pricing needs (mod_cdrs_chargingperiod_class, mod_cdrs_cdrdimension_class,
mod_cdrs_cdrdimensiontype_enum), and `PricingInput`: the parts of a CDR (mod_cdrs_cdr_object) that
`ocpi-hub price` reads. The full CDR object is not modelled here yet."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from pydantic import Field, ValidationInfo, field_validator

from hub.ocpi.base import CiString36, CountryCode, DateTime, Number, OcpiModel, PartyId, String3

__all__ = ["CdrDimension", "CdrDimensionType", "CdrLocationRef", "ChargingPeriod", "PricingInput"]


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
