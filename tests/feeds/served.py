"""A hub app served by a real uvicorn server in the test's event loop, and a Server-Sent Events reader."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI


@asynccontextmanager
async def serve(app: FastAPI) -> AsyncIterator[str]:
    """Serve `app` (lifespan included) on a free port; yields its base URL."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    # Listening before uvicorn starts: clients connect at once and wait in the backlog until it accepts.
    sock.listen(16)
    port = sock.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(app, log_level="warning", lifespan="on", timeout_graceful_shutdown=2)
    )
    task = asyncio.get_running_loop().create_task(server.serve(sockets=[sock]))
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task
        sock.close()


@dataclass
class SseEvent:
    event: str | None
    id: str | None
    data: str

    def json(self) -> Any:
        return json.loads(self.data)


class SseReader:
    """Reads one text/event-stream (html.spec.whatwg.org, "Interpreting an event stream")."""

    def __init__(self, response: httpx.Response) -> None:
        assert response.status_code == 200, response.status_code
        assert response.headers["content-type"].startswith("text/event-stream")
        self._lines = response.aiter_lines()
        self.comments: list[str] = []

    async def _line(self) -> str | None:
        try:
            return await anext(self._lines)
        except StopAsyncIteration:
            return None

    async def _read(self) -> SseEvent | str | None:
        """The next event, comment, or None at the end of the stream."""
        event: str | None = None
        event_id: str | None = None
        data: list[str] = []
        while (line := await self._line()) is not None:
            if line == "":
                if data:
                    return SseEvent(event, event_id, "\n".join(data))
                continue
            field, _, value = line.partition(":")
            value = value.removeprefix(" ")
            if field == "":
                return value
            if field == "event":
                event = value
            elif field == "id":
                event_id = value
            elif field == "data":
                data.append(value)
        return None

    async def next(self, within: float = 5.0) -> SseEvent:
        """The next event (comments are kept in `comments`); fails after `within` seconds."""
        async with asyncio.timeout(within):
            while True:
                item = await self._read()
                assert item is not None, "the stream ended"
                if isinstance(item, SseEvent):
                    return item
                self.comments.append(item)

    async def comment(self, within: float = 5.0) -> str:
        async with asyncio.timeout(within):
            while True:
                item = await self._read()
                assert item is not None, "the stream ended"
                if isinstance(item, str):
                    return item

    async def end(self, within: float = 5.0) -> None:
        """Wait until the server ends the stream."""
        async with asyncio.timeout(within):
            while await self._read() is not None:
                pass
