"""Commands and charging profiles through OCPP (ocpp-notes §3.4, §3.5): the ChargerCommands port asked directly
with real 1.6 and 2.0.1 chargers on the hub's endpoint, for every row of the result mapping and the exact
payloads the chargers receive; and one OCPI round trip from an eMSP partner's POST to its response_url, with a
charger that is offline answered REJECTED at once."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from ocpp.exceptions import InternalError, NotSupportedError, OCPPError
from ocpp.exceptions import NotImplementedError as OcppNotImplementedError

from adapters.ocpp.commands import OcppChargerCommands
from adapters.ocpp.profiles import profile_id, tenth
from hub.ocpi.v221.charging_profiles import ChargingProfile, ChargingProfileResultType
from hub.ocpi.v221.commands import CommandResultType
from hub.ocpi.v221.tokens import Token
from hub.ports import (
    AuthorizationAnswer,
    ChargerAddress,
    ChargerCommands,
    ChargerRefusedError,
    ChargerTarget,
    IdToken,
    RunningTransaction,
    TransactionOutcome,
    TransactionReport,
)
from hub.security import hash_token
from hub.tables.partner import PartnerTokenRecord, TokenKind
from tests.conftest import ocpi_auth, settle
from tests.ocpp.chargers import HANG, station
from tests.ocpp.conftest import STATIONS, Gateway, MakeGateway
from tests.outbox.conftest import PushHub
from tests.outbox.fake_partner import Fakes

EXPIRY = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)
RFID = {
    "country_code": "DE",
    "party_id": "MSP",
    "uid": "04A1B2C3D4",
    "type": "RFID",
    "contract_id": "04A1B2C3D4",
}
APP_USER = {**RFID, "uid": "APP-USER-7", "type": "APP_USER", "contract_id": "DE-MSP-C12345678-X"}
LONG_UID = {**RFID, "uid": "bdf21bce-fc97-11e8-8eb2-f2801f1b9fd1", "type": "APP_USER"}


def call_error(kind: type[OCPPError]) -> OCPPError:
    """The charger answers with a CALLERROR of this kind."""
    return kind()


def token(body: dict[str, Any], **overrides: Any) -> Token:
    return Token.model_validate(
        {"issuer": "MSP", "valid": True, "whitelist": "ALLOWED", "last_updated": "2026-01-01T00:00:00Z"}
        | body
        | overrides
    )


def target(location_id: str, evse_uid: str | None = None, connector_id: str | None = None) -> ChargerTarget:
    return ChargerTarget("NL", "GWY", location_id, evse_uid, connector_id)


class Lookups:
    """The hub's side of the port (TransactionPort.locate, running_transaction, remote_start) for the stations
    of tests/ocpp/conftest.py, recording the remote starts."""

    def __init__(self) -> None:
        self.running: dict[str, RunningTransaction] = {}
        self.remote_starts: list[tuple[ChargerAddress, str, str | None]] = []

    async def locate(self, where: ChargerTarget) -> ChargerAddress | None:
        for mapped in STATIONS:
            if mapped["location_id"] != where.location_id:
                continue
            for c in mapped["connectors"]:
                if where.evse_uid is not None and c["evse_uid"].upper() != where.evse_uid.upper():
                    continue
                if where.connector_id is not None and c["connector_id"] != where.connector_id:
                    continue
                return ChargerAddress(mapped["station_id"], c["evse"], c.get("connector", 1))
        return None

    async def running_transaction(self, session_id: str) -> RunningTransaction | None:
        return self.running.get(session_id)

    async def remote_start(
        self, address: ChargerAddress, *, token: Token, authorization_reference: str | None
    ) -> int:
        self.remote_starts.append((address, token.uid, authorization_reference))
        return 4100 + len(self.remote_starts)

    async def authorize(
        self, station_id: str, token: IdToken, *, evse: int | None = None
    ) -> AuthorizationAnswer:
        raise NotImplementedError

    async def transaction_event(self, station_id: str, report: TransactionReport) -> TransactionOutcome:
        raise NotImplementedError


RUNNING_16 = RunningTransaction("S-16", "CP16", "1234", 1, 1)
RUNNING_201 = RunningTransaction("S-201", "CP201", "tx-201-1", 1, 2)


@pytest.fixture
async def hub(make_gateway: MakeGateway, sqlite_url: str) -> Gateway:
    return await make_gateway(sqlite_url)


@pytest.fixture
def lookups() -> Lookups:
    found = Lookups()
    found.running = {"S-16": RUNNING_16, "S-201": RUNNING_201}
    return found


@pytest.fixture
def port(hub: Gateway, lookups: Lookups) -> OcppChargerCommands:
    made = OcppChargerCommands(hub.gateway, lookups)
    as_port: ChargerCommands = made  # mypy checks that it is the port the hub asks
    assert as_port is made
    return made


async def connected(hub: Gateway, station_id: str) -> None:
    """Until the hub holds the station's websocket (the charger's first call has been answered)."""

    async def check() -> bool:
        return station_id in hub.gateway.links

    await hub.until(check)


# -- START_SESSION -----------------------------------------------------------------------------------------


async def test_1_6_start_session_is_a_remote_start_on_the_evse_s_connector(
    hub: Gateway, port: OcppChargerCommands, lookups: Lookups
) -> None:
    async with station(hub.ws, "CP16") as cp:
        await cp.heartbeat()
        result = await port.start_session(
            target("LOC1", "LOC1-2", "1"), token=token(RFID), authorization_reference="AUTH-1"
        )
        assert result == CommandResultType.ACCEPTED
        assert cp.payloads("RemoteStartTransaction") == [{"idTag": "04A1B2C3D4", "connectorId": 2}]
        assert lookups.remote_starts == [(ChargerAddress("CP16", 2, 1), "04A1B2C3D4", "AUTH-1")]
        # 1.6 idTag is CiString20: a longer uid never reaches the charger.
        with pytest.raises(ChargerRefusedError) as refused:
            await port.start_session(
                target("LOC1", "LOC1-1"), token=token(LONG_UID), authorization_reference=None
            )
        assert refused.value.result == CommandResultType.REJECTED
        assert "longer than the 20 characters" in refused.value.message
        assert len(cp.payloads("RemoteStartTransaction")) == 1
        assert len(lookups.remote_starts) == 1


async def test_2_0_1_start_session_carries_the_recorded_remote_start_id_and_the_token_type(
    hub: Gateway, port: OcppChargerCommands, lookups: Lookups
) -> None:
    async with station(hub.ws, "CP201", version="2.0.1") as cp:
        await cp.heartbeat()
        assert await port.start_session(
            target("LOC2", "LOC2-2"), token=token(RFID), authorization_reference=None
        ) == (CommandResultType.ACCEPTED)
        assert (
            await port.start_session(
                target("LOC2", "LOC2-1", "2"), token=token(APP_USER), authorization_reference="AUTH-2"
            )
            == CommandResultType.ACCEPTED
        )
        assert (
            await port.start_session(
                target("LOC2", "LOC2-2"), token=token(LONG_UID), authorization_reference=None
            )
            == CommandResultType.ACCEPTED
        )
    assert cp.payloads("RequestStartTransaction") == [
        {"idToken": {"idToken": "04A1B2C3D4", "type": "ISO14443"}, "remoteStartId": 4101, "evseId": 2},
        {
            "idToken": {
                "idToken": "APP-USER-7",
                "type": "Central",
                "additionalInfo": [{"additionalIdToken": "DE-MSP-C12345678-X", "type": "eMAID"}],
            },
            "remoteStartId": 4102,
            "evseId": 1,
        },
        {
            "idToken": {
                "idToken": "bdf21bce-fc97-11e8-8eb2-f2801f1b9fd1",
                "type": "Central",
                "additionalInfo": [{"additionalIdToken": "04A1B2C3D4", "type": "eMAID"}],
            },
            "remoteStartId": 4103,
            "evseId": 2,
        },
    ]
    assert [start[:1] for start in lookups.remote_starts] == [
        (ChargerAddress("CP201", 2, 1),),
        (ChargerAddress("CP201", 1, 2),),
        (ChargerAddress("CP201", 2, 1),),
    ]


# -- the other commands: payloads ------------------------------------------------------------------------------


async def test_1_6_command_payloads(hub: Gateway, port: OcppChargerCommands) -> None:
    async with station(hub.ws, "CP16") as cp:
        await cp.heartbeat()
        grouped = token(RFID, group_id="GROUP-1")
        reserve = port.reserve_now
        assert (
            await reserve(
                target("LOC1", "LOC1-2"),
                reservation_id=77,
                token=grouped,
                expiry_date=EXPIRY,
                authorization_reference=None,
            )
            == CommandResultType.ACCEPTED
        )
        await reserve(
            target("LOC1"),
            reservation_id=78,
            token=token(RFID),
            expiry_date=EXPIRY,
            authorization_reference=None,
        )
        await port.cancel_reservation(target("LOC1", "LOC1-2"), reservation_id=77)
        await port.unlock_connector(target("LOC1", "LOC1-2", "1"))
        await port.stop_session(target("LOC1", "LOC1-1", "1"), session_id="S-16")
    assert cp.payloads("ReserveNow") == [
        {
            "connectorId": 2,
            "expiryDate": "2030-01-01T12:00:00Z",
            "idTag": "04A1B2C3D4",
            "reservationId": 77,
            "parentIdTag": "GROUP-1",
        },
        # no EVSE named: connectorId 0, any connector of the Charge Point
        {"connectorId": 0, "expiryDate": "2030-01-01T12:00:00Z", "idTag": "04A1B2C3D4", "reservationId": 78},
    ]
    assert cp.payloads("CancelReservation") == [{"reservationId": 77}]
    assert cp.payloads("UnlockConnector") == [{"connectorId": 2}]
    assert cp.payloads("RemoteStopTransaction") == [{"transactionId": 1234}]


async def test_2_0_1_command_payloads(hub: Gateway, port: OcppChargerCommands) -> None:
    async with station(hub.ws, "CP201", version="2.0.1") as cp:
        await cp.heartbeat()
        await port.reserve_now(
            target("LOC2", "LOC2-2"),
            reservation_id=77,
            token=token(RFID),
            expiry_date=EXPIRY,
            authorization_reference=None,
        )
        await port.reserve_now(
            target("LOC2"),
            reservation_id=78,
            token=token(RFID, group_id="GROUP-1"),
            expiry_date=EXPIRY,
            authorization_reference=None,
        )
        await port.cancel_reservation(target("LOC2", "LOC2-2"), reservation_id=77)
        assert await port.unlock_connector(target("LOC2", "LOC2-1", "2")) == CommandResultType.ACCEPTED
        await port.stop_session(target("LOC2", "LOC2-1", "2"), session_id="S-201")
    rfid = {"idToken": "04A1B2C3D4", "type": "ISO14443"}
    assert cp.payloads("ReserveNow") == [
        {"id": 77, "expiryDateTime": "2030-01-01T12:00:00Z", "idToken": rfid, "evseId": 2},
        {
            "id": 78,
            "expiryDateTime": "2030-01-01T12:00:00Z",
            "idToken": rfid,
            "groupIdToken": {"idToken": "GROUP-1", "type": "Central"},
        },
    ]
    assert cp.payloads("CancelReservation") == [{"reservationId": 77}]
    assert cp.payloads("UnlockConnector") == [{"evseId": 1, "connectorId": 2}]
    assert cp.payloads("RequestStopTransaction") == [{"transactionId": "tx-201-1"}]


# -- the result mapping ----------------------------------------------------------------------------------------


def _ask(port: OcppChargerCommands, command: str, location_id: str, evse_uid: str, session_id: str) -> Any:
    if command == "start":
        return port.start_session(
            target(location_id, evse_uid), token=token(RFID), authorization_reference=None
        )
    if command == "stop":
        return port.stop_session(target(location_id, evse_uid), session_id=session_id)
    if command == "reserve":
        return port.reserve_now(
            target(location_id, evse_uid),
            reservation_id=5,
            token=token(RFID),
            expiry_date=EXPIRY,
            authorization_reference=None,
        )
    if command == "cancel":
        return port.cancel_reservation(target(location_id, evse_uid), reservation_id=5)
    return port.unlock_connector(target(location_id, evse_uid, "1"))


ROWS_16: list[tuple[str, str, Any, CommandResultType]] = [
    ("start", "RemoteStartTransaction", "Rejected", CommandResultType.REJECTED),
    ("stop", "RemoteStopTransaction", "Accepted", CommandResultType.ACCEPTED),
    ("stop", "RemoteStopTransaction", "Rejected", CommandResultType.REJECTED),
    ("reserve", "ReserveNow", "Occupied", CommandResultType.EVSE_OCCUPIED),
    ("reserve", "ReserveNow", "Faulted", CommandResultType.EVSE_INOPERATIVE),
    ("reserve", "ReserveNow", "Unavailable", CommandResultType.EVSE_INOPERATIVE),
    ("reserve", "ReserveNow", "Rejected", CommandResultType.REJECTED),
    ("cancel", "CancelReservation", "Accepted", CommandResultType.ACCEPTED),
    ("cancel", "CancelReservation", "Rejected", CommandResultType.UNKNOWN_RESERVATION),
    ("unlock", "UnlockConnector", "Unlocked", CommandResultType.ACCEPTED),
    ("unlock", "UnlockConnector", "UnlockFailed", CommandResultType.FAILED),
    ("unlock", "UnlockConnector", "NotSupported", CommandResultType.NOT_SUPPORTED),
    ("start", "RemoteStartTransaction", call_error(OcppNotImplementedError), CommandResultType.NOT_SUPPORTED),
    ("reserve", "ReserveNow", call_error(NotSupportedError), CommandResultType.NOT_SUPPORTED),
    ("unlock", "UnlockConnector", call_error(InternalError), CommandResultType.FAILED),
]

ROWS_201: list[tuple[str, str, Any, CommandResultType]] = [
    ("start", "RequestStartTransaction", "Rejected", CommandResultType.REJECTED),
    ("stop", "RequestStopTransaction", "Accepted", CommandResultType.ACCEPTED),
    ("stop", "RequestStopTransaction", "Rejected", CommandResultType.REJECTED),
    ("reserve", "ReserveNow", "Occupied", CommandResultType.EVSE_OCCUPIED),
    ("reserve", "ReserveNow", "Faulted", CommandResultType.EVSE_INOPERATIVE),
    ("reserve", "ReserveNow", "Unavailable", CommandResultType.EVSE_INOPERATIVE),
    ("reserve", "ReserveNow", "Rejected", CommandResultType.REJECTED),
    ("cancel", "CancelReservation", "Accepted", CommandResultType.ACCEPTED),
    ("cancel", "CancelReservation", "Rejected", CommandResultType.UNKNOWN_RESERVATION),
    ("unlock", "UnlockConnector", "Unlocked", CommandResultType.ACCEPTED),
    ("unlock", "UnlockConnector", "UnlockFailed", CommandResultType.FAILED),
    ("unlock", "UnlockConnector", "OngoingAuthorizedTransaction", CommandResultType.REJECTED),
    ("unlock", "UnlockConnector", "UnknownConnector", CommandResultType.REJECTED),
    ("reserve", "ReserveNow", call_error(OcppNotImplementedError), CommandResultType.NOT_SUPPORTED),
    ("start", "RequestStartTransaction", call_error(NotSupportedError), CommandResultType.NOT_SUPPORTED),
    ("unlock", "UnlockConnector", call_error(InternalError), CommandResultType.FAILED),
]


@pytest.mark.parametrize(
    ("version", "station_id", "location_id", "evse_uid", "session_id", "rows"),
    [
        ("1.6", "CP16", "LOC1", "LOC1-1", "S-16", ROWS_16),
        ("2.0.1", "CP201", "LOC2", "LOC2-1", "S-201", ROWS_201),
    ],
)
async def test_every_answer_of_the_charger_maps_to_its_command_result(
    hub: Gateway,
    port: OcppChargerCommands,
    version: str,
    station_id: str,
    location_id: str,
    evse_uid: str,
    session_id: str,
    rows: list[tuple[str, str, Any, CommandResultType]],
) -> None:
    async with station(hub.ws, station_id, version=version) as cp:
        await cp.heartbeat()
        for command, action, answer, expected in rows:
            cp.answers = {action: answer}
            before = len(cp.payloads(action))
            result = await _ask(port, command, location_id, evse_uid, session_id)
            assert (action, answer, result) == (action, answer, expected)
            assert len(cp.payloads(action)) == before + 1, (action, answer)


async def test_a_charger_that_does_not_answer_in_time_is_a_timeout(
    make_gateway: MakeGateway, sqlite_url: str
) -> None:
    hub = await make_gateway(sqlite_url, response_timeout=0.3)
    port = OcppChargerCommands(hub.gateway, Lookups())
    async with station(hub.ws, "CP16") as cp:
        await cp.heartbeat()
        cp.answers = {"UnlockConnector": HANG}
        with pytest.raises(TimeoutError):
            await port.unlock_connector(target("LOC1", "LOC1-1", "1"))
        assert cp.payloads("UnlockConnector") == [{"connectorId": 1}]


async def test_a_connection_lost_while_waiting_is_failed_at_once(
    hub: Gateway, port: OcppChargerCommands
) -> None:
    async with station(hub.ws, "CP201", version="2.0.1") as cp:
        await cp.heartbeat()
        cp.answers = {"UnlockConnector": HANG}
        asked = asyncio.ensure_future(port.unlock_connector(target("LOC2", "LOC2-2", "1")))
        await asyncio.wait_for(cp.hanging.wait(), 5)
    # the hub's response timeout is 30 s: the closed websocket ends the call, not the timeout
    with pytest.raises(ChargerRefusedError) as refused:
        await asyncio.wait_for(asked, 5)
    assert refused.value.result == CommandResultType.FAILED
    assert "connection to Charge Point CP201 was lost" in refused.value.message


async def test_reachable_names_why_a_charger_cannot_be_asked(hub: Gateway, port: OcppChargerCommands) -> None:
    assert await port.reachable(target("LOC1", "LOC1-1")) == "Charge Point CP16 is offline"
    assert (
        await port.reachable(target("LOC9", "LOC9-1", "1"))
        == "No Charge Point serves Location LOC9 EVSE LOC9-1 Connector 1"
    )
    with pytest.raises(ChargerRefusedError) as refused:
        await port.unlock_connector(target("LOC1", "LOC1-1", "1"))
    assert (refused.value.result, refused.value.message) == (
        CommandResultType.FAILED,
        "Charge Point CP16 is offline",
    )
    async with station(hub.ws, "CP16") as cp:
        await cp.heartbeat()
        await connected(hub, "CP16")
        assert await port.reachable(target("LOC1", "LOC1-1")) is None
        hub.gateway.links["CP16"].silent = True
        assert await port.reachable(target("LOC1", "LOC1-1")) == "Charge Point CP16 is not responding"


# -- charging profiles -----------------------------------------------------------------------------------------

PROFILE = ChargingProfile.model_validate(
    {
        "duration": 3600,
        "charging_rate_unit": "A",
        "min_charging_rate": 6,
        "charging_profile_period": [{"start_period": 0, "limit": 16}, {"start_period": 1800, "limit": 8.1}],
    }
)
ABSOLUTE = ChargingProfile.model_validate(
    {
        "start_date_time": "2026-01-01T10:00:00Z",
        "charging_rate_unit": "W",
        "charging_profile_period": [{"start_period": 0, "limit": 11000}],
    }
)


def test_limits_are_rounded_down_to_one_decimal() -> None:
    assert [tenth(v) for v in (Decimal("6.25"), 16, 7.99, "8.1")] == [
        Decimal("6.2"),
        Decimal("16.0"),
        Decimal("7.9"),
        Decimal("8.1"),
    ]


async def test_1_6_charging_profiles(hub: Gateway, port: OcppChargerCommands) -> None:
    pid = profile_id("S-16")
    async with station(hub.ws, "CP16") as cp:
        await cp.heartbeat()
        assert await port.set_charging_profile(
            target("LOC1"), session_id="S-16", charging_profile=PROFILE
        ) == (ChargingProfileResultType.ACCEPTED)
        await port.set_charging_profile(target("LOC1"), session_id="S-16", charging_profile=ABSOLUTE)
        for answer, expected in [
            ("Rejected", ChargingProfileResultType.REJECTED),
            ("NotSupported", ChargingProfileResultType.REJECTED),
            (call_error(OcppNotImplementedError), ChargingProfileResultType.REJECTED),
        ]:
            cp.answers = {"SetChargingProfile": answer}
            assert (
                await port.set_charging_profile(target("LOC1"), session_id="S-16", charging_profile=PROFILE)
                == expected
            )
        cp.composite = {
            "connector_id": 1,
            "schedule_start": "2026-01-01T10:00:00Z",
            "charging_schedule": {
                "duration": 600,
                "charging_rate_unit": "A",
                "charging_schedule_period": [
                    {"start_period": 0, "limit": 10},
                    {"start_period": 300, "limit": 6.5},
                ],
            },
        }
        active = await port.get_active_charging_profile(target("LOC1"), session_id="S-16", duration=600)
        cp.composite = {}
        cp.answers = {"GetCompositeSchedule": "Rejected", "ClearChargingProfile": "Unknown"}
        rejected = await port.get_active_charging_profile(target("LOC1"), session_id="S-16", duration=600)
        assert (
            await port.clear_charging_profile(target("LOC1"), session_id="S-16")
            == ChargingProfileResultType.UNKNOWN
        )
        cp.answers = {}
        assert (
            await port.clear_charging_profile(target("LOC1"), session_id="S-16")
            == ChargingProfileResultType.ACCEPTED
        )
        # a Session that is not running at a charger: nothing is sent
        assert (
            await port.clear_charging_profile(target("LOC1"), session_id="S-GONE")
            == ChargingProfileResultType.REJECTED
        )
    [relative, absolute, *_] = cp.payloads("SetChargingProfile")
    assert relative == {
        "connectorId": 1,
        "csChargingProfiles": {
            "chargingProfileId": pid,
            "stackLevel": 0,
            "chargingProfilePurpose": "TxProfile",
            "chargingProfileKind": "Relative",
            "transactionId": 1234,
            "chargingSchedule": {
                "chargingRateUnit": "A",
                "duration": 3600,
                "minChargingRate": 6.0,
                "chargingSchedulePeriod": [
                    {"startPeriod": 0, "limit": 16.0},
                    {"startPeriod": 1800, "limit": 8.1},
                ],
            },
        },
    }
    assert (
        json.dumps(relative).count('"limit": 16.0') == 1
    )  # a number with its one decimal, as the schema wants
    assert absolute["csChargingProfiles"]["chargingProfileKind"] == "Absolute"
    assert absolute["csChargingProfiles"]["chargingSchedule"]["startSchedule"] == "2026-01-01T10:00:00Z"
    assert cp.payloads("GetCompositeSchedule") == [{"connectorId": 1, "duration": 600}] * 2
    assert cp.payloads("ClearChargingProfile") == [{"id": pid}] * 2
    assert len(cp.payloads("SetChargingProfile")) == 5
    assert active.model_dump(mode="json", exclude_none=True) == {
        "result": "ACCEPTED",
        "profile": {
            "start_date_time": "2026-01-01T10:00:00Z",
            "charging_profile": {
                "duration": 600,
                "charging_rate_unit": "A",
                "charging_profile_period": [
                    {"start_period": 0, "limit": 10.0},
                    {"start_period": 300, "limit": 6.5},
                ],
            },
        },
    }
    assert rejected.model_dump(exclude_none=True) == {"result": ChargingProfileResultType.REJECTED}


async def test_2_0_1_charging_profiles(hub: Gateway, port: OcppChargerCommands) -> None:
    pid = profile_id("S-201")
    async with station(hub.ws, "CP201", version="2.0.1") as cp:
        await cp.heartbeat()
        assert await port.set_charging_profile(
            target("LOC2"), session_id="S-201", charging_profile=ABSOLUTE
        ) == (ChargingProfileResultType.ACCEPTED)
        cp.answers = {"SetChargingProfile": "Rejected"}
        assert await port.set_charging_profile(
            target("LOC2"), session_id="S-201", charging_profile=PROFILE
        ) == (ChargingProfileResultType.REJECTED)
        # a composite schedule the charger computed with more decimals than OCPI takes
        cp.composite = {
            "schedule": {
                "evse_id": 1,
                "duration": 900,
                "schedule_start": "2026-01-01T11:00:00Z",
                "charging_rate_unit": "A",
                "charging_schedule_period": [{"start_period": 0, "limit": 6.25}],
            }
        }
        active = await port.get_active_charging_profile(target("LOC2"), session_id="S-201", duration=900)
        cp.composite = {}
        nothing = await port.get_active_charging_profile(target("LOC2"), session_id="S-201", duration=900)
        assert (
            await port.clear_charging_profile(target("LOC2"), session_id="S-201")
            == ChargingProfileResultType.ACCEPTED
        )
        cp.answers = {"ClearChargingProfile": "Unknown"}
        assert (
            await port.clear_charging_profile(target("LOC2"), session_id="S-201")
            == ChargingProfileResultType.UNKNOWN
        )
    assert cp.payloads("SetChargingProfile")[0] == {
        "evseId": 1,
        "chargingProfile": {
            "id": pid,
            "stackLevel": 0,
            "chargingProfilePurpose": "TxProfile",
            "chargingProfileKind": "Absolute",
            "transactionId": "tx-201-1",
            "chargingSchedule": [
                {
                    "id": pid,
                    "chargingRateUnit": "W",
                    "startSchedule": "2026-01-01T10:00:00Z",
                    "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 11000.0}],
                }
            ],
        },
    }
    assert cp.payloads("GetCompositeSchedule") == [{"duration": 900, "evseId": 1}] * 2
    assert cp.payloads("ClearChargingProfile") == [{"chargingProfileId": pid}] * 2
    assert active.model_dump(mode="json", exclude_none=True) == {
        "result": "ACCEPTED",
        "profile": {
            "start_date_time": "2026-01-01T11:00:00Z",
            "charging_profile": {
                "duration": 900,
                "charging_rate_unit": "A",
                "charging_profile_period": [{"start_period": 0, "limit": 6.2}],
            },
        },
    }
    # Accepted without a schedule: no profile found
    assert nothing.model_dump(exclude_none=True) == {"result": ChargingProfileResultType.UNKNOWN}


# -- the OCPI round trip ---------------------------------------------------------------------------------------


@pytest.fixture
async def fakes() -> AsyncIterator[Fakes]:
    started = Fakes()
    yield started
    await started.close()


async def test_an_emsp_s_commands_reach_the_1_6_charger_and_their_results_the_response_urls(
    hub: Gateway, fakes: Fakes
) -> None:
    """As `ocpi-hub serve` runs it: the hub's own lookups, the remote start recorded, the Session it starts
    sent to the eMSP as a COMMAND start, stopped by the eMSP; an offline charger is REJECTED at once."""
    emsp = await fakes("emsp", roles=[("EMSP", "DE", "MSP")])
    partner_id = await PushHub(hub.app, hub.client, hub.settings).add_partner(emsp)
    async with hub.app.state.sessionmaker() as session:
        session.add(
            PartnerTokenRecord(
                token_hash=hash_token("emsp-token"), partner_id=partner_id, kind=TokenKind.ACTIVE
            )
        )
        await session.commit()
    start = {
        "response_url": f"{emsp.endpoint('commands')}/START_SESSION/RESULT/1",
        "token": token(RFID).model_dump(mode="json", exclude_none=True),
        "location_id": "LOC1",
        "evse_uid": "LOC1-1",
        "connector_id": "1",
        "authorization_reference": "AUTH-RT",
    }

    async def post(command: str, body: dict[str, Any]) -> dict[str, Any]:
        answer = await hub.client.post(
            f"/ocpi/2.2.1/receiver/commands/{command}", json=body, headers=ocpi_auth("emsp-token")
        )
        assert answer.status_code == 200, answer.text
        data: dict[str, Any] = answer.json()["data"]
        return data

    def results() -> list[tuple[str, Any]]:
        return [(r.path, r.body) for r in emsp.pushes("commands") if r.method == "POST"]

    async with station(hub.ws, "CP16") as cp:
        await cp.heartbeat()
        await connected(hub, "CP16")
        assert (await post("START_SESSION", start))["result"] == "ACCEPTED"
        await settle(hub.app)
        assert cp.payloads("RemoteStartTransaction") == [{"idTag": "04A1B2C3D4", "connectorId": 1}]
        assert results() == [("/ocpi/2.2.1/commands/START_SESSION/RESULT/1", {"result": "ACCEPTED"})]
        # The EV plugs in: the charger starts the transaction the command asked for.
        started = await cp.start_transaction(1, "04A1B2C3D4", 1000, datetime.now(UTC).isoformat())
        await settle(hub.app)
        [put] = [r for r in emsp.accepted("sessions") if r.method == "PUT"]
        assert (put.body["auth_method"], put.body["authorization_reference"]) == ("COMMAND", "AUTH-RT")
        stop = {
            "response_url": f"{emsp.endpoint('commands')}/STOP_SESSION/RESULT/2",
            "session_id": put.body["id"],
        }
        assert (await post("STOP_SESSION", stop))["result"] == "ACCEPTED"
        await settle(hub.app)
        assert cp.payloads("RemoteStopTransaction") == [{"transactionId": started.transaction_id}]
        assert results()[1:] == [("/ocpi/2.2.1/commands/STOP_SESSION/RESULT/2", {"result": "ACCEPTED"})]

    async def gone() -> bool:
        return "CP16" not in hub.gateway.links

    await hub.until(gone)
    offline = await post("START_SESSION", start)
    assert offline == {
        "result": "REJECTED",
        "timeout": offline["timeout"],
        "message": [{"language": "en", "text": "Charge Point CP16 is offline"}],
    }
    await settle(hub.app)
    assert len(results()) == 2
