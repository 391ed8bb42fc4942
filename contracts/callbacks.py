"""The suite's own OCPI endpoints, served by a real HTTP server on a local port: the versions and details the
partner fetches during the credentials handshake (credentials_registration), the response_urls of commands and
charging profiles, broken versions endpoints that provoke 3001-3003, and the targets hub routing checks forward
to."""

from __future__ import annotations

import asyncio
import base64
import binascii
import socket
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp

from hub.ocpi.base import format_datetime, utc_now

SUITE_NAME = "ocpi-hub conformance suite"


def envelope(data: Any = None, status_code: int = 1000, message: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"status_code": status_code, "timestamp": format_datetime(utc_now())}
    if data is not None:
        body["data"] = data
    if message is not None:
        body["status_message"] = message
    return body


def decode_authorization(header: str | None) -> tuple[str | None, bool]:
    """(token, sent raw?) of an `Authorization: Token ...` header."""
    if not header:
        return None, False
    scheme, _, value = header.strip().partition(" ")
    value = value.strip()
    if scheme.lower() != "token" or not value:
        return None, False
    try:
        decoded = base64.b64decode(value, validate=True).decode("utf-8").strip()
    except (binascii.Error, UnicodeDecodeError):
        return value, True
    return (decoded, False) if decoded else (value, True)


class QuietServer(uvicorn.Server):
    """uvicorn inside a running program: Ctrl-C stays with the program, not with this server."""

    @contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class LocalServer:
    """An ASGI app served by uvicorn on a socket bound before start, so it accepts from the first moment."""

    def __init__(self, app: ASGIApp, *, host: str = "127.0.0.1", port: int = 0) -> None:
        # IPPROTO_TCP explicitly: asyncio sets TCP_NODELAY only on sockets that say so, and without it every
        # response waits out the peer's delayed ACK (about 40 ms).
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.socket = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.socket.bind((host, port))
        self.socket.listen(128)
        self.port: int = self.socket.getsockname()[1]
        config = uvicorn.Config(app, log_config=None, log_level="warning", lifespan="off", access_log=False)
        self.server = QuietServer(config)
        self.task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self.task = asyncio.create_task(self.server.serve(sockets=[self.socket]))

    async def stop(self) -> None:
        self.server.should_exit = True
        if self.task is not None:
            await self.task
        self.socket.close()


@dataclass(frozen=True)
class Fetch:
    """A request the partner sent to the suite's endpoints."""

    method: str
    path: str
    token: str | None
    raw: bool
    at: float
    headers: dict[str, str] = field(default_factory=dict)


def closed_port() -> int:
    """A local port nobody listens on (a receiver the hub cannot connect to)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


class CallbackServer:
    """What the partner calls back: versions, details and credentials with the token it was given, result
    URLs, and routing targets when the partner is a Hub."""

    def __init__(self, *, host: str = "127.0.0.1", port: int = 0, public_url: str | None = None) -> None:
        self.tokens: set[str] = set()
        self.fetches: list[Fetch] = []
        self.results: dict[str, asyncio.Future[Any]] = {}
        self.routing_targets = False
        self.hang = asyncio.Event()
        self.unreachable_url = f"http://127.0.0.1:{closed_port()}/ocpi/2.2.1/tariffs"
        self.target_objects: dict[str, dict[str, Any]] = {}
        self._server = LocalServer(self._app(), host=host, port=port)
        self.base_url = (public_url or f"http://{_url_host(host)}:{self._server.port}").rstrip("/")

    @property
    def versions_url(self) -> str:
        return f"{self.base_url}/ocpi/versions"

    def bad_versions_url(self, code: int) -> str:
        return f"{self.base_url}/bad/{code}/versions"

    async def __aenter__(self) -> CallbackServer:
        await self._server.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self.hang.set()
        for future in self.results.values():
            future.cancel()
        await self._server.stop()

    def callback(self, kind: str) -> tuple[str, asyncio.Future[Any]]:
        """A fresh response_url and the future its first POST body resolves."""
        key = uuid.uuid4().hex
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self.results[key] = future
        return f"{self.base_url}/callbacks/{kind}/{key}", future

    def fetches_since(self, start: float) -> list[Fetch]:
        return [f for f in self.fetches if f.at >= start]

    def credentials(self, token: str, roles: list[tuple[str, str, str]]) -> dict[str, Any]:
        """The suite's Credentials object: its versions URL and (role, country_code, party_id) roles."""
        return {
            "token": token,
            "url": self.versions_url,
            "roles": [
                {
                    "role": role,
                    "business_details": {"name": SUITE_NAME},
                    "party_id": party_id,
                    "country_code": country_code,
                }
                for role, country_code, party_id in roles
            ],
        }

    def _record(self, request: Request) -> Fetch:
        token, raw = decode_authorization(request.headers.get("authorization"))
        fetch = Fetch(request.method, request.url.path, token, raw, time.monotonic(), dict(request.headers))
        self.fetches.append(fetch)
        return fetch

    def _authorized(self, request: Request) -> bool:
        return self._record(request).token in self.tokens

    def _endpoints(self) -> list[dict[str, str]]:
        base = f"{self.base_url}/ocpi/2.2.1"
        endpoints = [{"identifier": "credentials", "role": "SENDER", "url": f"{base}/credentials"}]
        if self.routing_targets:
            endpoints += [
                {"identifier": "locations", "role": "SENDER", "url": f"{base}/locations"},
                {"identifier": "sessions", "role": "SENDER", "url": f"{base}/sessions"},
                {"identifier": "tariffs", "role": "SENDER", "url": self.unreachable_url},
            ]
        return endpoints

    def _app(self) -> Starlette:
        unauthorized = JSONResponse(envelope(None, 2000, "Unknown credentials token"), status_code=401)

        async def versions(request: Request) -> Response:
            if not self._authorized(request):
                return unauthorized
            return JSONResponse(envelope([{"version": "2.2.1", "url": f"{self.base_url}/ocpi/2.2.1"}]))

        async def details(request: Request) -> Response:
            if not self._authorized(request):
                return unauthorized
            return JSONResponse(envelope({"version": "2.2.1", "endpoints": self._endpoints()}))

        async def credentials(request: Request) -> Response:
            if not self._authorized(request):
                return unauthorized
            token, _raw = decode_authorization(request.headers.get("authorization"))
            return JSONResponse(envelope(self.credentials(token or "", [])))

        async def bad_versions(request: Request) -> Response:
            self._record(request)
            code = request.path_params["code"]
            if code == "3001":
                return PlainTextResponse("service unavailable", status_code=503)
            if code == "3002":
                return JSONResponse(
                    envelope([{"version": "2.1.1", "url": f"{self.base_url}/bad/3002/2.1.1"}])
                )
            return JSONResponse(envelope([{"version": "2.2.1", "url": f"{self.base_url}/bad/3003/2.2.1"}]))

        async def bad_details(request: Request) -> Response:
            self._record(request)
            version = request.path_params["version"]
            # 3002: a 2.1.1 platform; 3003: 2.2.1 without any endpoint, not even credentials.
            return JSONResponse(envelope({"version": version, "endpoints": []}))

        async def callback(request: Request) -> Response:
            self._record(request)
            future = self.results.get(request.path_params["key"])
            try:
                body = await request.json()
            except ValueError:
                return JSONResponse(envelope(None, 2001, "body is not JSON"), status_code=400)
            if future is None:
                return JSONResponse(envelope(None, 2000, "unknown response_url"), status_code=404)
            if not future.done():
                future.set_result(body)
            return JSONResponse(envelope())

        async def routed(request: Request) -> Response:
            self._record(request)
            if request.path_params["module"] == "sessions":
                await self.hang.wait()  # never answers while a hub-timeout check waits
            found = self.target_objects.get(request.path_params["object_id"].upper())
            if found is None:
                return JSONResponse(envelope(None, 2000, "unknown object"), status_code=404)
            return JSONResponse(envelope(found))

        async def unknown(request: Request) -> Response:
            self._record(request)
            return JSONResponse(envelope(None, 2000, "Unknown path"), status_code=404)

        return Starlette(
            routes=[
                Route("/ocpi/versions", versions),
                Route("/ocpi/2.2.1", details),
                Route("/ocpi/2.2.1/credentials", credentials, methods=["GET", "POST", "PUT", "DELETE"]),
                Route("/bad/{code}/versions", bad_versions),
                Route("/bad/{code}/{version}", bad_details),
                Route("/callbacks/{kind}/{key}", callback, methods=["POST", "PUT"]),
                Route("/ocpi/2.2.1/{module}/{object_id}", routed),
                Route("/{path:path}", unknown, methods=["GET", "POST", "PUT", "PATCH", "DELETE"]),
            ]
        )


def _url_host(host: str) -> str:
    if host in ("0.0.0.0", "::"):
        return "127.0.0.1"
    return f"[{host}]" if ":" in host else host
