"""Suspending a party behind the hub (mod_hub_client_info: SUSPENDED, "no requests should be sent to this
party"): its requests are refused, pushes to it wait until it is resumed, parties addressing it get 4003,
and every other party is told through HubClientInfo."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from hub.tables import LocationRecord
from tests.conftest import ADMIN_TOKEN, PlatformFactory, settle
from tests.fixtures_locations import make_location
from tests.hub.hub_setup import HUB_PARTY, Around, around_hub, client_infos_received, partner, stored
from tests.hub.routing_setup import CPA, MSB, PREFIX, headers, party
from tests.integration.test_sessions import make_session

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
LOCATIONS = f"{PREFIX}/receiver/locations"
LOC1 = ("NL", "CPA", "LOC1")
MSB_INFO = ("DE", "MSB", "EMSP")


@pytest.fixture
async def parties(platforms: PlatformFactory, database_url: str, new_sqlite_url: Callable[[], str]) -> Around:
    around = await around_hub(platforms, database_url, new_sqlite_url, client_info=True)
    await settle(around.hub.app)
    return around


async def test_suspension_refuses_holds_pushes_tells_the_others_and_resume_undoes_it(parties: Around) -> None:
    hub, msb = parties.hub, parties.msb

    suspended = await hub.client.post(f"/admin/partners/{msb.partner_id}/suspend", headers=ADMIN)
    refused = await hub.client.get(f"{PREFIX}/sender/locations", headers=headers(msb.token))
    versions = await hub.client.get("/ocpi/versions", headers=headers(msb.token))
    await hub.client.put(
        f"{LOCATIONS}/NL/CPA/LOC1",
        json=make_location("LOC1", 1, 1, "NL", "CPA"),
        headers=headers(parties.cpa.token, to=HUB_PARTY),
    )
    await settle(hub.app)
    while_suspended = {
        "held": await stored(msb.platform, LocationRecord),
        "others": await stored(parties.msc.platform, LocationRecord),
        "told": (await client_infos_received(parties.cpa.platform))[MSB_INFO]["status"],
    }
    resumed = await hub.client.post(f"/admin/partners/{msb.partner_id}/resume", headers=ADMIN)
    await settle(hub.app)

    assert suspended.status_code == 200
    assert (suspended.json()["connection_status"], suspended.json()["partner_id"]) == (
        "SUSPENDED",
        msb.partner_id,
    )
    assert (refused.status_code, refused.json()["status_code"]) == (403, 2000)
    assert "suspended" in refused.json()["status_message"]
    assert versions.status_code == 200
    assert while_suspended == {
        "held": {},
        "others": {LOC1: make_location("LOC1", 1, 1, "NL", "CPA")},
        "told": "SUSPENDED",
    }
    assert resumed.json()["connection_status"] == "CONNECTED"
    assert LOC1 in await stored(msb.platform, LocationRecord)
    for name in ("cpa", "cpb", "msc"):
        told = await client_infos_received(parties.parties[name].platform)
        assert told[MSB_INFO]["status"] == "CONNECTED", name
    again = await hub.client.get(f"{PREFIX}/sender/locations", headers=headers(msb.token))
    assert again.json()["status_code"] == 1000


async def test_a_party_addressing_a_suspended_party_gets_4003(
    platforms: PlatformFactory, sqlite_url: str, new_sqlite_url: Callable[[], str]
) -> None:
    around = await around_hub(platforms, sqlite_url, new_sqlite_url)
    hub, cpa = around.hub, around.cpa
    await hub.client.put(
        f"{LOCATIONS}/NL/CPA/LOC1", json=make_location("LOC1", 1, 1, "NL", "CPA"), headers=headers(cpa.token)
    )
    await hub.client.post(f"/admin/partners/{around.msb.partner_id}/suspend", headers=ADMIN)

    response = await hub.client.put(
        f"{PREFIX}/receiver/sessions/NL/CPA/S1",
        json=make_session("S1", "NL", "CPA", token=party(MSB), evse_uid="LOC1-1"),
        headers=headers(cpa.token, to=party(MSB), from_=party(CPA)),
    )

    assert (response.status_code, response.json()["status_code"]) == (200, 4003)
    assert "DE*MSB" in response.json()["status_message"]


async def test_suspending_twice_keeps_the_first_time_and_unknown_partners_are_404(
    platforms: PlatformFactory, sqlite_url: str, new_sqlite_url: Callable[[], str]
) -> None:
    around = await around_hub(platforms, sqlite_url, new_sqlite_url)
    hub, cpb = around.hub, around.cpb

    first = await hub.client.post(f"/admin/partners/{cpb.partner_id}/suspend", headers=ADMIN)
    second = await hub.client.post(f"/admin/partners/{cpb.partner_id}/suspend", headers=ADMIN)
    unknown = await hub.client.post("/admin/partners/999/suspend", headers=ADMIN)
    anonymous = await hub.client.post(f"/admin/partners/{cpb.partner_id}/resume")

    assert first.json()["suspended_at"] == second.json()["suspended_at"] is not None
    assert (await partner(hub, cpb.partner_id)).suspended_at is not None
    assert (unknown.status_code, unknown.json()) == (404, {"detail": "no partner with id 999"})
    assert anonymous.status_code == 401
    assert first.json()["roles"] == [
        {"role": "CPO", "country_code": "DE", "party_id": "CPB", "name": "CPO B"}
    ]
