"""Tuning of the availability feed: how often it looks for changes written by other processes, keep-alives,
and the bounds that keep one slow or long-gone client from costing memory."""

from __future__ import annotations

from pydantic import BaseModel, Field
from starlette.datastructures import State

from hub.config import Settings


class FeedSettings(BaseModel):
    """From `OCPI_HUB_PUSH_POLL_INTERVAL` (hub.config.Settings) and defaults, unless a test sets
    `app.state.feed_settings`."""

    poll_interval: float = Field(
        default=1.0, gt=0, description="seconds between looks for changes other processes committed"
    )
    ping_interval: float = Field(default=15.0, gt=0, description="seconds between keep-alive comments")
    send_timeout: float = Field(
        default=30.0, gt=0, description="seconds one write to a client may take before it is dropped"
    )
    queue_size: int = Field(
        default=1000, ge=1, description="events buffered per client; a client further behind is disconnected"
    )
    token_check_interval: float = Field(
        default=15.0, gt=0, description="seconds between checks that the streaming clients' tokens still hold"
    )
    max_replay: int = Field(
        default=10_000, ge=0, description="change events a resume may replay; further behind gets a snapshot"
    )
    gap_timeout: float = Field(
        default=60.0,
        gt=0,
        description="seconds a change event id missing on PostgreSQL holds back later ones before it is skipped",
    )


def feed_settings(state: State) -> FeedSettings:
    existing: FeedSettings | None = getattr(state, "feed_settings", None)
    if existing is None:
        settings: Settings = state.settings
        existing = FeedSettings(poll_interval=settings.push_poll_interval)
        state.feed_settings = existing
    return existing
