"""PostgreSQL restarted (as in a crash: `pg_ctl restart -m immediate`) while chargers charge and the eMSP
receives (issue 11): the same `ocpi-hub serve` process reconnects on its own, and nothing it acknowledged to a
charger with a CALLRESULT is lost: every accepted transaction has its Session and CDR with the metered energy,
every acknowledged status is the EVSE's, every CDR reaches the eMSP."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from hub.stations.ocpp_status import status_16
from tests.fault.charger import OfflineCharger
from tests.fault.checks import (
    accepted_transactions,
    check_cdrs_delivered,
    check_ledger,
    check_sessions_forward,
    lost,
    sessions_held,
)
from tests.fault.postgres import PrivateCluster
from tests.fault.site import PARTIES, FaultHub, Site, evses_held, id_tag, poll, read_ledger, stop_all
from tests.figures import record
from tests.outbox.fake_partner import Fakes

pytestmark = pytest.mark.fault

STATIONS, CONNECTORS, ROUNDS = 4, 2, 3
# A push claimed when the fault hit is sent again once its lease (4 x the partner timeout + 5 s) runs out.
LEASE = {"OCPI_HUB_PARTNER_TIMEOUT": "3"}
LIMIT = 85


@pytest.fixture
def cluster() -> Iterator[PrivateCluster]:
    private = PrivateCluster.create()
    try:
        yield private
    finally:
        private.destroy()


async def _workload(charger: OfflineCharger, index: int) -> None:
    async def connector(c: int) -> None:
        for round_ in range(ROUNDS):
            await charger.charge(c, id_tag(index, c), meter_start=10_000 * round_, steps=3, pause=0.3)

    await asyncio.gather(*(connector(c) for c in range(1, CONNECTORS + 1)))


def _acknowledged(chargers: list[OfflineCharger]) -> int:
    return sum(len(charger.acknowledged) for charger in chargers)


async def test_postgresql_restarted_under_load_loses_nothing_acknowledged(
    tmp_path: Path, fakes: Fakes, cluster: PrivateCluster
) -> None:
    started = time.monotonic()
    emsp = await fakes("emsp")
    hub = FaultHub("pgrestart", tmp_path, PARTIES, database_url=cluster.url("hub"), extra=LEASE)
    migrated = await asyncio.to_thread(hub.cli, "migrate")
    assert migrated.returncode == 0, migrated.stderr
    site = Site(hub, emsp, STATIONS, CONNECTORS, v201=frozenset({0}))  # one 2.0.1 station
    chargers = site.chargers()
    try:
        async with asyncio.timeout(LIMIT):
            await asyncio.to_thread(hub.start)
            pid = hub.pid
            await site.seed()
            for charger in chargers:
                charger.start()
            work = asyncio.gather(*(_workload(charger, i) for i, charger in enumerate(chargers)))
            await poll(lambda: _acknowledged(chargers) >= 40, 30, "the workload under way")
            await emsp.until(lambda: emsp.accepted("sessions"), within=30)
            before = _acknowledged(chargers)
            await asyncio.to_thread(cluster.restart)
            await work
            for charger in chargers:
                await charger.drained(within=40)
            assert hub.alive()
            assert hub.pid == pid  # the same process: it reconnected on its own
            assert before < _acknowledged(chargers), "the restart came after the workload"

            transactions = accepted_transactions(chargers)
            assert len(transactions) == STATIONS * CONNECTORS * ROUNDS
            assert all(t.stopped for t in transactions)
            ledger = read_ledger(hub.url)
            with contextlib.suppress(AssertionError):  # counted as lost below
                await poll(lambda: lost(transactions, ledger, emsp) == 0, 40, "every CDR at the eMSP")
            missing = lost(transactions, ledger, emsp)
            # Every status a charger got a CALLRESULT for last is the EVSE's status (a refused one is no loss:
            # the charger was told).
            acknowledged = {
                (f"L{i:03d}", f"L{i:03d}-{c}"): status_16(status).value
                for i, charger in enumerate(chargers)
                for c, status in charger.acknowledged_statuses().items()
            }
            stored = await site.evse_statuses()
            statuses_lost = sum(stored[evse] != status for evse, status in acknowledged.items())
            posts = emsp.accepted("cdrs")
            refused = sum(len(charger.refused_statuses) for charger in chargers)
            record(
                "PostgreSQL restarted (immediate) under load, ocpi-hub serve kept running",
                faults_injected=1,
                acknowledged=_acknowledged(chargers),
                objects_checked=len(ledger.sessions) + len(ledger.cdrs) + len(acknowledged),
                lost=missing + statuses_lost,
                statuses_refused_with_callerror=refused,
                cdrs_posted_again=len(posts) - len({p.body["id"] for p in posts}),
                seconds=round(time.monotonic() - started, 1),
            )
            assert missing == 0
            assert statuses_lost == 0, (acknowledged, stored)
            check_ledger(transactions, ledger)
            check_cdrs_delivered(ledger, emsp, reposts=True)
            with contextlib.suppress(AssertionError):  # check_sessions_forward says what differs
                await poll(
                    lambda: sessions_held(ledger, emsp), 30, "the eMSP holding every Session as stored"
                )
            assert check_sessions_forward(ledger, emsp) == len(ledger.sessions)
            await poll(lambda: evses_held(emsp, stored), 30, "the eMSP holding every EVSE as stored")
    finally:
        await stop_all(chargers)
        await asyncio.to_thread(hub.stop)
