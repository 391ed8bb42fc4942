"""Running transactions kept in memory between database writes (hub.charging.live): a meter reading with
nothing to send or keep touches no database, the throttled PATCH still comes with everything the readings
said, a crash between writes still ends in a correct CDR, and a second process taking over the station
continues from the row (and never overwrites what the other one wrote)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import event

from hub.charging.service import ChargingHub
from hub.ports import ChargingState
from tests.charging.conftest import T0, Rig

MIN = timedelta(minutes=1)


class Observer:
    """Records the observer calls (site load balancing listens to them)."""

    def __init__(self) -> None:
        self.powers: list[tuple[str, Decimal]] = []

    def transaction_started(self, station_id: str, session_id: str, evse: int | None) -> None:
        pass

    def transaction_ended(self, station_id: str, session_id: str) -> None:
        pass

    def metered(self, station_id: str, session_id: str, power_w: Decimal, at: datetime) -> None:
        self.powers.append((session_id, power_w))


@contextmanager
def statements(rig: Rig) -> Iterator[list[str]]:
    """Every SQL statement the hub's engine runs inside the block."""
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        seen.append(statement)

    engine = rig.hub.app.state.engine.sync_engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def second_process(rig: Rig) -> ChargingHub:
    """Another hub process on the same database (its own memory, its own locks)."""
    return ChargingHub(
        rig.hub.app.state.sessionmaker, rig.hub.settings, rig.hub.app.state.partner_client, now=rig.clock
    )


@pytest.fixture
async def started(rig: Rig) -> str:
    """CARD1 starts TX1 on CP201 EVSE 1 at T0 (register 1000 Wh); the first update is PATCHed at once."""
    await rig.push_token("CARD1", whitelist="ALWAYS")
    outcome = await rig.start()
    assert outcome.session_id is not None
    await rig.deliver()
    rig.clock.advance(60)
    await rig.update(T0 + MIN, 1, 1500)
    await rig.deliver()
    assert [p.method for p in rig.new_session_pushes()] == ["PUT", "PATCH"]
    return outcome.session_id


async def test_a_meter_value_with_nothing_to_send_touches_no_database_and_is_still_observed(
    rig: Rig, started: str
) -> None:
    observer = Observer()
    rig.charging.observer = observer
    rig.clock.advance(10)
    with statements(rig) as seen:
        outcome = await rig.update(T0 + 2 * MIN, 2, 2000, power_w=7400)
        again = await rig.update(T0 + 2 * MIN, 2, 2000)  # a duplicate, answered as the first time
    assert seen == []
    assert (outcome.transaction_id, outcome.session_id) == ("TX1", started)
    assert again.session_id == started
    assert observer.powers == [(started, Decimal(7400))]
    stored = await rig.transaction(stored=True)
    assert (stored.state["meter"]["last_wh"], stored.last_seq_no) == ("1500", 1)  # the row lags
    current = await rig.transaction()
    assert (current.state["meter"]["last_wh"], current.last_seq_no) == ("2000", 2)
    # A charging-state change is no such reading: it is written and sent at once.
    with statements(rig) as seen:
        await rig.update(T0 + 3 * MIN, 3, 2100, charging_state=ChargingState.SUSPENDED_EV)
    assert any(s.lstrip().upper().startswith("UPDATE") for s in seen)
    await rig.deliver()
    (change,) = rig.new_session_pushes()
    assert change.body["kwh"] == 1.1


async def test_the_patch_comes_at_the_throttle_interval_with_what_the_readings_in_memory_said(
    rig: Rig, started: str
) -> None:
    for second, wh, power in ((20, 2000, 11000), (40, 2500, 7000)):
        rig.clock.advance(20)
        await rig.update(T0 + MIN + second * timedelta(seconds=1), None, wh, power_w=power)
    await rig.deliver()
    assert rig.new_session_pushes() == []
    rig.clock.advance(21)  # 61 s after the last PATCH
    await rig.update(T0 + 2 * MIN, None, 3000)
    await rig.deliver()
    (due,) = rig.new_session_pushes()
    assert (due.method, due.body["kwh"]) == ("PATCH", 2.0)
    assert (await rig.transaction(stored=True)).state["meter"]["last_wh"] == "3000"
    # The period closed by a state change carries the highest power of readings never written.
    rig.clock.advance(5)
    await rig.update(T0 + 3 * MIN, None, 3000, charging_state=ChargingState.EV_CONNECTED)
    await rig.deliver()
    (change,) = rig.new_session_pushes()
    assert change.body["charging_periods"] == [
        {
            "start_date_time": "2026-03-02T10:00:00Z",
            "dimensions": [
                {"type": "ENERGY", "volume": 2.0},
                {"type": "TIME", "volume": 0.05},
                {"type": "MAX_POWER", "volume": 11.0},
            ],
        }
    ]


async def test_a_crash_between_writes_still_ends_in_a_correct_cdr(rig: Rig, started: str) -> None:
    await rig.update(T0 + 20 * MIN, 2, 4000, power_w=11000)
    await rig.update(T0 + 40 * MIN, 3, 6000, power_w=11000)
    assert (await rig.transaction(stored=True)).state["meter"]["last_wh"] == "1500"
    # The process dies: its memory is gone, a new one starts on the same database.
    rig.stations.charging = second_process(rig)
    rig.clock.advance(10)
    await rig.update(T0 + 50 * MIN, 4, 8000)
    ended = await rig.end(T0 + 60 * MIN, 5, 11000)
    assert ended.session_id == started
    await rig.deliver()
    session = rig.emsp_session(started)
    assert (session["status"], session["kwh"]) == ("COMPLETED", 10.0)
    (cdr,) = rig.emsp.model.cdrs
    assert (cdr["total_energy"], cdr["total_time"]) == (10.0, 1.0)
    assert cdr["total_cost"] == {"excl_vat": 3.0, "incl_vat": 3.6}


async def test_a_second_process_taking_over_the_station_continues_from_what_the_first_kept(
    rig: Rig, started: str
) -> None:
    first = rig.charging
    rig.clock.advance(10)
    await rig.update(T0 + 10 * MIN, 2, 4000, power_w=22000)
    # The station's connection to the first process ends; it reconnects to a second one.
    await first.release("CP201")
    stored = await rig.transaction(stored=True)
    assert (stored.state["meter"]["last_wh"], stored.last_seq_no) == ("4000", 2)
    rig.stations.charging = second_process(rig)
    stale = await rig.update(T0 + 10 * MIN, 2, 4000)
    assert stale.session_id == started
    await rig.update(T0 + 20 * MIN, 3, 5000, charging_state=ChargingState.SUSPENDED_EV)
    await rig.end(T0 + 30 * MIN, 4, 5000)
    await rig.deliver()
    session = rig.emsp_session(started)
    assert (session["status"], session["kwh"]) == ("COMPLETED", 4.0)
    assert session["charging_periods"][0]["dimensions"][-1] == {"type": "MAX_POWER", "volume": 22.0}
    assert len(rig.emsp.model.cdrs) == 1


async def test_a_process_with_an_outdated_copy_takes_the_row_another_process_wrote(
    rig: Rig, started: str
) -> None:
    first = rig.charging
    second = second_process(rig)
    # Both processes hear of the station in turn (a reconnect whose old socket has not closed yet).
    rig.stations.charging = second
    rig.clock.advance(10)
    await rig.update(T0 + 10 * MIN, 2, 4000, charging_state=ChargingState.SUSPENDED_EV)
    await rig.update(T0 + 10 * MIN + timedelta(seconds=30), 3, 4050)  # kept in the second's memory
    rig.stations.charging = first
    await rig.update(T0 + 11 * MIN, 4, 4100)  # the first's copy still says CHARGING, seqNo 1
    rig.clock.advance(60)
    await rig.update(T0 + 12 * MIN, 5, 4200)  # a PATCH is due: the first writes, on the row
    record = await rig.transaction(stored=True)
    assert record.state["meter"]["charging_state"] == "SUSPENDED_EV"
    assert [p["parking"] for p in record.state["meter"]["periods"]] == [False, True]
    assert (record.state["meter"]["last_wh"], record.last_seq_no) == ("4200", 5)
    await second.release("CP201")  # its copy is older than the row now: the row is left alone
    stored = await rig.transaction(stored=True)
    assert (stored.state["meter"]["last_wh"], stored.last_seq_no) == ("4200", 5)
    await rig.end(T0 + 20 * MIN, 6, 4200)
    await rig.deliver()
    session = rig.emsp_session(started)
    assert (session["status"], session["kwh"]) == ("COMPLETED", 3.2)
    assert [p["dimensions"][1]["type"] for p in session["charging_periods"]] == ["TIME", "PARKING_TIME"]
