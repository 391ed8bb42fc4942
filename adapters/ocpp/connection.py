"""A Starlette `WebSocket` as the connection the `ocpp` library reads and writes (`recv()` / `send()`), with
the frame size limit and a hook that notes every message heard."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.websockets import WebSocket, WebSocketDisconnect

MESSAGE_TOO_BIG = 1009


class WebSocketConnection:
    __slots__ = ("heard", "max_frame", "websocket")

    def __init__(self, websocket: WebSocket, *, max_frame: int, heard: Callable[[], Awaitable[None]]) -> None:
        self.websocket = websocket
        self.max_frame = max_frame
        self.heard = heard

    async def recv(self) -> str:
        message = await self.websocket.receive()
        if message["type"] == "websocket.disconnect":
            raise WebSocketDisconnect(message.get("code", 1000), message.get("reason"))
        text: str | None = message.get("text")
        if text is None:
            # OCPP-J frames are text; a binary frame is read as UTF-8 and, if it is none, answered as
            # malformed like any other frame that is not OCPP.
            text = (message.get("bytes") or b"").decode(errors="replace")
        if len(text) > self.max_frame:
            await self.websocket.close(MESSAGE_TOO_BIG)
            raise WebSocketDisconnect(MESSAGE_TOO_BIG, "message too big")
        await self.heard()
        return text

    async def send(self, message: str) -> None:
        try:
            await self.websocket.send_text(message)
        except (OSError, RuntimeError) as exc:
            # uvicorn raises ClientDisconnected (an OSError) and Starlette a RuntimeError once the station
            # has gone: a station leaving while we answer is a disconnect, not a failure of ours.
            raise WebSocketDisconnect(1006, "the station closed the connection") from exc
