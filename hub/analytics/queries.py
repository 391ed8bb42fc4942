"""The SQL of utilisation reports: our Locations, the EVSE status history streamed in EVSE order, and
Sessions (mod_sessions_session_object) and authorization decisions aggregated in the database."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import Float, Numeric, cast, func, select
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.elements import ColumnElement

from hub.analytics.history import STATUS_HISTORY
from hub.analytics.usage import Run, SiteUsage, WeekHours, add_evse, evse_runs, sweep
from hub.tables.objects import LocationRecord
from hub.tables.operator import AuthorizationEventRecord
from hub.tables.sessions import SessionRecord

SiteKey = tuple[str, str, str]
ACCEPTED = frozenset({"ALLOWED", "ACCEPTED"})
STARTS = frozenset({"start", "remote_start"})
BATCH = 20_000


@dataclass
class Counts:
    """How much of each source the range held."""

    status_rows: int = 0
    sessions: int = 0
    decisions: int = 0

    @property
    def empty(self) -> bool:
        return not (self.status_rows or self.sessions or self.decisions)


def _site_key(country_code: str, party_id: str, location_id: str) -> SiteKey:
    return (country_code.upper(), party_id.upper(), location_id.upper())


def _stamp(value: datetime) -> str:
    # Stored OCPI times are "YYYY-MM-DDTHH:MM:SS[.fff]Z": without the Z this bound sorts before every
    # stored time of the same second and after every earlier one, so string comparison is exact.
    return value.strftime("%Y-%m-%dT%H:%M:%S")


def _epoch(connection: AsyncConnection, column: Any) -> ColumnElement[float]:
    """A naive-UTC timestamp column as epoch seconds, computed by the database (no datetime per row)."""
    value: ColumnElement[float] = (
        cast(func.extract("epoch", column), Float)
        if connection.dialect.name == "postgresql"
        # julianday is a double of ~2.5 million days: its seconds are good to ~40 µs, so round to the ms.
        else func.round((func.julianday(column) - 2440587.5) * 86400.0, 3)
    )
    return value


def _json_text(connection: AsyncConnection, column: Any, name: str) -> ColumnElement[Any]:
    value: ColumnElement[Any] = (
        cast(column, JSONB)[name].astext
        if connection.dialect.name == "postgresql"
        else func.json_extract(column, f"$.{name}")
    )
    return value


@dataclass
class _Walk:
    """Where the streamed history walk is: the Location and EVSE of the rows being read."""

    site: tuple[str, str, str] | None = None
    evse: tuple[str, str, str, str] | None = None
    changes: list[tuple[float, str]] = field(default_factory=list)
    site_runs: list[list[Run]] = field(default_factory=list)


class Collector:
    """Builds the SiteUsage of every Location of ours (or with history) for [start, end)."""

    def __init__(self, connection: AsyncConnection, start: datetime, end: datetime) -> None:
        self.connection = connection
        self.start, self.end = start, end
        self.sites: dict[SiteKey, SiteUsage] = {}
        self.counts = Counts()
        self._weeks: dict[str | None, WeekHours] = {}

    def site(self, country_code: str, party_id: str, location_id: str) -> SiteUsage:
        key = _site_key(country_code, party_id, location_id)
        found = self.sites.get(key)
        if found is None:
            found = self.sites[key] = SiteUsage(country_code.upper(), party_id.upper(), location_id)
        return found

    async def locations(self) -> None:
        """Our own Locations: name, time zone and every EVSE, also those without history."""
        table = LocationRecord.__table__  # type: ignore[attr-defined]
        rows = await self.connection.execute(
            select(table.c.country_code, table.c.party_id, table.c.body).where(table.c.partner_id.is_(None))
        )
        for country_code, party_id, body in rows:
            location = orjson.loads(body)
            site = self.site(country_code, party_id, str(location["id"]))
            site.name = str(location.get("name") or "")
            site.time_zone = location.get("time_zone")
            for evse in location.get("evses") or []:
                if evse.get("status") != "REMOVED":
                    site.evse(str(evse["uid"]))

    async def history(self, progress: Callable[[int], None] | None = None) -> None:
        h = STATUS_HISTORY.c
        evse_key = (h.country_code, h.party_id, h.location_id, h.evse_uid)
        # The status each EVSE was in when the range began: its last row before it.
        latest = (
            select(*evse_key, func.max(h.changed_at).label("at"))
            .where(h.changed_at < self.start)
            .group_by(*evse_key)
            .subquery()
        )
        before = select(*evse_key, h.status, h.changed_at).join(
            latest,
            (h.country_code == latest.c.country_code)
            & (h.party_id == latest.c.party_id)
            & (h.location_id == latest.c.location_id)
            & (h.evse_uid == latest.c.evse_uid)
            & (h.changed_at == latest.c.at),
        )
        initial: dict[tuple[str, str, str], dict[tuple[str, str, str, str], tuple[float, str]]] = {}
        for cc, pid, loc, uid, status, at in await self.connection.execute(before):
            initial.setdefault((cc, pid, loc), {})[(cc, pid, loc, uid)] = (at.timestamp(), status)
        start, end = self.start.timestamp(), self.end.timestamp()
        in_range = (
            select(*evse_key, h.status, _epoch(self.connection, h.changed_at))
            .where(h.changed_at >= self.start, h.changed_at < self.end)
            .order_by(*evse_key, h.changed_at, h.id)
        )
        state = _Walk()

        def finish_evse() -> None:
            if state.evse is not None:
                runs = evse_runs(state.changes, start, end)
                add_evse(self.site(*state.evse[:3]), state.evse[3], runs)
                state.site_runs.append(runs)
                state.evse = None

        def finish_site() -> None:
            if state.site is None:
                return
            site = self.site(*state.site)
            # EVSEs with no change in the range keep the status they had when it began, all through it.
            for key, first in sorted(initial.pop(state.site, {}).items()):
                runs = evse_runs([first], start, end)
                add_evse(site, key[3], runs)
                state.site_runs.append(runs)
            week = self._weeks.get(site.time_zone)
            if week is None:
                week = self._weeks[site.time_zone] = WeekHours(site.time_zone)
            sweep(site, state.site_runs, week)
            state.site, state.site_runs = None, []

        result = await self.connection.stream(in_range.execution_options(yield_per=BATCH))
        async for batch in result.partitions(BATCH):
            for cc, pid, loc, uid, status, at in batch:
                key = (cc, pid, loc, uid)
                if key != state.evse:
                    finish_evse()
                    if key[:3] != state.site:
                        finish_site()
                        state.site = key[:3]
                    state.evse = key
                    first = initial.get(key[:3], {}).pop(key, None)
                    state.changes = [] if first is None else [first]
                state.changes.append((at, status))
            self.counts.status_rows += len(batch)
            if progress is not None:
                progress(len(batch))
        finish_evse()
        finish_site()
        for site_key in sorted(initial):
            state.site = site_key
            finish_site()

    async def sessions(self) -> None:
        """Sessions of ours that started in the range, not INVALID: count and kWh per EVSE."""
        table = SessionRecord.__table__  # type: ignore[attr-defined]
        body = table.c.body
        started = _json_text(self.connection, body, "start_date_time")
        location = _json_text(self.connection, body, "location_id")
        evse_uid = _json_text(self.connection, body, "evse_uid")
        status = _json_text(self.connection, body, "status")
        kwh: ColumnElement[Any] = _json_text(self.connection, body, "kwh")
        if self.connection.dialect.name == "postgresql":
            kwh = cast(kwh, Numeric)
        statement = (
            select(
                table.c.country_code,
                table.c.party_id,
                location,
                evse_uid,
                func.count(),
                func.coalesce(func.sum(kwh), 0),
            )
            .where(
                table.c.partner_id.is_(None),
                started >= _stamp(self.start),
                started < _stamp(self.end),
                status != "INVALID",
            )
            .group_by(table.c.country_code, table.c.party_id, location, evse_uid)
        )
        for cc, pid, loc, uid, count, energy in await self.connection.execute(statement):
            if loc is None or uid is None:
                continue
            usage = self.site(cc, pid, str(loc)).evse(str(uid))
            usage.sessions += int(count)
            usage.energy_kwh += float(energy)
            self.counts.sessions += int(count)

    async def decisions(self) -> None:
        """Refused authorizations and starts per EVSE (per Location when the decision names no EVSE)."""
        t = AuthorizationEventRecord.__table__.c  # type: ignore[attr-defined]
        statement = (
            select(t.country_code, t.party_id, t.location_id, t.evse_uid, t.kind, t.outcome, func.count())
            .where(t.at >= self.start, t.at < self.end)
            .group_by(t.country_code, t.party_id, t.location_id, t.evse_uid, t.kind, t.outcome)
        )
        for cc, pid, loc, uid, kind, outcome, count in await self.connection.execute(statement):
            self.counts.decisions += int(count)
            if outcome in ACCEPTED:
                continue
            site = self.site(cc, pid, loc)
            start = kind in STARTS
            if uid is None:
                if start:
                    site.rejected_starts_unplaced += int(count)
                else:
                    site.rejected_authorizations_unplaced += int(count)
                continue
            usage = site.evse(uid)
            if start:
                usage.rejected_starts += int(count)
            else:
                usage.rejected_authorizations += int(count)
