"""OCPP connector statuses to OCPI EVSE statuses (ocpp-notes §3.2): the hub's translation, which the internal
CSMS event API shares with the adapters."""

from __future__ import annotations

from hub.stations.ocpp_status import OCPP16, OCPP201, status_16, status_201

__all__ = ["OCPP16", "OCPP201", "status_16", "status_201"]
