"""A hub served by real uvicorn for the availability feed tests, on both engines."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlmodel import col, select

from hub.db import SessionMaker
from hub.feeds import tokens
from hub.feeds.settings import FeedSettings
from hub.main import create_app
from hub.tables import ChangeEventRecord
from tests.conftest import ADMIN_TOKEN, make_settings
from tests.feeds.served import SseReader, serve
from tests.fixtures_locations import evse_uid, make_location

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@dataclass
class FeedHub:
    app: FastAPI
    client: httpx.AsyncClient

    def tune(self, **settings: Any) -> None:
        """Feed settings for this app; only before its first feed request."""
        self.app.state.feed_settings = FeedSettings(**{"poll_interval": 30.0, **settings})

    async def token(self, name: str = "navigator") -> str:
        return (await self.issue(name)).token

    async def issue(self, name: str = "navigator") -> tokens.NewFeedToken:
        return await tokens.create(self.app.state.sessionmaker, name=name)

    async def admin(self, method: str, path: str, body: Any) -> None:
        response = await self.client.request(
            method, f"/admin/locations/NL/GWY/{path}", json=body, headers=ADMIN
        )
        assert response.status_code in (200, 201), response.text

    async def stored(self, location_id: str = "LOC1") -> dict[str, Any]:
        response = await self.client.get(f"/admin/locations/NL/GWY/{location_id}", headers=ADMIN)
        assert response.status_code == 200, response.text
        location: dict[str, Any] = response.json()["data"]
        return location

    async def put_location(self, location_id: str = "LOC1", **overrides: Any) -> None:
        await self.admin("PUT", location_id, make_location(location_id, **overrides))

    async def set_status(self, status: str, location_id: str = "LOC1", evse: int = 1) -> int:
        """Set an EVSE's status through the admin API; returns the id of the change event it wrote."""
        await self.admin("PUT", f"{location_id}/{evse_uid(location_id, evse)}/status", {"status": status})
        return await self.last_event_id()

    async def last_event_id(self) -> int:
        sessionmaker: SessionMaker = self.app.state.sessionmaker
        async with sessionmaker() as session:
            statement = select(ChangeEventRecord.id).order_by(col(ChangeEventRecord.id).desc())
            latest = (await session.exec(statement)).first()
        assert latest is not None
        return latest

    @asynccontextmanager
    async def stream(
        self, token: str, *, params: dict[str, str] | None = None, headers: dict[str, str] | None = None
    ) -> AsyncIterator[SseReader]:
        async with self.client.stream(
            "GET", "/feeds/availability", params=params, headers={**bearer(token), **(headers or {})}
        ) as response:
            yield SseReader(response)


@pytest.fixture
async def feed_hub(database_url: str) -> AsyncIterator[FeedHub]:
    """A hub on a real server; the feed polls only every 30 s, so a change that arrives sooner was woken."""
    settings = make_settings(database_url, "feed.test").model_copy(update={"push_worker": False})
    app = create_app(settings)
    app.state.feed_settings = FeedSettings(poll_interval=30.0)
    async with serve(app) as base_url, httpx.AsyncClient(base_url=base_url, timeout=10) as client:
        yield FeedHub(app, client)
