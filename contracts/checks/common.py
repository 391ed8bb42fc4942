"""Assertions the checks share: OCPI success, expected status codes, single objects, model validation."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from contracts.http import Reply
from contracts.result import expect, fail
from contracts.validate import datetime_violations, violations

SHOWN_VIOLATIONS = 8


def describe(reply: Reply) -> str:
    """`HTTP 404, status_code 2000 ("message")`, or what stood in for an envelope."""
    envelope = reply.envelope
    if envelope is None:
        return f"HTTP {reply.status} without an OCPI response envelope"
    message = envelope.get("status_message")
    return f"HTTP {reply.status}, status_code {envelope['status_code']}" + (
        f' ("{message}")' if message else ""
    )


def success(reply: Reply, what: str) -> Any:
    """The data of a 1xxx answer with a 2xx HTTP status; anything else fails."""
    code = reply.status_code
    expect(
        200 <= reply.status < 300 and code is not None and 1000 <= code < 2000,
        f"{what}: expected HTTP 2xx with status_code 1000, got {describe(reply)}",
        reply.exchange,
    )
    return reply.data


def status_code(reply: Reply, code: int, what: str, *, http: int | None = None) -> None:
    """status_code `code`, and HTTP `http` when given, else no HTTP error (status_codes_status_codes: a
    syntactically valid request to an existing resource gets no HTTP error)."""
    http_ok = reply.status == http if http is not None else 200 <= reply.status < 300
    expected = f"HTTP {http}" if http is not None else "HTTP 2xx"
    expect(
        reply.status_code == code and http_ok,
        f"{what}: expected {expected} with status_code {code}, got {describe(reply)}",
        reply.exchange,
    )


def http_status(reply: Reply, expected: int, what: str) -> None:
    expect(
        reply.status == expected, f"{what}: expected HTTP {expected}, got {describe(reply)}", reply.exchange
    )


def single_object(reply: Reply, what: str) -> dict[str, Any]:
    """A GET of one object answers the object itself, not a list holding it."""
    data = success(reply, what)
    if isinstance(data, list):
        fail(f"{what}: data is a list of {len(data)}, not one object", reply.exchange)
    expect(isinstance(data, dict), f"{what}: data is {type(data).__name__}, not an object", reply.exchange)
    result: dict[str, Any] = data
    return result


def valid(model: type[BaseModel], data: Any, what: str, reply: Reply, *, path: str = "data") -> None:
    found = violations(model, data, path=path) + datetime_violations(model, data, path=path)
    if found:
        shown = "; ".join(found[:SHOWN_VIOLATIONS])
        more = f" (and {len(found) - SHOWN_VIOLATIONS} more)" if len(found) > SHOWN_VIOLATIONS else ""
        fail(f"{what} is not a valid {model.__name__}: {shown}{more}", reply.exchange)


def same_id(left: Any, right: Any) -> bool:
    """CiString identifiers compare case-insensitively."""
    return isinstance(left, str) and isinstance(right, str) and left.casefold() == right.casefold()
