"""The hub under push tests (create_app on both engines, no partner transport: it calls the fakes over
loopback) and the fake partners it pushes to."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr
from sqlmodel import col, select

from hub.config import LocalParty, Settings
from hub.main import create_app
from hub.modules.objects import Owner, Writer
from hub.modules.sessions.service import SessionService
from hub.ocpi.enums import Role
from hub.ocpi.v221.sessions import SessionPatch
from hub.outbox.worker import DeliveryWorker, WorkerOptions
from hub.tables.outbox import OutboxRecord, PushAttemptRecord
from tests.conftest import ADMIN_TOKEN
from tests.fixtures_locations import make_location, make_tariff
from tests.outbox.fake_partner import FakePartner, Fakes
from tests.outbox.registered import store_partner

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
# Our CPO owns Locations, Tariffs, Sessions and CDRs; our eMSP owns Tokens.
PARTIES = [
    LocalParty(country_code="NL", party_id="GWY", role=Role.CPO, name="Gateway CPO"),
    LocalParty(country_code="NL", party_id="MSP", role=Role.EMSP, name="Gateway eMSP"),
]
# Short enough that the directory runs in seconds: waits between attempts stay under a fifth of a second.
# A partner's silence is cut short only in the tests about timeouts (SILENCE): elsewhere a busy machine must not
# turn a slow answer into a failed attempt.
SILENCE = 0.8
FAST = {
    "partner_timeout": 3.0,
    "push_max_backoff": 0.2,
    "push_poll_interval": 0.05,
    "push_give_up_after": 30.0,
}


@dataclass
class PushHub:
    """One hub app, reached in-process for the admin API; its pushes go over real HTTP."""

    app: FastAPI
    client: httpx.AsyncClient
    settings: Settings

    @property
    def delivery(self) -> DeliveryWorker:
        worker: DeliveryWorker = self.app.state.delivery
        return worker

    async def admin(self, method: str, path: str, body: Any = None, **params: str) -> httpx.Response:
        response = await self.client.request(
            method, f"/admin/{path}", json=body, params=params or None, headers=ADMIN
        )
        assert response.status_code in (200, 201), f"{method} {path}: {response.text}"
        return response

    async def put_location(self, location_id: str = "LOC1", **overrides: Any) -> dict[str, Any]:
        await self.admin("PUT", f"locations/NL/GWY/{location_id}", make_location(location_id, **overrides))
        return await self.location(location_id)

    async def location(self, location_id: str = "LOC1") -> dict[str, Any]:
        response = await self.admin("GET", f"locations/NL/GWY/{location_id}")
        stored: dict[str, Any] = response.json()["data"]
        return stored

    async def set_status(self, status: str, location_id: str = "LOC1", evse_uid: str = "LOC1-1") -> None:
        await self.admin("PUT", f"locations/NL/GWY/{location_id}/{evse_uid}/status", {"status": status})

    async def put_tariff(self, tariff_id: str = "T1", **overrides: Any) -> None:
        await self.admin("PUT", f"tariffs/NL/GWY/{tariff_id}", make_tariff(tariff_id, **overrides))

    async def put_session(self, session_id: str = "S1", **overrides: Any) -> None:
        await self.admin("PUT", f"sessions/NL/GWY/{session_id}", make_session(session_id, **overrides))

    async def patch_session(self, session_id: str, patch: dict[str, Any]) -> None:
        """Change one of our Sessions as a charger's meter values do (there is no admin route for it)."""
        async with self.app.state.sessionmaker() as session:
            service = SessionService(session, Owner.of("NL", "GWY"), Writer(None))
            await service.patch(session_id, SessionPatch.model_validate(patch))
            await session.commit()

    async def add_partner(
        self,
        fake: FakePartner,
        *,
        roles: Iterable[tuple[str, str, str]] | None = None,
        receivers: Iterable[str] | None = None,
    ) -> int:
        """Register `fake` by writing what a handshake would have stored: its roles, its Receiver endpoints
        and the token we call it with."""
        async with self.app.state.sessionmaker() as session:
            partner_id = await store_partner(session, fake, roles=roles, receivers=receivers)
            await session.commit()
            return partner_id

    async def drain(self) -> None:
        """Deliver everything due now, and record it."""
        await self.delivery.drain()

    @asynccontextmanager
    async def worker(self) -> AsyncIterator[asyncio.Task[None]]:
        """The delivery loop running as in `ocpi-hub serve`; stopped (and its last results recorded) on exit."""
        task = asyncio.get_running_loop().create_task(self.delivery.run())
        try:
            yield task
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            # run() ends by closing the worker; a fresh one (same settings) serves the rest of the test.
            self.app.state.delivery = DeliveryWorker(
                self.app.state.sessionmaker,
                self.delivery.http,
                self.settings,
                signal=self.app.state.signal,
                options=self.delivery.options,
            )

    async def outbox(self, partner_id: int | None = None) -> list[OutboxRecord]:
        async with self.app.state.sessionmaker() as session:
            statement = select(OutboxRecord).order_by(col(OutboxRecord.id))
            if partner_id is not None:
                statement = statement.where(col(OutboxRecord.partner_id) == partner_id)
            return list((await session.exec(statement)).all())

    async def attempts(self, outbox_id: int) -> list[PushAttemptRecord]:
        async with self.app.state.sessionmaker() as session:
            statement = (
                select(PushAttemptRecord)
                .where(col(PushAttemptRecord.outbox_id) == outbox_id)
                .order_by(col(PushAttemptRecord.id))
            )
            return list((await session.exec(statement)).all())


class LogWatch(logging.Handler):
    """Collects one logger's warnings, and lets a test await one (the worker logs each give-up)."""

    def __init__(self, logger: str) -> None:
        super().__init__(logging.WARNING)
        self.logger = logging.getLogger(logger)
        self.messages: list[str] = []
        self._changed = asyncio.Event()

    def __enter__(self) -> LogWatch:
        self.logger.addHandler(self)
        return self

    def __exit__(self, *_: object) -> None:
        self.logger.removeHandler(self)

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()

    def count(self, text: str) -> int:
        return sum(text in message for message in self.messages)

    async def until(self, check: Callable[[], bool], within: float = 5.0) -> None:
        async with asyncio.timeout(within):
            while not check():
                await self._changed.wait()


def make_session(
    session_id: str = "S1", *, token: tuple[str, str] = ("DE", "MSP"), **overrides: Any
) -> dict[str, Any]:
    """One of our Sessions at LOC1, charged with a token of the eMSP `token`."""
    return {
        "country_code": "NL",
        "party_id": "GWY",
        "id": session_id,
        "start_date_time": "2026-01-05T10:00:00Z",
        "kwh": 0.0,
        "cdr_token": {
            "country_code": token[0],
            "party_id": token[1],
            "uid": f"TOKEN-{token[1]}",
            "type": "RFID",
            "contract_id": f"{token[0]}-{token[1]}-C0001",
        },
        "auth_method": "WHITELIST",
        "location_id": "LOC1",
        "evse_uid": "LOC1-1",
        "connector_id": "1",
        "currency": "EUR",
        "status": "ACTIVE",
        **overrides,
    }


def make_cdr(cdr_id: str = "CDR1", *, token: tuple[str, str] = ("DE", "MSP")) -> dict[str, Any]:
    """A CDR of ours without costs (the hub prices it with the Connector's Tariff): 10 kWh in an hour."""
    return {
        "country_code": "NL",
        "party_id": "GWY",
        "id": cdr_id,
        "start_date_time": "2026-01-05T10:00:00Z",
        "end_date_time": "2026-01-05T11:00:00Z",
        "cdr_token": {
            "country_code": token[0],
            "party_id": token[1],
            "uid": f"TOKEN-{token[1]}",
            "type": "RFID",
            "contract_id": f"{token[0]}-{token[1]}-C0001",
        },
        "auth_method": "WHITELIST",
        "cdr_location": {"id": "LOC1", "evse_uid": "LOC1-1", "connector_id": "1"},
        "charging_periods": [
            {
                "start_date_time": "2026-01-05T10:00:00Z",
                "dimensions": [{"type": "ENERGY", "volume": 10}, {"type": "TIME", "volume": 1}],
            }
        ],
    }


def hub_settings(database_url: str, **overrides: Any) -> Settings:
    return Settings(
        database_url=database_url,
        base_url="http://hub.test",
        parties=PARTIES,
        admin_token=SecretStr(ADMIN_TOKEN),
        push_worker=False,
        **{**FAST, **overrides},
    )


MakeHub = Callable[..., Awaitable[PushHub]]


@pytest.fixture
async def make_hub(database_url: str) -> AsyncIterator[MakeHub]:
    """Builds the hub under test with FAST settings and the given overrides."""
    made: list[PushHub] = []

    async def make(**overrides: Any) -> PushHub:
        settings = hub_settings(database_url, **overrides)
        app = create_app(settings)
        app.state.delivery.options = WorkerOptions(grace=2.0)
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=settings.base_url)
        made.append(PushHub(app, client, settings))
        return made[-1]

    yield make
    for hub in made:
        await hub.client.aclose()
        await hub.app.state.partner_client.http.aclose()
        await hub.app.state.engine.dispose()


@pytest.fixture
async def hub(make_hub: MakeHub) -> PushHub:
    return await make_hub()


@pytest.fixture
async def fakes() -> AsyncIterator[Fakes]:
    started = Fakes()
    yield started
    await started.close()
