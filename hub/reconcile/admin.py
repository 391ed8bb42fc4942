"""Admin API of reconciliation: what `ocpi-hub reconcile` lists, and its `--fix`."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field, Strict

from hub.admin.router import SessionMakerDep, require_admin
from hub.deps import SettingsDep
from hub.reconcile.findings import FindingKind, FixOutcome
from hub.reconcile.fix import fix_missing_cdrs
from hub.reconcile.metrics import settings_of
from hub.reconcile.queries import Report, Thresholds, reconcile
from hub.reconcile.settings import ReconcileSettings

router = APIRouter(
    prefix="/admin/reconciliation", tags=["admin: reconciliation"], dependencies=[Depends(require_admin)]
)


async def reconcile_settings(request: Request) -> ReconcileSettings:
    return settings_of(request.app.state)


ReconcileSettingsDep = Annotated[ReconcileSettings, Depends(reconcile_settings)]


class Overrides(BaseModel):
    """Thresholds for this run only; unset ones come from OCPI_HUB_RECONCILE_*."""

    kind: list[FindingKind] | None = Field(
        default=None, description="finding kinds to look for (default: all)"
    )
    cdr_delay: float | None = Field(default=None, ge=0, description="seconds")
    stuck_hours: float | None = Field(default=None, gt=0, description="hours")
    energy_tolerance: Decimal | None = Field(default=None, ge=0, description="kWh")

    def thresholds(self, settings: ReconcileSettings) -> Thresholds:
        return Thresholds.of(
            settings,
            cdr_delay=self.cdr_delay,
            stuck_hours=self.stuck_hours,
            energy_tolerance=self.energy_tolerance,
        )


class OverridesBody(Overrides):
    """The same thresholds in a JSON body, where true/false is not a number of seconds or hours (query
    strings are numbers only as text)."""

    cdr_delay: Annotated[float, Strict()] | None = Field(default=None, ge=0, description="seconds")
    stuck_hours: Annotated[float, Strict()] | None = Field(default=None, gt=0, description="hours")


class FixReport(BaseModel):
    """One outcome per Session without CDR that was found, and what is left to reconcile afterwards."""

    fixes: list[FixOutcome]
    remaining: Report


@router.get("")
async def get_reconciliation(
    sessionmaker: SessionMakerDep,
    settings: ReconcileSettingsDep,
    overrides: Annotated[Overrides, Query()],
) -> Report:
    """Findings with their evidence: transactions without Session, Sessions without CDR, CDRs not accepted,
    stuck ACTIVE transactions, energy mismatches, meters gone backwards, duplicate transactions."""
    async with sessionmaker() as session:
        return await reconcile(session, overrides.thresholds(settings), kinds=overrides.kind)


@router.post("/fix")
async def post_fix(
    sessionmaker: SessionMakerDep,
    settings: ReconcileSettingsDep,
    hub_settings: SettingsDep,
    overrides: OverridesBody | None = None,
) -> FixReport:
    """Make the missing CDR of every completed transaction with start and end meter values (once: a Session
    that has its CDR gets no second), then list what remains."""
    chosen = overrides or Overrides()
    thresholds = chosen.thresholds(settings)
    async with sessionmaker() as session:
        found = await reconcile(session, thresholds, kinds=[FindingKind.SESSION_WITHOUT_CDR])
    fixes = await fix_missing_cdrs(sessionmaker, hub_settings, found.findings)
    async with sessionmaker() as session:
        remaining = await reconcile(session, thresholds, kinds=chosen.kind)
    return FixReport(fixes=fixes, remaining=remaining)
