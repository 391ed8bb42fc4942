"""Prometheus metrics of site load balancing, on the default registry (served by /metrics): per site its limit
now, the limits allocated, the limits the chargers may be applying, and the measured power."""

from __future__ import annotations

import contextlib

from prometheus_client import Counter, Gauge

LIMIT = Gauge("ocpi_hub_site_limit_watts", "Site power limit in force now (W)", ["site"])
ALLOCATED = Gauge(
    "ocpi_hub_site_allocated_watts",
    "Sum of the limits allocated to the site's running Sessions (W; a charger that refused or did not "
    "answer at its maximum)",
    ["site"],
)
EFFECTIVE = Gauge(
    "ocpi_hub_site_effective_watts",
    "Sum of the limits the site's chargers may be applying (W; the larger of old and new while unconfirmed)",
    ["site"],
)
MEASURED = Gauge("ocpi_hub_site_measured_watts", "Sum of the site's last measured power (W)", ["site"])
PROFILES = Counter(
    "ocpi_hub_site_profiles",
    "SetChargingProfile requests of load balancing, by outcome (accepted, rejected, timeout, error, no_chargers)",
    ["outcome"],
)


def publish(site: str, limit: int, allocated: int, effective: int, measured: int) -> None:
    LIMIT.labels(site=site).set(limit)
    ALLOCATED.labels(site=site).set(allocated)
    EFFECTIVE.labels(site=site).set(effective)
    MEASURED.labels(site=site).set(measured)


def forget(site: str) -> None:
    for gauge in (LIMIT, ALLOCATED, EFFECTIVE, MEASURED):
        with contextlib.suppress(KeyError):
            gauge.remove(site)
