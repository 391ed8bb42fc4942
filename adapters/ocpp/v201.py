"""OCPP 2.0.1: what a CSMS answers for the station-side messages of provisioning and availability, and the
cheap rest (reports, events, firmware, logs, security events, DataTransfer) answered minimally."""

from __future__ import annotations

import logging
from typing import Any

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
from adapters.ocpp.mapping import status_201
from adapters.ocpp.routing import after, on
from hub.ports import BootInfo, ConnectorStatusReport

logger = logging.getLogger(__name__)


class Core201(StationChargePoint):
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
