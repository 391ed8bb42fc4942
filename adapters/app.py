"""The deployables that join the hub and the OCPP endpoint; the hub never imports this package, `ocpi-hub`
starts these factories by their import string.

`create_gateway()`: `ocpi-hub serve`, the OCPI hub with the OCPP endpoint in one process.
`create_ocpp_gateway()`: `ocpi-hub ocpp-gateway`, only the OCPP endpoint (with health probes and /metrics), for
running as many OCPP processes as the stations need next to the hub's."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI, Response
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest

from adapters.ocpp.install import install_ocpp
from adapters.ocpp.relay import install_cluster
from hub import __version__
from hub.admin import health
from hub.config import Settings
from hub.db import create_engine, create_sessionmaker
from hub.main import create_app
from hub.partners.client import PartnerClient
from hub.partners.http import partner_http
from hub.signals import ChangeSignal
from hub.stations.settings import OcppSettings


def create_gateway(
    settings: Settings | None = None,
    *,
    ocpp_settings: OcppSettings | None = None,
    partner_transport: httpx.AsyncBaseTransport | None = None,
) -> FastAPI:
    """The hub (`hub.main.create_app`) with the OCPP endpoint `/ocpp/{station_id}`, whose chargers answer
    the hub's commands and charging profile requests."""
    app = create_app(settings, partner_transport=partner_transport)
    gateway = install_ocpp(app, ocpp_settings or OcppSettings())
    # Commands and charging profiles reach the stations connected to this process, and on PostgreSQL those
    # of every other live process too.
    app.state.charger_commands = install_cluster(app, gateway, "serve")
    # Site load balancing hears of transactions once they are committed.
    app.state.station_hub.charging.observer = app.state.load_balancer
    return app


def create_ocpp_gateway(
    settings: Settings | None = None, *, ocpp_settings: OcppSettings | None = None
) -> FastAPI:
    """The OCPP endpoint alone on the hub's database: its EVSE changes are pushed by the hub's delivery
    worker (`ocpi-hub serve` or `ocpi-hub worker`), which finds them in the outbox."""
    settings = settings or Settings()
    engine = create_engine(settings.database_url)
    # Station tokens are authorized in real time with the eMSPs from this process too.
    http = partner_http()

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        try:
            yield
        finally:
            await http.aclose()
            await engine.dispose()

    app = FastAPI(title="ocpi-hub OCPP gateway", version=__version__, lifespan=lifespan)
    app.state.settings = settings
    app.state.engine = engine
    app.state.signal = ChangeSignal()
    app.state.sessionmaker = create_sessionmaker(engine, app.state.signal)
    app.state.partner_client = PartnerClient(http, timeout=settings.partner_timeout)
    app.include_router(health.router)

    @app.get("/metrics", include_in_schema=False)
    async def metrics() -> Response:
        """This process's OCPP connections and the stations by connection state."""
        await app.state.station_hub.refresh_metrics()
        return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)

    gateway = install_ocpp(app, ocpp_settings or OcppSettings())
    # Its lease, and the calls the hub's processes relay to its stations.
    install_cluster(app, gateway, "ocpp-gateway")
    return app
