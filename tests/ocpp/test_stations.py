"""The station mapping: `ocpi-hub import stations` (all or nothing, each error naming its station and
connector), the admin API with each station's connection state, and the station gauges on /metrics."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from hub.config import Settings
from hub.db import create_engine, create_sessionmaker
from hub.operator.imports import ImportFileError, ImportKind, import_objects
from hub.stations.imports import import_stations
from hub.tables.stations import StationRecord
from tests.fixtures_locations import make_location
from tests.ocpp.chargers import station
from tests.ocpp.conftest import PARTIES, PASSWORD, STATIONS, Gateway, MakeGateway
from tests.processes import cli_env, run_cli


def _settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, parties=PARTIES)


async def _with_locations(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        locations = [make_location(i) for i in ("LOC1", "LOC2", "LOC3")]
        report = await import_objects(
            create_sessionmaker(engine), _settings(database_url), ImportKind.LOCATIONS, locations
        )
        assert report.written
    finally:
        await engine.dispose()


async def _stations(database_url: str) -> dict[str, StationRecord]:
    from sqlmodel import select

    engine = create_engine(database_url)
    try:
        async with create_sessionmaker(engine)() as session:
            return {s.station_id: s for s in (await session.exec(select(StationRecord))).all()}
    finally:
        await engine.dispose()


def _cli(tmp_path: Path, database_url: str, items: Any) -> Any:
    path = tmp_path / "stations.json"
    path.write_text(items if isinstance(items, str) else json.dumps(items))
    database = Path(database_url.removeprefix("sqlite:///"))
    env = cli_env(database, OCPI_HUB_PARTIES=json.dumps([p.model_dump(mode="json") for p in PARTIES]))
    return run_cli(["import", "stations", str(path)], env, tmp_path)


async def test_cli_import_writes_the_mapping_and_a_reimport_changes_nothing(
    sqlite_url: str, tmp_path: Path
) -> None:
    await _with_locations(sqlite_url)
    first = _cli(tmp_path, sqlite_url, STATIONS)
    assert first.returncode == 0, first.stderr
    assert json.loads(first.stdout) == {
        "kind": "stations",
        "total": 4,
        "created": 4,
        "updated": 0,
        "unchanged": 0,
        "written": True,
        "invalid": [],
    }
    stored = await _stations(sqlite_url)
    assert stored["CP201"].connectors[1] == {
        "evse": 1,
        "connector": 2,
        "evse_uid": "LOC2-1",
        "connector_id": "2",
    }
    assert stored["CP16"].connectors[0]["connector"] == 1
    assert (stored["CP16"].country_code, stored["CP16"].party_id) == ("NL", "GWY")
    locked = stored["CP-LOCKED"].password_hash
    assert locked is not None
    assert PASSWORD not in locked
    engine = create_engine(sqlite_url)
    try:
        again = await import_stations(create_sessionmaker(engine), _settings(sqlite_url), STATIONS)
    finally:
        await engine.dispose()
    assert (again.unchanged, again.created, again.updated) == (4, 0, 0)
    assert (await _stations(sqlite_url))["CP-LOCKED"].password_hash == locked


def _bad(**overrides: Any) -> dict[str, Any]:
    return {
        "station_id": "CPX",
        "location_id": "LOC1",
        "connectors": [{"evse": 1, "evse_uid": "LOC1-1", "connector_id": "1"}],
        **overrides,
    }


async def test_cli_import_reports_every_bad_station_by_name_and_writes_nothing(
    sqlite_url: str, tmp_path: Path
) -> None:
    await _with_locations(sqlite_url)
    items = [
        STATIONS[0],
        _bad(station_id="NO-LOC", location_id="LOC9"),
        _bad(station_id="NO-EVSE", connectors=[{"evse": 1, "evse_uid": "LOC1-9", "connector_id": "1"}]),
        _bad(station_id="NO-CONN", connectors=[{"evse": 2, "evse_uid": "LOC1-2", "connector_id": "7"}]),
        _bad(station_id="CP16"),
        _bad(station_id="TWICE", connectors=[{"evse": 1, "evse_uid": "LOC1-1", "connector_id": "2"}] * 2),
        _bad(station_id="BAD-URL", upstream_url="http://csms.example/ocpp"),
        _bad(station_id="NOT-OURS", country_code="DE", party_id="ABC"),
        _bad(station_id="SHARED", connectors=[{"evse": 1, "evse_uid": "loc1-1", "connector_id": "1"}]),
        _bad(station_id="EXTRA", colour="red"),
    ]
    result = _cli(tmp_path, sqlite_url, items)
    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    expected = [
        "item 1: station NO-LOC: Location LOC9 is not one of our Locations",
        "item 2: station NO-EVSE evse 1 connector 1: EVSE LOC1-9 is not in Location LOC1",
        "item 3: station NO-CONN evse 2 connector 1: Connector 7 is not in EVSE LOC1-2",
        "item 4: station CP16 repeats item 0",
        "item 5: station TWICE: ",
        "item 6: station BAD-URL: ",
        "item 7: station NOT-OURS: DE*ABC is not one of our CPO parties",
        "item 8: station SHARED: EVSE LOC1-1 Connector 1 is already mapped to station CP16",
        "item 9: station EXTRA: ",
    ]
    assert len(errors) == len(expected) + 1, result.stderr
    for line, start in zip(errors, expected, strict=False):
        assert start in line, line
    assert "listed twice" in errors[4]
    assert "ws:// or wss://" in errors[5]
    assert "colour" in errors[8]
    assert errors[-1].startswith("error: nothing imported: 9 invalid of 10")
    assert await _stations(sqlite_url) == {}


def test_cli_import_of_a_file_that_is_no_json_fails_in_one_line(sqlite_url: str, tmp_path: Path) -> None:
    not_json = _cli(tmp_path, sqlite_url, "[{")
    assert not_json.returncode == 1
    assert "not valid JSON" in not_json.stderr
    assert len(not_json.stderr.strip().splitlines()) == 1


async def test_an_import_that_is_no_array_is_refused(sqlite_gateway: Gateway) -> None:
    with pytest.raises(ImportFileError, match="expected a JSON array of stations, got a JSON dict"):
        await import_stations(sqlite_gateway.app.state.sessionmaker, sqlite_gateway.settings, {"a": 1})
    await sqlite_gateway.admin("POST", "stations", {"station_id": "CP1"}, expect=400)


async def test_a_connector_already_mapped_to_a_stored_station_is_refused(database_url: str) -> None:
    await _with_locations(database_url)
    engine = create_engine(database_url)
    sessionmaker = create_sessionmaker(engine)
    try:
        settings = _settings(database_url)
        assert (await import_stations(sessionmaker, settings, STATIONS[:1])).written
        clash = await import_stations(sessionmaker, settings, [_bad(station_id="OTHER")])
        assert not clash.written
        assert [str(i) for i in clash.invalid] == [
            "item 0: station OTHER: EVSE LOC1-1 Connector 1 is already mapped to station CP16"
        ]
        # Moving the connector away from CP16 in the same import frees it.
        moved = await import_stations(
            sessionmaker,
            settings,
            [{**STATIONS[0], "connectors": STATIONS[0]["connectors"][1:]}, _bad(station_id="OTHER")],
        )
        assert moved.written, moved.invalid
        assert (moved.created, moved.updated) == (1, 1)
    finally:
        await engine.dispose()


def _samples(text: str) -> dict[str, float]:
    """The samples of a Prometheus text page, by name with labels."""
    samples = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.rpartition(" ")
            samples[name] = float(value)
    return samples


async def test_admin_api_tells_connected_silent_and_offline_apart_and_so_do_the_gauges(
    make_gateway: MakeGateway, sqlite_url: str
) -> None:
    gateway = await make_gateway(sqlite_url, silent_after=1.0)
    connections = 'ocpi_hub_ocpp_connections{protocol="ocpp1.6"}'
    # The connection gauge belongs to the process, which other tests' servers share.
    before = _samples((await gateway.client.get("/metrics")).text).get(connections, 0.0)
    async with station(gateway.ws, "CP16") as cp16, station(gateway.ws, "CP201", version="2.0.1") as cp201:
        await cp16.boot()
        await cp201.boot()
        await gateway.until_state("CP16", "silent")
        await gateway.until_state("CP201", "silent")
        await cp201.heartbeat()
        await gateway.until_state("CP201", "connected")
        listed = (await gateway.admin("GET", "stations")).json()
        assert {s["station_id"]: s["state"] for s in listed} == {
            "CP-LOCKED": "offline",
            "CP16": "silent",
            "CP16-PAIR": "offline",
            "CP201": "connected",
        }
        cp16_view = next(s for s in listed if s["station_id"] == "CP16")
        assert cp16_view["protocol"] == "ocpp1.6"
        assert cp16_view["boot"] == {"vendor": "Test", "model": "T16"}
        locked = next(s for s in listed if s["station_id"] == "CP-LOCKED")
        assert locked["password"] is True
        assert "password_hash" not in locked
        offline = (await gateway.admin("GET", "stations?state=offline")).json()
        assert [s["station_id"] for s in offline] == ["CP-LOCKED", "CP16-PAIR"]
        metrics = _samples((await gateway.client.get("/metrics")).text)
        assert metrics['ocpi_hub_ocpp_stations{state="connected"}'] == 1
        assert metrics['ocpi_hub_ocpp_stations{state="silent"}'] == 1
        assert metrics['ocpi_hub_ocpp_stations{state="offline"}'] == 2
        assert metrics[connections] == before + 1
    await gateway.until_state("CP201", "offline")
    await gateway.until_state("CP16", "offline")
    metrics = _samples((await gateway.client.get("/metrics")).text)
    assert metrics['ocpi_hub_ocpp_stations{state="offline"}'] == 4
    assert metrics[connections] == before


async def test_admin_put_creates_and_replaces_one_station(sqlite_gateway: Gateway) -> None:
    body = {"location_id": "LOC3", "connectors": [{"evse": 1, "evse_uid": "LOC3-2", "connector_id": "1"}]}
    created = await sqlite_gateway.admin("PUT", "stations/CP-NEW", body, expect=201)
    assert created.json()["created"] == 1
    same = await sqlite_gateway.admin("PUT", "stations/CP-NEW", body, expect=200)
    assert same.json()["unchanged"] == 1
    refused = await sqlite_gateway.admin(
        "PUT", "stations/CP-NEW", {**body, "location_id": "LOC9"}, expect=400
    )
    assert refused.json()["detail"].startswith("station CP-NEW: Location LOC9 is not one of our Locations")
    unknown_field = await sqlite_gateway.admin(
        "PUT", "stations/CP-NEW", {**body, "colour": "red"}, expect=400
    )
    assert "colour" in unknown_field.json()["detail"]
    assert (await sqlite_gateway.station("CP-NEW"))["connectors"][0]["evse_uid"] == "LOC3-2"
    await sqlite_gateway.admin("GET", "stations/CP-NONE", expect=404)
    unauthorized = await sqlite_gateway.client.get("/admin/stations")
    assert unauthorized.status_code == 401


@pytest.mark.parametrize("password", ["new-password-0123", None])
async def test_a_changed_password_replaces_the_old_one(sqlite_gateway: Gateway, password: str | None) -> None:
    entry = {**{k: v for k, v in STATIONS[3].items() if k != "station_id"}, "password": password}
    updated = await sqlite_gateway.admin("PUT", "stations/CP-LOCKED", entry)
    assert updated.json()["updated"] == 1
    assert (await sqlite_gateway.station("CP-LOCKED"))["password"] is (password is not None)
    if password is not None:
        async with station(sqlite_gateway.ws, "CP-LOCKED", password=password) as cp:
            assert (await cp.heartbeat()).current_time
    else:
        async with station(sqlite_gateway.ws, "CP-LOCKED") as cp:
            assert (await cp.heartbeat()).current_time
