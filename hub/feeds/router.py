"""`GET /feeds/availability` (Server-Sent Events) and `GET /feeds/availability/snapshot` (JSON with ETag): the
availability feed for navigation apps, outside OCPI, for holders of a feed token."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import APIRouter, FastAPI, Header, Query, Request, Response
from sse_starlette import EventSourceResponse

from hub.feeds.auth import FeedTokenDep
from hub.feeds.feed import AvailabilityFeed, availability_feed
from hub.feeds.replay import parse_event_id
from hub.feeds.snapshot import matches


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    try:
        yield
    finally:
        feed: AvailabilityFeed | None = getattr(app.state, "availability_feed", None)
        if feed is not None:
            await feed.broadcaster.close()


# FastAPI merges an included router's lifespan into the app's: streams end before the engine is disposed.
router = APIRouter(prefix="/feeds", tags=["availability feed"], lifespan=_lifespan)

# Browser apps on other origins read the feed; the token travels in the request, never in a cookie.
_CORS = {"Access-Control-Allow-Origin": "*", "Access-Control-Expose-Headers": "ETag"}


@router.get(
    "/availability",
    response_class=EventSourceResponse,
    responses={200: {"description": "The event stream", "content": {"text/event-stream": {}}}},
)
async def availability_stream(
    request: Request,
    token: FeedTokenDep,
    last_event_id: Annotated[
        str | None,
        Query(description="resume after this event id, for clients that cannot send Last-Event-ID"),
    ] = None,
    last_event_id_header: Annotated[str | None, Header(alias="Last-Event-ID")] = None,
) -> EventSourceResponse:
    """EVSE status changes as Server-Sent Events: a `snapshot` event, then `status` events; resumes after
    Last-Event-ID."""
    feed = availability_feed(request.app.state)
    # An EventSource reconnects to the same URL with the newest id in its header: the header wins.
    resume = parse_event_id(last_event_id_header if last_event_id_header is not None else last_event_id)
    assert token.id is not None
    return EventSourceResponse(
        feed.stream(token.id, resume),
        ping=feed.settings.ping_interval,
        send_timeout=feed.settings.send_timeout,
        headers=_CORS,
    )


@router.get("/availability/snapshot")
async def availability_snapshot(
    request: Request,
    _token: FeedTokenDep,
    if_none_match: Annotated[str | None, Header()] = None,
) -> Response:
    """Every EVSE of our published Locations with its status, as JSON with a strong ETag (If-None-Match: 304)."""
    snapshot = await availability_feed(request.app.state).snapshot()
    headers = {"ETag": snapshot.etag, "Cache-Control": "no-cache", **_CORS}
    if matches(if_none_match, snapshot.etag):
        return Response(status_code=304, headers=headers)
    return Response(snapshot.body, media_type="application/json", headers=headers)
