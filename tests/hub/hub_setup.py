"""Four real ocpi-hub platforms around a hub under test (two CPOs, two eMSPs), each registered with the hub
through the credentials handshake, and helpers to read what each of them stored and was sent."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import orjson
from sqlmodel import col, select

from hub.config import LocalParty
from hub.modules import IMPLEMENTED
from hub.modules.objects import from_json
from hub.ocpi.enums import ModuleID
from hub.tables import PartnerRecord
from hub.tables.client_info import ClientInfoRecord
from hub.tables.objects import OwnedObject
from hub.tables.outbox import OutboxRecord
from tests.conftest import Platform, PlatformFactory
from tests.hub.routing_setup import CPA, CPB, HUB, MSB, MSC, Connected, join, make_hub
from tests.network import PeerNetwork

HUB_PARTY = (HUB.country_code, HUB.party_id)


@dataclass
class Around:
    """The hub and the parties connected to it."""

    hub: Platform
    cpa: Connected  # CPO NL*CPA
    cpb: Connected  # CPO DE*CPB
    msb: Connected  # eMSP DE*MSB
    msc: Connected  # eMSP FR*MSC

    @property
    def parties(self) -> dict[str, Connected]:
        return {"cpa": self.cpa, "cpb": self.cpb, "msb": self.msb, "msc": self.msc}


# The parties' modules when the test is not about HubClientInfo: without its Receiver no ClientInfo is pushed
# to them, which keeps those tests to what they are about.
WITHOUT_CLIENT_INFO = tuple(m for m in IMPLEMENTED if m.id != ModuleID.HUB_CLIENT_INFO)


def party_platform(
    platforms: PlatformFactory, url: str, *locals_: LocalParty, client_info: bool = False
) -> Platform:
    host = f"{locals_[0].party_id.lower()}.test"
    return platforms(url, host, list(locals_), modules=IMPLEMENTED if client_info else WITHOUT_CLIENT_INFO)


async def around_hub(
    platforms: PlatformFactory,
    database_url: str,
    new_sqlite_url: Callable[[], str],
    *,
    client_info: bool = False,
) -> Around:
    """The hub on `database_url` (both engines in the tests), the four parties on SQLite files; with
    `client_info` the parties implement the HubClientInfo Receiver."""
    hub = make_hub(platforms, database_url)
    joined = [
        await join(hub, party_platform(platforms, new_sqlite_url(), local, client_info=client_info))
        for local in (CPA, CPB, MSB, MSC)
    ]
    return Around(hub, *joined)


async def stored(platform: Platform, record: type[OwnedObject]) -> dict[tuple[str, str, str], Any]:
    """{(country_code, party_id, key): body} of every object of `record`'s table `platform` stores."""
    async with platform.app.state.sessionmaker() as session:
        rows = (await session.exec(select(record))).all()
    return {(r.country_code, r.party_id, r.object_key): from_json(r.body) for r in rows}


async def stored_by(platform: Platform, record: type[OwnedObject]) -> dict[tuple[str, str, str], int | None]:
    """{(country_code, party_id, key): partner_id} of `record`'s table on `platform`."""
    async with platform.app.state.sessionmaker() as session:
        rows = (await session.exec(select(record))).all()
    return {(r.country_code, r.party_id, r.object_key): r.partner_id for r in rows}


async def client_infos_received(platform: Platform) -> dict[tuple[str, str, str], dict[str, Any]]:
    """{(country_code, party_id, role): ClientInfo} of what Hubs pushed to `platform`."""
    async with platform.app.state.sessionmaker() as session:
        rows = (await session.exec(select(ClientInfoRecord))).all()
    return {(r.country_code, r.party_id, r.object_key): orjson.loads(r.body) for r in rows}


async def outbox(platform: Platform) -> list[OutboxRecord]:
    async with platform.app.state.sessionmaker() as session:
        return list((await session.exec(select(OutboxRecord).order_by(col(OutboxRecord.id)))).all())


async def partner(platform: Platform, partner_id: int) -> PartnerRecord:
    async with platform.app.state.sessionmaker() as session:
        record: PartnerRecord | None = await session.get(PartnerRecord, partner_id)
    assert record is not None
    return record


def sent_to(network: PeerNetwork, host: str, path_part: str) -> list[httpx.Request]:
    """The requests the network carried to `host` whose path contains `path_part`."""
    return [r for r in network.requests if r.url.host == host and path_part in r.url.path]
