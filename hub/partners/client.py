"""Calls to partners' OCPI endpoints over an injected httpx.AsyncClient (transport_and_format).

PartnerError
├── PartnerUnreachableError    transport error or timeout
├── PartnerRejectedError       HTTP 4xx or OCPI 2xxx: our request was refused
├── PartnerUnavailableError    HTTP 5xx or 429, OCPI 3xxx or 4xxx: the partner has a problem
└── PartnerBadReplyError       the reply is not an OCPI response envelope
"""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx
import orjson

from hub.ocpi.headers import CORRELATION_ID, REQUEST_ID
from hub.ocpi.status import is_success
from hub.security import authorization_header

log = logging.getLogger("hub.partners")

EXCERPT = 300


class PartnerError(Exception):
    """A call to a partner failed; the message says what, where and why in one line."""

    def __init__(
        self, message: str, *, http_status: int | None = None, ocpi_status: int | None = None
    ) -> None:
        super().__init__(message)
        self.http_status = http_status
        self.ocpi_status = ocpi_status


class PartnerUnreachableError(PartnerError):
    pass


class PartnerRejectedError(PartnerError):
    pass


class PartnerUnavailableError(PartnerError):
    pass


class PartnerBadReplyError(PartnerError):
    pass


@dataclass(frozen=True)
class PartnerReply:
    """A successful (OCPI 1xxx) reply."""

    http_status: int
    status_code: int
    data: Any
    headers: httpx.Headers = field(repr=False)


def _excerpt(response: httpx.Response) -> str:
    text = response.text.replace("\n", " ").strip()
    return text[:EXCERPT] + ("…" if len(text) > EXCERPT else "")


class PartnerClient:
    """Sends one OCPI request and turns the reply into data or a PartnerError."""

    def __init__(self, http: httpx.AsyncClient, *, timeout: float) -> None:
        self.http = http
        self.timeout = timeout

    async def call(
        self,
        method: str,
        url: str,
        *,
        token: str,
        raw_token: bool = False,
        json: Any = None,
        headers: dict[str, str] | None = None,
        correlation_id: str | None = None,
    ) -> PartnerReply:
        request_headers = {
            "Authorization": authorization_header(token, raw=raw_token),
            REQUEST_ID: str(uuid.uuid4()),
            CORRELATION_ID: correlation_id or str(uuid.uuid4()),
            **(headers or {}),
        }
        content = None
        if json is not None:
            content = orjson.dumps(json)
            request_headers["Content-Type"] = "application/json"
        started = time.perf_counter()
        response = await self._send(method, url, content, request_headers)
        if method != "GET" and response.status_code in (307, 308) and response.next_request is not None:
            # Some peers announce `.../credentials` but serve `.../credentials/`: follow a same-origin 307/308
            # once; it keeps the method and body (a 301/302 would turn the request into a GET).
            target = response.next_request.url
            if (target.scheme, target.host, target.port) == (
                response.url.scheme,
                response.url.host,
                response.url.port,
            ):
                url = str(target)
                response = await self._send(method, url, content, request_headers)
        elapsed_ms = (time.perf_counter() - started) * 1000
        log.info("%s %s -> HTTP %s in %.0f ms", method, url, response.status_code, elapsed_ms)
        return self._interpret(method, url, response)

    async def _send(
        self, method: str, url: str, content: bytes | None, headers: dict[str, str]
    ) -> httpx.Response:
        try:
            return await self.http.request(
                method,
                url,
                content=content,
                headers=headers,
                timeout=self.timeout,
                follow_redirects=method == "GET",
            )
        except httpx.TimeoutException:
            raise PartnerUnreachableError(f"{method} {url}: no answer within {self.timeout:g} s") from None
        except httpx.InvalidURL as exc:
            # Not an HTTPError: httpx refuses the URL before sending anything.
            raise PartnerUnreachableError(f"{method} {url!r}: not a URL we can call: {exc}") from None
        except httpx.HTTPError as exc:
            raise PartnerUnreachableError(
                f"{method} {url}: {exc.__class__.__name__}: {exc}".rstrip(": ")
            ) from None

    @staticmethod
    def _interpret(method: str, url: str, response: httpx.Response) -> PartnerReply:
        where = f"{method} {url}"
        status = response.status_code
        try:
            body = orjson.loads(response.content) if response.content else None
        except orjson.JSONDecodeError:
            body = None
        envelope = body if isinstance(body, dict) and "status_code" in body else None
        ocpi_status = envelope.get("status_code") if envelope else None
        message = envelope.get("status_message") if envelope else None
        detail = f"OCPI {ocpi_status}: {message}" if envelope else f"{_excerpt(response) or 'empty body'}"
        if status == 429 or status >= 500:
            raise PartnerUnavailableError(
                f"{where}: HTTP {status} ({detail})",
                http_status=status,
                ocpi_status=ocpi_status if isinstance(ocpi_status, int) else None,
            )
        if status >= 400:
            raise PartnerRejectedError(
                f"{where}: HTTP {status} ({detail})",
                http_status=status,
                ocpi_status=ocpi_status if isinstance(ocpi_status, int) else None,
            )
        if envelope is None or not isinstance(ocpi_status, int):
            raise PartnerBadReplyError(
                f"{where}: HTTP {status} but not an OCPI response ({_excerpt(response) or 'empty body'})",
                http_status=status,
            )
        if not is_success(ocpi_status):
            error = PartnerRejectedError if 2000 <= ocpi_status < 3000 else PartnerUnavailableError
            raise error(
                f"{where}: OCPI {ocpi_status}: {message or 'no message'}",
                http_status=status,
                ocpi_status=ocpi_status,
            )
        return PartnerReply(
            http_status=status, status_code=ocpi_status, data=envelope.get("data"), headers=response.headers
        )
