"""Utilisation on generated history with answers worked out by hand: occupancy (CHARGING or BLOCKED over the
time not PLANNED/REMOVED/UNKNOWN), time all EVSEs were busy per hour of the week in the Location's zone,
sessions and kWh, refused starts and authorizations, intervals crossing the range's ends, the ranking, the
CSV and the PNG; and the CLI's answers to empty ranges and bad dates."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import sys
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncEngine
from typer.testing import CliRunner, Result

from hub import cli as _cli  # noqa: F401 - the root command first: it registers `report`
from hub.analytics.charts import occupancy_grid
from hub.analytics.history import STATUS_HISTORY
from hub.analytics.report import NoDataError, Utilisation, day_range, utilisation, write_csv
from hub.analytics.usage import SiteUsage, hour_label
from hub.cli_report import app
from hub.db import create_engine
from hub.tables.objects import LocationRecord
from hub.tables.operator import AuthorizationEventRecord
from hub.tables.sessions import SessionRecord

H = 3600.0
# The report covers Monday 2 and Tuesday 3 March 2026 (UTC): 48 hours.
START = datetime(2026, 3, 2, tzinfo=UTC)
END = START + timedelta(days=2)
NOW = datetime(2026, 6, 1, tzinfo=UTC)


def at(day: int, hour: float) -> datetime:
    return datetime(2026, 3, day, tzinfo=UTC) + timedelta(hours=hour)


def location(location_id: str, evses: list[str], time_zone: str = "UTC") -> dict[str, Any]:
    body = {
        "id": location_id,
        "name": f"Site {location_id}",
        "time_zone": time_zone,
        "evses": [{"uid": uid, "status": "AVAILABLE"} for uid in evses],
    }
    return {
        "country_code": "NL",
        "party_id": "GWY",
        "object_key": location_id.upper(),
        "partner_id": None,
        "last_updated": START,
        "body": json.dumps(body),
    }


def status(location_id: str, evse_uid: str, value: str, when: datetime) -> dict[str, Any]:
    return {
        "country_code": "NL",
        "party_id": "GWY",
        "location_id": location_id,
        "evse_uid": evse_uid,
        "status": value,
        "changed_at": when,
    }


def session(n: int, evse_uid: str, started: str, kwh: float, state: str = "COMPLETED") -> dict[str, Any]:
    body = {"id": f"S{n}", "start_date_time": started, "kwh": kwh, "location_id": "LOCA"}
    body |= {"evse_uid": evse_uid, "status": state}
    return {
        "country_code": "NL",
        "party_id": "GWY",
        "object_key": f"S{n}",
        "partner_id": None,
        "last_updated": NOW,
        "body": json.dumps(body),
        "token_country_code": "DE",
        "token_party_id": "MSP",
    }


def decision(kind: str, outcome: str, evse_uid: str | None, when: datetime) -> dict[str, Any]:
    # The log names the Location as the station mapping spells it: matched case-insensitively.
    return {
        "country_code": "NL",
        "party_id": "GWY",
        "location_id": "loca",
        "evse_uid": evse_uid,
        "kind": kind,
        "outcome": outcome,
        "at": when,
    }


HISTORY = [
    # LOCA (UTC), A1: CHARGING since before the range until 02:00, then 17:00-19:00 Monday; a change after
    # the range is not read.
    status("LOCA", "A1", "CHARGING", at(1, 20)),
    status("LOCA", "A1", "AVAILABLE", at(2, 2)),
    status("LOCA", "A1", "CHARGING", at(2, 17)),
    status("LOCA", "A1", "AVAILABLE", at(2, 19)),
    status("LOCA", "A1", "AVAILABLE", at(3, 5)),  # a repeat: changes nothing
    status("LOCA", "A1", "CHARGING", at(4, 1)),
    # A2: unknown until its first row at 01:00, BLOCKED until 03:00, out of order until 18:00, CHARGING
    # until 20:00.
    status("LOCA", "A2", "BLOCKED", at(2, 1)),
    status("LOCA", "A2", "OUTOFORDER", at(2, 3)),
    status("LOCA", "A2", "CHARGING", at(2, 18)),
    status("LOCA", "A2", "AVAILABLE", at(2, 20)),
    # LOCB (Amsterdam, UTC+1 in March): B1 available since February, CHARGING Tuesday 10:00-11:30 UTC;
    # B2 has no history at all.
    status("LOCB", "B1", "AVAILABLE", datetime(2026, 2, 1, tzinfo=UTC)),
    status("LOCB", "B1", "CHARGING", at(3, 10)),
    status("LOCB", "B1", "AVAILABLE", at(3, 11.5)),
    # LOCC: one EVSE CHARGING all Monday morning, PLANNED (not observed) from Tuesday.
    status("LOCC", "C1", "CHARGING", at(2, 0)),
    status("LOCC", "C1", "AVAILABLE", at(2, 12)),
    status("LOCC", "C1", "PLANNED", at(3, 0)),
]
SESSIONS = [
    session(1, "A1", "2026-03-01T20:00:00Z", 30.0),  # started before the range
    session(2, "A1", "2026-03-02T17:00:00Z", 12.5),
    session(3, "a1", "2026-03-03T23:59:59.500Z", 7.25),  # the last half second, EVSE uid in other case
    session(4, "A1", "2026-03-04T00:00:00Z", 99.0),  # the first instant after
    session(5, "A2", "2026-03-02T18:00:00Z", 5.0, state="INVALID"),
    session(6, "A2", "2026-03-02T18:00:00.250Z", 4.0),
]
DECISIONS = [
    decision("authorize", "ALLOWED", "A1", at(2, 9)),
    decision("authorize", "BLOCKED", "A1", at(2, 9)),
    decision("authorize", "NO_CREDIT", "A1", at(3, 9)),
    decision("start", "NOT_ALLOWED", "A1", at(2, 10)),
    decision("start", "ALLOWED", "A2", at(2, 10)),
    decision("remote_start", "REJECTED", None, at(2, 11)),
    decision("remote_start", "ACCEPTED", "A2", at(2, 11)),
    decision("authorize", "BLOCKED", "A1", at(4, 0)),  # after the range
]


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    made = create_engine(database_url)
    async with made.begin() as connection:
        await connection.execute(
            insert(LocationRecord.__table__),  # type: ignore[attr-defined]
            [
                location("LOCA", ["A1", "A2"]),
                location("LOCB", ["B1", "B2"], "Europe/Amsterdam"),
                location("LOCC", ["C1"]),
                location("LOCD", ["D1"]),
            ],
        )
        await connection.execute(insert(STATUS_HISTORY), HISTORY)
        await connection.execute(insert(SessionRecord.__table__), SESSIONS)  # type: ignore[attr-defined]
        await connection.execute(insert(AuthorizationEventRecord.__table__), DECISIONS)  # type: ignore[attr-defined]
    yield made
    await made.dispose()


@pytest.fixture
async def report(engine: AsyncEngine) -> Utilisation:
    return await utilisation(engine, START, END)


def site(report: Utilisation, location_id: str) -> SiteUsage:
    return next(s for s in report.sites if s.location_id == location_id)


def week(site: SiteUsage, values: list[float]) -> dict[str, float]:
    return {hour_label(h): v / H for h, v in enumerate(values) if v}


async def test_occupancy_per_evse_and_location(report: Utilisation) -> None:
    a = site(report, "LOCA")
    a1, a2 = a.evses["A1"], a.evses["A2"]
    # A1 is observed all 48 h and busy 00:00-02:00 and 17:00-19:00 on Monday.
    assert (a1.observed_s / H, a1.busy_s / H) == (48, 4)
    # A2 is unknown (not observed) until 01:00; BLOCKED 2 h, CHARGING 2 h; out of order counts as observed.
    assert (a2.observed_s / H, a2.busy_s / H) == (47, 4)
    assert a.occupancy == pytest.approx(8 / 95)
    b = site(report, "LOCB")
    assert (b.evses["B1"].observed_s / H, b.evses["B1"].busy_s / H) == (48, 1.5)
    assert (b.evses["B2"].observed_s, b.evses["B2"].occupancy) == (0, None)
    c1 = site(report, "LOCC").evses["C1"]
    assert (c1.observed_s / H, c1.busy_s / H) == (24, 12)  # PLANNED from Tuesday is not observed
    d = site(report, "LOCD")
    assert (d.occupancy, d.capacity) == (None, "NO_DATA")


async def test_hours_when_every_evse_was_busy(report: Utilisation) -> None:
    a = site(report, "LOCA")
    # 00-01 A1 charging and A2 not yet observed; 01-02 both busy; 17-18 A2 out of order (not busy);
    # 18-19 both charging.
    assert a.all_busy_s / H == 3
    assert week(a, a.all_busy_week) == {"Mon 00:00": 1, "Mon 01:00": 1, "Mon 18:00": 1}
    assert a.observed_s / H == 48
    assert [(hour_label(h), s / H) for h, s in a.busiest_hours()] == [
        ("Mon 00:00", 1),
        ("Mon 01:00", 1),
        ("Mon 18:00", 1),
    ]
    # LOCB's B2 never reported: B1 alone is observed, so its charge 10:00-11:30 UTC is all busy, at
    # 11:00-12:30 Amsterdam time.
    b = site(report, "LOCB")
    assert week(b, b.all_busy_week) == {"Tue 11:00": 1, "Tue 12:00": 0.5}
    # EVSE-hours per hour of the week: Monday 00:00 in LOCA has A1 observed and busy, A2 not observed.
    assert (a.observed_week[0] / H, a.busy_week[0] / H) == (1, 1)
    assert (a.observed_week[1] / H, a.busy_week[1] / H) == (2, 2)
    assert (a.observed_week[17] / H, a.busy_week[17] / H) == (2, 1)


async def test_sessions_energy_and_refusals(report: Utilisation) -> None:
    a = site(report, "LOCA")
    # Sessions that started in the range, not INVALID; the EVSE uid compares case-insensitively.
    assert (a.evses["A1"].sessions, a.evses["A1"].energy_kwh) == (2, 19.75)
    assert (a.evses["A2"].sessions, a.evses["A2"].energy_kwh) == (1, 4.0)
    assert (a.sessions, a.energy_kwh) == (3, 23.75)
    assert (a.evses["A1"].rejected_authorizations, a.evses["A1"].rejected_starts) == (2, 1)
    assert (a.evses["A2"].rejected_authorizations, a.evses["A2"].rejected_starts) == (0, 0)
    # The refused START_SESSION named no EVSE: it counts for the Location.
    assert (a.rejected_authorizations, a.rejected_starts) == (2, 2)
    assert (report.counts.sessions, report.counts.decisions) == (3, 7)
    assert report.counts.status_rows == 13


async def test_ranking_and_capacity(report: Utilisation) -> None:
    ranked = [(s.rank, s.location_id, s.capacity) for s in report.sites]
    # LOCC all busy 12 of 24 observed hours; LOCA 3 of 48 (6.25 %, OVER from 5 %); LOCB 1.5 of 48 with
    # occupancy 1.5 of 48 EVSE-hours (UNDER 10 %); LOCD has no data.
    assert ranked == [(1, "LOCC", "OVER"), (2, "LOCA", "OVER"), (3, "LOCB", "UNDER"), (4, "LOCD", "NO_DATA")]
    assert site(report, "LOCA").all_busy_share == pytest.approx(3 / 48)


async def test_a_range_starting_inside_an_interval(engine: AsyncEngine) -> None:
    # From Monday 18:30: A1 is AVAILABLE since 19:00 and CHARGING before it (18:30-19:00 busy).
    report = await utilisation(engine, at(2, 18.5), END)
    a1 = site(report, "LOCA").evses["A1"]
    assert (a1.observed_s / H, a1.busy_s / H) == (29.5, 0.5)
    # LOCB's B1 has no change before Tuesday: its February row gives its status.
    assert site(report, "LOCB").evses["B1"].observed_s / H == 29.5


async def test_a_range_without_data_is_no_data(engine: AsyncEngine) -> None:
    with pytest.raises(
        NoDataError, match="no utilisation data from 2025-01-01 00:00 to 2025-01-02 00:00 UTC"
    ):
        await utilisation(engine, datetime(2025, 1, 1, tzinfo=UTC), datetime(2025, 1, 2, tzinfo=UTC))


def test_days_are_whole_utc_days_and_end_now() -> None:
    now = datetime(2026, 3, 3, 12, tzinfo=UTC)
    assert day_range(date(2026, 3, 2), date(2026, 3, 2), now) == (START, START + timedelta(days=1))
    assert day_range(date(2026, 3, 2), date(2026, 3, 9), now) == (START, now)
    with pytest.raises(ValueError, match="before --from"):
        day_range(date(2026, 3, 2), date(2026, 3, 1), now)
    with pytest.raises(ValueError, match="in the future"):
        day_range(date(2026, 3, 4), date(2026, 3, 5), now)


async def test_csv_rows(report: Utilisation) -> None:
    out = io.StringIO()
    assert write_csv(report, out) == 4 + 6
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert [(r["level"], r["location_id"], r["evse_uid"]) for r in rows[:4]] == [
        ("location", "LOCC", ""),
        ("evse", "LOCC", "C1"),
        ("location", "LOCA", ""),
        ("evse", "LOCA", "A1"),
    ]
    a = rows[2]
    assert {k: a[k] for k in ("rank", "evses", "sessions", "energy_kwh", "observed_h", "busy_h")} == {
        "rank": "2",
        "evses": "2",
        "sessions": "3",
        "energy_kwh": "23.750",
        "observed_h": "95.00",
        "busy_h": "8.00",
    }
    assert (a["occupancy"], a["all_busy_h"], a["all_busy_share"], a["capacity"]) == (
        "0.0842",
        "3.00",
        "0.0625",
        "OVER",
    )
    assert a["all_busy_hours_of_week"] == "Mon 00:00 1.00h; Mon 01:00 1.00h; Mon 18:00 1.00h"
    assert (a["rejected_starts"], a["rejected_authorizations"]) == ("2", "2")
    assert rows[3]["occupancy"] == "0.0833"


async def test_heatmap_grid(report: Utilisation) -> None:
    grid = occupancy_grid(report)
    # Monday 00:00 UTC: A1 and C1 busy, B1 available (01:00 Amsterdam is Monday 01:00, not 00:00).
    assert grid[0][0] == pytest.approx(1.0)
    # Monday 01:00: A1, A2, C1 busy; B1 (Monday 00:00 UTC) available -> in the 01:00 bucket too.
    assert grid[0][1] == pytest.approx(3 / 4)


def cli(*args: str) -> Result:
    """`ocpi-hub report ARGS` in this process (on its own event loop, so called in a thread)."""
    return CliRunner().invoke(app, list(args))


async def test_cli_writes_csv_and_png(
    engine: AsyncEngine, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OCPI_HUB_DATABASE_URL", database_url)
    out_csv, out_png = tmp_path / "u.csv", tmp_path / "u.png"
    result = await asyncio.to_thread(
        cli,
        "utilisation",
        "--from",
        "2026-03-02",
        "--to",
        "2026-03-03",
        "--csv",
        str(out_csv),
        "--png",
        str(out_png),
    )
    assert result.exit_code == 0, result.output
    assert "   1  NL*GWY*LOCC" in result.stdout
    assert len(out_csv.read_text().splitlines()) == 1 + 10
    data = out_png.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    assert len(data) > 10_000


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--from", "2025-01-01", "--to", "2025-01-31"],
            "error: no utilisation data from 2025-01-01 00:00 to 2025-02-01 00:00 UTC",
        ),
        (["--from", "2026-3-2", "--to", "2026-03-03"], "error: --from '2026-3-2' is not a date (YYYY-MM-DD)"),
        (
            ["--from", "2026-03-02", "--to", "2026-02-30"],
            "error: --to '2026-02-30' is not a date (YYYY-MM-DD)",
        ),
        (
            ["--from", "2026-03-05", "--to", "2026-03-03"],
            "error: --to 2026-03-03 is before --from 2026-03-05",
        ),
    ],
)
async def test_cli_bad_input_is_one_error_line(
    engine: AsyncEngine, database_url: str, monkeypatch: pytest.MonkeyPatch, args: list[str], message: str
) -> None:
    monkeypatch.setenv("OCPI_HUB_DATABASE_URL", database_url)
    result = await asyncio.to_thread(cli, "utilisation", *args)
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [result.stderr.splitlines()[0]]
    assert result.stderr.startswith(message), result.stderr
    assert "Traceback" not in result.output


async def test_cli_png_without_matplotlib_says_how_to_install(
    engine: AsyncEngine, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OCPI_HUB_DATABASE_URL", database_url)
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib raises ImportError
    result = await asyncio.to_thread(
        cli, "utilisation", "--from", "2026-03-02", "--to", "2026-03-03", "--png", str(tmp_path / "u.png")
    )
    assert result.exit_code == 1
    assert result.stderr == (
        "error: --png needs matplotlib, which is not installed: pip install 'ocpi-hub[reports]'\n"
    )
    assert not (tmp_path / "u.png").exists()
