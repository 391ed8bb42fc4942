"""Pricing a charging session with a Tariff (mod_tariffs_tariff_object, mod_tariffs_pricecomponent_class,
mod_tariffs_tariffrestrictions_class, mod_cdrs_step_size).

Periods are homogeneous. mod_cdrs_charging_period: "A CPO SHALL at least start (and add) a ChargingPeriod
every moment/event that has relevance for the total costs of a CDR", for example at 17:00 when energy gets
dearer, or when the current goes over 32 A. So each ChargingPeriod is priced as a whole, with the
restrictions as they stand at its start (time of day, date and weekday in the Location's time zone; the
energy charged and the session duration so far; the period's own current and power). Periods are never
split here; one that does cross a restriction boundary is priced as at its start, and a note says so.

Per period and per dimension, the price comes from "the first Tariff Element with a Price Component for
that dimension in the list with matching Tariff Restrictions"; no such element means that dimension is free.
All arithmetic is Decimal. Totals are rounded to 4 decimals, ROUND_HALF_UP ("Unless mentioned otherwise,
numbers use 4 decimals", types_number_type); total_cost is the sum of the rounded parts.
"""

from __future__ import annotations

import decimal
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal
from enum import StrEnum

from hub.ocpi.base import ci_equal
from hub.ocpi.v221.cdrs import CdrDimensionType, ChargingPeriod, PricingInput
from hub.ocpi.v221.tariffs import (
    DecimalPrice,
    PriceComponent,
    ReservationRestrictionType,
    Tariff,
    TariffDimensionType,
)
from hub.pricing.restrictions import Moment, PeriodState, reservation_matches, restrictions_hold

__all__ = ["Cost", "CostKind", "PricedLine", "PricedSession", "format_amount", "price_session"]

FOUR_PLACES = Decimal("0.0001")
SECONDS_PER_HOUR = Decimal(3600)
WH_PER_KWH = Decimal(1000)
ZERO = Decimal(0)
_ONE_MICROSECOND = timedelta(microseconds=1)

# The CDR dimensions that carry a billable amount, the tariff dimension that prices each, and whether it is
# reservation time ("TIME ... Can also be used in combination with a RESERVATION restriction to describe the
# price of the reservation time"). Within a period, charging comes before parking.
_BILLABLE = (
    (CdrDimensionType.ENERGY, TariffDimensionType.ENERGY, False),
    (CdrDimensionType.TIME, TariffDimensionType.TIME, False),
    (CdrDimensionType.PARKING_TIME, TariffDimensionType.PARKING_TIME, False),
    (CdrDimensionType.RESERVATION_TIME, TariffDimensionType.TIME, True),
)
_CHARGING_SIGNS = (CdrDimensionType.ENERGY, CdrDimensionType.TIME, CdrDimensionType.PARKING_TIME)


class CostKind(StrEnum):
    """The CDR total a priced line counts towards (mod_cdrs_cdr_object)."""

    FIXED = "total_fixed_cost"
    ENERGY = "total_energy_cost"
    TIME = "total_time_cost"
    PARKING = "total_parking_cost"
    RESERVATION = "total_reservation_cost"


@dataclass(frozen=True)
class Cost:
    """A Price (types_price_class) in Decimal; `incl_vat` is None when a price component has no `vat`."""

    excl_vat: Decimal
    incl_vat: Decimal | None


@dataclass(frozen=True)
class PricedLine:
    """One billed amount, like a row of the spec's breakdown tables. `consumed` and `billed` are in `unit`
    (kWh, seconds, or one fee); `billed` includes what step_size added. Amounts are exact, not rounded."""

    period: int
    element: int
    dimension: TariffDimensionType
    reservation: bool
    kind: CostKind
    unit: str
    consumed: Decimal
    billed: Decimal
    price: Decimal
    vat: Decimal | None
    excl_vat: Decimal
    incl_vat: Decimal | None


@dataclass(frozen=True)
class PricedSession:
    """The CDR cost fields of a priced session, plus what happened on the way (`notes`)."""

    total_cost: Cost
    total_fixed_cost: Cost
    total_energy_cost: Cost
    total_time_cost: Cost
    total_parking_cost: Cost
    total_reservation_cost: Cost
    total_cost_before_limits: Cost
    min_price_applied: bool
    max_price_applied: bool
    lines: tuple[PricedLine, ...]
    notes: tuple[str, ...]

    @property
    def total_parking_time_cost(self) -> Cost:
        """The name the issue uses for total_parking_cost."""
        return self.total_parking_cost


def round4(value: Decimal) -> Decimal:
    """4 decimals, half up; never a negative zero."""
    rounded = value.quantize(FOUR_PLACES, rounding=ROUND_HALF_UP)
    return rounded.copy_abs() if rounded.is_zero() else rounded


def format_amount(value: Decimal) -> str:
    """A money amount as text: at most 4 decimals, at least 2 ("5.00", "5.625", "6.2375")."""
    whole, _, fraction = f"{round4(value):f}".partition(".")
    return f"{whole}.{fraction.rstrip('0').ljust(2, '0')}"


def _format_seconds(seconds: Decimal) -> str:
    if seconds % 60 == 0:
        return f"{seconds // 60:f} min"
    return f"{seconds:f} s"


def _format_quantity(value: Decimal, unit: str) -> str:
    return _format_seconds(value) if unit == "s" else f"{value.normalize():f} {unit}"


def _seconds(delta: timedelta) -> Decimal:
    return Decimal(delta.days * 86400 + delta.seconds) + Decimal(delta.microseconds) / 1_000_000


def _hours_to_seconds(hours: Decimal) -> Decimal:
    # CDR durations are hours with 4 decimals (0.36 s), while the step_size multiplier is 1 second: read
    # them to the nearest second, so 40 minutes written as 0.6667 h is 2400 s, not 2401 s after rounding up.
    return (hours * SECONDS_PER_HOUR).quantize(Decimal(1), rounding=ROUND_HALF_UP)


@dataclass
class _Charge:
    period: int
    element: int
    component: PriceComponent
    reservation: bool
    consumed: Decimal
    billed: Decimal

    @property
    def dimension(self) -> TariffDimensionType:
        return self.component.type


class _Pricer:
    def __init__(self, tariff: Tariff, session: PricingInput, time_zone: tzinfo) -> None:
        self.tariff = tariff
        self.session = session
        self.time_zone = time_zone
        self.notes: list[str] = []
        self.unevaluable: dict[tuple[int, str], int] = {}
        self.periods: list[ChargingPeriod] = sorted(session.charging_periods, key=lambda p: p.start_date_time)
        if self.periods != list(session.charging_periods):
            self.notes.append("charging_periods are not in time order: priced in order of start_date_time")
        self.ends: list[datetime] = [p.start_date_time for p in self.periods[1:]] + [session.end_date_time]
        self.volumes: list[dict[CdrDimensionType, Decimal]] = [self._volumes(p) for p in self.periods]
        kinds = [{d.type for d in p.dimensions} for p in self.periods]
        self.in_reservation = [CdrDimensionType.RESERVATION_TIME in k for k in kinds]
        self.in_charging = [bool(k - {CdrDimensionType.RESERVATION_TIME}) for k in kinds]
        charged = session.total_energy != 0 or any(
            v.get(d, ZERO) != 0 for v in self.volumes for d in _CHARGING_SIGNS
        )
        # RESERVATION_EXPIRES: "driver does not start a charging session before expiry_date of the reservation".
        self.expired = any(self.in_reservation) and not charged
        first_charging = next((p for p, c in zip(self.periods, self.in_charging, strict=True) if c), None)
        # min_duration / max_duration are about "the Charging Session"; a reservation before it does not count.
        self.charging_start = (
            first_charging.start_date_time
            if any(self.in_reservation) and first_charging is not None
            else session.start_date_time
        )
        self.energy_before: list[Decimal] = []
        total = ZERO
        for volumes in self.volumes:
            self.energy_before.append(total)
            total += volumes.get(CdrDimensionType.ENERGY, ZERO)
        self.period_energy_total = total

    # --- reading the CDR ------------------------------------------------------------------------------

    @staticmethod
    def _volumes(period: ChargingPeriod) -> dict[CdrDimensionType, Decimal]:
        volumes: dict[CdrDimensionType, Decimal] = {}
        for dimension in period.dimensions:
            volumes.setdefault(dimension.type, dimension.volume)
        return volumes

    def _state(self, index: int, reservation: bool) -> PeriodState:
        origin = self.session.start_date_time if reservation else self.charging_start
        start_utc, end_utc = self.periods[index].start_date_time, self.ends[index]
        energy_start = self.energy_before[index]
        energy_end = energy_start + self.volumes[index].get(CdrDimensionType.ENERGY, ZERO)
        last_instant = max(end_utc - _ONE_MICROSECOND, start_utc)
        volumes = self.volumes[index]
        return PeriodState(
            index=index,
            start=Moment(
                local=start_utc.astimezone(self.time_zone),
                energy_kwh=energy_start,
                elapsed_s=_seconds(start_utc - origin),
            ),
            end=Moment(
                local=last_instant.astimezone(self.time_zone),
                energy_kwh=energy_end,
                elapsed_s=_seconds(end_utc - origin),
                energy_from_below=energy_end > energy_start,
                elapsed_from_below=end_utc > start_utc,
            ),
            reservation=reservation,
            reservation_expired=self.expired,
            min_current=volumes.get(CdrDimensionType.MIN_CURRENT),
            max_current=volumes.get(CdrDimensionType.MAX_CURRENT),
            current=volumes.get(CdrDimensionType.CURRENT),
            min_power=volumes.get(CdrDimensionType.MIN_POWER),
            max_power=volumes.get(CdrDimensionType.MAX_POWER),
            power=volumes.get(CdrDimensionType.POWER),
        )

    def _priced_periods(self) -> list[bool]:
        named = [p.tariff_id for p in self.periods]
        if all(name is None for name in named):
            return [True] * len(self.periods)
        priced = [name is not None and ci_equal(name, self.tariff.id) for name in named]
        unnamed = [f"charging_periods[{i}]" for i, name in enumerate(named) if name is None]
        if unnamed:
            # ChargingPeriod.tariff_id: "If not provided, no Tariff is relevant during this period."
            self.notes.append(f"{', '.join(unnamed)} name no tariff_id while others do: not priced")
        others = [
            f"charging_periods[{i}]" for i, name in enumerate(named) if name is not None and not priced[i]
        ]
        if others:
            self.notes.append(f"{', '.join(others)} name another tariff than {self.tariff.id}: not priced")
        return priced

    # --- choosing price components --------------------------------------------------------------------

    def _select(
        self, dimension: TariffDimensionType, state: PeriodState, moment: Moment, *, record: bool = True
    ) -> tuple[int, PriceComponent] | None:
        order = list(range(len(self.tariff.elements)))
        if state.reservation and state.reservation_expired:
            # "When a Tariff has both RESERVATION and RESERVATION_EXPIRES Tariff Elements, where both Tariff
            # Elements have a TIME Price Component, then the time based cost of an expired reservation will be
            # calculated based on the RESERVATION_EXPIRES Tariff Element", whatever their order.
            order.sort(key=lambda i: not self._expires(i))
        for index in order:
            element = self.tariff.elements[index]
            component = next((c for c in element.price_components if c.type is dimension), None)
            if component is None:
                continue
            unknown: set[str] = set()
            holds = restrictions_hold(element.restrictions, state, moment, unknown)
            if record:
                for name in unknown:
                    self.unevaluable.setdefault((index, name), state.index)
            if holds:
                return index, component
        return None

    def _expires(self, index: int) -> bool:
        restrictions = self.tariff.elements[index].restrictions
        return (
            restrictions is not None
            and restrictions.reservation is ReservationRestrictionType.RESERVATION_EXPIRES
        )

    def _prices(self, dimension: TariffDimensionType, state: PeriodState) -> bool:
        return any(
            reservation_matches(element.restrictions, state)
            and any(c.type is dimension for c in element.price_components)
            for element in self.tariff.elements
        )

    def _check_boundary(self, dimension: TariffDimensionType, state: PeriodState, chosen: int) -> None:
        if self.periods[state.index].start_date_time >= self.ends[state.index]:
            return
        at_end = self._select(dimension, state, state.end, record=False)
        if at_end is None or at_end[0] != chosen:
            later = "no element" if at_end is None else f"elements[{at_end[0]}]"
            self.notes.append(
                f"charging_periods[{state.index}] crosses a restriction boundary for {dimension}: elements[{chosen}]"
                f" applies at its start, {later} at its end; priced as a whole with elements[{chosen}]"
                " (the CPO should have started a new charging period there)"
            )

    def _charges(self, priced: list[bool]) -> list[_Charge]:
        charges: list[_Charge] = []
        # FLAT: a fixed fee "that has to be paid for any Charging Session": once for the charging session and,
        # as tariff_16 bills a reservation fee besides the start fee, once for the reservation, each from the
        # first period where an element with a FLAT component applies.
        for reservation in (True, False):
            for index in range(len(self.periods)):
                part = (
                    self.in_reservation[index]
                    if reservation
                    else self.in_charging[index] and not self.expired
                )
                if not (priced[index] and part):
                    continue
                state = self._state(index, reservation)
                chosen = self._select(TariffDimensionType.FLAT, state, state.start)
                if chosen is not None:
                    charges.append(_Charge(index, chosen[0], chosen[1], reservation, Decimal(1), Decimal(1)))
                    break
        for index in range(len(self.periods)):
            if not priced[index]:
                continue
            for cdr_dimension, dimension, reservation in _BILLABLE:
                volume = self.volumes[index].get(cdr_dimension)
                if not volume:
                    continue
                quantity = volume if dimension is TariffDimensionType.ENERGY else _hours_to_seconds(volume)
                if quantity == 0:
                    continue
                state = self._state(index, reservation)
                chosen = self._select(dimension, state, state.start)
                if chosen is None:
                    if self._prices(dimension, state):
                        self.notes.append(
                            f"charging_periods[{index}]: the restrictions of no {dimension} price component"
                            f" match, so its {cdr_dimension} is not billed"
                        )
                    continue
                self._check_boundary(dimension, state, chosen[0])
                charges.append(_Charge(index, chosen[0], chosen[1], reservation, quantity, quantity))
        return charges

    # --- step_size ------------------------------------------------------------------------------------

    def _apply_step_sizes(self, charges: list[_Charge]) -> None:
        # mod_cdrs_step_size: "step_size SHALL only be taken into account once per session for ... ENERGY and
        # once for PARKING_TIME and TIME combined", on "the total amount of a certain unit used during a
        # session", with "the step_size of the last relevant PriceComponent"; the extra is billed in the last
        # period that was billed for it (tariff_14, "switching to Free-of-Charge Tariff Element").
        energy = [c for c in charges if c.dimension is TariffDimensionType.ENERGY]
        self._round_up(energy, "ENERGY")
        timed = [
            c
            for c in charges
            if not c.reservation
            and c.dimension in (TariffDimensionType.TIME, TariffDimensionType.PARKING_TIME)
        ]
        if timed:
            # "In the cases that TIME and PARKING_TIME Tariff Elements are both used, step_size is only taken
            # into account for the total parking duration ... as it is followed by another time based period":
            # only the dimension of the last time-based period is rounded.
            last = timed[-1].dimension
            self._round_up([c for c in timed if c.dimension is last], str(last))
        # Reservation time is its own cost (total_reservation_cost) and is rounded on its own (tariff_16/17/18).
        reserved = [c for c in charges if c.reservation and c.dimension is TariffDimensionType.TIME]
        self._round_up(reserved, "reservation TIME")

    def _round_up(self, charges: list[_Charge], label: str) -> None:
        if not charges:
            return
        total = sum((c.consumed for c in charges), ZERO)
        if total <= 0:
            return
        last = charges[-1]
        energy = last.dimension is TariffDimensionType.ENERGY
        step = Decimal(last.component.step_size) / (WH_PER_KWH if energy else 1)
        billed = (total / step).to_integral_value(rounding=ROUND_CEILING) * step
        if billed == total:
            return
        last.billed += billed - total
        unit = "kWh" if energy else "s"
        step_text = f"{last.component.step_size} Wh" if energy else f"{last.component.step_size} s"
        self.notes.append(
            f"step_size: {label} total {_format_quantity(total, unit)} billed as {_format_quantity(billed, unit)}"
            f" (step_size {step_text} of elements[{last.element}]; the extra is billed in"
            f" charging_periods[{last.period}])"
        )

    # --- money ----------------------------------------------------------------------------------------

    @staticmethod
    def _kind(charge: _Charge) -> CostKind:
        if charge.reservation:
            return CostKind.RESERVATION
        return {
            TariffDimensionType.FLAT: CostKind.FIXED,
            TariffDimensionType.ENERGY: CostKind.ENERGY,
            TariffDimensionType.TIME: CostKind.TIME,
            TariffDimensionType.PARKING_TIME: CostKind.PARKING,
        }[charge.dimension]

    def _line(self, charge: _Charge) -> PricedLine:
        component = charge.component
        if charge.dimension is TariffDimensionType.FLAT:
            unit, excl = "fee", component.price
        elif charge.dimension is TariffDimensionType.ENERGY:
            unit, excl = "kWh", charge.billed * component.price
        else:
            unit, excl = "s", charge.billed * component.price / SECONDS_PER_HOUR
        incl: Decimal | None
        if component.vat is not None:
            incl = excl * (100 + component.vat) / 100
        else:
            # No vat means the VAT is not known, but nothing costs nothing: the Free of Charge example
            # leaves vat out "because it is not necessary (as the price is 0.00)".
            incl = ZERO if excl == 0 else None
        return PricedLine(
            period=charge.period,
            element=charge.element,
            dimension=charge.dimension,
            reservation=charge.reservation,
            kind=self._kind(charge),
            unit=unit,
            consumed=charge.consumed,
            billed=charge.billed,
            price=component.price,
            vat=component.vat,
            excl_vat=excl,
            incl_vat=incl,
        )

    @staticmethod
    def _sum(lines: list[PricedLine]) -> Cost:
        excl = round4(sum((line.excl_vat for line in lines), ZERO))
        parts = [line.incl_vat for line in lines]
        incl = (
            None if any(p is None for p in parts) else round4(sum((p for p in parts if p is not None), ZERO))
        )
        return Cost(excl, incl)

    def _limit(self, total: Cost) -> tuple[Cost, bool, bool]:
        excl, incl = total.excl_vat, total.incl_vat
        min_applied = max_applied = False
        for name, limit in (("min_price", self.tariff.min_price), ("max_price", self.tariff.max_price)):
            if limit is None:
                continue
            new_excl, new_incl = self._bound(name, limit, excl, incl)
            if (new_excl, new_incl) != (excl, incl):
                changes = []
                if new_excl != excl:
                    changes.append(f"from {format_amount(excl)} to {format_amount(new_excl)} excl. VAT")
                if new_incl != incl and incl is not None:
                    changes.append(
                        f"from {format_amount(incl)} to "
                        f"{'unknown' if new_incl is None else format_amount(new_incl)} incl. VAT"
                    )
                verb = "raised" if name == "min_price" else "lowered"
                self.notes.append(f"{name} applied: total_cost {verb} {', '.join(changes)}")
                if name == "min_price":
                    min_applied = True
                else:
                    max_applied = True
            excl, incl = new_excl, new_incl
        return Cost(excl, incl), min_applied, max_applied

    def _bound(
        self, name: str, limit: DecimalPrice, excl: Decimal, incl: Decimal | None
    ) -> tuple[Decimal, Decimal | None]:
        # "So as a rule, they both apply": excl. VAT against limit.excl_vat, incl. VAT against limit.incl_vat.
        def bound(value: Decimal, edge: Decimal) -> Decimal:
            return max(value, round4(edge)) if name == "min_price" else min(value, round4(edge))

        new_excl = bound(excl, limit.excl_vat)
        if incl is None:
            if new_excl != excl and limit.incl_vat is not None:
                self.notes.append(f"{name}: incl_vat unknown, so {name}.incl_vat could not be compared")
            return new_excl, None
        if limit.incl_vat is not None:
            return new_excl, bound(incl, limit.incl_vat)
        if new_excl != excl:
            # The limit names no incl. VAT amount, so the VAT on the adjusted total is not known.
            return new_excl, None
        return new_excl, incl

    # --- the whole session ----------------------------------------------------------------------------

    def _check_inputs(self) -> None:
        tariff, session = self.tariff, self.session
        if session.currency is not None and session.currency.upper() != tariff.currency.upper():
            self.notes.append(
                f"the CDR is in {session.currency}, the tariff in {tariff.currency}: priced in {tariff.currency}"
            )
        if tariff.start_date_time is not None and session.start_date_time < tariff.start_date_time:
            self.notes.append("the session started before the tariff's start_date_time")
        if tariff.end_date_time is not None and session.start_date_time >= tariff.end_date_time:
            self.notes.append("the session started after the tariff's end_date_time")
        prices_energy = any(
            c.type is TariffDimensionType.ENERGY
            for element in tariff.elements
            for c in element.price_components
        )
        if prices_energy and abs(self.period_energy_total - session.total_energy) > Decimal("0.001"):
            self.notes.append(
                f"the charging periods' ENERGY volumes add up to {self.period_energy_total.normalize():f} kWh,"
                f" total_energy says {session.total_energy.normalize():f} kWh: the periods were priced"
            )
        if self.expired:
            self.notes.append(
                "the reservation expired without a charging session (RESERVATION_EXPIRES applies)"
            )

    def run(self) -> PricedSession:
        self._check_inputs()
        charges = self._charges(self._priced_periods())
        self._apply_step_sizes(charges)
        for (element, restriction), period in sorted(self.unevaluable.items()):
            self.notes.append(
                f"elements[{element}].restrictions.{restriction} cannot be evaluated for charging_periods[{period}]"
                " (no matching current or power dimension): that element was taken as not active"
            )
        lines = sorted((self._line(c) for c in charges), key=lambda line: line.period)
        parts = {kind: self._sum([line for line in lines if line.kind is kind]) for kind in CostKind}
        unknown = [str(kind) for kind, cost in parts.items() if cost.incl_vat is None]
        if unknown:
            self.notes.append(
                f"incl_vat unknown for {', '.join(unknown)}: a price component has no vat"
                ' ("Not providing a VAT is different from 0% VAT")'
            )
        incl_parts = [cost.incl_vat for cost in parts.values()]
        before = Cost(
            sum((cost.excl_vat for cost in parts.values()), ZERO),
            None
            if any(p is None for p in incl_parts)
            else sum((p for p in incl_parts if p is not None), ZERO),
        )
        total, min_applied, max_applied = self._limit(before)
        return PricedSession(
            total_cost=total,
            total_fixed_cost=parts[CostKind.FIXED],
            total_energy_cost=parts[CostKind.ENERGY],
            total_time_cost=parts[CostKind.TIME],
            total_parking_cost=parts[CostKind.PARKING],
            total_reservation_cost=parts[CostKind.RESERVATION],
            total_cost_before_limits=before,
            min_price_applied=min_applied,
            max_price_applied=max_applied,
            lines=tuple(lines),
            notes=tuple(self.notes),
        )


def price_session(tariff: Tariff, session: PricingInput, time_zone: tzinfo = UTC) -> PricedSession:
    """Price `session` with `tariff`; restrictions on time of day, date and weekday read `time_zone`, the
    Location's (Tariff restrictions: "local time, the time zone is defined in the time_zone field of the
    Location")."""
    with decimal.localcontext() as context:
        context.prec = 50
        return _Pricer(tariff, session, time_zone).run()
