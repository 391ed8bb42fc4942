"""`POST /internal/v1/events`: internal CSMS instances push station and transaction events, authenticated by
a bearer token of OCPI_HUB_INTERNAL_TOKENS (DESIGN: data flow, internal CSMS)."""

from __future__ import annotations

import hmac
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, TypeAdapter

from hub.config import Settings
from hub.errors import InternalAuthError, InternalBadRequestError, InternalDisabledError
from hub.internal.events import MAX_EVENTS, AnyEvent, parse_events
from hub.internal.service import EventIngest, EventResult
from hub.stations.service import StationHub
from hub.stations.settings import OcppSettings


async def require_internal_token(request: Request) -> None:
    settings: Settings = request.app.state.settings
    if not settings.internal_tokens:
        raise InternalDisabledError()
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    presented = given.strip().encode()
    # Every token is compared, each in constant time, so the answer's timing tells nothing of which is close.
    matches = [
        hmac.compare_digest(presented, token.get_secret_value().encode())
        for token in settings.internal_tokens
    ]
    if scheme.lower() != "bearer" or not any(matches):
        raise InternalAuthError(headers={"WWW-Authenticate": "Bearer"})


async def event_ingest(request: Request) -> EventIngest:
    """The app's ingest, on the app's StationHub (the OCPP endpoint's when this process serves one)."""
    state = request.app.state
    existing: EventIngest | None = getattr(state, "internal_events", None)
    if existing is None:
        hub: StationHub | None = getattr(state, "station_hub", None)
        if hub is None:
            ocpp = getattr(state, "ocpp_settings", None) or OcppSettings()
            hub = StationHub(state.sessionmaker, state.settings, ocpp, client=state.partner_client)
            state.station_hub = hub
        existing = state.internal_events = EventIngest(state.sessionmaker, hub)
    return existing


class EventResults(BaseModel):
    """One answer per event, in the order of the request."""

    results: list[EventResult]


def _inline(schema: Any, definitions: dict[str, Any]) -> Any:
    """The schema with its `$defs` references written out, so that it stands alone in the OpenAPI document."""
    if isinstance(schema, dict):
        if "$ref" in schema:
            return _inline(definitions[schema["$ref"].rsplit("/", 1)[-1]], definitions)
        return {k: _inline(v, definitions) for k, v in schema.items() if k != "$defs"}
    if isinstance(schema, list):
        return [_inline(item, definitions) for item in schema]
    return schema


def _event_schema() -> dict[str, Any]:
    schema = TypeAdapter(AnyEvent).json_schema()
    event: dict[str, Any] = _inline(schema, schema.get("$defs", {}))
    return event


_EVENT = _event_schema()
BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "anyOf": [
                        _EVENT,
                        {"type": "array", "items": _EVENT, "minItems": 1, "maxItems": MAX_EVENTS},
                    ]
                }
            }
        },
    }
}

router = APIRouter(
    prefix="/internal/v1", tags=["internal CSMS"], dependencies=[Depends(require_internal_token)]
)


@router.post("/events", openapi_extra=BODY)
async def post_events(
    request: Request, ingest: Annotated[EventIngest, Depends(event_ingest)]
) -> EventResults:
    """One event (a JSON object) or a batch (an array), applied in order. HTTP 200 with one answer per
    event (`result` applied, stale, unknown_station, failed or skipped); HTTP 400 naming the field when any
    event is invalid, and then none is applied."""
    body: Any
    try:
        body = orjson.loads(await request.body())
    except orjson.JSONDecodeError:
        raise InternalBadRequestError("Request body is not valid JSON") from None
    events = parse_events(body)
    return EventResults(results=await ingest.ingest(events))
