"""OCPP 1.6J: what a Central System answers for the Core profile's station-side messages and the cheap rest
(DataTransfer, firmware, diagnostics, and the security extension's notifications)."""

from __future__ import annotations

import logging
from typing import Any

from ocpp.v16 import ChargePoint as ChargePoint16Base
from ocpp.v16 import call, call_result
from ocpp.v16.enums import DataTransferStatus, MessageTrigger, RegistrationStatus, TriggerMessageStatus

from adapters.ocpp.charge_point import StationChargePoint, now_iso, parse_timestamp
from adapters.ocpp.mapping import status_16
from adapters.ocpp.routing import after, on
from hub.ports import BootInfo, ConnectorStatusReport

logger = logging.getLogger(__name__)


class Core16(StationChargePoint):
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
        return call_result.StatusNotification()

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
