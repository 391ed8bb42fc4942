"""A START_SESSION posted to our Commands Receiver (mod_commands) writes one authorization log row with the
CommandResponseType we answered: ACCEPTED, or REJECTED when the charger is not reachable."""

from __future__ import annotations

from sqlmodel import col, select

from hub.tables.operator import AuthorizationEventRecord
from tests.conftest import Platform, ocpi_auth
from tests.integration.test_commands import (
    FakeCharger,
    Inbox,
    _stop_tasks,  # noqa: F401 (autouse: command tasks end with the test)
    post_command,
    start_session,
)


async def test_start_session_answers_are_logged(
    cpo_hub: Platform, emsp_tokens: tuple[str, str], inbox: Inbox, charger: FakeCharger
) -> None:
    auth = ocpi_auth(emsp_tokens[0])
    accepted = await post_command(cpo_hub, auth, "START_SESSION", start_session(inbox.url("/cb/1")))
    charger.unreachable = "the station is offline"
    refused = await post_command(
        cpo_hub, auth, "START_SESSION", start_session(inbox.url("/cb/2"), evse_uid=None, connector_id=None)
    )
    assert [accepted.json()["data"]["result"], refused.json()["data"]["result"]] == ["ACCEPTED", "REJECTED"]
    async with cpo_hub.app.state.sessionmaker() as session:
        rows = (
            await session.exec(select(AuthorizationEventRecord).order_by(col(AuthorizationEventRecord.id)))
        ).all()
    assert [(r.country_code, r.party_id, r.location_id, r.evse_uid, r.kind, r.outcome) for r in rows] == [
        ("NL", "GWY", "LOC1", "LOC1-1", "remote_start", "ACCEPTED"),
        ("NL", "GWY", "LOC1", None, "remote_start", "REJECTED"),
    ]
