"""Prometheus gauge of the OCPP websockets this process holds, on the default registry (served by /metrics)."""

from __future__ import annotations

from prometheus_client import Gauge

CONNECTIONS = Gauge("ocpi_hub_ocpp_connections", "Open OCPP websockets in this process", ["protocol"])
