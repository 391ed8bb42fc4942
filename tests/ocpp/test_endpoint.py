"""The websocket upgrade and the framing of /ocpp/{station_id} against real stations on a real uvicorn:
subprotocol negotiation (OCPP-J §4.1.2), security profile 1, unknown and auto-registered stations, and bad
input that gets a CALLERROR while the connection lives on."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
import websockets
from websockets.exceptions import ConnectionClosed, InvalidStatus

from tests.ocpp.chargers import basic, raw_socket, station
from tests.ocpp.conftest import PASSWORD, Gateway, MakeGateway


async def exchange(ws: websockets.ClientConnection, frame: str | bytes) -> list[Any]:
    """Send one frame and return the answer to it, answering the gateway's own calls (TriggerMessage) on
    the way."""
    await ws.send(frame)
    while True:
        message = json.loads(await ws.recv(decode=True))
        if message[0] == 2:
            await ws.send(json.dumps([3, message[1], {"status": "Accepted"}]))
            continue
        return list(message)


@pytest.mark.parametrize(
    ("offered", "chosen"),
    [(["ocpp2.0.1", "ocpp1.6"], "ocpp2.0.1"), (["ocpp1.6", "ocpp2.0.1"], "ocpp1.6")],
)
async def test_the_stations_first_choice_of_subprotocol_is_taken(
    sqlite_gateway: Gateway, offered: list[str], chosen: str
) -> None:
    async with raw_socket(f"{sqlite_gateway.ws}/CP16", subprotocols=offered) as ws:
        assert ws.subprotocol == chosen
        assert (await sqlite_gateway.station("CP16"))["protocol"] == chosen
        heartbeat = [2, "hb1", "Heartbeat", {}]
        answer = await exchange(ws, json.dumps(heartbeat))
        assert answer[:2] == [3, "hb1"]
        assert "currentTime" in answer[2]


@pytest.mark.parametrize("offered", [["ocpp1.5", "ocpp2.0"], None])
async def test_no_common_subprotocol_completes_the_handshake_without_one_then_closes(
    sqlite_gateway: Gateway, offered: list[str] | None
) -> None:
    async with raw_socket(f"{sqlite_gateway.ws}/CP16", subprotocols=offered) as ws:
        assert ws.subprotocol is None
        with pytest.raises(ConnectionClosed) as closed:
            await ws.recv()
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 1002
    assert (await sqlite_gateway.station("CP16"))["state"] == "offline"


async def test_the_right_password_connects(sqlite_gateway: Gateway) -> None:
    async with station(sqlite_gateway.ws, "CP-LOCKED", password=PASSWORD) as cp:
        assert (await cp.heartbeat()).current_time
        assert (await sqlite_gateway.station("CP-LOCKED"))["state"] == "connected"


@pytest.mark.parametrize(
    "headers",
    [
        None,
        basic("CP-LOCKED", "wrong-password"),
        basic("CP16", PASSWORD),  # the username must be the station's own id
        {"Authorization": "Basic not-base64!"},
    ],
    ids=["missing", "wrong", "other-username", "garbled"],
)
async def test_a_station_with_a_password_is_refused_with_401_without_it(
    sqlite_gateway: Gateway, headers: dict[str, str] | None
) -> None:
    with pytest.raises(InvalidStatus) as refused:
        async with raw_socket(f"{sqlite_gateway.ws}/CP-LOCKED", subprotocols=["ocpp1.6"], headers=headers):
            pass
    assert refused.value.response.status_code == 401
    assert refused.value.response.headers["WWW-Authenticate"].startswith("Basic")
    assert (await sqlite_gateway.station("CP-LOCKED"))["state"] == "offline"


async def test_an_unknown_station_is_refused(sqlite_gateway: Gateway) -> None:
    with pytest.raises(InvalidStatus) as refused:
        async with raw_socket(f"{sqlite_gateway.ws}/NOBODY", subprotocols=["ocpp1.6"]):
            pass
    assert refused.value.response.status_code == 404
    await sqlite_gateway.admin("GET", "stations/NOBODY", expect=404)


async def test_an_unknown_station_is_registered_unmapped_when_allowed(
    make_gateway: MakeGateway, sqlite_url: str
) -> None:
    gateway = await make_gateway(sqlite_url, auto_register=True)
    async with station(gateway.ws, "NEW-1", version="2.0.1") as cp:
        assert (await cp.boot()).status == "Accepted"
        await cp.status(1, 1, "Occupied")
        seen = await gateway.station("NEW-1")
        assert seen["auto_registered"] is True
        assert seen["location_id"] is None
        assert seen["state"] == "connected"
        assert seen["statuses"]["1/1"]["status"] == "CHARGING"
        assert seen["boot"] == {"vendor": "Test", "model": "T201", "reason": "PowerUp"}


@pytest.mark.parametrize(
    ("protocol", "frames"),
    [
        (
            "ocpp1.6",
            [
                ("not json", [4, "-1", "FormationViolation"]),
                (b"\xff\xfe", [4, "-1", "FormationViolation"]),
                ('[2, "a1"]', [4, "a1", "ProtocolError"]),
                ('[2, "a2", "FooBar", {}]', [4, "a2", "NotSupported"]),
                ('[2, "a3", "Reset", {"type": "Hard"}]', [4, "a3", "NotImplemented"]),
                (
                    '[2, "a4", "StatusNotification", {"connectorId": "one", "errorCode": "NoError", '
                    '"status": "Available"}]',
                    [4, "a4", "TypeConstraintViolation"],
                ),
                (
                    '[2, "a5", "StatusNotification", {"connectorId": 1, "status": "Available"}]',
                    [4, "a5", "ProtocolError"],
                ),
                (
                    '[2, "a6", "StatusNotification", {"connectorId": 1, "errorCode": "NoError", '
                    '"status": "Sleeping"}]',
                    [4, "a6", "FormationViolation"],
                ),
                ('[2, "a7", "BootNotification", "payload"]', [4, "a7", "TypeConstraintViolation"]),
            ],
        ),
        (
            "ocpp2.0.1",
            [
                ("not json", [4, "-1", "RpcFrameworkError"]),
                ('[9, "b1", "Heartbeat", {}]', [4, "b1", "MessageTypeNotSupported"]),
                ('[2, "b2", "FooBar", {}]', [4, "b2", "NotSupported"]),
                (
                    '[2, "b3", "Get15118EVCertificate", {"iso15118SchemaVersion": "x", "action": "Install", '
                    '"exiRequest": "x"}]',
                    [4, "b3", "NotImplemented"],
                ),
                (
                    '[2, "b4", "StatusNotification", {"timestamp": "2026-01-01T00:00:00Z", '
                    '"connectorStatus": "Available", "evseId": 1}]',
                    [4, "b4", "ProtocolError"],
                ),
            ],
        ),
    ],
)
async def test_bad_frames_get_a_callerror_and_the_connection_lives_on(
    sqlite_gateway: Gateway, protocol: str, frames: list[tuple[str | bytes, list[Any]]]
) -> None:
    async with raw_socket(f"{sqlite_gateway.ws}/CP16", subprotocols=[protocol]) as ws:
        for frame, expected in frames:
            answer = await exchange(ws, frame)
            assert answer[:3] == expected, frame
            assert isinstance(answer[3], str)
        assert (await exchange(ws, '[2, "ok", "Heartbeat", {}]'))[:2] == [3, "ok"]


async def test_over_long_fields_and_unknown_fields_are_accepted_and_the_status_applied(
    sqlite_gateway: Gateway,
) -> None:
    status = {
        "connectorId": 1,
        "errorCode": "NoError",
        "status": "Faulted",
        "info": "x" * 80,  # the schema allows 50
        "vendorSpecific": True,  # additionalProperties: false
    }
    async with raw_socket(f"{sqlite_gateway.ws}/CP16", subprotocols=["ocpp1.6"]) as ws:
        assert (await exchange(ws, json.dumps([2, "s1", "StatusNotification", status]))) == [3, "s1", {}]
        assert await sqlite_gateway.evse_status("LOC1", "LOC1-1") == "OUTOFORDER"


async def test_a_frame_over_the_limit_closes_the_connection_with_1009(
    make_gateway: MakeGateway, sqlite_url: str
) -> None:
    gateway = await make_gateway(sqlite_url, max_frame=2048)
    async with raw_socket(f"{gateway.ws}/CP16", subprotocols=["ocpp1.6"]) as ws:
        frame = json.dumps([2, "big", "DataTransfer", {"vendorId": "x", "data": "y" * 4096}])
        await ws.send(frame)
        with pytest.raises(ConnectionClosed) as closed:
            await ws.recv()
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 1009
    await gateway.until_state("CP16", "offline")


async def test_a_second_connection_of_a_station_replaces_the_first(sqlite_gateway: Gateway) -> None:
    async with station(sqlite_gateway.ws, "CP16") as first:
        first_id = (await sqlite_gateway.station("CP16"))["connected_at"]
        async with raw_socket(f"{sqlite_gateway.ws}/CP16", subprotocols=["ocpp1.6"]) as second:
            with pytest.raises(ConnectionClosed):
                await asyncio.wait_for(first.loop, 5)
            assert (await exchange(second, '[2, "h", "Heartbeat", {}]'))[:2] == [3, "h"]
            seen = await sqlite_gateway.station("CP16")
            assert seen["state"] == "connected"
            assert seen["connected_at"] != first_id
            assert list(sqlite_gateway.gateway.links) == ["CP16"]
