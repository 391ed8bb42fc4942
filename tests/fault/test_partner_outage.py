"""An eMSP down (connections refused, then HTTP 500) while stations change status and finish transactions
(issue 11; README "Push to partners", order and coalescing): on recovery it gets each object's latest state
once, not the history ("pushes SHOULD NOT be queued and replayed"), and every CDR exactly once."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import time
from collections import Counter
from pathlib import Path

import pytest

from tests.fault.charger import OfflineCharger
from tests.fault.checks import (
    accepted_transactions,
    check_cdrs_delivered,
    check_evses_forward,
    check_ledger,
    check_sessions_forward,
    evse_pushes,
    lost,
    sessions_held,
)
from tests.fault.site import (
    PARTIES,
    FaultHub,
    Site,
    evses_held,
    failed_attempts,
    id_tag,
    open_pushes,
    poll,
    read_ledger,
    stop_all,
)
from tests.figures import record
from tests.outbox.fake_partner import Behaviour, Fakes

pytestmark = pytest.mark.fault

STATIONS, CONNECTORS = 4, 2
LIMIT = 80


async def _workload(charger: OfflineCharger, index: int) -> None:
    """Two whole transactions on each connector, then a third left charging on connector 1."""

    async def connector(c: int) -> None:
        for round_ in range(2):
            await charger.charge(c, id_tag(index, c), meter_start=10_000 * round_, steps=2, pause=0.1)

    await asyncio.gather(*(connector(c) for c in range(1, CONNECTORS + 1)))
    charger.start_transaction(1, id_tag(index, 1), meter_start=50_000)


async def test_a_partner_down_for_a_while_gets_each_latest_state_once_and_every_cdr(
    tmp_path: Path, fakes: Fakes, sqlite_template: Path
) -> None:
    started = time.monotonic()
    emsp = await fakes("emsp")
    hub = FaultHub("outage", tmp_path, PARTIES)
    shutil.copy(sqlite_template, hub.database)
    site = Site(hub, emsp, STATIONS, CONNECTORS, v201=frozenset({0}))  # one 2.0.1 station
    chargers = site.chargers()
    try:
        async with asyncio.timeout(LIMIT):
            await asyncio.to_thread(hub.start)
            await site.seed()
            for charger in chargers:
                charger.start()
            # Connected, their statuses reported and delivered: the eMSP is up to date before the outage.
            await poll(lambda: all(c.triggers for c in chargers), 30, "every station asked for its statuses")
            for charger in chargers:
                await charger.drained(within=30)
            await poll(site.all_available, 30, "the hub holding every EVSE AVAILABLE")
            before = await site.evse_statuses()
            await poll(lambda: evses_held(emsp, before), 30, "the eMSP holding every EVSE AVAILABLE")
            await poll(lambda: open_pushes(hub.url) == 0, 30, "the outbox empty before the outage")

            mark = len(emsp.requests)
            await emsp.stop()  # refused connections
            await asyncio.gather(*(_workload(charger, i) for i, charger in enumerate(chargers)))
            for charger in chargers:
                await charger.drained(within=30)  # the hub acknowledged everything during the outage
            await emsp.start()
            emsp.behaviour = Behaviour.HTTP_500
            await emsp.until(lambda: len(emsp.requests) >= mark + 3, within=30)  # retried, refused again
            emsp.behaviour = Behaviour.OK
            assert not any(r.accepted for r in emsp.requests[mark:])

            transactions = accepted_transactions(chargers)
            ledger = read_ledger(hub.url)
            stored = await site.evse_statuses()
            await poll(lambda: lost(transactions, ledger, emsp) == 0, 30, "every CDR at the eMSP")
            with contextlib.suppress(AssertionError):  # check_sessions_forward says what differs
                await poll(
                    lambda: sessions_held(ledger, emsp), 30, "the eMSP holding every Session as stored"
                )
            await poll(lambda: evses_held(emsp, stored), 30, "the eMSP holding every EVSE as stored")
            await poll(lambda: open_pushes(hub.url) == 0, 30, "the outbox empty after the recovery")
            # What the eMSP got, before the stations leave (and their EVSEs turn UNKNOWN).
            sessions = Counter(p.parts[2] for p in emsp.accepted("sessions"))
            evses = {evse: len(seen) for evse, seen in evse_pushes(emsp, mark).items()}
            duplicates = sum(n - 1 for n in sessions.values()) + sum(n - 1 for n in evses.values())
            missing = lost(transactions, ledger, emsp)
            record(
                "eMSP down (refused, then HTTP 500) during status changes and transactions",
                faults_injected=failed_attempts(hub.url),
                objects_checked=len(ledger.sessions) + len(ledger.cdrs) + len(stored),
                lost=missing,
                pushes_beyond_latest=duplicates,
                seconds=round(time.monotonic() - started, 1),
            )
            assert missing == 0
            check_ledger(transactions, ledger)
            assert len(ledger.cdrs) == STATIONS * CONNECTORS * 2
            check_cdrs_delivered(ledger, emsp, reposts=False)
            assert check_sessions_forward(ledger, emsp) == len(ledger.sessions)
            # Each object's latest state once: a Session as one PUT of its final state, an EVSE as one PATCH.
            assert sessions == dict.fromkeys(ledger.sessions, 1), sessions
            assert evses == dict.fromkeys(stored, 1), evses
            assert {s["status"] for s in ledger.sessions.values()} == {"ACTIVE", "COMPLETED"}
            assert set(stored.values()) == {"CHARGING", "AVAILABLE"}
            assert check_evses_forward(emsp, stored) == len(stored)
    finally:
        await stop_all(chargers)
        await asyncio.to_thread(hub.stop)
