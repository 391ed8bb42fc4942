"""`--fix` (hub.reconcile.fix): the missing CDR made once, priced as at a transaction's end, queued to its
eMSP; never a second one (a second run, two at once), never from a meter that went backwards."""

from __future__ import annotations

import asyncio

import orjson
import pytest

from hub.reconcile.findings import FindingKind
from hub.reconcile.fix import fix_missing_cdrs, fix_transaction
from tests.reconcile.conftest import MIN, T0, Rig, cdr_pushes, cdrs, charge, found, give_loc3_a_tariff

pytestmark = pytest.mark.usefixtures("cards")


@pytest.fixture
async def cards(rig: Rig) -> None:
    await rig.push_token("CARD1", whitelist="ALWAYS")


async def fix(rig: Rig) -> list[dict[str, object]]:
    findings = await found(rig, FindingKind.SESSION_WITHOUT_CDR)
    outcomes = await fix_missing_cdrs(rig.hub.app.state.sessionmaker, rig.hub.settings, findings)
    return [o.model_dump() for o in outcomes]


async def test_fix_makes_the_missing_cdr_once_priced_like_any_other_and_queued_to_its_emsp(rig: Rig) -> None:
    missing = await charge(rig, "TX1", station="CP-FREE")  # no Tariff at LOC3 when it ended
    usual = await charge(rig, "TX2")  # the same charge at LOC2, CDR made at its end
    await give_loc3_a_tariff(rig.hub)

    (outcome,) = await fix(rig)
    again = await fix(rig)
    await rig.deliver()

    assert outcome["fixed"] is True
    assert (outcome["session_id"], outcome["cdr_id"], outcome["total_energy"]) == (missing, missing, "2.0")
    assert again == []  # nothing left to fix: a second run makes no CDR
    stored = {c.object_key: orjson.loads(c.body) for c in await cdrs(rig.hub)}
    assert len(stored) == 2
    made, reference = stored[missing.upper()], stored[usual.upper()]
    for field in ("total_cost", "total_energy_cost", "total_time_cost", "total_energy", "total_time"):
        assert made[field] == reference[field], field
    assert made["total_cost"] == {"excl_vat": 0.6, "incl_vat": 0.72}
    assert made["tariffs"][0]["id"] == "T1"
    assert made["cdr_location"]["id"] == "LOC3"
    assert [c["id"] for c in rig.emsp.model.cdrs] == sorted([missing, usual], key=[usual, missing].index)
    record = await rig.transaction(station="CP-FREE", stored=True)
    assert record.cdr_id == missing
    assert "cdr_error" not in record.state
    assert await found(rig, FindingKind.SESSION_WITHOUT_CDR) == []


async def test_two_fixes_at_once_make_one_cdr(rig: Rig) -> None:
    await charge(rig, "TX1", station="CP-FREE")
    await give_loc3_a_tariff(rig.hub)
    row = (await rig.transaction(station="CP-FREE", stored=True)).id
    assert row is not None

    outcomes = await asyncio.gather(
        *(fix_transaction(rig.hub.app.state.sessionmaker, rig.hub.settings, row) for _ in range(2))
    )

    assert sorted(o.fixed for o in outcomes) == [False, True]
    (refused,) = [o for o in outcomes if not o.fixed]
    assert refused.reason is not None
    assert "already has CDR" in refused.reason
    assert len(await cdrs(rig.hub)) == 1
    assert len(await cdr_pushes(rig.hub)) == 1


async def test_fix_without_a_tariff_says_why_and_makes_nothing(rig: Rig) -> None:
    await charge(rig, "TX1", station="CP-FREE")

    (outcome,) = await fix(rig)

    assert outcome["fixed"] is False
    assert "no Tariff" in str(outcome["reason"])
    assert await cdrs(rig.hub) == []
    assert len(await found(rig, FindingKind.SESSION_WITHOUT_CDR)) == 1


async def test_a_meter_gone_backwards_is_reported_and_never_fixed_into_a_cdr(rig: Rig) -> None:
    session_id = await charge(rig, "TX1", station="CP-FREE", registers=(5000, 6000, 4000))
    await give_loc3_a_tariff(rig.hub)

    (finding,) = await found(rig, FindingKind.SESSION_WITHOUT_CDR)
    (backwards,) = await found(rig, FindingKind.METER_BACKWARDS)
    (outcome,) = await fix(rig)

    assert not finding.fixable
    assert "went backwards (4000 Wh at 2026-03-02T10:10:00Z after 6000 Wh)" in finding.evidence["not_fixable"]
    assert backwards.evidence["session_id"] == session_id
    assert outcome["fixed"] is False
    assert "went backwards" in str(outcome["reason"])
    assert await cdrs(rig.hub) == []


async def test_a_transaction_without_an_end_meter_value_is_not_fixed(rig: Rig) -> None:
    await rig.start(T0, station="CP-FREE", transaction_id="TX1")  # Transaction.Begin at 1000 Wh
    await rig.update(T0 + MIN, 1, 2000, station="CP-FREE")
    await rig.end(T0 + 30 * MIN, 2, station="CP-FREE")  # no reading at the end
    await give_loc3_a_tariff(rig.hub)

    (finding,) = await found(rig, FindingKind.SESSION_WITHOUT_CDR)
    (outcome,) = await fix(rig)

    assert not finding.fixable
    assert "no end meter value" in finding.evidence["not_fixable"]
    assert outcome["fixed"] is False
    assert await cdrs(rig.hub) == []
