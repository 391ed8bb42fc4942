"""Reconciliation under test: the charging rig (tests/charging: stations CP201 at LOC2 with Tariff T1, CP-FREE
at LOC3 without Tariff, a fake eMSP) on both engines, and helpers that run the queries and read the tables."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlmodel import col, select

from hub.reconcile.findings import Finding, FindingKind
from hub.reconcile.queries import Report, Thresholds, reconcile
from hub.reconcile.settings import ReconcileSettings
from hub.tables.cdrs import CdrRecord
from hub.tables.outbox import OutboxRecord
from tests.charging import conftest as charging
from tests.charging.conftest import T0, Rig, reading
from tests.fixtures_locations import make_location
from tests.outbox import conftest as outbox
from tests.outbox.conftest import PushHub

rig, hub, fakes, make_hub = charging.rig, outbox.hub, outbox.fakes, outbox.make_hub
__all__ = ["T0", "Rig", "fakes", "hub", "make_hub", "reading", "rig"]

MIN = timedelta(minutes=1)
HOUR = timedelta(hours=1)


async def run(
    rig: Rig,
    *kinds: FindingKind,
    now: datetime | None = None,
    cdr_delay: float = 0.0,
    stuck_hours: float | None = None,
    energy_tolerance: Decimal | None = None,
) -> Report:
    thresholds = Thresholds.of(
        ReconcileSettings(), cdr_delay=cdr_delay, stuck_hours=stuck_hours, energy_tolerance=energy_tolerance
    )
    async with rig.hub.app.state.sessionmaker() as session:
        return await reconcile(session, thresholds, kinds=kinds or None, now=now)


async def found(rig: Rig, kind: FindingKind, **kwargs: Any) -> list[Finding]:
    return (await run(rig, kind, **kwargs)).findings


async def charge(
    rig: Rig,
    transaction_id: str,
    *,
    station: str = "CP201",
    evse: int = 1,
    start: datetime = T0,
    registers: tuple[float, ...] = (1000, 3000),
    minutes: int = 10,
    token: str = "CARD1",
    end: bool = True,
) -> str:
    """One transaction: the first register at `start`, the others a minute apart, the last at the end
    (`minutes` after the start) unless `end` is False. Returns its Session id."""
    outcome = await rig.start(
        start,
        station=station,
        transaction_id=transaction_id,
        evse=evse,
        token=token,
        meter=(reading(start, registers[0], context="Transaction.Begin"),),
    )
    assert outcome.session_id is not None
    seq = 1
    for index, wh in enumerate(registers[1:-1] if end else registers[1:], start=1):
        await rig.update(start + index * MIN, seq, wh, station=station, transaction_id=transaction_id)
        seq += 1
    if end:
        await rig.end(
            start + minutes * MIN, seq, registers[-1], station=station, transaction_id=transaction_id
        )
    return outcome.session_id


async def give_loc3_a_tariff(hub: PushHub) -> None:
    await hub.admin(
        "PUT", "locations/NL/GWY/LOC3", make_location("LOC3", evses=1, connectors=1, tariff_ids=["T1"])
    )


async def cdrs(hub: PushHub) -> list[CdrRecord]:
    async with hub.app.state.sessionmaker() as session:
        return list((await session.exec(select(CdrRecord).order_by(col(CdrRecord.id)))).all())


async def cdr_pushes(hub: PushHub) -> list[OutboxRecord]:
    return [row for row in await hub.outbox() if row.module == "cdrs"]
