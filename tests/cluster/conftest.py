"""Several hub processes on one PostgreSQL (DESIGN: Scale): a private database per test module, created,
migrated and dropped here, so that killing processes and connections touches nobody else's."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from hub.db import sync_url
from hub.migrate import upgrade
from tests.conftest import POSTGRES_URL


@pytest.fixture(scope="module")
def cluster_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """A fresh, migrated PostgreSQL database for this module, dropped at its end."""
    module = request.module.__name__.rsplit(".", 1)[-1]
    name = f"ocpi_hub_cluster_{os.getpid()}_{module}"[:63]
    admin = create_engine(sync_url(POSTGRES_URL), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    upgrade(url)
    try:
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
