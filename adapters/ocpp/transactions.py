"""What the transaction handlers of both versions share (ocpp-notes §3.3): the charging state of 1.6
connector statuses and 2.0.1 chargingState, and event times."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from adapters.ocpp.charge_point import parse_timestamp
from hub.ports import ChargingState, IdToken

logger = logging.getLogger(__name__)

# 1.6 ChargePointStatus during a transaction (the statuses outside it say nothing about charging).
CHARGING_16: dict[str, ChargingState] = {
    "Charging": ChargingState.CHARGING,
    "SuspendedEV": ChargingState.SUSPENDED_EV,
    "SuspendedEVSE": ChargingState.SUSPENDED_EVSE,
    "Preparing": ChargingState.EV_CONNECTED,
    "Finishing": ChargingState.EV_CONNECTED,
}
# 2.0.1 ChargingStateEnumType.
CHARGING_201: dict[str, ChargingState] = {
    "Charging": ChargingState.CHARGING,
    "SuspendedEV": ChargingState.SUSPENDED_EV,
    "SuspendedEVSE": ChargingState.SUSPENDED_EVSE,
    "EVConnected": ChargingState.EV_CONNECTED,
    "Idle": ChargingState.IDLE,
}


def event_time(station_id: str, value: Any) -> datetime:
    """The event's timestamp; a station's unreadable one is logged and taken as now."""
    parsed = parse_timestamp(value)
    if parsed is None:
        logger.warning("station %s: unreadable timestamp %.50r taken as now", station_id, value)
        return datetime.now(UTC)
    return parsed


def id_token_201(value: Any) -> IdToken | None:
    """A 2.0.1 IdTokenType (snake_case dict) as the port's IdToken."""
    if not isinstance(value, dict) or not isinstance(value.get("id_token"), str):
        return None
    return IdToken(id_token=value["id_token"], type=str(value.get("type") or "ISO14443"))
