"""The fuzzing's own checks fail on the responses they exist to catch (transport_and_format_response_format,
DESIGN decisions 1 and 3), run on canned responses of a stub app."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.core.failures import FailureGroup
from schemathesis.core.parameters import ParameterLocation
from schemathesis.generation import GenerationMode
from schemathesis.python import asgi

from tests.fuzz.checks import (
    detail_errors,
    ocpi_envelope,
    ocpi_http_status,
    ocpi_negative_data_rejection,
    request_ids,
)
from tests.fuzz.test_openapi_fuzz import schema

OCPI_PUT = ("/ocpi/2.2.1/receiver/tariffs/{country_code}/{party_id}/{tariff_id}", "PUT")
ADMIN_GET = ("/admin/tariffs/{country_code}/{party_id}/{tariff_id}", "GET")
IMPORT = ("/admin/import/{kind}", "POST")
IDS = {"X-Request-ID": "r-1", "X-Correlation-ID": "c-1"}
NOW = "2026-01-01T00:00:00.123Z"

Check = Callable[..., None]


def stub(status: int, body: Any, headers: dict[str, str]) -> Any:
    """An ASGI app answering every request with this response."""
    content = json.dumps(body).encode()

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        raw = [
            (b"content-type", b"application/json"),
            *((k.encode(), v.encode()) for k, v in headers.items()),
        ]
        await send({"type": "http.response.start", "status": status, "headers": raw})
        await send({"type": "http.response.body", "body": content})

    return app


@pytest.fixture(autouse=True)
def _stubs_stop() -> Iterator[None]:
    yield
    asgi.shutdown_lifespans()


def case_of(operation: tuple[str, str]) -> schemathesis.Case:
    """A case as written here, not generated: its data is not what these checks look at."""
    path, method = operation
    params = {"country_code": "DE", "party_id": "MSP", "tariff_id": "T1", "kind": "tokens"}
    params = {name: value for name, value in params.items() if "{" + name + "}" in path}
    if method == "GET":
        return schema[path][method].Case(path_parameters=params)
    return schema[path][method].Case(path_parameters=params, body=[] if method == "POST" else {})


def generated(operation: tuple[str, str], mode: GenerationMode) -> Any:
    """A strategy of cases as the fuzzing generates them, with an invalid body for NEGATIVE."""
    path, method = operation
    strategy = schema[path][method].as_strategy(generation_mode=mode)
    return strategy.filter(_body_is_invalid) if mode.is_negative else strategy


def validate(
    check: Check,
    case: schemathesis.Case,
    status: int,
    body: Any,
    headers: dict[str, str] | None = None,
    sent: dict[str, str] | None = None,
) -> None:
    response = case.call(app=stub(status, body, IDS if headers is None else headers), headers=sent)
    case.validate_response(response, checks=[check])


def fails(check: Check, case: schemathesis.Case, status: int, body: Any, **kwargs: Any) -> str:
    with pytest.raises(FailureGroup) as failure:
        validate(check, case, status, body, **kwargs)
    return str(failure.value)


def envelope(status_code: Any = 1000, **fields: Any) -> dict[str, Any]:
    return {"status_code": status_code, "timestamp": NOW, **fields}


def test_request_ids_must_be_present_and_echoed() -> None:
    case = case_of(OCPI_PUT)
    validate(request_ids, case, 200, envelope(), sent=IDS)
    assert "no X-Correlation-ID" in fails(request_ids, case, 200, envelope(), headers={"X-Request-ID": "r-1"})
    assert "does not echo" in fails(
        request_ids, case, 200, envelope(), headers={**IDS, "X-Request-ID": "other"}, sent=IDS
    )


@pytest.mark.parametrize(
    ("status", "body", "reason"),
    [
        (200, ["not", "an", "envelope"], "not an OCPI envelope"),
        (200, {"detail": "Not found"}, "Fields outside the envelope"),
        (200, envelope(data=[], error="x"), "Fields outside the envelope"),
        (200, envelope("1000"), "status_code is not an integer"),
        (200, envelope(True), "status_code is not an integer"),
        (200, envelope(1999), "not an OCPI status code"),
        (200, envelope(timestamp="2026-01-01T01:00:00+01:00"), "as we emit it"),
        (200, envelope(timestamp="2026-01-01T00:00:00.1234Z"), "as we emit it"),
        (200, {"status_code": 1000}, "as we emit it"),
        (200, envelope(status_message=3), "status_message is not a string"),
        (404, envelope(1000, status_message="Unknown"), "not a client error"),
        (401, envelope(3000, status_message="Unknown"), "not a client error"),
        (400, envelope(2000), "names its reason"),
        (201, envelope(2001, status_message="Invalid"), "HTTP 201 carries OCPI status 2001"),
    ],
)
def test_ocpi_envelope_fails_outside_the_envelope(status: int, body: Any, reason: str) -> None:
    assert reason in fails(ocpi_envelope, case_of(OCPI_PUT), status, body)


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (200, envelope(data={"id": "T1"})),
        (200, envelope(2001, status_message="elements: Field required")),
        (201, envelope()),
        (404, envelope(2000, status_message="Unknown tariff")),
        (200, envelope(4001, status_message="Unknown receiver")),
    ],
)
def test_ocpi_envelope_passes_the_envelope(status: int, body: Any) -> None:
    validate(ocpi_envelope, case_of(OCPI_PUT), status, body)


def test_ocpi_http_status_is_decision_1() -> None:
    case = case_of(OCPI_PUT)  # its body, {}, is JSON
    validate(ocpi_http_status, case, 200, envelope(2001, status_message="id: Field required"))
    validate(ocpi_http_status, case, 404, envelope(2000, status_message="Not yours"))
    assert "HTTP 400 for a body that is JSON" in fails(ocpi_http_status, case, 400, envelope(2001))
    assert "none of the OCPI layer's statuses" in fails(ocpi_http_status, case, 422, envelope(2001))
    assert "none of the OCPI layer's statuses" in fails(ocpi_http_status, case, 403, envelope(2000))
    not_json = case_of(OCPI_PUT)
    not_json.body = "{not json"
    not_json.media_type = "text/plain"
    validate(ocpi_http_status, not_json, 400, envelope(2000, status_message="not JSON"))


def test_detail_errors_outside_ocpi() -> None:
    case = case_of(ADMIN_GET)
    validate(detail_errors, case, 404, {"detail": "Not found"})
    validate(detail_errors, case, 200, {"anything": "goes when it succeeds"})
    assert "is not {" in fails(detail_errors, case, 404, envelope(2000, status_message="Not found"))
    assert "is not {" in fails(detail_errors, case, 400, {"detail": "x", "extra": 1})
    assert "not a reason" in fails(detail_errors, case, 400, {"detail": ""})
    # A status the operation documents a body of its own for is held to that body instead.
    validate(detail_errors, case_of(IMPORT), 422, {"kind": "tokens", "written": False})


def _body_is_invalid(case: schemathesis.Case) -> bool:
    body = case.meta.components.get(ParameterLocation.BODY) if case.meta else None
    return body is not None and body.mode.is_negative


# One generated case is enough: the checks judge the response, which is canned.
ONE_CASE = settings(max_examples=1, derandomize=True, database=None, suppress_health_check=list(HealthCheck))


@ONE_CASE
@given(case=generated(OCPI_PUT, GenerationMode.NEGATIVE))
def test_negative_data_rejection_takes_decision_1(case: schemathesis.Case) -> None:
    """An invalid JSON body on /ocpi is rejected with HTTP 200 and 2001, or with an HTTP error; HTTP 200 with
    any other status, success above all, accepts it."""
    validate(ocpi_negative_data_rejection, case, 200, envelope(2001, status_message="price: invalid"))
    validate(ocpi_negative_data_rejection, case, 404, envelope(2000, status_message="Not yours"))
    for accepted in (
        envelope(),
        envelope(2000, status_message="Generic"),
        envelope(3001, status_message="x"),
    ):
        assert "Invalid data should have been rejected" in fails(
            ocpi_negative_data_rejection, case, 200, accepted
        )


@ONE_CASE
@given(
    case=generated(("/admin/tariffs/{country_code}/{party_id}/{tariff_id}", "PUT"), GenerationMode.NEGATIVE)
)
def test_negative_data_rejection_is_plain_outside_ocpi(case: schemathesis.Case) -> None:
    """Decision 1 is for the OCPI layer only: the admin API rejects with an HTTP error."""
    validate(ocpi_negative_data_rejection, case, 400, {"detail": "elements: Field required"})
    assert "Invalid data should have been rejected" in fails(
        ocpi_negative_data_rejection, case, 200, envelope(2001, status_message="elements: Field required")
    )


@ONE_CASE
@given(case=generated(OCPI_PUT, GenerationMode.POSITIVE))
def test_positive_data_is_not_judged_by_the_negative_check(case: schemathesis.Case) -> None:
    validate(ocpi_negative_data_rejection, case, 200, envelope(2001, status_message="x"))
