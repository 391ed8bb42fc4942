"""Admin API (/admin, bearer OCPI_HUB_ADMIN_TOKEN) and the health probes."""

from __future__ import annotations

from pydantic import SecretStr

from tests.conftest import ADMIN_TOKEN, Platform, PlatformFactory, connect, ocpi_auth

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


async def test_admin_is_refused_when_no_admin_token_is_set(
    platforms: PlatformFactory, database_url: str
) -> None:
    hub = platforms(database_url, "hub.test")
    hub.settings.admin_token = None
    response = await hub.client.get("/admin/partners", headers=ADMIN)
    assert response.status_code == 403
    assert "OCPI_HUB_ADMIN_TOKEN" in response.json()["detail"]


async def test_admin_needs_the_bearer_token(hub: Platform) -> None:
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Token {ADMIN_TOKEN}"}):
        response = await hub.client.get("/admin/partners", headers=headers)
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"] == "Bearer"
    assert (await hub.client.get("/admin/partners", headers=ADMIN)).status_code == 200


async def test_invite_then_list_shows_invited_partner(hub: Platform) -> None:
    invitation = (
        await hub.client.post("/admin/partners/invite", json={"name": "Acme"}, headers=ADMIN)
    ).json()
    assert set(invitation) == {"token", "versions_url"}
    assert invitation["versions_url"] == "http://hub.test/ocpi/versions"
    [partner] = (await hub.client.get("/admin/partners", headers=ADMIN)).json()
    assert (partner["name"], partner["status"], partner["roles"]) == ("Acme", "INVITED", [])
    assert "token" not in str(partner).replace("send_raw_token", "")


async def test_list_after_handshake_shows_roles_and_endpoints(hub: Platform, peer: Platform) -> None:
    await connect(hub, peer)
    [partner] = (await peer.client.get("/admin/partners", headers=ADMIN)).json()
    assert partner["status"] == "REGISTERED"
    assert partner["roles"] == [
        {"role": "CPO", "country_code": "NL", "party_id": "GWY", "name": "Gateway CPO"}
    ]
    assert {
        "identifier": "credentials",
        "role": "SENDER",
        "url": "http://hub.test/ocpi/2.2.1/credentials",
    } in partner["endpoints"]


async def test_remove_unknown_partner_is_404(hub: Platform) -> None:
    response = await hub.client.delete("/admin/partners/999", headers=ADMIN)
    assert response.status_code == 404
    assert "999" in response.json()["detail"]


async def test_remove_invited_partner_voids_token_a(hub: Platform) -> None:
    invitation = (await hub.client.post("/admin/partners/invite", json={}, headers=ADMIN)).json()
    [partner] = (await hub.client.get("/admin/partners", headers=ADMIN)).json()
    result = (await hub.client.delete(f"/admin/partners/{partner['id']}", headers=ADMIN)).json()
    assert result["notified"] is False
    assert result["partner"]["status"] == "UNREGISTERED"
    assert (await hub.client.get("/ocpi/versions", headers=ocpi_auth(invitation["token"]))).status_code == 401


async def test_remove_unreachable_partner_still_stops_its_tokens(
    hub: Platform, peer: Platform, network
) -> None:
    token_for_hub, _ = await connect(hub, peer)
    network.hosts.pop("peer.test")
    [partner] = (await hub.client.get("/admin/partners", headers=ADMIN)).json()
    result = (await hub.client.delete(f"/admin/partners/{partner['id']}", headers=ADMIN)).json()
    assert result["notified"] is False
    assert "could not notify" in result["detail"]
    assert (await hub.client.get("/ocpi/versions", headers=ocpi_auth(token_for_hub))).status_code == 401


async def test_update_of_not_registered_partner_is_400(hub: Platform) -> None:
    await hub.client.post("/admin/partners/invite", json={}, headers=ADMIN)
    [partner] = (await hub.client.get("/admin/partners", headers=ADMIN)).json()
    response = await hub.client.post(f"/admin/partners/{partner['id']}/update", headers=ADMIN)
    assert response.status_code == 400
    assert "INVITED" in response.json()["detail"]


async def test_healthz_is_alive(hub: Platform) -> None:
    response = await hub.client.get("/healthz")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


async def test_readyz_reports_database_reachable(hub: Platform) -> None:
    response = await hub.client.get("/readyz")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


async def test_readyz_is_503_when_database_unreachable(platforms: PlatformFactory) -> None:
    hub = platforms("postgresql://postgres@127.0.0.1:1/none", "down.test")
    response = await hub.client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"


def test_admin_token_is_a_secret_in_settings(hub: Platform) -> None:
    assert isinstance(hub.settings.admin_token, SecretStr)
    assert ADMIN_TOKEN not in repr(hub.settings)
