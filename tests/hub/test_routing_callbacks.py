"""Commands and ChargingProfiles through the hub end to end (mod_commands, mod_charging_profiles,
transport_and_format_message_routing_open_routing_request): an eMSP platform sends a command to the hub without
knowing the CPO, the hub finds the CPO by the Location, replaces the response_url by a hub URL, and the CPO's
CommandResult reaches the eMSP through that URL; STOP_SESSION and a ChargingProfile find the CPO by the
Session the CPO sent through the hub."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from typing import Any

import orjson
import pytest

from hub.modules.commands.runner import runner
from hub.ocpi.enums import Role
from tests.conftest import ADMIN_TOKEN, Platform, PlatformFactory, settle
from tests.fixtures_locations import make_location
from tests.hub.routing_setup import (
    CPA,
    HUB,
    MSC,
    PREFIX,
    Charger,
    add_raw_party,
    admin_put,
    headers,
    join,
    latest_partner_id,
    make_hub,
    make_session,
    make_token,
    party,
)
from tests.network import PeerNetwork

A, C = party(CPA), party(MSC)
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
CAPABLE = [
    "RFID_READER",
    "REMOTE_START_STOP_CAPABLE",
    "RESERVABLE",
    "UNLOCK_CAPABLE",
    "CHARGING_PROFILE_CAPABLE",
]


@pytest.fixture(autouse=True)
async def _stop_tasks(platforms: PlatformFactory) -> AsyncIterator[None]:
    yield
    for platform in platforms.created:
        await runner(platform.app.state).close()


def capable_location() -> dict[str, Any]:
    location = make_location("LOC1", country_code="NL", party_id="CPA")
    location["evses"][0]["capabilities"] = list(CAPABLE)
    return location


async def admin(platform: Platform, method: str, path: str, body: Any = None) -> Any:
    response = await platform.client.request(method, path, json=body, headers=ADMIN)
    assert response.status_code == 200, response.text
    return response.json()


async def test_commands_and_charging_profiles_from_an_emsp_reach_the_cpo_and_their_results_the_emsp(
    platforms: PlatformFactory, database_url: str, new_sqlite_url: Any
) -> None:
    hub = make_hub(platforms, database_url)
    charger = Charger()
    a = await join(hub, platforms(new_sqlite_url(), "a.test", [CPA], charger_commands=charger))
    c = await join(hub, platforms(new_sqlite_url(), "c.test", [MSC]))
    hub_at_c = await latest_partner_id(c.platform)
    location = capable_location()
    await admin_put(a.platform, "/admin/locations/NL/CPA/LOC1", location)
    # CPO A shares its Location with every party through the hub (a broadcast push: the hub keeps it).
    response = await hub.client.put(
        f"{PREFIX}/receiver/locations/NL/CPA/LOC1", json=location, headers=headers(a.token, to=party(HUB))
    )
    assert response.status_code == 201, response.text

    # eMSP C starts a session: its platform knows only the hub, so the command goes without OCPI-to-*.
    start = {"token": make_token(C, "APP1"), "location_id": "LOC1", "evse_uid": "LOC1-1", "connector_id": "1"}
    sent = await admin(c.platform, "POST", f"/admin/commands/{hub_at_c}/START_SESSION", start)
    assert sent["response"]["result"] == "ACCEPTED", sent
    assert sent["state"] == "WAITING"
    await settle(a.platform.app)  # A's charger answers and A POSTs the CommandResult to the URL it was given
    done = await admin(c.platform, "GET", f"/admin/commands/{sent['id']}")
    assert (done["state"], done["result"]) == ("COMPLETED", {"result": "ACCEPTED"})
    [(name, target, kwargs)] = charger.calls
    assert (name, target.location_id, target.evse_uid) == ("start_session", "LOC1", "LOC1-1")
    assert kwargs["token"].uid == "APP1"
    # A saw a hub URL, never C's own response_url.
    [received] = await admin(a.platform, "GET", "/admin/commands?direction=RECEIVED")
    assert received["response_url"].startswith(f"{hub.base_url}{PREFIX}/hub/callbacks/")
    assert received["party"] == "FR*MSC"

    # A's Session of C's driver reaches C without OCPI-to-* (by its cdr_token); then C stops it and sets a
    # charging profile on it, and the hub finds A by that Session.
    to_c = headers(a.token, to=C)
    response = await hub.client.put(f"{PREFIX}/receiver/locations/NL/CPA/LOC1", json=location, headers=to_c)
    assert response.status_code == 201, response.text
    session = make_session(A, C, "S1")
    await admin_put(a.platform, "/admin/sessions/NL/CPA/S1", session)
    response = await hub.client.put(
        f"{PREFIX}/receiver/sessions/NL/CPA/S1", json=session, headers=headers(a.token)
    )
    assert response.status_code == 201, response.text
    sent = await admin(c.platform, "POST", f"/admin/commands/{hub_at_c}/STOP_SESSION", {"session_id": "S1"})
    assert sent["response"]["result"] == "ACCEPTED", sent
    profile = {"charging_rate_unit": "W", "charging_profile_period": [{"start_period": 0, "limit": 7000.0}]}
    set_profile = await admin(c.platform, "PUT", f"/admin/chargingprofiles/{hub_at_c}/S1", profile)
    assert set_profile["response"]["result"] == "ACCEPTED", set_profile
    await settle(a.platform.app)
    done = await admin(c.platform, "GET", f"/admin/commands/{sent['id']}")
    assert (done["state"], done["result"]) == ("COMPLETED", {"result": "ACCEPTED"})
    done = await admin(c.platform, "GET", f"/admin/chargingprofiles/requests/{set_profile['id']}")
    assert (done["state"], done["result"]) == ("COMPLETED", {"result": "ACCEPTED"})
    assert [name for name, _, _ in charger.calls] == ["start_session", "stop_session", "set_charging_profile"]


async def test_only_the_receiver_may_use_a_hub_callback_url_and_its_call_reaches_the_original_url(
    platforms: PlatformFactory, sqlite_url: str, network: PeerNetwork
) -> None:
    hub = make_hub(platforms, sqlite_url)
    emsp = await add_raw_party(hub, network, "emsp.test", [(*C, Role.EMSP)])
    cpo = await add_raw_party(hub, network, "cpo.test", [(*A, Role.CPO)])
    other = await add_raw_party(hub, network, "other.test", [("DE", "CPB", Role.CPO)])
    command = {"response_url": "http://emsp.test/results/1?x=y", "session_id": "S1"}
    response = await hub.client.post(
        f"{PREFIX}/receiver/commands/STOP_SESSION", json=command, headers=headers(emsp.token, to=A)
    )
    assert response.json()["status_code"] == 1000
    [forwarded] = cpo.requests
    body = orjson.loads(forwarded.content)
    assert body["session_id"] == "S1"
    hub_url = body["response_url"]
    assert hub_url.startswith(f"{hub.base_url}{PREFIX}/hub/callbacks/")
    result = b'{"result": "ACCEPTED"}'
    # Another party, or the wrong method: no such URL.
    response = await hub.client.post(hub_url, content=result, headers=headers(other.token, to=C))
    assert response.status_code == 404
    response = await hub.client.get(hub_url, headers=headers(cpo.token, to=C))
    assert (response.status_code, response.headers["Allow"]) == (405, "POST")
    assert emsp.requests == []
    # The CPO the command went to: its result reaches the original URL, with the hub's token for the eMSP.
    response = await hub.client.post(
        hub_url,
        content=result,
        headers=headers(cpo.token, to=C) | {"Content-Type": "application/json", "X-Correlation-ID": "c-9"},
    )
    assert response.json()["status_code"] == 1000
    assert response.headers["X-Correlation-ID"] == "c-9"
    [delivered] = emsp.requests
    assert (delivered.method, str(delivered.url), delivered.content) == (
        "POST",
        "http://emsp.test/results/1?x=y",
        result,
    )
    assert delivered.headers["Authorization"] == "Token " + base64.b64encode(emsp.token_out.encode()).decode()
    assert delivered.headers["X-Correlation-ID"] == "c-9"
    assert (delivered.headers["OCPI-from-country-code"], delivered.headers["OCPI-from-party-id"]) == A


async def test_charging_profile_response_url_in_the_query_is_replaced_and_other_parameters_kept(
    platforms: PlatformFactory, sqlite_url: str, network: PeerNetwork
) -> None:
    hub = make_hub(platforms, sqlite_url)
    emsp = await add_raw_party(hub, network, "emsp.test", [(*C, Role.EMSP)])
    cpo = await add_raw_party(hub, network, "cpo.test", [(*A, Role.CPO)])
    response = await hub.client.get(
        f"{PREFIX}/receiver/chargingprofiles/S1?duration=900&response_url=http%3A%2F%2Femsp.test%2Fr%2F7",
        headers=headers(emsp.token, to=A),
    )
    assert response.json()["status_code"] == 1000
    [forwarded] = cpo.requests
    assert forwarded.url.params["duration"] == "900"
    hub_url = forwarded.url.params["response_url"]
    assert hub_url.startswith(f"{hub.base_url}{PREFIX}/hub/callbacks/")
    response = await hub.client.post(hub_url, json={"result": "ACCEPTED"}, headers=headers(cpo.token))
    assert response.json()["status_code"] == 1000
    assert [str(r.url) for r in emsp.requests] == ["http://emsp.test/r/7"]
