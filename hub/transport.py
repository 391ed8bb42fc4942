"""OCPI transport applied to every request: X-Request-ID / X-Correlation-ID on every response
(transport_and_format_unique_message_ids), and unhandled errors rendered in the envelope."""

from __future__ import annotations

import logging
import uuid
from typing import Any

import orjson
from fastapi import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hub.ocpi import envelope
from hub.ocpi.status import StatusCode

log = logging.getLogger("hub.transport")

_REQUEST_ID = b"x-request-id"
_CORRELATION_ID = b"x-correlation-id"


def ocpi_response(
    data: Any = None,
    *,
    http_status: int = 200,
    headers: dict[str, str] | None = None,
    status_message: str | None = None,
) -> Response:
    """A successful OCPI response around JSON-ready `data`."""
    return Response(
        envelope.render(data, StatusCode.SUCCESS, status_message),
        status_code=http_status,
        media_type="application/json",
        headers=headers,
    )


# status_codes.asciidoc: a PUT or POST that creates an object answers 201 (no data), an update 200.
CREATED: dict[int | str, dict[str, Any]] = {
    201: {"model": envelope.OcpiResponse[None], "description": "Created: the object is new"}
}


def _header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope["headers"]:
        if key == name:
            return bytes(value)
    return None


class RequestIdMiddleware:
    """Echo X-Request-ID and X-Correlation-ID (generating them when absent) on every response, errors included."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _header(scope, _REQUEST_ID) or str(uuid.uuid4()).encode()
        correlation_id = _header(scope, _CORRELATION_ID) or str(uuid.uuid4()).encode()
        scope.setdefault("state", {})
        scope["state"]["request_id"] = request_id.decode("latin-1")
        scope["state"]["correlation_id"] = correlation_id.decode("latin-1")
        started = False

        async def send_with_ids(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = [
                    (k, v)
                    for k, v in message.get("headers", [])
                    if k.lower() not in (_REQUEST_ID, _CORRELATION_ID)
                ]
                headers += [(b"X-Request-ID", request_id), (b"X-Correlation-ID", correlation_id)]
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_ids)
        except Exception:
            log.exception(
                "unhandled error on %s %s (X-Request-ID %s, X-Correlation-ID %s)",
                scope.get("method"),
                scope.get("path"),
                request_id.decode("latin-1"),
                correlation_id.decode("latin-1"),
            )
            if started:
                raise
            message = "Internal server error"
            if scope.get("path", "").startswith("/ocpi"):
                body = envelope.render(status_code=StatusCode.SERVER_ERROR, status_message=message)
            else:
                body = orjson.dumps({"detail": message})  # as hub.errors.render does outside OCPI
            await send_with_ids(
                {
                    "type": "http.response.start",
                    "status": 500,
                    "headers": [
                        (b"content-type", b"application/json"),
                        (b"content-length", str(len(body)).encode()),
                    ],
                }
            )
            await send_with_ids({"type": "http.response.body", "body": body})
