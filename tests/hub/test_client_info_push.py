"""HubClientInfo push model (mod_hub_client_info_push_model): the hub PUTs the ClientInfo of a party to every
other connected party when it connects, disconnects or stops and starts answering, through the outbox and
without routing headers (a configuration module); its Sender list says the same."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import update
from sqlmodel import col

from hub.ocpi.base import utc_now
from hub.outbox.worker import DeliveryWorker
from hub.tables.outbox import OutboxRecord, PushState
from hub.tables.tokens import TokenRecord
from tests.conftest import ADMIN_TOKEN, PlatformFactory, settle
from tests.hub.hub_setup import (
    HUB_PARTY,
    Around,
    around_hub,
    client_infos_received,
    sent_to,
    stored,
)
from tests.hub.routing_setup import PREFIX, headers
from tests.integration.test_tokens import make_token
from tests.network import PeerNetwork

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
ROLES = {
    "cpa": ("NL", "CPA", "CPO"),
    "cpb": ("DE", "CPB", "CPO"),
    "msb": ("DE", "MSB", "EMSP"),
    "msc": ("FR", "MSC", "EMSP"),
}


def statuses(received: dict[tuple[str, str, str], dict[str, Any]]) -> dict[tuple[str, str, str], str]:
    return {identity: info["status"] for identity, info in received.items()}


async def listed(parties: Around, name: str) -> dict[tuple[str, str, str], dict[str, Any]]:
    """What the hub's Sender interface serves to that party."""
    response = await parties.hub.client.get(
        f"{PREFIX}/sender/hubclientinfo", headers=headers(parties.parties[name].token)
    )
    return {(i["country_code"], i["party_id"], i["role"]): i for i in response.json()["data"]}


async def settled(platforms: PlatformFactory, url: str, new_sqlite_url: Callable[[], str]) -> Around:
    around = await around_hub(platforms, url, new_sqlite_url, client_info=True)
    await settle(around.hub.app)
    return around


@pytest.fixture
async def engine_parties(
    platforms: PlatformFactory, database_url: str, new_sqlite_url: Callable[[], str]
) -> Around:
    """The hub on both engines: the pushes are queued and claimed in SQL."""
    return await settled(platforms, database_url, new_sqlite_url)


@pytest.fixture
async def parties(platforms: PlatformFactory, sqlite_url: str, new_sqlite_url: Callable[[], str]) -> Around:
    return await settled(platforms, sqlite_url, new_sqlite_url)


async def test_each_party_is_told_of_every_other_and_never_of_itself(
    engine_parties: Around, network: PeerNetwork
) -> None:
    parties = engine_parties
    for name, connected in parties.parties.items():
        received = await client_infos_received(connected.platform)
        others = {identity for other, identity in ROLES.items() if other != name}
        assert statuses(received) == dict.fromkeys(others, "CONNECTED"), name
        # What was pushed is what the Sender interface serves.
        assert received == await listed(parties, name), name
    pushes = sent_to(network, "msc.test", "/receiver/hubclientinfo/")
    assert {r.method for r in pushes} == {"PUT"}
    assert all(not any(h.lower().startswith("ocpi-") for h in r.headers) for r in pushes)


async def test_a_party_that_leaves_or_is_removed_is_suspended_for_the_others(parties: Around) -> None:
    hub = parties.hub
    # eMSP B unregisters itself; the operator removes CPO B.
    left = await hub.client.delete(f"{PREFIX}/credentials", headers=headers(parties.msb.token))
    removed = await hub.client.delete(f"/admin/partners/{parties.cpb.partner_id}", headers=ADMIN)
    await settle(hub.app)

    assert (left.status_code, removed.status_code) == (200, 200)
    for name in ("cpa", "msc"):
        got = statuses(await client_infos_received(parties.parties[name].platform))
        assert (got[ROLES["msb"]], got[ROLES["cpb"]]) == ("SUSPENDED", "SUSPENDED"), name
        assert got == statuses(await listed(parties, name)), name


async def test_a_party_that_stops_answering_is_offline_until_it_answers_again(
    parties: Around, network: PeerNetwork
) -> None:
    hub, cpb = parties.hub, parties.cpb
    network.hosts.pop("cpb.test")
    # A Token broadcast: CPO A takes it, CPO B's host refuses the connection.
    token = make_token("TK1", country_code="DE", party_id="MSB")
    await hub.client.put(
        f"{PREFIX}/receiver/tokens/DE/MSB/TK1", json=token, headers=headers(parties.msb.token, to=HUB_PARTY)
    )
    await settle(hub.app)
    offline = {
        n: statuses(await client_infos_received(p.platform)).get(ROLES["cpb"])
        for n, p in parties.parties.items()
    }
    listed_offline = (await listed(parties, "msc"))[ROLES["cpb"]]

    network.attach_app("cpb.test", cpb.platform.app)
    async with hub.app.state.sessionmaker() as session:
        await session.exec(
            update(OutboxRecord)
            .where(
                col(OutboxRecord.partner_id) == cpb.partner_id, col(OutboxRecord.state) == PushState.PENDING
            )
            .values(next_attempt_at=utc_now())
        )
        await session.commit()
    # A worker that has not seen CPO B fail, as after the backoff: the retried push gets through.
    retry = DeliveryWorker(hub.app.state.sessionmaker, hub.app.state.partner_client.http, hub.settings)
    await retry.drain()
    await settle(hub.app)
    back = {
        n: statuses(await client_infos_received(p.platform)).get(ROLES["cpb"])
        for n, p in parties.parties.items()
    }

    assert offline == {"cpa": "OFFLINE", "cpb": None, "msb": "OFFLINE", "msc": "OFFLINE"}
    assert listed_offline["status"] == "OFFLINE"
    assert back == {"cpa": "CONNECTED", "cpb": None, "msb": "CONNECTED", "msc": "CONNECTED"}
    assert ("DE", "MSB", "RFID:TK1") in await stored(cpb.platform, TokenRecord)
    assert (await listed(parties, "msc"))[ROLES["cpb"]]["last_updated"] > listed_offline["last_updated"]
