"""Sender list GETs answered before the routers (transport_and_format_pagination): a request for a page the list
cache holds at the database's current generation, from a caller the caller cache knows, is answered here with
the page and a fresh envelope; every other request (first sight of a page or a token, routing headers, bad
parameters, a Hub platform) goes on to the routers, which answer it and fill both caches."""

from __future__ import annotations

from urllib.parse import parse_qsl

from fastapi import FastAPI
from starlette.types import ASGIApp, Receive, Scope, Send

from hub.caller_cache import CallerCache, token_hashes
from hub.config import Settings
from hub.hub_role.mode import is_hub
from hub.modules.list_cache import ListCache
from hub.modules.local_parties import sender_owners
from hub.modules.registry import OcpiModule, switched_on
from hub.modules.sender_lists import envelope, list_key, visibility
from hub.ocpi.enums import InterfaceRole, ModuleID, Role
from hub.ocpi.headers import ROUTING_HEADERS, RoutingHeaders
from hub.ocpi.pagination import PageRequest, PaginationError

# The lists whose visibility is the same for every caller: our parties' objects with the owner's role.
_OPEN_LISTS = {ModuleID.LOCATIONS: Role.CPO, ModuleID.TARIFFS: Role.CPO, ModuleID.TOKENS: Role.EMSP}
_AUTHORIZATION = b"authorization"
_ROUTING = frozenset(name.lower().encode() for name in ROUTING_HEADERS)
_CONTENT_TYPE = (b"content-type", b"application/json")


class CachedListMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        *,
        lists: dict[str, object],
        cache: ListCache,
        callers: CallerCache,
        max_limit: int,
    ) -> None:
        self.app = app
        self.lists = lists
        self.cache = cache
        self.callers = callers
        self.max_limit = max_limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "GET" and not scope.get("root_path"):
            seen = self.lists.get(scope["path"])
            if seen is not None:
                body = await self._cached(scope, seen)
                if body is not None:
                    content, headers = body
                    await send(
                        {
                            "type": "http.response.start",
                            "status": 200,
                            "headers": [
                                *headers,
                                (b"content-length", str(len(content)).encode()),
                                _CONTENT_TYPE,
                            ],
                        }
                    )
                    await send({"type": "http.response.body", "body": content})
                    return
        await self.app(scope, receive, send)

    async def _cached(
        self, scope: Scope, seen: object
    ) -> tuple[bytes, tuple[tuple[bytes, bytes], ...]] | None:
        authorization: str | None = None
        for name, value in scope["headers"]:
            if name == _AUTHORIZATION:
                if authorization is None:
                    authorization = value.decode("latin-1")
            elif name in _ROUTING:
                return None
        if self.callers.lookup(token_hashes(authorization)) is None:
            return None
        # As Starlette's query_params: blank values kept, the last of repeated names wins.
        query = dict(parse_qsl(scope["query_string"].decode("latin-1"), keep_blank_values=True))
        try:
            page = PageRequest.parse(
                offset=query.get("offset"),
                limit=query.get("limit"),
                date_from=query.get("date_from"),
                date_to=query.get("date_to"),
                max_limit=self.max_limit,
            )
        except PaginationError:
            return None
        generation = await self.cache.generation()
        cached = self.cache.get(list_key(scope["path"], seen, page), generation)
        if cached is None:
            return None
        return envelope(cached.data), cached.headers


def install(app: FastAPI, settings: Settings, modules: tuple[OcpiModule, ...]) -> None:
    """Answer cached Sender list pages before the routers, unless this platform is a Hub (whose lists also
    hold partners' objects, which change without change events) or a cache is switched off."""
    cache: ListCache | None = app.state.list_cache
    callers: CallerCache = app.state.caller_cache
    if cache is None or callers.ttl <= 0 or is_hub(settings):
        return
    lists: dict[str, object] = {}
    for module in switched_on(settings, modules):
        role = _OPEN_LISTS.get(module.id)
        if role is None or module.sender is None:
            continue
        seen = visibility(sender_owners(settings, role, RoutingHeaders()))
        path = module.path(InterfaceRole.SENDER)
        lists[path] = seen
        if module.id == ModuleID.TOKENS:
            lists[f"{path}/"] = seen  # the spec's own spelling of the list URL
    if lists:
        app.add_middleware(
            CachedListMiddleware, lists=lists, cache=cache, callers=callers, max_limit=settings.page_limit
        )
