"""Operator API under /admin (bearer OCPI_HUB_ADMIN_TOKEN) and the health probes."""
