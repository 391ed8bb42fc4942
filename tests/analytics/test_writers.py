"""The rows utilisation reports are computed from, written by the real paths: a station's status report and an
operator PATCH of an EVSE status (one history row each, none for a repeat), a station's Authorize and the
idToken check of a transaction it began (one authorization log row each)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlmodel import col, select

from hub.ocpi.v221.locations import Status
from hub.operator.imports import ImportKind, import_objects
from hub.ports import ConnectorStatusReport, IdToken
from hub.tables.operator import AuthorizationEventRecord, EvseStatusChangeRecord
from tests.charging.conftest import T0, Rig
from tests.fixtures_locations import make_location


async def history(rig: Rig, location_id: str) -> list[tuple[str, str]]:
    async with rig.hub.app.state.sessionmaker() as session:
        rows = (
            await session.exec(
                select(EvseStatusChangeRecord)
                .where(col(EvseStatusChangeRecord.location_id) == location_id)
                .order_by(col(EvseStatusChangeRecord.id))
            )
        ).all()
    return [(row.evse_uid, row.status) for row in rows]


async def log(rig: Rig) -> list[dict[str, Any]]:
    async with rig.hub.app.state.sessionmaker() as session:
        rows = (
            await session.exec(select(AuthorizationEventRecord).order_by(col(AuthorizationEventRecord.id)))
        ).all()
    return [
        {
            "where": (row.country_code, row.party_id, row.location_id, row.evse_uid, row.station_id),
            "kind": row.kind,
            "outcome": row.outcome,
        }
        for row in rows
    ]


async def test_a_location_put_writes_the_status_of_each_evse(rig: Rig) -> None:
    # The rig PUT LOC2 (two EVSEs, created AVAILABLE by make_location): both EVSEs entered a status.
    created = await history(rig, "LOC2")
    assert sorted(created) == [("LOC2-1", "AVAILABLE"), ("LOC2-2", "AVAILABLE")]


async def test_a_status_patch_writes_one_history_row_and_a_repeat_none(rig: Rig) -> None:
    before = await history(rig, "LOC1")
    response = await rig.hub.admin("PATCH", "locations/NL/GWY/LOC1/LOC1-1", {"status": "CHARGING"})
    assert response.status_code == 200, response.text
    assert await history(rig, "LOC1") == [*before, ("LOC1-1", "CHARGING")]
    # The same status again changes nothing, so no change is recorded and no row written.
    await rig.hub.admin("PATCH", "locations/NL/GWY/LOC1/LOC1-1", {"status": "CHARGING"})
    assert await history(rig, "LOC1") == [*before, ("LOC1-1", "CHARGING")]
    async with rig.hub.app.state.sessionmaker() as session:
        row = (
            await session.exec(select(EvseStatusChangeRecord).order_by(col(EvseStatusChangeRecord.id).desc()))
        ).first()
    assert row is not None
    assert (row.country_code, row.party_id) == ("NL", "GWY")


async def test_a_station_status_report_writes_one_history_row(rig: Rig) -> None:
    await rig.stations.connector_status("CP201", ConnectorStatusReport(2, 1, Status.CHARGING, "Charging", T0))
    before = await history(rig, "LOC2")
    assert before[-1] == ("LOC2-2", "CHARGING")
    await rig.stations.connector_status(
        "CP201", ConnectorStatusReport(2, 1, Status.OUTOFORDER, "Faulted", T0 + timedelta(minutes=1))
    )
    assert await history(rig, "LOC2") == [*before, ("LOC2-2", "OUTOFORDER")]


async def test_an_authorize_and_a_start_write_authorization_log_rows(rig: Rig) -> None:
    await rig.push_token("GOOD", whitelist="ALWAYS")
    await rig.push_token("STOLEN", whitelist="ALWAYS", valid=False)
    await rig.stations.authorize("CP201", IdToken("GOOD", "ISO14443"), evse=2)
    await rig.stations.authorize("CP16", IdToken("STOLEN", "ISO14443"), evse=1)
    outcome = await rig.start(token="STOLEN")
    assert outcome.authorization is not None
    assert outcome.authorization.status.value == "BLOCKED"
    assert await log(rig) == [
        {"where": ("NL", "GWY", "LOC2", "LOC2-2", "CP201"), "kind": "authorize", "outcome": "ALLOWED"},
        {"where": ("NL", "GWY", "LOC1", "LOC1-1", "CP16"), "kind": "authorize", "outcome": "BLOCKED"},
        {"where": ("NL", "GWY", "LOC2", "LOC2-1", "CP201"), "kind": "start", "outcome": "BLOCKED"},
    ]


async def test_a_station_without_a_location_logs_nothing(rig: Rig) -> None:
    await rig.stations.authorize("NO-SUCH-STATION", IdToken("GOOD", "ISO14443"), evse=1)
    assert await log(rig) == []


async def test_an_import_of_locations_writes_the_statuses_in_bulk(rig: Rig) -> None:
    items = [make_location(f"IMP{n}", evses=2, connectors=1) for n in range(3)]
    items[1]["evses"][1]["status"] = "OUTOFORDER"
    report = await import_objects(
        rig.hub.app.state.sessionmaker, rig.hub.settings, ImportKind.LOCATIONS, items
    )
    assert report.created == 3
    assert await history(rig, "IMP1") == [
        (items[1]["evses"][0]["uid"], "AVAILABLE"),
        (items[1]["evses"][1]["uid"], "OUTOFORDER"),
    ]
    assert len(await history(rig, "IMP0")) == len(await history(rig, "IMP2")) == 2
