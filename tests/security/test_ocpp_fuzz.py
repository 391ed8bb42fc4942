"""Hostile OCPP-J frames over a real websocket (OCPP-J 1.6 §4.2.3, OCPP 2.0.1 Part 4 §4.2-4.3): text that is no
JSON, arrays of the wrong shape, unknown message type ids, over-long message ids, answers to nothing, and
the stations' own actions with random payloads, on 1.6 and 2.0.1. Each is answered with a CALLERROR of the
RPC framework's codes or a CALLRESULT, or the connection is closed cleanly; a Heartbeat after each batch
proves the connection (or a fresh one) still works; the hub keeps serving another station and its rows stay
readable and consistent."""

from __future__ import annotations

import asyncio
import json
import string
from dataclasses import dataclass, field
from typing import Any

import pytest
import websockets
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from websockets.exceptions import ConnectionClosed
from websockets.typing import Subprotocol

from adapters.ocpp.frames import valid_message_id
from tests.figures import record
from tests.ocpp.conftest import Gateway, MakeGateway
from tests.ocpp.test_endpoint import exchange

# The RPC framework's error codes; InternalError is left out: it means a handler failed.
ERRORS = {
    "ocpp1.6": {
        "NotImplemented",
        "NotSupported",
        "ProtocolError",
        "SecurityError",
        "FormationViolation",
        "PropertyConstraintViolation",
        "OccurenceConstraintViolation",
        "TypeConstraintViolation",
        "GenericError",
    },
    "ocpp2.0.1": {
        "FormatViolation",
        "FormationViolation",
        "GenericError",
        "MessageTypeNotSupported",
        "NotImplemented",
        "NotSupported",
        "OccurrenceConstraintViolation",
        "PropertyConstraintViolation",
        "ProtocolError",
        "RpcFrameworkError",
        "SecurityError",
        "TypeConstraintViolation",
    },
}
ACTIONS = {
    "ocpp1.6": {
        "BootNotification": ["chargePointVendor", "chargePointModel", "chargePointSerialNumber"],
        "Heartbeat": [],
        "StatusNotification": ["connectorId", "errorCode", "status", "timestamp", "info"],
        "Authorize": ["idTag"],
        "StartTransaction": ["connectorId", "idTag", "meterStart", "timestamp", "reservationId"],
        "StopTransaction": ["transactionId", "meterStop", "timestamp", "idTag", "reason", "transactionData"],
        "MeterValues": ["connectorId", "transactionId", "meterValue"],
        "DataTransfer": ["vendorId", "messageId", "data"],
        "DiagnosticsStatusNotification": ["status"],
        "FirmwareStatusNotification": ["status"],
    },
    "ocpp2.0.1": {
        "BootNotification": ["chargingStation", "reason"],
        "Heartbeat": [],
        "StatusNotification": ["timestamp", "connectorStatus", "evseId", "connectorId"],
        "Authorize": ["idToken"],
        "TransactionEvent": [
            "eventType",
            "timestamp",
            "triggerReason",
            "seqNo",
            "transactionInfo",
            "idToken",
            "evse",
            "meterValue",
        ],
        "MeterValues": ["evseId", "meterValue"],
        "DataTransfer": ["vendorId", "messageId", "data"],
        "NotifyEvent": ["generatedAt", "seqNo", "eventData"],
        "SecurityEventNotification": ["type", "timestamp"],
    },
}
PLAUSIBLE = st.one_of(
    st.sampled_from(["2026-01-01T00:00:00Z", "2026-13-45T99:00:00Z", "Available", "Charging", "Started"]),
    st.sampled_from(["Ended", "Updated", "NoError", "Accepted", "ISO14443", "Local", "Remote"]),
    st.integers(min_value=-2, max_value=3),
    st.just({"id": 1, "connectorId": 1}),
    st.just({"idToken": "TAG", "type": "ISO14443"}),
    st.just({"transactionId": "T1"}),
    st.just([{"timestamp": "2026-01-01T00:00:00Z", "sampledValue": [{"value": "12"}]}]),
)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=2**63, max_value=2**80),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=30),
    st.text(max_size=1, alphabet="\x00\ud7ff\u2028"),
)
JSON = st.recursive(
    SCALARS | PLAUSIBLE,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=12,
)
MESSAGE_IDS = st.one_of(
    st.text(min_size=1, max_size=36, alphabet=string.printable),
    st.text(min_size=37, max_size=3000, alphabet="x"),
    st.integers(),
    st.none(),
    st.just(""),
)


def payloads(version: str, action: str) -> st.SearchStrategy[Any]:
    keys = ACTIONS[version][action]
    known = st.fixed_dictionaries({}, optional=dict.fromkeys(keys, PLAUSIBLE | JSON)) if keys else st.just({})
    return st.one_of(
        known,
        JSON,
        st.builds(
            lambda d, extra: {**d, **extra}, known, st.dictionaries(st.text(max_size=8), JSON, max_size=3)
        ),
    )


def calls(version: str) -> st.SearchStrategy[list[Any]]:
    action = st.sampled_from(sorted(ACTIONS[version]))
    return action.flatmap(
        lambda name: st.tuples(st.just(2), MESSAGE_IDS, st.just(name), payloads(version, name))
    ).map(list)


def frames(version: str) -> st.SearchStrategy[str | bytes]:
    return st.one_of(
        st.text(max_size=200),  # mostly no JSON
        JSON.map(json.dumps),  # JSON, mostly no array
        st.lists(JSON, max_size=6).map(json.dumps),  # arrays of any shape
        st.tuples(st.integers(), MESSAGE_IDS, st.text(max_size=30), JSON).map(lambda t: json.dumps(list(t))),
        st.tuples(st.sampled_from([3, 4]), MESSAGE_IDS, JSON).map(lambda t: json.dumps(list(t))),  # answers
        calls(version).map(json.dumps),
        st.binary(max_size=50),
    )


@dataclass
class Link:
    """The fuzzing station's connection, reopened when the hub closes it."""

    url: str
    protocol: str
    ws: websockets.ClientConnection | None = None
    closes: list[int] = field(default_factory=list)
    frames: int = 0
    probes: int = 0

    async def socket(self) -> websockets.ClientConnection:
        if self.ws is None:
            self.ws = await websockets.connect(
                self.url, subprotocols=[Subprotocol(self.protocol)], compression=None, open_timeout=20
            )
        return self.ws

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()


def check_answer(protocol: str, message: Any, frame: object) -> None:
    """Answers may come after the next frames' (the hub answers CALLs concurrently), so `frame` is only
    what was being sent when it came."""
    assert isinstance(message, list), (frame, message)
    assert message[0] in (3, 4), (frame, message)
    if message[0] == 4:
        assert len(message) == 5, (frame, message)
        _, message_id, code, description, details = message
        assert code in ERRORS[protocol], (frame, message)
        # A message id is a string of 1 to 36 characters, and an answer carries the CALL's or "-1".
        assert message_id == "-1" or valid_message_id(message_id), (frame, message)
        assert isinstance(description, str), (frame, message)
        assert isinstance(details, dict), (frame, message)
    else:
        assert valid_message_id(message[1]), (frame, message)
        assert isinstance(message[2], dict), (frame, message)


async def run_batch(link: Link, batch: list[str | bytes]) -> None:
    """Send the frames, then a Heartbeat; every message before its answer is an answer of the right form."""
    ws = await link.socket()
    try:
        for frame in batch:
            await ws.send(frame)
            link.frames += 1
        probe = f"probe-{link.probes}"
        link.probes += 1
        await ws.send(json.dumps([2, probe, "Heartbeat", {}]))
        while True:
            message = json.loads(await asyncio.wait_for(ws.recv(decode=True), 10))
            if isinstance(message, list) and message and message[0] == 2:
                await ws.send(json.dumps([3, message[1], {"status": "Accepted"}]))
                continue
            if message[:2] == [3, probe]:
                return
            check_answer(link.protocol, message, batch)
    except ConnectionClosed as closed:
        received = closed.rcvd
        link.ws = None
    # A clean close by the hub (1003 unsupported data, 1009 too big, 1008 policy), never a dropped socket.
    assert received is not None, batch
    assert received.code in (1000, 1003, 1007, 1008, 1009), (received, batch)
    link.closes.append(received.code)


async def fuzz(gateway: Gateway, station_id: str, protocol: str, examples: int) -> Link:
    loop = asyncio.get_running_loop()
    link = Link(f"{gateway.ws}/{station_id}", protocol)

    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(st.lists(frames(protocol), min_size=1, max_size=12))
    def example(batch: list[str | bytes]) -> None:
        asyncio.run_coroutine_threadsafe(run_batch(link, batch), loop).result(60)

    await asyncio.to_thread(example)
    await link.close()
    return link


async def test_hostile_frames_are_answered_or_closed_cleanly_and_the_hub_serves_on(
    make_gateway: MakeGateway, sqlite_url: str
) -> None:
    gateway = await make_gateway(sqlite_url)
    sixteen = await fuzz(gateway, "CP16", "ocpp1.6", 400)
    twenty = await fuzz(gateway, "CP201", "ocpp2.0.1", 400)
    assert sixteen.frames + twenty.frames > 3000, (sixteen.frames, twenty.frames)
    record(
        "hostile OCPP frames (1.6 and 2.0.1)",
        cases=sixteen.frames + twenty.frames,
        clean_closes=len(sixteen.closes) + len(twenty.closes),
    )
    # Another station is served as before, and a fuzzed one connects again and is applied.
    async with websockets.connect(
        f"{gateway.ws}/CP16-PAIR", subprotocols=[Subprotocol("ocpp1.6")], compression=None
    ) as ws:
        status = {"connectorId": 1, "errorCode": "NoError", "status": "Faulted"}
        assert await exchange(ws, json.dumps([2, "s", "StatusNotification", status])) == [3, "s", {}]
    await gateway.until_status("LOC3", "LOC3-1", "OUTOFORDER")
    async with websockets.connect(
        f"{gateway.ws}/CP16", subprotocols=[Subprotocol("ocpp1.6")], compression=None
    ) as ws:
        status = {"connectorId": 2, "errorCode": "NoError", "status": "Available"}
        assert await exchange(ws, json.dumps([2, "a", "StatusNotification", status])) == [3, "a", {}]
    await gateway.until_status("LOC1", "LOC1-2", "AVAILABLE")
    # Every row the fuzzing left is readable through the admin API, and none is a duplicate transaction.
    for station_id in ("CP16", "CP201", "CP16-PAIR"):
        assert (await gateway.station(station_id))["station_id"] == station_id
    for location_id in ("LOC1", "LOC2", "LOC3"):
        await gateway.admin("GET", f"locations/NL/GWY/{location_id}")
    findings = (await gateway.admin("GET", "reconciliation")).json()
    assert not [f for f in findings["findings"] if f["kind"] == "duplicate_transaction"], findings


@pytest.mark.parametrize(
    ("protocol", "code"), [("ocpp1.6", "ProtocolError"), ("ocpp2.0.1", "RpcFrameworkError")]
)
async def test_a_call_whose_message_id_is_no_string_of_at_most_36_characters_is_answered_with_minus_one(
    make_gateway: MakeGateway, sqlite_url: str, protocol: str, code: str
) -> None:
    """OCPP-J 1.6 §4.1.3 / 2.0.1 Part 4 §4.1.4: the id is string[36]; one that is not cannot be echoed in a
    CALLERROR (whose MessageId is string[36] too), so it gets "-1"; 36 characters are still an id."""
    gateway = await make_gateway(sqlite_url)
    station_id = "CP16" if protocol == "ocpp1.6" else "CP201"
    async with websockets.connect(
        f"{gateway.ws}/{station_id}", subprotocols=[Subprotocol(protocol)], compression=None
    ) as ws:
        for message_id in (7, 1.5, None, "", "x" * 37, "y" * 3000, ["a"], {"a": 1}):
            answer = await exchange(ws, json.dumps([2, message_id, "Heartbeat", {}]))
            assert answer[:3] == [4, "-1", code], (message_id, answer)
        longest = "z" * 36
        answer = await exchange(ws, json.dumps([2, longest, "Heartbeat", {}]))
        assert answer[:2] == [3, longest]
