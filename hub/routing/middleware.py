"""The Hub role's entry (transport_and_format_message_routing): every request of a functional module passes
here before the module routers, including paths no router of ours defines, and is either handled by the hub
itself or forwarded to the party it is for. Installed only when one of our parties has the HUB role."""

from __future__ import annotations

import uuid

from fastapi import FastAPI, Request, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hub.config import Settings
from hub.errors import HubError, hub_error_handler
from hub.ocpi.enums import Role
from hub.routing import service
from hub.routing.callbacks import plan_callback
from hub.routing.directory import RoutingDirectory
from hub.routing.forward import forward
from hub.routing.paths import callback_id, module_path


def install(app: FastAPI, settings: Settings) -> None:
    """Route between connected parties when this platform is a Hub; otherwise nothing changes."""
    if any(party.role == Role.HUB for party in settings.parties):
        app.state.routing_directory = RoutingDirectory()
        app.add_middleware(HubRoutingMiddleware)


class _Body:
    """The request body, read once on demand and replayed to the app when the hub handles it itself."""

    def __init__(self, receive: Receive) -> None:
        self._receive = receive
        self.content: bytes | None = None

    async def read(self) -> bytes:
        if self.content is None:
            chunks: list[bytes] = []
            while True:
                message = await self._receive()
                if message["type"] == "http.disconnect":
                    break
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False):
                    break
            self.content = b"".join(chunks)
        return self.content

    def replay(self) -> Receive:
        if self.content is None:
            return self._receive
        pending = [self.content]

        async def receive() -> Message:
            if pending:
                return {"type": "http.request", "body": pending.pop(), "more_body": False}
            return await self._receive()

        return receive


class HubRoutingMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        raw_path = bytes(scope.get("raw_path") or scope["path"].encode()).decode("latin-1")
        callback = callback_id(raw_path)
        if callback is not None:
            await self._callback(scope, receive, send, callback)
            return
        path = module_path(raw_path)
        if path is None:
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        state = request.app.state
        body = _Body(receive)
        try:
            async with state.sessionmaker() as session:
                routed: service.Plan | None = await service.plan(
                    session, state.routing_directory, state.settings, request, path, body.read
                )
                if routed is not None and routed.wrote:
                    await session.commit()
            if routed is None:
                await self.app(scope, body.replay(), send)
                return
            forwarded = await service.send(
                state.partner_client.http, state.settings, routed, _correlation_id(scope)
            )
            status, headers, content = await service.answer(
                state.sessionmaker, state.settings, routed, forwarded
            )
        except HubError as exc:
            await _respond(scope, receive, send, await hub_error_handler(request, exc))
            return
        await _respond(scope, receive, send, Response(content, status_code=status, headers=headers))

    async def _callback(self, scope: Scope, receive: Receive, send: Send, callback: str) -> None:
        request = Request(scope, receive)
        state = request.app.state
        try:
            async with state.sessionmaker() as session:
                target = await plan_callback(
                    session, state.routing_directory, state.settings, request, callback
                )
            forwarded = await forward(
                state.partner_client.http,
                method=request.method,
                url=target.url,
                token=target.token,
                raw_token=target.partner.send_raw_token,
                body=await request.body(),
                content_type=request.headers.get("content-type"),
                routing=target.routing,
                correlation_id=_correlation_id(scope),
                answer_within=state.settings.routing_timeout,
                receiver=target.receiver,
            )
        except HubError as exc:
            await _respond(scope, receive, send, await hub_error_handler(request, exc))
            return
        headers = {k: v for k, v in forwarded.headers.items() if k.lower() == "content-type"}
        response = Response(forwarded.content, status_code=forwarded.status, headers=headers)
        await _respond(scope, receive, send, response)


def _correlation_id(scope: Scope) -> str:
    # RequestIdMiddleware, outside this one, has put the caller's X-Correlation-ID (or a new one) here.
    value = scope.get("state", {}).get("correlation_id")
    return value if isinstance(value, str) else str(uuid.uuid4())


async def _respond(scope: Scope, receive: Receive, send: Send, response: Response) -> None:
    await response(scope, receive, send)
