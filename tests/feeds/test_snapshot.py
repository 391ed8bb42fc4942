"""GET /feeds/availability/snapshot and the feed's token check: every EVSE of our published Locations with its
status, a strong ETag answered with 304 until something changes, and HTTP 401 {"detail": ...} for a missing,
unknown or revoked token on both feed endpoints."""

from __future__ import annotations

import httpx

from hub.feeds import tokens
from hub.modules.objects import to_json
from hub.ocpi.base import utc_now
from hub.tables import LocationRecord, PartnerRecord
from tests.conftest import Platform
from tests.feeds.conftest import ADMIN, bearer
from tests.fixtures_locations import make_location

SNAPSHOT = "/feeds/availability/snapshot"


async def admin(hub: Platform, method: str, path: str, body: object) -> None:
    response = await hub.client.request(method, f"/admin/locations/NL/GWY/{path}", json=body, headers=ADMIN)
    assert response.status_code in (200, 201), response.text


async def snapshot(hub: Platform, token: str, **headers: str) -> httpx.Response:
    return await hub.client.get(SNAPSHOT, headers={**bearer(token), **headers})


async def test_missing_unknown_or_revoked_token_is_401_and_bearer_or_query_token_is_accepted(
    hub: Platform,
) -> None:
    sessionmaker = hub.app.state.sessionmaker
    valid = await tokens.create(sessionmaker, name="navigator")
    revoked = await tokens.create(sessionmaker, name="former partner")
    await tokens.revoke(sessionmaker, revoked.id)

    for path in (SNAPSHOT, "/feeds/availability"):
        for headers, params in (
            ({}, {}),
            ({"Authorization": f"Token {valid.token}"}, {}),
            (bearer("not-a-feed-token"), {}),
            (bearer(revoked.token), {}),
            ({}, {"token": revoked.token}),
        ):
            response = await hub.client.get(path, headers=headers, params=params)
            assert response.status_code == 401, (path, headers, params)
            assert set(response.json()) == {"detail"}
            assert response.headers["WWW-Authenticate"] == "Bearer"

    assert (await snapshot(hub, valid.token)).status_code == 200
    assert (await hub.client.get(SNAPSHOT, params={"token": valid.token})).status_code == 200


async def test_snapshot_lists_every_evse_of_our_published_locations(hub: Platform) -> None:
    await admin(hub, "PUT", "LOC2", make_location("LOC2", evses=1))
    await admin(hub, "PUT", "LOC1", make_location("LOC1"))
    await admin(hub, "PUT", "HIDDEN", make_location("HIDDEN", publish=False))
    await admin(hub, "PUT", "LOC1/LOC1-2/status", {"status": "REMOVED"})
    async with hub.app.state.sessionmaker() as session:
        partner = PartnerRecord(name="peer", status="REGISTERED")
        session.add(partner)
        await session.flush()
        theirs = make_location("THEIRS", country_code="DE", party_id="CPO")
        session.add(
            LocationRecord(
                country_code="DE",
                party_id="CPO",
                object_key="THEIRS",
                partner_id=partner.id,
                last_updated=utc_now(),
                body=to_json(theirs),
            )
        )
        await session.commit()
    token = (await tokens.create(hub.app.state.sessionmaker, name="navigator")).token

    response = await snapshot(hub, token)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    locations = response.json()["locations"]
    assert [loc["id"] for loc in locations] == ["LOC1", "LOC2"]
    loc1 = locations[0]
    stored = (await hub.client.get("/admin/locations/NL/GWY/LOC1", headers=ADMIN)).json()["data"]
    assert loc1 == {
        "country_code": "NL",
        "party_id": "GWY",
        "id": "LOC1",
        "name": "Station LOC1",
        "coordinates": {"latitude": "52.378901", "longitude": "4.900210"},
        "last_updated": stored["last_updated"],
        "evses": [
            {
                "uid": evse["uid"],
                "evse_id": evse["evse_id"],
                "status": evse["status"],
                "last_updated": evse["last_updated"],
            }
            for evse in stored["evses"]
        ],
    }
    assert [e["status"] for e in loc1["evses"]] == ["AVAILABLE", "REMOVED"]


async def test_snapshot_etag_gives_304_until_a_status_changes(hub: Platform) -> None:
    await admin(hub, "PUT", "LOC1", make_location("LOC1"))
    token = (await tokens.create(hub.app.state.sessionmaker, name="navigator")).token
    first = await snapshot(hub, token)
    etag = first.headers["ETag"]
    assert etag.startswith('"')  # strong

    for if_none_match in (etag, f"W/{etag}", f'"other", {etag}', "*"):
        unchanged = await snapshot(hub, token, **{"If-None-Match": if_none_match})
        assert unchanged.status_code == 304, if_none_match
        assert unchanged.headers["ETag"] == etag
        assert unchanged.content == b""
    assert (await snapshot(hub, token, **{"If-None-Match": '"other"'})).status_code == 200

    # A change that is no status of a published EVSE leaves the snapshot as it is.
    await admin(hub, "PUT", "HIDDEN", make_location("HIDDEN", publish=False))
    assert (await snapshot(hub, token, **{"If-None-Match": etag})).status_code == 304

    await admin(hub, "PUT", "LOC1/LOC1-1/status", {"status": "CHARGING"})
    changed = await snapshot(hub, token, **{"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["ETag"] != etag
    assert changed.json()["locations"][0]["evses"][0]["status"] == "CHARGING"
    assert (await snapshot(hub, token, **{"If-None-Match": changed.headers["ETag"]})).status_code == 304
