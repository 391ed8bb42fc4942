"""The SQLite write queue (hub.writelock): a writer waits for this process's writer before it in order, never
in SQLite's busy handler, so that it cannot time out with "database is locked"."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from hub import writelock

# SQLite's own wait for the write lock: far shorter than the writer ahead holds it.
BUSY_TIMEOUT = 0.05
HOLD = 0.5


async def _engine(path: Path, *, queued: bool) -> AsyncEngine:
    engine = create_async_engine(f"sqlite+aiosqlite:///{path}", connect_args={"timeout": BUSY_TIMEOUT})
    if queued:
        writelock.install(engine.sync_engine, wait=30.0)
    async with engine.begin() as connection:
        await connection.execute(text("PRAGMA journal_mode=WAL"))
        await connection.execute(text("CREATE TABLE IF NOT EXISTS item (n INTEGER)"))
    return engine


@pytest.fixture
async def queued(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    engine = await _engine(tmp_path / "queued.db", queued=True)
    yield engine
    await engine.dispose()


async def _hold_then_commit(engine: AsyncEngine, written: asyncio.Event) -> None:
    async with engine.begin() as connection:
        await connection.execute(text("INSERT INTO item VALUES (1)"))
        written.set()
        # A long transaction on a busy event loop: longer than SQLite's busy timeout.
        await asyncio.sleep(HOLD)


async def _write(engine: AsyncEngine, n: int) -> None:
    async with engine.begin() as connection:
        await connection.execute(text("INSERT INTO item VALUES (:n)"), {"n": n})


async def _count(engine: AsyncEngine) -> int:
    async with engine.connect() as connection:
        return int((await connection.execute(text("SELECT count(*) FROM item"))).scalar_one())


async def test_a_writer_behind_a_long_transaction_waits_instead_of_failing(queued: AsyncEngine) -> None:
    written = asyncio.Event()
    holder = asyncio.create_task(_hold_then_commit(queued, written))
    await written.wait()
    await asyncio.gather(*(_write(queued, n) for n in range(2, 12)))
    await holder
    assert await _count(queued) == 11


async def test_without_the_queue_the_same_writer_fails(tmp_path: Path) -> None:
    """The case the queue exists for: SQLite alone gives up after its busy timeout."""
    engine = await _engine(tmp_path / "plain.db", queued=False)
    try:
        written = asyncio.Event()
        holder = asyncio.create_task(_hold_then_commit(engine, written))
        await written.wait()
        with pytest.raises(OperationalError, match="database is locked"):
            await _write(engine, 2)
        await holder
    finally:
        await engine.dispose()


async def test_a_rolled_back_writer_lets_the_next_one_in(queued: AsyncEngine) -> None:
    async def fail() -> None:
        async with queued.begin() as connection:
            await connection.execute(text("INSERT INTO item VALUES (1)"))
            raise RuntimeError("the transaction fails")

    with pytest.raises(RuntimeError):
        await fail()
    await asyncio.wait_for(_write(queued, 2), 5)
    assert await _count(queued) == 1


async def test_reads_do_not_queue_behind_a_writer(queued: AsyncEngine) -> None:
    written = asyncio.Event()
    holder = asyncio.create_task(_hold_then_commit(queued, written))
    await written.wait()
    # WAL: a reader sees the last commit while the writer's transaction is open.
    assert await asyncio.wait_for(_count(queued), HOLD / 2) == 0
    await holder
