"""An internal CSMS event as the `HubPort` calls the OCPP adapters make for the same station message
(ocpp-notes §3.2, §3.3), so that both sources produce the same EVSE statuses, Sessions and CDRs."""

from __future__ import annotations

from typing import Any

from hub.internal.events import (
    OCPP_STATUSES,
    AnyEvent,
    StationConnectionEvent,
    StationStatusEvent,
    TransactionEvent,
)
from hub.ports import (
    ConnectorStatusReport,
    HubPort,
    IdToken,
    MeterReading,
    TransactionEventKind,
    TransactionReport,
)

# The connection an internal CSMS holds for its stations: a disconnect it reports leaves a websocket the
# station may have opened to us alone.
CONNECTION_ID = "internal"
PROTOCOL = "internal"

KINDS = {
    "transaction_started": TransactionEventKind.STARTED,
    "transaction_updated": TransactionEventKind.UPDATED,
    "meter_values": TransactionEventKind.UPDATED,
    "transaction_ended": TransactionEventKind.ENDED,
}


def status_report(event: StationStatusEvent) -> ConnectorStatusReport:
    # As the adapters do: evse 0 is the station itself; one connector per 1.6 connectorId.
    connector = (event.connector if event.connector is not None else 1) if event.evse else 0
    return ConnectorStatusReport(
        evse=event.evse,
        connector=connector,
        status=OCPP_STATUSES[event.status],
        ocpp_status=event.status,
        timestamp=event.timestamp,
    )


def transaction_report(event: TransactionEvent) -> TransactionReport:
    connector = event.connector
    if connector is None and event.evse:
        connector = 1
    return TransactionReport(
        kind=KINDS[event.type],
        timestamp=event.timestamp,
        transaction_id=event.transaction_id,
        evse=event.evse,
        connector=connector,
        id_token=IdToken(event.id_token.id, event.id_token.type) if event.id_token is not None else None,
        meter=tuple(
            MeterReading(
                timestamp=m.timestamp,
                energy_wh=m.energy_wh,
                power_w=m.power_w,
                current_a=m.current_a,
                soc=m.soc,
                context=m.context,
            )
            for m in event.meter
        ),
        charging_state=event.charging_state,
        remote_start_id=event.remote_start_id,
        stopped_reason=event.stopped_reason,
    )


async def apply(port: HubPort, event: AnyEvent, *, connected: bool) -> dict[str, Any]:
    """Make the event's port calls (`connected`: the station's connection is the CSMS's); returns what the
    answer tells the CSMS beyond "applied"."""
    if isinstance(event, StationConnectionEvent):
        if event.connected:
            await port.station_connected(
                event.station_id, connection_id=CONNECTION_ID, protocol=event.protocol or PROTOCOL
            )
        else:
            await port.station_disconnected(event.station_id, connection_id=CONNECTION_ID)
        return {}
    if connected:
        # Every event of a station is a sign of life, as any OCPP message is.
        await port.station_seen(event.station_id, connection_id=CONNECTION_ID)
    if isinstance(event, StationStatusEvent):
        await port.connector_status(event.station_id, status_report(event))
        return {}
    outcome = await port.transaction_event(event.station_id, transaction_report(event))
    return {
        "transaction_id": outcome.transaction_id,
        "session_id": outcome.session_id,
        "authorization": outcome.authorization.status.value if outcome.authorization is not None else None,
    }
