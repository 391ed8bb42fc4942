"""Who receives which push, with which method, URL and headers (issue 6 items 1-2; DESIGN decision 5;
transport_and_format_client_owned_object_push, transport_and_format_message_routing)."""

from __future__ import annotations

import base64
import uuid

from tests.outbox.conftest import PushHub, make_cdr
from tests.outbox.fake_partner import PREFIX, Fakes, Received


def _paths(pushes: list[Received]) -> list[str]:
    return [
        f"{r.method} {r.path.removeprefix(PREFIX)}" + (f"?type={r.query['type']}" if r.query else "")
        for r in pushes
    ]


async def test_locations_and_tariffs_go_to_emsps_tokens_to_cpos_and_no_endpoint_means_nothing(
    hub: PushHub, fakes: Fakes
) -> None:
    emsp = await fakes("emsp", roles=[("EMSP", "DE", "MSP")])
    cpo = await fakes("cpo", roles=[("CPO", "BE", "CPO")])
    tariffs_only = await fakes("nsp", roles=[("NSP", "FR", "NAV")], receivers=["tariffs"])
    for fake in (emsp, cpo, tariffs_only):
        await hub.add_partner(fake)

    await hub.put_tariff("T1")
    location = await hub.put_location("LOC1", evses=1, connectors=1)
    token = {
        "country_code": "NL",
        "party_id": "MSP",
        "uid": "TOK1",
        "type": "RFID",
        "contract_id": "NL-MSP-C00001",
        "issuer": "Gateway eMSP",
        "valid": True,
        "whitelist": "ALLOWED",
    }
    await hub.admin("PUT", "tokens/NL/MSP/TOK1", token, type="RFID")
    await hub.drain()

    assert _paths(emsp.pushes()) == ["PUT /tariffs/NL/GWY/T1", "PUT /locations/NL/GWY/LOC1"]
    assert _paths(cpo.pushes()) == ["PUT /tokens/NL/MSP/TOK1?type=RFID"]
    assert _paths(tariffs_only.pushes()) == ["PUT /tariffs/NL/GWY/T1"]
    assert emsp.pushes("locations")[0].body == location
    stored_token = (await hub.admin("GET", "tokens/NL/MSP/TOK1", type="RFID")).json()["data"]
    assert cpo.model.objects[("tokens", "NL", "MSP", "TOK1", "RFID")] == stored_token
    assert all(r.accepted for fake in (emsp, cpo, tariffs_only) for r in fake.pushes())


async def test_a_push_carries_the_partners_token_request_ids_and_routing_headers(
    hub: PushHub, fakes: Fakes
) -> None:
    emsp = await fakes("emsp", roles=[("EMSP", "DE", "MSP")])
    await hub.add_partner(emsp)
    await hub.put_location("LOC1", evses=1)
    await hub.put_location("LOC2", evses=1)
    await hub.drain()

    first, second = emsp.pushes()
    assert first.headers["authorization"] == "Token " + base64.b64encode(emsp.token.encode()).decode()
    assert first.headers["content-type"] == "application/json"
    for name in ("x-request-id", "x-correlation-id"):
        uuid.UUID(first.headers[name])
        assert first.headers[name] != second.headers[name]
    routing = {k: v for k, v in first.headers.items() if k.startswith("ocpi-")}
    assert routing == {
        "ocpi-from-country-code": "NL",
        "ocpi-from-party-id": "GWY",
        "ocpi-to-country-code": "DE",
        "ocpi-to-party-id": "MSP",
    }


async def test_an_evse_or_connector_change_is_a_patch_of_the_changed_fields_and_last_updated(
    hub: PushHub, fakes: Fakes
) -> None:
    emsp = await fakes("emsp")
    await hub.add_partner(emsp)
    await hub.put_location("LOC1", evses=2, connectors=2)
    await hub.drain()

    await hub.set_status("CHARGING", evse_uid="LOC1-2")
    await hub.admin("PATCH", "locations/NL/GWY/LOC1/LOC1-1/2", {"max_amperage": 32})
    await hub.drain()

    stored = await hub.location()
    put, evse_patch, connector_patch = emsp.pushes()
    assert put.method == "PUT"
    assert (evse_patch.method, evse_patch.path) == ("PATCH", f"{PREFIX}/locations/NL/GWY/LOC1/LOC1-2")
    assert evse_patch.body == {"status": "CHARGING", "last_updated": stored["evses"][1]["last_updated"]}
    assert (connector_patch.method, connector_patch.path) == (
        "PATCH",
        f"{PREFIX}/locations/NL/GWY/LOC1/LOC1-1/2",
    )
    assert connector_patch.body == {
        "max_amperage": 32,
        "last_updated": stored["evses"][0]["connectors"][1]["last_updated"],
    }
    # Applied as a Receiver applies them, the partner holds exactly what we hold.
    assert emsp.model.get("locations", "NL", "GWY", "LOC1") == stored

    # Nothing more goes out: not on another round, not for a PUT that changes nothing.
    await hub.admin("PUT", "locations/NL/GWY/LOC1", stored)
    await hub.drain()
    await hub.drain()
    assert len(emsp.pushes()) == 3
    assert [r.state for r in await hub.outbox()] == ["DELIVERED"] * 3


async def test_sessions_and_cdrs_go_only_to_the_emsp_owning_the_token(hub: PushHub, fakes: Fakes) -> None:
    owner = await fakes("owner", roles=[("EMSP", "DE", "MSP")])
    other = await fakes("other", roles=[("EMSP", "FR", "MSQ")])
    cpo = await fakes("cpo", roles=[("CPO", "BE", "CPO")])
    for fake in (owner, other, cpo):
        await hub.add_partner(fake)
    await hub.put_tariff("T1")
    await hub.put_location("LOC1", evses=1, connectors=1, tariff_ids=["T1"])
    await hub.drain()
    before = {fake.name: len(fake.pushes()) for fake in (owner, other, cpo)}

    await hub.put_session("S1", token=("DE", "MSP"))
    await hub.drain()
    period = {"start_date_time": "2026-01-05T10:00:00Z", "dimensions": [{"type": "ENERGY", "volume": 2.5}]}
    await hub.patch_session(
        "S1", {"kwh": 2.5, "charging_periods": [period], "last_updated": "2026-01-05T10:15:00Z"}
    )
    await hub.drain()
    cdr = (await hub.admin("POST", "cdrs", make_cdr("CDR1", token=("DE", "MSP")))).json()["data"]
    await hub.drain()

    session_put, session_patch, cdr_post = owner.pushes()[before["owner"] :]
    stored_session = (await hub.admin("GET", "sessions/NL/GWY/S1")).json()["data"]
    assert (session_put.method, session_put.path) == ("PUT", f"{PREFIX}/sessions/NL/GWY/S1")
    assert (session_patch.method, session_patch.path) == ("PATCH", f"{PREFIX}/sessions/NL/GWY/S1")
    assert session_patch.body == {
        "kwh": 2.5,
        "charging_periods": [period],
        "last_updated": stored_session["last_updated"],
    }
    assert owner.model.get("sessions", "NL", "GWY", "S1") == stored_session
    # CDRs are POSTed to the endpoint itself (mod_cdrs_post_method), whole.
    assert (cdr_post.method, cdr_post.path, cdr_post.body) == ("POST", f"{PREFIX}/cdrs", cdr)
    assert len(other.pushes()) == before["other"]
    assert len(cpo.pushes()) == before["cpo"]


async def test_a_partner_registered_through_the_credentials_handshake_gets_pushes_at_its_endpoints(
    hub: PushHub, fakes: Fakes
) -> None:
    emsp = await fakes("handshake", roles=[("EMSP", "DE", "MSP")], receivers=["locations", "tariffs"])
    registered = await hub.admin(
        "POST", "partners/register", {"versions_url": emsp.versions_url, "token": emsp.token_a}
    )
    assert registered.json()["status"] == "REGISTERED"

    token_a = "Token " + base64.b64encode(emsp.token_a.encode()).decode()
    handshake = [(r.method, r.path, r.headers["authorization"]) for r in emsp.requests]
    assert handshake == [
        ("GET", "/ocpi/versions", token_a),
        ("GET", PREFIX, token_a),
        ("POST", f"{PREFIX}/credentials", token_a),
    ]
    assert emsp.hub_credentials is not None
    assert emsp.hub_credentials["url"] == "http://hub.test/ocpi/versions"

    await hub.put_tariff("T1")
    await hub.put_location("LOC1", evses=1)
    await hub.drain()
    assert _paths(emsp.pushes()) == ["PUT /tariffs/NL/GWY/T1", "PUT /locations/NL/GWY/LOC1"]
    token_c = "Token " + base64.b64encode(emsp.token.encode()).decode()
    assert {r.headers["authorization"] for r in emsp.pushes()} == {token_c}
    assert all(r.accepted for r in emsp.pushes())
