"""GET /feeds/availability over a real server: a snapshot on connect, status changes as they are committed
(woken in this process, polled from others), exact resume with Last-Event-ID, a snapshot when the missed
changes are gone, keep-alives, and the end of the stream when the token is revoked."""

from __future__ import annotations

import httpx
from sqlmodel import col, delete

from hub.feeds import tokens
from hub.main import create_app
from hub.tables import ChangeEventRecord
from tests.feeds.conftest import ADMIN, FeedHub, bearer
from tests.feeds.served import SseEvent
from tests.fixtures_locations import evse_uid, make_evse


def status_of(event: SseEvent) -> tuple[str, str, str]:
    assert event.event == "status", event
    data = event.json()
    return data["location"]["id"], data["evse"]["uid"], data["evse"]["status"]


async def test_connect_gives_snapshot_then_each_status_change_as_it_commits(feed_hub: FeedHub) -> None:
    await feed_hub.put_location("LOC1")
    token = await feed_hub.token()
    async with feed_hub.stream(token) as events:
        snapshot = await events.next()
        assert snapshot.event == "snapshot"
        assert snapshot.id == str(await feed_hub.last_event_id())
        [location] = snapshot.json()["locations"]
        assert [(e["uid"], e["status"]) for e in location["evses"]] == [
            ("LOC1-1", "AVAILABLE"),
            ("LOC1-2", "AVAILABLE"),
        ]

        event_id = await feed_hub.set_status("CHARGING")
        # The feed polls every 30 s here: arriving within the timeout means the commit woke it.
        event = await events.next(within=3)
        assert event.id == str(event_id)
        assert event.json() == {
            "location": {
                "country_code": "NL",
                "party_id": "GWY",
                "id": "LOC1",
                "name": "Station LOC1",
                "coordinates": {"latitude": "52.378901", "longitude": "4.900210"},
            },
            "evse": {
                "uid": "LOC1-1",
                "evse_id": "NL*GWY*ELOC1*1",
                "status": "CHARGING",
                "last_updated": event.json()["evse"]["last_updated"],
            },
        }

        removed_id = await feed_hub.set_status("REMOVED", evse=2)
        event = await events.next(within=3)
        assert (event.id, status_of(event)) == (str(removed_id), ("LOC1", "LOC1-2", "REMOVED"))


async def test_change_committed_by_another_process_arrives_by_polling(
    feed_hub: FeedHub, database_url: str
) -> None:
    feed_hub.tune(poll_interval=0.2)
    await feed_hub.put_location("LOC1")
    token = await feed_hub.token()
    # Another hub process on the same database: its commits do not wake this one.
    other = create_app(feed_hub.app.state.settings)
    async with (
        feed_hub.stream(token) as events,
        httpx.AsyncClient(transport=httpx.ASGITransport(other), base_url="http://other") as client,
    ):
        assert (await events.next()).event == "snapshot"
        response = await client.put(
            f"/admin/locations/NL/GWY/LOC1/{evse_uid('LOC1', 2)}/status",
            json={"status": "OUTOFORDER"},
            headers=ADMIN,
        )
        assert response.status_code == 200, response.text
        assert status_of(await events.next()) == ("LOC1", "LOC1-2", "OUTOFORDER")
    await other.state.engine.dispose()


async def test_resume_replays_exactly_the_missed_status_events_then_continues_live(feed_hub: FeedHub) -> None:
    await feed_hub.put_location("LOC1")
    await feed_hub.put_location("LOC2", evses=1, publish=False)
    token = await feed_hub.token()
    async with feed_hub.stream(token) as events:
        seen = (await events.next()).id
    assert seen is not None

    charging = await feed_hub.set_status("CHARGING")
    # Changes that carry no EVSE status, or none of a published Location, are not status events.
    await feed_hub.admin("PATCH", "LOC1/LOC1-1/1", {"max_amperage": 32})
    renamed = {**await feed_hub.stored(), "name": "Renamed"}
    await feed_hub.admin("PUT", "LOC1", renamed)
    await feed_hub.set_status("BLOCKED", location_id="LOC2")
    # A Location PUT gives the status of the EVSEs it changed or added, not of the others.
    renamed["evses"][1]["status"] = "INOPERATIVE"
    renamed["evses"].append(make_evse(evse_uid("LOC1", 3)))
    await feed_hub.admin("PUT", "LOC1", renamed)
    put = await feed_hub.last_event_id()
    # A Location PATCH gives the status of each EVSE it lists.
    reserved = {**(await feed_hub.stored())["evses"][0], "status": "RESERVED"}
    await feed_hub.admin("PATCH", "LOC1", {"evses": [reserved]})
    patch = await feed_hub.last_event_id()
    removed = await feed_hub.set_status("REMOVED", evse=3)

    async with feed_hub.stream(token, headers={"Last-Event-ID": seen}) as events:
        replayed = [await events.next() for _ in range(5)]
        assert [(e.id, status_of(e)) for e in replayed] == [
            (str(charging), ("LOC1", "LOC1-1", "CHARGING")),
            (None, ("LOC1", "LOC1-2", "INOPERATIVE")),
            (str(put), ("LOC1", "LOC1-3", "AVAILABLE")),
            (str(patch), ("LOC1", "LOC1-1", "RESERVED")),
            (str(removed), ("LOC1", "LOC1-3", "REMOVED")),
        ]
        assert replayed[0].json()["location"]["name"] == "Renamed"
        live = await feed_hub.set_status("AVAILABLE", evse=2)
        event = await events.next(within=3)
        assert (event.id, status_of(event)) == (str(live), ("LOC1", "LOC1-2", "AVAILABLE"))

    # Clients that cannot send the header give the id as a query parameter.
    async with feed_hub.stream(token, params={"last_event_id": str(patch)}) as events:
        event = await events.next()
        assert (event.id, status_of(event)) == (str(removed), ("LOC1", "LOC1-3", "REMOVED"))


async def test_resume_from_an_id_no_longer_stored_sends_the_snapshot_again(feed_hub: FeedHub) -> None:
    await feed_hub.put_location("LOC1")
    token = await feed_hub.token()
    old = await feed_hub.set_status("CHARGING")
    await feed_hub.set_status("BLOCKED")
    latest = await feed_hub.set_status("OUTOFORDER")
    async with feed_hub.app.state.sessionmaker() as session:
        # As a retention job would: the events right after `old` are gone.
        await session.exec(delete(ChangeEventRecord).where(col(ChangeEventRecord.id) < latest))
        await session.commit()

    for resume in (str(old), "not-an-id", str(latest + 1000)):
        async with feed_hub.stream(token, headers={"Last-Event-ID": resume}) as events:
            snapshot = await events.next()
            assert (snapshot.event, snapshot.id) == ("snapshot", str(latest)), resume
            [location] = snapshot.json()["locations"]
            assert location["evses"][0]["status"] == "OUTOFORDER"

    async with feed_hub.stream(token, headers={"Last-Event-ID": str(latest - 1)}) as events:
        assert status_of(await events.next()) == ("LOC1", "LOC1-1", "OUTOFORDER")


async def test_stream_sends_keep_alives_and_ends_when_its_token_is_revoked(feed_hub: FeedHub) -> None:
    feed_hub.tune(ping_interval=0.1, token_check_interval=0.1, poll_interval=0.1)
    issued = await feed_hub.issue()
    async with feed_hub.stream(issued.token) as events:
        assert (await events.next()).json() == {"locations": []}
        assert (await events.comment()).startswith("ping")
        await tokens.revoke(feed_hub.app.state.sessionmaker, issued.id)
        await events.end()
    response = await feed_hub.client.get("/feeds/availability", headers=bearer(issued.token))
    assert response.status_code == 401
