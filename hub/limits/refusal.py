"""Refusals sent before routing: the OCPI envelope with status 2000 on /ocpi (status_codes_2xxx), and
`{"detail": reason}` elsewhere, as the error handlers render them."""

from __future__ import annotations

import orjson
from starlette.types import Scope, Send

from hub.ocpi import envelope
from hub.ocpi.status import StatusCode


async def refuse(
    scope: Scope, send: Send, http_status: int, message: str, headers: dict[str, str] | None = None
) -> None:
    """Answer `http_status` and close the connection: the rest of the request is never read."""
    if str(scope.get("path", "")).startswith("/ocpi"):
        body = envelope.render(None, StatusCode.CLIENT_ERROR, message)
    else:
        body = orjson.dumps({"detail": message})
    raw_headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"connection", b"close"),
        *((name.lower().encode(), value.encode()) for name, value in (headers or {}).items()),
    ]
    await send({"type": "http.response.start", "status": http_status, "headers": raw_headers})
    await send({"type": "http.response.body", "body": body})
