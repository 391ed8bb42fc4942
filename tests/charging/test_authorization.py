"""Station tokens checked by the token lookup (ocpp-notes §3.6): the pushed whitelist, real time with the eMSP,
the mapping to the station's answer and to the Session's auth_method and cdr_token, and remote starts
correlated into COMMAND Sessions."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import delete
from sqlmodel import col

from hub.charging.service import ChargingHub
from hub.ocpi.v221.tokens import Token
from hub.ports import ChargerAddress, ChargerTarget, IdToken
from hub.tables import PartnerEndpointRecord
from tests.charging.conftest import T0, Rig, token_body

MIN = timedelta(minutes=1)


@pytest.fixture
def database_url(sqlite_url: str) -> str:
    return sqlite_url


def info(uid: str, allowed: str, **extra: Any) -> dict[str, Any]:
    return {"allowed": allowed, "token": token_body(uid), **extra}


async def answer(rig: Rig, uid: str, type: str = "ISO14443", station: str = "CP201") -> tuple[str, bool]:
    got = await rig.stations.authorize(station, IdToken(uid, type), evse=1)
    return got.status.value, got.roaming


async def test_pushed_tokens_decide_by_their_whitelist(rig: Rig) -> None:
    await rig.push_token("ALWAYS-OK", whitelist="ALWAYS")
    await rig.push_token("ALWAYS-BAD", whitelist="ALWAYS", valid=False)
    await rig.push_token("ALLOWED-OK", whitelist="ALLOWED")
    await rig.push_token("APP1", whitelist="ALWAYS", type="APP_USER")
    assert await answer(rig, "ALWAYS-OK") == ("ACCEPTED", True)
    assert await answer(rig, "always-ok") == ("ACCEPTED", True)  # uids compare case-insensitively
    assert await answer(rig, "ALWAYS-BAD") == ("BLOCKED", True)
    assert rig.emsp.pushes("tokens") == []  # ALWAYS: no real-time call
    # ALLOWED: the eMSP is asked; when it does not know the token the answer is Invalid.
    assert await answer(rig, "ALLOWED-OK") == ("INVALID", True)
    # Central is APP_USER; KeyCode is OTHER, so the APP_USER token is not it.
    assert await answer(rig, "APP1", "Central") == ("ACCEPTED", True)
    assert (await answer(rig, "APP1", "KeyCode"))[0] != "ACCEPTED"


async def test_real_time_answers_map_to_the_station_status(rig: Rig) -> None:
    await rig.push_token("RT", whitelist="NEVER")
    for allowed, status in [
        ("ALLOWED", "ACCEPTED"),
        ("BLOCKED", "BLOCKED"),
        ("EXPIRED", "EXPIRED"),
        ("NO_CREDIT", "NO_CREDIT"),
        ("NOT_ALLOWED", "NOT_AT_THIS_LOCATION"),
    ]:
        rig.emsp.answers["RT"] = info("RT", allowed)
        assert await answer(rig, "RT") == (status, True), allowed
    (first, *_) = rig.emsp.pushes("tokens")
    assert first.body == {"location_id": "LOC2", "evse_uids": ["LOC2-1"]}
    assert first.query == {"type": "RFID"}


async def test_a_token_nobody_knows_is_unknown_and_its_session_goes_to_no_emsp(rig: Rig) -> None:
    async with rig.hub.app.state.sessionmaker() as session:
        await session.exec(
            delete(PartnerEndpointRecord).where(col(PartnerEndpointRecord.interface_role) == "SENDER")
        )
        await session.commit()
    assert await answer(rig, "STRANGER") == ("UNKNOWN", False)
    outcome = await rig.start(token="STRANGER")
    assert outcome.session_id is not None
    ours = await rig.our_session(outcome.session_id)
    assert ours["cdr_token"] == {
        "country_code": "NL",
        "party_id": "GWY",
        "uid": "STRANGER",
        "type": "RFID",
        "contract_id": "STRANGER",
    }
    await rig.end(T0 + 10 * MIN, 1, 2000)
    await rig.deliver()
    assert rig.session_pushes() == []
    assert rig.emsp.model.cdrs == []


async def test_a_real_time_authorization_makes_an_auth_request_session(rig: Rig) -> None:
    await rig.push_token("RT", whitelist="ALLOWED")
    rig.emsp.answers["RT"] = info("RT", "ALLOWED", authorization_reference="REF-RT-1")
    outcome = await rig.start(token="RT")
    assert outcome.authorization is not None
    assert outcome.authorization.status == "ACCEPTED"
    await rig.end(T0 + 60 * MIN, 1, 5000)
    await rig.deliver()
    assert outcome.session_id is not None
    session = rig.emsp_session(outcome.session_id)
    assert (session["auth_method"], session["authorization_reference"]) == ("AUTH_REQUEST", "REF-RT-1")
    (cdr,) = rig.emsp.model.cdrs
    assert (cdr["auth_method"], cdr["authorization_reference"]) == ("AUTH_REQUEST", "REF-RT-1")


async def test_without_partner_connections_the_pushed_whitelist_decides(rig: Rig) -> None:
    await rig.push_token("ALLOWED-OK", whitelist="ALLOWED")
    await rig.push_token("NEVER-OK", whitelist="NEVER")
    rig.emsp.answers["NEVER-OK"] = info("NEVER-OK", "ALLOWED")
    offline = ChargingHub(rig.hub.app.state.sessionmaker, rig.hub.settings, None)
    allowed = await offline.authorize("CP201", IdToken("ALLOWED-OK"))
    never = await offline.authorize("CP201", IdToken("NEVER-OK"))
    assert (allowed.status, never.status) == ("ACCEPTED", "INVALID")
    assert rig.emsp.pushes("tokens") == []


def command_token(uid: str = "APP-42") -> Token:
    return Token.model_validate({**token_body(uid, whitelist="NEVER"), "type": "APP_USER"})


async def test_a_2_0_1_remote_start_makes_a_command_session(rig: Rig) -> None:
    address = await rig.charging.locate(ChargerTarget("NL", "GWY", "LOC2", "LOC2-2", "1"))
    assert address == ChargerAddress("CP201", 2, 1, None)
    remote_start_id = await rig.stations.remote_start(
        address, token=command_token(), authorization_reference="AUTH-REF-9"
    )
    outcome = await rig.start(evse=2, token="APP-42", token_type="Central", remote_start_id=remote_start_id)
    assert outcome.authorization is not None
    assert outcome.authorization.status == "ACCEPTED"
    assert rig.emsp.pushes("tokens") == []  # a START_SESSION's token is not checked
    await rig.deliver()
    (put,) = rig.new_session_pushes()
    assert (put.body["auth_method"], put.body["authorization_reference"]) == ("COMMAND", "AUTH-REF-9")
    assert put.body["cdr_token"]["uid"] == "APP-42"
    assert put.body["cdr_token"]["type"] == "APP_USER"
    assert outcome.session_id is not None
    running = await rig.stations.running_transaction(outcome.session_id.upper())
    assert running is not None
    assert (running.station_id, running.transaction_id, running.evse) == ("CP201", "TX1", 2)
    await rig.end(T0 + MIN, 1, 1500)
    assert await rig.stations.running_transaction(outcome.session_id) is None


async def test_a_1_6_remote_start_is_matched_by_connector_and_id_tag_within_ten_minutes(rig: Rig) -> None:
    await rig.push_token("APP-42", whitelist="ALWAYS")
    address = ChargerAddress("CP16", 1, 1, "ocpp1.6")
    await rig.stations.remote_start(address, token=command_token(), authorization_reference="OLD")
    rig.clock.advance(11 * 60)
    await rig.stations.remote_start(address, token=command_token(), authorization_reference="NEW")
    rig.clock.advance(9 * 60)
    matched = await rig.start(station="CP16", transaction_id=None, seq_no=None, token="APP-42")
    # The same idTag again: the remote start is used up, and the old one is too old.
    rig.clock.advance(60)
    plain = await rig.start(station="CP16", transaction_id=None, seq_no=None, evse=2, token="APP-42")
    await rig.deliver()
    assert matched.session_id is not None
    assert plain.session_id is not None
    first = rig.emsp_session(matched.session_id)
    second = rig.emsp_session(plain.session_id)
    assert (first["auth_method"], first["authorization_reference"]) == ("COMMAND", "NEW")
    assert (second["auth_method"], second.get("authorization_reference")) == ("WHITELIST", None)


async def test_locate_without_evse_prefers_an_available_one(rig: Rig) -> None:
    await rig.hub.set_status("CHARGING", "LOC1", "LOC1-1")
    await rig.hub.set_status("AVAILABLE", "LOC1", "LOC1-2")
    assert await rig.charging.locate(ChargerTarget("nl", "gwy", "loc1")) == ChargerAddress("CP16", 2, 1, None)
    await rig.hub.set_status("CHARGING", "LOC1", "LOC1-2")
    assert await rig.charging.locate(ChargerTarget("NL", "GWY", "LOC1")) == ChargerAddress("CP16", 1, 1, None)
    assert await rig.charging.locate(ChargerTarget("NL", "GWY", "LOC1", "NOPE")) is None
    assert await rig.charging.locate(ChargerTarget("NL", "GWY", "ELSEWHERE")) is None
