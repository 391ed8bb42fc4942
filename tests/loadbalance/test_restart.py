"""Site load balancing after a restart: the site limits and the Sessions already running there are read at
startup, so a Session counts (and gets its limit) before its next event."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from hub.loadbalance.balancer import LoadBalancer
from hub.loadbalance.controller import SiteController, Tuning
from hub.tables.charging import TransactionRecord
from tests.loadbalance.depot import DEPOT
from tests.loadbalance.fakes import FakeChargers
from tests.loadbalance.test_depot import SITE, SPECS, depot_gateway
from tests.ocpp.conftest import MakeGateway


async def test_running_sessions_are_balanced_from_startup(make_gateway: MakeGateway, sqlite_url: str) -> None:
    gateway = await depot_gateway(make_gateway, sqlite_url, SPECS)
    await gateway.admin("PUT", SITE, {"limit_kw": 60})
    sessionmaker = gateway.app.state.sessionmaker
    async with sessionmaker() as session:
        for i in (1, 2):
            session.add(
                TransactionRecord(
                    station_id=f"D0{i}",
                    transaction_id=f"T{i}",
                    evse=1,
                    connector=1,
                    country_code="NL",
                    party_id="GWY",
                    session_id=f"S{i}",
                    location_id=DEPOT,
                    evse_uid=f"{DEPOT}-{i}",
                    connector_id="1",
                    status="ACTIVE",
                    started_at=datetime.now(UTC),
                )
            )
        await session.commit()
    chargers = FakeChargers(site_limit_w=60_000, auto={"S1": "accept", "S2": "accept"})
    # Another process on the same database, starting up.
    balancer = LoadBalancer(sessionmaker, lambda: chargers, tuning=Tuning(timeout=1))  # type: ignore[arg-type, return-value]
    try:
        balancer.start()
        await balancer.load()
        controller = balancer.sites[f"NL*GWY*{DEPOT}"]
        assert sorted(controller.sessions) == ["S1", "S2"]
        confirmed = asyncio.Event()

        def listen(c: SiteController) -> None:
            if all(t.state() == "confirmed" for t in c.sessions.values()):
                confirmed.set()

        controller.listeners.append(listen)
        listen(controller)
        await asyncio.wait_for(confirmed.wait(), 5)
        assert chargers.applied == {"S1": 30_000, "S2": 30_000}
    finally:
        await balancer.close()
