"""A small, correct OCPI 2.2.1 CPO (credentials, Locations Sender, Commands Receiver), or Hub (credentials and
routing of Locations, Sessions and Tariffs GETs), served over real HTTP, into which a test plants named defects
the conformance suite must find."""

from __future__ import annotations

import asyncio
import base64
import binascii
import secrets
import uuid
from typing import Any
from urllib.parse import urlencode

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from contracts import samples
from contracts.callbacks import envelope
from contracts.context import Party
from hub.ocpi.base import parse_datetime

DEFECTS = frozenset(
    {
        "link_without_filters",  # Link rel="next" drops date_from/date_to
        "date_to_inclusive",  # date_to compares with <=
        "list_wrapped_object",  # GET of one Location answers [location]
        "raw_token_only",  # reads the Authorization token unencoded only
        "forbidden_not_401",  # 403 for a missing or unknown token
        "wrong_datetime",  # last_updated with "+00:00" instead of UTC "Z"
        "offset_ignored",  # offset is not applied
        "token_a_reusable",  # token A keeps working after registration
        "no_command_result",  # ACCEPTED commands never get a CommandResult
        "hub_keeps_request_id",  # a routed request is forwarded with the requester's X-Request-ID
        "hub_lists_parties",  # a Hub's credentials list a connected party besides the HUB role
    }
)
PARTY = Party("FK", "CPO")
PAGE = 2
FORWARD_TIMEOUT = 0.3  # seconds the fake hub waits for a receiver before answering 4002
STAMPS = ["2024-05-01T10:00:00Z", "2024-05-01T11:00:00Z", "2024-05-01T12:00:00Z"]


class RequestIds:
    """Echo X-Request-ID and X-Correlation-ID on every response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        echoed = [(k, v) for k, v in scope["headers"] if k in (b"x-request-id", b"x-correlation-id")]

        async def with_ids(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), *echoed]}
            await send(message)

        await self.app(scope, receive, with_ids)


class FakeCpo:
    """State of one fake platform: its tokens, the registered client, and the planted defects."""

    def __init__(self, defects: set[str] | frozenset[str] = frozenset(), *, hub: bool = False) -> None:
        unknown = set(defects) - DEFECTS
        assert not unknown, f"unknown defects {unknown}"
        self.defects = set(defects)
        self.token_a = secrets.token_urlsafe(16)
        self.tokens: dict[str, str] = {self.token_a: "A"}
        self.client_token: str | None = None
        self.hub = hub
        self.client_party: tuple[str, str] | None = None
        self.client_endpoints: list[dict[str, Any]] = []
        self.base_url = ""
        self.tasks: set[asyncio.Task[None]] = set()
        self.sites = [samples.location(PARTY, f"L{i}", f"E{i}", "1", stamp) for i, stamp in enumerate(STAMPS)]

    # --- transport -------------------------------------------------------------------------------

    def _reply(
        self, data: Any = None, code: int = 1000, http: int = 200, headers: dict[str, str] | None = None
    ) -> Response:
        return JSONResponse(envelope(data, code, None if code == 1000 else f"status {code}"), http, headers)

    def _caller(self, request: Request) -> str | None:
        """'A', 'C' or None for the Authorization token."""
        header = request.headers.get("authorization", "")
        scheme, _, value = header.partition(" ")
        if scheme != "Token" or not value:
            return None
        if "raw_token_only" in self.defects:
            token = value
        else:
            try:
                token = base64.b64decode(value, validate=True).decode()
            except (binascii.Error, UnicodeDecodeError):
                return None
        return self.tokens.get(token)

    def _refused(self) -> Response:
        return self._reply(None, 2000, 403 if "forbidden_not_401" in self.defects else 401)

    def _stamp(self, value: str) -> str:
        return value.replace("Z", "+00:00") if "wrong_datetime" in self.defects else value

    def _render(self, obj: Any) -> Any:
        if isinstance(obj, dict):
            return {k: self._stamp(v) if k == "last_updated" else self._render(v) for k, v in obj.items()}
        if isinstance(obj, list):
            return [self._render(v) for v in obj]
        return obj

    # --- versions and credentials ----------------------------------------------------------------

    async def versions(self, request: Request) -> Response:
        if self._caller(request) is None:
            return self._refused()
        return self._reply([{"version": "2.2.1", "url": f"{self.base_url}/ocpi/2.2.1"}])

    async def details(self, request: Request) -> Response:
        if self._caller(request) is None:
            return self._refused()
        base = f"{self.base_url}/ocpi/2.2.1"
        # Commands depend on Locations and Sessions (mod_commands_commands_module).
        modules = ("locations", "sessions", "tariffs") if self.hub else ("locations", "sessions")
        endpoints = [{"identifier": "credentials", "role": "SENDER", "url": f"{base}/credentials"}]
        endpoints += [{"identifier": m, "role": "SENDER", "url": f"{base}/{m}"} for m in modules]
        if not self.hub:
            endpoints.append({"identifier": "commands", "role": "RECEIVER", "url": f"{base}/commands"})
        return self._reply({"version": "2.2.1", "endpoints": endpoints})

    def _credentials(self, token: str) -> dict[str, Any]:
        role = {
            "role": "CPO",
            "business_details": {"name": "Fake CPO"},
            "party_id": "CPO",
            "country_code": "FK",
        }
        roles = [role]
        if self.hub:
            hub_role = {**role, "role": "HUB", "party_id": "HUB", "business_details": {"name": "Fake Hub"}}
            roles = [hub_role, role] if "hub_lists_parties" in self.defects else [hub_role]
        return {"token": token, "url": f"{self.base_url}/ocpi/versions", "roles": roles}

    async def _fetch_client(self, body: Any) -> int | None:
        """The client's versions and details with its token; an OCPI error code when that fails."""
        if (
            not isinstance(body, dict)
            or not isinstance(body.get("url"), str)
            or not isinstance(body.get("token"), str)
        ):
            return 2001
        auth = {"Authorization": "Token " + base64.b64encode(body["token"].encode()).decode()}
        try:
            async with httpx.AsyncClient(timeout=5) as http:
                versions = await http.get(body["url"], headers=auth)
                if versions.status_code != 200:
                    return 3001
                match = [v for v in versions.json().get("data") or [] if v.get("version") == "2.2.1"]
                if not match:
                    return 3002
                details = await http.get(match[0]["url"], headers=auth)
                endpoints = (details.json().get("data") or {}).get("endpoints") or []
        except (httpx.HTTPError, ValueError):
            return 3001
        if not any(e.get("identifier") == "credentials" for e in endpoints):
            return 3003
        self.client_token = body["token"]
        self.client_endpoints = endpoints
        first = (body.get("roles") or [{}])[0]
        self.client_party = (str(first.get("country_code")).upper(), str(first.get("party_id")).upper())
        return None

    def _issue(self, old: str | None) -> str:
        if old is not None and not ("token_a_reusable" in self.defects and self.tokens.get(old) == "A"):
            del self.tokens[old]
        token = secrets.token_urlsafe(16)
        self.tokens[token] = "C"
        return token

    def _presented(self, request: Request) -> str:
        value = request.headers["authorization"].partition(" ")[2]
        return value if "raw_token_only" in self.defects else base64.b64decode(value).decode()

    async def credentials(self, request: Request) -> Response:
        caller = self._caller(request)
        if caller is None:
            return self._refused()
        if request.method == "GET":
            return self._reply(self._credentials(self._presented(request)))
        if request.method == "DELETE":
            if caller != "C":
                return self._reply(None, 2000, 405)
            del self.tokens[self._presented(request)]
            self.client_token = None
            return self._reply()
        if (request.method == "POST") != (caller == "A") or (caller == "A" and self.client_token is not None):
            return self._reply(None, 2000, 405)
        try:
            body = await request.json()
        except ValueError:
            return self._reply(None, 2000, 400)
        problem = await self._fetch_client(body)
        if problem is not None:
            return self._reply(None, problem)
        return self._reply(self._credentials(self._issue(self._presented(request))))

    # --- Locations Sender ------------------------------------------------------------------------

    async def locations(self, request: Request) -> Response:
        if self._caller(request) != "C":
            return self._refused()
        if (routed := await self._route(request, "locations", "")) is not None:
            return routed
        q = request.query_params
        date_from = parse_datetime(q["date_from"]) if "date_from" in q else None
        date_to = parse_datetime(q["date_to"]) if "date_to" in q else None
        offset = 0 if "offset_ignored" in self.defects else int(q.get("offset", 0))
        limit = min(int(q.get("limit", PAGE)), PAGE)
        inclusive_to = "date_to_inclusive" in self.defects
        matching = [
            loc
            for loc in self.sites
            if (date_from is None or parse_datetime(loc["last_updated"]) >= date_from)
            and (
                date_to is None
                or (
                    parse_datetime(loc["last_updated"]) <= date_to
                    if inclusive_to
                    else parse_datetime(loc["last_updated"]) < date_to
                )
            )
        ]
        page = matching[offset : offset + limit]
        headers = {"X-Total-Count": str(len(matching)), "X-Limit": str(PAGE)}
        if page and offset + len(page) < len(matching):
            query = {"offset": str(offset + len(page)), "limit": str(limit)}
            if "link_without_filters" not in self.defects:
                query |= {k: q[k] for k in ("date_from", "date_to") if k in q}
            headers["Link"] = f'<{self.base_url}/ocpi/2.2.1/locations?{urlencode(query)}>; rel="next"'
        return self._reply(self._render(page), headers=headers)

    async def location_object(self, request: Request) -> Response:
        if self._caller(request) != "C":
            return self._refused()
        if (routed := await self._route(request, "locations", "/" + request.path_params["path"])) is not None:
            return routed
        parts = request.path_params["path"].split("/")
        found: Any = next((loc for loc in self.sites if loc["id"] == parts[0]), None)
        for child, field in zip(parts[1:], ("evses", "connectors"), strict=False):
            found = next(
                (item for item in (found or {}).get(field, []) if child in (item.get("uid"), item.get("id"))),
                None,
            )
        if found is None:
            return self._reply(None, 2000, 404)
        rendered = self._render(found)
        return self._reply([rendered] if "list_wrapped_object" in self.defects else rendered)

    # --- Commands Receiver -----------------------------------------------------------------------

    async def command(self, request: Request) -> Response:
        if self._caller(request) != "C":
            return self._refused()
        body = await request.json()
        command = request.path_params["command"]
        known = {loc["id"] for loc in self.sites}
        if "location_id" in body and body["location_id"] not in known:
            return self._reply({"result": "REJECTED", "timeout": 10}, 2003)
        if command == "STOP_SESSION":
            return self._reply({"result": "UNKNOWN_SESSION", "timeout": 10})
        if "no_command_result" not in self.defects:
            task = asyncio.create_task(self._post_result(body["response_url"]))
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)
        return self._reply({"result": "ACCEPTED", "timeout": 1})

    async def _post_result(self, url: str) -> None:
        assert self.client_token is not None
        auth = {"Authorization": "Token " + base64.b64encode(self.client_token.encode()).decode()}
        async with httpx.AsyncClient(timeout=5) as http:
            await http.post(url, json={"result": "UNKNOWN_RESERVATION"}, headers=auth)

    # --- Hub routing -----------------------------------------------------------------------------

    async def _route(self, request: Request, module: str, rest: str) -> Response | None:
        """Forward a request addressed with OCPI-to-* to the registered client (the hub's only party)."""
        to = (request.headers.get("ocpi-to-country-code"), request.headers.get("ocpi-to-party-id"))
        if not self.hub or to == (None, None):
            return None
        if tuple(str(v).upper() for v in to) != self.client_party:
            return self._reply(None, 4001)
        url = next(
            (
                e["url"]
                for e in self.client_endpoints
                if e.get("identifier") == module and e.get("role") == "SENDER"
            ),
            None,
        )
        if url is None or self.client_token is None:
            return self._reply(None, 4001)
        keep = "hub_keeps_request_id" in self.defects
        headers = {k: v for k, v in request.headers.items() if k.lower().startswith("ocpi-")}
        headers |= {
            "Authorization": "Token " + base64.b64encode(self.client_token.encode()).decode(),
            "X-Request-ID": request.headers["x-request-id"] if keep else str(uuid.uuid4()),
            "X-Correlation-ID": request.headers["x-correlation-id"],
        }
        try:
            async with httpx.AsyncClient(timeout=FORWARD_TIMEOUT) as http:
                answer = await http.get(url + rest, headers=headers, params=dict(request.query_params))
        except httpx.TimeoutException:
            return self._reply(None, 4002)
        except httpx.TransportError:
            return self._reply(None, 4003)
        return JSONResponse(answer.json(), answer.status_code)

    async def empty_list(self, request: Request) -> Response:
        if self._caller(request) != "C":
            return self._refused()
        module = request.url.path.rstrip("/").rsplit("/", 1)[-1]
        if (routed := await self._route(request, module, "")) is not None:
            return routed
        return self._reply([], headers={"X-Total-Count": "0", "X-Limit": str(PAGE)})

    async def routed_object(self, request: Request) -> Response:
        if self._caller(request) != "C":
            return self._refused()
        routed = await self._route(request, request.path_params["module"], "/" + request.path_params["path"])
        return routed if routed is not None else self._reply(None, 2000, 404)

    async def unknown(self, request: Request) -> Response:
        return self._reply(None, 2000, 404)

    def app(self) -> ASGIApp:
        routes = [
            Route("/ocpi/versions", self.versions),
            Route("/ocpi/2.2.1", self.details),
            Route("/ocpi/2.2.1/credentials", self.credentials, methods=["GET", "POST", "PUT", "DELETE"]),
            Route("/ocpi/2.2.1/locations", self.locations),
            Route("/ocpi/2.2.1/locations/{path:path}", self.location_object),
            Route("/ocpi/2.2.1/commands/{command}", self.command, methods=["POST"]),
            Route("/ocpi/2.2.1/sessions", self.empty_list),
            Route("/ocpi/2.2.1/tariffs", self.empty_list),
            Route("/ocpi/2.2.1/{module}/{path:path}", self.routed_object),
            Route("/{path:path}", self.unknown, methods=["GET", "POST", "PUT", "PATCH", "DELETE"]),
        ]
        return RequestIds(Starlette(routes=routes))
