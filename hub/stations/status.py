"""The OCPI status of an EVSE from what its station's connectors report (ocpp-notes §3.2): aggregation over
the connectors of one EVSE, and the station-level override (1.6 connectorId 0, 2.0.1 evseId 0)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from hub.ocpi.base import parse_datetime
from hub.ocpi.v221.locations import Status

# "Any connector in use -> CHARGING, else any RESERVED -> RESERVED, else any AVAILABLE -> AVAILABLE, else
# any INOPERATIVE -> INOPERATIVE, else OUTOFORDER, else UNKNOWN."
PRIORITY: tuple[Status, ...] = (
    Status.CHARGING,
    Status.BLOCKED,
    Status.RESERVED,
    Status.AVAILABLE,
    Status.INOPERATIVE,
    Status.OUTOFORDER,
)
# A station-level Unavailable or Faulted holds for every EVSE of the station; Available at that level does
# not override what the connectors say.
STATION_OVERRIDES = frozenset({Status.INOPERATIVE, Status.OUTOFORDER})
# PLANNED and REMOVED come from the asset lifecycle, never from OCPP: a station does not change them.
LIFECYCLE = frozenset({Status.PLANNED, Status.REMOVED})

STATION = "0/0"
# 2.0.1 Occupied is CHARGING, unless a transaction on the EVSE ended since the connector said so: then the car
# only blocks the bay (ocpp-notes §3.2: "BLOCKED only if we know there is no transaction").
OCCUPIED = "Occupied"


def address(evse: int, connector: int) -> str:
    """The key of one OCPP connector in a station's reported statuses; the station itself is "0/0"."""
    return STATION if evse == 0 else f"{evse}/{connector}"


def reported_status(report: dict[str, Any] | None, ended: datetime | None) -> Status | None:
    """One connector's status from its stored report (None: not reported on this connection); `ended`: when
    the EVSE's last transaction ended, if none is open."""
    if report is None:
        return None
    if report.get("ocpp") == OCCUPIED and ended is not None:
        at = report.get("at")
        if at is None or parse_datetime(at) <= ended:
            return Status.BLOCKED
    return Status(report["status"])


def aggregate(connectors: Iterable[Status | None]) -> Status:
    """One EVSE's status from its connectors' (None: not reported on this connection)."""
    present = {status for status in connectors if status is not None}
    for status in PRIORITY:
        if status in present:
            return status
    return Status.UNKNOWN


def evse_status(connectors: Iterable[Status | None], station: Status | None) -> Status:
    """The EVSE's status given its connectors' and the station-level status."""
    if station in STATION_OVERRIDES:
        return station
    return aggregate(connectors)
