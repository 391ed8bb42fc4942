"""Alembic migrations of the ocpi-hub schema; shipped inside the package so `ocpi-hub migrate` finds them."""
