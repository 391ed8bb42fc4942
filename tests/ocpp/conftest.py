"""The hub with its OCPP endpoint (`adapters.app.create_gateway`) served by a real uvicorn on a loopback port,
with Locations and stations to connect: LOC1 (EVSEs LOC1-1, LOC1-2, two Connectors each) for the 1.6 station
CP16 and LOC2 for the 2.0.1 station CP201."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import uvicorn
from pydantic import SecretStr

from adapters.app import create_gateway
from adapters.ocpp.gateway import OcppGateway
from hub.config import LocalParty, Settings
from hub.ocpi.enums import Role
from hub.operator.imports import ImportKind, import_objects
from hub.stations.imports import import_stations
from hub.stations.service import StationHub
from hub.stations.settings import OcppSettings, uvicorn_websocket_options
from tests.conftest import ADMIN_TOKEN
from tests.fixtures_locations import make_location
from tests.servers import ListeningServer

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
PARTIES = [
    LocalParty(country_code="NL", party_id="GWY", role=Role.CPO, name="Gateway CPO"),
    LocalParty(country_code="NL", party_id="MSP", role=Role.EMSP, name="Gateway eMSP"),
]
PASSWORD = "s3cret-station-password"

# CP16: 1.6 connectorIds 1 and 2 are the EVSEs LOC1-1 and LOC1-2; CP16-PAIR: connectorIds 1 and 2 are the two
# Connectors of one EVSE (LOC3-1). CP201: 2.0.1 EVSE 1 has two connectors (LOC2-1), EVSE 2 one (LOC2-2).
STATIONS: list[dict[str, Any]] = [
    {
        "station_id": "CP16",
        "location_id": "LOC1",
        "connectors": [
            {"evse": 1, "evse_uid": "LOC1-1", "connector_id": "1"},
            {"evse": 2, "evse_uid": "LOC1-2", "connector_id": "1"},
        ],
    },
    {
        "station_id": "CP16-PAIR",
        "location_id": "LOC3",
        "connectors": [
            {"evse": 1, "evse_uid": "LOC3-1", "connector_id": "1"},
            {"evse": 2, "evse_uid": "LOC3-1", "connector_id": "2"},
        ],
    },
    {
        "station_id": "CP201",
        "location_id": "LOC2",
        "connectors": [
            {"evse": 1, "connector": 1, "evse_uid": "LOC2-1", "connector_id": "1"},
            {"evse": 1, "connector": 2, "evse_uid": "LOC2-1", "connector_id": "2"},
            {"evse": 2, "connector": 1, "evse_uid": "LOC2-2", "connector_id": "1"},
        ],
    },
    {"station_id": "CP-LOCKED", "location_id": "LOC1", "password": PASSWORD, "connectors": []},
]


@dataclass
class Gateway:
    settings: Settings
    ocpp: OcppSettings
    app: Any
    server: ListeningServer
    client: httpx.AsyncClient
    port: int

    @property
    def ws(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ocpp"

    @property
    def hub(self) -> StationHub:
        hub: StationHub = self.app.state.station_hub
        return hub

    @property
    def gateway(self) -> OcppGateway:
        gateway: OcppGateway = self.app.state.ocpp_gateway
        return gateway

    async def admin(
        self, method: str, path: str, body: Any = None, expect: int | None = 200
    ) -> httpx.Response:
        response = await self.client.request(method, f"/admin/{path}", json=body, headers=ADMIN)
        if expect is not None:
            assert response.status_code == expect, f"{method} {path}: {response.status_code} {response.text}"
        return response

    async def seed(self) -> None:
        """Import LOC1-LOC3 and STATIONS."""
        locations = [make_location(location_id) for location_id in ("LOC1", "LOC2", "LOC3")]
        sessionmaker = self.app.state.sessionmaker
        assert (await import_objects(sessionmaker, self.settings, ImportKind.LOCATIONS, locations)).written
        report = await import_stations(sessionmaker, self.settings, STATIONS)
        assert report.created == len(STATIONS), report

    async def evse_status(self, location_id: str, evse_uid: str) -> str:
        location = (await self.admin("GET", f"locations/NL/GWY/{location_id}")).json()["data"]
        return next(str(e["status"]) for e in location["evses"] if e["uid"] == evse_uid)

    async def station(self, station_id: str) -> dict[str, Any]:
        body: dict[str, Any] = (await self.admin("GET", f"stations/{station_id}")).json()
        return body

    async def until(self, check: Callable[[], Awaitable[bool]], within: float = 5.0) -> None:
        """Wait until `check()` holds, looking again after every change the station hub commits."""
        wake = self.hub.events.subscribe()
        try:
            async with asyncio.timeout(within):
                while not await check():
                    await wake.wait()
                    wake.clear()
        finally:
            self.hub.events.unsubscribe(wake)

    async def until_status(self, location_id: str, evse_uid: str, status: str, within: float = 5.0) -> None:
        async def check() -> bool:
            return await self.evse_status(location_id, evse_uid) == status

        await self.until(check, within)

    async def until_state(self, station_id: str, state: str, within: float = 5.0) -> None:
        async def check() -> bool:
            return bool((await self.station(station_id))["state"] == state)

        await self.until(check, within)


MakeGateway = Callable[..., Awaitable[Gateway]]


@pytest.fixture
async def make_gateway() -> AsyncIterator[Callable[..., Awaitable[Gateway]]]:
    """Starts the hub with the OCPP endpoint on `database_url`, seeded with LOC1-LOC3 and STATIONS."""
    started: list[tuple[Gateway, asyncio.Task[None]]] = []

    async def make(database_url: str, *, seed: bool = True, **ocpp: Any) -> Gateway:
        settings = Settings(
            database_url=database_url,
            base_url="http://hub.test",
            parties=PARTIES,
            admin_token=SecretStr(ADMIN_TOKEN),
            push_worker=False,
            partner_timeout=30.0,  # loaded CI machines: a slow fake partner must not look down
            log_level="warning",
        )
        ocpp_settings = OcppSettings(**{"ping_interval": 0, "watch_interval": 0.05, **ocpp})
        app = create_gateway(settings, ocpp_settings=ocpp_settings)
        config = uvicorn.Config(
            app,
            host="127.0.0.1",
            port=0,
            log_level="warning",
            lifespan="on",
            **uvicorn_websocket_options(ocpp_settings),
        )
        server = ListeningServer(config)
        task = asyncio.get_running_loop().create_task(server.serve())
        await asyncio.wait_for(server.ready.wait(), 10)
        port = server.servers[0].sockets[0].getsockname()[1]
        client = httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=10)
        gateway = Gateway(settings, ocpp_settings, app, server, client, port)
        started.append((gateway, task))
        if seed:
            await gateway.seed()
        return gateway

    yield make
    for gateway, task in started:
        await gateway.client.aclose()
        gateway.server.should_exit = True
        await asyncio.wait_for(task, 15)


@pytest.fixture
async def gateway(make_gateway: MakeGateway, database_url: str) -> Gateway:
    """On both engines."""
    return await make_gateway(database_url)


@pytest.fixture
async def sqlite_gateway(make_gateway: MakeGateway, sqlite_url: str) -> Gateway:
    """Protocol tests that do not depend on the engine."""
    return await make_gateway(sqlite_url)
