"""CDRs in both roles (mod_cdrs.asciidoc): a CPO partner POSTs CDRs to our Receiver interface and GETs them
back at the URL we answer with; we produce our own priced CDRs through the admin API, and eMSP partners pull
them from our Sender interface (each only the CDRs of its own tokens)."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import pytest
from sqlmodel import select

from hub.config import LocalParty
from hub.modules.cdrs import module as cdrs_module
from hub.modules.credentials import module as credentials_module
from hub.modules.locations import module as locations_module
from hub.modules.sessions import module as sessions_module
from hub.ocpi.enums import Role
from hub.tables.cdrs import CdrRecord
from tests.conftest import ADMIN_TOKEN, Platform, PlatformFactory, connect, ocpi_auth
from tests.fixtures_locations import change_events, make_location, make_tariff
from tests.spec import EXAMPLES

RECEIVER = "/ocpi/2.2.1/receiver/cdrs"
SENDER = "/ocpi/2.2.1/sender/cdrs"
LOCATIONS = "/ocpi/2.2.1/receiver/locations"
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
MODULES = (credentials_module, locations_module, sessions_module, cdrs_module)


def example() -> dict[str, Any]:
    """The spec's cdr_example (BE*BEC 12345 at LOC1, billed to DE*TNM): 1.973 h at 2.00/h, 5-minute steps."""
    value: dict[str, Any] = json.loads((EXAMPLES / "cdr_example.json").read_text())
    return value


def credit_of(cdr: dict[str, Any], suffix: str = "-C") -> dict[str, Any]:
    """mod_cdrs_credit_cdrs: a new id, credit and credit_reference_id set, only total_cost negated."""
    credit = copy.deepcopy(cdr)
    credit["id"] = cdr["id"] + suffix
    credit["credit"] = True
    credit["credit_reference_id"] = cdr["id"]
    credit["total_cost"] = {k: -v for k, v in cdr["total_cost"].items()}
    return credit


async def stored_cdrs(platform: Platform) -> list[CdrRecord]:
    async with platform.app.state.sessionmaker() as session:
        return list((await session.exec(select(CdrRecord).order_by(CdrRecord.id))).all())  # type: ignore[arg-type]


@pytest.fixture
async def hub(platforms: PlatformFactory, database_url: str) -> Platform:
    """The hub under test (our CPO NL*GWY), with Locations, Sessions and CDRs, on both engines."""
    return platforms(database_url, "hub.test", modules=MODULES)


# -- Receiver interface: the CPO BE*BEC of the spec's example POSTs to us -------------------------------


@pytest.fixture
async def cpo_token(hub: Platform, platforms: PlatformFactory, sqlite_url: str) -> str:
    cpo = platforms(
        sqlite_url, "cpo.test", [LocalParty(country_code="BE", party_id="BEC", role=Role.CPO, name="CPO")]
    )
    token, _ = await connect(hub, cpo)
    location = make_location("LOC1", country_code="BE", party_id="BEC")
    response = await hub.client.put(f"{LOCATIONS}/BE/BEC/LOC1", json=location, headers=ocpi_auth(token))
    assert response.status_code == 201, response.text
    return token


async def post(hub: Platform, token: str, cdr: Any) -> Any:
    return await hub.client.post(RECEIVER, json=cdr, headers=ocpi_auth(token))


async def test_post_stores_the_cdr_and_answers_201_with_a_location_to_get_it_at(
    hub: Platform, cpo_token: str
) -> None:
    cdr = example()
    response = await post(hub, cpo_token, cdr)
    assert (response.status_code, response.json()["status_code"]) == (201, 1000)
    location = response.headers["Location"]
    assert location == f"http://hub.test{RECEIVER}/BE/BEC/12345"
    got = await hub.client.get(urlsplit(location).path, headers=ocpi_auth(cpo_token))
    assert (got.status_code, got.json()["status_code"], got.json()["data"]) == (200, 1000, cdr)
    [record] = await stored_cdrs(hub)
    assert (record.token_country_code, record.token_party_id, record.partner_id) == ("DE", "TNM", 1)
    assert await change_events(hub) == []


async def test_a_second_post_of_the_same_cdr_is_refused_and_the_stored_one_kept(
    hub: Platform, cpo_token: str
) -> None:
    cdr = example()
    first = await post(hub, cpo_token, cdr)
    changed = {**cdr, "remark": "changed", "last_updated": "2015-06-30T00:00:00Z"}
    for body, wording in ((cdr, "same content"), (changed, "different content")):
        again = await post(hub, cpo_token, body)
        assert (again.status_code, again.json()["status_code"]) == (200, 2001)
        assert again.json()["status_message"].startswith("id: CDR 12345 of BE*BEC already exists")
        assert wording in again.json()["status_message"]
        assert again.headers["Location"] == first.headers["Location"]
    lower = await post(hub, cpo_token, {**changed, "id": "12345", "country_code": "be"})
    assert lower.json()["status_code"] == 2001  # the id is unique per (country_code, party_id), any case
    got = await hub.client.get(f"{RECEIVER}/BE/BEC/12345", headers=ocpi_auth(cpo_token))
    assert got.json()["data"] == cdr
    assert len(await stored_cdrs(hub)) == 1


async def test_a_credit_cdr_is_accepted_with_an_id_of_39_characters(hub: Platform, cpo_token: str) -> None:
    original = {**example(), "id": "A" * 36}
    assert (await post(hub, cpo_token, original)).status_code == 201
    credit = credit_of(original, "-C1")
    assert len(credit["id"]) == 39
    response = await post(hub, cpo_token, credit)
    assert (response.status_code, response.json()["status_code"]) == (201, 1000), response.text
    got = await hub.client.get(urlsplit(response.headers["Location"]).path, headers=ocpi_auth(cpo_token))
    data = got.json()["data"]
    assert (data["credit"], data["credit_reference_id"], data["total_cost"]) == (
        True,
        "A" * 36,
        {"excl_vat": -4.0, "incl_vat": -4.4},
    )
    assert data["total_time_cost"] == {"excl_vat": 4.0, "incl_vat": 4.4}  # only total_cost is negated


async def test_a_credit_cdr_for_an_original_we_never_saw_is_accepted(hub: Platform, cpo_token: str) -> None:
    assert (await post(hub, cpo_token, credit_of(example()))).status_code == 201


@pytest.mark.parametrize(
    ("mutate", "code", "named"),
    [
        (lambda c: c.update(id="A" * 37), 2001, "id"),  # only a Credit CDR may use 37..39
        (lambda c: c.update(id="A" * 40, credit=True, credit_reference_id="X"), 2001, "id"),
        (lambda c: c.update(credit=True, total_cost={"excl_vat": -4.0}), 2001, "credit_reference_id"),
        (
            lambda c: c.update(credit=True, credit_reference_id="X", total_cost={"excl_vat": 4.0}),
            2001,
            "total_cost",
        ),
        (lambda c: c.update(charging_periods=[]), 2001, "charging_periods"),
        (lambda c: c["cdr_token"].update(type="CARD"), 2001, "cdr_token.type"),
        (lambda c: c.update(auth_method="PIN"), 2001, "auth_method"),
        (lambda c: c.pop("total_cost"), 2001, "total_cost"),
        (lambda c: c.update(end_date_time="2015-06-29T20:00:00Z"), 2001, "end_date_time"),
        (
            lambda c: c["cdr_location"].update(connector_standard="USB"),
            2001,
            "cdr_location.connector_standard",
        ),
        (lambda c: c["cdr_location"].update(id="NOWHERE"), 2003, "cdr_location.id"),
    ],
)
async def test_an_invalid_cdr_is_refused_naming_the_field_and_nothing_stored(
    hub: Platform, cpo_token: str, mutate: Callable[[dict[str, Any]], Any], code: int, named: str
) -> None:
    cdr = example()
    mutate(cdr)
    response = await post(hub, cpo_token, cdr)
    assert (response.status_code, response.json()["status_code"]) == (200, code)
    assert response.json()["status_message"].startswith(named), response.json()["status_message"]
    assert await stored_cdrs(hub) == []


async def test_a_credit_cdr_must_negate_the_total_of_the_original_we_hold(
    hub: Platform, cpo_token: str
) -> None:
    await post(hub, cpo_token, example())
    credit = credit_of(example())
    credit["total_cost"] = {"excl_vat": -3.0, "incl_vat": -3.3}
    response = await post(hub, cpo_token, credit)
    assert response.json()["status_code"] == 2001
    assert response.json()["status_message"].startswith("total_cost: a Credit CDR for 12345")
    assert len(await stored_cdrs(hub)) == 1


async def test_a_home_charging_cdr_needs_no_location_we_know(hub: Platform, cpo_token: str) -> None:
    # mod_cdrs_flow_and_lifecycle: CDRs "may be sent for charging locations that have not been published via
    # the Location module. This is typically for home chargers."
    cdr = example()
    cdr["cdr_location"]["id"] = "HOME1"
    cdr["home_charging_compensation"] = True
    assert (await post(hub, cpo_token, cdr)).status_code == 201


@pytest.mark.parametrize(
    ("mutate", "named"),
    [
        # ENERGY volumes in Wh (the mistake of session_example_2) against a total in kWh
        (
            lambda c: c["charging_periods"][0]["dimensions"].append({"type": "ENERGY", "volume": 15342}),
            "total_energy",
        ),
        (lambda c: c.update(total_time=3.0), "total_time"),  # the session lasted 1.973 h
        (
            lambda c: c["charging_periods"][0]["dimensions"].append({"type": "PARKING_TIME", "volume": 0.5}),
            "total_time",
        ),
        (lambda c: c.update(total_parking_time=2.5), "total_parking_time"),
        (lambda c: c.update(total_cost={"excl_vat": 3.0, "incl_vat": 3.3}), "total_cost.excl_vat"),
        (lambda c: c.update(total_cost={"excl_vat": 4.0, "incl_vat": 4.0}), "total_cost.incl_vat"),
        (lambda c: c.update(total_fixed_cost={"excl_vat": 1.0}), "total_cost.excl_vat"),
    ],
)
async def test_a_cdr_whose_totals_do_not_add_up_is_2001_naming_the_total(
    hub: Platform, cpo_token: str, mutate: Callable[[dict[str, Any]], Any], named: str
) -> None:
    cdr = example()
    mutate(cdr)
    response = await post(hub, cpo_token, cdr)
    assert (response.status_code, response.json()["status_code"]) == (200, 2001)
    assert response.json()["status_message"].startswith(named), response.json()["status_message"]
    assert await stored_cdrs(hub) == []


async def test_totals_that_add_up_within_rounding_or_max_price_are_accepted(
    hub: Platform, cpo_token: str
) -> None:
    cdr = example()
    cdr["charging_periods"][0]["dimensions"].append({"type": "ENERGY", "volume": 15.3421})
    cdr["total_cost"] = {"excl_vat": 3.995, "incl_vat": 4.395}  # within a cent of the parts
    assert (await post(hub, cpo_token, cdr)).status_code == 201
    capped = {**example(), "id": "CAPPED", "total_cost": {"excl_vat": 3.0, "incl_vat": 3.3}}
    capped["tariffs"][0]["max_price"] = {"excl_vat": 3.0, "incl_vat": 3.3}
    response = await post(hub, cpo_token, capped)
    assert response.status_code == 201, response.text


async def test_a_cdr_of_a_party_the_caller_is_not_is_2001_and_not_stored(
    hub: Platform, cpo_token: str
) -> None:
    cdr = {**example(), "country_code": "NL", "party_id": "GWY"}
    response = await post(hub, cpo_token, cdr)
    assert (response.status_code, response.json()["status_code"]) == (200, 2001)
    assert response.json()["status_message"].startswith("country_code/party_id: NL*GWY")
    assert await stored_cdrs(hub) == []


async def test_get_of_an_unknown_cdr_or_of_another_party_is_404(hub: Platform, cpo_token: str) -> None:
    await post(hub, cpo_token, example())
    for path in ("BE/BEC/NOPE", "NL/GWY/12345"):
        response = await hub.client.get(f"{RECEIVER}/{path}", headers=ocpi_auth(cpo_token))
        assert (response.status_code, response.json()["status_code"]) == (404, 2000), path


async def test_an_id_with_url_characters_gets_a_location_that_works(hub: Platform, cpo_token: str) -> None:
    cdr = {**example(), "id": "2015/06 #1"}
    response = await post(hub, cpo_token, cdr)
    assert response.headers["Location"].endswith("/BE/BEC/2015%2F06%20%231")
    got = await hub.client.get(urlsplit(response.headers["Location"]).path, headers=ocpi_auth(cpo_token))
    assert got.json()["data"]["id"] == "2015/06 #1"


async def test_cdrs_cannot_be_replaced_changed_or_removed(hub: Platform, cpo_token: str) -> None:
    await post(hub, cpo_token, example())
    for method in ("PUT", "PATCH", "DELETE"):
        response = await hub.client.request(
            method, f"{RECEIVER}/BE/BEC/12345", json=example(), headers=ocpi_auth(cpo_token)
        )
        assert response.status_code == 405, method
    got = await hub.client.get(f"{RECEIVER}/BE/BEC/12345", headers=ocpi_auth(cpo_token))
    assert got.json()["data"] == example()


# -- our own CDRs: produced through the admin API, priced, pulled by the eMSP that owns the token --------


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


ENERGY_AND_PARKING = {
    "price_components": [
        {"type": "ENERGY", "price": 0.30, "vat": 20.0, "step_size": 1},
        {"type": "PARKING_TIME", "price": 2.00, "vat": 20.0, "step_size": 60},
    ]
}
START_FEE = {"price_components": [{"type": "FLAT", "price": 1.00, "vat": 20.0, "step_size": 1}]}


async def our_data(hub: Platform, *, tariff_ids: list[str] | None = None, **tariff: Any) -> None:
    """Our Location LOC1 (Europe/Amsterdam) whose Connectors use Tariff T1 (start fee 1.00, 0.30/kWh,
    parking 2.00/h)."""
    body = make_tariff("T1", elements=[START_FEE, ENERGY_AND_PARKING], **tariff)
    assert (await hub.client.put("/admin/tariffs/NL/GWY/T1", json=body, headers=ADMIN)).status_code == 201
    location = make_location("LOC1", tariff_ids=tariff_ids or ["T1"])
    assert (
        await hub.client.put("/admin/locations/NL/GWY/LOC1", json=location, headers=ADMIN)
    ).status_code == 201


def draft(cdr_id: str = "CDR1", token: tuple[str, str] = ("DE", "MSP"), **overrides: Any) -> dict[str, Any]:
    """A CDR without costs: 10 kWh charged in an hour, then 30 minutes parked."""
    body: dict[str, Any] = {
        "country_code": "NL",
        "party_id": "GWY",
        "id": cdr_id,
        "start_date_time": "2026-01-05T10:00:00Z",
        "end_date_time": "2026-01-05T11:30:00Z",
        "cdr_token": {
            "country_code": token[0],
            "party_id": token[1],
            "uid": "TOKEN1",
            "type": "RFID",
            "contract_id": f"{token[0]}-{token[1]}-C0001",
        },
        "auth_method": "WHITELIST",
        "cdr_location": {"id": "LOC1", "evse_uid": "LOC1-1", "connector_id": "1"},
        "charging_periods": [
            {
                "start_date_time": "2026-01-05T10:00:00Z",
                "dimensions": [{"type": "ENERGY", "volume": 10}, {"type": "TIME", "volume": 1}],
            },
            {
                "start_date_time": "2026-01-05T11:00:00Z",
                "dimensions": [{"type": "PARKING_TIME", "volume": 0.5}],
            },
        ],
        **overrides,
    }
    return body


async def produce(hub: Platform, body: dict[str, Any]) -> Any:
    return await hub.client.post("/admin/cdrs", json=body, headers=ADMIN)


async def test_admin_cdr_is_priced_with_the_connectors_tariff_stored_and_announced(hub: Platform) -> None:
    await our_data(hub)
    response = await produce(hub, draft())
    assert response.status_code == 201, response.text
    cdr = response.json()["data"]
    # 1.00 start + 10 kWh x 0.30 + 0.5 h x 2.00 parking, 20% VAT
    assert cdr["total_cost"] == {"excl_vat": 5.0, "incl_vat": 6.0}
    assert cdr["total_fixed_cost"] == {"excl_vat": 1.0, "incl_vat": 1.2}
    assert cdr["total_energy_cost"] == {"excl_vat": 3.0, "incl_vat": 3.6}
    assert cdr["total_time_cost"] == {"excl_vat": 0.0, "incl_vat": 0.0}
    assert cdr["total_parking_cost"] == {"excl_vat": 1.0, "incl_vat": 1.2}
    assert cdr["total_reservation_cost"] == {"excl_vat": 0.0, "incl_vat": 0.0}
    assert (cdr["total_energy"], cdr["total_time"], cdr["total_parking_time"]) == (10.0, 1.5, 0.5)
    assert [t["id"] for t in cdr["tariffs"]] == ["T1"]
    assert {p["tariff_id"] for p in cdr["charging_periods"]} == {"T1"}
    assert cdr["cdr_location"]["address"] == "Stationsplein 1"  # completed from our Location
    assert cdr["cdr_location"]["connector_standard"] == "IEC_62196_T2"
    assert response.headers["Location"] == "/admin/cdrs/NL/GWY/CDR1"
    got = await hub.client.get("/admin/cdrs/NL/GWY/CDR1", headers=ADMIN)
    assert got.json()["data"] == cdr
    [event] = [e for e in await change_events(hub) if e["module"] == "cdrs"]
    assert (event["method"], event["object_id"], event["body"]) == ("POST", "CDR1", cdr)


async def test_admin_cdr_costs_given_in_the_draft_are_replaced_by_ours(hub: Platform) -> None:
    await our_data(hub)
    response = await produce(hub, draft(total_cost={"excl_vat": 0.01}, total_energy_cost={"excl_vat": 99}))
    assert response.json()["data"]["total_cost"] == {"excl_vat": 5.0, "incl_vat": 6.0}


async def test_admin_cdr_is_priced_in_the_locations_time_zone(hub: Platform) -> None:
    # 10:00-11:30 UTC is 11:00-12:30 in Amsterdam: the dearer 11:00-13:00 energy price applies.
    midday = {
        "price_components": [{"type": "ENERGY", "price": 0.50, "vat": 20.0, "step_size": 1}],
        "restrictions": {"start_time": "11:00", "end_time": "13:00"},
    }
    tariff = make_tariff("T1", elements=[midday, ENERGY_AND_PARKING])
    assert (await hub.client.put("/admin/tariffs/NL/GWY/T1", json=tariff, headers=ADMIN)).status_code == 201
    location = make_location("LOC1", tariff_ids=["T1"])
    await hub.client.put("/admin/locations/NL/GWY/LOC1", json=location, headers=ADMIN)
    cdr = (await produce(hub, draft())).json()["data"]
    assert cdr["total_energy_cost"] == {"excl_vat": 5.0, "incl_vat": 6.0}


async def test_admin_cdr_at_a_location_with_an_unknown_time_zone_is_refused(hub: Platform) -> None:
    await our_data(hub)
    location = make_location("LOC1", tariff_ids=["T1"], time_zone="Mars/Olympus_Mons")
    await hub.client.put("/admin/locations/NL/GWY/LOC1", json=location, headers=ADMIN)
    response = await produce(hub, draft())
    assert response.status_code == 400
    assert "Mars/Olympus_Mons" in response.json()["detail"]
    assert await stored_cdrs(hub) == []


async def test_admin_cdr_takes_the_first_of_the_connectors_tariffs_that_is_ours(hub: Platform) -> None:
    await our_data(hub, tariff_ids=["GONE", "T1"])
    cdr = (await produce(hub, draft())).json()["data"]
    assert [t["id"] for t in cdr["tariffs"]] == ["T1"]


async def test_admin_cdr_without_a_tariff_of_ours_is_refused(hub: Platform) -> None:
    await our_data(hub, tariff_ids=["GONE"])
    response = await produce(hub, draft())
    assert response.status_code == 400
    assert "no Tariff" in response.json()["detail"]
    assert await stored_cdrs(hub) == []


async def test_admin_cdr_ignores_a_tariff_not_yet_valid_at_the_start(hub: Platform) -> None:
    await our_data(hub, start_date_time="2026-02-01T00:00:00Z")
    response = await produce(hub, draft())
    assert response.status_code == 400
    assert "valid at start_date_time" in response.json()["detail"]


@pytest.mark.parametrize(
    ("location", "named"),
    [
        ({"id": "NOWHERE", "evse_uid": "LOC1-1", "connector_id": "1"}, "cdr_location.id"),
        ({"id": "LOC1", "evse_uid": "NOPE", "connector_id": "1"}, "cdr_location.evse_uid"),
        ({"id": "LOC1", "evse_uid": "LOC1-1", "connector_id": "9"}, "cdr_location.connector_id"),
    ],
)
async def test_admin_cdr_at_a_location_not_ours_is_refused(
    hub: Platform, location: dict[str, str], named: str
) -> None:
    await our_data(hub)
    response = await produce(hub, draft(cdr_location=location))
    assert response.status_code == 400
    assert response.json()["detail"].startswith(named)
    assert await stored_cdrs(hub) == []


async def test_admin_cdr_twice_is_refused(hub: Platform) -> None:
    await our_data(hub)
    assert (await produce(hub, draft())).status_code == 201
    again = await produce(hub, draft())
    assert again.status_code == 400
    assert "already exists" in again.json()["detail"]
    assert len(await stored_cdrs(hub)) == 1


async def test_admin_cdr_with_another_currency_than_the_tariffs_is_refused(hub: Platform) -> None:
    await our_data(hub)
    response = await produce(hub, draft(currency="CHF"))
    assert (response.status_code, response.json()["detail"][:8]) == (400, "currency")


async def test_admin_cdr_of_a_party_we_are_not_is_refused(hub: Platform) -> None:
    await our_data(hub)
    response = await produce(hub, draft(country_code="DE", party_id="XXX"))
    assert response.status_code == 400
    assert "not one of our CPO parties" in response.json()["detail"]


async def test_admin_cdr_from_our_session_takes_its_fields_and_drops_session_only_dimensions(
    hub: Platform,
) -> None:
    await our_data(hub)
    session = {
        "country_code": "NL",
        "party_id": "GWY",
        "id": "S1",
        "start_date_time": "2026-01-05T10:00:00Z",
        "end_date_time": "2026-01-05T11:30:00Z",
        "kwh": 10,
        "cdr_token": draft()["cdr_token"],
        "auth_method": "COMMAND",
        "authorization_reference": "AUTH1",
        "location_id": "LOC1",
        "evse_uid": "LOC1-1",
        "connector_id": "1",
        "currency": "EUR",
        "charging_periods": [
            {
                "start_date_time": "2026-01-05T10:00:00Z",
                "dimensions": [
                    {"type": "ENERGY", "volume": 10},
                    {"type": "STATE_OF_CHARGE", "volume": 80},
                ],
            },
            {"start_date_time": "2026-01-05T11:00:00Z", "dimensions": [{"type": "POWER", "volume": 0}]},
        ],
        "status": "COMPLETED",
    }
    assert (await hub.client.put("/admin/sessions/NL/GWY/S1", json=session, headers=ADMIN)).status_code == 201
    response = await produce(
        hub, {"country_code": "NL", "party_id": "GWY", "id": "CDR-S1", "session_id": "S1"}
    )
    assert response.status_code == 201, response.text
    cdr = response.json()["data"]
    assert (cdr["auth_method"], cdr["authorization_reference"], cdr["currency"]) == (
        "COMMAND",
        "AUTH1",
        "EUR",
    )
    assert cdr["charging_periods"] == [
        {
            "start_date_time": "2026-01-05T10:00:00Z",
            "dimensions": [{"type": "ENERGY", "volume": 10.0}],
            "tariff_id": "T1",
        }
    ]
    assert cdr["total_cost"] == {"excl_vat": 4.0, "incl_vat": 4.8}  # start fee and energy; no parking period


async def test_admin_cdrs_need_the_admin_token(hub: Platform) -> None:
    assert (await hub.client.post("/admin/cdrs", json=draft())).status_code == 401


async def test_two_emsps_each_pull_only_the_cdrs_of_their_own_tokens(
    hub: Platform, emsp_tokens: dict[str, str]
) -> None:
    await our_data(hub)
    for i, billed in enumerate([("DE", "MSP"), ("FR", "MSQ"), ("DE", "MSP")]):
        assert (await produce(hub, draft(f"C{i}", billed))).status_code == 201
    seen = {}
    for party_id, token in emsp_tokens.items():
        response = await hub.client.get(SENDER, headers=ocpi_auth(token))
        assert response.json()["status_code"] == 1000
        seen[party_id] = [c["id"] for c in response.json()["data"]]
        assert response.headers["X-Total-Count"] == str(len(seen[party_id]))
    assert seen == {"MSP": ["C0", "C2"], "MSQ": ["C1"]}


async def test_sender_list_paginates_and_filters_on_last_updated(
    hub: Platform, emsp_tokens: dict[str, str]
) -> None:
    await our_data(hub)
    for i in range(3):
        await produce(hub, draft(f"C{i}"))
    token = ocpi_auth(emsp_tokens["MSP"])
    first = await hub.client.get(SENDER, params={"limit": "2"}, headers=token)
    assert [c["id"] for c in first.json()["data"]] == ["C0", "C1"]
    assert (first.headers["X-Total-Count"], first.headers["X-Limit"]) == ("3", "100")
    rest = await hub.client.get(first.headers["Link"].split(";")[0].strip("<>"), headers=token)
    assert [c["id"] for c in rest.json()["data"]] == ["C2"]
    assert "Link" not in rest.headers
    stamped = first.json()["data"][1]["last_updated"]
    later = await hub.client.get(SENDER, params={"date_from": stamped}, headers=token)
    assert [c["id"] for c in later.json()["data"]] == ["C1", "C2"]


async def test_sender_list_leaves_out_cdrs_partners_sent_us(
    hub: Platform, emsp_tokens: dict[str, str], cpo_token: str
) -> None:
    cdr = example()
    cdr["cdr_token"].update(country_code="DE", party_id="MSP")
    assert (await post(hub, cpo_token, cdr)).status_code == 201
    response = await hub.client.get(SENDER, headers=ocpi_auth(emsp_tokens["MSP"]))
    assert response.json()["data"] == []
