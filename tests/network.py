"""An in-process network: an httpx transport that routes each host to an ASGI app or a handler."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import httpx

Handler = Callable[[httpx.Request], Awaitable[httpx.Response]]


class PeerNetwork(httpx.AsyncBaseTransport):
    """Hosts not attached behave like a closed port (httpx.ConnectError)."""

    def __init__(self) -> None:
        self.hosts: dict[str, httpx.AsyncBaseTransport | Handler] = {}
        self.requests: list[httpx.Request] = []

    def attach_app(self, host: str, app: object) -> None:
        self.hosts[host] = httpx.ASGITransport(app=app)  # type: ignore[arg-type]

    def attach_handler(self, host: str, handler: Handler) -> None:
        self.hosts[host] = handler

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        target = self.hosts.get(request.url.host)
        if target is None:
            raise httpx.ConnectError(f"connection refused: {request.url.host}", request=request)
        if isinstance(target, httpx.AsyncBaseTransport):
            return await target.handle_async_request(request)
        return await target(request)
