"""Site load balancing in bridge mode: a 1.6 station whose frames go to an existing CSMS gets our TxProfile
for a transaction that CSMS numbered, and our SetChargingProfile never reaches that CSMS."""

from __future__ import annotations

import asyncio
import json

from ocpp.v16 import call as call16

from hub.loadbalance.controller import SiteController
from tests.ocpp.conftest import Gateway
from tests.ocpp.test_bridge import NOW, UPSTREAM_TOKEN, WITHIN, Upstream, bridged, charger, upstream

__all__ = ["bridged", "upstream"]


async def test_a_bridged_transaction_gets_its_limit_from_us(bridged: Gateway, upstream: Upstream) -> None:
    # LOC1: two 11 kW three-phase EVSEs (8.28 kW at 6 A to charge both): 9 kW.
    await bridged.admin("PUT", "sites/NL/GWY/LOC1", {"limit_kw": 9})
    async with charger(bridged, "CP16") as station:
        up = await upstream.station("CP16")
        await station.boot()
        loop = asyncio.get_running_loop()
        started_at = loop.time()
        started = await station.ask(
            call16.StartTransaction(connector_id=1, id_tag=UPSTREAM_TOKEN, meter_start=1000, timestamp=NOW)
        )
        assert started.transaction_id == 4711
        await station.socket.until(lambda: station.payloads("SetChargingProfile"), within=WITHIN)
        assert loop.time() - started_at < 2.0
        [payload] = station.payloads("SetChargingProfile")
        profile = payload["csChargingProfiles"]
        assert (payload["connectorId"], profile["transactionId"]) == (1, 4711)
        assert profile["chargingProfilePurpose"] == "TxProfile"
        assert profile["chargingSchedule"]["chargingRateUnit"] == "W"
        assert profile["chargingSchedule"]["chargingSchedulePeriod"] == [{"startPeriod": 0, "limit": 9000.0}]
        controller = bridged.app.state.load_balancer.sites["NL*GWY*LOC1"]
        confirmed = asyncio.Event()

        def listen(c: SiteController) -> None:
            if all(t.state() == "confirmed" for t in c.sessions.values()):
                confirmed.set()

        controller.listeners.append(listen)
        controller.wake()
        await asyncio.wait_for(confirmed.wait(), WITHIN)
        site = (await bridged.admin("GET", "sites/NL/GWY/LOC1")).json()
        assert [(s["station_id"], s["limit_kw"], s["state"]) for s in site["sessions"]] == [
            ("CP16", "9.000", "confirmed")
        ]
    assert not [raw for raw in up.socket.received if '"SetChargingProfile"' in raw]
    assert all(
        json.loads(raw)[2] != "SetChargingProfile" for raw in up.socket.sent if json.loads(raw)[0] == 2
    )
