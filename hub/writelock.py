"""One SQLite write transaction at a time in this process, in the order they asked (DESIGN: SQLite is the
single-machine database; it has one writer).

SQLite lets one connection write and makes the others retry in its busy handler, which sleeps between
tries and serves no one in order: under a steady stream of writes some waited past the busy timeout and
failed with "database is locked". Here a connection about to write first queues on an asyncio lock that is
handed on the moment the writer before it returns its connection; the busy timeout is left for writers in
other processes."""

from __future__ import annotations

import asyncio
import weakref
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.util import await_

_HOLDS = "hub.write_lock"
# Statements that do not write: they run outside a transaction in pysqlite's default mode.
_READS = ("SELECT", "PRAGMA", "WITH", "EXPLAIN")


class WriteLock:
    """The write queue of one engine; a lock per event loop (tests run several loops in one process)."""

    def __init__(self, wait: float) -> None:
        # A writer waits this long in the queue, then goes on into SQLite's own busy handling: a transaction
        # that holds the lock while waiting on another session's write would otherwise wait forever.
        self.wait = wait
        self._locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
            weakref.WeakKeyDictionary()
        )

    def _lock(self) -> asyncio.Lock:
        loop = asyncio.get_running_loop()
        lock = self._locks.get(loop)
        if lock is None:
            lock = self._locks[loop] = asyncio.Lock()
        return lock

    def before_execute(
        self, conn: Any, _cursor: Any, statement: str, _parameters: Any, _context: Any, _many: bool
    ) -> None:
        if conn.info.get(_HOLDS) is not None or statement.lstrip()[:7].upper().startswith(_READS):
            return
        try:
            lock = self._lock()
        except RuntimeError:
            return  # not on an event loop (synchronous use of the engine): nothing to queue behind
        try:
            await_(asyncio.wait_for(lock.acquire(), self.wait))
        except TimeoutError:
            return
        conn.info[_HOLDS] = lock

    @staticmethod
    def release(_dbapi_connection: Any, record: Any) -> None:
        lock: asyncio.Lock | None = record.info.pop(_HOLDS, None)
        if lock is not None and lock.locked():
            lock.release()


def install(engine: Engine, wait: float) -> WriteLock:
    """Queue the writes of `engine` (the sync engine of an async SQLite engine): taken before a
    connection's first writing statement, released when the connection goes back to the pool."""
    gate = WriteLock(wait)
    event.listen(engine, "before_cursor_execute", gate.before_execute)
    for name in ("checkin", "reset", "invalidate", "soft_invalidate", "close", "detach"):
        event.listen(engine.pool, name, _releaser(name))
    return gate


def _releaser(name: str) -> Any:
    if name in ("invalidate", "soft_invalidate"):
        return lambda dbapi_connection, record, _exception: WriteLock.release(dbapi_connection, record)
    if name == "reset":
        return lambda dbapi_connection, record, _state: WriteLock.release(dbapi_connection, record)
    return WriteLock.release
