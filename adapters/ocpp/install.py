"""Adding the OCPP endpoint to an app that has the hub's state (settings, sessionmaker): the websocket
endpoint, the station hub behind it, and the watch for silent stations for as long as the app runs."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

from fastapi import FastAPI
from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.websockets import WebSocket

from adapters.ocpp.gateway import PREFIX, OcppGateway
from hub.config import Settings
from hub.stations.service import StationHub
from hub.stations.settings import OcppSettings


class _DenialIsNoError(logging.Filter):
    """uvicorn logs an error when an upgrade ends in a denial response (401, 404) rather than a handshake;
    refusing a station is no server error."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "returned without completing handshake" not in record.getMessage()


class OcppEndpoint:
    """`/ocpp/{station_id}` websockets straight to the gateway, ahead of the app's routing and middleware:
    a station's connection lives for weeks, and every layer it passes keeps its frames and objects for that
    long (FastAPI's dependency machinery alone ~10 KiB per connection). Everything else goes to the app."""

    def __init__(self, app: ASGIApp, gateway: OcppGateway) -> None:
        self.app = app
        self.gateway = gateway

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            path: str = scope["path"]
            root: str = scope.get("root_path", "")
            if root and path.startswith(root):
                path = path[len(root) :]
            station_id = path[len(PREFIX) :] if path.startswith(PREFIX) else ""
            if station_id and "/" not in station_id:
                await self.gateway.serve(WebSocket(scope, receive, send), station_id)
                return
        await self.app(scope, receive, send)


def install_ocpp(app: FastAPI, ocpp: OcppSettings) -> OcppGateway:
    settings: Settings = app.state.settings
    # Real-time authorization of station tokens needs the app's partner client (None: pushed Tokens only).
    hub = StationHub(
        app.state.sessionmaker, settings, ocpp, client=getattr(app.state, "partner_client", None)
    )
    gateway = OcppGateway(hub, ocpp)
    app.state.ocpp_settings = ocpp
    app.state.station_hub = hub
    app.state.ocpp_gateway = gateway
    app.add_middleware(OcppEndpoint, gateway=gateway)
    # The library logs every frame with its payload (idTags are personal data) at INFO.
    if settings.log_level.lower() != "debug":
        logging.getLogger("ocpp").setLevel(logging.WARNING)
    logging.getLogger("uvicorn.error").addFilter(_DenialIsNoError())

    inner = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(running: Any) -> AsyncIterator[Any]:
        context: AbstractAsyncContextManager[Any] = inner(running)
        async with context as state:
            await hub.refresh_metrics()
            watch = asyncio.create_task(gateway.watch())
            try:
                yield state
            finally:
                watch.cancel()
                await asyncio.gather(watch, return_exceptions=True)
                await gateway.close()

    app.router.lifespan_context = lifespan
    return gateway
