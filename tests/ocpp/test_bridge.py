"""Bridge mode: real `ocpp` library chargers of both versions connect to the hub, which relays them to a
minimal existing CSMS (the `ocpp` library on `websockets.serve`); both sides record the raw frames."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
import websockets
from ocpp.v16 import ChargePoint as Csms16Base
from ocpp.v16 import call as call16
from ocpp.v16 import call_result as result16
from ocpp.v16.datatypes import IdTagInfo
from ocpp.v16.enums import AuthorizationStatus as Status16
from ocpp.v16.enums import RegistrationStatus
from ocpp.v201 import ChargePoint as Csms201Base
from ocpp.v201 import call as call201
from ocpp.v201 import call_result as result201
from ocpp.v201.datatypes import EVSEType, IdTokenInfoType, IdTokenType, TransactionType
from ocpp.v201.enums import AuthorizationStatusEnumType as Status201
from ocpp.v201.enums import (
    IdTokenEnumType,
    RegistrationStatusEnumType,
    TransactionEventEnumType,
    TriggerReasonEnumType,
)
from sqlmodel import col, select
from websockets.typing import Subprotocol

from adapters.ocpp.bridge import upstream_address
from adapters.ocpp.metrics import BRIDGED, UPSTREAM_FAILURES
from adapters.ocpp.routing import on
from hub.ports import (
    AuthorizationAnswer,
    AuthorizationStatus,
    IdToken,
    TransactionEventKind,
    TransactionOutcome,
    TransactionReport,
)
from hub.stations.imports import import_stations
from hub.stations.service import StationHub
from hub.stations.settings import OcppSettings
from hub.tables.charging import TransactionRecord
from tests.ocpp.chargers import Charger16, Charger201, basic, raw_socket, wait_triggers
from tests.ocpp.conftest import PASSWORD, STATIONS, Gateway, MakeGateway

NOW = "2026-01-01T00:00:00Z"
UPSTREAM_TOKEN = "UPSTREAM-TAG"
ROAMING_TOKEN = "ROAMING-TAG"
WITHIN = 10.0


class Recorded:
    """A websocket whose frames are recorded as they pass (the raw text, byte for byte)."""

    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self.sent: list[str] = []
        self.received: list[str] = []
        self.changed = asyncio.Event()

    async def recv(self) -> str:
        raw = await self.ws.recv()
        self.received.append(raw)
        self._wake()
        return str(raw)

    async def send(self, message: str) -> None:
        self.sent.append(message)
        await self.ws.send(message)
        self._wake()

    def _wake(self) -> None:
        self.changed.set()
        self.changed = asyncio.Event()

    async def until(self, check: Any, within: float = WITHIN) -> None:
        async with asyncio.timeout(within):
            while not check():
                await self.changed.wait()


def frames(raws: list[str], *kinds: int) -> list[str]:
    return [raw for raw in raws if json.loads(raw)[0] in kinds]


def ids(raws: list[str]) -> set[str]:
    return {json.loads(raw)[1] for raw in raws}


# -- the existing CSMS --------------------------------------------------------------------------------------


def tag_info(id_tag: str) -> IdTagInfo:
    """The existing CSMS knows its own tokens only."""
    accepted = id_tag == UPSTREAM_TOKEN
    return IdTagInfo(status=Status16.accepted if accepted else Status16.invalid)


def token_info(id_token: str) -> IdTokenInfoType:
    accepted = id_token == UPSTREAM_TOKEN
    return IdTokenInfoType(status=Status201.accepted if accepted else Status201.invalid)


class Csms16(Csms16Base):
    @on("BootNotification")
    def on_boot(self, **kwargs: Any) -> result16.BootNotification:
        return result16.BootNotification(current_time=NOW, interval=77, status=RegistrationStatus.accepted)

    @on("Heartbeat")
    def on_heartbeat(self, **kwargs: Any) -> result16.Heartbeat:
        return result16.Heartbeat(current_time=NOW)

    @on("StatusNotification")
    def on_status(self, **kwargs: Any) -> result16.StatusNotification:
        return result16.StatusNotification()

    @on("Authorize")
    def on_authorize(self, id_tag: str, **kwargs: Any) -> result16.Authorize:
        return result16.Authorize(id_tag_info=tag_info(id_tag))

    @on("StartTransaction")
    def on_start(self, id_tag: str, **kwargs: Any) -> result16.StartTransaction:
        return result16.StartTransaction(transaction_id=4711, id_tag_info=tag_info(id_tag))

    @on("MeterValues")
    def on_meter_values(self, **kwargs: Any) -> result16.MeterValues:
        return result16.MeterValues()

    @on("StopTransaction")
    def on_stop(self, **kwargs: Any) -> result16.StopTransaction:
        return result16.StopTransaction()


class Csms201(Csms201Base):
    @on("BootNotification")
    def on_boot(self, **kwargs: Any) -> result201.BootNotification:
        return result201.BootNotification(
            current_time=NOW, interval=77, status=RegistrationStatusEnumType.accepted
        )

    @on("Heartbeat")
    def on_heartbeat(self, **kwargs: Any) -> result201.Heartbeat:
        return result201.Heartbeat(current_time=NOW)

    @on("StatusNotification")
    def on_status(self, **kwargs: Any) -> result201.StatusNotification:
        return result201.StatusNotification()

    @on("Authorize")
    def on_authorize(self, id_token: dict[str, Any], **kwargs: Any) -> result201.Authorize:
        return result201.Authorize(id_token_info=token_info(id_token["id_token"]))

    @on("TransactionEvent")
    def on_transaction_event(self, **kwargs: Any) -> result201.TransactionEvent:
        token = kwargs.get("id_token")
        if token is None:
            return result201.TransactionEvent()
        return result201.TransactionEvent(id_token_info=token_info(token["id_token"]))


@dataclass
class UpstreamStation:
    socket: Recorded
    csms: Any
    authorization: str | None
    closed: asyncio.Event = field(default_factory=asyncio.Event)
    ws: Any = None


class Upstream:
    """The existing CSMS: one `ocpp` ChargePoint per station connection, its frames recorded."""

    def __init__(self) -> None:
        self.stations: dict[str, UpstreamStation] = {}
        # station id -> the HTTP status its upgrade is refused with
        self.refuse: dict[str, int] = {}
        self.connected = asyncio.Event()
        self.url = ""

    async def handler(self, ws: Any) -> None:
        station_id = ws.request.path.rsplit("/", 1)[-1]
        socket = Recorded(ws)
        cls = Csms16 if ws.subprotocol == "ocpp1.6" else Csms201
        csms = cls(station_id, socket, response_timeout=5)
        station = UpstreamStation(socket, csms, ws.request.headers.get("Authorization"), ws=ws)
        self.stations[station_id] = station
        self.connected.set()
        self.connected = asyncio.Event()
        try:
            await csms.start()  # type: ignore[no-untyped-call]
        except websockets.ConnectionClosed:
            pass
        finally:
            station.closed.set()

    def process_request(self, connection: Any, request: Any) -> Any:
        status = self.refuse.get(request.path.rsplit("/", 1)[-1])
        return None if status is None else connection.respond(status, "refused\n")

    async def station(self, station_id: str) -> UpstreamStation:
        async with asyncio.timeout(WITHIN):
            while station_id not in self.stations:
                await self.connected.wait()
        return self.stations[station_id]


@pytest.fixture
async def upstream() -> AsyncIterator[Upstream]:
    csms = Upstream()
    async with websockets.serve(
        csms.handler,
        "127.0.0.1",
        0,
        subprotocols=[Subprotocol("ocpp1.6"), Subprotocol("ocpp2.0.1")],
        compression=None,
        process_request=csms.process_request,
    ) as server:
        port = server.sockets[0].getsockname()[1]
        csms.url = f"ws://127.0.0.1:{port}/steve/websocket/CentralSystemService"
        yield csms


async def bridge_stations(gateway: Gateway, url: str) -> None:
    """CP16, CP201 and CP-LOCKED get `url` as their upstream CSMS; CP16-PAIR stays standalone."""
    bridged = [
        {**station, "upstream_url": url}
        for station in STATIONS
        if station["station_id"] in ("CP16", "CP201", "CP-LOCKED")
    ]
    report = await import_stations(gateway.app.state.sessionmaker, gateway.settings, bridged)
    assert report.updated == len(bridged), report


@pytest.fixture
async def bridged(make_gateway: MakeGateway, sqlite_url: str, upstream: Upstream) -> Gateway:
    gateway = await make_gateway(sqlite_url, response_timeout=5)
    await bridge_stations(gateway, upstream.url)
    return gateway


class Charger16Plus(Charger16):
    """A 1.6 charger that also answers the CALLs an existing CSMS sends it."""

    @on("GetConfiguration")
    def on_get_configuration(self, **kwargs: Any) -> result16.GetConfiguration:
        return result16.GetConfiguration(
            configuration_key=[{"key": "HeartbeatInterval", "readonly": False, "value": "77"}]
        )

    # Set: GetConfiguration is answered once `release` is set, the read loop going on meanwhile.
    release: asyncio.Event | None = None

    async def route_message(self, raw_msg: str) -> None:
        frame = json.loads(raw_msg)
        if self.release is not None and frame[0] == 2 and frame[2] == "GetConfiguration":
            self.later = asyncio.get_running_loop().create_task(self._later(raw_msg, self.release))
            return
        await super().route_message(raw_msg)

    async def _later(self, raw_msg: str, release: asyncio.Event) -> None:
        await release.wait()
        await super().route_message(raw_msg)


@asynccontextmanager
async def charger(
    gateway: Gateway, station_id: str, version: str = "1.6", password: str | None = None
) -> AsyncIterator[Any]:
    """A charger whose websocket frames are recorded (`charger.socket`)."""
    protocol = "ocpp1.6" if version == "1.6" else "ocpp2.0.1"
    headers = basic(station_id, password) if password is not None else None
    async with raw_socket(f"{gateway.ws}/{station_id}", subprotocols=[protocol], headers=headers) as ws:
        socket = Recorded(ws)
        cls = Charger16Plus if version == "1.6" else Charger201
        station: Any = cls(station_id, socket, response_timeout=WITHIN)
        station.socket = socket
        station.raw = ws
        task = asyncio.get_running_loop().create_task(station.start())
        try:
            yield station
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)


def assert_relayed(station: Any, up: UpstreamStation, *, ours: int) -> None:
    """Every frame passed unchanged, except our own `ours` CALLs to the station and the station's answers
    to them, which never went upstream."""
    own_calls = [raw for raw in frames(station.socket.received, 2) if raw not in up.socket.sent]
    assert len(own_calls) == ours, own_calls
    assert all(json.loads(raw)[2] == "TriggerMessage" for raw in own_calls)
    own_ids = ids(own_calls)
    assert frames(station.socket.sent, 2) == frames(up.socket.received, 2)
    answers = frames(station.socket.sent, 3, 4)
    assert [a for a in answers if json.loads(a)[1] not in own_ids] == frames(up.socket.received, 3, 4)
    assert not own_ids & ids(up.socket.received)
    assert frames(up.socket.sent, 3, 4) == frames(station.socket.received, 3, 4)
    assert [c for c in frames(station.socket.received, 2) if c not in own_calls] == frames(up.socket.sent, 2)


# -- tests --------------------------------------------------------------------------------------------------


def test_upstream_address() -> None:
    assert upstream_address("ws://csms:9000/ocpp", "CP 1") == "ws://csms:9000/ocpp/CP%201"
    assert upstream_address("wss://csms/ocpp/", "CP1") == "wss://csms/ocpp/CP1"
    assert upstream_address("wss://csms/ocpp/CP1", "CP1") == "wss://csms/ocpp/CP1"
    assert upstream_address("wss://csms", "CP1") == "wss://csms/CP1"


async def test_admission_takes_the_station_url_else_the_setting(bridged: Gateway, upstream: Upstream) -> None:
    fallback = "ws://fallback.test/ocpp"
    hub = StationHub(
        bridged.app.state.sessionmaker,
        bridged.settings,
        OcppSettings(upstream_url=fallback, auto_register=True),
    )
    assert (await hub.admit("CP16", None)).upstream_url == upstream.url
    assert (await hub.admit("CP16-PAIR", None)).upstream_url == fallback
    assert (await hub.admit("CP-NEW", None)).upstream_url == fallback
    assert (await bridged.hub.admit("CP16-PAIR", None)).upstream_url is None


async def test_16_frames_pass_unchanged_and_the_hub_taps_them(bridged: Gateway, upstream: Upstream) -> None:
    bridged_before = BRIDGED.labels(protocol="ocpp1.6")._value.get()
    async with charger(bridged, "CP16") as station:
        station.statuses = {1: "Available", 2: "Charging"}
        up = await upstream.station("CP16")
        assert BRIDGED.labels(protocol="ocpp1.6")._value.get() == bridged_before + 1
        boot = await station.boot()
        assert boot.interval == 77  # the upstream's answer, not the hub's heartbeat interval
        # The hub asks for statuses itself (TriggerMessage under its own id) after the boot.
        await wait_triggers(station, 1, within=WITHIN)
        await bridged.until_status("LOC1", "LOC1-1", "AVAILABLE", within=WITHIN)
        await bridged.until_status("LOC1", "LOC1-2", "CHARGING", within=WITHIN)
        await station.status(1, "Unavailable")
        await bridged.until_status("LOC1", "LOC1-1", "INOPERATIVE", within=WITHIN)
        assert (await station.heartbeat()).current_time == NOW

        authorized = await station.ask(call16.Authorize(id_tag=UPSTREAM_TOKEN))
        assert authorized.id_tag_info["status"] == "Accepted"
        refused = await station.ask(call16.Authorize(id_tag="UNKNOWN-TAG"))
        assert refused.id_tag_info["status"] == "Invalid"
        started = await station.ask(
            call16.StartTransaction(connector_id=2, id_tag=UPSTREAM_TOKEN, meter_start=1000, timestamp=NOW)
        )
        assert started.transaction_id == 4711
        await station.ask(
            call16.StopTransaction(meter_stop=2000, timestamp=NOW, transaction_id=4711, id_tag=UPSTREAM_TOKEN)
        )

        # The existing CSMS calls the charger through the bridge and gets its answers.
        config = await up.csms.call(call16.GetConfiguration(key=["HeartbeatInterval"]))
        assert config.configuration_key[0]["value"] == "77"
        remote = await up.csms.call(call16.RemoteStartTransaction(id_tag=UPSTREAM_TOKEN, connector_id=1))
        assert remote.status == "Accepted"

        assert_relayed(station, up, ours=1)
        assert frames(up.socket.received, 2)[0] == station.socket.sent[0]


async def test_201_frames_pass_unchanged_and_the_hub_taps_them(bridged: Gateway, upstream: Upstream) -> None:
    async with charger(bridged, "CP201", "2.0.1") as station:
        station.statuses = {(1, 1): "Available", (1, 2): "Available", (2, 1): "Occupied"}
        up = await upstream.station("CP201")
        assert (await station.boot()).interval == 77
        await wait_triggers(station, 3, within=WITHIN)
        await bridged.until_status("LOC2", "LOC2-2", "CHARGING", within=WITHIN)
        await bridged.until_status("LOC2", "LOC2-1", "AVAILABLE", within=WITHIN)
        answer = await station.ask(
            call201.TransactionEvent(
                event_type=TransactionEventEnumType.started,
                timestamp=NOW,
                trigger_reason=TriggerReasonEnumType.authorized,
                seq_no=0,
                transaction_info=TransactionType(transaction_id="TX-201"),
                id_token=IdTokenType(id_token=UPSTREAM_TOKEN, type=IdTokenEnumType.iso14443),
                evse=EVSEType(id=2, connector_id=1),
            )
        )
        assert answer.id_token_info["status"] == "Accepted"
        remote = await up.csms.call(
            call201.RequestStartTransaction(
                id_token=IdTokenType(id_token=UPSTREAM_TOKEN, type=IdTokenEnumType.iso14443),
                remote_start_id=5,
            )
        )
        assert remote.status == "Accepted"
        assert_relayed(station, up, ours=3)


async def test_frames_that_are_not_ocpp_are_relayed_and_answered_by_upstream_only(
    bridged: Gateway, upstream: Upstream
) -> None:
    async with raw_socket(f"{bridged.ws}/CP16", subprotocols=["ocpp1.6"]) as ws:
        up = await upstream.station("CP16")
        garbage = ["not json at all", '[2, "x1"]', '{"type": 2}']
        for frame in garbage:
            await ws.send(frame)
        heartbeat = '[2,"hb-1","Heartbeat",{}]'
        await ws.send(heartbeat)
        # The existing CSMS ignores what is not OCPP; so does the station's answer stream: the next frame is
        # the CSMS's answer to the Heartbeat, no CALLERROR of ours before it.
        answer = json.loads(await asyncio.wait_for(ws.recv(), WITHIN))
        assert answer[:2] == [3, "hb-1"]
        assert up.socket.received == [*garbage, heartbeat]


async def test_a_16_transaction_through_the_bridge_is_a_session_under_the_upstream_id(
    bridged: Gateway, upstream: Upstream
) -> None:
    async with charger(bridged, "CP16") as station:
        await upstream.station("CP16")
        await station.boot()
        started = await station.ask(
            call16.StartTransaction(connector_id=1, id_tag=UPSTREAM_TOKEN, meter_start=1000, timestamp=NOW)
        )
        assert started.transaction_id == 4711
        await station.ask(
            call16.StopTransaction(
                meter_stop=3500, timestamp="2026-01-01T00:30:00Z", transaction_id=4711, id_tag=UPSTREAM_TOKEN
            )
        )
    # The station left right after its StopTransaction was answered: the hub still taps it before the
    # connection is over.
    await bridged.until_state("CP16", "offline", within=WITHIN)
    async with bridged.app.state.sessionmaker() as session:
        records = (
            await session.exec(select(TransactionRecord).where(col(TransactionRecord.station_id) == "CP16"))
        ).all()
    assert [(r.transaction_id, r.evse_uid, r.ended_at is not None) for r in records] == [
        ("4711", "LOC1-1", True)
    ]
    ours = (await bridged.admin("GET", f"sessions/NL/GWY/{records[0].session_id}")).json()["data"]
    assert ours["status"] == "COMPLETED"
    assert ours["kwh"] == 2.5
    assert ours["cdr_token"]["uid"] == UPSTREAM_TOKEN


async def test_our_calls_wait_until_the_station_answered_the_upstream(
    bridged: Gateway, upstream: Upstream, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with charger(bridged, "CP16") as station:
        up = await upstream.station("CP16")
        await station.boot()
        await wait_triggers(station, 1, within=WITHIN)
        station.release = asyncio.Event()
        asked = asyncio.get_running_loop().create_task(up.csms.call(call16.GetConfiguration()))
        await station.socket.until(lambda: '"GetConfiguration"' in station.socket.received[-1])

        link = bridged.gateway.links["CP16"]
        assert link.charge_point is not None
        bridge = link.charge_point._connection.bridge
        lane, entered = bridge.station_lane, asyncio.Event()

        async def watched_lane() -> None:
            entered.set()
            await lane()

        monkeypatch.setattr(bridge, "station_lane", watched_lane)
        ours = asyncio.get_running_loop().create_task(link.request_statuses())
        await asyncio.wait_for(entered.wait(), WITHIN)
        # A round trip of the station's: had our TriggerMessage been sent, the station would have read it.
        await station.heartbeat()
        assert len(station.triggers) == 1
        station.release.set()
        assert (await asyncio.wait_for(asked, WITHIN)).configuration_key
        await asyncio.wait_for(ours, WITHIN)
        assert len(station.triggers) == 2


class FakeTokens:
    """The hub's token lookup and transactions: ROAMING_TOKEN is a partner's, every other token unknown."""

    def __init__(self) -> None:
        self.asked: list[str] = []
        self.reports: list[TransactionReport] = []

    @staticmethod
    def answer(token: IdToken | None) -> AuthorizationAnswer:
        if token is not None and token.id_token == ROAMING_TOKEN:
            return AuthorizationAnswer(AuthorizationStatus.ACCEPTED, roaming=True)
        return AuthorizationAnswer(AuthorizationStatus.INVALID)

    async def authorize(
        self, station_id: str, token: IdToken, *, evse: int | None = None
    ) -> AuthorizationAnswer:
        self.asked.append(token.id_token)
        return self.answer(token)

    async def transaction_event(self, station_id: str, report: TransactionReport) -> TransactionOutcome:
        self.reports.append(report)
        return TransactionOutcome(authorization=self.answer(report.id_token) if report.id_token else None)


def upstream_authorizes(up: UpstreamStation) -> list[Any]:
    return [json.loads(raw)[3] for raw in frames(up.socket.received, 2) if json.loads(raw)[2] == "Authorize"]


async def test_roaming_tokens_are_answered_by_the_hub(
    bridged: Gateway, upstream: Upstream, monkeypatch: pytest.MonkeyPatch
) -> None:
    tokens = FakeTokens()
    monkeypatch.setattr(bridged.hub, "authorize", tokens.authorize)
    monkeypatch.setattr(bridged.hub, "transaction_event", tokens.transaction_event)
    async with charger(bridged, "CP16") as station:
        up = await upstream.station("CP16")
        await station.boot()
        roaming = await station.ask(call16.Authorize(id_tag=ROAMING_TOKEN))
        assert roaming.id_tag_info["status"] == "Accepted"
        assert tokens.asked == [ROAMING_TOKEN]  # the answer that decided is the answer given
        relayed = await station.ask(call16.Authorize(id_tag=UPSTREAM_TOKEN))
        assert relayed.id_tag_info["status"] == "Accepted"
        assert ROAMING_TOKEN in tokens.asked
        assert UPSTREAM_TOKEN in tokens.asked
        assert [a["idTag"] for a in upstream_authorizes(up)] == [UPSTREAM_TOKEN]

        # StartTransaction goes upstream (it assigns the transactionId) but the idTagInfo is ours.
        started = await station.ask(
            call16.StartTransaction(connector_id=1, id_tag=ROAMING_TOKEN, meter_start=0, timestamp=NOW)
        )
        assert started.transaction_id == 4711
        assert started.id_tag_info["status"] == "Accepted"
        upstream_answer = json.loads(frames(up.socket.sent, 3)[-1])
        assert upstream_answer[2] == {"transactionId": 4711, "idTagInfo": {"status": "Invalid"}}
        assert json.loads(frames(station.socket.received, 3)[-1])[2] == {
            "transactionId": 4711,
            "idTagInfo": {"status": "Accepted"},
        }
        # The hub's tap saw the transaction under the upstream's id.
        assert [r.transaction_id for r in tokens.reports if r.kind is TransactionEventKind.STARTED] == [
            "4711"
        ]

    async with charger(bridged, "CP201", "2.0.1") as station:
        up = await upstream.station("CP201")
        await station.boot()
        token = IdTokenType(id_token=ROAMING_TOKEN, type=IdTokenEnumType.iso14443)
        assert (await station.ask(call201.Authorize(id_token=token))).id_token_info["status"] == "Accepted"
        assert upstream_authorizes(up) == []
        event = await station.ask(
            call201.TransactionEvent(
                event_type=TransactionEventEnumType.started,
                timestamp=NOW,
                trigger_reason=TriggerReasonEnumType.authorized,
                seq_no=0,
                transaction_info=TransactionType(transaction_id="TX-ROAM"),
                id_token=token,
                evse=EVSEType(id=1, connector_id=1),
            )
        )
        assert event.id_token_info["status"] == "Accepted"
        assert json.loads(frames(up.socket.sent, 3)[-1])[2] == {"idTokenInfo": {"status": "Invalid"}}


async def test_the_upstream_dropping_closes_the_station(bridged: Gateway, upstream: Upstream) -> None:
    before = UPSTREAM_FAILURES.labels(phase="connected")._value.get()
    async with charger(bridged, "CP-LOCKED", password=PASSWORD) as station:
        up = await upstream.station("CP-LOCKED")
        assert up.authorization == basic("CP-LOCKED", PASSWORD)["Authorization"]
        await station.heartbeat()
        await up.ws.close()
        async with asyncio.timeout(WITHIN):
            await station.raw.wait_closed()
        assert station.raw.close_code == 1012
        await bridged.until_state("CP-LOCKED", "offline", within=WITHIN)
    assert UPSTREAM_FAILURES.labels(phase="connected")._value.get() == before + 1


async def test_the_station_dropping_closes_upstream(bridged: Gateway, upstream: Upstream) -> None:
    async with charger(bridged, "CP16") as station:
        up = await upstream.station("CP16")
        await station.heartbeat()
        await station.raw.close()
    async with asyncio.timeout(WITHIN):
        await up.closed.wait()


async def test_the_upstreams_refusal_of_the_credentials_reaches_the_station(
    bridged: Gateway, upstream: Upstream
) -> None:
    upstream.refuse["CP16"] = 401
    with pytest.raises(websockets.InvalidStatus) as refused:
        async with charger(bridged, "CP16"):
            pass
    assert refused.value.response.status_code == 401
    assert "CP16" not in upstream.stations


async def test_an_unreachable_upstream_refuses_the_station(
    make_gateway: MakeGateway, sqlite_url: str
) -> None:
    gateway = await make_gateway(sqlite_url, upstream_open_timeout=2)
    await bridge_stations(gateway, "ws://127.0.0.1:9/ocpp")
    with pytest.raises(websockets.InvalidStatus) as refused:
        async with charger(gateway, "CP16"):
            pass
    assert refused.value.response.status_code == 502
    # A station without an upstream is still our own.
    async with charger(gateway, "CP16-PAIR") as station:
        assert (await station.boot()).interval == gateway.ocpp.heartbeat_interval
