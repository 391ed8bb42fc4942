"""The OCPI response envelope (transport_and_format_response_format)."""

from __future__ import annotations

from typing import Any, Generic, TypeVar

import orjson
from pydantic import BaseModel

from hub.ocpi.base import DateTime, format_datetime, utc_now
from hub.ocpi.status import StatusCode

T = TypeVar("T")


class OcpiResponse(BaseModel, Generic[T]):
    """{data, status_code, status_message, timestamp}; `data` is left out when there is none."""

    data: T | None = None
    status_code: int
    status_message: str | None = None
    timestamp: DateTime


def render(
    data: Any = None, status_code: int = StatusCode.SUCCESS, status_message: str | None = None
) -> bytes:
    """Serialise an envelope around already JSON-ready `data` (dicts, lists, or pre-rendered orjson.Fragment)."""
    body: dict[str, Any] = {}
    if data is not None:
        body["data"] = data
    body["status_code"] = int(status_code)
    if status_message is not None:
        body["status_message"] = status_message
    body["timestamp"] = format_datetime(utc_now())
    return orjson.dumps(body)


def dump(model: BaseModel) -> Any:
    """JSON-ready form of a wire model, strict in what we send: optional fields that are unset are omitted."""
    return model.model_dump(mode="json", exclude_none=True)
