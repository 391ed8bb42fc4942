"""ChargingProfiles in both roles (mod_charging_profiles.asciidoc): as CPO we judge GET/PUT/DELETE on a
Session at once and POST the charger's result to response_url, and tell only the Senders that set a profile
about ActiveChargingProfile changes; as SCSP/eMSP we send requests to a CPO partner and take its results and
ActiveChargingProfile updates on our Sender interface."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

import httpx
import orjson
import pytest

from hub.config import LocalParty
from hub.modules.charging_profiles import module as charging_profiles_module
from hub.modules.commands.runner import CommandSettings, runner
from hub.modules.credentials import module as credentials_module
from hub.ocpi.enums import Role
from hub.ocpi.v221.charging_profiles import (
    ActiveChargingProfileResult,
    ChargingProfileResultType,
)
from hub.ports import ChargerTarget
from tests.conftest import ADMIN_TOKEN, Platform, PlatformFactory, connect, ocpi_auth, settle
from tests.integration.test_commands import (
    CPO,
    EMSP,
    NEVER,
    OTHER_EMSP,
    OUR_EMSP,
    PEER_CPO,
    FakeCharger,
    Inbox,
    _stop_tasks,
    add_session,
    capable_location,
    envelope,
    latest_partner_id,
    put_location,
    records,
    session_body,
)
from tests.network import PeerNetwork

__all__ = ["_stop_tasks"]  # the autouse fixture ending every app's tasks applies here too

RECEIVER = "/ocpi/2.2.1/receiver/chargingprofiles"
SENDER = "/ocpi/2.2.1/sender/chargingprofiles"
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
MODULES = (credentials_module, charging_profiles_module)
SCSP = LocalParty(country_code="DE", party_id="SCS", role=Role.SCSP, name="Smart charging")

PROFILE = {
    "charging_rate_unit": "A",
    "min_charging_rate": 6.0,
    "charging_profile_period": [{"start_period": 0, "limit": 16.0}, {"start_period": 1800, "limit": 8.1}],
}
ACTIVE = {
    "start_date_time": "2026-01-01T10:00:00Z",
    "charging_profile": {
        "charging_rate_unit": "W",
        "charging_profile_period": [{"start_period": 0, "limit": 11000}],
    },
}


@pytest.fixture(autouse=True)
def _deliver_as_serve_does(platforms: PlatformFactory) -> None:
    """Results reach response_urls through the delivery worker, running in the background as in serve."""
    platforms.background_delivery = True


@pytest.fixture
def charger() -> FakeCharger:
    fake = FakeCharger()
    fake.answer = ChargingProfileResultType.ACCEPTED
    return fake


@pytest.fixture
def inbox(network: PeerNetwork) -> Inbox:
    return Inbox(network)


@pytest.fixture
async def cpo_hub(platforms: PlatformFactory, database_url: str, charger: FakeCharger) -> Platform:
    """Our hub as CPO NL*GWY, on both engines, with a fake charger port, the Location LOC1 and the running
    Session S1 of a Token of DE*MSP on its first EVSE."""
    hub = platforms(database_url, "hub.test", [CPO], modules=MODULES, charger_commands=charger)
    await put_location(hub, capable_location())
    await add_session(hub, session_body("S1"))
    return hub


@pytest.fixture
async def emsp(platforms: PlatformFactory, sqlite_url: str) -> Platform:
    return platforms(sqlite_url, "emsp.test", [EMSP], modules=MODULES)


@pytest.fixture
async def emsp_auth(cpo_hub: Platform, emsp: Platform) -> dict[str, str]:
    token, _ = await connect(cpo_hub, emsp)
    return ocpi_auth(token)


def set_body(response_url: str, profile: Any = None) -> dict[str, Any]:
    return {"charging_profile": PROFILE if profile is None else profile, "response_url": response_url}


async def put_profile(hub: Platform, auth: dict[str, str], session_id: str, body: Any) -> httpx.Response:
    return await hub.client.put(f"{RECEIVER}/{session_id}", json=body, headers=auth)


# -- Receiver (CPO) -----------------------------------------------------------------------------------------


async def test_set_charging_profile_is_accepted_and_the_result_reaches_response_url(
    cpo_hub: Platform, emsp_auth: dict[str, str], inbox: Inbox, charger: FakeCharger
) -> None:
    response = await put_profile(cpo_hub, emsp_auth, "s1", set_body(inbox.url("/chargingprofile/1")))
    body = envelope(response)
    assert (response.status_code, body["status_code"], body["data"]) == (
        200,
        1000,
        {"result": "ACCEPTED", "timeout": 32},
    )
    result = await inbox.next()
    assert (result.method, str(result.url)) == ("POST", inbox.url("/chargingprofile/1"))
    assert orjson.loads(result.content) == {"result": "ACCEPTED"}
    [(name, target, kwargs)] = charger.calls
    assert (name, target, kwargs["session_id"]) == (
        "set_charging_profile",
        ChargerTarget("NL", "GWY", "LOC1", "LOC1-1", "1"),
        "S1",
    )
    assert kwargs["charging_profile"].charging_profile_period[1].limit == Decimal("8.1")


async def test_get_active_charging_profile_with_the_spec_s_example_url(
    cpo_hub: Platform, emsp_auth: dict[str, str], network: PeerNetwork, charger: FakeCharger
) -> None:
    msp = Inbox(network, "www.msp.com")
    charger.answer = ActiveChargingProfileResult.model_validate({"result": "ACCEPTED", "profile": ACTIVE})
    # mod_charging_profiles_cpo_get_method's example, response_url unencoded as the spec writes it
    url = f"{RECEIVER}/S1?duration=900&response_url=https://www.msp.com/ocpi/2.2.1/chargingprofile/response?request_id=5678"
    response = await cpo_hub.client.get(url, headers=emsp_auth)
    assert envelope(response)["data"]["result"] == "ACCEPTED"
    result = await msp.next()
    assert str(result.url) == "https://www.msp.com/ocpi/2.2.1/chargingprofile/response?request_id=5678"
    assert orjson.loads(result.content) == {"result": "ACCEPTED", "profile": ACTIVE}
    assert charger.calls[0][0] == "get_active_charging_profile"
    assert charger.calls[0][2]["duration"] == 900


async def test_delete_clears_the_profile_and_posts_a_clear_profile_result(
    cpo_hub: Platform, emsp_auth: dict[str, str], inbox: Inbox, charger: FakeCharger
) -> None:
    charger.answer = ChargingProfileResultType.UNKNOWN
    response = await cpo_hub.client.delete(
        f"{RECEIVER}/S1", params={"response_url": inbox.url("/clear?request_id=7")}, headers=emsp_auth
    )
    assert envelope(response)["data"]["result"] == "ACCEPTED"
    result = await inbox.next()
    assert str(result.url) == inbox.url("/clear?request_id=7")
    assert orjson.loads(result.content) == {"result": "UNKNOWN"}
    assert charger.calls[0][0] == "clear_charging_profile"


async def test_unknown_session_is_unknown_session(
    cpo_hub: Platform, emsp_auth: dict[str, str], inbox: Inbox, charger: FakeCharger
) -> None:
    for response in (
        await put_profile(cpo_hub, emsp_auth, "NOPE", set_body(inbox.url())),
        await cpo_hub.client.get(
            f"{RECEIVER}/NOPE", params={"duration": "60", "response_url": inbox.url()}, headers=emsp_auth
        ),
        await cpo_hub.client.delete(
            f"{RECEIVER}/NOPE", params={"response_url": inbox.url()}, headers=emsp_auth
        ),
    ):
        assert (envelope(response)["status_code"], envelope(response)["data"]["result"]) == (
            1000,
            "UNKNOWN_SESSION",
        )
    await settle(cpo_hub.app)
    assert charger.calls == []
    assert inbox.queue.empty()


async def test_a_session_of_another_emsp_s_token_is_rejected_but_an_scsp_may_set_it(
    cpo_hub: Platform,
    emsp_auth: dict[str, str],
    platforms: PlatformFactory,
    new_sqlite_url: Any,
    inbox: Inbox,
) -> None:
    await add_session(cpo_hub, session_body("S2", token_owner=("FR", "OTH")))
    assert (
        envelope(await put_profile(cpo_hub, emsp_auth, "S2", set_body(inbox.url())))["data"]["result"]
        == "REJECTED"
    )
    [record] = await records(cpo_hub)
    assert record.error == "Session S2 is not a session of DE*MSP"
    scsp_token, _ = await connect(cpo_hub, platforms(new_sqlite_url(), "scsp.test", [SCSP], modules=MODULES))
    response = await put_profile(cpo_hub, ocpi_auth(scsp_token), "S2", set_body(inbox.url()))
    assert envelope(response)["data"]["result"] == "ACCEPTED"


async def test_a_profile_for_an_offline_charger_is_rejected_at_once(
    cpo_hub: Platform, emsp_auth: dict[str, str], inbox: Inbox, charger: FakeCharger
) -> None:
    charger.unreachable = "Charge Point CP16 is offline"
    response = await put_profile(cpo_hub, emsp_auth, "S1", set_body(inbox.url()))
    assert envelope(response)["data"]["result"] == "REJECTED"
    await settle(cpo_hub.app)
    assert charger.calls == []
    assert inbox.queue.empty()


async def test_a_finished_session_is_rejected(
    cpo_hub: Platform, emsp_auth: dict[str, str], inbox: Inbox, charger: FakeCharger
) -> None:
    await add_session(cpo_hub, session_body("S3", status="COMPLETED"))
    assert (
        envelope(await put_profile(cpo_hub, emsp_auth, "S3", set_body(inbox.url())))["data"]["result"]
        == "REJECTED"
    )
    assert charger.calls == []


async def test_an_evse_without_charging_profile_capable_is_not_supported(
    cpo_hub: Platform, emsp_auth: dict[str, str], inbox: Inbox, charger: FakeCharger
) -> None:
    await add_session(cpo_hub, session_body("S4", evse_uid="LOC1-2"))  # make_evse's default capabilities
    assert envelope(await put_profile(cpo_hub, emsp_auth, "S4", set_body(inbox.url())))["data"]["result"] == (
        "NOT_SUPPORTED"
    )
    assert charger.calls == []


async def test_without_a_charger_port_profiles_are_not_supported(
    platforms: PlatformFactory, database_url: str, sqlite_url: str, inbox: Inbox
) -> None:
    hub = platforms(database_url, "hub.test", [CPO], modules=MODULES)
    await put_location(hub, capable_location())
    await add_session(hub, session_body("S1"))
    token, _ = await connect(hub, platforms(sqlite_url, "emsp.test", [EMSP], modules=MODULES))
    assert envelope(await put_profile(hub, ocpi_auth(token), "S1", set_body(inbox.url())))["data"][
        "result"
    ] == ("NOT_SUPPORTED")


async def test_a_second_request_while_the_first_is_in_progress_is_too_often(
    cpo_hub: Platform, emsp_auth: dict[str, str], inbox: Inbox, charger: FakeCharger
) -> None:
    gate: asyncio.Future[ChargingProfileResultType] = asyncio.get_running_loop().create_future()
    charger.answer = gate
    assert (
        envelope(await put_profile(cpo_hub, emsp_auth, "S1", set_body(inbox.url())))["data"]["result"]
        == "ACCEPTED"
    )
    assert (
        envelope(await put_profile(cpo_hub, emsp_auth, "S1", set_body(inbox.url())))["data"]["result"]
        == "TOO_OFTEN"
    )
    # another kind of request is not the same request again
    other = await cpo_hub.client.get(
        f"{RECEIVER}/S1", params={"duration": "60", "response_url": inbox.url()}, headers=emsp_auth
    )
    assert envelope(other)["data"]["result"] == "ACCEPTED"
    gate.set_result(ChargingProfileResultType.ACCEPTED)
    await settle(cpo_hub.app)
    assert (
        envelope(await put_profile(cpo_hub, emsp_auth, "S1", set_body(inbox.url())))["data"]["result"]
        == "ACCEPTED"
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (set_body("not a url"), "response_url"),
        ({"charging_profile": PROFILE}, "response_url"),
        (
            set_body("http://x.test/1", {**PROFILE, "charging_rate_unit": "kW"}),
            "charging_profile.charging_rate_unit",
        ),
        (
            set_body(
                "http://x.test/1",
                {**PROFILE, "charging_profile_period": [{"start_period": 0, "limit": 7.25}]},
            ),
            "charging_profile.charging_profile_period[0].limit",
        ),
        (
            set_body("http://x.test/1", {**PROFILE, "min_charging_rate": 6.05}),
            "charging_profile.min_charging_rate",
        ),
    ],
)
async def test_an_invalid_set_charging_profile_is_2001_naming_the_field(
    cpo_hub: Platform, emsp_auth: dict[str, str], charger: FakeCharger, body: Any, field: str
) -> None:
    data = envelope(await put_profile(cpo_hub, emsp_auth, "S1", body))
    assert data["status_code"] == 2001
    assert data["status_message"].startswith(field), data["status_message"]
    assert await records(cpo_hub) == []


@pytest.mark.parametrize(
    ("method", "params", "field"),
    [
        ("GET", {"response_url": "http://x.test/1"}, "duration"),
        ("GET", {"duration": "soon", "response_url": "http://x.test/1"}, "duration"),
        ("GET", {"duration": "60", "response_url": "mailto:me"}, "response_url"),
        ("GET", {"duration": "60"}, "response_url"),
        ("DELETE", {}, "response_url"),
        ("DELETE", {"response_url": "nowhere"}, "response_url"),
    ],
)
async def test_invalid_query_parameters_are_2001_naming_them(
    cpo_hub: Platform, emsp_auth: dict[str, str], method: str, params: dict[str, str], field: str
) -> None:
    response = await cpo_hub.client.request(method, f"{RECEIVER}/S1", params=params, headers=emsp_auth)
    data = envelope(response)
    assert (response.status_code, data["status_code"]) == (200, 2001)
    assert data["status_message"].startswith(field), data["status_message"]


async def test_profiles_have_no_post_or_patch(cpo_hub: Platform, emsp_auth: dict[str, str]) -> None:
    for method in ("POST", "PATCH"):
        assert (await cpo_hub.client.request(method, f"{RECEIVER}/S1", headers=emsp_auth)).status_code == 405


async def test_a_charger_that_never_answers_gets_no_result_posted(
    cpo_hub: Platform, emsp_auth: dict[str, str], inbox: Inbox, charger: FakeCharger
) -> None:
    cpo_hub.app.state.command_settings = CommandSettings(command_timeout=0.05)
    charger.answer = NEVER
    await put_profile(cpo_hub, emsp_auth, "S1", set_body(inbox.url()))
    await settle(cpo_hub.app)
    # ChargingProfileResultType has no TIMEOUT: the Sender's timeout says it all
    assert inbox.queue.empty()
    assert charger.cancelled.is_set()
    [record] = await records(cpo_hub)
    assert (record.state, record.result) == ("TIMED_OUT", None)


async def test_a_charger_error_is_rejected(
    cpo_hub: Platform, emsp_auth: dict[str, str], inbox: Inbox, charger: FakeCharger
) -> None:
    charger.answer = RuntimeError("CALLERROR NotSupported")
    await cpo_hub.client.delete(f"{RECEIVER}/S1", params={"response_url": inbox.url()}, headers=emsp_auth)
    assert orjson.loads((await inbox.next()).content) == {"result": "REJECTED"}


async def test_active_profile_updates_go_only_to_senders_that_set_a_profile(
    cpo_hub: Platform,
    emsp: Platform,
    emsp_auth: dict[str, str],
    platforms: PlatformFactory,
    new_sqlite_url: Any,
    inbox: Inbox,
) -> None:
    scsp = platforms(new_sqlite_url(), "scsp.test", [SCSP], modules=MODULES)
    scsp_token, _ = await connect(cpo_hub, scsp)
    publish = "/admin/chargingprofiles/active/NL/GWY/S1"
    # nobody has set a profile yet: "The Receiver SHALL NOT call this interface" for such a session
    assert (await cpo_hub.client.put(publish, json=ACTIVE, headers=ADMIN)).json() == {"partners": []}
    # another eMSP tries to set one on a session that is not its own (REJECTED); the SCSP only asks for the
    # active profile; the eMSP sets one
    other = platforms(new_sqlite_url(), "other.test", [OTHER_EMSP], modules=MODULES)
    other_token, _ = await connect(cpo_hub, other)
    refused = await put_profile(cpo_hub, ocpi_auth(other_token), "S1", set_body(inbox.url()))
    assert envelope(refused)["data"]["result"] == "REJECTED"
    await cpo_hub.client.get(
        f"{RECEIVER}/S1",
        params={"duration": "60", "response_url": inbox.url()},
        headers=ocpi_auth(scsp_token),
    )
    await put_profile(cpo_hub, emsp_auth, "S1", set_body(inbox.url()))
    await settle(cpo_hub.app)
    told = (await cpo_hub.client.put(publish, json=ACTIVE, headers=ADMIN)).json()
    emsp_partner_at_hub = (await records(cpo_hub))[-1].partner_id
    assert told == {"partners": [emsp_partner_at_hub]}
    await settle(cpo_hub.app)
    # the eMSP platform took it on its Sender interface
    cpo_at_emsp = await latest_partner_id(emsp)
    stored = (await emsp.client.get(f"/admin/chargingprofiles/{cpo_at_emsp}/S1", headers=ADMIN)).json()
    assert stored["active_charging_profile"] == ACTIVE
    assert (
        await scsp.client.get(f"/admin/chargingprofiles/{cpo_at_emsp}/S1", headers=ADMIN)
    ).status_code == 404


# -- Sender (SCSP / eMSP) ------------------------------------------------------------------------------------


@pytest.fixture
async def emsp_hub(platforms: PlatformFactory, database_url: str) -> Platform:
    """Our hub as eMSP NL*MSP, on both engines."""
    return platforms(database_url, "hub.test", [OUR_EMSP], modules=MODULES)


@pytest.fixture
async def cpo_peer(platforms: PlatformFactory, sqlite_url: str, charger: FakeCharger) -> Platform:
    """Another ocpi-hub as CPO DE*CPX with a fake charger port and a running Session S1 of our Token."""
    peer = platforms(sqlite_url, "cpo.test", [PEER_CPO], modules=MODULES, charger_commands=charger)
    await put_location(peer, capable_location(country_code="DE", party_id="CPX"))
    await add_session(peer, session_body("S1", country_code="DE", party_id="CPX", token_owner=("NL", "MSP")))
    return peer


@pytest.fixture
async def cpo_link(emsp_hub: Platform, cpo_peer: Platform) -> tuple[int, str]:
    peer_token, _ = await connect(emsp_hub, cpo_peer)
    return await latest_partner_id(emsp_hub), peer_token


async def show(hub: Platform, command_id: int) -> dict[str, Any]:
    response = await hub.client.get(f"/admin/chargingprofiles/requests/{command_id}", headers=ADMIN)
    assert response.status_code == 200, response.text
    shown: dict[str, Any] = response.json()
    return shown


async def test_set_get_and_clear_between_two_platforms(
    emsp_hub: Platform, cpo_peer: Platform, cpo_link: tuple[int, str], charger: FakeCharger
) -> None:
    partner_id, _ = cpo_link
    admin = f"/admin/chargingprofiles/{partner_id}/S1"
    sent = (await emsp_hub.client.put(admin, json=PROFILE, headers=ADMIN)).json()
    assert (sent["module"], sent["command"], sent["state"], sent["session_id"]) == (
        "chargingprofiles",
        "SET_CHARGING_PROFILE",
        "WAITING",
        "S1",
    )
    assert sent["response"] == {"result": "ACCEPTED", "timeout": 32}
    assert sent["response_url"].startswith(
        "http://hub.test/ocpi/2.2.1/sender/chargingprofiles/SET_CHARGING_PROFILE/"
    )
    await settle(cpo_peer.app)
    assert (await show(emsp_hub, sent["id"]))["result"] == {"result": "ACCEPTED"}

    charger.answer = ActiveChargingProfileResult.model_validate({"result": "ACCEPTED", "profile": ACTIVE})
    asked = (await emsp_hub.client.post(f"{admin}/active", params={"duration": 600}, headers=ADMIN)).json()
    assert asked["request"]["duration"] == "600"
    await settle(cpo_peer.app)
    assert (await show(emsp_hub, asked["id"]))["result"] == {"result": "ACCEPTED", "profile": ACTIVE}
    assert charger.calls[1][2]["duration"] == 600
    stored = (await emsp_hub.client.get(admin, headers=ADMIN)).json()
    assert stored["active_charging_profile"] == ACTIVE

    charger.answer = ChargingProfileResultType.ACCEPTED
    cleared = (await emsp_hub.client.delete(admin, headers=ADMIN)).json()
    await settle(cpo_peer.app)
    assert (await show(emsp_hub, cleared["id"]))["result"] == {"result": "ACCEPTED"}
    assert [name for name, _, _ in charger.calls] == [
        "set_charging_profile",
        "get_active_charging_profile",
        "clear_charging_profile",
    ]


async def test_the_cpo_s_active_profile_update_is_stored_and_answered_without_data(
    emsp_hub: Platform, cpo_link: tuple[int, str]
) -> None:
    partner_id, peer_token = cpo_link
    response = await emsp_hub.client.put(f"{SENDER}/S1", json=ACTIVE, headers=ocpi_auth(peer_token))
    assert (response.status_code, set(envelope(response))) == (201, {"status_code", "timestamp"})
    newer = {**ACTIVE, "start_date_time": "2026-01-01T11:00:00Z"}
    again = await emsp_hub.client.put(f"{SENDER}/s1", json=newer, headers=ocpi_auth(peer_token))
    assert (again.status_code, set(envelope(again))) == (200, {"status_code", "timestamp"})
    stored = (await emsp_hub.client.get(f"/admin/chargingprofiles/{partner_id}/S1", headers=ADMIN)).json()
    assert stored["active_charging_profile"] == newer
    invalid = await emsp_hub.client.put(
        f"{SENDER}/S1", json={"start_date_time": "x"}, headers=ocpi_auth(peer_token)
    )
    assert envelope(invalid)["status_code"] == 2001
    assert (await emsp_hub.client.put(f"{SENDER}/S1", json=ACTIVE)).status_code == 401


async def test_results_must_match_the_request_and_come_from_its_partner(
    emsp_hub: Platform, cpo_link: tuple[int, str], network: PeerNetwork
) -> None:
    partner_id, peer_token = cpo_link

    async def cpo(request: httpx.Request) -> httpx.Response:
        data = {"result": "ACCEPTED", "timeout": 30}
        return httpx.Response(
            200, json={"data": data, "status_code": 1000, "timestamp": "2026-01-01T00:00:00Z"}
        )

    network.attach_handler("cpo.test", cpo)
    asked = (
        await emsp_hub.client.post(f"/admin/chargingprofiles/{partner_id}/S1/active", headers=ADMIN)
    ).json()
    path = asked["response_url"].removeprefix("http://hub.test")
    # an ActiveChargingProfileResult answers a GET; a profile that is not one is 2001
    bad = await emsp_hub.client.post(
        path, json={"result": "ACCEPTED", "profile": {"x": 1}}, headers=ocpi_auth(peer_token)
    )
    assert envelope(bad)["status_code"] == 2001
    assert envelope(bad)["status_message"].startswith("profile.start_date_time")
    assert (
        await emsp_hub.client.post(path, json={"result": "ACCEPTED"}, headers=ocpi_auth("nope"))
    ).status_code == 401
    elsewhere = path.replace("GET_ACTIVE_CHARGING_PROFILE", "CLEAR_PROFILE")
    assert (
        await emsp_hub.client.post(elsewhere, json={"result": "ACCEPTED"}, headers=ocpi_auth(peer_token))
    ).status_code == 404
    ok = await emsp_hub.client.post(path, json={"result": "REJECTED"}, headers=ocpi_auth(peer_token))
    assert set(envelope(ok)) == {"status_code", "timestamp"}
    assert (await show(emsp_hub, asked["id"]))["result"] == {"result": "REJECTED"}
    # a request with an invalid profile is refused before anything is sent
    refused = await emsp_hub.client.put(
        f"/admin/chargingprofiles/{partner_id}/S1", json={"charging_rate_unit": "kW"}, headers=ADMIN
    )
    assert refused.status_code == 400
    assert refused.json()["detail"].startswith("charging_profile.charging_rate_unit")


async def test_requests_are_listed_under_their_module(
    cpo_hub: Platform, emsp_auth: dict[str, str], inbox: Inbox
) -> None:
    await put_profile(cpo_hub, emsp_auth, "S1", set_body(inbox.url()))
    await inbox.next()
    listed = (await cpo_hub.client.get("/admin/chargingprofiles/requests", headers=ADMIN)).json()
    assert [(r["direction"], r["command"], r["state"]) for r in listed] == [
        ("RECEIVED", "SET_CHARGING_PROFILE", "COMPLETED")
    ]
    assert (
        await cpo_hub.client.get("/admin/chargingprofiles/requests/999", headers=ADMIN)
    ).status_code == 404
    assert (await cpo_hub.client.get("/admin/chargingprofiles/requests", headers={})).status_code == 401


async def test_a_request_cut_short_by_a_restart_stops_counting_after_its_timeout(
    cpo_hub: Platform, emsp_auth: dict[str, str], inbox: Inbox, charger: FakeCharger
) -> None:
    from datetime import timedelta

    from hub.tables.base import utc_now
    from hub.tables.commands import CommandRecord

    charger.answer = NEVER
    assert (
        envelope(await put_profile(cpo_hub, emsp_auth, "S1", set_body(inbox.url())))["data"]["result"]
        == "ACCEPTED"
    )
    await runner(cpo_hub.app.state).close()  # as at a restart: the request stays WAITING, nobody finishes it
    cpo_hub.app.state.command_runner = None
    assert (
        envelope(await put_profile(cpo_hub, emsp_auth, "S1", set_body(inbox.url())))["data"]["result"]
        == "TOO_OFTEN"
    )
    [first, _] = await records(cpo_hub)
    async with cpo_hub.app.state.sessionmaker() as session:
        stale = await session.get(CommandRecord, first.id)
        assert stale is not None
        stale.timeout_at = utc_now() - timedelta(seconds=1)
        session.add(stale)
        await session.commit()
    assert (
        envelope(await put_profile(cpo_hub, emsp_auth, "S1", set_body(inbox.url())))["data"]["result"]
        == "ACCEPTED"
    )
