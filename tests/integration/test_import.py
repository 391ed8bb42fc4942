"""Import of our own Locations and Tariffs (hub/operator/imports.py) through POST /admin/import/{kind} and the
`ocpi-hub import` command: all valid or nothing written, every invalid item reported with its index and the
field, re-imports that change nothing bump nothing, and changes stamped at every level that changed."""

from __future__ import annotations

import asyncio
import copy
import json
import shutil
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from hub.ocpi.base import parse_datetime, utc_now
from hub.tables import LocationRecord, PartnerRecord, TariffRecord
from tests.conftest import ADMIN_TOKEN, Platform, PlatformFactory, connect, ocpi_auth
from tests.fixtures_locations import (
    DEFAULT_LAST_UPDATED,
    change_events,
    evse_uid,
    flat_element,
    last_updated_values,
    make_location,
    make_tariff,
    parking_element,
    stored_bodies,
    stored_rows,
    with_last_updated,
)
from tests.processes import cli_env, run_cli

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
SENDER = "/ocpi/2.2.1/sender"


async def import_items(hub: Platform, kind: str, items: Any, *, skip_invalid: bool = False) -> httpx.Response:
    params = {"skip_invalid": "true"} if skip_invalid else {}
    return await hub.client.post(f"/admin/import/{kind}", json=items, params=params, headers=ADMIN)


def report(
    kind: str, total: int, *, created: int = 0, updated: int = 0, unchanged: int = 0, written: bool = True
) -> dict[str, Any]:
    return {
        "kind": kind,
        "total": total,
        "created": created,
        "updated": updated,
        "unchanged": unchanged,
        "written": written,
        "invalid": [],
    }


async def sender_list(hub: Platform, token: str, module: str, **params: str) -> httpx.Response:
    response = await hub.client.get(f"{SENDER}/{module}", params=params, headers=ocpi_auth(token))
    assert response.status_code == 200, response.text
    assert response.json()["status_code"] == 1000, response.text
    return response


async def sender_object(hub: Platform, token: str, path: str) -> Any:
    response = await hub.client.get(f"{SENDER}/locations/{path}", headers=ocpi_auth(token))
    assert response.status_code == 200, response.text
    assert response.json()["status_code"] == 1000, response.text
    return response.json()["data"]


def the_stamp(obj: dict[str, Any], before: datetime, after: datetime) -> str:
    """The one last_updated an object got from its import, at every level; checks it is the import's time."""
    [stamp] = last_updated_values(obj)
    assert stamp != DEFAULT_LAST_UPDATED
    assert stamp.endswith("Z")
    assert before <= parse_datetime(stamp) <= after, (before, stamp, after)
    return stamp


async def assert_nothing_stored(hub: Platform) -> None:
    assert await stored_rows(hub, LocationRecord) == []
    assert await stored_rows(hub, TariffRecord) == []
    assert await change_events(hub) == []


async def next_millisecond() -> None:
    """Stamps have millisecond precision: make sure the next change gets a later one."""
    await asyncio.sleep(0.002)


# --- valid imports ---------------------------------------------------------------------------------


async def test_import_creates_locations_served_by_sender_as_imported_with_last_updated_stamped(
    hub: Platform, peer: Platform
) -> None:
    token, _ = await connect(hub, peer)
    items = [make_location("LOC1"), make_location("LOC2", evses=1, connectors=3)]
    before = utc_now()
    response = await import_items(hub, "locations", items)
    after = utc_now()
    assert response.status_code == 200, response.text
    assert response.json() == report("locations", 2, created=2)

    listed = await sender_list(hub, token, "locations")
    assert listed.headers["X-Total-Count"] == "2"
    served = {location["id"]: location for location in listed.json()["data"]}
    assert set(served) == {"LOC1", "LOC2"}
    for item in items:
        stamp = the_stamp(served[item["id"]], before, after)
        # Exactly the imported object, with every last_updated (Location, EVSEs, Connectors) stamped now.
        assert served[item["id"]] == with_last_updated(item, stamp)

    page = await sender_list(hub, token, "locations", limit="1")
    assert (page.headers["X-Total-Count"], len(page.json()["data"])) == ("2", 1)
    assert "offset=1" in page.headers["Link"]
    assert 'rel="next"' in page.headers["Link"]

    loc1 = served["LOC1"]
    assert await sender_object(hub, token, "LOC1") == loc1
    assert await sender_object(hub, token, f"LOC1/{evse_uid('LOC1', 2)}") == loc1["evses"][1]
    assert (
        await sender_object(hub, token, f"LOC1/{evse_uid('LOC1', 2)}/2") == loc1["evses"][1]["connectors"][1]
    )

    events = await change_events(hub)
    assert [(e["module"], e["method"], e["object_id"], e["evse_uid"]) for e in events] == [
        ("locations", "PUT", "LOC1", None),
        ("locations", "PUT", "LOC2", None),
    ]
    assert [e["body"] for e in events] == [served["LOC1"], served["LOC2"]]
    assert {(e["country_code"], e["party_id"]) for e in events} == {("NL", "GWY")}


async def test_reimporting_the_same_locations_changes_nothing_and_records_no_event(hub: Platform) -> None:
    items = [make_location("LOC1"), make_location("LOC2", evses=1)]
    assert (await import_items(hub, "locations", items)).status_code == 200
    rows = await stored_rows(hub, LocationRecord)
    events = await change_events(hub)
    await next_millisecond()

    response = await import_items(hub, "locations", items)
    assert (response.status_code, response.json()) == (200, report("locations", 2, unchanged=2))
    # Only the file's last_updated values differ: still the same data.
    response = await import_items(hub, "locations", with_last_updated(items, "2027-03-03T03:03:03Z"))
    assert (response.status_code, response.json()) == (200, report("locations", 2, unchanged=2))

    assert await stored_rows(hub, LocationRecord) == rows  # bodies and last_updated columns untouched
    assert await change_events(hub) == events


async def test_changed_connector_bumps_it_and_its_evse_and_location_only(
    hub: Platform, peer: Platform
) -> None:
    token, _ = await connect(hub, peer)
    items = [make_location("LOC1", evses=2, connectors=2), make_location("LOC2", evses=1)]
    assert (await import_items(hub, "locations", items)).status_code == 200
    first = await stored_bodies(hub, LocationRecord)
    [t1] = last_updated_values(first["LOC1"])
    assert len(await change_events(hub)) == 2
    await next_millisecond()

    changed = copy.deepcopy(items)
    changed[0]["evses"][0]["connectors"][1]["max_voltage"] = 400
    before = utc_now()
    response = await import_items(hub, "locations", changed)
    after = utc_now()
    assert (response.status_code, response.json()) == (200, report("locations", 2, updated=1, unchanged=1))

    loc1 = await sender_object(hub, token, "LOC1")
    t2 = loc1["last_updated"]
    assert before <= parse_datetime(t2) <= after
    assert t2 != t1
    evse1, evse2 = loc1["evses"]
    assert evse1["connectors"][1]["max_voltage"] == 400
    assert evse1["connectors"][1]["last_updated"] == t2  # the changed Connector
    assert evse1["last_updated"] == t2  # its EVSE
    assert evse1["connectors"][0]["last_updated"] == t1  # its unchanged sibling
    assert last_updated_values(evse2) == {t1}  # the other EVSE and its Connectors
    expected = with_last_updated(changed[0], t1)
    expected["last_updated"] = expected["evses"][0]["last_updated"] = t2
    expected["evses"][0]["connectors"][1]["last_updated"] = t2
    assert loc1 == expected
    assert (await stored_bodies(hub, LocationRecord))["LOC2"] == first["LOC2"]

    # The row's last_updated column follows, so a partner polling with date_from gets only LOC1.
    recent = await sender_list(hub, token, "locations", date_from=t2)
    assert [location["id"] for location in recent.json()["data"]] == ["LOC1"]

    events = await change_events(hub)
    assert len(events) == 3
    assert (events[2]["method"], events[2]["object_id"], events[2]["body"]) == ("PUT", "LOC1", loc1)


async def test_tariff_import_is_served_by_sender_and_reimport_changes_nothing(
    hub: Platform, peer: Platform
) -> None:
    token, _ = await connect(hub, peer)
    items = [make_tariff("T1"), make_tariff("T2", elements=[flat_element(1.5), parking_element()])]
    before = utc_now()
    response = await import_items(hub, "tariffs", items)
    after = utc_now()
    assert (response.status_code, response.json()) == (200, report("tariffs", 2, created=2))
    listed = await sender_list(hub, token, "tariffs")
    assert listed.headers["X-Total-Count"] == "2"
    served = {tariff["id"]: tariff for tariff in listed.json()["data"]}
    for item in items:
        assert served[item["id"]] == with_last_updated(item, the_stamp(served[item["id"]], before, after))
    events = await change_events(hub)
    assert [(e["module"], e["method"], e["object_id"], e["body"]) for e in events] == [
        ("tariffs", "PUT", "T1", served["T1"]),
        ("tariffs", "PUT", "T2", served["T2"]),
    ]
    rows = await stored_rows(hub, TariffRecord)
    await next_millisecond()

    response = await import_items(hub, "tariffs", with_last_updated(items, "2027-03-03T03:03:03Z"))
    assert (response.status_code, response.json()) == (200, report("tariffs", 2, unchanged=2))
    assert await stored_rows(hub, TariffRecord) == rows
    assert await change_events(hub) == events

    changed = copy.deepcopy(items)
    changed[1]["elements"][0]["price_components"][0]["price"] = 1.75
    response = await import_items(hub, "tariffs", changed)
    assert (response.status_code, response.json()) == (200, report("tariffs", 2, updated=1, unchanged=1))
    now_served = {
        tariff["id"]: tariff for tariff in (await sender_list(hub, token, "tariffs")).json()["data"]
    }
    assert now_served["T1"] == served["T1"]
    assert now_served["T2"]["elements"][0]["price_components"][0]["price"] == 1.75
    assert parse_datetime(now_served["T2"]["last_updated"]) > parse_datetime(served["T2"]["last_updated"])
    assert [e["object_id"] for e in await change_events(hub)] == ["T1", "T2", "T2"]


# --- invalid items ---------------------------------------------------------------------------------


def _location_with(change: Any, location_id: str) -> dict[str, Any]:
    location = make_location(location_id)
    change(location)
    return location


INVALID_LOCATIONS: list[tuple[str, Any, str, str]] = [
    # (case, change to a valid Location, field the reason must start with, a fragment of the reason)
    (
        "wrong EVSE status",
        lambda loc: loc["evses"][0].update(status="BROKEN"),
        "evses[0].status",
        "AVAILABLE",
    ),
    (
        "wrong connector standard",
        lambda loc: loc["evses"][1]["connectors"][0].update(standard="IEC_62196_T9"),
        "evses[1].connectors[0].standard",
        "IEC_62196_T2",
    ),
    ("missing city", lambda loc: loc.pop("city"), "city", "required"),
    (
        "missing connector max_voltage",
        lambda loc: loc["evses"][0]["connectors"][1].pop("max_voltage"),
        "evses[0].connectors[1].max_voltage",
        "required",
    ),
    (
        "latitude out of range",
        lambda loc: loc["coordinates"].update(latitude="91.000000"),
        "coordinates.latitude",
        "between -90 and 90",
    ),
    (
        "malformed longitude",
        lambda loc: loc["coordinates"].update(longitude="4,900210"),
        "coordinates.longitude",
        "must match",
    ),
    ("city too long", lambda loc: loc.update(city="A" * 46), "city", "45 characters"),
    (
        "evse_id too long",
        lambda loc: loc["evses"][1].update(evse_id="E" * 49),
        "evses[1].evse_id",
        "48 characters",
    ),
    (
        "EVSE without connectors",
        lambda loc: loc["evses"][0].update(connectors=[]),
        "evses[0].connectors",
        "1 item",
    ),
]


async def test_invalid_locations_are_each_reported_with_index_and_field_and_nothing_is_written(
    hub: Platform,
) -> None:
    items: list[Any] = [make_location("GOOD1")]
    expected: list[tuple[int, str, str]] = []
    for n, (_case, change, field, fragment) in enumerate(INVALID_LOCATIONS):
        expected.append((len(items), field, fragment))
        items.append(_location_with(change, f"BAD{n}"))
    expected.append((len(items), "country_code/party_id", "NL*XYZ is not one of our CPO parties"))
    items.append(make_location("FOREIGN", party_id="XYZ"))
    items.append(make_location("GOOD2"))
    expected.append((len(items), "id", "repeats item 0"))
    items.append(make_location("good1"))  # ids are CiStrings: good1 is GOOD1 again

    response = await import_items(hub, "locations", items)
    assert response.status_code == 422, response.text
    body = response.json()
    assert {k: v for k, v in body.items() if k != "invalid"} == {
        "kind": "locations",
        "total": len(items),
        "created": 0,
        "updated": 0,
        "unchanged": 0,
        "written": False,
    }
    assert [i["index"] for i in body["invalid"]] == [index for index, _, _ in expected]
    for invalid, (index, field, fragment) in zip(body["invalid"], expected, strict=True):
        # The reason starts with the field it is about: "city: Field required", "id good1 repeats item 0".
        assert invalid["reason"].startswith((f"{field}: ", f"{field} ")), (index, invalid)
        assert fragment in invalid["reason"], (index, invalid)
    await assert_nothing_stored(hub)


async def test_invalid_tariffs_are_each_reported_and_nothing_is_written(hub: Platform) -> None:
    wrong_type = make_tariff("BAD2")
    wrong_type["elements"][0]["price_components"][0]["type"] = "KWH"
    no_currency = make_tariff("BAD3")
    del no_currency["currency"]
    items = [
        make_tariff("T1"),
        make_tariff("BAD1", elements=[]),
        wrong_type,
        no_currency,
        make_tariff("FOREIGN", party_id="XYZ"),
        make_tariff("t1"),
    ]
    response = await import_items(hub, "tariffs", items)
    assert response.status_code == 422, response.text
    body = response.json()
    assert (body["written"], body["created"], body["total"]) == (False, 0, 6)
    reasons = {i["index"]: i["reason"] for i in body["invalid"]}
    assert set(reasons) == {1, 2, 3, 4, 5}
    assert reasons[1].startswith("elements: ")
    assert "at least 1 item" in reasons[1]
    assert reasons[2].startswith("elements[0].price_components[0].type: ")
    assert "ENERGY" in reasons[2]
    assert reasons[3].startswith("currency: ")
    assert "required" in reasons[3]
    assert "NL*XYZ" in reasons[4]
    assert reasons[4].startswith("country_code/party_id")
    assert reasons[5] == "id t1 repeats item 0"
    await assert_nothing_stored(hub)


async def test_skip_invalid_writes_the_valid_items_and_reports_the_invalid(
    hub: Platform, peer: Platform
) -> None:
    token, _ = await connect(hub, peer)
    bad = make_location("BAD")
    bad["evses"][0]["status"] = "BROKEN"
    items = [make_location("LOC1"), bad, make_location("LOC2", party_id="XYZ"), make_location("LOC3")]
    response = await import_items(hub, "locations", items, skip_invalid=True)
    assert response.status_code == 200, response.text
    body = response.json()
    assert {k: v for k, v in body.items() if k != "invalid"} == {
        "kind": "locations",
        "total": 4,
        "created": 2,
        "updated": 0,
        "unchanged": 0,
        "written": True,
    }
    assert [i["index"] for i in body["invalid"]] == [1, 2]
    assert body["invalid"][0]["reason"].startswith("evses[0].status: ")
    assert "NL*XYZ" in body["invalid"][1]["reason"]
    listed = (await sender_list(hub, token, "locations")).json()["data"]
    assert sorted(location["id"] for location in listed) == ["LOC1", "LOC3"]
    assert sorted(e["object_id"] for e in await change_events(hub)) == ["LOC1", "LOC3"]


async def test_an_item_refused_while_writing_rolls_back_the_whole_import(hub: Platform) -> None:
    async with hub.app.state.sessionmaker() as session:
        partner = PartnerRecord(name="pusher", status="REGISTERED")
        session.add(partner)
        await session.flush()
        session.add(
            LocationRecord(
                country_code="NL",
                party_id="GWY",
                object_key="TAKEN",
                partner_id=partner.id,
                last_updated=parse_datetime(DEFAULT_LAST_UPDATED),
                body=json.dumps(make_location("TAKEN")),
            )
        )
        await session.commit()
    rows = await stored_rows(hub, LocationRecord)
    items = [make_location("LOC1"), make_location("TAKEN")]  # valid, but TAKEN is a partner's Location

    response = await import_items(hub, "locations", items)
    assert response.status_code == 422, response.text
    body = response.json()
    assert (body["written"], body["created"], body["updated"], body["unchanged"]) == (False, 0, 0, 0)
    [invalid] = body["invalid"]
    assert invalid["index"] == 1
    assert "belongs to a partner" in invalid["reason"]
    assert await stored_rows(hub, LocationRecord) == rows  # LOC1, written first, was rolled back
    assert await change_events(hub) == []

    response = await import_items(hub, "locations", items, skip_invalid=True)
    assert response.status_code == 200, response.text
    assert (response.json()["created"], [i["index"] for i in response.json()["invalid"]]) == (1, [1])
    assert set(await stored_bodies(hub, LocationRecord)) == {"LOC1", "TAKEN"}
    assert [e["object_id"] for e in await change_events(hub)] == ["LOC1"]


async def test_import_body_that_is_not_an_array_is_400(hub: Platform) -> None:
    response = await import_items(hub, "locations", make_location())
    assert response.status_code == 400
    assert "list" in response.json()["detail"]
    await assert_nothing_stored(hub)


# --- the command line (SQLite file, real subprocess) ------------------------------------------------


@pytest.fixture
def cli_db(tmp_path: Path, sqlite_template: Path) -> Path:
    """A migrated SQLite file for `ocpi-hub import`."""
    path = tmp_path / "cli.db"
    shutil.copy(sqlite_template, path)
    return path


def run_import(cli_db: Path, tmp_path: Path, kind: str, items: Any, *extra: str) -> tuple[Path, Any]:
    path = tmp_path / f"{kind}.json"
    path.write_text(items if isinstance(items, str) else json.dumps(items), encoding="utf-8")
    return path, run_cli(["import", kind, str(path), *extra], cli_env(cli_db), tmp_path)


async def test_cli_import_valid_file_prints_the_report_and_writes_everything(
    cli_db: Path, tmp_path: Path, platforms: PlatformFactory
) -> None:
    items = [make_location("LOC1"), make_location("LOC2", evses=1)]
    before = utc_now()
    _path, result = run_import(cli_db, tmp_path, "locations", items)
    after = utc_now()
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert json.loads(result.stdout) == report("locations", 2, created=2)  # stdout is one JSON document

    hub = platforms(f"sqlite:///{cli_db}", "cli.test")
    stored = await stored_bodies(hub, LocationRecord)
    assert set(stored) == {"LOC1", "LOC2"}
    for item in items:
        assert stored[item["id"]] == with_last_updated(item, the_stamp(stored[item["id"]], before, after))
    assert [e["object_id"] for e in await change_events(hub)] == ["LOC1", "LOC2"]


async def test_cli_import_invalid_file_reports_every_item_on_stderr_and_writes_nothing(
    cli_db: Path, tmp_path: Path, platforms: PlatformFactory
) -> None:
    bad = make_location("BAD")
    bad["coordinates"]["latitude"] = "91.000000"
    items = [make_location("LOC1"), bad, make_location("LOC2", party_id="XYZ")]
    path, result = run_import(cli_db, tmp_path, "locations", items)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    printed = json.loads(result.stdout)
    assert printed == report("locations", 3, written=False) | {"invalid": printed["invalid"]}
    assert [i["index"] for i in printed["invalid"]] == [1, 2]
    assert printed["invalid"][0]["reason"].startswith("coordinates.latitude: ")
    lines = result.stderr.strip().splitlines()
    assert lines[:2] == [
        f"error: {path}: item 1: {printed['invalid'][0]['reason']}",
        f"error: {path}: item 2: {printed['invalid'][1]['reason']}",
    ]
    # At most a one-line summary after the items, itself an error line.
    assert len(lines) <= 3, lines
    assert all(line.startswith("error: ") for line in lines), lines

    hub = platforms(f"sqlite:///{cli_db}", "cli.test")
    await assert_nothing_stored(hub)


async def test_cli_import_tariffs_skip_invalid_writes_the_rest(
    cli_db: Path, tmp_path: Path, platforms: PlatformFactory
) -> None:
    items = [make_tariff("T1"), make_tariff("T2", elements=[])]
    path, result = run_import(cli_db, tmp_path, "tariffs", items, "--skip-invalid")
    assert result.returncode == 0, result.stderr
    printed = json.loads(result.stdout)
    assert printed == report("tariffs", 2, created=1) | {"invalid": printed["invalid"]}
    [invalid] = printed["invalid"]
    assert invalid["index"] == 1
    assert invalid["reason"].startswith("elements: ")
    assert result.stderr.strip().splitlines() == [f"skipped: {path}: item 1: {invalid['reason']}"]
    hub = platforms(f"sqlite:///{cli_db}", "cli.test")
    assert set(await stored_bodies(hub, TariffRecord)) == {"T1"}


def test_cli_import_unreadable_file_fails_in_one_line(cli_db: Path, tmp_path: Path) -> None:
    cases = {
        "missing": (None, "no such file"),
        "not-json": ('[{"id": "LOC1",', "not valid JSON"),
        "not-an-array": ('{"id": "LOC1"}', "expected a JSON array"),
    }
    paths = {}
    for case, (content, _fragment) in cases.items():
        paths[case] = tmp_path / f"{case}.json"
        if content is not None:
            paths[case].write_text(content, encoding="utf-8")
    # Three processes at once: each one mostly waits on its interpreter starting.
    with ThreadPoolExecutor(max_workers=3) as pool:
        futures = {
            case: pool.submit(run_cli, ["import", "locations", str(path)], cli_env(cli_db), tmp_path)
            for case, path in paths.items()
        }
        results = {case: future.result() for case, future in futures.items()}
    for case, result in results.items():
        assert result.returncode == 1, case
        assert "Traceback" not in result.stderr, case
        assert result.stdout == "", case
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1, (case, result.stderr)
        assert lines[0].startswith(f"error: {paths[case]}: "), (case, lines[0])
        assert cases[case][1] in lines[0], (case, lines[0])
