"""Every route of `ocpi-hub serve` refuses a request without credentials or with wrong ones
(transport_and_format_authorization_header; DESIGN decision 1: HTTP 401 in the envelope on /ocpi,
`{"detail"}` elsewhere). The route table is walked, so a new route left open fails here."""

from __future__ import annotations

import base64
import re
from typing import Any

import pytest
from fastapi.routing import iter_route_contexts

from tests.conftest import ADMIN_TOKEN
from tests.security.conftest import INTERNAL_TOKEN, Served

# Open on purpose: the probes, the Prometheus exposition (README: expose it only to monitoring) and the
# API description (it holds no data, only what the spec publishes).
OPEN = {
    "GET /healthz",
    "GET /readyz",
    "GET /metrics",
    "GET /openapi.json",
    "GET /docs",
    "GET /docs/oauth2-redirect",
    "GET /redoc",
    "HEAD /openapi.json",
    "HEAD /docs",
    "HEAD /docs/oauth2-redirect",
    "HEAD /redoc",
}
PLAUSIBLE = {
    "country_code": "NL",
    "party_id": "GWY",
    "location_id": "LOC1",
    "evse_uid": "LOC1-1",
    "connector_id": "1",
    "tariff_id": "T1",
    "token_uid": "TOKEN1",
    "session_id": "S1",
    "cdr_id": "CDR1",
    "command": "START_SESSION",
    "callback_id": "1",
    "partner_id": "1",
    "station_id": "CP1",
    "request_id": "1",
    "command_id": "1",
    "kind": "locations",
}


def token(value: str) -> str:
    return "Token " + base64.b64encode(value.encode()).decode()


# Each set of wrong credentials with the prefixes where it would be right (and so is not tried there).
WRONG: list[tuple[str, dict[str, str], tuple[str, ...]]] = [
    ("none", {}, ()),
    ("empty", {"Authorization": ""}, ()),
    ("unknown OCPI token", {"Authorization": token("not-a-registered-token")}, ()),
    ("unknown raw OCPI token", {"Authorization": "Token not-a-registered-token"}, ()),
    ("wrong bearer", {"Authorization": "Bearer not-the-secret"}, ()),
    ("admin token as OCPI token", {"Authorization": token(ADMIN_TOKEN)}, ()),
    ("admin token elsewhere", {"Authorization": f"Bearer {ADMIN_TOKEN}"}, ("/admin",)),
    ("internal token elsewhere", {"Authorization": f"Bearer {INTERNAL_TOKEN}"}, ("/internal",)),
    ("basic", {"Authorization": "Basic " + base64.b64encode(b"admin:" + ADMIN_TOKEN.encode()).decode()}, ()),
    ("admin token as a feed query", {}, ()),
]


def routes(served: Served) -> list[tuple[str, str]]:
    found = []
    for route in iter_route_contexts(served.app.routes):
        for method in sorted(route.methods or ()):
            found.append((method, str(route.path_format)))
    return found


def fill(path: str) -> str:
    return re.sub(r"{(\w+)(:\w+)?}", lambda match: PLAUSIBLE[match.group(1)], path)


def assert_refused(method: str, path: str, what: str, response: Any) -> None:
    label = f"{method} {path} with {what}"
    assert response.status_code == 401, f"{label}: HTTP {response.status_code} {response.text[:200]}"
    body = response.json()
    if path.startswith("/ocpi"):
        assert body["status_code"] == 2000, label
        assert body["status_message"], label
        assert "data" not in body, label
        assert response.headers["WWW-Authenticate"].startswith("Token"), label
    else:
        assert set(body) == {"detail"}, label
        assert response.headers["WWW-Authenticate"] == "Bearer", label


async def test_every_route_refuses_missing_and_wrong_credentials(full_app: Served) -> None:
    table = routes(full_app)
    labels = {f"{method} {path}" for method, path in table}
    assert labels >= OPEN, sorted(OPEN - labels)
    checked = 0
    for method, path in table:
        if f"{method} {path}" in OPEN:
            continue
        url = fill(path)
        body: dict[str, Any] | None = {} if method in ("POST", "PUT", "PATCH") else None
        for what, headers, right_on in WRONG:
            if right_on and path.startswith(right_on):
                continue
            params = {"token": ADMIN_TOKEN} if what == "admin token as a feed query" else None
            response = await full_app.client.request(method, url, headers=headers, json=body, params=params)
            assert_refused(method, path, what, response)
            checked += 1
    # The table holds the OCPI, admin, internal and feed routes of the whole deployable.
    prefixes = {path.split("/")[1] for _method, path in table}
    assert {"ocpi", "admin", "internal", "feeds"} <= prefixes
    assert checked > 900


@pytest.mark.parametrize("label", sorted(OPEN - {"GET /readyz"}))
async def test_the_open_routes_answer_without_credentials(full_app: Served, label: str) -> None:
    method, path = label.split(" ")
    response = await full_app.client.request(method, path)
    assert response.status_code == 200, f"{label}: {response.status_code}"
