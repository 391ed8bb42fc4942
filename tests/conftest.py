"""Test databases on both engines, hub apps wired to an in-process partner network."""

from __future__ import annotations

import asyncio
import base64
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool
from sqlmodel import SQLModel

from hub import tables as _tables  # noqa: F401 - every table on the metadata, for truncation
from hub.config import LocalParty, Settings
from hub.db import sync_url
from hub.main import create_app
from hub.migrate import upgrade
from hub.ocpi.enums import Role
from tests.network import PeerNetwork

POSTGRES_URL = os.environ.get("OCPI_HUB_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
ADMIN_TOKEN = "admin-secret"


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """`-n auto`: two workers per core. Much of the suite waits on real processes, sockets and timers (the
    end-to-end and fault tests), so one worker per core leaves the cores half idle."""
    return min(2 * (os.cpu_count() or 1), 16)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for every test."""
    path = tmp_path_factory.mktemp("template") / "hub.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh, migrated PostgreSQL database for this run, dropped at the end."""
    name = f"ocpi_hub_test_{os.getpid()}"
    admin = create_engine(sync_url(POSTGRES_URL), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    upgrade(url)
    yield url
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


_ENGINES: dict[str, Engine] = {}


def _truncate(url: str) -> None:
    """Empty every table a test wrote to and restart every sequence: TRUNCATE of only the tables holding rows
    (found in one statement) costs a fraction of truncating all of them, twice per PostgreSQL test."""
    engine = _ENGINES.get(url) or _ENGINES.setdefault(url, create_engine(sync_url(url), poolclass=NullPool))
    with engine.begin() as connection:
        # A background task of a test's app (the delivery worker) may sit in a transaction while the event
        # loop is paused for this synchronous teardown: end its connections rather than wait for them.
        connection.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        )
        names = [table.name for table in SQLModel.metadata.sorted_tables]
        probe = " UNION ALL ".join(
            f"SELECT '{name}' WHERE EXISTS (SELECT 1 FROM \"{name}\")" for name in names
        )
        written = [row[0] for row in connection.execute(text(probe))]
        if written:
            tables = ", ".join(f'"{name}"' for name in written)
            connection.execute(text(f"TRUNCATE {tables} CASCADE"))
        connection.execute(text("SELECT setval(oid, 1, false) FROM pg_class WHERE relkind = 'S'"))


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> Iterator[str]:
    """Each storage or API test runs once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        path = tmp_path / "hub.db"
        shutil.copy(sqlite_template, path)
        yield f"sqlite:///{path}"
        return
    url = request.getfixturevalue("postgres_url")
    _truncate(url)
    yield url
    _truncate(url)


@pytest.fixture
def new_sqlite_url(tmp_path: Path, sqlite_template: Path) -> Callable[[], str]:
    """Makes fresh migrated SQLite databases (for partner platforms in multi-platform tests)."""

    def make() -> str:
        path = tmp_path / f"peer-{uuid.uuid4().hex[:8]}.db"
        shutil.copy(sqlite_template, path)
        return f"sqlite:///{path}"

    return make


@pytest.fixture
def sqlite_url(new_sqlite_url: Callable[[], str]) -> str:
    """A second, SQLite-only database (for the peer platform in two-platform tests)."""
    return new_sqlite_url()


@pytest.fixture
def network() -> PeerNetwork:
    return PeerNetwork()


def ocpi_auth(token: str) -> dict[str, str]:
    return {"Authorization": "Token " + base64.b64encode(token.encode()).decode()}


@dataclass
class Platform:
    """One hub app under test with a client that reaches it in-process."""

    app: FastAPI
    client: httpx.AsyncClient
    settings: Settings

    @property
    def base_url(self) -> str:
        url: str = self.settings.base_url
        return url


def make_settings(database_url: str, host: str, parties: list[LocalParty] | None = None) -> Settings:
    return Settings(
        database_url=database_url,
        base_url=f"http://{host}",
        parties=parties or [LocalParty(country_code="NL", party_id="GWY", role=Role.CPO, name="Gateway CPO")],
        admin_token=SecretStr(ADMIN_TOKEN),
        partner_timeout=2.0,
    )


async def _close(app: FastAPI) -> None:
    await app.state.partner_client.http.aclose()
    await app.state.engine.dispose()


class PlatformFactory:
    def __init__(self, network: PeerNetwork) -> None:
        self.network = network
        self.created: list[Platform] = []
        # On: every platform made runs its delivery worker, as `ocpi-hub serve` does (tests that await
        # pushes as they happen); off: tests deliver explicitly with `settle`.
        self.background_delivery = False
        self._workers: list[asyncio.Task[None]] = []

    def __call__(
        self, database_url: str, host: str, parties: list[LocalParty] | None = None, **create_kwargs: object
    ) -> Platform:
        settings = make_settings(database_url, host, parties)
        app = create_app(settings, partner_transport=self.network, **create_kwargs)  # type: ignore[arg-type]
        self.network.attach_app(host, app)
        client = httpx.AsyncClient(transport=self.network, base_url=settings.base_url)
        platform = Platform(app=app, client=client, settings=settings)
        self.created.append(platform)
        if self.background_delivery:
            self._workers.append(asyncio.get_running_loop().create_task(app.state.delivery.run()))
        return platform

    async def close(self) -> None:
        for worker in self._workers:
            worker.cancel()
        await asyncio.gather(*self._workers, return_exceptions=True)
        for platform in self.created:
            await platform.client.aclose()
            await _close(platform.app)


@pytest.fixture
async def platforms(network: PeerNetwork) -> AsyncIterator[PlatformFactory]:
    factory = PlatformFactory(network)
    yield factory
    await factory.close()


@pytest.fixture
async def hub(platforms: PlatformFactory, database_url: str) -> Platform:
    """The hub under test, on both engines."""
    return platforms(database_url, "hub.test")


@pytest.fixture
async def peer(platforms: PlatformFactory, sqlite_url: str) -> Platform:
    """Another ocpi-hub platform acting as the partner (an eMSP), on SQLite."""
    return platforms(
        sqlite_url,
        "peer.test",
        [LocalParty(country_code="DE", party_id="MSP", role=Role.EMSP, name="Peer eMSP")],
    )


async def invite(platform: Platform, name: str = "partner") -> dict[str, str]:
    response = await platform.client.post(
        "/admin/partners/invite", json={"name": name}, headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}
    )
    assert response.status_code == 200, response.text
    invitation: dict[str, str] = response.json()
    return invitation


async def register(platform: Platform, versions_url: str, token: str) -> httpx.Response:
    return await platform.client.post(
        "/admin/partners/register",
        json={"versions_url": versions_url, "token": token},
        headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
    )


async def connect(hub: Platform, peer: Platform) -> tuple[str, str]:
    """Peer registers with the hub (hub issued token A). Returns (token the peer uses with the hub,
    token the hub uses with the peer)."""
    from sqlmodel import col, select

    from hub.tables import PartnerRecord

    invitation = await invite(hub)
    response = await register(peer, invitation["versions_url"], invitation["token"])
    assert response.status_code == 200, response.text
    async with peer.app.state.sessionmaker() as session:
        peer_side = await session.get(PartnerRecord, response.json()["id"])
    async with hub.app.state.sessionmaker() as session:
        hub_side = (await session.exec(select(PartnerRecord).order_by(col(PartnerRecord.id).desc()))).first()
    assert peer_side is not None
    assert hub_side is not None
    assert peer_side.token_out is not None
    assert hub_side.token_out is not None
    return peer_side.token_out, hub_side.token_out


async def settle(app: FastAPI) -> None:
    """Wait for the app's background work: command tasks, then every push they and the requests queued."""
    from hub.modules.commands.runner import runner

    await runner(app.state).join()
    await app.state.delivery.drain()
