"""The outbox in several processes (DESIGN: Scale, decision 5): two `ocpi-hub worker` processes on one
PostgreSQL deliver 100 Location pushes to a counting eMSP; both send at once (more pushes are in flight than
one worker's per-partner limit allows) and every push arrives exactly once."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import col, func, select

from hub.config import LocalParty, Settings
from hub.db import create_engine, create_sessionmaker
from hub.operator.imports import ImportKind, import_objects
from hub.outbox.worker import WorkerOptions
from hub.tables.outbox import OutboxRecord, PushState
from tests.cluster.nodes import PARTIES, Node, register_emsp, start_all
from tests.fixtures_locations import make_location
from tests.outbox.fake_partner import Behaviour, FakePartner, Fakes

pytestmark = pytest.mark.e2e

LOCATIONS = 100
# More than one worker may have in flight to one partner: seeing this many at once needs both processes.
BOTH = WorkerOptions().per_partner + 1
WORKER = {
    "OCPI_HUB_PUSH_POLL_INTERVAL": "0.1",
    # The eMSP holds the pushes until both workers send: no attempt may time out and be sent again.
    "OCPI_HUB_PARTNER_TIMEOUT": "30",
}


@pytest.fixture
def workers(cluster_url: str, tmp_path: Path) -> Iterator[list[Node]]:
    started = [Node(f"worker{n}", "worker", cluster_url, tmp_path, WORKER) for n in (1, 2)]
    try:
        start_all(*started)
        yield started
    finally:
        for node in started:
            node.stop()


async def _import_locations(database_url: str) -> None:
    """As `ocpi-hub import locations` does it: the Locations and their pushes in one transaction."""
    settings = Settings(database_url=database_url, parties=[LocalParty.model_validate(p) for p in PARTIES])
    engine = create_engine(database_url)
    try:
        locations = [make_location(f"LOC{n}") for n in range(LOCATIONS)]
        report = await import_objects(create_sessionmaker(engine), settings, ImportKind.LOCATIONS, locations)
        assert report.created == LOCATIONS
    finally:
        await engine.dispose()


async def _open_pushes(database_url: str) -> int:
    engine = create_engine(database_url)
    try:
        async with create_sessionmaker(engine)() as session:
            count = (
                await session.exec(
                    select(func.count()).where(
                        col(OutboxRecord.state).in_([PushState.PENDING, PushState.SENDING])
                    )
                )
            ).one()
            return int(count)
    finally:
        await engine.dispose()


async def test_two_worker_processes_deliver_every_push_exactly_once(
    cluster_url: str, workers: list[Node]
) -> None:
    fakes = Fakes()
    try:
        emsp: FakePartner = await fakes("emsp", roles=[("EMSP", "DE", "MSP")])
        await register_emsp(cluster_url, emsp, ("locations",))
        emsp.behaviour = Behaviour.SLOW
        emsp.slow_delay = 20.0
        await _import_locations(cluster_url)

        def holding() -> int:
            return sum(1 for r in emsp.pushes("locations") if not r.answered)

        await emsp.until(lambda: holding() >= BOTH, within=20)
        emsp.behaviour = Behaviour.OK
        emsp.release()
        await emsp.until(lambda: len(emsp.accepted("locations")) >= LOCATIONS, within=20)
        # The workers record their deliveries after the answers: nothing is left to send once they did.
        began = time.monotonic()
        while await _open_pushes(cluster_url):
            assert time.monotonic() - began < 20, "deliveries not recorded"
            await asyncio.sleep(0.1)  # other processes write the outbox: no event to await across processes

        sent = Counter((r.method, r.path) for r in emsp.pushes("locations"))
        assert sum(sent.values()) == LOCATIONS
        assert set(sent.values()) == {1}
        assert {path.rsplit("/", 1)[-1] for _method, path in sent} == {f"LOC{n}" for n in range(LOCATIONS)}
    finally:
        await fakes.close()
