"""The application factory: `create_app(settings)`, run with `uvicorn --factory hub.main:create_app`."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI

from hub import __version__, log_redaction
from hub.admin import health
from hub.admin import router as admin
from hub.caller_cache import CallerCache
from hub.config import Settings
from hub.db import create_engine, create_sessionmaker
from hub.errors import install_error_handlers
from hub.feeds import router as feeds
from hub.hub_role import admin as hub_admin
from hub.internal import router as internal_events
from hub.limits import install as install_request_limits
from hub.loadbalance import admin as loadbalance_admin
from hub.loadbalance.balancer import LoadBalancer
from hub.loadbalance.controller import Tuning
from hub.modules import IMPLEMENTED, registry
from hub.modules.list_cache import create_list_cache
from hub.modules.list_fast_path import install as install_list_fast_path
from hub.modules.registry import OcpiModule
from hub.modules.versions import router as versions
from hub.operator import router as operator
from hub.outbox import router as outbox
from hub.outbox.worker import DeliveryWorker
from hub.partners.client import PartnerClient
from hub.partners.http import partner_http
from hub.reconcile import admin as reconcile_admin
from hub.routing import install as install_hub_routing
from hub.signals import ChangeSignal
from hub.stations import admin as stations_admin
from hub.transport import RequestIdMiddleware


def create_app(
    settings: Settings | None = None,
    *,
    partner_transport: httpx.AsyncBaseTransport | None = None,
    modules: tuple[OcpiModule, ...] = IMPLEMENTED,
    charger_commands: object | None = None,
) -> FastAPI:
    """Build the hub. `partner_transport` replaces the network for calls to partners (tests, contracts)."""
    settings = settings or Settings()
    logging.getLogger("hub").setLevel(settings.log_level.upper())
    log_redaction.install()
    engine = create_engine(settings.database_url)
    http = partner_http(partner_transport)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        worker = asyncio.create_task(app.state.delivery.run()) if settings.push_worker else None
        app.state.load_balancer.start()
        try:
            yield
        finally:
            if worker is not None:
                worker.cancel()
                await asyncio.gather(worker, return_exceptions=True)
            await app.state.load_balancer.close()
            await http.aclose()
            if app.state.list_cache is not None:
                app.state.list_cache.close()
            await engine.dispose()

    app = FastAPI(
        title="ocpi-hub",
        version=__version__,
        lifespan=lifespan,
        description="OCPI 2.2.1 roaming hub and interoperability gateway",
        # Peers that forget Content-Type still get their JSON body read (be liberal in what we accept).
        strict_content_type=False,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.signal = ChangeSignal()
    app.state.sessionmaker = create_sessionmaker(engine, app.state.signal)
    app.state.list_cache = create_list_cache(settings.database_url, engine, settings.list_cache_bytes)
    app.state.caller_cache = CallerCache(settings.auth_cache_seconds)
    app.state.signal.credentials_listeners.append(app.state.caller_cache.clear)
    app.state.partner_client = PartnerClient(http, timeout=settings.partner_timeout)
    app.state.modules = modules
    app.state.delivery = DeliveryWorker(app.state.sessionmaker, http, settings, signal=app.state.signal)
    # The port through which commands reach chargers (the OCPP adapters implement it); None: no chargers.
    app.state.charger_commands = charger_commands
    # Site load balancing; the OCPP composition makes it the charging side's observer.
    app.state.load_balancer = LoadBalancer(
        app.state.sessionmaker,
        lambda: app.state.charger_commands,
        tuning=Tuning(timeout=settings.command_timeout),
    )
    install_error_handlers(app)
    install_list_fast_path(app, settings, modules)  # inside the Hub routing: it decides first
    install_hub_routing(app, settings)  # inside RequestIdMiddleware: forwarded answers get the caller's ids
    install_request_limits(app, settings)  # before routing, forwarding and cached lists; refusals get ids
    app.add_middleware(RequestIdMiddleware)
    app.include_router(health.router)
    app.include_router(admin.router)
    app.include_router(hub_admin.router)
    app.include_router(internal_events.router)
    app.include_router(loadbalance_admin.router)
    app.include_router(operator.router)
    app.include_router(feeds.router)
    app.include_router(outbox.router)
    app.include_router(stations_admin.router)
    app.include_router(reconcile_admin.router)
    app.include_router(versions.router)
    registry.mount(app, modules)
    return app
