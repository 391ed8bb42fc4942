"""Broadcast Push through the hub (transport_and_format_message_routing_broadcast_push, "Party to Party
Broadcast Push"): what a party pushes to the hub is stored there as sent and reaches every connected party of
the opposite role that implements the module, from the hub, never back to the sender; Sessions never."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from hub.config import LocalParty
from hub.ocpi.enums import Role
from hub.tables import LocationRecord, TariffRecord
from hub.tables.tokens import TokenRecord
from tests.conftest import PlatformFactory, settle
from tests.fixtures_locations import evse_uid, make_location, make_tariff
from tests.hub.hub_setup import (
    HUB_PARTY,
    Around,
    around_hub,
    outbox,
    party_platform,
    sent_to,
    stored,
    stored_by,
)
from tests.hub.routing_setup import CPA, HUB, MSB, PREFIX, add_raw_party, headers, join, make_hub, party
from tests.integration.test_sessions import make_session
from tests.integration.test_tokens import make_token
from tests.network import PeerNetwork

LOCATIONS = f"{PREFIX}/receiver/locations"
TARIFFS = f"{PREFIX}/receiver/tariffs"
TOKENS = f"{PREFIX}/receiver/tokens"
SESSIONS = f"{PREFIX}/receiver/sessions"
LOC1 = ("NL", "CPA", "LOC1")
LOCAL_EMSP = LocalParty(country_code="NL", party_id="LMS", role=Role.EMSP, name="the hub's own eMSP")
EMSP_A = LocalParty(country_code="NL", party_id="MSA", role=Role.EMSP, name="eMSP A")


@pytest.fixture
async def engine_parties(
    platforms: PlatformFactory, database_url: str, new_sqlite_url: Callable[[], str]
) -> Around:
    """The hub on both engines: storing and queueing are SQL."""
    return await around_hub(platforms, database_url, new_sqlite_url)


@pytest.fixture
async def parties(platforms: PlatformFactory, sqlite_url: str, new_sqlite_url: Callable[[], str]) -> Around:
    return await around_hub(platforms, sqlite_url, new_sqlite_url)


def location() -> dict[str, object]:
    # An explicit offset and microseconds: the hub must neither restamp nor lose last_updated.
    return make_location("LOC1", evses=1, connectors=1, country_code="NL", party_id="CPA")


async def test_a_location_put_to_the_hub_is_stored_and_reaches_every_emsp_from_the_hub(
    engine_parties: Around, network: PeerNetwork
) -> None:
    parties = engine_parties
    hub, cpa = parties.hub, parties.cpa
    body = location()

    response = await hub.client.put(
        f"{LOCATIONS}/NL/CPA/LOC1", json=body, headers=headers(cpa.token, to=HUB_PARTY, from_=party(CPA))
    )
    await settle(hub.app)

    assert (response.status_code, response.json()["status_code"]) == (201, 1000)
    assert (await stored(hub, LocationRecord))[LOC1] == body
    assert (await stored_by(hub, LocationRecord))[LOC1] == cpa.partner_id
    for name in ("msb", "msc"):
        assert (await stored(parties.parties[name].platform, LocationRecord))[LOC1] == body, name
    for name in ("cpa", "cpb"):
        assert await stored(parties.parties[name].platform, LocationRecord) == {}, name
    (push,) = sent_to(network, "msb.test", "/receiver/locations/")
    assert (push.method, push.url.path) == ("PUT", f"{LOCATIONS}/NL/CPA/LOC1")
    # Broadcast request, hub to receiving platform: TO the receiving party, FROM the hub.
    assert (push.headers["OCPI-to-country-code"], push.headers["OCPI-to-party-id"]) == party(MSB)
    assert (push.headers["OCPI-from-country-code"], push.headers["OCPI-from-party-id"]) == HUB_PARTY
    assert sent_to(network, "cpa.test", "/receiver/locations/") == []
    assert sent_to(network, "cpb.test", "/receiver/locations/") == []


async def test_an_evse_patch_without_routing_headers_is_broadcast_as_a_patch(
    parties: Around, network: PeerNetwork
) -> None:
    hub, cpa = parties.hub, parties.cpa
    await hub.client.put(f"{LOCATIONS}/NL/CPA/LOC1", json=location(), headers=headers(cpa.token))
    await settle(hub.app)
    uid = evse_uid("LOC1", 1)
    change = {"status": "CHARGING", "last_updated": "2026-02-01T08:00:00Z"}

    response = await hub.client.patch(
        f"{LOCATIONS}/NL/CPA/LOC1/{uid}", json=change, headers=headers(cpa.token)
    )
    await settle(hub.app)

    assert (response.status_code, response.json()["status_code"]) == (200, 1000)
    for name in ("msb", "msc"):
        (evse,) = (await stored(parties.parties[name].platform, LocationRecord))[LOC1]["evses"]
        assert (evse["status"], evse["last_updated"]) == ("CHARGING", "2026-02-01T08:00:00Z"), name
    patches = [r for r in sent_to(network, "msc.test", "/receiver/locations/") if r.method == "PATCH"]
    assert [r.url.path for r in patches] == [f"{LOCATIONS}/NL/CPA/LOC1/{uid}"]


async def test_a_party_that_joined_later_gets_the_whole_stored_location_when_a_patch_comes(
    platforms: PlatformFactory, sqlite_url: str, new_sqlite_url: Callable[[], str], network: PeerNetwork
) -> None:
    hub = make_hub(platforms, sqlite_url)
    cpa = await join(hub, party_platform(platforms, new_sqlite_url(), CPA))
    await hub.client.put(f"{LOCATIONS}/NL/CPA/LOC1", json=location(), headers=headers(cpa.token))
    await settle(hub.app)
    late = await join(hub, party_platform(platforms, new_sqlite_url(), MSB))
    uid = evse_uid("LOC1", 1)

    await hub.client.patch(
        f"{LOCATIONS}/NL/CPA/LOC1/{uid}",
        json={"status": "BLOCKED", "last_updated": "2026-02-01T08:00:00Z"},
        headers=headers(cpa.token, to=HUB_PARTY),
    )
    await settle(hub.app)

    # Its Receiver answers the PATCH with 404; the hub then PUTs the Location it stores.
    got = (await stored(late.platform, LocationRecord))[LOC1]
    assert got == (await stored(hub, LocationRecord))[LOC1]
    assert got["evses"][0]["status"] == "BLOCKED"
    assert [r.method for r in sent_to(network, "msb.test", "/receiver/locations/")] == ["PATCH", "PUT"]


async def test_a_tariff_put_and_delete_reach_every_emsp(parties: Around) -> None:
    hub, cpb = parties.hub, parties.cpb
    tariff = make_tariff("T1", country_code="DE", party_id="CPB")
    to_hub = headers(cpb.token, to=HUB_PARTY)

    await hub.client.put(f"{TARIFFS}/DE/CPB/T1", json=tariff, headers=to_hub)
    await settle(hub.app)
    received = {n: await stored(c.platform, TariffRecord) for n, c in parties.parties.items()}
    deleted = await hub.client.delete(f"{TARIFFS}/DE/CPB/T1", headers=to_hub)
    await settle(hub.app)

    assert received == {
        "cpa": {},
        "cpb": {},
        "msb": {("DE", "CPB", "T1"): tariff},
        "msc": {("DE", "CPB", "T1"): tariff},
    }
    assert deleted.json()["status_code"] == 1000
    for name, connected in parties.parties.items():
        assert await stored(connected.platform, TariffRecord) == {}, name


async def test_tokens_of_an_emsp_reach_every_cpo_and_no_other_emsp(parties: Around) -> None:
    hub, msb = parties.hub, parties.msb
    token = make_token("TK1", country_code="DE", party_id="MSB")

    await hub.client.put(f"{TOKENS}/DE/MSB/TK1", json=token, headers=headers(msb.token, to=HUB_PARTY))
    await hub.client.patch(
        f"{TOKENS}/DE/MSB/TK1",
        json={"valid": False, "last_updated": "2026-03-01T00:00:00Z"},
        headers=headers(msb.token, to=HUB_PARTY),
    )
    await settle(hub.app)

    expected = token | {"valid": False, "last_updated": "2026-03-01T00:00:00Z"}
    for name in ("cpa", "cpb"):
        assert await stored(parties.parties[name].platform, TokenRecord) == {
            ("DE", "MSB", "RFID:TK1"): expected
        }
    for name in ("msb", "msc"):
        assert await stored(parties.parties[name].platform, TokenRecord) == {}, name


async def test_sessions_sent_to_the_hub_are_stored_but_never_broadcast(parties: Around) -> None:
    hub, cpa = parties.hub, parties.cpa
    await hub.client.put(f"{LOCATIONS}/NL/CPA/LOC1", json=location(), headers=headers(cpa.token))
    session = make_session("S1", "NL", "CPA", token=party(MSB), evse_uid=evse_uid("LOC1", 1))

    response = await hub.client.put(
        f"{SESSIONS}/NL/CPA/S1", json=session, headers=headers(cpa.token, to=HUB_PARTY)
    )

    assert (response.status_code, response.json()["status_code"]) == (201, 1000)
    assert {row.module for row in await outbox(hub)} == {"locations"}


async def test_a_push_addressed_to_another_local_party_of_the_hub_is_stored_not_broadcast(
    platforms: PlatformFactory, sqlite_url: str, new_sqlite_url: Callable[[], str]
) -> None:
    hub = platforms(sqlite_url, "hub.test", [HUB, LOCAL_EMSP])
    cpa = await join(hub, party_platform(platforms, new_sqlite_url(), CPA))
    await join(hub, party_platform(platforms, new_sqlite_url(), MSB))

    response = await hub.client.put(
        f"{LOCATIONS}/NL/CPA/LOC1", json=location(), headers=headers(cpa.token, to=party(LOCAL_EMSP))
    )

    assert response.status_code == 201
    assert LOC1 in await stored(hub, LocationRecord)
    assert [row for row in await outbox(hub) if row.module == "locations"] == []


async def test_a_platform_with_a_cpo_and_an_emsp_is_not_sent_its_own_location_back(
    platforms: PlatformFactory, sqlite_url: str, new_sqlite_url: Callable[[], str], network: PeerNetwork
) -> None:
    hub = make_hub(platforms, sqlite_url)
    both = await join(hub, party_platform(platforms, new_sqlite_url(), CPA, EMSP_A))
    msb = await join(hub, party_platform(platforms, new_sqlite_url(), MSB))

    await hub.client.put(
        f"{LOCATIONS}/NL/CPA/LOC1",
        json=location(),
        headers=headers(both.token, to=HUB_PARTY, from_=party(CPA)),
    )
    await settle(hub.app)

    assert LOC1 in await stored(msb.platform, LocationRecord)
    assert await stored(both.platform, LocationRecord) == {}
    assert sent_to(network, "cpa.test", "/receiver/locations/") == []


async def test_an_unchanged_object_another_hub_relays_goes_no_further_while_a_party_s_repush_does(
    platforms: PlatformFactory, sqlite_url: str, network: PeerNetwork
) -> None:
    hub = make_hub(platforms, sqlite_url)
    other_hub = await add_raw_party(hub, network, "hub2.test", [("DE", "HB2", Role.HUB)])
    cpa = await add_raw_party(hub, network, "cpa.test", [(*party(CPA), Role.CPO)])
    await add_raw_party(hub, network, "msb.test", [(*party(MSB), Role.EMSP)])
    behind = make_location("LOC7", 1, 1, "BE", "BHC")

    async def push(token: str, url: str, body: dict[str, object], **routing: tuple[str, str]) -> None:
        response = await hub.client.put(url, json=body, headers=headers(token, to=HUB_PARTY, **routing))
        assert response.json()["status_code"] == 1000, response.text
        await settle(hub.app)

    for _ in range(2):
        await push(other_hub.token, f"{LOCATIONS}/BE/BHC/LOC7", behind, from_=("BE", "BHC"))
        await push(cpa.token, f"{LOCATIONS}/NL/CPA/LOC1", location())

    pushed = [(r.module, r.object_id) for r in await outbox(hub) if r.partner_id != other_hub.partner_id]
    assert sorted(pushed) == [("locations", "LOC1"), ("locations", "LOC1"), ("locations", "LOC7")]
