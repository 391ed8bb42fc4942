"""Commands and charging profiles across processes (DESIGN: Scale): `ocpi-hub serve` takes an eMSP's
START_SESSION and SET charging profile for a charger connected to an `ocpi-hub ocpp-gateway` process on the
same PostgreSQL; the charger is asked over its websocket there and the results reach the eMSP's
response_urls. A charger connected nowhere is answered REJECTED at once."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import col, select

from hub.db import create_engine, create_sessionmaker
from hub.tables.cluster import ChargerCallRecord, ProcessRecord
from tests.cluster.nodes import Node, register_emsp, start_all
from tests.fixtures_locations import make_location
from tests.ocpp.chargers import station
from tests.ocpp.conftest import STATIONS
from tests.outbox.fake_partner import FakePartner, Fakes

pytestmark = pytest.mark.e2e

RFID = {
    "country_code": "DE",
    "party_id": "MSP",
    "uid": "04A1B2C3D4",
    "type": "RFID",
    "contract_id": "04A1B2C3D4",
    "issuer": "MSP",
    "valid": True,
    "whitelist": "ALLOWED",
    "last_updated": "2026-01-01T00:00:00Z",
}
SETTINGS = {"OCPI_HUB_PUSH_POLL_INTERVAL": "0.2", "OCPI_HUB_COMMAND_TIMEOUT": "15"}


@pytest.fixture
def nodes(cluster_url: str, tmp_path: Path) -> Iterator[tuple[Node, Node]]:
    hub = Node("serve", "serve", cluster_url, tmp_path, SETTINGS)
    gateway = Node("gateway", "ocpp-gateway", cluster_url, tmp_path, SETTINGS)
    try:
        start_all(hub, gateway)
        yield hub, gateway
    finally:
        gateway.stop()
        hub.stop()


@pytest.fixture
async def emsp(cluster_url: str, nodes: tuple[Node, Node]) -> AsyncIterator[FakePartner]:
    fakes = Fakes()
    fake = await fakes("emsp", roles=[("EMSP", "DE", "MSP")])
    await register_emsp(cluster_url, fake, ("sessions",))
    hub, _gateway = nodes
    await hub.admin("POST", "import/locations", [_location(i) for i in ("LOC1", "LOC2", "LOC3")])
    await hub.admin("POST", "stations", STATIONS)
    yield fake
    await fakes.close()


def _location(location_id: str) -> dict[str, Any]:
    location = make_location(location_id)
    for evse in location["evses"]:
        evse["capabilities"] = [*evse["capabilities"], "CHARGING_PROFILE_CAPABLE"]
    return location


async def until_state(node: Node, station_id: str, state: str, within: float = 10.0) -> float:
    """Seconds until the station's connection state (as every process sees it in the database) is `state`."""
    began = time.monotonic()
    while (await node.admin("GET", f"stations/{station_id}"))["state"] != state:
        assert time.monotonic() - began < within, f"{station_id} not {state} within {within} s"
        await asyncio.sleep(0.05)  # another process writes the state: no event to await across processes
    return time.monotonic() - began


async def until_status(
    node: Node, location_id: str, evse_uid: str, status: str, within: float = 10.0
) -> None:
    began = time.monotonic()
    while True:
        location = (await node.admin("GET", f"locations/NL/GWY/{location_id}"))["data"]
        if next(e["status"] for e in location["evses"] if e["uid"] == evse_uid) == status:
            return
        assert time.monotonic() - began < within, f"{evse_uid} not {status} within {within} s"
        await asyncio.sleep(0.05)  # another process writes the status: no event to await across processes


def results(emsp: FakePartner, path: str) -> list[Any]:
    return [r.body for r in emsp.pushes() if r.method == "POST" and r.path.endswith(path)]


async def relayed(database_url: str) -> list[tuple[str, str, str, bool]]:
    """The relayed calls: method, the caller's and the owner's kind of process, answered or not."""
    engine = create_engine(database_url)
    try:
        async with create_sessionmaker(engine)() as session:
            kinds = {p.process_id: p.kind for p in (await session.exec(select(ProcessRecord))).all()}
            calls = (await session.exec(select(ChargerCallRecord).order_by(col(ChargerCallRecord.id)))).all()
    finally:
        await engine.dispose()
    return [(c.method, kinds[c.caller], kinds[c.owner], c.answered_at is not None) for c in calls]


async def test_a_command_and_a_charging_profile_reach_the_charger_on_another_process(
    cluster_url: str, nodes: tuple[Node, Node], emsp: FakePartner
) -> None:
    hub, gateway = nodes
    async with station(gateway.ws, "CP16") as cp:
        await cp.heartbeat()
        await until_state(hub, "CP16", "connected")
        start = {
            "response_url": f"{emsp.endpoint('commands')}/START_SESSION/1",
            "token": RFID,
            "location_id": "LOC1",
            "evse_uid": "LOC1-1",
            "connector_id": "1",
            "authorization_reference": "AUTH-CLUSTER",
        }
        assert (await hub.ocpi("POST", "receiver/commands/START_SESSION", start))["result"] == "ACCEPTED"
        assert await emsp.until(lambda: results(emsp, "/START_SESSION/1"), within=15) == [
            {"result": "ACCEPTED"}
        ]
        assert cp.payloads("RemoteStartTransaction") == [{"idTag": "04A1B2C3D4", "connectorId": 1}]

        # The session starts at the charger, on the gateway process; the hub's worker pushes it.
        await cp.start_transaction(1, "04A1B2C3D4", 1000, datetime.now(UTC).isoformat())
        put = await emsp.until(lambda: [r for r in emsp.accepted("sessions") if r.method == "PUT"], within=15)
        assert (put[0].body["auth_method"], put[0].body["authorization_reference"]) == (
            "COMMAND",
            "AUTH-CLUSTER",
        )
        session_id = put[0].body["id"]

        profile = {
            "response_url": f"{emsp.endpoint('commands')}/SET_PROFILE/2",
            "charging_profile": {
                "charging_rate_unit": "W",
                "charging_profile_period": [{"start_period": 0, "limit": 11000}],
            },
        }
        answer = await hub.ocpi("PUT", f"receiver/chargingprofiles/{session_id}", profile)
        assert answer["result"] == "ACCEPTED"
        assert await emsp.until(lambda: results(emsp, "/SET_PROFILE/2"), within=15) == [
            {"result": "ACCEPTED"}
        ]
        [set_profile] = cp.payloads("SetChargingProfile")
        assert set_profile["connectorId"] == 1
        # Both went from the hub's process to the gateway's through the relay.
        assert await relayed(cluster_url) == [
            ("start_session", "serve", "ocpp-gateway", True),
            ("set_charging_profile", "serve", "ocpp-gateway", True),
        ]

    await until_state(hub, "CP16", "offline")
    began = time.monotonic()
    offline = await hub.ocpi(
        "POST",
        "receiver/commands/START_SESSION",
        start | {"response_url": f"{emsp.endpoint('commands')}/START_SESSION/3"},
    )
    assert time.monotonic() - began < 2
    assert (offline["result"], offline["message"]) == (
        "REJECTED",
        [{"language": "en", "text": "Charge Point CP16 is offline"}],
    )
