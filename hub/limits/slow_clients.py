"""Slow clients at the HTTP server: uvicorn times out idle keep-alive connections but not a request whose
line and headers arrive byte by byte (slowloris), so its httptools protocol is given a deadline for them
and a cap on their size."""

from __future__ import annotations

import asyncio
from typing import Any, ClassVar

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from hub.config import Settings


class HeadersTooLargeError(ValueError):
    """Raised in the parser's callback; uvicorn answers any parser error with HTTP 400 and closes."""


class GuardedHttpToolsProtocol(HttpToolsProtocol):
    """httptools with a deadline from a connection's start (and from each request's first byte) to the end
    of the request's headers, and at most `max_header_bytes` of request line and headers."""

    header_timeout: ClassVar[float] = 10.0
    max_header_bytes: ClassVar[int] = 64 * 1024

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._header_deadline: asyncio.TimerHandle | None = None
        self._header_bytes = 0

    def _arm(self) -> None:
        if self._header_deadline is None:
            self._header_deadline = self.loop.call_later(self.header_timeout, self._headers_too_slow)

    def _disarm(self) -> None:
        if self._header_deadline is not None:
            self._header_deadline.cancel()
            self._header_deadline = None

    def _headers_too_slow(self) -> None:
        self._header_deadline = None
        if not self.transport.is_closing():
            self.transport.close()

    def _count(self, size: int) -> None:
        self._header_bytes += size
        if self._header_bytes > self.max_header_bytes:
            raise HeadersTooLargeError(f"request line and headers over {self.max_header_bytes} bytes")

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._header_bytes = 0
        self._arm()

    def on_url(self, url: bytes) -> None:
        self._count(len(url))
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._count(len(name) + len(value))
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._disarm()
        super().on_headers_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)


def guarded_protocol(settings: Settings) -> type[GuardedHttpToolsProtocol]:
    """The protocol class with this configuration's limits (uvicorn instantiates it per connection)."""
    return type(
        "GuardedHttpToolsProtocol",
        (GuardedHttpToolsProtocol,),
        {"header_timeout": settings.header_timeout, "max_header_bytes": settings.max_header_bytes},
    )


def uvicorn_http_options(settings: Settings) -> dict[str, Any]:
    """The uvicorn options of `ocpi-hub serve` and `ocpi-hub ocpp-gateway` for slow and oversized clients."""
    return {"http": guarded_protocol(settings), "timeout_keep_alive": settings.keep_alive_timeout}
