"""A partner cannot read or write another partner's objects (issue 11, security; transport_and_format_errors:
"blocking client access to objects that do not belong to them" with HTTP 404): for every Receiver module,
partner B neither reads, replaces, patches nor deletes what partner A pushed under A's parties, nor
smuggles A's party into a body sent to its own URL; result URLs of commands and charging profiles answer
only the partner they were sent to; Sender lists hold only our own objects, and Sessions only of the
caller's Tokens."""

from __future__ import annotations

import json
import shutil
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI

from hub.main import create_app
from hub.tables.commands import CommandDirection, CommandRecord, CommandState
from tests.conftest import ADMIN_TOKEN, ocpi_auth
from tests.fixtures_locations import make_location, make_tariff
from tests.fuzz import seed
from tests.security.conftest import add_partner, secured_settings
from tests.spec import EXAMPLES

R = "/ocpi/2.2.1/receiver"
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
LATER = "2026-09-01T00:00:00Z"
# Each partner is a CPO and an eMSP, so that it may push to every Receiver module of ours.
PARTIES = {
    "A": (("CPO", "DE", "AAA"), ("EMSP", "DE", "AAM")),
    "B": (("CPO", "FR", "BBB"), ("EMSP", "FR", "BBM")),
}
TOKENS = {"A": "token-of-partner-a", "B": "token-of-partner-b"}


@dataclass
class Two:
    app: FastAPI
    client: httpx.AsyncClient
    ids: dict[str, int]

    async def call(self, who: str, method: str, url: str, body: Any = None) -> httpx.Response:
        return await self.client.request(method, url, json=body, headers=ocpi_auth(TOKENS[who]))


@pytest.fixture
async def two(tmp_path: Path, sqlite_template: Path) -> AsyncIterator[Two]:
    path = tmp_path / "hub.db"
    shutil.copy(sqlite_template, path)
    app = create_app(secured_settings(f"sqlite:///{path}"))
    async with LifespanManager(app) as manager:
        ids = {who: await add_partner(app, who, TOKENS[who], PARTIES[who]) for who in PARTIES}
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as client:
            yield Two(app, client, ids)


def party(who: str, role: str) -> tuple[str, str]:
    return next((cc, pid) for r, cc, pid in PARTIES[who] if r == role)


@dataclass(frozen=True)
class Module:
    """A Receiver module's objects: the URLs of one object of an owner, its body, a PATCH of it."""

    name: str
    role: str  # the role the owner pushes in
    urls: Callable[[str, str], list[str]]  # the object's URL first, then its children's
    body: Callable[[str, str], dict[str, Any]]
    patch: dict[str, Any] | None = None
    delete: bool = False
    at_location: bool = False  # the object names the owner's Location LOC1, which must exist


def location_urls(cc: str, pid: str) -> list[str]:
    location = f"{R}/locations/{cc}/{pid}/LOC1"
    return [location, f"{location}/LOC1-1", f"{location}/LOC1-1/1"]


MODULES = [
    Module(
        "locations",
        "CPO",
        location_urls,
        lambda cc, pid: make_location("LOC1", 1, 1, cc, pid),
        {"name": "Hijacked", "last_updated": LATER},
    ),
    Module(
        "sessions",
        "CPO",
        lambda cc, pid: [f"{R}/sessions/{cc}/{pid}/S1"],
        lambda cc, pid: seed.session(cc, pid) | {"id": "S1"},
        {"kwh": 99, "last_updated": LATER},
        at_location=True,
    ),
    Module(
        "tariffs",
        "CPO",
        lambda cc, pid: [f"{R}/tariffs/{cc}/{pid}/T1"],
        lambda cc, pid: make_tariff("T1", cc, pid),
        delete=True,
    ),
    Module(
        "tokens",
        "EMSP",
        lambda cc, pid: [f"{R}/tokens/{cc}/{pid}/{seed.TOKEN_UID}"],
        seed.token,
        {"valid": False, "last_updated": LATER},
    ),
]


async def put_location(two: Two, cc: str, pid: str) -> None:
    pushed = await two.call("A", "PUT", location_urls(cc, pid)[0], make_location("LOC1", 1, 1, cc, pid))
    assert pushed.status_code == 201, pushed.text


async def stored(two: Two, url: str) -> Any:
    """The object as its owner reads it."""
    got = await two.call("A", "GET", url)
    assert got.status_code == 200, got.text
    return got.json()["data"]


def refused_as_unknown(response: httpx.Response) -> None:
    """HTTP 404 in the envelope with a client error, as for an object that does not exist."""
    assert response.status_code == 404, response.text
    assert 2000 <= response.json()["status_code"] < 3000


@pytest.mark.parametrize("module", MODULES, ids=[m.name for m in MODULES])
async def test_a_partner_cannot_read_or_write_another_partner_s_objects(two: Two, module: Module) -> None:
    cc, pid = party("A", module.role)
    urls = module.urls(cc, pid)
    body = module.body(cc, pid)
    if module.at_location:
        await put_location(two, cc, pid)
    pushed = await two.call("A", "PUT", urls[0], body)
    assert pushed.json()["status_code"] == 1000, pushed.text
    before = [await stored(two, url) for url in urls]
    hijacked = body | {"last_updated": LATER}
    for url in urls:
        refused_as_unknown(await two.call("B", "GET", url))
    refused_as_unknown(await two.call("B", "PUT", urls[0], hijacked))
    if module.patch is not None:
        for url in urls:
            refused_as_unknown(await two.call("B", "PATCH", url, module.patch))
    if module.delete:
        refused_as_unknown(await two.call("B", "DELETE", urls[0]))
    # B's own URL with a body naming A's party: the body and the URL disagree (2001).
    own = module.urls(*party("B", module.role))[0]
    smuggled = await two.call("B", "PUT", own, hijacked)
    assert smuggled.json()["status_code"] == 2001, smuggled.text
    assert [await stored(two, url) for url in urls] == before
    refused_as_unknown(await two.call("B", "GET", own))  # nothing was stored under B's URL either


async def test_a_partner_cannot_read_another_partner_s_cdr_nor_post_one_in_its_name(two: Two) -> None:
    cc, pid = party("A", "CPO")
    assert (
        await two.call("A", "PUT", location_urls(cc, pid)[0], make_location("LOC1", 1, 1, cc, pid))
    ).status_code == 201
    cdr = cdr_of(cc, pid)
    posted = await two.call("A", "POST", f"{R}/cdrs", cdr)
    assert posted.status_code == 201, posted.text
    location = posted.headers["Location"]
    assert (await two.call("A", "GET", location)).json()["data"]["id"] == "CDR1"
    refused_as_unknown(await two.call("B", "GET", location))
    smuggled = await two.call("B", "POST", f"{R}/cdrs", cdr | {"id": "CDR2"})
    assert smuggled.json()["status_code"] == 2001, smuggled.text
    refused_as_unknown(await two.call("A", "GET", location.replace("CDR1", "CDR2")))


def cdr_of(cc: str, pid: str) -> dict[str, Any]:
    value: dict[str, Any] = json.loads((EXAMPLES / "cdr_example.json").read_text())
    return value | {"country_code": cc, "party_id": pid, "id": "CDR1"}


async def test_only_a_hub_pushes_client_info_and_never_for_another_partner(two: Two) -> None:
    cc, pid = party("A", "CPO")
    info = {"country_code": cc, "party_id": pid, "role": "CPO", "status": "SUSPENDED", "last_updated": LATER}
    refused_as_unknown(await two.call("B", "PUT", f"{R}/hubclientinfo/{cc}/{pid}", info))


@pytest.mark.parametrize(
    ("module", "command", "path", "result"),
    [
        ("commands", "START_SESSION", "commands/START_SESSION", {"result": "ACCEPTED"}),
        (
            "chargingprofiles",
            "SET_CHARGING_PROFILE",
            "chargingprofiles/SET_CHARGING_PROFILE",
            {"result": "ACCEPTED"},
        ),
    ],
)
async def test_a_result_url_answers_only_the_partner_the_request_went_to(
    two: Two, module: str, command: str, path: str, result: dict[str, Any]
) -> None:
    async with two.app.state.sessionmaker() as session:
        record = CommandRecord(
            direction=CommandDirection.SENT,
            module=module,
            command=command,
            partner_id=two.ids["A"],
            callback_id="cb-of-a",
            response_url=f"http://hub.test/ocpi/2.2.1/sender/{path}/cb-of-a",
            request="{}",
            state=CommandState.WAITING,
        )
        session.add(record)
        await session.commit()
        record_id = record.id
    url = f"/ocpi/2.2.1/sender/{path}/cb-of-a"
    refused_as_unknown(await two.call("B", "POST", url, result))
    async with two.app.state.sessionmaker() as session:
        untouched = await session.get(CommandRecord, record_id)
        assert untouched is not None
        assert (untouched.state, untouched.result) == (CommandState.WAITING, None)
    answered = await two.call("A", "POST", url, result)
    assert answered.json()["status_code"] == 1000, answered.text


async def test_sender_lists_hold_our_objects_and_sessions_only_of_the_caller_s_tokens(two: Two) -> None:
    # A's objects pushed to us, and our own Location and a Session billed to A's eMSP party.
    for module in MODULES:
        role_cc, role_pid = party("A", module.role)
        assert (
            await two.call("A", "PUT", module.urls(role_cc, role_pid)[0], module.body(role_cc, role_pid))
        ).status_code == 201
    ours = "/".join(seed.OURS)
    put = await two.client.put(f"/admin/locations/{ours}/LOC1", json=make_location("LOC1"), headers=ADMIN)
    assert put.status_code == 201, put.text
    session = seed.session(*seed.OURS) | {"id": "S-OF-A"}
    session["cdr_token"] = {**session["cdr_token"], "country_code": "DE", "party_id": "AAM"}
    put = await two.client.put(f"/admin/sessions/{ours}/S-OF-A", json=session, headers=ADMIN)
    assert put.status_code in (200, 201), put.text

    async def listed(who: str, module: str) -> list[dict[str, Any]]:
        got = await two.call(who, "GET", f"/ocpi/2.2.1/sender/{module}?date_from=2020-01-01T00:00:00Z")
        assert got.json()["status_code"] == 1000, got.text
        data: list[dict[str, Any]] = got.json()["data"]
        return data

    for who in ("A", "B"):
        for name in ("locations", "tariffs", "sessions", "cdrs", "tokens"):
            owners = {(o["country_code"], o["party_id"]) for o in await listed(who, name)}
            assert owners <= {("NL", "GWY"), ("NL", "MSP")}, (who, name, owners)
    assert [s["id"] for s in await listed("A", "sessions")] == ["S-OF-A"]
    assert await listed("B", "sessions") == []
