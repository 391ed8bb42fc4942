"""One station's live websocket in this process: when it was last heard, whether it fell silent, and the
tasks it runs (calls to the station run in their own tasks, never inside a handler: ocpp-notes §1.5 #1)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Coroutine
from typing import Any

from starlette.websockets import WebSocket

from adapters.ocpp.charge_point import StationChargePoint
from hub.ports import HubPort, StationAdmission
from hub.stations.settings import OcppSettings

logger = logging.getLogger(__name__)

# After the upgrade a rebooted station sends BootNotification first; one that only lost its connection may
# say nothing for a heartbeat interval. Its statuses are asked for after its first message or this long.
FIRST_MESSAGE_WAIT = 2.0


class Flag:
    """A one-way event: `asyncio.Event` carries a waiter deque (~0.6 KiB) on every connection from the start;
    this makes its future only once something waits."""

    __slots__ = ("_set", "_waiter")

    def __init__(self) -> None:
        self._set = False
        self._waiter: asyncio.Future[None] | None = None

    def set(self) -> None:
        self._set = True
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    def is_set(self) -> bool:
        return self._set

    async def wait(self) -> None:
        if self._set:
            return
        if self._waiter is None:
            self._waiter = asyncio.get_running_loop().create_future()
        # Shielded: a waiter that gives up (a timeout) leaves the flag to the others.
        await asyncio.shield(self._waiter)


class StationLink:
    __slots__ = (
        "_first",
        "_state",
        "_tasks",
        "charge_point",
        "closed",
        "connection_id",
        "connectors",
        "first_call",
        "last_seen",
        "last_touch",
        "port",
        "protocol",
        "settings",
        "silent",
        "station_id",
        "websocket",
    )

    def __init__(
        self,
        websocket: WebSocket,
        admission: StationAdmission,
        *,
        connection_id: str,
        protocol: str,
        port: HubPort,
        settings: OcppSettings,
    ) -> None:
        self.websocket = websocket
        self.station_id = admission.station_id
        self.connectors = admission.connectors
        self.connection_id = connection_id
        self.protocol = protocol
        self.port = port
        self.settings = settings
        self.last_seen = self.last_touch = time.monotonic()
        self.silent = False
        self.first_call: str | None = None
        self._first = Flag()
        self._state = asyncio.Lock()
        self._tasks: set[asyncio.Task[Any]] = set()
        # Set when the websocket is gone: a call waiting for the station's answer ends at once.
        self.closed = Flag()
        self.charge_point: StationChargePoint | None = None

    def spawn(self, coroutine: Coroutine[Any, Any, Any]) -> None:
        """Run `coroutine` for this connection, keeping a reference (the library's @after does not: #775)."""
        task = asyncio.get_running_loop().create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            logger.error("station %s: background work failed", self.station_id, exc_info=task.exception())

    async def stop(self) -> None:
        self.closed.set()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    def note_call(self, action: str) -> None:
        if self.first_call is None:
            self.first_call = str(action)
            self._first.set()

    async def heard(self) -> None:
        """A frame arrived: the station is talking (the database hears of it at most once per touch
        interval, and at once when the station was silent). A failure to record it is logged: the frame is
        still handled."""
        now = self.last_seen = time.monotonic()
        try:
            if self.silent:
                async with self._state:
                    if self.silent:
                        await self.port.station_seen(self.station_id, connection_id=self.connection_id)
                        self.silent = False
                        self.last_touch = now
                        logger.info("station %s talks again", self.station_id)
                        self.spawn(self.request_statuses())
            elif now - self.last_touch >= self.settings.touch_interval:
                self.last_touch = now
                await self.port.station_seen(self.station_id, connection_id=self.connection_id)
        except Exception:
            logger.exception("station %s: could not record that it talks", self.station_id)

    def quiet_for(self) -> float:
        return time.monotonic() - self.last_seen

    async def fall_silent(self) -> None:
        async with self._state:
            if self.silent or self.quiet_for() < self.settings.silence:
                return
            self.silent = True
            await self.port.station_silent(self.station_id, connection_id=self.connection_id)

    async def request_statuses(self) -> None:
        if self.charge_point is not None:
            await self.charge_point.request_statuses()

    async def initial_statuses(self) -> None:
        """After a reconnect only fresh StatusNotifications move the EVSEs out of UNKNOWN: ask for them,
        unless the station booted (it is then asked once its BootNotification is answered)."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._first.wait(), FIRST_MESSAGE_WAIT)
        if self.first_call != "BootNotification":
            await self.request_statuses()
