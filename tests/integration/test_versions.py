"""Versions module (version_information_endpoint): the list and the details come from one registry."""

from __future__ import annotations

from hub.modules.credentials import module as credentials_module
from tests.conftest import Platform, PlatformFactory, invite, ocpi_auth
from tests.integration.test_transport import probe_module


async def test_versions_list_offers_2_2_1(hub: Platform) -> None:
    token = (await invite(hub))["token"]
    response = await hub.client.get("/ocpi/versions", headers=ocpi_auth(token))
    body = response.json()
    assert body["status_code"] == 1000
    assert body["data"] == [{"version": "2.2.1", "url": "http://hub.test/ocpi/2.2.1"}]


# What this build announces, in registry order: (module, interface role, path under /ocpi/2.2.1).
ANNOUNCED = [
    ("credentials", "SENDER", "credentials"),
    ("locations", "SENDER", "sender/locations"),
    ("locations", "RECEIVER", "receiver/locations"),
    ("tariffs", "SENDER", "sender/tariffs"),
    ("tariffs", "RECEIVER", "receiver/tariffs"),
    ("sessions", "SENDER", "sender/sessions"),
    ("sessions", "RECEIVER", "receiver/sessions"),
    ("cdrs", "SENDER", "sender/cdrs"),
    ("cdrs", "RECEIVER", "receiver/cdrs"),
    ("tokens", "SENDER", "sender/tokens"),
    ("tokens", "RECEIVER", "receiver/tokens"),
    ("commands", "SENDER", "sender/commands"),
    ("commands", "RECEIVER", "receiver/commands"),
    ("chargingprofiles", "SENDER", "sender/chargingprofiles"),
    ("chargingprofiles", "RECEIVER", "receiver/chargingprofiles"),
    ("hubclientinfo", "RECEIVER", "receiver/hubclientinfo"),
]


def announced(base_url: str) -> list[dict[str, str]]:
    return [{"identifier": m, "role": r, "url": f"{base_url}/ocpi/2.2.1/{p}"} for m, r, p in ANNOUNCED]


async def test_details_list_credentials_and_only_built_modules(hub: Platform) -> None:
    token = (await invite(hub))["token"]
    response = await hub.client.get("/ocpi/2.2.1", headers=ocpi_auth(token))
    assert response.json()["data"] == {"version": "2.2.1", "endpoints": announced("http://hub.test")}


async def test_a_registered_module_appears_in_details_with_a_resolvable_url(
    platforms: PlatformFactory, database_url: str
) -> None:
    hub = platforms(database_url, "hub.test", modules=(credentials_module, probe_module()))
    token = (await invite(hub))["token"]
    endpoints = (await hub.client.get("/ocpi/2.2.1", headers=ocpi_auth(token))).json()["data"]["endpoints"]
    assert {
        "identifier": "locations",
        "role": "SENDER",
        "url": "http://hub.test/ocpi/2.2.1/sender/locations",
    } in endpoints
    # The announced URL is mounted: it answers (401 for token A), not 404.
    response = await hub.client.get("http://hub.test/ocpi/2.2.1/sender/locations", headers=ocpi_auth(token))
    assert response.status_code == 401


async def test_openapi_documents_every_ocpi_endpoint(hub: Platform) -> None:
    response = await hub.client.get("/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert {"/ocpi/versions", "/ocpi/2.2.1", "/ocpi/2.2.1/credentials"} <= set(paths)
    assert set(paths["/ocpi/2.2.1/credentials"]) == {"get", "post", "put", "delete"}
