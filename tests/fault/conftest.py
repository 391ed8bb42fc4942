"""Fixtures of the fault tests: fake eMSPs on loopback, and private PostgreSQL databases on the shared
cluster (created for one test and dropped after it)."""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator, Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from hub.db import sync_url
from tests.conftest import POSTGRES_URL
from tests.outbox.fake_partner import Fakes


@pytest.fixture
async def fakes() -> AsyncIterator[Fakes]:
    started = Fakes()
    yield started
    await started.close()


@pytest.fixture
def private_postgres() -> Iterator[str]:
    """An empty database of this test's own on the shared cluster (the hub migrates it), dropped after."""
    name = f"ocpi_hub_fault_{os.getpid()}_{secrets.token_hex(3)}"
    admin = create_engine(sync_url(POSTGRES_URL), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
