"""`kill -9` of `ocpi-hub serve` while chargers charge and the eMSP receives (issue 11; DESIGN decision 5, the
outbox): after the restart every transaction the chargers got accepted has exactly one Session and one CDR,
every CDR reaches its eMSP, and the eMSP never sees a Session or EVSE state go backwards."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import time
from pathlib import Path

import pytest

from tests.fault.charger import OfflineCharger
from tests.fault.checks import (
    accepted_transactions,
    check_cdrs_delivered,
    check_evses_forward,
    check_ledger,
    check_sessions_forward,
    lost,
    sessions_held,
)
from tests.fault.site import PARTIES, FaultHub, Site, evses_held, id_tag, poll, read_ledger, stop_all
from tests.figures import record
from tests.outbox.fake_partner import Fakes

pytestmark = pytest.mark.fault

STATIONS, CONNECTORS, ROUNDS = 5, 2, 3
# A push claimed when the fault hit is sent again once its lease (4 x the partner timeout + 5 s) runs out.
LEASE = {"OCPI_HUB_PARTNER_TIMEOUT": "3"}
LIMIT = 85


async def _workload(charger: OfflineCharger, index: int) -> None:
    async def connector(c: int) -> None:
        for round_ in range(ROUNDS):
            await charger.charge(c, id_tag(index, c), meter_start=10_000 * round_, steps=2, pause=0.3)

    await asyncio.gather(*(connector(c) for c in range(1, CONNECTORS + 1)))


def _accepted(chargers: list[OfflineCharger]) -> int:
    return sum(t.accepted for charger in chargers for t in charger.transactions)


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
async def test_kill_9_mid_workload_loses_no_transaction_and_no_cdr(
    engine: str, tmp_path: Path, fakes: Fakes, request: pytest.FixtureRequest
) -> None:
    started = time.monotonic()
    url = request.getfixturevalue("private_postgres") if engine == "postgresql" else None
    emsp = await fakes("emsp")
    hub = FaultHub("kill", tmp_path, PARTIES, database_url=url, extra=LEASE)
    if url is None:  # migrated once per run: the restart, not the migration, is under test
        shutil.copy(request.getfixturevalue("sqlite_template"), hub.database)
    site = Site(hub, emsp, STATIONS, CONNECTORS, v201=frozenset({0}))  # one 2.0.1 station
    chargers = site.chargers()
    try:
        async with asyncio.timeout(LIMIT):
            await asyncio.to_thread(hub.start)
            await site.seed()
            for charger in chargers:
                charger.start()
            work = asyncio.gather(*(_workload(charger, i) for i, charger in enumerate(chargers)))
            # Mid-workload: some transactions accepted, some CDRs on their way, most of the work still to come.
            await poll(lambda: _accepted(chargers) >= STATIONS * CONNECTORS, 30, "the first transactions")
            await emsp.until(lambda: emsp.accepted("sessions"), within=30)
            before = _accepted(chargers)
            await asyncio.to_thread(hub.kill)
            await asyncio.sleep(0.5)  # the chargers notice and queue: the outage they live through
            await asyncio.to_thread(hub.start)
            await work
            for charger in chargers:
                await charger.drained(within=30)
            transactions = accepted_transactions(chargers)
            assert len(transactions) == STATIONS * CONNECTORS * ROUNDS
            assert before < len(transactions), "the kill came after the workload"
            assert all(t.stopped for t in transactions)
            ledger = read_ledger(hub.url)
            with contextlib.suppress(AssertionError):  # counted as lost below
                await poll(lambda: lost(transactions, ledger, emsp) == 0, 30, "every CDR at the eMSP")
            with contextlib.suppress(AssertionError):  # check_sessions_forward says what differs
                await poll(
                    lambda: sessions_held(ledger, emsp), 30, "the eMSP holding every Session as stored"
                )
            # Each charger ends with its connectors Available; the hub learns it again after the restart.
            await poll(site.all_available, 30, "the hub holding every EVSE AVAILABLE")
            stored = await site.evse_statuses()
            await poll(lambda: evses_held(emsp, stored), 30, "the eMSP holding every EVSE as stored")
            missing = lost(transactions, read_ledger(hub.url), emsp)
            posts = emsp.accepted("cdrs")
            record(
                f"kill -9 of ocpi-hub serve mid-workload ({engine})",
                faults_injected=1,
                transactions=len(transactions),
                objects_checked=len(ledger.sessions) + len(ledger.cdrs) + len(stored),
                lost=missing,
                cdrs_posted_again=len(posts) - len({p.body["id"] for p in posts}),
                seconds=round(time.monotonic() - started, 1),
            )
            assert missing == 0
            assert all(charger.connections >= 2 for charger in chargers)  # each lived through the kill
            check_ledger(transactions, ledger)
            check_cdrs_delivered(ledger, emsp, reposts=True)
            assert check_sessions_forward(ledger, emsp) == len(ledger.sessions)
            assert check_evses_forward(emsp, stored) == len(stored)
    finally:
        await stop_all(chargers)
        await asyncio.to_thread(hub.stop)
