"""Pre-rendered Sender list pages and cached callers (hub/modules/list_cache.py, hub/caller_cache.py): a change
to our data is in the very next GET, whoever made it; partners never see each other's pages; a revoked token
stops working at once in this process and within the cache's bound from another."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlmodel import col, select

from hub.config import LocalParty
from hub.db import create_engine, create_sessionmaker
from hub.modules.cdrs import module as cdrs_module
from hub.modules.credentials import module as credentials_module
from hub.modules.locations import module as locations_module
from hub.ocpi.enums import Role
from hub.partners.repository import PartnerRepository
from hub.tables import PartnerRecord
from tests.conftest import ADMIN_TOKEN, Platform, PlatformFactory, connect, ocpi_auth
from tests.fixtures_locations import evse_uid, make_location, make_tariff

SENDER = "/ocpi/2.2.1/sender/locations"
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
LOC1 = "/admin/locations/NL/GWY/LOC1"


@pytest.fixture
async def token(hub: Platform, platforms: PlatformFactory, sqlite_url: str) -> str:
    emsp = platforms(
        sqlite_url, "emsp.test", [LocalParty(country_code="DE", party_id="MSP", role=Role.EMSP, name="eMSP")]
    )
    token, _ = await connect(hub, emsp)
    return token


async def page(hub: Platform, token: str, **params: str) -> Any:
    response = await hub.client.get(SENDER, params=params, headers=ocpi_auth(token))
    assert response.status_code == 200, response.text
    return response


async def import_locations(hub: Platform, count: int) -> None:
    items = [make_location(f"LOC{i}", last_updated=f"2026-01-01T00:00:{i:02d}Z") for i in range(1, count + 1)]
    response = await hub.client.post("/admin/import/locations", json=items, headers=ADMIN)
    assert response.status_code == 200, response.text


def statuses(response: Any, location_id: str | None = None) -> list[str]:
    """EVSE statuses of the page (of one Location of it), in page order."""
    return [
        evse["status"]
        for location in response.json()["data"]
        if location_id in (None, location["id"])
        for evse in location["evses"]
    ]


async def test_a_repeated_page_is_served_from_the_cache_with_a_fresh_envelope(
    hub: Platform, token: str
) -> None:
    await import_locations(hub, 3)
    first = await page(hub, token, limit="2")
    assert len(hub.app.state.list_cache) == 1
    second = await page(hub, token, limit="2")
    assert second.json()["data"] == first.json()["data"]
    for name in ("X-Total-Count", "X-Limit", "Link"):
        assert second.headers[name] == first.headers[name]
    assert (
        second.headers["Link"] == '<http://hub.test/ocpi/2.2.1/sender/locations?offset=2&limit=2>; rel="next"'
    )
    assert second.headers["X-Request-ID"] != first.headers["X-Request-ID"]


@pytest.mark.parametrize("method", ["PATCH", "PUT"])
async def test_a_change_to_a_location_is_in_the_very_next_get(hub: Platform, token: str, method: str) -> None:
    await import_locations(hub, 2)
    assert statuses(await page(hub, token)) == ["AVAILABLE"] * 4
    await page(hub, token)  # now from the cache
    evse = f"{LOC1}/{evse_uid('LOC1', 1)}"
    if method == "PATCH":
        changed = await hub.client.patch(evse, json={"status": "CHARGING"}, headers=ADMIN)
    else:
        body = make_location("LOC1")
        body["evses"][0]["status"] = "CHARGING"
        changed = await hub.client.put(LOC1, json=body, headers=ADMIN)
    assert changed.status_code == 200, changed.text
    assert statuses(await page(hub, token), "LOC1") == ["CHARGING", "AVAILABLE"]


async def test_a_change_made_by_another_app_on_the_same_database_is_in_the_very_next_get(
    hub: Platform, token: str, platforms: PlatformFactory, database_url: str
) -> None:
    """The other app has its own engine, sessions and caches: nothing in this process tells the hub."""
    other = platforms(database_url, "other.test")
    await import_locations(hub, 2)
    await page(hub, token)
    assert statuses(await page(hub, token)) == ["AVAILABLE"] * 4
    evse = f"{LOC1}/{evse_uid('LOC1', 2)}"
    changed = await other.client.patch(evse, json={"status": "OUTOFORDER"}, headers=ADMIN)
    assert changed.status_code == 200, changed.text
    assert statuses(await page(hub, token), "LOC1") == ["AVAILABLE", "OUTOFORDER"]
    # And a new Location from the other app: the count and the pages move with it.
    assert (
        await other.client.put("/admin/locations/NL/GWY/LOC9", json=make_location("LOC9"), headers=ADMIN)
    ).status_code == 201
    after = await page(hub, token)
    assert after.headers["X-Total-Count"] == "3"
    assert [location["id"] for location in after.json()["data"]][-1] == "LOC9"


async def test_a_page_read_while_a_change_commits_is_not_kept_past_it(hub: Platform, token: str) -> None:
    """A change committed between the generation read and the page read leaves the kept page behind."""
    await import_locations(hub, 1)
    cache = hub.app.state.list_cache
    await page(hub, token)
    generation = await cache.generation()
    assert (
        await hub.client.patch(f"{LOC1}/{evse_uid('LOC1', 1)}", json={"status": "BLOCKED"}, headers=ADMIN)
    ).status_code == 200
    assert await cache.generation() != generation
    assert len(cache) == 0
    assert statuses(await page(hub, token))[0] == "BLOCKED"


# -- visibility: Sessions and CDRs go only to the eMSP of their token -------------------------------------


@pytest.fixture
async def cdr_hub(platforms: PlatformFactory, database_url: str) -> Platform:
    return platforms(database_url, "hub.test", modules=(credentials_module, locations_module, cdrs_module))


@pytest.fixture
async def emsp_tokens(
    cdr_hub: Platform, platforms: PlatformFactory, new_sqlite_url: Callable[[], str]
) -> dict[str, str]:
    tokens = {}
    for country_code, party_id in (("DE", "MSP"), ("FR", "MSQ")):
        emsp = platforms(
            new_sqlite_url(),
            f"{party_id.lower()}.test",
            [LocalParty(country_code=country_code, party_id=party_id, role=Role.EMSP, name=party_id)],
        )
        tokens[party_id], _ = await connect(cdr_hub, emsp)
    return tokens


def cdr(cdr_id: str, token: tuple[str, str]) -> dict[str, Any]:
    return {
        "country_code": "NL",
        "party_id": "GWY",
        "id": cdr_id,
        "start_date_time": "2026-01-05T10:00:00Z",
        "end_date_time": "2026-01-05T11:00:00Z",
        "cdr_token": {
            "country_code": token[0],
            "party_id": token[1],
            "uid": "TOKEN1",
            "type": "RFID",
            "contract_id": f"{token[0]}-{token[1]}-C0001",
        },
        "auth_method": "WHITELIST",
        "cdr_location": {"id": "LOC1", "evse_uid": evse_uid("LOC1", 1), "connector_id": "1"},
        "charging_periods": [
            {"start_date_time": "2026-01-05T10:00:00Z", "dimensions": [{"type": "ENERGY", "volume": 10}]}
        ],
    }


async def test_two_emsps_asking_for_the_same_page_never_get_each_others(
    cdr_hub: Platform, emsp_tokens: dict[str, str]
) -> None:
    tariff = make_tariff(
        "T1", elements=[{"price_components": [{"type": "ENERGY", "price": 0.3, "step_size": 1}]}]
    )
    assert (
        await cdr_hub.client.put("/admin/tariffs/NL/GWY/T1", json=tariff, headers=ADMIN)
    ).status_code == 201
    location = make_location("LOC1", tariff_ids=["T1"])
    assert (await cdr_hub.client.put(LOC1, json=location, headers=ADMIN)).status_code == 201
    for i, billed in enumerate([("DE", "MSP"), ("FR", "MSQ"), ("DE", "MSP")]):
        made = await cdr_hub.client.post("/admin/cdrs", json=cdr(f"C{i}", billed), headers=ADMIN)
        assert made.status_code == 201, made.text
    seen: dict[str, list[list[str]]] = {"MSP": [], "MSQ": []}
    for _ in range(2):  # the second round is served from the cache
        for party_id, token in emsp_tokens.items():
            response = await cdr_hub.client.get("/ocpi/2.2.1/sender/cdrs", headers=ocpi_auth(token))
            seen[party_id].append([c["id"] for c in response.json()["data"]])
    assert seen == {"MSP": [["C0", "C2"]] * 2, "MSQ": [["C1"]] * 2}
    assert len(cdr_hub.app.state.list_cache) == 2


# -- revocation ------------------------------------------------------------------------------------------


async def hub_partner(hub: Platform) -> PartnerRecord:
    async with hub.app.state.sessionmaker() as session:
        partner: PartnerRecord | None = (
            await session.exec(select(PartnerRecord).order_by(col(PartnerRecord.id).desc()))
        ).first()
    assert partner is not None
    return partner


async def test_a_token_revoked_in_this_process_stops_working_at_once(hub: Platform, token: str) -> None:
    await import_locations(hub, 1)
    await page(hub, token)
    await page(hub, token)  # the caller and the page are cached now
    partner = await hub_partner(hub)
    async with hub.app.state.sessionmaker() as session:
        await PartnerRepository(session).drop_tokens(partner)
        await session.commit()
    refused = await hub.client.get(SENDER, headers=ocpi_auth(token))
    assert refused.status_code == 401


async def test_a_token_revoked_by_another_process_stops_working_within_the_bound(
    hub: Platform, token: str, database_url: str
) -> None:
    now = [1000.0]
    callers = hub.app.state.caller_cache
    callers.clock = lambda: now[0]
    await import_locations(hub, 1)
    await page(hub, token)
    partner = await hub_partner(hub)
    # Another process: its own engine and sessions, no way to reach this app's caches.
    engine = create_engine(database_url)
    try:
        async with create_sessionmaker(engine)() as session:
            await PartnerRepository(session).drop_tokens(partner)
            await session.commit()
    finally:
        await engine.dispose()
    now[0] += callers.ttl
    refused = await hub.client.get(SENDER, headers=ocpi_auth(token))
    assert refused.status_code == 401
    assert callers.ttl <= 2.0  # the documented bound (OCPI_HUB_AUTH_CACHE_SECONDS)


async def test_a_suspended_partner_is_refused_at_once_though_its_page_is_cached(
    hub: Platform, token: str
) -> None:
    await import_locations(hub, 1)
    await page(hub, token)
    await page(hub, token)
    partner = await hub_partner(hub)
    suspended = await hub.client.post(f"/admin/partners/{partner.id}/suspend", headers=ADMIN)
    assert suspended.status_code == 200, suspended.text
    assert (await hub.client.get(SENDER, headers=ocpi_auth(token))).status_code == 403
