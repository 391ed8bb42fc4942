"""Prometheus metrics of pushes: counters and latency in this process, outbox state read at scrape time."""

from __future__ import annotations

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from sqlmodel.ext.asyncio.session import AsyncSession

from hub.outbox.state import outbox_summary

ATTEMPTS = Counter(
    "ocpi_hub_push_attempts",
    "Delivery attempts of pushes to partners, by outcome (delivered, retry, dead, missing, gave_up)",
    ["partner", "module", "outcome"],
)
LATENCY = Histogram(
    "ocpi_hub_push_latency_seconds",
    "From the change being committed to the partner accepting its push",
    ["module"],
    buckets=(0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900),
)


async def render(session: AsyncSession) -> bytes:
    """This process's counters and histograms, and the outbox gauges as the database has them now."""
    summary = await outbox_summary(session)
    pending = GaugeMetricFamily("ocpi_hub_outbox_pending", "Pushes waiting or being sent", labels=["partner"])
    oldest = GaugeMetricFamily(
        "ocpi_hub_outbox_oldest_pending_seconds",
        "Age of the oldest push not yet delivered",
        labels=["partner"],
    )
    dead = GaugeMetricFamily(
        "ocpi_hub_outbox_dead", "Pushes the partner refused for good", labels=["partner"]
    )
    resync = GaugeMetricFamily(
        "ocpi_hub_partner_needs_resync",
        "1 for each partner module whose pushes were given up: it must GET our data or be resent it",
        labels=["partner", "module"],
    )
    for partner in summary:
        label = [str(partner.partner_id)]
        pending.add_metric(label, partner.pending)
        oldest.add_metric(label, partner.oldest_pending_seconds)
        dead.add_metric(label, partner.dead)
        for module in partner.needs_resync:
            resync.add_metric([str(partner.partner_id), module], 1)

    class _Database:
        def collect(self) -> list[GaugeMetricFamily]:
            return [pending, oldest, dead, resync]

    database = CollectorRegistry(auto_describe=False)
    database.register(_Database())
    return generate_latest(REGISTRY) + generate_latest(database)
