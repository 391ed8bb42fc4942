"""A hub process dies (DESIGN: Scale, issue 11): two `ocpi-hub serve` on one PostgreSQL with a short process
lease, a charger on B; a START_SESSION sent to A reaches it there. B is killed with SIGKILL: within the lease
A marks B's station offline and its EVSE UNKNOWN (pushed to the eMSP), a START_SESSION is REJECTED at once, the
charger reconnects to A, and the next START_SESSION starts a session whose result and Session reach the eMSP."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlmodel import select

from hub.db import create_engine, create_sessionmaker
from hub.tables.cluster import ProcessRecord
from tests.cluster.nodes import Node, register_emsp, start_all
from tests.cluster.test_relayed_commands import RFID, results, until_state, until_status
from tests.fixtures_locations import make_location
from tests.ocpp.chargers import station
from tests.ocpp.conftest import STATIONS
from tests.outbox.fake_partner import FakePartner, Fakes

pytestmark = pytest.mark.fault

LEASE = 3.0
SETTINGS = {
    "OCPI_HUB_PUSH_POLL_INTERVAL": "0.2",
    "OCPI_HUB_COMMAND_TIMEOUT": "15",
    "OCPI_HUB_PROCESS_LEASE_SECONDS": str(LEASE),
}


@pytest.fixture
def nodes(cluster_url: str, tmp_path: Path) -> Iterator[tuple[Node, Node]]:
    a = Node("a", "serve", cluster_url, tmp_path, SETTINGS)
    b = Node("b", "serve", cluster_url, tmp_path, SETTINGS | {"OCPI_HUB_PUSH_WORKER": "false"})
    try:
        start_all(a, b)
        yield a, b
    finally:
        b.stop()
        a.stop()


@pytest.fixture
async def emsp(cluster_url: str, nodes: tuple[Node, Node]) -> AsyncIterator[FakePartner]:
    fakes = Fakes()
    fake = await fakes("emsp", roles=[("EMSP", "DE", "MSP")])
    await register_emsp(cluster_url, fake, ("locations", "sessions"))
    a, _b = nodes
    await a.admin("POST", "import/locations", [make_location("LOC1")])
    await a.admin("POST", "stations", [STATIONS[0]])
    yield fake
    await fakes.close()


async def _leases(database_url: str) -> set[str]:
    engine = create_engine(database_url)
    try:
        async with create_sessionmaker(engine)() as session:
            return {r.kind for r in (await session.exec(select(ProcessRecord))).all()}
    finally:
        await engine.dispose()


def _start(response_url: str) -> dict[str, object]:
    return {
        "response_url": response_url,
        "token": RFID,
        "location_id": "LOC1",
        "evse_uid": "LOC1-1",
        "connector_id": "1",
        "authorization_reference": "AUTH-FAILOVER",
    }


def _unknown_pushed(emsp: FakePartner) -> bool:
    return any(
        r.method == "PATCH" and r.path.endswith("/LOC1/LOC1-1") and (r.body or {}).get("status") == "UNKNOWN"
        for r in emsp.accepted("locations")
    )


async def test_a_killed_process_s_charger_goes_offline_within_the_lease_and_works_through_another(
    cluster_url: str, nodes: tuple[Node, Node], emsp: FakePartner
) -> None:
    a, b = nodes
    async with station(b.ws, "CP16") as cp:
        await cp.status(1, "Available")
        await until_status(a, "LOC1", "LOC1-1", "AVAILABLE")
        assert (
            await a.ocpi(
                "POST", "receiver/commands/START_SESSION", _start(f"{emsp.endpoint('commands')}/r/1")
            )
        )["result"] == "ACCEPTED"
        assert await emsp.until(lambda: results(emsp, "/r/1"), within=15) == [{"result": "ACCEPTED"}]
        assert len(cp.payloads("RemoteStartTransaction")) == 1
        assert await _leases(cluster_url) == {"serve"}

        b.kill()
        killed = time.monotonic()
        # A's sweep runs every third of the lease: B's lease is at most LEASE old when B dies.
        await until_state(a, "CP16", "offline", within=LEASE * 3)
        assert time.monotonic() - killed <= LEASE + LEASE / 3 + 2.0
    assert (await a.admin("GET", "stations/CP16"))["state"] == "offline"
    await until_status(a, "LOC1", "LOC1-1", "UNKNOWN")
    await emsp.until(lambda: _unknown_pushed(emsp), within=10)
    # Connected nowhere now: answered at once, never relayed to the dead process.
    began = time.monotonic()
    offline = await a.ocpi(
        "POST", "receiver/commands/START_SESSION", _start(f"{emsp.endpoint('commands')}/r/offline")
    )
    assert (offline["result"], time.monotonic() - began < 2) == ("REJECTED", True)

    async with station(a.ws, "CP16") as cp:
        await cp.heartbeat()
        await until_state(a, "CP16", "connected")
        assert (
            await a.ocpi(
                "POST", "receiver/commands/START_SESSION", _start(f"{emsp.endpoint('commands')}/r/2")
            )
        )["result"] == "ACCEPTED"
        assert await emsp.until(lambda: results(emsp, "/r/2"), within=15) == [{"result": "ACCEPTED"}]
        assert cp.payloads("RemoteStartTransaction") == [{"idTag": "04A1B2C3D4", "connectorId": 1}]
        await cp.start_transaction(1, "04A1B2C3D4", 1000, datetime.now(UTC).isoformat())
        put = await emsp.until(lambda: [r for r in emsp.accepted("sessions") if r.method == "PUT"], within=15)
        assert put[0].body["authorization_reference"] == "AUTH-FAILOVER"
