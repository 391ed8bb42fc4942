"""A station that leaves while we answer it ends its connection quietly (adapters.ocpp.connection)."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from starlette.websockets import WebSocketDisconnect
from uvicorn.protocols.utils import ClientDisconnected

from adapters.ocpp.connection import WebSocketConnection


class _GoneWebSocket:
    def __init__(self, error: Exception) -> None:
        self.error = error

    async def send_text(self, message: str) -> None:
        raise self.error


async def _heard() -> None:
    return None


@pytest.mark.parametrize(
    "error",
    [ClientDisconnected(), RuntimeError('Cannot call "send" once a close message has been sent.')],
)
async def test_sending_to_a_station_that_left_is_a_disconnect(error: Exception) -> None:
    socket: Any = _GoneWebSocket(error)
    connection = WebSocketConnection(socket, max_frame=1024, heard=_heard)
    with pytest.raises(WebSocketDisconnect) as raised:
        await connection.send('[3,"1",{}]')
    assert raised.value.code == 1006
    assert raised.value.__cause__ is error


async def test_a_disconnect_while_answering_is_not_logged_as_a_failure(
    caplog: pytest.LogCaptureFixture,
) -> None:
    from adapters.ocpp.charge_point import StationChargePoint

    class _Link:
        station_id = "CP-GONE"
        port: Any = None

        def note_call(self, action: str) -> None:
            pass

    class _ChargePoint(StationChargePoint):
        _ocpp_version = "1.6"

        async def _handle_call(self, msg: Any) -> None:
            raise WebSocketDisconnect(1006, "the station closed the connection")

    link: Any = _Link()
    charge_point = _ChargePoint(link, _GoneWebSocket(ClientDisconnected()), response_timeout=1)
    caplog.set_level(logging.INFO)
    with pytest.raises(WebSocketDisconnect):
        await charge_point.route_message('[2,"42","Heartbeat",{}]')
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
