"""What the admin API shows of a site: its stored limit and schedule, and the controller's live numbers."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pydantic import BaseModel

from hub.loadbalance.controller import SiteController
from hub.tables.operator import SitePowerLimitRecord


class SessionLimitView(BaseModel):
    """One running Session: `limit_kw` the limit allocated, `effective_kw` the most its charger may apply
    now, `state` none (no profile yet), pending (unanswered), confirmed, or uncontrolled (its charger refused
    or did not answer: counted at its maximum)."""

    session_id: str
    station_id: str
    evse_uid: str
    maximum_kw: Decimal
    bound_kw: Decimal | None
    measured_kw: Decimal | None
    limit_kw: Decimal
    effective_kw: Decimal
    state: str


class SiteView(BaseModel):
    country_code: str
    party_id: str
    location_id: str
    limit_kw: Decimal
    schedule: list[dict[str, Any]]
    limit_now_kw: Decimal | None
    allocated_kw: Decimal
    effective_kw: Decimal
    measured_kw: Decimal
    sessions: list[SessionLimitView]


def kw(watts: int) -> Decimal:
    return (Decimal(watts) / 1000).quantize(Decimal("0.001"))


def view(record: SitePowerLimitRecord, controller: SiteController | None) -> SiteView:
    sessions = [] if controller is None else sorted(controller.sessions.values(), key=lambda t: t.order)
    return SiteView(
        country_code=record.country_code,
        party_id=record.party_id,
        location_id=record.location_id,
        limit_kw=record.limit_kw,
        schedule=list(record.schedule or []),
        limit_now_kw=None if controller is None else kw(controller.limit_w()),
        allocated_kw=kw(0 if controller is None else controller.allocated_w()),
        effective_kw=kw(0 if controller is None else controller.effective_w()),
        measured_kw=kw(0 if controller is None else controller.measured_w()),
        sessions=[
            SessionLimitView(
                session_id=t.session_id,
                station_id=t.station_id,
                evse_uid=t.evse_uid,
                maximum_kw=kw(t.maximum_w),
                bound_kw=None if t.bound_w is None else kw(t.bound_w),
                measured_kw=None if t.measured_w is None else kw(t.measured_w),
                limit_kw=kw(t.maximum_w if t.uncontrolled else t.wanted_w),
                effective_kw=kw(t.effective_w()),
                state=t.state(),
            )
            for t in sessions
        ],
    )
