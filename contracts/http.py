"""The suite's HTTP client for OCPI endpoints (transport_and_format): the Authorization header, request ids,
and a log of every exchange that the review checks read."""

from __future__ import annotations

import base64
import json
import re
import uuid
from dataclasses import dataclass
from typing import Any

import httpx

from contracts.result import Exchange

EXCERPT = 800
_SHOWN_HEADERS = (
    "content-type",
    "link",
    "x-total-count",
    "x-limit",
    "location",
    "x-request-id",
    "x-correlation-id",
    "ocpi-to-country-code",
    "ocpi-to-party-id",
    "ocpi-from-country-code",
    "ocpi-from-party-id",
)


class UnreachableError(Exception):
    """The endpoint did not answer (connection refused, DNS, timeout, TLS)."""

    def __init__(self, message: str, exchange: Exchange) -> None:
        super().__init__(message)
        self.exchange = exchange


def encode_token(token: str, *, raw: bool = False) -> str:
    """`Token <base64(token)>` (transport_and_format_authorization_header), or the raw token."""
    return "Token " + (token if raw else base64.b64encode(token.encode()).decode())


# Credentials tokens in bodies (Credentials objects) are shown by their first characters only: reports get
# archived, and a read-only run's token is a production partner's.
_TOKEN_FIELD = re.compile(r'("token"\s*:\s*")([^"]{0,4})[^"]*(")')


def _excerpt(text: str, limit: int = EXCERPT) -> str:
    text = _TOKEN_FIELD.sub(r"\1\2…\3", " ".join(text.split()))
    return text if len(text) <= limit else text[:limit] + " …"


def _mask(name: str, value: str) -> str:
    if name.lower() != "authorization":
        return value
    scheme, _, secret = value.partition(" ")
    return f"{scheme} {secret[:4]}…" if secret else value


@dataclass(frozen=True)
class Reply:
    """A response with what the suite sent: the parsed JSON body (None when it is not JSON)."""

    exchange: Exchange
    response: httpx.Response
    json: Any
    request_id: str | None
    correlation_id: str | None

    @property
    def status(self) -> int:
        return self.response.status_code

    @property
    def headers(self) -> httpx.Headers:
        return self.response.headers

    @property
    def envelope(self) -> dict[str, Any] | None:
        """The body when it is an OCPI response envelope (transport_and_format_response_format)."""
        body = self.json
        if isinstance(body, dict) and isinstance(body.get("status_code"), int) and "timestamp" in body:
            return body
        return None

    @property
    def status_code(self) -> int | None:
        envelope = self.envelope
        return None if envelope is None else int(envelope["status_code"])

    @property
    def data(self) -> Any:
        envelope = self.envelope
        return None if envelope is None else envelope.get("data")

    @property
    def has_data(self) -> bool:
        envelope = self.envelope
        return envelope is not None and envelope.get("data") is not None

    @property
    def next_link(self) -> str | None:
        link = self.response.links.get("next")
        url = link.get("url") if link else None
        return url or None


class OcpiClient:
    """Sends OCPI requests with the current credentials token; every reply is kept in `log`."""

    def __init__(self, http: httpx.AsyncClient, *, token: str, raw: bool = False) -> None:
        self.http = http
        self.token = token
        self.raw = raw
        self.log: list[Reply] = []

    async def call(
        self,
        method: str,
        url: str,
        *,
        token: str | None = None,
        raw: bool | None = None,
        no_auth: bool = False,
        authorization: str | None = None,
        json_body: Any = None,
        content: bytes | None = None,
        params: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
        read_timeout: float | None = None,
    ) -> Reply:
        """One request. `token` replaces the current token for this call, `authorization` the whole header,
        `no_auth` leaves it out; `json_body` is sent as JSON, `content` as given (invalid JSON tests)."""
        request_id, correlation_id = str(uuid.uuid4()), str(uuid.uuid4())
        sent: dict[str, str] = {"X-Request-ID": request_id, "X-Correlation-ID": correlation_id}
        if authorization is not None:
            sent["Authorization"] = authorization
        elif not no_auth:
            sent["Authorization"] = encode_token(token or self.token, raw=self.raw if raw is None else raw)
        body: bytes | None = content
        if json_body is not None:
            body = json.dumps(json_body).encode()
        if body is not None:
            sent["Content-Type"] = "application/json"
        sent.update(headers or {})
        request = self.http.build_request(
            method,
            url,
            params=params,
            content=body,
            headers=sent,
            timeout=read_timeout if read_timeout is not None else self.http.timeout,
        )
        shown = {k: _mask(k, v) for k, v in sent.items()}
        body_text = None if body is None else _excerpt(body.decode("utf-8", "replace"), 400)
        try:
            response = await self.http.send(request)
        except httpx.HTTPError as exc:
            exchange = Exchange(
                method, str(request.url), shown, body_text, error=f"{type(exc).__name__}: {exc}".strip(": ")
            )
            raise UnreachableError(f"{method} {request.url}: {exchange.error}", exchange) from None
        try:
            parsed: Any = response.json()
        except ValueError:
            parsed = None
        exchange = Exchange(
            method=method,
            url=str(request.url),
            request_headers=shown,
            request_body=body_text,
            status=response.status_code,
            response_headers={k: v for k, v in response.headers.items() if k.lower() in _SHOWN_HEADERS},
            response_body=_excerpt(response.text),
        )
        reply = Reply(exchange, response, parsed, request_id, correlation_id)
        self.log.append(reply)
        return reply
