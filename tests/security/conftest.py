"""The full deployable of `ocpi-hub serve` (`adapters.app.create_gateway`) with every credential configured:
an admin token, an internal CSMS token, a registered partner and a feed token."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import uvicorn
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from pydantic import SecretStr

from adapters.app import create_gateway
from hub.config import LocalParty, Settings
from hub.limits.slow_clients import uvicorn_http_options
from hub.ocpi.enums import Role
from hub.partners.repository import PartnerRepository
from hub.stations.settings import OcppSettings, uvicorn_websocket_options
from hub.tables import PartnerRoleRecord, PartnerStatus, TokenKind
from tests.conftest import ADMIN_TOKEN
from tests.ocpp.conftest import make_gateway  # noqa: F401 - the fixture, for the OCPP fuzzing
from tests.servers import ListeningServer

INTERNAL_TOKEN = "internal-secret"
PARTIES = [
    LocalParty(country_code="NL", party_id="GWY", role=Role.CPO, name="Gateway CPO"),
    LocalParty(country_code="NL", party_id="MSP", role=Role.EMSP, name="Gateway eMSP"),
]


def secured_settings(database_url: str, **changes: object) -> Settings:
    return Settings(
        database_url=database_url,
        base_url="http://hub.test",
        parties=PARTIES,
        admin_token=SecretStr(ADMIN_TOKEN),
        internal_tokens=(SecretStr(INTERNAL_TOKEN),),
        push_worker=False,
        log_level="warning",
        **changes,  # type: ignore[arg-type]
    )


@dataclass
class Served:
    app: FastAPI
    client: httpx.AsyncClient


@pytest.fixture
async def full_app(tmp_path: Path, sqlite_template: Path) -> AsyncIterator[Served]:
    """`ocpi-hub serve`'s app in-process, lifespan started."""
    path = tmp_path / "hub.db"
    shutil.copy(sqlite_template, path)
    app = create_gateway(secured_settings(f"sqlite:///{path}"))
    async with LifespanManager(app) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as client:
            yield Served(app, client)


async def add_partner(
    app: FastAPI, name: str, token: str, parties: tuple[tuple[str, str, str], ...] = ()
) -> int:
    """A registered partner with its token and its parties (role, country_code, party_id), as a completed
    credentials handshake leaves them."""
    async with app.state.sessionmaker() as session:
        partner = await PartnerRepository(session).create(name=name, status=PartnerStatus.REGISTERED)
        await PartnerRepository(session).add_token(partner, token, TokenKind.ACTIVE)
        assert partner.id is not None
        for role, country_code, party_id in parties:
            session.add(
                PartnerRoleRecord(
                    partner_id=partner.id,
                    role=role,
                    country_code=country_code,
                    party_id=party_id,
                    business_details={"name": name},
                )
            )
        await session.commit()
        assert partner.id is not None
        return partner.id


@dataclass
class Running:
    app: FastAPI
    port: int
    client: httpx.AsyncClient


MakeServer = Callable[..., Awaitable[Running]]


@pytest.fixture
async def make_server(tmp_path: Path, sqlite_template: Path) -> AsyncIterator[MakeServer]:
    """`ocpi-hub serve` on a loopback port: the gateway app under uvicorn with the options the command
    passes (`hub.cli_stations.websocket_options`), settings changed as given."""
    started: list[tuple[Running, ListeningServer, asyncio.Task[None]]] = []

    async def make(**changes: object) -> Running:
        path = tmp_path / f"hub-{len(started)}.db"
        shutil.copy(sqlite_template, path)
        settings = secured_settings(f"sqlite:///{path}", **changes)
        app = create_gateway(settings)
        config = uvicorn.Config(
            app,
            host="127.0.0.1",
            port=0,
            log_level="warning",
            lifespan="on",
            **uvicorn_websocket_options(OcppSettings()),
            **uvicorn_http_options(settings),
        )
        server = ListeningServer(config)
        task = asyncio.get_running_loop().create_task(server.serve())
        await asyncio.wait_for(server.ready.wait(), 10)
        port = server.servers[0].sockets[0].getsockname()[1]
        client = httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=10)
        running = Running(app, port, client)
        started.append((running, server, task))
        return running

    yield make
    for running, server, task in started:
        await running.client.aclose()
        server.should_exit = True
        await asyncio.wait_for(task, 15)
