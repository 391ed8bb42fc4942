"""The EVSE statuses a change event of our Locations carries (mod_locations_evse_object `status`), rendered
as the feed's `status` events.

A change event is one write to one of our Locations (hub/modules/locations/service.py): an EVSE PUT or PATCH
names its EVSE; a Location PUT carries every EVSE; a Location PATCH the EVSEs it replaces; Connector writes
carry no EVSE status."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from itertools import groupby
from typing import Any

import orjson
from sqlalchemy import tuple_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from sse_starlette import ServerSentEvent

from hub.modules.locations.service import MODULE
from hub.modules.objects import Owner, from_json, key
from hub.tables import ChangeEventRecord, LocationRecord

LocationKey = tuple[str, str, str]


@dataclass(frozen=True)
class StatusChange:
    event_id: int
    country_code: str
    party_id: str
    location_id: str
    evse_uid: str
    status: str
    last_updated: str

    @property
    def location_key(self) -> LocationKey:
        return (self.country_code, self.party_id, key(self.location_id))


def status_changes(row: ChangeEventRecord) -> list[StatusChange]:
    """The EVSE statuses one change event gives, in the order its body lists them."""
    if row.module != MODULE or row.connector_id is not None or row.body is None or row.id is None:
        return []
    body = from_json(row.body)
    given: list[tuple[str, str, str]] = []
    if row.evse_uid is not None:
        # EVSE PUT: the whole EVSE as stored; EVSE PATCH: the changed fields and the EVSE's new last_updated.
        if "status" in body:
            given.append((row.evse_uid, body["status"], body["last_updated"]))
    elif row.method == "PUT":
        # Our own Locations are stamped per level only where content changed, so the EVSEs that carry the
        # Location's new last_updated are the ones this PUT created or changed; the others keep their status.
        given += [
            (evse["uid"], evse["status"], evse["last_updated"])
            for evse in body.get("evses") or []
            if evse.get("last_updated") == body["last_updated"]
        ]
    elif row.method == "PATCH":
        # A Location PATCH replaces the EVSEs it lists (merged by uid): each gives its status.
        given += [
            (evse["uid"], evse["status"], body["last_updated"])
            for evse in body.get("evses") or []
            if "status" in evse
        ]
    return [
        StatusChange(row.id, row.country_code, row.party_id, row.object_id, uid, status, last_updated)
        for uid, status, last_updated in given
    ]


def published(body: dict[str, Any]) -> bool:
    # mod_locations_location_object: with publish false, only the tokens in publish_allowed_to may be shown
    # the Location, and a feed token is none of them.
    return body.get("publish") is not False


async def feed_locations(
    session: AsyncSession, keys: Collection[LocationKey], owners: Collection[Owner]
) -> dict[LocationKey, dict[str, Any]]:
    """The current bodies of these Locations that are ours, of `owners` and published, in one query."""
    owned = [k for k in keys if Owner(k[0], k[1]) in owners]
    if not owned:
        return {}
    table = LocationRecord
    statement = select(table).where(
        col(table.partner_id).is_(None),
        tuple_(col(table.country_code), col(table.party_id), col(table.object_key)).in_(owned),
    )
    found: dict[LocationKey, dict[str, Any]] = {}
    for record in (await session.exec(statement)).all():
        body = from_json(record.body)
        if published(body):
            found[(record.country_code, record.party_id, record.object_key)] = body
    return found


def location_head(body: dict[str, Any]) -> dict[str, Any]:
    """What a navigation app shows of a Location: who owns it, its id, name and coordinates."""
    head = {"country_code": body["country_code"], "party_id": body["party_id"], "id": body["id"]}
    if body.get("name") is not None:
        head["name"] = body["name"]
    head["coordinates"] = body["coordinates"]
    return head


def evse_entry(uid: str, status: str, last_updated: str, evse_id: str | None) -> dict[str, Any]:
    entry = {"uid": uid}
    if evse_id is not None:
        entry["evse_id"] = evse_id
    entry.update(status=status, last_updated=last_updated)
    return entry


def _evse_id(location: dict[str, Any], uid: str) -> str | None:
    for evse in location.get("evses") or []:
        if str(evse.get("uid", "")).upper() == uid.upper():
            value = evse.get("evse_id")
            return value if isinstance(value, str) else None
    return None


async def render(
    session: AsyncSession, rows: Sequence[ChangeEventRecord], owners: Collection[Owner]
) -> list[tuple[int, bytes]]:
    """The `status` events of these change events, encoded once for every subscriber, as (event id, message).

    The SSE `id:` goes on the last message of each change event only: a client that loses the connection in
    the middle of one change resumes before it and receives all of it again."""
    changes = [change for row in rows for change in status_changes(row)]
    if not changes:
        return []
    locations = await feed_locations(session, {c.location_key for c in changes}, owners)
    shown = [c for c in changes if c.location_key in locations]
    messages: list[tuple[int, bytes]] = []
    for event_id, group in groupby(shown, key=lambda c: c.event_id):
        items = list(group)
        for i, change in enumerate(items):
            location = locations[change.location_key]
            data = {
                "location": location_head(location),
                "evse": evse_entry(
                    change.evse_uid, change.status, change.last_updated, _evse_id(location, change.evse_uid)
                ),
            }
            last = i == len(items) - 1
            event = ServerSentEvent(
                orjson.dumps(data).decode(), event="status", id=str(event_id) if last else None
            )
            messages.append((event_id, event.encode()))
    return messages
