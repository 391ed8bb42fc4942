"""Prometheus metrics of the OCPP websockets this process holds, on the default registry (served by /metrics)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge

CONNECTIONS = Gauge("ocpi_hub_ocpp_connections", "Open OCPP websockets in this process", ["protocol"])
BRIDGED = Gauge(
    "ocpi_hub_ocpp_bridged_connections",
    "Open OCPP websockets in this process relayed to an upstream CSMS (bridge mode)",
    ["protocol"],
)
UPSTREAM_FAILURES = Counter(
    "ocpi_hub_ocpp_upstream_failures",
    "Upstream CSMS connections of bridged stations that could not be opened (phase=connect) or dropped "
    "(phase=connected)",
    ["phase"],
)
