"""GET All via Hubs (transport_and_format_get_all_via_hubs): the hub's Sender lists, addressed to the hub (or to
no one), combine the objects of every connected party and its own, paginated as every list is, each object
with its owner's country_code and party_id; a party reads only what it would be broadcast, and its own."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from hub.config import LocalParty
from hub.ocpi.enums import Role
from tests.conftest import ADMIN_TOKEN, Platform, PlatformFactory
from tests.fixtures_locations import evse_uid, make_location, make_tariff
from tests.hub.hub_setup import HUB_PARTY
from tests.hub.routing_setup import (
    CPA,
    CPB,
    HUB,
    MSB,
    MSC,
    PREFIX,
    RawParty,
    add_raw_party,
    headers,
    make_hub,
    party,
)
from tests.integration.test_tokens import make_token
from tests.network import PeerNetwork

SENDER = f"{PREFIX}/sender"
RECEIVER = f"{PREFIX}/receiver"
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


@dataclass
class Parties:
    """Raw parties registered with the hub (what they are sent is not looked at here)."""

    hub: Platform
    cpa: RawParty  # CPO NL*CPA
    cpb: RawParty  # CPO DE*CPB
    msb: RawParty  # eMSP DE*MSB
    msc: RawParty  # eMSP FR*MSC


async def parties_on(platforms: PlatformFactory, network: PeerNetwork, url: str) -> Parties:
    """Around the hub: CPO A's LOC1 (January) and LOC3 (March), CPO B's LOC2 (February), pushed to the hub."""
    hub = make_hub(platforms, url)
    raw = [
        await add_raw_party(
            hub, network, f"{p.party_id.lower()}.test", [(p.country_code, p.party_id, p.role)]
        )
        for p in (CPA, CPB, MSB, MSC)
    ]
    around = Parties(hub, *raw)
    for cpo, (cc, pid), location_id, month in (
        (around.cpa, ("NL", "CPA"), "LOC1", "01"),
        (around.cpb, ("DE", "CPB"), "LOC2", "02"),
        (around.cpa, ("NL", "CPA"), "LOC3", "03"),
    ):
        body = make_location(location_id, 1, 1, cc, pid, f"2026-{month}-01T00:00:00Z")
        response = await hub.client.put(
            f"{RECEIVER}/locations/{cc}/{pid}/{location_id}",
            json=body,
            headers=headers(cpo.token, to=HUB_PARTY),
        )
        assert response.status_code == 201, response.text
    return around


@pytest.fixture
async def engine_parties(platforms: PlatformFactory, network: PeerNetwork, database_url: str) -> Parties:
    """On both engines: the combined query is SQL of its own."""
    return await parties_on(platforms, network, database_url)


@pytest.fixture
async def parties(platforms: PlatformFactory, network: PeerNetwork, sqlite_url: str) -> Parties:
    return await parties_on(platforms, network, sqlite_url)


def owners_and_ids(response: httpx.Response) -> list[tuple[str, str, str]]:
    return [(o["country_code"], o["party_id"], o["id"]) for o in response.json()["data"]]


async def test_get_all_pages_through_every_cpo_s_locations_oldest_first(engine_parties: Parties) -> None:
    hub, msb = engine_parties.hub, engine_parties.msb
    to_hub = headers(msb.token, to=HUB_PARTY, from_=party(MSB))

    first = await hub.client.get(f"{SENDER}/locations", params={"limit": 2}, headers=to_hub)
    link = first.headers["Link"]
    second = await hub.client.get(link[1 : link.index(">")], headers=to_hub)

    assert first.json()["status_code"] == 1000
    assert owners_and_ids(first) == [("NL", "CPA", "LOC1"), ("DE", "CPB", "LOC2")]
    assert (first.headers["X-Total-Count"], first.headers["X-Limit"]) == ("3", str(hub.settings.page_limit))
    assert link.startswith(f"<{hub.base_url}{SENDER}/locations?")
    assert link.endswith('>; rel="next"')
    assert owners_and_ids(second) == [("NL", "CPA", "LOC3")]
    assert "Link" not in second.headers
    # "GET All via Hubs response": TO the requesting party, FROM the hub.
    assert (first.headers["OCPI-to-country-code"], first.headers["OCPI-to-party-id"]) == party(MSB)
    assert (first.headers["OCPI-from-country-code"], first.headers["OCPI-from-party-id"]) == HUB_PARTY
    # As each CPO pushed it, last_updated included.
    assert first.json()["data"][1] == make_location("LOC2", 1, 1, "DE", "CPB", "2026-02-01T00:00:00Z")


async def test_without_routing_headers_a_get_all_is_the_same_and_date_filters_apply(parties: Parties) -> None:
    hub, msc = parties.hub, parties.msc

    window = await hub.client.get(
        f"{SENDER}/locations",
        params={"date_from": "2026-02-01T00:00:00Z", "date_to": "2026-03-01T00:00:00Z"},
        headers=headers(msc.token),
    )

    assert owners_and_ids(window) == [("DE", "CPB", "LOC2")]
    assert window.headers["X-Total-Count"] == "1"
    # No OCPI-from-*: the caller's only party is the one answered.
    assert (window.headers["OCPI-to-country-code"], window.headers["OCPI-to-party-id"]) == party(MSC)


async def test_a_cpo_reads_only_its_own_locations_not_another_cpo_s(parties: Parties) -> None:
    response = await parties.hub.client.get(
        f"{SENDER}/locations", headers=headers(parties.cpb.token, to=HUB_PARTY)
    )

    assert owners_and_ids(response) == [("DE", "CPB", "LOC2")]


async def test_objects_of_a_suspended_or_unregistered_party_are_left_out(parties: Parties) -> None:
    hub = parties.hub
    await hub.client.post(f"/admin/partners/{parties.cpb.partner_id}/suspend", headers=ADMIN)
    suspended = await hub.client.get(f"{SENDER}/locations", headers=headers(parties.msb.token))
    await hub.client.post(f"/admin/partners/{parties.cpb.partner_id}/resume", headers=ADMIN)
    await hub.client.delete(f"/admin/partners/{parties.cpa.partner_id}", headers=ADMIN)
    gone = await hub.client.get(f"{SENDER}/locations", headers=headers(parties.msb.token))

    assert owners_and_ids(suspended) == [("NL", "CPA", "LOC1"), ("NL", "CPA", "LOC3")]
    assert owners_and_ids(gone) == [("DE", "CPB", "LOC2")]


async def test_one_location_evse_and_connector_by_id_come_from_their_owner(parties: Parties) -> None:
    hub, msb = parties.hub, parties.msb
    uid = evse_uid("LOC2", 1)

    location = await hub.client.get(f"{SENDER}/locations/LOC2", headers=headers(msb.token))
    evse = await hub.client.get(f"{SENDER}/locations/loc2/{uid}", headers=headers(msb.token, to=HUB_PARTY))
    connector = await hub.client.get(f"{SENDER}/locations/LOC2/{uid}/1", headers=headers(msb.token))
    unknown = await hub.client.get(f"{SENDER}/locations/LOC9", headers=headers(msb.token))
    not_for_cpos = await hub.client.get(f"{SENDER}/locations/LOC1", headers=headers(parties.cpb.token))

    assert location.json()["data"] == make_location("LOC2", 1, 1, "DE", "CPB", "2026-02-01T00:00:00Z")
    assert evse.json()["data"]["uid"] == uid
    assert connector.json()["data"]["id"] == "1"
    assert (unknown.status_code, unknown.json()["status_code"]) == (404, 2000)
    assert not_for_cpos.status_code == 404


async def test_a_location_id_two_cpos_use_must_be_addressed_4001(parties: Parties) -> None:
    hub = parties.hub
    body = make_location("LOC1", 1, 1, "DE", "CPB")
    await hub.client.put(f"{RECEIVER}/locations/DE/CPB/LOC1", json=body, headers=headers(parties.cpb.token))

    response = await hub.client.get(f"{SENDER}/locations/LOC1", headers=headers(parties.msb.token))

    assert (response.status_code, response.json()["status_code"]) == (200, 4001)
    assert "DE*CPB, NL*CPA" in response.json()["status_message"]
    assert "OCPI-to-country-code" in response.json()["status_message"]


async def test_tariffs_and_tokens_are_combined_for_their_readers(parties: Parties) -> None:
    hub = parties.hub
    tariff = make_tariff("T1", "DE", "CPB")
    await hub.client.put(f"{RECEIVER}/tariffs/DE/CPB/T1", json=tariff, headers=headers(parties.cpb.token))
    tokens: dict[str, dict[str, Any]] = {}
    for emsp, (cc, pid), month in ((parties.msb, ("DE", "MSB"), "01"), (parties.msc, ("FR", "MSC"), "02")):
        tokens[pid] = make_token(
            f"TK-{pid}", country_code=cc, party_id=pid, last_updated=f"2026-{month}-01T00:00:00Z"
        )
        await hub.client.put(
            f"{RECEIVER}/tokens/{cc}/{pid}/TK-{pid}",
            json=tokens[pid],
            headers=headers(emsp.token, to=HUB_PARTY),
        )

    tariffs = await hub.client.get(f"{SENDER}/tariffs", headers=headers(parties.msc.token, to=HUB_PARTY))
    for_cpo = await hub.client.get(f"{SENDER}/tokens", headers=headers(parties.cpa.token, to=HUB_PARTY))
    for_emsp = await hub.client.get(f"{SENDER}/tokens/", headers=headers(parties.msc.token, to=HUB_PARTY))

    assert tariffs.json()["data"] == [tariff]
    assert for_cpo.json()["data"] == [tokens["MSB"], tokens["MSC"]]
    assert for_emsp.json()["data"] == [tokens["MSC"]]


async def test_the_hub_s_own_cpo_locations_are_part_of_get_all_and_a_local_party_s_list_only_its_own(
    platforms: PlatformFactory, network: PeerNetwork, database_url: str
) -> None:
    own_cpo = LocalParty(country_code="NL", party_id="HCP", role=Role.CPO, name="the hub's own CPO")
    hub = platforms(database_url, "hub.test", [HUB, own_cpo])
    cpa = await add_raw_party(hub, network, "cpa.test", [(*party(CPA), Role.CPO)])
    msb = await add_raw_party(hub, network, "msb.test", [(*party(MSB), Role.EMSP)])
    await hub.client.put(
        f"{RECEIVER}/locations/NL/CPA/LOC1",
        json=make_location("LOC1", 1, 1, "NL", "CPA"),
        headers=headers(cpa.token),
    )
    ours = make_location("OWN1", 1, 1, "NL", "HCP")
    assert (await hub.client.put("/admin/locations/NL/HCP/OWN1", json=ours, headers=ADMIN)).status_code == 201

    every = await hub.client.get(f"{SENDER}/locations", headers=headers(msb.token, to=HUB_PARTY))
    only_ours = await hub.client.get(f"{SENDER}/locations", headers=headers(msb.token, to=party(own_cpo)))

    assert owners_and_ids(every) == [("NL", "CPA", "LOC1"), ("NL", "HCP", "OWN1")]
    assert owners_and_ids(only_ours) == [("NL", "HCP", "OWN1")]
