"""Admin API for our own Locations and Tariffs (hub/operator/router.py): PUT/PATCH/GET under /admin with the
bearer token, owners restricted to our CPO parties, changes stamped where they happen and recorded as change
events, and invalid bodies or unknown Locations refused with HTTP 400 naming the problem."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from hub.config import LocalParty
from hub.ocpi.base import parse_datetime, utc_now
from hub.ocpi.enums import Role
from hub.tables import LocationRecord, TariffRecord
from tests.conftest import ADMIN_TOKEN, Platform, PlatformFactory, connect, ocpi_auth
from tests.fixtures_locations import (
    change_events,
    evse_uid,
    last_updated_values,
    make_connector,
    make_evse,
    make_location,
    make_tariff,
    stored_bodies,
    stored_rows,
    with_last_updated,
)

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
LOC1 = "/admin/locations/NL/GWY/LOC1"
EVSE1 = f"{LOC1}/{evse_uid('LOC1', 1)}"
T1 = "/admin/tariffs/NL/GWY/T1"


async def call(hub: Platform, method: str, path: str, body: Any = None) -> httpx.Response:
    return await hub.client.request(method, path, json=body, headers=ADMIN)


async def ok(hub: Platform, method: str, path: str, body: Any = None, status: int = 200) -> Any:
    response = await call(hub, method, path, body)
    assert response.status_code == status, response.text
    assert response.json()["status_code"] == 1000, response.text
    return response.json().get("data")


def without_last_updated(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: without_last_updated(v) for k, v in value.items() if k != "last_updated"}
    if isinstance(value, list):
        return [without_last_updated(v) for v in value]
    return value


async def next_millisecond() -> None:
    """Stamps have millisecond precision: make sure the next change gets a later one."""
    await asyncio.sleep(0.002)


async def put_loc1(hub: Platform) -> dict[str, Any]:
    """LOC1 (2 EVSEs x 2 Connectors) stored through the admin API; returns it as stored."""
    await ok(hub, "PUT", LOC1, make_location("LOC1"), status=201)
    stored: dict[str, Any] = await ok(hub, "GET", LOC1)
    await next_millisecond()
    return stored


# --- Locations -------------------------------------------------------------------------------------


async def test_put_location_201_then_200_stamped_and_recorded_once_per_change(hub: Platform) -> None:
    body = make_location("LOC1")
    del body["last_updated"]  # optional in admin bodies: we stamp it
    before = utc_now()
    await ok(hub, "PUT", LOC1, body, status=201)
    after = utc_now()
    stored = await ok(hub, "GET", LOC1)
    [stamp] = last_updated_values(stored)
    assert before <= parse_datetime(stamp) <= after
    assert stored == with_last_updated(make_location("LOC1"), stamp)
    await next_millisecond()

    await ok(hub, "PUT", LOC1, body, status=200)  # the same again: nothing changes
    assert await ok(hub, "GET", LOC1) == stored
    assert len(await change_events(hub)) == 1

    body["name"] = "Renamed"
    await ok(hub, "PUT", LOC1, body, status=200)
    renamed = await ok(hub, "GET", LOC1)
    assert renamed["name"] == "Renamed"
    assert parse_datetime(renamed["last_updated"]) > parse_datetime(stamp)
    assert last_updated_values(renamed["evses"]) == {stamp}  # EVSEs and Connectors did not change
    events = await change_events(hub)
    assert [(e["method"], e["object_id"], e["evse_uid"]) for e in events] == [
        ("PUT", "LOC1", None),
        ("PUT", "LOC1", None),
    ]
    assert [e["body"] for e in events] == [stored, renamed]


async def test_put_location_without_any_last_updated_is_stamped_at_every_level(hub: Platform) -> None:
    body = without_last_updated(make_location("LOC1"))
    response = await call(hub, "PUT", LOC1, body)
    assert response.status_code == 201, response.text
    stored = await ok(hub, "GET", LOC1)
    [stamp] = last_updated_values(stored)
    assert stored == with_last_updated(make_location("LOC1"), stamp)


@pytest.mark.parametrize(
    ("method", "suffix", "status"),
    [("PATCH", "", "CHARGING"), ("PUT", "/status", "OUTOFORDER")],
    ids=["patch-evse", "put-status"],
)
async def test_evse_status_change_bumps_evse_and_location_and_records_a_patch(
    hub: Platform, method: str, suffix: str, status: str
) -> None:
    stored = await put_loc1(hub)
    t1 = stored["last_updated"]
    before = utc_now()
    await ok(hub, method, EVSE1 + suffix, {"status": status})
    after = utc_now()

    location = await ok(hub, "GET", LOC1)
    t2 = location["last_updated"]
    assert before <= parse_datetime(t2) <= after
    evse1, evse2 = location["evses"]
    assert (evse1["status"], evse1["last_updated"]) == (status, t2)
    assert [c["last_updated"] for c in evse1["connectors"]] == [t1, t1]  # the Connectors did not change
    assert evse2 == stored["evses"][1]
    assert location == stored | {
        "last_updated": t2,
        "evses": [stored["evses"][0] | {"status": status, "last_updated": t2}, stored["evses"][1]],
    }
    put, patch = await change_events(hub)
    assert put["method"] == "PUT"
    assert patch == {
        "module": "locations",
        "country_code": "NL",
        "party_id": "GWY",
        "object_id": "LOC1",
        "evse_uid": evse_uid("LOC1", 1),
        "connector_id": None,
        "method": "PATCH",
        "body": {"status": status, "last_updated": t2},  # only what changed, and last_updated
    }

    # The same status again changes nothing: no stamp, no event.
    await next_millisecond()
    await ok(hub, method, EVSE1 + suffix, {"status": status})
    assert await ok(hub, "GET", LOC1) == location
    assert len(await change_events(hub)) == 2


async def test_patch_connector_bumps_connector_evse_and_location(hub: Platform) -> None:
    stored = await put_loc1(hub)
    t1 = stored["last_updated"]
    await ok(hub, "PATCH", f"{EVSE1}/2", {"max_amperage": 32})
    location = await ok(hub, "GET", LOC1)
    t2 = location["last_updated"]
    assert t2 != t1
    evse1, evse2 = location["evses"]
    assert (evse1["connectors"][1]["max_amperage"], evse1["connectors"][1]["last_updated"]) == (32, t2)
    assert evse1["connectors"][0] == stored["evses"][0]["connectors"][0]
    assert evse1["last_updated"] == t2
    assert evse2 == stored["evses"][1]
    patch = (await change_events(hub))[-1]
    assert (patch["method"], patch["evse_uid"], patch["connector_id"]) == ("PATCH", evse_uid("LOC1", 1), "2")
    assert patch["body"] == {"max_amperage": 32, "last_updated": t2}


async def test_patch_location_records_only_the_changed_fields(hub: Platform) -> None:
    stored = await put_loc1(hub)
    await ok(hub, "PATCH", LOC1, {"name": "Centraal"})
    location = await ok(hub, "GET", LOC1)
    t2 = location["last_updated"]
    assert t2 != stored["last_updated"]
    assert location == stored | {"name": "Centraal", "last_updated": t2}
    patch = (await change_events(hub))[-1]
    assert (patch["method"], patch["evse_uid"], patch["body"]) == (
        "PATCH",
        None,
        {"name": "Centraal", "last_updated": t2},
    )


async def test_put_evse_and_connector_201_then_200(hub: Platform) -> None:
    stored = await put_loc1(hub)
    new_evse = make_evse("LOC1-9", connectors=1)
    await ok(hub, "PUT", f"{LOC1}/LOC1-9", new_evse, status=201)
    await ok(hub, "PUT", f"{LOC1}/LOC1-9", new_evse | {"status": "BLOCKED"}, status=200)
    await ok(hub, "PUT", f"{LOC1}/LOC1-9/2", make_connector("2", max_voltage=400), status=201)
    await ok(hub, "PUT", f"{LOC1}/LOC1-9/2", make_connector("2", max_voltage=690), status=200)
    location = await ok(hub, "GET", LOC1)
    assert location["evses"][:2] == stored["evses"]
    evse9 = location["evses"][2]
    assert without_last_updated(evse9) == without_last_updated(
        new_evse
        | {"status": "BLOCKED", "connectors": [*new_evse["connectors"], make_connector("2", max_voltage=690)]}
    )
    assert evse9["last_updated"] == location["last_updated"] == evse9["connectors"][1]["last_updated"]
    events = await change_events(hub)
    assert [(e["method"], e["evse_uid"], e["connector_id"]) for e in events] == [
        ("PUT", None, None),
        ("PUT", "LOC1-9", None),
        ("PUT", "LOC1-9", None),
        ("PUT", "LOC1-9", "2"),
        ("PUT", "LOC1-9", "2"),
    ]
    assert events[-1]["body"] == evse9["connectors"][1]


PATCH_UNKNOWN = "Location NOPE of NL*GWY not found: PUT the whole Location"
PUT_UNKNOWN = "Location NOPE of NL*GWY is unknown: PUT the Location first"


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "detail"),
    [
        # A PATCH of a Location we do not have: ObjectNotFoundError, HTTP 404 (transport_and_format_patch:
        # the client is expected to PUT the object instead).
        ("PATCH", "/admin/locations/NL/GWY/NOPE", {"name": "x"}, 404, PATCH_UNKNOWN),
        ("PATCH", "/admin/locations/NL/GWY/NOPE/E1", {"status": "CHARGING"}, 404, PATCH_UNKNOWN),
        ("PUT", "/admin/locations/NL/GWY/NOPE/E1/status", {"status": "CHARGING"}, 404, PATCH_UNKNOWN),
        ("PATCH", "/admin/locations/NL/GWY/NOPE/E1/1", {"max_voltage": 400}, 404, PATCH_UNKNOWN),
        # A PUT of an EVSE or Connector of a Location we do not have: UnknownLocationError (OCPI 2003),
        # which outside /ocpi is HTTP 400 with its message.
        ("PUT", "/admin/locations/NL/GWY/NOPE/E1", make_evse("E1"), 400, PUT_UNKNOWN),
        ("PUT", "/admin/locations/NL/GWY/NOPE/E1/1", make_connector("1"), 400, PUT_UNKNOWN),
    ],
    ids=["patch-location", "patch-evse", "put-status", "patch-connector", "put-evse", "put-connector"],
)
async def test_change_to_unknown_location_is_refused_and_changes_nothing(
    hub: Platform, method: str, path: str, body: dict[str, Any], status: int, detail: str
) -> None:
    await put_loc1(hub)
    rows = await stored_rows(hub, LocationRecord)
    events = await change_events(hub)
    response = await call(hub, method, path, body)
    assert response.status_code == status, response.text
    assert response.json() == {"detail": detail}
    assert await stored_rows(hub, LocationRecord) == rows
    assert await change_events(hub) == events


async def test_unknown_evse_or_connector_of_a_known_location_is_404(hub: Platform) -> None:
    await put_loc1(hub)
    rows = await stored_rows(hub, LocationRecord)
    response = await call(hub, "PATCH", f"{LOC1}/NOPE", {"status": "CHARGING"})
    assert response.status_code == 404
    assert "EVSE NOPE" in response.json()["detail"]
    response = await call(hub, "PATCH", f"{EVSE1}/9", {"max_voltage": 400})
    assert response.status_code == 404
    assert "Connector 9" in response.json()["detail"]
    assert (await call(hub, "GET", "/admin/locations/NL/GWY/NOPE")).status_code == 404
    assert await stored_rows(hub, LocationRecord) == rows


async def test_invalid_admin_bodies_are_400_naming_the_field(hub: Platform) -> None:
    stored = await put_loc1(hub)
    bad_status = make_location("LOC1")
    bad_status["evses"][1]["status"] = "BROKEN"
    too_far = make_location("LOC1")
    too_far["coordinates"]["latitude"] = "-90.000001"
    cases: list[tuple[str, str, Any, str]] = [
        ("PUT", LOC1, bad_status, "evses[1].status: "),
        ("PUT", LOC1, too_far, "coordinates.latitude: "),
        ("PUT", LOC1, make_location("LOC2"), "id: "),  # the body's id differs from the URL's
        ("PUT", LOC1, make_location("LOC1") | {"city": "x" * 46}, "city: "),
        ("PATCH", LOC1, {"publish": "sometimes"}, "publish: "),
        ("PATCH", EVSE1, {"status": "BROKEN"}, "status: "),
        ("PUT", EVSE1 + "/status", {"status": "BROKEN"}, "status: "),
        ("PATCH", f"{EVSE1}/1", {"max_voltage": "high"}, "max_voltage: "),
        ("PATCH", f"{EVSE1}/1", {"standard": None}, "standard: "),
        ("PUT", T1, make_tariff("T1", elements=[]), "elements: "),
    ]
    for method, path, body, prefix in cases:
        response = await call(hub, method, path, body)
        assert response.status_code == 400, (method, path, response.text)
        detail = response.json()["detail"]
        assert detail.startswith(prefix), (method, path, detail)
    assert await ok(hub, "GET", LOC1) == stored
    assert len(await change_events(hub)) == 1
    assert await stored_rows(hub, TariffRecord) == []


async def test_admin_on_a_party_that_is_not_our_cpo_is_404(
    platforms: PlatformFactory, database_url: str
) -> None:
    hub = platforms(
        database_url,
        "hub.test",
        [
            LocalParty(country_code="NL", party_id="GWY", role=Role.CPO, name="Gateway CPO"),
            LocalParty(country_code="NL", party_id="MSP", role=Role.EMSP, name="Our eMSP"),
        ],
    )
    for cc, pid in (("NL", "XYZ"), ("NL", "MSP")):  # someone else; one of our parties but not a CPO
        location = f"/admin/locations/{cc}/{pid}/LOC1"
        tariff = f"/admin/tariffs/{cc}/{pid}/T1"
        cases: list[tuple[str, str, Any]] = [
            ("GET", location, None),
            ("PUT", location, make_location("LOC1", country_code=cc, party_id=pid)),
            ("PATCH", location, {"name": "x"}),
            ("PATCH", f"{location}/LOC1-1", {"status": "CHARGING"}),
            ("PUT", f"{location}/LOC1-1/status", {"status": "CHARGING"}),
            ("PUT", f"{location}/LOC1-1/1", make_connector("1")),
            ("GET", tariff, None),
            ("PUT", tariff, make_tariff("T1", country_code=cc, party_id=pid)),
            ("DELETE", tariff, None),
        ]
        for method, path, body in cases:
            response = await call(hub, method, path, body)
            assert response.status_code == 404, (method, path, response.text)
            assert response.json() == {
                "detail": f"{cc}*{pid} is not one of our CPO parties (OCPI_HUB_PARTIES)"
            }
    assert await stored_rows(hub, LocationRecord) == []
    assert await stored_rows(hub, TariffRecord) == []
    assert await change_events(hub) == []


async def test_own_data_admin_needs_the_bearer_token(hub: Platform) -> None:
    for headers in ({}, {"Authorization": "Bearer wrong"}):
        response = await hub.client.put(LOC1, json=make_location("LOC1"), headers=headers)
        assert response.status_code == 401
        response = await hub.client.post(
            "/admin/import/locations", json=[make_location("LOC1")], headers=headers
        )
        assert response.status_code == 401
    assert await stored_rows(hub, LocationRecord) == []


# --- Tariffs ---------------------------------------------------------------------------------------


async def test_tariff_put_get_delete_through_admin_and_sender_list(hub: Platform, peer: Platform) -> None:
    token, _ = await connect(hub, peer)

    async def sender_tariffs() -> list[dict[str, Any]]:
        response = await hub.client.get("/ocpi/2.2.1/sender/tariffs", headers=ocpi_auth(token))
        assert response.status_code == 200, response.text
        data: list[dict[str, Any]] = response.json()["data"]
        return data

    body = make_tariff("T1")
    del body["last_updated"]
    before = utc_now()
    await ok(hub, "PUT", T1, body, status=201)
    after = utc_now()
    stored = await ok(hub, "GET", T1)
    assert before <= parse_datetime(stored["last_updated"]) <= after
    assert stored == make_tariff("T1") | {"last_updated": stored["last_updated"]}
    assert await sender_tariffs() == [stored]
    await next_millisecond()

    await ok(hub, "PUT", T1, body, status=200)  # unchanged
    assert await ok(hub, "GET", T1) == stored
    await ok(hub, "PUT", T1, body | {"currency": "USD"}, status=200)
    changed = await ok(hub, "GET", T1)
    assert changed["currency"] == "USD"
    assert parse_datetime(changed["last_updated"]) > parse_datetime(stored["last_updated"])
    assert await sender_tariffs() == [changed]
    assert await stored_bodies(hub, TariffRecord) == {"T1": changed}

    await ok(hub, "DELETE", T1)
    assert (await call(hub, "GET", T1)).status_code == 404
    assert (await call(hub, "DELETE", T1)).status_code == 404
    assert await sender_tariffs() == []
    events = await change_events(hub)
    assert [(e["module"], e["method"], e["object_id"], e["body"]) for e in events] == [
        ("tariffs", "PUT", "T1", stored),
        ("tariffs", "PUT", "T1", changed),
        ("tariffs", "DELETE", "T1", None),
    ]
