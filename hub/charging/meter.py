"""A transaction's energy and charging periods from its meter readings and charging states (ocpp-notes §3.3;
mod_cdrs_chargingperiod_class, mod_cdrs_cdrdimension_class): kWh from the register, and a new period only
when charging turns into parking or back."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from hub.ocpi.base import format_datetime, parse_datetime
from hub.ocpi.v221.cdrs import CdrDimensionType
from hub.ports import ChargingState, MeterReading

# "PARKING_TIME: vehicle is not requesting power" (bug-fix branch); SUSPENDED_EVSE is a pause on our side, so
# the EV still counts as charging.
PARKING_STATES = frozenset({ChargingState.SUSPENDED_EV, ChargingState.EV_CONNECTED, ChargingState.IDLE})
WH_PER_KWH = Decimal(1000)
SECONDS_PER_HOUR = Decimal(3600)
HOURS = Decimal("0.0001")
BACKWARDS_KEPT = 10


def _decimal(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def is_parking(state: ChargingState | None) -> bool:
    return state in PARKING_STATES


@dataclass
class Period:
    """One charging period: charging or parking from `start` until the next period starts."""

    start: datetime
    parking: bool
    # The register (Wh) when the period started and at its last reading; None until a register is known.
    start_wh: Decimal | None = None
    last_wh: Decimal | None = None
    max_power_w: Decimal | None = None
    soc: Decimal | None = None

    def energy_kwh(self) -> Decimal:
        if self.start_wh is None or self.last_wh is None:
            return Decimal(0)
        return (self.last_wh - self.start_wh) / WH_PER_KWH

    def dump(self) -> dict[str, Any]:
        return {
            "start": format_datetime(self.start),
            "parking": self.parking,
            "start_wh": _text(self.start_wh),
            "last_wh": _text(self.last_wh),
            "max_power_w": _text(self.max_power_w),
            "soc": _text(self.soc),
        }

    @classmethod
    def load(cls, data: dict[str, Any]) -> Period:
        return cls(
            start=parse_datetime(data["start"]),
            parking=bool(data["parking"]),
            start_wh=_decimal(data.get("start_wh")),
            last_wh=_decimal(data.get("last_wh")),
            max_power_w=_decimal(data.get("max_power_w")),
            soc=_decimal(data.get("soc")),
        )


@dataclass
class Meter:
    """What the readings of one transaction say so far. `sent` counts the periods already in the OCPI Session
    (a Session PATCH appends charging periods, so only closed periods are sent, each once)."""

    first_wh: Decimal | None = None
    last_wh: Decimal | None = None
    last_reading_at: datetime | None = None
    charging_state: ChargingState | None = None
    periods: list[Period] = field(default_factory=list)
    sent: int = 0
    # Registers that went below the highest one seen at a later moment than it (a faulty or replaced meter):
    # {"at", "wh", "highest_wh"}, the first BACKWARDS_KEPT of them. Kept as evidence for reconciliation.
    backwards: list[dict[str, str]] = field(default_factory=list)

    @classmethod
    def begin(cls, at: datetime, state: ChargingState | None) -> Meter:
        return cls(charging_state=state, periods=[Period(start=at, parking=is_parking(state))])

    def kwh(self) -> Decimal:
        if self.first_wh is None or self.last_wh is None:
            return Decimal(0)
        return (self.last_wh - self.first_wh) / WH_PER_KWH

    def read(self, reading: MeterReading) -> None:
        """Take one reading. A register lower than one already seen changes nothing: registers only grow, so
        it is a late reading or, when it is not earlier than the last reading, a meter that went backwards
        (noted in `backwards`). A late reading's power and SoC belong to an earlier moment and are dropped."""
        late = self.last_reading_at is not None and reading.timestamp < self.last_reading_at
        period = self.periods[-1]
        if reading.energy_wh is not None:
            energy = reading.energy_wh
            if not late and self.last_wh is not None and energy < self.last_wh:
                self._went_backwards(reading.timestamp, energy)
            if self.first_wh is None:
                self.first_wh = energy
            if self.last_wh is None or energy > self.last_wh:
                self.last_wh = energy
            for open_period in self.periods:
                if open_period.start_wh is None:
                    open_period.start_wh = self.first_wh
                    open_period.last_wh = self.first_wh
            period.last_wh = self.last_wh
        if not late:
            self.last_reading_at = reading.timestamp
            if reading.power_w is not None and (
                period.max_power_w is None or reading.power_w > period.max_power_w
            ):
                period.max_power_w = reading.power_w
            if reading.soc is not None:
                period.soc = reading.soc

    def _went_backwards(self, at: datetime, energy: Decimal) -> None:
        if len(self.backwards) < BACKWARDS_KEPT:
            self.backwards.append(
                {"at": format_datetime(at), "wh": str(energy), "highest_wh": str(self.last_wh)}
            )

    def change_state(self, state: ChargingState, at: datetime) -> bool:
        """A new charging state at `at`; a new period starts when charging turns into parking or back.
        Returns whether the state changed."""
        if state == self.charging_state:
            return False
        self.charging_state = state
        parking = is_parking(state)
        period = self.periods[-1]
        if parking == period.parking:
            return True
        if at <= period.start:
            # Nothing happened in the period yet: it is the new kind from its start.
            period.parking = parking
            return True
        self.periods.append(Period(start=at, parking=parking, start_wh=self.last_wh, last_wh=self.last_wh))
        return True

    def ocpi_periods(
        self, until: datetime, *, start: int = 0, stop: int | None = None
    ) -> list[dict[str, Any]]:
        """The ChargingPeriods `start`..`stop` (default: all); the last period runs until `until`."""
        result = []
        chosen = self.periods[start:stop]
        for index, period in enumerate(chosen, start):
            end = self.periods[index + 1].start if index + 1 < len(self.periods) else until
            hours = (
                Decimal((max(end, period.start) - period.start).total_seconds()) / SECONDS_PER_HOUR
            ).quantize(HOURS)
            time_kind = CdrDimensionType.PARKING_TIME if period.parking else CdrDimensionType.TIME
            dimensions: list[dict[str, Any]] = [
                {"type": CdrDimensionType.ENERGY.value, "volume": period.energy_kwh()},
                {"type": time_kind.value, "volume": hours},
            ]
            if period.max_power_w is not None:
                dimensions.append(
                    {"type": CdrDimensionType.MAX_POWER.value, "volume": period.max_power_w / WH_PER_KWH}
                )
            if period.soc is not None:
                dimensions.append({"type": CdrDimensionType.STATE_OF_CHARGE.value, "volume": period.soc})
            result.append({"start_date_time": format_datetime(period.start), "dimensions": dimensions})
        return result

    def closed(self) -> int:
        """How many periods are over (all but the open one)."""
        return len(self.periods) - 1

    def dump(self) -> dict[str, Any]:
        return {
            "first_wh": _text(self.first_wh),
            "last_wh": _text(self.last_wh),
            "last_reading_at": None
            if self.last_reading_at is None
            else format_datetime(self.last_reading_at),
            "charging_state": None if self.charging_state is None else self.charging_state.value,
            "periods": [period.dump() for period in self.periods],
            "sent": self.sent,
            **({"backwards": self.backwards} if self.backwards else {}),
        }

    @classmethod
    def load(cls, data: dict[str, Any]) -> Meter:
        state = data.get("charging_state")
        at = data.get("last_reading_at")
        return cls(
            first_wh=_decimal(data.get("first_wh")),
            last_wh=_decimal(data.get("last_wh")),
            last_reading_at=None if at is None else parse_datetime(at),
            charging_state=None if state is None else ChargingState(state),
            periods=[Period.load(p) for p in data.get("periods") or []],
            sent=int(data.get("sent") or 0),
            backwards=list(data.get("backwards") or []),
        )
