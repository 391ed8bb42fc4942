"""Small builders for pricing tests: spec example tariffs, and CDR-shaped sessions made of timed segments."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from hub.ocpi.base import parse_datetime
from hub.ocpi.v221.cdrs import CdrDimensionType, PricingInput
from hub.ocpi.v221.tariffs import Tariff
from hub.pricing import Cost
from tests.spec import EXAMPLES


def load_example(name: str) -> Any:
    """An example file as the command reads it: numbers as Decimal."""
    return json.loads((EXAMPLES / name).read_text(encoding="utf-8"), parse_float=Decimal)


def example_tariff(name: str) -> Tariff:
    return Tariff.model_validate(load_example(name))


def tariff(*elements: dict[str, Any], **fields: Any) -> Tariff:
    """A Tariff with the given elements (JSON-shaped dicts) and otherwise fixed, valid fields."""
    body: dict[str, Any] = {
        "country_code": "NL",
        "party_id": "TST",
        "id": "T1",
        "currency": "EUR",
        "elements": list(elements),
        "last_updated": "2024-01-01T00:00:00Z",
    }
    body.update(fields)
    return Tariff.model_validate(body)


def component(kind: str, price: str, step_size: int = 1, vat: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"type": kind, "price": Decimal(price), "step_size": step_size}
    if vat is not None:
        body["vat"] = Decimal(vat)
    return body


def element(*components: dict[str, Any], **restrictions: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"price_components": list(components)}
    if restrictions:
        body["restrictions"] = restrictions
    return body


def hours(minutes: Decimal | int | str) -> Decimal:
    """Minutes as a CDR writes them: hours with 4 decimals."""
    return (Decimal(minutes) / 60).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Segment:
    """One charging period: how long it lasts and its dimensions."""

    minutes: Decimal
    dimensions: dict[CdrDimensionType, Decimal]
    tariff_id: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def charging(
    minutes: int | str,
    kwh: str | None = None,
    *,
    time: bool = True,
    tariff_id: str | None = None,
    dims: dict[str, str] | None = None,
    **levels: str,
) -> Segment:
    """Charging for `minutes` (a TIME dimension unless time=False), with ENERGY and e.g. max_current="16"."""
    dimensions: dict[CdrDimensionType, Decimal] = {}
    if kwh is not None:
        dimensions[CdrDimensionType.ENERGY] = Decimal(kwh)
    if time:
        dimensions[CdrDimensionType.TIME] = hours(minutes)
    for name, value in (levels | (dims or {})).items():
        dimensions[CdrDimensionType(name.upper())] = Decimal(value)
    return Segment(Decimal(minutes), dimensions, tariff_id)


def parking(minutes: int | str, *, tariff_id: str | None = None) -> Segment:
    return Segment(Decimal(minutes), {CdrDimensionType.PARKING_TIME: hours(minutes)}, tariff_id)


def reserved(minutes: int | str, *, tariff_id: str | None = None) -> Segment:
    return Segment(Decimal(minutes), {CdrDimensionType.RESERVATION_TIME: hours(minutes)}, tariff_id)


def cdr_dict(start: str, *segments: Segment, **fields: Any) -> dict[str, Any]:
    """A CDR-shaped dict whose periods follow each other from `start` (RFC 3339, any offset)."""
    moment: datetime = parse_datetime(start)
    periods = []
    total_energy = Decimal(0)
    total_time = Decimal(0)
    parking_time = Decimal(0)
    for segment in segments:
        period: dict[str, Any] = {
            "start_date_time": moment.isoformat().replace("+00:00", "Z"),
            "dimensions": [
                {"type": str(kind), "volume": volume} for kind, volume in segment.dimensions.items()
            ],
        }
        if segment.tariff_id is not None:
            period["tariff_id"] = segment.tariff_id
        periods.append(period)
        total_energy += segment.dimensions.get(CdrDimensionType.ENERGY, Decimal(0))
        if CdrDimensionType.RESERVATION_TIME not in segment.dimensions:
            total_time += hours(segment.minutes)
        parking_time += segment.dimensions.get(CdrDimensionType.PARKING_TIME, Decimal(0))
        moment += timedelta(seconds=int(segment.minutes * 60))
    body: dict[str, Any] = {
        "start_date_time": parse_datetime(start).isoformat().replace("+00:00", "Z"),
        "end_date_time": moment.isoformat().replace("+00:00", "Z"),
        "charging_periods": periods,
        "total_energy": total_energy,
        "total_time": total_time,
        "total_parking_time": parking_time,
    }
    body.update(fields)
    return body


def cdr(start: str, *segments: Segment, **fields: Any) -> PricingInput:
    return PricingInput.model_validate(cdr_dict(start, *segments, **fields))


def cost(excl: str, incl: str | None) -> Cost:
    return Cost(Decimal(excl), None if incl is None else Decimal(incl))
