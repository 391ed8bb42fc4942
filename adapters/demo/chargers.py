"""Simulated chargers for the demo on the `ocpp` library's client side: an OCPP 1.6J Charge Point and an OCPP
2.0.1 Charging Station that boot, report their connectors and then run charging sessions in a loop (OCPP 1.6
§4-§6 Authorize/StartTransaction/MeterValues/StopTransaction; OCPP 2.0.1 E01-E06 TransactionEvent)."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import websockets
from ocpp.exceptions import OCPPError
from ocpp.v16 import ChargePoint as ChargePoint16
from ocpp.v16 import call as call16
from ocpp.v16 import call_result as result16
from ocpp.v16 import datatypes as types16
from ocpp.v16 import enums as enums16
from ocpp.v201 import ChargePoint as ChargePoint201
from ocpp.v201 import call as call201
from ocpp.v201 import call_result as result201
from ocpp.v201 import datatypes as types201
from ocpp.v201 import enums as enums201
from websockets.typing import Subprotocol

from adapters.demo.sample import EVSES_PER_STATION, DemoStation
from adapters.ocpp.routing import after, on

Say = Callable[[str], None]
# The meter register of every EVSE starts here and rises by this much per meter tick: a demo session charges
# a round amount of energy whatever the speed.
METER_START_WH = 100_000
WH_PER_TICK = 250


@dataclass(frozen=True)
class Pace:
    """Seconds between the steps of a charging cycle (already divided by the demo's speed)."""

    plug_in: float = 2.0
    tick: float = 3.0
    ticks: int = 5
    unplug: float = 2.0
    pause: float = 6.0

    @classmethod
    def at(cls, speed: float) -> Pace:
        base = cls()
        return cls(
            base.plug_in / speed, base.tick / speed, base.ticks, base.unplug / speed, base.pause / speed
        )


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class StoppedError(Exception):
    """The demo is stopping: the charger leaves its loop between two messages, never during a call."""


async def pause(stop: asyncio.Event, seconds: float) -> None:
    """Wait `seconds`, or raise StoppedError as soon as `stop` is set."""
    try:
        await asyncio.wait_for(stop.wait(), seconds)
    except TimeoutError:
        return
    raise StoppedError


class NoSessionError(Exception):
    """The CSMS did not let the simulated driver charge; the message says why."""


async def _ask(cp: Any, payload: Any) -> Any:
    try:
        async with cp.calling:
            return await cp.call(payload, suppress=False)
    except OCPPError as exc:
        raise NoSessionError(
            f"{type(payload).__name__} answered CALLERROR {getattr(exc, 'code', '')}: {exc.description}"
        ) from None
    except TimeoutError:
        raise NoSessionError(f"{type(payload).__name__} not answered in time") from None


class Demo16(ChargePoint16):
    """An OCPP 1.6J Charge Point whose connectorIds 1..n are the EVSEs of its Location."""

    statuses: dict[int, str]
    stop: asyncio.Event
    # Held for each call to the CSMS; the socket closes only while no call waits for its answer.
    calling: asyncio.Lock

    @on("TriggerMessage")
    def on_trigger_message(self, requested_message: str, **kwargs: Any) -> result16.TriggerMessage:
        supported = requested_message in ("StatusNotification", "Heartbeat", "BootNotification")
        status = (
            enums16.TriggerMessageStatus.accepted
            if supported
            else enums16.TriggerMessageStatus.not_implemented
        )
        return result16.TriggerMessage(status=status)

    @after("TriggerMessage")
    async def after_trigger_message(self, requested_message: str, **kwargs: Any) -> None:
        if requested_message == "StatusNotification":
            asked = kwargs.get("connector_id")
            # Each status as it is when sent: the charging loop may have moved on since the trigger came.
            for connector in list(self.statuses):
                if asked is None or asked == connector:
                    await self.status(connector, self.statuses[connector])
        elif requested_message == "Heartbeat":
            await _ask(self, call16.Heartbeat())

    async def boot(self) -> int:
        answer = await _ask(
            self, call16.BootNotification(charge_point_vendor="ocpi-hub", charge_point_model="Demo16")
        )
        return int(answer.interval)

    async def status(self, connector: int, status: str) -> None:
        self.statuses[connector] = status
        await _ask(
            self,
            call16.StatusNotification(
                connector_id=connector,
                error_code=enums16.ChargePointErrorCode.no_error,
                status=enums16.ChargePointStatus(status),
                timestamp=_now(),
            ),
        )

    async def charge(self, connector: int, id_tag: str, pace: Pace) -> None:
        await self.status(connector, "Preparing")
        await pause(self.stop, pace.plug_in)
        try:
            authorized = await _ask(self, call16.Authorize(id_tag=id_tag))
            if authorized.id_tag_info["status"] != "Accepted":
                raise NoSessionError(f"Authorize {id_tag}: {authorized.id_tag_info['status']}")
            meter = METER_START_WH
            started = await _ask(
                self,
                call16.StartTransaction(
                    connector_id=connector, id_tag=id_tag, meter_start=meter, timestamp=_now()
                ),
            )
            if started.id_tag_info["status"] != "Accepted":
                raise NoSessionError(f"StartTransaction {id_tag}: {started.id_tag_info['status']}")
            transaction_id = int(started.transaction_id)
            await self.status(connector, "Charging")
            for _ in range(pace.ticks):
                await pause(self.stop, pace.tick)
                meter += WH_PER_TICK
                await _ask(
                    self,
                    call16.MeterValues(
                        connector_id=connector,
                        transaction_id=transaction_id,
                        meter_value=[self._reading(meter, enums16.ReadingContext.sample_periodic)],
                    ),
                )
            await _ask(
                self,
                call16.StopTransaction(
                    meter_stop=meter,
                    timestamp=_now(),
                    transaction_id=transaction_id,
                    reason=enums16.Reason.local,
                    id_tag=id_tag,
                ),
            )
            await self.status(connector, "Finishing")
            await pause(self.stop, pace.unplug)
        except NoSessionError:
            await self.status(connector, "Available")
            raise
        await self.status(connector, "Available")

    @staticmethod
    def _reading(meter: int, context: enums16.ReadingContext) -> types16.MeterValue:
        return types16.MeterValue(
            timestamp=_now(),
            sampled_value=[
                types16.SampledValue(
                    value=str(meter),
                    context=context,
                    measurand=enums16.Measurand.energy_active_import_register,
                    unit=enums16.UnitOfMeasure.wh,
                )
            ],
        )


class Demo201(ChargePoint201):
    """An OCPP 2.0.1 Charging Station with EVSEs 1..n of one connector each."""

    statuses: dict[int, str]
    stop: asyncio.Event
    # Held for each call to the CSMS; the socket closes only while no call waits for its answer.
    calling: asyncio.Lock

    @on("TriggerMessage")
    def on_trigger_message(self, requested_message: str, **kwargs: Any) -> result201.TriggerMessage:
        supported = requested_message in ("StatusNotification", "Heartbeat", "BootNotification")
        status = (
            enums201.TriggerMessageStatusEnumType.accepted
            if supported
            else enums201.TriggerMessageStatusEnumType.not_implemented
        )
        return result201.TriggerMessage(status=status)

    @after("TriggerMessage")
    async def after_trigger_message(self, requested_message: str, **kwargs: Any) -> None:
        if requested_message == "StatusNotification":
            asked = kwargs.get("evse")
            for evse in list(self.statuses):
                if asked is None or asked.get("id") == evse:
                    await self.status(evse, self.statuses[evse])
        elif requested_message == "Heartbeat":
            await _ask(self, call201.Heartbeat())

    async def boot(self) -> int:
        answer = await _ask(
            self,
            call201.BootNotification(
                charging_station=types201.ChargingStationType(model="Demo201", vendor_name="ocpi-hub"),
                reason=enums201.BootReasonEnumType.power_up,
            ),
        )
        return int(answer.interval)

    async def status(self, evse: int, status: str) -> None:
        self.statuses[evse] = status
        await _ask(
            self,
            call201.StatusNotification(
                timestamp=_now(),
                connector_status=enums201.ConnectorStatusEnumType(status),
                evse_id=evse,
                connector_id=1,
            ),
        )

    async def charge(self, evse: int, id_tag: str, pace: Pace) -> None:
        await self.status(evse, "Occupied")
        await pause(self.stop, pace.plug_in)
        try:
            id_token = types201.IdTokenType(id_token=id_tag, type=enums201.IdTokenEnumType.iso14443)
            authorized = await _ask(self, call201.Authorize(id_token=id_token))
            if authorized.id_token_info["status"] != "Accepted":
                raise NoSessionError(f"Authorize {id_tag}: {authorized.id_token_info['status']}")
            transaction_id = uuid.uuid4().hex[:16]
            seq = itertools.count()
            meter = METER_START_WH

            async def event(kind: str, trigger: str, context: str, **fields: Any) -> Any:
                return await _ask(
                    self,
                    call201.TransactionEvent(
                        event_type=enums201.TransactionEventEnumType(kind),
                        timestamp=_now(),
                        trigger_reason=enums201.TriggerReasonEnumType(trigger),
                        seq_no=next(seq),
                        meter_value=[self._reading(meter, context)],
                        **fields,
                    ),
                )

            started = await event(
                "Started",
                "Authorized",
                "Transaction.Begin",
                transaction_info={"transaction_id": transaction_id, "charging_state": "Charging"},
                evse={"id": evse, "connector_id": 1},
                id_token=id_token,
            )
            info = started.id_token_info
            if info is not None and info.get("status") != "Accepted":
                raise NoSessionError(f"TransactionEvent Started {id_tag}: {info.get('status')}")
            for _ in range(pace.ticks):
                await pause(self.stop, pace.tick)
                meter += WH_PER_TICK
                await event(
                    "Updated",
                    "MeterValuePeriodic",
                    "Sample.Periodic",
                    transaction_info={"transaction_id": transaction_id, "charging_state": "Charging"},
                )
            await event(
                "Ended",
                "StopAuthorized",
                "Transaction.End",
                transaction_info={
                    "transaction_id": transaction_id,
                    "charging_state": "EVConnected",
                    "stopped_reason": "Local",
                },
                id_token=id_token,
            )
            await pause(self.stop, pace.unplug)
        except NoSessionError:
            await self.status(evse, "Available")
            raise
        await self.status(evse, "Available")

    @staticmethod
    def _reading(meter: int, context: str) -> types201.MeterValueType:
        return types201.MeterValueType(
            timestamp=_now(),
            sampled_value=[
                types201.SampledValueType(
                    value=meter,
                    context=enums201.ReadingContextEnumType(context),
                    measurand=enums201.MeasurandEnumType.energy_active_import_register,
                    unit_of_measure=types201.UnitOfMeasureType(unit="Wh"),
                )
            ],
        )


async def run_charger(
    station: DemoStation, ws_base: str, pace: Pace, say: Say, stop: asyncio.Event, *, delay: float = 0.0
) -> None:
    """Connect, boot, report every EVSE Available, then charge on EVSE 1, 2, 1, ... until `stop` is set."""
    protocol = "ocpp1.6" if station.version == "1.6" else "ocpp2.0.1"
    async with websockets.connect(
        f"{ws_base}/{station.station_id}",
        subprotocols=[Subprotocol(protocol)],
        compression=None,
        open_timeout=10,
    ) as ws:
        cp: Demo16 | Demo201 = (Demo16 if station.version == "1.6" else Demo201)(
            station.station_id, ws, response_timeout=15
        )
        cp.statuses = {}
        cp.stop = stop
        cp.calling = asyncio.Lock()
        reader = asyncio.get_running_loop().create_task(cp.start())  # type: ignore[no-untyped-call]
        try:
            interval = await cp.boot()
            beat = asyncio.get_running_loop().create_task(_heartbeats(cp, interval))
            try:
                for evse in range(1, EVSES_PER_STATION + 1):
                    await cp.status(evse, "Available")
                await pause(stop, delay)
                for evse in itertools.cycle(range(1, EVSES_PER_STATION + 1)):
                    try:
                        await cp.charge(evse, station.id_tag, pace)
                    except NoSessionError as exc:
                        say(f"charger {station.station_id}: no session on EVSE {evse}: {exc}")
                    await pause(stop, pace.pause)
            except StoppedError:
                pass
            finally:
                beat.cancel()
                await asyncio.gather(beat, return_exceptions=True)
                # A call an answer to the CSMS's TriggerMessage makes may still be out.
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(cp.calling.acquire(), 5)
        finally:
            reader.cancel()
            await asyncio.gather(reader, return_exceptions=True)


async def _heartbeats(cp: Demo16 | Demo201, interval: int) -> None:
    heartbeat = call16.Heartbeat() if isinstance(cp, Demo16) else call201.Heartbeat()
    while True:
        await asyncio.sleep(max(interval, 1))
        await _ask(cp, heartbeat)
