"""The OCPI response envelope (transport_and_format_response_format)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import orjson
import pytest

from hub.ocpi import envelope
from hub.ocpi.base import DateTime, DisplayText, OcpiModel, Price
from hub.ocpi.envelope import OcpiResponse, dump, render
from hub.ocpi.status import StatusCode

FIXED_NOW = datetime(2015, 6, 30, 21, 59, 59, 123000, tzinfo=UTC)
WIRE_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?Z$")


@pytest.fixture
def frozen_now(monkeypatch: pytest.MonkeyPatch) -> datetime:
    monkeypatch.setattr(envelope, "utc_now", lambda: FIXED_NOW)
    return FIXED_NOW


def rendered(body: bytes) -> dict[str, Any]:
    parsed: dict[str, Any] = orjson.loads(body)
    return parsed


# --- render ---------------------------------------------------------------------------------------


def test_render_no_data_omits_data_and_message(frozen_now: datetime) -> None:
    body = rendered(render())

    assert body == {"status_code": 1000, "timestamp": "2015-06-30T21:59:59.123Z"}


def test_render_data_and_message_included(frozen_now: datetime) -> None:
    body = rendered(render({"version": "2.2.1"}, StatusCode.SUCCESS, "Success"))

    assert body == {
        "data": {"version": "2.2.1"},
        "status_code": 1000,
        "status_message": "Success",
        "timestamp": "2015-06-30T21:59:59.123Z",
    }


def test_render_error_without_data_status_message_kept(frozen_now: datetime) -> None:
    body = rendered(
        render(
            status_code=StatusCode.INVALID_OR_MISSING_PARAMETERS,
            status_message="Missing required field: type",
        )
    )

    assert body == {
        "status_code": 2001,
        "status_message": "Missing required field: type",
        "timestamp": "2015-06-30T21:59:59.123Z",
    }


@pytest.mark.parametrize("data", [[], {}, 0, False, "", [None]])
def test_render_falsy_data_not_none_kept(data: Any) -> None:
    body = rendered(render(data))

    assert "data" in body
    assert body["data"] == data


def test_render_empty_status_message_kept() -> None:
    assert rendered(render(status_message=""))["status_message"] == ""


def test_render_status_code_enum_emitted_as_json_integer() -> None:
    body = render(status_code=StatusCode.UNKNOWN_RECEIVER)

    assert b'"status_code":4001' in body
    assert rendered(body)["status_code"] == 4001
    assert type(rendered(body)["status_code"]) is int


def test_render_real_clock_timestamp_ends_with_z() -> None:
    timestamp = rendered(render())["timestamp"]

    assert timestamp.endswith("Z")
    assert WIRE_TIMESTAMP.match(timestamp)


def test_render_field_order_data_first_timestamp_last(frozen_now: datetime) -> None:
    body = rendered(render([1], 1000, "ok"))

    assert list(body) == ["data", "status_code", "status_message", "timestamp"]


def test_render_pre_rendered_fragment_embedded_verbatim() -> None:
    body = render(orjson.Fragment(b'{"a":[1,2]}'))

    assert b'"data":{"a":[1,2]}' in body
    assert rendered(body)["data"] == {"a": [1, 2]}


def test_render_none_inside_data_kept_as_null() -> None:
    # Only the top-level data is dropped when None; `data` is JSON-ready already and passed through.
    assert rendered(render({"a": None}))["data"] == {"a": None}


# --- dump -----------------------------------------------------------------------------------------


class _Stamped(OcpiModel):
    name: str
    price: Price | None = None
    texts: list[DisplayText] | None = None
    last_updated: DateTime


def test_dump_unset_optional_fields_omitted() -> None:
    model = _Stamped.model_validate({"name": "x", "last_updated": "2015-06-29T20:39:09"})

    assert dump(model) == {"name": "x", "last_updated": "2015-06-29T20:39:09Z"}


def test_dump_nested_none_omitted() -> None:
    model = _Stamped.model_validate(
        {"name": "x", "price": {"excl_vat": 1.5}, "last_updated": "2015-06-29T22:39:09+02:00"}
    )

    assert dump(model) == {"name": "x", "price": {"excl_vat": 1.5}, "last_updated": "2015-06-29T20:39:09Z"}


def test_dump_json_ready_values() -> None:
    model = _Stamped.model_validate(
        {"name": "x", "texts": [{"language": "en", "text": "t"}], "last_updated": "2018-01-01T01:08:01.123"}
    )

    dumped = dump(model)

    assert dumped["texts"] == [{"language": "en", "text": "t"}]
    assert dumped["last_updated"] == "2018-01-01T01:08:01.123Z"
    assert orjson.loads(orjson.dumps(dumped)) == dumped


# --- OcpiResponse ---------------------------------------------------------------------------------


def test_ocpi_response_dump_without_data_omits_data_and_message() -> None:
    response = OcpiResponse[dict[str, str]].model_validate(
        {"status_code": 2001, "timestamp": "2015-06-30T21:59:59"}
    )

    assert dump(response) == {"status_code": 2001, "timestamp": "2015-06-30T21:59:59Z"}


def test_ocpi_response_timestamp_parsed_as_utc() -> None:
    response = OcpiResponse[list[int]].model_validate(
        {"data": [1], "status_code": 1000, "timestamp": "2015-06-30T23:59:59+02:00"}
    )

    assert response.timestamp == datetime(2015, 6, 30, 21, 59, 59, tzinfo=UTC)
    assert response.data == [1]
