"""Charging at our own stations: OCPP transactions made OCPI Sessions and CDRs (ocpp-notes §3.3, §3.6)."""
