"""pricing: CDRs priced per second (mod_tariffs, hub.pricing) for a multi-element Tariff with restrictions,
against the same sessions priced with a one-element energy Tariff in the same process."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from benchmarks.core import Context, Figure, Target, benchmark
from benchmarks.stats import Spread
from hub.ocpi.v221.cdrs import PricingInput
from hub.ocpi.v221.tariffs import Tariff
from hub.pricing.engine import price_session

ZONE = ZoneInfo("Europe/Amsterdam")
STAMP = "2026-01-01T00:00:00Z"


def _tariff(tariff_id: str, elements: list[dict[str, Any]]) -> Tariff:
    return Tariff.model_validate(
        {
            "country_code": "NL",
            "party_id": "BEN",
            "id": tariff_id,
            "currency": "EUR",
            "elements": elements,
            "last_updated": STAMP,
        }
    )


def restricted_tariff() -> Tariff:
    """Peak and off-peak energy, a power-dependent time price, parking after a free hour, a start fee."""
    return _tariff(
        "COMPLEX",
        [
            {
                "price_components": [{"type": "FLAT", "price": 0.50, "vat": 21.0, "step_size": 1}],
            },
            {
                "price_components": [{"type": "ENERGY", "price": 0.35, "vat": 21.0, "step_size": 100}],
                "restrictions": {
                    "start_time": "07:00",
                    "end_time": "23:00",
                    "day_of_week": ["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY"],
                },
            },
            {"price_components": [{"type": "ENERGY", "price": 0.25, "vat": 21.0, "step_size": 100}]},
            {
                "price_components": [{"type": "TIME", "price": 3.00, "vat": 21.0, "step_size": 60}],
                "restrictions": {"min_power": 22.0},
            },
            {
                "price_components": [{"type": "TIME", "price": 1.00, "vat": 21.0, "step_size": 60}],
                "restrictions": {"max_power": 22.0, "min_kwh": 5.0},
            },
            {
                "price_components": [{"type": "PARKING_TIME", "price": 6.00, "vat": 21.0, "step_size": 300}],
                "restrictions": {"min_duration": 3600, "start_time": "08:00", "end_time": "20:00"},
            },
        ],
    )


def energy_tariff() -> Tariff:
    return _tariff("SIMPLE", [{"price_components": [{"type": "ENERGY", "price": 0.25, "step_size": 1}]}])


def sessions(count: int) -> list[PricingInput]:
    """`count` three-hour sessions of 15-minute periods (energy, time, power; parking at the end), each
    starting at another hour of the week."""
    made = []
    for n in range(count):
        start = datetime(2026, 3, 2, tzinfo=UTC) + timedelta(hours=(n * 7) % 168)
        periods = []
        energy = 0.0
        for p in range(12):
            parking = p >= 10
            power = 0.0 if parking else (11.0 if n % 2 else 50.0)
            kwh = round(power / 4, 3)
            energy += kwh
            dimensions: list[dict[str, Any]] = (
                [{"type": "PARKING_TIME", "volume": 0.25}]
                if parking
                else [
                    {"type": "ENERGY", "volume": kwh},
                    {"type": "TIME", "volume": 0.25},
                    {"type": "MAX_POWER", "volume": power},
                ]
            )
            periods.append(
                {"start_date_time": (start + timedelta(minutes=15 * p)).isoformat(), "dimensions": dimensions}
            )
        made.append(
            PricingInput.model_validate(
                {
                    "start_date_time": start.isoformat(),
                    "end_date_time": (start + timedelta(hours=3)).isoformat(),
                    "charging_periods": periods,
                    "total_energy": round(energy, 3),
                    "total_time": 3.0,
                    "total_parking_time": 0.5,
                }
            )
        )
    return made


def rate(tariff: Tariff, inputs: list[PricingInput], seconds: float) -> float:
    """Sessions priced per second, pricing `inputs` round after round for about `seconds`."""
    priced = 0
    started = time.perf_counter()
    while (elapsed := time.perf_counter() - started) < seconds:
        for session in inputs:
            price_session(tariff, session, ZONE)
        priced += len(inputs)
    return priced / elapsed


@benchmark("pricing", "CDRs priced per second, multi-element Tariff with restrictions vs energy-only")
def run(ctx: Context) -> list[Figure]:
    inputs = sessions(168)
    runs, seconds = ctx.pick((3, 1.0), (3, 3.0))
    complex_tariff, simple_tariff = restricted_tariff(), energy_tariff()
    rate(complex_tariff, inputs[:10], 0.2)
    ours, base = [], []
    for n in range(runs):
        ctx.say(f"  run {n + 1}/{runs}")
        ours.append(rate(complex_tariff, inputs, seconds))
        base.append(rate(simple_tariff, inputs, seconds))
    spread = Spread(tuple(ours))
    return [
        Figure(
            benchmark="pricing",
            label="6 elements, time/day/power/kWh/duration restrictions, 12 periods",
            unit="CDRs/s",
            value=spread.median,
            spread=spread,
            baseline=Spread(tuple(base)).median,
            baseline_label="the same sessions priced with a one-element energy Tariff",
            target=Target.at_least(1000, source="ours"),
        )
    ]
