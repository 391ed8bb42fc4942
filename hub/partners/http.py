"""The HTTP client every call to partners goes through (transport_and_format: OCPI over HTTPS): httpx's API
on aiohttp's connection handling."""

from __future__ import annotations

import asyncio

import aiohttp
import httpx
from httpx_aiohttp import AiohttpTransport

from hub import __version__

# The delivery worker keeps up to 64 requests in flight per partner and 256 in all.
LIMITS = httpx.Limits(max_connections=512, max_keepalive_connections=256, keepalive_expiry=30.0)


class PartnerTransport(AiohttpTransport):
    """httpx's own pool scans every connection (with a poll of each idle socket) for every request, so
    pushing to many partners at once cost milliseconds per request; aiohttp's connector does not. Its errors
    are given the httpx types they mean, so that callers tell a refused connection from a timeout."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        try:
            return await super().handle_async_request(request)
        except httpx.TransportError as exc:
            raise _httpx_error(exc, request) from exc


def _httpx_error(exc: httpx.TransportError, request: httpx.Request) -> httpx.TransportError:
    cause = exc.__cause__
    message = str(cause) or type(cause).__name__
    if isinstance(cause, aiohttp.ClientConnectorError):
        return httpx.ConnectError(message, request=request)
    if isinstance(cause, aiohttp.ServerDisconnectedError):
        return httpx.RemoteProtocolError(message, request=request)
    if isinstance(cause, aiohttp.ServerTimeoutError | asyncio.TimeoutError):
        return httpx.ReadTimeout(message, request=request)
    if isinstance(cause, aiohttp.ClientPayloadError | aiohttp.ClientOSError):
        return httpx.ReadError(message, request=request)
    return exc


def partner_http(transport: httpx.AsyncBaseTransport | None = None) -> httpx.AsyncClient:
    """A client for partners; `transport` replaces the network (tests serve partners in process)."""
    return httpx.AsyncClient(
        transport=transport if transport is not None else PartnerTransport(limits=LIMITS),
        limits=LIMITS,
        headers={"User-Agent": f"ocpi-hub/{__version__}"},
    )
