"""Sessions in both roles (mod_sessions.asciidoc): a CPO partner pushes Sessions to our Receiver interface;
eMSP partners pull our own Sessions from our Sender interface (each only the Sessions of its own tokens) and
set Charging Preferences on them."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import pytest
from sqlmodel import select

from hub.config import LocalParty
from hub.modules.credentials import module as credentials_module
from hub.modules.locations import module as locations_module
from hub.modules.objects import from_json
from hub.modules.sessions import module as sessions_module
from hub.ocpi.enums import Role
from hub.tables.sessions import SessionRecord
from tests.conftest import ADMIN_TOKEN, Platform, PlatformFactory, connect, ocpi_auth
from tests.fixtures_locations import change_events, make_location, make_tariff
from tests.spec import EXAMPLES

RECEIVER = "/ocpi/2.2.1/receiver/sessions"
SENDER = "/ocpi/2.2.1/sender/sessions"
LOCATIONS = "/ocpi/2.2.1/receiver/locations"
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
DATE_FROM = {"date_from": "2000-01-01T00:00:00Z"}
MODULES = (credentials_module, locations_module, sessions_module)


def make_session(
    session_id: str = "S1",
    country_code: str = "NL",
    party_id: str = "GWY",
    *,
    token: tuple[str, str] = ("DE", "MSP"),
    location_id: str = "LOC1",
    evse_uid: str = "LOC1-1",
    connector_id: str = "1",
    status: str = "ACTIVE",
    last_updated: str = "2026-01-05T10:00:00Z",
    charging_periods: list[dict[str, Any]] | None = None,
    **overrides: Any,
) -> dict[str, Any]:
    """A Session (mod_sessions_session_object) owned by `country_code`*`party_id`, billed to the eMSP
    `token`; a None override removes a field."""
    session: dict[str, Any] = {
        "country_code": country_code,
        "party_id": party_id,
        "id": session_id,
        "start_date_time": "2026-01-05T10:00:00Z",
        "kwh": 0.0,
        "cdr_token": {
            "country_code": token[0],
            "party_id": token[1],
            "uid": f"TOKEN-{token[1]}",
            "type": "RFID",
            "contract_id": f"{token[0]}-{token[1]}-C0001",
        },
        "auth_method": "WHITELIST",
        "location_id": location_id,
        "evse_uid": evse_uid,
        "connector_id": connector_id,
        "currency": "EUR",
        "charging_periods": charging_periods,
        "status": status,
        "last_updated": last_updated,
        **overrides,
    }
    return {k: v for k, v in session.items() if v is not None}


def period(start: str, kwh: float, tariff_id: str | None = None) -> dict[str, Any]:
    result: dict[str, Any] = {"start_date_time": start, "dimensions": [{"type": "ENERGY", "volume": kwh}]}
    if tariff_id is not None:
        result["tariff_id"] = tariff_id
    return result


def example(name: str) -> dict[str, Any]:
    value: dict[str, Any] = json.loads((EXAMPLES / name).read_text())
    return value


async def stored_sessions(platform: Platform) -> list[SessionRecord]:
    async with platform.app.state.sessionmaker() as session:
        return list((await session.exec(select(SessionRecord).order_by(SessionRecord.id))).all())  # type: ignore[arg-type]


@pytest.fixture
async def hub(platforms: PlatformFactory, database_url: str) -> Platform:
    """The hub under test (our CPO NL*GWY), with the Locations and Sessions modules, on both engines."""
    return platforms(database_url, "hub.test", modules=MODULES)


# -- Receiver interface: a CPO (NL*STK, the party of the spec's examples) pushes to us -----------------


@pytest.fixture
async def cpo_token(hub: Platform, platforms: PlatformFactory, sqlite_url: str) -> str:
    cpo = platforms(
        sqlite_url, "cpo.test", [LocalParty(country_code="NL", party_id="STK", role=Role.CPO, name="CPO")]
    )
    token, _ = await connect(hub, cpo)
    location = make_location("LOC1", country_code="NL", party_id="STK")
    response = await hub.client.put(f"{LOCATIONS}/NL/STK/LOC1", json=location, headers=ocpi_auth(token))
    assert response.status_code == 201, response.text
    return token


def pushed(session_id: str = "101", **kwargs: Any) -> dict[str, Any]:
    return make_session(session_id, "NL", "STK", **kwargs)


async def put(hub: Platform, token: str, body: Any, session_id: str = "101") -> Any:
    return await hub.client.put(f"{RECEIVER}/NL/STK/{session_id}", json=body, headers=ocpi_auth(token))


async def patch(hub: Platform, token: str, body: Any, session_id: str = "101") -> Any:
    return await hub.client.patch(f"{RECEIVER}/NL/STK/{session_id}", json=body, headers=ocpi_auth(token))


async def get(hub: Platform, token: str, session_id: str = "101") -> Any:
    return await hub.client.get(f"{RECEIVER}/NL/STK/{session_id}", headers=ocpi_auth(token))


async def test_put_session_201_then_200_and_get_returns_it_as_sent(hub: Platform, cpo_token: str) -> None:
    body = example("session_example_1_simple_start.json")
    first = await put(hub, cpo_token, body)
    assert (first.status_code, first.json()["status_code"]) == (201, 1000)
    body["status"] = "ACTIVE"
    body["last_updated"] = "2020-03-09T10:20:00Z"
    second = await put(hub, cpo_token, body)
    assert (second.status_code, second.json()["status_code"]) == (200, 1000)
    got = await get(hub, cpo_token)
    assert (got.status_code, got.json()["data"]) == (200, body)
    [record] = await stored_sessions(hub)
    assert (record.token_country_code, record.token_party_id) == ("NL", "TST")
    assert await change_events(hub) == []  # partners' data: nothing of ours changed


async def test_put_replaces_the_charging_periods_and_an_omitted_list_removes_them(
    hub: Platform, cpo_token: str
) -> None:
    periods = [period("2026-01-05T10:00:00Z", 1.5), period("2026-01-05T10:30:00Z", 2.5)]
    await put(hub, cpo_token, pushed(charging_periods=periods))
    replaced = [period("2026-01-05T10:00:00Z", 4.0)]
    await put(hub, cpo_token, pushed(charging_periods=replaced, last_updated="2026-01-05T11:00:00Z"))
    assert (await get(hub, cpo_token)).json()["data"]["charging_periods"] == replaced
    await put(hub, cpo_token, pushed(last_updated="2026-01-05T12:00:00Z"))
    assert "charging_periods" not in (await get(hub, cpo_token)).json()["data"]


async def test_patch_examples_update_total_cost_and_append_a_charging_period(
    hub: Platform, cpo_token: str
) -> None:
    await put(hub, cpo_token, pushed(charging_periods=[period("2019-06-23T08:00:00Z", 1.0)]))
    cost = await patch(hub, cpo_token, example("session_patch_example_total_cost.json"))
    assert (cost.status_code, cost.json()["status_code"]) == (200, 1000)
    added = example("session_patch_example_charging_period.json")
    assert (await patch(hub, cpo_token, added)).json()["status_code"] == 1000
    data = (await get(hub, cpo_token)).json()["data"]
    # Appended after the stored period, not replacing it; the other fields replace the stored values.
    assert data["charging_periods"] == [period("2019-06-23T08:00:00Z", 1.0), *added["charging_periods"]]
    assert (data["kwh"], data["total_cost"], data["last_updated"]) == (
        15.0,
        {"excl_vat": 0.8, "incl_vat": 0.88},
        "2019-06-23T08:16:02Z",
    )


async def test_patch_with_empty_charging_periods_changes_no_periods(hub: Platform, cpo_token: str) -> None:
    periods = [period("2026-01-05T10:00:00Z", 1.5)]
    await put(hub, cpo_token, pushed(charging_periods=periods))
    response = await patch(
        hub,
        cpo_token,
        {"charging_periods": [], "status": "COMPLETED", "last_updated": "2026-01-05T11:00:00Z"},
    )
    assert response.json()["status_code"] == 1000
    data = (await get(hub, cpo_token)).json()["data"]
    assert (data["charging_periods"], data["status"]) == (periods, "COMPLETED")


async def test_patch_without_last_updated_is_2001_and_changes_nothing(hub: Platform, cpo_token: str) -> None:
    await put(hub, cpo_token, pushed())
    before = (await get(hub, cpo_token)).json()["data"]
    response = await patch(hub, cpo_token, {"status": "COMPLETED"})
    assert (response.status_code, response.json()["status_code"]) == (200, 2001)
    assert response.json()["status_message"].startswith("last_updated")
    assert (await get(hub, cpo_token)).json()["data"] == before


@pytest.mark.parametrize(
    ("body", "named"),
    [
        ({"kwh": None}, "kwh"),
        ({"status": "RESERVED"}, "status"),  # the Reservation section's word; the enum says RESERVATION
        ({"status": "active"}, "status"),
        ({"end_date_time": "2026-01-05T09:00:00Z"}, "end_date_time"),  # before start_date_time
        (
            {"charging_periods": [{"start_date_time": "2026-01-05T10:00:00Z", "dimensions": []}]},
            "charging_periods",
        ),
        ({"total_cost": {"incl_vat": 1}}, "total_cost.excl_vat"),
    ],
)
async def test_invalid_patch_is_2001_naming_the_field(
    hub: Platform, cpo_token: str, body: dict[str, Any], named: str
) -> None:
    await put(hub, cpo_token, pushed())
    before = (await get(hub, cpo_token)).json()["data"]
    response = await patch(hub, cpo_token, {**body, "last_updated": "2026-01-05T11:00:00Z"})
    assert (response.status_code, response.json()["status_code"]) == (200, 2001)
    assert response.json()["status_message"].startswith(named), response.json()["status_message"]
    assert (await get(hub, cpo_token)).json()["data"] == before


async def test_patch_of_unknown_session_is_404(hub: Platform, cpo_token: str) -> None:
    response = await patch(hub, cpo_token, {"kwh": 1, "last_updated": "2026-01-05T11:00:00Z"}, "NOPE")
    assert (response.status_code, response.json()["status_code"]) == (404, 2000)
    assert await stored_sessions(hub) == []


@pytest.mark.parametrize("status", ["ACTIVE", "COMPLETED", "INVALID", "PENDING", "RESERVATION"])
async def test_every_session_status_is_accepted_exactly(hub: Platform, cpo_token: str, status: str) -> None:
    assert (await put(hub, cpo_token, pushed(status=status))).status_code == 201
    assert (await get(hub, cpo_token)).json()["data"]["status"] == status


@pytest.mark.parametrize("status", ["RESERVED", "active", "FINISHED"])
async def test_other_status_values_are_2001_and_nothing_stored(
    hub: Platform, cpo_token: str, status: str
) -> None:
    response = await put(hub, cpo_token, pushed(status=status))
    assert (response.json()["status_code"], response.json()["status_message"][:6]) == (2001, "status")
    assert await stored_sessions(hub) == []


async def test_session_at_an_unknown_location_is_2003_naming_it_and_nothing_stored(
    hub: Platform, cpo_token: str
) -> None:
    response = await put(hub, cpo_token, pushed(location_id="NOWHERE"))
    assert (response.status_code, response.json()["status_code"]) == (200, 2003)
    assert "NOWHERE" in response.json()["status_message"]
    assert await stored_sessions(hub) == []


async def test_patch_moving_a_session_to_an_unknown_location_is_2003(hub: Platform, cpo_token: str) -> None:
    await put(hub, cpo_token, pushed())
    response = await patch(hub, cpo_token, {"location_id": "NOWHERE", "last_updated": "2026-01-05T11:00:00Z"})
    assert response.json()["status_code"] == 2003
    assert (await get(hub, cpo_token)).json()["data"]["location_id"] == "LOC1"


async def test_a_location_of_another_party_does_not_count(hub: Platform, cpo_token: str) -> None:
    # LOC1 of NL*GWY (ours) exists, but the Session is NL*STK's, so its LOC1 must be NL*STK's.
    await hub.client.put("/admin/locations/NL/GWY/LOC2", json=make_location("LOC2"), headers=ADMIN)
    response = await put(hub, cpo_token, pushed(location_id="LOC2"))
    assert response.json()["status_code"] == 2003


@pytest.mark.parametrize(("field", "value"), [("id", "OTHER"), ("country_code", "DE"), ("party_id", "XYZ")])
async def test_body_differing_from_url_is_2001(hub: Platform, cpo_token: str, field: str, value: str) -> None:
    body = pushed()
    body[field] = value
    response = await put(hub, cpo_token, body)
    assert (response.json()["status_code"], response.json()["status_message"][: len(field)]) == (2001, field)
    assert await stored_sessions(hub) == []
    await put(hub, cpo_token, pushed())
    response = await patch(hub, cpo_token, {field: value, "last_updated": "2026-01-05T11:00:00Z"})
    assert response.json()["status_code"] == 2001


async def test_session_of_a_party_the_caller_is_not_is_404(hub: Platform, cpo_token: str) -> None:
    body = make_session("101", "NL", "GWY")
    for method in ("GET", "PUT", "PATCH"):
        response = await hub.client.request(
            method,
            f"{RECEIVER}/NL/GWY/101",
            json=None if method == "GET" else body,
            headers=ocpi_auth(cpo_token),
        )
        assert (response.status_code, response.json()["status_code"]) == (404, 2000), method
    assert await stored_sessions(hub) == []


async def test_get_of_unknown_session_is_404_and_ids_compare_case_insensitively(
    hub: Platform, cpo_token: str
) -> None:
    assert (await get(hub, cpo_token, "NOPE")).status_code == 404
    await put(hub, cpo_token, pushed("Abc"), "Abc")
    response = await hub.client.get(f"{RECEIVER}/nl/stk/ABC", headers=ocpi_auth(cpo_token))
    assert response.json()["data"]["id"] == "Abc"


async def test_sessions_receiver_has_no_post_or_delete(hub: Platform, cpo_token: str) -> None:
    for method in ("POST", "DELETE"):
        response = await hub.client.request(method, f"{RECEIVER}/NL/STK/101", headers=ocpi_auth(cpo_token))
        assert response.status_code == 405, method


# -- our own Sessions: admin API, Sender list, Charging Preferences ------------------------------------


@pytest.fixture
async def emsp_tokens(
    hub: Platform, platforms: PlatformFactory, new_sqlite_url: Callable[[], str]
) -> dict[str, str]:
    """Two eMSP partners, DE*MSP and FR*MSQ: {party_id: the token it uses with the hub}."""
    tokens = {}
    for country_code, party_id in (("DE", "MSP"), ("FR", "MSQ")):
        emsp = platforms(
            new_sqlite_url(),
            f"{party_id.lower()}.test",
            [LocalParty(country_code=country_code, party_id=party_id, role=Role.EMSP, name=party_id)],
        )
        tokens[party_id], _ = await connect(hub, emsp)
    return tokens


async def admin_put(hub: Platform, body: dict[str, Any]) -> Any:
    path = f"/admin/sessions/{body['country_code']}/{body['party_id']}/{body['id']}"
    return await hub.client.put(path, json=body, headers=ADMIN)


async def our_location(hub: Platform, **evse: Any) -> dict[str, Any]:
    location = make_location("LOC1")
    location["evses"][0].update(evse)
    response = await hub.client.put("/admin/locations/NL/GWY/LOC1", json=location, headers=ADMIN)
    assert response.status_code == 201, response.text
    return location


async def test_admin_put_stamps_our_session_and_records_a_change_event(hub: Platform) -> None:
    await our_location(hub)
    body = make_session("S1")
    del body["last_updated"]
    first = await admin_put(hub, body)
    assert first.status_code == 201, first.text
    stored = (await hub.client.get("/admin/sessions/NL/GWY/S1", headers=ADMIN)).json()["data"]
    assert stored["last_updated"] > "2026-01-05T10:00:00Z"  # stamped now, by us
    [event] = [e for e in await change_events(hub) if e["module"] == "sessions"]
    assert (event["method"], event["object_id"], event["body"]) == ("PUT", "S1", stored)
    # The same content again changes nothing and records nothing.
    again = await admin_put(hub, {**body, "last_updated": "2026-01-01T00:00:00Z"})
    assert again.status_code == 200
    assert (await hub.client.get("/admin/sessions/NL/GWY/S1", headers=ADMIN)).json()["data"] == stored
    assert len([e for e in await change_events(hub) if e["module"] == "sessions"]) == 1
    changed = await admin_put(hub, {**body, "kwh": 3.5, "status": "COMPLETED"})
    assert changed.status_code == 200
    events = [e for e in await change_events(hub) if e["module"] == "sessions"]
    assert [e["body"]["kwh"] for e in events] == [0.0, 3.5]


async def test_admin_session_at_a_location_not_ours_is_refused(hub: Platform) -> None:
    response = await admin_put(hub, make_session("S1", location_id="NOWHERE"))
    assert response.status_code == 400
    assert "NOWHERE" in response.json()["detail"]
    assert await stored_sessions(hub) == []


async def test_admin_session_of_a_party_we_are_not_is_404(hub: Platform) -> None:
    response = await admin_put(hub, make_session("S1", "DE", "XXX"))
    assert response.status_code == 404
    assert (await hub.client.get("/admin/sessions/NL/GWY/NOPE", headers=ADMIN)).status_code == 404


async def test_admin_sessions_need_the_admin_token(hub: Platform) -> None:
    response = await hub.client.put("/admin/sessions/NL/GWY/S1", json=make_session("S1"))
    assert response.status_code == 401


async def test_sender_list_requires_date_from(hub: Platform, emsp_tokens: dict[str, str]) -> None:
    response = await hub.client.get(SENDER, headers=ocpi_auth(emsp_tokens["MSP"]))
    assert (response.status_code, response.json()["status_code"]) == (200, 2001)
    assert response.json()["status_message"].startswith("date_from")


async def test_two_emsps_each_pull_only_the_sessions_of_their_own_tokens(
    hub: Platform, emsp_tokens: dict[str, str]
) -> None:
    await our_location(hub)
    for i, billed in enumerate([("DE", "MSP"), ("FR", "MSQ"), ("DE", "MSP"), ("FR", "MSQ"), ("DE", "MSP")]):
        assert (await admin_put(hub, make_session(f"S{i}", token=billed))).status_code == 201
    seen = {}
    for party_id, token in emsp_tokens.items():
        response = await hub.client.get(SENDER, params=DATE_FROM, headers=ocpi_auth(token))
        assert response.json()["status_code"] == 1000
        seen[party_id] = [s["id"] for s in response.json()["data"]]
        assert response.headers["X-Total-Count"] == str(len(seen[party_id]))
        assert {s["cdr_token"]["party_id"] for s in response.json()["data"]} == {party_id}
    assert seen == {"MSP": ["S0", "S2", "S4"], "MSQ": ["S1", "S3"]}


async def test_sender_list_paginates_with_date_from_in_the_next_link(
    hub: Platform, emsp_tokens: dict[str, str]
) -> None:
    await our_location(hub)
    for i in range(3):
        await admin_put(hub, make_session(f"S{i}"))
    token = ocpi_auth(emsp_tokens["MSP"])
    first = await hub.client.get(SENDER, params={**DATE_FROM, "limit": "2"}, headers=token)
    assert [s["id"] for s in first.json()["data"]] == ["S0", "S1"]
    assert (first.headers["X-Total-Count"], "date_from=" in first.headers["Link"]) == ("3", True)
    link = first.headers["Link"].split(";")[0].strip("<>")
    rest = await hub.client.get(link, headers=token)
    assert [s["id"] for s in rest.json()["data"]] == ["S2"]
    assert "Link" not in rest.headers
    stamped = first.json()["data"][1]["last_updated"]
    later = await hub.client.get(SENDER, params={"date_from": stamped}, headers=token)
    assert [s["id"] for s in later.json()["data"]] == ["S1", "S2"]  # date_from is inclusive
    before = await hub.client.get(SENDER, params={**DATE_FROM, "date_to": stamped}, headers=token)
    assert [s["id"] for s in before.json()["data"]] == ["S0"]  # date_to is exclusive


async def test_sender_list_leaves_out_partners_sessions(
    hub: Platform, emsp_tokens: dict[str, str], cpo_token: str
) -> None:
    # A Session a CPO partner pushed to us is billed to DE*MSP too, but it is not ours to serve.
    await put(hub, cpo_token, pushed(token=("DE", "MSP")))
    response = await hub.client.get(SENDER, params=DATE_FROM, headers=ocpi_auth(emsp_tokens["MSP"]))
    assert response.json()["data"] == []


PREFERENCES = {"profile_type": "FAST", "departure_time": "2099-01-01T18:00:00Z", "energy_need": 20}


async def charging_preferences(
    hub: Platform, token: str, body: Any = PREFERENCES, session_id: str = "S1"
) -> Any:
    return await hub.client.put(
        f"{SENDER}/{session_id}/charging_preferences", json=body, headers=ocpi_auth(token)
    )


@pytest.fixture
async def capable(hub: Platform) -> None:
    """Our LOC1 with EVSE LOC1-1 CHARGING_PREFERENCES_CAPABLE; its Connectors carry a REGULAR and a
    PROFILE_FAST Tariff."""
    for tariff in (make_tariff("REG"), make_tariff("FAST", type="PROFILE_FAST")):
        response = await hub.client.put(f"/admin/tariffs/NL/GWY/{tariff['id']}", json=tariff, headers=ADMIN)
        assert response.status_code == 201
    location = make_location("LOC1", tariff_ids=["REG", "FAST"])
    location["evses"][0]["capabilities"] = ["RFID_READER", "CHARGING_PREFERENCES_CAPABLE"]
    assert (
        await hub.client.put("/admin/locations/NL/GWY/LOC1", json=location, headers=ADMIN)
    ).status_code == 201


async def test_charging_preferences_accepted_for_a_profile_with_a_tariff_and_kept(
    hub: Platform, emsp_tokens: dict[str, str], capable: None
) -> None:
    await admin_put(hub, make_session("S1"))
    response = await charging_preferences(hub, emsp_tokens["MSP"])
    assert (response.status_code, response.json()["status_code"], response.json()["data"]) == (
        200,
        1000,
        "ACCEPTED",
    )
    [record] = await stored_sessions(hub)
    assert from_json(record.charging_preferences or "{}")["profile_type"] == "FAST"
    regular = await charging_preferences(hub, emsp_tokens["MSP"], {"profile_type": "REGULAR"})
    assert regular.json()["data"] == "ACCEPTED"


async def test_charging_preferences_for_a_profile_without_tariff_are_not_supported(
    hub: Platform, emsp_tokens: dict[str, str], capable: None
) -> None:
    await admin_put(hub, make_session("S1"))
    response = await charging_preferences(hub, emsp_tokens["MSP"], {"profile_type": "GREEN"})
    assert (response.status_code, response.json()["data"]) == (200, "PROFILE_TYPE_NOT_SUPPORTED")
    [record] = await stored_sessions(hub)
    assert record.charging_preferences is None


@pytest.mark.parametrize(
    ("session", "body"),
    [
        ({"status": "COMPLETED"}, PREFERENCES),
        ({}, {**PREFERENCES, "departure_time": "2020-01-01T00:00:00Z"}),
    ],
)
async def test_charging_preferences_that_cannot_be_met_are_not_possible(
    hub: Platform, emsp_tokens: dict[str, str], capable: None, session: dict[str, Any], body: Any
) -> None:
    await admin_put(hub, make_session("S1", **session))
    response = await charging_preferences(hub, emsp_tokens["MSP"], body)
    assert response.json()["data"] == "NOT_POSSIBLE"


async def test_charging_preferences_on_an_evse_without_the_capability_is_404_with_2001(
    hub: Platform, emsp_tokens: dict[str, str], capable: None
) -> None:
    await admin_put(hub, make_session("S1", evse_uid="LOC1-2"))  # LOC1-2 is not CHARGING_PREFERENCES_CAPABLE
    response = await charging_preferences(hub, emsp_tokens["MSP"])
    assert (response.status_code, response.json()["status_code"]) == (404, 2001)
    assert "CHARGING_PREFERENCES_CAPABLE" in response.json()["status_message"]


async def test_charging_preferences_for_an_unknown_or_another_emsps_session_is_404(
    hub: Platform, emsp_tokens: dict[str, str], capable: None
) -> None:
    await admin_put(hub, make_session("S1", token=("FR", "MSQ")))
    for session_id in ("NOPE", "S1"):  # S1 is billed to FR*MSQ, not to the caller DE*MSP
        response = await charging_preferences(hub, emsp_tokens["MSP"], session_id=session_id)
        assert (response.status_code, response.json()["status_code"]) == (404, 2000), session_id
    assert (await charging_preferences(hub, emsp_tokens["MSQ"])).json()["data"] == "ACCEPTED"


async def test_invalid_charging_preferences_are_2001(
    hub: Platform, emsp_tokens: dict[str, str], capable: None
) -> None:
    await admin_put(hub, make_session("S1"))
    for body, named in (({"profile_type": "TURBO"}, "profile_type"), ({"energy_need": 5}, "profile_type")):
        response = await charging_preferences(hub, emsp_tokens["MSP"], body)
        assert (response.json()["status_code"], response.json()["status_message"][: len(named)]) == (
            2001,
            named,
        )


async def test_the_sender_announces_no_put_of_sessions_themselves(
    hub: Platform, emsp_tokens: dict[str, str]
) -> None:
    body = copy.deepcopy(make_session("S1"))
    response = await hub.client.put(f"{SENDER}/S1", json=body, headers=ocpi_auth(emsp_tokens["MSP"]))
    assert response.status_code == 404  # only the charging_preferences sub-resource takes a PUT
