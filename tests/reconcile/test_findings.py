"""One test per finding kind (hub.reconcile.queries), each next to a case that must not be reported."""

from __future__ import annotations

from decimal import Decimal

import orjson
import pytest
from sqlalchemy import delete, update
from sqlmodel import col

from hub.charging.service import PATCH_INTERVAL
from hub.modules.objects import Owner
from hub.ocpi.base import utc_now
from hub.reconcile.findings import FindingKind
from hub.tables.cdrs import CdrRecord
from hub.tables.outbox import PushState
from hub.tables.sessions import SessionRecord
from tests.outbox.fake_partner import Behaviour
from tests.reconcile.conftest import HOUR, MIN, T0, Rig, cdr_pushes, charge, found, reading, run

pytestmark = pytest.mark.usefixtures("cards")


@pytest.fixture
async def cards(rig: Rig) -> None:
    await rig.push_token("CARD1", whitelist="ALWAYS")
    await rig.push_token("CARD2", whitelist="ALWAYS")


async def test_a_transaction_whose_session_is_gone_is_reported_and_one_with_its_session_is_not(
    rig: Rig,
) -> None:
    lost = await charge(rig, "TX1", end=False)
    await charge(rig, "TX2", evse=2, token="CARD2", end=False)
    async with rig.hub.app.state.sessionmaker() as session:
        await session.exec(delete(SessionRecord).where(col(SessionRecord.object_key) == lost.upper()))
        await session.commit()

    (finding,) = await found(rig, FindingKind.TRANSACTION_WITHOUT_SESSION)

    assert finding.subject == "transaction CP201/TX1"
    assert finding.evidence["session_id"] == lost
    assert (finding.evidence["station_id"], finding.evidence["transaction_id"]) == ("CP201", "TX1")
    assert finding.evidence["started_at"] == "2026-03-02T10:00:00Z"
    assert finding.evidence["meter_start_wh"] == "1000"
    assert lost in finding.message


async def test_a_completed_session_without_cdr_is_reported_after_the_delay_and_one_with_its_cdr_never(
    rig: Rig,
) -> None:
    missing = await charge(rig, "TX1", station="CP-FREE")  # LOC3 has no Tariff: no CDR at the end
    await charge(rig, "TX2")  # CP201: priced, CDR made at the end

    (finding,) = await found(rig, FindingKind.SESSION_WITHOUT_CDR)
    # The Sessions completed just now (last_updated): within an hour's delay nothing is due yet.
    assert await found(rig, FindingKind.SESSION_WITHOUT_CDR, cdr_delay=3600) == []
    later = await found(rig, FindingKind.SESSION_WITHOUT_CDR, cdr_delay=3600, now=utc_now() + 2 * HOUR)

    assert [f.evidence["session_id"] for f in later] == [missing]
    assert finding.evidence["session_id"] == missing
    assert finding.evidence["kwh"] == 2.0
    assert finding.evidence["transaction"]["transaction_id"] == "TX1"
    assert "no Tariff" in finding.evidence["transaction"]["cdr_error"]
    assert "no Tariff" in finding.message
    assert finding.fixable
    assert finding.evidence["not_fixable"] is None


async def test_a_session_whose_cdr_names_it_in_session_id_is_not_reported(rig: Rig) -> None:
    """A Session of the admin API whose CDR (another id) came through POST /admin/cdrs."""
    body = {
        "country_code": "NL",
        "party_id": "GWY",
        "id": "ADMIN-S1",
        "start_date_time": "2026-01-05T10:00:00Z",
        "end_date_time": "2026-01-05T11:00:00Z",
        "kwh": 10,
        "cdr_token": {
            "country_code": "DE",
            "party_id": "MSP",
            "uid": "CARD1",
            "type": "RFID",
            "contract_id": "DE-MSP-CARD1",
        },
        "auth_method": "WHITELIST",
        "location_id": "LOC2",
        "evse_uid": "LOC2-1",
        "connector_id": "1",
        "currency": "EUR",
        "status": "COMPLETED",
    }
    await rig.hub.admin("PUT", "sessions/NL/GWY/ADMIN-S1", body)
    await rig.hub.admin("PUT", "sessions/NL/GWY/ADMIN-S2", {**body, "id": "ADMIN-S2"})
    await rig.hub.admin(
        "POST",
        "cdrs",
        {
            "country_code": "NL",
            "party_id": "GWY",
            "id": "CDR-OF-S1",
            "session_id": "admin-s1",
            "charging_periods": [
                {
                    "start_date_time": "2026-01-05T10:00:00Z",
                    "dimensions": [{"type": "ENERGY", "volume": 10}, {"type": "TIME", "volume": 1}],
                }
            ],
        },
    )

    (finding,) = await found(rig, FindingKind.SESSION_WITHOUT_CDR)

    assert finding.evidence["session_id"] == "ADMIN-S2"
    assert finding.evidence["transaction"] is None
    assert not finding.fixable
    assert "no OCPP transaction" in finding.evidence["not_fixable"]


async def test_a_cdr_refused_or_waiting_past_the_delay_is_reported_and_an_accepted_one_is_not(
    rig: Rig,
) -> None:
    accepted = await charge(rig, "TX1")
    await rig.deliver()
    refused = await charge(rig, "TX2", evse=2, token="CARD2")
    rig.emsp.behaviour = Behaviour.HTTP_400
    await rig.deliver()
    rig.emsp.behaviour = Behaviour.OK
    waiting = await charge(rig, "TX3", start=T0 + HOUR)  # queued, not yet sent

    now_found = await found(rig, FindingKind.CDR_NOT_ACCEPTED, cdr_delay=3600)
    later = await found(rig, FindingKind.CDR_NOT_ACCEPTED, cdr_delay=3600, now=utc_now() + 2 * HOUR)

    # Refused for good: at once; waiting: only once the delay has passed; accepted: never.
    assert [f.evidence["cdr_id"] for f in now_found] == [refused]
    (dead,) = now_found
    assert dead.evidence["state"] == PushState.DEAD
    assert dead.evidence["partner_id"] == rig.partner_id
    assert dead.evidence["last_attempt"]["http_status"] == 400
    assert dead.evidence["last_attempt"]["at"] is not None
    assert "refused by partner" in dead.message
    assert sorted(f.evidence["cdr_id"] for f in later) == sorted([refused, waiting])
    (pending,) = [f for f in later if f.evidence["cdr_id"] == waiting]
    assert (pending.evidence["state"], pending.evidence["attempts"]) == (PushState.PENDING, 0)
    assert pending.evidence["last_attempt"] is None
    assert accepted not in {f.evidence["cdr_id"] for f in later}
    assert {row.state for row in await cdr_pushes(rig.hub)} == {"DELIVERED", "DEAD", "PENDING"}


async def test_an_active_transaction_without_meter_data_for_hours_is_stuck_and_a_metered_one_is_not(
    rig: Rig,
) -> None:
    await charge(rig, "TX1", registers=(1000, 1500), end=False)  # last reading T0 + 1 min
    await charge(rig, "TX2", evse=2, token="CARD2", end=False)
    # Still metering; the row is written with the next Session PATCH (meter readings alone stay in memory).
    rig.clock.advance(PATCH_INTERVAL)
    await rig.update(T0 + 5 * HOUR, 2, 9000, transaction_id="TX2")
    assert (await rig.transaction("TX2", stored=True)).last_event_at == T0 + 5 * HOUR
    await charge(rig, "TX3", start=T0 - 9 * HOUR, token="CARD2")  # ended long ago

    (finding,) = await found(rig, FindingKind.STUCK_ACTIVE, now=T0 + 6 * HOUR, stuck_hours=2)
    none_yet = await found(rig, FindingKind.STUCK_ACTIVE, now=T0 + 2 * HOUR + 30 * MIN, stuck_hours=3)

    assert finding.subject == "transaction CP201/TX1"
    assert finding.evidence["last_reading_at"] == "2026-03-02T10:01:00Z"
    assert finding.evidence["hours_without_meter_data"] == "5.98"
    assert finding.evidence["status"] == "ACTIVE"
    assert "last meter reading 2026-03-02T10:01:00Z" in finding.message
    assert none_yet == []


async def test_a_cdr_whose_energy_disagrees_with_the_register_is_reported_and_a_matching_one_is_not(
    rig: Rig,
) -> None:
    wrong = await charge(rig, "TX1")
    await charge(rig, "TX2", evse=2, token="CARD2", registers=(5000, 5004))
    # The stored CDR says 2.5 kWh where the register moved 2 kWh (e.g. written by another system).
    async with rig.hub.app.state.sessionmaker() as session:
        record = await session.get(CdrRecord, 1)
        assert record is not None
        assert record.object_key == wrong.upper()
        body = orjson.loads(record.body)
        body["total_energy"] = 2.5
        await session.exec(
            update(CdrRecord).where(col(CdrRecord.id) == 1).values(body=orjson.dumps(body).decode())
        )
        await session.commit()

    (finding,) = await found(rig, FindingKind.ENERGY_MISMATCH)
    within = await found(rig, FindingKind.ENERGY_MISMATCH, energy_tolerance=Decimal("0.5"))

    assert finding.evidence["cdr_id"] == wrong
    assert finding.evidence["cdr_total_energy"] == "2.5"
    assert finding.evidence["meter_kwh"] == "2"
    assert finding.evidence["difference_kwh"] == "0.5"
    assert "meter register 1000 → 3000 Wh" in finding.message
    assert within == []


async def test_a_meter_going_backwards_is_reported_and_its_cdr_is_not_negative(rig: Rig) -> None:
    went_back = await charge(rig, "TX1", registers=(5000, 6000, 4000))  # the end register is lower
    # A late reading (earlier than the last one) with a lower register is not a meter going backwards.
    await charge(rig, "TX2", evse=2, token="CARD2", registers=(1000, 2000), end=False)
    rig.clock.advance(PATCH_INTERVAL)
    await rig.update(
        T0 + 2 * MIN,
        2,
        meter=(reading(T0 + MIN / 2, 1500, context="Sample.Periodic"),),
        transaction_id="TX2",
    )
    assert (await rig.transaction("TX2", stored=True)).last_event_at == T0 + 2 * MIN

    (finding,) = await found(rig, FindingKind.METER_BACKWARDS)

    assert finding.subject == "transaction CP201/TX1"
    assert finding.evidence["session_id"] == went_back
    assert finding.evidence["backwards"] == [
        {"at": "2026-03-02T10:10:00Z", "wh": "4000", "highest_wh": "6000"}
    ]
    assert finding.message.startswith("meter went backwards: 4000 Wh at 2026-03-02T10:10:00Z after 6000 Wh")
    async with rig.hub.app.state.sessionmaker() as session:
        cdr = await session.get(CdrRecord, 1)
    assert cdr is not None
    assert orjson.loads(cdr.body)["total_energy"] == 1.0  # up to the highest register, never negative
    assert Owner.of(cdr.country_code, cdr.party_id) == Owner.of("NL", "GWY")


async def test_transactions_with_the_same_station_evse_token_and_start_are_duplicates(rig: Rig) -> None:
    first = await charge(rig, "TX1", end=False)
    second = await charge(rig, "TX1-AGAIN", end=False)
    await charge(rig, "TX2", evse=2, end=False)  # same start and token, another EVSE
    await charge(rig, "TX3", evse=2, token="CARD2", start=T0 + MIN, end=False)
    await charge(rig, "TX4", evse=2, token="CARD1", start=T0 + MIN, end=False)  # same start, other token

    (finding,) = await found(rig, FindingKind.DUPLICATE_TRANSACTION)
    everything = await run(rig)

    assert finding.subject == "station CP201 EVSE 1 at 2026-03-02T10:00:00Z"
    assert [t["transaction_id"] for t in finding.evidence["transactions"]] == ["TX1", "TX1-AGAIN"]
    assert [t["session_id"] for t in finding.evidence["transactions"]] == [first, second]
    assert finding.evidence["id_token"] == "CARD1"
    assert "TX1, TX1-AGAIN" in finding.message
    assert everything.counts[FindingKind.DUPLICATE_TRANSACTION] == 1
    assert set(everything.counts) == set(FindingKind)
