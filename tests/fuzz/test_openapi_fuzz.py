"""Property-based fuzzing of every operation in the hub's OpenAPI document (transport_and_format,
status_codes), with the checks set for DESIGN decision 1."""

from __future__ import annotations

import itertools
import json
import zlib
from typing import Any

import schemathesis
from fastapi.routing import APIRoute, iter_route_contexts
from hypothesis import HealthCheck, settings
from schemathesis.core.result import Ok

from hub.main import create_app
from tests.fuzz import seed
from tests.fuzz.checks import CHECKS, REPLACED
from tests.fuzz.platforms import ADMIN_HEADERS, HUB_HOST, Registered, Target, fuzz_settings, ocpi_headers

APP = create_app(fuzz_settings("sqlite:///:memory:", HUB_HOST))
DOCUMENT = APP.openapi()
METHODS = {"get", "put", "post", "patch", "delete", "head", "options", "trace"}


def operations(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        f"{method.upper()} {path}": operation
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in METHODS
    }


# Server-Sent Events never end on their own: a fuzzed request would only wait for the stream's cut-off.
STREAMS = {"GET /feeds/availability"}
# Routes left out of the document on purpose: aliases of documented routes (the same handler, fuzzed
# there), and the Prometheus text exposition, which is no API operation.
UNDOCUMENTED = {
    # the endpoint structure {tokens_endpoint_url}{token_uid}/authorize has no slash; peers send both
    "POST /ocpi/2.2.1/sender/tokens{token_uid}/authorize",
    # the spec's example list URLs end in a slash
    "GET /ocpi/2.2.1/sender/tokens/",
    "GET /ocpi/2.2.1/sender/hubclientinfo/",
    "GET /metrics",
}
# The operations that take a credentials token A (transport_and_format_authorization_header).
CONFIGURATION = {"/ocpi/versions", "/ocpi/2.2.1", "/ocpi/2.2.1/credentials"}

LOCATION = "{country_code}/{party_id}/{location_id}"
EVSE = LOCATION + "/{evse_uid}"
CONNECTOR = EVSE + "/{connector_id}"
SESSION = "{country_code}/{party_id}/{session_id}"
TOKEN = "{country_code}/{party_id}/{token_uid}"
# The coverage phase sends every boundary and every mutation of every field, some 1,500 requests for a
# Location or a CDR. It runs once per wire model, on the Receiver's PUT of an EVSE, a Connector, a Tariff, a
# Session and a Token (and on every operation not listed here); PATCHes of the same fields, the admin API's
# copies of the Receiver's bodies, Locations and CDRs are sampled by the fuzzing phase instead.
FUZZED_ONLY = [
    f"PUT /ocpi/2.2.1/receiver/locations/{LOCATION}",
    f"PATCH /ocpi/2.2.1/receiver/locations/{LOCATION}",
    f"PATCH /ocpi/2.2.1/receiver/locations/{EVSE}",
    f"PATCH /ocpi/2.2.1/receiver/locations/{CONNECTOR}",
    f"PATCH /ocpi/2.2.1/receiver/sessions/{SESSION}",
    f"PATCH /ocpi/2.2.1/receiver/tokens/{TOKEN}",
    "POST /ocpi/2.2.1/receiver/cdrs",
    f"PUT /admin/locations/{LOCATION}",
    f"PATCH /admin/locations/{LOCATION}",
    f"PUT /admin/locations/{EVSE}",
    f"PATCH /admin/locations/{EVSE}",
    f"PUT /admin/locations/{CONNECTOR}",
    f"PATCH /admin/locations/{CONNECTOR}",
    "PUT /admin/tariffs/{country_code}/{party_id}/{tariff_id}",
    f"PUT /admin/sessions/{SESSION}",
    f"PUT /admin/tokens/{TOKEN}",
    f"PATCH /admin/tokens/{TOKEN}",
]
IMPORTS = ["POST /admin/import/{kind}", "POST /admin/stations"]
POSITIVE_STATUSES = ["2xx", "3xx", "401", "403", "404", "409", "429"]
CONFIG = schemathesis.Config.from_dict(
    {
        "seed": 221,
        "generation": {"deterministic": True, "max-examples": 6, "database": "none"},
        "operations": [
            {
                "include-name": FUZZED_ONLY,
                "phases": {"coverage": {"enabled": False}, "fuzzing": {"generation": {"max-examples": 20}}},
            },
            {
                # The URL of a Connector with id `status` too (a collision in the admin API: PUT sets the EVSE's
                # status, PATCH changes Connector `status`), so Allow rightly lists both.
                "include-path": "/admin/locations/{country_code}/{party_id}/{location_id}/{evse_uid}/status",
                "checks": {"allow_header_conformance": {"enabled": False}},
            },
            {
                # DESIGN decision 1: credentials POST when registered, PUT or DELETE when not, is HTTP 405.
                "include-path": "/ocpi/2.2.1/credentials",
                "checks": {"positive_data_acceptance": {"expected-statuses": [*POSITIVE_STATUSES, "405"]}},
            },
            {
                # An import answers 422 with its report when nothing was written (documented).
                "include-name": IMPORTS,
                "checks": {
                    "positive_data_acceptance": {"expected-statuses": [*POSITIVE_STATUSES, "400", "422"]}
                },
            },
            {
                # The admin API refuses with 400 {"detail": reason} what its schema cannot say: a partner that
                # cannot be reached, command fields for another command, identifiers the body and the URL
                # disagree on. On /ocpi the same refusals are HTTP 200 with status 2001 (decision 1).
                "include-path-regex": "^/admin/",
                "exclude-name": IMPORTS,
                "checks": {"positive_data_acceptance": {"expected-statuses": [*POSITIVE_STATUSES, "400"]}},
            },
        ],
    }
)
schema = schemathesis.openapi.from_dict(DOCUMENT, config=CONFIG).exclude(
    func=lambda ctx: ctx.operation.label in STREAMS
)
_request_numbers = itertools.count(1)


def chosen(case: schemathesis.Case, choice: str, one_in: int = 4) -> bool:
    """A choice made for all cases but one in `one_in`, the same each time a case runs (shrinking replays
    cases) and in every run: generation is deterministic and the choice hashes what was generated."""
    generated = [choice, case.path_parameters, case.query, case.body]
    # Not `repr`: the marker of an absent body would bring its memory address into the hash.
    text = json.dumps(generated, sort_keys=True, default=lambda value: type(value).__name__)
    return zlib.crc32(text.encode()) % one_in != 0


def aim(case: schemathesis.Case, registered: Registered) -> None:
    """Point most positive cases at the parties that exist, and half of those at their stored objects (the
    other half create new ones), so handlers run past their lookups: the partner's parties on our Receiver
    interfaces, ours on the admin API and our Sender interfaces."""
    # Negative cases stay as generated: the invalid part may be an identifier.
    if case.meta is None or not case.meta.generation.mode.is_positive:
        return
    at_party, at_object = chosen(case, "party"), chosen(case, "stored object", one_in=2)
    if not at_party:
        return
    country_code, party_id = seed.PARTNERS if "/receiver/" in case.path else seed.OURS
    values: dict[str, Any] = {
        "country_code": country_code,
        "party_id": party_id,
        "partner_id": registered.partner_id,
        **(seed.OBJECT_IDS if at_object else {}),
    }
    params = case.path_parameters or {}
    for name in params:
        if name in values:
            params[name] = values[name]
    if isinstance(case.body, dict):
        # The body names the same object as the URL (transport_and_format_errors: otherwise 2001).
        for field in ("country_code", "party_id", *seed.OBJECT_IDS):
            if field in case.body and field in values:
                case.body[field] = values[field]
        last = list(params)[-1] if params else None
        key = "uid" if last and last.endswith("_uid") else "id"
        if last in params and key in case.body:
            case.body[key] = params[last]


def authorization(case: schemathesis.Case, registered: Registered) -> dict[str, str]:
    if case.path.startswith("/feeds"):
        return {"Authorization": f"Bearer {registered.feed_token}"}
    if not case.path.startswith("/ocpi"):
        return dict(ADMIN_HEADERS)
    if case.path in CONFIGURATION and not chosen(case, "token of the registered partner"):
        return ocpi_headers(registered.pending_token)
    return ocpi_headers(registered.token)


@schema.parametrize()
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_operation(case: schemathesis.Case, target: Target) -> None:
    headers = authorization(case, target.registered)
    aim(case, target.registered)
    number = next(_request_numbers)
    headers = {
        **headers,
        "X-Request-ID": f"fuzz-request-{number}",
        "X-Correlation-ID": f"fuzz-correlation-{number}",
    }
    case.call_and_validate(
        app=target.hub, headers=headers, additional_checks=CHECKS, excluded_checks=REPLACED
    )


def test_every_route_is_fuzzed() -> None:
    """A new route cannot escape the fuzzing: every route is in the document, every operation in the
    document is fuzzed, and only streams are left out."""
    routes = {
        f"{method} {route.path_format}"
        for route in iter_route_contexts(APP.routes)
        if isinstance(route.original_route, APIRoute)
        for method in route.methods or ()
    }
    documented = set(operations(DOCUMENT))
    assert routes - documented == UNDOCUMENTED
    streaming = {
        label
        for label, operation in operations(DOCUMENT).items()
        if "text/event-stream" in operation["responses"].get("200", {}).get("content", {})
    }
    assert streaming == STREAMS
    assert set(FUZZED_ONLY) <= documented
    fuzzed = {result.ok().label for result in schema.get_all_operations() if isinstance(result, Ok)}
    assert all(isinstance(result, Ok) for result in schema.get_all_operations())
    assert fuzzed == documented - STREAMS
    assert fuzzed
