"""Tokens in both roles (mod_tokens.asciidoc): an eMSP partner pushes Tokens to our Receiver interface; partners
pull our own eMSP parties' Tokens and ask for real-time authorization at our Sender interface; our own Tokens
come in through the admin API and `ocpi-hub import tokens`; and `authorize_token`, the CPO-side answer to "may
this Token charge here now?", honours the whitelist against a real and a fake eMSP."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from hub.config import LocalParty
from hub.modules.credentials import module as credentials_module
from hub.modules.objects import Owner, from_json
from hub.modules.tokens import Authorization, AuthorizationSource, authorize_token
from hub.modules.tokens import module as tokens_module
from hub.ocpi.base import format_datetime, parse_datetime, utc_now
from hub.ocpi.enums import Role
from hub.ocpi.v221.tokens import AllowedType, TokenType
from hub.tables.tokens import TokenRecord
from tests.conftest import ADMIN_TOKEN, Platform, PlatformFactory, connect, ocpi_auth
from tests.fixtures_locations import change_events, make_location
from tests.network import PeerNetwork
from tests.processes import cli_env, run_cli

RECEIVER = "/ocpi/2.2.1/receiver/tokens"
SENDER = "/ocpi/2.2.1/sender/tokens"
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
MODULES = (credentials_module, tokens_module)
# The hub under test is a CPO (it receives Tokens and authorizes them at its chargers) and an eMSP (its own
# Tokens, served by its Sender interface).
HUB_PARTIES = [
    LocalParty(country_code="NL", party_id="GWY", role=Role.CPO, name="Gateway CPO"),
    LocalParty(country_code="NL", party_id="MSP", role=Role.EMSP, name="Gateway eMSP"),
]
UID = "012345678"
OUR_TOKEN = f"/admin/tokens/NL/MSP/{UID}"
LAST_UPDATED = "2026-01-01T00:00:00Z"


def make_token(
    uid: str = UID,
    *,
    country_code: str = "DE",
    party_id: str = "MSP",
    type: str = "RFID",
    whitelist: str = "ALLOWED",
    valid: bool = True,
    last_updated: str = LAST_UPDATED,
    **overrides: Any,
) -> dict[str, Any]:
    """A valid Token (mod_tokens_token_object) as JSON, without None fields."""
    token = {
        "country_code": country_code,
        "party_id": party_id,
        "uid": uid,
        "type": type,
        "contract_id": f"{country_code}8ACC{uid[:20]}",
        "visual_number": "DF000-2001-8999-1",
        "issuer": "TheNewMotion",
        "valid": valid,
        "whitelist": whitelist,
        "last_updated": last_updated,
        **overrides,
    }
    return {k: v for k, v in token.items() if v is not None}


def our_token(uid: str = UID, **kwargs: Any) -> dict[str, Any]:
    return make_token(uid, **({"country_code": "NL", "party_id": "MSP"} | kwargs))


def emsp_platform(platforms: PlatformFactory, url: str, host: str, party_id: str = "MSP") -> Platform:
    return platforms(
        url,
        host,
        [LocalParty(country_code="DE", party_id=party_id, role=Role.EMSP, name=f"Partner eMSP {party_id}")],
        modules=MODULES,
    )


@pytest.fixture
async def hub(platforms: PlatformFactory, database_url: str) -> Platform:
    """The hub under test, on both engines, with the Tokens module."""
    return platforms(database_url, "hub.test", HUB_PARTIES, modules=MODULES)


@pytest.fixture
async def emsp(platforms: PlatformFactory, sqlite_url: str) -> Platform:
    """A partner eMSP platform DE*MSP with the Tokens module (its Sender answers real-time authorizations)."""
    return emsp_platform(platforms, sqlite_url, "emsp.test")


@pytest.fixture
async def emsp_token(hub: Platform, emsp: Platform) -> str:
    """The token the eMSP partner uses with the hub (registration also tells the hub the eMSP's endpoints)."""
    token, _ = await connect(hub, emsp)
    return token


@pytest.fixture
async def cpo_token(hub: Platform, platforms: PlatformFactory, new_sqlite_url: Callable[[], str]) -> str:
    """The token of a partner CPO DE*CPX, which pulls our Tokens and asks our eMSP for authorizations."""
    cpo = platforms(
        new_sqlite_url(),
        "cpo.test",
        [LocalParty(country_code="DE", party_id="CPX", role=Role.CPO, name="Partner CPO")],
        modules=MODULES,
    )
    token, _ = await connect(hub, cpo)
    return token


async def push(
    hub: Platform, token: str, body: Any, *, uid: str = UID, type: str | None = None, method: str = "PUT"
) -> httpx.Response:
    params = {"type": type} if type is not None else {}
    return await hub.client.request(
        method, f"{RECEIVER}/DE/MSP/{uid}", json=body, params=params, headers=ocpi_auth(token)
    )


async def stored_tokens(hub: Platform) -> dict[str, dict[str, Any]]:
    from sqlmodel import select

    async with hub.app.state.sessionmaker() as session:
        rows = (await session.exec(select(TokenRecord))).all()
    return {f"{row.country_code}*{row.party_id}*{row.object_key}": from_json(row.body) for row in rows}


async def admin(hub: Platform, method: str, path: str, body: Any = None, **params: str) -> httpx.Response:
    return await hub.client.request(method, path, json=body, params=params, headers=ADMIN)


async def cpo_authorize(hub: Platform, uid: str = UID, **kwargs: Any) -> Authorization:
    """authorize_token as an OCPP adapter calls it."""
    kwargs.setdefault("token_type", TokenType.RFID)
    async with hub.app.state.sessionmaker() as session:
        return await authorize_token(session, hub.app.state.partner_client, uid=uid, **kwargs)


def envelope(data: Any = None, status_code: int = 1000, message: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"status_code": status_code, "timestamp": format_datetime(utc_now())}
    if data is not None:
        body["data"] = data
    if message is not None:
        body["status_message"] = message
    return body


# --- Receiver interface (CPO): Tokens partners push ---------------------------------------------------


async def test_put_token_201_then_200_and_get_returns_it_as_sent(hub: Platform, emsp_token: str) -> None:
    token = make_token()
    first = await push(hub, emsp_token, token)
    assert (first.status_code, first.json()["status_code"]) == (201, 1000)
    token["valid"] = False
    second = await push(hub, emsp_token, token)
    assert (second.status_code, second.json()["status_code"]) == (200, 1000)
    got = await hub.client.get(f"{RECEIVER}/de/msp/{UID}", headers=ocpi_auth(emsp_token))
    assert got.json()["data"] == token  # stored as sent, last_updated included
    assert (
        got.json()["data"]
        == (
            await hub.client.get(
                f"{RECEIVER}/DE/MSP/{UID}", params={"type": "RFID"}, headers=ocpi_auth(emsp_token)
            )
        ).json()["data"]
    )
    assert await change_events(hub) == []  # only changes to our own data are recorded


async def test_uid_and_type_together_are_the_key_and_type_defaults_to_rfid(
    hub: Platform, emsp_token: str
) -> None:
    rfid, app = make_token(issuer="Card"), make_token(type="APP_USER", whitelist="NEVER", issuer="App")
    assert (await push(hub, emsp_token, rfid)).status_code == 201
    assert (await push(hub, emsp_token, app, type="APP_USER")).status_code == 201
    assert len(await stored_tokens(hub)) == 2
    url = f"{RECEIVER}/DE/MSP/{UID}"
    assert (await hub.client.get(url, headers=ocpi_auth(emsp_token))).json()["data"] == rfid
    app_got = await hub.client.get(url, params={"type": "APP_USER"}, headers=ocpi_auth(emsp_token))
    assert app_got.json()["data"] == app
    other = await hub.client.get(url, params={"type": "OTHER"}, headers=ocpi_auth(emsp_token))
    assert other.status_code == 404


async def test_get_of_an_unknown_token_is_404(hub: Platform, emsp_token: str) -> None:
    response = await hub.client.get(f"{RECEIVER}/DE/MSP/NOPE", headers=ocpi_auth(emsp_token))
    assert (response.status_code, response.json()["status_code"]) == (404, 2000)
    assert "data" not in response.json()


@pytest.mark.parametrize(
    ("field", "value", "params"),
    [
        ("country_code", "NL", {}),
        ("party_id", "XYZ", {}),
        ("uid", "OTHER", {}),
        # No ?type= means RFID (mod_tokens_cpo_put_request_parameters), so an APP_USER body disagrees.
        ("type", "APP_USER", {}),
        ("type", "RFID", {"type": "APP_USER"}),
    ],
)
async def test_put_with_body_identifiers_differing_from_the_url_is_2001(
    hub: Platform, emsp_token: str, field: str, value: str, params: dict[str, str]
) -> None:
    response = await push(hub, emsp_token, make_token() | {field: value}, type=params.get("type"))
    assert (response.status_code, response.json()["status_code"]) == (200, 2001)
    assert response.json()["status_message"].startswith(f"{field}: ")
    assert await stored_tokens(hub) == {}


async def test_invalid_token_body_is_2001_naming_the_field(hub: Platform, emsp_token: str) -> None:
    response = await push(hub, emsp_token, make_token(whitelist="SOMETIMES"))
    assert response.json()["status_code"] == 2001
    assert response.json()["status_message"].startswith("whitelist: ")
    assert await stored_tokens(hub) == {}


async def test_token_of_a_party_the_caller_is_not_is_404(hub: Platform, emsp_token: str) -> None:
    for method, body in (
        ("GET", None),
        ("PUT", make_token(country_code="NL", party_id="XYZ")),
        ("PATCH", {"valid": False, "last_updated": LAST_UPDATED}),
    ):
        response = await hub.client.request(
            method, f"{RECEIVER}/NL/XYZ/{UID}", json=body, headers=ocpi_auth(emsp_token)
        )
        assert response.status_code == 404, method
    assert await stored_tokens(hub) == {}


async def test_unknown_type_parameter_is_2001_naming_type(
    hub: Platform, emsp_token: str, cpo_token: str
) -> None:
    get = await hub.client.get(
        f"{RECEIVER}/DE/MSP/{UID}", params={"type": "rfid"}, headers=ocpi_auth(emsp_token)
    )
    put = await push(hub, emsp_token, make_token(), type="CARD")
    authorize = await hub.client.post(
        f"{SENDER}/{UID}/authorize", params={"type": "CARD"}, headers=ocpi_auth(cpo_token)
    )
    for response in (get, put, authorize):
        assert (response.status_code, response.json()["status_code"]) == (200, 2001)
        assert response.json()["status_message"].startswith("type: ")
    assert await stored_tokens(hub) == {}


async def test_patch_invalidates_a_token_keeping_the_other_fields(hub: Platform, emsp_token: str) -> None:
    token = make_token(group_id="G1")
    await push(hub, emsp_token, token)
    patch = {"valid": False, "group_id": None, "last_updated": "2026-02-01T10:00:00Z"}
    response = await push(hub, emsp_token, patch, method="PATCH")
    assert (response.status_code, response.json()["status_code"]) == (200, 1000)
    got = (await hub.client.get(f"{RECEIVER}/DE/MSP/{UID}", headers=ocpi_auth(emsp_token))).json()["data"]
    expected = {k: v for k, v in token.items() if k != "group_id"}
    assert got == expected | {"valid": False, "last_updated": "2026-02-01T10:00:00Z"}


async def test_patch_without_last_updated_is_2001_and_changes_nothing(hub: Platform, emsp_token: str) -> None:
    await push(hub, emsp_token, make_token())
    before = await stored_tokens(hub)
    response = await push(hub, emsp_token, {"valid": False}, method="PATCH")
    assert (response.status_code, response.json()["status_code"]) == (200, 2001)
    assert response.json()["status_message"].startswith("last_updated: ")
    assert await stored_tokens(hub) == before


async def test_patch_of_an_unknown_token_or_type_is_404(hub: Platform, emsp_token: str) -> None:
    await push(hub, emsp_token, make_token())
    patch = {"valid": False, "last_updated": LAST_UPDATED}
    unknown = await push(hub, emsp_token, patch, uid="NOPE", method="PATCH")
    other_type = await push(hub, emsp_token, patch, type="APP_USER", method="PATCH")
    for response in (unknown, other_type):
        assert (response.status_code, response.json()["status_code"]) == (404, 2000)


async def test_patch_cannot_change_the_type_or_null_a_required_field(hub: Platform, emsp_token: str) -> None:
    await push(hub, emsp_token, make_token())
    before = await stored_tokens(hub)
    changed_type = await push(
        hub, emsp_token, {"type": "OTHER", "last_updated": LAST_UPDATED}, method="PATCH"
    )
    nulled = await push(hub, emsp_token, {"issuer": None, "last_updated": LAST_UPDATED}, method="PATCH")
    assert changed_type.json()["status_message"].startswith("type: ")
    assert nulled.json()["status_message"].startswith("issuer: ")
    assert await stored_tokens(hub) == before


async def test_receiver_has_no_post_or_delete(hub: Platform, emsp_token: str) -> None:
    await push(hub, emsp_token, make_token())
    for method in ("POST", "DELETE"):
        response = await hub.client.request(method, f"{RECEIVER}/DE/MSP/{UID}", headers=ocpi_auth(emsp_token))
        assert response.status_code == 405, method


# --- Sender interface (eMSP): our own Tokens ---------------------------------------------------------


async def import_ours(hub: Platform, tokens: list[dict[str, Any]], **params: str) -> httpx.Response:
    return await hub.client.post("/admin/import/tokens", json=tokens, params=params, headers=ADMIN)


async def test_sender_lists_our_tokens_paginated_invalid_ones_included_partners_left_out(
    hub: Platform, emsp_token: str, cpo_token: str
) -> None:
    ours = [our_token(f"T{i}", valid=i != 1) for i in range(3)]
    assert (await import_ours(hub, ours)).status_code == 200
    await push(hub, emsp_token, make_token())
    first = await hub.client.get(SENDER, params={"limit": "2"}, headers=ocpi_auth(cpo_token))
    assert (first.status_code, first.json()["status_code"]) == (200, 1000)
    assert [t["uid"] for t in first.json()["data"]] == ["T0", "T1"]
    assert [t["valid"] for t in first.json()["data"]] == [True, False]
    assert first.headers["X-Total-Count"] == "3"
    assert "offset=2" in first.headers["Link"]
    # The spec's list URLs end in a slash (`.../tokens/?offset=50`).
    rest = await hub.client.get(
        f"{SENDER}/", params={"limit": "2", "offset": "2"}, headers=ocpi_auth(cpo_token)
    )
    assert [t["uid"] for t in rest.json()["data"]] == ["T2"]
    assert "Link" not in rest.headers
    stored = await stored_tokens(hub)
    assert first.json()["data"] + rest.json()["data"] == [stored[f"NL*MSP*RFID:T{i}"] for i in range(3)]


async def test_sender_list_filters_on_last_updated(hub: Platform, cpo_token: str) -> None:
    await import_ours(hub, [our_token("T1")])
    stamp = (await stored_tokens(hub))["NL*MSP*RFID:T1"]["last_updated"]
    included = await hub.client.get(SENDER, params={"date_from": stamp}, headers=ocpi_auth(cpo_token))
    excluded = await hub.client.get(SENDER, params={"date_to": stamp}, headers=ocpi_auth(cpo_token))
    assert [t["uid"] for t in included.json()["data"]] == ["T1"]
    assert excluded.json()["data"] == []


async def test_sender_list_addressed_to_a_party_we_are_not_is_empty(hub: Platform, cpo_token: str) -> None:
    await import_ours(hub, [our_token("T1")])
    elsewhere = {**ocpi_auth(cpo_token), "OCPI-to-country-code": "NL", "OCPI-to-party-id": "GWY"}
    ours = {**ocpi_auth(cpo_token), "OCPI-to-country-code": "nl", "OCPI-to-party-id": "msp"}
    assert (await hub.client.get(SENDER, headers=elsewhere)).json()["data"] == []
    assert [t["uid"] for t in (await hub.client.get(SENDER, headers=ours)).json()["data"]] == ["T1"]


async def authorize_at_sender(
    hub: Platform, token: str, uid: str = UID, body: Any = None, *, slash: bool = True, **params: str
) -> httpx.Response:
    path = f"{SENDER}/{uid}/authorize" if slash else f"{SENDER}{uid}/authorize"
    return await hub.client.post(path, json=body, params=params, headers=ocpi_auth(token))


async def test_authorize_a_valid_token_is_allowed_with_a_reference_and_the_complete_token(
    hub: Platform, cpo_token: str
) -> None:
    await import_ours(hub, [our_token()])
    stored = (await stored_tokens(hub))[f"NL*MSP*RFID:{UID}"]
    references: set[str] = set()
    for slash in (True, False):  # `{tokens_endpoint_url}{token_uid}/authorize` and the examples' form
        response = await authorize_at_sender(hub, cpo_token, slash=slash)
        assert (response.status_code, response.json()["status_code"]) == (200, 1000)
        info = response.json()["data"]
        assert info["allowed"] == "ALLOWED"
        assert info["token"] == stored
        assert "location" not in info
        assert 1 <= len(info["authorization_reference"]) <= 36
        references.add(info["authorization_reference"])
    assert len(references) == 2  # one reference per authorization


async def test_authorize_with_an_empty_or_null_body_has_no_location(hub: Platform, cpo_token: str) -> None:
    await import_ours(hub, [our_token()])
    for content in (b"", b"null"):
        response = await hub.client.post(
            f"{SENDER}/{UID}/authorize",
            content=content,
            headers={**ocpi_auth(cpo_token), "Content-Type": "application/json"},
        )
        assert response.json()["status_code"] == 1000, content
        assert response.json()["data"]["allowed"] == "ALLOWED"
        assert "location" not in response.json()["data"]


async def test_authorize_with_location_references_returns_them_and_ignores_our_location_data(
    hub: Platform, cpo_token: str
) -> None:
    await import_ours(hub, [our_token()])
    # A Location nobody published (a private charger): "In most cases this is expected to result in: ALLOWED".
    where = {"location_id": "PRIVATE-1", "evse_uids": ["E1", "E2"]}
    response = await authorize_at_sender(hub, cpo_token, body=where, type="RFID")
    assert response.json()["data"]["allowed"] == "ALLOWED"
    assert response.json()["data"]["location"] == where


async def test_authorize_uses_the_type_parameter(hub: Platform, cpo_token: str) -> None:
    await import_ours(hub, [our_token(type="APP_USER", whitelist="NEVER")])
    app = await authorize_at_sender(hub, cpo_token, type="APP_USER")
    assert app.json()["data"]["token"]["type"] == "APP_USER"
    rfid = await authorize_at_sender(hub, cpo_token)  # type defaults to RFID: not this Token
    assert (rfid.status_code, rfid.json()["status_code"]) == (404, 2004)


async def test_authorize_an_unknown_token_is_http_404_with_2004_and_no_data(
    hub: Platform, cpo_token: str
) -> None:
    await push_partner_token_that_must_not_be_served(hub)
    for slash in (True, False):
        response = await authorize_at_sender(hub, cpo_token, "NOPE", slash=slash)
        assert (response.status_code, response.json()["status_code"]) == (404, 2004)
        assert "data" not in response.json()
    # A partner's Token is not ours to authorize.
    partner = await authorize_at_sender(hub, cpo_token, "PARTNER1")
    assert (partner.status_code, partner.json()["status_code"]) == (404, 2004)


async def push_partner_token_that_must_not_be_served(hub: Platform) -> None:
    async with hub.app.state.sessionmaker() as session:
        from hub.tables import PartnerRecord

        partner = PartnerRecord(name="other", status="REGISTERED")
        session.add(partner)
        await session.flush()
        body = make_token("PARTNER1", country_code="NL", party_id="MSP")
        session.add(
            TokenRecord(
                country_code="NL",
                party_id="MSP",
                object_key="RFID:PARTNER1",
                partner_id=partner.id,
                last_updated=parse_datetime(LAST_UPDATED),
                body=json.dumps(body),
            )
        )
        await session.commit()


async def test_authorize_an_invalid_token_is_blocked_without_reference_or_location(
    hub: Platform, cpo_token: str
) -> None:
    await import_ours(hub, [our_token(valid=False)])
    response = await authorize_at_sender(hub, cpo_token, body={"location_id": "LOC1"})
    assert (response.status_code, response.json()["status_code"]) == (200, 1000)
    info = response.json()["data"]
    assert info["allowed"] == "BLOCKED"
    assert "authorization_reference" not in info
    assert "location" not in info


@pytest.mark.parametrize("allowed", ["EXPIRED", "NO_CREDIT", "NOT_ALLOWED", "BLOCKED"])
async def test_authorize_answers_the_refusal_our_policy_names(
    hub: Platform, cpo_token: str, allowed: str
) -> None:
    await import_ours(hub, [our_token()])
    info_text = {"language": "en", "text": "Top up your account"}
    policy = {"allowed": allowed, "info": info_text}
    assert (await admin(hub, "PUT", f"{OUR_TOKEN}/authorization", policy)).status_code == 200
    response = await authorize_at_sender(hub, cpo_token)
    assert response.json()["data"]["allowed"] == allowed
    assert response.json()["data"]["info"] == info_text
    assert "authorization_reference" not in response.json()["data"]


async def test_a_token_limited_to_some_locations_needs_location_references(
    hub: Platform, cpo_token: str
) -> None:
    await import_ours(hub, [our_token()])
    await admin(hub, "PUT", f"{OUR_TOKEN}/authorization", {"location_ids": ["LOC1"]})
    missing = await authorize_at_sender(hub, cpo_token)
    assert (missing.status_code, missing.json()["status_code"]) == (200, 2002)
    assert "data" not in missing.json()
    elsewhere = await authorize_at_sender(hub, cpo_token, body={"location_id": "LOC2"})
    assert elsewhere.json()["data"]["allowed"] == "NOT_ALLOWED"
    assert "location" not in elsewhere.json()["data"]
    here = await authorize_at_sender(hub, cpo_token, body={"location_id": "loc1", "evse_uids": ["E1"]})
    assert here.json()["data"]["allowed"] == "ALLOWED"
    assert here.json()["data"]["location"] == {"location_id": "loc1", "evse_uids": ["E1"]}


async def test_a_blocked_token_limited_to_locations_needs_no_location_references(
    hub: Platform, cpo_token: str
) -> None:
    await import_ours(hub, [our_token(valid=False)])
    await admin(hub, "PUT", f"{OUR_TOKEN}/authorization", {"location_ids": ["LOC1"]})
    response = await authorize_at_sender(hub, cpo_token)
    assert response.json()["data"]["allowed"] == "BLOCKED"


async def test_authorize_with_invalid_location_references_is_2001_naming_the_field(
    hub: Platform, cpo_token: str
) -> None:
    await import_ours(hub, [our_token()])
    response = await authorize_at_sender(hub, cpo_token, body={"evse_uids": ["E1"]})
    assert (response.status_code, response.json()["status_code"]) == (200, 2001)
    assert response.json()["status_message"].startswith("location_id: ")


async def test_authorize_addressed_to_a_party_we_are_not_does_not_know_the_token(
    hub: Platform, cpo_token: str
) -> None:
    await import_ours(hub, [our_token()])
    headers = {**ocpi_auth(cpo_token), "OCPI-to-country-code": "NL", "OCPI-to-party-id": "GWY"}
    response = await hub.client.post(f"{SENDER}/{UID}/authorize", headers=headers)
    assert (response.status_code, response.json()["status_code"]) == (404, 2004)


async def test_version_details_announce_both_tokens_interfaces(hub: Platform, cpo_token: str) -> None:
    details = (await hub.client.get("/ocpi/2.2.1", headers=ocpi_auth(cpo_token))).json()["data"]
    tokens = {(e["role"], e["url"]) for e in details["endpoints"] if e["identifier"] == "tokens"}
    assert tokens == {
        ("SENDER", f"http://hub.test{SENDER}"),
        ("RECEIVER", f"http://hub.test{RECEIVER}"),
    }


# --- Our own Tokens: admin API and import --------------------------------------------------------------


async def test_admin_put_stamps_records_a_put_event_and_an_unchanged_put_changes_nothing(
    hub: Platform,
) -> None:
    body = our_token()
    del body["last_updated"]  # we are the owner: we stamp it
    before = utc_now()
    created = await admin(hub, "PUT", OUR_TOKEN, body)
    after = utc_now()
    assert (created.status_code, created.json()["status_code"]) == (201, 1000)
    stored = (await admin(hub, "GET", OUR_TOKEN)).json()["data"]
    assert before <= parse_datetime(stored["last_updated"]) <= after
    assert stored == body | {"last_updated": stored["last_updated"]}
    again = await admin(hub, "PUT", OUR_TOKEN, our_token(last_updated="2020-01-01T00:00:00Z"))
    assert again.status_code == 200
    assert (await admin(hub, "GET", OUR_TOKEN)).json()["data"] == stored  # same content: not bumped
    [event] = await change_events(hub)
    assert {k: event[k] for k in ("module", "country_code", "party_id", "object_id", "method")} == {
        "module": "tokens",
        "country_code": "NL",
        "party_id": "MSP",
        "object_id": UID,
        "method": "PUT",
    }
    assert event["body"] == stored


async def test_admin_patch_stamps_and_records_the_changed_fields_with_uid_and_type(hub: Platform) -> None:
    await admin(hub, "PUT", OUR_TOKEN, our_token(type="APP_USER", whitelist="NEVER"), type="APP_USER")
    await asyncio.sleep(0.002)  # stamps have millisecond precision
    response = await admin(hub, "PATCH", OUR_TOKEN, {"valid": False}, type="APP_USER")
    assert (response.status_code, response.json()["status_code"]) == (200, 1000)
    stored = (await admin(hub, "GET", OUR_TOKEN, type="APP_USER")).json()["data"]
    assert stored["valid"] is False
    put_event, patch_event = await change_events(hub)
    assert parse_datetime(stored["last_updated"]) > parse_datetime(put_event["body"]["last_updated"])
    assert patch_event["method"] == "PATCH"
    assert patch_event["body"] == {
        "valid": False,
        "uid": UID,
        "type": "APP_USER",
        "last_updated": stored["last_updated"],
    }
    same = await admin(hub, "PATCH", OUR_TOKEN, {"valid": False}, type="APP_USER")
    assert same.status_code == 200
    assert len(await change_events(hub)) == 2  # nothing changed: no event, no new stamp


async def test_admin_tokens_only_for_our_emsp_parties(hub: Platform) -> None:
    for party in ("GWY", "XYZ"):  # our CPO party, and a party we are not
        response = await admin(hub, "PUT", f"/admin/tokens/NL/{party}/{UID}", our_token(party_id=party))
        assert response.status_code == 404, party
    assert (await admin(hub, "GET", f"/admin/tokens/NL/GWY/{UID}")).status_code == 404
    assert await stored_tokens(hub) == {}


async def test_admin_token_errors_are_400_or_404(hub: Platform) -> None:
    invalid = await admin(hub, "PUT", OUR_TOKEN, our_token(issuer="x" * 65))
    assert invalid.status_code == 400
    assert invalid.json()["detail"].startswith("issuer: ")
    mismatch = await admin(hub, "PUT", OUR_TOKEN, our_token(type="OTHER"))
    assert mismatch.status_code == 400
    assert mismatch.json()["detail"].startswith("type: ")
    assert (await admin(hub, "GET", OUR_TOKEN)).status_code == 404
    assert (await admin(hub, "PATCH", OUR_TOKEN, {"valid": False})).status_code == 404
    assert (await admin(hub, "PUT", f"{OUR_TOKEN}/authorization", {})).status_code == 404
    assert (await admin(hub, "GET", OUR_TOKEN, type="card")).status_code == 400
    assert (await hub.client.get(OUR_TOKEN)).status_code == 401  # no bearer token
    assert await stored_tokens(hub) == {}


async def test_admin_authorization_policy_is_stored_apart_from_the_token(hub: Platform) -> None:
    await admin(hub, "PUT", OUR_TOKEN, our_token())
    token_before = (await admin(hub, "GET", OUR_TOKEN)).json()["data"]
    default = await admin(hub, "GET", f"{OUR_TOKEN}/authorization")
    assert default.json()["data"] == {}
    policy = {
        "allowed": "NO_CREDIT",
        "location_ids": ["LOC1"],
        "info": {"language": "en", "text": "No credit"},
    }
    assert (await admin(hub, "PUT", f"{OUR_TOKEN}/authorization", policy)).status_code == 200
    assert (await admin(hub, "GET", f"{OUR_TOKEN}/authorization")).json()["data"] == policy
    # Not part of the Token: not published, no new last_updated, no change event.
    assert (await admin(hub, "GET", OUR_TOKEN)).json()["data"] == token_before
    assert len(await change_events(hub)) == 1
    bad = await admin(hub, "PUT", f"{OUR_TOKEN}/authorization", {"allowed": "MAYBE"})
    assert bad.status_code == 400
    assert bad.json()["detail"].startswith("allowed: ")
    unknown_field = await admin(hub, "PUT", f"{OUR_TOKEN}/authorization", {"allow": "BLOCKED"})
    assert unknown_field.status_code == 400
    assert (await admin(hub, "PUT", f"{OUR_TOKEN}/authorization", {})).status_code == 200
    assert (await admin(hub, "GET", f"{OUR_TOKEN}/authorization")).json()["data"] == {}


async def test_import_tokens_writes_all_and_a_reimport_changes_nothing(hub: Platform) -> None:
    tokens = [our_token("T1"), our_token("T1", type="APP_USER", whitelist="NEVER"), our_token("T2")]
    response = await import_ours(hub, tokens)
    assert response.status_code == 200, response.text
    assert response.json() | {"invalid": []} == {
        "kind": "tokens",
        "total": 3,
        "created": 3,
        "updated": 0,
        "unchanged": 0,
        "written": True,
        "invalid": [],
    }
    stored = await stored_tokens(hub)
    assert set(stored) == {"NL*MSP*RFID:T1", "NL*MSP*APP_USER:T1", "NL*MSP*RFID:T2"}
    assert [e["object_id"] for e in await change_events(hub)] == ["T1", "T1", "T2"]
    tokens[2]["issuer"] = "Someone else"
    again = await import_ours(hub, tokens)
    assert (again.json()["unchanged"], again.json()["updated"]) == (2, 1)
    after = await stored_tokens(hub)
    assert after["NL*MSP*RFID:T1"] == stored["NL*MSP*RFID:T1"]
    assert after["NL*MSP*RFID:T2"]["last_updated"] != stored["NL*MSP*RFID:T2"]["last_updated"]
    assert len(await change_events(hub)) == 4


async def test_import_with_invalid_tokens_reports_each_and_writes_nothing(hub: Platform) -> None:
    tokens = [
        our_token("T1"),
        our_token("T2", whitelist="SOMETIMES"),
        make_token("T3", country_code="NL", party_id="GWY"),  # our CPO party does not own Tokens
        our_token("t1"),  # CiString: the same uid and type as item 0
    ]
    response = await import_ours(hub, tokens)
    assert response.status_code == 422
    invalid = response.json()["invalid"]
    assert [i["index"] for i in invalid] == [1, 2, 3]
    assert invalid[0]["reason"].startswith("whitelist: ")
    assert "not one of our EMSP parties" in invalid[1]["reason"]
    assert "repeats item 0" in invalid[2]["reason"]
    assert response.json()["written"] is False
    assert await stored_tokens(hub) == {}
    assert await change_events(hub) == []
    skipped = await import_ours(hub, tokens, skip_invalid="true")
    assert (skipped.status_code, skipped.json()["created"]) == (200, 1)
    assert set(await stored_tokens(hub)) == {"NL*MSP*RFID:T1"}


async def test_cli_import_tokens(tmp_path: Path, sqlite_template: Path, platforms: PlatformFactory) -> None:
    import shutil

    database = tmp_path / "cli.db"
    shutil.copy(sqlite_template, database)
    parties = json.dumps([p.model_dump(mode="json", exclude_none=True) for p in HUB_PARTIES])
    path = tmp_path / "tokens.json"
    path.write_text(json.dumps([our_token("T1"), our_token("T2", issuer="x" * 65)]), encoding="utf-8")
    env = cli_env(database, OCPI_HUB_PARTIES=parties)
    refused = run_cli(["import", "tokens", str(path)], env, tmp_path)
    assert refused.returncode == 1
    assert f"error: {path}: item 1: issuer: " in refused.stderr
    written = run_cli(["import", "tokens", str(path), "--skip-invalid"], env, tmp_path)
    assert written.returncode == 0, written.stderr
    assert json.loads(written.stdout)["created"] == 1
    hub = platforms(f"sqlite:///{database}", "cli.test", HUB_PARTIES, modules=MODULES)
    assert set(await stored_tokens(hub)) == {"NL*MSP*RFID:T1"}


# --- authorize_token: the CPO side ---------------------------------------------------------------------


def fake_emsp(network: PeerNetwork, answer: str, host: str = "emsp.test") -> list[httpx.Request]:
    """Replace the eMSP partner by a handler giving one kind of answer; returns the requests it got."""
    seen: list[httpx.Request] = []
    if answer == "unreachable":
        network.hosts.pop(host)
        return seen

    async def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        token = make_token(whitelist="NEVER", issuer="fresh from the eMSP")
        if answer == "timeout":
            raise httpx.ReadTimeout("timed out", request=request)
        if answer in ("ALLOWED", "BLOCKED"):
            info = {"allowed": answer, "token": token, "authorization_reference": "REF-1"}
            return httpx.Response(200, json=envelope(info))
        if answer == "2004":
            return httpx.Response(404, json=envelope(status_code=2004, message="Unknown Token"))
        if answer == "2002":
            return httpx.Response(200, json=envelope(status_code=2002, message="Not enough information"))
        if answer == "503":
            return httpx.Response(503, text="down for maintenance")
        assert answer == "bad reply"
        return httpx.Response(200, json=envelope({"allowed": "ALLOWED"}))

    network.attach_handler(host, handler)
    return seen


ALLOWED, BLOCKED, NOT_ALLOWED = AllowedType.ALLOWED, AllowedType.BLOCKED, AllowedType.NOT_ALLOWED
WHITELIST, REAL_TIME, NO_ANSWER = (
    AuthorizationSource.WHITELIST,
    AuthorizationSource.REAL_TIME,
    AuthorizationSource.NO_ANSWER,
)

# whitelist, the eMSP's answer, and the expected (allowed, source) for a valid pushed Token.
MATRIX = [
    *[("ALWAYS", answer, ALLOWED, WHITELIST) for answer in ("ALLOWED", "BLOCKED", "2004", "unreachable")],
    *[
        (whitelist, answer, expected, REAL_TIME)
        for whitelist in ("ALLOWED", "ALLOWED_OFFLINE", "NEVER")
        for answer, expected in (("ALLOWED", ALLOWED), ("BLOCKED", BLOCKED), ("2004", NOT_ALLOWED))
    ],
    # No answer: ALLOWED may use the whitelist whatever the reason, ALLOWED_OFFLINE only when offline.
    *[
        ("ALLOWED", answer, ALLOWED, WHITELIST)
        for answer in ("timeout", "unreachable", "503", "bad reply", "2002")
    ],
    *[
        ("ALLOWED_OFFLINE", answer, ALLOWED, WHITELIST)
        for answer in ("timeout", "unreachable", "503", "bad reply")
    ],
    ("ALLOWED_OFFLINE", "2002", NOT_ALLOWED, NO_ANSWER),
    *[
        ("NEVER", answer, NOT_ALLOWED, NO_ANSWER)
        for answer in ("timeout", "unreachable", "503", "bad reply", "2002")
    ],
]


@pytest.mark.parametrize(("whitelist", "answer", "allowed", "source"), MATRIX)
async def test_authorize_token_honours_the_whitelist(
    hub: Platform,
    emsp_token: str,
    network: PeerNetwork,
    whitelist: str,
    answer: str,
    allowed: AllowedType,
    source: AuthorizationSource,
) -> None:
    await push(hub, emsp_token, make_token(whitelist=whitelist))
    seen = fake_emsp(network, answer)
    result = await cpo_authorize(hub)
    assert (result.allowed, result.source) == (allowed, source), result.reason
    assert result.accepted is (allowed == ALLOWED)
    assert len(seen) == (0 if whitelist == "ALWAYS" or answer == "unreachable" else 1)
    assert result.token is not None
    if source == REAL_TIME and answer != "2004":
        assert result.token.issuer == "fresh from the eMSP"  # the eMSP's complete Token
        assert result.authorization_reference == "REF-1"
    else:
        assert result.token.whitelist == whitelist  # the pushed Token
        assert result.authorization_reference is None


@pytest.mark.parametrize("whitelist", ["ALLOWED", "ALLOWED_OFFLINE", "NEVER"])
async def test_an_invalid_pushed_token_is_still_authorized_in_real_time(
    hub: Platform, emsp_token: str, network: PeerNetwork, whitelist: str
) -> None:
    # "If a Token is: valid = false, when the whitelist field requires real-time authorization, the CPO SHALL do
    # a real-time authorization, the state of the Token might have changed."
    await push(hub, emsp_token, make_token(whitelist=whitelist, valid=False))
    seen = fake_emsp(network, "ALLOWED")
    result = await cpo_authorize(hub)
    assert (result.allowed, result.source, len(seen)) == (ALLOWED, REAL_TIME, 1)


@pytest.mark.parametrize(
    ("whitelist", "answer", "source"),
    [
        ("ALWAYS", "ALLOWED", WHITELIST),
        ("ALLOWED", "timeout", WHITELIST),
        ("ALLOWED_OFFLINE", "unreachable", WHITELIST),
    ],
)
async def test_an_invalid_pushed_token_deciding_is_blocked(
    hub: Platform,
    emsp_token: str,
    network: PeerNetwork,
    whitelist: str,
    answer: str,
    source: AuthorizationSource,
) -> None:
    await push(hub, emsp_token, make_token(whitelist=whitelist, valid=False))
    fake_emsp(network, answer)
    result = await cpo_authorize(hub)
    assert (result.allowed, result.source) == (BLOCKED, source)


async def test_real_time_request_goes_to_the_emsp_tokens_sender_with_location_and_routing(
    hub: Platform, emsp_token: str, network: PeerNetwork
) -> None:
    location = make_location("LOC1")  # one of our own Locations, of our CPO NL*GWY
    assert (await admin(hub, "PUT", "/admin/locations/NL/GWY/LOC1", location)).status_code == 201
    await push(hub, emsp_token, make_token("A B", whitelist="NEVER"), uid="A B")
    seen = fake_emsp(network, "ALLOWED")
    await cpo_authorize(hub, "A B", location_id="LOC1", evse_uids=["LOC1-1"])
    [request] = seen
    assert request.method == "POST"
    assert request.url.raw_path.split(b"?")[0] == f"{SENDER}/A%20B/authorize".encode()
    assert request.url.params["type"] == "RFID"
    assert json.loads(request.content) == {"location_id": "LOC1", "evse_uids": ["LOC1-1"]}
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["Authorization"].startswith("Token ")
    routing = {
        name: request.headers.get(name)
        for name in (
            "OCPI-to-country-code",
            "OCPI-to-party-id",
            "OCPI-from-country-code",
            "OCPI-from-party-id",
        )
    }
    assert routing == {
        "OCPI-to-country-code": "DE",
        "OCPI-to-party-id": "MSP",
        "OCPI-from-country-code": "NL",
        "OCPI-from-party-id": "GWY",
    }
    without_location = await cpo_authorize(hub, "A B", token_type=TokenType.RFID, cpo=Owner.of("nl", "gwy"))
    assert without_location.accepted
    assert seen[1].content == b""


async def test_real_time_against_a_real_emsp_platform(hub: Platform, emsp: Platform, emsp_token: str) -> None:
    # The eMSP keeps its own Tokens and pushes them to us; its Sender answers our real-time requests.
    emsp_admin = f"/admin/tokens/DE/MSP/{UID}"
    token = make_token(whitelist="NEVER")
    assert (await emsp.client.put(emsp_admin, json=token, headers=ADMIN)).status_code == 201
    pushed = (await emsp.client.get(emsp_admin, headers=ADMIN)).json()["data"]
    await push(hub, emsp_token, pushed)
    allowed = await cpo_authorize(hub, location_id="LOC9", evse_uids=["E1"])
    assert (allowed.allowed, allowed.source) == (ALLOWED, REAL_TIME)
    assert allowed.authorization_reference is not None
    assert allowed.location is not None
    assert (allowed.location.location_id, allowed.location.evse_uids) == ("LOC9", ["E1"])
    assert allowed.token is not None
    assert allowed.token.uid == UID
    # The eMSP limits the Token to another Location; then it needs LocationReferences (2002).
    await emsp.client.put(f"{emsp_admin}/authorization", json={"location_ids": ["LOC1"]}, headers=ADMIN)
    refused = await cpo_authorize(hub, location_id="LOC9")
    assert (refused.allowed, refused.source) == (NOT_ALLOWED, REAL_TIME)
    no_location = await cpo_authorize(hub)
    assert (no_location.allowed, no_location.source) == (NOT_ALLOWED, NO_ANSWER)
    assert "2002" in no_location.reason


async def test_real_time_timeout_lets_the_whitelist_decide_in_time(
    hub: Platform, emsp_token: str, network: PeerNetwork
) -> None:
    await push(hub, emsp_token, make_token(whitelist="ALLOWED_OFFLINE"))
    called, never = asyncio.Event(), asyncio.Event()

    async def hanging(request: httpx.Request) -> httpx.Response:
        called.set()
        await never.wait()
        raise AssertionError("unreachable")

    network.attach_handler("emsp.test", hanging)
    result = await cpo_authorize(hub, real_time_timeout=0.05)
    assert called.is_set()
    assert (result.allowed, result.source) == (ALLOWED, WHITELIST)
    assert "no answer within 0.05 s" in result.reason


async def test_an_answer_allowing_other_evses_is_not_allowed_here(
    hub: Platform, emsp_token: str, network: PeerNetwork
) -> None:
    await push(hub, emsp_token, make_token(whitelist="NEVER"))

    async def other_evses(request: httpx.Request) -> httpx.Response:
        info = {
            "allowed": "ALLOWED",
            "token": make_token(),
            "location": {"location_id": "LOC1", "evse_uids": ["E2"]},
        }
        return httpx.Response(200, json=envelope(info))

    network.attach_handler("emsp.test", other_evses)
    here = await cpo_authorize(hub, location_id="LOC1", evse_uids=["E1"])
    assert (here.allowed, here.source) == (NOT_ALLOWED, REAL_TIME)
    there = await cpo_authorize(hub, location_id="LOC1", evse_uids=["e2"])
    assert there.accepted


async def test_the_type_is_part_of_the_lookup(hub: Platform, emsp_token: str, network: PeerNetwork) -> None:
    await push(hub, emsp_token, make_token(type="APP_USER", whitelist="ALWAYS"), type="APP_USER")
    fake_emsp(network, "unreachable")
    assert (await cpo_authorize(hub, token_type=TokenType.APP_USER)).accepted
    # Not pushed as RFID: asked of the only eMSP partner, which cannot be reached.
    unknown = await cpo_authorize(hub, token_type=TokenType.RFID)
    assert (unknown.allowed, unknown.source, unknown.token) == (NOT_ALLOWED, NO_ANSWER, None)


async def test_our_own_tokens_are_decided_here(hub: Platform, network: PeerNetwork) -> None:
    await import_ours(hub, [our_token(), our_token("BLOCKED1", valid=False)])
    own = await cpo_authorize(hub, location_id="LOC1")
    assert (own.allowed, own.source) == (ALLOWED, AuthorizationSource.OWN)
    assert own.authorization_reference is not None
    blocked = await cpo_authorize(hub, "BLOCKED1")
    assert (blocked.allowed, blocked.source) == (BLOCKED, AuthorizationSource.OWN)
    await admin(hub, "PUT", f"{OUR_TOKEN}/authorization", {"location_ids": ["LOC2"]})
    assert (await cpo_authorize(hub, location_id="LOC1")).allowed == NOT_ALLOWED
    assert not (await cpo_authorize(hub)).accepted  # needs the Location
    assert {r.url.host for r in network.requests} == {"hub.test"}  # no partner was asked


async def test_an_unknown_token_is_asked_of_the_only_emsp_partner_without_to_headers(
    hub: Platform, emsp_token: str, network: PeerNetwork
) -> None:
    seen = fake_emsp(network, "ALLOWED")
    result = await cpo_authorize(hub, "NEVER-PUSHED")
    assert (result.allowed, result.source) == (ALLOWED, REAL_TIME)
    [request] = seen
    assert request.url.path == f"{SENDER}/NEVER-PUSHED/authorize"
    assert "OCPI-to-party-id" not in request.headers
    fake_emsp(network, "2004")
    unknown = await cpo_authorize(hub, "NEVER-PUSHED")
    assert (unknown.allowed, unknown.source, unknown.token) == (NOT_ALLOWED, REAL_TIME, None)
    fake_emsp(network, "unreachable")
    offline = await cpo_authorize(hub, "NEVER-PUSHED")
    assert (offline.allowed, offline.source) == (NOT_ALLOWED, NO_ANSWER)


async def test_an_unknown_token_with_several_emsp_partners_is_asked_of_none(
    hub: Platform,
    emsp_token: str,
    network: PeerNetwork,
    platforms: PlatformFactory,
    new_sqlite_url: Callable[[], str],
) -> None:
    second = emsp_platform(platforms, new_sqlite_url(), "emsp2.test", party_id="MSQ")
    second_token, _ = await connect(hub, second)
    seen, seen2 = fake_emsp(network, "ALLOWED"), fake_emsp(network, "ALLOWED", "emsp2.test")
    result = await cpo_authorize(hub, "NEVER-PUSHED")
    assert (result.allowed, result.source, result.token) == (NOT_ALLOWED, AuthorizationSource.UNKNOWN, None)
    assert "2 partners" in result.reason
    assert seen == seen2 == []
    # The same uid pushed by both eMSPs: a valid Token beats a newer invalid one.
    await push(hub, emsp_token, make_token("DUP", whitelist="ALWAYS"), uid="DUP")
    newer = make_token(
        "DUP", party_id="MSQ", whitelist="ALWAYS", valid=False, last_updated="2026-06-01T00:00:00Z"
    )
    response = await hub.client.put(f"{RECEIVER}/DE/MSQ/DUP", json=newer, headers=ocpi_auth(second_token))
    assert response.status_code == 201
    dup = await cpo_authorize(hub, "DUP")
    assert dup.accepted
    assert dup.token is not None
    assert dup.token.party_id == "MSP"


async def test_an_unknown_token_with_no_emsp_partner_is_not_allowed(hub: Platform) -> None:
    result = await cpo_authorize(hub, "NEVER-PUSHED")
    assert (result.allowed, result.source) == (NOT_ALLOWED, AuthorizationSource.UNKNOWN)


async def test_tokens_of_a_removed_partner_no_longer_authorize(
    hub: Platform, emsp_token: str, network: PeerNetwork
) -> None:
    await push(hub, emsp_token, make_token(whitelist="ALWAYS"))
    assert (await cpo_authorize(hub)).accepted
    async with hub.app.state.sessionmaker() as session:
        from hub.partners.repository import PartnerRepository

        [partner] = await PartnerRepository(session).list()
    fake_emsp(network, "unreachable")
    removed = await hub.client.delete(f"/admin/partners/{partner.id}", headers=ADMIN)
    assert removed.status_code == 200, removed.text
    result = await cpo_authorize(hub)
    assert (result.allowed, result.source) == (NOT_ALLOWED, AuthorizationSource.UNKNOWN)
