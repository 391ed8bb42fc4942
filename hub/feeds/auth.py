"""Feed token authentication: `Authorization: Bearer <token>`, or `?token=<token>` for browser EventSource
clients, which cannot set headers (DESIGN: interfaces settled)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Request

from hub.deps import SessionDep
from hub.errors import HubError
from hub.feeds.tokens import find_active
from hub.tables.feeds import FeedTokenRecord


class FeedAuthError(HubError):
    http_status = 401
    default_message = (
        "Missing, unknown or revoked feed token: send Authorization: Bearer <token> or ?token=<token>"
    )

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message, headers={"WWW-Authenticate": "Bearer"})


def _presented(request: Request, query_token: str | None) -> str | None:
    """The bearer token of the Authorization header, else the `token` query parameter."""
    scheme, _, value = request.headers.get("Authorization", "").strip().partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    if query_token is not None and query_token.strip():
        return query_token.strip()
    return None


async def feed_token(
    request: Request,
    session: SessionDep,
    token: Annotated[
        str | None,
        Query(description="the feed token, for clients that cannot send Authorization: Bearer"),
    ] = None,
) -> FeedTokenRecord:
    presented = _presented(request, token)
    if presented is None:
        raise FeedAuthError()
    record = await find_active(session, presented)
    if record is None:
        raise FeedAuthError("Unknown or revoked feed token")
    return record


FeedTokenDep = Annotated[FeedTokenRecord, Depends(feed_token, scope="function")]
