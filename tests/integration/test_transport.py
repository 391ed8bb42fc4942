"""Transport rules on every OCPI endpoint (transport_and_format.asciidoc, status_codes.asciidoc)."""

from __future__ import annotations

import base64
import uuid

import pytest
from fastapi import APIRouter, Request, Response

from hub.deps import CallerDep, RoutingDep, SettingsDep
from hub.modules.credentials import module as credentials_module
from hub.modules.registry import OcpiModule
from hub.ocpi.enums import ModuleID
from hub.ocpi.pagination import PageRequest, PaginationError, page_headers
from hub.transport import ocpi_response
from tests.conftest import Platform, PlatformFactory, connect, invite, ocpi_auth

ITEMS = [{"id": str(i), "last_updated": f"2026-01-{i + 1:02d}T00:00:00Z"} for i in range(7)]


def probe_module() -> OcpiModule:
    """A functional module that exercises the shared transport: auth, routing headers, pagination, bodies."""
    router = APIRouter()

    @router.get("")
    async def list_items(
        request: Request, caller: CallerDep, routing: RoutingDep, settings: SettingsDep
    ) -> Response:
        from hub.errors import InvalidParametersError
        from hub.ocpi.base import parse_datetime

        q = request.query_params
        try:
            page = PageRequest.parse(
                offset=q.get("offset"),
                limit=q.get("limit"),
                date_from=q.get("date_from"),
                date_to=q.get("date_to"),
                max_limit=3,
            )
        except PaginationError as exc:
            raise InvalidParametersError(str(exc)) from None
        matching = [
            i
            for i in ITEMS
            if (page.date_from is None or parse_datetime(i["last_updated"]) >= page.date_from)
            and (page.date_to is None or parse_datetime(i["last_updated"]) < page.date_to)
        ]
        chosen = matching[page.offset : page.offset + page.limit]
        headers = page_headers(
            url=f"{settings.base_url}{request.url.path}",
            page=page,
            returned=len(chosen),
            total=len(matching),
            max_limit=3,
        )
        headers["X-Routing-To"] = str(routing.to) if routing.to else ""
        return ocpi_response(chosen, headers=headers)

    @router.put("/{item_id}")
    async def put_item(item_id: str, body: dict[str, int], caller: CallerDep) -> Response:
        return ocpi_response(body)

    @router.get("/boom")
    async def boom(caller: CallerDep) -> Response:
        raise RuntimeError("kaboom")

    return OcpiModule(id=ModuleID.LOCATIONS, sender=router)


@pytest.fixture
async def probed(platforms: PlatformFactory, database_url: str, peer: Platform) -> tuple[Platform, str]:
    hub = platforms(database_url, "hub.test", modules=(credentials_module, probe_module()))
    token, _ = await connect(hub, peer)
    return hub, token


PROBE = "/ocpi/2.2.1/sender/locations"


async def test_missing_authorization_is_401_in_envelope(hub: Platform) -> None:
    response = await hub.client.get("/ocpi/versions")
    assert response.status_code == 401
    body = response.json()
    assert body["status_code"] == 2000
    assert "Authorization" in body["status_message"]
    assert body["timestamp"].endswith("Z")
    assert response.headers["WWW-Authenticate"] == "Token"


@pytest.mark.parametrize(
    "header", ["Bearer abc", "Token", "Basic dXNlcjpwYXNz", "Token " + base64.b64encode(b"unknown").decode()]
)
async def test_malformed_or_unknown_authorization_is_401(hub: Platform, header: str) -> None:
    response = await hub.client.get("/ocpi/versions", headers={"Authorization": header})
    assert response.status_code == 401
    assert response.json()["status_code"] == 2000


async def test_raw_token_is_accepted_as_well_as_base64(hub: Platform) -> None:
    token = (await invite(hub))["token"]
    raw = await hub.client.get("/ocpi/versions", headers={"Authorization": f"Token {token}"})
    encoded = await hub.client.get("/ocpi/versions", headers=ocpi_auth(token))
    lower_scheme = await hub.client.get("/ocpi/versions", headers={"authorization": f"token {token}"})
    assert (raw.status_code, encoded.status_code, lower_scheme.status_code) == (200, 200, 200)


async def test_request_and_correlation_ids_are_echoed(hub: Platform) -> None:
    token = (await invite(hub))["token"]
    headers = {**ocpi_auth(token), "X-Request-ID": "req-1", "X-Correlation-ID": "corr-1"}
    response = await hub.client.get("/ocpi/versions", headers=headers)
    assert (response.headers["X-Request-ID"], response.headers["X-Correlation-ID"]) == ("req-1", "corr-1")


async def test_request_ids_are_generated_when_absent_even_on_errors(hub: Platform) -> None:
    response = await hub.client.get("/ocpi/versions")
    assert response.status_code == 401
    uuid.UUID(response.headers["X-Request-ID"])
    uuid.UUID(response.headers["X-Correlation-ID"])


async def test_unknown_path_is_404_in_envelope(hub: Platform) -> None:
    response = await hub.client.get("/ocpi/2.2.1/nothing-here")
    assert response.status_code == 404
    assert response.json()["status_code"] == 2000
    assert "X-Request-ID" in response.headers


async def test_unhandled_error_is_500_in_envelope_with_ids(probed: tuple[Platform, str]) -> None:
    hub, token = probed
    response = await hub.client.get(f"{PROBE}/boom", headers={**ocpi_auth(token), "X-Request-ID": "r-boom"})
    assert response.status_code == 500
    assert response.json()["status_code"] == 3000
    assert "kaboom" not in response.text
    assert response.headers["X-Request-ID"] == "r-boom"


async def test_body_that_is_not_json_is_http_400(hub: Platform) -> None:
    token = (await invite(hub))["token"]
    response = await hub.client.post(
        "/ocpi/2.2.1/credentials",
        content=b"{not json",
        headers={**ocpi_auth(token), "Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert response.json()["status_code"] == 2000
    assert "not valid JSON" in response.json()["status_message"]


async def test_wrong_content_type_is_415(hub: Platform) -> None:
    token = (await invite(hub))["token"]
    response = await hub.client.post(
        "/ocpi/2.2.1/credentials",
        content=b"token=abc",
        headers={**ocpi_auth(token), "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 415
    assert "application/json" in response.json()["status_message"]


async def test_json_with_charset_and_without_content_type_is_accepted(probed: tuple[Platform, str]) -> None:
    hub, token = probed
    with_charset = await hub.client.put(
        f"{PROBE}/1",
        content=b'{"a": 1}',
        headers={**ocpi_auth(token), "Content-Type": "application/json; charset=utf-8"},
    )
    without = await hub.client.put(f"{PROBE}/1", content=b'{"a": 2}', headers=ocpi_auth(token))
    assert with_charset.json()["data"] == {"a": 1}
    assert without.json()["data"] == {"a": 2}


async def test_schema_invalid_json_is_http_200_with_2001(probed: tuple[Platform, str]) -> None:
    hub, token = probed
    response = await hub.client.put(f"{PROBE}/1", json={"a": "not-an-int"}, headers=ocpi_auth(token))
    assert (response.status_code, response.json()["status_code"]) == (200, 2001)
    assert response.json()["status_message"].startswith("a:")


async def test_routing_headers_are_refused_on_configuration_modules(hub: Platform) -> None:
    token = (await invite(hub))["token"]
    headers = {**ocpi_auth(token), "OCPI-to-party-id": "GWY", "OCPI-to-country-code": "NL"}
    for path in ("/ocpi/versions", "/ocpi/2.2.1", "/ocpi/2.2.1/credentials"):
        response = await hub.client.get(path, headers=headers)
        assert response.json()["status_code"] == 2001, path
        assert "OCPI-to-party-id" in response.json()["status_message"]


async def test_routing_headers_are_parsed_on_functional_modules(probed: tuple[Platform, str]) -> None:
    hub, token = probed
    headers = {
        **ocpi_auth(token),
        "ocpi-to-party-id": "gwy",
        "OCPI-TO-COUNTRY-CODE": "nl",
        "OCPI-from-party-id": "MSP",
        "OCPI-from-country-code": "DE",
    }
    response = await hub.client.get(PROBE, headers=headers)
    assert response.json()["status_code"] == 1000
    assert response.headers["X-Routing-To"] == "NL*GWY"


@pytest.mark.parametrize(
    ("headers", "named"),
    [
        ({"OCPI-to-party-id": "GWY"}, "OCPI-to-country-code"),
        ({"OCPI-from-country-code": "DE"}, "OCPI-from-party-id"),
        ({"OCPI-to-party-id": "GWYX", "OCPI-to-country-code": "NL"}, "OCPI-to-party-id"),
        ({"OCPI-to-party-id": "GWY", "OCPI-to-country-code": "NLD"}, "OCPI-to-country-code"),
    ],
)
async def test_malformed_routing_headers_are_2001(
    probed: tuple[Platform, str], headers: dict[str, str], named: str
) -> None:
    hub, token = probed
    response = await hub.client.get(PROBE, headers={**ocpi_auth(token), **headers})
    assert response.json()["status_code"] == 2001
    assert named in response.json()["status_message"]


async def test_pagination_headers_and_next_link_repeat_filters(probed: tuple[Platform, str]) -> None:
    hub, token = probed
    response = await hub.client.get(
        PROBE, params={"date_from": "2026-01-02T00:00:00", "limit": "2"}, headers=ocpi_auth(token)
    )
    assert [i["id"] for i in response.json()["data"]] == ["1", "2"]
    assert response.headers["X-Total-Count"] == "6"
    assert response.headers["X-Limit"] == "3"
    assert response.headers["Link"] == (
        '<http://hub.test/ocpi/2.2.1/sender/locations?offset=2&limit=2&date_from=2026-01-02T00:00:00Z>; rel="next"'
    )


async def test_pagination_walk_reaches_every_object_and_last_page_has_no_link(
    probed: tuple[Platform, str],
) -> None:
    hub, token = probed
    seen: list[str] = []
    url: str | None = f"http://hub.test{PROBE}?limit=1000"
    pages = 0
    while url:
        response = await hub.client.get(url, headers=ocpi_auth(token))
        assert response.headers["X-Limit"] == "3"  # the server maximum, not the number returned
        seen += [i["id"] for i in response.json()["data"]]
        link = response.headers.get("Link")
        url = link[1 : link.index(">")] if link else None
        pages += 1
    assert seen == [str(i) for i in range(7)]
    assert pages == 3


async def test_date_to_is_exclusive_and_date_from_inclusive(probed: tuple[Platform, str]) -> None:
    hub, token = probed
    response = await hub.client.get(
        PROBE,
        params={"date_from": "2026-01-02T00:00:00Z", "date_to": "2026-01-04T00:00:00Z"},
        headers=ocpi_auth(token),
    )
    assert [i["id"] for i in response.json()["data"]] == ["1", "2"]
    assert "Link" not in response.headers


@pytest.mark.parametrize(
    ("params", "named"),
    [({"offset": "-1"}, "offset"), ({"limit": "x"}, "limit"), ({"date_from": "yesterday"}, "date_from")],
)
async def test_bad_pagination_parameters_are_2001(
    probed: tuple[Platform, str], params: dict[str, str], named: str
) -> None:
    hub, token = probed
    response = await hub.client.get(PROBE, params=params, headers=ocpi_auth(token))
    assert response.json()["status_code"] == 2001
    assert response.json()["status_message"].startswith(named)


def test_page_request_caps_limit_at_server_maximum() -> None:
    page = PageRequest.parse(offset=None, limit="5000", date_from=None, date_to=None, max_limit=100)
    assert (page.offset, page.limit) == (0, 100)
