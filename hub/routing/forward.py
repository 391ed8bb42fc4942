"""One forwarded request (transport_and_format_message_routing, transport_and_format_unique_messageg_ids): a
new X-Request-ID, the same X-Correlation-ID, the routing headers, our token for the receiving platform, and
the hub's errors when the receiver cannot be had (status_codes: 4002 timeout, 4003 connection problem)."""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from dataclasses import dataclass

import httpx

from hub.errors import ForwardTimeoutError, ReceiverNotConnectedError
from hub.ocpi.headers import CORRELATION_ID, REQUEST_ID, RoutingHeaders
from hub.security import authorization_header

log = logging.getLogger("hub.routing")


@dataclass(frozen=True)
class Forwarded:
    """The receiver's answer as it came."""

    status: int
    headers: httpx.Headers
    content: bytes


async def forward(
    http: httpx.AsyncClient,
    *,
    method: str,
    url: str,
    token: str,
    raw_token: bool,
    body: bytes,
    content_type: str | None,
    routing: RoutingHeaders,
    correlation_id: str,
    answer_within: float,
    receiver: str,
) -> Forwarded:
    headers = {
        "Authorization": authorization_header(token, raw=raw_token),
        REQUEST_ID: str(uuid.uuid4()),
        CORRELATION_ID: correlation_id,
        **routing.as_headers(),
    }
    if content_type is not None:
        headers["Content-Type"] = content_type
    started = time.perf_counter()
    try:
        # The whole exchange is bounded, not each phase of it: a receiver that trickles its answer is slow too.
        async with asyncio.timeout(answer_within):
            response = await http.request(
                method, url, content=body or None, headers=headers, timeout=answer_within
            )
    except httpx.ConnectTimeout:
        raise ReceiverNotConnectedError(
            f"{receiver} cannot be reached: no connection within {answer_within:g} s"
        ) from None
    except (TimeoutError, httpx.TimeoutException):
        raise ForwardTimeoutError(f"{receiver} did not answer within {answer_within:g} s") from None
    except (httpx.HTTPError, httpx.InvalidURL) as exc:
        raise ReceiverNotConnectedError(
            f"{receiver} cannot be reached: {exc.__class__.__name__}: {exc}".rstrip(": ")
        ) from None
    log.info(
        "forwarded %s %s to %s -> HTTP %s in %.1f ms (X-Correlation-ID %s)",
        method,
        url,
        receiver,
        response.status_code,
        (time.perf_counter() - started) * 1000,
        correlation_id,
    )
    if response.status_code == 401:
        # The receiver refused the hub's own token: a broken connection between the hub and that platform,
        # not a fault of the caller, whose token the hub accepted.
        raise ReceiverNotConnectedError(f"{receiver} refused the hub's credentials (HTTP 401)")
    return Forwarded(response.status_code, response.headers, response.content)
