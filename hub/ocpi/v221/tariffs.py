"""Tariffs module objects (mod_tariffs_object_description, mod_tariffs_data_types): Tariff, TariffElement,
PriceComponent, TariffRestrictions and their enums. EnergyMix lives in energy_mix.py (Locations uses it too)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, Field, StringConstraints, ValidationInfo, field_validator

from hub.ocpi.base import (
    CiString36,
    CountryCode,
    DateTime,
    DisplayText,
    Integer,
    Number,
    OcpiModel,
    PartyId,
    Price,
    String3,
    Url,
)
from hub.ocpi.v221.energy_mix import EnergyMix

__all__ = [
    "DayOfWeek",
    "DecimalPrice",
    "LocalDate",
    "LocalTime",
    "PriceComponent",
    "ReservationRestrictionType",
    "Tariff",
    "TariffDimensionType",
    "TariffElement",
    "TariffRestrictions",
    "TariffType",
]


class DayOfWeek(StrEnum):
    """mod_tariffs_dayofweek_enum."""

    MONDAY = "MONDAY"
    TUESDAY = "TUESDAY"
    WEDNESDAY = "WEDNESDAY"
    THURSDAY = "THURSDAY"
    FRIDAY = "FRIDAY"
    SATURDAY = "SATURDAY"
    SUNDAY = "SUNDAY"


class ReservationRestrictionType(StrEnum):
    """mod_tariffs_reservation_restriction_type."""

    RESERVATION = "RESERVATION"
    RESERVATION_EXPIRES = "RESERVATION_EXPIRES"


class TariffDimensionType(StrEnum):
    """mod_tariffs_tariffdimensiontype_enum: ENERGY per kWh (step 1 Wh), FLAT, PARKING_TIME and TIME per hour
    (step 1 s)."""

    ENERGY = "ENERGY"
    FLAT = "FLAT"
    PARKING_TIME = "PARKING_TIME"
    TIME = "TIME"


class TariffType(StrEnum):
    """mod_tariffs_tariff_type."""

    AD_HOC_PAYMENT = "AD_HOC_PAYMENT"
    PROFILE_CHEAP = "PROFILE_CHEAP"
    PROFILE_FAST = "PROFILE_FAST"
    PROFILE_GREEN = "PROFILE_GREEN"
    REGULAR = "REGULAR"


def _calendar_date(value: str) -> str:
    # The regex lets 2019-02-30 through; a restriction on a day that does not exist can never be evaluated.
    try:
        date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{value!r} is not a calendar date") from None
    return value


# mod_tariffs_tariffrestrictions_class: string(5) "Regex: ([0-1][0-9]|2[0-3]):[0-5][0-9]", local time.
LocalTime = Annotated[str, StringConstraints(max_length=5, pattern=r"^([0-1][0-9]|2[0-3]):[0-5][0-9]$")]
# string(10) "Regex: ([12][0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])", local date.
LocalDate = Annotated[
    str,
    StringConstraints(max_length=10, pattern=r"^([12][0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"),
    AfterValidator(_calendar_date),
]


# types_price_class; money is Decimal throughout (kept under this name for the modules that use it).
DecimalPrice = Price


class PriceComponent(OcpiModel):
    """mod_tariffs_pricecomponent_class: how one dimension is priced."""

    type: TariffDimensionType
    price: Number
    # "If omitted, no VAT is applicable. Not providing a VAT is different from 0% VAT".
    vat: Number | None = Field(default=None, ge=Decimal(0))
    step_size: Integer = Field(ge=0)

    @field_validator("step_size")
    @classmethod
    def _step_size_positive_unless_flat(cls, step_size: int, info: ValidationInfo) -> int:
        # "every type (except FLAT) defines a step_size multiplier": for FLAT the value means nothing, and the
        # spec's own Free of Charge example sends 0 there, so 0 is accepted for FLAT only. Elsewhere 0 has no
        # "smallest multiple of step_size that is greater than the consumed amount".
        if step_size == 0 and info.data.get("type") not in (None, TariffDimensionType.FLAT):
            raise ValueError(f"must be at least 1 for a {info.data['type']} price component")
        return step_size


class TariffRestrictions(OcpiModel):
    """mod_tariffs_tariffrestrictions_class: all set properties must hold (logical AND), evaluated during the
    session, not once for the whole session."""

    start_time: LocalTime | None = None
    end_time: LocalTime | None = None
    start_date: LocalDate | None = None
    end_date: LocalDate | None = None
    min_kwh: Number | None = None
    max_kwh: Number | None = None
    min_current: Number | None = None
    max_current: Number | None = None
    min_power: Number | None = None
    max_power: Number | None = None
    min_duration: Integer | None = None
    max_duration: Integer | None = None
    day_of_week: list[DayOfWeek] | None = None
    reservation: ReservationRestrictionType | None = None


class TariffElement(OcpiModel):
    """mod_tariffs_tariffelement_class: price components that share one set of restrictions."""

    price_components: list[PriceComponent] = Field(min_length=1)
    restrictions: TariffRestrictions | None = None


class Tariff(OcpiModel):
    """mod_tariffs_tariff_object."""

    country_code: CountryCode
    party_id: PartyId
    id: CiString36
    currency: String3
    type: TariffType | None = None
    tariff_alt_text: list[DisplayText] | None = None
    tariff_alt_url: Url | None = None
    min_price: DecimalPrice | None = None
    max_price: DecimalPrice | None = None
    # `+`: "A Tariff object consists of a list of one or more Tariff Elements".
    elements: list[TariffElement] = Field(min_length=1)
    start_date_time: DateTime | None = None
    end_date_time: DateTime | None = None
    energy_mix: EnergyMix | None = None
    last_updated: DateTime
