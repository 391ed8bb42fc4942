"""OCPP 2.0.1: what a CSMS answers for the station-side messages of provisioning, availability, authorization
and transactions (Authorize, TransactionEvent made the hub's transaction reports: ocpp-notes §3.3, §3.6), and
the cheap rest (reports, events, firmware, logs, security events, DataTransfer, MeterValues outside
transactions) answered minimally."""

from __future__ import annotations

import logging
from typing import Any

from ocpp.exceptions import FormatViolationError, TypeConstraintViolationError
from ocpp.v201 import ChargePoint as ChargePoint201Base
from ocpp.v201 import call, call_result
from ocpp.v201.datatypes import EVSEType
from ocpp.v201.enums import (
    DataTransferStatusEnumType,
    MessageTriggerEnumType,
    RegistrationStatusEnumType,
    TriggerMessageStatusEnumType,
)

from adapters.ocpp.charge_point import StationChargePoint, now_iso, parse_timestamp
from adapters.ocpp.link import StationLink
from adapters.ocpp.mapping import status_201
from adapters.ocpp.meter import readings_201
from adapters.ocpp.routing import after, on
from adapters.ocpp.tokens import id_token_info
from adapters.ocpp.transactions import CHARGING_201, event_time, id_token_201
from hub.ports import BootInfo, ConnectorStatusReport, TransactionEventKind, TransactionReport

logger = logging.getLogger(__name__)


# TransactionType.transactionId: identifierString, maxLength 36.
TRANSACTION_ID_MAX = 36
EVENT_KINDS = {
    "Started": TransactionEventKind.STARTED,
    "Updated": TransactionEventKind.UPDATED,
    "Ended": TransactionEventKind.ENDED,
}


class Core201(StationChargePoint):
    def __init__(self, link: StationLink, connection: Any, *, response_timeout: float) -> None:
        super().__init__(link, connection, response_timeout=response_timeout)
        # transactionId -> (evseId, connectorId): a station need name them only in the first event of a
        # transaction, so the later events of this connection are told where they are.
        self.transaction_places: dict[str, tuple[int | None, int | None]] = {}

    @on("BootNotification")
    async def on_boot_notification(
        self, charging_station: dict[str, Any], reason: str, **kwargs: Any
    ) -> call_result.BootNotification:
        boot = BootInfo(
            vendor=str(charging_station.get("vendor_name", "")),
            model=str(charging_station.get("model", "")),
            serial_number=charging_station.get("serial_number"),
            firmware_version=charging_station.get("firmware_version"),
            reason=reason,
        )
        interval = await self.port.station_booted(self.id, connection_id=self.link.connection_id, boot=boot)
        return call_result.BootNotification(
            current_time=now_iso(), interval=interval, status=RegistrationStatusEnumType.accepted
        )

    @after("BootNotification")
    def after_boot_notification(self, **kwargs: Any) -> None:
        self.link.spawn(self.request_statuses())

    @on("Heartbeat")
    def on_heartbeat(self, **kwargs: Any) -> call_result.Heartbeat:
        return call_result.Heartbeat(current_time=now_iso())

    @on("StatusNotification")
    async def on_status_notification(
        self, connector_status: str, evse_id: int, connector_id: int, **kwargs: Any
    ) -> call_result.StatusNotification:
        report = ConnectorStatusReport(
            evse=evse_id,
            connector=connector_id if evse_id else 0,
            status=status_201(connector_status),
            ocpp_status=connector_status,
            timestamp=parse_timestamp(kwargs.get("timestamp")),
        )
        await self.port.connector_status(self.id, report)
        return call_result.StatusNotification()

    @on("Authorize")
    async def on_authorize(self, id_token: dict[str, Any], **kwargs: Any) -> call_result.Authorize:
        token = id_token_201(id_token)
        if token is None:
            raise FormatViolationError(details={"cause": "idToken.idToken is missing"})  # type: ignore[no-untyped-call]
        answer = await self.port.authorize(self.id, token)
        return call_result.Authorize(id_token_info=id_token_info(answer))

    @on("TransactionEvent")
    async def on_transaction_event(
        self,
        event_type: str,
        timestamp: str,
        trigger_reason: str,
        seq_no: int,
        transaction_info: dict[str, Any],
        **kwargs: Any,
    ) -> call_result.TransactionEvent:
        transaction_id = str(transaction_info["transaction_id"])
        if len(transaction_id) > TRANSACTION_ID_MAX:
            # Cut short it could name another transaction: refused, where other over-long fields are let in.
            raise TypeConstraintViolationError(  # type: ignore[no-untyped-call]
                details={"cause": f"transactionInfo.transactionId is longer than {TRANSACTION_ID_MAX}"}
            )
        evse = kwargs.get("evse")
        place = self.transaction_places.get(transaction_id, (None, None))
        if isinstance(evse, dict) and isinstance(evse.get("id"), int):
            place = (evse["id"], evse.get("connector_id", place[1] if evse["id"] == place[0] else None))
            self.transaction_places[transaction_id] = place
        state = transaction_info.get("charging_state")
        token = id_token_201(kwargs.get("id_token"))
        kind = EVENT_KINDS[event_type]
        report = TransactionReport(
            kind=kind,
            timestamp=event_time(self.id, timestamp),
            transaction_id=transaction_id,
            seq_no=seq_no,
            evse=place[0],
            connector=place[1],
            id_token=token,
            meter=readings_201(kwargs.get("meter_value")),
            charging_state=CHARGING_201.get(state) if isinstance(state, str) else None,
            remote_start_id=transaction_info.get("remote_start_id"),
            reservation_id=kwargs.get("reservation_id"),
            offline=bool(kwargs.get("offline", False)),
            stopped_reason=transaction_info.get("stopped_reason"),
            trigger=trigger_reason,
        )
        outcome = await self.port.transaction_event(self.id, report)
        if kind is TransactionEventKind.ENDED:
            self.transaction_places.pop(transaction_id, None)
        # No answer from the hub: the station keeps to what it knows of the token (idTokenInfo is optional).
        if token is None or outcome.authorization is None:
            return call_result.TransactionEvent()
        return call_result.TransactionEvent(id_token_info=id_token_info(outcome.authorization))

    @on("MeterValues")
    def on_meter_values(self, evse_id: int, meter_value: list[Any], **kwargs: Any) -> call_result.MeterValues:
        # Meter values outside transactions (J01): nothing of a Session; a transaction's come in its events.
        return call_result.MeterValues()

    @on("DataTransfer")
    def on_data_transfer(self, vendor_id: str, **kwargs: Any) -> call_result.DataTransfer:
        return call_result.DataTransfer(status=DataTransferStatusEnumType.unknown_vendor_id)

    @on("NotifyReport")
    def on_notify_report(self, **kwargs: Any) -> call_result.NotifyReport:
        return call_result.NotifyReport()

    @on("NotifyEvent")
    def on_notify_event(self, **kwargs: Any) -> call_result.NotifyEvent:
        return call_result.NotifyEvent()

    @on("NotifyMonitoringReport")
    def on_notify_monitoring_report(self, **kwargs: Any) -> call_result.NotifyMonitoringReport:
        return call_result.NotifyMonitoringReport()

    @on("FirmwareStatusNotification")
    def on_firmware_status_notification(self, **kwargs: Any) -> call_result.FirmwareStatusNotification:
        return call_result.FirmwareStatusNotification()

    @on("PublishFirmwareStatusNotification")
    def on_publish_firmware_status_notification(
        self, **kwargs: Any
    ) -> call_result.PublishFirmwareStatusNotification:
        return call_result.PublishFirmwareStatusNotification()

    @on("LogStatusNotification")
    def on_log_status_notification(self, **kwargs: Any) -> call_result.LogStatusNotification:
        return call_result.LogStatusNotification()

    @on("SecurityEventNotification")
    def on_security_event_notification(self, **kwargs: Any) -> call_result.SecurityEventNotification:
        logger.info("station %s security event %s", self.id, kwargs.get("type"))
        return call_result.SecurityEventNotification()

    @on("NotifyCustomerInformation")
    def on_notify_customer_information(self, **kwargs: Any) -> call_result.NotifyCustomerInformation:
        return call_result.NotifyCustomerInformation()

    @on("NotifyDisplayMessages")
    def on_notify_display_messages(self, **kwargs: Any) -> call_result.NotifyDisplayMessages:
        return call_result.NotifyDisplayMessages()

    async def request_statuses(self) -> None:
        # 2.0.1 asks per connector (F06: evse with connectorId); a station with nothing mapped is asked once.
        targets: list[EVSEType | None] = [
            EVSEType(id=evse, connector_id=c) for evse, c in self.link.connectors
        ]
        for evse in targets or [None]:
            request = call.TriggerMessage(
                requested_message=MessageTriggerEnumType.status_notification, evse=evse
            )
            try:
                result = await self.ask(request)
            except Exception as exc:
                logger.info("station %s: TriggerMessage StatusNotification failed: %r", self.id, exc)
                continue
            if result.status != TriggerMessageStatusEnumType.accepted:
                logger.info("station %s: TriggerMessage StatusNotification %s", self.id, result.status)


class ChargePoint201(Core201, ChargePoint201Base):
    """A 2.0.1 station: the handlers above on the library's 2.0.1 message set."""
