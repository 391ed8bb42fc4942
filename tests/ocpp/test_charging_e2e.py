"""Whole charging sessions end to end (ocpp-notes §3.3, §3.6): a real 1.6 and a real 2.0.1 charger over websockets
against the hub's OCPP endpoint, a Tariff on their Connectors, and a registered eMSP partner on loopback that
receives the Session PUT and PATCHes and the priced CDR through the outbox; on both engines."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from hub.modules.objects import key, to_json
from hub.modules.tokens.repository import token_id
from hub.ocpi.base import parse_datetime
from hub.ocpi.v221.tokens import TokenType
from hub.stations.imports import import_stations
from hub.tables.tokens import TokenRecord
from tests.fixtures_locations import energy_element, make_location, make_tariff
from tests.ocpp.chargers import station
from tests.ocpp.conftest import STATIONS, Gateway, MakeGateway
from tests.outbox.conftest import PushHub
from tests.outbox.fake_partner import FakePartner, Fakes, Received

# 0.30 EUR/kWh and 2.00 EUR per hour of parking, both with 20 % VAT.
TARIFF = make_tariff(
    "T1",
    elements=[
        energy_element(0.30, vat=20.0),
        {"price_components": [{"type": "PARKING_TIME", "price": 2.0, "vat": 20.0, "step_size": 1}]},
    ],
)
MIN = timedelta(minutes=1)


def wire(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Site:
    gateway: Gateway
    emsp: FakePartner
    # An hour and a bit ago: the session's events are in the past, as the hub's clock expects.
    t0: datetime

    async def deliver(self) -> None:
        await self.gateway.app.state.delivery.drain()

    def sessions(self) -> list[Received]:
        return self.emsp.accepted("sessions")


@pytest.fixture
async def fakes() -> AsyncIterator[Fakes]:
    started = Fakes()
    yield started
    await started.close()


@pytest.fixture
async def site(make_gateway: MakeGateway, database_url: str, fakes: Fakes) -> Site:
    gateway = await make_gateway(database_url, seed=False)
    emsp = await fakes("emsp")
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{gateway.port}") as client:
        partner_id = await PushHub(gateway.app, client, gateway.settings).add_partner(emsp)
    await gateway.admin("PUT", "tariffs/NL/GWY/T1", TARIFF, expect=201)
    for location_id in ("LOC1", "LOC2", "LOC3"):
        location = make_location(location_id, tariff_ids=["T1"])
        await gateway.admin("PUT", f"locations/NL/GWY/{location_id}", location, expect=201)
    report = await import_stations(gateway.app.state.sessionmaker, gateway.settings, STATIONS)
    assert report.created == len(STATIONS), report
    # The eMSP's Token, pushed to us earlier (whitelist ALWAYS: no real-time authorization).
    body: dict[str, Any] = {
        "country_code": "DE",
        "party_id": "MSP",
        "uid": "CARD1",
        "type": "RFID",
        "contract_id": "DE-MSP-C0001",
        "issuer": "Fake eMSP",
        "valid": True,
        "whitelist": "ALWAYS",
        "last_updated": "2026-01-01T00:00:00Z",
    }
    async with gateway.app.state.sessionmaker() as session:
        session.add(
            TokenRecord(
                country_code="DE",
                party_id="MSP",
                object_key=key(token_id("CARD1", TokenType.RFID)),
                partner_id=partner_id,
                last_updated=parse_datetime(body["last_updated"]),
                body=to_json(body),
            )
        )
        await session.commit()
    t0 = datetime.now(UTC).replace(microsecond=0) - 2 * timedelta(hours=1)
    site = Site(gateway, emsp, t0)
    await site.deliver()  # the Locations and Tariff
    return site


def check_session_and_cdr(site: Site, evse_uid: str, connector_id: str) -> None:
    """10 kWh in an hour, the last 10 minutes parked (SuspendedEV); delivered after the start, after the
    parking began and at the end."""
    pushes = site.sessions()
    put, *patches = pushes
    assert put.method == "PUT"
    assert (put.body["status"], put.body["kwh"], put.body["auth_method"]) == ("ACTIVE", 0, "WHITELIST")
    assert (put.body["evse_uid"], put.body["connector_id"]) == (evse_uid, connector_id)
    assert put.body["cdr_token"]["uid"] == "CARD1"
    assert put.body["start_date_time"] == wire(site.t0)
    assert all(p.method == "PATCH" for p in patches)
    final = patches[-1].body
    assert (final["status"], final["kwh"], final["end_date_time"]) == (
        "COMPLETED",
        10.0,
        wire(site.t0 + 60 * MIN),
    )
    # Parking began at once: a state change is not held back by the minute's throttle (delivered before
    # the end, so not coalesced with it).
    assert any(p.body.get("kwh") == 8.5 for p in patches[:-1])
    (cdr,) = site.emsp.model.cdrs
    assert cdr["session_id"] == put.body["id"]
    assert cdr["cdr_location"]["evse_uid"] == evse_uid
    assert (cdr["total_energy"], cdr["total_time"]) == (10.0, 1.0)
    assert cdr["total_parking_time"] == pytest.approx(10 / 60, abs=0.001)
    assert cdr["tariffs"][0]["id"] == "T1"
    assert cdr["total_cost"]["excl_vat"] == pytest.approx(3.0 + 2.0 / 6, abs=0.01)
    assert cdr["total_cost"]["incl_vat"] == pytest.approx((3.0 + 2.0 / 6) * 1.2, abs=0.01)


async def test_a_1_6_charging_session_becomes_a_session_and_a_priced_cdr(site: Site) -> None:
    t0 = site.t0
    async with station(site.gateway.ws, "CP16") as cp:
        await cp.boot()
        await cp.status(2, "Preparing", timestamp=wire(t0 - MIN))
        assert (await cp.authorize("CARD1")).id_tag_info["status"] == "Accepted"
        assert (await cp.authorize("NOBODY")).id_tag_info["status"] == "Invalid"
        started = await cp.start_transaction(2, "CARD1", 1000, wire(t0))
        assert started.id_tag_info["status"] == "Accepted"
        await site.deliver()
        tx = started.transaction_id
        await cp.status(2, "Charging", timestamp=wire(t0))
        await cp.meter(2, tx, (wire(t0 + 30 * MIN), [{"value": "6000"}]))
        await cp.meter(2, tx, (wire(t0 + 50 * MIN), [{"value": "9.5", "unit": "kWh"}]))
        await cp.status(2, "SuspendedEV", timestamp=wire(t0 + 50 * MIN))
        await site.deliver()
        stopped = await cp.stop_transaction(
            tx, 11000, wire(t0 + 60 * MIN), reason="EVDisconnected", id_tag="CARD1"
        )
        assert stopped.id_tag_info["status"] == "Accepted"
        # The station sends its Stop again (its answer was lost): no second CDR.
        await cp.stop_transaction(tx, 11000, wire(t0 + 60 * MIN), reason="EVDisconnected")
    await site.deliver()
    check_session_and_cdr(site, "LOC1-2", "1")


async def test_a_2_0_1_charging_session_becomes_a_session_and_a_priced_cdr(site: Site) -> None:
    t0 = site.t0

    def kwh(at: datetime, value: float, context: str = "Sample.Periodic") -> list[dict[str, Any]]:
        return [
            {
                "timestamp": wire(at),
                "sampledValue": [{"value": value, "context": context, "unitOfMeasure": {"unit": "kWh"}}],
            }
        ]

    async with station(site.gateway.ws, "CP201", version="2.0.1") as cp:
        await cp.boot()
        assert (await cp.authorize("CARD1")).id_token_info["status"] == "Accepted"
        started = await cp.event(
            "Started",
            "TX-E2E",
            0,
            wire(t0),
            evse=(1, 2),
            id_token="CARD1",
            charging_state="Charging",
            meter_value=kwh(t0, 1.0, "Transaction.Begin"),
        )
        assert started.id_token_info["status"] == "Accepted"
        await site.deliver()
        # 6 kWh, as 6 Wh with multiplier 3.
        await cp.event(
            "Updated",
            "TX-E2E",
            1,
            wire(t0 + 30 * MIN),
            trigger="MeterValuePeriodic",
            meter_value=[
                {
                    "timestamp": wire(t0 + 30 * MIN),
                    "sampledValue": [{"value": 6, "unitOfMeasure": {"unit": "Wh", "multiplier": 3}}],
                }
            ],
        )
        await cp.event(
            "Updated",
            "TX-E2E",
            2,
            wire(t0 + 50 * MIN),
            trigger="ChargingStateChanged",
            charging_state="SuspendedEV",
            meter_value=kwh(t0 + 50 * MIN, 9.5),
        )
        await site.deliver()
        ended = {
            "trigger": "EVCommunicationLost",
            "stopped_reason": "EVDisconnected",
            "charging_state": "Idle",
        }
        end_meter = kwh(t0 + 60 * MIN, 11.0, "Transaction.End")
        await cp.event("Ended", "TX-E2E", 3, wire(t0 + 60 * MIN), meter_value=end_meter, **ended)
        # The same Ended again (as some stations do): answered, nothing changes.
        await cp.event("Ended", "TX-E2E", 3, wire(t0 + 60 * MIN), meter_value=end_meter, **ended)
    await site.deliver()
    check_session_and_cdr(site, "LOC2-1", "2")
