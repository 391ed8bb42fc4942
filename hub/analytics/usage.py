"""Utilisation of our Locations from their EVSE status history (mod_locations_evse_object `status`):
intervals clipped to the report range, occupancy per EVSE and Location, the hours of the week when every
EVSE of a Location was busy, and the over/under capacity ranking. Pure computation, no I/O.

Rules:
- An EVSE's status lasts from its history row until its next row (or the end of the range). Before its
  first row it is unknown.
- Observed time: the EVSE's status is not PLANNED, REMOVED or UNKNOWN (the EVSE exists and reports).
  Busy time: CHARGING or BLOCKED. Occupancy = busy / observed. RESERVED, OUTOFORDER and INOPERATIVE are
  observed but not busy.
- A Location is all busy while at least one of its EVSEs is observed and every observed EVSE is busy: a
  driver arriving then finds no free EVSE (demand not served). An EVSE out of order therefore ends "all
  busy" (it is observed, not busy) — its time shows in its own occupancy instead.
- Hours of the week (Monday 00:00 = 0 ... Sunday 23:00 = 167) are in the Location's time_zone (UTC when it
  has none), each UTC hour counted in the local hour it starts in.
- Capacity: OVER when the Location was all busy for at least 5 % of its observed time; UNDER when its
  occupancy is below 10 %; else OK; NO_DATA without observed time. Locations rank by the share of time all
  busy, then by occupancy, highest first."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

BUSY = frozenset({"CHARGING", "BLOCKED"})
NOT_OBSERVED = frozenset({"PLANNED", "REMOVED", "UNKNOWN"})
OVER_ALL_BUSY_SHARE = 0.05
UNDER_OCCUPANCY = 0.10
WEEK_HOURS = 168
DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

# Interval categories.
UNOBSERVED, FREE, TAKEN = 0, 1, 2


def category(status: str) -> int:
    if status in BUSY:
        return TAKEN
    return UNOBSERVED if status in NOT_OBSERVED else FREE


def hour_label(hour_of_week: int) -> str:
    day, hour = divmod(hour_of_week, 24)
    return f"{DAYS[day]} {hour:02d}:00"


class WeekHours:
    """The local hour of the week of each UTC hour, cached (a year is 8,760 look-ups per zone)."""

    def __init__(self, zone: str | None) -> None:
        try:
            self.zone = ZoneInfo(zone) if zone else UTC
        except (ValueError, KeyError, OSError):
            self.zone = UTC
        self._cache: dict[int, int] = {}

    def of(self, epoch_hour: int) -> int:
        found = self._cache.get(epoch_hour)
        if found is None:
            local = datetime.fromtimestamp(epoch_hour * 3600, self.zone)
            found = self._cache[epoch_hour] = local.weekday() * 24 + local.hour
        return found


@dataclass
class EvseUsage:
    evse_uid: str
    observed_s: float = 0.0
    busy_s: float = 0.0
    sessions: int = 0
    energy_kwh: float = 0.0
    rejected_starts: int = 0
    rejected_authorizations: int = 0

    @property
    def occupancy(self) -> float | None:
        return self.busy_s / self.observed_s if self.observed_s else None


@dataclass
class SiteUsage:
    """One Location: its EVSEs (by upper-cased uid) and its time all busy, overall and per hour of week."""

    country_code: str
    party_id: str
    location_id: str
    name: str = ""
    time_zone: str | None = None
    evses: dict[str, EvseUsage] = field(default_factory=dict)
    observed_s: float = 0.0  # time with at least one EVSE observed
    all_busy_s: float = 0.0
    all_busy_week: list[float] = field(default_factory=lambda: [0.0] * WEEK_HOURS)
    observed_week: list[float] = field(default_factory=lambda: [0.0] * WEEK_HOURS)  # EVSE-seconds
    busy_week: list[float] = field(default_factory=lambda: [0.0] * WEEK_HOURS)  # EVSE-seconds
    # Decisions at the Location that name no EVSE (a START_SESSION for the Location).
    rejected_starts_unplaced: int = 0
    rejected_authorizations_unplaced: int = 0
    rank: int = 0

    def evse(self, uid: str) -> EvseUsage:
        found = self.evses.get(uid.upper())
        if found is None:
            found = self.evses[uid.upper()] = EvseUsage(uid)
        return found

    @property
    def evse_observed_s(self) -> float:
        return sum(e.observed_s for e in self.evses.values())

    @property
    def busy_s(self) -> float:
        return sum(e.busy_s for e in self.evses.values())

    @property
    def occupancy(self) -> float | None:
        observed = self.evse_observed_s
        return self.busy_s / observed if observed else None

    @property
    def all_busy_share(self) -> float | None:
        return self.all_busy_s / self.observed_s if self.observed_s else None

    @property
    def sessions(self) -> int:
        return sum(e.sessions for e in self.evses.values())

    @property
    def energy_kwh(self) -> float:
        return sum(e.energy_kwh for e in self.evses.values())

    @property
    def rejected_starts(self) -> int:
        return self.rejected_starts_unplaced + sum(e.rejected_starts for e in self.evses.values())

    @property
    def rejected_authorizations(self) -> int:
        return self.rejected_authorizations_unplaced + sum(
            e.rejected_authorizations for e in self.evses.values()
        )

    @property
    def capacity(self) -> str:
        occupancy, share = self.occupancy, self.all_busy_share
        if occupancy is None or share is None:
            return "NO_DATA"
        if share >= OVER_ALL_BUSY_SHARE:
            return "OVER"
        if occupancy < UNDER_OCCUPANCY:
            return "UNDER"
        return "OK"

    def busiest_hours(self, count: int = 5) -> list[tuple[int, float]]:
        """The hours of the week with the most time all busy: (hour of week, seconds), most first."""
        hours = sorted(range(WEEK_HOURS), key=lambda h: (-self.all_busy_week[h], h))
        return [(h, self.all_busy_week[h]) for h in hours[:count] if self.all_busy_week[h] > 0]


Run = tuple[float, float, int]


def evse_runs(changes: Iterable[tuple[float, str]], start: float, end: float) -> list[Run]:
    """The EVSE's time in [start, end) as (from, to, category) runs, neighbours of one category merged.
    `changes` are (epoch seconds, status) in time order; the first may lie before `start` (the status the
    EVSE was in when the range began)."""
    runs: list[Run] = []
    previous: tuple[float, int] | None = None
    for at, status in (*changes, (end, "")):
        if previous is not None:
            a, b = max(previous[0], start), min(at, end)
            if b > a:
                kind = previous[1]
                if runs and runs[-1][2] == kind and runs[-1][1] == a:
                    runs[-1] = (runs[-1][0], b, kind)
                else:
                    runs.append((a, b, kind))
        if at >= end:
            break
        previous = (at, category(status))
    return runs


def add_evse(site: SiteUsage, evse_uid: str, runs: list[Run]) -> None:
    usage = site.evse(evse_uid)
    for a, b, kind in runs:
        if kind != UNOBSERVED:
            usage.observed_s += b - a
            if kind == TAKEN:
                usage.busy_s += b - a


def sweep(site: SiteUsage, runs_by_evse: Iterable[list[Run]], week: WeekHours) -> None:
    """The Location's time observed and all busy, and its EVSE-seconds per hour of the week, from the runs
    of all its EVSEs."""
    deltas: dict[float, list[int]] = {}
    for runs in runs_by_evse:
        for a, b, kind in runs:
            if kind == UNOBSERVED:
                continue
            busy = 1 if kind == TAKEN else 0
            at_a = deltas.setdefault(a, [0, 0])
            at_a[0] += 1
            at_a[1] += busy
            at_b = deltas.setdefault(b, [0, 0])
            at_b[0] -= 1
            at_b[1] -= busy
    # Per UTC hour (epoch hour): observed EVSE-seconds, busy EVSE-seconds, seconds all busy; folded into
    # hours of the week once at the end, so the zone is looked up per hour, not per interval.
    hourly: dict[int, list[float]] = {}
    observed = busy = 0
    observed_s = all_busy_s = 0.0
    times = sorted(deltas)
    for i in range(len(times) - 1):
        at = times[i]
        change = deltas[at]
        observed += change[0]
        busy += change[1]
        if not observed:
            continue
        after = times[i + 1]
        full = busy == observed
        observed_s += after - at
        if full:
            all_busy_s += after - at
        hour = int(at // 3600)
        while at < after:
            edge = (hour + 1) * 3600.0
            if edge > after:
                edge = after
            span = edge - at
            cell = hourly.get(hour)
            if cell is None:
                cell = hourly[hour] = [0.0, 0.0, 0.0]
            cell[0] += span * observed
            cell[1] += span * busy
            if full:
                cell[2] += span
            at = edge
            hour += 1
    site.observed_s += observed_s
    site.all_busy_s += all_busy_s
    for hour, (evse_seconds, busy_seconds, full_seconds) in hourly.items():
        h = week.of(hour)
        site.observed_week[h] += evse_seconds
        site.busy_week[h] += busy_seconds
        site.all_busy_week[h] += full_seconds


def rank(sites: Iterable[SiteUsage]) -> list[SiteUsage]:
    """Highest share of time all busy first, then highest occupancy; Locations without data last."""
    ordered = sorted(
        sites,
        key=lambda s: (
            s.all_busy_share is None,
            -(s.all_busy_share or 0.0),
            -(s.occupancy or 0.0),
            s.country_code,
            s.party_id,
            s.location_id,
        ),
    )
    for n, site in enumerate(ordered, 1):
        site.rank = n
    return ordered
