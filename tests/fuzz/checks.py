"""Checks of the OCPI transport rules (transport_and_format_response_format,
transport_and_format_unique_message_ids) on every fuzzed response, and DESIGN decision 1."""

from __future__ import annotations

import json
import re
from typing import Any

from schemathesis import Case, CheckContext, CheckFunction, Response
from schemathesis.specs.openapi.checks import negative_data_rejection

from hub.ocpi.status import StatusCode

# DESIGN decision 3: we emit UTC with `Z` and at most three fraction digits.
EMITTED_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z")
ENVELOPE_FIELDS = {"data", "status_code", "status_message", "timestamp"}


def is_ocpi(case: Case) -> bool:
    return case.path.startswith("/ocpi")


def require(condition: object, message: str) -> None:
    """Fail the check (schemathesis reports an AssertionError with the case that caused it)."""
    if not condition:
        raise AssertionError(message)


def _json(response: Response) -> Any:
    try:
        return json.loads(response.content)
    except ValueError:
        raise AssertionError(f"The body is not JSON: {response.content[:200]!r}") from None


def _header(response: Response, name: str) -> str | None:
    values = response.headers.get(name.lower())
    return values[0] if values else None


def request_ids(ctx: CheckContext, response: Response, case: Case) -> None:
    """Every response carries X-Request-ID and X-Correlation-ID, echoing the ones the request sent."""
    for name in ("X-Request-ID", "X-Correlation-ID"):
        sent = response.request.headers.get(name)
        received = _header(response, name)
        require(received, f"The response has no {name} header")
        require(sent is None or received == sent, f"{name} {received!r} does not echo {sent!r}")


def ocpi_envelope(ctx: CheckContext, response: Response, case: Case) -> None:
    """Every /ocpi response, errors included, is the envelope; an HTTP error carries a 2xxx status code."""
    if not is_ocpi(case):
        return
    body = _json(response)
    require(isinstance(body, dict), f"The body is not an OCPI envelope: {body!r}")
    require(
        set(body) <= ENVELOPE_FIELDS, f"Fields outside the envelope: {sorted(set(body) - ENVELOPE_FIELDS)}"
    )
    status_code = body.get("status_code")
    require(type(status_code) is int, f"status_code is not an integer: {status_code!r}")
    require(status_code in set(StatusCode), f"status_code {status_code} is not an OCPI status code")
    timestamp = body.get("timestamp")
    require(
        isinstance(timestamp, str) and EMITTED_TIMESTAMP.fullmatch(timestamp),
        f"timestamp is not an RFC 3339 UTC time as we emit it: {timestamp!r}",
    )
    message = body.get("status_message")
    require(message is None or isinstance(message, str), f"status_message is not a string: {message!r}")
    if response.status_code >= 400:
        require(
            2000 <= status_code < 3000,
            f"HTTP {response.status_code} carries OCPI status {status_code}, not a client error (2xxx)",
        )
        require(message, "An error response names its reason in status_message")
    if response.status_code == 201:
        require(status_code == StatusCode.SUCCESS, f"HTTP 201 carries OCPI status {status_code}")


# DESIGN decision 1: the HTTP statuses of the OCPI layer (and 5xx, which not_a_server_error reports).
OCPI_HTTP_STATUSES = {200, 201, 400, 401, 404, 405, 415}


def _is_json(body: object) -> bool:
    if not isinstance(body, bytes | str):
        return False
    try:
        json.loads(body)
    except ValueError:
        return False
    return True


def ocpi_http_status(ctx: CheckContext, response: Response, case: Case) -> None:
    """DESIGN decision 1 on /ocpi: HTTP 400 only for a body that is not JSON; any other invalid request is
    answered with HTTP 200 and 2001, so never 422; no HTTP status the decision does not name."""
    if not is_ocpi(case) or response.status_code >= 500:
        return
    require(
        response.status_code in OCPI_HTTP_STATUSES,
        f"HTTP {response.status_code} is none of the OCPI layer's statuses {sorted(OCPI_HTTP_STATUSES)}",
    )
    if response.status_code == 400:
        body = response.request.body
        require(
            body and not _is_json(body),
            "HTTP 400 for a body that is JSON (or none): invalid JSON gets HTTP 200 with 2001",
        )


def detail_errors(ctx: CheckContext, response: Response, case: Case) -> None:
    """Outside /ocpi an HTTP error is `{"detail": "<reason>"}`, unless the operation documents a body of its
    own for that status (response_schema_conformance holds it to that)."""
    if is_ocpi(case) or response.status_code < 400:
        return
    if str(response.status_code) in case.operation.responses.status_codes:
        return
    body = _json(response)
    require(
        isinstance(body, dict) and set(body) == {"detail"}, f'The error is not {{"detail": ...}}: {body!r}'
    )
    require(isinstance(body["detail"], str) and body["detail"], f"detail is not a reason: {body['detail']!r}")


def ocpi_negative_data_rejection(ctx: CheckContext, response: Response, case: Case) -> None:
    """Schemathesis' negative_data_rejection, with DESIGN decision 1: on /ocpi, a well-formed JSON request
    that is invalid is rejected with HTTP 200 and OCPI status 2001 ("a HTTP error MUST NOT be returned")."""
    if is_ocpi(case) and response.status_code == 200:
        body = _json(response)
        if isinstance(body, dict) and body.get("status_code") == StatusCode.INVALID_OR_MISSING_PARAMETERS:
            return
    negative_data_rejection(ctx, response, case)


CHECKS: list[CheckFunction] = [
    request_ids,
    ocpi_envelope,
    ocpi_http_status,
    detail_errors,
    ocpi_negative_data_rejection,
]
# Replaced, not dropped: ocpi_negative_data_rejection runs it on every response decision 1 does not cover.
REPLACED: list[CheckFunction] = [negative_data_rejection]
