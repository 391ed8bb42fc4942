"""Database engines and sessions: SQLite by default, PostgreSQL when one machine is not enough."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from fastapi import Request
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

from hub import writelock
from hub.signals import ChangeSignal, session_info

SessionMaker = async_sessionmaker[AsyncSession]
# Seconds a SQLite write waits for this process's writers before it (then SQLite's busy timeout); long, as a
# write transaction may have to wait for a queue of them under load.
WRITE_QUEUE_WAIT = 120.0


class DatabaseUrlError(ValueError):
    """OCPI_HUB_DATABASE_URL names a database we do not support."""


def _driver(url: str, *, asynchronous: bool) -> str:
    try:
        parsed = make_url(url)
    except Exception as exc:
        raise DatabaseUrlError(f"OCPI_HUB_DATABASE_URL is not a database URL: {url!r}") from exc
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return parsed.set(drivername="sqlite+aiosqlite" if asynchronous else "sqlite").render_as_string(
            hide_password=False
        )
    if backend == "postgresql":
        return parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    raise DatabaseUrlError(
        f"OCPI_HUB_DATABASE_URL must be a sqlite:// or postgresql:// URL, got {backend}://"
    )


def async_url(url: str) -> str:
    """The URL with the asynchronous driver we ship (aiosqlite, psycopg 3)."""
    return _driver(url, asynchronous=True)


def sync_url(url: str) -> str:
    """The URL with the synchronous driver (migrations)."""
    return _driver(url, asynchronous=False)


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets readers proceed while the outbox worker writes; foreign keys are off by default in SQLite.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def create_engine(url: str) -> AsyncEngine:
    if is_sqlite(url):
        engine = create_async_engine(async_url(url), connect_args={"timeout": 10})
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        writelock.install(engine.sync_engine, WRITE_QUEUE_WAIT)
        return engine
    return create_async_engine(async_url(url), pool_pre_ping=True, pool_size=10, max_overflow=20)


def create_sessionmaker(engine: AsyncEngine, signal: ChangeSignal | None = None) -> SessionMaker:
    """Sessions on `engine`; with a `signal`, those that commit changes wake its waiters."""
    info = session_info(signal) if signal is not None else None
    return async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False, info=info)


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """One session per request: committed when the handler succeeds, rolled back when it raises."""
    sessionmaker: SessionMaker = request.app.state.sessionmaker
    async with sessionmaker() as session:
        try:
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            raise
