"""The hub with the internal CSMS event API switched on, seeded with Locations LOC1 (two EVSEs, for the
1.6-style station CSMS-16) and LOC2 (for the 2.0.1-style station CSMS-201), every Connector priced by Tariff
T1, and Token CARD1 of our own eMSP NL*MSP; reached in process."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from hub.config import LocalParty, Settings
from hub.main import create_app
from hub.ocpi.enums import Role
from hub.operator.imports import ImportKind, import_objects
from hub.stations.imports import import_stations
from tests.conftest import ADMIN_TOKEN, make_settings
from tests.fixtures_locations import energy_element, make_location, make_tariff

TOKEN = "csms-token-1"
OTHER_TOKEN = "csms-token-2"
PARTIES = [
    LocalParty(country_code="NL", party_id="GWY", role=Role.CPO, name="Gateway CPO"),
    LocalParty(country_code="NL", party_id="MSP", role=Role.EMSP, name="Gateway eMSP"),
]
STATIONS: list[dict[str, Any]] = [
    {
        "station_id": "CSMS-16",
        "location_id": "LOC1",
        "connectors": [
            {"evse": 1, "evse_uid": "LOC1-1", "connector_id": "1"},
            {"evse": 2, "evse_uid": "LOC1-2", "connector_id": "1"},
        ],
    },
    {
        "station_id": "CSMS-201",
        "location_id": "LOC2",
        "connectors": [
            {"evse": 1, "connector": 1, "evse_uid": "LOC2-1", "connector_id": "1"},
            {"evse": 1, "connector": 2, "evse_uid": "LOC2-1", "connector_id": "2"},
            {"evse": 2, "connector": 1, "evse_uid": "LOC2-2", "connector_id": "1"},
        ],
    },
]
# 0.30 EUR/kWh and 2.00 EUR per hour of parking.
TARIFF = make_tariff(
    "T1",
    elements=[
        energy_element(0.30, vat=20.0),
        {"price_components": [{"type": "PARKING_TIME", "price": 2.0, "vat": 20.0, "step_size": 1}]},
    ],
)
CARD = {
    "country_code": "NL",
    "party_id": "MSP",
    "uid": "CARD1",
    "type": "RFID",
    "contract_id": "NL-MSP-CARD1",
    "issuer": "Gateway eMSP",
    "valid": True,
    "whitelist": "ALLOWED",
    "last_updated": "2026-01-01T00:00:00Z",
}
_ids = itertools.count(1)


def event(station_id: str, type: str, at: str = "2026-06-01T10:00:00Z", **fields: Any) -> dict[str, Any]:
    """An event with a fresh event_id."""
    return {"event_id": f"ev-{next(_ids)}", "station_id": station_id, "type": type, "timestamp": at, **fields}


@dataclass
class Internal:
    app: Any
    client: httpx.AsyncClient
    settings: Settings

    async def post(self, body: Any, *, token: str | None = TOKEN, expect: int | None = 200) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
        response = await self.client.post("/internal/v1/events", json=body, headers=headers)
        if expect is not None:
            assert response.status_code == expect, response.text
        return response

    async def results(self, body: Any) -> list[dict[str, Any]]:
        results: list[dict[str, Any]] = (await self.post(body)).json()["results"]
        return results

    async def admin(self, path: str) -> Any:
        response = await self.client.get(f"/admin/{path}", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
        assert response.status_code == 200, response.text
        return response.json()

    async def session(self, session_id: str) -> dict[str, Any]:
        body: dict[str, Any] = (await self.admin(f"sessions/NL/GWY/{session_id}"))["data"]
        return body

    async def cdr(self, cdr_id: str) -> dict[str, Any]:
        body: dict[str, Any] = (await self.admin(f"cdrs/NL/GWY/{cdr_id}"))["data"]
        return body

    async def evse_status(self, location_id: str, evse_uid: str) -> str:
        location = (await self.admin(f"locations/NL/GWY/{location_id}"))["data"]
        return next(str(e["status"]) for e in location["evses"] if e["uid"] == evse_uid)


MakeInternal = Callable[..., Awaitable[Internal]]


@pytest.fixture
async def make_internal(database_url: str) -> AsyncIterator[MakeInternal]:
    """Makes hubs on `database_url`, or on `database` when given."""
    made: list[Internal] = []

    async def make(tokens: tuple[str, ...] = (TOKEN, OTHER_TOKEN), database: str | None = None) -> Internal:
        settings = make_settings(database or database_url, "hub.test", PARTIES).model_copy(
            update={"internal_tokens": tuple(SecretStr(t) for t in tokens), "push_worker": False}
        )
        app = create_app(settings)
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=settings.base_url)
        sessionmaker = app.state.sessionmaker
        locations = [make_location(location_id, tariff_ids=["T1"]) for location_id in ("LOC1", "LOC2")]
        assert (await import_objects(sessionmaker, settings, ImportKind.TARIFFS, [TARIFF])).written
        assert (await import_objects(sessionmaker, settings, ImportKind.LOCATIONS, locations)).written
        assert (await import_objects(sessionmaker, settings, ImportKind.TOKENS, [CARD])).written
        assert (await import_stations(sessionmaker, settings, STATIONS)).written
        internal = Internal(app, client, settings)
        made.append(internal)
        return internal

    yield make
    for internal in made:
        await internal.client.aclose()
        await internal.app.state.partner_client.http.aclose()
        await internal.app.state.engine.dispose()


@pytest.fixture
async def internal(make_internal: MakeInternal) -> Internal:
    """On both engines."""
    return await make_internal()
