"""Site load balancing with a smart-charging partner (mod_charging_profiles): the profile an eMSP sets on a
Session at a balanced site becomes that Session's upper bound in the limits we send, not a second profile
that would replace ours; clearing it lifts the bound."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import orjson
import pytest

from hub.loadbalance.balancer import LoadBalancer
from hub.ocpi.v221.charging_profiles import ChargingProfileResultType, ChargingRateUnit
from hub.tables.charging import TransactionRecord
from tests.conftest import Platform
from tests.integration.test_charging_profiles import (
    ADMIN,
    RECEIVER,
    _deliver_as_serve_does,
    _stop_tasks,
    charger,
    cpo_hub,
    emsp,
    emsp_auth,
    inbox,
    put_profile,
    set_body,
)
from tests.integration.test_commands import FakeCharger, Inbox

__all__ = ["_deliver_as_serve_does", "_stop_tasks", "charger", "cpo_hub", "emsp", "emsp_auth", "inbox"]


@pytest.fixture
async def balanced(cpo_hub: Platform) -> AsyncIterator[LoadBalancer]:
    """Session S1 running at LOC1-1 (an 11 kW Connector), LOC1 limited to 20 kW."""
    async with cpo_hub.app.state.sessionmaker() as session:
        session.add(
            TransactionRecord(
                station_id="CP1",
                transaction_id="T1",
                evse=1,
                connector=1,
                country_code="NL",
                party_id="GWY",
                session_id="S1",
                location_id="LOC1",
                evse_uid="LOC1-1",
                connector_id="1",
                status="ACTIVE",
                started_at=datetime.now(UTC),
            )
        )
        await session.commit()
    response = await cpo_hub.client.put("/admin/sites/NL/GWY/LOC1", json={"limit_kw": 20}, headers=ADMIN)
    assert response.status_code == 200, response.text
    balancer: LoadBalancer = cpo_hub.app.state.load_balancer
    yield balancer
    await balancer.close()


async def next_limit(charger: FakeCharger, seen: int) -> int:
    """The W limit of the next SetChargingProfile after the first `seen` calls."""
    async with asyncio.timeout(5):
        while len(charger.calls) <= seen:
            charger.called.clear()
            await charger.called.wait()
    name, _, kwargs = charger.calls[seen]
    assert name == "set_charging_profile"
    profile = kwargs["charging_profile"]
    assert profile.charging_rate_unit == ChargingRateUnit.W
    return int(profile.charging_profile_period[0].limit)


async def test_a_partner_profile_bounds_the_session_and_clearing_lifts_it(
    balanced: LoadBalancer,
    cpo_hub: Platform,
    emsp_auth: dict[str, str],
    inbox: Inbox,
    charger: FakeCharger,
) -> None:
    charger.answer = ChargingProfileResultType.ACCEPTED
    assert await next_limit(charger, 0) == 11_000  # the Connector's maximum: the site has room
    # 16 A, then 8.1 A after half an hour: bounded by the lowest, 8.1 A x 230 V x 3 phases.
    response = await put_profile(cpo_hub, emsp_auth, "S1", set_body(inbox.url("/profile/1")))
    assert response.status_code == 200
    assert await next_limit(charger, 1) == 5_589
    result = await inbox.next()
    assert orjson.loads(result.content) == {"result": "ACCEPTED"}
    response = await cpo_hub.client.delete(
        f"{RECEIVER}/S1", params={"response_url": inbox.url("/clear/1")}, headers=emsp_auth
    )
    assert response.status_code == 200
    assert await next_limit(charger, 2) == 11_000
    assert orjson.loads((await inbox.next()).content) == {"result": "ACCEPTED"}
    assert [name for name, _, _ in charger.calls] == ["set_charging_profile"] * 3
