"""uvicorn inside a test: a server that says when it listens."""

from __future__ import annotations

import asyncio
from typing import Any

import uvicorn


class ListeningServer(uvicorn.Server):
    """uvicorn with an event set once it listens."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.ready = asyncio.Event()

    async def startup(self, sockets: Any = None) -> None:
        await super().startup(sockets)
        self.ready.set()
