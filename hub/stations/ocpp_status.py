"""OCPP connector statuses to OCPI EVSE statuses (ocpp-notes §3.2; OCPP 1.6 §7.7 ChargePointStatus, OCPP 2.0.1
ConnectorStatusEnumType; mod_locations_status_enum). Pure translation: no sockets, no database."""

from __future__ import annotations

from hub.ocpi.v221.locations import Status

# Preparing, SuspendedEV/EVSE and Finishing are CHARGING: the connector is "no longer available for a new
# user" and a session is on it (OCPI AVAILABLE means a new session can start there).
OCPP16: dict[str, Status] = {
    "Available": Status.AVAILABLE,
    "Preparing": Status.CHARGING,
    "Charging": Status.CHARGING,
    "SuspendedEVSE": Status.CHARGING,
    "SuspendedEV": Status.CHARGING,
    "Finishing": Status.CHARGING,
    "Reserved": Status.RESERVED,
    "Unavailable": Status.INOPERATIVE,
    "Faulted": Status.OUTOFORDER,
}

# Occupied is CHARGING: a connector in use by a session (BLOCKED would need to know there is none).
OCPP201: dict[str, Status] = {
    "Available": Status.AVAILABLE,
    "Occupied": Status.CHARGING,
    "Reserved": Status.RESERVED,
    "Unavailable": Status.INOPERATIVE,
    "Faulted": Status.OUTOFORDER,
}


def status_16(status: str) -> Status:
    """An OCPP 1.6 ChargePointStatus as OCPI; a value outside the enumeration is UNKNOWN."""
    return OCPP16.get(status, Status.UNKNOWN)


def status_201(status: str) -> Status:
    """An OCPP 2.0.1 ConnectorStatusEnumType as OCPI; a value outside the enumeration is UNKNOWN."""
    return OCPP201.get(status, Status.UNKNOWN)
