"""Simulated stations for the OCPP tests, built on the `ocpp` library's client side (both versions): they
connect over a real websocket, answer TriggerMessage with the StatusNotifications they are told to."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import websockets
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

HANG = "hang"  # a command answer: never answer (the read loop waits with it)


class Commanded:
    """Command handling both versions share: every CALL received, as on the wire (camelCase), and the
    answer to give per action: a status, an OCPPError to answer with a CALLERROR, or HANG."""

    def _init_commands(self) -> None:
        self.received: list[tuple[str, dict[str, Any]]] = []
        self.answers: dict[str, Any] = {}
        # GetCompositeSchedule: the CALLRESULT fields besides status (snake_case, nested objects as dicts).
        self.composite: dict[str, Any] = {}
        self.hanging = asyncio.Event()

    async def route_message(self, raw_msg: str) -> None:
        frame = json.loads(raw_msg)
        if isinstance(frame, list) and frame and frame[0] == 2:
            self.received.append((frame[2], frame[3]))
        await super().route_message(raw_msg)  # type: ignore[misc]

    def payloads(self, action: str) -> list[dict[str, Any]]:
        return [payload for name, payload in self.received if name == action]

    async def answer(self, action: str, default: str) -> Any:
        answer = self.answers.get(action, default)
        if isinstance(answer, Exception):
            raise answer
        if answer == HANG:
            self.hanging.set()
            await asyncio.Event().wait()
        return answer


class Charger16(Commanded, Base16):
    """A 1.6 Charge Point; `statuses` (connectorId -> ChargePointStatus) is what it reports when triggered."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[no-untyped-call]
        self.statuses: dict[int, str] = {}
        self.triggers: list[Any] = []
        self.answered = 0
        self.triggered = asyncio.Event()
        self._init_commands()

    @on("RemoteStartTransaction")
    async def on_remote_start(self, **kwargs: Any) -> result16.RemoteStartTransaction:
        return result16.RemoteStartTransaction(status=await self.answer("RemoteStartTransaction", "Accepted"))

    @on("RemoteStopTransaction")
    async def on_remote_stop(self, **kwargs: Any) -> result16.RemoteStopTransaction:
        return result16.RemoteStopTransaction(status=await self.answer("RemoteStopTransaction", "Accepted"))

    @on("ReserveNow")
    async def on_reserve_now(self, **kwargs: Any) -> result16.ReserveNow:
        return result16.ReserveNow(status=await self.answer("ReserveNow", "Accepted"))

    @on("CancelReservation")
    async def on_cancel_reservation(self, **kwargs: Any) -> result16.CancelReservation:
        return result16.CancelReservation(status=await self.answer("CancelReservation", "Accepted"))

    @on("UnlockConnector")
    async def on_unlock_connector(self, **kwargs: Any) -> result16.UnlockConnector:
        return result16.UnlockConnector(status=await self.answer("UnlockConnector", "Unlocked"))

    @on("SetChargingProfile")
    async def on_set_charging_profile(self, **kwargs: Any) -> result16.SetChargingProfile:
        return result16.SetChargingProfile(status=await self.answer("SetChargingProfile", "Accepted"))

    @on("GetCompositeSchedule")
    async def on_get_composite_schedule(self, **kwargs: Any) -> result16.GetCompositeSchedule:
        status = await self.answer("GetCompositeSchedule", "Accepted")
        return result16.GetCompositeSchedule(status=status, **self.composite)

    @on("ClearChargingProfile")
    async def on_clear_charging_profile(self, **kwargs: Any) -> result16.ClearChargingProfile:
        return result16.ClearChargingProfile(status=await self.answer("ClearChargingProfile", "Accepted"))

    @on("TriggerMessage")
    def on_trigger(self, requested_message: str, **kwargs: Any) -> result16.TriggerMessage:
        self.triggers.append((requested_message, kwargs.get("connector_id")))
        return result16.TriggerMessage(status=TriggerMessageStatus.accepted)

    @after("TriggerMessage")
    async def after_trigger(self, requested_message: str, **kwargs: Any) -> None:
        connector = kwargs.get("connector_id")
        for connector_id, status in self.statuses.items():
            if connector is None or connector == connector_id:
                await self.status(connector_id, status)
        self.answered += 1
        self.triggered.set()
        self.triggered = asyncio.Event()

    async def ask(self, payload: Any) -> Any:
        return await self.call(payload)  # type: ignore[no-untyped-call]

    async def boot(self) -> Any:
        return await self.ask(call16.BootNotification(charge_point_vendor="Test", charge_point_model="T16"))

    async def heartbeat(self) -> Any:
        return await self.ask(call16.Heartbeat())

    async def status(
        self, connector_id: int, status: str, error_code: str = "NoError", *, timestamp: str | None = None
    ) -> Any:
        return await self.ask(
            call16.StatusNotification(
                connector_id=connector_id,
                error_code=ChargePointErrorCode(error_code),
                status=ChargePointStatus(status),
                timestamp=timestamp,
            )
        )

    async def authorize(self, id_tag: str) -> Any:
        return await self.ask(call16.Authorize(id_tag=id_tag))

    async def start_transaction(
        self,
        connector_id: int,
        id_tag: str,
        meter_start: int,
        timestamp: str,
        reservation_id: int | None = None,
    ) -> Any:
        return await self.ask(
            call16.StartTransaction(
                connector_id=connector_id,
                id_tag=id_tag,
                meter_start=meter_start,
                timestamp=timestamp,
                reservation_id=reservation_id,
            )
        )

    async def meter(
        self, connector_id: int, transaction_id: int | None, *readings: tuple[str, list[dict[str, Any]]]
    ) -> Any:
        """MeterValues: each reading is (timestamp, sampledValue[] as on the wire)."""
        return await self.ask(
            call16.MeterValues(
                connector_id=connector_id,
                transaction_id=transaction_id,
                meter_value=[{"timestamp": at, "sampledValue": values} for at, values in readings],
            )
        )

    async def stop_transaction(
        self,
        transaction_id: int,
        meter_stop: int,
        timestamp: str,
        *,
        reason: str | None = None,
        id_tag: str | None = None,
        transaction_data: list[dict[str, Any]] | None = None,
    ) -> Any:
        return await self.ask(
            call16.StopTransaction(
                transaction_id=transaction_id,
                meter_stop=meter_stop,
                timestamp=timestamp,
                reason=Reason(reason) if reason is not None else None,
                id_tag=id_tag,
                transaction_data=transaction_data,
            )
        )


class Charger201(Commanded, Base201):
    """A 2.0.1 Charging Station; `statuses` ((evseId, connectorId) -> ConnectorStatus) answers triggers."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[no-untyped-call]
        self.statuses: dict[tuple[int, int], str] = {}
        self.triggers: list[Any] = []
        self.answered = 0
        self.triggered = asyncio.Event()
        self._init_commands()

    @on("RequestStartTransaction")
    async def on_request_start(self, **kwargs: Any) -> result201.RequestStartTransaction:
        status = await self.answer("RequestStartTransaction", "Accepted")
        return result201.RequestStartTransaction(status=status)

    @on("RequestStopTransaction")
    async def on_request_stop(self, **kwargs: Any) -> result201.RequestStopTransaction:
        return result201.RequestStopTransaction(
            status=await self.answer("RequestStopTransaction", "Accepted")
        )

    @on("ReserveNow")
    async def on_reserve_now(self, **kwargs: Any) -> result201.ReserveNow:
        return result201.ReserveNow(status=await self.answer("ReserveNow", "Accepted"))

    @on("CancelReservation")
    async def on_cancel_reservation(self, **kwargs: Any) -> result201.CancelReservation:
        return result201.CancelReservation(status=await self.answer("CancelReservation", "Accepted"))

    @on("UnlockConnector")
    async def on_unlock_connector(self, **kwargs: Any) -> result201.UnlockConnector:
        return result201.UnlockConnector(status=await self.answer("UnlockConnector", "Unlocked"))

    @on("SetChargingProfile")
    async def on_set_charging_profile(self, **kwargs: Any) -> result201.SetChargingProfile:
        return result201.SetChargingProfile(status=await self.answer("SetChargingProfile", "Accepted"))

    @on("GetCompositeSchedule")
    async def on_get_composite_schedule(self, **kwargs: Any) -> result201.GetCompositeSchedule:
        status = await self.answer("GetCompositeSchedule", "Accepted")
        return result201.GetCompositeSchedule(status=status, **self.composite)

    @on("ClearChargingProfile")
    async def on_clear_charging_profile(self, **kwargs: Any) -> result201.ClearChargingProfile:
        return result201.ClearChargingProfile(status=await self.answer("ClearChargingProfile", "Accepted"))

    @on("TriggerMessage")
    def on_trigger(self, requested_message: str, **kwargs: Any) -> result201.TriggerMessage:
        self.triggers.append((requested_message, kwargs.get("evse")))
        return result201.TriggerMessage(status=TriggerMessageStatusEnumType.accepted)

    @after("TriggerMessage")
    async def after_trigger(self, requested_message: str, **kwargs: Any) -> None:
        evse = kwargs.get("evse")
        for (evse_id, connector_id), status in self.statuses.items():
            if evse is None or (evse["id"], evse.get("connector_id")) == (evse_id, connector_id):
                await self.status(evse_id, connector_id, status)
        self.answered += 1
        self.triggered.set()
        self.triggered = asyncio.Event()

    async def ask(self, payload: Any) -> Any:
        return await self.call(payload)  # type: ignore[no-untyped-call]

    async def boot(self) -> Any:
        return await self.ask(
            call201.BootNotification(
                charging_station=ChargingStationType(model="T201", vendor_name="Test"),
                reason=BootReasonEnumType.power_up,
            )
        )

    async def heartbeat(self) -> Any:
        return await self.ask(call201.Heartbeat())

    async def status(self, evse_id: int, connector_id: int, status: str) -> Any:
        return await self.ask(
            call201.StatusNotification(
                timestamp="2026-01-01T00:00:00Z",
                connector_status=ConnectorStatusEnumType(status),
                evse_id=evse_id,
                connector_id=connector_id,
            )
        )

    async def authorize(self, id_token: str, type: str = "ISO14443") -> Any:
        return await self.ask(call201.Authorize(id_token={"idToken": id_token, "type": type}))  # type: ignore[arg-type]

    async def event(
        self,
        event_type: str,
        transaction_id: str,
        seq_no: int,
        timestamp: str,
        *,
        trigger: str = "Authorized",
        evse: tuple[int, int | None] | None = None,
        id_token: str | None = None,
        charging_state: str | None = None,
        stopped_reason: str | None = None,
        remote_start_id: int | None = None,
        meter_value: list[dict[str, Any]] | None = None,
        offline: bool | None = None,
        reservation_id: int | None = None,
    ) -> Any:
        """TransactionEvent; meter_value as on the wire (camelCase)."""
        info: dict[str, Any] = {"transactionId": transaction_id}
        for key, value in [
            ("chargingState", charging_state),
            ("stoppedReason", stopped_reason),
            ("remoteStartId", remote_start_id),
        ]:
            if value is not None:
                info[key] = value
        return await self.ask(
            call201.TransactionEvent(
                event_type=TransactionEventEnumType(event_type),
                timestamp=timestamp,
                trigger_reason=TriggerReasonEnumType(trigger),
                seq_no=seq_no,
                transaction_info=info,  # type: ignore[arg-type]
                meter_value=meter_value,  # type: ignore[arg-type]
                offline=offline,
                reservation_id=reservation_id,
                evse=_evse(evse),  # type: ignore[arg-type]
                id_token={"idToken": id_token, "type": "ISO14443"} if id_token is not None else None,  # type: ignore[arg-type]
            )
        )


def _evse(evse: tuple[int, int | None] | None) -> dict[str, int] | None:
    if evse is None:
        return None
    return {"id": evse[0]} if evse[1] is None else {"id": evse[0], "connectorId": evse[1]}


async def wait_triggers(charger: Charger16 | Charger201, count: int, within: float = 5.0) -> None:
    """Until the charger has answered `count` TriggerMessages."""
    async with asyncio.timeout(within):
        while charger.answered < count:
            await charger.triggered.wait()


def basic(station_id: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{station_id}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


@asynccontextmanager
async def raw_socket(
    url: str, *, subprotocols: list[str] | None = None, headers: dict[str, str] | None = None
) -> AsyncIterator[websockets.ClientConnection]:
    offered = [Subprotocol(p) for p in subprotocols] if subprotocols is not None else None
    async with websockets.connect(
        url, subprotocols=offered, additional_headers=headers, compression=None, open_timeout=20
    ) as ws:
        yield ws


@asynccontextmanager
async def station(
    base: str,
    station_id: str,
    *,
    version: str = "1.6",
    password: str | None = None,
) -> AsyncIterator[Any]:
    """A charger of `version` connected to `base`/station_id, its read loop running."""
    protocol = "ocpp1.6" if version == "1.6" else "ocpp2.0.1"
    headers = basic(station_id, password) if password is not None else None
    async with raw_socket(f"{base}/{station_id}", subprotocols=[protocol], headers=headers) as ws:
        charger: Any = (Charger16 if version == "1.6" else Charger201)(station_id, ws, response_timeout=10)
        task = asyncio.get_running_loop().create_task(charger.start())
        charger.loop = task
        try:
            yield charger
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
