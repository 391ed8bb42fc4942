"""The events an internal CSMS pushes to `POST /internal/v1/events` (DESIGN: data flow, internal CSMS): one
model per event type, with statuses in OCPP terms (ocpp-notes §3.2) and meter readings already normalised."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    Strict,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    field_validator,
)

from hub.errors import InternalBadRequestError, describe_validation_errors
from hub.ocpi.base import Boolean, DateTime
from hub.ports import ChargingState
from hub.stations.ocpp_status import OCPP16, OCPP201

# 1.6 ChargePointStatus and 2.0.1 ConnectorStatusEnumType: the names both versions share mean the same.
OCPP_STATUSES = {**OCPP16, **OCPP201}
MAX_EVENTS = 1000
SQL_INT = 2**31 - 1

Id64 = Annotated[str, StringConstraints(min_length=1, max_length=64)]
Id36 = Annotated[str, StringConstraints(min_length=1, max_length=36)]
# A JSON integer that fits the database's integer columns.
Natural = Annotated[int, Strict(), Field(ge=0, le=SQL_INT)]
Reading = Annotated[Decimal, Field(allow_inf_nan=False)]

# OCPP 2.0.1 ChargingStateEnumType names, for a CSMS that passes them on unchanged.
_CHARGING_STATES_201 = {
    "Charging": ChargingState.CHARGING,
    "SuspendedEV": ChargingState.SUSPENDED_EV,
    "SuspendedEVSE": ChargingState.SUSPENDED_EVSE,
    "EVConnected": ChargingState.EV_CONNECTED,
    "Idle": ChargingState.IDLE,
}


def _charging_state(value: Any) -> Any:
    return _CHARGING_STATES_201.get(value, value) if isinstance(value, str) else value


def _ocpp_status(value: Any) -> Any:
    if isinstance(value, str) and value not in OCPP_STATUSES:
        raise ValueError(f"must be an OCPP status, one of {', '.join(sorted(OCPP_STATUSES))}")
    return value


class EventModel(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class Event(EventModel):
    """What every event has. `sequence` numbers one station's events; an event numbered below the last one
    applied for its station is stale."""

    event_id: Id64
    station_id: Id64
    timestamp: DateTime
    sequence: Natural | None = None


class StationStatusEvent(Event):
    """A connector's status: `evse` is the 1.6 connectorId or 2.0.1 evseId (0: the station itself),
    `connector` the 2.0.1 connectorId (default 1)."""

    type: Literal["station_status"]
    evse: Natural
    connector: Natural | None = None
    status: Annotated[str, BeforeValidator(_ocpp_status)]


class StationConnectionEvent(Event):
    """The station's connection to the CSMS opened or closed."""

    type: Literal["station_connection"]
    connected: Boolean
    protocol: Literal["ocpp1.6", "ocpp2.0.1"] | None = None


class IdTokenIn(EventModel):
    id: Id36
    type: Literal[
        "Central", "eMAID", "ISO14443", "ISO15693", "KeyCode", "Local", "MacNatural", "NoAuthorization"
    ] = "ISO14443"


class MeterIn(EventModel):
    """One reading: the energy register in Wh, power in W, current in A, state of charge in percent."""

    timestamp: DateTime
    energy_wh: Reading | None = None
    power_w: Reading | None = None
    current_a: Reading | None = None
    soc: Annotated[Decimal, Field(ge=0, le=100)] | None = None
    context: Annotated[str, StringConstraints(max_length=50)] | None = None


class TransactionEvent(Event):
    """A transaction started, updated or ended, or meter values of one (by its id, else of the open
    transaction on `evse`)."""

    type: Literal["transaction_started", "transaction_updated", "transaction_ended", "meter_values"]
    transaction_id: Id36 | None = Field(default=None, validate_default=True)
    evse: Natural | None = Field(default=None, validate_default=True)
    connector: Natural | None = None
    id_token: IdTokenIn | None = None
    meter: Annotated[list[MeterIn], Field(max_length=1000)] = []
    charging_state: Annotated[ChargingState, BeforeValidator(_charging_state)] | None = None
    stopped_reason: Annotated[str, StringConstraints(max_length=50)] | None = None
    remote_start_id: Natural | None = None

    @field_validator("transaction_id")
    @classmethod
    def _transaction_named(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None and info.data.get("type") not in (None, "meter_values"):
            raise ValueError("Field required")
        return value

    @field_validator("evse")
    @classmethod
    def _transaction_found(cls, value: int | None, info: ValidationInfo) -> int | None:
        if (
            value is None
            and info.data.get("type") == "meter_values"
            and info.data.get("transaction_id") is None
        ):
            raise ValueError("meter_values without a transaction_id must name the evse")
        return value


AnyEvent = StationStatusEvent | StationConnectionEvent | TransactionEvent

MODELS: dict[str, type[StationStatusEvent | StationConnectionEvent | TransactionEvent]] = {
    "station_status": StationStatusEvent,
    "station_connection": StationConnectionEvent,
    "transaction_started": TransactionEvent,
    "transaction_updated": TransactionEvent,
    "transaction_ended": TransactionEvent,
    "meter_values": TransactionEvent,
}


def _one(item: Any, at: list[str | int]) -> AnyEvent:
    if not isinstance(item, dict):
        raise InternalBadRequestError(_where(at) + ": an event must be a JSON object")
    kind = item.get("type")
    model = MODELS.get(kind) if isinstance(kind, str) else None
    if model is None:
        raise InternalBadRequestError(_where(at, "type") + f": must be one of {', '.join(MODELS)}")
    try:
        return model.model_validate(item)
    except ValidationError as exc:
        errors = [{**error, "loc": (*at, *error["loc"])} for error in exc.errors()]
        raise InternalBadRequestError(describe_validation_errors(errors)) from None


def _where(at: list[str | int], *names: str) -> str:
    return describe_validation_errors([{"loc": (*at, *names), "msg": ""}]).removesuffix(": ")


def parse_events(body: Any) -> list[AnyEvent]:
    """One event (a JSON object) or a batch (an array of at most MAX_EVENTS), all valid or refused with the
    fields named (`[2].status: ...` in a batch)."""
    if isinstance(body, dict):
        return [_one(body, [])]
    if not isinstance(body, list):
        raise InternalBadRequestError("body: must be an event object or an array of events")
    if not body or len(body) > MAX_EVENTS:
        raise InternalBadRequestError(f"body: must hold 1 to {MAX_EVENTS} events")
    events = [_one(item, [str(index)]) for index, item in enumerate(body)]
    seen: set[str] = set()
    for index, event in enumerate(events):
        if event.event_id in seen:
            raise InternalBadRequestError(f"[{index}].event_id: {event.event_id} is twice in this batch")
        seen.add(event.event_id)
    return events
