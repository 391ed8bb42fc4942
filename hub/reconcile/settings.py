"""Thresholds of reconciliation (`OCPI_HUB_RECONCILE_*`), each overridable per run (CLI options, query
parameters)."""

from __future__ import annotations

from decimal import Decimal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class ReconcileSettings(BaseSettings):
    """Every field is an `OCPI_HUB_RECONCILE_<FIELD>` environment variable; README lists them."""

    model_config = SettingsConfigDict(env_prefix="OCPI_HUB_RECONCILE_", env_file=".env", extra="ignore")

    cdr_delay: float = Field(
        default=3600.0,
        ge=0,
        description="seconds after a Session completed before a missing CDR is a finding, and after a CDR "
        "push was queued before a CDR its eMSP has not accepted is one",
    )
    stuck_hours: float = Field(
        default=6.0,
        gt=0,
        description="hours without meter data after which an ACTIVE transaction is stuck",
    )
    energy_tolerance: Decimal = Field(
        default=Decimal("0.01"),
        ge=0,
        description="kWh by which a CDR's total_energy may differ from its transaction's meter register",
    )
    metrics_max_age: float = Field(
        default=60.0,
        ge=0,
        description="seconds the reconciliation gauges of /metrics are reused before a scrape computes them again",
    )
