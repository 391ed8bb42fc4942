"""The per-app broadcaster: one read of new change events fanned out to every subscriber, a subscriber that
falls behind disconnected rather than buffered, and ids delivered in order when PostgreSQL commits them out of
order or rolls one back."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import orjson
import pytest

from hub.feeds.feed import AvailabilityFeed, availability_feed
from hub.feeds.settings import FeedSettings
from hub.tables import ChangeEventRecord
from tests.conftest import Platform
from tests.feeds.conftest import ADMIN
from tests.fixtures_locations import make_location

only_postgresql = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)


@pytest.fixture
async def feed(hub: Platform) -> AsyncIterator[AvailabilityFeed]:
    hub.app.state.feed_settings = FeedSettings(poll_interval=30.0, queue_size=2)
    response = await hub.client.put("/admin/locations/NL/GWY/LOC1", json=make_location("LOC1"), headers=ADMIN)
    assert response.status_code == 201, response.text
    feed = availability_feed(hub.app.state)
    yield feed
    await feed.broadcaster.close()


async def set_status(hub: Platform, evse_uid: str, status: str) -> None:
    response = await hub.client.put(
        f"/admin/locations/NL/GWY/LOC1/{evse_uid}/status", json={"status": status}, headers=ADMIN
    )
    assert response.status_code == 200, response.text


def status_event(message: bytes | None) -> tuple[str | None, str]:
    """(id, EVSE status) of one encoded `status` message."""
    assert message is not None, "the subscription ended"
    fields = dict(line.split(": ", 1) for line in message.decode().split("\r\n") if line)
    assert fields["event"] == "status"
    return fields.get("id"), orjson.loads(fields["data"])["evse"]["status"]


async def test_subscriber_that_falls_behind_is_disconnected_and_others_keep_receiving(
    hub: Platform, feed: AvailabilityFeed
) -> None:
    slow = await feed.broadcaster.subscribe(1)
    fast = await feed.broadcaster.subscribe(1)
    for status in ("CHARGING", "BLOCKED", "AVAILABLE"):
        await set_status(hub, "LOC1-1", status)
        await feed.broadcaster.refresh()
        assert status_event(await asyncio.wait_for(fast.next(), 5))[1] == status
    # Two events fit its queue; the third ended the subscription instead of growing it.
    assert await asyncio.wait_for(slow.next(), 5) is None
    assert slow.ended
    assert not fast.ended


def pending_status(status: str) -> ChangeEventRecord:
    body = {"status": status, "last_updated": "2026-06-01T00:00:00Z"}
    return ChangeEventRecord(
        module="locations",
        country_code="NL",
        party_id="GWY",
        object_id="LOC1",
        evse_uid="LOC1-2",
        method="PATCH",
        body=orjson.dumps(body).decode(),
    )


@only_postgresql
async def test_lower_id_committed_after_a_higher_one_is_still_delivered_first(
    hub: Platform, feed: AvailabilityFeed
) -> None:
    subscription = await feed.broadcaster.subscribe(1)
    async with hub.app.state.sessionmaker() as other_writer:
        record = pending_status("BLOCKED")
        other_writer.add(record)
        await other_writer.flush()
        early = record.id
        assert early is not None
        await set_status(hub, "LOC1-1", "CHARGING")
        await feed.broadcaster.refresh()
        assert feed.broadcaster.cursor == early - 1
        await other_writer.commit()
    await feed.broadcaster.refresh()
    first = status_event(await asyncio.wait_for(subscription.next(), 5))
    second = status_event(await asyncio.wait_for(subscription.next(), 5))
    assert [first, second] == [(str(early), "BLOCKED"), (str(early + 1), "CHARGING")]


@only_postgresql
async def test_rolled_back_id_holds_later_events_back_only_until_no_transaction_can_fill_it(
    hub: Platform, feed: AvailabilityFeed
) -> None:
    subscription = await feed.broadcaster.subscribe(1)
    async with hub.app.state.sessionmaker() as other_writer:
        record = pending_status("BLOCKED")
        other_writer.add(record)
        await other_writer.flush()
        lost = record.id
        assert lost is not None
        await other_writer.rollback()
    await set_status(hub, "LOC1-1", "CHARGING")
    # The commit woke the broadcaster; it waits for the missing id only while a transaction may hold it.
    assert status_event(await asyncio.wait_for(subscription.next(), 5)) == (str(lost + 1), "CHARGING")
