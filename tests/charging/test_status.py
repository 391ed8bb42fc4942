"""A 2.0.1 connector reported Occupied (ocpp-notes §3.2): CHARGING, unless the EVSE's transaction ended since
the report, when the car only blocks the bay (BLOCKED) until the connector reports again."""

from __future__ import annotations

from datetime import timedelta

import pytest

from hub.ocpi.v221.locations import Status
from hub.ports import ConnectorStatusReport
from tests.charging.conftest import T0, Rig

MIN = timedelta(minutes=1)


@pytest.fixture
def database_url(sqlite_url: str) -> str:
    return sqlite_url


async def evse_status(rig: Rig, evse_uid: str = "LOC2-1") -> str:
    location = await rig.hub.location("LOC2")
    return next(str(e["status"]) for e in location["evses"] if e["uid"] == evse_uid)


async def report(rig: Rig, ocpp: str, status: Status, at: timedelta) -> None:
    await rig.stations.connector_status("CP201", ConnectorStatusReport(1, 1, status, ocpp, T0 + at))


async def test_an_evse_still_occupied_after_its_transaction_ended_is_blocked(rig: Rig) -> None:
    await rig.push_token("CARD1", whitelist="ALWAYS")
    await report(rig, "Occupied", Status.CHARGING, 0 * MIN)
    assert await evse_status(rig) == "CHARGING"
    await rig.start(T0 + MIN)
    await rig.end(T0 + 30 * MIN, 1, 5000)
    assert await evse_status(rig) == "BLOCKED"
    assert await evse_status(rig, "LOC2-2") == "UNKNOWN"  # the other EVSE reported nothing
    await report(rig, "Available", Status.AVAILABLE, 40 * MIN)
    assert await evse_status(rig) == "AVAILABLE"
    # The next car: Occupied after the last end is CHARGING again.
    await report(rig, "Occupied", Status.CHARGING, 50 * MIN)
    assert await evse_status(rig) == "CHARGING"
    await rig.start(T0 + 51 * MIN, transaction_id="TX2")
    assert await evse_status(rig) == "CHARGING"
