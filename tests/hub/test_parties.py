"""The operator's view of the parties behind the hub (GET /admin/hub/parties, `ocpi-hub hub parties`) and the
CLI's suspend and resume (`ocpi-hub partner suspend|resume ID`)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import orjson
import pytest
from sqlmodel import col, select
from typer.testing import CliRunner, Result

from hub.cli import app
from hub.config import LocalParty
from hub.ocpi.base import utc_now
from hub.ocpi.enums import Role
from hub.tables import PartnerRecord, PartnerStatus
from hub.tables.outbox import OutboxRecord
from tests.conftest import ADMIN_TOKEN, Platform, PlatformFactory, invite
from tests.hub.routing_setup import FUNCTIONAL, HUB, RawParty, add_raw_party
from tests.network import PeerNetwork

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
OWN_CPO = LocalParty(country_code="NL", party_id="HCP", role=Role.CPO, name="the hub's own CPO")
WITH_CLIENT_INFO = (*FUNCTIONAL, "hubclientinfo")


async def set_partner(platform: Platform, partner_id: int, **values: Any) -> None:
    async with platform.app.state.sessionmaker() as session:
        partner = await session.get(PartnerRecord, partner_id)
        assert partner is not None
        for name, value in values.items():
            setattr(partner, name, value)
        session.add(partner)
        await session.commit()


async def four_states(hub: Platform, network: PeerNetwork) -> dict[str, RawParty]:
    """A connected CPO, an unreachable eMSP, a suspended eMSP, a CPO that left; and an invitation."""
    found = {
        "connected": await add_raw_party(
            hub, network, "cpa.test", [("NL", "CPA", Role.CPO)], modules=WITH_CLIENT_INFO
        ),
        "offline": await add_raw_party(
            hub, network, "msb.test", [("DE", "MSB", Role.EMSP)], modules=("locations",)
        ),
        "suspended": await add_raw_party(hub, network, "msc.test", [("FR", "MSC", Role.EMSP)], modules=()),
        "left": await add_raw_party(hub, network, "cpb.test", [("DE", "CPB", Role.CPO)], modules=()),
    }
    await set_partner(hub, found["offline"].partner_id, unreachable_since=utc_now())
    await set_partner(hub, found["suspended"].partner_id, suspended_at=utc_now())
    await set_partner(hub, found["left"].partner_id, status=PartnerStatus.UNREGISTERED)
    await invite(hub, "not yet")
    return found


async def test_admin_lists_our_parties_then_every_partner_with_its_connection_status(
    platforms: PlatformFactory, network: PeerNetwork, database_url: str
) -> None:
    hub = platforms(database_url, "hub.test", [HUB, OWN_CPO])
    found = await four_states(hub, network)

    response = await hub.client.get("/admin/hub/parties", headers=ADMIN)
    anonymous = await hub.client.get("/admin/hub/parties")

    assert response.status_code == 200
    ours, *partners = response.json()
    assert (ours["partner_id"], ours["registration"], ours["connection_status"]) == (
        None,
        "LOCAL",
        "CONNECTED",
    )
    assert ours["roles"] == [
        {"role": "CPO", "country_code": "NL", "party_id": "HCP", "name": "the hub's own CPO"}
    ]
    assert {
        "identifier": "hubclientinfo",
        "role": "SENDER",
        "url": "http://hub.test/ocpi/2.2.1/sender/hubclientinfo",
    } in ours["endpoints"]
    by_id = {p["partner_id"]: p for p in partners}
    summary = {
        name: (by_id[raw.partner_id]["registration"], by_id[raw.partner_id]["connection_status"])
        for name, raw in found.items()
    }
    assert summary == {
        "connected": ("REGISTERED", "CONNECTED"),
        "offline": ("REGISTERED", "OFFLINE"),
        "suspended": ("REGISTERED", "SUSPENDED"),
        "left": ("UNREGISTERED", "SUSPENDED"),
    }
    offline = by_id[found["offline"].partner_id]
    assert offline["unreachable_since"] is not None
    assert [(e["identifier"], e["role"]) for e in offline["endpoints"]] == [
        ("locations", "SENDER"),
        ("locations", "RECEIVER"),
    ]
    assert offline["roles"] == [{"role": "EMSP", "country_code": "DE", "party_id": "MSB", "name": "msb.test"}]
    (invited,) = [p for p in partners if p["partner_id"] not in {r.partner_id for r in found.values()}]
    assert (invited["registration"], invited["connection_status"], invited["roles"]) == (
        "INVITED",
        "PLANNED",
        [],
    )
    assert anonymous.status_code == 401


def cli(*args: str) -> Result:
    """`ocpi-hub ARGS` in this process (on its own event loop, so called in a thread)."""
    return CliRunner().invoke(app, list(args))


async def test_cli_lists_parties_and_suspends_and_resumes_a_partner(
    platforms: PlatformFactory, network: PeerNetwork, sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    hub = platforms(sqlite_url, "hub.test", [HUB])
    cpa = await add_raw_party(hub, network, "cpa.test", [("NL", "CPA", Role.CPO)], modules=WITH_CLIENT_INFO)
    msb = await add_raw_party(hub, network, "msb.test", [("DE", "MSB", Role.EMSP)], modules=WITH_CLIENT_INFO)
    monkeypatch.setenv("OCPI_HUB_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("OCPI_HUB_PARTIES", json.dumps([HUB.model_dump(mode="json")]))

    suspended = await asyncio.to_thread(cli, "partner", "suspend", str(msb.partner_id))
    listed = await asyncio.to_thread(cli, "hub", "parties", "--json")
    table = await asyncio.to_thread(cli, "hub", "parties")
    resumed = await asyncio.to_thread(cli, "partner", "resume", str(msb.partner_id))
    unknown = await asyncio.to_thread(cli, "partner", "suspend", "999")

    assert suspended.exit_code == 0, suspended.output
    assert json.loads(suspended.stdout)["connection_status"] == "SUSPENDED"
    assert [(p["partner_id"], p["connection_status"]) for p in json.loads(listed.stdout)] == [
        (cpa.partner_id, "CONNECTED"),
        (msb.partner_id, "SUSPENDED"),
    ]
    assert "msb.test" in table.stdout
    assert "SUSPENDED" in table.stdout
    assert json.loads(resumed.stdout)["suspended_at"] is None
    assert (unknown.exit_code, unknown.stderr.strip()) == (1, "error: no partner with id 999")
    # Each change is a ClientInfo PUT queued for the other party, which the serving process delivers.
    async with hub.app.state.sessionmaker() as session:
        rows = (await session.exec(select(OutboxRecord).order_by(col(OutboxRecord.id)))).all()
    told = [(r.partner_id, r.module, orjson.loads(r.body or "{}")["status"]) for r in rows]
    assert told == [
        (cpa.partner_id, "hubclientinfo", "SUSPENDED"),
        (cpa.partner_id, "hubclientinfo", "CONNECTED"),
    ]
