"""Request bodies: at most a configured size (HTTP 413) sent within a configured time (HTTP 408), read in
full before the application sees them, so that a refused request has written nothing."""

from __future__ import annotations

import asyncio

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hub.limits.refusal import refuse


def _declared_body(scope: Scope) -> tuple[bool, int | None]:
    """(has a body, its Content-Length if given): RFC 9112 §6.3, no length and no chunking is no body."""
    length: int | None = None
    chunked = False
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                length = int(value)
            except ValueError:
                length = None
                chunked = True  # unparseable: read it and count, as if chunked
        elif name == b"transfer-encoding":
            chunked = True
    return chunked or (length is not None and length > 0), length


class BodyLimitMiddleware:
    """Buffers each request body up to its path's limit, then replays it to the application."""

    def __init__(self, app: ASGIApp, *, max_bytes: int, admin_max_bytes: int, timeout: float) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.admin_max_bytes = admin_max_bytes
        self.timeout = timeout

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        has_body, length = _declared_body(scope)
        if not has_body:
            await self.app(scope, receive, send)
            return
        limit = self.admin_max_bytes if str(scope["path"]).startswith("/admin") else self.max_bytes
        too_large = f"The request body is larger than this platform accepts ({limit} bytes)"
        if length is not None and length > limit:
            await refuse(scope, send, 413, too_large)
            return
        chunks: list[bytes] = []
        size = 0
        try:
            async with asyncio.timeout(self.timeout):
                while True:
                    message = await receive()
                    if message["type"] == "http.disconnect":
                        return
                    chunk = message.get("body", b"")
                    size += len(chunk)
                    if size > limit:
                        await refuse(scope, send, 413, too_large)
                        return
                    chunks.append(chunk)
                    if not message.get("more_body", False):
                        break
        except TimeoutError:
            await refuse(scope, send, 408, f"The request body was not sent within {self.timeout:g} seconds")
            return
        body = b"".join(chunks)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)
