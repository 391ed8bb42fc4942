"""The evidence a Meter keeps of a register going backwards (hub.charging.meter), no database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hub.charging.meter import BACKWARDS_KEPT, Meter
from hub.ports import MeterReading

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def read(meter: Meter, minutes: float, wh: int) -> None:
    meter.read(MeterReading(timestamp=T0 + timedelta(minutes=minutes), energy_wh=Decimal(wh)))


def test_a_lower_register_later_is_kept_as_evidence_and_counts_no_energy() -> None:
    meter = Meter.begin(T0, None)
    read(meter, 0, 1000)
    read(meter, 5, 3000)
    read(meter, 10, 2500)

    assert meter.backwards == [{"at": "2026-03-02T10:10:00Z", "wh": "2500", "highest_wh": "3000"}]
    assert meter.kwh() == Decimal(2)
    assert Meter.load(meter.dump()).backwards == meter.backwards


def test_a_late_reading_with_a_lower_register_is_not_backwards_and_the_state_keeps_its_shape() -> None:
    meter = Meter.begin(T0, None)
    read(meter, 0, 1000)
    read(meter, 5, 3000)
    read(meter, 2, 2000)  # queued offline: earlier than the last reading

    assert meter.backwards == []
    assert "backwards" not in meter.dump()


def test_only_the_first_registers_going_backwards_are_kept() -> None:
    meter = Meter.begin(T0, None)
    read(meter, 0, 5000)
    for minute in range(1, 30):
        read(meter, minute, 4000)

    assert len(meter.backwards) == BACKWARDS_KEPT
    assert meter.kwh() == 0
