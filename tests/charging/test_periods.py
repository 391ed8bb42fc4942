"""A transaction's Session over time (ocpp-notes §3.3): PATCHes at most once a minute but at once on state
changes, kWh from the register, charging and parking periods priced in the CDR, and the order of events:
duplicates, stale seqNos, late offline events and events for transactions we never saw."""

from __future__ import annotations

from datetime import timedelta

import pytest

from hub.ports import ChargingState, TransactionEventKind
from tests.charging.conftest import T0, Rig, reading

MIN = timedelta(minutes=1)


@pytest.fixture
def database_url(sqlite_url: str) -> str:
    """The event logic does not depend on the engine (test_sessions runs on both)."""
    return sqlite_url


@pytest.fixture
async def started(rig: Rig) -> str:
    """CARD1 (whitelist ALWAYS) starts TX1 on CP201 EVSE 1 at T0 with the register at 1000 Wh."""
    await rig.push_token("CARD1", whitelist="ALWAYS")
    outcome = await rig.start()
    assert outcome.session_id is not None
    await rig.deliver()
    assert [p.method for p in rig.new_session_pushes()] == ["PUT"]
    return outcome.session_id


async def test_patches_are_throttled_to_one_a_minute_but_state_changes_go_at_once(
    rig: Rig, started: str
) -> None:
    rig.clock.advance(10)
    await rig.update(T0 + 10 * MIN, 1, 2000)  # the first update goes at once
    await rig.deliver()
    (first,) = rig.new_session_pushes()
    assert (first.method, first.body["kwh"]) == ("PATCH", 1.0)
    rig.clock.advance(30)
    await rig.update(T0 + 11 * MIN, 2, 2500)
    await rig.deliver()
    assert rig.new_session_pushes() == []  # throttled
    record = await rig.transaction()
    assert record.state["meter"]["last_wh"] == "2500"  # but the state is current
    rig.clock.advance(31)
    await rig.update(T0 + 12 * MIN, 3, 3000)
    await rig.deliver()
    (due,) = rig.new_session_pushes()
    assert due.body["kwh"] == 2.0
    assert "charging_periods" not in due.body  # the open period is sent once it is over
    rig.clock.advance(5)
    await rig.update(T0 + 13 * MIN, 4, 3000, charging_state=ChargingState.SUSPENDED_EV)
    await rig.deliver()
    (change,) = rig.new_session_pushes()
    assert change.body["charging_periods"] == [
        {
            "start_date_time": "2026-03-02T10:00:00Z",
            "dimensions": [{"type": "ENERGY", "volume": 2.0}, {"type": "TIME", "volume": 0.2167}],
        }
    ]
    rig.clock.advance(5)
    await rig.end(T0 + 43 * MIN, 5, 3000)  # the end goes at once, with the last period
    await rig.deliver()
    (final,) = rig.new_session_pushes()
    assert final.body["status"] == "COMPLETED"
    assert final.body["charging_periods"] == [
        {
            "start_date_time": "2026-03-02T10:13:00Z",
            "dimensions": [{"type": "ENERGY", "volume": 0.0}, {"type": "PARKING_TIME", "volume": 0.5}],
        }
    ]
    # The eMSP's copy and ours are the same Session, periods appended.
    ours = await rig.our_session(started)
    assert rig.emsp_session(started)["charging_periods"] == ours["charging_periods"]
    assert len(ours["charging_periods"]) == 2


async def test_charging_and_parking_periods_are_priced_in_the_cdr(rig: Rig, started: str) -> None:
    # 10 kWh in an hour of charging (power and SoC in the Session only), then half an hour parked.
    await rig.update(T0 + 30 * MIN, 1, 6000, power_w=11000, soc=40)
    await rig.update(T0 + 45 * MIN, 2, 9000, charging_state=ChargingState.SUSPENDED_EVSE)  # still charging
    await rig.update(T0 + 60 * MIN, 3, 11000, power_w=7400, soc=80)
    await rig.update(T0 + 60 * MIN, 4, charging_state=ChargingState.EV_CONNECTED)
    await rig.update(T0 + 75 * MIN, 5, 11000, charging_state=ChargingState.IDLE)  # still parking
    await rig.end(T0 + 90 * MIN, 6, 11000)
    await rig.deliver()
    session = rig.emsp_session(started)
    assert session["kwh"] == 10.0
    assert session["charging_periods"] == [
        {
            "start_date_time": "2026-03-02T10:00:00Z",
            "dimensions": [
                {"type": "ENERGY", "volume": 10.0},
                {"type": "TIME", "volume": 1.0},
                {"type": "MAX_POWER", "volume": 11.0},
                {"type": "STATE_OF_CHARGE", "volume": 80.0},
            ],
        },
        {
            "start_date_time": "2026-03-02T11:00:00Z",
            "dimensions": [{"type": "ENERGY", "volume": 0.0}, {"type": "PARKING_TIME", "volume": 0.5}],
        },
    ]
    (cdr,) = rig.emsp.model.cdrs
    assert (cdr["total_energy"], cdr["total_time"], cdr["total_parking_time"]) == (10.0, 1.5, 0.5)
    # 10 kWh x 0.30 + 0.5 h parked x 2.00 = 4.00 EUR, 4.80 with 20 % VAT.
    assert cdr["total_energy_cost"] == {"excl_vat": 3.0, "incl_vat": 3.6}
    assert cdr["total_parking_cost"] == {"excl_vat": 1.0, "incl_vat": 1.2}
    assert cdr["total_cost"] == {"excl_vat": 4.0, "incl_vat": 4.8}
    assert all("STATE_OF_CHARGE" not in str(p) for p in cdr["charging_periods"])  # Session only


async def test_kwh_keeps_the_registers_fractions(rig: Rig) -> None:
    """A kWh register (12.3456 kWh, normalised by the adapter to 12345.6 Wh) keeps every digit."""
    await rig.push_token("CARD1", whitelist="ALWAYS")
    start = (reading(T0, 12345.6, context="Transaction.Begin"),)
    outcome = await rig.start(meter=start)
    await rig.update(T0 + MIN, 1, 13579.1)
    await rig.deliver()
    assert outcome.session_id is not None
    assert rig.emsp_session(outcome.session_id)["kwh"] == 1.2335


async def test_duplicates_and_stale_seq_nos_are_ignored_and_answered_as_the_first_time(
    rig: Rig, started: str
) -> None:
    await rig.update(T0 + MIN, 1, 2000)
    again = await rig.start()  # a Started sent twice
    assert (again.transaction_id, again.session_id) == ("TX1", started)
    assert again.authorization is not None
    assert again.authorization.status == "ACCEPTED"
    await rig.update(T0 + 2 * MIN, 1, 9000)  # seqNo 1 again
    await rig.update(T0 + 2 * MIN, 0, 9000)  # older than the last applied
    record = await rig.transaction()
    assert record.state["meter"]["last_wh"] == "2000"
    assert record.last_seq_no == 1
    # A gap is remembered: the missing event, arriving late, still counts.
    await rig.update(T0 + 4 * MIN, 3, 4000)
    await rig.update(T0 + 3 * MIN, 2, 3000, offline=True)
    await rig.update(T0 + 3 * MIN, 2, 3000, offline=True)
    record = await rig.transaction()
    assert record.state["meter"]["last_wh"] == "4000"
    assert record.state["seq"]["missing"] == []
    assert record.last_seq_no == 3


async def test_late_offline_events_never_move_the_state_backwards(rig: Rig, started: str) -> None:
    await rig.update(T0 + 20 * MIN, 1, 5000, charging_state=ChargingState.SUSPENDED_EV)
    # Queued while offline, older than what we know: its charging state is history, its register counts.
    await rig.update(T0 + 10 * MIN, 2, 6000, charging_state=ChargingState.CHARGING, offline=True)
    record = await rig.transaction()
    assert record.state["meter"]["charging_state"] == "SUSPENDED_EV"
    assert len(record.state["meter"]["periods"]) == 2
    assert record.state["meter"]["last_wh"] == "6000"
    # A late Ended still ends it; an Updated after the end changes nothing.
    ended = await rig.end(T0 + 15 * MIN, 3, offline=True)
    assert ended.session_id == started
    await rig.update(T0 + 30 * MIN, 4, 8000)
    record = await rig.transaction()
    assert record.status == "COMPLETED"
    assert record.state["meter"]["last_wh"] == "6000"
    await rig.deliver()
    session = rig.emsp_session(started)
    assert (session["status"], session["kwh"]) == ("COMPLETED", 5.0)
    # The end is never before the last period's start, so the CDR is valid.
    assert session["end_date_time"] == "2026-03-02T10:20:00Z"
    assert len(rig.emsp.model.cdrs) == 1


async def test_events_of_unknown_transactions_make_no_session_unless_they_can_be_placed(rig: Rig) -> None:
    await rig.push_token("CARD1", whitelist="ALWAYS")
    # No EVSE: nothing to place it at.
    lost = await rig.update(T0, 3, 5000, transaction_id="LOST")
    assert lost.session_id is None
    # An Ended without its Transaction.Begin reading would invent energy and duration.
    assert (await rig.end(T0, 4, 5000, transaction_id="LOST", evse=1)).session_id is None
    # 1.6: a transactionId we never gave.
    assert (await rig.update(T0, None, 5000, transaction_id="77", station="CP16", evse=1)).session_id is None
    # 1.6 MeterValues without transactionId on a connector with no transaction.
    assert (await rig.update(T0, None, 5000, transaction_id=None, station="CP16", evse=2)).session_id is None
    await rig.deliver()
    assert rig.session_pushes() == []
    # 2.0.1 with its EVSE: the Session starts at the first event we saw.
    found = await rig.update(T0 + MIN, 5, 5000, transaction_id="SEEN", evse=2, token="CARD1")
    assert found.session_id is not None
    await rig.update(T0 + 2 * MIN, 6, 6500, transaction_id="SEEN")
    await rig.end(T0 + 3 * MIN, 7, 7000, transaction_id="SEEN")
    await rig.deliver()
    session = rig.emsp_session(found.session_id)
    assert (session["start_date_time"], session["evse_uid"], session["kwh"]) == (
        "2026-03-02T10:01:00Z",
        "LOC2-2",
        2.0,
    )
    assert session["status"] == "COMPLETED"


async def test_a_station_without_location_makes_no_session(rig: Rig) -> None:
    outcome = await rig.start(station="NOWHERE")
    assert (outcome.session_id, outcome.transaction_id) == (None, "TX1")
    await rig.deliver()
    assert rig.session_pushes() == []


async def test_1_6_transaction_ids_are_allocated_and_a_repeated_start_gets_the_same(rig: Rig) -> None:
    await rig.push_token("CARD1", whitelist="ALWAYS")
    one = await rig.start(station="CP16", transaction_id=None, seq_no=None, evse=1)
    two = await rig.start(station="CP16", transaction_id=None, seq_no=None, evse=2, token="CARD2")
    repeated = await rig.start(station="CP16", transaction_id=None, seq_no=None, evse=1)
    assert one.transaction_id is not None
    assert two.transaction_id is not None
    assert one.transaction_id != two.transaction_id
    assert (repeated.transaction_id, repeated.session_id) == (one.transaction_id, one.session_id)
    assert two.authorization is not None
    assert two.authorization.status != "ACCEPTED"  # nobody knows CARD2
    assert int(one.transaction_id) > 0


async def test_a_cdr_that_cannot_be_priced_is_logged_and_the_session_still_completes(
    rig: Rig, caplog: pytest.LogCaptureFixture
) -> None:
    await rig.push_token("CARD1", whitelist="ALWAYS")
    outcome = await rig.start(station="CP-FREE")
    await rig.end(T0 + 10 * MIN, 1, 3000, station="CP-FREE")
    await rig.deliver()
    assert outcome.session_id is not None
    session = rig.emsp_session(outcome.session_id)
    assert (session["status"], session["kwh"], session["currency"]) == ("COMPLETED", 2.0, "EUR")
    assert rig.emsp.model.cdrs == []
    record = await rig.transaction(station="CP-FREE")
    assert record.cdr_id is None
    assert "no Tariff" in record.state["cdr_error"]
    assert any(r.levelname == "ERROR" and "no CDR" in r.getMessage() for r in caplog.records)


async def test_a_transaction_started_by_plugging_in_is_pending_until_authorized(rig: Rig) -> None:
    await rig.push_token("CARD1", whitelist="ALWAYS")
    outcome = await rig.start(token=None)
    assert outcome.session_id is not None
    ours = await rig.our_session(outcome.session_id)
    assert ours["status"] == "PENDING"
    assert (ours["cdr_token"]["country_code"], ours["cdr_token"]["party_id"]) == ("NL", "GWY")
    await rig.deliver()
    assert rig.session_pushes() == []  # nobody's token yet: pushed to no eMSP
    authorized = await rig.event(
        TransactionEventKind.UPDATED, T0 + MIN, transaction_id="TX1", seq_no=1, token="CARD1"
    )
    assert authorized.authorization is not None
    assert authorized.authorization.status == "ACCEPTED"
    await rig.deliver()
    (put,) = rig.new_session_pushes()
    assert put.method == "PUT"
    assert (put.body["status"], put.body["cdr_token"]["uid"]) == ("ACTIVE", "CARD1")
