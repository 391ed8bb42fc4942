"""Transactions pushed to the internal CSMS event API (ocpp-notes §3.3) make the same OCPI Session and priced
CDR as the same transaction reported to the station hub directly, as the OCPP adapters report it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlmodel import col, select

from hub.ocpi.base import format_datetime
from hub.ports import ChargingState, IdToken, MeterReading, TransactionEventKind, TransactionReport
from hub.stations.service import StationHub
from hub.stations.settings import OcppSettings
from hub.tables.charging import TransactionRecord
from tests.internal.conftest import Internal, MakeInternal, event

T0 = datetime(2026, 6, 1, 10, 0, tzinfo=UTC)


def at(minutes: float) -> str:
    return format_datetime(T0 + timedelta(minutes=minutes))


def reading(minutes: float, wh: int, context: str, power_w: int | None = None) -> MeterReading:
    return MeterReading(
        timestamp=T0 + timedelta(minutes=minutes),
        energy_wh=Decimal(wh),
        power_w=None if power_w is None else Decimal(power_w),
        context=context,
    )


# One transaction on EVSE 1 of CSMS-16: charging for 20 minutes, the EV suspended for 10, stopped locally.
API_EVENTS: list[dict[str, Any]] = [
    event(
        "CSMS-16",
        "transaction_started",
        at(0),
        transaction_id="TX-1",
        evse=1,
        id_token={"id": "CARD1", "type": "ISO14443"},
        charging_state="Charging",
        meter=[{"timestamp": at(0), "energy_wh": 1000, "context": "Transaction.Begin"}],
    ),
    event(
        "CSMS-16",
        "meter_values",
        at(10),
        transaction_id="TX-1",
        meter=[{"timestamp": at(10), "energy_wh": 3000, "power_w": 11000, "context": "Sample.Periodic"}],
    ),
    event(
        "CSMS-16", "transaction_updated", at(20), transaction_id="TX-1", evse=1, charging_state="SuspendedEV"
    ),
    event(
        "CSMS-16",
        "transaction_ended",
        at(30),
        transaction_id="TX-1",
        evse=1,
        id_token={"id": "CARD1"},
        stopped_reason="Local",
        meter=[{"timestamp": at(30), "energy_wh": 4500, "context": "Transaction.End"}],
    ),
]
REPORTS = [
    TransactionReport(
        kind=TransactionEventKind.STARTED,
        timestamp=T0,
        transaction_id="TX-1",
        evse=1,
        connector=1,
        id_token=IdToken("CARD1"),
        charging_state=ChargingState.CHARGING,
        meter=(reading(0, 1000, "Transaction.Begin"),),
    ),
    TransactionReport(
        kind=TransactionEventKind.UPDATED,
        timestamp=T0 + timedelta(minutes=10),
        transaction_id="TX-1",
        meter=(reading(10, 3000, "Sample.Periodic", power_w=11000),),
    ),
    TransactionReport(
        kind=TransactionEventKind.UPDATED,
        timestamp=T0 + timedelta(minutes=20),
        transaction_id="TX-1",
        evse=1,
        connector=1,
        charging_state=ChargingState.SUSPENDED_EV,
    ),
    TransactionReport(
        kind=TransactionEventKind.ENDED,
        timestamp=T0 + timedelta(minutes=30),
        transaction_id="TX-1",
        evse=1,
        connector=1,
        id_token=IdToken("CARD1"),
        stopped_reason="Local",
        meter=(reading(30, 4500, "Transaction.End"),),
    ),
]
# Each side makes its own ids (the authorization_reference of a token lookup too) and stamps its writes
# (the Tariff a CDR carries, too).
OWN = {"id", "session_id", "authorization_reference"}


def unstamped(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: unstamped(v) for k, v in value.items() if k != "last_updated"}
    if isinstance(value, list):
        return [unstamped(item) for item in value]
    return value


def comparable(document: dict[str, Any]) -> dict[str, Any]:
    stripped: dict[str, Any] = unstamped({k: v for k, v in document.items() if k not in OWN})
    return stripped


async def transaction(internal: Internal, transaction_id: str) -> TransactionRecord:
    async with internal.app.state.sessionmaker() as session:
        statement = select(TransactionRecord).where(col(TransactionRecord.transaction_id) == transaction_id)
        record: TransactionRecord = (await session.exec(statement)).one()
        return record


async def test_a_transaction_through_the_api_is_the_session_and_cdr_of_the_station_hub(
    make_internal: MakeInternal, new_sqlite_url: Callable[[], str]
) -> None:
    api = await make_internal()
    results = await api.results(API_EVENTS)
    assert [r["result"] for r in results] == ["applied"] * 4, results
    session_id = results[0]["session_id"]
    assert session_id is not None
    assert {r["session_id"] for r in results} == {session_id}
    assert results[0]["transaction_id"] == "TX-1"
    assert results[0]["authorization"] == "ACCEPTED"

    direct = await make_internal(database=new_sqlite_url())
    hub = StationHub(
        direct.app.state.sessionmaker, direct.settings, OcppSettings(), client=direct.app.state.partner_client
    )
    outcomes = [await hub.transaction_event("CSMS-16", report) for report in REPORTS]
    assert outcomes[0].session_id is not None

    ours = await api.session(session_id)
    theirs = await direct.session(outcomes[0].session_id)
    assert ours["status"] == "COMPLETED"
    assert Decimal(str(ours["kwh"])) == Decimal("3.5")
    assert ours["cdr_token"]["uid"] == "CARD1"
    assert comparable(ours) == comparable(theirs)

    our_record = await transaction(api, "TX-1")
    their_record = await transaction(direct, "TX-1")
    assert our_record.cdr_id is not None
    assert their_record.cdr_id is not None
    our_cdr = await api.cdr(our_record.cdr_id)
    their_cdr = await direct.cdr(their_record.cdr_id)
    assert Decimal(str(our_cdr["total_energy"])) == Decimal("3.5")
    assert Decimal(str(our_cdr["total_parking_time"])) > 0
    assert comparable(our_cdr) == comparable(their_cdr)


async def test_a_repeated_transaction_event_is_applied_once(internal: Internal) -> None:
    started, meter_values = API_EVENTS[0], API_EVENTS[1]
    first = await internal.results([started, meter_values])
    again = await internal.results([started, meter_values])
    assert again == [{**r, "duplicate": True} for r in first]
    async with internal.app.state.sessionmaker() as session:
        records = (await session.exec(select(TransactionRecord))).all()
    assert len(records) == 1
    assert Decimal(str((await internal.session(first[0]["session_id"]))["kwh"])) == Decimal("2")


async def test_events_of_an_unknown_transaction_make_no_session(internal: Internal) -> None:
    results = await internal.results(
        [
            event(
                "CSMS-16",
                "transaction_ended",
                at(5),
                transaction_id="TX-NONE",
                evse=1,
                stopped_reason="Local",
            )
        ]
    )
    assert results[0]["result"] == "applied"
    assert results[0]["session_id"] is None
    async with internal.app.state.sessionmaker() as session:
        assert (await session.exec(select(TransactionRecord))).all() == []
