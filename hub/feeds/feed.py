"""The app's availability feed: one broadcaster and one snapshot cache per app, and the stream each client
gets (a snapshot or a replay, then live `status` events)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

from sse_starlette import ServerSentEvent
from starlette.datastructures import State

from hub.config import Settings
from hub.db import SessionMaker, is_sqlite
from hub.feeds.broadcaster import Broadcaster
from hub.feeds.replay import replay, replayable
from hub.feeds.settings import FeedSettings, feed_settings
from hub.feeds.snapshot import Snapshot, SnapshotCache
from hub.modules.local_parties import cpo_owners
from hub.modules.objects import Owner


@dataclass
class AvailabilityFeed:
    sessionmaker: SessionMaker
    settings: FeedSettings
    owners: frozenset[Owner]
    broadcaster: Broadcaster
    snapshots: SnapshotCache

    async def snapshot(self) -> Snapshot:
        return await self.snapshots.get()

    async def stream(self, token_id: int, resume_after: int | None) -> AsyncIterator[bytes]:
        """Without `resume_after`, a `snapshot` event first; with it, the missed `status` events, or a
        snapshot when they are no longer all stored. Then live `status` events until the client goes, falls
        too far behind, or its token is revoked."""
        subscription = await self.broadcaster.subscribe(token_id)
        try:
            upto = subscription.after
            if resume_after is not None and await replayable(
                self.sessionmaker, resume_after, upto, self.settings.max_replay
            ):
                async for message in replay(self.sessionmaker, resume_after, upto, self.owners):
                    yield message
            else:
                snapshot = await self.snapshots.get()
                # The snapshot holds at least every change up to `upto`; the live events after it may repeat a
                # status it already shows, and applied in order they end in the current state.
                yield ServerSentEvent(snapshot.body.decode(), event="snapshot", id=str(upto)).encode()
            while True:
                live = await subscription.next()
                if live is None:
                    return
                yield live
        finally:
            self.broadcaster.unsubscribe(subscription)


def availability_feed(state: State) -> AvailabilityFeed:
    """The app's feed, made on first use; the feeds router's lifespan closes it."""
    existing: AvailabilityFeed | None = getattr(state, "availability_feed", None)
    if existing is None:
        settings: Settings = state.settings
        tuning = feed_settings(state)
        owners = frozenset(cpo_owners(settings))
        broadcaster = Broadcaster(
            state.sessionmaker,
            state.signal,
            tuning,
            owners,
            postgresql=not is_sqlite(settings.database_url),
        )
        existing = AvailabilityFeed(
            state.sessionmaker,
            tuning,
            owners,
            broadcaster,
            SnapshotCache(state.sessionmaker, broadcaster, owners),
        )
        state.availability_feed = existing
    return existing
