"""OCPI ChargingProfiles as OCPP TxProfiles and OCPP composite schedules as OCPI ActiveChargingProfiles
(ocpp-notes §3.5; mod_charging_profiles_charging_profile_class; OCPP 1.6 §7.13 ChargingProfile, 2.0.1
ChargingProfileType / CompositeScheduleType). Pure translation."""

from __future__ import annotations

import zlib
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import ROUND_FLOOR, Decimal, InvalidOperation
from typing import Any

from ocpp.v16 import datatypes as datatypes16
from ocpp.v16 import enums as enums16
from ocpp.v201 import datatypes as datatypes201
from ocpp.v201 import enums as enums201

from adapters.ocpp.charge_point import parse_timestamp
from hub.ocpi.base import format_datetime
from hub.ocpi.v221.charging_profiles import (
    ActiveChargingProfile,
    ChargingProfile,
    ChargingProfilePeriod,
    ChargingRateUnit,
)

TENTH = Decimal("0.1")
# Ours is the only TxProfile of a transaction we set; the charger's own limits stack above or below it.
STACK_LEVEL = 0


def profile_id(session_id: str) -> int:
    """The OCPP chargingProfileId of a Session's profile: the same in every process and after a restart, so
    that a new profile replaces the old and ClearChargingProfile names it (31 bits: OCPP integers are signed)."""
    return zlib.crc32(f"ocpi-session:{session_id.upper()}".encode()) & 0x7FFFFFFF or 1


def tenth(value: Any) -> Decimal:
    """A limit with at most one decimal, rounded down (a limit is a maximum): the 1.6 schema says
    `multipleOf: 0.1` and OCPI "at most one digit fraction"."""
    return Decimal(str(value)).quantize(TENTH, rounding=ROUND_FLOOR)


def _rate(value: Decimal | None) -> float | None:
    # A float of a one-decimal Decimal prints as that decimal ("6.2"), which the schema's multipleOf takes.
    return None if value is None else float(tenth(value))


def _start(profile: ChargingProfile) -> str | None:
    return None if profile.start_date_time is None else format_datetime(profile.start_date_time)


def _kind(profile: ChargingProfile) -> str:
    # Absolute when the eMSP fixed the start; otherwise relative to the start of the transaction.
    return "Absolute" if profile.start_date_time is not None else "Relative"


def profile_16(
    profile: ChargingProfile, *, profile_id: int, transaction_id: int
) -> datatypes16.ChargingProfile:
    """csChargingProfiles of a 1.6 SetChargingProfile."""
    return datatypes16.ChargingProfile(
        charging_profile_id=profile_id,
        stack_level=STACK_LEVEL,
        charging_profile_purpose=enums16.ChargingProfilePurposeType.tx_profile,
        charging_profile_kind=enums16.ChargingProfileKindType(_kind(profile)),
        transaction_id=transaction_id,
        charging_schedule=datatypes16.ChargingSchedule(
            charging_rate_unit=enums16.ChargingRateUnitType(profile.charging_rate_unit.value),
            duration=profile.duration,
            start_schedule=_start(profile),
            min_charging_rate=_rate(profile.min_charging_rate),
            charging_schedule_period=[
                datatypes16.ChargingSchedulePeriod(start_period=p.start_period, limit=float(tenth(p.limit)))
                for p in profile.charging_profile_period or []
            ],
        ),
    )


def profile_201(
    profile: ChargingProfile, *, profile_id: int, transaction_id: str
) -> datatypes201.ChargingProfileType:
    """chargingProfile of a 2.0.1 SetChargingProfile."""
    return datatypes201.ChargingProfileType(
        id=profile_id,
        stack_level=STACK_LEVEL,
        charging_profile_purpose=enums201.ChargingProfilePurposeEnumType.tx_profile,
        charging_profile_kind=enums201.ChargingProfileKindEnumType(_kind(profile)),
        transaction_id=transaction_id,
        charging_schedule=[
            datatypes201.ChargingScheduleType(
                id=profile_id,
                charging_rate_unit=enums201.ChargingRateUnitEnumType(profile.charging_rate_unit.value),
                duration=profile.duration,
                start_schedule=_start(profile),
                min_charging_rate=_rate(profile.min_charging_rate),
                charging_schedule_period=[
                    datatypes201.ChargingSchedulePeriodType(
                        start_period=p.start_period, limit=float(tenth(p.limit))
                    )
                    for p in profile.charging_profile_period or []
                ],
            )
        ],
    )


def active_profile(schedule: Mapping[str, Any], schedule_start: Any) -> ActiveChargingProfile | None:
    """A composite schedule (the library hands nested objects over as snake_case dicts) as OCPI; None when
    it is not one (no rate unit, unreadable numbers)."""
    try:
        unit = ChargingRateUnit(str(schedule.get("charging_rate_unit")))
        periods = [
            ChargingProfilePeriod(start_period=int(p["start_period"]), limit=tenth(p["limit"]))
            for p in schedule.get("charging_schedule_period") or []
        ]
        minimum = schedule.get("min_charging_rate")
        duration = schedule.get("duration")
        start = parse_timestamp(schedule_start) or parse_timestamp(schedule.get("start_schedule"))
        return ActiveChargingProfile(
            start_date_time=start or datetime.now(UTC),
            charging_profile=ChargingProfile(
                charging_rate_unit=unit,
                duration=None if duration is None else int(duration),
                min_charging_rate=None if minimum is None else tenth(minimum),
                charging_profile_period=periods,
            ),
        )
    except (ValueError, KeyError, TypeError, InvalidOperation):
        return None
