"""The adapter's shortcuts around the `ocpp` library's per-CALL work decide as the library would: the
compiled schema validator finds violations exactly where the library's jsonschema `Draft4Validator` does,
the memoised key conversion is the library's conversion, and an answer is the payload the library sends."""

from __future__ import annotations

from typing import Any

import pytest
from ocpp.charge_point import (
    camel_to_snake_case,
    remove_nones,
    serialize_as_dict,
    snake_to_camel_case,
)
from ocpp.messages import MessageType, get_validator
from ocpp.v16 import call_result as result16
from ocpp.v16.datatypes import IdTagInfo
from ocpp.v16.enums import AuthorizationStatus
from ocpp.v201 import call_result as result201

from adapters.ocpp.dispatch import answer_payload, snake_case
from adapters.ocpp.validation import violations

STAMP = "2026-03-02T10:00:00Z"
UPDATED: dict[str, Any] = {
    "eventType": "Updated",
    "timestamp": STAMP,
    "triggerReason": "MeterValuePeriodic",
    "seqNo": 1,
    "transactionInfo": {"transactionId": "T1", "chargingState": "Charging"},
    "meterValue": [{"timestamp": STAMP, "sampledValue": [{"value": 10.5, "measurand": "SoC"}]}],
}
METER_16: dict[str, Any] = {
    "connectorId": 1,
    "transactionId": 7,
    "meterValue": [{"timestamp": STAMP, "sampledValue": [{"value": "10", "unit": "Wh"}]}],
}

CASES: list[tuple[str, str, dict[str, Any]]] = [
    ("2.0.1", "TransactionEvent", UPDATED),
    # Draft-04, as the library validates: 1.0 is no integer there (it would be under the schema's draft-06).
    ("2.0.1", "TransactionEvent", {**UPDATED, "seqNo": 1.0}),
    ("2.0.1", "TransactionEvent", {**UPDATED, "seqNo": True}),
    ("2.0.1", "TransactionEvent", {**UPDATED, "eventType": "Paused"}),
    ("2.0.1", "TransactionEvent", {k: v for k, v in UPDATED.items() if k != "seqNo"}),
    ("2.0.1", "TransactionEvent", {**UPDATED, "transactionInfo": {"transactionId": "T" * 37}}),
    ("2.0.1", "TransactionEvent", {**UPDATED, "vendorField": 1}),
    # Formats are not checked by the library's validator either.
    ("2.0.1", "TransactionEvent", {**UPDATED, "timestamp": "yesterday"}),
    ("1.6", "MeterValues", METER_16),
    ("1.6", "MeterValues", {**METER_16, "connectorId": "1"}),
    ("1.6", "MeterValues", {**METER_16, "meterValue": []}),
    ("1.6", "MeterValues", {**METER_16, "extra": True}),
    ("1.6", "Authorize", {"idTag": "X" * 21}),
    ("1.6", "Authorize", {}),
]


@pytest.mark.parametrize(("version", "action", "payload"), CASES)
def test_the_compiled_validator_finds_what_the_librarys_validator_finds(
    version: str, action: str, payload: dict[str, Any]
) -> None:
    library = get_validator(MessageType.Call, action, version)
    expected = sorted((e.validator, e.message) for e in library.iter_errors(payload))
    assert sorted((e.validator, e.message) for e in violations(action, version, payload)) == expected


def test_the_float_seq_no_is_refused_as_a_type_error() -> None:
    (error,) = violations("TransactionEvent", "2.0.1", {**UPDATED, "seqNo": 1.0})
    assert error.validator == "type"


@pytest.mark.parametrize("payload", [UPDATED, METER_16, {"chargingStation": {"serialNumber": "S"}}])
def test_keys_are_converted_as_the_library_converts_them(payload: dict[str, Any]) -> None:
    assert snake_case(payload) == camel_to_snake_case(payload)  # type: ignore[no-untyped-call]
    assert snake_case(payload) == camel_to_snake_case(payload)  # type: ignore[no-untyped-call]


@pytest.mark.parametrize(
    "response",
    [
        result16.MeterValues(),
        result201.TransactionEvent(),
        result16.StopTransaction(id_tag_info=IdTagInfo(status=AuthorizationStatus.accepted)),
        result16.Heartbeat(current_time=STAMP),
    ],
)
def test_answers_are_the_payload_the_library_sends(response: Any) -> None:
    expected = snake_to_camel_case(remove_nones(serialize_as_dict(response)))  # type: ignore[no-untyped-call]
    assert answer_payload(response) == expected
