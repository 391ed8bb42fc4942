"""Addressed requests through the hub (transport_and_format_message_routing, "Party to Party via Hub";
transport_and_format_unique_messageg_ids; status_codes 4001-4003): what the receiving platform gets, what the
requesting platform gets back, and the hub's errors when the receiver is unknown, slow, down or gone."""

from __future__ import annotations

import base64
import uuid

import httpx
import orjson
import pytest
from sqlalchemy import text

from hub.ocpi.enums import InterfaceRole, Role
from hub.partners.repository import PartnerRepository
from hub.routing import directory
from hub.tables import PartnerRecord, PartnerStatus
from hub.tables.base import utc_now
from tests.conftest import Platform, PlatformFactory
from tests.hub.routing_setup import (
    PREFIX,
    RawParty,
    add_raw_party,
    headers,
    make_cdr,
    make_hub,
    make_session,
)
from tests.network import PeerNetwork

CPO = ("NL", "CPA")
EMSP = ("BE", "RAW")
LOCATIONS = f"{PREFIX}/receiver/locations"


@pytest.fixture
async def hub(platforms: PlatformFactory, sqlite_url: str) -> Platform:
    """On SQLite: what these tests check happens outside the database; `engine_hub` runs on both engines."""
    return make_hub(platforms, sqlite_url)


@pytest.fixture
async def engine_hub(platforms: PlatformFactory, database_url: str) -> Platform:
    return make_hub(platforms, database_url)


@pytest.fixture
async def cpo(hub: Platform, network: PeerNetwork) -> RawParty:
    """The requesting platform: a CPO (its requests are sent from the test with its token)."""
    return await add_raw_party(hub, network, "cpo.test", [(*CPO, Role.CPO)])


@pytest.fixture
async def emsp(hub: Platform, network: PeerNetwork) -> RawParty:
    """The receiving platform: an eMSP that records what reaches it."""
    return await add_raw_party(hub, network, "emsp.test", [(*EMSP, Role.EMSP)])


def envelope(response: httpx.Response) -> dict[str, object]:
    body: dict[str, object] = response.json()
    return body


async def test_forwarded_put_reaches_the_receiver_unchanged_with_new_request_id_and_same_correlation_id(
    engine_hub: Platform, network: PeerNetwork
) -> None:
    hub = engine_hub
    cpo = await add_raw_party(hub, network, "cpo.test", [(*CPO, Role.CPO)])
    emsp = await add_raw_party(hub, network, "emsp.test", [(*EMSP, Role.EMSP)])
    # Odd spacing, an unknown field and a last_updated: the bytes must arrive as they were sent.
    body = b'{"id": "LOC1",   "x-unknown": [1, 2], "last_updated": "2026-01-01T00:00:00.123456+02:00"}'
    answer = b'{"status_code":1000,"status_message":"stored",  "timestamp":"2026-01-02T00:00:00Z"}'
    emsp.reply = lambda _r: httpx.Response(201, content=answer, headers={"Content-Type": "application/json"})
    response = await hub.client.put(
        f"{LOCATIONS}/NL/CPA/LOC1?x=1&y=%2F",
        content=body,
        headers=headers(cpo.token, to=EMSP, from_=CPO)
        | {"X-Request-ID": "req-1", "X-Correlation-ID": "corr-1", "Content-Type": "application/json"},
    )
    assert response.status_code == 201
    assert response.content == answer
    assert response.headers["X-Request-ID"] == "req-1"
    assert response.headers["X-Correlation-ID"] == "corr-1"
    # Direct response, hub to requesting platform: TO the requesting party, FROM the receiving one.
    assert (response.headers["OCPI-to-country-code"], response.headers["OCPI-to-party-id"]) == CPO
    assert (response.headers["OCPI-from-country-code"], response.headers["OCPI-from-party-id"]) == EMSP
    [forwarded] = emsp.requests
    assert forwarded.method == "PUT"
    assert str(forwarded.url) == f"{emsp.endpoint('locations', InterfaceRole.RECEIVER)}/NL/CPA/LOC1?x=1&y=%2F"
    assert forwarded.content == body
    assert forwarded.headers["Authorization"] == "Token " + base64.b64encode(emsp.token_out.encode()).decode()
    assert forwarded.headers["Content-Type"] == "application/json"
    request_id = forwarded.headers["X-Request-ID"]
    assert request_id != "req-1"
    uuid.UUID(request_id)
    assert forwarded.headers["X-Correlation-ID"] == "corr-1"
    assert (forwarded.headers["OCPI-to-country-code"], forwarded.headers["OCPI-to-party-id"]) == EMSP
    assert (forwarded.headers["OCPI-from-country-code"], forwarded.headers["OCPI-from-party-id"]) == CPO


async def test_every_request_gets_its_own_request_id_and_routing_headers_are_case_insensitive(
    hub: Platform, cpo: RawParty, emsp: RawParty
) -> None:
    lowercase = {"ocpi-to-country-code": "be", "ocpi-to-party-id": "raw"}
    for _ in range(2):
        response = await hub.client.get(
            f"{LOCATIONS}/NL/CPA/LOC1", headers=headers(cpo.token, from_=CPO) | lowercase
        )
        assert response.status_code == 200, response.text
    first, second = emsp.requests
    assert first.headers["X-Request-ID"] != second.headers["X-Request-ID"]
    assert first.headers["X-Correlation-ID"] != second.headers["X-Correlation-ID"]
    assert first.headers["OCPI-to-party-id"] == "RAW"


async def test_missing_from_is_filled_with_the_callers_only_party(
    hub: Platform, cpo: RawParty, emsp: RawParty
) -> None:
    response = await hub.client.get(f"{LOCATIONS}/NL/CPA/LOC1", headers=headers(cpo.token, to=EMSP))
    assert response.status_code == 200, response.text
    [forwarded] = emsp.requests
    assert (forwarded.headers["OCPI-from-country-code"], forwarded.headers["OCPI-from-party-id"]) == CPO


async def test_a_callers_several_parties_must_say_which_one_asks(
    hub: Platform, network: PeerNetwork, emsp: RawParty
) -> None:
    both = await add_raw_party(hub, network, "both.test", [("DE", "CPB", Role.CPO), ("DE", "MSB", Role.EMSP)])
    response = await hub.client.get(f"{PREFIX}/sender/tokens", headers=headers(both.token, to=EMSP))
    assert envelope(response)["status_code"] == 2001
    assert "OCPI-from-country-code/OCPI-from-party-id are required" in str(
        envelope(response)["status_message"]
    )
    assert "DE*CPB, DE*MSB" in str(envelope(response)["status_message"])
    response = await hub.client.get(
        f"{PREFIX}/sender/tokens", headers=headers(both.token, to=EMSP, from_=("DE", "CPB"))
    )
    assert envelope(response)["status_code"] == 1000
    assert [r.headers["OCPI-from-party-id"] for r in emsp.requests] == ["CPB"]


@pytest.mark.parametrize(
    "claimed", [("BE", "RAW"), ("NL", "HUB"), ("XX", "NOP")], ids=["another-party", "the-hub", "unknown"]
)
async def test_from_naming_a_party_the_caller_does_not_hold_is_2001_and_nothing_is_forwarded(
    hub: Platform, cpo: RawParty, emsp: RawParty, claimed: tuple[str, str]
) -> None:
    response = await hub.client.get(
        f"{LOCATIONS}/NL/CPA/LOC1", headers=headers(cpo.token, to=EMSP, from_=claimed)
    )
    assert response.status_code == 200
    assert envelope(response)["status_code"] == 2001
    message = str(envelope(response)["status_message"])
    assert "OCPI-from-country-code/OCPI-from-party-id" in message
    assert f"{claimed[0]}*{claimed[1]}" in message
    assert emsp.requests == []


async def test_an_object_url_naming_another_owner_than_from_is_2001(
    hub: Platform, cpo: RawParty, emsp: RawParty
) -> None:
    response = await hub.client.put(
        f"{LOCATIONS}/DE/CPB/LOC1", json={"id": "LOC1"}, headers=headers(cpo.token, to=EMSP, from_=CPO)
    )
    assert envelope(response)["status_code"] == 2001
    assert "DE*CPB" in str(envelope(response)["status_message"])
    assert emsp.requests == []


async def test_malformed_routing_headers_are_2001_and_a_bad_token_is_401(
    hub: Platform, cpo: RawParty, emsp: RawParty
) -> None:
    response = await hub.client.get(
        f"{LOCATIONS}/NL/CPA/LOC1", headers=headers(cpo.token) | {"OCPI-to-party-id": "RAW"}
    )
    assert envelope(response)["status_code"] == 2001
    assert "OCPI-to-country-code is required" in str(envelope(response)["status_message"])
    response = await hub.client.get(f"{LOCATIONS}/NL/CPA/LOC1", headers=headers("wrong", to=EMSP))
    assert response.status_code == 401
    assert emsp.requests == []


async def test_paths_no_router_of_the_hub_defines_are_forwarded_too(
    hub: Platform, cpo: RawParty, emsp: RawParty
) -> None:
    response = await hub.client.delete(
        f"{LOCATIONS}/NL/CPA/LOC1/EVSE/1/extra", headers=headers(cpo.token, to=EMSP)
    )
    assert response.status_code == 200
    assert [(r.method, r.url.path) for r in emsp.requests] == [
        ("DELETE", "/ocpi/2.2.1/receiver/locations/NL/CPA/LOC1/EVSE/1/extra")
    ]


async def test_receiver_errors_reach_the_sender_unchanged(
    hub: Platform, cpo: RawParty, emsp: RawParty
) -> None:
    refusal = b'{"status_code":2001,"status_message":"bad evse","timestamp":"2026-01-01T00:00:00Z"}'
    emsp.reply = lambda _r: httpx.Response(200, content=refusal)
    response = await hub.client.put(f"{LOCATIONS}/NL/CPA/L", json={}, headers=headers(cpo.token, to=EMSP))
    assert (response.status_code, response.content) == (200, refusal)
    emsp.reply = lambda _r: httpx.Response(404, content=b'{"status_code":2000}')
    response = await hub.client.get(f"{LOCATIONS}/NL/CPA/L", headers=headers(cpo.token, to=EMSP))
    assert (response.status_code, response.content) == (404, b'{"status_code":2000}')
    emsp.reply = lambda _r: httpx.Response(503, text="down for maintenance")
    response = await hub.client.get(f"{LOCATIONS}/NL/CPA/L", headers=headers(cpo.token, to=EMSP))
    assert (response.status_code, response.text) == (503, "down for maintenance")


async def test_link_is_rewritten_through_the_hub_and_pagination_headers_are_copied(
    hub: Platform, cpo: RawParty, emsp: RawParty
) -> None:
    their = emsp.endpoint("locations", InterfaceRole.SENDER)
    emsp.reply = lambda _r: httpx.Response(
        200,
        json={"data": [], "status_code": 1000, "timestamp": "2026-01-01T00:00:00Z"},
        headers={
            "X-Total-Count": "7",
            "X-Limit": "2",
            "Link": f'<{their}?offset=2&limit=2&date_from=2026-01-01T00:00:00Z>; rel="next"',
        },
    )
    response = await hub.client.get(f"{PREFIX}/sender/locations?limit=2", headers=headers(cpo.token, to=EMSP))
    assert response.headers["X-Total-Count"] == "7"
    assert response.headers["X-Limit"] == "2"
    assert response.headers["Link"] == (
        f'<{hub.base_url}{PREFIX}/sender/locations?offset=2&limit=2&date_from=2026-01-01T00:00:00Z>; rel="next"'
    )


async def test_unknown_receiver_is_4001_naming_it(hub: Platform, cpo: RawParty) -> None:
    response = await hub.client.get(f"{LOCATIONS}/NL/CPA/L", headers=headers(cpo.token, to=("XX", "NOP")))
    assert response.status_code == 200
    assert envelope(response)["status_code"] == 4001
    assert "XX*NOP" in str(envelope(response)["status_message"])


async def test_slow_receiver_is_4002_within_the_routing_timeout(
    hub: Platform, cpo: RawParty, emsp: RawParty
) -> None:
    hub.settings.routing_timeout = 0.2
    emsp.hang = True
    response = await hub.client.get(f"{LOCATIONS}/NL/CPA/L", headers=headers(cpo.token, to=EMSP))
    assert response.status_code == 200
    assert envelope(response)["status_code"] == 4002
    assert "BE*RAW did not answer within 0.2 s" in str(envelope(response)["status_message"])
    assert len(emsp.requests) == 1


async def test_receiver_that_refuses_connections_is_4003(
    hub: Platform, cpo: RawParty, emsp: RawParty
) -> None:
    emsp.down()
    response = await hub.client.get(f"{LOCATIONS}/NL/CPA/L", headers=headers(cpo.token, to=EMSP))
    assert envelope(response)["status_code"] == 4003
    assert "BE*RAW cannot be reached" in str(envelope(response)["status_message"])


async def test_receiver_that_refuses_the_hubs_token_is_4003_not_401(
    hub: Platform, cpo: RawParty, emsp: RawParty
) -> None:
    emsp.reply = lambda _r: httpx.Response(401, json={"status_code": 2000})
    response = await hub.client.get(f"{LOCATIONS}/NL/CPA/L", headers=headers(cpo.token, to=EMSP))
    assert response.status_code == 200
    assert envelope(response)["status_code"] == 4003


@pytest.mark.parametrize("change", ["unregistered", "suspended"])
async def test_receiver_unregistered_or_suspended_is_4003_and_nothing_is_sent(
    engine_hub: Platform, network: PeerNetwork, change: str
) -> None:
    hub = engine_hub
    cpo = await add_raw_party(hub, network, "cpo.test", [(*CPO, Role.CPO)])
    emsp = await add_raw_party(hub, network, "emsp.test", [(*EMSP, Role.EMSP)])
    async with hub.app.state.sessionmaker() as session:
        partner = await session.get(PartnerRecord, emsp.partner_id)
        assert partner is not None
        if change == "unregistered":
            partner.status = PartnerStatus.UNREGISTERED
        else:
            partner.suspended_at = utc_now()
        session.add(partner)
        await session.commit()
    response = await hub.client.get(f"{LOCATIONS}/NL/CPA/L", headers=headers(cpo.token, to=EMSP))
    assert envelope(response)["status_code"] == 4003
    assert "BE*RAW" in str(envelope(response)["status_message"])
    assert change in str(envelope(response)["status_message"])
    assert emsp.requests == []


async def test_receiver_without_an_endpoint_for_the_module_and_role_is_4003(
    hub: Platform, network: PeerNetwork, cpo: RawParty
) -> None:
    locations_only = await add_raw_party(
        hub, network, "nsp.test", [("SE", "NSP", Role.NSP)], modules=("locations",)
    )
    response = await hub.client.put(
        f"{PREFIX}/receiver/tariffs/NL/CPA/T1", json={}, headers=headers(cpo.token, to=("SE", "NSP"))
    )
    assert envelope(response)["status_code"] == 4003
    assert "SE*NSP has no tariffs RECEIVER endpoint" in str(envelope(response)["status_message"])
    assert locations_only.requests == []


async def test_requests_to_the_hub_party_are_not_forwarded(
    hub: Platform, cpo: RawParty, emsp: RawParty
) -> None:
    response = await hub.client.get(
        f"{PREFIX}/sender/locations", headers=headers(cpo.token, to=("NL", "HUB"))
    )
    assert response.status_code == 200
    assert envelope(response)["status_code"] == 1000
    assert "OCPI-from-party-id" not in response.headers or response.headers["OCPI-from-party-id"] != "RAW"
    assert emsp.requests == []


async def test_without_the_hub_role_nothing_is_forwarded(
    platforms: PlatformFactory, sqlite_url: str, network: PeerNetwork
) -> None:
    plain = platforms(sqlite_url, "plain.test")
    raw = await add_raw_party(plain, network, "emsp.test", [(*EMSP, Role.EMSP)])
    response = await plain.client.get(f"{PREFIX}/sender/locations", headers=headers(raw.token, to=EMSP))
    assert envelope(response)["status_code"] == 1000
    assert raw.requests == []
    assert orjson.loads(response.content)["data"] == []


async def test_a_suspension_or_a_withdrawn_token_takes_effect_at_once(
    hub: Platform, cpo: RawParty, emsp: RawParty
) -> None:
    response = await hub.client.get(f"{LOCATIONS}/NL/CPA/L", headers=headers(cpo.token, to=EMSP))
    assert envelope(response)["status_code"] == 1000
    async with hub.app.state.sessionmaker() as session:
        partner = await session.get(PartnerRecord, emsp.partner_id)
        assert partner is not None
        partner.suspended_at = utc_now()
        session.add(partner)
        await session.commit()
    response = await hub.client.get(f"{LOCATIONS}/NL/CPA/L", headers=headers(cpo.token, to=EMSP))
    assert envelope(response)["status_code"] == 4003
    async with hub.app.state.sessionmaker() as session:
        caller = await session.get(PartnerRecord, cpo.partner_id)
        assert caller is not None
        await PartnerRepository(session).drop_tokens(caller)  # a bulk DELETE, not an ORM change
        await session.commit()
    response = await hub.client.get(f"{LOCATIONS}/NL/CPA/L", headers=headers(cpo.token, to=EMSP))
    assert response.status_code == 401
    assert len(emsp.requests) == 1


async def test_a_change_made_by_another_process_is_seen_within_the_directorys_lifetime(
    hub: Platform, cpo: RawParty, emsp: RawParty, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = [1000.0]
    monkeypatch.setattr("hub.routing.directory.time.monotonic", lambda: clock[0])
    response = await hub.client.get(f"{LOCATIONS}/NL/CPA/L", headers=headers(cpo.token, to=EMSP))
    assert envelope(response)["status_code"] == 1000
    async with hub.app.state.sessionmaker() as session:
        # Another hub process suspends the partner: nothing in this process sees the commit.
        await session.exec(
            text("UPDATE partner SET suspended_at = '2026-01-01 00:00:00' WHERE id = :id").bindparams(
                id=emsp.partner_id
            )
        )
        await session.commit()
    response = await hub.client.get(f"{LOCATIONS}/NL/CPA/L", headers=headers(cpo.token, to=EMSP))
    assert envelope(response)["status_code"] == 1000
    clock[0] += directory.TTL + 0.001
    response = await hub.client.get(f"{LOCATIONS}/NL/CPA/L", headers=headers(cpo.token, to=EMSP))
    assert envelope(response)["status_code"] == 4003
    assert len(emsp.requests) == 2


async def test_sessions_and_cdrs_go_only_to_the_emsp_of_their_token(
    hub: Platform, network: PeerNetwork, cpo: RawParty, emsp: RawParty
) -> None:
    other = await add_raw_party(hub, network, "other.test", [("DE", "MSB", Role.EMSP)])
    session = make_session(CPO, EMSP, "S1")
    sessions = f"{PREFIX}/receiver/sessions/NL/CPA/S1"
    response = await hub.client.put(sessions, json=session, headers=headers(cpo.token, to=("DE", "MSB")))
    assert envelope(response)["status_code"] == 2001
    assert envelope(response)["status_message"] == (
        "a Session S1 goes only to the eMSP of its cdr_token (BE*RAW), not to DE*MSB"
    )
    response = await hub.client.post(
        f"{PREFIX}/receiver/cdrs", json=make_cdr(CPO, EMSP), headers=headers(cpo.token, to=("DE", "MSB"))
    )
    assert envelope(response)["status_code"] == 2001
    response = await hub.client.put(sessions, json=session, headers=headers(cpo.token, to=EMSP))
    assert envelope(response)["status_code"] == 1000
    patch = {"kwh": 2.0, "last_updated": "2026-03-01T00:00:00Z"}
    response = await hub.client.patch(sessions, json=patch, headers=headers(cpo.token, to=("DE", "MSB")))
    assert envelope(response)["status_code"] == 2001
    assert other.requests == []
    assert [r.method for r in emsp.requests] == ["PUT"]
