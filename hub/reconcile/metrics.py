"""Prometheus gauge of reconciliation findings per kind, computed when /metrics is scraped and reused for
`OCPI_HUB_RECONCILE_METRICS_MAX_AGE` seconds (the queries scan transactions, so not at every scrape)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from prometheus_client import Gauge

from hub.reconcile.findings import FindingKind
from hub.reconcile.queries import Thresholds, reconcile
from hub.reconcile.settings import ReconcileSettings

logger = logging.getLogger(__name__)

FINDINGS = Gauge(
    "ocpi_hub_reconciliation_findings",
    "Reconciliation findings by kind (see `ocpi-hub reconcile`), with the thresholds of OCPI_HUB_RECONCILE_*",
    ["kind"],
)
COMPUTED = Gauge(
    "ocpi_hub_reconciliation_computed_timestamp_seconds",
    "When the reconciliation gauges were last computed (Unix time)",
)


@dataclass
class _Cache:
    computed_at: float | None = None
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


def settings_of(state: Any) -> ReconcileSettings:
    """The reconciliation settings of this app (tests set them), else from the environment."""
    existing: ReconcileSettings | None = getattr(state, "reconcile_settings", None)
    if existing is None:
        existing = ReconcileSettings()
        state.reconcile_settings = existing
    return existing


async def refresh(state: Any, *, clock: Callable[[], float] = time.monotonic) -> None:
    """Compute the gauges again if they are older than the settings allow. A failure is logged and leaves the
    previous values: the rest of /metrics is still served."""
    cache: _Cache | None = getattr(state, "reconcile_gauges", None)
    if cache is None:
        cache = _Cache()
        state.reconcile_gauges = cache
    settings = settings_of(state)
    async with cache.lock:
        if cache.computed_at is not None and clock() - cache.computed_at < settings.metrics_max_age:
            return
        try:
            async with state.sessionmaker() as session:
                report = await reconcile(session, Thresholds.of(settings))
        except Exception:
            logger.exception("reconciliation gauges could not be computed")
            return
        for kind in FindingKind:
            FINDINGS.labels(kind=kind.value).set(report.counts.get(kind, 0))
        COMPUTED.set(time.time())
        cache.computed_at = clock()
