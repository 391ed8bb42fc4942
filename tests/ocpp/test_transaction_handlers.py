"""What the OCPP handlers tell the hub about charging, and what they answer (ocpp-notes §3.3, §3.6): real 1.6 and
2.0.1 chargers over websockets against the hub's OCPP endpoint, its transaction port replaced by a recorder
that allocates ids and answers authorizations as told."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from ocpp.exceptions import FormatViolationError, InternalError, TypeConstraintViolationError
from ocpp.v16 import call as call16
from ocpp.v16.datatypes import IdTagInfo
from ocpp.v16.enums import AuthorizationStatus as AuthorizationStatus16
from ocpp.v201 import call as call201
from ocpp.v201.datatypes import IdTokenType
from ocpp.v201.enums import IdTokenEnumType

from adapters.ocpp.tokens import id_tag_info, id_token_info
from adapters.ocpp.v16 import ChargePoint16
from hub.ports import (
    AuthorizationAnswer,
    AuthorizationStatus,
    ChargingState,
    IdToken,
    MeterReading,
    TransactionEventKind,
    TransactionOutcome,
    TransactionReport,
)
from tests.ocpp.chargers import station
from tests.ocpp.conftest import Gateway

STARTED, UPDATED, ENDED = (
    TransactionEventKind.STARTED,
    TransactionEventKind.UPDATED,
    TransactionEventKind.ENDED,
)
ACCEPTED = AuthorizationAnswer(status=AuthorizationStatus.ACCEPTED)


def at(minute: int, second: int = 0) -> datetime:
    return datetime(2026, 3, 1, 10, minute, second, tzinfo=UTC)


def wire(minute: int, second: int = 0) -> str:
    return at(minute, second).isoformat().replace("+00:00", "Z")


@dataclass
class Recorder:
    """The hub's transaction port: records what it is told, allocates 1.6 ids from 100, answers tokens."""

    reports: list[TransactionReport] = field(default_factory=list)
    tokens: list[IdToken] = field(default_factory=list)
    answers: dict[str, AuthorizationAnswer] = field(default_factory=dict)
    allocated: int = 100
    failing: bool = False
    # Connectors that are not mapped: the hub makes no Session of their transactions and allocates no id.
    unmapped: set[int] = field(default_factory=set)
    # Tokens the hub gives no authorization for in a transaction event.
    undecided: set[str] = field(default_factory=set)

    def answer(self, token: IdToken) -> AuthorizationAnswer:
        return self.answers.get(token.id_token, ACCEPTED)

    async def authorize(
        self, station_id: str, token: IdToken, *, evse: int | None = None
    ) -> AuthorizationAnswer:
        assert station_id in ("CP16", "CP201")
        if self.failing:
            raise RuntimeError("the database is gone")
        self.tokens.append(token)
        return self.answer(token)

    async def connector_status(self, station_id: str, report: Any) -> None:
        """Only for a charge point driven without the station hub."""

    async def transaction_event(self, station_id: str, report: TransactionReport) -> TransactionOutcome:
        if self.failing:
            raise RuntimeError("the database is gone")
        self.reports.append(report)
        transaction_id = report.transaction_id
        if report.kind is STARTED and transaction_id is None and report.evse not in self.unmapped:
            self.allocated += 1
            transaction_id = str(self.allocated)
        token = report.id_token
        authorization = (
            self.answer(token) if token is not None and token.id_token not in self.undecided else None
        )
        return TransactionOutcome(transaction_id=transaction_id, authorization=authorization, session_id="S")


@pytest.fixture
async def hub(sqlite_gateway: Gateway) -> tuple[Gateway, Recorder]:
    recorder = Recorder()
    sqlite_gateway.hub.charging = recorder  # type: ignore[assignment]
    return sqlite_gateway, recorder


def sampled(value: str, **fields: str) -> dict[str, Any]:
    return {"value": value, **fields}


# -- 1.6 -----------------------------------------------------------------------------------------------------


async def test_1_6_a_whole_transaction(hub: tuple[Gateway, Recorder]) -> None:
    gateway, recorder = hub
    recorder.answers["BAD"] = AuthorizationAnswer(status=AuthorizationStatus.INVALID)
    async with station(gateway.ws, "CP16") as cp:
        assert (await cp.authorize("BAD")).id_tag_info == {"status": "Invalid"}
        assert (await cp.authorize("04A1B2C3")).id_tag_info == {"status": "Accepted"}
        assert recorder.tokens == [IdToken("BAD", "ISO14443"), IdToken("04A1B2C3", "ISO14443")]

        started = await cp.start_transaction(2, "04A1B2C3", 1500, wire(0), reservation_id=7)
        assert started.transaction_id == 101
        assert started.id_tag_info == {"status": "Accepted"}
        await cp.meter(2, 101, (wire(1), [sampled("1600")]), (wire(2), [sampled("1.75", unit="kWh")]))
        await cp.meter(2, None, (wire(3), [sampled("7.2", measurand="Power.Active.Import", unit="kW")]))
        # The main meter (connector 0) and a MeterValues with nothing readable are no transaction's.
        await cp.meter(0, None, (wire(4), [sampled("99000")]))
        await cp.meter(2, 101, (wire(4), [sampled("lots")]))
        stopped = await cp.stop_transaction(
            101,
            2100,
            wire(9),
            reason="EVDisconnected",
            id_tag="04A1B2C3",
            transaction_data=[
                {"timestamp": wire(8), "sampledValue": [sampled("2000", context="Sample.Clock")]}
            ],
        )
        assert stopped.id_tag_info == {"status": "Accepted"}
        assert (await cp.stop_transaction(55, 10, wire(10))).id_tag_info is None

    token = IdToken("04A1B2C3")
    assert recorder.reports == [
        TransactionReport(
            kind=STARTED,
            timestamp=at(0),
            evse=2,
            connector=1,
            id_token=token,
            meter=(MeterReading(at(0), energy_wh=Decimal(1500), context="Transaction.Begin"),),
            reservation_id=7,
        ),
        TransactionReport(
            kind=UPDATED,
            timestamp=at(2),
            transaction_id="101",
            evse=2,
            connector=1,
            meter=(
                MeterReading(at(1), energy_wh=Decimal(1600), context="Sample.Periodic"),
                MeterReading(at(2), energy_wh=Decimal(1750), context="Sample.Periodic"),
            ),
        ),
        TransactionReport(
            kind=UPDATED,
            timestamp=at(3),
            evse=2,
            connector=1,
            meter=(MeterReading(at(3), power_w=Decimal(7200), context="Sample.Periodic"),),
        ),
        TransactionReport(
            kind=ENDED,
            timestamp=at(9),
            transaction_id="101",
            evse=2,
            connector=1,
            id_token=token,
            meter=(
                MeterReading(at(8), energy_wh=Decimal(2000), context="Sample.Clock"),
                MeterReading(at(9), energy_wh=Decimal(2100), context="Transaction.End"),
            ),
            stopped_reason="EVDisconnected",
        ),
        # A transaction this connection never saw: passed on as the station said (the hub ignores it).
        TransactionReport(
            kind=ENDED,
            timestamp=at(10),
            transaction_id="55",
            meter=(MeterReading(at(10), energy_wh=Decimal(10), context="Transaction.End"),),
            stopped_reason="Local",
        ),
    ]


async def test_1_6_connector_statuses_during_a_transaction_are_its_charging_state(
    hub: tuple[Gateway, Recorder],
) -> None:
    gateway, recorder = hub
    async with station(gateway.ws, "CP16") as cp:
        await cp.status(1, "Preparing")  # no transaction yet: a status only
        started = await cp.start_transaction(1, "TAG", 0, wire(0))
        for status in ["Charging", "SuspendedEV", "SuspendedEVSE", "Charging", "Faulted"]:
            await cp.status(1, status)
        await cp.status(2, "Charging")  # no transaction on connector 2
        await cp.stop_transaction(started.transaction_id, 5000, wire(30), reason="Local")
        await cp.status(1, "Finishing")  # after the end: nothing to tell
        # A MeterValues with a transactionId makes the connector's transaction known again (after a reconnect).
        await cp.meter(2, 77, (wire(31), [sampled("9")]))
        await cp.status(2, "Finishing")
        await cp.status(2, "Available")  # its Stop was lost: no transaction is on it now
        await cp.status(2, "Charging")
    updates = [
        (r.evse, r.connector, r.transaction_id, r.charging_state, r.meter)
        for r in recorder.reports
        if r.charging_state
    ]
    assert updates == [
        (1, 1, None, ChargingState.CHARGING, ()),
        (1, 1, None, ChargingState.SUSPENDED_EV, ()),
        (1, 1, None, ChargingState.SUSPENDED_EVSE, ()),
        (1, 1, None, ChargingState.CHARGING, ()),
        (2, 1, None, ChargingState.EV_CONNECTED, ()),
    ]
    assert all(r.kind is UPDATED for r in recorder.reports if r.charging_state)
    assert await gateway.evse_status("LOC1", "LOC1-2") == "CHARGING"  # the status itself still counts


STATUSES = [
    (AuthorizationStatus.ACCEPTED, "Accepted", "Accepted"),
    (AuthorizationStatus.BLOCKED, "Blocked", "Blocked"),
    (AuthorizationStatus.EXPIRED, "Expired", "Expired"),
    (AuthorizationStatus.INVALID, "Invalid", "Invalid"),
    (AuthorizationStatus.NO_CREDIT, "Invalid", "NoCredit"),
    (AuthorizationStatus.NOT_AT_THIS_LOCATION, "Invalid", "NotAtThisLocation"),
    (AuthorizationStatus.CONCURRENT_TX, "ConcurrentTx", "ConcurrentTx"),
    (AuthorizationStatus.UNKNOWN, "Invalid", "Unknown"),
]


async def test_authorization_answers_of_both_versions(hub: tuple[Gateway, Recorder]) -> None:
    gateway, recorder = hub
    assert {status for status, _, _ in STATUSES} == set(AuthorizationStatus)
    expiry = datetime(2027, 1, 2, 3, 4, 5, tzinfo=UTC)
    for status, _, _ in STATUSES:
        recorder.answers[status.value] = AuthorizationAnswer(status=status, group_id="FLEET-1", expiry=expiry)
    async with station(gateway.ws, "CP16") as cp:
        for status, ocpp16, _ in STATUSES:
            expected = {
                "status": ocpp16,
                "parent_id_tag": "FLEET-1",
                "expiry_date": "2027-01-02T03:04:05.000Z",
            }
            assert (await cp.authorize(status.value)).id_tag_info == expected, status
            started = await cp.start_transaction(1, status.value, 0, wire(0))
            assert started.id_tag_info == expected, status
            stopped = await cp.stop_transaction(started.transaction_id, 10, wire(1), id_tag=status.value)
            assert stopped.id_tag_info == expected, status
    async with station(gateway.ws, "CP201", version="2.0.1") as cp:
        for status, _, ocpp201 in STATUSES:
            expected201: dict[str, Any] = {
                "status": ocpp201,
                "cache_expiry_date_time": "2027-01-02T03:04:05.000Z",
                "group_id_token": {"id_token": "FLEET-1", "type": "Central"},
            }
            assert (await cp.authorize(status.value)).id_token_info == expected201, status
            answer = await cp.event(
                "Started", f"TX-{status.value}", 0, wire(0), evse=(1, 1), id_token=status.value
            )
            assert answer.id_token_info == expected201, status
    assert recorder.tokens == [IdToken(status.value, "ISO14443") for status, _, _ in STATUSES] * 2


def test_a_group_id_too_long_for_a_1_6_parent_id_tag_is_left_out() -> None:
    answer = AuthorizationAnswer(status=AuthorizationStatus.ACCEPTED, group_id="G" * 21)
    assert id_tag_info(answer) == IdTagInfo(status=AuthorizationStatus16.accepted)
    assert id_token_info(answer).group_id_token == IdTokenType(
        id_token="G" * 21, type=IdTokenEnumType.central
    )


async def test_no_authorization_from_the_hub(hub: tuple[Gateway, Recorder]) -> None:
    """A 1.6 StartTransaction must have an idTagInfo: Invalid; a StopTransaction and a TransactionEvent
    answer without one, and the station keeps to what it knows."""
    gateway, recorder = hub
    recorder.undecided.add("TAG")
    async with station(gateway.ws, "CP16") as cp:
        started = await cp.start_transaction(1, "TAG", 0, wire(0))
        assert started.id_tag_info == {"status": "Invalid"}
        assert (
            await cp.stop_transaction(started.transaction_id, 5, wire(1), id_tag="TAG")
        ).id_tag_info is None
    async with station(gateway.ws, "CP201", version="2.0.1") as cp:
        assert (
            await cp.event("Started", "TX", 0, wire(0), evse=(1, 1), id_token="TAG")
        ).id_token_info is None


async def test_a_failing_hub_is_a_callerror_and_the_connection_lives_on(
    hub: tuple[Gateway, Recorder],
) -> None:
    gateway, recorder = hub
    async with station(gateway.ws, "CP16") as cp:
        recorder.failing = True
        start = call16.StartTransaction(connector_id=1, id_tag="TAG", meter_start=0, timestamp=wire(0))
        with pytest.raises(InternalError):
            await cp.call(start, suppress=False)
        with pytest.raises(InternalError):
            await cp.call(call16.Authorize(id_tag="TAG"), suppress=False)
        recorder.failing = False
        assert (await cp.start_transaction(1, "TAG", 0, wire(0))).transaction_id == 101


async def test_1_6_a_transaction_the_hub_does_not_track_gets_a_negative_id(
    hub: tuple[Gateway, Recorder],
) -> None:
    gateway, recorder = hub
    recorder.unmapped.add(9)
    async with station(gateway.ws, "CP16") as cp:
        first = await cp.start_transaction(9, "TAG", 0, wire(0))
        assert (first.transaction_id, first.id_tag_info) == (-1, {"status": "Accepted"})
        assert (await cp.start_transaction(9, "TAG", 0, wire(1))).transaction_id == -2
        await cp.status(9, "Charging")
        assert (await cp.start_transaction(1, "TAG", 0, wire(2))).transaction_id == 101
    assert [r.kind for r in recorder.reports] == [STARTED] * 3  # no charging state for connector 9


async def test_wrong_types_are_refused_by_validation_before_the_hub_hears(
    hub: tuple[Gateway, Recorder],
) -> None:
    gateway, recorder = hub
    async with station(gateway.ws, "CP16") as cp:
        bad = call16.StartTransaction(connector_id="one", id_tag="TAG", meter_start=0, timestamp=wire(0))  # type: ignore[arg-type]
        with pytest.raises(TypeConstraintViolationError):
            await cp.call(bad, suppress=False, skip_schema_validation=True)
    async with station(gateway.ws, "CP201", version="2.0.1") as cp:
        event = call201.TransactionEvent(
            event_type="Paused",  # type: ignore[arg-type]
            timestamp=wire(0),
            trigger_reason="Authorized",  # type: ignore[arg-type]
            seq_no=0,
            transaction_info={"transactionId": "TX"},  # type: ignore[arg-type]
        )
        with pytest.raises(FormatViolationError):
            await cp.call(event, suppress=False, skip_schema_validation=True)
        # Over-long fields are let in, but not a transactionId: cut short, it could be another transaction's.
        long_id = call201.TransactionEvent(
            event_type="Started",  # type: ignore[arg-type]
            timestamp=wire(0),
            trigger_reason="Authorized",  # type: ignore[arg-type]
            seq_no=0,
            transaction_info={"transactionId": "T" * 37},  # type: ignore[arg-type]
        )
        with pytest.raises(TypeConstraintViolationError, match="transactionId is longer than 36"):
            await cp.call(long_id, suppress=False, skip_schema_validation=True)
        # An idToken over its 36 characters is harmless: accepted (and logged).
        long_token = call201.TransactionEvent(
            event_type="Started",  # type: ignore[arg-type]
            timestamp=wire(0),
            trigger_reason="Authorized",  # type: ignore[arg-type]
            seq_no=0,
            transaction_info={"transactionId": "T" * 36},  # type: ignore[arg-type]
            id_token={"idToken": "X" * 40, "type": "ISO14443"},  # type: ignore[arg-type]
        )
        await cp.call(long_token, suppress=False, skip_schema_validation=True)
    assert [(r.transaction_id, r.id_token) for r in recorder.reports] == [("T" * 36, IdToken("X" * 40))]
    recorder.reports.clear()
    assert recorder.reports == []


async def test_1_6_bridge_mode_takes_the_upstream_transaction_id() -> None:
    recorder = Recorder()

    class Link:
        station_id = "CP16"
        port = recorder
        connection_id = "c"

    charge_point = ChargePoint16(Link(), None, response_timeout=1)  # type: ignore[arg-type]
    charge_point.upstream_answer = {"transactionId": 4711, "idTagInfo": {"status": "Accepted"}}
    answer = await charge_point.on_start_transaction(3, "TAG", 250, wire(0))
    assert answer.transaction_id == 4711
    (report,) = recorder.reports
    assert (report.kind, report.transaction_id, report.evse) == (STARTED, "4711", 3)
    await charge_point.on_status_notification(3, "NoError", "Charging")
    assert recorder.reports[-1].charging_state is ChargingState.CHARGING


# -- 2.0.1 ---------------------------------------------------------------------------------------------------


def meter_value(minute: int, *values: dict[str, Any]) -> dict[str, Any]:
    return {"timestamp": wire(minute), "sampledValue": list(values)}


async def test_2_0_1_a_whole_transaction(hub: tuple[Gateway, Recorder]) -> None:
    gateway, recorder = hub
    async with station(gateway.ws, "CP201", version="2.0.1") as cp:
        started = await cp.event(
            "Started",
            "TX-9",
            0,
            wire(0),
            trigger="RemoteStart",
            evse=(1, 2),
            id_token="EMAID1",
            remote_start_id=42,
            reservation_id=3,
            charging_state="EVConnected",
            meter_value=[
                meter_value(
                    0, {"value": 1.5, "context": "Transaction.Begin", "unitOfMeasure": {"unit": "kWh"}}
                )
            ],
        )
        assert started.id_token_info == {"status": "Accepted"}
        updated = await cp.event(
            "Updated",
            "TX-9",
            1,
            wire(5),
            trigger="MeterValuePeriodic",
            charging_state="Charging",
            meter_value=[
                meter_value(
                    5,
                    {"value": 25, "unitOfMeasure": {"unit": "Wh", "multiplier": 2}},
                    {
                        "value": 11,
                        "measurand": "Power.Active.Import",
                        "unitOfMeasure": {"unit": "W", "multiplier": 3},
                    },
                    {"value": 60, "measurand": "SoC", "location": "EV", "unitOfMeasure": {"unit": "Percent"}},
                )
            ],
        )
        assert updated.id_token_info is None
        # Queued while offline, arriving after a later one.
        await cp.event(
            "Updated", "TX-9", 3, wire(20), trigger="ChargingStateChanged", charging_state="SuspendedEV"
        )
        await cp.event("Updated", "TX-9", 2, wire(15), trigger="MeterValuePeriodic", offline=True)
        ended = await cp.event(
            "Ended",
            "TX-9",
            4,
            wire(30),
            trigger="EVCommunicationLost",
            stopped_reason="EVDisconnected",
            charging_state="Idle",
            meter_value=[
                meter_value(
                    30, {"value": 4.25, "context": "Transaction.End", "unitOfMeasure": {"unit": "kWh"}}
                )
            ],
        )
        assert ended.id_token_info is None
        # Another transaction names its EVSE, without a connector, in its first event only.
        await cp.event("Started", "TX-10", 0, wire(40), trigger="CablePluggedIn", evse=(2, None))
        await cp.event(
            "Updated", "TX-10", 1, wire(41), trigger="ChargingStateChanged", charging_state="Charging"
        )
    assert recorder.reports == [
        TransactionReport(
            kind=STARTED,
            timestamp=at(0),
            transaction_id="TX-9",
            seq_no=0,
            evse=1,
            connector=2,
            id_token=IdToken("EMAID1", "ISO14443"),
            meter=(MeterReading(at(0), energy_wh=Decimal(1500), context="Transaction.Begin"),),
            charging_state=ChargingState.EV_CONNECTED,
            remote_start_id=42,
            reservation_id=3,
            trigger="RemoteStart",
        ),
        TransactionReport(
            kind=UPDATED,
            timestamp=at(5),
            transaction_id="TX-9",
            seq_no=1,
            evse=1,
            connector=2,
            meter=(
                MeterReading(
                    at(5),
                    energy_wh=Decimal(2500),
                    power_w=Decimal(11000),
                    soc=Decimal(60),
                    context="Sample.Periodic",
                ),
            ),
            charging_state=ChargingState.CHARGING,
            trigger="MeterValuePeriodic",
        ),
        TransactionReport(
            kind=UPDATED,
            timestamp=at(20),
            transaction_id="TX-9",
            seq_no=3,
            evse=1,
            connector=2,
            charging_state=ChargingState.SUSPENDED_EV,
            trigger="ChargingStateChanged",
        ),
        TransactionReport(
            kind=UPDATED,
            timestamp=at(15),
            transaction_id="TX-9",
            seq_no=2,
            evse=1,
            connector=2,
            offline=True,
            trigger="MeterValuePeriodic",
        ),
        TransactionReport(
            kind=ENDED,
            timestamp=at(30),
            transaction_id="TX-9",
            seq_no=4,
            evse=1,
            connector=2,
            meter=(MeterReading(at(30), energy_wh=Decimal(4250), context="Transaction.End"),),
            charging_state=ChargingState.IDLE,
            stopped_reason="EVDisconnected",
            trigger="EVCommunicationLost",
        ),
        TransactionReport(
            kind=STARTED,
            timestamp=at(40),
            transaction_id="TX-10",
            seq_no=0,
            evse=2,
            trigger="CablePluggedIn",
        ),
        TransactionReport(
            kind=UPDATED,
            timestamp=at(41),
            transaction_id="TX-10",
            seq_no=1,
            evse=2,
            charging_state=ChargingState.CHARGING,
            trigger="ChargingStateChanged",
        ),
    ]
