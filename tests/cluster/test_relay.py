"""The relay of charger calls between processes (hub.cluster.relay, hub.cluster.codec): two relays on one
PostgreSQL database as two processes would have them; calls and outcomes round-trip through JSON, a call to
a process that never answers times out, and a listener whose connection is killed reconnects and catches
up with the calls sent while it was away."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import text
from sqlmodel import col, select

from hub.cluster import codec
from hub.cluster.relay import CallRelay
from hub.db import SessionMaker, create_engine, create_sessionmaker
from hub.ocpi.v221.charging_profiles import (
    ActiveChargingProfileResult,
    ChargingProfile,
    ChargingProfileResultType,
)
from hub.ocpi.v221.commands import CommandResultType
from hub.ocpi.v221.tokens import Token
from hub.ports import ChargerRefusedError, ChargerTarget
from hub.tables.cluster import ChargerCallRecord

TARGET = ChargerTarget("NL", "GWY", "LOC1", "LOC1-1", "1")
TOKEN = Token.model_validate(
    {
        "country_code": "DE",
        "party_id": "MSP",
        "uid": "04A1B2C3D4",
        "type": "RFID",
        "contract_id": "DE-MSP-C12345678-X",
        "issuer": "MSP",
        "valid": True,
        "whitelist": "ALLOWED",
        "last_updated": "2026-01-01T00:00:00Z",
    }
)
PROFILE = ChargingProfile.model_validate(
    {
        "charging_rate_unit": "W",
        "start_date_time": "2026-12-01T10:00:00Z",
        "charging_profile_period": [{"start_period": 0, "limit": 11000}, {"start_period": 600, "limit": 8.1}],
    }
)
ACTIVE = ActiveChargingProfileResult.model_validate(
    {
        "result": "ACCEPTED",
        "profile": {
            "start_date_time": "2026-12-01T10:00:00Z",
            "charging_profile": {
                "charging_rate_unit": "A",
                "charging_profile_period": [{"start_period": 0, "limit": 16}],
            },
        },
    }
)


def _through_json(value: dict[str, Any]) -> dict[str, Any]:
    decoded: dict[str, Any] = json.loads(json.dumps(value))
    return decoded


@pytest.mark.parametrize(
    "arguments",
    [
        {"token": TOKEN, "authorization_reference": "AUTH-1"},
        {"token": TOKEN, "authorization_reference": None},
        {"session_id": "S1"},
        {
            "reservation_id": 7,
            "token": TOKEN,
            "expiry_date": datetime(2030, 1, 1, 12, 0, tzinfo=UTC),
            "authorization_reference": None,
        },
        {"reservation_id": 7},
        {},
        {"session_id": "S1", "charging_profile": PROFILE},
        {"session_id": "S1", "duration": 900},
    ],
)
def test_every_call_s_arguments_round_trip_through_json(arguments: dict[str, Any]) -> None:
    target, decoded = codec.decode_arguments(_through_json(codec.encode_arguments(TARGET, arguments)))
    assert target == TARGET
    assert decoded == arguments
    if "charging_profile" in decoded:
        assert decoded["charging_profile"].charging_profile_period[1].limit == Decimal("8.1")


@pytest.mark.parametrize(
    ("method", "result"),
    [
        ("start_session", CommandResultType.ACCEPTED),
        ("unlock_connector", CommandResultType.EVSE_OCCUPIED),
        ("set_charging_profile", ChargingProfileResultType.REJECTED),
        ("clear_charging_profile", ChargingProfileResultType.ACCEPTED),
        ("get_active_charging_profile", ACTIVE),
        (
            "get_active_charging_profile",
            ActiveChargingProfileResult(result=ChargingProfileResultType.UNKNOWN),
        ),
    ],
)
def test_every_result_round_trips_through_json(method: str, result: Any) -> None:
    decoded = codec.decode_outcome(method, _through_json(codec.encode_result(result)))
    assert decoded == result
    assert type(decoded) is type(result)


def test_refusals_timeouts_and_failures_are_raised_again_on_the_caller() -> None:
    refused = ChargerRefusedError(CommandResultType.REJECTED, "Token uid is longer than 20 characters")
    with pytest.raises(ChargerRefusedError) as raised:
        codec.decode_outcome("start_session", _through_json(codec.encode_error(refused)))
    assert (raised.value.result, raised.value.message) == (refused.result, refused.message)
    with pytest.raises(TimeoutError):
        codec.decode_outcome("start_session", _through_json(codec.encode_error(TimeoutError())))
    with pytest.raises(codec.RelayFailedError, match="ConnectionLostError"):
        codec.decode_outcome(
            "stop_session", codec.encode_error(type("ConnectionLostError", (Exception,), {})())
        )


# -- two relays on one database --------------------------------------------------------------------------


class Charger:
    """The owner's local ChargerCommands: answers start_session, records every call."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, ChargerTarget, dict[str, Any]]] = []

    async def start_session(
        self, target: ChargerTarget, *, token: Token, authorization_reference: str | None
    ) -> CommandResultType:
        self.calls.append(("start_session", target, {"token": token, "reference": authorization_reference}))
        return CommandResultType.ACCEPTED

    async def unlock_connector(self, target: ChargerTarget) -> CommandResultType:
        raise ChargerRefusedError(CommandResultType.FAILED, "The connection to Charge Point CP16 was lost")


@pytest.fixture
async def sessionmaker(cluster_url: str) -> AsyncIterator[SessionMaker]:
    engine = create_engine(cluster_url)
    yield create_sessionmaker(engine)
    await engine.dispose()


class Process:
    """One relay as a process runs it, its listener task running."""

    def __init__(self, sessionmaker: SessionMaker, url: str, process_id: str, charger: Charger) -> None:
        async def handle(method: str, arguments: dict[str, Any]) -> dict[str, Any]:
            return await codec.call(charger, method, arguments)  # type: ignore[arg-type]

        self.charger = charger
        self.relay = CallRelay(sessionmaker, url, process_id, handle)
        self.task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self.task = asyncio.create_task(self.relay.run())
        await asyncio.wait_for(self.relay.listening.wait(), 10)

    async def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()
            await asyncio.gather(self.task, return_exceptions=True)
            self.task = None
        await self.relay.close()


@pytest.fixture
async def processes(sessionmaker: SessionMaker, cluster_url: str) -> AsyncIterator[list[Process]]:
    started: list[Process] = []
    for name in ("caller", "owner"):
        process = Process(sessionmaker, cluster_url, f"{name}{time.monotonic_ns()}", Charger())
        await process.start()
        started.append(process)
    yield started
    for process in started:
        await process.stop()


async def _ask(caller: Process, owner: Process, method: str, within: float = 10.0, **arguments: Any) -> Any:
    outcome = await caller.relay.ask(
        "CP16", owner.relay.process_id, method, codec.encode_arguments(TARGET, arguments), within
    )
    return codec.decode_outcome(method, outcome)


async def test_a_call_runs_on_the_owner_and_its_outcome_comes_back(
    processes: list[Process], sessionmaker: SessionMaker
) -> None:
    caller, owner = processes
    assert await _ask(caller, owner, "start_session", token=TOKEN, authorization_reference="R1") == (
        CommandResultType.ACCEPTED
    )
    assert owner.charger.calls == [("start_session", TARGET, {"token": TOKEN, "reference": "R1"})]
    with pytest.raises(ChargerRefusedError, match="was lost") as refused:
        await _ask(caller, owner, "unlock_connector")
    assert refused.value.result == CommandResultType.FAILED
    async with sessionmaker() as session:
        rows = (
            await session.exec(
                select(ChargerCallRecord).where(col(ChargerCallRecord.caller) == caller.relay.process_id)
            )
        ).all()
    assert [(r.owner, r.method, r.claimed_at is not None, r.answered_at is not None) for r in rows] == [
        (owner.relay.process_id, "start_session", True, True),
        (owner.relay.process_id, "unlock_connector", True, True),
    ]


async def test_a_call_to_a_process_that_never_answers_times_out(processes: list[Process]) -> None:
    caller, owner = processes
    await owner.stop()
    began = time.monotonic()
    with pytest.raises(TimeoutError):
        await _ask(caller, owner, "start_session", within=0.5, token=TOKEN, authorization_reference=None)
    assert 0.5 <= time.monotonic() - began < 3
    # Past its deadline the call is not run when the owner comes back.
    await owner.start()
    assert await _ask(caller, owner, "start_session", token=TOKEN, authorization_reference="LATER") == (
        CommandResultType.ACCEPTED
    )
    assert [call[2]["reference"] for call in owner.charger.calls] == ["LATER"]


async def _terminate(sessionmaker: SessionMaker, relay: CallRelay) -> int:
    async with sessionmaker() as session:
        killed = (
            await session.exec(
                text(  # type: ignore[call-overload]
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = :name"
                ).bindparams(name=relay.application_name)
            )
        ).all()
    return len(killed)


async def test_the_listener_reconnects_after_its_connection_is_killed(
    processes: list[Process], sessionmaker: SessionMaker
) -> None:
    caller, owner = processes
    assert await _terminate(sessionmaker, owner.relay) == 1
    # The listener notices the lost connection on its own.
    await asyncio.wait_for(owner.relay.away.wait(), 10)
    # A call sent while the owner is away: its NOTIFY is lost, the owner finds the row when it is back.
    answer = asyncio.create_task(
        _ask(caller, owner, "start_session", token=TOKEN, authorization_reference="AWAY")
    )
    assert await asyncio.wait_for(answer, 15) == CommandResultType.ACCEPTED
    assert owner.relay.listening.is_set()
    assert [call[2]["reference"] for call in owner.charger.calls] == ["AWAY"]
    # And the caller's own listener, killed, still gets its answers.
    assert await _terminate(sessionmaker, caller.relay) == 1
    assert await _ask(caller, owner, "start_session", token=TOKEN, authorization_reference="BACK") == (
        CommandResultType.ACCEPTED
    )
