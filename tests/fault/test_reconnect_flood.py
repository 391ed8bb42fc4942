"""A flood (issue 11): the network between 50 chargers and the hub is down while they go on charging, then all
50 reconnect at once and replay their queued transaction messages in order (OCPP 1.6 §4.7; 2.0.1 E04/E12,
TransactionEvents marked offline, for one charger in five). Every transaction is accepted once, with
one Session and, once stopped, one CDR that reaches the eMSP exactly once; no Session goes backwards there."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import time
from pathlib import Path

import pytest

from tests.fault.charger import OfflineCharger, Transaction
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

CHARGERS = 50
V201 = frozenset(range(0, CHARGERS, 5))  # one in five speaks OCPP 2.0.1 (offline TransactionEvents, E04/E12)
LIMIT = 85


async def _offline_work(charger: OfflineCharger, index: int, first: Transaction) -> None:
    """While offline: the running transaction ends, a whole one follows, a third starts."""
    charger.meter(first, 1000)
    charger.stop_transaction(first, 2000)
    await charger.charge(1, id_tag(index, 1), meter_start=10_000, steps=1, pause=0.05)
    second = charger.start_transaction(1, id_tag(index, 1), meter_start=20_000)
    charger.meter(second, 21_000)


async def test_fifty_chargers_reconnecting_at_once_replay_their_transactions(
    tmp_path: Path, fakes: Fakes, sqlite_template: Path
) -> None:
    started = time.monotonic()
    emsp = await fakes("emsp")
    hub = FaultHub("flood", tmp_path, PARTIES)
    shutil.copy(sqlite_template, hub.database)
    site = Site(hub, emsp, CHARGERS, 1, v201=V201)
    chargers = site.chargers()
    try:
        async with asyncio.timeout(LIMIT):
            await asyncio.to_thread(hub.start)
            await site.seed()
            for charger in chargers:
                charger.start()
            firsts = [charger.start_transaction(1, id_tag(i, 1), 0) for i, charger in enumerate(chargers)]
            for charger in chargers:
                await charger.drained(within=40)
            assert all(first.accepted for first in firsts)

            for charger in chargers:
                charger.go_offline()  # the outage
            await poll(lambda: not any(c.connected.is_set() for c in chargers), 20, "every charger offline")
            await asyncio.gather(
                *(
                    _offline_work(c, i, first)
                    for i, (c, first) in enumerate(zip(chargers, firsts, strict=True))
                )
            )
            queued = sum(charger.pending for charger in chargers)

            for charger in chargers:
                charger.go_online()
            back = time.monotonic()
            for charger in chargers:
                await charger.drained(within=60)
            replayed_in = time.monotonic() - back
            assert all(charger.connections >= 2 for charger in chargers)  # each came back

            transactions = accepted_transactions(chargers)
            assert len(transactions) == 3 * CHARGERS
            ledger = read_ledger(hub.url)
            await poll(lambda: lost(transactions, ledger, emsp) == 0, 40, "every CDR at the eMSP")
            with contextlib.suppress(AssertionError):  # check_sessions_forward says what differs
                await poll(
                    lambda: sessions_held(ledger, emsp), 40, "the eMSP holding every Session as stored"
                )
            await poll(lambda: _all_charging(site), 30, "the hub holding every EVSE CHARGING")
            stored = await site.evse_statuses()
            await poll(lambda: evses_held(emsp, stored), 30, "the eMSP holding every EVSE as stored")
            missing = lost(transactions, ledger, emsp)
            record(
                "50 chargers reconnecting at once after a network outage, replaying queued transaction messages",
                faults_injected=CHARGERS,
                messages_replayed=queued,
                replayed_in_seconds=round(replayed_in, 1),
                objects_checked=len(ledger.sessions) + len(ledger.cdrs) + len(stored),
                lost=missing,
                seconds=round(time.monotonic() - started, 1),
            )
            assert missing == 0
            check_ledger(transactions, ledger)
            assert len(ledger.cdrs) == 2 * CHARGERS
            check_cdrs_delivered(ledger, emsp, reposts=False)
            assert check_sessions_forward(ledger, emsp) == len(ledger.sessions)
            assert check_evses_forward(emsp, stored) == CHARGERS
    finally:
        await stop_all(chargers)
        await asyncio.to_thread(hub.stop)


async def _all_charging(site: Site) -> bool:
    return set((await site.evse_statuses()).values()) == {"CHARGING"}
