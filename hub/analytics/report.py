"""`ocpi-hub report utilisation`: the report over a range of whole UTC days, as a ranked text table of
Locations and as CSV rows per Location and EVSE."""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import IO

from sqlalchemy.ext.asyncio import AsyncEngine

from hub.analytics.queries import Collector, Counts
from hub.analytics.usage import SiteUsage, hour_label, rank

CSV_COLUMNS = (
    "level",
    "rank",
    "country_code",
    "party_id",
    "location_id",
    "location_name",
    "evse_uid",
    "evses",
    "sessions",
    "energy_kwh",
    "observed_h",
    "busy_h",
    "occupancy",
    "all_busy_h",
    "all_busy_share",
    "all_busy_hours_of_week",
    "rejected_starts",
    "rejected_authorizations",
    "capacity",
)


class NoDataError(Exception):
    """The range holds no status history, Session or authorization of ours."""


@dataclass
class Utilisation:
    start: datetime
    end: datetime
    sites: list[SiteUsage]  # ranked
    counts: Counts


def day_range(first: date, last: date, now: datetime) -> tuple[datetime, datetime]:
    """[first 00:00 UTC, the day after last 00:00 UTC), ending at `now` when that is earlier."""
    if last < first:
        raise ValueError(f"--to {last.isoformat()} is before --from {first.isoformat()}")
    start = datetime(first.year, first.month, first.day, tzinfo=UTC)
    end = datetime(last.year, last.month, last.day, tzinfo=UTC) + timedelta(days=1)
    if start >= now:
        raise ValueError(f"--from {first.isoformat()} is in the future")
    return start, min(end, now)


async def utilisation(
    engine: AsyncEngine,
    start: datetime,
    end: datetime,
    *,
    progress: Callable[[int], None] | None = None,
) -> Utilisation:
    """Compute the report; NoDataError when the range holds nothing to report on."""
    async with engine.connect() as connection:
        collector = Collector(connection, start, end)
        await collector.locations()
        await collector.history(progress)
        await collector.sessions()
        await collector.decisions()
    if collector.counts.empty:
        raise NoDataError(
            f"no utilisation data from {start:%Y-%m-%d %H:%M} to {end:%Y-%m-%d %H:%M} UTC: "
            "no EVSE status change, Session or authorization of our Locations in that range"
        )
    return Utilisation(start, end, rank(collector.sites.values()), collector.counts)


async def history_rows(engine: AsyncEngine, start: datetime, end: datetime) -> int:
    """How many status history rows the range has (for progress)."""
    from sqlalchemy import func, select

    from hub.analytics.history import STATUS_HISTORY

    h = STATUS_HISTORY.c
    async with engine.connect() as connection:
        statement = select(func.count()).where(h.changed_at >= start, h.changed_at < end)
        return int((await connection.execute(statement)).scalar_one())


def _hours(seconds: float) -> str:
    return f"{seconds / 3600:.2f}"


def _share(value: float | None) -> str:
    return "" if value is None else f"{value:.4f}"


def _week(site: SiteUsage) -> str:
    return "; ".join(f"{hour_label(h)} {s / 3600:.2f}h" for h, s in site.busiest_hours())


def write_csv(report: Utilisation, out: IO[str]) -> int:
    """One row per Location (level "location", in rank order) followed by one per EVSE of it; returns the
    number of rows."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    rows = 0
    for site in report.sites:
        writer.writerow(
            [
                "location",
                site.rank,
                site.country_code,
                site.party_id,
                site.location_id,
                site.name,
                "",
                len(site.evses),
                site.sessions,
                f"{site.energy_kwh:.3f}",
                _hours(site.evse_observed_s),
                _hours(site.busy_s),
                _share(site.occupancy),
                _hours(site.all_busy_s),
                _share(site.all_busy_share),
                _week(site),
                site.rejected_starts,
                site.rejected_authorizations,
                site.capacity,
            ]
        )
        rows += 1
        for evse in sorted(site.evses.values(), key=lambda e: e.evse_uid):
            writer.writerow(
                [
                    "evse",
                    site.rank,
                    site.country_code,
                    site.party_id,
                    site.location_id,
                    site.name,
                    evse.evse_uid,
                    1,
                    evse.sessions,
                    f"{evse.energy_kwh:.3f}",
                    _hours(evse.observed_s),
                    _hours(evse.busy_s),
                    _share(evse.occupancy),
                    "",
                    "",
                    "",
                    evse.rejected_starts,
                    evse.rejected_authorizations,
                    "",
                ]
            )
            rows += 1
    return rows


def text_table(report: Utilisation, limit: int | None = None) -> str:
    """The ranked Locations, one line each, with a heading that states the range and the rule."""
    lines = [
        f"utilisation {report.start:%Y-%m-%d %H:%M} to {report.end:%Y-%m-%d %H:%M} UTC: "
        f"{len(report.sites)} Locations, {report.counts.status_rows} status changes, "
        f"{report.counts.sessions} sessions, {report.counts.decisions} authorizations",
        f"{'rank':>4}  {'location':<24} {'evses':>5} {'sessions':>8} {'kWh':>10} {'occupancy':>9} "
        f"{'all busy h':>10} {'rej.start':>9} {'rej.auth':>8}  capacity  busiest hours (all EVSEs busy)",
    ]
    for site in report.sites[:limit]:
        occupancy = "-" if site.occupancy is None else f"{site.occupancy:.1%}"
        where = f"{site.country_code}*{site.party_id}*{site.location_id}"
        lines.append(
            f"{site.rank:>4}  {where:<24} {len(site.evses):>5} {site.sessions:>8} {site.energy_kwh:>10.1f} "
            f"{occupancy:>9} {site.all_busy_s / 3600:>10.1f} {site.rejected_starts:>9} "
            f"{site.rejected_authorizations:>8}  {site.capacity:<8}  {_week(site)}"
        )
    if limit is not None and len(report.sites) > limit:
        lines.append(f"... {len(report.sites) - limit} more Locations (all of them with --csv)")
    return "\n".join(lines) + "\n"
