"""What a held connection keeps: the one-way flags of a StationLink, and the ChargePoint's response queue
that exists only while a call of ours waits (the per-connection memory of issue 7)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from ocpp.v16 import call
from ocpp.v16.enums import MessageTrigger

from adapters.ocpp.link import Flag
from adapters.ocpp.v16 import ChargePoint16


async def test_a_flag_wakes_every_waiter_and_a_waiter_that_gives_up_leaves_it_to_the_others() -> None:
    flag = Flag()
    impatient = asyncio.ensure_future(asyncio.wait_for(flag.wait(), 0.01))
    patient = asyncio.ensure_future(flag.wait())
    done, _ = await asyncio.wait({impatient}, timeout=5)
    assert done
    assert isinstance(impatient.exception(), TimeoutError)
    assert not patient.done()
    flag.set()
    await asyncio.wait_for(patient, 5)
    assert flag.is_set()
    await asyncio.wait_for(flag.wait(), 5)  # set before waiting: returns at once


class _Link:
    station_id = "CP-FOOTPRINT"
    port: Any = None


class _Station:
    """The websocket of a charger that answers every CALL once the test lets it."""

    def __init__(self) -> None:
        self.sent: asyncio.Queue[str] = asyncio.Queue()

    async def send(self, message: str) -> None:
        await self.sent.put(message)

    async def recv(self) -> str:
        raise AssertionError("not read in this test")


async def test_the_response_queue_lives_only_while_calls_wait_for_their_answers() -> None:
    station = _Station()
    cp = ChargePoint16(_Link(), station, response_timeout=5)  # type: ignore[arg-type]

    def responses() -> asyncio.Queue[Any] | None:
        return cp._responses  # read afresh each time (mypy would keep an attribute narrowed)

    assert responses() is None
    payload = call.TriggerMessage(requested_message=MessageTrigger.status_notification)
    first = asyncio.ensure_future(cp.ask(payload))
    second = asyncio.ensure_future(cp.ask(payload))
    for _ in range(2):
        frame = json.loads(await asyncio.wait_for(station.sent.get(), 5))
        assert responses() is not None
        await cp.route_message(json.dumps([3, frame[1], {"status": "Accepted"}]))
    # The second call waited on the queue while the first one's answer was still being read.
    assert (await first).status == "Accepted"
    assert (await second).status == "Accepted"
    assert responses() is None
