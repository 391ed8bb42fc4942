"""Prometheus gauges of our OCPP stations by connection state, on the default registry (served by /metrics)."""

from __future__ import annotations

from prometheus_client import Gauge

STATIONS = Gauge(
    "ocpi_hub_ocpp_stations",
    "OCPP stations by connection state: connected (talking), silent (socket open, nothing for 3 heartbeat "
    "intervals) and offline (no socket), as the database has them",
    ["state"],
)


def set_station_counts(counts: dict[str, int]) -> None:
    for state, count in counts.items():
        STATIONS.labels(state=state).set(count)
