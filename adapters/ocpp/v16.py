"""OCPP 1.6J: what a Central System answers for the Core profile's station-side messages (including Authorize,
Start/StopTransaction and MeterValues, made the hub's transaction reports: ocpp-notes §3.3, §3.6) and the
cheap rest (DataTransfer, firmware, diagnostics, and the security extension's notifications)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from ocpp.v16 import ChargePoint as ChargePoint16Base
from ocpp.v16 import call, call_result
from ocpp.v16.enums import DataTransferStatus, MessageTrigger, RegistrationStatus, TriggerMessageStatus

from adapters.ocpp.charge_point import StationChargePoint, now_iso, parse_timestamp
from adapters.ocpp.link import StationLink
from adapters.ocpp.mapping import status_16
from adapters.ocpp.meter import readings_16
from adapters.ocpp.routing import after, on
from adapters.ocpp.tokens import id_tag_info
from adapters.ocpp.transactions import CHARGING_16, event_time
from hub.ports import (
    BootInfo,
    ConnectorStatusReport,
    IdToken,
    MeterReading,
    TransactionEventKind,
    TransactionReport,
)

logger = logging.getLogger(__name__)


class Core16(StationChargePoint):
    def __init__(self, link: StationLink, connection: Any, *, response_timeout: float) -> None:
        super().__init__(link, connection, response_timeout=response_timeout)
        # connectorId -> transactionId of the transactions this connection saw open (Start, MeterValues),
        # so that connector statuses during one become its charging state.
        self.open_transactions: dict[int, str] = {}
        self.untracked = 0

    @on("BootNotification")
    async def on_boot_notification(
        self, charge_point_vendor: str, charge_point_model: str, **kwargs: Any
    ) -> call_result.BootNotification:
        boot = BootInfo(
            vendor=charge_point_vendor,
            model=charge_point_model,
            serial_number=kwargs.get("charge_point_serial_number") or kwargs.get("charge_box_serial_number"),
            firmware_version=kwargs.get("firmware_version"),
        )
        interval = await self.port.station_booted(self.id, connection_id=self.link.connection_id, boot=boot)
        return call_result.BootNotification(
            current_time=now_iso(), interval=interval, status=RegistrationStatus.accepted
        )

    @after("BootNotification")
    def after_boot_notification(self, **kwargs: Any) -> None:
        self.link.spawn(self.request_statuses())

    @on("Heartbeat")
    def on_heartbeat(self, **kwargs: Any) -> call_result.Heartbeat:
        return call_result.Heartbeat(current_time=now_iso())

    @on("StatusNotification")
    async def on_status_notification(
        self, connector_id: int, error_code: str, status: str, **kwargs: Any
    ) -> call_result.StatusNotification:
        # connectorId 0 is the Charge Point itself; a 1.6 connector is addressed by its connectorId alone.
        report = ConnectorStatusReport(
            evse=connector_id,
            connector=1 if connector_id else 0,
            status=status_16(status),
            ocpp_status=status,
            timestamp=parse_timestamp(kwargs.get("timestamp")),
        )
        await self.port.connector_status(self.id, report)
        if status == "Available":
            # A connector is Available only once no transaction is on it (its Stop may have been lost).
            self.open_transactions.pop(connector_id, None)
        state = CHARGING_16.get(status)
        if state is not None and connector_id in self.open_transactions:
            update = TransactionReport(
                kind=TransactionEventKind.UPDATED,
                timestamp=report.timestamp or datetime.now(UTC),
                evse=connector_id,
                connector=1,
                charging_state=state,
            )
            try:
                await self.port.transaction_event(self.id, update)
            except Exception:
                # The status is recorded; the station must not send it again for the charging state.
                logger.exception("station %s: charging state of connector %s lost", self.id, connector_id)
        return call_result.StatusNotification()

    @on("Authorize")
    async def on_authorize(self, id_tag: str, **kwargs: Any) -> call_result.Authorize:
        answer = await self.port.authorize(self.id, IdToken(id_token=id_tag))
        return call_result.Authorize(id_tag_info=id_tag_info(answer))

    @on("StartTransaction")
    async def on_start_transaction(
        self, connector_id: int, id_tag: str, meter_start: int, timestamp: str, **kwargs: Any
    ) -> call_result.StartTransaction:
        at = event_time(self.id, timestamp)
        # Bridge mode: the upstream CSMS assigned the transaction id; standalone: the hub allocates it.
        upstream = self.upstream_answer.get("transactionId") if self.upstream_answer is not None else None
        report = TransactionReport(
            kind=TransactionEventKind.STARTED,
            timestamp=at,
            transaction_id=str(upstream) if upstream is not None else None,
            evse=connector_id,
            connector=1,
            id_token=IdToken(id_token=id_tag),
            meter=(MeterReading(timestamp=at, energy_wh=Decimal(meter_start), context="Transaction.Begin"),),
            reservation_id=kwargs.get("reservation_id"),
        )
        outcome = await self.port.transaction_event(self.id, report)
        transaction_id = outcome.transaction_id or report.transaction_id
        if transaction_id is None:
            # No Session comes of it (an unmapped connector or station): the station still needs an id, and a
            # negative one is never one the hub allocates, so its later messages are ignored, not misplaced.
            self.untracked -= 1
            transaction_id = str(self.untracked)
            logger.warning(
                "station %s: transaction on connector %s is not tracked: answered transactionId %s",
                self.id,
                connector_id,
                transaction_id,
            )
        else:
            self.open_transactions[connector_id] = transaction_id
        return call_result.StartTransaction(
            transaction_id=int(transaction_id), id_tag_info=id_tag_info(outcome.authorization)
        )

    @on("MeterValues")
    async def on_meter_values(
        self, connector_id: int, meter_value: list[dict[str, Any]], **kwargs: Any
    ) -> call_result.MeterValues:
        readings = readings_16(meter_value)
        transaction = kwargs.get("transaction_id")
        if transaction is not None:
            self.open_transactions[connector_id] = str(transaction)
        # connectorId 0 is the main meter, no transaction's.
        if readings and (connector_id or transaction is not None):
            report = TransactionReport(
                kind=TransactionEventKind.UPDATED,
                timestamp=max(r.timestamp for r in readings),
                transaction_id=str(transaction) if transaction is not None else None,
                evse=connector_id or None,
                connector=1 if connector_id else None,
                meter=readings,
            )
            await self.port.transaction_event(self.id, report)
        return call_result.MeterValues()

    @on("StopTransaction")
    async def on_stop_transaction(
        self, meter_stop: int, timestamp: str, transaction_id: int, **kwargs: Any
    ) -> call_result.StopTransaction:
        at = event_time(self.id, timestamp)
        transaction = str(transaction_id)
        connector = next((c for c, t in self.open_transactions.items() if t == transaction), None)
        if connector is not None:
            del self.open_transactions[connector]
        id_tag = kwargs.get("id_tag")
        end = MeterReading(timestamp=at, energy_wh=Decimal(meter_stop), context="Transaction.End")
        report = TransactionReport(
            kind=TransactionEventKind.ENDED,
            timestamp=at,
            transaction_id=transaction,
            evse=connector,
            connector=1 if connector is not None else None,
            id_token=IdToken(id_token=id_tag) if id_tag is not None else None,
            meter=(*readings_16(kwargs.get("transaction_data")), end),
            # StopTransaction.req reason: "This field may only be omitted when the Reason is 'Local'".
            stopped_reason=str(kwargs.get("reason") or "Local"),
        )
        outcome = await self.port.transaction_event(self.id, report)
        if id_tag is None or outcome.authorization is None:
            return call_result.StopTransaction()
        return call_result.StopTransaction(id_tag_info=id_tag_info(outcome.authorization))

    @on("DataTransfer")
    def on_data_transfer(self, vendor_id: str, **kwargs: Any) -> call_result.DataTransfer:
        return call_result.DataTransfer(status=DataTransferStatus.unknown_vendor_id)

    @on("DiagnosticsStatusNotification")
    def on_diagnostics_status_notification(self, **kwargs: Any) -> call_result.DiagnosticsStatusNotification:
        return call_result.DiagnosticsStatusNotification()

    @on("FirmwareStatusNotification")
    def on_firmware_status_notification(self, **kwargs: Any) -> call_result.FirmwareStatusNotification:
        return call_result.FirmwareStatusNotification()

    @on("SecurityEventNotification")
    def on_security_event_notification(self, **kwargs: Any) -> call_result.SecurityEventNotification:
        logger.info("station %s security event %s", self.id, kwargs.get("type"))
        return call_result.SecurityEventNotification()

    @on("LogStatusNotification")
    def on_log_status_notification(self, **kwargs: Any) -> call_result.LogStatusNotification:
        return call_result.LogStatusNotification()

    @on("SignedFirmwareStatusNotification")
    def on_signed_firmware_status_notification(
        self, **kwargs: Any
    ) -> call_result.SignedFirmwareStatusNotification:
        return call_result.SignedFirmwareStatusNotification()

    async def request_statuses(self) -> None:
        # "A request for a statusNotification without connectorId is a request for multiple
        # statusNotifications: the notification for the Charge Point itself and one for each connector."
        if await self._trigger(None):
            return
        for connector_id in sorted({evse for evse, _ in self.link.connectors}):
            await self._trigger(connector_id)

    async def _trigger(self, connector_id: int | None) -> bool:
        request = call.TriggerMessage(
            requested_message=MessageTrigger.status_notification, connector_id=connector_id
        )
        try:
            result = await self.ask(request)
        except Exception as exc:
            logger.info("station %s: TriggerMessage StatusNotification failed: %r", self.id, exc)
            return False
        return bool(result.status == TriggerMessageStatus.accepted)


class ChargePoint16(Core16, ChargePoint16Base):
    """A 1.6 station: the handlers above on the library's 1.6 message set."""
