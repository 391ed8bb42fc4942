"""A charger's answers to commands and charging profile requests as OCPI results (ocpp-notes §3.4 "Result
mapping", §3.5; mod_commands_commandresulttype_enum, mod_charging_profiles_resulttype_enum). Pure translation."""

from __future__ import annotations

from ocpp.exceptions import NotImplementedError as OcppNotImplementedError
from ocpp.exceptions import NotSupportedError, OCPPError

from hub.ocpi.v221.charging_profiles import ChargingProfileResultType
from hub.ocpi.v221.commands import CommandResultType

# The status values of both versions' answers (RemoteStart/Stop, RequestStart/Stop, ReserveNow,
# UnlockConnector): they share their spelling.
COMMAND_STATUS: dict[str, CommandResultType] = {
    "Accepted": CommandResultType.ACCEPTED,
    "Unlocked": CommandResultType.ACCEPTED,
    "Rejected": CommandResultType.REJECTED,
    "Occupied": CommandResultType.EVSE_OCCUPIED,
    "Faulted": CommandResultType.EVSE_INOPERATIVE,
    "Unavailable": CommandResultType.EVSE_INOPERATIVE,
    "UnlockFailed": CommandResultType.FAILED,
    "NotSupported": CommandResultType.NOT_SUPPORTED,
    # 2.0.1 UnlockConnector: the connector stays locked because a transaction is authorized on it, or it
    # does not exist; the charger refused, nothing failed.
    "OngoingAuthorizedTransaction": CommandResultType.REJECTED,
    "UnknownConnector": CommandResultType.REJECTED,
}

PROFILE_STATUS: dict[str, ChargingProfileResultType] = {
    "Accepted": ChargingProfileResultType.ACCEPTED,
    "Rejected": ChargingProfileResultType.REJECTED,
    "NotSupported": ChargingProfileResultType.REJECTED,
    "Unknown": ChargingProfileResultType.UNKNOWN,
}


def command_result(status: str) -> CommandResultType:
    """The CommandResult of a charger's status; a value outside its enumeration is FAILED."""
    return COMMAND_STATUS.get(str(status), CommandResultType.FAILED)


def cancel_result(status: str) -> CommandResultType:
    """CancelReservation: Rejected means the charger holds no reservation with that id."""
    if str(status) == "Rejected":
        return CommandResultType.UNKNOWN_RESERVATION
    return command_result(status)


def profile_result(status: str) -> ChargingProfileResultType:
    return PROFILE_STATUS.get(str(status), ChargingProfileResultType.REJECTED)


def call_error_result(error: OCPPError) -> CommandResultType:
    """A CALLERROR: the charger does not know the message (NotImplemented/NotSupported) or failed at it."""
    if isinstance(error, OcppNotImplementedError | NotSupportedError):
        return CommandResultType.NOT_SUPPORTED
    return CommandResultType.FAILED
