"""Several delivery workers on one PostgreSQL database claim with FOR UPDATE SKIP LOCKED: none sends a push
another already claimed (issue 6 item 2; DESIGN "Scale")."""

from __future__ import annotations

import asyncio
from collections import Counter

import httpx
import pytest

from hub.db import create_engine, create_sessionmaker
from hub.outbox.worker import DeliveryWorker, WorkerOptions
from tests.fixtures_locations import make_location
from tests.outbox.conftest import MakeHub
from tests.outbox.fake_partner import PREFIX, Fakes

LOCATIONS = 40
# Small claims, so that the workers' claims interleave many times.
CONTENDING = WorkerOptions(claim_batch=5, per_partner=4, max_in_flight=16, grace=2.0)


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_two_workers_draining_one_postgresql_outbox_never_send_a_push_twice(
    make_hub: MakeHub, fakes: Fakes
) -> None:
    hub = await make_hub()
    partners = [await fakes(f"emsp{n}", roles=[("EMSP", "DE", f"MS{n}")]) for n in range(3)]
    for fake in partners:
        await hub.add_partner(fake)
    items = [make_location(f"LOC{n}", evses=1, connectors=1) for n in range(LOCATIONS)]
    report = await hub.admin("POST", "import/locations", items)
    assert report.json()["created"] == LOCATIONS

    sent: Counter[str] = Counter()

    async def count(request: httpx.Request) -> None:
        sent[request.headers["user-agent"]] += 1

    engines = [create_engine(hub.settings.database_url) for _ in range(2)]
    clients = [
        httpx.AsyncClient(headers={"User-Agent": f"worker-{n}"}, event_hooks={"request": [count]})
        for n in range(2)
    ]
    workers = [
        DeliveryWorker(create_sessionmaker(engine), client, hub.settings, options=CONTENDING)
        for engine, client in zip(engines, clients, strict=True)
    ]
    try:
        await asyncio.gather(*(worker.drain() for worker in workers))
    finally:
        for client in clients:
            await client.aclose()
        for engine in engines:
            await engine.dispose()

    expected = {f"{PREFIX}/locations/NL/GWY/LOC{n}": 1 for n in range(LOCATIONS)}
    for fake in partners:
        assert Counter(r.path for r in fake.pushes()) == expected
        assert all(r.accepted for r in fake.pushes())
    # Both took part, and together they sent each push once.
    assert set(sent) == {"worker-0", "worker-1"}
    assert sum(sent.values()) == LOCATIONS * len(partners)
    rows = await hub.outbox()
    assert len(rows) == LOCATIONS * len(partners)
    assert {(row.state, row.attempts) for row in rows} == {("DELIVERED", 1)}
    assert {len(await hub.attempts(row.id or 0)) for row in rows[:10]} == {1}
