"""Tariffs in both roles (mod_tariffs.asciidoc): a CPO partner pushes Tariffs to our Receiver interface;
partners pull our own Tariffs from our Sender interface."""

from __future__ import annotations

import pytest
from sqlmodel import select

from hub.config import LocalParty
from hub.ocpi.enums import Role
from hub.tables import TariffRecord
from tests.conftest import ADMIN_TOKEN, Platform, PlatformFactory, connect, ocpi_auth
from tests.fixtures_locations import make_tariff

RECEIVER = "/ocpi/2.2.1/receiver/tariffs"
SENDER = "/ocpi/2.2.1/sender/tariffs"
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


@pytest.fixture
async def cpo_token(hub: Platform, platforms: PlatformFactory, sqlite_url: str) -> str:
    cpo = platforms(
        sqlite_url,
        "cpo.test",
        [LocalParty(country_code="DE", party_id="CPX", role=Role.CPO, name="Partner CPO")],
    )
    token, _ = await connect(hub, cpo)
    return token


async def count(hub: Platform) -> int:
    async with hub.app.state.sessionmaker() as session:
        return len((await session.exec(select(TariffRecord))).all())


async def test_put_tariff_201_then_200_get_returns_it_and_delete_removes_it(
    hub: Platform, cpo_token: str
) -> None:
    tariff = make_tariff("T1", country_code="DE", party_id="CPX")
    first = await hub.client.put(f"{RECEIVER}/DE/CPX/T1", json=tariff, headers=ocpi_auth(cpo_token))
    assert (first.status_code, first.json()["status_code"]) == (201, 1000)
    tariff["currency"] = "CHF"
    second = await hub.client.put(f"{RECEIVER}/DE/CPX/T1", json=tariff, headers=ocpi_auth(cpo_token))
    assert second.status_code == 200
    got = await hub.client.get(f"{RECEIVER}/DE/CPX/t1", headers=ocpi_auth(cpo_token))
    assert got.json()["data"] == tariff
    deleted = await hub.client.delete(f"{RECEIVER}/DE/CPX/T1", headers=ocpi_auth(cpo_token))
    assert deleted.json()["status_code"] == 1000
    gone = await hub.client.get(f"{RECEIVER}/DE/CPX/T1", headers=ocpi_auth(cpo_token))
    assert gone.status_code == 404
    assert await count(hub) == 0


async def test_tariff_prices_keep_their_exact_numbers(hub: Platform, cpo_token: str) -> None:
    tariff = make_tariff("T1", country_code="DE", party_id="CPX")
    tariff["elements"][0]["price_components"][0]["price"] = 0.2475
    await hub.client.put(f"{RECEIVER}/DE/CPX/T1", json=tariff, headers=ocpi_auth(cpo_token))
    got = await hub.client.get(f"{RECEIVER}/DE/CPX/T1", headers=ocpi_auth(cpo_token))
    assert '"price":0.2475' in got.text


async def test_tariff_with_no_elements_is_2001_naming_elements(hub: Platform, cpo_token: str) -> None:
    tariff = make_tariff("T1", country_code="DE", party_id="CPX", elements=[])
    response = await hub.client.put(f"{RECEIVER}/DE/CPX/T1", json=tariff, headers=ocpi_auth(cpo_token))
    assert response.json()["status_code"] == 2001
    assert response.json()["status_message"].startswith("elements")
    assert await count(hub) == 0


async def test_tariff_id_differing_from_url_is_2001(hub: Platform, cpo_token: str) -> None:
    response = await hub.client.put(
        f"{RECEIVER}/DE/CPX/OTHER",
        json=make_tariff("T1", country_code="DE", party_id="CPX"),
        headers=ocpi_auth(cpo_token),
    )
    assert response.json()["status_code"] == 2001
    assert await count(hub) == 0


async def test_tariff_of_a_party_the_caller_is_not_is_404(hub: Platform, cpo_token: str) -> None:
    for method in ("GET", "PUT", "DELETE"):
        response = await hub.client.request(
            method,
            f"{RECEIVER}/NL/GWY/T1",
            json=make_tariff("T1") if method == "PUT" else None,
            headers=ocpi_auth(cpo_token),
        )
        assert response.status_code == 404, method
    assert await count(hub) == 0


async def test_delete_of_unknown_tariff_is_404(hub: Platform, cpo_token: str) -> None:
    response = await hub.client.delete(f"{RECEIVER}/DE/CPX/NOPE", headers=ocpi_auth(cpo_token))
    assert (response.status_code, response.json()["status_code"]) == (404, 2000)


async def test_tariffs_have_no_patch(hub: Platform, cpo_token: str) -> None:
    response = await hub.client.patch(
        f"{RECEIVER}/DE/CPX/T1", json={"last_updated": "2026-01-01T00:00:00Z"}, headers=ocpi_auth(cpo_token)
    )
    assert response.status_code == 405


async def test_sender_lists_our_tariffs_paginated_not_partner_ones(hub: Platform, cpo_token: str) -> None:
    ours = [make_tariff(f"T{i}", last_updated=f"2026-01-0{i + 1}T00:00:00Z") for i in range(3)]
    assert (await hub.client.post("/admin/import/tariffs", json=ours, headers=ADMIN)).status_code == 200
    await hub.client.put(
        f"{RECEIVER}/DE/CPX/X1",
        json=make_tariff("X1", country_code="DE", party_id="CPX"),
        headers=ocpi_auth(cpo_token),
    )
    response = await hub.client.get(SENDER, params={"limit": "2"}, headers=ocpi_auth(cpo_token))
    assert [t["id"] for t in response.json()["data"]] == ["T0", "T1"]
    assert response.headers["X-Total-Count"] == "3"
    assert "offset=2" in response.headers["Link"]
    rest = await hub.client.get(SENDER, params={"limit": "2", "offset": "2"}, headers=ocpi_auth(cpo_token))
    assert [t["id"] for t in rest.json()["data"]] == ["T2"]
    assert "Link" not in rest.headers
