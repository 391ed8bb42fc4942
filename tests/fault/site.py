"""The system the fault tests break: a real `ocpi-hub serve` (SQLite or PostgreSQL) with short retry settings,
one eMSP (a FakePartner on loopback, registered by the credentials handshake, its Tokens pushed to the hub)
and Locations with stations for the offline-queueing chargers; what the hub stored, read from its database."""

from __future__ import annotations

import asyncio
import base64
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
from sqlalchemy import create_engine, text

from hub.db import sync_url
from tests.fault.charger import OfflineCharger
from tests.fixtures_locations import make_location, make_tariff
from tests.outbox.fake_partner import PREFIX, FakePartner
from tests.processes import HubProcess

PARTIES = [{"country_code": "NL", "party_id": "GWY", "role": "CPO", "name": "Fault CPO"}]
# Retries come quickly and a partner's module is never given up on within a test; a slow answer on a
# loaded machine is still no failure.
FAST = {
    "OCPI_HUB_PUSH_MAX_BACKOFF": "0.5",
    "OCPI_HUB_PUSH_POLL_INTERVAL": "0.2",
    "OCPI_HUB_PUSH_GIVE_UP_AFTER": "600",
    "OCPI_HUB_PARTNER_TIMEOUT": "10",
    "OCPI_HUB_OCPP_PING_INTERVAL": "0",
    "OCPI_HUB_OCPP_RESPONSE_TIMEOUT": "15",
    "OCPI_HUB_LOG_LEVEL": "warning",
}


@dataclass
class FaultHub(HubProcess):
    """A HubProcess on `database_url` (its own SQLite file when None) with FAST settings and `extra`."""

    database_url: str | None = None
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return self.database_url or f"sqlite:///{self.database}"

    @property
    def env(self) -> dict[str, str]:
        return {**super().env, **FAST, "OCPI_HUB_DATABASE_URL": self.url, **self.extra}

    @property
    def ws(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ocpp"

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def kill(self) -> None:
        """`kill -9`: no shutdown of any kind."""
        assert self.process is not None
        self.process.kill()
        self.process.wait(timeout=10)

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def log(self) -> str:
        path = self.workdir / f"{self.name}.log"
        return path.read_text(errors="replace") if path.exists() else ""


def station_id(index: int) -> str:
    return f"CP{index:03d}"


def id_tag(index: int, connector: int) -> str:
    return f"TAG{index:03d}C{connector}"


@dataclass
class Site:
    hub: FaultHub
    emsp: FakePartner
    stations: int
    connectors: int
    # The stations (by index) that speak OCPP 2.0.1; the others 1.6.
    v201: frozenset[int] = frozenset()

    def version(self, index: int) -> str:
        return "2.0.1" if index in self.v201 else "1.6"

    @property
    def admin(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.hub.admin_token}"}

    def client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=self.hub.base_url, headers=self.admin, timeout=30)

    def chargers(self) -> list[OfflineCharger]:
        return [
            OfflineCharger(self.hub.ws, station_id(i), self.connectors, version=self.version(i))
            for i in range(self.stations)
        ]

    async def seed(self) -> None:
        """Tariff, one Location per station (an EVSE per connector), stations, the eMSP and its Tokens; waits
        until the eMSP holds the Locations and the Tariff."""
        locations = [
            make_location(f"L{i:03d}", evses=self.connectors, connectors=1, tariff_ids=["T1"])
            for i in range(self.stations)
        ]
        stations = [
            {
                "station_id": station_id(i),
                "location_id": f"L{i:03d}",
                "connectors": [
                    {"evse": c, "evse_uid": f"L{i:03d}-{c}", "connector_id": "1"}
                    | ({"connector": 1} if i in self.v201 else {})
                    for c in range(1, self.connectors + 1)
                ],
            }
            for i in range(self.stations)
        ]
        async with self.client() as client:
            answer = await client.post(
                "/admin/partners/register",
                json={"versions_url": self.emsp.versions_url, "token": self.emsp.token_a},
            )
            assert answer.status_code == 200, answer.text
            answer = await client.put("/admin/tariffs/NL/GWY/T1", json=make_tariff("T1"))
            assert answer.status_code in (200, 201), answer.text
            answer = await client.post("/admin/import/locations", json=locations)
            assert answer.status_code == 200, answer.text
            assert answer.json()["created"] == self.stations, answer.text
            answer = await client.post("/admin/stations", json=stations)
            assert answer.status_code == 200, answer.text
            assert answer.json()["created"] == self.stations, answer.text
        await self.push_tokens()
        await self.emsp.until(lambda: len(self.emsp.accepted("locations")) >= self.stations, within=30)
        await self.emsp.until(lambda: self.emsp.accepted("tariffs"), within=30)

    async def push_tokens(self) -> None:
        """The eMSP's Tokens, one per connector, whitelist ALWAYS (mod_tokens Receiver PUT)."""
        assert self.emsp.hub_credentials is not None
        token = base64.b64encode(self.emsp.hub_credentials["token"].encode()).decode()
        headers = {
            "Authorization": f"Token {token}",
            "OCPI-from-country-code": "DE",
            "OCPI-from-party-id": "MSP",
            "OCPI-to-country-code": "NL",
            "OCPI-to-party-id": "GWY",
        }
        async with httpx.AsyncClient(base_url=self.hub.base_url, headers=headers, timeout=30) as client:
            uids = [id_tag(i, c) for i in range(self.stations) for c in range(1, self.connectors + 1)]

            async def put(uid: str) -> None:
                body = {
                    "country_code": "DE",
                    "party_id": "MSP",
                    "uid": uid,
                    "type": "RFID",
                    "contract_id": f"DE-MSP-{uid}",
                    "issuer": "Fault eMSP",
                    "valid": True,
                    "whitelist": "ALWAYS",
                    "last_updated": "2026-01-01T00:00:00Z",
                }
                answer = await client.put(
                    f"{PREFIX}/receiver/tokens/DE/MSP/{uid}",
                    json=body,
                    headers={"X-Request-ID": uid, "X-Correlation-ID": uid},
                )
                assert answer.status_code in (200, 201), answer.text
                assert answer.json()["status_code"] == 1000, answer.text

            for start in range(0, len(uids), 10):
                await asyncio.gather(*(put(uid) for uid in uids[start : start + 10]))

    async def evse_statuses(self) -> dict[tuple[str, str], str]:
        """(location id, EVSE uid) -> the status the hub stores."""
        return await asyncio.to_thread(evse_statuses, self.hub.url)

    async def all_available(self) -> bool:
        return set((await self.evse_statuses()).values()) == {"AVAILABLE"}


@dataclass
class Ledger:
    """What the hub's database holds: transactions, Sessions and CDRs (bodies as served)."""

    transactions: list[dict[str, Any]]
    sessions: dict[str, dict[str, Any]]
    cdrs: dict[str, dict[str, Any]]


def read_ledger(database_url: str) -> Ledger:
    engine = create_engine(sync_url(database_url))
    try:
        with engine.connect() as db:
            transactions = [
                dict(row._mapping)
                for row in db.execute(
                    text(
                        "SELECT station_id, transaction_id, evse, session_id, status, cdr_id, ended_at"
                        " FROM charging_transaction"
                    )
                )
            ]
            sessions = [json.loads(row[0]) for row in db.execute(text("SELECT body FROM session"))]
            cdrs = [json.loads(row[0]) for row in db.execute(text("SELECT body FROM cdr"))]
    finally:
        engine.dispose()
    session_ids = [s["id"] for s in sessions]
    cdr_ids = [c["id"] for c in cdrs]
    assert len(set(session_ids)) == len(session_ids)
    assert len(set(cdr_ids)) == len(cdr_ids)
    return Ledger(transactions, {s["id"]: s for s in sessions}, {c["id"]: c for c in cdrs})


async def stop_all(chargers: list[OfflineCharger]) -> None:
    await asyncio.gather(*(charger.close() for charger in chargers))


async def poll(check: Callable[[], Awaitable[bool]] | Callable[[], bool], within: float, what: str) -> None:
    """Until `check()` holds, looked at every 50 ms: the state polled lives in other processes (the hub's
    database) or in several chargers at once, with no one event to await."""
    deadline = time.monotonic() + within
    while True:
        result = check()
        if not isinstance(result, bool):
            result = await result
        if result:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {within} s: {what}")
        await asyncio.sleep(0.05)


def evses_held(emsp: FakePartner, stored: dict[tuple[str, str], str]) -> bool:
    """The eMSP holds every EVSE with the status the hub stores."""
    for (location_id, evse_uid), status in stored.items():
        location = emsp.model.get("locations", "NL", "GWY", location_id)
        if location is None or next(e["status"] for e in location["evses"] if e["uid"] == evse_uid) != status:
            return False
    return True


def open_pushes(database_url: str) -> int:
    """Outbox rows still to be delivered (PENDING or SENDING)."""
    engine = create_engine(sync_url(database_url))
    try:
        with engine.connect() as db:
            found = db.execute(text("SELECT count(*) FROM outbox WHERE state IN ('PENDING', 'SENDING')"))
            return int(found.scalar_one())
    finally:
        engine.dispose()


def failed_attempts(database_url: str) -> int:
    """Push attempts the hub recorded as not delivered (refused connections, HTTP 5xx, timeouts)."""
    engine = create_engine(sync_url(database_url))
    try:
        with engine.connect() as db:
            found = db.execute(text("SELECT count(*) FROM push_attempt WHERE outcome != 'delivered'"))
            return int(found.scalar_one())
    finally:
        engine.dispose()


def evse_statuses(database_url: str) -> dict[tuple[str, str], str]:
    engine = create_engine(sync_url(database_url))
    try:
        with engine.connect() as db:
            bodies = [json.loads(row[0]) for row in db.execute(text("SELECT body FROM location"))]
    finally:
        engine.dispose()
    return {(loc["id"], evse["uid"]): str(evse["status"]) for loc in bodies for evse in loc.get("evses", [])}
