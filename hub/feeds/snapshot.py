"""The availability snapshot: every EVSE of our published Locations with its status, as one JSON document with
a strong ETag (RFC 9110 8.8.3), rebuilt only after a change to our Locations.

    {"locations": [{"country_code": "NL", "party_id": "GWY", "id": "LOC1", "name": "Station 1",
                    "coordinates": {"latitude": "52.378901", "longitude": "4.900210"},
                    "last_updated": "2026-01-01T00:00:00Z",
                    "evses": [{"uid": "LOC1-1", "evse_id": "NL*GWY*E1*1", "status": "AVAILABLE",
                               "last_updated": "2026-01-01T00:00:00Z"}]}]}
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import tuple_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from hub.db import SessionMaker
from hub.feeds.broadcaster import Broadcaster
from hub.feeds.events import evse_entry, location_head, published
from hub.modules.objects import Owner, from_json
from hub.tables import LocationRecord


@dataclass(frozen=True)
class Snapshot:
    version: int
    body: bytes
    etag: str


def location_entry(body: dict[str, Any]) -> dict[str, Any]:
    entry = location_head(body)
    entry["last_updated"] = body["last_updated"]
    entry["evses"] = [
        evse_entry(evse["uid"], evse["status"], evse["last_updated"], evse.get("evse_id"))
        for evse in body.get("evses") or []
    ]
    return entry


async def build(session: AsyncSession, owners: Collection[Owner]) -> bytes:
    """The snapshot document, in a stable order so that equal content gives an equal ETag in every process."""
    if not owners:
        return b'{"locations":[]}'
    table = LocationRecord
    statement = (
        select(col(table.body))
        .where(
            col(table.partner_id).is_(None),
            tuple_(col(table.country_code), col(table.party_id)).in_(
                [(o.country_code, o.party_id) for o in owners]
            ),
        )
        .order_by(col(table.country_code), col(table.party_id), col(table.object_key))
    )
    bodies = (from_json(body) for body in (await session.exec(statement)).all())
    return orjson.dumps({"locations": [location_entry(body) for body in bodies if published(body)]})


def etag_of(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def matches(if_none_match: str | None, etag: str) -> bool:
    """If-None-Match compares weakly (RFC 9110 13.1.2): `W/` prefixes do not count, `*` matches anything."""
    if if_none_match is None:
        return False
    tags = [tag.strip() for tag in if_none_match.split(",")]
    return any(tag == "*" or tag.removeprefix("W/") == etag for tag in tags)


class SnapshotCache:
    """The last snapshot built, kept while the broadcaster has delivered no newer change to our Locations; the
    broadcaster reads change events in id order without gaps, so no change committed out of order is missed."""

    def __init__(self, sessionmaker: SessionMaker, feed: Broadcaster, owners: Collection[Owner]) -> None:
        self._sessionmaker = sessionmaker
        self._feed = feed
        self._owners = owners
        self._snapshot: Snapshot | None = None
        self._lock = asyncio.Lock()

    async def get(self) -> Snapshot:
        await self._feed.refresh()
        async with self._lock:
            # Read before the Locations: a change delivered meanwhile makes the next call rebuild.
            version = self._feed.locations_version
            if self._snapshot is None or self._snapshot.version != version:
                async with self._sessionmaker() as session:
                    body = await build(session, self._owners)
                self._snapshot = Snapshot(version, body, etag_of(body))
            return self._snapshot
