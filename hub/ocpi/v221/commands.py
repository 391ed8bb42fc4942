"""Commands module objects and enums (mod_commands_object_description, mod_commands_data_types)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import AfterValidator, StringConstraints, model_validator

from hub.ocpi.base import CiString36, DateTime, DisplayText, Integer, OcpiModel
from hub.ocpi.v221.tokens import Token


def _http_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        raise ValueError("must be an absolute http:// or https:// URL")
    return value


# types_url_type, for the URLs we call back: a `response_url` that is not an absolute http(s) URL can never
# receive the result, so it is refused up front (2001 naming the field) instead of failing later.
ResponseUrl = Annotated[str, StringConstraints(max_length=255), AfterValidator(_http_url)]


class CommandType(StrEnum):
    """mod_commands_commandtype_enum."""

    CANCEL_RESERVATION = "CANCEL_RESERVATION"
    RESERVE_NOW = "RESERVE_NOW"
    START_SESSION = "START_SESSION"
    STOP_SESSION = "STOP_SESSION"
    UNLOCK_CONNECTOR = "UNLOCK_CONNECTOR"


class CommandResponseType(StrEnum):
    """mod_commands_commandresponsetype_enum: the CPO's own verdict on a command request."""

    NOT_SUPPORTED = "NOT_SUPPORTED"
    REJECTED = "REJECTED"
    ACCEPTED = "ACCEPTED"
    UNKNOWN_SESSION = "UNKNOWN_SESSION"


class CommandResultType(StrEnum):
    """mod_commands_commandresulttype_enum: the Charge Point's outcome."""

    ACCEPTED = "ACCEPTED"
    CANCELED_RESERVATION = "CANCELED_RESERVATION"
    EVSE_OCCUPIED = "EVSE_OCCUPIED"
    EVSE_INOPERATIVE = "EVSE_INOPERATIVE"
    FAILED = "FAILED"
    NOT_SUPPORTED = "NOT_SUPPORTED"
    REJECTED = "REJECTED"
    TIMEOUT = "TIMEOUT"
    UNKNOWN_RESERVATION = "UNKNOWN_RESERVATION"


class CommandResponse(OcpiModel):
    """mod_commands_commandresponse_object: the synchronous answer to a command POST."""

    result: CommandResponseType
    # Seconds: "When the Result is not received within this timeout, the eMSP can assume that the message
    # might never be send."
    timeout: Integer
    message: list[DisplayText] | None = None


class CommandResult(OcpiModel):
    """mod_commands_commandresult_object: POSTed to the command's response_url."""

    result: CommandResultType
    message: list[DisplayText] | None = None


class CancelReservation(OcpiModel):
    """mod_commands_cancelreservation_object."""

    response_url: ResponseUrl
    reservation_id: CiString36


class ReserveNow(OcpiModel):
    """mod_commands_reservenow_object. The same Location and reservation_id replaces the reservation."""

    response_url: ResponseUrl
    token: Token
    expiry_date: DateTime
    reservation_id: CiString36
    location_id: CiString36
    evse_uid: CiString36 | None = None
    authorization_reference: CiString36 | None = None


class StartSession(OcpiModel):
    """mod_commands_startsession_object."""

    response_url: ResponseUrl
    token: Token
    location_id: CiString36
    evse_uid: CiString36 | None = None
    connector_id: CiString36 | None = None
    authorization_reference: CiString36 | None = None

    @model_validator(mode="after")
    def _evse_with_connector(self) -> StartSession:
        # evse_uid: "Required when `connector_id` is set."
        if self.connector_id is not None and self.evse_uid is None:
            raise ValueError("evse_uid is required when connector_id is set")
        return self


class StopSession(OcpiModel):
    """mod_commands_stopsession_object."""

    response_url: ResponseUrl
    session_id: CiString36


class UnlockConnector(OcpiModel):
    """mod_commands_unlockconnector_object."""

    response_url: ResponseUrl
    location_id: CiString36
    evse_uid: CiString36
    connector_id: CiString36


Command = CancelReservation | ReserveNow | StartSession | StopSession | UnlockConnector

# mod_commands_cpo_post_request_body: "Depending on the `command` parameter the body SHALL contain the
# applicable object for that command."
COMMAND_OBJECTS: dict[CommandType, type[Command]] = {
    CommandType.CANCEL_RESERVATION: CancelReservation,
    CommandType.RESERVE_NOW: ReserveNow,
    CommandType.START_SESSION: StartSession,
    CommandType.STOP_SESSION: StopSession,
    CommandType.UNLOCK_CONNECTOR: UnlockConnector,
}
