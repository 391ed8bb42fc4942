"""Pre-rendered pages of the Sender lists (transport_and_format_pagination): the `data` of a page of our own
objects, kept until our data changes. A page rendered at one generation of the database is served only
while the database still reports that generation, read again for every request after it arrived, so a
commit of this process or of any other is seen by the next request.

SQLite: every change to our data writes a change_event row in its transaction
(ObjectRepository.record_change) and writers take turns, so the highest change_event id is the generation.
PostgreSQL: ids are taken before commit, so a transaction may commit a lower id after a higher one became
visible. The generation is the highest visible id together with the transactions holding the lock an INSERT
into change_event takes before it draws its id: one of those that commits later leaves the list, and one
that starts later draws a higher id."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.db import is_sqlite

log = logging.getLogger("hub.list_cache")

_LATEST = "SELECT max(id) FROM change_event"
_IN_FLIGHT = (
    "SELECT (SELECT max(id) FROM change_event),"
    " array(SELECT l.virtualtransaction FROM pg_locks l WHERE l.locktype = 'relation'"
    " AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"
    " AND l.relation = 'change_event'::regclass AND l.mode = 'RowExclusiveLock' ORDER BY 1)::text"
)


@dataclass(frozen=True)
class CachedPage:
    """One page: its `data` array as JSON bytes and its response headers (X-Total-Count, X-Limit, Link)."""

    data: bytes
    headers: tuple[tuple[bytes, bytes], ...]

    @property
    def size(self) -> int:
        return len(self.data) + sum(len(k) + len(v) for k, v in self.headers) + 200


class SqliteGeneration:
    """The generation on SQLite, from a connection of its own that never writes: `PRAGMA data_version`
    changes whenever another connection commits (any table), and only then is change_event asked again.
    Both are reads of a few microseconds, done in the event loop's thread (WAL readers do not wait on writers)."""

    def __init__(self, path: str) -> None:
        self._path = path
        self._connection: sqlite3.Connection | None = None
        self._version: int | None = None
        self._latest = 0

    def _read(self) -> int:
        if self._connection is None:
            self._connection = sqlite3.connect(
                self._path, timeout=0.2, isolation_level=None, check_same_thread=False
            )
            self._version = None
        version = self._connection.execute("PRAGMA data_version").fetchone()[0]
        if version != self._version:
            self._latest = self._connection.execute(_LATEST).fetchone()[0] or 0
            self._version = version
        return self._latest

    async def current(self) -> Hashable:
        try:
            return self._read()
        except sqlite3.Error:
            self.close()
            raise

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None


class BatchedGeneration:
    """The generation by a query per batch: requests that arrive while a read is in flight wait for the next
    read, which starts after they arrived (so it sees every commit that preceded them) and answers them all.
    At most one read is in flight however many requests wait."""

    def __init__(self, read: Callable[[], Awaitable[Hashable]]) -> None:
        self._read = read
        self._waiting: asyncio.Future[Hashable] | None = None
        self._reader: asyncio.Task[None] | None = None

    async def current(self) -> Hashable:
        if self._waiting is None:
            self._waiting = asyncio.get_running_loop().create_future()
            if self._reader is None or self._reader.done():
                self._reader = asyncio.get_running_loop().create_task(self._run())
        return await asyncio.shield(self._waiting)

    async def _run(self) -> None:
        while self._waiting is not None:
            batch, self._waiting = self._waiting, None
            try:
                batch.set_result(await self._read())
            except Exception as exc:
                batch.set_exception(exc)
                batch.exception()  # retrieved here too: every waiter may have gone

    def close(self) -> None:
        if self._reader is not None:
            self._reader.cancel()


def postgres_generation(engine: AsyncEngine) -> BatchedGeneration:
    async def read() -> Hashable:
        async with engine.connect() as connection:
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            latest, in_flight = (await connection.execute(text(_IN_FLIGHT))).one()
        return (latest or 0, in_flight)

    return BatchedGeneration(read)


class ListCache:
    """Pages by key (module path, the caller's visibility, filters, offset, limit), all of one generation,
    least recently used dropped first beyond `max_bytes`."""

    def __init__(self, generation: SqliteGeneration | BatchedGeneration, max_bytes: int) -> None:
        self._generation = generation
        self._max_bytes = max_bytes
        self._pages: OrderedDict[Hashable, CachedPage] = OrderedDict()
        self._bytes = 0
        self._at: Hashable = None

    async def generation(self) -> Hashable:
        """The data's generation now; None when it cannot be read (the request is then served uncached)."""
        try:
            latest = await self._generation.current()
        except Exception:
            log.warning("could not read the change_event generation; serving lists uncached", exc_info=True)
            return None
        if latest != self._at:
            # Any other value, higher or not (change_event rows are pruned), ends every page rendered before.
            self._pages.clear()
            self._bytes = 0
            self._at = latest
        return latest

    def get(self, key: Hashable, generation: Hashable) -> CachedPage | None:
        if generation is None or generation != self._at:
            return None
        page = self._pages.get(key)
        if page is not None:
            self._pages.move_to_end(key)
        return page

    def put(self, key: Hashable, generation: Hashable, page: CachedPage) -> None:
        """Keep `page`, rendered from data read after `generation` was read, unless the data moved on since."""
        if generation is None or generation != self._at or page.size > self._max_bytes:
            return
        old = self._pages.pop(key, None)
        if old is not None:
            self._bytes -= old.size
        self._pages[key] = page
        self._bytes += page.size
        while self._bytes > self._max_bytes:
            _, dropped = self._pages.popitem(last=False)
            self._bytes -= dropped.size

    def __len__(self) -> int:
        return len(self._pages)

    def close(self) -> None:
        self._generation.close()


def create_list_cache(url: str, engine: AsyncEngine, max_bytes: int) -> ListCache | None:
    """The cache for this database, or None when switched off (max_bytes 0) or on an in-memory SQLite
    database (which no other connection can read)."""
    if max_bytes <= 0:
        return None
    if is_sqlite(url):
        database = make_url(url).database
        if not database or database == ":memory:" or database.startswith("file::memory:"):
            return None
        return ListCache(SqliteGeneration(database), max_bytes)
    return ListCache(postgres_generation(engine), max_bytes)
