"""The internal CSMS event API under concurrent requests and failures of the hub, on both engines: a station's
events are applied one at a time, an event sent several times at once is applied once, and an event the hub
could not apply is not recorded and holds back the rest of its station's batch."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

from hub.ports import ConnectorStatusReport
from hub.stations.service import StationHub
from hub.stations.settings import OcppSettings
from tests.internal.conftest import Internal, event


class Watched(StationHub):
    """The station hub, counting its calls and how many of one station's run at once."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.calls: Counter[str] = Counter()
        self.running: Counter[str] = Counter()
        self.most_at_once = 0
        self.failures = 0

    async def _watch(self, name: str, station_id: str, call: Any) -> None:
        self.calls[name] += 1
        self.running[station_id] += 1
        self.most_at_once = max(self.most_at_once, self.running[station_id])
        try:
            await call
        finally:
            self.running[station_id] -= 1

    async def station_connected(self, station_id: str, *, connection_id: str, protocol: str) -> None:
        call = super().station_connected(station_id, connection_id=connection_id, protocol=protocol)
        await self._watch("station_connected", station_id, call)

    async def connector_status(self, station_id: str, report: ConnectorStatusReport) -> None:
        if self.failures:
            self.failures -= 1
            raise ConnectionError("database gone")
        await self._watch("connector_status", station_id, super().connector_status(station_id, report))


def watch(internal: Internal) -> Watched:
    state = internal.app.state
    hub = Watched(state.sessionmaker, internal.settings, OcppSettings(), client=state.partner_client)
    state.station_hub = hub
    return hub


async def test_the_same_event_sent_at_once_is_applied_once_and_answered_alike(internal: Internal) -> None:
    hub = watch(internal)
    connected = event("CSMS-16", "station_connection", connected=True)
    answers = await asyncio.gather(*(internal.results([connected]) for _ in range(4)))
    assert hub.calls["station_connected"] == 1
    results = [answer[0] for answer in answers]
    assert sorted(r["duplicate"] for r in results) == [False, True, True, True]
    assert len({(r["result"], r["event_id"]) for r in results}) == 1


async def test_requests_for_one_station_are_applied_one_event_at_a_time(internal: Internal) -> None:
    hub = watch(internal)
    batches = [
        [event("CSMS-16", "station_status", evse=evse, status=status) for status in ("Charging", "Available")]
        for evse in (1, 2, 1, 2)
    ]
    answers = await asyncio.gather(*(internal.results(batch) for batch in batches))
    assert [r["result"] for answer in answers for r in answer] == ["applied"] * 8
    assert hub.calls["connector_status"] == 8
    assert hub.most_at_once == 1
    assert await internal.evse_status("LOC1", "LOC1-1") == "AVAILABLE"


async def test_an_event_the_hub_could_not_apply_holds_back_its_station_and_can_be_sent_again(
    internal: Internal,
) -> None:
    hub = watch(internal)
    hub.failures = 1
    batch = [
        event("CSMS-16", "station_status", evse=1, status="Faulted"),
        event("CSMS-16", "station_status", evse=2, status="Faulted"),
        event("CSMS-201", "station_status", evse=2, connector=1, status="Reserved"),
    ]
    results = await internal.results(batch)
    assert [r["result"] for r in results] == ["failed", "skipped", "applied"]
    assert "ConnectionError" in results[0]["detail"]
    assert await internal.evse_status("LOC1", "LOC1-2") == "AVAILABLE"
    assert await internal.evse_status("LOC2", "LOC2-2") == "RESERVED"
    # Nothing of the failed or skipped events was recorded: sent again, they apply.
    again = await internal.results(batch)
    assert [(r["result"], r["duplicate"]) for r in again] == [
        ("applied", False),
        ("applied", False),
        ("applied", True),
    ]
    assert await internal.evse_status("LOC1", "LOC1-1") == "OUTOFORDER"
    assert await internal.evse_status("LOC1", "LOC1-2") == "OUTOFORDER"
