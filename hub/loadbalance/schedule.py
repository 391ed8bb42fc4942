"""A site's power limit and its time-of-day windows (e.g. a lower limit at peak grid hours), in the
Location's time zone, as the admin API takes them and `site_power_limit` stores them."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator


class Window(BaseModel):
    """From `from` (inclusive) to `to` (exclusive) local time, on the ISO weekdays `days` (1 = Monday; absent:
    every day) the site limit is `limit_kw`. `to` before `from` runs past midnight; `to` "24:00" is midnight."""

    model_config = ConfigDict(populate_by_name=True, extra="forbid")

    days: list[int] | None = None
    start: str = Field(alias="from", pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    end: str = Field(alias="to", pattern=r"^(([01]\d|2[0-3]):[0-5]\d|24:00)$")
    limit_kw: Decimal = Field(ge=0, max_digits=10, decimal_places=3)

    @field_validator("days")
    @classmethod
    def _days(cls, days: list[int] | None) -> list[int] | None:
        if days is not None and (not days or any(d < 1 or d > 7 for d in days)):
            raise ValueError("days are ISO weekdays 1 (Monday) to 7 (Sunday), at least one")
        return days

    @model_validator(mode="after")
    def _span(self) -> Window:
        if self.start == self.end:
            raise ValueError("a window's from and to must differ")
        return self

    def dump(self) -> dict[str, Any]:
        body: dict[str, Any] = {"from": self.start, "to": self.end, "limit_kw": str(self.limit_kw)}
        if self.days is not None:
            body["days"] = sorted(set(self.days))
        return body


class SiteLimit(BaseModel):
    """The admin API's body: the site limit in kW and optional windows that replace it at those hours."""

    model_config = ConfigDict(extra="forbid")

    limit_kw: Decimal = Field(ge=0, max_digits=10, decimal_places=3)
    schedule: list[Window] = Field(default_factory=list, max_length=100)


def _minutes(hhmm: str) -> int:
    hours, minutes = hhmm.split(":")
    return int(hours) * 60 + int(minutes)


def _covers(window: Window, local: datetime) -> bool:
    start, end = _minutes(window.start), _minutes(window.end)
    now = local.hour * 60 + local.minute
    if start < end:
        day = local.isoweekday()
        inside = start <= now < end
    else:
        # Past midnight: the part after midnight belongs to the day the window began.
        inside = now >= start or now < end
        day = local.isoweekday() if now >= start else (local - timedelta(days=1)).isoweekday()
    return inside and (window.days is None or day in window.days)


def zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def limit_at(limit: SiteLimit, tz: ZoneInfo, at: datetime) -> Decimal:
    """The site limit in force at `at`: the first window covering it, else the plain limit."""
    local = at.astimezone(tz)
    for window in limit.schedule:
        if _covers(window, local):
            return window.limit_kw
    return limit.limit_kw


def lowest_kw(limit: SiteLimit) -> Decimal | None:
    """The lowest limit above 0 (0 means the site does not charge then, which any site can do); None: none."""
    above = [kw for kw in [limit.limit_kw, *(w.limit_kw for w in limit.schedule)] if kw > 0]
    return min(above, default=None)


def next_minute(at: datetime) -> float:
    """Seconds until the next whole minute: windows change only there."""
    following = (at + timedelta(minutes=1)).replace(second=0, microsecond=0)
    return max(0.0, (following - at).total_seconds())
