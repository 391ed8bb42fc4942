"""A charger as OCPP wants it offline (1.6 §4.7; 2.0.1 E04/E12, TransactionEvent with `offline` and seqNo): it
keeps its transaction-related messages while it cannot reach the Central System, sends them in order once
connected again and retries one answered with a CALLERROR (TransactionMessageAttempts); status changes made
offline are reported once back."""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import websockets
from ocpp.exceptions import OCPPError
from ocpp.v16 import ChargePoint as Base16
from ocpp.v16 import call as call16
from ocpp.v16 import call_result as result16
from ocpp.v16.enums import ChargePointErrorCode, ChargePointStatus, Reason, TriggerMessageStatus
from ocpp.v201 import ChargePoint as Base201
from ocpp.v201 import call as call201
from ocpp.v201 import call_result as result201
from ocpp.v201.datatypes import ChargingStationType
from ocpp.v201.enums import (
    BootReasonEnumType,
    ConnectorStatusEnumType,
    TransactionEventEnumType,
    TriggerMessageStatusEnumType,
    TriggerReasonEnumType,
)
from websockets.typing import Subprotocol

from adapters.ocpp.routing import after, on

# TransactionMessageAttempts / TransactionMessageRetryInterval, shortened.
ATTEMPTS = 8
RETRY_INTERVAL = 0.5
RECONNECT_INTERVAL = 0.3


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass(eq=False)
class Transaction:
    """One charging transaction as the charger knows it; `transaction_id` comes from StartTransaction.conf."""

    station_id: str
    connector: int
    id_tag: str
    meter_start: int
    meter_stop: int | None = None
    # 1.6: the Central System's, from StartTransaction.conf; 2.0.1: the station's own.
    transaction_id: int | str | None = None
    start_status: str | None = None
    stopped: bool = False  # StopTransaction.conf / TransactionEvent Ended answered
    seq_no: int = 0  # 2.0.1: the next seqNo

    @property
    def accepted(self) -> bool:
        if isinstance(self.transaction_id, int):
            return self.start_status == "Accepted" and self.transaction_id > 0
        return self.start_status == "Accepted" and self.transaction_id is not None


@dataclass(eq=False)
class Message:
    """A CALL to send: a transaction message (kept while offline) or a StatusNotification (sent only online;
    `status` None means the connector's status at the time it is sent)."""

    action: str
    connector: int
    transaction: Transaction | None = None
    timestamp: str = field(default_factory=now)
    value: int = 0
    status: str | None = None
    attempts: int = 0
    seq_no: int = 0
    offline: bool = False  # made while the charger could not reach the Central System


class _LostError(Exception):
    """The websocket closed, or the Central System did not answer in time."""


class _Link(Base16):
    """The ChargePoint of one websocket connection; TriggerMessage queues the current statuses."""

    def __init__(self, owner: OfflineCharger, ws: Any) -> None:
        super().__init__(owner.station_id, ws, response_timeout=owner.response_timeout)  # type: ignore[no-untyped-call]
        self.owner = owner

    @on("TriggerMessage")
    def on_trigger(self, requested_message: str, **kwargs: Any) -> result16.TriggerMessage:
        self.owner.triggers += 1
        return result16.TriggerMessage(status=TriggerMessageStatus.accepted)

    @after("TriggerMessage")
    def after_trigger(self, requested_message: str, **kwargs: Any) -> None:
        if requested_message == "StatusNotification":
            connector = kwargs.get("connector_id")
            for connector_id in self.owner.statuses:
                if connector is None or connector == connector_id:
                    self.owner.queue_status(connector_id, None)


class _Link201(Base201):
    """The 2.0.1 ChargingStation of one websocket connection; TriggerMessage queues the current statuses."""

    def __init__(self, owner: OfflineCharger, ws: Any) -> None:
        super().__init__(owner.station_id, ws, response_timeout=owner.response_timeout)  # type: ignore[no-untyped-call]
        self.owner = owner

    @on("TriggerMessage")
    def on_trigger(self, requested_message: str, **kwargs: Any) -> result201.TriggerMessage:
        self.owner.triggers += 1
        return result201.TriggerMessage(status=TriggerMessageStatusEnumType.accepted)

    @after("TriggerMessage")
    def after_trigger(self, requested_message: str, **kwargs: Any) -> None:
        if requested_message == "StatusNotification":
            evse = kwargs.get("evse")
            for connector_id in self.owner.statuses:
                if evse is None or evse.get("id") == connector_id:
                    self.owner.queue_status(connector_id, None)


class OfflineCharger:
    """Station `station_id` at `url`/station_id: connects (and reconnects) on its own while `run` runs; the
    workload only queues messages, so it goes on while the hub is unreachable."""

    def __init__(
        self,
        url: str,
        station_id: str,
        connectors: int,
        *,
        version: str = "1.6",
        response_timeout: float = 20,
    ) -> None:
        """`connectors`: 1.6 connectorIds 1..n, or 2.0.1 EVSEs 1..n with one connector each."""
        self.url = f"{url}/{station_id}"
        self.version = version
        self.station_id = station_id
        self.response_timeout = response_timeout
        self.statuses: dict[int, str] = dict.fromkeys(range(1, connectors + 1), "Available")
        self.transactions: list[Transaction] = []
        self.acknowledged: list[tuple[Message, Any]] = []
        self.errors: list[tuple[str, str]] = []  # transaction messages given up after ATTEMPTS CALLERRORs
        self.refused_statuses: list[tuple[Message, str]] = []
        self.connections = 0
        self.triggers = 0
        self.connected = asyncio.Event()
        self._queue: deque[Message] = deque()
        self._changed_offline: set[int] = set()
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._closing = False
        self._booted = False
        self._task: asyncio.Task[None] | None = None
        self._online = asyncio.Event()
        self._online.set()
        self._ws: Any = None

    # -- the workload ----------------------------------------------------------------------------------------

    def set_status(self, connector: int, status: str) -> None:
        self.statuses[connector] = status
        if self.connected.is_set():
            self.queue_status(connector, status)
        else:
            self._changed_offline.add(connector)

    def queue_status(self, connector: int, status: str | None) -> None:
        self._put(Message("StatusNotification", connector, status=status))

    def start_transaction(self, connector: int, id_tag: str, meter_start: int) -> Transaction:
        self.set_status(connector, "Preparing")
        transaction = Transaction(self.station_id, connector, id_tag, meter_start)
        if self.version == "2.0.1":
            transaction.transaction_id = f"{self.station_id}-{len(self.transactions) + 1}"
        self.transactions.append(transaction)
        self._put(Message("StartTransaction", connector, transaction, value=meter_start))
        self.set_status(connector, "Charging")
        return transaction

    def meter(self, transaction: Transaction, register: int) -> None:
        self._put(Message("MeterValues", transaction.connector, transaction, value=register))

    def stop_transaction(self, transaction: Transaction, meter_stop: int) -> None:
        transaction.meter_stop = meter_stop
        self._put(Message("StopTransaction", transaction.connector, transaction, value=meter_stop))
        self.set_status(transaction.connector, "Finishing")
        self.set_status(transaction.connector, "Available")

    async def charge(self, connector: int, id_tag: str, meter_start: int, steps: int, pause: float) -> None:
        """A whole transaction: start, `steps` meter readings of 1 kWh `pause` seconds apart, stop."""
        transaction = self.start_transaction(connector, id_tag, meter_start)
        register = meter_start
        for _ in range(steps):
            await asyncio.sleep(pause)  # the time charging takes between two readings
            register += 1000
            self.meter(transaction, register)
        await asyncio.sleep(pause)
        self.stop_transaction(transaction, register)

    @property
    def pending(self) -> int:
        return len(self._queue)

    async def drained(self, within: float) -> None:
        """Until every queued message has been answered."""
        async with asyncio.timeout(within):
            while self._queue:
                self._idle.clear()
                await self._idle.wait()

    def acknowledged_statuses(self) -> dict[int, str]:
        """connectorId -> the last status the Central System answered with a CALLRESULT."""
        return {
            message.connector: str(message.status)
            for message, _ in self.acknowledged
            if message.action == "StatusNotification"
        }

    def _put(self, message: Message) -> None:
        message.offline = not self.connected.is_set()
        if message.transaction is not None and message.action != "StatusNotification":
            message.seq_no, message.transaction.seq_no = (
                message.transaction.seq_no,
                message.transaction.seq_no + 1,
            )
        self._queue.append(message)
        self._wake.set()

    # -- the connection --------------------------------------------------------------------------------------

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run())

    def go_offline(self) -> None:
        """The network is gone: the TCP connection is dropped (no close handshake), no new one is made."""
        self._online.clear()
        if self._ws is not None:
            self._ws.transport.abort()

    def go_online(self) -> None:
        self._online.set()

    async def close(self) -> None:
        self._closing = True
        self._wake.set()
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def _run(self) -> None:
        while not self._closing:
            await self._online.wait()
            with contextlib.suppress(
                _LostError, OSError, asyncio.TimeoutError, websockets.WebSocketException
            ):
                async with websockets.connect(
                    self.url,
                    subprotocols=[Subprotocol("ocpp1.6" if self.version == "1.6" else "ocpp2.0.1")],
                    open_timeout=10,
                    compression=None,
                    ping_interval=None,
                ) as ws:
                    self._ws = ws
                    link: Any = _Link(self, ws) if self.version == "1.6" else _Link201(self, ws)
                    reader = asyncio.get_running_loop().create_task(link.start())
                    self.connections += 1
                    self.connected.set()
                    try:
                        await self._serve(link, reader)
                    finally:
                        self._ws = None
                        self.connected.clear()
                        # Unsent statuses are stale by the time the charger is back: it reports the current ones.
                        unsent = [m for m in self._queue if m.action == "StatusNotification"]
                        self._changed_offline.update(m.connector for m in unsent)
                        self._queue = deque(m for m in self._queue if m.action != "StatusNotification")
                        reader.cancel()
                        await asyncio.gather(reader, return_exceptions=True)
            await asyncio.sleep(RECONNECT_INTERVAL)  # a charger's reconnect interval

    async def _serve(self, link: Any, reader: asyncio.Task[None]) -> None:
        if not self._booted:
            boot: Any = call16.BootNotification(charge_point_vendor="Fault", charge_point_model="Q16")
            if self.version == "2.0.1":
                boot = call201.BootNotification(
                    charging_station=ChargingStationType(model="Q201", vendor_name="Fault"),
                    reason=BootReasonEnumType.power_up,
                )
            await self._call(link, reader, boot)
            self._booted = True
        # Statuses that changed while offline are reported once connected.
        for connector in sorted(self._changed_offline):
            self.queue_status(connector, None)
        self._changed_offline.clear()
        while True:
            if not self._queue:
                self._idle.set()
                self._wake.clear()
                waker = asyncio.ensure_future(self._wake.wait())
                await asyncio.wait({waker, reader}, return_when=asyncio.FIRST_COMPLETED)
                waker.cancel()
                if reader.done():
                    raise _LostError
                continue
            message = self._queue[0]
            payload = self._payload(message)
            if payload is None:  # its transaction never started
                self._queue.popleft()
                continue
            try:
                result = await self._call(link, reader, payload)
            except OCPPError as error:
                message.attempts += 1
                if message.action == "StatusNotification":
                    self.refused_statuses.append(
                        (message, repr(error))
                    )  # not retried: the next one replaces it
                    self._queue.popleft()
                elif message.attempts >= ATTEMPTS:
                    self.errors.append((message.action, repr(error)))
                    self._queue.popleft()
                else:
                    await asyncio.sleep(RETRY_INTERVAL)  # TransactionMessageRetryInterval
                continue
            self._queue.popleft()
            self._applied(message, result)

    async def _call(self, link: Any, reader: asyncio.Task[None], payload: Any) -> Any:
        call = asyncio.ensure_future(link.call(payload, suppress=False))
        await asyncio.wait({call, reader}, return_when=asyncio.FIRST_COMPLETED)
        if not call.done():
            call.cancel()
            await asyncio.gather(call, return_exceptions=True)
            raise _LostError
        try:
            return call.result()
        except TimeoutError as exc:
            raise _LostError from exc

    def _payload(self, message: Message) -> Any:
        if self.version == "2.0.1":
            return self._payload201(message)
        transaction = message.transaction
        if message.action == "StatusNotification":
            message.status = message.status or self.statuses[message.connector]
            return call16.StatusNotification(
                connector_id=message.connector,
                error_code=ChargePointErrorCode.no_error,
                status=ChargePointStatus(message.status),
            )
        assert transaction is not None
        if message.action == "StartTransaction":
            return call16.StartTransaction(
                connector_id=message.connector,
                id_tag=transaction.id_tag,
                meter_start=message.value,
                timestamp=message.timestamp,
            )
        if transaction.transaction_id is None:
            return None
        if message.action == "MeterValues":
            return call16.MeterValues(
                connector_id=message.connector,
                transaction_id=int(transaction.transaction_id),
                meter_value=[
                    {
                        "timestamp": message.timestamp,
                        "sampledValue": [
                            {"value": str(message.value), "measurand": "Energy.Active.Import.Register"}
                        ],
                    }
                ],
            )
        return call16.StopTransaction(
            transaction_id=int(transaction.transaction_id),
            meter_stop=message.value,
            timestamp=message.timestamp,
            reason=Reason.ev_disconnected,
            id_tag=transaction.id_tag,
        )

    def _payload201(self, message: Message) -> Any:
        transaction = message.transaction
        if message.action == "StatusNotification":
            message.status = message.status or self.statuses[message.connector]
            return call201.StatusNotification(
                timestamp=now(),
                connector_status=ConnectorStatusEnumType(
                    "Available" if message.status == "Available" else "Occupied"
                ),
                evse_id=message.connector,
                connector_id=1,
            )
        assert transaction is not None
        kind, trigger, context = {
            "StartTransaction": ("Started", "Authorized", "Transaction.Begin"),
            "MeterValues": ("Updated", "MeterValuePeriodic", "Sample.Periodic"),
            "StopTransaction": ("Ended", "EVDeparted", "Transaction.End"),
        }[message.action]
        info: dict[str, Any] = {"transactionId": transaction.transaction_id}
        if kind == "Ended":
            info["stoppedReason"] = "EVDisconnected"
        sample = {"value": message.value, "context": context, "unitOfMeasure": {"unit": "Wh"}}
        return call201.TransactionEvent(
            event_type=TransactionEventEnumType(kind),
            timestamp=message.timestamp,
            trigger_reason=TriggerReasonEnumType(trigger),
            seq_no=message.seq_no,
            transaction_info=info,  # type: ignore[arg-type]
            meter_value=[{"timestamp": message.timestamp, "sampledValue": [sample]}],  # type: ignore[list-item]
            offline=message.offline or None,
            evse={"id": message.connector, "connectorId": 1} if kind == "Started" else None,  # type: ignore[arg-type]
            id_token={"idToken": transaction.id_tag, "type": "ISO14443"} if kind == "Started" else None,  # type: ignore[arg-type]
        )

    def _applied(self, message: Message, result: Any) -> None:
        self.acknowledged.append((message, result))
        transaction = message.transaction
        if message.action == "StartTransaction" and transaction is not None and self.version == "2.0.1":
            transaction.start_status = str((result.id_token_info or {}).get("status"))
        elif message.action == "StartTransaction" and transaction is not None:
            transaction.transaction_id = int(result.transaction_id)
            transaction.start_status = str(result.id_tag_info["status"])
        elif message.action == "StopTransaction" and transaction is not None:
            transaction.stopped = True
