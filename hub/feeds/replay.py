"""Resuming a stream from a Last-Event-ID (the SSE reconnection of html.spec.whatwg.org "server-sent events"):
the change events after that id, from the change_event table, when it still holds all of them."""

from __future__ import annotations

from collections.abc import AsyncIterator, Collection

from sqlalchemy import func
from sqlmodel import col, select

from hub.db import SessionMaker
from hub.feeds.events import render
from hub.modules.locations.service import MODULE
from hub.modules.objects import Owner
from hub.tables import ChangeEventRecord

PAGE = 500


def parse_event_id(value: str | None) -> int | None:
    """A Last-Event-ID we issued is a change event id; anything else is unknown (None)."""
    if value is None or not value.strip().isdigit():
        return None
    return int(value.strip())


async def replayable(sessionmaker: SessionMaker, after: int, upto: int, max_replay: int) -> bool:
    """Whether the events in (after, upto] are all still stored (none pruned) and few enough to replay.
    An id beyond `upto` is not one of ours (another database, or one reset since)."""
    if after > upto or upto - after > max_replay:
        return False
    if after == upto:
        return True
    async with sessionmaker() as session:
        oldest = (await session.exec(select(func.min(ChangeEventRecord.id)))).one()
    return oldest is not None and after >= oldest - 1


async def replay(
    sessionmaker: SessionMaker, after: int, upto: int, owners: Collection[Owner]
) -> AsyncIterator[bytes]:
    """The `status` messages of the change events in (after, upto], a page at a time."""
    while after < upto:
        async with sessionmaker() as session:
            statement = (
                select(ChangeEventRecord)
                .where(
                    col(ChangeEventRecord.id) > after,
                    col(ChangeEventRecord.id) <= upto,
                    col(ChangeEventRecord.module) == MODULE,
                )
                .order_by(col(ChangeEventRecord.id))
                .limit(PAGE)
            )
            rows = (await session.exec(statement)).all()
            messages = await render(session, rows, owners)
        for _, message in messages:
            yield message
        if len(rows) < PAGE:
            return
        after = rows[-1].id or upto
