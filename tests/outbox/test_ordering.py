"""Ordering and coalescing per (partner, object): the partner never sees an older state after a newer one, and
changes made while it cannot be reached arrive as the latest state once (issue 6 item 3; DESIGN decision 5)."""

from __future__ import annotations

import json
from typing import Any

from tests.outbox.conftest import SILENCE, MakeHub, PushHub
from tests.outbox.fake_partner import PREFIX, Behaviour, Fakes


def _content(body: dict[str, Any]) -> str:
    """A body apart from its last_updated, comparable and hashable."""
    return json.dumps({k: v for k, v in body.items() if k != "last_updated"}, sort_keys=True)


async def test_changes_while_the_partner_is_down_arrive_once_as_the_latest_state(
    hub: PushHub, fakes: Fakes
) -> None:
    emsp = await fakes("emsp")
    await hub.add_partner(emsp)
    await hub.put_tariff("T1")
    await hub.put_location("LOC1", evses=2)
    await hub.drain()
    before = len(emsp.pushes())

    await emsp.stop()
    await hub.set_status("CHARGING", evse_uid="LOC1-1")
    await hub.drain()  # fails: the partner is down
    for status in ("AVAILABLE", "BLOCKED", "OUTOFORDER"):
        await hub.set_status(status, evse_uid="LOC1-1")
    await hub.set_status("CHARGING", evse_uid="LOC1-2")
    await hub.admin("PATCH", "locations/NL/GWY/LOC1/LOC1-1/1", {"max_amperage": 32})
    await hub.set_status("AVAILABLE", evse_uid="LOC1-2")
    for price in (0.30, 0.35):
        await hub.put_tariff(
            "T1",
            elements=[
                {"price_components": [{"type": "ENERGY", "price": price, "vat": 21.0, "step_size": 1}]}
            ],
        )
    await emsp.start()
    async with hub.worker():
        await emsp.until_accepted(before + 4)
    await hub.drain()

    stored = await hub.location()
    tariff = (await hub.admin("GET", "tariffs/NL/GWY/T1")).json()["data"]
    arrived = [(r.method, r.path.removeprefix(PREFIX), r.body) for r in emsp.pushes()[before:]]
    changed = {(method, path, _content(body)) for method, path, body in arrived}
    assert len(arrived) == 4
    assert changed == {
        ("PATCH", "/locations/NL/GWY/LOC1/LOC1-1", _content({"status": "OUTOFORDER"})),
        ("PATCH", "/locations/NL/GWY/LOC1/LOC1-2", _content({"status": "AVAILABLE"})),
        ("PATCH", "/locations/NL/GWY/LOC1/LOC1-1/1", _content({"max_amperage": 32})),
        ("PUT", "/tariffs/NL/GWY/T1", _content(tariff)),
    }
    assert emsp.model.get("tariffs", "NL", "GWY", "T1") == tariff
    assert emsp.model.get("locations", "NL", "GWY", "LOC1") == stored
    # Within the Location the partner saw no change after a later one (EVSE-1's PATCHes go before its Connector's).
    location_paths = [path for method, path, _ in arrived if path.startswith("/locations")]
    assert location_paths.index("/locations/NL/GWY/LOC1/LOC1-1") < location_paths.index(
        "/locations/NL/GWY/LOC1/LOC1-1/1"
    )


async def test_a_newer_change_waits_for_the_push_in_flight_and_follows_it(
    make_hub: MakeHub, fakes: Fakes
) -> None:
    hub = await make_hub(partner_timeout=5.0)
    emsp = await fakes("emsp")
    await hub.add_partner(emsp)
    await hub.put_location("LOC1", evses=1)
    await hub.drain()
    emsp.behaviour = Behaviour.SLOW

    async with hub.worker():
        await hub.set_status("CHARGING")
        await emsp.until(lambda: len(emsp.pushes()) == 2)
        emsp.behaviour = Behaviour.OK
        await hub.set_status("BLOCKED")
        await hub.set_status("OUTOFORDER")
        # Other objects are not held up by this one.
        await hub.put_location("LOC2", evses=1)
        await emsp.until(lambda: len(emsp.accepted("locations")) == 2)
        assert [r.answered for r in emsp.pushes()] == [True, False, True]
        emsp.release()
        await emsp.until_accepted(4)

    _, in_flight, other, follower = emsp.pushes()
    assert (in_flight.body["status"], in_flight.answer) == ("CHARGING", "accepted")
    assert other.path == f"{PREFIX}/locations/NL/GWY/LOC2"
    assert follower.path == in_flight.path
    assert follower.body["status"] == "OUTOFORDER"
    assert in_flight.answered_at is not None
    assert follower.at >= in_flight.answered_at
    assert emsp.model.get("locations", "NL", "GWY", "LOC1") == await hub.location()


async def test_a_push_that_timed_out_is_merged_with_the_changes_made_meanwhile(
    make_hub: MakeHub, fakes: Fakes
) -> None:
    hub = await make_hub(partner_timeout=SILENCE)
    emsp = await fakes("emsp")
    await hub.add_partner(emsp)
    await hub.put_location("LOC1", evses=1)
    await hub.drain()
    emsp.behaviour = Behaviour.SLOW

    async with hub.worker():
        await hub.set_status("CHARGING")
        await emsp.until(lambda: len(emsp.pushes()) == 2)
        # Changed while the partner sits on the push (and then lets it time out).
        await hub.set_status("BLOCKED")
        await hub.set_status("OUTOFORDER")
        await emsp.until(lambda: emsp.pushes()[1].answered)
        emsp.behaviour = Behaviour.OK
        await emsp.until_accepted(2)
    await hub.drain()

    _, timed_out, retried = emsp.pushes()
    assert (timed_out.body["status"], timed_out.answer) == ("CHARGING", "abandoned")
    # The retry carries the latest state, not the history.
    assert (retried.method, retried.path) == ("PATCH", timed_out.path)
    assert retried.body["status"] == "OUTOFORDER"
    assert emsp.model.get("locations", "NL", "GWY", "LOC1") == await hub.location()
