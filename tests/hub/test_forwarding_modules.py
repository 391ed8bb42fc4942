"""Every functional module both ways through the hub (transport_and_format_message_routing, "Party to Party via
Hub"): real ocpi-hub platforms behind it, CPO A (NL*CPA), eMSP C (FR*MSC) and, for Sessions and CDRs, platform B
with CPO DE*CPB and eMSP DE*MSB, each registered through the credentials handshake and reached only through the
hub."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
import orjson
import pytest
from sqlmodel import select

from hub.ocpi.enums import InterfaceRole, Role
from hub.tables import LocationRecord, TariffRecord
from hub.tables.sessions import SessionRecord
from hub.tables.tokens import TokenRecord
from tests.conftest import Platform, PlatformFactory
from tests.fixtures_locations import make_location, make_tariff
from tests.hub.routing_setup import (
    CPA,
    CPB,
    MSB,
    MSC,
    PREFIX,
    Connected,
    add_raw_party,
    admin_put,
    headers,
    join,
    make_cdr,
    make_hub,
    make_session,
    make_token,
    party,
)
from tests.network import PeerNetwork

A, B_CPO, B_EMSP, C = party(CPA), party(CPB), party(MSB), party(MSC)
DATE_FROM = "date_from=2000-01-01T00:00:00Z"


@dataclass
class World:
    hub: Platform
    a: Connected
    c: Connected


async def build(platforms: PlatformFactory, hub_url: str, new_sqlite_url: Any) -> World:
    hub = make_hub(platforms, hub_url)
    a = platforms(new_sqlite_url(), "a.test", [CPA])
    c = platforms(new_sqlite_url(), "c.test", [MSC])
    return World(hub, await join(hub, a), await join(hub, c))


@pytest.fixture
async def world(platforms: PlatformFactory, sqlite_url: str, new_sqlite_url: Any) -> World:
    """The hub on SQLite: these exchanges store nothing at the hub."""
    return await build(platforms, sqlite_url, new_sqlite_url)


@pytest.fixture
async def engine_world(platforms: PlatformFactory, database_url: str, new_sqlite_url: Any) -> World:
    """The hub on both engines: it stores the CDR Location it hands out."""
    return await build(platforms, database_url, new_sqlite_url)


def data(response: httpx.Response) -> Any:
    body = response.json()
    assert body["status_code"] == 1000, body
    return body.get("data")


async def stored(platform: Platform, record: type[Any]) -> list[Any]:
    async with platform.app.state.sessionmaker() as session:
        return list((await session.exec(select(record))).all())


async def test_locations_and_tariffs_both_ways(world: World) -> None:
    hub, a, c = world.hub, world.a, world.c
    location = make_location("LOC1", country_code="NL", party_id="CPA")
    tariff = make_tariff("T1", "NL", "CPA")
    # CPO A pushes to eMSP C's Receiver interfaces, addressed to C.
    to_c = headers(a.token, to=C, from_=A)
    response = await hub.client.put(f"{PREFIX}/receiver/locations/NL/CPA/LOC1", json=location, headers=to_c)
    assert response.status_code == 201, response.text
    response = await hub.client.put(f"{PREFIX}/receiver/tariffs/NL/CPA/T1", json=tariff, headers=to_c)
    assert response.status_code == 201, response.text
    [at_c] = await stored(c.platform, LocationRecord)
    assert (at_c.country_code, at_c.party_id, at_c.object_key) == ("NL", "CPA", "LOC1")
    assert orjson.loads(at_c.body) == location  # last_updated untouched on the way
    assert len(await stored(c.platform, TariffRecord)) == 1
    # ... reads them back from C ...
    response = await hub.client.get(f"{PREFIX}/receiver/locations/NL/CPA/LOC1/LOC1-1", headers=to_c)
    assert data(response) == location["evses"][0]
    # ... and the hub itself stored nothing: the push was for C alone.
    assert await stored(hub, LocationRecord) == []
    response = await hub.client.delete(f"{PREFIX}/receiver/tariffs/NL/CPA/T1", headers=to_c)
    assert data(response) is None
    assert await stored(c.platform, TariffRecord) == []

    # eMSP C pulls CPO A's Sender interfaces, page by page through the hub.
    await admin_put(a.platform, "/admin/locations/NL/CPA/LOC1", location)
    await admin_put(
        a.platform, "/admin/locations/NL/CPA/LOC2", make_location("LOC2", country_code="NL", party_id="CPA")
    )
    await admin_put(a.platform, "/admin/tariffs/NL/CPA/T1", tariff)
    to_a = headers(c.token, to=A, from_=C)
    response = await hub.client.get(f"{PREFIX}/sender/locations?limit=1", headers=to_a)
    assert [loc["id"] for loc in data(response)] == ["LOC1"]
    assert response.headers["X-Total-Count"] == "2"
    link = response.headers["Link"]
    assert link.startswith(f"<{hub.base_url}{PREFIX}/sender/locations?")
    response = await hub.client.get(link[1 : link.index(">")], headers=to_a)
    assert [loc["id"] for loc in data(response)] == ["LOC2"]
    assert "Link" not in response.headers
    response = await hub.client.get(f"{PREFIX}/sender/tariffs", headers=to_a)
    assert [t["id"] for t in data(response)] == ["T1"]
    response = await hub.client.get(f"{PREFIX}/sender/locations/LOC2", headers=to_a)
    assert data(response)["id"] == "LOC2"


async def test_tokens_both_ways_and_real_time_authorization(world: World) -> None:
    hub, a, c = world.hub, world.a, world.c
    token = make_token(C, "CARD1")
    # eMSP C pushes its Token to CPO A's Receiver, then invalidates it.
    to_a = headers(c.token, to=A, from_=C)
    response = await hub.client.put(
        f"{PREFIX}/receiver/tokens/FR/MSC/CARD1?type=APP_USER", json=token, headers=to_a
    )
    assert response.status_code == 201, response.text
    patch = {"valid": False, "last_updated": "2026-02-01T00:00:00Z"}
    response = await hub.client.patch(
        f"{PREFIX}/receiver/tokens/FR/MSC/CARD1?type=APP_USER", json=patch, headers=to_a
    )
    assert data(response) is None
    response = await hub.client.get(f"{PREFIX}/receiver/tokens/FR/MSC/CARD1?type=APP_USER", headers=to_a)
    assert data(response)["valid"] is False
    [at_a] = await stored(a.platform, TokenRecord)
    assert (at_a.country_code, at_a.party_id) == ("FR", "MSC")

    # CPO A pulls C's Tokens and asks C to authorize one in real time.
    await admin_put(c.platform, "/admin/tokens/FR/MSC/CARD2?type=RFID", make_token(C, "CARD2", type="RFID"))
    to_c = headers(a.token, to=C, from_=A)
    response = await hub.client.get(f"{PREFIX}/sender/tokens", headers=to_c)
    assert [t["uid"] for t in data(response)] == ["CARD2"]
    response = await hub.client.post(f"{PREFIX}/sender/tokens/CARD2/authorize", headers=to_c)
    assert data(response)["allowed"] == "ALLOWED"
    response = await hub.client.post(f"{PREFIX}/sender/tokens/NOPE/authorize", headers=to_c)
    assert (response.status_code, response.json()["status_code"]) == (404, 2004)


async def test_sessions_and_cdrs_both_ways_reach_only_the_token_owner(
    engine_world: World, platforms: PlatformFactory, new_sqlite_url: Any, network: PeerNetwork
) -> None:
    hub, a, c = engine_world.hub, engine_world.a, engine_world.c
    b = await join(hub, platforms(new_sqlite_url(), "b.test", [CPB, MSB]))
    location = make_location("LOC1", country_code="NL", party_id="CPA")
    to_c = headers(a.token, to=C, from_=A)
    response = await hub.client.put(f"{PREFIX}/receiver/locations/NL/CPA/LOC1", json=location, headers=to_c)
    assert response.status_code == 201, response.text
    # CPO A pushes a Session of C's driver to C, then a PATCH of it, and reads it back.
    session = make_session(A, C, "S1")
    response = await hub.client.put(f"{PREFIX}/receiver/sessions/NL/CPA/S1", json=session, headers=to_c)
    assert response.status_code == 201, response.text
    patch = {"kwh": 3.5, "last_updated": "2026-03-01T00:00:00Z"}
    response = await hub.client.patch(f"{PREFIX}/receiver/sessions/NL/CPA/S1", json=patch, headers=to_c)
    assert data(response) is None
    response = await hub.client.get(f"{PREFIX}/receiver/sessions/NL/CPA/S1", headers=to_c)
    assert data(response)["kwh"] == 3.5
    assert [s.object_key for s in await stored(c.platform, SessionRecord)] == ["S1"]
    # ... and a CDR: the Location it answers is the hub's, and the hub's GET there reaches C.
    cdr = make_cdr(A, C, "CDR1")
    response = await hub.client.post(f"{PREFIX}/receiver/cdrs", json=cdr, headers=to_c)
    assert response.status_code == 201, response.text
    location_url = response.headers["Location"]
    assert location_url.startswith(f"{hub.base_url}{PREFIX}/hub/callbacks/")
    response = await hub.client.get(location_url, headers=to_c)
    assert data(response)["id"] == "CDR1"
    response = await hub.client.get(location_url, headers=headers(b.token, to=C, from_=B_CPO))
    assert response.status_code == 404  # only the CPO that POSTed the CDR may read it

    # eMSPs pull CPO A's Sessions: each gets its own drivers' only.
    await admin_put(a.platform, "/admin/locations/NL/CPA/LOC1", location)
    await admin_put(a.platform, "/admin/sessions/NL/CPA/S-C", make_session(A, C, "S-C"))
    await admin_put(a.platform, "/admin/sessions/NL/CPA/S-B", make_session(A, B_EMSP, "S-B"))
    response = await hub.client.get(
        f"{PREFIX}/sender/sessions?{DATE_FROM}", headers=headers(c.token, to=A, from_=C)
    )
    assert [s["id"] for s in data(response)] == ["S-C"]
    response = await hub.client.get(
        f"{PREFIX}/sender/sessions?{DATE_FROM}", headers=headers(b.token, to=A, from_=B_EMSP)
    )
    assert [s["id"] for s in data(response)] == ["S-B"]

    # A CPO that lists every eMSP's CDRs: the hub passes on only the requesting eMSP's.
    leaky = await add_raw_party(hub, network, "leaky.test", [("IT", "LKY", Role.CPO)])
    cdrs = [
        make_cdr(("IT", "LKY"), C, "X1"),
        make_cdr(("IT", "LKY"), B_EMSP, "X2"),
        make_cdr(("IT", "LKY"), C, "X3"),
    ]
    leaky.reply = lambda _r: httpx.Response(
        200,
        json={"data": cdrs, "status_code": 1000, "timestamp": "2026-01-01T00:00:00Z"},
        headers={
            "X-Total-Count": "10",
            "X-Limit": "3",
            "Link": f'<{leaky.endpoint("cdrs", InterfaceRole.SENDER)}?offset=3&limit=3>; rel="next"',
        },
    )
    response = await hub.client.get(
        f"{PREFIX}/sender/cdrs?limit=3", headers=headers(c.token, to=("IT", "LKY"), from_=C)
    )
    assert [cdr["id"] for cdr in data(response)] == ["X1", "X3"]
    assert response.headers["X-Total-Count"] == "9"
    assert response.headers["Link"] == f'<{hub.base_url}{PREFIX}/sender/cdrs?offset=3&limit=3>; rel="next"'
