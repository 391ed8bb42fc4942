"""Commands in both roles (mod_commands.asciidoc): as CPO we judge a command at once and POST the charger's
CommandResult to the Sender's response_url; as eMSP we send commands to a CPO partner with a response_url of
ours and match the results that arrive there. Chargers are a fake ChargerCommands port."""

from __future__ import annotations

import asyncio
import base64
import json
from typing import Any

import httpx
import orjson
import pytest
from asgi_lifespan import LifespanManager
from sqlmodel import col, select

from hub.config import LocalParty
from hub.modules.commands import module as commands_module
from hub.modules.commands.runner import CommandSettings, runner, start_after_commit
from hub.modules.credentials import module as credentials_module
from hub.ocpi.enums import Role
from hub.ocpi.v221.commands import CommandResultType
from hub.ports import ChargerRefusedError, ChargerTarget
from hub.tables import PartnerRecord
from hub.tables.commands import CommandRecord
from hub.tables.sessions import SessionRecord
from tests.conftest import ADMIN_TOKEN, Platform, PlatformFactory, connect, ocpi_auth, settle
from tests.fixtures_locations import make_location
from tests.network import PeerNetwork
from tests.spec import EXAMPLES

RECEIVER = "/ocpi/2.2.1/receiver/commands"
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
MODULES = (credentials_module, commands_module)

CPO = LocalParty(country_code="NL", party_id="GWY", role=Role.CPO, name="Gateway CPO")
EMSP = LocalParty(country_code="DE", party_id="MSP", role=Role.EMSP, name="Partner eMSP")
OTHER_EMSP = LocalParty(country_code="FR", party_id="OTH", role=Role.EMSP, name="Other eMSP")

NEVER = object()  # a charger that never answers
RESULTS_HOST = "results.test"
FULL_CAPABILITIES = [
    "RFID_READER",
    "REMOTE_START_STOP_CAPABLE",
    "RESERVABLE",
    "UNLOCK_CAPABLE",
    "CHARGING_PROFILE_CAPABLE",
]


@pytest.fixture(autouse=True)
def _deliver_as_serve_does(platforms: PlatformFactory) -> None:
    """Results reach response_urls through the delivery worker, running in the background as in serve."""
    platforms.background_delivery = True


class FakeCharger:
    """A ChargerCommands port: records every call and answers `answer` (a result, an exception to raise, a
    future to await, or NEVER)."""

    def __init__(self) -> None:
        self.answer: Any = CommandResultType.ACCEPTED
        self.calls: list[tuple[str, ChargerTarget, dict[str, Any]]] = []
        self.called = asyncio.Event()
        self.cancelled = asyncio.Event()
        self.unreachable: str | None = None  # the reason reachable() gives, None: connected

    async def reachable(self, target: ChargerTarget) -> str | None:
        return self.unreachable

    async def _answer(self, name: str, target: ChargerTarget, **kwargs: Any) -> Any:
        self.calls.append((name, target, kwargs))
        self.called.set()
        if self.answer is NEVER:
            try:
                await asyncio.Event().wait()
            except asyncio.CancelledError:
                self.cancelled.set()
                raise
        if isinstance(self.answer, asyncio.Future):
            return await self.answer
        if isinstance(self.answer, BaseException):
            raise self.answer
        return self.answer

    async def start_session(self, target: ChargerTarget, **kwargs: Any) -> Any:
        return await self._answer("start_session", target, **kwargs)

    async def stop_session(self, target: ChargerTarget, **kwargs: Any) -> Any:
        return await self._answer("stop_session", target, **kwargs)

    async def reserve_now(self, target: ChargerTarget, **kwargs: Any) -> Any:
        return await self._answer("reserve_now", target, **kwargs)

    async def cancel_reservation(self, target: ChargerTarget, **kwargs: Any) -> Any:
        return await self._answer("cancel_reservation", target, **kwargs)

    async def unlock_connector(self, target: ChargerTarget, **kwargs: Any) -> Any:
        return await self._answer("unlock_connector", target, **kwargs)

    async def set_charging_profile(self, target: ChargerTarget, **kwargs: Any) -> Any:
        return await self._answer("set_charging_profile", target, **kwargs)

    async def get_active_charging_profile(self, target: ChargerTarget, **kwargs: Any) -> Any:
        return await self._answer("get_active_charging_profile", target, **kwargs)

    async def clear_charging_profile(self, target: ChargerTarget, **kwargs: Any) -> Any:
        return await self._answer("clear_charging_profile", target, **kwargs)


class Inbox:
    """A fake Sender host for response_urls: every request it receives, in order, to await."""

    def __init__(self, network: PeerNetwork, host: str = RESULTS_HOST) -> None:
        self.host = host
        self.queue: asyncio.Queue[httpx.Request] = asyncio.Queue()
        network.attach_handler(host, self.handle)

    async def handle(self, request: httpx.Request) -> httpx.Response:
        await request.aread()
        self.queue.put_nowait(request)
        return httpx.Response(200, json={"status_code": 1000, "timestamp": "2026-01-01T00:00:00Z"})

    def url(self, path: str = "/commands/1") -> str:
        return f"http://{self.host}{path}"

    async def next(self) -> httpx.Request:
        # A guard against a hang, not a wait for time to pass: the request is awaited.
        return await asyncio.wait_for(self.queue.get(), 10)


def b64(token: str) -> str:
    return "Token " + base64.b64encode(token.encode()).decode()


def make_token(country_code: str = "DE", party_id: str = "MSP", **overrides: Any) -> dict[str, Any]:
    token: dict[str, Any] = json.loads((EXAMPLES / "token_example_1_app_user.json").read_text())
    return {**token, "country_code": country_code, "party_id": party_id, **overrides}


def start_session(response_url: str, **overrides: Any) -> dict[str, Any]:
    body = {
        "response_url": response_url,
        "token": make_token(),
        "location_id": "LOC1",
        "evse_uid": "LOC1-1",
        "connector_id": "1",
        "authorization_reference": "AUTH-1",
        **overrides,
    }
    return {k: v for k, v in body.items() if v is not None}


def reserve_now(response_url: str, reservation_id: str = "R1", **overrides: Any) -> dict[str, Any]:
    body = {
        "response_url": response_url,
        "token": make_token(),
        "expiry_date": "2030-01-01T12:00:00Z",
        "reservation_id": reservation_id,
        "location_id": "LOC1",
        "evse_uid": "LOC1-1",
        **overrides,
    }
    return {k: v for k, v in body.items() if v is not None}


def capable_location(
    location_id: str = "LOC1", country_code: str = "NL", party_id: str = "GWY", **overrides: Any
) -> dict[str, Any]:
    """A Location whose first EVSE can do everything and whose second has make_evse's default capabilities
    (RFID_READER, REMOTE_START_STOP_CAPABLE)."""
    location = make_location(location_id, country_code=country_code, party_id=party_id, **overrides)
    location["evses"][0]["capabilities"] = list(FULL_CAPABILITIES)
    return location


async def put_location(platform: Platform, location: dict[str, Any]) -> None:
    path = f"/admin/locations/{location['country_code']}/{location['party_id']}/{location['id']}"
    response = await platform.client.put(path, json=location, headers=ADMIN)
    assert response.status_code in (200, 201), response.text


def session_body(
    session_id: str = "S1",
    *,
    country_code: str = "NL",
    party_id: str = "GWY",
    token_owner: tuple[str, str] = ("DE", "MSP"),
    status: str = "ACTIVE",
    location_id: str = "LOC1",
    evse_uid: str = "LOC1-1",
    connector_id: str = "1",
) -> dict[str, Any]:
    body: dict[str, Any] = json.loads((EXAMPLES / "session_example_1_simple_start.json").read_text())
    body.update(
        country_code=country_code,
        party_id=party_id,
        id=session_id,
        status=status,
        location_id=location_id,
        evse_uid=evse_uid,
        connector_id=connector_id,
    )
    body["cdr_token"].update(country_code=token_owner[0], party_id=token_owner[1])
    return body


async def add_session(platform: Platform, body: dict[str, Any]) -> None:
    """One of the platform's own Sessions, stored as the Sessions module stores them."""
    from hub.ocpi.base import parse_datetime

    async with platform.app.state.sessionmaker() as session:
        session.add(
            SessionRecord(
                country_code=body["country_code"],
                party_id=body["party_id"],
                object_key=body["id"].upper(),
                partner_id=None,
                last_updated=parse_datetime(body["last_updated"]),
                body=orjson.dumps(body).decode(),
                token_country_code=body["cdr_token"]["country_code"],
                token_party_id=body["cdr_token"]["party_id"],
            )
        )
        await session.commit()


async def records(platform: Platform) -> list[CommandRecord]:
    async with platform.app.state.sessionmaker() as session:
        return list((await session.exec(select(CommandRecord).order_by(col(CommandRecord.id)))).all())


async def latest_partner_id(platform: Platform) -> int:
    async with platform.app.state.sessionmaker() as session:
        partner = (await session.exec(select(PartnerRecord).order_by(col(PartnerRecord.id).desc()))).first()
    assert partner is not None
    assert partner.id is not None
    partner_id: int = partner.id
    return partner_id


def envelope(response: httpx.Response) -> dict[str, Any]:
    body: dict[str, Any] = response.json()
    return body


@pytest.fixture(autouse=True)
async def _stop_tasks(platforms: PlatformFactory, database_url: str) -> Any:
    """Every app's command tasks end with the test, as they do at shutdown, and before the test database is
    emptied (which waits for their transactions)."""
    yield
    for platform in platforms.created:
        await runner(platform.app.state).close()


@pytest.fixture
def charger() -> FakeCharger:
    return FakeCharger()


@pytest.fixture
def inbox(network: PeerNetwork) -> Inbox:
    return Inbox(network)


@pytest.fixture
async def cpo_hub(platforms: PlatformFactory, database_url: str, charger: FakeCharger) -> Platform:
    """Our hub as CPO NL*GWY, on both engines, with a fake charger port and the Location LOC1."""
    hub = platforms(database_url, "hub.test", [CPO], modules=MODULES, charger_commands=charger)
    await put_location(hub, capable_location())
    return hub


@pytest.fixture
async def emsp_tokens(cpo_hub: Platform, platforms: PlatformFactory, sqlite_url: str) -> tuple[str, str]:
    """An eMSP partner DE*MSP registered with the hub: (its token with us, our token with it)."""
    emsp = platforms(sqlite_url, "emsp.test", [EMSP], modules=MODULES)
    return await connect(cpo_hub, emsp)


@pytest.fixture
def emsp_auth(emsp_tokens: tuple[str, str]) -> dict[str, str]:
    return ocpi_auth(emsp_tokens[0])


async def post_command(
    hub: Platform, auth: dict[str, str], command: str, body: Any, **kw: Any
) -> httpx.Response:
    return await hub.client.post(
        f"{RECEIVER}/{command}", json=body, headers={**auth, **kw.pop("headers", {})}
    )


# -- Receiver (CPO): the synchronous CommandResponse ---------------------------------------------------------


async def test_start_session_is_accepted_with_a_timeout_and_the_result_reaches_response_url(
    cpo_hub: Platform, emsp_tokens: tuple[str, str], inbox: Inbox, charger: FakeCharger
) -> None:
    response = await post_command(
        cpo_hub, ocpi_auth(emsp_tokens[0]), "START_SESSION", start_session(inbox.url("/cb/42"))
    )
    body = envelope(response)
    assert (response.status_code, body["status_code"]) == (200, 1000)
    assert body["data"]["result"] == "ACCEPTED"
    # our timeout covers the charger (30 s by default) and the POST of the result (2 s in tests)
    assert body["data"]["timeout"] == 32
    result = await inbox.next()
    assert (result.method, str(result.url)) == ("POST", inbox.url("/cb/42"))
    assert orjson.loads(result.content) == {"result": "ACCEPTED"}
    # the eMSP's credentials token, and routing headers answering the requesting party
    assert result.headers["Authorization"] == b64(emsp_tokens[1])
    assert (result.headers["OCPI-to-country-code"], result.headers["OCPI-to-party-id"]) == ("DE", "MSP")
    assert (result.headers["OCPI-from-country-code"], result.headers["OCPI-from-party-id"]) == ("NL", "GWY")
    [(name, target, kwargs)] = charger.calls
    assert name == "start_session"
    assert target == ChargerTarget("NL", "GWY", "LOC1", "LOC1-1", "1")
    assert kwargs["token"].uid == make_token()["uid"]
    assert kwargs["authorization_reference"] == "AUTH-1"
    await settle(cpo_hub.app)
    [record] = await records(cpo_hub)
    assert (record.direction, record.state, record.country_code, record.party_id) == (
        "RECEIVED",
        "COMPLETED",
        "DE",
        "MSP",
    )
    assert record.delivered_at is not None
    assert record.error is None


async def test_start_session_token_validity_is_not_checked(
    cpo_hub: Platform, emsp_auth: dict[str, str], inbox: Inbox, charger: FakeCharger
) -> None:
    # mod_commands_startsession_object: "the CPO SHALL NOT check the validity of the Token"
    token = make_token(valid=False, whitelist="NEVER", uid="NEVER-SEEN-BEFORE")
    response = await post_command(
        cpo_hub, emsp_auth, "START_SESSION", start_session(inbox.url(), token=token)
    )
    assert envelope(response)["data"]["result"] == "ACCEPTED"
    await inbox.next()
    [(_, _, kwargs)] = charger.calls
    assert (kwargs["token"].valid, kwargs["token"].whitelist, kwargs["token"].uid) == (
        False,
        "NEVER",
        "NEVER-SEEN-BEFORE",
    )


async def test_the_charger_is_asked_only_after_the_command_is_committed(
    cpo_hub: Platform, emsp_auth: dict[str, str], inbox: Inbox
) -> None:
    seen: list[list[str]] = []

    class Peeking(FakeCharger):
        async def start_session(self, target: ChargerTarget, **kwargs: Any) -> Any:
            # what another transaction sees at the moment the charger is asked
            seen.append([r.state for r in await records(cpo_hub)])
            return await super().start_session(target, **kwargs)

    cpo_hub.app.state.charger_commands = Peeking()
    response = await post_command(cpo_hub, emsp_auth, "START_SESSION", start_session(inbox.url()))
    assert envelope(response)["data"]["result"] == "ACCEPTED"
    await inbox.next()
    assert seen == [["WAITING"]]


async def test_work_starts_when_the_session_commits_and_never_after_a_rollback(cpo_hub: Platform) -> None:
    state = cpo_hub.app.state
    started: list[str] = []

    def work(name: str) -> Any:
        async def run() -> None:
            started.append(name)

        return run

    async with state.sessionmaker() as session:
        start_after_commit(session, state, work("committed"), "committed")
        await runner(state).join()
        assert started == []
        await session.commit()
        await runner(state).join()
        assert started == ["committed"]
    async with state.sessionmaker() as session:
        start_after_commit(session, state, work("rolled back"), "rolled back")
        await session.rollback()
        await session.commit()  # a later commit does not revive it
        await runner(state).join()
    assert started == ["committed"]


async def test_the_request_does_not_wait_for_the_charger(
    cpo_hub: Platform, emsp_auth: dict[str, str], inbox: Inbox, charger: FakeCharger
) -> None:
    charger.answer = NEVER  # with the default 30 s timeout
    response = await post_command(cpo_hub, emsp_auth, "START_SESSION", start_session(inbox.url()))
    assert envelope(response)["data"]["result"] == "ACCEPTED"
    await asyncio.wait_for(charger.called.wait(), 10)
    assert not charger.cancelled.is_set()
    assert inbox.queue.empty()


@pytest.mark.parametrize(
    "answer",
    [CommandResultType.REJECTED, CommandResultType.EVSE_OCCUPIED, CommandResultType.EVSE_INOPERATIVE],
)
async def test_the_charger_s_answer_is_the_command_result(
    cpo_hub: Platform,
    emsp_auth: dict[str, str],
    inbox: Inbox,
    charger: FakeCharger,
    answer: CommandResultType,
) -> None:
    charger.answer = answer
    await post_command(cpo_hub, emsp_auth, "START_SESSION", start_session(inbox.url()))
    assert orjson.loads((await inbox.next()).content) == {"result": answer.value}


async def test_a_charger_error_is_failed(
    cpo_hub: Platform, emsp_auth: dict[str, str], inbox: Inbox, charger: FakeCharger
) -> None:
    charger.answer = ConnectionError("websocket closed")
    await post_command(cpo_hub, emsp_auth, "START_SESSION", start_session(inbox.url()))
    result = orjson.loads((await inbox.next()).content)
    assert result["result"] == "FAILED"
    assert "websocket" not in json.dumps(result)  # internals stay in our log


async def test_a_refusal_with_a_reason_is_the_result_with_that_message(
    cpo_hub: Platform, emsp_auth: dict[str, str], inbox: Inbox, charger: FakeCharger
) -> None:
    charger.answer = ChargerRefusedError(CommandResultType.REJECTED, "idTag too long for this Charge Point")
    await post_command(cpo_hub, emsp_auth, "START_SESSION", start_session(inbox.url()))
    assert orjson.loads((await inbox.next()).content) == {
        "result": "REJECTED",
        "message": [{"language": "en", "text": "idTag too long for this Charge Point"}],
    }


@pytest.mark.parametrize(
    ("command", "body"),
    [
        ("START_SESSION", lambda url: start_session(url)),
        ("RESERVE_NOW", lambda url: reserve_now(url)),
        ("UNLOCK_CONNECTOR", lambda url: _unlock(url)),
    ],
)
async def test_a_command_for_an_offline_charger_is_rejected_at_once(
    cpo_hub: Platform,
    emsp_auth: dict[str, str],
    inbox: Inbox,
    charger: FakeCharger,
    command: str,
    body: Any,
) -> None:
    charger.unreachable = "Charge Point CP16 is offline"
    response = await post_command(cpo_hub, emsp_auth, command, body(inbox.url()))
    assert envelope(response)["data"]["result"] == "REJECTED"
    assert envelope(response)["data"]["message"] == [
        {"language": "en", "text": "Charge Point CP16 is offline"}
    ]
    await settle(cpo_hub.app)
    assert charger.calls == []
    assert inbox.queue.empty()
    [record] = await records(cpo_hub)
    assert record.state == "ANSWERED"


async def test_a_charger_that_never_answers_is_timeout(
    cpo_hub: Platform, emsp_auth: dict[str, str], inbox: Inbox, charger: FakeCharger
) -> None:
    cpo_hub.app.state.command_settings = CommandSettings(command_timeout=0.05)
    charger.answer = NEVER
    response = await post_command(cpo_hub, emsp_auth, "START_SESSION", start_session(inbox.url()))
    assert envelope(response)["data"]["timeout"] == 3  # ceil(0.05 + 2)
    assert orjson.loads((await inbox.next()).content) == {"result": "TIMEOUT"}
    assert charger.cancelled.is_set()  # our timeout ended the charger call


async def test_a_charger_timeout_error_is_timeout(
    cpo_hub: Platform, emsp_auth: dict[str, str], inbox: Inbox, charger: FakeCharger
) -> None:
    charger.answer = TimeoutError()
    await post_command(cpo_hub, emsp_auth, "UNLOCK_CONNECTOR", _unlock(inbox.url()))
    assert orjson.loads((await inbox.next()).content) == {"result": "TIMEOUT"}


async def test_shutdown_cancels_commands_in_flight(
    cpo_hub: Platform, emsp_auth: dict[str, str], inbox: Inbox, charger: FakeCharger
) -> None:
    charger.answer = NEVER
    async with LifespanManager(cpo_hub.app):
        await post_command(cpo_hub, emsp_auth, "START_SESSION", start_session(inbox.url()))
        await asyncio.wait_for(charger.called.wait(), 10)
    assert charger.cancelled.is_set()
    assert inbox.queue.empty()


def _unlock(response_url: str, **overrides: Any) -> dict[str, Any]:
    return {
        "response_url": response_url,
        "location_id": "LOC1",
        "evse_uid": "LOC1-1",
        "connector_id": "2",
        **overrides,
    }


@pytest.mark.parametrize(
    ("command", "body"),
    [
        ("START_SESSION", start_session(RESULTS_HOST, location_id="NOPE")),
        ("RESERVE_NOW", reserve_now(RESULTS_HOST, location_id="NOPE")),
        ("UNLOCK_CONNECTOR", _unlock(RESULTS_HOST, location_id="NOPE")),
    ],
)
async def test_unknown_location_is_2003_with_a_rejected_command_response(
    cpo_hub: Platform, emsp_auth: dict[str, str], inbox: Inbox, charger: FakeCharger, command: str, body: Any
) -> None:
    body = {**body, "response_url": inbox.url()}
    response = await post_command(cpo_hub, emsp_auth, command, body)
    data = envelope(response)
    # the spec's "UNLOCK_CONNECTOR Unknown Location" diagram: status_code 2003, data CommandResponse REJECTED
    assert (response.status_code, data["status_code"], data["data"]["result"]) == (200, 2003, "REJECTED")
    assert "NOPE" in data["status_message"]
    assert charger.calls == []
    assert await records(cpo_hub) == []


async def test_location_of_a_party_the_request_is_not_addressed_to_is_unknown(
    cpo_hub: Platform, emsp_auth: dict[str, str], inbox: Inbox
) -> None:
    routing = {"OCPI-to-country-code": "BE", "OCPI-to-party-id": "XXX"}
    response = await post_command(
        cpo_hub, emsp_auth, "START_SESSION", start_session(inbox.url()), headers=routing
    )
    assert envelope(response)["status_code"] == 2003


@pytest.mark.parametrize("response_url", ["not a url", "ftp://results.test/x", "/relative/path", "x" * 300])
async def test_response_url_that_is_not_a_url_is_2001_naming_it(
    cpo_hub: Platform, emsp_auth: dict[str, str], charger: FakeCharger, response_url: str
) -> None:
    response = await post_command(
        cpo_hub, emsp_auth, "STOP_SESSION", {"response_url": response_url, "session_id": "S1"}
    )
    body = envelope(response)
    assert (response.status_code, body["status_code"]) == (200, 2001)
    assert body["status_message"].startswith("response_url")
    assert charger.calls == []
    assert await records(cpo_hub) == []


@pytest.mark.parametrize(
    ("command", "body", "field"),
    [
        ("START_SESSION", {"response_url": "http://x.test/1", "location_id": "LOC1"}, "token"),
        (
            "RESERVE_NOW",
            {"response_url": "http://x.test/1", "token": make_token(), "location_id": "L"},
            "expiry_date",
        ),
        ("STOP_SESSION", {"response_url": "http://x.test/1"}, "session_id"),
        ("CANCEL_RESERVATION", {"response_url": "http://x.test/1"}, "reservation_id"),
        (
            "UNLOCK_CONNECTOR",
            {"response_url": "http://x.test/1", "location_id": "L", "evse_uid": "E"},
            "connector_id",
        ),
        (
            "START_SESSION",
            start_session("http://x.test/1", evse_uid=None),
            "body",
        ),  # connector_id without evse_uid
    ],
)
async def test_a_body_that_is_not_the_command_s_object_is_2001_naming_the_field(
    cpo_hub: Platform, emsp_auth: dict[str, str], command: str, body: Any, field: str
) -> None:
    response = await post_command(cpo_hub, emsp_auth, command, body)
    data = envelope(response)
    assert data["status_code"] == 2001
    assert data["status_message"].startswith(field), data["status_message"]


async def test_unknown_command_type_is_2001(cpo_hub: Platform, emsp_auth: dict[str, str]) -> None:
    response = await post_command(cpo_hub, emsp_auth, "SELF_DESTRUCT", {"response_url": "http://x.test/1"})
    assert envelope(response)["status_code"] == 2001
    assert "CommandType" in envelope(response)["status_message"]


async def test_commands_need_a_registered_partner(cpo_hub: Platform, inbox: Inbox) -> None:
    response = await post_command(cpo_hub, ocpi_auth("nobody"), "START_SESSION", start_session(inbox.url()))
    assert response.status_code == 401


async def test_commands_have_only_post(cpo_hub: Platform, emsp_auth: dict[str, str]) -> None:
    for method in ("GET", "PUT", "PATCH", "DELETE"):
        response = await cpo_hub.client.request(method, f"{RECEIVER}/START_SESSION", headers=emsp_auth)
        assert response.status_code == 405, method


async def test_token_of_another_emsp_is_rejected(
    cpo_hub: Platform, emsp_auth: dict[str, str], inbox: Inbox, charger: FakeCharger
) -> None:
    # "An eMSP sending a StartSession SHALL only use Token that are owned by this eMSP"
    body = start_session(inbox.url(), token=make_token("FR", "OTH"))
    data = envelope(await post_command(cpo_hub, emsp_auth, "START_SESSION", body))["data"]
    assert data["result"] == "REJECTED"
    assert "FR*OTH" in data["message"][0]["text"]
    assert charger.calls == []
    [record] = await records(cpo_hub)
    assert record.state == "ANSWERED"


@pytest.mark.parametrize(
    ("overrides", "result"),
    [
        ({"evse_uid": "NOPE", "connector_id": None}, "REJECTED"),  # unknown EVSE
        ({"connector_id": "9"}, "REJECTED"),  # unknown Connector
    ],
)
async def test_start_session_on_an_unknown_evse_or_connector_is_rejected(
    cpo_hub: Platform,
    emsp_auth: dict[str, str],
    inbox: Inbox,
    charger: FakeCharger,
    overrides: Any,
    result: str,
) -> None:
    body = start_session(inbox.url(), **overrides)
    assert envelope(await post_command(cpo_hub, emsp_auth, "START_SESSION", body))["data"]["result"] == result
    assert charger.calls == []


async def test_start_session_without_connector_where_one_is_required_is_rejected(
    cpo_hub: Platform, emsp_auth: dict[str, str], inbox: Inbox, charger: FakeCharger
) -> None:
    location = capable_location()
    location["evses"][0]["capabilities"].append("START_SESSION_CONNECTOR_REQUIRED")
    await put_location(cpo_hub, location)
    body = start_session(inbox.url(), connector_id=None)
    data = envelope(await post_command(cpo_hub, emsp_auth, "START_SESSION", body))["data"]
    assert data["result"] == "REJECTED"
    assert "START_SESSION_CONNECTOR_REQUIRED" in data["message"][0]["text"]
    # without an EVSE the Charge Point picks one: nothing to check
    body = start_session(inbox.url(), evse_uid=None, connector_id=None)
    assert (
        envelope(await post_command(cpo_hub, emsp_auth, "START_SESSION", body))["data"]["result"]
        == "ACCEPTED"
    )


@pytest.mark.parametrize(
    ("command", "body"),
    [
        ("UNLOCK_CONNECTOR", _unlock(RESULTS_HOST, evse_uid="LOC1-2")),
        ("RESERVE_NOW", reserve_now(RESULTS_HOST, evse_uid="LOC1-2")),
        ("START_SESSION", start_session(RESULTS_HOST, evse_uid="LOC1-2")),
    ],
)
async def test_an_evse_without_the_capability_is_not_supported(
    cpo_hub: Platform,
    emsp_auth: dict[str, str],
    inbox: Inbox,
    charger: FakeCharger,
    command: str,
    body: dict[str, Any],
) -> None:
    location = capable_location()
    location["evses"][1]["capabilities"] = ["RFID_READER"]
    await put_location(cpo_hub, location)
    body = {**body, "response_url": inbox.url()}
    data = envelope(await post_command(cpo_hub, emsp_auth, command, body))["data"]
    assert data["result"] == "NOT_SUPPORTED"
    assert charger.calls == []


async def test_removed_evse_is_unknown(
    cpo_hub: Platform, emsp_auth: dict[str, str], inbox: Inbox, charger: FakeCharger
) -> None:
    location = capable_location()
    location["evses"][0]["status"] = "REMOVED"
    await put_location(cpo_hub, location)
    data = envelope(await post_command(cpo_hub, emsp_auth, "UNLOCK_CONNECTOR", _unlock(inbox.url())))["data"]
    assert data["result"] == "REJECTED"


async def test_unlock_connector_reaches_the_charger(
    cpo_hub: Platform, emsp_auth: dict[str, str], inbox: Inbox, charger: FakeCharger
) -> None:
    response = await post_command(
        cpo_hub, emsp_auth, "UNLOCK_CONNECTOR", _unlock(inbox.url(), evse_uid="loc1-1")
    )
    assert envelope(response)["data"]["result"] == "ACCEPTED"
    assert orjson.loads((await inbox.next()).content) == {"result": "ACCEPTED"}
    # CiStrings: the charger gets the ids as the Location spells them
    assert charger.calls[0][:2] == ("unlock_connector", ChargerTarget("NL", "GWY", "LOC1", "LOC1-1", "2"))


async def test_without_a_charger_port_commands_are_not_supported(
    platforms: PlatformFactory, database_url: str, sqlite_url: str, network: PeerNetwork
) -> None:
    hub = platforms(database_url, "hub.test", [CPO], modules=MODULES)
    await put_location(hub, capable_location())
    token, _ = await connect(hub, platforms(sqlite_url, "emsp.test", [EMSP], modules=MODULES))
    inbox = Inbox(network)
    data = envelope(await post_command(hub, ocpi_auth(token), "START_SESSION", start_session(inbox.url())))[
        "data"
    ]
    assert data["result"] == "NOT_SUPPORTED"
    await settle(hub.app)
    assert inbox.queue.empty()


async def test_ocpi_from_naming_a_party_the_caller_is_not_is_2001(
    cpo_hub: Platform, emsp_auth: dict[str, str], inbox: Inbox, charger: FakeCharger
) -> None:
    routing = {"OCPI-from-country-code": "FR", "OCPI-from-party-id": "OTH"}
    body = start_session(inbox.url(), token=make_token("FR", "OTH"))
    data = envelope(await post_command(cpo_hub, emsp_auth, "START_SESSION", body, headers=routing))
    assert data["status_code"] == 2001
    assert "OCPI-from" in data["status_message"]
    assert charger.calls == []


async def test_a_hub_partner_speaks_for_the_party_in_ocpi_from(
    cpo_hub: Platform, platforms: PlatformFactory, new_sqlite_url: Any, inbox: Inbox, charger: FakeCharger
) -> None:
    roaming_hub = LocalParty(country_code="EU", party_id="HUB", role=Role.HUB, name="Roaming hub")
    token, _ = await connect(
        cpo_hub, platforms(new_sqlite_url(), "roaming.test", [roaming_hub], modules=MODULES)
    )
    body = start_session(inbox.url(), token=make_token("FR", "OTH"))
    # without OCPI-from the request is the hub's own, and FR*OTH's Token is not the hub's
    alone = envelope(await post_command(cpo_hub, ocpi_auth(token), "START_SESSION", body))
    assert alone["data"]["result"] == "REJECTED"
    routing = {
        "OCPI-from-country-code": "FR",
        "OCPI-from-party-id": "OTH",
        "OCPI-to-country-code": "NL",
        "OCPI-to-party-id": "GWY",
    }
    data = envelope(await post_command(cpo_hub, ocpi_auth(token), "START_SESSION", body, headers=routing))
    assert data["data"]["result"] == "ACCEPTED"
    result = await inbox.next()
    assert (result.headers["OCPI-to-country-code"], result.headers["OCPI-to-party-id"]) == ("FR", "OTH")


# -- STOP_SESSION ---------------------------------------------------------------------------------------


async def test_stop_session_of_an_unknown_session_is_unknown_session(
    cpo_hub: Platform, emsp_auth: dict[str, str], inbox: Inbox, charger: FakeCharger
) -> None:
    body = {"response_url": inbox.url(), "session_id": "NOPE"}
    data = envelope(await post_command(cpo_hub, emsp_auth, "STOP_SESSION", body))
    assert (data["status_code"], data["data"]["result"]) == (1000, "UNKNOWN_SESSION")
    assert charger.calls == []


async def test_stop_session_reaches_the_charger_with_the_session_s_evse(
    cpo_hub: Platform, emsp_auth: dict[str, str], inbox: Inbox, charger: FakeCharger
) -> None:
    await add_session(cpo_hub, session_body("S1", evse_uid="LOC1-2", connector_id="2"))
    body = {"response_url": inbox.url(), "session_id": "s1"}
    assert (
        envelope(await post_command(cpo_hub, emsp_auth, "STOP_SESSION", body))["data"]["result"] == "ACCEPTED"
    )
    assert orjson.loads((await inbox.next()).content) == {"result": "ACCEPTED"}
    [(name, target, kwargs)] = charger.calls
    assert (name, target, kwargs) == (
        "stop_session",
        ChargerTarget("NL", "GWY", "LOC1", "LOC1-2", "2"),
        {"session_id": "S1"},
    )


async def test_stop_session_of_another_emsp_s_customer_is_rejected(
    cpo_hub: Platform, emsp_auth: dict[str, str], inbox: Inbox, charger: FakeCharger
) -> None:
    await add_session(cpo_hub, session_body("S1", token_owner=("FR", "OTH")))
    body = {"response_url": inbox.url(), "session_id": "S1"}
    assert (
        envelope(await post_command(cpo_hub, emsp_auth, "STOP_SESSION", body))["data"]["result"] == "REJECTED"
    )
    assert charger.calls == []


# -- RESERVE_NOW / CANCEL_RESERVATION ------------------------------------------------------------------------


async def test_reservation_ids_reaching_chargers_are_unique_per_emsp(
    cpo_hub: Platform,
    emsp_auth: dict[str, str],
    platforms: PlatformFactory,
    new_sqlite_url: Any,
    inbox: Inbox,
    charger: FakeCharger,
) -> None:
    other, _ = await connect(
        cpo_hub, platforms(new_sqlite_url(), "other.test", [OTHER_EMSP], modules=MODULES)
    )
    ours = await post_command(cpo_hub, emsp_auth, "RESERVE_NOW", reserve_now(inbox.url(), "R1"))
    theirs = await post_command(
        cpo_hub,
        ocpi_auth(other),
        "RESERVE_NOW",
        reserve_now(inbox.url(), "R1", token=make_token("FR", "OTH")),
    )
    again = await post_command(
        cpo_hub, emsp_auth, "RESERVE_NOW", reserve_now(inbox.url(), "r1", evse_uid=None)
    )
    assert [envelope(r)["data"]["result"] for r in (ours, theirs, again)] == ["ACCEPTED"] * 3
    for _ in range(3):
        await inbox.next()
    first, second, third = (kwargs["reservation_id"] for _, _, kwargs in charger.calls)
    # another eMSP's "R1" is another reservation; the same eMSP's R1 at the same Location replaces its own
    assert first != second
    assert third == first
    assert all(isinstance(i, int) for i in (first, second, third))
    assert charger.calls[2][1] == ChargerTarget("NL", "GWY", "LOC1", None)
    assert charger.calls[0][2]["expiry_date"].isoformat() == "2030-01-01T12:00:00+00:00"

    # CancelReservation names no Location: the eMSP's own reservation with that id is cancelled
    cancel = await post_command(
        cpo_hub, emsp_auth, "CANCEL_RESERVATION", {"response_url": inbox.url(), "reservation_id": "R1"}
    )
    assert envelope(cancel)["data"]["result"] == "ACCEPTED"
    await inbox.next()
    assert charger.calls[3][0] == "cancel_reservation"
    assert charger.calls[3][2] == {"reservation_id": first}


async def test_cancel_of_an_unknown_reservation_is_unknown_reservation_without_asking_a_charger(
    cpo_hub: Platform, emsp_auth: dict[str, str], inbox: Inbox, charger: FakeCharger
) -> None:
    body = {"response_url": inbox.url(), "reservation_id": "NEVER-MADE"}
    assert (
        envelope(await post_command(cpo_hub, emsp_auth, "CANCEL_RESERVATION", body))["data"]["result"]
        == "ACCEPTED"
    )
    assert orjson.loads((await inbox.next()).content)["result"] == "UNKNOWN_RESERVATION"
    assert charger.calls == []


async def test_result_delivery_failure_is_recorded(
    cpo_hub: Platform, emsp_auth: dict[str, str], charger: FakeCharger
) -> None:
    body = start_session("http://unreachable.test/cb")  # no such host on the network
    assert (
        envelope(await post_command(cpo_hub, emsp_auth, "START_SESSION", body))["data"]["result"]
        == "ACCEPTED"
    )
    await settle(cpo_hub.app)
    [record] = await records(cpo_hub)
    assert (record.state, record.delivered_at) == ("COMPLETED", None)
    assert record.error is not None
    assert "unreachable.test" in record.error
    shown = (await cpo_hub.client.get(f"/admin/commands/{record.id}", headers=ADMIN)).json()
    assert (shown["direction"], shown["result"], shown["party"]) == (
        "RECEIVED",
        {"result": "ACCEPTED"},
        "DE*MSP",
    )


# -- Sender (eMSP): we send commands to a CPO partner ---------------------------------------------------------

OUR_EMSP = LocalParty(country_code="NL", party_id="MSP", role=Role.EMSP, name="Our eMSP")
PEER_CPO = LocalParty(country_code="DE", party_id="CPX", role=Role.CPO, name="Peer CPO")


@pytest.fixture
async def emsp_hub(platforms: PlatformFactory, database_url: str) -> Platform:
    """Our hub as eMSP NL*MSP, on both engines."""
    return platforms(database_url, "hub.test", [OUR_EMSP], modules=MODULES)


@pytest.fixture
async def cpo_peer(platforms: PlatformFactory, sqlite_url: str, charger: FakeCharger) -> Platform:
    """Another ocpi-hub as CPO DE*CPX with a fake charger port and the Location LOC1."""
    peer = platforms(sqlite_url, "cpo.test", [PEER_CPO], modules=MODULES, charger_commands=charger)
    await put_location(peer, capable_location(country_code="DE", party_id="CPX"))
    return peer


@pytest.fixture
async def cpo_link(emsp_hub: Platform, cpo_peer: Platform) -> tuple[int, str]:
    """The CPO peer registered with our hub: (its partner id at our hub, the token it calls us with)."""
    peer_token, _ = await connect(emsp_hub, cpo_peer)
    return await latest_partner_id(emsp_hub), peer_token


@pytest.fixture
def cpo_partner(cpo_link: tuple[int, str]) -> int:
    return cpo_link[0]


def our_token(**overrides: Any) -> dict[str, Any]:
    return make_token("NL", "MSP", **overrides)


async def send(hub: Platform, partner_id: int, command: str, fields: Any) -> httpx.Response:
    return await hub.client.post(f"/admin/commands/{partner_id}/{command}", json=fields, headers=ADMIN)


async def show(hub: Platform, command_id: int) -> dict[str, Any]:
    response = await hub.client.get(f"/admin/commands/{command_id}", headers=ADMIN)
    assert response.status_code == 200, response.text
    shown: dict[str, Any] = response.json()
    return shown


def fake_cpo(network: PeerNetwork, host: str, reply: dict[str, Any], seen: list[httpx.Request]) -> None:
    """Replace a registered CPO platform by a handler that answers every command with `reply`."""

    async def handle(request: httpx.Request) -> httpx.Response:
        await request.aread()
        seen.append(request)
        return httpx.Response(
            200, json={"data": reply, "status_code": 1000, "timestamp": "2026-01-01T00:00:00Z"}
        )

    network.attach_handler(host, handle)


UNLOCK = {"location_id": "LOC1", "evse_uid": "LOC1-1", "connector_id": "1"}


async def test_command_round_trip_between_two_platforms(
    emsp_hub: Platform, cpo_peer: Platform, cpo_partner: int, charger: FakeCharger
) -> None:
    fields = {"token": our_token(), "location_id": "LOC1", "evse_uid": "LOC1-1", "connector_id": "1"}
    response = await send(emsp_hub, cpo_partner, "START_SESSION", fields)
    assert response.status_code == 200, response.text
    sent = response.json()
    assert (sent["direction"], sent["state"], sent["response"]["result"]) == ("SENT", "WAITING", "ACCEPTED")
    assert sent["party"] == "DE*CPX"
    assert sent["local_party"] == "NL*MSP"
    url = sent["response_url"]
    assert url.startswith("http://hub.test/ocpi/2.2.1/sender/commands/START_SESSION/")
    assert len(url.rsplit("/", 1)[1]) >= 32  # unguessable
    assert sent["request"] == {**fields, "token": our_token(), "response_url": url}
    await settle(cpo_peer.app)  # the CPO has asked its charger and posted the result to us
    shown = await show(emsp_hub, sent["id"])
    assert (shown["state"], shown["result"]) == ("COMPLETED", {"result": "ACCEPTED"})
    assert charger.calls[0][2]["token"].country_code == "NL"
    # each command gets its own URL
    second = (await send(emsp_hub, cpo_partner, "START_SESSION", fields)).json()
    assert second["response_url"] != url
    listed = (
        await emsp_hub.client.get("/admin/commands", params={"direction": "SENT"}, headers=ADMIN)
    ).json()
    assert [c["id"] for c in listed] == [second["id"], sent["id"]]


async def test_a_command_the_cpo_does_not_accept_is_final(
    emsp_hub: Platform, cpo_peer: Platform, cpo_partner: int
) -> None:
    sent = (await send(emsp_hub, cpo_partner, "STOP_SESSION", {"session_id": "NOPE"})).json()
    assert (sent["state"], sent["response"]["result"]) == ("ANSWERED", "UNKNOWN_SESSION")


async def test_unknown_location_at_the_cpo_is_send_failed_with_2003(
    emsp_hub: Platform, cpo_peer: Platform, cpo_partner: int
) -> None:
    sent = (await send(emsp_hub, cpo_partner, "UNLOCK_CONNECTOR", {**UNLOCK, "location_id": "NOPE"})).json()
    assert sent["state"] == "SEND_FAILED"
    assert "OCPI 2003" in sent["error"]


async def test_a_result_that_never_comes_is_timed_out_after_the_cpo_s_timeout(
    emsp_hub: Platform, cpo_peer: Platform, cpo_partner: int, network: PeerNetwork
) -> None:
    seen: list[httpx.Request] = []
    fake_cpo(network, "cpo.test", {"result": "ACCEPTED", "timeout": 0}, seen)
    sent = (await send(emsp_hub, cpo_partner, "UNLOCK_CONNECTOR", UNLOCK)).json()
    assert sent["state"] == "TIMED_OUT"
    assert (await show(emsp_hub, sent["id"]))["state"] == "TIMED_OUT"
    fake_cpo(network, "cpo.test", {"result": "ACCEPTED", "timeout": 3600}, seen)
    waiting = (await send(emsp_hub, cpo_partner, "UNLOCK_CONNECTOR", UNLOCK)).json()
    assert waiting["state"] == "WAITING"
    assert [str(r.url) for r in seen] == ["http://cpo.test/ocpi/2.2.1/receiver/commands/UNLOCK_CONNECTOR"] * 2
    assert seen[0].headers["OCPI-to-party-id"] == "CPX"
    assert seen[0].headers["OCPI-from-party-id"] == "MSP"


async def test_a_late_result_still_completes_the_command(
    emsp_hub: Platform, cpo_link: tuple[int, str], network: PeerNetwork
) -> None:
    partner_id, peer_token = cpo_link
    fake_cpo(network, "cpo.test", {"result": "ACCEPTED", "timeout": 0}, [])
    sent = (await send(emsp_hub, partner_id, "UNLOCK_CONNECTOR", UNLOCK)).json()
    path = sent["response_url"].removeprefix("http://hub.test")
    await emsp_hub.client.post(path, json={"result": "ACCEPTED"}, headers=ocpi_auth(peer_token))
    assert (await show(emsp_hub, sent["id"]))["state"] == "COMPLETED"


async def test_only_the_partner_the_command_went_to_may_post_its_result(
    emsp_hub: Platform,
    cpo_link: tuple[int, str],
    network: PeerNetwork,
    platforms: PlatformFactory,
    new_sqlite_url: Any,
) -> None:
    partner_id, peer_token = cpo_link
    fake_cpo(network, "cpo.test", {"result": "ACCEPTED", "timeout": 30}, [])
    sent = (await send(emsp_hub, partner_id, "STOP_SESSION", {"session_id": "S1"})).json()
    path = sent["response_url"].removeprefix("http://hub.test")
    result = {"result": "ACCEPTED"}
    other = LocalParty(country_code="BE", party_id="OTH", role=Role.CPO, name="Other CPO")
    other_token, _ = await connect(
        emsp_hub, platforms(new_sqlite_url(), "other.test", [other], modules=MODULES)
    )
    assert (await emsp_hub.client.post(path, json=result)).status_code == 401
    assert (await emsp_hub.client.post(path, json=result, headers=ocpi_auth("wrong"))).status_code == 401
    assert (await emsp_hub.client.post(path, json=result, headers=ocpi_auth(other_token))).status_code == 404
    guessed = path.rsplit("/", 1)[0] + "/guessed"
    assert (
        await emsp_hub.client.post(guessed, json=result, headers=ocpi_auth(peer_token))
    ).status_code == 404
    other_command = path.replace("/STOP_SESSION/", "/START_SESSION/")
    assert (
        await emsp_hub.client.post(other_command, json=result, headers=ocpi_auth(peer_token))
    ).status_code == 404
    assert (await show(emsp_hub, sent["id"]))["result"] is None
    invalid = await emsp_hub.client.post(path, json={"result": "MAYBE"}, headers=ocpi_auth(peer_token))
    assert (envelope(invalid)["status_code"], envelope(invalid)["status_message"][:6]) == (2001, "result")
    accepted = await emsp_hub.client.post(path, json=result, headers=ocpi_auth(peer_token))
    assert accepted.status_code == 200
    assert set(envelope(accepted)) == {"status_code", "timestamp"}  # data left out
    assert (await show(emsp_hub, sent["id"]))["result"] == result


async def test_a_cpo_can_cancel_a_reservation_on_the_reserve_now_url(
    emsp_hub: Platform, cpo_link: tuple[int, str], network: PeerNetwork
) -> None:
    partner_id, peer_token = cpo_link
    fake_cpo(network, "cpo.test", {"result": "ACCEPTED", "timeout": 30}, [])
    fields = {
        "token": our_token(),
        "expiry_date": "2030-01-01T00:00:00Z",
        "reservation_id": "R1",
        "location_id": "LOC1",
    }
    sent = (await send(emsp_hub, partner_id, "RESERVE_NOW", fields)).json()
    path = sent["response_url"].removeprefix("http://hub.test")
    for result in ("ACCEPTED", "CANCELED_RESERVATION"):
        response = await emsp_hub.client.post(path, json={"result": result}, headers=ocpi_auth(peer_token))
        assert envelope(response)["status_code"] == 1000
    assert (await show(emsp_hub, sent["id"]))["result"] == {"result": "CANCELED_RESERVATION"}


async def test_an_unreachable_cpo_is_send_failed(
    emsp_hub: Platform, cpo_partner: int, network: PeerNetwork
) -> None:
    network.hosts.pop("cpo.test")
    response = await send(emsp_hub, cpo_partner, "UNLOCK_CONNECTOR", UNLOCK)
    assert response.status_code == 200
    sent = response.json()
    assert sent["state"] == "SEND_FAILED"
    assert "cpo.test" in sent["error"]
    assert (await show(emsp_hub, sent["id"]))["state"] == "SEND_FAILED"


@pytest.mark.parametrize(
    ("command", "fields", "status", "fragment"),
    [
        (
            "START_SESSION",
            {"token": our_token(), "location_id": "LOC1", "response_url": "http://x.test"},
            400,
            "response_url",
        ),
        ("START_SESSION", {"token": make_token("DE", "MSP"), "location_id": "LOC1"}, 400, "our eMSP parties"),
        ("START_SESSION", {"location_id": "LOC1"}, 400, "token"),
        ("STOP_SESSION", ["not", "an", "object"], 400, "JSON object"),
        ("SELF_DESTRUCT", {}, 404, "CommandType"),
    ],
)
async def test_a_command_we_cannot_send_is_refused_and_nothing_is_sent(
    emsp_hub: Platform,
    cpo_partner: int,
    network: PeerNetwork,
    command: str,
    fields: Any,
    status: int,
    fragment: str,
) -> None:
    before = len(network.requests)
    response = await send(emsp_hub, cpo_partner, command, fields)
    assert response.status_code == status
    assert fragment in response.json()["detail"]
    assert len(network.requests) == before + 1  # only our own admin request
    assert await records(emsp_hub) == []


async def test_commands_to_unknown_partners_or_partners_without_commands_are_refused(
    emsp_hub: Platform, platforms: PlatformFactory, sqlite_url: str
) -> None:
    assert (await send(emsp_hub, 999, "UNLOCK_CONNECTOR", UNLOCK)).status_code == 404
    plain = platforms(sqlite_url, "plain.test", [PEER_CPO], modules=(credentials_module,))
    await connect(emsp_hub, plain)
    response = await send(emsp_hub, await latest_partner_id(emsp_hub), "UNLOCK_CONNECTOR", UNLOCK)
    assert (response.status_code, response.json()["detail"]) == (
        400,
        f"partner {await latest_partner_id(emsp_hub)} has no commands Receiver endpoint",
    )
    assert (await emsp_hub.client.get("/admin/commands/999", headers=ADMIN)).status_code == 404
    assert (await emsp_hub.client.post("/admin/commands/1/UNLOCK_CONNECTOR", json=UNLOCK)).status_code == 401


# -- ocpi-hub command ...  ------------------------------------------------------------------------------------


@pytest.fixture
def cli_env(emsp_hub: Platform, monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI process's environment: our hub's database and identity."""
    settings = emsp_hub.settings
    monkeypatch.setenv("OCPI_HUB_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("OCPI_HUB_BASE_URL", settings.base_url)
    monkeypatch.setenv("OCPI_HUB_PARTIES", json.dumps([p.model_dump(mode="json") for p in settings.parties]))
    monkeypatch.setenv("OCPI_HUB_PARTNER_TIMEOUT", "2")


def run_command_cli(args: list[str], transport: httpx.AsyncBaseTransport | None = None) -> Any:
    """`ocpi-hub command ARGS` in this process (its own event loop, so in a thread)."""
    from typer.testing import CliRunner

    from hub import cli_commands

    previous = cli_commands.TRANSPORT
    cli_commands.TRANSPORT = transport
    try:
        return CliRunner().invoke(cli_commands.app, args)
    finally:
        cli_commands.TRANSPORT = previous


async def test_cli_sends_a_command_and_shows_its_result(
    emsp_hub: Platform, cpo_link: tuple[int, str], cli_env: None, tmp_path: Any
) -> None:
    partner_id, peer_token = cpo_link
    # The CLI reaches the CPO through a network of its own (it runs on its own event loop).
    cli_network = PeerNetwork()
    seen: list[httpx.Request] = []
    fake_cpo(cli_network, "cpo.test", {"result": "ACCEPTED", "timeout": 30}, seen)
    token_file = tmp_path / "token.json"
    token_file.write_text(json.dumps(our_token()))
    args = [
        "start-session",
        "--partner",
        str(partner_id),
        "--location-id",
        "LOC1",
        "--evse-uid",
        "LOC1-1",
        "--token",
        str(token_file),
    ]
    result = await asyncio.to_thread(run_command_cli, args, cli_network)
    assert result.exit_code == 0, result.output
    sent = json.loads(result.stdout)
    assert (sent["state"], sent["command"]) == ("WAITING", "START_SESSION")
    [request] = seen
    assert orjson.loads(request.content)["response_url"] == sent["response_url"]
    assert orjson.loads(request.content)["token"]["uid"] == our_token()["uid"]
    # the result arrives at the running hub; the CLI shows it
    path = sent["response_url"].removeprefix("http://hub.test")
    await emsp_hub.client.post(path, json={"result": "EVSE_OCCUPIED"}, headers=ocpi_auth(peer_token))
    shown = await asyncio.to_thread(run_command_cli, ["show", str(sent["id"])])
    assert shown.exit_code == 0, shown.output
    assert json.loads(shown.stdout)["result"] == {"result": "EVSE_OCCUPIED"}
    listed = await asyncio.to_thread(run_command_cli, ["list", "--direction", "SENT"])
    assert [c["id"] for c in json.loads(listed.stdout)] == [sent["id"]]


async def test_cli_wait_ends_at_the_cpo_s_timeout(
    emsp_hub: Platform, cpo_partner: int, cli_env: None
) -> None:
    cli_network = PeerNetwork()
    fake_cpo(cli_network, "cpo.test", {"result": "ACCEPTED", "timeout": 0}, [])
    args = [
        "unlock-connector",
        "--partner",
        str(cpo_partner),
        "--location-id",
        "LOC1",
        "--evse-uid",
        "E1",
        "--connector-id",
        "1",
        "--wait",
    ]
    result = await asyncio.to_thread(run_command_cli, args, cli_network)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["state"] == "TIMED_OUT"


async def test_cli_failures_are_one_error_line(emsp_hub: Platform, cpo_partner: int, cli_env: None) -> None:
    unreachable = await asyncio.to_thread(
        run_command_cli, ["stop-session", "--partner", str(cpo_partner), "--session-id", "S1"], PeerNetwork()
    )
    assert unreachable.exit_code == 1
    assert json.loads(unreachable.stdout)["state"] == "SEND_FAILED"
    [line] = unreachable.stderr.strip().splitlines()
    assert line.startswith("error: ")
    assert "cpo.test" in line
    for args, fragment in (
        (["stop-session", "--partner", "999", "--session-id", "S1"], "no partner with id 999"),
        (
            ["start-session", "--partner", str(cpo_partner), "--location-id", "L", "--token", "{bad"],
            "--token",
        ),
        (
            [
                "start-session",
                "--partner",
                str(cpo_partner),
                "--location-id",
                "L",
                "--token",
                json.dumps(make_token()),
            ],
            "our eMSP parties",
        ),
        (["show", "999"], "no command with id 999"),
    ):
        result = await asyncio.to_thread(run_command_cli, args)
        assert result.exit_code == 1, args
        [line] = result.stderr.strip().splitlines()
        assert line.startswith("error: "), line
        assert fragment in line, line
