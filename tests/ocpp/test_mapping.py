"""The status mapping of ocpp-notes §3.2 row by row, EVSE aggregation and the station-level override, and the
pure parts of the upgrade (subprotocol choice, Basic credentials) and of bad-frame answers."""

from __future__ import annotations

import base64
import json

import pytest

from adapters.ocpp.frames import malformed_answer
from adapters.ocpp.handshake import basic_password, choose_subprotocol
from adapters.ocpp.mapping import OCPP16, OCPP201, status_16, status_201
from hub.ocpi.v221.locations import Status
from hub.stations.status import aggregate, evse_status


@pytest.mark.parametrize(
    ("ocpp", "ocpi"),
    [
        ("Available", Status.AVAILABLE),
        ("Preparing", Status.CHARGING),
        ("Charging", Status.CHARGING),
        ("SuspendedEVSE", Status.CHARGING),
        ("SuspendedEV", Status.CHARGING),
        ("Finishing", Status.CHARGING),
        ("Reserved", Status.RESERVED),
        ("Unavailable", Status.INOPERATIVE),
        ("Faulted", Status.OUTOFORDER),
    ],
)
def test_status_16_maps_every_charge_point_status(ocpp: str, ocpi: Status) -> None:
    assert status_16(ocpp) == ocpi


@pytest.mark.parametrize(
    ("ocpp", "ocpi"),
    [
        ("Available", Status.AVAILABLE),
        ("Occupied", Status.CHARGING),
        ("Reserved", Status.RESERVED),
        ("Unavailable", Status.INOPERATIVE),
        ("Faulted", Status.OUTOFORDER),
    ],
)
def test_status_201_maps_every_connector_status(ocpp: str, ocpi: Status) -> None:
    assert status_201(ocpp) == ocpi


def test_the_tables_cover_the_library_enumerations_and_nothing_else_maps() -> None:
    from ocpp.v16.enums import ChargePointStatus
    from ocpp.v201.enums import ConnectorStatusEnumType

    assert set(OCPP16) == {s.value for s in ChargePointStatus}
    assert set(OCPP201) == {s.value for s in ConnectorStatusEnumType}
    assert status_16("Occupied") == Status.UNKNOWN
    assert status_201("Charging") == Status.UNKNOWN


@pytest.mark.parametrize(
    ("connectors", "expected"),
    [
        ([Status.CHARGING, Status.AVAILABLE], Status.CHARGING),
        ([Status.AVAILABLE, Status.RESERVED], Status.RESERVED),
        ([Status.OUTOFORDER, Status.AVAILABLE], Status.AVAILABLE),
        ([Status.OUTOFORDER, Status.INOPERATIVE], Status.INOPERATIVE),
        ([Status.OUTOFORDER, None], Status.OUTOFORDER),
        ([Status.AVAILABLE, None], Status.AVAILABLE),
        ([None, None], Status.UNKNOWN),
        ([], Status.UNKNOWN),
        ([Status.BLOCKED, Status.RESERVED], Status.BLOCKED),
    ],
)
def test_aggregate_takes_the_most_telling_connector_status(
    connectors: list[Status | None], expected: Status
) -> None:
    assert aggregate(connectors) == expected


@pytest.mark.parametrize(
    ("station", "expected"),
    [
        (Status.OUTOFORDER, Status.OUTOFORDER),  # connector 0 Faulted overrides every EVSE
        (Status.INOPERATIVE, Status.INOPERATIVE),  # connector 0 Unavailable overrides every EVSE
        (Status.AVAILABLE, Status.CHARGING),  # Available at 0 does not override
        (None, Status.CHARGING),
    ],
)
def test_station_level_unavailable_or_faulted_overrides_the_connectors(
    station: Status | None, expected: Status
) -> None:
    assert evse_status([Status.CHARGING, Status.AVAILABLE], station) == expected


def test_station_override_holds_before_any_connector_reported() -> None:
    assert evse_status([None], Status.OUTOFORDER) == Status.OUTOFORDER


@pytest.mark.parametrize(
    ("offered", "chosen"),
    [
        (["ocpp2.0.1", "ocpp1.6"], "ocpp2.0.1"),
        (["ocpp1.6", "ocpp2.0.1"], "ocpp1.6"),
        (["ocpp2.1", "ocpp1.6"], "ocpp1.6"),
        (["OCPP1.6"], "ocpp1.6"),
        (["ocpp1.5", "ocpp2.0"], None),
        ([], None),
    ],
)
def test_choose_subprotocol_follows_the_stations_order_of_preference(
    offered: list[str], chosen: str | None
) -> None:
    assert choose_subprotocol(offered) == chosen


def _basic(text: str) -> str:
    return "Basic " + base64.b64encode(text.encode()).decode()


def test_basic_password_needs_the_station_id_as_username() -> None:
    assert basic_password(_basic("CP1:pa:ss"), "CP1") == "pa:ss"
    assert basic_password(_basic("CP2:pass"), "CP1") is None
    assert basic_password(_basic("CP1pass"), "CP1") is None
    assert basic_password("Basic ***", "CP1") is None
    assert basic_password("Bearer abc", "CP1") is None
    assert basic_password(None, "CP1") is None


@pytest.mark.parametrize(
    ("raw", "version", "answer"),
    [
        ("not json", "1.6", [4, "-1", "FormationViolation"]),
        ("not json", "2.0.1", [4, "-1", "RpcFrameworkError"]),
        ('{"a": 1}', "2.0.1", [4, "-1", "RpcFrameworkError"]),
        ('[2, "m1"]', "1.6", [4, "m1", "ProtocolError"]),
        ('[2, "m1"]', "2.0.1", [4, "m1", "RpcFrameworkError"]),
        ('[7, "m1", "Heartbeat", {}]', "2.0.1", [4, "m1", "MessageTypeNotSupported"]),
        ('[3, "m1"]', "2.0.1", None),
    ],
)
def test_malformed_answer(raw: str, version: str, answer: list[object] | None) -> None:
    frame = malformed_answer(raw, version, "why")
    if answer is None:
        assert frame is None
    else:
        assert frame is not None
        assert json.loads(frame)[:3] == answer
