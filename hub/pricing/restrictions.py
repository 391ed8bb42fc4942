"""When a TariffElement is active (mod_tariffs_tariffrestrictions_class): "When more than one restriction is
set, they are to be treated as a logical AND", evaluated at a moment of the session, not once per session."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from hub.ocpi.v221.tariffs import DayOfWeek, ReservationRestrictionType, TariffRestrictions

__all__ = ["Moment", "PeriodState", "reservation_matches", "restrictions_hold", "time_window_holds"]

_MICROS_PER_DAY = 24 * 3600 * 1_000_000
_WEEKDAYS = list(DayOfWeek)  # MONDAY first, as date.weekday() counts


@dataclass(frozen=True)
class Moment:
    """The session as it stands at one instant of a charging period.

    `*_from_below` marks the last instant of a period, where an amount that grows during the period is not
    yet reached: a period that charges from 10 to 20 kWh is entirely below `max_kwh` 20 ("exclusive").
    """

    local: datetime
    energy_kwh: Decimal
    elapsed_s: Decimal
    energy_from_below: bool = False
    elapsed_from_below: bool = False


@dataclass(frozen=True)
class PeriodState:
    """What a charging period says about itself (CdrDimensionType values), for one pricing context."""

    index: int
    start: Moment
    end: Moment
    reservation: bool
    reservation_expired: bool
    min_current: Decimal | None = None
    max_current: Decimal | None = None
    current: Decimal | None = None
    min_power: Decimal | None = None
    max_power: Decimal | None = None
    power: Decimal | None = None


def _clock(text: str) -> int:
    hours, minutes = text.split(":")
    return (int(hours) * 60 + int(minutes)) * 60 * 1_000_000


def time_window_holds(start_time: str | None, end_time: str | None, local: datetime) -> bool:
    """start_time (inclusive) to end_time (exclusive), local wall-clock time.

    "If end_time < start_time then the period wraps around to the next day. To stop at end of the day use:
    00:00." An end of 00:00 therefore means 24:00; equal start and end (00:00-00:00) is the whole day.
    """
    if start_time is None and end_time is None:
        return True
    begin = 0 if start_time is None else _clock(start_time)
    end = _MICROS_PER_DAY if end_time is None or end_time == "00:00" else _clock(end_time)
    now = ((local.hour * 60 + local.minute) * 60 + local.second) * 1_000_000 + local.microsecond
    if begin < end:
        return begin <= now < end
    if begin > end:
        return now >= begin or now < end
    return True


def _dates_hold(restrictions: TariffRestrictions, day: date) -> bool:
    # start_date "valid from this day (inclusive)", end_date "valid until this day (exclusive)".
    if restrictions.start_date is not None and day < date.fromisoformat(restrictions.start_date):
        return False
    return not (restrictions.end_date is not None and day >= date.fromisoformat(restrictions.end_date))


def _at_least(value: Decimal, minimum: Decimal, from_below: bool) -> bool:
    return value > minimum if from_below else value >= minimum


def _below(value: Decimal, maximum: Decimal, from_below: bool) -> bool:
    return value <= maximum if from_below else value < maximum


def _amounts_hold(restrictions: TariffRestrictions, moment: Moment) -> bool:
    # min_kwh "(inclusive)", max_kwh "(exclusive)"; min_duration "(inclusive)", max_duration "(exclusive)".
    energy, elapsed = moment.energy_kwh, moment.elapsed_s
    if restrictions.min_kwh is not None and not _at_least(
        energy, restrictions.min_kwh, moment.energy_from_below
    ):
        return False
    if restrictions.max_kwh is not None and not _below(
        energy, restrictions.max_kwh, moment.energy_from_below
    ):
        return False
    if restrictions.min_duration is not None and not _at_least(
        elapsed, Decimal(restrictions.min_duration), moment.elapsed_from_below
    ):
        return False
    return restrictions.max_duration is None or _below(
        elapsed, Decimal(restrictions.max_duration), moment.elapsed_from_below
    )


def _first(*values: Decimal | None) -> Decimal | None:
    return next((value for value in values if value is not None), None)


def _levels_hold(restrictions: TariffRestrictions, state: PeriodState, unknown: set[str]) -> bool:
    # min_* "When the EV is charging with more than, or equal to, the defined amount"; max_* "with less than".
    # A period is homogeneous, so its minimum must reach a min_* and its maximum must stay under a max_*.
    checks = (
        (
            "min_current",
            restrictions.min_current,
            _first(state.min_current, state.current, state.max_current),
        ),
        (
            "max_current",
            restrictions.max_current,
            _first(state.max_current, state.current, state.min_current),
        ),
        ("min_power", restrictions.min_power, _first(state.min_power, state.power, state.max_power)),
        ("max_power", restrictions.max_power, _first(state.max_power, state.power, state.min_power)),
    )
    for name, limit, value in checks:
        if limit is None:
            continue
        if value is None:
            unknown.add(name)
            return False
        if name.startswith("min_") and value < limit:
            return False
        if name.startswith("max_") and value >= limit:
            return False
    return True


def reservation_matches(restrictions: TariffRestrictions | None, state: PeriodState) -> bool:
    """Reservation elements price reservation time only, and only they do ("When this field is present, the
    TariffElement describes reservation costs"). RESERVATION_EXPIRES needs a reservation that expired."""
    kind = None if restrictions is None else restrictions.reservation
    if not state.reservation:
        return kind is None
    if kind is None:
        return False
    return kind is ReservationRestrictionType.RESERVATION or state.reservation_expired


def restrictions_hold(
    restrictions: TariffRestrictions | None,
    state: PeriodState,
    moment: Moment,
    unknown: set[str] | None = None,
) -> bool:
    """Whether every set restriction holds at `moment`; names of restrictions the period cannot answer (no
    current or power dimension) are added to `unknown`, and such a restriction does not hold."""
    if not reservation_matches(restrictions, state):
        return False
    if restrictions is None:
        return True
    local = moment.local
    if not time_window_holds(restrictions.start_time, restrictions.end_time, local):
        return False
    if not _dates_hold(restrictions, local.date()):
        return False
    # day_of_week is `*`: null, [] and omitted all mean "not set".
    if restrictions.day_of_week and _WEEKDAYS[local.weekday()] not in restrictions.day_of_week:
        return False
    if not _amounts_hold(restrictions, moment):
        return False
    return _levels_hold(restrictions, state, set() if unknown is None else unknown)
