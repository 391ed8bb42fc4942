"""Credentials module both ways (credentials.asciidoc): handshake, 405 rules, rotation, errors that write nothing."""

from __future__ import annotations

import httpx
import orjson
import pytest
from sqlmodel import col, select

from hub.config import LocalParty
from hub.modules.credentials import module as credentials_module
from hub.ocpi.enums import Role
from hub.tables import PartnerEndpointRecord, PartnerRecord, PartnerRoleRecord, PartnerTokenRecord
from tests.conftest import Platform, PlatformFactory, connect, invite, ocpi_auth, register
from tests.integration.test_versions import announced
from tests.network import PeerNetwork

CREDENTIALS = "/ocpi/2.2.1/credentials"


async def partners(platform: Platform) -> list[PartnerRecord]:
    async with platform.app.state.sessionmaker() as session:
        return list((await session.exec(select(PartnerRecord).order_by(col(PartnerRecord.id)))).all())


async def count(platform: Platform, table: type) -> int:
    async with platform.app.state.sessionmaker() as session:
        return len((await session.exec(select(table))).all())


def peer_credentials(
    token: str = "peer-token-b", url: str = "http://peer.test/ocpi/versions", **role: str
) -> dict:
    return {
        "token": token,
        "url": url,
        "roles": [
            {
                "role": role.get("role", "EMSP"),
                "party_id": role.get("party_id", "MSP"),
                "country_code": role.get("country_code", "DE"),
                "business_details": {"name": "Peer eMSP"},
            }
        ],
    }


async def test_handshake_peer_registers_with_hub_and_both_sides_can_call(
    hub: Platform, peer: Platform
) -> None:
    token_for_hub, token_for_peer = await connect(hub, peer)

    # Each side calls the other's versions and details with the exchanged tokens.
    versions = await peer.client.get("http://hub.test/ocpi/versions", headers=ocpi_auth(token_for_hub))
    assert versions.status_code == 200
    assert versions.json()["data"] == [{"version": "2.2.1", "url": "http://hub.test/ocpi/2.2.1"}]
    details = await hub.client.get("http://peer.test/ocpi/2.2.1", headers=ocpi_auth(token_for_peer))
    assert details.json()["data"]["endpoints"][0]["identifier"] == "credentials"

    [hub_side] = await partners(hub)
    assert hub_side.status == "REGISTERED"
    assert hub_side.versions_url == "http://peer.test/ocpi/versions"
    assert hub_side.version == "2.2.1"
    async with hub.app.state.sessionmaker() as session:
        roles = (await session.exec(select(PartnerRoleRecord))).all()
        endpoints = (await session.exec(select(PartnerEndpointRecord))).all()
    assert [(r.role, r.country_code, r.party_id) for r in roles] == [("EMSP", "DE", "MSP")]
    assert [{"identifier": e.module, "role": e.interface_role, "url": e.url} for e in endpoints] == announced(
        "http://peer.test"
    )
    [peer_side] = await partners(peer)
    assert peer_side.status == "REGISTERED"
    assert peer_side.name == "Gateway CPO"


async def test_token_a_works_once(hub: Platform, peer: Platform) -> None:
    invitation = await invite(hub)
    assert (await register(peer, invitation["versions_url"], invitation["token"])).status_code == 200
    # A second registration with the same token A: the token is gone, so 401.
    again = await hub.client.post(
        CREDENTIALS, json=peer_credentials(), headers=ocpi_auth(invitation["token"])
    )
    assert again.status_code == 401
    assert again.json()["status_code"] == 2000
    assert (await hub.client.get("/ocpi/versions", headers=ocpi_auth(invitation["token"]))).status_code == 401


async def test_token_a_is_refused_outside_versions_and_credentials(
    platforms: PlatformFactory, database_url: str
) -> None:
    from tests.integration.test_transport import probe_module

    hub = platforms(database_url, "hub.test", modules=(credentials_module, probe_module()))
    invitation = await invite(hub)
    token = invitation["token"]
    assert (await hub.client.get("/ocpi/versions", headers=ocpi_auth(token))).status_code == 200
    assert (await hub.client.get(CREDENTIALS, headers=ocpi_auth(token))).status_code == 200
    functional = await hub.client.get("/ocpi/2.2.1/sender/locations", headers=ocpi_auth(token))
    assert functional.status_code == 401
    assert "versions and credentials" in functional.json()["status_message"]


async def test_get_credentials_returns_our_roles_and_callers_token(hub: Platform, peer: Platform) -> None:
    token_for_hub, _ = await connect(hub, peer)
    response = await peer.client.get(f"http://hub.test{CREDENTIALS}", headers=ocpi_auth(token_for_hub))
    data = response.json()["data"]
    assert data == {
        "token": token_for_hub,
        "url": "http://hub.test/ocpi/versions",
        "roles": [
            {
                "role": "CPO",
                "business_details": {"name": "Gateway CPO"},
                "party_id": "GWY",
                "country_code": "NL",
            }
        ],
    }


async def test_second_post_by_registered_partner_is_405(hub: Platform, peer: Platform) -> None:
    token_for_hub, _ = await connect(hub, peer)
    response = await hub.client.post(CREDENTIALS, json=peer_credentials(), headers=ocpi_auth(token_for_hub))
    assert response.status_code == 405
    assert response.json()["status_code"] == 2000
    assert "Already registered" in response.json()["status_message"]


async def test_put_and_delete_before_registration_are_405(hub: Platform) -> None:
    invitation = await invite(hub)
    put = await hub.client.put(CREDENTIALS, json=peer_credentials(), headers=ocpi_auth(invitation["token"]))
    delete = await hub.client.delete(CREDENTIALS, headers=ocpi_auth(invitation["token"]))
    assert (put.status_code, delete.status_code) == (405, 405)
    [partner] = await partners(hub)
    assert partner.status == "INVITED"


async def test_patch_is_405_in_envelope(hub: Platform) -> None:
    invitation = await invite(hub)
    response = await hub.client.patch(CREDENTIALS, json={}, headers=ocpi_auth(invitation["token"]))
    assert response.status_code == 405
    assert response.json()["status_code"] == 2000


async def test_put_rotates_token_and_refetches_endpoints(hub: Platform, peer: Platform) -> None:
    token_for_hub, _ = await connect(hub, peer)
    [peer_side] = await partners(peer)
    response = await peer.client.post(
        f"/admin/partners/{peer_side.id}/update", headers={"Authorization": "Bearer admin-secret"}
    )
    assert response.status_code == 200, response.text
    [peer_side] = await partners(peer)
    new_token_for_hub = peer_side.token_out
    assert new_token_for_hub
    assert new_token_for_hub != token_for_hub
    # The old token stops working, the new one works, on both sides.
    old = await peer.client.get("http://hub.test/ocpi/versions", headers=ocpi_auth(token_for_hub))
    new = await peer.client.get("http://hub.test/ocpi/versions", headers=ocpi_auth(new_token_for_hub))
    assert (old.status_code, new.status_code) == (401, 200)
    [hub_side] = await partners(hub)
    assert hub_side.token_out is not None
    assert (
        await hub.client.get("http://peer.test/ocpi/versions", headers=ocpi_auth(hub_side.token_out))
    ).status_code == 200
    assert await count(hub, PartnerTokenRecord) == 1
    assert await count(peer, PartnerTokenRecord) == 1


async def test_put_by_partner_switches_roles_and_issues_new_token(hub: Platform, peer: Platform) -> None:
    token_for_hub, _ = await connect(hub, peer)
    # The peer's own versions endpoint accepts this token only if the peer knows it: register it there first.
    [peer_side] = await partners(peer)
    async with peer.app.state.sessionmaker() as session:
        from hub.partners.repository import PartnerRepository
        from hub.tables import TokenKind

        repo = PartnerRepository(session)
        assert peer_side.id is not None
        record = await repo.get(peer_side.id)
        assert record is not None
        await repo.add_token(record, "rotated-token-b", TokenKind.ACTIVE)
        await session.commit()
    body = peer_credentials(token="rotated-token-b", country_code="de", party_id="xyz", role="emsp")
    response = await hub.client.put(CREDENTIALS, json=body, headers=ocpi_auth(token_for_hub))
    assert response.status_code == 200, response.text
    new_token = response.json()["data"]["token"]
    assert new_token != token_for_hub
    assert (await hub.client.get("/ocpi/versions", headers=ocpi_auth(token_for_hub))).status_code == 401
    assert (await hub.client.get("/ocpi/versions", headers=ocpi_auth(new_token))).status_code == 200
    [hub_side] = await partners(hub)
    assert hub_side.token_out == "rotated-token-b"
    async with hub.app.state.sessionmaker() as session:
        roles = (await session.exec(select(PartnerRoleRecord))).all()
    assert [(r.role, r.country_code, r.party_id) for r in roles] == [("EMSP", "DE", "XYZ")]


async def test_delete_unregisters_and_token_stops_working(hub: Platform, peer: Platform) -> None:
    token_for_hub, _ = await connect(hub, peer)
    response = await hub.client.delete(CREDENTIALS, headers=ocpi_auth(token_for_hub))
    assert response.status_code == 200
    assert response.json()["status_code"] == 1000
    assert "data" not in response.json()
    [hub_side] = await partners(hub)
    assert (hub_side.status, hub_side.token_out) == ("UNREGISTERED", None)
    assert (await hub.client.get("/ocpi/versions", headers=ocpi_auth(token_for_hub))).status_code == 401


async def test_partner_remove_deletes_on_partner_and_our_tokens_stop(hub: Platform, peer: Platform) -> None:
    token_for_hub, token_for_peer = await connect(hub, peer)
    [peer_side] = await partners(peer)
    response = await peer.client.delete(
        f"/admin/partners/{peer_side.id}", headers={"Authorization": "Bearer admin-secret"}
    )
    assert response.status_code == 200
    assert response.json()["notified"] is True
    # The hub learnt of it through DELETE: the peer's token for the hub is gone; the hub's token for the peer too.
    assert (
        await peer.client.get("http://hub.test/ocpi/versions", headers=ocpi_auth(token_for_hub))
    ).status_code == 401
    assert (
        await hub.client.get("http://peer.test/ocpi/versions", headers=ocpi_auth(token_for_peer))
    ).status_code == 401
    [hub_side] = await partners(hub)
    assert hub_side.status == "UNREGISTERED"


async def test_roles_compare_case_insensitively_and_are_stored_upper(
    hub: Platform, network: PeerNetwork
) -> None:
    network.attach_handler("lower.test", fake_partner(versions_token="tok-b"))
    invitation = await invite(hub)
    body = peer_credentials(
        token="tok-b", url="http://lower.test/versions", role="emsp", country_code="de", party_id="abc"
    )
    response = await hub.client.post(CREDENTIALS, json=body, headers=ocpi_auth(invitation["token"]))
    assert response.json()["status_code"] == 1000, response.text
    async with hub.app.state.sessionmaker() as session:
        [role] = (await session.exec(select(PartnerRoleRecord))).all()
    assert (role.role, role.country_code, role.party_id) == ("EMSP", "DE", "ABC")


async def test_several_roles_in_one_credentials_object(hub: Platform, network: PeerNetwork) -> None:
    network.attach_handler("multi.test", fake_partner(versions_token="tok-b"))
    invitation = await invite(hub)
    body = peer_credentials(token="tok-b", url="http://multi.test/versions")
    body["roles"].append(
        {"role": "CPO", "party_id": "CPX", "country_code": "DE", "business_details": {"name": "Peer CPO"}}
    )
    response = await hub.client.post(CREDENTIALS, json=body, headers=ocpi_auth(invitation["token"]))
    assert response.json()["status_code"] == 1000
    async with hub.app.state.sessionmaker() as session:
        roles = (await session.exec(select(PartnerRoleRecord).order_by(PartnerRoleRecord.role))).all()
    assert [(r.role, r.party_id) for r in roles] == [("CPO", "CPX"), ("EMSP", "MSP")]


async def test_partner_may_register_with_role_hub(hub: Platform, network: PeerNetwork) -> None:
    network.attach_handler("otherhub.test", fake_partner(versions_token="tok-b"))
    invitation = await invite(hub)
    body = peer_credentials(token="tok-b", url="http://otherhub.test/versions", role=Role.HUB, party_id="HUB")
    response = await hub.client.post(CREDENTIALS, json=body, headers=ocpi_auth(invitation["token"]))
    assert response.json()["status_code"] == 1000


async def test_our_credentials_report_only_hub_role_when_we_are_a_hub(
    platforms: PlatformFactory, database_url: str
) -> None:
    parties = [
        LocalParty(country_code="NL", party_id="HUB", role=Role.HUB, name="The Hub"),
        LocalParty(country_code="NL", party_id="GWY", role=Role.CPO, name="Gateway CPO"),
    ]
    hub = platforms(database_url, "hub.test", parties)
    invitation = await invite(hub)
    data = (await hub.client.get(CREDENTIALS, headers=ocpi_auth(invitation["token"]))).json()["data"]
    assert [(r["role"], r["party_id"]) for r in data["roles"]] == [("HUB", "HUB")]


async def test_duplicate_role_in_credentials_is_2001_and_nothing_written(
    hub: Platform, network: PeerNetwork
) -> None:
    network.attach_handler("dup.test", fake_partner(versions_token="tok-b"))
    invitation = await invite(hub)
    body = peer_credentials(token="tok-b", url="http://dup.test/versions")
    body["roles"].append({**body["roles"][0], "party_id": "msp"})
    response = await hub.client.post(CREDENTIALS, json=body, headers=ocpi_auth(invitation["token"]))
    assert (response.status_code, response.json()["status_code"]) == (200, 2001)
    assert "listed twice" in response.json()["status_message"]
    await assert_still_invited(hub, invitation["token"])


async def test_role_of_another_registered_partner_is_refused(
    hub: Platform, peer: Platform, network: PeerNetwork
) -> None:
    await connect(hub, peer)  # registers EMSP DE*MSP
    network.attach_handler("copy.test", fake_partner(versions_token="tok-b"))
    invitation = await invite(hub)
    body = peer_credentials(token="tok-b", url="http://copy.test/versions")
    response = await hub.client.post(CREDENTIALS, json=body, headers=ocpi_auth(invitation["token"]))
    assert response.json()["status_code"] == 2001
    assert "already registered by another partner" in response.json()["status_message"]


async def test_partner_claiming_one_of_our_parties_is_refused(hub: Platform, network: PeerNetwork) -> None:
    network.attach_handler("fake.test", fake_partner(versions_token="tok-b"))
    invitation = await invite(hub)
    body = peer_credentials(
        token="tok-b", url="http://fake.test/versions", role=Role.CPO, country_code="nl", party_id="gwy"
    )
    response = await hub.client.post(CREDENTIALS, json=body, headers=ocpi_auth(invitation["token"]))
    assert response.json()["status_code"] == 2001
    await assert_still_invited(hub, invitation["token"])


async def assert_still_invited(hub: Platform, token_a: str) -> None:
    """Nothing was written: the partner is still invited, without roles or endpoints, and token A still works."""
    [partner] = await partners(hub)
    assert partner.status == "INVITED"
    assert partner.token_out is None
    assert await count(hub, PartnerRoleRecord) == 0
    assert await count(hub, PartnerEndpointRecord) == 0
    assert (await hub.client.get("/ocpi/versions", headers=ocpi_auth(token_a))).status_code == 200


def envelope(data: object, status: int = 1000) -> httpx.Response:
    return httpx.Response(
        200,
        content=orjson.dumps({"data": data, "status_code": status, "timestamp": "2026-01-01T00:00:00Z"}),
        headers={"Content-Type": "application/json"},
    )


def fake_partner(
    *,
    versions_token: str,
    versions: list[str] | None = None,
    endpoints: list[dict] | None = None,
    raw_only: bool = False,
):
    """A minimal foreign OCPI platform: versions and details behind one token."""
    import base64

    async def handler(request: httpx.Request) -> httpx.Response:
        host = request.url.host
        header = request.headers.get("Authorization", "")
        expected = versions_token if raw_only else base64.b64encode(versions_token.encode()).decode()
        if header != f"Token {expected}":
            return httpx.Response(
                401,
                json={
                    "status_code": 2000,
                    "status_message": "bad token",
                    "timestamp": "2026-01-01T00:00:00Z",
                },
            )
        if request.url.path == "/versions":
            return envelope(
                [{"version": v, "url": f"http://{host}/{v}"} for v in (versions or ["2.1.1", "2.2.1"])]
            )
        if request.url.path == "/2.2.1":
            eps = (
                endpoints
                if endpoints is not None
                else [
                    {
                        "identifier": "credentials",
                        "role": "RECEIVER",
                        "url": f"http://{host}/2.2.1/credentials",
                    },
                    {"identifier": "locations", "role": "receiver", "url": f"http://{host}/2.2.1/locations"},
                    {"identifier": "nltnm-tokens", "role": "SENDER", "url": f"http://{host}/2.2.1/custom"},
                ]
            )
            return envelope({"version": "2.2.1", "endpoints": eps})
        return httpx.Response(404, json={"status_code": 2000, "timestamp": "2026-01-01T00:00:00Z"})

    return handler


async def test_discovery_keeps_custom_modules_and_normalises_roles(
    hub: Platform, network: PeerNetwork
) -> None:
    network.attach_handler("custom.test", fake_partner(versions_token="tok-b"))
    invitation = await invite(hub)
    body = peer_credentials(token="tok-b", url="http://custom.test/versions")
    assert (await hub.client.post(CREDENTIALS, json=body, headers=ocpi_auth(invitation["token"]))).json()[
        "status_code"
    ] == 1000
    async with hub.app.state.sessionmaker() as session:
        endpoints = (
            await session.exec(select(PartnerEndpointRecord).order_by(PartnerEndpointRecord.module))
        ).all()
    assert [(e.module, e.interface_role) for e in endpoints] == [
        ("credentials", "SENDER"),
        ("locations", "RECEIVER"),
        ("nltnm-tokens", "SENDER"),
    ]


async def test_partner_that_wants_raw_tokens_is_detected_and_flagged(
    hub: Platform, network: PeerNetwork
) -> None:
    network.attach_handler("raw.test", fake_partner(versions_token="tok-b", raw_only=True))
    invitation = await invite(hub)
    body = peer_credentials(token="tok-b", url="http://raw.test/versions")
    response = await hub.client.post(CREDENTIALS, json=body, headers=ocpi_auth(invitation["token"]))
    assert response.json()["status_code"] == 1000
    [partner] = await partners(hub)
    assert partner.send_raw_token is True


async def test_unreachable_versions_url_is_3001_and_nothing_written(hub: Platform) -> None:
    invitation = await invite(hub)
    body = peer_credentials(token="tok-b", url="http://nowhere.test/versions")
    response = await hub.client.post(CREDENTIALS, json=body, headers=ocpi_auth(invitation["token"]))
    assert (response.status_code, response.json()["status_code"]) == (200, 3001)
    assert "nowhere.test" in response.json()["status_message"]
    await assert_still_invited(hub, invitation["token"])


async def test_versions_url_refusing_token_b_is_3001(hub: Platform, network: PeerNetwork) -> None:
    network.attach_handler("strict.test", fake_partner(versions_token="another-token"))
    invitation = await invite(hub)
    body = peer_credentials(token="tok-b", url="http://strict.test/versions")
    response = await hub.client.post(CREDENTIALS, json=body, headers=ocpi_auth(invitation["token"]))
    assert response.json()["status_code"] == 3001
    assert "HTTP 401" in response.json()["status_message"]
    await assert_still_invited(hub, invitation["token"])


async def test_partner_without_2_2_1_is_3002(hub: Platform, network: PeerNetwork) -> None:
    network.attach_handler("old.test", fake_partner(versions_token="tok-b", versions=["2.1.1"]))
    invitation = await invite(hub)
    body = peer_credentials(token="tok-b", url="http://old.test/versions")
    response = await hub.client.post(CREDENTIALS, json=body, headers=ocpi_auth(invitation["token"]))
    assert response.json()["status_code"] == 3002
    assert "2.1.1" in response.json()["status_message"]
    await assert_still_invited(hub, invitation["token"])


async def test_partner_without_credentials_endpoint_is_3003(hub: Platform, network: PeerNetwork) -> None:
    eps = [{"identifier": "locations", "role": "RECEIVER", "url": "http://noeps.test/2.2.1/locations"}]
    network.attach_handler("noeps.test", fake_partner(versions_token="tok-b", endpoints=eps))
    invitation = await invite(hub)
    body = peer_credentials(token="tok-b", url="http://noeps.test/versions")
    response = await hub.client.post(CREDENTIALS, json=body, headers=ocpi_auth(invitation["token"]))
    assert response.json()["status_code"] == 3003
    await assert_still_invited(hub, invitation["token"])


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda b: b.update(token="x" * 65), "token"),
        (lambda b: b.update(token="has space"), "token"),
        (lambda b: b["roles"][0].update(role="DRIVER"), "roles[0].role"),
        (lambda b: b["roles"][0].update(party_id="TOOLONG"), "roles[0].party_id"),
        (
            lambda b: b["roles"][0]["business_details"].update(name="n" * 101),
            "roles[0].business_details.name",
        ),
        (lambda b: b.update(roles=[]), "roles"),
        (lambda b: b.pop("url"), "url"),
        (lambda b: b.update(url="http://peer.test/" + "v" * 255), "url"),
    ],
)
async def test_invalid_credentials_are_2001_naming_the_field(hub: Platform, mutate, field: str) -> None:
    invitation = await invite(hub)
    body = peer_credentials()
    mutate(body)
    response = await hub.client.post(CREDENTIALS, json=body, headers=ocpi_auth(invitation["token"]))
    assert (response.status_code, response.json()["status_code"]) == (200, 2001)
    assert response.json()["status_message"].startswith(field + ":"), response.json()["status_message"]
    await assert_still_invited(hub, invitation["token"])


async def test_unknown_fields_in_credentials_are_ignored(hub: Platform, network: PeerNetwork) -> None:
    network.attach_handler("extra.test", fake_partner(versions_token="tok-b"))
    invitation = await invite(hub)
    body = peer_credentials(token="tok-b", url="http://extra.test/versions")
    body["vendor_extension"] = {"x": 1}
    body["roles"][0]["extra"] = True
    response = await hub.client.post(CREDENTIALS, json=body, headers=ocpi_auth(invitation["token"]))
    assert response.json()["status_code"] == 1000


async def test_register_with_unreachable_partner_leaves_nothing(peer: Platform) -> None:
    response = await register(peer, "http://nowhere.test/ocpi/versions", "token-a")
    assert response.status_code == 400
    assert "nowhere.test" in response.json()["detail"]
    assert await partners(peer) == []


async def test_register_with_refused_token_a_leaves_nothing(hub: Platform, peer: Platform) -> None:
    response = await register(peer, "http://hub.test/ocpi/versions", "not-a-token")
    assert response.status_code == 400
    assert "HTTP 401" in response.json()["detail"]
    assert await partners(peer) == []


async def test_register_when_partner_refuses_post_leaves_nothing(
    hub: Platform, peer: Platform, network: PeerNetwork
) -> None:
    # The hub cannot call the peer back (peer unreachable from the hub): the hub answers 3001, the peer stores nothing.
    invitation = await invite(hub)
    network.hosts.pop("peer.test")
    from hub.partners import registration
    from hub.partners.registration import RegistrationError

    with pytest.raises(RegistrationError, match="3001"):
        await registration.register(
            peer.app.state.sessionmaker,
            peer.app.state.partner_client,
            peer.settings,
            versions_url=invitation["versions_url"],
            token_a=invitation["token"],
        )
    assert await partners(peer) == []
    [hub_side] = await partners(hub)
    assert hub_side.status == "INVITED"


def quirky_partner(seen: list[httpx.Request]):
    """A foreign platform with real-world quirks: an unauthenticated versions endpoint, details that only
    accept the raw token, a credentials endpoint announced without the trailing slash it is served at, and
    timestamps with a space instead of `T`."""

    async def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        stamp = "2026-01-01 00:00:00.123456+00:00"
        ok = {"status_code": 1000, "timestamp": stamp}
        path = request.url.path
        if path == "/versions":
            return httpx.Response(
                200, json={**ok, "data": [{"version": "2.2.1", "url": "http://quirky.test/2.2.1"}]}
            )
        if request.headers.get("Authorization") != "Token raw-token-a":
            return httpx.Response(401, json={"detail": "Unauthorized"})
        if path == "/2.2.1":
            eps = [
                {
                    "identifier": "credentials",
                    "role": "RECEIVER",
                    "url": "http://quirky.test/2.2.1/credentials",
                }
            ]
            return httpx.Response(200, json={**ok, "data": {"version": "2.2.1", "endpoints": eps}})
        if path == "/2.2.1/credentials":
            return httpx.Response(307, headers={"Location": "http://quirky.test/2.2.1/credentials/"})
        if path == "/2.2.1/credentials/" and request.method == "POST":
            ours = orjson.loads(request.content)
            assert ours["roles"][0]["party_id"] == "MSP"
            data = {
                "token": "quirky-token-c",
                "url": "http://quirky.test/versions",
                "roles": [
                    {
                        "role": "cpo",
                        "party_id": "qcp",
                        "country_code": "be",
                        "business_details": {"name": "Quirky CPO"},
                    }
                ],
            }
            return httpx.Response(200, json={**ok, "data": data})
        return httpx.Response(404, json={"detail": "Not Found"})

    return handler


async def test_register_with_quirky_partner_follows_redirect_and_falls_back_to_raw_token(
    peer: Platform, network: PeerNetwork
) -> None:
    seen: list[httpx.Request] = []
    network.attach_handler("quirky.test", quirky_partner(seen))
    response = await register(peer, "http://quirky.test/versions", "raw-token-a")
    assert response.status_code == 200, response.text
    info = response.json()
    assert info["status"] == "REGISTERED"
    assert info["send_raw_token"] is True
    assert info["roles"] == [{"role": "CPO", "country_code": "BE", "party_id": "QCP", "name": "Quirky CPO"}]
    posts = [r for r in seen if r.method == "POST"]
    assert [str(r.url) for r in posts] == [
        "http://quirky.test/2.2.1/credentials",
        "http://quirky.test/2.2.1/credentials/",
    ]
    assert posts[0].content == posts[1].content
    [partner] = await partners(peer)
    assert partner.token_out == "quirky-token-c"


async def test_cross_origin_redirect_on_post_is_not_followed(peer: Platform, network: PeerNetwork) -> None:
    async def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/versions":
            return envelope([{"version": "2.2.1", "url": "http://redir.test/2.2.1"}])
        if request.url.path == "/2.2.1":
            return envelope(
                {
                    "version": "2.2.1",
                    "endpoints": [
                        {
                            "identifier": "credentials",
                            "role": "RECEIVER",
                            "url": "http://redir.test/2.2.1/credentials",
                        }
                    ],
                }
            )
        return httpx.Response(307, headers={"Location": "http://elsewhere.test/steal"})

    network.attach_handler("redir.test", handler)
    network.attach_handler("elsewhere.test", fake_partner(versions_token="x"))
    response = await register(peer, "http://redir.test/versions", "token-a")
    assert response.status_code == 400
    assert "HTTP 307" in response.json()["detail"]
    assert not [r for r in network.requests if r.url.host == "elsewhere.test"]
    assert await partners(peer) == []
