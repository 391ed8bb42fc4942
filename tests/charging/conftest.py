"""The hub's charging side driven directly (no websockets): StationHub and ChargingHub on a migrated database
with LOC1 (1.6 station CP16) and LOC2 (2.0.1 station CP201), Tariff T1 on every Connector of both, LOC3 (station
CP-FREE, no Tariff), a clock the test moves, and a fake eMSP DE*MSP that receives the pushes and answers real-time authorizations."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlmodel import col, select
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from hub.charging.service import ChargingHub
from hub.modules.objects import key, to_json
from hub.modules.tokens.repository import token_id
from hub.ocpi.base import parse_datetime
from hub.ocpi.v221.tokens import TokenType
from hub.ports import (
    ChargingState,
    IdToken,
    MeterReading,
    TransactionEventKind,
    TransactionOutcome,
    TransactionReport,
)
from hub.stations.imports import import_stations
from hub.stations.service import StationHub
from hub.stations.settings import OcppSettings
from hub.tables import PartnerEndpointRecord
from hub.tables.charging import TransactionRecord
from hub.tables.tokens import TokenRecord
from tests.fixtures_locations import energy_element, make_location
from tests.outbox.conftest import PushHub, fakes, hub, make_hub  # noqa: F401 (fixtures)
from tests.outbox.fake_partner import PREFIX, FakePartner, Fakes, Received, envelope

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
# 0.30 EUR/kWh and 2.00 EUR per hour of parking, both with 20 % VAT.
TARIFF_ELEMENTS = [
    energy_element(0.30, vat=20.0),
    {"price_components": [{"type": "PARKING_TIME", "price": 2.0, "vat": 20.0, "step_size": 1}]},
]
STATIONS: list[dict[str, Any]] = [
    {
        "station_id": "CP16",
        "location_id": "LOC1",
        "connectors": [
            {"evse": 1, "evse_uid": "LOC1-1", "connector_id": "1"},
            {"evse": 2, "evse_uid": "LOC1-2", "connector_id": "1"},
        ],
    },
    {
        "station_id": "CP201",
        "location_id": "LOC2",
        "connectors": [
            {"evse": 1, "connector": 1, "evse_uid": "LOC2-1", "connector_id": "1"},
            {"evse": 1, "connector": 2, "evse_uid": "LOC2-1", "connector_id": "2"},
            {"evse": 2, "connector": 1, "evse_uid": "LOC2-2", "connector_id": "1"},
        ],
    },
    {
        "station_id": "CP-FREE",
        "location_id": "LOC3",
        "connectors": [{"evse": 1, "connector": 1, "evse_uid": "LOC3-1", "connector_id": "1"}],
    },
]


class Clock:
    def __init__(self) -> None:
        self.at = T0

    def __call__(self) -> datetime:
        return self.at

    def advance(self, seconds: float) -> None:
        self.at += timedelta(seconds=seconds)


class Emsp(FakePartner):
    """The fake eMSP with a Tokens Sender that answers POST {tokens}/{uid}/authorize with `answers[uid]`
    (an AuthorizationInfo, or an OCPI status code: 2004 = unknown Token)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.answers: dict[str, dict[str, Any] | int] = {}

    async def _answer(self, request: Request, received: Received) -> Response:
        if received.method == "POST" and received.path.endswith("/authorize"):
            uid = received.parts[0]
            answer = self.answers.get(uid, 2004)
            if isinstance(answer, int):
                return self._answered(
                    received, "refused", JSONResponse(envelope(answer, "Unknown Token"), 404)
                )
            return self._answered(received, "authorized", JSONResponse(envelope(data=answer)))
        return await super()._answer(request, received)


def token_body(
    uid: str, *, whitelist: str = "ALLOWED", valid: bool = True, type: str = "RFID"
) -> dict[str, Any]:
    return {
        "country_code": "DE",
        "party_id": "MSP",
        "uid": uid,
        "type": type,
        "contract_id": f"DE-MSP-{uid}"[:36],
        "issuer": "Fake eMSP",
        "valid": valid,
        "whitelist": whitelist,
        "last_updated": "2026-01-01T00:00:00Z",
    }


def _decimal(value: float | None) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def reading(
    at: datetime,
    wh: float | None = None,
    *,
    power_w: float | None = None,
    soc: float | None = None,
    context: str | None = None,
) -> MeterReading:
    return MeterReading(
        timestamp=at, energy_wh=_decimal(wh), power_w=_decimal(power_w), soc=_decimal(soc), context=context
    )


@dataclass
class Rig:
    hub: PushHub
    stations: StationHub
    emsp: Emsp
    partner_id: int
    clock: Clock
    delivered: int = field(default=0)

    @property
    def charging(self) -> ChargingHub:
        return self.stations.charging

    async def push_token(self, uid: str, **kwargs: Any) -> None:
        """A Token the eMSP pushed to us."""
        body = token_body(uid, **kwargs)
        async with self.hub.app.state.sessionmaker() as session:
            session.add(
                TokenRecord(
                    country_code="DE",
                    party_id="MSP",
                    object_key=key(token_id(uid, TokenType(body["type"]))),
                    partner_id=self.partner_id,
                    last_updated=parse_datetime(body["last_updated"]),
                    body=to_json(body),
                )
            )
            await session.commit()

    async def event(
        self,
        kind: TransactionEventKind,
        at: datetime,
        *,
        station: str = "CP201",
        token: str | None = None,
        token_type: str = "ISO14443",
        **kwargs: Any,
    ) -> TransactionOutcome:
        report = TransactionReport(
            kind=kind,
            timestamp=at,
            id_token=None if token is None else IdToken(token, token_type),
            **kwargs,
        )
        return await self.stations.transaction_event(station, report)

    async def start(self, at: datetime = T0, **kwargs: Any) -> TransactionOutcome:
        kwargs.setdefault("transaction_id", "TX1")
        kwargs.setdefault("seq_no", 0)
        kwargs.setdefault("evse", 1)
        kwargs.setdefault("connector", 1)
        kwargs.setdefault("token", "CARD1")
        kwargs.setdefault("charging_state", ChargingState.CHARGING)
        kwargs.setdefault("meter", (reading(at, 1000, context="Transaction.Begin"),))
        return await self.event(TransactionEventKind.STARTED, at, **kwargs)

    async def update(
        self, at: datetime, seq_no: int | None, wh: float | None = None, **kwargs: Any
    ) -> TransactionOutcome:
        kwargs.setdefault("transaction_id", "TX1")
        meter = kwargs.pop("meter", None)
        if meter is None:
            power = kwargs.pop("power_w", None)
            soc = kwargs.pop("soc", None)
            meter = (
                (reading(at, wh, power_w=power, soc=soc, context="Sample.Periodic"),)
                if wh is not None
                else ()
            )
        return await self.event(TransactionEventKind.UPDATED, at, seq_no=seq_no, meter=meter, **kwargs)

    async def end(
        self, at: datetime, seq_no: int | None, wh: float | None = None, **kwargs: Any
    ) -> TransactionOutcome:
        kwargs.setdefault("transaction_id", "TX1")
        meter = () if wh is None else (reading(at, wh, context="Transaction.End"),)
        return await self.event(TransactionEventKind.ENDED, at, seq_no=seq_no, meter=meter, **kwargs)

    async def deliver(self) -> None:
        await self.hub.drain()

    def session_pushes(self) -> list[Received]:
        return self.emsp.accepted("sessions")

    def new_session_pushes(self) -> list[Received]:
        """Session pushes since the last call."""
        pushes = self.session_pushes()
        new, self.delivered = pushes[self.delivered :], len(pushes)
        return new

    def emsp_session(self, session_id: str) -> dict[str, Any]:
        stored: dict[str, Any] = self.emsp.model.objects[("sessions", "NL", "GWY", session_id.upper())]
        return stored

    async def transaction(
        self, transaction_id: str = "TX1", station: str = "CP201", *, stored: bool = False
    ) -> TransactionRecord:
        """The transaction as the hub knows it: its row with what the events since its last write changed
        (kept in memory); `stored`: the row alone."""
        async with self.hub.app.state.sessionmaker() as session:
            statement = select(TransactionRecord).where(
                col(TransactionRecord.station_id) == station,
                col(TransactionRecord.transaction_id) == transaction_id,
            )
            record: TransactionRecord = (await session.exec(statement)).one()
        live = None if stored else self.charging.live.current(record)
        if live is not None:
            live.onto(record)
        return record

    async def our_session(self, session_id: str) -> dict[str, Any]:
        response = await self.hub.admin("GET", f"sessions/NL/GWY/{session_id}")
        body: dict[str, Any] = response.json()["data"]
        return body


@pytest.fixture
async def rig(hub: PushHub, fakes: Fakes) -> Rig:  # noqa: F811
    await hub.put_tariff("T1", elements=TARIFF_ELEMENTS)
    await hub.admin("PUT", "locations/NL/GWY/LOC1", make_location("LOC1", connectors=1, tariff_ids=["T1"]))
    await hub.admin("PUT", "locations/NL/GWY/LOC2", make_location("LOC2", tariff_ids=["T1"]))
    await hub.admin("PUT", "locations/NL/GWY/LOC3", make_location("LOC3", evses=1, connectors=1))
    report = await import_stations(hub.app.state.sessionmaker, hub.settings, STATIONS)
    assert report.created == len(STATIONS), report
    emsp = Emsp("emsp")
    await emsp.start()
    fakes.started.append(emsp)
    partner_id = await hub.add_partner(emsp)
    async with hub.app.state.sessionmaker() as session:
        session.add(
            PartnerEndpointRecord(
                partner_id=partner_id,
                module="tokens",
                interface_role="SENDER",
                url=f"{emsp.url}{PREFIX}/tokens",
            )
        )
        await session.commit()
    clock = Clock()
    ocpp = OcppSettings(authorize_timeout=3.0)
    stations = StationHub(hub.app.state.sessionmaker, hub.settings, ocpp, client=hub.app.state.partner_client)
    stations.charging = ChargingHub(
        hub.app.state.sessionmaker, hub.settings, hub.app.state.partner_client, ocpp=ocpp, now=clock
    )
    return Rig(hub, stations, emsp, partner_id, clock)
