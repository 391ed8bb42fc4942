"""Meter values of both OCPP versions as `MeterReading`s (OCPP 1.6 §7.32 MeterValue / §7.43 SampledValue,
OCPP 2.0.1 MeterValueType / SampledValueType / UnitOfMeasureType; ocpp-notes §3.3). Pure translation.

Payloads arrive as the `ocpp` library hands them to handlers: nested dicts with snake_case keys. One reading
per meterValue entry that has any of these quantities (an entry of voltages only tells a Session nothing):

* energy_wh: Energy.Active.Import.Register without phase, else the sum of the phases L1, L2, L3 (L-N);
* power_w: Power.Active.Import, by the same rule;
* current_a: Current.Import, the highest of the values given (phases and total): the load of the most loaded
  conductor, which is what an OCPI CURRENT / MAX_CURRENT dimension is about;
* soc: SoC.

Energy, power and current count only at the Outlet (or with no location): an Inlet meter of a station with
several EVSEs measures all of them. Signed values (1.6 format SignedData) carry no number and are skipped; a
value that is not a number, or whose unit does not fit its measurand, is skipped and logged."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from adapters.ocpp.charge_point import parse_timestamp
from hub.ports import MeterReading

logger = logging.getLogger(__name__)

ENERGY = "Energy.Active.Import.Register"
POWER = "Power.Active.Import"
CURRENT = "Current.Import"
SOC = "SoC"
# Both versions: "Sample.Periodic" when the context is absent.
DEFAULT_CONTEXT = "Sample.Periodic"

# unit -> (quantity, factor to the unit MeterReading uses)
UNITS: dict[str, tuple[str, Decimal]] = {
    "Wh": ("energy", Decimal(1)),
    "kWh": ("energy", Decimal(1000)),
    "W": ("power", Decimal(1)),
    "kW": ("power", Decimal(1000)),
    "A": ("current", Decimal(1)),
    "Percent": ("percent", Decimal(1)),
}
MEASURANDS: dict[str, tuple[str, str]] = {
    ENERGY: ("energy", "Wh"),
    POWER: ("power", "W"),
    CURRENT: ("current", "A"),
    SOC: ("percent", "Percent"),
}
PHASES = {"L1": 1, "L2": 2, "L3": 3, "L1-N": 1, "L2-N": 2, "L3-N": 3}
METER_LOCATIONS = frozenset({None, "Outlet"})


@dataclass(frozen=True)
class Sample:
    """One sampled value, version-neutral: its number already in the measurand's MeterReading unit."""

    measurand: str
    value: Decimal
    phase: str | None
    location: str | None


def readings_16(meter_values: Iterable[Any] | None) -> tuple[MeterReading, ...]:
    """1.6 meterValue[] (MeterValues, StopTransaction transactionData)."""
    return _readings(meter_values, _samples_16)


def readings_201(meter_values: Iterable[Any] | None) -> tuple[MeterReading, ...]:
    """2.0.1 meterValue[] (TransactionEvent, MeterValues)."""
    return _readings(meter_values, _samples_201)


def _readings(
    meter_values: Iterable[Any] | None,
    samples_of: Callable[[list[Mapping[str, Any]]], Iterable[Sample]],
) -> tuple[MeterReading, ...]:
    readings: list[MeterReading] = []
    for entry in meter_values or ():
        if not isinstance(entry, Mapping):
            continue
        timestamp = parse_timestamp(entry.get("timestamp"))
        if timestamp is None:
            logger.warning("meter value skipped: unreadable timestamp %.50r", entry.get("timestamp"))
            continue
        raw = entry.get("sampled_value")
        sampled = [s for s in raw if isinstance(s, Mapping)] if isinstance(raw, list) else []
        context = _text(sampled[0].get("context")) if sampled else None
        found = reading(timestamp, list(samples_of(sampled)), context)
        if any(q is not None for q in (found.energy_wh, found.power_w, found.current_a, found.soc)):
            readings.append(found)
    return tuple(readings)


def reading(timestamp: datetime, samples: list[Sample], context: str | None = None) -> MeterReading:
    """The samples of one meterValue entry as one reading; `context` is its first sample's."""
    at_outlet = [s for s in samples if s.location in METER_LOCATIONS]
    currents = [s.value for s in at_outlet if s.measurand == CURRENT]
    socs = [s.value for s in samples if s.measurand == SOC]
    return MeterReading(
        timestamp=timestamp,
        energy_wh=_total(s for s in at_outlet if s.measurand == ENERGY),
        power_w=_total(s for s in at_outlet if s.measurand == POWER),
        current_a=max(currents) if currents else None,
        soc=socs[0] if socs else None,
        context=context or DEFAULT_CONTEXT,
    )


def _total(samples: Iterable[Sample]) -> Decimal | None:
    """The value without phase, else the sum of the line phases (one value per line; N and L-L are not
    summed: they are no share of the total)."""
    phases: dict[int, Decimal] = {}
    for sample in samples:
        if sample.phase is None:
            return sample.value
        line = PHASES.get(sample.phase)
        if line is not None:
            phases.setdefault(line, sample.value)
    return sum(phases.values(), Decimal(0)) if phases else None


def _samples_16(sampled: list[Mapping[str, Any]]) -> Iterable[Sample]:
    for value in sampled:
        if value.get("format") == "SignedData":
            continue
        measurand = str(value.get("measurand") or ENERGY)
        number = _number(value.get("value")) if isinstance(value.get("value"), str) else None
        sample = _sample(value, measurand, number, value.get("unit"), Decimal(1))
        if sample is not None:
            yield sample


def _samples_201(sampled: list[Mapping[str, Any]]) -> Iterable[Sample]:
    for value in sampled:
        measurand = str(value.get("measurand") or ENERGY)
        raw = value.get("value")
        number = None if isinstance(raw, bool) or not isinstance(raw, int | float) else _number(raw)
        unit_of_measure = value.get("unit_of_measure")
        unit = multiplier = None
        if isinstance(unit_of_measure, Mapping):
            unit, multiplier = unit_of_measure.get("unit"), unit_of_measure.get("multiplier")
        if multiplier is not None and (isinstance(multiplier, bool) or not isinstance(multiplier, int)):
            logger.warning("sampled value skipped: multiplier %.50r is not an integer", multiplier)
            continue
        sample = _sample(value, measurand, number, unit, Decimal(10) ** (multiplier or 0))
        if sample is not None:
            yield sample


def _sample(
    value: Mapping[str, Any], measurand: str, number: Decimal | None, unit: Any, scale: Decimal
) -> Sample | None:
    wanted = MEASURANDS.get(measurand)
    if wanted is None:
        return None
    if number is None:
        logger.warning("sampled value of %s skipped: %.50r is not a number", measurand, value.get("value"))
        return None
    quantity, default_unit = wanted
    # The specs default to Wh for energy; a station leaving the unit out of power, current or SoC means that
    # quantity's own unit.
    unit = unit or default_unit
    known = UNITS.get(str(unit))
    if known is None or known[0] != quantity:
        logger.warning("sampled value of %s skipped: unit %.20r does not fit", measurand, unit)
        return None
    return Sample(
        measurand=measurand,
        value=number * scale * known[1],
        phase=_text(value.get("phase")),
        location=_text(value.get("location")),
    )


def _number(value: Any) -> Decimal | None:
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _text(value: Any) -> str | None:
    return str(value) if value is not None else None
