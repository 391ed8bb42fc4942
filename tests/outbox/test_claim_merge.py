"""A change merged into a pending push after the delivery worker read it and before its claim goes out with that
push: on SQLite the worker reads its candidates outside a transaction, and sending the body as first read lost
the merged change (the partner kept the older EVSE status; DESIGN decision 5, the latest state)."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.engine import make_url

from tests.outbox.conftest import PushHub
from tests.outbox.fake_partner import Fakes

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


async def test_a_status_merged_between_the_workers_read_and_its_claim_is_the_one_sent(
    hub: PushHub, fakes: Fakes
) -> None:
    fake = await fakes("emsp", roles=[("EMSP", "DE", "MSP")])
    await hub.add_partner(fake)
    await hub.put_location("LOC1")
    await hub.drain()
    await hub.set_status("CHARGING")
    [pending] = [row for row in await hub.outbox() if row.state == "PENDING"]
    assert json.loads(pending.body or "{}")["status"] == "CHARGING"
    database = str(make_url(hub.settings.database_url).database)
    merged = {"status": "BLOCKED", "last_updated": "2030-01-01T00:00:00Z"}
    fired: list[str] = []

    def merge_before_claim(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        # What enqueue's writer does when a newer status of the same EVSE is committed in another transaction.
        if statement.lstrip().upper().startswith("UPDATE OUTBOX SET STATE") and not fired:
            fired.append(statement)
            with sqlite3.connect(database) as other:
                other.execute(
                    "UPDATE outbox SET body = ?, changed_at = changed_at WHERE id = ? AND state = 'PENDING'",
                    (json.dumps(merged), pending.id),
                )

    engine = hub.app.state.engine.sync_engine
    event.listen(engine, "before_cursor_execute", merge_before_claim)
    try:
        await hub.drain()
    finally:
        event.remove(engine, "before_cursor_execute", merge_before_claim)
    assert fired, "the worker never claimed the push"
    patches = [r for r in fake.accepted("locations") if r.method == "PATCH"]
    assert [p.body["status"] for p in patches] == ["BLOCKED"]
    [row] = [r for r in await hub.outbox() if r.id == pending.id]
    assert row.state == "DELIVERED"
