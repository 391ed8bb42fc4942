"""The internal CSMS event API (DESIGN: data flow, internal CSMS) for station events, on both engines: bearer
tokens and the API off by default, statuses and connections turned into EVSE statuses as the OCPP path turns
them (ocpp-notes §3.2), idempotency by event id, per-station order by sequence, bad events, unknown stations."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from hub.ocpi.base import utc_now
from hub.stations.repository import StationRepository
from hub.tables.internal_events import InternalEventRecord
from tests.internal.conftest import OTHER_TOKEN, Internal, MakeInternal, event


async def recorded(internal: Internal) -> list[InternalEventRecord]:
    async with internal.app.state.sessionmaker() as session:
        return list((await session.exec(select(InternalEventRecord))).all())


async def test_the_api_is_off_without_tokens(make_internal: MakeInternal) -> None:
    internal = await make_internal(tokens=())
    response = await internal.post(event("CSMS-16", "station_status", evse=1, status="Faulted"), expect=403)
    assert "OCPI_HUB_INTERNAL_TOKENS" in response.json()["detail"]
    assert await internal.evse_status("LOC1", "LOC1-1") == "AVAILABLE"


async def test_a_missing_or_wrong_token_is_401_and_nothing_is_applied(internal: Internal) -> None:
    body = event("CSMS-16", "station_status", evse=1, status="Faulted")
    for headers in [
        {},
        {"Authorization": "Bearer wrong"},
        {"Authorization": "Bearer csms-token-1x"},
        {"Authorization": "Token csms-token-1"},
        {"Authorization": "Bearer"},
    ]:
        response = await internal.client.post("/internal/v1/events", json=body, headers=headers)
        assert response.status_code == 401, headers
        assert response.headers["WWW-Authenticate"] == "Bearer"
        assert "token" in response.json()["detail"]
    assert await internal.evse_status("LOC1", "LOC1-1") == "AVAILABLE"
    assert await recorded(internal) == []


async def test_every_configured_token_is_accepted(internal: Internal) -> None:
    results = await internal.results([event("CSMS-16", "station_status", evse=1, status="Faulted")])
    assert results[0]["result"] == "applied"
    response = await internal.post(
        event("CSMS-16", "station_status", evse=2, status="Faulted"), token=OTHER_TOKEN
    )
    assert response.json()["results"][0]["result"] == "applied"
    assert await internal.evse_status("LOC1", "LOC1-2") == "OUTOFORDER"


async def test_statuses_of_both_versions_become_evse_statuses(internal: Internal) -> None:
    for ocpp, ocpi in [
        ("Preparing", "CHARGING"),
        ("SuspendedEV", "CHARGING"),
        ("Reserved", "RESERVED"),
        ("Unavailable", "INOPERATIVE"),
        ("Faulted", "OUTOFORDER"),
        ("Available", "AVAILABLE"),
    ]:
        # A single event (a JSON object) is answered like a batch of one.
        answer = (await internal.post(event("CSMS-16", "station_status", evse=2, status=ocpp))).json()
        assert [r["result"] for r in answer["results"]] == ["applied"], ocpp
        assert await internal.evse_status("LOC1", "LOC1-2") == ocpi, ocpp
    # 2.0.1 names; the connectors of one EVSE aggregate.
    await internal.results(
        [
            event("CSMS-201", "station_status", evse=1, connector=1, status="Faulted"),
            event("CSMS-201", "station_status", evse=1, connector=2, status="Occupied"),
            event("CSMS-201", "station_status", evse=2, connector=1, status="Reserved"),
        ]
    )
    assert await internal.evse_status("LOC2", "LOC2-1") == "CHARGING"
    assert await internal.evse_status("LOC2", "LOC2-2") == "RESERVED"
    station = await internal.admin("stations/CSMS-201")
    assert station["statuses"]["1/1"]["ocpp"] == "Faulted"


async def test_station_level_faulted_holds_every_evse(internal: Internal) -> None:
    await internal.results(
        [
            event("CSMS-16", "station_status", evse=1, status="Charging"),
            event("CSMS-16", "station_status", evse=0, status="Faulted", at="2026-06-01T10:00:01Z"),
        ]
    )
    assert await internal.evse_status("LOC1", "LOC1-1") == "OUTOFORDER"
    assert await internal.evse_status("LOC1", "LOC1-2") == "OUTOFORDER"
    await internal.results(
        [event("CSMS-16", "station_status", evse=0, status="Available", at="2026-06-01T10:00:02Z")]
    )
    assert await internal.evse_status("LOC1", "LOC1-1") == "CHARGING"


async def test_a_station_offline_is_unknown_until_it_reports_again(internal: Internal) -> None:
    await internal.results(
        [
            event("CSMS-16", "station_connection", connected=True, protocol="ocpp1.6"),
            event("CSMS-16", "station_status", evse=1, status="Charging"),
            event("CSMS-16", "station_status", evse=2, status="Available"),
        ]
    )
    station = await internal.admin("stations/CSMS-16")
    assert (station["state"], station["protocol"]) == ("connected", "ocpp1.6")
    assert await internal.evse_status("LOC1", "LOC1-1") == "CHARGING"
    await internal.results([event("CSMS-16", "station_connection", connected=False)])
    assert await internal.evse_status("LOC1", "LOC1-1") == "UNKNOWN"
    assert await internal.evse_status("LOC1", "LOC1-2") == "UNKNOWN"
    assert (await internal.admin("stations/CSMS-16"))["state"] == "offline"
    # Back online: the statuses of the earlier connection are not restored.
    await internal.results([event("CSMS-16", "station_connection", connected=True)])
    assert (await internal.admin("stations/CSMS-16"))["state"] == "connected"
    assert await internal.evse_status("LOC1", "LOC1-1") == "UNKNOWN"
    await internal.results([event("CSMS-16", "station_status", evse=1, status="Available")])
    assert await internal.evse_status("LOC1", "LOC1-1") == "AVAILABLE"


async def test_every_event_of_a_connected_station_is_a_sign_of_life(internal: Internal) -> None:
    await internal.results([event("CSMS-16", "station_connection", connected=True)])
    async with internal.app.state.sessionmaker() as session:
        station = await StationRepository(session).get("CSMS-16")
        assert station is not None
        station.last_seen_at = utc_now() - timedelta(hours=2)
        session.add(station)
        await session.commit()
    assert (await internal.admin("stations/CSMS-16"))["state"] == "silent"
    await internal.results([event("CSMS-16", "station_status", evse=1, status="Charging")])
    assert (await internal.admin("stations/CSMS-16"))["state"] == "connected"


async def test_a_repeated_event_is_answered_as_the_first_time_and_applied_once(internal: Internal) -> None:
    connected = event("CSMS-16", "station_connection", connected=True)
    first = await internal.results([connected])
    await internal.results([event("CSMS-16", "station_status", evse=1, status="Charging")])
    again = await internal.results([connected])
    assert again == [{**first[0], "duplicate": True}]
    assert first[0]["duplicate"] is False
    # Applied again, the connection would have forgotten the status (UNKNOWN).
    assert await internal.evse_status("LOC1", "LOC1-1") == "CHARGING"
    assert len(await recorded(internal)) == 2


async def test_an_event_below_the_last_sequence_of_its_station_is_stale(internal: Internal) -> None:
    # Later by its clock, but numbered before the last one: the CSMS sent it out of order.
    late = event("CSMS-16", "station_status", at="2026-06-01T10:00:01Z", sequence=3, evse=1, status="Faulted")
    results = await internal.results(
        [
            event("CSMS-16", "station_status", sequence=5, evse=1, status="Charging"),
            late,
            # Other stations number their own events.
            event("CSMS-201", "station_status", sequence=1, evse=2, connector=1, status="Reserved"),
        ]
    )
    assert [r["result"] for r in results] == ["applied", "stale", "applied"]
    assert "sequence 3" in results[1]["detail"]
    assert await internal.evse_status("LOC1", "LOC1-1") == "CHARGING"
    assert await internal.evse_status("LOC2", "LOC2-2") == "RESERVED"
    # The stale event is recorded: sent again, it is answered stale again.
    assert await internal.results([late]) == [{**results[1], "duplicate": True}]
    # The same sequence, and events without one, apply.
    later = await internal.results(
        [
            event(
                "CSMS-16", "station_status", at="2026-06-01T10:00:02Z", sequence=5, evse=1, status="Available"
            ),
            event("CSMS-16", "station_status", at="2026-06-01T10:00:03Z", evse=2, status="Reserved"),
        ]
    )
    assert [r["result"] for r in later] == ["applied", "applied"]
    assert await internal.evse_status("LOC1", "LOC1-1") == "AVAILABLE"
    assert await internal.evse_status("LOC1", "LOC1-2") == "RESERVED"


async def test_a_batch_is_applied_in_its_order(internal: Internal) -> None:
    statuses = ["Charging", "Faulted", "Reserved", "Available", "Unavailable"]
    results = await internal.results(
        [event("CSMS-16", "station_status", at="2026-06-01T10:00:00Z", evse=1, status=s) for s in statuses]
    )
    assert [r["result"] for r in results] == ["applied"] * len(statuses)
    assert await internal.evse_status("LOC1", "LOC1-1") == "INOPERATIVE"


INVALID = [
    ([event("CSMS-16", "station_status", evse=1)], "[0].status: Field required"),
    ([event("CSMS-16", "station_status", evse=1, status="Broken")], "[0].status: must be an OCPP status"),
    ([event("CSMS-16", "station_status", evse=-1, status="Available")], "[0].evse: "),
    ([event("CSMS-16", "station_status", evse="1", status="Available")], "[0].evse: "),
    ([event("CSMS-16", "station_status", evse=1, status="Available", at="yesterday")], "[0].timestamp: "),
    ([event("CSMS-16", "station_connection", connected="yes")], "[0].connected: "),
    (
        [event("CSMS-16", "station_status", evse=1, status="Faulted"), {"type": "nap"}],
        "[1].type: must be one of",
    ),
    (
        [{**event("CSMS-16", "station_connection", connected=True), "event_id": "e" * 65}],
        "[0].event_id: ",
    ),
    ([event("CSMS-16", "transaction_started", evse=1)], "[0].transaction_id: Field required"),
    (
        [event("CSMS-16", "meter_values", meter=[{"timestamp": "2026-06-01T10:00:00Z"}])],
        "[0].evse: meter_values without a transaction_id must name the evse",
    ),
    (
        [event("CSMS-16", "meter_values", transaction_id="T1", meter=[{"timestamp": "x"}])],
        "[0].meter[0].timestamp: ",
    ),
    (
        {"station_id": "CSMS-16", "type": "station_connection", "connected": True},
        "event_id: Field required",
    ),
    ([], "body: must hold 1 to 1000 events"),
    ("hello", "body: must be an event object or an array"),
]


async def test_an_invalid_event_is_400_naming_the_field_and_nothing_is_applied(internal: Internal) -> None:
    for body, named in INVALID:
        response = await internal.post(body, expect=400)
        assert named in response.json()["detail"], (named, response.text)
    assert await internal.evse_status("LOC1", "LOC1-1") == "AVAILABLE"
    assert await recorded(internal) == []


async def test_a_body_that_is_not_json_is_400(internal: Internal) -> None:
    response = await internal.client.post(
        "/internal/v1/events",
        content=b"{not json",
        headers={"Authorization": "Bearer csms-token-1", "Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert response.json() == {"detail": "Request body is not valid JSON"}


async def test_the_same_event_id_twice_in_one_batch_is_refused(internal: Internal) -> None:
    once = event("CSMS-16", "station_status", evse=1, status="Faulted")
    response = await internal.post([once, once], expect=400)
    assert "[1].event_id" in response.json()["detail"]


async def test_an_unknown_station_is_refused_naming_it_and_nothing_is_written(internal: Internal) -> None:
    unknown = event("CP-NOWHERE", "station_status", evse=1, status="Faulted")
    results = await internal.results([unknown, event("CSMS-16", "station_status", evse=1, status="Faulted")])
    assert results[0]["result"] == "unknown_station"
    assert "CP-NOWHERE" in results[0]["detail"]
    assert results[1]["result"] == "applied"
    assert [r.event_id for r in await recorded(internal)] == [results[1]["event_id"]]
    # Not recorded: once the station is mapped, the same event applies.
    response = await internal.client.put(
        "/admin/stations/CP-NOWHERE",
        json={"location_id": "LOC2", "connectors": [{"evse": 1, "evse_uid": "LOC2-2", "connector_id": "2"}]},
        headers={"Authorization": "Bearer admin-secret"},
    )
    assert response.status_code == 201, response.text
    assert (await internal.results([unknown]))[0]["result"] == "applied"
    assert await internal.evse_status("LOC2", "LOC2-2") == "OUTOFORDER"
