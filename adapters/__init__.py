"""Adapters for the operator's own side: chargers over OCPP 1.6J / 2.0.1 and internal CSMS instances.

Adapters speak to the hub only through a typed port; the hub never imports this package."""
