"""uvicorn servers inside the demo's own event loop, on loopback sockets bound before the apps are built (so
that each app knows its own base URL); the demo, not uvicorn, handles SIGINT and SIGTERM."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import Generator
from typing import Any

import uvicorn


def bind(port: int) -> socket.socket:
    """A TCP socket on 127.0.0.1:`port` (0: a free port), not yet listening."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(("127.0.0.1", port))
    except OSError:
        sock.close()
        raise
    return sock


class Server(uvicorn.Server):
    """uvicorn serving one app on one socket, with an event set once it listens."""

    def __init__(self, app: Any, sock: socket.socket, **options: Any) -> None:
        config = uvicorn.Config(
            app, log_level="warning", lifespan="on", timeout_graceful_shutdown=5, **options
        )
        super().__init__(config)
        self.sock = sock
        self.ready = asyncio.Event()
        self.task: asyncio.Task[None] | None = None

    @property
    def port(self) -> int:
        port: int = self.sock.getsockname()[1]
        return port

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        # uvicorn would take SIGINT for itself and raise it again once stopped; the demo stops its servers.
        yield

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        self.ready.set()

    async def start(self) -> None:
        self.task = asyncio.get_running_loop().create_task(self.serve(sockets=[self.sock]))
        ready = asyncio.get_running_loop().create_task(self.ready.wait())
        done, _ = await asyncio.wait({self.task, ready}, timeout=30, return_when=asyncio.FIRST_COMPLETED)
        if ready not in done:
            ready.cancel()
            if self.task in done:
                self.task.result()
            raise RuntimeError(f"the server on port {self.port} did not start")

    async def stop(self) -> None:
        self.should_exit = True
        if self.task is not None:
            await asyncio.gather(self.task, return_exceptions=True)
        self.sock.close()
