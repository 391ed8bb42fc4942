"""Station statuses become EVSE statuses of our Locations (ocpp-notes §3.2, DESIGN decision 8) end to end, on
both engines: real 1.6 and 2.0.1 stations, UNKNOWN when a station goes offline or silent, fresh statuses
(asked with TriggerMessage) after it comes back, and the change pushed to a partner through the outbox."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from tests.ocpp.chargers import station, wait_triggers
from tests.ocpp.conftest import Gateway, MakeGateway
from tests.outbox.conftest import PushHub
from tests.outbox.fake_partner import PREFIX, Fakes


async def test_1_6_statuses_become_the_status_of_their_evse(gateway: Gateway) -> None:
    async with station(gateway.ws, "CP16") as cp:
        assert (await cp.boot()).interval == gateway.ocpp.heartbeat_interval
        for ocpp, ocpi in [
            ("Available", "AVAILABLE"),
            ("Preparing", "CHARGING"),
            ("SuspendedEV", "CHARGING"),
            ("Reserved", "RESERVED"),
            ("Unavailable", "INOPERATIVE"),
            ("Faulted", "OUTOFORDER"),
        ]:
            await cp.status(2, ocpp)
            assert await gateway.evse_status("LOC1", "LOC1-2") == ocpi, ocpp
        assert await gateway.evse_status("LOC1", "LOC1-1") == "UNKNOWN"


async def test_1_6_connector_0_faulted_holds_every_evse_until_it_is_available(gateway: Gateway) -> None:
    async with station(gateway.ws, "CP16") as cp:
        await cp.status(1, "Charging")
        await cp.status(2, "Available")
        await cp.status(0, "Faulted")
        assert await gateway.evse_status("LOC1", "LOC1-1") == "OUTOFORDER"
        assert await gateway.evse_status("LOC1", "LOC1-2") == "OUTOFORDER"
        await cp.status(0, "Unavailable")
        assert await gateway.evse_status("LOC1", "LOC1-2") == "INOPERATIVE"
        await cp.status(0, "Available")
        assert await gateway.evse_status("LOC1", "LOC1-1") == "CHARGING"
        assert await gateway.evse_status("LOC1", "LOC1-2") == "AVAILABLE"


async def test_2_0_1_connectors_of_one_evse_aggregate(gateway: Gateway) -> None:
    async with station(gateway.ws, "CP201", version="2.0.1") as cp:
        await cp.boot()
        await cp.status(1, 1, "Faulted")
        assert await gateway.evse_status("LOC2", "LOC2-1") == "OUTOFORDER"
        await cp.status(1, 2, "Available")
        assert await gateway.evse_status("LOC2", "LOC2-1") == "AVAILABLE"
        await cp.status(1, 1, "Occupied")
        assert await gateway.evse_status("LOC2", "LOC2-1") == "CHARGING"
        await cp.status(2, 1, "Reserved")
        assert await gateway.evse_status("LOC2", "LOC2-2") == "RESERVED"
        await cp.status(1, 1, "Unavailable")
        await cp.status(1, 2, "Unavailable")
        assert await gateway.evse_status("LOC2", "LOC2-1") == "INOPERATIVE"
        seen = await gateway.station("CP201")
        assert seen["protocol"] == "ocpp2.0.1"
        assert seen["statuses"]["1/2"] == {
            "status": "INOPERATIVE",
            "ocpp": "Unavailable",
            "at": "2026-01-01T00:00:00Z",
        }


async def test_1_6_connectors_mapped_to_one_evse_aggregate(gateway: Gateway) -> None:
    async with station(gateway.ws, "CP16-PAIR") as cp:
        await cp.status(1, "Unavailable")
        await cp.status(2, "Available")
        assert await gateway.evse_status("LOC3", "LOC3-1") == "AVAILABLE"
        await cp.status(2, "Charging")
        assert await gateway.evse_status("LOC3", "LOC3-1") == "CHARGING"


async def test_an_unmapped_connector_and_a_removed_evse_change_nothing(gateway: Gateway) -> None:
    await gateway.admin("PUT", "locations/NL/GWY/LOC1/LOC1-2/status", {"status": "REMOVED"})
    async with station(gateway.ws, "CP16") as cp:
        assert (await cp.status(7, "Charging")) is not None
        await cp.status(2, "Charging")
        await cp.status(1, "Charging")
        assert await gateway.evse_status("LOC1", "LOC1-1") == "CHARGING"
    assert await gateway.evse_status("LOC1", "LOC1-2") == "REMOVED"


@pytest.mark.parametrize("version", ["1.6", "2.0.1"])
async def test_offline_is_unknown_and_after_reconnect_only_a_fresh_status_counts(
    gateway: Gateway, version: str
) -> None:
    station_id, location, evse = (
        ("CP16", "LOC1", "LOC1-1") if version == "1.6" else ("CP201", "LOC2", "LOC2-2")
    )
    async with station(gateway.ws, station_id, version=version) as cp:
        await cp.boot()
        await (cp.status(1, "Available") if version == "1.6" else cp.status(2, 1, "Available"))
        assert await gateway.evse_status(location, evse) == "AVAILABLE"
    await gateway.until_state(station_id, "offline")
    assert await gateway.evse_status(location, evse) == "UNKNOWN"
    assert (await gateway.station(station_id))["statuses"] == {}

    async with station(gateway.ws, station_id, version=version) as cp:
        # Back without a reboot: its first message is a Heartbeat, and the gateway asks for statuses.
        await cp.heartbeat()
        await wait_triggers(cp, 1 if version == "1.6" else 3)
        if version == "1.6":
            assert cp.triggers == [("StatusNotification", None)]
        else:
            assert [t[1] for t in cp.triggers] == [
                {"id": 1, "connector_id": 1},
                {"id": 1, "connector_id": 2},
                {"id": 2, "connector_id": 1},
            ]
        # It had nothing to say: the cached AVAILABLE is not restored.
        assert (await gateway.station(station_id))["state"] == "connected"
        assert await gateway.evse_status(location, evse) == "UNKNOWN"
        cp.statuses = {1: "Charging"} if version == "1.6" else {(2, 1): "Occupied"}
        await gateway.gateway.links[station_id].request_statuses()
        await gateway.until_status(location, evse, "CHARGING")


async def test_a_silent_station_is_unknown_until_it_talks_and_reports_again(
    make_gateway: MakeGateway, database_url: str
) -> None:
    gateway = await make_gateway(database_url, silent_after=0.8)
    async with station(gateway.ws, "CP16") as cp:
        await cp.boot()
        await cp.status(1, "Available")
        assert await gateway.evse_status("LOC1", "LOC1-1") == "AVAILABLE"
        await gateway.until_state("CP16", "silent")
        assert await gateway.evse_status("LOC1", "LOC1-1") == "UNKNOWN"
        cp.statuses = {1: "Available"}
        await cp.heartbeat()
        await gateway.until_status("LOC1", "LOC1-1", "AVAILABLE")
        assert cp.triggers[-1] == ("StatusNotification", None)


@pytest.fixture
async def fakes() -> AsyncIterator[Fakes]:
    started = Fakes()
    yield started
    await started.close()


async def test_an_evse_status_change_reaches_a_partner_as_a_patch(
    make_gateway: MakeGateway, database_url: str, fakes: Fakes
) -> None:
    gateway = await make_gateway(database_url, seed=False)
    emsp = await fakes("emsp", roles=[("EMSP", "DE", "MSP")])
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{gateway.port}") as client:
        await PushHub(gateway.app, client, gateway.settings).add_partner(emsp)
    await gateway.seed()
    await gateway.app.state.delivery.drain()
    assert [r.path.removeprefix(PREFIX) for r in emsp.pushes("locations")] == [
        f"/locations/NL/GWY/{location_id}" for location_id in ("LOC1", "LOC2", "LOC3")
    ]

    def patches() -> list[tuple[str, str]]:
        return [
            (r.path.removeprefix(PREFIX), r.body["status"])
            for r in emsp.pushes("locations")
            if r.method == "PATCH" and r.accepted
        ]

    async with station(gateway.ws, "CP16") as cp:
        await cp.heartbeat()
        await gateway.app.state.delivery.drain()
        # Connecting forgets what the Location said: both EVSEs are UNKNOWN until the station reports.
        assert sorted(patches()) == [
            ("/locations/NL/GWY/LOC1/LOC1-1", "UNKNOWN"),
            ("/locations/NL/GWY/LOC1/LOC1-2", "UNKNOWN"),
        ]
        await cp.status(1, "Charging")
        await gateway.app.state.delivery.drain()
    assert patches()[2:] == [("/locations/NL/GWY/LOC1/LOC1-1", "CHARGING")]
    charging = [r for r in emsp.pushes("locations") if r.method == "PATCH"][2]
    assert set(charging.body) == {"status", "last_updated"}
    stored = await gateway.admin("GET", "locations/NL/GWY/LOC1")
    evse = stored.json()["data"]["evses"][0]
    assert charging.body["last_updated"] == evse["last_updated"]


async def test_a_station_held_by_a_process_that_is_gone_becomes_silent(gateway: Gateway) -> None:
    from datetime import timedelta

    from sqlmodel import col, select

    from hub.ocpi.base import utc_now
    from hub.tables.stations import StationRecord

    await gateway.admin("PUT", "locations/NL/GWY/LOC1/LOC1-1/status", {"status": "CHARGING"})
    async with gateway.app.state.sessionmaker() as session:
        record = (
            await session.exec(select(StationRecord).where(col(StationRecord.station_id) == "CP16"))
        ).one()
        record.connection = "connected"
        record.connection_id = "elsewhere"
        record.gateway_id = "a-process-that-crashed"
        record.last_seen_at = utc_now() - timedelta(seconds=gateway.ocpp.stale_after + 1)
        session.add(record)
        await session.commit()
    assert (await gateway.station("CP16"))["state"] == "silent"  # shown as silent at once

    await gateway.hub.housekeeping()
    async with gateway.app.state.sessionmaker() as session:
        stored = (
            await session.exec(select(StationRecord).where(col(StationRecord.station_id) == "CP16"))
        ).one()
    assert stored.connection == "silent"
    assert await gateway.evse_status("LOC1", "LOC1-1") == "UNKNOWN"
