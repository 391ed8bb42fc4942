"""The running hub with its OCPP endpoint (tests/ocpp's fixture) for the load-balancing tests over real
websockets."""

from __future__ import annotations

from tests.ocpp.conftest import make_gateway

__all__ = ["make_gateway"]
