"""The internal CSMS event API produces what the OCPP path produces: a real 1.6 charger runs a transaction
against the hub's OCPP endpoint, and a CSMS pushes the same transaction as events to another hub; the Sessions,
CDRs and EVSE statuses are the same apart from ids and the hubs' own timestamps."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from hub.operator.imports import ImportKind, import_objects
from hub.stations.imports import import_stations
from tests.fixtures_locations import make_location
from tests.internal.conftest import CARD, TARIFF, MakeInternal, event
from tests.internal.test_transaction_events import comparable
from tests.ocpp.chargers import station
from tests.ocpp.conftest import STATIONS, Gateway, MakeGateway, make_gateway  # noqa: F401 (fixture)

T0 = datetime(2026, 6, 1, 10, 0, tzinfo=UTC)


def wire(minutes: float) -> str:
    return (T0 + timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%SZ")


async def ocpp_site(make_gateway: MakeGateway, database_url: str) -> Gateway:  # noqa: F811
    gateway = await make_gateway(database_url, seed=False)
    sessionmaker, settings = gateway.app.state.sessionmaker, gateway.settings
    locations = [make_location(location_id, tariff_ids=["T1"]) for location_id in ("LOC1", "LOC2", "LOC3")]
    assert (await import_objects(sessionmaker, settings, ImportKind.TARIFFS, [TARIFF])).written
    assert (await import_objects(sessionmaker, settings, ImportKind.LOCATIONS, locations)).written
    assert (await import_objects(sessionmaker, settings, ImportKind.TOKENS, [CARD])).written
    assert (await import_stations(sessionmaker, settings, STATIONS)).written
    return gateway


async def test_a_1_6_transaction_and_the_same_events_make_the_same_session_and_cdr(
    make_gateway: MakeGateway,  # noqa: F811
    make_internal: MakeInternal,
    database_url: str,
    new_sqlite_url: Callable[[], str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The hub with the OCPP endpoint serves the internal API too: on its own station hub.
    monkeypatch.setenv("OCPI_HUB_INTERNAL_TOKENS", "csms-token-1")
    gateway = await ocpp_site(make_gateway, database_url)
    async with station(gateway.ws, "CP16") as cp:
        await cp.boot()
        started = await cp.start_transaction(1, "CARD1", 1000, wire(0))
        assert started.id_tag_info["status"] == "Accepted"
        tx = started.transaction_id
        await cp.status(1, "Charging", timestamp=wire(0))
        await cp.meter(
            1,
            tx,
            (
                wire(10),
                [
                    {"value": "3000", "context": "Sample.Periodic"},
                    {
                        "value": "11000",
                        "measurand": "Power.Active.Import",
                        "unit": "W",
                        "context": "Sample.Periodic",
                    },
                ],
            ),
        )
        await cp.status(1, "SuspendedEV", timestamp=wire(20))
        stopped = await cp.stop_transaction(tx, 4500, wire(30), reason="Local", id_tag="CARD1")
        assert stopped.id_tag_info["status"] == "Accepted"
        ocpp_evses = [await gateway.evse_status("LOC1", uid) for uid in ("LOC1-1", "LOC1-2")]
    # Connector 2 never reported on this connection.
    assert ocpp_evses == ["CHARGING", "UNKNOWN"]

    # What a CSMS holding CP16's connection pushes for the same messages.
    api = await make_internal(database=new_sqlite_url())
    card = {"id": "CARD1", "type": "ISO14443"}
    results = await api.results(
        [
            event("CSMS-16", "station_connection", wire(0), connected=True, protocol="ocpp1.6"),
            event(
                "CSMS-16",
                "transaction_started",
                wire(0),
                transaction_id="4711",
                evse=1,
                id_token=card,
                meter=[{"timestamp": wire(0), "energy_wh": 1000, "context": "Transaction.Begin"}],
            ),
            event("CSMS-16", "station_status", wire(0), evse=1, status="Charging"),
            event(
                "CSMS-16",
                "transaction_updated",
                wire(0),
                transaction_id="4711",
                evse=1,
                charging_state="Charging",
            ),
            event(
                "CSMS-16",
                "meter_values",
                wire(10),
                transaction_id="4711",
                evse=1,
                meter=[
                    {"timestamp": wire(10), "energy_wh": 3000, "power_w": 11000, "context": "Sample.Periodic"}
                ],
            ),
            event("CSMS-16", "station_status", wire(20), evse=1, status="SuspendedEV"),
            event(
                "CSMS-16",
                "transaction_updated",
                wire(20),
                transaction_id="4711",
                evse=1,
                charging_state="SuspendedEV",
            ),
            event(
                "CSMS-16",
                "transaction_ended",
                wire(30),
                transaction_id="4711",
                evse=1,
                id_token=card,
                stopped_reason="Local",
                meter=[{"timestamp": wire(30), "energy_wh": 4500, "context": "Transaction.End"}],
            ),
        ]
    )
    assert {r["result"] for r in results} == {"applied"}, results
    assert [await api.evse_status("LOC1", uid) for uid in ("LOC1-1", "LOC1-2")] == ocpp_evses

    session_id = results[1]["session_id"]
    ours = await api.session(session_id)
    theirs = await gateway_document(gateway, "sessions", str(tx))
    assert ours["status"] == "COMPLETED"
    assert comparable(ours) == comparable(theirs)
    our_cdr = await api.cdr(session_id)
    their_cdr = await gateway_document(gateway, "cdrs", str(tx))
    assert our_cdr["total_parking_time"] > 0
    assert comparable(our_cdr) == comparable(their_cdr)

    # The OCPP hub's internal API applies events through the station hub of its OCPP endpoint.
    answer = await gateway.client.post(
        "/internal/v1/events",
        json=event("CP16", "station_status", wire(40), evse=2, status="Faulted"),
        headers={"Authorization": "Bearer csms-token-1"},
    )
    assert answer.json()["results"][0]["result"] == "applied", answer.text
    assert gateway.app.state.internal_events.port is gateway.app.state.station_hub
    assert await gateway.evse_status("LOC1", "LOC1-2") == "OUTOFORDER"


async def gateway_document(gateway: Gateway, kind: str, transaction_id: str) -> dict[str, Any]:
    """The Session (or CDR, whose id is the Session's) of the OCPP transaction `transaction_id` of CP16."""
    from sqlmodel import col, select

    from hub.tables.charging import TransactionRecord

    async with gateway.app.state.sessionmaker() as session:
        statement = select(TransactionRecord).where(
            col(TransactionRecord.station_id) == "CP16",
            col(TransactionRecord.transaction_id) == transaction_id,
        )
        record = (await session.exec(statement)).one()
    document_id = record.session_id if kind == "sessions" else record.cdr_id
    body: dict[str, Any] = (await gateway.admin("GET", f"{kind}/NL/GWY/{document_id}")).json()["data"]
    return body
