"""Databases for the benchmarks: a migrated SQLite file or a PostgreSQL database of their own, filled with
our Locations and Tariffs and with partners registered directly in the tables (the credentials handshake is
not what is measured)."""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import sqlite3
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy.engine import make_url

from benchmarks.core import Context
from hub.config import LocalParty, Settings
from hub.db import create_engine, create_sessionmaker
from hub.migrate import upgrade
from hub.ocpi.enums import Role
from hub.operator.imports import ImportKind, import_objects

__all__ = ["ImportKind"]
from hub.partners.repository import PartnerRepository
from hub.tables import PartnerEndpointRecord, PartnerRoleRecord, PartnerStatus, TokenKind

POSTGRES_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
CPO = LocalParty(country_code="NL", party_id="BEN", role=Role.CPO, name="Benchmark CPO")
STAMP = "2026-01-01T00:00:00Z"


def sqlite_database(workdir: Path, name: str) -> str:
    path = workdir / f"{name}.db"
    path.unlink(missing_ok=True)
    url = f"sqlite:///{path}"
    upgrade(url)
    return url


def sqlite_copy(template: str, workdir: Path, name: str) -> str:
    """A copy of the SQLite database `template` (a URL), for runs that must each start from the same data
    without seeding it again (SQLite's backup API: the copy is consistent whatever the journal holds)."""
    path = workdir / f"{name}.db"
    path.unlink(missing_ok=True)
    source = sqlite3.connect(make_url(template).database or "")
    target = sqlite3.connect(path)
    try:
        source.backup(target)
    finally:
        target.close()
        source.close()
    return f"sqlite:///{path}"


@contextlib.contextmanager
def postgres_database(name: str) -> Iterator[str]:
    """A fresh migrated PostgreSQL database, dropped afterwards."""
    database = f"bench_{name}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{database}"')
    url = f"postgresql://postgres@127.0.0.1:5432/{database}"
    try:
        upgrade(url)
        yield url
    finally:
        with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def with_postgres(ctx: Context) -> bool:
    """Whether this run measures PostgreSQL too: the full run does when the server answers; `--quick`
    measures SQLite only (a database of its own, migrated, costs seconds the quick run does not have)."""
    if ctx.quick:
        ctx.say("  PostgreSQL: measured in the full run only")
        return False
    if not postgres_available():
        ctx.say("  PostgreSQL not reachable at 127.0.0.1:5432: skipped")
        return False
    return True


def postgres_available() -> bool:
    try:
        with psycopg.connect(POSTGRES_ADMIN, connect_timeout=2):
            return True
    except psycopg.OperationalError:
        return False


def location(
    index: int, *, evses: int = 2, connectors: int = 2, tariff_id: str | None = None
) -> dict[str, Any]:
    """Location number `index` of our CPO party, `evses` EVSEs with `connectors` Connectors each."""
    location_id = f"L{index:06d}"
    connector_extra = {"tariff_ids": [tariff_id]} if tariff_id else {}
    return {
        "country_code": CPO.country_code,
        "party_id": CPO.party_id,
        "id": location_id,
        "publish": True,
        "name": f"Benchmark site {index}",
        "address": f"Benchstraat {index % 500 + 1}",
        "city": "Utrecht",
        "postal_code": "3511AB",
        "country": "NLD",
        "coordinates": {"latitude": f"52.{index % 100000:06d}", "longitude": f"5.{index % 100000:06d}"},
        "parking_type": "ON_STREET",
        "time_zone": "Europe/Amsterdam",
        "evses": [
            {
                "uid": f"{location_id}-{e}",
                "evse_id": f"NL*BEN*E{index:06d}*{e}",
                "status": "AVAILABLE",
                "capabilities": ["RFID_READER", "REMOTE_START_STOP_CAPABLE"],
                "connectors": [
                    {
                        "id": str(c),
                        "standard": "IEC_62196_T2",
                        "format": "SOCKET",
                        "power_type": "AC_3_PHASE",
                        "max_voltage": 230,
                        "max_amperage": 16,
                        "max_electric_power": 11000,
                        "last_updated": STAMP,
                        **connector_extra,
                    }
                    for c in range(1, connectors + 1)
                ],
                "last_updated": STAMP,
            }
            for e in range(1, evses + 1)
        ],
        "last_updated": STAMP,
    }


def settings_for(url: str, **extra: Any) -> Settings:
    return Settings(database_url=url, parties=[CPO], **extra)


async def _import(url: str, kind: ImportKind, items: list[dict[str, Any]]) -> None:
    engine = create_engine(url)
    try:
        report = await import_objects(create_sessionmaker(engine), settings_for(url), kind, items)
        if report.invalid:
            raise RuntimeError(f"benchmark data refused: {report.invalid[:3]}")
    finally:
        await engine.dispose()


def import_data(url: str, kind: ImportKind, items: list[dict[str, Any]]) -> None:
    asyncio.run(_import(url, kind, items))


@dataclass(frozen=True)
class Partner:
    """A partner registered in the tables: it calls us with `token`, we call it with `token_out`."""

    id: int
    name: str
    token: str
    token_out: str
    country_code: str
    party_id: str


async def _add_partners(url: str, partners: Sequence[tuple[str, str, str, dict[str, str]]]) -> list[Partner]:
    engine = create_engine(url)
    made: list[Partner] = []
    try:
        async with create_sessionmaker(engine)() as session:
            repo = PartnerRepository(session)
            for name, country_code, party_id, endpoints in partners:
                record = await repo.create(name=name, status=PartnerStatus.REGISTERED)
                assert record.id is not None
                record.version = "2.2.1"
                record.token_out = secrets.token_urlsafe(24)
                token = secrets.token_urlsafe(24)
                await repo.add_token(record, token, TokenKind.ACTIVE)
                session.add(
                    PartnerRoleRecord(
                        partner_id=record.id,
                        role=Role.EMSP.value,
                        country_code=country_code,
                        party_id=party_id,
                        business_details={"name": name},
                    )
                )
                for module, endpoint_url in endpoints.items():
                    session.add(
                        PartnerEndpointRecord(
                            partner_id=record.id, module=module, interface_role="RECEIVER", url=endpoint_url
                        )
                    )
                made.append(Partner(record.id, name, token, record.token_out, country_code, party_id))
            await session.commit()
    finally:
        await engine.dispose()
    return made


def add_partners(url: str, partners: Sequence[tuple[str, str, str, dict[str, str]]]) -> list[Partner]:
    """Register eMSP partners: (name, country_code, party_id, {module: Receiver endpoint URL})."""
    return asyncio.run(_add_partners(url, partners))
