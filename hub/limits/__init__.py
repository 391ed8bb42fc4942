"""Limits on what one client may ask of the hub before routing: body size and pace, requests per partner,
and slow clients at the HTTP server."""

from __future__ import annotations

from fastapi import FastAPI

from hub.config import Settings
from hub.limits.body import BodyLimitMiddleware
from hub.limits.rate import RateLimiter, RateLimitMiddleware


def install(app: FastAPI, settings: Settings) -> None:
    """Body limits inside the rate limit, so that a request over its rate is refused unread."""
    app.add_middleware(
        BodyLimitMiddleware,
        max_bytes=settings.max_body_bytes,
        admin_max_bytes=settings.admin_max_body_bytes,
        timeout=settings.body_timeout,
    )
    if settings.rate_limit_per_second > 0:
        limiter = RateLimiter(settings.rate_limit_per_second, settings.rate_limit_burst)
        app.state.rate_limiter = limiter
        app.add_middleware(RateLimitMiddleware, limiter=limiter)
