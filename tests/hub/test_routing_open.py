"""Open routing (transport_and_format_message_routing_open_routing_request, "Party to Party Open Routing
Request"): requests without OCPI-to-* go where their content says (a Session or CDR to its token's eMSP, a
command to its Location's CPO or to the CPO of the Session or reservation it is about, an authorization to the
Token's owner) and get OCPI-to-* on the way; pushes and lists without a receiver are the hub's own; what names
no receiver the hub can find is 4001."""

from __future__ import annotations

import httpx
import orjson
import pytest
from sqlmodel import select

from hub.config import LocalParty
from hub.modules.objects import to_json
from hub.ocpi.base import parse_datetime
from hub.ocpi.enums import Role
from hub.tables import LocationRecord
from hub.tables.sessions import SessionRecord
from hub.tables.tokens import TokenRecord
from tests.conftest import Platform, PlatformFactory
from tests.fixtures_locations import make_location
from tests.hub.routing_setup import (
    HUB,
    PREFIX,
    RawParty,
    add_raw_party,
    headers,
    make_cdr,
    make_hub,
    make_session,
    make_token,
)
from tests.network import PeerNetwork

CPO, CPO2, EMSP, EMSP2 = ("NL", "CPA"), ("DE", "CPB"), ("FR", "MSC"), ("DE", "MSB")


class Parties:
    def __init__(self, cpo: RawParty, cpo2: RawParty, emsp: RawParty, emsp2: RawParty) -> None:
        self.cpo, self.cpo2, self.emsp, self.emsp2 = cpo, cpo2, emsp, emsp2

    def all(self) -> list[RawParty]:
        return [self.cpo, self.cpo2, self.emsp, self.emsp2]


async def around(hub: Platform, network: PeerNetwork) -> Parties:
    return Parties(
        await add_raw_party(hub, network, "cpo.test", [(*CPO, Role.CPO)]),
        await add_raw_party(hub, network, "cpo2.test", [(*CPO2, Role.CPO)]),
        await add_raw_party(hub, network, "emsp.test", [(*EMSP, Role.EMSP)]),
        await add_raw_party(hub, network, "emsp2.test", [(*EMSP2, Role.EMSP)]),
    )


@pytest.fixture
async def hub(platforms: PlatformFactory, sqlite_url: str) -> Platform:
    return make_hub(platforms, sqlite_url)


@pytest.fixture
async def engine_hub(platforms: PlatformFactory, database_url: str) -> Platform:
    return make_hub(platforms, database_url)


async def keep(hub: Platform, record: LocationRecord | TokenRecord) -> None:
    """An object a party pushed to the hub (as a Broadcast Push leaves it stored)."""
    async with hub.app.state.sessionmaker() as session:
        session.add(record)
        await session.commit()


def location_record(owner: tuple[str, str], partner_id: int, location_id: str) -> LocationRecord:
    body = make_location(location_id, country_code=owner[0], party_id=owner[1])
    return LocationRecord(
        country_code=owner[0],
        party_id=owner[1],
        object_key=location_id.upper(),
        partner_id=partner_id,
        last_updated=parse_datetime(body["last_updated"]),
        body=to_json(body),
    )


def routed(raw: RawParty) -> list[tuple[str, str, tuple[str, str], tuple[str, str]]]:
    """Method, path, OCPI-to-* and OCPI-from-* of each request that reached `raw`."""
    return [
        (
            r.method,
            r.url.path,
            (r.headers["OCPI-to-country-code"], r.headers["OCPI-to-party-id"]),
            (r.headers["OCPI-from-country-code"], r.headers["OCPI-from-party-id"]),
        )
        for r in raw.requests
    ]


def status(response: httpx.Response) -> tuple[int, str]:
    body = orjson.loads(response.content)
    return body["status_code"], body.get("status_message", "")


SESSIONS = f"{PREFIX}/receiver/sessions"
COMMANDS = f"{PREFIX}/receiver/commands"


async def test_a_session_goes_to_its_token_owner_and_later_requests_about_it_follow(
    engine_hub: Platform, network: PeerNetwork
) -> None:
    hub = engine_hub
    p = await around(hub, network)
    session = make_session(CPO, EMSP, "S1")
    response = await hub.client.put(f"{SESSIONS}/NL/CPA/S1", json=session, headers=headers(p.cpo.token))
    assert status(response)[0] == 1000
    patch = {"kwh": 1.0, "last_updated": "2026-03-01T00:00:00Z"}
    response = await hub.client.patch(f"{SESSIONS}/NL/CPA/S1", json=patch, headers=headers(p.cpo.token))
    assert status(response)[0] == 1000
    response = await hub.client.get(f"{SESSIONS}/NL/CPA/s1", headers=headers(p.cpo.token))
    assert status(response)[0] == 1000
    path = f"{SESSIONS}/NL/CPA"
    assert routed(p.emsp) == [
        ("PUT", f"{path}/S1", EMSP, CPO),
        ("PATCH", f"{path}/S1", EMSP, CPO),
        ("GET", f"{path}/s1", EMSP, CPO),
    ]
    assert p.emsp.requests[0].content == orjson.dumps(session)
    # The eMSP stops it without knowing the CPO; another eMSP cannot reach it that way.
    stop = {"response_url": "http://emsp.test/r/1", "session_id": "S1"}
    response = await hub.client.post(f"{COMMANDS}/STOP_SESSION", json=stop, headers=headers(p.emsp.token))
    assert status(response)[0] == 1000
    assert routed(p.cpo) == [("POST", f"{COMMANDS}/STOP_SESSION", CPO, EMSP)]
    response = await hub.client.post(f"{COMMANDS}/STOP_SESSION", json=stop, headers=headers(p.emsp2.token))
    assert status(response) == (
        4001,
        "cannot route: Session S1 of DE*MSB was not PUT through this hub; "
        "send OCPI-to-country-code and OCPI-to-party-id",
    )
    response = await hub.client.patch(f"{SESSIONS}/NL/CPA/S2", json=patch, headers=headers(p.cpo.token))
    assert status(response)[0] == 4001
    assert "Session NL*CPA*S2 was not PUT through this hub" in status(response)[1]
    assert len(p.cpo.requests) == 1
    assert p.cpo2.requests == p.emsp2.requests == []


async def test_a_cdr_goes_to_its_token_owner(hub: Platform, network: PeerNetwork) -> None:
    p = await around(hub, network)
    response = await hub.client.post(
        f"{PREFIX}/receiver/cdrs", json=make_cdr(CPO, EMSP2), headers=headers(p.cpo.token)
    )
    assert status(response)[0] == 1000
    assert routed(p.emsp2) == [("POST", f"{PREFIX}/receiver/cdrs", EMSP2, CPO)]
    assert p.emsp.requests == []


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"cdr_token": {"country_code": "XX", "party_id": "NOP"}},
            "XX*NOP is not a party connected to this hub",
        ),
        ({"cdr_token": None}, "cannot route: the Session names no cdr_token owner"),
    ],
    ids=["unknown-owner", "no-owner"],
)
async def test_a_session_without_a_known_token_owner_is_4001_and_not_kept_by_the_hub(
    hub: Platform, network: PeerNetwork, change: dict[str, object], message: str
) -> None:
    p = await around(hub, network)
    session = {**make_session(CPO, EMSP, "S1"), **change}
    response = await hub.client.put(f"{SESSIONS}/NL/CPA/S1", json=session, headers=headers(p.cpo.token))
    assert status(response)[0] == 4001
    assert message in status(response)[1]
    async with hub.app.state.sessionmaker() as db:
        assert (await db.exec(select(SessionRecord))).all() == []
    assert all(raw.requests == [] for raw in p.all())


async def test_commands_go_to_the_cpo_of_their_location_and_reservations_are_remembered(
    engine_hub: Platform, network: PeerNetwork
) -> None:
    hub = engine_hub
    p = await around(hub, network)
    await keep(hub, location_record(CPO, p.cpo.partner_id, "LOC1"))
    await keep(hub, location_record(CPO, p.cpo.partner_id, "LOC9"))
    await keep(hub, location_record(CPO2, p.cpo2.partner_id, "LOC9"))
    token = make_token(EMSP, "APP1")
    start = {"response_url": "http://emsp.test/r/1", "token": token, "location_id": "loc1"}
    response = await hub.client.post(f"{COMMANDS}/START_SESSION", json=start, headers=headers(p.emsp.token))
    assert status(response)[0] == 1000
    reserve = {**start, "expiry_date": "2030-01-01T00:00:00Z", "reservation_id": "R1", "location_id": "LOC1"}
    response = await hub.client.post(f"{COMMANDS}/RESERVE_NOW", json=reserve, headers=headers(p.emsp.token))
    assert status(response)[0] == 1000
    cancel = {"response_url": "http://emsp.test/r/2", "reservation_id": "r1"}
    response = await hub.client.post(
        f"{COMMANDS}/CANCEL_RESERVATION", json=cancel, headers=headers(p.emsp.token)
    )
    assert status(response)[0] == 1000
    assert [(m, path.rsplit("/", 1)[1]) for m, path, *_ in routed(p.cpo)] == [
        ("POST", "START_SESSION"),
        ("POST", "RESERVE_NOW"),
        ("POST", "CANCEL_RESERVATION"),
    ]
    assert {to for *_, to, _from in routed(p.cpo)} == {CPO}
    # Someone else's reservation, an unknown Location, a Location id two CPOs use, an unknown command.
    response = await hub.client.post(
        f"{COMMANDS}/CANCEL_RESERVATION", json=cancel, headers=headers(p.emsp2.token)
    )
    assert status(response) == (
        4001,
        "cannot route: no RESERVE_NOW of reservation r1 by DE*MSB passed through this hub; "
        "send OCPI-to-country-code and OCPI-to-party-id",
    )
    unknown = {**start, "location_id": "NOWHERE"}
    response = await hub.client.post(
        f"{COMMANDS}/UNLOCK_CONNECTOR", json=unknown, headers=headers(p.emsp.token)
    )
    assert status(response)[0] == 4001
    assert "no party connected to this hub has a Location NOWHERE" in status(response)[1]
    shared = {**start, "location_id": "LOC9"}
    response = await hub.client.post(f"{COMMANDS}/START_SESSION", json=shared, headers=headers(p.emsp.token))
    assert status(response)[0] == 4001
    assert "a Location LOC9 belongs to several parties (DE*CPB, NL*CPA)" in status(response)[1]
    response = await hub.client.post(f"{COMMANDS}/REBOOT", json=start, headers=headers(p.emsp.token))
    assert status(response)[0] == 4001
    assert len(p.cpo.requests) == 3
    assert p.cpo2.requests == []


async def test_an_authorization_goes_to_the_tokens_owner(hub: Platform, network: PeerNetwork) -> None:
    p = await around(hub, network)
    token = make_token(EMSP, "CARD1")
    await keep(
        hub,
        TokenRecord(
            country_code="FR",
            party_id="MSC",
            object_key="APP_USER:CARD1",
            partner_id=p.emsp.partner_id,
            last_updated=parse_datetime(token["last_updated"]),
            body=to_json(token),
        ),
    )
    authorize = f"{PREFIX}/sender/tokens/card1/authorize"
    response = await hub.client.post(f"{authorize}?type=APP_USER", json=None, headers=headers(p.cpo.token))
    assert status(response)[0] == 1000
    assert routed(p.emsp) == [("POST", authorize, EMSP, CPO)]
    assert p.emsp.requests[0].url.query == b"type=APP_USER"
    response = await hub.client.post(authorize, headers=headers(p.cpo.token))  # type RFID: not known
    assert status(response)[0] == 4001
    assert "no party connected to this hub has a RFID Token card1" in status(response)[1]


async def test_charging_profiles_and_preferences_follow_the_session(
    hub: Platform, network: PeerNetwork
) -> None:
    p = await around(hub, network)
    session = make_session(CPO, EMSP, "S1")
    response = await hub.client.put(f"{SESSIONS}/NL/CPA/S1", json=session, headers=headers(p.cpo.token))
    assert status(response)[0] == 1000
    profile = {"charging_profile": {"charging_rate_unit": "W"}, "response_url": "http://emsp.test/r/3"}
    response = await hub.client.put(
        f"{PREFIX}/receiver/chargingprofiles/S1", json=profile, headers=headers(p.emsp.token)
    )
    assert status(response)[0] == 1000
    response = await hub.client.put(
        f"{PREFIX}/sender/sessions/S1/charging_preferences",
        json={"profile_type": "FAST"},
        headers=headers(p.emsp.token),
    )
    assert status(response)[0] == 1000
    # The CPO's ActiveChargingProfile goes to the party that set the profile.
    active = {"start_date_time": "2026-01-01T00:00:00Z", "charging_profile": {"charging_rate_unit": "W"}}
    response = await hub.client.put(
        f"{PREFIX}/sender/chargingprofiles/S1", json=active, headers=headers(p.cpo.token)
    )
    assert status(response)[0] == 1000
    assert routed(p.cpo) == [
        ("PUT", f"{PREFIX}/receiver/chargingprofiles/S1", CPO, EMSP),
        ("PUT", f"{PREFIX}/sender/sessions/S1/charging_preferences", CPO, EMSP),
    ]
    assert routed(p.emsp)[1:] == [("PUT", f"{PREFIX}/sender/chargingprofiles/S1", EMSP, CPO)]
    response = await hub.client.put(
        f"{PREFIX}/sender/chargingprofiles/S2", json=active, headers=headers(p.cpo.token)
    )
    assert status(response)[0] == 4001


async def test_a_callers_several_parties_must_say_which_one_a_remembered_route_is_for(
    hub: Platform, network: PeerNetwork
) -> None:
    both = await add_raw_party(hub, network, "both.test", [(*CPO2, Role.CPO), (*EMSP2, Role.EMSP)])
    stop = {"response_url": "http://both.test/r/1", "session_id": "S1"}
    response = await hub.client.post(f"{COMMANDS}/STOP_SESSION", json=stop, headers=headers(both.token))
    assert status(response)[0] == 2001
    assert "OCPI-from-country-code/OCPI-from-party-id are required" in status(response)[1]


async def test_pushes_and_lists_without_a_receiver_are_the_hubs_own(
    hub: Platform, network: PeerNetwork
) -> None:
    p = await around(hub, network)
    location = make_location("LOC1", country_code="NL", party_id="CPA")
    response = await hub.client.put(
        f"{PREFIX}/receiver/locations/NL/CPA/LOC1", json=location, headers=headers(p.cpo.token)
    )
    assert response.status_code == 201, response.text
    response = await hub.client.get(f"{PREFIX}/sender/locations", headers=headers(p.emsp.token))
    assert status(response)[0] == 1000
    async with hub.app.state.sessionmaker() as db:
        [kept] = (await db.exec(select(LocationRecord))).all()
    assert (kept.country_code, kept.party_id, kept.partner_id) == ("NL", "CPA", p.cpo.partner_id)
    assert all(raw.requests == [] for raw in p.all())


async def test_open_routing_to_one_of_our_own_parties_is_handled_by_the_hub(
    platforms: PlatformFactory, sqlite_url: str, network: PeerNetwork
) -> None:
    own = LocalParty(country_code="NL", party_id="OWN", role=Role.EMSP, name="Our eMSP")
    hub = platforms(sqlite_url, "hub.test", [HUB, own])
    p = await around(hub, network)
    await keep(hub, location_record(CPO, p.cpo.partner_id, "LOC1"))
    session = make_session(CPO, ("NL", "OWN"), "S1")
    response = await hub.client.put(f"{SESSIONS}/NL/CPA/S1", json=session, headers=headers(p.cpo.token))
    assert response.status_code == 201, response.text
    async with hub.app.state.sessionmaker() as db:
        [kept] = (await db.exec(select(SessionRecord))).all()
    assert (kept.token_country_code, kept.token_party_id) == ("NL", "OWN")
    assert all(raw.requests == [] for raw in p.all())
