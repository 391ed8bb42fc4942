"""Sending one push to a partner and judging the answer (transport_and_format: response format, status
codes; each module's Receiver interface for the URL of each method)."""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from dataclasses import dataclass
from enum import StrEnum
from typing import Any
from urllib.parse import quote

import httpx
import orjson
from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_attempt, wait_random_exponential

from hub.ocpi.headers import CORRELATION_ID, REQUEST_ID, PartyRef, RoutingHeaders
from hub.ocpi.status import is_success
from hub.security import authorization_header

EXCERPT = 300
# A reply beyond this is not read to the end: a push's answer carries at most a small envelope.
MAX_REPLY_BYTES = 1 << 20
# Blips worth an immediate retry within the attempt; a timeout is not retried here (it already waited).
_BLIPS = (httpx.ConnectError, httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError)


class Outcome(StrEnum):
    DELIVERED = "delivered"
    RETRY = "retry"  # the partner or the network has a problem: try again later
    DEAD = "dead"  # refused in a way retrying cannot fix
    MISSING = "missing"  # a PATCH of an object the partner does not have: PUT the whole object instead


@dataclass(frozen=True)
class Route:
    """How we reach one partner: the token we call it with and its Receiver endpoints by module."""

    token: str | None
    raw_token: bool
    endpoints: dict[str, str]


@dataclass(frozen=True)
class Request:
    method: str
    url: str
    body: bytes | None
    headers: dict[str, str]


@dataclass(frozen=True)
class Attempt:
    method: str
    url: str
    outcome: Outcome
    reason: str
    http_status: int | None = None
    ocpi_status: int | None = None
    duration_ms: float = 0.0
    excerpt: str | None = None


class UnroutableError(Exception):
    """The push cannot be addressed: the partner has no token or no endpoint for the module."""


def _segment(value: str) -> str:
    return quote(value, safe="")


def object_path(row: dict[str, Any], *, whole: bool = False) -> str:
    """The path below a Receiver endpoint: /{country_code}/{party_id}/{id}[/{evse_uid}[/{connector_id}]],
    with ?type= for Tokens; nothing for CDRs (POSTed to the endpoint itself)."""
    module = row["module"]
    if module == "cdrs":
        return ""
    path = f"/{_segment(row['country_code'])}/{_segment(row['party_id'])}"
    if module == "hubclientinfo":
        return path
    path += f"/{_segment(row['object_id'])}"
    if module == "locations" and not whole:
        for part in (row["evse_uid"], row["connector_id"]):
            if part is not None:
                path += f"/{_segment(part)}"
    if module == "tokens" and row["object_type"]:
        path += f"?type={_segment(row['object_type'])}"
    return path


def build_request(
    row: dict[str, Any],
    route: Route,
    *,
    method: str | None = None,
    body: Any = None,
    from_party: PartyRef | None = None,
) -> Request:
    """The HTTP request for an outbox row (or, with `method`/`body`, the whole-object PUT replacing it).
    `from_party` replaces the object's owner in OCPI-from-* (a Hub passing on another party's object)."""
    if route.token is None:
        raise UnroutableError("the partner has no token to call it with (not registered)")
    if row["url"]:
        url = row["url"]
    else:
        endpoint = route.endpoints.get(row["module"])
        if endpoint is None:
            raise UnroutableError(f"the partner announces no {row['module']} Receiver endpoint")
        url = endpoint.rstrip("/") + object_path(row, whole=method is not None)
    routing = RoutingHeaders(
        to=PartyRef(row["to_country_code"], row["to_party_id"])
        if row["to_country_code"] and row["to_party_id"]
        else None,
        from_=from_party or PartyRef(row["country_code"], row["party_id"])
        if row["country_code"] and row["party_id"]
        else None,
    )
    if row["module"] == "hubclientinfo":
        # A configuration module: routing headers "SHALL NOT be used with these modules".
        routing = RoutingHeaders()
    headers = {
        "Authorization": authorization_header(route.token, raw=route.raw_token),
        REQUEST_ID: str(uuid.uuid4()),
        CORRELATION_ID: str(uuid.uuid4()),
        **routing.as_headers(),
    }
    content: bytes | None
    if method is not None:
        content = orjson.dumps(body)
    else:
        content = None if row["body"] is None else str(row["body"]).encode()
    if content is not None:
        headers["Content-Type"] = "application/json"
    return Request(method or row["method"], url, content, headers)


def _excerpt(content: bytes) -> str:
    text = content.decode("utf-8", errors="replace").replace("\n", " ").strip()
    return text[:EXCERPT] + ("…" if len(text) > EXCERPT else "")


async def _exchange_once(
    http: httpx.AsyncClient, request: Request, patience: float
) -> tuple[httpx.Response, bytes, bool]:
    outgoing = http.build_request(
        request.method, request.url, content=request.body, headers=request.headers, timeout=patience
    )
    response = await http.send(outgoing, stream=True)
    try:
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.aiter_bytes():
            chunks.append(chunk)
            size += len(chunk)
            if size > MAX_REPLY_BYTES:
                return response, b"".join(chunks)[:MAX_REPLY_BYTES], True
        return response, b"".join(chunks), False
    finally:
        await response.aclose()


async def _exchange(
    http: httpx.AsyncClient, request: Request, patience: float
) -> tuple[httpx.Response, bytes, bool]:
    """The response, its body (at most MAX_REPLY_BYTES) and whether the body was longer; a blip is tried
    twice more after a short random wait (3 tries in all)."""
    try:
        return await _exchange_once(http, request, patience)
    except _BLIPS:
        await asyncio.sleep(random.uniform(0, 0.1))
    # Only after a blip: setting tenacity up cost a tenth of a push's CPU when done for every push.
    async for attempt in AsyncRetrying(
        retry=retry_if_exception_type(_BLIPS),
        stop=stop_after_attempt(2),
        wait=wait_random_exponential(multiplier=0.05, max=0.5),
        reraise=True,
    ):
        with attempt:
            return await _exchange_once(http, request, patience)
    raise AssertionError("unreachable: tenacity reraises")  # pragma: no cover


async def send(http: httpx.AsyncClient, request: Request, patience: float, *, module: str) -> Attempt:
    """Send `request` and judge the answer."""
    started = time.perf_counter()

    def attempt(outcome: Outcome, reason: str, **extra: Any) -> Attempt:
        elapsed = (time.perf_counter() - started) * 1000
        return Attempt(request.method, request.url, outcome, reason, duration_ms=elapsed, **extra)

    try:
        response, content, truncated = await _exchange(http, request, patience)
    except httpx.TimeoutException:
        return attempt(Outcome.RETRY, f"no answer within {patience:g} s")
    except httpx.HTTPError as exc:
        return attempt(Outcome.RETRY, f"{exc.__class__.__name__}: {exc}".rstrip(": "))
    status, excerpt = response.status_code, _excerpt(content)
    if truncated:
        return attempt(
            Outcome.RETRY,
            f"HTTP {status} with a reply over {MAX_REPLY_BYTES} bytes",
            http_status=status,
            excerpt=excerpt,
        )
    envelope: dict[str, Any] | None = None
    try:
        parsed = orjson.loads(content) if content else None
        if isinstance(parsed, dict) and isinstance(parsed.get("status_code"), int):
            envelope = parsed
    except orjson.JSONDecodeError:
        pass
    ocpi_status = envelope["status_code"] if envelope else None
    message = (envelope or {}).get("status_message") or ""
    detail = f"OCPI {ocpi_status} {message}".strip() if envelope else excerpt or "empty body"
    judged: dict[str, Any] = {"http_status": status, "ocpi_status": ocpi_status, "excerpt": excerpt}
    if status in (408, 429) or status >= 500:
        return attempt(Outcome.RETRY, f"HTTP {status}: {detail}", **judged)
    if status == 404 and request.method == "PATCH":
        return attempt(Outcome.MISSING, f"HTTP 404: {detail}", **judged)
    if status >= 400:
        return attempt(Outcome.DEAD, f"HTTP {status}: {detail}", **judged)
    if envelope is None:
        if module in ("commands", "chargingprofiles") and 200 <= status < 300:
            # The response to a posted result carries no data the spec defines: a 2xx has received it.
            return attempt(Outcome.DELIVERED, f"HTTP {status} without an OCPI envelope", **judged)
        return attempt(Outcome.RETRY, f"HTTP {status} but not an OCPI response: {detail}", **judged)
    code: int = envelope["status_code"]
    if is_success(code):
        return attempt(Outcome.DELIVERED, detail, **judged)
    if request.method == "PATCH" and code in (2003, 2004):
        return attempt(Outcome.MISSING, detail, **judged)
    if module == "cdrs" and code == 2001 and response.headers.get("Location"):
        # Our CDR is already there: the receiver refuses a second POST and points at the stored one.
        return attempt(Outcome.DELIVERED, f"already stored at {response.headers['Location']}", **judged)
    if 2000 <= code < 3000:
        return attempt(Outcome.DEAD, detail, **judged)
    return attempt(Outcome.RETRY, detail, **judged)
