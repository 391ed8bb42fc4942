"""Utilisation analytics of our own Locations: the EVSE status history and authorization log they are
computed from, and the `ocpi-hub report utilisation` report."""
