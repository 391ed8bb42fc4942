"""A fake roaming partner for the push tests: a real HTTP server (uvicorn's HTTP/1.1 protocol on a free
loopback port) that records every request, keeps what is pushed to it as an OCPI Receiver would
(PartnerModel), serves versions, version details and credentials for a real handshake, and misbehaves on
demand: slow, down, flapping, HTTP 500 or 400, OCPI 2001, HTML, a huge body, an envelope without status_code,
or a reset connection."""

from __future__ import annotations

import asyncio
import base64
import json
import secrets
import socket
import struct
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, TypeVar
from urllib.parse import parse_qsl, unquote, urlsplit

import h11
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.server import ServerState

from tests.outbox.partner_model import MissingObjectError, PartnerModel

T = TypeVar("T")
PREFIX = "/ocpi/2.2.1"
HANDSHAKE = ("/ocpi/versions", PREFIX, f"{PREFIX}/credentials")
HUGE_BYTES = 2 << 20
RECEIVERS = ("locations", "tariffs", "tokens", "sessions", "cdrs")


class Behaviour(StrEnum):
    OK = "ok"
    # Answers (and stores) after `slow_delay` or at `release()`; a caller gone by then is not served.
    SLOW = "slow"
    FLAPPING = "flapping"  # every other request gets HTTP 500
    HTTP_500 = "http_500"
    HTTP_400 = "http_400"
    OCPI_2001 = "ocpi_2001"
    HTML = "html"  # HTTP 200 with an HTML page, as a captive proxy answers
    HUGE = "huge"  # HTTP 200 with a body of HUGE_BYTES
    NO_STATUS_CODE = "no_status_code"  # HTTP 200 with a JSON object that is no OCPI envelope
    RESET = "reset"  # the TCP connection is reset instead of answered


@dataclass
class Received:
    """One request as the partner saw it, and what it answered."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: Any
    at: datetime
    answer: str = ""
    answered: bool = False
    answered_at: datetime | None = None

    @property
    def module(self) -> str:
        return self.path.removeprefix(PREFIX + "/").split("/")[0]

    @property
    def parts(self) -> list[str]:
        """The URL segments below the module's endpoint: country_code, party_id, id, evse_uid, connector_id."""
        return [unquote(p) for p in self.path.removeprefix(PREFIX + "/").split("/")[1:] if p]

    @property
    def accepted(self) -> bool:
        return self.answer == "accepted"

    def __str__(self) -> str:
        query = f"?{'&'.join(f'{k}={v}' for k, v in self.query.items())}" if self.query else ""
        return f"{self.method} {self.path}{query} -> {self.answer or '…'}"


def envelope(status_code: int = 1000, message: str = "Success", data: Any = None) -> dict[str, Any]:
    stamp = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return {"data": data, "status_code": status_code, "status_message": message, "timestamp": stamp}


def _protocol(fake: FakePartner) -> type[H11Protocol]:
    class Resetting(H11Protocol):
        """Resets the connection (SO_LINGER 0, then abort: a TCP RST) when the fake is told to."""

        def data_received(self, data: bytes) -> None:
            starting = self.conn.their_state is h11.IDLE
            if starting and fake.resets_next(data):
                sock = self.transport.get_extra_info("socket")
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                self.transport.abort()
                return
            super().data_received(data)

    return Resetting


class FakePartner:
    """One partner platform: an eMSP by default, with every Receiver endpoint the hub pushes to."""

    def __init__(
        self,
        name: str = "fake",
        *,
        roles: Iterable[tuple[str, str, str]] = (("EMSP", "DE", "MSP"),),
        receivers: Iterable[str] = RECEIVERS,
    ) -> None:
        self.name = name
        self.roles = list(roles)
        self.receivers = list(receivers)
        self.token_a = secrets.token_urlsafe(12)
        # The token the hub calls us with: ours to hand out in the credentials handshake.
        self.token = secrets.token_urlsafe(12)
        self.behaviour = Behaviour.OK
        self.slow_delay = 10.0
        self.requests: list[Received] = []
        self.model = PartnerModel()
        self.hub_credentials: dict[str, Any] | None = None
        self._script: deque[Behaviour] = deque()
        self._flap = 0
        self._changed = asyncio.Event()
        self._release = asyncio.Event()
        self._server: asyncio.Server | None = None
        self._state = ServerState()
        self.port = 0

    # -- lifecycle -----------------------------------------------------------------------------------------

    async def start(self) -> None:
        """Listen (again, on the same port after `stop`)."""
        assert self._server is None
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", self.port))
        self.port = sock.getsockname()[1]
        self._release = asyncio.Event()
        config = uvicorn.Config(self.app(), log_level="warning", lifespan="off")
        config.load()
        # uvicorn's HTTP protocol on a plain asyncio server: no Server main loop, so stopping takes no ticks.
        self._state = ServerState()
        protocol = _protocol(self)
        self._server = await asyncio.get_running_loop().create_server(
            lambda: protocol(config=config, server_state=self._state, app_state={}), sock=sock, backlog=64
        )

    async def stop(self) -> None:
        """Stop listening and close every connection: the hub's connections are refused until `start`."""
        if self._server is None:
            return
        self._release.set()
        self._server.close()
        for connection in list(self._state.connections):
            connection.shutdown()
        while self._state.tasks:
            await asyncio.gather(*self._state.tasks, return_exceptions=True)
        await self._server.wait_closed()
        self._server = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def versions_url(self) -> str:
        return f"{self.url}/ocpi/versions"

    def endpoint(self, module: str) -> str:
        return f"{self.url}{PREFIX}/{module}"

    # -- behaviour -----------------------------------------------------------------------------------------

    def then(self, *behaviours: Behaviour) -> None:
        """The next pushes get these answers, one each, before `behaviour` applies again."""
        self._script.extend(behaviours)

    def release(self) -> None:
        """Let every slow request waiting now be answered."""
        self._release.set()
        self._release = asyncio.Event()

    def forget(self) -> None:
        """Lose every object held: PATCHes of them now get HTTP 404."""
        self.model = PartnerModel()

    def _next_behaviour(self) -> Behaviour:
        behaviour = self._script.popleft() if self._script else self.behaviour
        if behaviour == Behaviour.FLAPPING:
            self._flap += 1
            return Behaviour.HTTP_500 if self._flap % 2 == 1 else Behaviour.OK
        return behaviour

    def resets_next(self, data: bytes) -> bool:
        """Called with the first bytes of each request: True (and recorded) when it is to be reset."""
        method, _, rest = data.partition(b" ")
        target = rest.partition(b" ")[0].decode("latin-1")
        path = urlsplit(target).path
        if path in HANDSHAKE:
            return False
        wanted = self._script[0] if self._script else self.behaviour
        if wanted != Behaviour.RESET:
            return False
        self._next_behaviour()
        self._record(
            Received(
                method.decode("latin-1"),
                path,
                dict(parse_qsl(urlsplit(target).query)),
                {},
                None,
                datetime.now(UTC),
                answer="reset",
                answered=True,
            )
        )
        return True

    # -- what arrived --------------------------------------------------------------------------------------

    def pushes(self, module: str | None = None) -> list[Received]:
        """Requests to the Receiver endpoints (not the handshake), oldest first."""
        return [
            r for r in self.requests if r.path not in HANDSHAKE and (module is None or r.module == module)
        ]

    def accepted(self, module: str | None = None) -> list[Received]:
        return [r for r in self.pushes(module) if r.accepted]

    def _record(self, received: Received) -> None:
        self.requests.append(received)
        self._notify()

    def _notify(self) -> None:
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()

    async def until(self, check: Callable[[], T], within: float = 5.0) -> T:
        """Wait until `check()` is truthy (looked at after every request and every answer); returns it."""
        async with asyncio.timeout(within):
            while not (result := check()):
                await self._changed.wait()
        return result

    async def until_accepted(self, count: int, within: float = 5.0) -> None:
        """Wait until `count` pushes have been accepted."""
        await self.until(lambda: len(self.accepted()) >= count, within)

    # -- the server ----------------------------------------------------------------------------------------

    def app(self) -> Starlette:
        methods = ["GET", "PUT", "PATCH", "POST", "DELETE"]
        return Starlette(routes=[Route("/{path:path}", self._handle, methods=methods)])

    def _authorized(self, request: Request, *tokens: str) -> bool:
        header = request.headers.get("authorization", "")
        return header in {f"Token {base64.b64encode(t.encode()).decode()}" for t in tokens}

    async def _handle(self, request: Request) -> Response:
        raw = await request.body()
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode(errors="replace")
        received = Received(
            request.method,
            request.url.path,
            dict(request.query_params),
            {k.lower(): v for k, v in request.headers.items()},
            body,
            datetime.now(UTC),
        )
        self._record(received)
        try:
            response = await self._answer(request, received)
        finally:
            received.answered, received.answered_at = True, datetime.now(UTC)
            self._notify()
        return response

    def _answered(self, received: Received, answer: str, response: Response) -> Response:
        received.answer = answer
        return response

    async def _answer(self, request: Request, received: Received) -> Response:
        if received.path in HANDSHAKE:
            return self._handshake(request, received)
        if not self._authorized(request, self.token):
            return self._answered(
                received, "unauthorized", JSONResponse(envelope(2000, "Unknown token"), 401)
            )
        behaviour = self._next_behaviour()
        if behaviour == Behaviour.SLOW:
            return await self._slow(request, received)
        failure = self._failure(behaviour)
        if failure is not None:
            return self._answered(received, behaviour.value, failure)
        return self._store(received)

    def _store(self, received: Received) -> Response:
        try:
            self.model.apply(
                received.module,
                received.method,
                received.parts,
                received.body,
                token_type=received.query.get("type"),
            )
        except MissingObjectError as exc:
            return self._answered(received, "missing", JSONResponse(envelope(2003, str(exc)), 404))
        if received.module == "cdrs":
            location = f"{self.endpoint('cdrs')}/{received.body['id']}"
            response = JSONResponse(envelope(), 201, headers={"Location": location})
            return self._answered(received, "accepted", response)
        return self._answered(received, "accepted", JSONResponse(envelope()))

    async def _slow(self, request: Request, received: Received) -> Response:
        """Answer after `slow_delay`; a caller that hangs up first is not served (nothing is stored)."""
        gone = asyncio.ensure_future(request.receive())
        released = asyncio.ensure_future(self._release.wait())
        try:
            await asyncio.wait({gone, released}, timeout=self.slow_delay, return_when=asyncio.FIRST_COMPLETED)
        finally:
            gone.cancel()
            released.cancel()
        if gone.done() and not gone.cancelled():
            return self._answered(received, "abandoned", JSONResponse(envelope()))
        return self._store(received)

    @staticmethod
    def _failure(behaviour: Behaviour) -> Response | None:
        if behaviour == Behaviour.HTTP_500:
            return JSONResponse(envelope(3000, "Generic server error"), 500)
        if behaviour == Behaviour.HTTP_400:
            return JSONResponse(envelope(2000, "Generic client error"), 400)
        if behaviour == Behaviour.OCPI_2001:
            return JSONResponse(envelope(2001, "Invalid or missing parameters: name too long"))
        if behaviour == Behaviour.HTML:
            return Response("<html><body><h1>Gateway Timeout</h1></body></html>", media_type="text/html")
        if behaviour == Behaviour.HUGE:
            filler = "x" * HUGE_BYTES
            return Response(f'{{"status_code":1000,"data":"{filler}"}}', media_type="application/json")
        if behaviour == Behaviour.NO_STATUS_CODE:
            return JSONResponse({"data": None, "timestamp": envelope()["timestamp"]})
        return None

    def _handshake(self, request: Request, received: Received) -> Response:
        """Versions, version details and credentials (credentials_registration), for token A or our token."""
        if not self._authorized(request, self.token_a, self.token):
            return self._answered(
                received, "unauthorized", JSONResponse(envelope(2000, "Unknown token"), 401)
            )
        if received.path == "/ocpi/versions":
            data: Any = [{"version": "2.2.1", "url": f"{self.url}{PREFIX}"}]
        elif received.path == PREFIX:
            endpoints = [
                {"identifier": "credentials", "role": "RECEIVER", "url": f"{self.url}{PREFIX}/credentials"}
            ]
            endpoints += [
                {"identifier": m, "role": "RECEIVER", "url": self.endpoint(m)} for m in self.receivers
            ]
            data = {"version": "2.2.1", "endpoints": endpoints}
        elif request.method == "POST":
            self.hub_credentials = received.body
            data = self.credentials()
        else:
            return self._answered(received, "refused", JSONResponse(envelope(2000, "Unsupported"), 405))
        return self._answered(received, "accepted", JSONResponse(envelope(data=data)))

    def credentials(self) -> dict[str, Any]:
        return {
            "token": self.token,
            "url": self.versions_url,
            "roles": [
                {
                    "role": role,
                    "country_code": country_code,
                    "party_id": party_id,
                    "business_details": {"name": f"{self.name} {role}"},
                }
                for role, country_code, party_id in self.roles
            ],
        }


@dataclass
class Fakes:
    """The fake partners of one test, stopped at its end."""

    started: list[FakePartner] = field(default_factory=list)

    async def __call__(self, name: str = "fake", **kwargs: Any) -> FakePartner:
        fake = FakePartner(name, **kwargs)
        await fake.start()
        self.started.append(fake)
        return fake

    async def close(self) -> None:
        await asyncio.gather(*(fake.stop() for fake in self.started))
