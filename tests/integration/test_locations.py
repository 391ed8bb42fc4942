"""Locations in both roles (mod_locations.asciidoc): a CPO partner pushes to our Receiver interface; partners
pull our own Locations from our Sender interface."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from sqlmodel import select

from hub.config import LocalParty
from hub.ocpi.enums import Role
from hub.tables import ChangeEventRecord, LocationRecord
from tests.conftest import ADMIN_TOKEN, Platform, PlatformFactory, connect, ocpi_auth
from tests.fixtures_locations import make_location

RECEIVER = "/ocpi/2.2.1/receiver/locations"
SENDER = "/ocpi/2.2.1/sender/locations"
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


@pytest.fixture
async def cpo(platforms: PlatformFactory, sqlite_url: str) -> Platform:
    """A partner platform with the CPO role DE*CPX, pushing its Locations to the hub."""
    return platforms(
        sqlite_url,
        "cpo.test",
        [LocalParty(country_code="DE", party_id="CPX", role=Role.CPO, name="Partner CPO")],
    )


@pytest.fixture
async def cpo_token(hub: Platform, cpo: Platform) -> str:
    token, _ = await connect(hub, cpo)
    return token


def foreign(location_id: str = "LOC1", **kwargs: Any) -> dict[str, Any]:
    return make_location(location_id, country_code="DE", party_id="CPX", **kwargs)


async def put(hub: Platform, token: str, path: str, body: Any) -> Any:
    return await hub.client.put(f"{RECEIVER}/DE/CPX/{path}", json=body, headers=ocpi_auth(token))


async def stored(hub: Platform, location_id: str = "LOC1") -> dict[str, Any]:
    import orjson

    async with hub.app.state.sessionmaker() as session:
        record = (
            await session.exec(select(LocationRecord).where(LocationRecord.object_key == location_id.upper()))
        ).one()
    body: dict[str, Any] = orjson.loads(record.body)
    return body


# -- Receiver interface ---------------------------------------------------------------------------------


async def test_put_location_creates_201_then_replaces_200_and_get_returns_it(
    hub: Platform, cpo_token: str
) -> None:
    body = foreign()
    first = await put(hub, cpo_token, "LOC1", body)
    assert (first.status_code, first.json()["status_code"]) == (201, 1000)
    body["name"] = "Renamed"
    second = await put(hub, cpo_token, "LOC1", body)
    assert (second.status_code, second.json()["status_code"]) == (200, 1000)
    got = await hub.client.get(f"{RECEIVER}/DE/CPX/LOC1", headers=ocpi_auth(cpo_token))
    assert got.json()["data"] == body  # stored as sent: last_updated untouched


async def test_put_location_of_a_party_the_caller_is_not_is_404(hub: Platform, cpo_token: str) -> None:
    body = make_location("LOC1", country_code="NL", party_id="OTH")
    response = await hub.client.put(f"{RECEIVER}/NL/OTH/LOC1", json=body, headers=ocpi_auth(cpo_token))
    assert (response.status_code, response.json()["status_code"]) == (404, 2000)
    async with hub.app.state.sessionmaker() as session:
        assert (await session.exec(select(LocationRecord))).all() == []


@pytest.mark.parametrize(("field", "value"), [("id", "OTHER"), ("country_code", "NL"), ("party_id", "XYZ")])
async def test_put_location_with_body_differing_from_url_is_2001(
    hub: Platform, cpo_token: str, field: str, value: str
) -> None:
    body = foreign()
    body[field] = value
    response = await put(hub, cpo_token, "LOC1", body)
    assert (response.status_code, response.json()["status_code"]) == (200, 2001)
    assert response.json()["status_message"].startswith(field)


async def test_ids_and_url_parties_compare_case_insensitively(hub: Platform, cpo_token: str) -> None:
    response = await hub.client.put(
        f"{RECEIVER}/de/cpx/loc1", json=foreign("LOC1"), headers=ocpi_auth(cpo_token)
    )
    assert response.status_code == 201
    got = await hub.client.get(f"{RECEIVER}/DE/CPX/Loc1", headers=ocpi_auth(cpo_token))
    assert got.json()["data"]["id"] == "LOC1"


@pytest.mark.parametrize(
    ("mutate", "named"),
    [
        (lambda b: b["evses"][0].update(status="BROKEN"), "evses[0].status"),
        (lambda b: b.pop("address"), "address"),
        (lambda b: b["coordinates"].update(latitude="91.000000"), "coordinates.latitude"),
        (lambda b: b["coordinates"].update(longitude="4.5"), "coordinates.longitude"),
        (lambda b: b.update(city="c" * 46), "city"),
        (lambda b: b["evses"][0].update(connectors=[]), "evses[0].connectors"),
        (lambda b: b["evses"][0]["connectors"][0].update(standard="USB"), "evses[0].connectors[0].standard"),
    ],
)
async def test_invalid_location_is_2001_naming_the_field_and_nothing_stored(
    hub: Platform, cpo_token: str, mutate, named: str
) -> None:
    body = foreign()
    mutate(body)
    response = await put(hub, cpo_token, "LOC1", body)
    assert (response.status_code, response.json()["status_code"]) == (200, 2001)
    assert response.json()["status_message"].startswith(named), response.json()["status_message"]
    async with hub.app.state.sessionmaker() as session:
        assert (await session.exec(select(LocationRecord))).all() == []


async def test_unknown_fields_are_ignored(hub: Platform, cpo_token: str) -> None:
    body = foreign()
    body["x_vendor"] = {"a": 1}
    assert (await put(hub, cpo_token, "LOC1", body)).status_code == 201
    assert "x_vendor" not in await stored(hub)


async def test_get_of_unknown_objects_is_404(hub: Platform, cpo_token: str) -> None:
    for path in ("NOPE", "LOC1/NOPE", "LOC1/LOC1-1/NOPE"):
        if path != "NOPE":
            await put(hub, cpo_token, "LOC1", foreign())
        response = await hub.client.get(f"{RECEIVER}/DE/CPX/{path}", headers=ocpi_auth(cpo_token))
        assert (response.status_code, response.json()["status_code"]) == (404, 2000), path


async def test_put_evse_bumps_location_last_updated(hub: Platform, cpo_token: str) -> None:
    await put(hub, cpo_token, "LOC1", foreign(last_updated="2026-01-01T00:00:00Z"))
    evse = copy.deepcopy(foreign()["evses"][0])
    evse["uid"] = "EVSE9"
    evse["last_updated"] = "2026-02-01T10:00:00Z"
    response = await put(hub, cpo_token, "LOC1/EVSE9", evse)
    assert response.status_code == 201
    location = await stored(hub)
    assert location["last_updated"] == "2026-02-01T10:00:00Z"
    assert [e["uid"] for e in location["evses"]][-1] == "EVSE9"
    again = await put(hub, cpo_token, "LOC1/EVSE9", evse)
    assert again.status_code == 200


async def test_put_connector_bumps_evse_and_location(hub: Platform, cpo_token: str) -> None:
    await put(hub, cpo_token, "LOC1", foreign(last_updated="2026-01-01T00:00:00Z"))
    connector = copy.deepcopy(foreign()["evses"][0]["connectors"][0])
    connector["max_voltage"] = 400
    connector["last_updated"] = "2026-03-01T00:00:00Z"
    response = await put(hub, cpo_token, f"LOC1/LOC1-1/{connector['id']}", connector)
    assert response.status_code == 200
    location = await stored(hub)
    assert location["last_updated"] == "2026-03-01T00:00:00Z"
    assert location["evses"][0]["last_updated"] == "2026-03-01T00:00:00Z"
    assert location["evses"][1]["last_updated"] == "2026-01-01T00:00:00Z"
    assert location["evses"][0]["connectors"][0]["max_voltage"] == 400


async def test_put_evse_of_unknown_location_is_2003(hub: Platform, cpo_token: str) -> None:
    response = await put(hub, cpo_token, "NOPE/LOC1-1", foreign()["evses"][0])
    assert response.json()["status_code"] == 2003


async def test_put_evse_with_uid_differing_from_url_is_2001(hub: Platform, cpo_token: str) -> None:
    await put(hub, cpo_token, "LOC1", foreign())
    response = await put(hub, cpo_token, "LOC1/OTHER", foreign()["evses"][0])
    assert response.json()["status_code"] == 2001
    assert response.json()["status_message"].startswith("uid")


async def test_patch_evse_status_updates_it_and_bumps_location(hub: Platform, cpo_token: str) -> None:
    await put(hub, cpo_token, "LOC1", foreign(last_updated="2026-01-01T00:00:00Z"))
    patch = {"status": "CHARGING", "last_updated": "2026-01-05T08:00:00Z"}
    response = await hub.client.patch(
        f"{RECEIVER}/DE/CPX/LOC1/LOC1-1", json=patch, headers=ocpi_auth(cpo_token)
    )
    assert (response.status_code, response.json()["status_code"]) == (200, 1000)
    location = await stored(hub)
    assert location["evses"][0]["status"] == "CHARGING"
    assert location["evses"][0]["last_updated"] == "2026-01-05T08:00:00Z"
    assert location["last_updated"] == "2026-01-05T08:00:00Z"


async def test_patch_without_last_updated_is_2001_and_changes_nothing(hub: Platform, cpo_token: str) -> None:
    await put(hub, cpo_token, "LOC1", foreign())
    before = await stored(hub)
    for path, patch in (
        ("LOC1", {"name": "x"}),
        ("LOC1/LOC1-1", {"status": "CHARGING"}),
        (f"LOC1/LOC1-1/{before['evses'][0]['connectors'][0]['id']}", {"max_voltage": 1}),
    ):
        response = await hub.client.patch(
            f"{RECEIVER}/DE/CPX/{path}", json=patch, headers=ocpi_auth(cpo_token)
        )
        assert response.json()["status_code"] == 2001, path
        assert "last_updated" in response.json()["status_message"]
    assert await stored(hub) == before


async def test_patch_of_unknown_object_is_404_and_changes_nothing(hub: Platform, cpo_token: str) -> None:
    await put(hub, cpo_token, "LOC1", foreign())
    before = await stored(hub)
    patch = {"status": "CHARGING", "last_updated": "2026-01-05T08:00:00Z"}
    for path in ("NOPE", "LOC1/NOPE", "LOC1/LOC1-1/NOPE"):
        response = await hub.client.patch(
            f"{RECEIVER}/DE/CPX/{path}", json=patch, headers=ocpi_auth(cpo_token)
        )
        assert (response.status_code, response.json()["status_code"]) == (404, 2000), path
    assert await stored(hub) == before


async def test_patch_location_merges_evses_by_uid(hub: Platform, cpo_token: str) -> None:
    await put(hub, cpo_token, "LOC1", foreign())
    evse = copy.deepcopy(foreign()["evses"][1])
    evse["status"] = "OUTOFORDER"
    patch = {"evses": [evse], "last_updated": "2026-04-01T00:00:00Z"}
    response = await hub.client.patch(f"{RECEIVER}/DE/CPX/LOC1", json=patch, headers=ocpi_auth(cpo_token))
    assert response.json()["status_code"] == 1000
    location = await stored(hub)
    assert [e["uid"] for e in location["evses"]] == ["LOC1-1", "LOC1-2"]
    assert location["evses"][1]["status"] == "OUTOFORDER"
    assert location["last_updated"] == "2026-04-01T00:00:00Z"


async def test_patch_that_would_make_the_location_invalid_is_2001(hub: Platform, cpo_token: str) -> None:
    await put(hub, cpo_token, "LOC1", foreign())
    patch = {"coordinates": {"latitude": "1", "longitude": "2"}, "last_updated": "2026-04-01T00:00:00Z"}
    response = await hub.client.patch(f"{RECEIVER}/DE/CPX/LOC1", json=patch, headers=ocpi_auth(cpo_token))
    assert response.json()["status_code"] == 2001
    assert "coordinates" in response.json()["status_message"]


async def test_partner_cannot_touch_objects_of_another_partner(
    hub: Platform, cpo_token: str, platforms: PlatformFactory, new_sqlite_url
) -> None:
    await put(hub, cpo_token, "LOC1", foreign())
    other = platforms(
        new_sqlite_url(),
        "other.test",
        [LocalParty(country_code="FR", party_id="OTH", role=Role.CPO, name="Other CPO")],
    )
    other_token, _ = await connect(hub, other)
    body = foreign()
    body["name"] = "Hijacked"
    response = await hub.client.put(f"{RECEIVER}/DE/CPX/LOC1", json=body, headers=ocpi_auth(other_token))
    assert response.status_code == 404
    patch = {"status": "REMOVED", "last_updated": "2026-09-01T00:00:00Z"}
    response = await hub.client.patch(
        f"{RECEIVER}/DE/CPX/LOC1/LOC1-1", json=patch, headers=ocpi_auth(other_token)
    )
    assert response.status_code == 404
    assert (
        await hub.client.get(f"{RECEIVER}/DE/CPX/LOC1", headers=ocpi_auth(other_token))
    ).status_code == 404
    location = await stored(hub)
    assert location["name"] != "Hijacked"
    assert location["evses"][0]["status"] != "REMOVED"


async def test_partner_pushes_record_no_change_events(hub: Platform, cpo_token: str) -> None:
    await put(hub, cpo_token, "LOC1", foreign())
    async with hub.app.state.sessionmaker() as session:
        assert (await session.exec(select(ChangeEventRecord))).all() == []


# -- Sender interface -----------------------------------------------------------------------------------


async def import_own(hub: Platform, count: int) -> None:
    items = [
        make_location(f"LOC{i:03d}", last_updated=f"2026-01-01T00:{i // 60:02d}:{i % 60:02d}Z")
        for i in range(count)
    ]
    response = await hub.client.post("/admin/import/locations", json=items, headers=ADMIN)
    assert response.status_code == 200, response.text


async def test_sender_lists_only_our_own_locations(hub: Platform, cpo_token: str) -> None:
    await import_own(hub, 3)
    await put(hub, cpo_token, "LOC1", foreign())
    response = await hub.client.get(SENDER, headers=ocpi_auth(cpo_token))
    assert response.json()["status_code"] == 1000
    assert [(loc["country_code"], loc["party_id"]) for loc in response.json()["data"]] == [("NL", "GWY")] * 3
    assert response.headers["X-Total-Count"] == "3"
    assert response.headers["X-Limit"] == "100"
    assert "Link" not in response.headers


async def test_sender_pages_cover_every_location_once_in_date_windows(hub: Platform, cpo_token: str) -> None:
    await import_own(hub, 25)
    all_ids = [
        loc["id"] for loc in (await hub.client.get(SENDER, headers=ocpi_auth(cpo_token))).json()["data"]
    ]
    assert len(all_ids) == 25
    stamps = sorted(
        {
            loc["last_updated"]
            for loc in (await hub.client.get(SENDER, headers=ocpi_auth(cpo_token))).json()["data"]
        }
    )
    # Two windows split at a real timestamp: together they return every Location exactly once.
    split = stamps[len(stamps) // 2] if len(stamps) > 1 else stamps[0]
    seen: list[str] = []
    for window in ({"date_to": split}, {"date_from": split}):
        url: str | None = SENDER
        params: dict[str, str] | None = {**window, "limit": "4"}
        while url:
            response = await hub.client.get(url, params=params, headers=ocpi_auth(cpo_token))
            seen += [loc["id"] for loc in response.json()["data"]]
            link = response.headers.get("Link")
            url, params = (link[1 : link.index(">")], None) if link else (None, None)
            if link:
                assert "limit=4" in link
                for key, value in window.items():
                    assert f"{key}={value}" in link
    assert sorted(seen) == sorted(all_ids)


async def test_sender_object_gets_at_three_levels(hub: Platform, cpo_token: str) -> None:
    await import_own(hub, 1)
    location = (await hub.client.get(f"{SENDER}/loc000", headers=ocpi_auth(cpo_token))).json()["data"]
    assert location["id"] == "LOC000"
    evse = (await hub.client.get(f"{SENDER}/LOC000/LOC000-2", headers=ocpi_auth(cpo_token))).json()["data"]
    assert evse == location["evses"][1]
    connector_id = location["evses"][1]["connectors"][0]["id"]
    connector = (
        await hub.client.get(f"{SENDER}/LOC000/LOC000-2/{connector_id}", headers=ocpi_auth(cpo_token))
    ).json()["data"]
    assert connector == location["evses"][1]["connectors"][0]
    for path in ("NOPE", "LOC000/NOPE", "LOC000/LOC000-2/NOPE"):
        response = await hub.client.get(f"{SENDER}/{path}", headers=ocpi_auth(cpo_token))
        assert (response.status_code, response.json()["status_code"]) == (404, 2000), path


async def test_sender_does_not_serve_partner_locations_by_id(hub: Platform, cpo_token: str) -> None:
    await put(hub, cpo_token, "LOC1", foreign())
    response = await hub.client.get(f"{SENDER}/LOC1", headers=ocpi_auth(cpo_token))
    assert response.status_code == 404


async def test_sender_request_addressed_to_a_party_we_are_not_returns_nothing(
    hub: Platform, cpo_token: str
) -> None:
    await import_own(hub, 2)
    headers = {**ocpi_auth(cpo_token), "OCPI-to-country-code": "NL", "OCPI-to-party-id": "ZZZ"}
    response = await hub.client.get(SENDER, headers=headers)
    assert response.json()["data"] == []
    assert response.headers["X-Total-Count"] == "0"
    ours = {**ocpi_auth(cpo_token), "OCPI-to-country-code": "nl", "OCPI-to-party-id": "gwy"}
    assert len((await hub.client.get(SENDER, headers=ours)).json()["data"]) == 2


async def test_sender_needs_a_registered_partner(hub: Platform) -> None:
    assert (await hub.client.get(SENDER)).status_code == 401
