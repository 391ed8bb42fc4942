"""The admin API of site load balancing: a site's limit and schedule set, validated, read and removed, and the
live view of a site (limit now, allocated, measured, per-Session limits)."""

from __future__ import annotations

import asyncio

from tests.loadbalance.depot import DEPOT, Car, Depot, arrive, connected
from tests.loadbalance.test_depot import SITE, SPECS, controller, depot_gateway, until
from tests.ocpp.conftest import MakeGateway


async def test_a_limit_is_validated_against_the_locations_chargers(
    make_gateway: MakeGateway, sqlite_url: str
) -> None:
    gateway = await depot_gateway(make_gateway, sqlite_url, SPECS)
    # 6 DC EVSEs at 1 kW and 4 three-phase AC EVSEs at 6 A x 230 V x 3: 22.56 kW to charge all at once.
    refused = (await gateway.admin("PUT", SITE, {"limit_kw": 22}, expect=400)).json()
    assert "22.56 kW" in refused["detail"]
    assert "10 EVSEs" in refused["detail"]
    window = {"from": "17:00", "to": "21:00", "limit_kw": 20}
    await gateway.admin("PUT", SITE, {"limit_kw": 100, "schedule": [window]}, expect=400)
    # 0: no charging at those hours, which any site can do.
    peak_off = {"from": "17:00", "to": "21:00", "limit_kw": 0}
    await gateway.admin("PUT", SITE, {"limit_kw": 100, "schedule": [peak_off]})
    await gateway.admin("DELETE", SITE)
    for bad in (
        {"limit_kw": -1},
        {"limit_kw": "many"},
        {"limit_kw": 100, "schedule": [{"from": "25:00", "to": "26:00", "limit_kw": 50}]},
        {"limit_kw": 100, "schedule": [{"from": "10:00", "to": "10:00", "limit_kw": 50}]},
        {"limit_kw": 100, "schedule": [{"days": [8], "from": "10:00", "to": "11:00", "limit_kw": 50}]},
        {"limit_kw": 100, "extra": True},
    ):
        await gateway.admin("PUT", SITE, bad, expect=400)
    await gateway.admin("PUT", "sites/NL/GWY/NOWHERE", {"limit_kw": 100}, expect=404)
    await gateway.admin("PUT", f"sites/DE/XYZ/{DEPOT}", {"limit_kw": 100}, expect=404)
    await gateway.admin("GET", SITE, expect=404)
    response = await gateway.client.put(f"/admin/{SITE}", json={"limit_kw": 100})
    assert response.status_code == 401


async def test_a_site_is_set_read_listed_and_removed(make_gateway: MakeGateway, sqlite_url: str) -> None:
    gateway = await depot_gateway(make_gateway, sqlite_url, SPECS)
    every_hour = {"days": [1, 2, 3, 4, 5, 6, 7], "from": "00:00", "to": "24:00", "limit_kw": "80.5"}
    view = (await gateway.admin("PUT", SITE, {"limit_kw": 250, "schedule": [every_hour]})).json()
    assert view["limit_kw"] == "250.000"
    assert view["schedule"] == [
        {"days": [1, 2, 3, 4, 5, 6, 7], "from": "00:00", "to": "24:00", "limit_kw": "80.5"}
    ]
    assert view["limit_now_kw"] == "80.500"
    assert [s["location_id"] for s in (await gateway.admin("GET", "sites")).json()] == [DEPOT]
    depot = Depot(limit_w=80_500)
    controller(gateway).listeners.append(lambda _: depot.poke())
    specs = SPECS[:2]
    async with connected(gateway, depot, specs) as chargers:
        for charger in chargers:
            await arrive(charger, Car(charger.id, 50_000), 0.25)
        await until(depot, lambda: all(c.applied_w == 40_250 for c in chargers))

        async def measured() -> bool:
            site = (await gateway.admin("GET", SITE)).json()
            return float(site["measured_kw"]) == 80.5

        async with asyncio.timeout(5):
            while not await measured():
                await depot.changed.wait()
        site = (await gateway.admin("GET", SITE)).json()
        assert (site["allocated_kw"], site["effective_kw"]) == ("80.500", "80.500")
        assert [(s["station_id"], s["limit_kw"], s["state"]) for s in site["sessions"]] == [
            ("D01", "40.250", "confirmed"),
            ("D02", "40.250", "confirmed"),
        ]
        assert site["sessions"][0]["maximum_kw"] == "50.000"
        # Removing the limit clears the Sessions' profiles.
        await gateway.admin("DELETE", SITE)
        async with asyncio.timeout(5):
            while not all(c.payloads("ClearChargingProfile") for c in chargers):
                await depot.changed.wait()
    await gateway.admin("GET", SITE, expect=404)
    await gateway.admin("DELETE", SITE, expect=404)
    assert (await gateway.admin("GET", "sites")).json() == []
    metrics = (await gateway.client.get("/metrics")).text
    assert f'ocpi_hub_site_limit_watts{{site="NL*GWY*{DEPOT}"}}' not in metrics
